"""Reaction votes under a burst, through the real handler path, against a real SQLite file.

The real Agora bot runs against the local emulator with every capability loaded (so its cache, cogs and writer are
the production ones); each MESSAGE_REACTION_ADD payload goes through discord.py's own gateway parser (what the
websocket reader calls after decoding a frame), which builds the member and dispatches `on_raw_reaction_add` to the
cogs that count that reaction (knowledge and recognition let a vote pass without a task), and the polls cog queues
the vote for the single batching writer. The feeder yields to the event loop after every event, like a websocket reader
between frames. Latency: from handing the event to the parser to the commit of the transaction that holds the vote.

Printed: votes/s and p50/p99 latency for bursts of 2,000 and 20,000 events (distinct members, single choice), the
same 2,000 events written with one transaction per event (the design the writer replaces), raw `sqlite3` batched
inserts into the same table shape on the same machine (the ratio is ours to theirs), and the tally of 100,000 votes.
Run: `.venv/bin/python -m bench.bench_polls [runs] [--loop uvloop] [--profile]` (medians over runs, default 3;
`--profile` adds where the time of one burst of 20,000 goes, per event, from cProfile).
"""

from __future__ import annotations

import argparse
import asyncio
import importlib
import random
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from sqlalchemy import insert

from bench.table import Row
from bot.client import Agora
from bot.config import DatabaseSettings, DiscordSettings, LocaleSettings, Settings
from bot.database import Database
from models.base import utcnow
from models.polls import rules, service
from models.polls.rules import Action, Outcome, VoteOp
from models.polls.tables import PollVote
from playground.emulator import BotRunner, Emulator

BURSTS = (2_000, 20_000)
TALLY_VOTES = 100_000
RAW_BATCH = 500
PACE = 0.005
TARGET_RATE, TARGET_P99_MS, TARGET_TALLY_MS = 20_000, 100.0, 20.0
TARGET_SHARE = 0.15  # of raw sqlite3's batched insert rate, end to end
PROFILE: list[str] = []  # the profile of one burst, when asked
LETTERS = rules.LETTERS[:4]


