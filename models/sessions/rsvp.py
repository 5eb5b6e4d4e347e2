"""RSVPs: going, maybe, can't, and a waitlist promoted in order when a seat frees up; members' reminder choices.

Seats are counted after taking the occurrence's row for this transaction (an UPDATE of `rsvp_version` first): on
PostgreSQL that row lock makes a second RSVP wait for the first to commit, on SQLite the write lock does; so two
members clicking *Going* for the last seat never both get it.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from models.base import insert_or_ignore
from models.errors import UserError
from models.sessions import rules
from models.sessions.rules import State, Status
from models.sessions.tables import SessionMember, SessionOccurrence, SessionRsvp, SessionSeries


class RsvpClosedError(UserError, key="sessions.rsvp.closed"): ...


@dataclass(frozen=True)
class Answered:
    """What an RSVP did: the member's status now (going may have become waitlist), and who left the waitlist."""

    status: Status
    previous: Status | None
    promoted: list[int] = field(default_factory=list)
    position: int | None = None  # on the waitlist, 1 for the next one in


async def lock(session: AsyncSession, occurrence_id: int) -> SessionOccurrence | None:
    """Take the occurrence's row for this transaction (see the module's docstring); returns it, fresh."""
    await session.execute(
        update(SessionOccurrence)
        .where(SessionOccurrence.id == occurrence_id)
        .values(rsvp_version=SessionOccurrence.rsvp_version + 1)
        .execution_options(synchronize_session=False)
    )
    found = await session.get(SessionOccurrence, occurrence_id, populate_existing=True)
    return found


async def answer(
    session: AsyncSession,
    occurrence_id: int,
    member_id: int,
    wanted: Status,
    *,
    source: str,
    now: datetime,
    only_if_unanswered: bool = False,
) -> Answered | None:
    """Record a member's RSVP; None when nothing changed (`only_if_unanswered`: an Interested that meets an answer)."""
    found = await lock(session, occurrence_id)
    if found is None or found.state != State.SCHEDULED or found.ends_at <= now:
        raise RsvpClosedError()
    series = await session.get_one(SessionSeries, found.series_id)
    current = await session.get(SessionRsvp, (occurrence_id, member_id))
    previous = Status(current.status) if current else None
    if only_if_unanswered and current is not None:
        return None
    going = await count(session, occurrence_id, Status.GOING)
    status = rules.seat_for(wanted, previous, going, series.capacity)
    if previous is Status.WAITLIST and status is Status.WAITLIST:
        return Answered(status, previous, position=await waitlist_position(session, occurrence_id, member_id))
    if current is None:
        current = SessionRsvp(occurrence_id=occurrence_id, member_id=member_id, guild_id=found.guild_id)
        session.add(current)
    if previous is not status or current.source != source:
        current.answered_at = now
    current.status, current.source = status, source
    await session.flush()
    promoted = await promote(session, found, series, now=now) if previous is Status.GOING else []
    position = await waitlist_position(session, occurrence_id, member_id) if status is Status.WAITLIST else None
    return Answered(status, previous, promoted, position)


async def withdraw_interest(session: AsyncSession, occurrence_id: int, member_id: int) -> bool:
    """An Interested removed on the native event takes back the maybe it gave (never an answer given by button)."""
    result = await session.execute(
        delete(SessionRsvp)
        .where(
            SessionRsvp.occurrence_id == occurrence_id,
            SessionRsvp.member_id == member_id,
            SessionRsvp.status == Status.MAYBE,
            SessionRsvp.source == "event",
        )
        .returning(SessionRsvp.member_id)
    )
    return result.first() is not None


async def promote(
    session: AsyncSession, found: SessionOccurrence, series: SessionSeries, *, now: datetime
) -> list[int]:
    """Move members from the waitlist to going, first in first, while seats are free; returns who moved."""
    going = await count(session, found.id, Status.GOING)
    waiting = list(
        await session.scalars(
            select(SessionRsvp.member_id)
            .where(SessionRsvp.occurrence_id == found.id, SessionRsvp.status == Status.WAITLIST)
            .order_by(SessionRsvp.answered_at, SessionRsvp.member_id)
        )
    )
    chosen = rules.to_promote(waiting, going, series.capacity)
    if chosen:
        await session.execute(
            update(SessionRsvp)
            .where(SessionRsvp.occurrence_id == found.id, SessionRsvp.member_id.in_(chosen))
            .values(status=Status.GOING, answered_at=now)
        )
    return chosen


async def count(session: AsyncSession, occurrence_id: int, status: Status) -> int:
    found = await session.scalar(
        select(func.count()).where(SessionRsvp.occurrence_id == occurrence_id, SessionRsvp.status == status)
    )
    return int(found or 0)


async def counts(session: AsyncSession, occurrence_id: int) -> Counter[str]:
    rows = await session.execute(
        select(SessionRsvp.status, func.count())
        .where(SessionRsvp.occurrence_id == occurrence_id)
        .group_by(SessionRsvp.status)
    )
    return Counter({status: int(number) for status, number in rows})


