"""A pair's life: both members consent (or not) within 72 hours, meet, check in every few weeks, and end with
feedback. Each answer is one conditional UPDATE, so two members answering at the same instant still activate a
pair exactly once."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import delete, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from models import scheduling
from models.base import insert_or_ignore
from models.errors import StrangerError, UserError
from models.mentoring import rules
from models.mentoring.rounds import ROW_ID_MAX
from models.mentoring.rules import LIVE, Answer, PairState
from models.mentoring.service import CHECK_IN_JOB, mentoring_settings, schedule_check_ins
from models.mentoring.tables import CheckIn, Feedback, MenteeRequest, MentorOffer, Mentorship
from models.recognition.milestones import MilestoneKind, report_milestone

FEEDBACK_MAX = 1000
RATINGS = range(1, 6)


class ProposalExpiredError(UserError, key="mentoring.consent.expired"): ...


class ProposalClosedError(UserError, key="mentoring.consent.closed"): ...


class NoMentorshipError(UserError, key="mentoring.end.none"): ...


class WhichMentorshipError(UserError, key="mentoring.end.choose"): ...


class NotActiveError(UserError, key="mentoring.end.not_active"): ...


class CheckInClosedError(UserError, key="mentoring.check_in.closed"): ...


class FeedbackTooLongError(UserError, key="mentoring.feedback.too_long"): ...


class Side(StrEnum):
    MENTOR = "mentor"
    MENTEE = "mentee"


def side_of(pair: Mentorship, member_id: int) -> Side:
    """Which side the member is on; anyone else is refused politely."""
    if member_id == pair.mentor_id:
        return Side.MENTOR
    if member_id == pair.mentee_id:
        return Side.MENTEE
    raise StrangerError("mentoring.stranger")


def other(pair: Mentorship, member_id: int) -> int:
    return pair.mentee_id if member_id == pair.mentor_id else pair.mentor_id


def _fresh(statement: Any) -> Any:
    return statement.execution_options(synchronize_session=False)


def is_row_id(value: int) -> bool:
    """A number that can be one of our row ids (INTEGER): a member may type anything, PostgreSQL refuses more."""
    return 0 < value <= ROW_ID_MAX


async def find(session: AsyncSession, mentorship_id: int) -> Mentorship | None:
    """The proposal or pair, or None (for a number that cannot be one too)."""
    return await session.get(Mentorship, mentorship_id) if is_row_id(mentorship_id) else None


async def get(session: AsyncSession, mentorship_id: int) -> Mentorship:
    if not is_row_id(mentorship_id):
        raise ProposalClosedError()
    pair = await session.get(Mentorship, mentorship_id, populate_existing=True)
    if pair is None:
        raise ProposalClosedError()
    return pair


# --- consent -------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Answered:
    pair: Mentorship
    side: Side
    started: bool  # this answer made it a pair (the caller opens its thread)


async def accept(session: AsyncSession, mentorship_id: int, member_id: int, *, now: datetime) -> Answered:
    """Record a yes; the second yes starts the pair (exactly once) and its check-ins."""
    pair = await get(session, mentorship_id)
    side = side_of(pair, member_id)
    column = Mentorship.mentor_answer if side is Side.MENTOR else Mentorship.mentee_answer
    answered = await session.execute(
        _fresh(
            update(Mentorship)
            .where(Mentorship.id == mentorship_id, Mentorship.state == PairState.PROPOSED, Mentorship.answer_by > now)
            .values({column: Answer.ACCEPTED})
            .returning(Mentorship.mentor_answer, Mentorship.mentee_answer)
        )
    )
    row = answered.first()
    if row is None:
        raise await _why_not_open(session, mentorship_id, now)
    started = False
    if rules.both_accepted(row.mentor_answer, row.mentee_answer):
        won = await session.execute(
            _fresh(
                update(Mentorship)
                .where(
                    Mentorship.id == mentorship_id,
                    Mentorship.state == PairState.PROPOSED,
                    Mentorship.mentor_answer == Answer.ACCEPTED,
                    Mentorship.mentee_answer == Answer.ACCEPTED,
                )
                .values(state=PairState.ACTIVE, started_at=now)
                .returning(Mentorship.id)
            )
        )
        started = won.first() is not None
        if started:
            days = (await mentoring_settings(session, pair.guild_id)).check_in_days
            await schedule_check_ins(session, pair.guild_id, mentorship_id, days, now=now)
    return Answered(await get(session, mentorship_id), side, started)


async def decline(session: AsyncSession, mentorship_id: int, member_id: int, *, reason: str, now: datetime) -> Answered:
    """Record a no: the mentor's place is free again and the mentee waits for the next round. The reason is kept
    for the hosts only."""
    pair = await get(session, mentorship_id)
    side = side_of(pair, member_id)
    column = "mentor_answer" if side is Side.MENTOR else "mentee_answer"
    declined = await session.execute(
        _fresh(
            update(Mentorship)
            .where(Mentorship.id == mentorship_id, Mentorship.state == PairState.PROPOSED, Mentorship.answer_by > now)
            .values(
                {
                    column: Answer.DECLINED,
                    "state": PairState.DECLINED,
                    "slot": None,
                    "live_mentee_id": None,
                    "declined_by": member_id,
                    "decline_reason": reason.strip()[:FEEDBACK_MAX] or None,
                    "ended_at": now,
                }
            )
            .returning(Mentorship.id)
        )
    )
    if declined.first() is None:
        raise await _why_not_open(session, mentorship_id, now)
    return Answered(await get(session, mentorship_id), side, False)


async def _why_not_open(session: AsyncSession, mentorship_id: int, now: datetime) -> UserError:
    pair = await get(session, mentorship_id)
    if pair.state == PairState.EXPIRED or (pair.state == PairState.PROPOSED and pair.answer_by <= now):
        return ProposalExpiredError(deadline=pair.answer_by)
    if pair.state == PairState.ACTIVE:
        return ProposalClosedError("mentoring.consent.already_active")
    return ProposalClosedError()


async def record_asked(session: AsyncSession, mentorship_ids: list[int], *, now: datetime) -> None:
    if mentorship_ids:
        await session.execute(_fresh(update(Mentorship).where(Mentorship.id.in_(mentorship_ids)).values(asked_at=now)))


async def unasked(session: AsyncSession, guild_id: int) -> list[Mentorship]:
    """Proposals whose members were never asked (Agora stopped while sending): the catch-up asks them."""
    return list(
        await session.scalars(
            select(Mentorship)
            .where(
                Mentorship.guild_id == guild_id,
                Mentorship.state == PairState.PROPOSED,
                Mentorship.asked_at.is_(None),
            )
            .order_by(Mentorship.id)
        )
    )


async def to_remind(session: AsyncSession, round_id: int, *, now: datetime) -> list[Mentorship]:
    """The round's proposals still waiting for an answer, not reminded yet; marked reminded now (once, ever)."""
    reminded = await session.execute(
        _fresh(
            update(Mentorship)
            .where(
                Mentorship.round_id == round_id,
                Mentorship.state == PairState.PROPOSED,
                Mentorship.reminded_at.is_(None),
                Mentorship.answer_by > now,
            )
            .values(reminded_at=now)
            .returning(Mentorship.id)
        )
    )
    ids = [row.id for row in reminded]
    return list(await session.scalars(select(Mentorship).where(Mentorship.id.in_(ids)).order_by(Mentorship.id)))