def percentile(values: Sequence[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def reaction_payload(guild_id: int, channel_id: int, message_id: int, user_id: int, emoji: str) -> dict[str, Any]:
    """MESSAGE_REACTION_ADD as Discord sends it, member included."""
    return {
        "user_id": str(user_id),
        "channel_id": str(channel_id),
        "message_id": str(message_id),
        "guild_id": str(guild_id),
        "emoji": {"id": None, "name": emoji},
        "burst": False,
        "type": 0,
        "message_author_id": None,
        "member": {
            "user": {"id": str(user_id), "username": f"m{user_id}", "discriminator": "0", "avatar": None},
            "roles": [],
            "joined_at": "2026-01-01T00:00:00+00:00",
            "deaf": False,
            "mute": False,
            "flags": 0,
        },
    }


async def burst(
    bot: Agora, poll_message: Any, size: int, first_member: int, rate: float | None = None
) -> tuple[float, list[float]]:
    """Feed `size` reactions of distinct members; returns (seconds from first event to last commit, latencies).

    Without `rate`, as fast as the parser goes, yielding after each event. With `rate` (events/s), in chunks every
    PACE seconds, as a gateway connection delivers them: the latency the target speaks of, at that load.
    """
    cog: Any = bot.get_cog("Polls")
    sent: dict[int, float] = {}
    committed: dict[int, float] = {}
    done = asyncio.Event()
    forward = cog.writer.on_batch

    def on_batch(pairs: Sequence[tuple[VoteOp, Outcome]]) -> None:
        now = time.perf_counter()
        for op, _ in pairs:
            committed[op.voter_id] = now
        if len(committed) >= size:
            done.set()
        forward(pairs)

    cog.writer.on_batch = on_batch
    parse = bot._connection.parsers["MESSAGE_REACTION_ADD"]
    guild_id, channel_id = poll_message.guild_id, poll_message.channel_id
    payloads = [
        reaction_payload(guild_id, channel_id, poll_message.id, first_member + n, random.choice(LETTERS))
        for n in range(size)
    ]
    started = time.perf_counter()
    chunk = max(1, round((rate or 0) * PACE))
    for n, payload in enumerate(payloads):
        if rate is None:
            await asyncio.sleep(0)
        elif n % chunk == 0:
            await asyncio.sleep(max(0.0, started + n / rate - time.perf_counter()))
        sent[first_member + n] = time.perf_counter()
        parse(payload)
    await asyncio.wait_for(done.wait(), 120)
    cog.writer.on_batch = forward
    elapsed = max(committed.values()) - started
    return elapsed, [(committed[member] - sent[member]) * 1000 for member in sent]


async def profiled(bot: Agora, poll_message: Any, size: int, first_member: int, top: int = 18) -> list[str]:
    """One burst under cProfile: the functions where the time goes, in microseconds per event (own time)."""
    import cProfile
    import pstats

    profiler = cProfile.Profile()
    profiler.enable()
    await burst(bot, poll_message, size, first_member)
    profiler.disable()
    stats = pstats.Stats(profiler)
    rows: list[tuple[float, str]] = []
    for (path, line, name), (_, calls, own, _cumulative, _) in stats.stats.items():  # type: ignore[attr-defined]
        where = f"{Path(path).parent.name}/{Path(path).name}:{line} {name}" if line else name
        rows.append((own, f"{own / size * 1e6:7.2f} µs/event  {calls / size:6.2f} calls/event  {where}"))
    total = sum(own for own, _ in rows)
    lines = [f"profile of a burst of {size:,} (cProfile slows it down): {total / size * 1e6:.1f} µs/event in all"]
    lines += [text for _, text in sorted(rows, reverse=True)[:top]]
    return lines


async def writer_alone(bot: Agora, poll_id: int, option_ids: list[int], size: int) -> tuple[float, float]:
    """The writer's own capacity: events queued directly, no gateway parsing. Returns (votes/s, p99 ms)."""
    cog: Any = bot.get_cog("Polls")
    sent: dict[int, float] = {}
    latencies: list[float] = []
    forward = cog.writer.on_batch

    def on_batch(pairs: Sequence[tuple[VoteOp, Outcome]]) -> None:
        now = time.perf_counter()
        latencies.extend((now - sent[op.voter_id]) * 1000 for op, _ in pairs)
        forward(pairs)

    cog.writer.on_batch = on_batch
    started = time.perf_counter()
    for n in range(size):
        sent[20_000_000 + n] = time.perf_counter()
        cog.writer.submit(VoteOp(poll_id, 20_000_000 + n, random.choice(option_ids), Action.ADD))
    await cog.writer.flush()
    elapsed = time.perf_counter() - started
    cog.writer.on_batch = forward
    return size / elapsed, percentile(latencies, 0.99)


async def parser_alone(bot: Agora, poll_message: Any, size: int) -> float:
    """discord.py's parsing and dispatch plus the cog's handler, votes dropped: events/s the gateway side allows."""
    cog: Any = bot.get_cog("Polls")
    submit = cog.writer.submit
    cog.writer.submit = lambda op: None
    parse = bot._connection.parsers["MESSAGE_REACTION_ADD"]
    payloads = [
        reaction_payload(poll_message.guild_id, poll_message.channel_id, poll_message.id, 30_000_000 + n, LETTERS[0])
        for n in range(size)
    ]
    started = time.perf_counter()
    for payload in payloads:
        parse(payload)
        await asyncio.sleep(0)
    await asyncio.sleep(0)
    elapsed = time.perf_counter() - started
    cog.writer.submit = submit
    return size / elapsed


async def per_event_transactions(db: Database, poll_id: int, option_ids: list[int], size: int) -> tuple[float, float]:
    """The design the writer replaces: each event in its own transaction, as many at once as the pool allows."""
    latencies: list[float] = []
    pool = asyncio.Semaphore(5)

    async def one(member: int) -> None:
        started = time.perf_counter()
        async with pool, db.transaction() as session:
            op = VoteOp(poll_id, member, random.choice(option_ids), Action.ADD)
            await service.apply_votes(session, [op], now=utcnow())
        latencies.append((time.perf_counter() - started) * 1000)

    started = time.perf_counter()
    await asyncio.gather(*(one(10_000_000 + n) for n in range(size)))
    elapsed = time.perf_counter() - started
    return size / elapsed, percentile(latencies, 0.99)


def raw_sqlite_rate(folder: Path, rows: int) -> float:
    """Plain sqlite3 (WAL, synchronous=NORMAL), same table shape and indexes, committed every RAW_BATCH rows."""
    connection = sqlite3.connect(folder / "raw.db")
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("PRAGMA synchronous=NORMAL")
    connection.execute(
        "CREATE TABLE votes (poll_id INTEGER, voter_id INTEGER, option_id INTEGER, guild_id INTEGER, voted_at TEXT,"
        " PRIMARY KEY (poll_id, voter_id, option_id))"
    )
    connection.execute("CREATE INDEX ix_votes ON votes (poll_id, option_id)")
    data = [(1, n, n % 4, 1, "2026-11-24 12:00:00.000000") for n in range(rows)]
    started = time.perf_counter()
    for start in range(0, rows, RAW_BATCH):
        with connection:
            connection.executemany("INSERT INTO votes VALUES (?, ?, ?, ?, ?)", data[start : start + RAW_BATCH])
    elapsed = time.perf_counter() - started
    connection.close()
    return rows / elapsed


async def tally_ms(db: Database, view: service.PollView) -> float:
    """Median time to count a poll of TALLY_VOTES votes (single choice)."""
    options = [option.id for option in view.options]
    rows = [
        {"poll_id": view.id, "voter_id": n, "option_id": options[n % len(options)], "guild_id": 1, "voted_at": utcnow()}
        for n in range(TALLY_VOTES)
    ]
    async with db.transaction() as session:
        for start in range(0, len(rows), 10_000):
            await session.execute(insert(PollVote.__table__), rows[start : start + 10_000])  # type: ignore[arg-type]
    timings = []
    for _ in range(21):
        started = time.perf_counter()
        async with db.transaction() as session:
            result = await service.count_votes(session, view)
        timings.append((time.perf_counter() - started) * 1000)
    assert result.total == TALLY_VOTES
    return statistics.median(timings)


async def one_run(
    folder: Path, bursts: Sequence[int] = BURSTS, *, extras: bool = True, profile: bool = False
) -> dict[str, float]:
    """Every figure of one run; without `extras`, only the bursts and raw sqlite3 (the anchor)."""
    figures: dict[str, float] = {}
    async with Emulator(openapi=False) as emulator:  # its checks would run in this process, inside the figures
        settings = Settings(
            database=DatabaseSettings(url=f"sqlite+aiosqlite:///{folder / 'agora.db'}"),
            locale=LocaleSettings(default="en"),
            discord=DiscordSettings(api_base=emulator.http_url, gateway_url=emulator.gateway_url),
        )
        runner = BotRunner(
            lambda: Agora(settings, guild_ready_timeout=0.05),
            emulator,
            timeout=60,
        )
        await runner.start(wait_for_sync=True)
        bot = runner.client
        assert isinstance(bot, Agora)
        await bot.get_cog("Polls").caught_up.wait()  # type: ignore[union-attr]
        host = await emulator.member("host", permissions=1 << 5)
        channel = emulator.guild.channel("general")
        await host.slash("poll create", question="Bench?", options="a; b; c; d", channel=channel)
        await emulator.wait_for(lambda: any(m.embeds for m in channel.messages), 10, "the poll message")
        poll_message = next(m for m in channel.messages if m.embeds)
        await emulator.wait_for(lambda: len(poll_message.reactions) == 4, 10, "the poll's reactions")
        first_member = 1_000_000
        for size in bursts:
            elapsed, latencies = await burst(bot, poll_message, size, first_member)
            first_member += size
            figures[f"rate_{size}"] = size / elapsed
            figures[f"p50_{size}"] = percentile(latencies, 0.5)
            figures[f"p99_{size}"] = percentile(latencies, 0.99)
            elapsed, latencies = await burst(bot, poll_message, size, first_member, rate=TARGET_RATE)
            first_member += size
            figures[f"paced_rate_{size}"] = size / elapsed
            figures[f"paced_p50_{size}"] = percentile(latencies, 0.5)
            figures[f"paced_p99_{size}"] = percentile(latencies, 0.99)
        if profile and not PROFILE:
            PROFILE.extend(await profiled(bot, poll_message, BURSTS[-1], first_member))
            first_member += BURSTS[-1]
        if not extras:
            await runner.stop()
            figures["raw_rate"] = raw_sqlite_rate(folder, sum(BURSTS))
            return figures
        async with bot.db.transaction() as session:
            view = await service.find_poll(session, guild_id=emulator.guild.id, text=None, channel_id=channel.id)
        option_ids = [option.id for option in view.options]
        figures["writer_rate"], figures["writer_p99"] = await writer_alone(bot, view.id, option_ids, BURSTS[-1])
        figures["parser_rate"] = await parser_alone(bot, poll_message, BURSTS[-1])
        figures["per_event_rate"], figures["per_event_p99"] = await per_event_transactions(
            bot.db, view.id, [option.id for option in view.options], BURSTS[0]
        )
        await runner.stop()
    figures["raw_rate"] = raw_sqlite_rate(folder, sum(BURSTS))
    db = Database(f"sqlite+aiosqlite:///{folder / 'tally.db'}")
    await db.migrate()
    draft = rules.draft_poll(question="Tally?", options="a; b; c; d", closing=None, now=utcnow(), zone=None)  # type: ignore[arg-type]
    async with db.transaction() as session:
        tally_view = await service.create_poll(
            session, guild_id=1, channel_id=1, author_id=1, draft=draft, language="en", now=utcnow()
        )
    figures["tally_ms"] = await tally_ms(db, tally_view)
    await db.dispose()
    return figures


def vote_rows(median: dict[str, float], bursts: Sequence[int]) -> list[Row]:
    raw = median["raw_rate"]
    found = []
    for size in bursts:
        rate = median[f"rate_{size}"]
        found.append(
            Row(
                f"votes/s, burst of {size:,} reactions end to end",
                rate,
                raw,
                "raw sqlite3 batched inserts",
                f"≥ {TARGET_SHARE:.0%} of anchor",
                rate / raw >= TARGET_SHARE,
            )
        )
    for size in bursts:
        p99 = median[f"paced_p99_{size}"]
        found.append(
            Row(
                f"p99 ms, {size:,} reactions arriving at {TARGET_RATE:,}/s",
                p99,
                TARGET_P99_MS,
                "the target",
                f"< {TARGET_P99_MS:.0f} ms",
                p99 < TARGET_P99_MS,
            )
        )
    return found


async def rows(full: bool = False) -> list[Row]:
    """The table's rows: the vote path against raw sqlite3 (full: both burst sizes, median of 3 runs)."""
    bursts = BURSTS if full else BURSTS[:1]
    results = []
    for _ in range(3 if full else 1):
        with tempfile.TemporaryDirectory() as folder:
            results.append(await one_run(Path(folder), bursts, extras=False))
    median = {key: statistics.median(run[key] for run in results) for key in results[0]}
    return vote_rows(median, bursts)


async def main(runs: int, profile: bool) -> None:
    results = []
    for _ in range(runs):
        with tempfile.TemporaryDirectory() as folder:
            results.append(await one_run(Path(folder), profile=profile))
    median = {key: statistics.median(run[key] for run in results) for key in results[0] if key != "profile"}
    loop = type(asyncio.get_running_loop()).__module__.split(".")[0]
    print(f"runs: {runs} (medians); SQLite file, WAL, synchronous=NORMAL; {sys.version.split()[0]}; {loop} loop")
    for size in BURSTS:
        rate, p50, p99 = median[f"rate_{size}"], median[f"p50_{size}"], median[f"p99_{size}"]
        print(
            f"burst of {size:>6,} reactions, as fast as they parse: {rate:>8,.0f} votes/s "
            f"({rate / median['raw_rate']:.1%} of raw sqlite3; target ≥ {TARGET_SHARE:.0%}), "
            f"p50 {p50:6.1f} ms, p99 {p99:6.1f} ms"
        )
    for size in BURSTS:
        rate, p50, p99 = (median[f"paced_{key}_{size}"] for key in ("rate", "p50", "p99"))
        print(
            f"burst of {size:>6,} reactions at {TARGET_RATE:,}/s:        {rate:>8,.0f} votes/s, "
            f"p50 {p50:6.1f} ms, p99 {p99:6.1f} ms ({p99 / TARGET_P99_MS:.0%} of the {TARGET_P99_MS:.0f} ms target)"
        )
    print(
        f"writer alone, {BURSTS[-1]:,} votes queued at once:            {median['writer_rate']:>8,.0f} votes/s "
        f"({median['writer_rate'] / median['raw_rate']:.1%} of raw sqlite3), p99 {median['writer_p99']:6.1f} ms"
    )
    print(f"gateway side alone (discord.py parse + dispatch + handler): {median['parser_rate']:>8,.0f} events/s")
    print(
        f"same {BURSTS[0]:,} votes, one transaction per event:           {median['per_event_rate']:>8,.0f} votes/s, "
        f"p99 {median['per_event_p99']:7.1f} ms"
    )
    print(f"raw sqlite3 executemany, {RAW_BATCH} rows per commit, same table: {median['raw_rate']:>8,.0f} rows/s")
    print(
        f"tally of {TALLY_VOTES:,} votes (GROUP BY on (poll_id, option_id)):     {median['tally_ms']:8.2f} ms "
        f"(target < {TARGET_TALLY_MS:.0f} ms)"
    )
    for line in PROFILE:
        print(line)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description="Reaction votes under a burst, end to end.")
    parser.add_argument("runs", nargs="?", type=int, default=3)
    parser.add_argument("--loop", choices=("asyncio", "uvloop"), default="asyncio")
    parser.add_argument("--profile", action="store_true", help="also profile one burst of 20,000 (cProfile)")
    arguments = parser.parse_args()
    # uvloop is optional (the 'speed' extra): imported by name, so type checks pass where it is not installed.
    run = importlib.import_module("uvloop").run if arguments.loop == "uvloop" else asyncio.run
    run(main(arguments.runs, arguments.profile))
