"""What working groups cost: forming balanced teams from a cohort, and reading the group list and the hosts' health
report on a busy server.

1. Team forming (`models.groups.teams.form_teams`, rounds of `linear_sum_assignment`) for cohorts of 300, 3,000 and
   10,000 members in teams of 5, against two anchors measured in the same run: members sorted by time zone and cut
   into consecutive teams (pure Python: close zones, skills left to chance) and a random split. Each line prints the
   time and how balanced the teams are: the mean spread of time zones in a team (hours) and the mean number of
   skills a team holds twice or more.
2. `/group list` (one page, counted seats) and the health report on a SQLite file holding 10,000 active groups and
   60,000 seats, against `SELECT count(*)` of the groups as the anchor (medians of many runs).

Run: `.venv/bin/python -m bench.bench_groups [runs]` (default 3).
"""

from __future__ import annotations

import asyncio
import random
import statistics
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, insert, select

from bench.table import Row, scaled
from bot.database import Database
from models.groups import rhythm, service
from models.groups.rules import Seat
from models.groups.tables import Group, GroupSeat
from models.groups.teams import Candidate, Team, form_teams, spread, team_count

NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
COHORTS = (300, 3_000, 10_000)
TEAM_SIZE = 5
SKILLS = [f"skill{number}" for number in range(40)]
ZONES = (-8.0, -5.0, -3.0, 0.0, 1.0, 2.0, 5.5, 8.0, 9.0, 10.0)
GROUPS, SEATS_PER_GROUP = 10_000, 6


def cohort(size: int, seed: int = 7) -> list[Candidate]:
    draw = random.Random(seed)
    return [
        Candidate(number, frozenset(draw.sample(SKILLS, draw.randint(0, 3))), draw.choice(ZONES))
        for number in range(1, size + 1)
    ]


def by_zone(people: Sequence[Candidate], size: int) -> list[Team]:
    """The anchor: members sorted by time zone, cut into consecutive teams (close zones, skills left to chance)."""
    ordered = sorted(people, key=lambda person: (person.offset, person.member_id))
    count = team_count(len(people), size)
    bounds = [round(len(ordered) * part / count) for part in range(count + 1)]
    return [Team(members=ordered[bounds[part] : bounds[part + 1]]) for part in range(count)]


def by_chunks(people: Sequence[Candidate], size: int) -> list[Team]:
    """A second anchor: members in random order, cut into consecutive teams."""
    shuffled = list(people)
    random.Random(3).shuffle(shuffled)
    count = team_count(len(people), size)
    return [Team(members=shuffled[index::count]) for index in range(count)]


def balance(teams: Sequence[Team]) -> tuple[float, float]:
    """(mean time-zone spread in hours, mean skills held twice or more per team)."""
    spreads = [spread(team) for team in teams]
    doubles = [
        sum(1 for count in Counter(s for m in team.members for s in m.skills).values() if count > 1) for team in teams
    ]
    return statistics.mean(spreads), statistics.mean(doubles)


def timed(action: Callable[[], list[Team]], runs: int) -> tuple[float, list[Team]]:
    times, result = [], []
    for _ in range(runs):
        started = time.perf_counter()
        result = action()
        times.append(time.perf_counter() - started)
    return statistics.median(times), result


def bench_teams(runs: int) -> None:
    print(f"Team forming, teams of {TEAM_SIZE} (median of {runs}):")
    for size in COHORTS:
        people = cohort(size)
        anchor, dealt = timed(lambda people=people: by_zone(people, TEAM_SIZE), runs)  # type: ignore[misc]
        _, chunks = timed(lambda people=people: by_chunks(people, TEAM_SIZE), 1)  # type: ignore[misc]
        took, formed = timed(lambda people=people: form_teams(people, TEAM_SIZE), runs)  # type: ignore[misc]
        for label, teams, seconds in (
            ("form_teams", formed, took),
            ("sorted by zone, cut", dealt, anchor),
            ("random", chunks, None),
        ):
            zones, doubles = balance(teams)
            timing = f"{seconds * 1000:9.1f} ms" if seconds is not None else " " * 12
            ratio = f" ({seconds / anchor:6.0f}× the anchor)" if seconds is not None and label == "form_teams" else ""
            print(
                f"  {size:>6} members, {label:<20} {timing}  zone spread {zones:5.2f} h, "
                f"skills twice in a team {doubles:4.2f}{ratio}"
            )


