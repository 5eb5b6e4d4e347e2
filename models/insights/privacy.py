"""Insights' part of a member's data: only which host last turned the weekly report on or off (figures are counts)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from models.insights.tables import InsightsSettings
from models.privacy.interface import MemberData


async def export(session: AsyncSession, guild_id: int, member_id: int) -> dict[str, Any]:
    chosen = await session.scalar(
        select(InsightsSettings).where(InsightsSettings.guild_id == guild_id, InsightsSettings.updated_by == member_id)
    )
    if chosen is None:
        return {}
    return {"weekly_report_set": {"enabled": chosen.weekly, "at": chosen.updated_at}}


# The setting stays; who changed it goes.
PRIVACY = MemberData(
    name="insights",
    export=export,
    unsigned=(InsightsSettings.updated_by,),
    columns=(InsightsSettings.updated_by,),
)
