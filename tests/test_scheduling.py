"""The scheduler: the database is the truth; a job runs once, after restarts and with two processes."""

from __future__ import annotations

import asyncio
import sys
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from bot.database import Database
from bot.scheduler import Handler, Scheduler
from models import scheduling
from models.base import utcnow
from models.scheduling import DueJob, JobState, ScheduledJob, next_occurrence

PARIS = "Europe/Paris"


def test_weekly_recurrence_keeps_local_time_across_daylight_saving() -> None:
    # 10:00 in Paris on Tuesdays: 08:00 UTC in summer, 09:00 UTC in winter (DST ends 2026-10-25).
    anchor = datetime(2026, 10, 20, 8, 0, tzinfo=UTC)
    following = next_occurrence("FREQ=WEEKLY;BYDAY=TU", anchor=anchor, timezone=PARIS, after=anchor)
    assert following == datetime(2026, 10, 27, 9, 0, tzinfo=UTC)


def test_recurrence_ends() -> None:
    anchor = datetime(2026, 1, 1, 12, tzinfo=UTC)
    rule = "FREQ=DAILY;COUNT=2"
    second = next_occurrence(rule, anchor=anchor, timezone="UTC", after=anchor)
    assert second == anchor + timedelta(days=1)
    assert next_occurrence(rule, anchor=anchor, timezone="UTC", after=second) is None


def test_missed_slots_collapse_into_one_run() -> None:
    anchor = datetime(2026, 1, 1, 9, tzinfo=UTC)
    job = ScheduledJob(kind="k", key="k", due_at=anchor, rrule="FREQ=DAILY", anchor=anchor, timezone="UTC")
    state, due = scheduling.after_success(job, now=anchor + timedelta(days=3, hours=2))
    assert (state, due) == (JobState.PENDING, datetime(2026, 1, 5, 9, tzinfo=UTC))


def test_nonce_fits_discord_limit() -> None:
    job = DueJob(2**40, "kind", "key", None, {}, datetime(2099, 1, 1, tzinfo=UTC))
    assert len(job.nonce) <= 25


class Recorder:
    def __init__(self) -> None:
        self.runs: list[tuple[str, int]] = []
        self.event = asyncio.Event()

    def handler(self, name: str) -> Handler:
        async def run(job: DueJob) -> None:
            self.runs.append((name, job.id))
            self.event.set()

        return run


async def add_job(db: Database, key: str, due_at: datetime, **extra: object) -> int:
    async with db.transaction() as session:
        job = await scheduling.schedule_job(session, kind="test", key=key, due_at=due_at, **extra)  # type: ignore[arg-type]
        return job.id


async def job_row(db: Database, job_id: int) -> ScheduledJob:
    async with db.transaction() as session:
        row = await session.scalar(select(ScheduledJob).where(ScheduledJob.id == job_id))
        assert row is not None
        return row


async def test_job_missed_while_down_runs_once_on_start(db: Database) -> None:
    job_id = await add_job(db, "missed", utcnow() - timedelta(hours=1))
    recorder = Recorder()
    scheduler = Scheduler(db)
    scheduler.register("test", recorder.handler("a"))
    await scheduler.start()
    await asyncio.wait_for(recorder.event.wait(), 5)
    await scheduler.run_due()
    await scheduler.shutdown()
    assert recorder.runs == [("a", job_id)]
    assert (await job_row(db, job_id)).state == JobState.DONE


async def test_recurring_job_missed_three_times_runs_once_then_waits(db: Database) -> None:
    anchor = utcnow() - timedelta(days=3, minutes=5)
    job_id = await add_job(db, "daily", anchor, rrule="FREQ=DAILY", timezone=PARIS)
    recorder = Recorder()
    scheduler = Scheduler(db)
    scheduler.register("test", recorder.handler("a"))
    assert await scheduler.run_due() == 1
    assert await scheduler.run_due() == 0
    row = await job_row(db, job_id)
    assert row.state == JobState.PENDING and row.runs == 1
    assert utcnow() < row.due_at <= utcnow() + timedelta(days=1)


