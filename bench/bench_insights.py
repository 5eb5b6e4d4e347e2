"""What the community-health report costs on a big server: 100,000 members and a year of activity in every
capability, generated with bulk inserts into a real SQLite file (migrated like the bot's).

Timed, as medians of several runs: `/insights` with the default 30 days (which capabilities are in use, every
figure for the period and the one before, the same figures per calendar week, the chart), the same for a year, and
the weekly report (one week, its previous week, eight weeks of sparklines). The anchor is `SELECT count(*)` of the
kudos table, measured in the same run.

Run: `.venv/bin/python -m bench.bench_insights [runs]` (default 3).
"""

from __future__ import annotations

import asyncio
import functools
import json
import random
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from sqlalchemy import Boolean, DateTime, Float, Integer, LargeBinary, Table, text

from bench.table import Row, scaled
from bot.database import Database
from models.base import Base
from models.insights import chart, figures, rules, service
from models.insights.rules import Report, Window

NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
YEAR = timedelta(days=365)
ZONE = ZoneInfo("Europe/Paris")
GUILD = 1
MEMBERS = 100_000
KUDOS = 300_000
POLLS, VOTES_PER_POLL = 100, 1_000
THREADS, REPLIES_PER_THREAD = 10_000, 3
SERIES, ATTENDEES, RSVPS = 50, 20, 30
MENTORSHIPS = 5_000
GROUPS, SEATS_PER_GROUP = 1_000, 6

draw = random.Random(14)
T = TypeVar("T")


def when(start: datetime = NOW - YEAR, end: datetime = NOW) -> datetime:
    return start + timedelta(seconds=draw.uniform(0, (end - start).total_seconds()))


def member() -> int:
    return 10_000 + draw.randrange(MEMBERS)


def stored(value: Any) -> Any:
    """A value as SQLAlchemy stores it on SQLite (naive UTC text for datetimes, JSON text for lists and dicts)."""
    if isinstance(value, datetime):
        return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
    if isinstance(value, list | dict):
        return json.dumps(value)
    return value


def filler(table: Table, name: str) -> Any:
    column = table.c[name]
    default = column.default
    if default is not None and getattr(default, "is_scalar", False):
        return default.arg  # type: ignore[attr-defined]
    kind = column.type
    for known, value in ((Boolean, False), (Integer, 0), (Float, 0.0), (DateTime, NOW), (LargeBinary, b"")):
        if isinstance(kind, known) or isinstance(getattr(kind, "impl", None), known):
            return value
    return "[]" if "JSON" in type(kind).__name__ else ""


def bulk(connection: sqlite3.Connection, name: str, rows: Iterable[dict[str, Any]]) -> int:
    """Insert rows, filling every required column they leave out the way the model's defaults would."""
    table = Base.metadata.tables[name]
    required = [c.name for c in table.columns if not c.nullable and c is not table.autoincrement_column]
    count = 0
    batch: list[tuple[Any, ...]] = []
    columns: list[str] = []
    for row in rows:
        if not columns:
            columns = list(dict.fromkeys([*row, *required]))
            missing = {column: filler(table, column) for column in columns if column not in row}
        values = {**missing, **row}
        batch.append(tuple(stored(values[column]) for column in columns))
        count += 1
    if batch:
        marks = ", ".join("?" for _ in columns)
        connection.executemany(f"INSERT INTO {name} ({', '.join(columns)}) VALUES ({marks})", batch)
    return count


