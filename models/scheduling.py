"""The schedule's truth: one row per job in `scheduled_jobs`, claimed atomically before each run.

APScheduler only holds timers (see bot/scheduler.py). A row is `pending` until a process claims it with a conditional
UPDATE (`state='pending' AND due_at <= now`), which succeeds for exactly one process even when two share PostgreSQL.
A recurring job then moves to its next occurrence after *now*, so slots missed during downtime run once, not once each.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo

from dateutil.rrule import rrulestr
from sqlalchemy import Index, Integer, UniqueConstraint, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, CleanJSON, CleanString, CleanText, Snowflake, UTCDateTime
from models.sharding import Shards

EVERY_SHARD = Shards()

ARMED = "agora_jobs_armed"
EVERY_SERVER = "all"  # the key of a job that runs once for every server
MAX_ATTEMPTS = 3
RETRY_DELAY = timedelta(minutes=1)
# A claim older than this is taken to belong to a process that died mid-run: the job runs again.
LEASE = timedelta(minutes=10)


class JobState(StrEnum):
    PENDING = "pending"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"
    CANCELLED = "cancelled"


class ScheduledJob(Base):
    __tablename__ = "scheduled_jobs"
    __table_args__ = (
        UniqueConstraint("kind", "key"),
        Index("ix_scheduled_jobs_state_due_at", "state", "due_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    guild_id: Mapped[int | None] = mapped_column(Snowflake)
    kind: Mapped[str] = mapped_column(CleanString(64))
    key: Mapped[str] = mapped_column(CleanString(200))
    payload: Mapped[dict[str, Any]] = mapped_column(CleanJSON, default=dict)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime())
    rrule: Mapped[str | None] = mapped_column(CleanString(500))
    timezone: Mapped[str | None] = mapped_column(CleanString(64))
    anchor: Mapped[datetime | None] = mapped_column(UTCDateTime())
    state: Mapped[str] = mapped_column(CleanString(16), default=JobState.PENDING)
    claimed_by: Mapped[str | None] = mapped_column(CleanString(100))
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    runs: Mapped[int] = mapped_column(Integer, default=0)
    last_run_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_error: Mapped[str | None] = mapped_column(CleanText)


@dataclass(frozen=True)
class DueJob:
    """What a handler receives: one occurrence of a job, identified by (id, due_at)."""

    id: int
    kind: str
    key: str
    guild_id: int | None
    payload: dict[str, Any]
    due_at: datetime

    @property
    def nonce(self) -> str:
        """A Discord message nonce (≤ 25 chars) unique to this occurrence, so a retried post is not duplicated."""
        return f"j{self.id}.{int(self.due_at.timestamp())}"[:25]


# --- rules -------------------------------------------------------------------------------------------------


def next_occurrence(rule: str, *, anchor: datetime, timezone: str, after: datetime) -> datetime | None:
    """The first occurrence strictly after `after`, computed in local wall-clock time so DST keeps the hour.

    `rule` is an RFC 5545 RRULE (e.g. "FREQ=WEEKLY;BYDAY=TU"); `anchor` is the first occurrence (aware UTC).
    """
    zone = ZoneInfo(timezone)
    local_anchor = anchor.astimezone(zone).replace(tzinfo=None)
    recurrence = rrulestr(rule, dtstart=local_anchor)
    # Start a day early in local time and compare in UTC: robust to the hour that repeats in autumn.
    start = after.astimezone(zone).replace(tzinfo=None) - timedelta(days=1)
    for local in recurrence.xafter(start, inc=True):
        candidate = local.replace(tzinfo=zone).astimezone(UTC)
        if candidate > after:
            return candidate
    return None


def after_success(job: ScheduledJob, now: datetime) -> tuple[JobState, datetime]:
    """Where a job goes after a run: done, or pending at its next occurrence after now (missed slots collapse)."""
    if job.rrule and job.anchor and job.timezone:
        following = next_occurrence(job.rrule, anchor=job.anchor, timezone=job.timezone, after=max(now, job.due_at))
        if following is not None:
            return JobState.PENDING, following
    return JobState.DONE, job.due_at


def after_failure(job: ScheduledJob, now: datetime) -> tuple[JobState, datetime]:
    """Retry a few times, a minute apart per attempt; then give up on this occurrence."""
    if job.attempts < MAX_ATTEMPTS:
        return JobState.PENDING, now + RETRY_DELAY * job.attempts
    return after_success(job, now) if job.rrule else (JobState.FAILED, job.due_at)


# --- use cases ---------------------------------------------------------------------------------------------


async def schedule_job(
    session: AsyncSession,
    *,
    kind: str,
    key: str,
    due_at: datetime,
    guild_id: int | None = None,
    payload: dict[str, Any] | None = None,
    rrule: str | None = None,
    timezone: str | None = None,
) -> ScheduledJob:
    """Create or move the job (kind, key); the runtime arms its timer once the transaction commits."""
    job = await session.scalar(select(ScheduledJob).where(ScheduledJob.kind == kind, ScheduledJob.key == key))
    if job is None:
        job = ScheduledJob(kind=kind, key=key)
        session.add(job)
    job.guild_id = guild_id
    job.payload = payload or {}
    job.due_at = due_at
    job.rrule = rrule
    job.timezone = timezone
    job.anchor = due_at if rrule else None
    job.state = JobState.PENDING
    job.attempts = 0
    job.claimed_by = None
    await session.flush()
    session.info.setdefault(ARMED, []).append((job.id, due_at))
    return job


async def arm_daily(session: AsyncSession, *, kind: str, hour: int, now: datetime) -> None:
    """One job for every server, each day at `hour` UTC from the next one on; armed once: a pending or running one
    (after a restart, or armed by another process) stays where it is."""
    state = await session.scalar(
        select(ScheduledJob.state).where(ScheduledJob.kind == kind, ScheduledJob.key == EVERY_SERVER)
    )
    if state in (JobState.PENDING, JobState.RUNNING):
        return
    first = now.replace(hour=hour, minute=0, second=0, microsecond=0)
    if first <= now:
        first += timedelta(days=1)
    await schedule_job(session, kind=kind, key=EVERY_SERVER, due_at=first, rrule="FREQ=DAILY", timezone="UTC")


async def cancel_job(session: AsyncSession, *, kind: str, key: str) -> bool:
    result = await session.execute(
        update(ScheduledJob)
        .where(ScheduledJob.kind == kind, ScheduledJob.key == key, ScheduledJob.state == JobState.PENDING)
        .values(state=JobState.CANCELLED)
        .returning(ScheduledJob.id)
    )
    return result.first() is not None


async def pending_jobs(session: AsyncSession, shards: Shards = EVERY_SHARD) -> list[tuple[int, datetime]]:
    rows = await session.execute(
        select(ScheduledJob.id, ScheduledJob.due_at).where(
            ScheduledJob.state == JobState.PENDING, shards.clause(ScheduledJob.guild_id)
        )
    )
    return [(job_id, due_at) for job_id, due_at in rows]


async def due_job_ids(session: AsyncSession, now: datetime, shards: Shards = EVERY_SHARD) -> list[int]:
    rows = await session.scalars(
        select(ScheduledJob.id)
        .where(ScheduledJob.state == JobState.PENDING, ScheduledJob.due_at <= now, shards.clause(ScheduledJob.guild_id))
        .order_by(ScheduledJob.due_at)
    )
    return list(rows)


async def claim(
    session: AsyncSession, job_id: int, *, worker: str, now: datetime, shards: Shards = EVERY_SHARD
) -> DueJob | None:
    """Take the job for this worker, or None if it is not due, another worker took it first, or its server is on
    another process's shards."""
    result = await session.execute(
        update(ScheduledJob)
        .where(
            ScheduledJob.id == job_id,
            ScheduledJob.state == JobState.PENDING,
            ScheduledJob.due_at <= now,
            shards.clause(ScheduledJob.guild_id),
        )
        .values(state=JobState.RUNNING, claimed_by=worker, claimed_at=now, attempts=ScheduledJob.attempts + 1)
        .returning(
            ScheduledJob.id,
            ScheduledJob.kind,
            ScheduledJob.key,
            ScheduledJob.guild_id,
            ScheduledJob.payload,
            ScheduledJob.due_at,
        )
    )
    row = result.first()
    if row is None:
        return None
    # RETURNING bypasses the column type on some drivers: normalise the datetime ourselves.
    due_at = row.due_at if row.due_at.tzinfo else row.due_at.replace(tzinfo=UTC)
    return DueJob(row.id, row.kind, row.key, row.guild_id, dict(row.payload or {}), due_at)


