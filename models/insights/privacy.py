"""Insights' part of a member's data: only which host last turned the weekly report on or off (figures are counts)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from models.insights.tables import InsightsSettings
from models.privacy.interface import MemberData, rowcount


async def export(session: AsyncSession, guild_id: int, member_id: int) -> dict[str, Any]:
    chosen = await session.scalar(
        select(InsightsSettings).where(InsightsSettings.guild_id == guild_id, InsightsSettings.updated_by == member_id)
    )
    if chosen is None:
        return {}
    return {"weekly_report_set": {"enabled": chosen.weekly, "at": chosen.updated_at}}


async def erase(session: AsyncSession, guild_id: int, member_id: int, now: datetime) -> int:
    """The setting stays; who changed it goes."""
    result = await session.execute(
        update(InsightsSettings)
        .where(InsightsSettings.guild_id == guild_id, InsightsSettings.updated_by == member_id)
        .values(updated_by=None)
    )
    return rowcount(result)


PRIVACY = MemberData(name="insights", export=export, erase=erase, columns=(InsightsSettings.updated_by,))