async def fill(db: Database) -> int:
    guild = 1
    draw = random.Random(11)
    groups = [
        {
            "guild_id": guild,
            "name": f"Group {number}",
            "name_key": f"group {number}",
            "purpose": "A purpose",
            "cap": draw.choice((None, 6, 8)),
            "private": False,
            "committee": number % 50 == 0,
            "with_role": False,
            "status": "active",
            "space_kind": "thread",
            "space_id": 10**15 + number,
            "checkin": "off",
            "created_by": number,
            "created_at": NOW,
            "last_activity_at": NOW - timedelta(minutes=draw.randint(0, 60 * 24 * 30)),
        }
        for number in range(GROUPS)
    ]
    async with db.transaction() as session:
        await session.execute(insert(Group), groups)
        ids = list(await session.scalars(select(Group.id)))
        seats = [
            {
                "group_id": group_id,
                "member_id": 10**12 + group_id * 10 + seat,
                "guild_id": guild,
                "seat": Seat.LEAD if seat == 0 else Seat.MEMBER,
                "since": NOW,
            }
            for group_id in ids
            for seat in range(SEATS_PER_GROUP)
        ]
        await session.execute(insert(GroupSeat), seats)
    return guild


async def median_ms(action: Callable[[], object], runs: int) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        await action()  # type: ignore[misc]
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


async def bench_queries(runs: int) -> tuple[float, float, float]:
    with tempfile.TemporaryDirectory() as folder:
        db = Database(f"sqlite+aiosqlite:///{folder}/agora.db")
        await db.migrate()
        guild = await fill(db)

        async def count() -> None:
            async with db.transaction() as session:
                await session.scalar(select(func.count()).select_from(Group))

        async def page() -> None:
            async with db.transaction() as session:
                await service.list_groups(session, guild, committees=False, page=7)

        async def health() -> None:
            async with db.transaction() as session:
                await rhythm.health_report(session, guild, now=NOW)

        anchor = await median_ms(count, runs * 20)
        listed = await median_ms(page, runs * 20)
        report = await median_ms(health, runs)
        await db.dispose()
    print(f"\nQueries on SQLite, {GROUPS:,} active groups and {GROUPS * SEATS_PER_GROUP:,} seats (medians):")
    print(f"  SELECT count(*) of the groups (anchor)    {anchor:8.2f} ms")
    print(f"  /group list, one page with seat counts    {listed:8.2f} ms ({listed / anchor:5.1f}× the anchor)")
    print(f"  health report of every group              {report:8.2f} ms ({report / anchor:5.1f}× the anchor)")
    return anchor, listed, report


def main() -> None:
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 3
    bench_teams(runs)
    asyncio.run(bench_queries(runs))


def rows(full: bool = False) -> list[Row]:
    """Team forming against teams cut by time zone, and the list and health report against a count (small: fewer)."""
    runs = 3 if full else 1
    size = 3_000 if full else 300
    people = cohort(size)
    anchor, _ = timed(lambda: by_zone(people, TEAM_SIZE), runs)
    took, _ = timed(lambda: form_teams(people, TEAM_SIZE), runs)
    groups = GROUPS if full else 1_000
    with scaled(globals(), GROUPS=groups):
        count, listed, report = asyncio.run(bench_queries(runs))
    return [
        Row(f"team forming, {size:,} members (ms)", took * 1000, anchor * 1000, "sorted by zone and cut"),
        Row(f"/group list page, {groups:,} groups (ms)", listed, count, "SELECT count(*) of the groups"),
        Row(f"health report, {groups:,} groups (ms)", report, count, "SELECT count(*) of the groups"),
    ]


if __name__ == "__main__":
    main()
