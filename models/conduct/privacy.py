"""The code of conduct's part of a member's data: acceptances, notices of new versions, reports they signed."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncSession

from models.conduct import service
from models.conduct.tables import ConductAcceptance, ConductDraft, ConductNotice, ConductReport, ConductVersion
from models.privacy.interface import MemberData, Retention, rowcount, unsign


async def erase(session: AsyncSession, guild_id: int, member_id: int, now: datetime) -> int:
    """Acceptances, notices and signed reports go; texts a host edited or published stay, without their name."""
    changed = await service.forget_member(session, guild_id, member_id)
    return changed + await unsign(session, guild_id, member_id, ConductDraft.updated_by, ConductVersion.published_by)


async def purge_delivered_reports(session: AsyncSession, older_than: datetime) -> int:
    """Reports the moderators received long ago: their texts went at delivery, now who sent them and when go too."""
    result = await session.execute(
        delete(ConductReport).where(ConductReport.delivered_at.is_not(None), ConductReport.delivered_at < older_than)
    )
    return rowcount(result)


PRIVACY = MemberData(
    name="conduct",
    export=service.export_member,
    erase=erase,
    columns=(
        ConductAcceptance.member_id,
        ConductNotice.member_id,
        ConductReport.reporter_id,
        ConductDraft.updated_by,
        ConductVersion.published_by,
    ),
    retention=(
        Retention(
            "conduct_reports",
            purge_delivered_reports,
            "delivered conduct reports (who sent them, when; their texts go at delivery)",
        ),
    ),
    fixed=("conduct report texts: until the moderators' channel has them, then emptied",),
)
