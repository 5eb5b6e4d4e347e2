"""A mentoring round at scale, end to end, on a real SQLite file: 10,000 mentees × 1,000 mentors (capacities 1–5).

End to end is what a host's two clicks cost: `/mentoring round` (load the pool from the database, build the cost
matrix, solve, write the preview's pairs) then Publish (take the server's lock, re-check every pair, write the
proposals). Printed per run, and as medians: each step's time and its ratio to the anchor (one plain SELECT of the
same offers, requests and profiles rows, in the same run), the solver's share of the total, the peak memory of the
round (tracemalloc: Python and numpy allocations) and of the process, and a greedy matcher (best pair first) on the
same matrix with its total score and time — the optimal plan must score higher. A square problem (as many mentees
as places) shows where greedy loses most.

Members are drawn like a real community's: 60 skills with a long tail, most speaking French and/or English, time zones
from the Americas to Asia, goals that mention a skill or two, 2,000 pairs proposed in earlier rounds.
Like the bot once started (`bot.members.freeze_what_started`), the process freezes what it built before the first
timed round out of the garbage collector's scans: full collections would otherwise walk every imported module during
a round. Run: `.venv/bin/python -m bench.bench_mentoring [runs]` (default 3). Targets: < 2 s and < 1 GiB.
"""

from __future__ import annotations

import asyncio
import os
import random
import resource
import statistics
import sys
import tempfile
import time
import tracemalloc
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
from sqlalchemy import insert, select

from bench.table import Row, scaled
from bot.database import Database
from bot.members import freeze_what_started
from models.mentoring import matching, rounds, rules
from models.mentoring.rules import PairState, Weights
from models.mentoring.tables import MenteeRequest, MentorOffer, Mentorship
from models.profiles import Profile

GUILD = 1
MENTEES, MENTORS, HISTORY = 10_000, 1_000, 2_000
TARGET_SECONDS, TARGET_BYTES = 2.0, 1 << 30
NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
SKILLS = [f"skill {n}" for n in range(60)]
POPULARITY = [1 / (rank + 1) for rank in range(len(SKILLS))]
ZONES: list[str | None] = [
    "Europe/Paris",
    "Europe/London",
    "America/Montreal",
    "America/Los_Angeles",
    "Africa/Dakar",
    "Asia/Kolkata",
]
ZONES += ["Asia/Tokyo", "America/Sao_Paulo", "Europe/Brussels", None]
WEIGHTS = Weights(3, 1, 1)


def skills(rng: random.Random, low: int, high: int) -> list[str]:
    return list(dict.fromkeys(rng.choices(SKILLS, POPULARITY, k=rng.randint(low, high))))


def spoken(rng: random.Random) -> list[str]:
    draw = rng.random()
    if draw < 0.4:
        return ["fr", "en"]
    if draw < 0.7:
        return ["fr"]
    if draw < 0.9:
        return ["en"]
    return [rng.choice(["es", "de"]), "en"]


async def seed(db: Database, rng: random.Random) -> None:
    mentors = [100_000 + n for n in range(MENTORS)]
    mentees = [200_000 + n for n in range(MENTEES)]
    async with db.transaction() as session:
        await session.execute(
            insert(Profile),
            [
                {
                    "guild_id": GUILD,
                    "member_id": member,
                    "skills_to_learn": [],
                    "skills_to_share": [],
                    "languages": [],
                    "timezone": rng.choice(ZONES),
                    "updated_at": NOW,
                }
                for member in mentors + mentees
            ],
        )
        await session.execute(
            insert(MentorOffer),
            [
                {
                    "guild_id": GUILD,
                    "member_id": member,
                    "capacity": rng.randint(1, 5),
                    "skills": skills(rng, 2, 6),
                    "languages": spoken(rng),
                    "created_at": NOW,
                    "updated_at": NOW,
                }
                for member in mentors
            ],
        )
        await session.execute(
            insert(MenteeRequest),
            [
                {
                    "guild_id": GUILD,
                    "member_id": member,
                    "skills": skills(rng, 1, 4),
                    "languages": spoken(rng),
                    "goals": "I want to " + " and ".join(skills(rng, 1, 2)),
                    "waiting_since": NOW - timedelta(days=rng.randint(0, 60)),
                    "created_at": NOW,
                    "updated_at": NOW,
                }
                for member in mentees
            ],
        )
        history = {(rng.choice(mentors), rng.choice(mentees)) for _ in range(HISTORY)}
        await session.execute(
            insert(Mentorship),
            [
                {
                    "guild_id": GUILD,
                    "mentor_id": mentor,
                    "mentee_id": mentee,
                    "pair_low": min(mentor, mentee),
                    "pair_high": max(mentor, mentee),
                    "state": PairState.COMPLETED,
                    "proposed_at": NOW - timedelta(days=90),
                    "answer_by": NOW - timedelta(days=87),
                    "ended_at": NOW - timedelta(days=10),
                    "why": {},
                }
                for mentor, mentee in history
            ],
        )


