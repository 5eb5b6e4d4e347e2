"""Timers for the jobs in `scheduled_jobs`: APScheduler fires, the database decides who runs.

Cogs register a handler per job kind. On start every pending job gets a timer; jobs whose time passed while the bot
was down run once right away. A periodic sweep also picks up jobs written by other processes and jobs whose claimer
died. Every run claims its row first, so a job never runs twice, even with two processes on one database.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import uuid
from collections.abc import Awaitable, Callable, Iterator
from datetime import datetime
from typing import Any

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.date import DateTrigger

from bot.database import Database
from models import scheduling
from models.base import utcnow
from models.scheduling import DueJob
from models.sharding import Shards

log = logging.getLogger(__name__)

Handler = Callable[[DueJob], Awaitable[None]]
SWEEP_SECONDS = 30.0


class Scheduler:
    def __init__(
        self,
        db: Database,
        *,
        clock: Callable[[], datetime] = utcnow,
        sweep_seconds: float = SWEEP_SECONDS,
        shards: Shards = scheduling.EVERY_SHARD,
    ) -> None:
        """`shards`: this process runs only the jobs of servers on its shards (the others' processes run theirs)."""
        self.db = db
        self.shards = shards
        self.clock = clock
        self.sweep_seconds = sweep_seconds
        self.worker = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self.handlers: dict[str, Handler] = {}
        self._timers = AsyncIOScheduler(timezone="UTC")
        self._running: set[asyncio.Task[None]] = set()

    def register(self, kind: str, handler: Handler) -> None:
        self.handlers[kind] = handler

    async def start(self) -> None:
        """Arm a timer per pending job, run what is already due once, then sweep periodically."""
        self.db.commit_hooks.append(self._arm_from_commit)
        self._timers.start()
        self._timers.add_job(self._sweep, "interval", seconds=self.sweep_seconds, id="sweep", coalesce=True)
        async with self.db.transaction() as session:
            released = await scheduling.release_expired_claims(session, self.clock())
            released += await scheduling.release_claims_of_dead_siblings(session, me=self.worker, pid_alive=pid_alive)
            pending = await scheduling.pending_jobs(session, self.shards)
        if released:
            log.warning("released %d job(s) claimed by a process that stopped mid-run", released)
        for job_id, due_at in pending:
            self._arm(job_id, due_at)
        log.info("scheduler started with %d pending job(s) as %s", len(pending), self.worker)

    async def shutdown(self, grace: float = 10.0) -> None:
        """Stop arming timers, let running jobs finish (up to `grace` seconds), then stop the timers."""
        if self._arm_from_commit in self.db.commit_hooks:
            self.db.commit_hooks.remove(self._arm_from_commit)
        if self._timers.running:
            self._timers.pause()
        if self._running:
            await asyncio.wait(set(self._running), timeout=grace)
        if self._timers.running:
            self._timers.shutdown(wait=False)

    def busy(self) -> bool:
        return any(not task.done() for task in self._running)

    async def idle(self) -> None:
        """Return once no job is running (jobs that start meanwhile included)."""
        while running := {task for task in self._running if not task.done()}:
            await asyncio.wait(running)

    async def run_due(self) -> int:
        """Claim and run every job due now; returns how many this worker ran."""
        now = self.clock()
        async with self.db.transaction() as session:
            await scheduling.release_expired_claims(session, now)
            job_ids = await scheduling.due_job_ids(session, now, self.shards)
        results = await asyncio.gather(*(self.run_job(job_id) for job_id in job_ids))
        return sum(results)

    async def run_due_by(self, moment: datetime) -> int:
        """Run now every job due by `moment`, as if the clock had reached it (the playground's "later"); returns how
        many this worker ran. The jobs are the real ones, claimed and rescheduled as at `moment` (a recurring job's
        next occurrence comes after it)."""
        async with self.db.transaction() as session:
            job_ids = await scheduling.due_job_ids(session, moment, self.shards)
        results = await asyncio.gather(*(self.run_job(job_id, now=moment) for job_id in job_ids))
        return sum(results)

    async def run_job(self, job_id: int, *, now: datetime | None = None) -> bool:
        """Run one job if this worker wins the claim; True when it ran. `now` stands for the clock (`run_due_by`)."""
        async with self.db.transaction() as session:
            job = await scheduling.claim(
                session, job_id, worker=self.worker, now=now or self.clock(), shards=self.shards
            )
        if job is None:
            return False
        error = await self._call_handler(job)
        async with self.db.transaction() as session:
            row = await scheduling.finish(session, job.id, worker=self.worker, now=now or self.clock(), error=error)
            if row is not None and row.state == scheduling.JobState.PENDING:
                next_due = row.due_at
                session.info.setdefault(scheduling.ARMED, []).append((row.id, next_due))
        return True

    async def _call_handler(self, job: DueJob) -> str | None:
        handler = self.handlers.get(job.kind)
        if handler is None:
            log.error("no handler registered for job kind %s (job %s)", job.kind, job.id)
            return f"no handler for {job.kind}"
        try:
            await handler(job)
        except Exception as error:
            log.exception("job %s (%s, guild %s) failed", job.id, job.kind, job.guild_id)
            return f"{type(error).__name__}: {error}"[:1000]
        return None

    def _arm_from_commit(self, info: dict[str, Any]) -> None:
        for job_id, due_at in info.pop(scheduling.ARMED, []):
            self._arm(job_id, due_at)

    def _arm(self, job_id: int, due_at: datetime) -> None:
        if not self._timers.running:
            return
        # No grace limit and coalescing: a timer that fires late still fires once; the claim decides the rest.
        self._timers.add_job(
            self._fire,
            DateTrigger(run_date=max(due_at, self.clock())),
            args=[job_id],
            id=f"job-{job_id}",
            replace_existing=True,
            misfire_grace_time=None,
            coalesce=True,
        )

    async def _fire(self, job_id: int) -> None:
        with self._tracked():
            try:
                await self.run_job(job_id)
            except Exception:
                log.exception("running job %s failed before its handler", job_id)

    async def _sweep(self) -> None:
        with self._tracked():
            try:
                await self.run_due()
            except Exception:
                log.exception("the periodic sweep of due jobs failed; the next one retries")

    @contextlib.contextmanager
    def _tracked(self) -> Iterator[None]:
        """A timer's run counts as running: shutdown lets it finish, `idle()` waits for it."""
        task = asyncio.current_task()
        if task is not None:
            self._running.add(task)
        try:
            yield
        finally:
            if task is not None:
                self._running.discard(task)


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # exists, owned by someone else
    return True
