"""Sessions' part of a member's data: RSVPs, attendance, reminder choices, feedback, series and surveys they set up."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from models.privacy.interface import MemberData, Retention, rowcount
from models.sessions import rules, service
from models.sessions.tables import (
    FeedbackAnswer,
    FeedbackBallot,
    FeedbackKey,
    FeedbackPrompt,
    FeedbackRound,
    PulseSurvey,
    SessionDelivery,
    SessionDraft,
    SessionMember,
    SessionPresence,
    SessionRsvp,
    SessionSeries,
)


async def erase(session: AsyncSession, guild_id: int, member_id: int, now: datetime) -> int:
    """A signed feedback answer keeps its rating for the session's average, with no name, time or comment; an
    open anonymous answer is found through its round's key and goes; series and surveys a host set up stay,
    unsigned (0)."""
    changed = rowcount(
        await session.execute(
            update(FeedbackAnswer)
            .where(FeedbackAnswer.guild_id == guild_id, FeedbackAnswer.member_id == member_id)
            .values(member_id=None, answered_at=None, worked=None, improve=None)
        )
    )
    keys = await session.execute(
        select(FeedbackKey.round_id, FeedbackKey.key)
        .join(FeedbackRound, FeedbackRound.id == FeedbackKey.round_id)
        .where(FeedbackRound.guild_id == guild_id)
    )
    for round_id, key in keys.all():
        ballot = rules.ballot_id(key, member_id)
        result = await session.execute(
            delete(FeedbackBallot).where(FeedbackBallot.round_id == round_id, FeedbackBallot.ballot == ballot)
        )
        changed += rowcount(result)
    await service.forget_member(session, guild_id, member_id)
    return changed


async def purge_comments(session: AsyncSession, older_than: datetime) -> int:
    """Ratings stay for the averages; the words of answers to rounds closed before `older_than` go."""
    closed = select(FeedbackRound.id).where(FeedbackRound.closed_at.is_not(None), FeedbackRound.closed_at < older_than)
    result = await session.execute(
        update(FeedbackAnswer)
        .where(
            FeedbackAnswer.round_id.in_(closed),
            (FeedbackAnswer.worked.is_not(None)) | (FeedbackAnswer.improve.is_not(None)),
        )
        .values(worked=None, improve=None)
    )
    return rowcount(result)


PRIVACY = MemberData(
    name="sessions",
    export=service.export_member,
    erase=erase,
    unsigned=(SessionSeries.created_by, PulseSurvey.created_by),
    unsigned_to=0,
    columns=(
        SessionSeries.created_by,
        PulseSurvey.created_by,
        SessionRsvp.member_id,
        SessionMember.member_id,
        SessionPresence.member_id,
        SessionDelivery.target,
        SessionDraft.member_id,
        FeedbackPrompt.member_id,
        FeedbackAnswer.member_id,
    ),
    hashed=(FeedbackBallot.ballot,),
    retention=(
        Retention("feedback_comments", purge_comments, "comments in session feedback (ratings stay for the averages)"),
    ),
)
