"""Insights' part of a member's data: only which host last turned the weekly report on or off (figures are counts)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from models.insights.tables import InsightsSettings
from models.privacy.interface import MemberData, unsign


async def export(session: AsyncSession, guild_id: int, member_id: int) -> dict[str, Any]:
    chosen = await session.scalar(
        select(InsightsSettings).where(InsightsSettings.guild_id == guild_id, InsightsSettings.updated_by == member_id)
    )
    if chosen is None:
        return {}
    return {"weekly_report_set": {"enabled": chosen.weekly, "at": chosen.updated_at}}


async def erase(session: AsyncSession, guild_id: int, member_id: int, now: datetime) -> int:
    """The setting stays; who changed it goes."""
    return await unsign(session, guild_id, member_id, InsightsSettings.updated_by)


PRIVACY = MemberData(name="insights", export=export, erase=erase, columns=(InsightsSettings.updated_by,))
