"""What a member's privacy requests cost on a big server: erasing one member (every capability, one transaction),
exporting them, and finding whether Agora holds anything about them.

A SQLite file holds a server of N members (100,000 by default) with a year of activity, inserted in bulk: a
profile, an onboarding path and three answers and an acceptance of the code of conduct each; 400 polls with five
public votes per member; five kudos given per member (with their all-time counters); 150 sessions with three RSVPs
and two presences per member; a milestone each; 10,000 working groups with three seats each. Then, for members
picked at random: `holds_data`, `export_member`, and `erase_member` in its own committed transaction — the whole
`/my-data erase` confirmation but Discord — after one untimed member (the first call after start compiles every
statement: printed apart), with the SQL statements each issues. The anchor, measured in the same run: one
transaction deleting one profile row by its primary key (what any committed write costs on this machine).

Run: `.venv/bin/python -m bench.bench_privacy [members] [runs]` (defaults 100000 and 15).
"""

from __future__ import annotations

import asyncio
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Table, delete, event, func, insert, select

from bench.table import Row
from bot.database import Database
from models.base import Base
from models.privacy import service
from models.profiles import Profile

NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
GUILD = 900_000_000_000_000_001
FIRST_MEMBER = 400_000_000_000_000_000
POLLS, VOTES_EACH = 400, 5
KUDOS_EACH = 5
SESSIONS, RSVPS_EACH, PRESENT_EACH = 150, 3, 2
GROUPS, SEATS_EACH = 10_000, 3
CHUNK = 20_000


def table(name: str) -> Table:
    import models.registry  # noqa: F401  (every table in Base.metadata)

    return Base.metadata.tables[name]


async def bulk(db: Database, name: str, rows: list[dict[str, Any]]) -> int:
    for start in range(0, len(rows), CHUNK):
        async with db.transaction() as session:
            await session.execute(insert(table(name)), rows[start : start + CHUNK])
    return len(rows)


async def fill(db: Database, members: int) -> int:
    """The server, in bulk; returns how many rows."""
    draw = random.Random(7)
    ids = [FIRST_MEMBER + number for number in range(members)]
    day = timedelta(days=1)
    rows = 0
    rows += await bulk(
        db, "profiles", [{"guild_id": GUILD, "member_id": m, "goals": "Ship", "updated_at": NOW} for m in ids]
    )
    rows += await bulk(db, "onboarding_members", [{"guild_id": GUILD, "member_id": m, "joined_at": NOW} for m in ids])
    answers = [
        {"guild_id": GUILD, "member_id": m, "question_id": q, "state": "answered", "value": ["x"], "answered_at": NOW}
        for m in ids
        for q in ("learn", "share", "goals")
    ]
    rows += await bulk(db, "onboarding_answers", answers)
    acceptances = [{"guild_id": GUILD, "member_id": m, "version": 1, "accepted_at": NOW} for m in ids]
    rows += await bulk(db, "conduct_acceptances", acceptances)
    polls = [
        {
            "id": p,
            "guild_id": GUILD,
            "channel_id": 1,
            "author_id": draw.choice(ids),
            "question": "Q?",
            "language": "en",
            "created_at": NOW - day * (p % 365),
            "closed_at": NOW,
            "voters": 0,
        }
        for p in range(1, POLLS + 1)
    ]
    rows += await bulk(db, "polls", polls)
    options = [
        {
            "id": p * 2 + o,
            "poll_id": p,
            "guild_id": GUILD,
            "position": o,
            "label": f"o{o}",
            "emoji": "",
            "final_votes": 0,
        }
        for p in range(1, POLLS + 1)
        for o in (0, 1)
    ]
    rows += await bulk(db, "poll_options", options)
    votes = []
    for m in ids:
        for p in draw.sample(range(1, POLLS + 1), VOTES_EACH):
            votes.append(
                {
                    "poll_id": p,
                    "voter_id": m,
                    "option_id": p * 2 + draw.randint(0, 1),
                    "guild_id": GUILD,
                    "voted_at": NOW,
                }
            )
    rows += await bulk(db, "poll_votes", votes)
    kudos = [
        {
            "guild_id": GUILD,
            "giver_id": m,
            "receiver_id": draw.choice(ids),
            "category": "teach",
            "source": "command",
            "reason": "thanks",
            "given_at": NOW - day * draw.randint(0, 364),
        }
        for m in ids
        for _ in range(KUDOS_EACH)
    ]
    rows += await bulk(db, "kudos", kudos)
    tallies = [
        {"guild_id": GUILD, "board": board, "period": "all", "category": "*", "member_id": m, "total": KUDOS_EACH}
        for m in ids
        for board in ("given", "received")
    ]
    rows += await bulk(db, "kudos_tallies", tallies)
    series = {
        "id": 1,
        "guild_id": GUILD,
        "title": "Club",
        "format": "workshop",
        "timezone": "Europe/Paris",
        "anchor_local": "2026-01-06T18:00",
        "duration_minutes": 60,
        "location_kind": "voice",
        "announce_leads": [],
        "native_events": 0,
        "attendance_minutes": 10,
        "created_by": ids[0],
        "created_at": NOW,
    }
    rows += await bulk(db, "session_series", [series])
    occurrences = [
        {
            "id": o,
            "series_id": 1,
            "guild_id": GUILD,
            "slot": o,
            "starts_at": NOW - day * 2 * o,
            "ends_at": NOW - day * 2 * o + timedelta(hours=1),
            "location_kind": "voice",
        }
        for o in range(1, SESSIONS + 1)
    ]
    rows += await bulk(db, "session_occurrences", occurrences)
    rsvps, presence = [], []
    for m in ids:
        for o in draw.sample(range(1, SESSIONS + 1), RSVPS_EACH):
            rsvps.append(
                {
                    "occurrence_id": o,
                    "member_id": m,
                    "guild_id": GUILD,
                    "status": "going",
                    "source": "button",
                    "answered_at": NOW,
                }
            )
        for o in draw.sample(range(1, SESSIONS + 1), PRESENT_EACH):
            presence.append({"occurrence_id": o, "member_id": m, "guild_id": GUILD, "seconds": 3600})
    rows += await bulk(db, "session_rsvps", rsvps) + await bulk(db, "session_presence", presence)
    milestones = [
        {
            "guild_id": GUILD,
            "member_id": m,
            "kind": "kudos_received",
            "level": 5,
            "reached_at": NOW,
            "role_state": "none",
        }
        for m in ids
    ]
    rows += await bulk(db, "recognition_milestones", milestones)
    groups = [
        {
            "id": g,
            "guild_id": GUILD,
            "name": f"g{g}",
            "name_key": f"g{g}",
            "purpose": "x",
            "status": "active",
            "created_by": draw.choice(ids),
            "created_at": NOW,
            "last_activity_at": NOW,
        }
        for g in range(1, GROUPS + 1)
    ]
    rows += await bulk(db, "groups", groups)
    seats = []
    for g in range(1, GROUPS + 1):
        for number, m in enumerate(draw.sample(ids, SEATS_EACH)):
            seats.append(
                {
                    "group_id": g,
                    "member_id": m,
                    "guild_id": GUILD,
                    "seat": "lead" if number == 0 else "member",
                    "since": NOW,
                }
            )
    rows += await bulk(db, "group_seats", seats)
    return rows