async def test_moving_the_clock_runs_the_jobs_due_by_then_and_no_later_one(db: Database) -> None:
    soon = await add_job(db, "soon", utcnow() + timedelta(minutes=40))
    later = await add_job(db, "later", utcnow() + timedelta(hours=2))
    daily = await add_job(db, "daily", utcnow() + timedelta(minutes=50), rrule="FREQ=DAILY", timezone=PARIS)
    recorder = Recorder()
    scheduler = Scheduler(db)
    scheduler.register("test", recorder.handler("a"))
    assert await scheduler.run_due_by(utcnow() + timedelta(hours=1)) == 2
    assert sorted(recorder.runs) == sorted([("a", soon), ("a", daily)])
    assert (await job_row(db, later)).state == JobState.PENDING
    row = await job_row(db, daily)  # the next occurrence comes from its rule, as after a run at its time
    assert row.state == JobState.PENDING and row.runs == 1 and row.due_at > utcnow() + timedelta(hours=12)


async def test_timer_fires_for_a_job_scheduled_after_start(db: Database) -> None:
    recorder = Recorder()
    scheduler = Scheduler(db)
    scheduler.register("test", recorder.handler("a"))
    await scheduler.start()
    job_id = await add_job(db, "soon", utcnow() + timedelta(milliseconds=200))
    await asyncio.wait_for(recorder.event.wait(), 5)
    await scheduler.shutdown()
    assert recorder.runs == [("a", job_id)]


async def test_jobs_are_reloaded_on_start(db: Database) -> None:
    job_id = await add_job(db, "later", utcnow() + timedelta(milliseconds=300))
    recorder = Recorder()
    scheduler = Scheduler(db)  # a fresh process: it learns about the job only from the table
    scheduler.register("test", recorder.handler("a"))
    await scheduler.start()
    await asyncio.wait_for(recorder.event.wait(), 5)
    await scheduler.shutdown()
    assert recorder.runs == [("a", job_id)]


async def test_two_schedulers_on_one_database_run_each_job_once(db: Database) -> None:
    job_ids = [await add_job(db, f"job-{n}", utcnow() - timedelta(seconds=n)) for n in range(20)]
    recorder = Recorder()
    first, second = Scheduler(db), Scheduler(Database(db.url))
    first.register("test", recorder.handler("first"))
    second.register("test", recorder.handler("second"))
    counts = await asyncio.gather(first.run_due(), second.run_due(), first.run_due(), second.run_due())
    await second.db.dispose()
    assert sum(counts) == 20
    assert sorted(job_id for _, job_id in recorder.runs) == sorted(job_ids)


async def test_failing_job_is_retried_then_marked_failed(db: Database) -> None:
    job_id = await add_job(db, "flaky", utcnow() - timedelta(minutes=1))
    scheduler = Scheduler(db)

    async def fail(job: DueJob) -> None:
        raise RuntimeError("discord is down")

    scheduler.register("test", fail)
    clock = [utcnow()]
    scheduler.clock = lambda: clock[0]
    for _ in range(scheduling.MAX_ATTEMPTS):
        assert await scheduler.run_due() == 1
        clock[0] += timedelta(minutes=10)
    row = await job_row(db, job_id)
    assert row.state == JobState.FAILED
    assert row.last_error == "RuntimeError: discord is down"


async def test_claim_of_a_crashed_process_is_released_after_the_lease(db: Database) -> None:
    job_id = await add_job(db, "crashed", utcnow() - timedelta(minutes=1))
    async with db.transaction() as session:
        assert await scheduling.claim(session, job_id, worker="dead", now=utcnow()) is not None
    recorder = Recorder()
    scheduler = Scheduler(db)
    scheduler.register("test", recorder.handler("a"))
    assert await scheduler.run_due() == 0  # still leased by the dead worker
    scheduler.clock = lambda: utcnow() + scheduling.LEASE + timedelta(seconds=1)
    assert await scheduler.run_due() == 1
    assert recorder.runs == [("a", job_id)]