def generate(path: Path) -> dict[str, int]:
    """A year of a 100,000-member server, every capability used."""
    connection = sqlite3.connect(path)
    connection.execute("PRAGMA journal_mode = WAL")
    connection.execute("PRAGMA synchronous = OFF")
    connection.execute("PRAGMA cache_size = -262144")  # 256 MiB: the time indexes are filled in random order
    counts: dict[str, int] = {}

    def add(name: str, rows: Iterable[dict[str, Any]]) -> None:
        counts[name] = counts.get(name, 0) + bulk(connection, name, rows)

    g = {"guild_id": GUILD}
    joined = {10_000 + n: when() for n in range(MEMBERS)}
    paths = []
    for member_id, at in joined.items():
        started = at + timedelta(hours=1) if draw.random() < 0.8 else None
        finished = started + timedelta(hours=2) if started and draw.random() < 0.75 else None
        left = at + timedelta(days=draw.uniform(1, 60)) if draw.random() < 0.1 else None
        left = left if left and left < NOW else None
        paths.append({**g, "member_id": member_id, "joined_at": at, "started_at": started, "finished_at": finished})
        paths[-1]["left_at"] = left
    add("onboarding_members", paths)
    add(
        "onboarding_answers",
        (
            {
                **g,
                "member_id": p["member_id"],
                "question_id": "learn",
                "state": "answered",
                "answered_at": p["started_at"],
            }
            for p in paths
            if p["started_at"]
        ),
    )
    add("conduct_versions", [{**g, "version": 1, "texts": {"fr": "x", "en": "x"}, "published_at": NOW - YEAR}])
    add(
        "conduct_acceptances",
        ({**g, "member_id": m, "version": 1, "accepted_at": at + timedelta(minutes=5)} for m, at in joined.items()),
    )
    add("profiles", ({**g, "member_id": m, "updated_at": at + timedelta(hours=3)} for m, at in joined.items()))
    add(
        "polls",
        (
            {**g, "id": n + 1, "channel_id": 5, "author_id": 1, "question": "?", "language": "en", "created_at": when()}
            for n in range(POLLS)
        ),
    )
    add("poll_options", ({**g, "id": n + 1, "poll_id": n + 1, "position": 0, "label": "a"} for n in range(POLLS)))
    add(
        "poll_votes",
        (
            {**g, "poll_id": n + 1, "voter_id": 10_000 + v * 97 % MEMBERS, "option_id": n + 1, "voted_at": when()}
            for n in range(POLLS)
            for v in range(VOTES_PER_POLL)
        ),
    )
    threads = [(1_000_000 + n, when()) for n in range(THREADS)]
    add(
        "knowledge_threads",
        (
            {
                **g,
                "thread_id": t,
                "channel_id": 6,
                "author_id": member(),
                "title": "t",
                "created_at": at,
                "solved": s,
                "solved_at": at + timedelta(days=1) if s else None,
            }
            for t, at in threads
            for s in [draw.random() < 0.5]
        ),
    )
    add(
        "knowledge_entries",
        (
            {
                **g,
                "channel_id": 6,
                "message_id": t + 10_000_000 * k,
                "thread_id": t,
                "author_id": member(),
                "kind": "post" if k == 0 else "reply",
                "title": "t",
                "content": "c",
                "created_at": at + timedelta(hours=k),
            }
            for t, at in threads
            for k in range(REPLIES_PER_THREAD + 1)
        ),
    )
    add(
        "knowledge_resources",
        (
            {
                **g,
                "url": f"https://e.org/{n}",
                "url_key": f"e.org/{n}",
                "title": "r",
                "topic": "t",
                "topic_key": "t",
                "level": "all",
                "language": "en",
                "status": "approved",
                "suggested_by": member(),
                "created_at": when(),
            }
            for n in range(1_000)
        ),
    )
    add(
        "session_series",
        (
            {
                **g,
                "id": s + 1,
                "title": "s",
                "format": "talk",
                "timezone": "Europe/Paris",
                "anchor_local": "2025-12-01T18:00",
                "duration_minutes": 60,
                "location_kind": "voice",
                "announce_leads": [],
                "native_events": 0,
                "attendance_minutes": 10,
                "created_by": 1,
                "created_at": NOW - YEAR,
            }
            for s in range(SERIES)
        ),
    )
    occurrences = [
        (s * 52 + w + 1, s + 1, NOW - YEAR + timedelta(weeks=w, hours=s)) for s in range(SERIES) for w in range(52)
    ]
    add(
        "session_occurrences",
        (
            {
                **g,
                "id": o,
                "series_id": s,
                "slot": o,
                "starts_at": at,
                "ends_at": at + timedelta(hours=1),
                "location_kind": "voice",
                "state": "done",
            }
            for o, s, at in occurrences
        ),
    )
    add(
        "session_rsvps",
        (
            {
                **g,
                "occurrence_id": o,
                "member_id": 10_000 + (o * 31 + k) % MEMBERS,
                "status": "going",
                "source": "button",
                "answered_at": at - timedelta(days=1),
            }
            for o, _, at in occurrences
            for k in range(RSVPS)
        ),
    )
    add(
        "session_presence",
        (
            {
                **g,
                "occurrence_id": o,
                "member_id": 10_000 + (o * 31 + k) % MEMBERS,
                "seconds": draw.choice((300, 1800, 3600)),
            }
            for o, _, at in occurrences
            for k in range(ATTENDEES)
        ),
    )
    add(
        "feedback_rounds",
        (
            {
                **g,
                "id": o,
                "occurrence_id": o,
                "opened_at": at + timedelta(hours=1),
                "closes_at": at + timedelta(days=3),
            }
            for o, _, at in occurrences
        ),
    )
    add(
        "feedback_answers",
        (
            {
                **g,
                "round_id": o,
                "member_id": 10_000 + (o * 31 + k) % MEMBERS,
                "attended": True,
                "rating": draw.randint(1, 5),
                "answered_at": at + timedelta(hours=2),
            }
            for o, _, at in occurrences
            for k in range(8)
        ),
    )
    mentors = [10_000 + n for n in range(2_000)]
    add(
        "mentor_offers",
        ({**g, "member_id": m, "capacity": 3, "created_at": when(), "updated_at": when()} for m in mentors),
    )
    add(
        "mentee_requests",
        (
            {**g, "member_id": 20_000 + n, "waiting_since": at, "created_at": at, "updated_at": at}
            for n in range(MENTORSHIPS)
            for at in [when()]
        ),
    )
    pairs = []
    for n in range(MENTORSHIPS):
        mentor, mentee, start = mentors[n % len(mentors)], 20_000 + n, when()
        end = start + timedelta(days=draw.uniform(20, 120))
        ended = end if end < NOW else None
        state = ("completed" if draw.random() < 0.8 else "closed") if ended else "active"
        pairs.append(
            {
                **g,
                "mentor_id": mentor,
                "mentee_id": mentee,
                "pair_low": min(mentor, mentee),
                "pair_high": max(mentor, mentee),
                "state": state,
                "proposed_at": start,
                "answer_by": start,
                "started_at": start,
                "ended_at": ended,
                "live_mentee_id": None if ended else mentee,
            }
        )
    add("mentorships", pairs)
    add(
        "mentoring_feedback",
        (
            {**g, "mentorship_id": n + 1, "member_id": p["mentee_id"], "rating": 4, "given_at": p["ended_at"]}
            for n, p in enumerate(pairs)
            if p["ended_at"]
        ),
    )
    add(
        "kudos",
        (
            {
                **g,
                "giver_id": member(),
                "receiver_id": member(),
                "category": "teach",
                "source": "command",
                "given_at": when(),
                "ended_at": None,
            }
            for _ in range(KUDOS)
        ),
    )
    add(
        "groups",
        (
            {
                **g,
                "id": n + 1,
                "name": f"g{n}",
                "name_key": f"g{n}",
                "purpose": "p",
                "status": status,
                "created_at": at,
                "last_activity_at": at,
                "archived_at": at + timedelta(days=60) if status == "archived" else None,
            }
            for n in range(GROUPS)
            for at in [when()]
            for status in [draw.choice(("active", "archived"))]
        ),
    )
    add(
        "group_seats",
        (
            {**g, "group_id": n + 1, "member_id": 10_000 + (n * 7 + k) % MEMBERS, "seat": "member", "since": when()}
            for n in range(GROUPS)
            for k in range(SEATS_PER_GROUP)
        ),
    )
    add(
        "group_projects",
        ({**g, "group_id": n + 1, "name": f"g{n}", "summary": "s", "finished_at": when()} for n in range(0, GROUPS, 3)),
    )
    connection.commit()
    connection.execute("ANALYZE")
    connection.close()
    return counts