async def finish(
    session: AsyncSession, job_id: int, *, worker: str, now: datetime, error: str | None = None
) -> ScheduledJob | None:
    """Record the run; returns the job (pending again if it recurs or retries) or None if the claim was lost."""
    job = await session.get(ScheduledJob, job_id)
    if job is None or job.state != JobState.RUNNING or job.claimed_by != worker:
        return None
    state, due_at = after_failure(job, now) if error else after_success(job, now)
    if not error:
        job.runs += 1
        job.attempts = 0
    job.state, job.due_at = state, due_at
    job.last_run_at, job.last_error, job.claimed_by = now, error, None
    return job


def is_dead_sibling(worker: str, me: str, pid_alive: Callable[[int], bool]) -> bool:
    """True when `worker` ran on this host and its process is gone (or was an earlier run of our own pid).

    Worker ids read "host:pid:random". A claim by a dead process on this host can be released at once instead of
    waiting for the lease, so a bot killed mid-job and restarted runs that job right away.
    """
    host, _, rest = worker.partition(":")
    pid, _, _ = rest.partition(":")
    my_host, _, my_rest = me.partition(":")
    my_pid, _, _ = my_rest.partition(":")
    if host != my_host or not pid.isdigit() or worker == me:
        return False
    return pid == my_pid or not pid_alive(int(pid))


async def release_claims_of_dead_siblings(session: AsyncSession, *, me: str, pid_alive: Callable[[int], bool]) -> int:
    rows = await session.execute(
        select(ScheduledJob.id, ScheduledJob.claimed_by).where(ScheduledJob.state == JobState.RUNNING)
    )
    dead = [job_id for job_id, worker in rows if worker and is_dead_sibling(worker, me, pid_alive)]
    if dead:
        await session.execute(
            update(ScheduledJob)
            .where(ScheduledJob.id.in_(dead), ScheduledJob.state == JobState.RUNNING)
            .values(state=JobState.PENDING, claimed_by=None)
        )
    return len(dead)


async def release_expired_claims(session: AsyncSession, now: datetime) -> int:
    """Jobs claimed by a process that died mid-run go back to pending (handlers are written to be idempotent)."""
    result = await session.execute(
        update(ScheduledJob)
        .where(ScheduledJob.state == JobState.RUNNING, ScheduledJob.claimed_at < now - LEASE)
        .values(state=JobState.PENDING, claimed_by=None)
        .returning(ScheduledJob.id)
    )
    return len(result.all())