async def test_cancelled_job_does_not_run(db: Database) -> None:
    await add_job(db, "cancel-me", utcnow() - timedelta(minutes=1))
    async with db.transaction() as session:
        assert await scheduling.cancel_job(session, kind="test", key="cancel-me")
    scheduler = Scheduler(db)
    scheduler.register("test", Recorder().handler("a"))
    assert await scheduler.run_due() == 0


async def test_a_daily_job_for_every_server_is_armed_once_at_the_next_hour(db: Database) -> None:
    morning = datetime(2026, 12, 2, 5, 30, tzinfo=UTC)
    async with db.transaction() as session:
        await scheduling.arm_daily(session, kind="test.daily", hour=4, now=morning)
    async with db.transaction() as session:  # a restart, or another process: the armed job stays where it is
        await scheduling.arm_daily(session, kind="test.daily", hour=4, now=morning + timedelta(hours=1))
    async with db.transaction() as session:
        jobs = list(await session.scalars(select(ScheduledJob).where(ScheduledJob.kind == "test.daily")))
        assert [(job.key, job.due_at, job.rrule) for job in jobs] == [
            (scheduling.EVERY_SERVER, datetime(2026, 12, 3, 4, tzinfo=UTC), "FREQ=DAILY")
        ]
        jobs[0].state = JobState.FAILED
    async with db.transaction() as session:  # given up on: armed again, today if the hour is still ahead
        await scheduling.arm_daily(session, kind="test.daily", hour=6, now=morning)
        job = await session.scalar(select(ScheduledJob).where(ScheduledJob.kind == "test.daily"))
        assert job is not None and job.state == JobState.PENDING and job.due_at == datetime(2026, 12, 2, 6, tzinfo=UTC)


def test_dead_sibling_detection() -> None:
    me = "host:100:aaaa"
    alive = {100, 200}.__contains__
    assert scheduling.is_dead_sibling("host:300:bbbb", me, alive)
    assert scheduling.is_dead_sibling("host:100:cccc", me, alive)  # an earlier run that had our pid (containers)
    assert not scheduling.is_dead_sibling("host:200:bbbb", me, alive)
    assert not scheduling.is_dead_sibling("other:300:bbbb", me, alive)  # another host: wait for the lease
    assert not scheduling.is_dead_sibling(me, me, alive)


KILLED_WORKER = """
import asyncio, sys
from datetime import timedelta
from bot.database import Database
from bot.scheduler import Scheduler
from models import scheduling
from models.base import utcnow

async def main() -> None:
    db = Database(sys.argv[1])
    async with db.transaction() as session:
        await scheduling.schedule_job(session, kind="test", key="killed", due_at=utcnow() - timedelta(seconds=1))
    scheduler = Scheduler(db)

    async def hang(job: scheduling.DueJob) -> None:
        print("started", flush=True)
        await asyncio.sleep(3600)

    scheduler.register("test", hang)
    await scheduler.start()
    await asyncio.sleep(3600)

asyncio.run(main())
"""


async def test_job_of_a_killed_process_runs_once_after_restart(db: Database) -> None:
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-c", KILLED_WORKER, db.url, stdout=asyncio.subprocess.PIPE
    )
    assert process.stdout is not None
    assert await asyncio.wait_for(process.stdout.readline(), 30) == b"started\n"
    process.kill()  # SIGKILL mid-job: no cleanup runs
    await process.wait()
    recorder = Recorder()
    scheduler = Scheduler(db)
    scheduler.register("test", recorder.handler("restarted"))
    await scheduler.start()
    await asyncio.wait_for(recorder.event.wait(), 5)
    assert await scheduler.run_due() == 0
    await scheduler.shutdown()
    assert len(recorder.runs) == 1
