"""Feedback rounds: who is asked, answers given once (by name or anonymously), the close that unlinks anonymous
answers for good, and what hosts read back.

An anonymous answer follows the anonymous poll's ballot design: while its round is open it is stored under a keyed
hash of the member id (so a member answers once and the reminder skips them), in `feedback_ballots`, with no time.
At close its content is copied, in random order and with neither hash nor time, to `feedback_answers`, and every
ballot and the round's key are destroyed in the database files too. No member id ever sits next to it.
"""

from __future__ import annotations

import os
import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Table, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from models import scheduling
from models.base import destroy_rows, insert_or_ignore
from models.errors import UserError
from models.privacy.interface import of_member
from models.sessions import rules
from models.sessions.rules import Ratings
from models.sessions.tables import (
    FeedbackAnswer,
    FeedbackBallot,
    FeedbackKey,
    FeedbackPrompt,
    FeedbackRound,
    SessionOccurrence,
    SessionSeries,
)

ANSWERS: Table = FeedbackAnswer.__table__  # type: ignore[assignment]
BALLOTS: Table = FeedbackBallot.__table__  # type: ignore[assignment]
KEYS: Table = FeedbackKey.__table__  # type: ignore[assignment]
REMINDER_AFTER = timedelta(hours=24)
PROMPT_JOB = "sessions.prompt"
PROMPT_REMIND_JOB = "sessions.prompt_remind"
CLOSE_JOB = "sessions.feedback_close"
THERE_GRACE = timedelta(hours=1)  # a session held elsewhere: "I was there" stays open this long, then prompts go


class FeedbackClosedError(UserError, key="sessions.feedback.closed"): ...


class NotAskedError(UserError, key="sessions.feedback.not_asked"): ...


class AlreadyAnsweredError(UserError, key="sessions.feedback.already"): ...


@dataclass(frozen=True)
class Answer:
    attended: bool
    rating: int
    worked: str | None
    improve: str | None
    member_id: int | None  # None: anonymous
    answered_at: datetime | None


@dataclass(frozen=True)
class RoundResult:
    """One round as hosts read it: attendees' ratings, those of members who did not come, and every answer."""

    round: FeedbackRound
    starts_at: datetime
    title: str
    series_id: int | None
    attendees: Ratings
    absentees: Ratings
    answers: list[Answer]

    @property
    def overall(self) -> Ratings:
        return rules.combine([self.attendees, self.absentees])


# --- rounds -------------------------------------------------------------------------------------------------


async def open_round(
    session: AsyncSession,
    guild_id: int,
    *,
    now: datetime,
    closes_at: datetime,
    occurrence_id: int | None = None,
    pulse_id: int | None = None,
    channel_id: int | None = None,
) -> FeedbackRound:
    """The round of an occurrence (one, even when two processes ask at once) or a new pulse round, with its key."""
    if pulse_id is not None:
        same_run = await session.scalar(
            select(FeedbackRound).where(FeedbackRound.pulse_id == pulse_id, FeedbackRound.opened_at == now)
        )
        if same_run is not None:  # the run's job ran again (its process died): the same round
            return same_run
    if occurrence_id is not None:
        existing = await round_of(session, occurrence_id)
        if existing is not None:
            return existing
        await insert_or_ignore(
            session, FeedbackRound, guild_id=guild_id, occurrence_id=occurrence_id, opened_at=now, closes_at=closes_at
        )
        found = await session.get_one(FeedbackRound, await _round_id(session, occurrence_id))
    else:
        found = FeedbackRound(
            guild_id=guild_id, pulse_id=pulse_id, opened_at=now, closes_at=closes_at, channel_id=channel_id
        )
        session.add(found)
        await session.flush()
    await insert_or_ignore(session, FeedbackKey, round_id=found.id, key=os.urandom(32))
    return found


async def _round_id(session: AsyncSession, occurrence_id: int) -> int:
    found = await session.scalar(select(FeedbackRound.id).where(FeedbackRound.occurrence_id == occurrence_id))
    return int(found or 0)


async def plan_prompt(session: AsyncSession, found: SessionOccurrence, *, external: bool) -> None:
    """Prompts go when the occurrence ends; for a session held elsewhere, once "I was there" has closed."""
    due = found.ends_at + (THERE_GRACE if external else timedelta())
    await scheduling.schedule_job(
        session,
        kind=PROMPT_JOB,
        key=str(found.id),
        due_at=due,
        guild_id=found.guild_id,
        payload={"occurrence": found.id},
    )


async def plan_round_jobs(session: AsyncSession, found: FeedbackRound, *, remind: bool) -> None:
    """The one reminder a day after the prompt (session rounds), and the close that unlinks anonymous answers."""
    payload = {"round": found.id}
    if remind:
        await scheduling.schedule_job(
            session,
            kind=PROMPT_REMIND_JOB,
            key=str(found.id),
            due_at=found.opened_at + REMINDER_AFTER,
            guild_id=found.guild_id,
            payload=payload,
        )
    await scheduling.schedule_job(
        session, kind=CLOSE_JOB, key=str(found.id), due_at=found.closes_at, guild_id=found.guild_id, payload=payload
    )


