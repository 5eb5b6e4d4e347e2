"""Who was there: time in the session's voice or stage channel (from voice state events), or an "I was there" click
for a session held elsewhere. A stay is counted only inside [start, end]; joining early or staying late adds nothing.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from models.base import insert_or_ignore
from models.errors import UserError
from models.recognition.milestones import MilestoneKind, report_milestone
from models.sessions import rules
from models.sessions.rules import Location, State, Status
from models.sessions.tables import SessionOccurrence, SessionPresence, SessionRsvp, SessionSeries


class ThereClosedError(UserError, key="sessions.there.closed"): ...


@dataclass(frozen=True)
class Attendance:
    """Each member's minutes, who counts as present, and who said they would come and did not."""

    minutes: dict[int, int]
    present: list[int]
    confirmed: list[int]
    no_shows: list[int]


async def _presence(session: AsyncSession, found: SessionOccurrence, member_id: int) -> SessionPresence:
    """The member's row for the occurrence, created once even when two events race to create it."""
    row = await session.get(SessionPresence, (found.id, member_id))
    if row is None:
        await insert_or_ignore(
            session, SessionPresence, occurrence_id=found.id, member_id=member_id, guild_id=found.guild_id, seconds=0
        )
        row = await session.get_one(SessionPresence, (found.id, member_id), populate_existing=True)
    return row


async def joined(session: AsyncSession, found: SessionOccurrence, member_id: int, *, now: datetime) -> None:
    row = await _presence(session, found, member_id)
    if row.since is None:
        row.since = now


async def left(session: AsyncSession, found: SessionOccurrence, member_id: int, *, now: datetime) -> None:
    row = await session.get(SessionPresence, (found.id, member_id))
    if row is not None and row.since is not None:
        row.seconds += rules.overlap(row.since, now, found.starts_at, found.ends_at)
        row.since = None


async def reconcile(
    session: AsyncSession, found: SessionOccurrence, in_channel: Iterable[int], *, now: datetime
) -> None:
    """After downtime: who is in the channel now has a stay open, who is not has theirs closed (at `now`: the bot
    cannot know when they left)."""
    here = set(in_channel)
    rows = await session.scalars(select(SessionPresence).where(SessionPresence.occurrence_id == found.id))
    known = {row.member_id: row for row in rows}
    for member_id, row in known.items():
        if row.since is not None and member_id not in here:
            await left(session, found, member_id, now=now)
    for member_id in here:
        await joined(session, found, member_id, now=now)


async def confirm(session: AsyncSession, found: SessionOccurrence, member_id: int, *, now: datetime) -> bool:
    """An "I was there" click; False when it was already recorded."""
    if found.location_kind != Location.EXTERNAL or found.state == State.CANCELLED:
        raise ThereClosedError()
    if not rules.there_open(now, found.starts_at, found.ends_at):
        raise ThereClosedError()
    row = await _presence(session, found, member_id)
    if row.confirmed_at is not None:
        return False
    row.confirmed_at = now
    return True


async def close(session: AsyncSession, found: SessionOccurrence) -> None:
    """The session ended: every open stay ends with it."""
    rows = await session.scalars(
        select(SessionPresence).where(SessionPresence.occurrence_id == found.id, SessionPresence.since.is_not(None))
    )
    for row in rows:
        await left(session, found, row.member_id, now=found.ends_at)


async def record_attended(
    session: AsyncSession, found: SessionOccurrence, present: list[int], *, now: datetime
) -> None:
    """Each member present counts towards their sessions-attended milestones (once per occurrence)."""
    for member_id in present:
        await report_milestone(session, found.guild_id, member_id, MilestoneKind.SESSION_ATTENDED, found.id, now=now)


async def attendance(session: AsyncSession, found: SessionOccurrence, series: SessionSeries) -> Attendance:
    rows = list(await session.scalars(select(SessionPresence).where(SessionPresence.occurrence_id == found.id)))
    minutes = {row.member_id: row.seconds // 60 for row in rows}
    present = sorted(
        row.member_id
        for row in rows
        if rules.attended(row.seconds, row.confirmed_at is not None, series.attendance_minutes)
    )
    confirmed = sorted(row.member_id for row in rows if row.confirmed_at is not None)
    going = await session.scalars(
        select(SessionRsvp.member_id).where(SessionRsvp.occurrence_id == found.id, SessionRsvp.status == Status.GOING)
    )
    here = set(present)
    return Attendance(minutes, present, confirmed, sorted(member for member in going if member not in here))
