"""Sessions at scale: expanding recurrences, reloading the schedule at start, and a reminder fan-out paced under
Discord's global rate limit — the real bot against the local emulator, on a real SQLite file.

Printed:
- 1,000 series expanded over one year (occurrences/s, wall-clock rules placed in UTC), beside dateutil expanding the
  same rules alone (the anchor: what the recurrence costs before Agora's time-zone work).
- a start with 10,000 pending jobs: `Scheduler.start` (read them all, arm a timer each; target < 2 s), beside reading
  them alone.
- a reminder to 5,000 members going, through the emulator with Discord's global limit (50 requests/s, 429 with
  `global: true` past it): the time against the 100 s that 50 requests/s allow for 5,000 requests (target within
  10 %), every 429 the emulator answered (target: none, let alone a storm), and the DMs delivered.

Run: `.venv/bin/python -m bench.bench_sessions [--members N] [--no-fanout]`.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from dateutil.rrule import rrulestr
from sqlalchemy import insert, select

from bench.table import Row, scaled
from bot.client import Agora
from bot.config import DatabaseSettings, DiscordSettings, LocaleSettings, Settings
from bot.database import Database
from bot.scheduler import Scheduler
from models import guild_settings, scheduling
from models.base import utcnow
from models.guild_settings import ChannelPurpose
from models.scheduling import JobState, ScheduledJob
from models.sessions import recurrence
from models.sessions import series as series_service
from models.sessions.recurrence import Repeat
from models.sessions.tables import SessionMember, SessionOccurrence, SessionRsvp
from playground.emulator import BotRunner, Emulator
from playground.emulator.state import DM, Channel, Member

SERIES = 1_000
JOBS = 10_000
MEMBERS = 5_000
GLOBAL_LIMIT = 50
RULES = (
    "FREQ=WEEKLY;BYDAY=TU",
    "FREQ=WEEKLY;BYDAY=MO,WE,FR",
    "FREQ=WEEKLY;INTERVAL=2;BYDAY=TH",
    "FREQ=DAILY",
    "FREQ=MONTHLY;BYDAY=+2TU",
    "FREQ=MONTHLY;BYMONTHDAY=15",
    "FREQ=MONTHLY;BYDAY=-1FR",
    "FREQ=WEEKLY;BYDAY=SA,SU",
)
ZONES = ("Europe/Paris", "America/Montreal", "Asia/Tokyo", "UTC", "Australia/Sydney")


def series_specs() -> list[tuple[str, datetime, ZoneInfo]]:
    start = datetime(2027, 1, 4, 18, 0)  # noqa: DTZ001 (wall-clock, as series store it)
    return [
        (RULES[n % len(RULES)], start + timedelta(days=n % 7, minutes=15 * (n % 4)), ZoneInfo(ZONES[n % len(ZONES)]))
        for n in range(SERIES)
    ]


def expansion() -> tuple[float, float, int]:
    """(occurrences/s with Agora's expansion, occurrences/s with dateutil alone, occurrences)."""
    specs = series_specs()
    started = time.perf_counter()
    total = sum(len(recurrence.year_of_slots(rule, start, zone)) for rule, start, zone in specs)
    ours = time.perf_counter() - started
    started = time.perf_counter()
    raw = sum(
        len(rrulestr(rule, dtstart=start).between(start, start + recurrence.YEAR, inc=True)) for rule, start, _ in specs
    )
    alone = time.perf_counter() - started
    assert raw >= total - SERIES  # the anchor expands the same year (it may keep the year's last instant)
    return total / ours, raw / alone, total


async def reload(folder: Path) -> tuple[float, float]:
    """(seconds for Scheduler.start with JOBS pending, seconds to read them alone)."""
    db = Database(f"sqlite+aiosqlite:///{folder / 'jobs.db'}")
    await db.migrate()
    later = utcnow() + timedelta(days=30)
    rows = [
        {
            "kind": series_service.REMIND_JOB,
            "key": f"{n}:60",
            "guild_id": 1,
            "payload": {"occurrence": n, "lead": 60},
            "due_at": later + timedelta(seconds=n),
            "state": JobState.PENDING,
            "attempts": 0,
            "runs": 0,
        }
        for n in range(JOBS)
    ]
    async with db.transaction() as session:
        await session.execute(insert(ScheduledJob), rows)
    timings, reads = [], []
    for _ in range(3):
        async with db.transaction() as session:
            started = time.perf_counter()
            assert len(await scheduling.pending_jobs(session)) == JOBS
            reads.append(time.perf_counter() - started)
        scheduler = Scheduler(db, sweep_seconds=3600)
        started = time.perf_counter()
        await scheduler.start()
        timings.append(time.perf_counter() - started)
        await scheduler.shutdown()
    await db.dispose()
    return statistics.median(timings), statistics.median(reads)


async def fan_out(folder: Path, members: int) -> dict[str, float]:
    async with Emulator(global_rate_limit=GLOBAL_LIMIT) as emulator:
        settings = Settings(
            database=DatabaseSettings(url=f"sqlite+aiosqlite:///{folder / 'agora.db'}"),
            locale=LocaleSettings(default="en", timezone="Europe/Paris"),
            discord=DiscordSettings(api_base=emulator.http_url, gateway_url=emulator.gateway_url),
        )
        runner = BotRunner(
            lambda: Agora(settings, cogs=("cogs.settings", "cogs.sessions"), guild_ready_timeout=0.05),
            emulator,
            timeout=60,
        )
        await runner.start(wait_for_sync=True)
        bot = runner.client
        assert isinstance(bot, Agora)
        await bot.caught_up.wait()
        occurrence_id = await seed(bot, emulator, members)
        async with bot.db.transaction() as session:
            found = await session.get_one(SessionOccurrence, occurrence_id)
            starts_at = found.starts_at
        limited_before = len(emulator.limits.limited)
        requests_before = len(emulator.requests)
        async with bot.db.transaction() as session:
            job = await session.scalar(
                select(ScheduledJob).where(
                    ScheduledJob.kind == series_service.REMIND_JOB, ScheduledJob.key == f"{occurrence_id}:60"
                )
            )
            assert job is not None
            job.due_at = utcnow()
        assert utcnow() < starts_at
        started = time.perf_counter()
        assert await bot.scheduler.run_due() >= 1
        elapsed = time.perf_counter() - started
        delivered = sum(
            1
            for channel in emulator.state.channels.values()
            if channel.type == DM and any(message.author_id == emulator.bot.id for message in channel.messages)
        )
        sent = len(emulator.requests) - requests_before
        limited = len(emulator.limits.limited) - limited_before
        await runner.stop()
    return {"elapsed": elapsed, "delivered": delivered, "limited": limited, "requests": sent}


async def seed(bot: Agora, emulator: Emulator, members: int) -> int:
    """A server with an announcements channel, one session in two days, and `members` going, each with the DM
    channel Agora opened when they answered (as `/session rsvp` does)."""
    guild = emulator.guild
    announcements = await emulator.create_channel(guild, "announcements")
    voice = await emulator.create_channel(guild, "lounge", type="voice")
    now = utcnow()
    start = (now + timedelta(days=2)).astimezone(ZoneInfo("Europe/Paris"))
    plan, _ = series_service.plan_series(
        title="Bench session",
        format="webinar",
        start=f"{start:%Y-%m-%d %H:%M}",
        duration="1h",
        zone=ZoneInfo("Europe/Paris"),
        now=now,
        repeat=Repeat.NONE,
        channel_id=voice.id,
        native_events=0,
        leads="none",
    )
    async with bot.db.transaction() as session:
        await guild_settings.set_channel(session, guild.id, ChannelPurpose.ANNOUNCEMENTS, announcements.id, now=now)
        created = await series_service.create_series(session, guild.id, plan, description=None, created_by=1, now=now)
    occurrence_id = created.occurrences[0].id
    state = emulator.state
    rsvps, settings = [], []
    for n in range(members):
        user = state.add_user(f"member{n}")
        guild.members[user.id] = Member(user=user, guild_id=guild.id)
        channel = state.add_channel(Channel(id=state.new_id(), type=DM, name="", recipient_ids=[user.id]))
        rsvps.append(
            {
                "occurrence_id": occurrence_id,
                "member_id": user.id,
                "guild_id": guild.id,
                "status": "going",
                "source": "button",
                "answered_at": now,
            }
        )
        settings.append(
            {
                "guild_id": guild.id,
                "member_id": user.id,
                "reminder_leads": [60],
                "dm_channel_id": channel.id,
                "updated_at": now,
            }
        )
    async with bot.db.transaction() as session:
        for start_at in range(0, members, 1000):
            await session.execute(insert(SessionRsvp), rsvps[start_at : start_at + 1000])
            await session.execute(insert(SessionMember), settings[start_at : start_at + 1000])
    return occurrence_id


async def main(members: int, with_fanout: bool) -> None:
    print(f"machine: {os.cpu_count()} cores, load {os.getloadavg()[0]:.2f}; Python {sys.version.split()[0]}; SQLite")
    ours, alone, total = expansion()
    print(
        f"expand {SERIES:,} series over one year ({total:,} occurrences, 8 rules, 5 time zones): {ours:,.0f} "
        f"occurrences/s; dateutil alone, same rules without time zones: {alone:,.0f}/s ({ours / alone:.0%} of it)"
    )
    with tempfile.TemporaryDirectory() as folder:
        started, read = await reload(Path(folder))
    print(
        f"start with {JOBS:,} pending jobs (read them, arm a timer each): {started:.2f} s (target < 2 s); "
        f"reading them alone: {read:.2f} s"
    )
    if not with_fanout:
        return
    with tempfile.TemporaryDirectory() as folder:
        figures = await fan_out(Path(folder), members)
    allowed = members / GLOBAL_LIMIT
    print(
        f"reminder to {members:,} members going, global limit {GLOBAL_LIMIT} requests/s on: {figures['elapsed']:.1f} s "
        f"against the {allowed:.0f} s that {GLOBAL_LIMIT}/s allow ({figures['elapsed'] / allowed - 1:+.1%}, target "
        f"within 10 %); {figures['requests']:,.0f} requests, {figures['limited']:.0f} answered 429, "
        f"{figures['delivered']:,.0f} DMs delivered; load after: {os.getloadavg()[0]:.2f}"
    )


async def rows(full: bool = False) -> list[Row]:
    """Expansion against dateutil alone, the schedule's reload against reading it; full: the fan-out too."""
    sizes = {} if full else {"SERIES": 100, "JOBS": 1_000}
    with scaled(globals(), **sizes), tempfile.TemporaryDirectory() as folder:
        ours, alone, _ = expansion()
        started, read = await reload(Path(folder))
        series, jobs = SERIES, JOBS
    found = [
        Row(f"sessions: occurrences/s, {series:,} series over a year", ours, alone, "dateutil alone"),
        Row(
            f"sessions: start with {jobs:,} pending jobs (s)", started, read, "reading them alone", "< 2 s", started < 2
        ),
    ]
    if full:
        with tempfile.TemporaryDirectory() as folder:
            figures = await fan_out(Path(folder), MEMBERS)
        allowed = MEMBERS / GLOBAL_LIMIT
        found.append(
            Row(
                f"reminder to {MEMBERS:,} members under 50 requests/s (s)",
                figures["elapsed"],
                allowed,
                "what 50 requests/s allow",
                "within 10 %",
                figures["elapsed"] <= allowed * 1.1,
            )
        )
    return found


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=MEMBERS)
    parser.add_argument("--no-fanout", action="store_true")
    arguments = parser.parse_args()
    asyncio.run(main(arguments.members, not arguments.no_fanout))