def unanswered_sides(pair: Mentorship) -> list[int]:
    """The members of a proposal who have not answered yet."""
    found = []
    if pair.mentor_answer is None:
        found.append(pair.mentor_id)
    if pair.mentee_answer is None:
        found.append(pair.mentee_id)
    return found


async def expire(session: AsyncSession, round_id: int, *, now: datetime) -> list[Mentorship]:
    """Silence frees the place: the round's proposals past their deadline expire."""
    expired = await session.execute(
        _fresh(
            update(Mentorship)
            .where(
                Mentorship.round_id == round_id,
                Mentorship.state == PairState.PROPOSED,
                Mentorship.answer_by <= now,
            )
            .values(state=PairState.EXPIRED, slot=None, live_mentee_id=None, ended_at=now)
            .returning(Mentorship.id)
        )
    )
    ids = [row.id for row in expired]
    return list(await session.scalars(select(Mentorship).where(Mentorship.id.in_(ids)).order_by(Mentorship.id)))


async def record_thread(session: AsyncSession, mentorship_id: int, thread_id: int) -> None:
    pair = await get(session, mentorship_id)
    pair.thread_id = thread_id


# --- check-ins ---------------------------------------------------------------------------------------------


async def open_check_in(
    session: AsyncSession, mentorship_id: int, due_at: datetime, *, now: datetime
) -> CheckIn | None:
    """The check-in of this occurrence (created once, even when the job runs again); None when the pair ended."""
    pair = await session.get(Mentorship, mentorship_id)
    if pair is None or pair.state != PairState.ACTIVE:
        return None
    await insert_or_ignore(
        session, CheckIn, mentorship_id=mentorship_id, guild_id=pair.guild_id, due_at=due_at, posted_at=now
    )
    return await session.scalar(select(CheckIn).where(CheckIn.mentorship_id == mentorship_id, CheckIn.due_at == due_at))