@dataclass(frozen=True)
class Timing:
    """Medians of wall-clock time and of this process's CPU time (every thread): on a machine shared with other
    jobs, the wall clock includes waiting for a core; the CPU time is what the work itself costs."""

    wall: float
    cpu: float

    def __str__(self) -> str:
        return f"{self.wall * 1000:.0f} ms (CPU {self.cpu * 1000:.0f} ms)"


async def timed(action: Callable[[], Awaitable[T]], runs: int) -> tuple[Timing, T]:
    walls: list[float] = []
    cpus: list[float] = []
    for _ in range(runs):
        started, cpu = time.perf_counter(), time.process_time()
        result = await action()
        walls.append(time.perf_counter() - started)
        cpus.append(time.process_time() - cpu)
    return Timing(statistics.median(walls), statistics.median(cpus)), result


async def report_queries(db: Database, period: Window, days: int) -> Report:
    """What the report itself reads: which capabilities are in use, every figure for the period and the one before."""
    async with db.transaction() as session:
        used = await figures.in_use(session, GUILD)
        return await service.build_report(session, GUILD, period, days=days, used=used)


async def week_queries(db: Database, period: Window) -> list[service.Week]:
    """The same figures per calendar week (the CSV's rows, the chart's sparklines)."""
    async with db.transaction() as session:
        used = await figures.in_use(session, GUILD)
        return await service.weekly_figures(session, GUILD, period, ZONE, used)