async def round_of(session: AsyncSession, occurrence_id: int) -> FeedbackRound | None:
    return await session.scalar(select(FeedbackRound).where(FeedbackRound.occurrence_id == occurrence_id))


async def add_prompts(
    session: AsyncSession, found: FeedbackRound, attendees: Sequence[int], absentees: Sequence[int], *, now: datetime
) -> None:
    for member_id, attended in [*((m, True) for m in attendees), *((m, False) for m in absentees)]:
        await insert_or_ignore(
            session,
            FeedbackPrompt,
            round_id=found.id,
            member_id=member_id,
            guild_id=found.guild_id,
            attended=attended,
            prompted_at=now,
        )


async def prompts(session: AsyncSession, round_id: int) -> dict[int, bool]:
    """Who was asked, and whether as an attendee."""
    rows = await session.execute(
        select(FeedbackPrompt.member_id, FeedbackPrompt.attended).where(FeedbackPrompt.round_id == round_id)
    )
    return {member_id: attended for member_id, attended in rows}


async def unanswered(session: AsyncSession, found: FeedbackRound) -> dict[int, bool]:
    """Those asked who have not answered yet (named or anonymously): who gets the one reminder."""
    asked = await prompts(session, found.id)
    named = set(
        await session.scalars(
            select(FeedbackAnswer.member_id).where(
                FeedbackAnswer.round_id == found.id, FeedbackAnswer.member_id.is_not(None)
            )
        )
    )
    key = await session.scalar(select(FeedbackKey.key).where(FeedbackKey.round_id == found.id))
    ballots = set(await session.scalars(select(FeedbackBallot.ballot).where(FeedbackBallot.round_id == found.id)))
    return {
        member_id: attended
        for member_id, attended in asked.items()
        if member_id not in named and (key is None or rules.ballot_id(key, member_id) not in ballots)
    }


async def has_answered(session: AsyncSession, found: FeedbackRound, member_id: int) -> bool:
    named = await session.scalar(
        select(func.count()).where(FeedbackAnswer.round_id == found.id, FeedbackAnswer.member_id == member_id)
    )
    if named:
        return True
    key = await session.scalar(select(FeedbackKey.key).where(FeedbackKey.round_id == found.id))
    if key is None:
        return False
    ballot = await session.get(FeedbackBallot, (found.id, rules.ballot_id(key, member_id)))
    return ballot is not None


async def check_can_answer(session: AsyncSession, round_id: int, member_id: int, *, now: datetime) -> FeedbackRound:
    wanted = rules.row_id(round_id)
    found = await session.get(FeedbackRound, wanted) if wanted else None
    if found is None or found.closed_at is not None or now > found.closes_at:
        raise FeedbackClosedError()
    if found.channel_id is None and await session.get(FeedbackPrompt, (round_id, member_id)) is None:
        raise NotAskedError()
    if await has_answered(session, found, member_id):
        raise AlreadyAnsweredError()
    return found


async def submit(
    session: AsyncSession,
    round_id: int,
    member_id: int,
    *,
    anonymous: bool,
    rating: str,
    worked: str | None,
    improve: str | None,
    now: datetime,
) -> FeedbackRound:
    """Record one answer; refused when the round is closed, the member was not asked, or already answered."""
    checked = rules.check_rating(rating)
    worked, improve = rules.check_comment(worked), rules.check_comment(improve)
    found = await check_can_answer(session, round_id, member_id, now=now)
    prompt = await session.get(FeedbackPrompt, (round_id, member_id))
    attended = prompt.attended if prompt is not None else True
    values = {"round_id": found.id, "guild_id": found.guild_id, "attended": attended, "rating": checked}
    if anonymous:
        key = await session.scalar(select(FeedbackKey.key).where(FeedbackKey.round_id == found.id))
        if key is None:
            raise FeedbackClosedError()
        inserted = await insert_or_ignore(
            session, FeedbackBallot, ballot=rules.ballot_id(key, member_id), worked=worked, improve=improve, **values
        )
    else:
        inserted = await insert_or_ignore(
            session, FeedbackAnswer, member_id=member_id, worked=worked, improve=improve, answered_at=now, **values
        )
    if not inserted:
        raise AlreadyAnsweredError()
    return found


async def close_round(session: AsyncSession, round_id: int, *, now: datetime) -> bool:
    """Stop taking answers; anonymous ones become plain rows in random order and their ballots and key are destroyed.

    False when it was already closed (by this or another process). After the commit, run `Database.erase_deleted()`
    (SQLite's write-ahead log still holds the destroyed rows until then).
    """
    claimed = await session.execute(
        update(FeedbackRound)
        .where(FeedbackRound.id == round_id, FeedbackRound.closed_at.is_(None))
        .values(closed_at=now)
        .returning(FeedbackRound.guild_id)
    )
    guild_id = claimed.scalar()
    if guild_id is None:
        return False
    rows = (
        await session.execute(
            select(BALLOTS.c.attended, BALLOTS.c.rating, BALLOTS.c.worked, BALLOTS.c.improve).where(
                BALLOTS.c.round_id == round_id
            )
        )
    ).all()
    kept = [
        {"round_id": round_id, "guild_id": guild_id, "member_id": None, "answered_at": None, **row._asdict()}
        for row in rows
    ]
    random.SystemRandom().shuffle(kept)
    if kept:
        await session.execute(insert(ANSWERS), kept)
    await destroy_rows(session, (BALLOTS, BALLOTS.c.round_id == round_id), (KEYS, KEYS.c.round_id == round_id))
    return True


