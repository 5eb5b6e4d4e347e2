"""Mentoring's part of a member's data: their offer or request, pairs they were in, feedback they gave."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from models.mentoring import service
from models.mentoring.tables import (
    Feedback,
    MenteeRequest,
    MentoringRound,
    MentorOffer,
    Mentorship,
    RoundPair,
)
from models.privacy.interface import MemberData, Retention


async def erase(session: AsyncSession, guild_id: int, member_id: int, now: datetime) -> int:
    """Offer, request, feedback and their pairs go; rounds a host ran and pairs a host ended no longer name them."""
    return await service.forget_member(session, guild_id, member_id)


PRIVACY = MemberData(
    name="mentoring",
    export=service.export_member,
    erase=erase,
    unsigned=(MentoringRound.created_by, MentoringRound.published_by, Mentorship.declined_by, Mentorship.ended_by),
    columns=(
        MentorOffer.member_id,
        MenteeRequest.member_id,
        MentoringRound.created_by,
        MentoringRound.published_by,
        RoundPair.mentor_id,
        RoundPair.mentee_id,
        Mentorship.mentor_id,
        Mentorship.mentee_id,
        Mentorship.pair_low,
        Mentorship.pair_high,
        Mentorship.live_mentee_id,
        Mentorship.declined_by,
        Mentorship.ended_by,
        Feedback.member_id,
    ),
    # Ratings stay for the hosts' figures; the words go.
    retention=(
        Retention.emptying(
            "mentoring_comments", Feedback.comment, Feedback.given_at, "comments in mentoring feedback (ratings stay)"
        ),
    ),
)