def tiles(report: Report, weeks: list[service.Week]) -> list[chart.Tile]:
    """The chart's tiles as the cog builds them, with plain English numbers (Babel is the cog's business)."""
    return [
        chart.Tile(
            "panel",
            figure.key,
            f"{figure.current or 0:.1f}",
            f"{figure.change or 0:+.0%}",
            1,
            [week.values.get(figure.key) for week in service.complete(weeks)],
        )
        for figure in report.figures()
    ]


async def main(runs: int) -> dict[str, float]:
    """Print the figures; return the 30-day report's (seconds) for `python -m bench`."""
    found: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "agora.db"
        db = Database(f"sqlite+aiosqlite:///{path}")
        await db.migrate()
        await db.dispose()
        started = time.perf_counter()
        counts = await asyncio.to_thread(generate, path)
        generated = time.perf_counter() - started
        print(f"generated {sum(counts.values()):,} rows in {generated:.1f} s:")
        print("  " + ", ".join(f"{name} {count:,}" for name, count in counts.items()))
        db = Database(f"sqlite+aiosqlite:///{path}")
        try:

            async def anchor() -> int:
                async with db.transaction() as session:
                    return int((await session.execute(text("SELECT count(*) FROM kudos"))).scalar_one())

            anchor_t, _ = await timed(anchor, runs)
            print(f"anchor: SELECT count(*) FROM kudos ({KUDOS:,} rows): {anchor_t}")
            chart.render("warm-up", [])  # matplotlib's import and font cache, paid once per process
            _, last_week = service.reported_week(rules.next_report(NOW, ZONE) - timedelta(days=7), ZONE)
            sparks = Window(last_week.end - timedelta(weeks=service.SPARK_WEEKS), last_week.end)
            for label, period, days, history in (
                ("/insights, 30 days", rules.window(NOW, 30), 30, rules.window(NOW, 30)),
                ("/insights, 365 days", rules.window(NOW, 365), 365, rules.window(NOW, 365)),
                ("weekly report", last_week, 7, sparks),
            ):
                report_t, report = await timed(functools.partial(report_queries, db, period, days), runs)
                weeks_t, weeks = await timed(functools.partial(week_queries, db, history), runs)
                drawn = tiles(report, weeks)
                chart_t, png = await timed(functools.partial(asyncio.to_thread, chart.render, "bench", drawn), runs)
                print(f"{label}:")
                print(f"  report queries {report_t}, {report_t.wall / anchor_t.wall:.0f}× the anchor")
                print(f"  chart {chart_t}, {len(png) // 1024} KiB")
                print(
                    f"  report + chart: {report_t.wall + chart_t.wall:.2f} s (CPU {report_t.cpu + chart_t.cpu:.2f} s),"
                    " target < 2 s"
                )
                print(f"  its {len(weeks)} weeks (CSV rows, sparklines): {weeks_t}")
                found.setdefault("report", report_t.wall + chart_t.wall)
                found.setdefault("anchor", anchor_t.wall)
            report = await report_queries(db, rules.window(NOW, 30), 30)
            print("figures, last 30 days (previous 30):")
            for figure in report.figures():
                print(f"  {figure.key}: {figure.current} ({figure.previous})")
        finally:
            await db.dispose()
    return found


async def rows(full: bool = False) -> list[Row]:
    """The 30-day report with its chart against a count of the kudos (small: a tenth of the server)."""
    sizes = {} if full else {"MEMBERS": 10_000, "KUDOS": 30_000, "THREADS": 1_000, "MENTORSHIPS": 500, "GROUPS": 100}
    with scaled(globals(), **sizes):
        found = await main(3 if full else 1)
        members = MEMBERS
    return [
        Row(
            f"/insights 30 days with its chart, {members:,} members (s)",
            found["report"],
            found["anchor"],
            "SELECT count(*) of the kudos",
            "< 2 s",
            found["report"] < 2,
        ),
    ]


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1]) if len(sys.argv) > 1 else 3))