async def answers_of(session: AsyncSession, round_ids: Sequence[int]) -> dict[int, list[Answer]]:
    found: dict[int, list[Answer]] = {round_id: [] for round_id in round_ids}
    if not round_ids:
        return found
    for row in await session.scalars(
        select(FeedbackAnswer).where(FeedbackAnswer.round_id.in_(round_ids)).order_by(FeedbackAnswer.id)
    ):
        found[row.round_id].append(
            Answer(row.attended, row.rating, row.worked, row.improve, row.member_id, row.answered_at)
        )
    for ballot in await session.scalars(
        select(FeedbackBallot).where(FeedbackBallot.round_id.in_(round_ids)).order_by(FeedbackBallot.ballot)
    ):
        found[ballot.round_id].append(Answer(ballot.attended, ballot.rating, ballot.worked, ballot.improve, None, None))
    return found


async def session_results(
    session: AsyncSession, guild_id: int, *, series_id: int | None = None, limit: int = 100
) -> list[RoundResult]:
    """The rounds of past occurrences (of one series, or all), oldest first: what `/feedback results` shows."""
    query = (
        select(FeedbackRound, SessionOccurrence, SessionSeries)
        .join(SessionOccurrence, SessionOccurrence.id == FeedbackRound.occurrence_id)
        .join(SessionSeries, SessionSeries.id == SessionOccurrence.series_id)
        .where(FeedbackRound.guild_id == guild_id)
    )
    if series_id is not None:
        query = query.where(SessionSeries.id == series_id)
    rows = list((await session.execute(query.order_by(SessionOccurrence.starts_at.desc()).limit(limit))).all())
    rows.reverse()
    return await _results(session, [(found, occ.starts_at, series.title, series.id) for found, occ, series in rows])


async def pulse_results(session: AsyncSession, pulse_id: int, *, limit: int = 100) -> list[RoundResult]:
    rows = list(
        await session.scalars(
            select(FeedbackRound)
            .where(FeedbackRound.pulse_id == pulse_id)
            .order_by(FeedbackRound.opened_at.desc())
            .limit(limit)
        )
    )
    rows.reverse()
    return await _results(session, [(found, found.opened_at, "", None) for found in rows])


async def _results(
    session: AsyncSession, rounds: list[tuple[FeedbackRound, datetime, str, int | None]]
) -> list[RoundResult]:
    ids = [found.id for found, _, _, _ in rounds]
    answers = await answers_of(session, ids)
    asked: dict[int, dict[bool, int]] = {round_id: {True: 0, False: 0} for round_id in ids}
    if ids:
        rows = await session.execute(
            select(FeedbackPrompt.round_id, FeedbackPrompt.attended, func.count())
            .where(FeedbackPrompt.round_id.in_(ids))
            .group_by(FeedbackPrompt.round_id, FeedbackPrompt.attended)
        )
        for round_id, attended, number in rows:
            asked[round_id][bool(attended)] = int(number)
    results = []
    for found, starts_at, title, series_id in rounds:
        given = answers[found.id]
        came = [answer for answer in given if answer.attended]
        away = [answer for answer in given if not answer.attended]
        results.append(
            RoundResult(
                found,
                starts_at,
                title,
                series_id,
                Ratings(tuple(a.rating for a in came), asked[found.id][True], _comments(came)),
                Ratings(tuple(a.rating for a in away), asked[found.id][False], _comments(away)),
                given,
            )
        )
    return results


def _comments(answers: Sequence[Answer]) -> tuple[str, ...]:
    return tuple(text for answer in answers for text in (answer.worked, answer.improve) if text)


# --- privacy ------------------------------------------------------------------------------------------------


async def export_member(session: AsyncSession, guild_id: int, member_id: int) -> dict[str, object]:
    """What feedback holds under the member's id (anonymous answers cannot be found: by design)."""
    asked = await session.scalars(
        select(FeedbackPrompt).where(of_member(FeedbackPrompt.member_id, guild_id, member_id))
    )
    given = await session.scalars(
        select(FeedbackAnswer).where(FeedbackAnswer.guild_id == guild_id, FeedbackAnswer.member_id == member_id)
    )
    return {
        "feedback_prompts": [{"round": p.round_id, "attended": p.attended, "at": p.prompted_at} for p in asked],
        "feedback_answers": [
            {"round": a.round_id, "rating": a.rating, "worked": a.worked, "improve": a.improve, "at": a.answered_at}
            for a in given
        ],
    }