async def counts_for(session: AsyncSession, occurrence_ids: Sequence[int]) -> dict[int, Counter[str]]:
    found: dict[int, Counter[str]] = {occurrence_id: Counter() for occurrence_id in occurrence_ids}
    if not occurrence_ids:
        return found
    rows = await session.execute(
        select(SessionRsvp.occurrence_id, SessionRsvp.status, func.count())
        .where(SessionRsvp.occurrence_id.in_(occurrence_ids))
        .group_by(SessionRsvp.occurrence_id, SessionRsvp.status)
    )
    for occurrence_id, status, number in rows:
        found[occurrence_id][status] = int(number)
    return found


async def status_of(session: AsyncSession, occurrence_id: int, member_id: int) -> Status | None:
    found = await session.get(SessionRsvp, (occurrence_id, member_id))
    return Status(found.status) if found else None


async def statuses_of(session: AsyncSession, occurrence_ids: Sequence[int], member_id: int) -> dict[int, Status]:
    if not occurrence_ids:
        return {}
    rows = await session.execute(
        select(SessionRsvp.occurrence_id, SessionRsvp.status).where(
            SessionRsvp.occurrence_id.in_(occurrence_ids), SessionRsvp.member_id == member_id
        )
    )
    return {occurrence_id: Status(status) for occurrence_id, status in rows}


async def waitlist_position(session: AsyncSession, occurrence_id: int, member_id: int) -> int | None:
    waiting = list(
        await session.scalars(
            select(SessionRsvp.member_id)
            .where(SessionRsvp.occurrence_id == occurrence_id, SessionRsvp.status == Status.WAITLIST)
            .order_by(SessionRsvp.answered_at, SessionRsvp.member_id)
        )
    )
    return waiting.index(member_id) + 1 if member_id in waiting else None


async def members_with(session: AsyncSession, occurrence_id: int, *statuses: Status) -> list[int]:
    found = await session.scalars(
        select(SessionRsvp.member_id)
        .where(SessionRsvp.occurrence_id == occurrence_id, SessionRsvp.status.in_(statuses))
        .order_by(SessionRsvp.member_id)
    )
    return list(found)


async def event_maybes(session: AsyncSession, occurrence_id: int) -> set[int]:
    found = await session.scalars(
        select(SessionRsvp.member_id).where(
            SessionRsvp.occurrence_id == occurrence_id,
            SessionRsvp.source == "event",
            SessionRsvp.status == Status.MAYBE,
        )
    )
    return set(found)


async def member_settings(session: AsyncSession, guild_id: int, member_id: int, *, now: datetime) -> SessionMember:
    found = await session.get(SessionMember, (guild_id, member_id))
    if found is None:
        await insert_or_ignore(
            session,
            SessionMember,
            guild_id=guild_id,
            member_id=member_id,
            reminder_leads=list(rules.DEFAULT_REMINDERS),
            updated_at=now,
        )
        found = await session.get_one(SessionMember, (guild_id, member_id))
    return found


async def choose_reminders(
    session: AsyncSession, guild_id: int, member_id: int, minutes: Sequence[int], *, now: datetime
) -> tuple[int, ...]:
    chosen = rules.reminder_leads(minutes)
    found = await member_settings(session, guild_id, member_id, now=now)
    found.reminder_leads, found.updated_at = list(chosen), now
    return chosen


async def note_member(
    session: AsyncSession,
    guild_id: int,
    member_id: int,
    *,
    now: datetime,
    language: str | None = None,
    dm_channel_id: int | None = None,
) -> None:
    """Remember the member's language (from their last interaction) and their DM channel, for the reminders."""
    found = await member_settings(session, guild_id, member_id, now=now)
    if language is not None:
        found.language = language
    if dm_channel_id is not None:
        found.dm_channel_id = dm_channel_id


@dataclass(frozen=True)
class Recipient:
    member_id: int
    language: str | None
    dm_channel_id: int | None


async def recipients(session: AsyncSession, guild_id: int, member_ids: Sequence[int]) -> list[Recipient]:
    """Who gets a message, with what the fan-out needs: their language and DM channel when known."""
    known: dict[int, SessionMember] = {}
    for start in range(0, len(member_ids), 500):
        rows = await session.scalars(
            select(SessionMember).where(
                SessionMember.guild_id == guild_id, SessionMember.member_id.in_(member_ids[start : start + 500])
            )
        )
        known.update({row.member_id: row for row in rows})
    return [
        Recipient(member_id, known[member_id].language, known[member_id].dm_channel_id)
        if member_id in known
        else Recipient(member_id, None, None)
        for member_id in member_ids
    ]


async def going_with_lead(session: AsyncSession, occurrence: SessionOccurrence, lead: int) -> list[int]:
    """Members going who asked for a reminder `lead` minutes before (the default is one hour)."""
    going = await members_with(session, occurrence.id, Status.GOING)
    chosen: dict[int, list[int]] = {}
    for start in range(0, len(going), 500):
        rows = await session.execute(
            select(SessionMember.member_id, SessionMember.reminder_leads).where(
                SessionMember.guild_id == occurrence.guild_id, SessionMember.member_id.in_(going[start : start + 500])
            )
        )
        chosen.update({member_id: leads for member_id, leads in rows})
    return [member_id for member_id in going if lead in rules.reminder_leads(chosen.get(member_id))]