async def timed(action: Callable[[], Awaitable[object]]) -> float:
    start = time.perf_counter()
    await action()
    return (time.perf_counter() - start) * 1000


def line(label: str, samples: list[float], anchor: float) -> str:
    median = statistics.median(samples)
    worst = max(samples)
    return f"{label:<44} median {median:8.1f} ms   max {worst:8.1f} ms   ({median / anchor:6.1f}× the anchor)"


async def main(members: int, runs: int) -> dict[str, float]:
    """Print the figures; return the medians (ms) for `python -m bench`."""
    with tempfile.TemporaryDirectory() as folder:
        db = Database(f"sqlite+aiosqlite:///{folder}/bench.db")
        await db.migrate()
        start = time.perf_counter()
        rows = await fill(db, members)
        print(f"server: {members:,} members, {rows:,} rows, filled in {time.perf_counter() - start:.1f} s")
        async with db.transaction() as session:
            votes = await session.scalar(select(func.count()).select_from(table("poll_votes")))
        print(f"  of which {votes:,} poll votes")
        picks = random.Random(11).sample(range(members), runs * 2 + 1)
        statements = [0]
        event.listen(
            db.engine.sync_engine, "before_cursor_execute", lambda *_: statements.__setitem__(0, statements[0] + 1)
        )

        async def first() -> None:
            async with db.transaction() as session:
                await service.export_member(session, GUILD, FIRST_MEMBER + picks[-1], now=NOW)
                await service.erase_member(session, GUILD, FIRST_MEMBER + picks[-1], now=NOW)

        print(f"first export and erase after start (statements compiled): {await timed(first):.0f} ms")
        anchors, probes, exports, erases, counted = [], [], [], [], []
        for number in range(runs):
            anchor_member = FIRST_MEMBER + picks[runs + number]

            async def anchor(member: int = anchor_member) -> None:
                async with db.transaction() as session:
                    await session.execute(delete(Profile).where(Profile.guild_id == GUILD, Profile.member_id == member))

            anchors.append(await timed(anchor))
            member = FIRST_MEMBER + picks[number]

            async def holds(member: int = member) -> None:
                async with db.transaction() as session:
                    await service.holds_data(session, GUILD, member)

            async def export(member: int = member) -> None:
                async with db.transaction() as session:
                    await service.export_member(session, GUILD, member, now=NOW)

            async def erase(member: int = member) -> None:
                async with db.transaction() as session:
                    await service.erase_member(session, GUILD, member, now=NOW)

            probes.append(await timed(holds))
            exports.append(await timed(export))
            before = statements[0]
            erases.append(await timed(erase))
            counted.append(statements[0] - before)
        await db.dispose()
    anchor_ms = statistics.median(anchors)
    print(f"anchor: one committed DELETE of a profile by key, median {anchor_ms:.2f} ms ({runs} runs)")
    print(line("holds_data (is there anything?)", probes, anchor_ms))
    print(line("export_member (every capability)", exports, anchor_ms))
    print(line("erase_member, committed (target < 100 ms)", erases, anchor_ms))
    print(f"  each erase issues {statistics.median(counted):.0f} SQL statements (median)")
    return {"anchor": anchor_ms, "export": statistics.median(exports), "erase": statistics.median(erases)}


async def rows(full: bool = False) -> list[Row]:
    """One member's erase and export against a committed delete by key (small: 10,000 members)."""
    members, runs = (100_000, 15) if full else (10_000, 5)
    found = await main(members, runs)
    anchor = "one committed DELETE by key"
    return [
        Row(
            f"erase one member, {members:,} members (ms)",
            found["erase"],
            found["anchor"],
            anchor,
            "< 100 ms",
            found["erase"] < 100,
        ),
        Row(f"export one member, {members:,} members (ms)", found["export"], found["anchor"], anchor),
    ]


if __name__ == "__main__":
    arguments = [int(value) for value in sys.argv[1:3]]
    asyncio.run(main(*(arguments + [100_000, 15][len(arguments) :])))