@dataclass
class Run:
    anchor: float
    total: float  # /mentoring round, then Publish: the two use cases, each in its transaction
    load: float  # reading the pool (measured again after the round, outside the total)
    build: float
    assemble: float
    solve: float
    publish: float
    pairs: int
    proposals: int
    optimal: float
    greedy: float
    greedy_seconds: float
    peak: int = 0  # bytes traced during the round (a separate run: tracing slows Python down)

    @property
    def write_preview(self) -> float:
        """What the preview cost beyond reading, building and solving: writing the round and its pairs."""
        return max(self.total - self.publish - self.load - self.build - self.assemble - self.solve, 0.0)


async def anchor(db: Database) -> float:
    """One plain SELECT of the rows a round reads: what the database alone costs."""
    started = time.perf_counter()
    async with db.transaction() as session:
        for model in (MentorOffer, MenteeRequest, Profile):
            (await session.execute(select(*model.__table__.columns).where(model.guild_id == GUILD))).all()
    return time.perf_counter() - started


async def one_run(directory: Path, seed_value: int, *, trace: bool = False) -> Run:
    db = Database(f"sqlite+aiosqlite:///{directory / f'bench-{seed_value}-{trace}.db'}")
    await db.migrate()
    await seed(db, random.Random(seed_value))
    freeze_what_started()  # as the bot does once started: what was built before lives on, out of the collector's scans
    base = await anchor(db)
    if trace:
        tracemalloc.start()
    started = time.perf_counter()
    async with db.transaction() as session:
        preview = await rounds.plan_round(session, GUILD, WEIGHTS, host_id=1, now=NOW)
    previewed = time.perf_counter()
    traced = tracemalloc.get_traced_memory()[1] if trace else 0
    # Between the clicks, outside the total: the pool read alone, and a greedy matcher on the same matrix.
    async with db.transaction() as session:
        reading = time.perf_counter()
        pool = await rounds.load_pool(session, GUILD, now=NOW)
        load = time.perf_counter() - reading
    simple = matching.greedy(matching.build(pool.mentees, pool.mentors, pool.met, WEIGHTS))
    del pool
    if trace:
        tracemalloc.reset_peak()
    publishing = time.perf_counter()
    async with db.transaction() as session:
        published = await rounds.publish_round(session, preview.round.id, host_id=1, now=NOW)
    done = time.perf_counter()
    peak = max(traced, tracemalloc.get_traced_memory()[1]) if trace else 0
    if trace:
        tracemalloc.stop()
    await db.dispose()
    return Run(
        anchor=base,
        total=(previewed - started) + (done - publishing),
        load=load,
        build=preview.plan.build_seconds,
        assemble=preview.plan.assemble_seconds,
        solve=preview.plan.solve_seconds,
        publish=done - publishing,
        pairs=len(preview.plan.pairs),
        proposals=len(published.proposals),
        optimal=preview.plan.total,
        greedy=simple.total,
        greedy_seconds=simple.solve_seconds,
        peak=peak,
    )


def square(seed_value: int) -> tuple[float, float]:
    """As many mentees as places (1,000 mentors × 3 places, 3,000 mentees): (optimal, greedy) total scores."""
    rng = random.Random(seed_value)
    mentors = [
        matching.Mentor(n, skills(rng, 2, 6), spoken(rng), rules.utc_offset_hours(rng.choice(ZONES), NOW), 3)
        for n in range(1_000)
    ]
    mentees = [
        matching.Mentee(
            10_000 + n,
            skills(rng, 1, 4),
            spoken(rng),
            rules.utc_offset_hours(rng.choice(ZONES), NOW),
            " ".join(skills(rng, 1, 2)),
        )
        for n in range(3_000)
    ]
    problem = matching.build(mentees, mentors, set(), WEIGHTS)
    return matching.solve(problem).total, matching.greedy(problem).total