async def record_check_in_message(session: AsyncSession, check_in_id: int, message_id: int) -> None:
    check_in = await session.get_one(CheckIn, check_in_id)
    check_in.message_id = message_id


@dataclass(frozen=True)
class CheckedIn:
    pair: Mentorship
    met: bool
    flag: bool  # this answer made two ❌ in a row: the hosts should know


async def answer_check_in(
    session: AsyncSession, check_in_id: int, member_id: int, met: bool, *, now: datetime
) -> CheckedIn:
    check_in = await session.get(CheckIn, check_in_id, populate_existing=True) if is_row_id(check_in_id) else None
    if check_in is None:
        raise CheckInClosedError()
    pair = await get(session, check_in.mentorship_id)
    side = side_of(pair, member_id)
    if pair.state != PairState.ACTIVE:
        raise CheckInClosedError()
    if side is Side.MENTOR:
        check_in.mentor_answer = met
    else:
        check_in.mentee_answer = met
    await session.flush()
    outcomes = [
        rules.check_in_outcome(mentor, mentee)
        for mentor, mentee in (
            await session.execute(
                select(CheckIn.mentor_answer, CheckIn.mentee_answer)
                .where(CheckIn.mentorship_id == pair.id)
                .order_by(CheckIn.due_at)
            )
        )
    ]
    flag = False
    if outcomes and outcomes[-1] is True:
        pair.flagged_at = None  # they met: a new streak would be told again
    elif rules.missed_twice(outcomes) and pair.flagged_at is None:
        pair.flagged_at, flag = now, True
    return CheckedIn(pair, met, flag)


# --- the end -------------------------------------------------------------------------------------------------


async def active_for(session: AsyncSession, guild_id: int, member_id: int | None = None) -> list[Mentorship]:
    """Active pairs of the server (of one member when given), oldest first."""
    query = select(Mentorship).where(Mentorship.guild_id == guild_id, Mentorship.state == PairState.ACTIVE)
    if member_id is not None:
        query = query.where(or_(Mentorship.mentor_id == member_id, Mentorship.mentee_id == member_id))
    return list(await session.scalars(query.order_by(Mentorship.started_at, Mentorship.id)))


async def choose(
    session: AsyncSession, guild_id: int, member_id: int, mentorship_id: int | None, *, host: bool
) -> Mentorship:
    """The pair `/mentoring end` is about: the one named (a member's own, or any for a host), else the member's
    only one."""
    if mentorship_id is not None:
        pair = await session.get(Mentorship, mentorship_id) if is_row_id(mentorship_id) else None
        if pair is None or pair.guild_id != guild_id or pair.state != PairState.ACTIVE:
            raise NotActiveError()
        if not host:
            side_of(pair, member_id)
        return pair
    mine = await active_for(session, guild_id, member_id)
    if not mine:
        raise NoMentorshipError()
    if len(mine) > 1:
        raise WhichMentorshipError(count=len(mine))
    return mine[0]


