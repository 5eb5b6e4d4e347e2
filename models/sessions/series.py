"""Series and occurrences: creating them, keeping a few weeks of occurrences as rows, and every change a host makes.

Each occurrence is a row (its time, place and state are the truth); its announcements, reminders, start and end are
jobs in `scheduled_jobs`, re-planned whenever the occurrence changes. Use cases take a session and `now`, flush,
never commit.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from models import scheduling
from models.errors import UserError
from models.sessions import recurrence, rules
from models.sessions.recurrence import Slot
from models.sessions.rules import Location, State
from models.sessions.tables import SessionDraft, SessionOccurrence, SessionSeries

HORIZON = timedelta(days=35)  # occurrences kept as rows ahead of now (longer than the longest announcement lead)
MATERIALIZE_BATCH = 60
DRAFT_KEPT = timedelta(days=1)
ANNOUNCE_JOB = "sessions.announce"
REMIND_JOB = "sessions.remind"
START_JOB = "sessions.start"
END_JOB = "sessions.end"
EVENTS_JOB = "sessions.events"
NOTIFY_JOB = "sessions.notify"
MATERIALIZE_JOB = "sessions.materialize"
MATERIALIZE_HOUR = 3  # UTC


class SessionUnknownError(UserError, key="sessions.lookup.unknown"): ...


class SeriesUnknownError(UserError, key="sessions.lookup.series_unknown"): ...


class AlreadyStartedError(UserError, key="sessions.change.already_started"): ...


class AlreadyCancelledError(UserError, key="sessions.change.already_cancelled"): ...


class NothingToChangeError(UserError, key="sessions.change.nothing"): ...


class TimeFixedByRuleError(UserError, key="sessions.edit.time_fixed_by_rule"): ...


@dataclass(frozen=True)
class SeriesPlan:
    """A checked `/session create`, ready to store (kept as JSON while the host writes the description)."""

    title: str
    format: str
    timezone: str
    anchor_local: str
    rule: str | None
    duration_minutes: int
    location_kind: str
    channel_id: int | None
    link: str | None
    speakers: str | None
    capacity: int | None
    role_id: int | None
    announce_leads: list[int]
    native_events: int
    attendance_minutes: int

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> SeriesPlan:
        return cls(**{key: data[key] for key in cls.__dataclass_fields__})


@dataclass(frozen=True)
class Created:
    series: SessionSeries
    occurrences: list[SessionOccurrence]
    first: Slot


@dataclass(frozen=True)
class Edit:
    """What `/session edit` changes, from an occurrence onwards (None: unchanged)."""

    title: str | None = None
    format: str | None = None
    duration: timedelta | None = None
    clock: tuple[int, int] | None = None
    location_kind: str | None = None
    channel_id: int | None = None
    link: str | None = None
    speakers: str | None = None
    capacity: int | None = None
    role_id: int | None = None

    @property
    def moves_place(self) -> bool:
        return self.location_kind is not None

    @property
    def empty(self) -> bool:
        return all(value is None for value in asdict(self).values())


def plan_series(
    *,
    title: str,
    format: str,
    start: str,
    duration: str,
    zone: ZoneInfo,
    now: datetime,
    repeat: recurrence.Repeat = recurrence.Repeat.NONE,
    days: str | None = None,
    until: str | None = None,
    count: int | None = None,
    rule: str | None = None,
    location_kind: str | None = None,
    channel_id: int | None = None,
    link: str | None = None,
    speakers: str | None = None,
    capacity: int | None = None,
    role_id: int | None = None,
    leads: str | None = None,
    native_events: int = 3,
    attendance_minutes: int = 10,
) -> tuple[SeriesPlan, Slot]:
    """Check everything a host typed; returns the plan and its first occurrence (which may have been shifted)."""
    checked_title = rules.check_title(title)
    wall = rules.parse_local(start)
    length = rules.parse_duration(duration)
    announce = rules.parse_leads(leads)
    checked_link = rules.check_link(link)
    if channel_id is None and checked_link is None:
        raise rules.LocationMissingError()
    if channel_id is not None and checked_link is not None:
        raise rules.LocationTwiceError()
    if count is not None and not 1 <= count <= recurrence.MAX_COUNT:
        raise recurrence.CountTooHighError(limit=recurrence.MAX_COUNT)
    end_date = rules.parse_date(until)
    if rule is not None and rule.strip():
        chosen_rule: str | None = recurrence.normalize_rule(rule, zone)
    else:
        chosen_rule = recurrence.build_rule(repeat, wall, days=recurrence.parse_days(days), until=end_date, count=count)
    first_local = recurrence.check_rule(chosen_rule, wall, until=end_date)
    first_start, shifted = recurrence.to_utc(first_local, zone)
    rules.check_start(first_start, now)
    plan = SeriesPlan(
        title=checked_title,
        format=rules.Format(format).value,
        timezone=zone.key,
        anchor_local=recurrence.wall_clock(wall),
        rule=chosen_rule,
        duration_minutes=int(length.total_seconds() // 60),
        location_kind=(location_kind or Location.VOICE) if channel_id is not None else Location.EXTERNAL,
        channel_id=channel_id,
        link=checked_link,
        speakers=rules.check_text(speakers, rules.SPEAKERS_MAX, "speakers"),
        capacity=rules.check_capacity(capacity),
        role_id=role_id,
        announce_leads=[int(lead.total_seconds() // 60) for lead in announce],
        native_events=max(0, min(native_events, rules.MAX_NATIVE_EVENTS)),
        attendance_minutes=attendance_minutes,
    )
    return plan, Slot(0, first_local, first_start, shifted)


async def create_series(
    session: AsyncSession,
    guild_id: int,
    plan: SeriesPlan,
    *,
    description: str | None,
    created_by: int,
    now: datetime,
) -> Created:
    """Store the series, its first weeks of occurrences and their jobs, and ask for its native events."""
    series = SessionSeries(
        guild_id=guild_id,
        description=rules.check_text(description, rules.DESCRIPTION_MAX, "description"),
        created_by=created_by,
        created_at=now,
        slots_done=0,
        exhausted=False,
        **plan.to_json(),
    )
    session.add(series)
    await session.flush()
    occurrences = await materialize(session, series, now=now)
    if not occurrences:  # the first start passed while the host was writing the description
        raise rules.DateInPastError()
    first = recurrence.slots(series.rule, anchor(series), zone_of(series), limit=1)[0][0]
    await request_event_sync(session, series, now=now)
    return Created(series, occurrences, first)


def anchor(series: SessionSeries) -> datetime:
    return recurrence.from_wall_clock(series.anchor_local)


def zone_of(series: SessionSeries) -> ZoneInfo:
    return ZoneInfo(series.timezone)


async def materialize(session: AsyncSession, series: SessionSeries, *, now: datetime) -> list[SessionOccurrence]:
    """Rows for the slots of the next few weeks (and at least the next few, for native events), with their jobs.

    Slots whose session already ended (after a long downtime) are skipped without a row.
    """
    # Take the series' row first: two processes (or the end of an occurrence and the daily job) topping up at once
    # would otherwise both create the same next slot. The second one waits, then reads how far the first went.
    await session.execute(
        update(SessionSeries)
        .where(SessionSeries.id == series.id)
        .values(slots_done=SessionSeries.slots_done)
        .execution_options(synchronize_session=False)
    )
    await session.refresh(series)
    if series.exhausted or series.ended_at is not None:
        return []
    ahead = await session.scalar(
        select(func.count()).where(
            SessionOccurrence.series_id == series.id,
            SessionOccurrence.state == State.SCHEDULED,
            SessionOccurrence.starts_at > now,
        )
    )
    wanted = max(0, max(series.native_events, 1) - int(ahead or 0))
    found, more = recurrence.slots(
        series.rule,
        anchor(series),
        zone_of(series),
        first=series.slots_done,
        until=now + HORIZON,
        at_least=wanted,
        limit=MATERIALIZE_BATCH,
    )
    created = []
    length = timedelta(minutes=series.duration_minutes)
    for slot in found:
        series.slots_done = slot.index + 1
        if slot.start + length <= now:
            continue
        occurrence = SessionOccurrence(
            series_id=series.id,
            guild_id=series.guild_id,
            slot=slot.index,
            starts_at=slot.start,
            ends_at=slot.start + length,
            shifted=slot.shifted,
            location_kind=series.location_kind,
            channel_id=series.channel_id,
            link=series.link,
            state=State.SCHEDULED,
            moved=False,
            revision=0,
            rsvp_version=0,
        )
        session.add(occurrence)
        created.append(occurrence)
    series.exhausted = not more
    await session.flush()
    for occurrence in created:
        await plan_jobs(session, series, occurrence, now=now)
    return created


async def plan_jobs(
    session: AsyncSession, series: SessionSeries, occurrence: SessionOccurrence, *, now: datetime
) -> None:
    """(Re)plan an occurrence's jobs from its current time: announcements whose time passed collapse into one now;
    reminders whose time passed are dropped (each member's own time, see `REMIND_JOB`)."""
    payload = {"occurrence": occurrence.id}
    leads = sorted(series.announce_leads, reverse=True)
    passed = [lead for lead in leads if occurrence.starts_at - timedelta(minutes=lead) <= now]
    for lead in leads:
        due = occurrence.starts_at - timedelta(minutes=lead)
        key = f"{occurrence.id}:{lead}"
        if due > now or (passed and lead == min(passed)):
            await scheduling.schedule_job(
                session,
                kind=ANNOUNCE_JOB,
                key=key,
                due_at=max(due, now),
                guild_id=occurrence.guild_id,
                payload={**payload, "lead": lead},
            )
        else:
            await scheduling.cancel_job(session, kind=ANNOUNCE_JOB, key=key)
    for lead in rules.REMINDER_CHOICES:
        due = occurrence.starts_at - timedelta(minutes=lead)
        key = f"{occurrence.id}:{lead}"
        if due > now:
            await scheduling.schedule_job(
                session,
                kind=REMIND_JOB,
                key=key,
                due_at=due,
                guild_id=occurrence.guild_id,
                payload={**payload, "lead": lead},
            )
        else:
            await scheduling.cancel_job(session, kind=REMIND_JOB, key=key)
    for kind, due in ((START_JOB, occurrence.starts_at), (END_JOB, occurrence.ends_at)):
        await scheduling.schedule_job(
            session, kind=kind, key=str(occurrence.id), due_at=due, guild_id=occurrence.guild_id, payload=payload
        )


async def drop_jobs(session: AsyncSession, series: SessionSeries, occurrence: SessionOccurrence) -> None:
    for lead in series.announce_leads:
        await scheduling.cancel_job(session, kind=ANNOUNCE_JOB, key=f"{occurrence.id}:{lead}")
    for lead in rules.REMINDER_CHOICES:
        await scheduling.cancel_job(session, kind=REMIND_JOB, key=f"{occurrence.id}:{lead}")
    for kind in (START_JOB, END_JOB):
        await scheduling.cancel_job(session, kind=kind, key=str(occurrence.id))


async def request_event_sync(session: AsyncSession, series: SessionSeries, *, now: datetime) -> None:
    """Bring the series' native events in step (a job, so the change commits first and one process does it)."""
    await scheduling.schedule_job(
        session,
        kind=EVENTS_JOB,
        key=str(series.id),
        due_at=now,
        guild_id=series.guild_id,
        payload={"series": series.id},
    )


async def request_notice(session: AsyncSession, occurrence: SessionOccurrence, change: str, *, now: datetime) -> None:
    """Tell the members going (and waiting) that an occurrence moved or was cancelled, in a job of its own."""
    await scheduling.schedule_job(
        session,
        kind=NOTIFY_JOB,
        key=f"{occurrence.id}:{occurrence.revision}",
        due_at=now,
        guild_id=occurrence.guild_id,
        payload={"occurrence": occurrence.id, "change": change, "revision": occurrence.revision},
    )


# --- lookups ------------------------------------------------------------------------------------------------


async def occurrence(
    session: AsyncSession, occurrence_id: int | str | None, guild_id: int
) -> tuple[SessionOccurrence, SessionSeries]:
    """An occurrence of this server and its series, from an autocomplete value; refused kindly otherwise."""
    wanted = rules.row_id(occurrence_id)
    found = await session.get(SessionOccurrence, wanted) if wanted else None
    if found is None or found.guild_id != guild_id:
        raise SessionUnknownError()
    return found, await session.get_one(SessionSeries, found.series_id)


async def series_of(session: AsyncSession, series_id: int | str | None, guild_id: int) -> SessionSeries:
    wanted = rules.row_id(series_id)
    found = await session.get(SessionSeries, wanted) if wanted else None
    if found is None or found.guild_id != guild_id:
        raise SeriesUnknownError()
    return found


async def upcoming(
    session: AsyncSession, guild_id: int, *, now: datetime, offset: int = 0, limit: int = 10
) -> tuple[list[tuple[SessionOccurrence, SessionSeries]], int]:
    """Scheduled occurrences not yet over, soonest first, and how many there are in all."""
    where = (
        SessionOccurrence.guild_id == guild_id,
        SessionOccurrence.state == State.SCHEDULED,
        SessionOccurrence.ends_at > now,
    )
    total = int(await session.scalar(select(func.count()).where(*where)) or 0)
    rows = await session.execute(
        select(SessionOccurrence, SessionSeries)
        .join(SessionSeries, SessionSeries.id == SessionOccurrence.series_id)
        .where(*where)
        .order_by(SessionOccurrence.starts_at, SessionOccurrence.id)
        .offset(offset)
        .limit(limit)
    )
    return [(found, series) for found, series in rows], total


async def occurrence_choices(
    session: AsyncSession, guild_id: int, text: str, *, now: datetime, include_past: bool = False, limit: int = 25
) -> list[tuple[SessionOccurrence, SessionSeries]]:
    """For autocomplete: occurrences whose title contains `text`, upcoming first (or the most recent past ones)."""
    query = (
        select(SessionOccurrence, SessionSeries)
        .join(SessionSeries, SessionSeries.id == SessionOccurrence.series_id)
        .where(SessionOccurrence.guild_id == guild_id)
    )
    needle = " ".join(text.split()).lower()[:100]
    if needle:
        query = query.where(func.lower(SessionSeries.title).contains(needle, autoescape=True))
    if include_past:
        query = query.where(SessionOccurrence.starts_at <= now).order_by(SessionOccurrence.starts_at.desc())
    else:
        query = query.where(SessionOccurrence.state == State.SCHEDULED, SessionOccurrence.ends_at > now).order_by(
            SessionOccurrence.starts_at
        )
    rows = await session.execute(query.limit(limit))
    return [(found, series) for found, series in rows]


async def series_choices(session: AsyncSession, guild_id: int, text: str, limit: int = 25) -> list[SessionSeries]:
    query = select(SessionSeries).where(SessionSeries.guild_id == guild_id)
    needle = " ".join(text.split()).lower()[:100]
    if needle:
        query = query.where(func.lower(SessionSeries.title).contains(needle, autoescape=True))
    found = await session.scalars(
        query.order_by(SessionSeries.ended_at.is_not(None), SessionSeries.id.desc()).limit(limit)
    )
    return list(found)


async def active_series(session: AsyncSession) -> list[SessionSeries]:
    found = await session.scalars(
        select(SessionSeries).where(SessionSeries.ended_at.is_(None), SessionSeries.exhausted.is_(False))
    )
    return list(found)


async def live_in_channel(session: AsyncSession, channel_id: int, now: datetime) -> list[SessionOccurrence]:
    """Occurrences held in this voice or stage channel around now (from 15 minutes before they start)."""
    found = await session.scalars(
        select(SessionOccurrence).where(
            SessionOccurrence.channel_id == channel_id,
            SessionOccurrence.state == State.SCHEDULED,
            SessionOccurrence.starts_at <= now + timedelta(minutes=15),
            SessionOccurrence.ends_at >= now,
        )
    )
    return list(found)


async def live(session: AsyncSession, now: datetime) -> list[SessionOccurrence]:
    """Every occurrence going on now (for the start-up catch-up of voice presence)."""
    found = await session.scalars(
        select(SessionOccurrence).where(
            SessionOccurrence.state == State.SCHEDULED,
            SessionOccurrence.starts_at <= now,
            SessionOccurrence.ends_at >= now,
        )
    )
    return list(found)


async def by_event(session: AsyncSession, event_id: int) -> SessionOccurrence | None:
    return await session.scalar(select(SessionOccurrence).where(SessionOccurrence.event_id == event_id))


async def window(session: AsyncSession, series: SessionSeries, *, now: datetime) -> list[SessionOccurrence]:
    """The next occurrences mirrored as native events, and any other with an event still to bring in step."""
    upcoming_rows = await session.scalars(
        select(SessionOccurrence)
        .where(
            SessionOccurrence.series_id == series.id,
            SessionOccurrence.state == State.SCHEDULED,
            SessionOccurrence.starts_at > now,
        )
        .order_by(SessionOccurrence.starts_at)
        .limit(series.native_events)
    )
    chosen = list(upcoming_rows) if series.native_events else []
    stale = await session.scalars(
        select(SessionOccurrence).where(
            SessionOccurrence.series_id == series.id,
            SessionOccurrence.event_id.is_not(None),
            or_(
                SessionOccurrence.event_revision < SessionOccurrence.revision,
                SessionOccurrence.state == State.CANCELLED,
            ),
            SessionOccurrence.event_state.in_(("scheduled", "active")),
        )
    )
    return chosen + [found for found in stale if found not in chosen]


# --- changes ------------------------------------------------------------------------------------------------


def check_changeable(occurrence: SessionOccurrence, now: datetime) -> None:
    if occurrence.state == State.CANCELLED:
        raise AlreadyCancelledError()
    if occurrence.state != State.SCHEDULED or occurrence.starts_at <= now:
        raise AlreadyStartedError()


async def cancel_occurrence(
    session: AsyncSession, found: SessionOccurrence, series: SessionSeries, *, now: datetime
) -> None:
    """Cancel one occurrence: its jobs stop, its posts and native event follow, members going are told."""
    check_changeable(found, now)
    found.state = State.CANCELLED
    found.revision += 1
    await drop_jobs(session, series, found)
    await request_notice(session, found, "cancelled", now=now)
    await request_event_sync(session, series, now=now)


async def move_occurrence(
    session: AsyncSession,
    found: SessionOccurrence,
    series: SessionSeries,
    *,
    start: str | None,
    location_kind: str | None,
    channel_id: int | None,
    link: str | None,
    now: datetime,
) -> bool:
    """Move one occurrence (its time, its place, or both) without touching the series; True when the new wall time
    did not exist and was shifted."""
    check_changeable(found, now)
    checked_link = rules.check_link(link)
    if channel_id is not None and checked_link is not None:
        raise rules.LocationTwiceError()
    if start is None and channel_id is None and checked_link is None:
        raise NothingToChangeError()
    shifted = False
    if start is not None:
        new_start, shifted = recurrence.to_utc(rules.parse_local(start), zone_of(series))
        rules.check_start(new_start, now)
        length = found.ends_at - found.starts_at
        found.starts_at, found.ends_at, found.shifted = new_start, new_start + length, shifted
    place_to(found, location_kind, channel_id, checked_link)
    found.moved = True
    found.revision += 1
    await plan_jobs(session, series, found, now=now)
    await request_notice(session, found, "moved", now=now)
    await request_event_sync(session, series, now=now)
    return shifted


def place_to(found: SessionOccurrence, location_kind: str | None, channel_id: int | None, link: str | None) -> None:
    if channel_id is not None:
        found.location_kind, found.channel_id, found.link = location_kind or Location.VOICE, channel_id, None
    elif link is not None:
        found.location_kind, found.channel_id, found.link = Location.EXTERNAL, None, link


async def edit_onwards(
    session: AsyncSession, found: SessionOccurrence, series: SessionSeries, edit: Edit, *, now: datetime
) -> list[SessionOccurrence]:
    """Change the series from this occurrence onwards; returns the occurrences changed (each re-planned)."""
    check_changeable(found, now)
    if edit.empty:
        raise NothingToChangeError()
    if edit.clock is not None and any(part in recurrence.rule_parts(series.rule) for part in ("BYHOUR", "BYMINUTE")):
        raise TimeFixedByRuleError()
    apply_to_series(series, edit)
    affected = list(
        await session.scalars(
            select(SessionOccurrence)
            .where(
                SessionOccurrence.series_id == series.id,
                SessionOccurrence.slot >= found.slot,
                SessionOccurrence.state == State.SCHEDULED,
                SessionOccurrence.starts_at > now,
            )
            .order_by(SessionOccurrence.starts_at)
        )
    )
    zone = zone_of(series)
    for each in affected:
        length = edit.duration or (each.ends_at - each.starts_at)
        if edit.clock is not None:
            local = each.starts_at.astimezone(zone).replace(tzinfo=None, hour=edit.clock[0], minute=edit.clock[1])
            each.starts_at, each.shifted = recurrence.to_utc(local, zone)
        each.ends_at = each.starts_at + length
        if edit.moves_place:
            place_to(each, edit.location_kind, edit.channel_id, edit.link)
        each.revision += 1
        await plan_jobs(session, series, each, now=now)
        if edit.clock is not None or edit.moves_place:
            await request_notice(session, each, "moved", now=now)
    if edit.clock is not None and affected and min(each.starts_at for each in affected) <= now:
        raise rules.DateInPastError()
    await request_event_sync(session, series, now=now)
    return affected


def apply_to_series(series: SessionSeries, edit: Edit) -> None:
    """The series' own values, so occurrences created from now on follow the edit."""
    for name in ("title", "format", "speakers", "capacity", "role_id"):
        value = getattr(edit, name)
        if value is not None:
            setattr(series, name, value)
    if edit.duration is not None:
        series.duration_minutes = int(edit.duration.total_seconds() // 60)
    if edit.clock is not None:
        series.anchor_local = recurrence.wall_clock(anchor(series).replace(hour=edit.clock[0], minute=edit.clock[1]))
    if edit.moves_place:
        series.location_kind = edit.location_kind or series.location_kind
        series.channel_id = edit.channel_id if edit.location_kind != Location.EXTERNAL else None
        series.link = edit.link if edit.location_kind == Location.EXTERNAL else None


async def end_series(session: AsyncSession, series: SessionSeries, *, now: datetime) -> list[SessionOccurrence]:
    """No more occurrences: the ones not started yet are cancelled (members going are told)."""
    if series.ended_at is not None:
        raise SeriesUnknownError()
    series.ended_at = now
    series.exhausted = True
    future = list(
        await session.scalars(
            select(SessionOccurrence).where(
                SessionOccurrence.series_id == series.id,
                SessionOccurrence.state == State.SCHEDULED,
                SessionOccurrence.starts_at > now,
            )
        )
    )
    for each in future:
        each.state = State.CANCELLED
        each.revision += 1
        await drop_jobs(session, series, each)
        await request_notice(session, each, "cancelled", now=now)
    await request_event_sync(session, series, now=now)
    return future


async def mark(
    session: AsyncSession, occurrence_id: int, *, started_at: datetime | None = None, ended_at: datetime | None = None
) -> SessionOccurrence | None:
    found = await session.get(SessionOccurrence, occurrence_id)
    if found is None:
        return None
    if started_at is not None and found.started_at is None:
        found.started_at = started_at
    if ended_at is not None and found.ended_at is None:
        found.ended_at = ended_at
        if found.state == State.SCHEDULED:
            found.state = State.DONE
    return found


async def schedule_materialize(session: AsyncSession, *, now: datetime) -> None:
    """One daily job tops up every series' occurrences to `HORIZON` ahead."""
    await scheduling.arm_daily(session, kind=MATERIALIZE_JOB, hour=MATERIALIZE_HOUR, now=now)


async def purge_drafts(session: AsyncSession, *, now: datetime) -> int:
    """Forms a host opened and never sent (a day later, nobody will)."""
    result = await session.execute(
        delete(SessionDraft).where(SessionDraft.created_at < now - DRAFT_KEPT).returning(SessionDraft.id)
    )
    return len(result.all())