def report(run: Run, label: str) -> None:
    def step(name: str, seconds: float) -> str:
        return f"{name} {seconds * 1000:.0f} ms ({seconds / run.anchor:.1f}× anchor)"

    steps = [
        ("load", run.load),
        ("scores", run.build),
        ("solver's float64 matrix", run.assemble),
        ("solve", run.solve),
        ("write preview", run.write_preview),
    ]
    print(
        f"{label}: total {run.total:.2f} s · " + " · ".join(step(*each) for each in [*steps, ("publish", run.publish)])
    )
    print(
        f"  anchor (plain SELECT of the same rows) {run.anchor * 1000:.0f} ms · solver share "
        f"{run.solve / run.total:.0%} · {run.pairs} pairs previewed, {run.proposals} proposals written"
    )
    better = (run.optimal - run.greedy) / run.greedy
    print(
        f"  greedy (best pair first): total score {run.greedy:.1f} in {run.greedy_seconds * 1000:.0f} ms; "
        f"optimal {run.optimal:.1f} in {run.solve * 1000:.0f} ms: {better:+.2%}"
    )


def fresh_memory_seconds(shape: tuple[int, int] = (3_000, 10_000)) -> float:
    """Filling a float64 array the size of the solver's matrix, in memory the process never touched: what the
    machine itself costs (on a VM that hands freed memory back to its host, every large allocation pays it again)."""
    started = time.perf_counter()
    fresh = np.empty(shape, dtype=np.float64)
    fresh.fill(1.0)
    seconds = time.perf_counter() - started
    del fresh
    return seconds


async def main(runs: int) -> None:
    print(f"mentoring round: {MENTEES:,} mentees × {MENTORS:,} mentors (capacities 1–5), SQLite file")
    print(f"load average {' '.join(f'{load:.2f}' for load in os.getloadavg())} on {os.cpu_count()} cores")
    print(
        f"machine: filling a fresh 3,000 × 10,000 float64 array (240 MiB) takes {fresh_memory_seconds() * 1000:.0f} ms"
    )
    results = []
    with tempfile.TemporaryDirectory() as folder:
        for number in range(runs):
            result = await one_run(Path(folder), number)
            report(result, f"run {number + 1}")
            results.append(result)
        traced = await one_run(Path(folder), 0, trace=True)
    total = statistics.median(run.total for run in results)
    process = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    solver = statistics.median(run.solve / run.total for run in results)
    verdict = "met" if total < TARGET_SECONDS else "MISSED"
    print(f"median total {total:.2f} s (target < {TARGET_SECONDS:.0f} s: {verdict}), solver share {solver:.0%}")
    verdict = "met" if max(traced.peak, process) < TARGET_BYTES else "MISSED"
    print(
        f"peak memory of a round {traced.peak / 2**20:.0f} MiB (traced), process peak {process / 2**20:.0f} MiB "
        f"(target < 1 GiB: {verdict})"
    )
    optimal, simple = square(7)
    print(
        f"square problem (3,000 mentees, 3,000 places): optimal {optimal:.1f}, greedy {simple:.1f}: "
        f"{(optimal - simple) / simple:+.1%}"
    )


async def rows(full: bool = False) -> list[Row]:
    """A round end to end against one plain SELECT of the same rows (small: 1,000 mentees × 100 mentors)."""
    sizes = {} if full else {"MENTEES": 1_000, "MENTORS": 100, "HISTORY": 200}
    with scaled(globals(), **sizes), tempfile.TemporaryDirectory() as folder:
        run = await one_run(Path(folder), 0)
        shape = f"{MENTEES:,} × {MENTORS:,}"
    return [
        Row(
            f"mentoring round {shape}, end to end (s)",
            run.total,
            run.anchor,
            "one SELECT of the same rows",
            f"< {TARGET_SECONDS:.0f} s",
            run.total < TARGET_SECONDS,
        ),
        Row(
            f"mentoring round {shape}, optimal score",
            run.optimal,
            run.greedy,
            "greedy matcher's score",
            "> greedy",
            run.optimal >= run.greedy,
        ),
    ]


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1]) if len(sys.argv) > 1 else 3))