async def end(
    session: AsyncSession, mentorship_id: int, *, by: int | None, now: datetime, state: PairState = PairState.COMPLETED
) -> Mentorship:
    """End an active pair: completed (to celebrate) by a member or a host, closed when a member left. The mentee's
    request is fulfilled; the mentor's place is free."""
    ended = await session.execute(
        _fresh(
            update(Mentorship)
            .where(Mentorship.id == mentorship_id, Mentorship.state == PairState.ACTIVE)
            .values(state=state, slot=None, live_mentee_id=None, ended_at=now, ended_by=by)
            .returning(Mentorship.id)
        )
    )
    if ended.first() is None:
        raise NotActiveError()
    pair = await get(session, mentorship_id)
    request = await session.get(MenteeRequest, (pair.guild_id, pair.mentee_id))
    if request is not None and state == PairState.COMPLETED:
        request.closed_at = now
    if state == PairState.COMPLETED:
        for member_id in (pair.mentor_id, pair.mentee_id):
            kind = MilestoneKind.MENTORSHIP_COMPLETED
            await report_milestone(session, pair.guild_id, member_id, kind, mentorship_id, now=now)
    await scheduling.cancel_job(session, kind=CHECK_IN_JOB, key=str(mentorship_id))
    return pair


async def completed_since(session: AsyncSession, guild_id: int, since: datetime) -> list[Mentorship]:
    """Mentorships completed since `since`: what other capabilities celebrate."""
    return list(
        await session.scalars(
            select(Mentorship)
            .where(
                Mentorship.guild_id == guild_id,
                Mentorship.state == PairState.COMPLETED,
                Mentorship.ended_at >= since,
            )
            .order_by(Mentorship.ended_at)
        )
    )


async def rate(session: AsyncSession, mentorship_id: int, member_id: int, rating: int, *, now: datetime) -> Mentorship:
    """The exit rating (1–5); kept even if the member then closes the comment form."""
    pair = await get(session, mentorship_id)
    side_of(pair, member_id)
    if rating not in RATINGS or pair.state not in (PairState.COMPLETED, PairState.CLOSED):
        raise ProposalClosedError("mentoring.feedback.closed")
    feedback = await _feedback(session, pair, member_id, now)
    feedback.rating, feedback.given_at = rating, now
    return pair


async def comment(session: AsyncSession, mentorship_id: int, member_id: int, text: str, *, now: datetime) -> Mentorship:
    pair = await get(session, mentorship_id)
    side_of(pair, member_id)
    text = text.strip()
    if len(text) > FEEDBACK_MAX:
        raise FeedbackTooLongError(limit=FEEDBACK_MAX)
    feedback = await _feedback(session, pair, member_id, now)
    feedback.comment, feedback.given_at = text or None, now
    return pair


async def _feedback(session: AsyncSession, pair: Mentorship, member_id: int, now: datetime) -> Feedback:
    await insert_or_ignore(
        session, Feedback, mentorship_id=pair.id, member_id=member_id, guild_id=pair.guild_id, given_at=now
    )
    return await session.get_one(Feedback, (pair.id, member_id), populate_existing=True)


# --- departures --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Departure:
    cancelled: list[Mentorship]  # proposals that were waiting for answers
    closed: list[Mentorship]  # active pairs


async def member_left(session: AsyncSession, guild_id: int, member_id: int, *, now: datetime) -> Departure:
    """Close the member's proposals and pairs cleanly and withdraw their offer and request."""
    live = (
        await session.scalars(
            select(Mentorship).where(
                Mentorship.guild_id == guild_id,
                Mentorship.state.in_(LIVE),
                or_(Mentorship.mentor_id == member_id, Mentorship.mentee_id == member_id),
            )
        )
    ).all()
    cancelled, closed = [], []
    for pair in live:
        if pair.state == PairState.ACTIVE:
            closed.append(await end(session, pair.id, by=member_id, now=now, state=PairState.CLOSED))
        else:
            await session.execute(
                _fresh(
                    update(Mentorship)
                    .where(Mentorship.id == pair.id, Mentorship.state == PairState.PROPOSED)
                    .values(state=PairState.CANCELLED, slot=None, live_mentee_id=None, ended_at=now)
                )
            )
            cancelled.append(await get(session, pair.id))
    await session.execute(
        delete(MentorOffer).where(MentorOffer.guild_id == guild_id, MentorOffer.member_id == member_id)
    )
    await session.execute(
        delete(MenteeRequest).where(MenteeRequest.guild_id == guild_id, MenteeRequest.member_id == member_id)
    )
    return Departure(cancelled, closed)
