"""A member's data across sessions, for the privacy capability: what Agora keeps under their id, and forgetting it.

Anonymous feedback is not found here: nothing links it to anyone (see `feedback`).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from models.privacy.interface import of_member
from models.sessions import feedback
from models.sessions.tables import (
    FeedbackAnswer,
    FeedbackPrompt,
    SessionDelivery,
    SessionDraft,
    SessionMember,
    SessionPresence,
    SessionRsvp,
)


async def export_member(session: AsyncSession, guild_id: int, member_id: int) -> dict[str, Any]:
    rsvps = await session.scalars(
        select(SessionRsvp).where(SessionRsvp.guild_id == guild_id, SessionRsvp.member_id == member_id)
    )
    presence = await session.scalars(
        select(SessionPresence).where(of_member(SessionPresence.member_id, guild_id, member_id))
    )
    settings = await session.get(SessionMember, (guild_id, member_id))
    return {
        "session_rsvps": [
            {"occurrence": r.occurrence_id, "status": r.status, "source": r.source, "at": r.answered_at} for r in rsvps
        ],
        "session_presence": [
            {"occurrence": p.occurrence_id, "seconds": p.seconds, "confirmed_at": p.confirmed_at} for p in presence
        ],
        "session_reminders": settings.reminder_leads if settings else None,
        **await feedback.export_member(session, guild_id, member_id),
    }


async def forget_member(session: AsyncSession, guild_id: int, member_id: int) -> None:
    for table, column in (
        (SessionRsvp, SessionRsvp.member_id),
        (SessionPresence, SessionPresence.member_id),
        (SessionMember, SessionMember.member_id),
        (FeedbackPrompt, FeedbackPrompt.member_id),
        (FeedbackAnswer, FeedbackAnswer.member_id),
        (SessionDraft, SessionDraft.member_id),
    ):
        await session.execute(delete(table).where(of_member(column, guild_id, member_id)))
    await session.execute(
        delete(SessionDelivery).where(SessionDelivery.guild_id == guild_id, SessionDelivery.target == member_id)
    )
