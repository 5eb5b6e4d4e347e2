"""The code of conduct's part of a member's data: acceptances, notices of new versions, reports they signed."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from models.conduct import service
from models.conduct.tables import ConductAcceptance, ConductDraft, ConductNotice, ConductReport, ConductVersion
from models.privacy.interface import MemberData, Retention


async def erase(session: AsyncSession, guild_id: int, member_id: int, now: datetime) -> int:
    """Acceptances, notices and signed reports go; texts a host edited or published stay, without their name."""
    return await service.forget_member(session, guild_id, member_id)


PRIVACY = MemberData(
    name="conduct",
    export=service.export_member,
    erase=erase,
    unsigned=(ConductDraft.updated_by, ConductVersion.published_by),
    columns=(
        ConductAcceptance.member_id,
        ConductNotice.member_id,
        ConductReport.reporter_id,
        ConductDraft.updated_by,
        ConductVersion.published_by,
    ),
    retention=(
        # Reports the moderators received long ago: their texts went at delivery, now who sent them and when go too.
        Retention.deleting(
            "conduct_reports",
            ConductReport.delivered_at,
            "delivered conduct reports (who sent them, when; their texts go at delivery)",
        ),
    ),
    fixed=("conduct report texts: until the moderators' channel has them, then emptied",),
)
