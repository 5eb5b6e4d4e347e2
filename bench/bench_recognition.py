"""Kudos reactions under a burst, through the real handler path, and the leaderboard at a million kudos.

The real Agora bot runs against the local emulator with every capability loaded (so its cache, cogs, writer and
notices are the production ones); each MESSAGE_REACTION_ADD payload goes through discord.py's own gateway parser,
which dispatches `on_raw_reaction_add` to the cogs that count that emoji, and the recognition cog hands the kudos to
the single batching writer (the approach of poll votes). Every kudos is decided against the allowance (5 a day), the
per-member cap (2 a day) and back-thanks: one giver in ten thanks the same author a third time, one in ten tries a
sixth kudos, and those are refused (their reactions taken back and their givers told, in the background). Latency:
from handing the event to the parser to the commit of the batch that decided it. Receivers have notices off: the
emulator runs in this same process, and a thousand direct messages served during the burst would measure the
emulator (for the same reason the thousand authors are greeted before the bursts start).

Printed: kudos/s and p50/p99 for a burst of 20,000 reactions as fast as they parse and paced at 10,000/s; raw
`sqlite3` batched inserts into the same table shape (the ratio is ours to theirs); the leaderboard's page at
1,000,000 kudos (this week, this month, all time) against the GROUP BY over the kudos it replaces.
Run: `.venv/bin/python -m bench.bench_recognition [runs]` (medians over runs, default 3).
"""

from __future__ import annotations

import asyncio
import os
import random
import sqlite3
import statistics
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, insert, select

from bench.table import Row, scaled
from bot.client import Agora
from bot.config import DatabaseSettings, DiscordSettings, LocaleSettings, Settings
from bot.database import Database
from models.recognition import boards
from models.recognition.kudos import KudosOp, Outcome
from models.recognition.rules import (
    ALL_CATEGORIES,
    DEFAULT_CATEGORIES,
    Action,
    Board,
    Period,
    Source,
    TallyChange,
    Verdict,
    period_key,
    tally_deltas,
)
from models.recognition.tables import Kudos, KudosTally, RecognitionMember
from playground.emulator import BotRunner, Emulator, payloads
from playground.emulator.state import Member, Message

BURST = 20_000
AUTHORS = 1_000
MESSAGES_PER_AUTHOR = 6
PACE = 0.005
TARGET_RATE, TARGET_P99_MS, TARGET_BOARD_MS = 10_000, 100.0, 20.0
BOARD_KUDOS, BOARD_MEMBERS, BOARD_DAYS = 1_000_000, 20_000, 90
RAW_BATCH = 500
CPU = "cpu_ms"  # the process's CPU time during a burst (bot and emulator: they share the process)
UTC_ZONE = ZoneInfo("UTC")


def percentile(values: Sequence[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def reaction_payload(guild_id: int, channel_id: int, message: Message, user_id: int) -> dict[str, Any]:
    """MESSAGE_REACTION_ADD as Discord sends it: the reacting member, and the message's author."""
    return {
        "user_id": str(user_id),
        "channel_id": str(channel_id),
        "message_id": str(message.id),
        "guild_id": str(guild_id),
        "emoji": {"id": None, "name": "🙏"},
        "burst": False,
        "type": 0,
        "message_author_id": str(message.author_id),
        "member": {
            "user": {"id": str(user_id), "username": f"g{user_id}", "discriminator": "0", "avatar": None},
            "roles": [],
            "joined_at": "2026-01-01T00:00:00+00:00",
            "deaf": False,
            "mute": False,
            "flags": 0,
        },
    }


def plan(messages: dict[int, list[Message]], first_giver: int, size: int) -> list[tuple[int, Message]]:
    """(giver, message) reactions: five kudos each to five authors; one giver in ten thanks an author a third time
    (the per-member cap refuses it), one in ten tries a sixth (the allowance refuses it)."""
    authors = list(messages)
    reactions: list[tuple[int, Message]] = []
    giver = first_giver
    while len(reactions) < size:
        chosen = random.sample(authors, 6)
        if giver % 10 == 0:
            picks = [messages[chosen[0]][n] for n in range(3)] + [messages[a][0] for a in chosen[1:3]]
        elif giver % 10 == 1:
            picks = [messages[a][0] for a in chosen]
        else:
            picks = [messages[a][0] for a in chosen[:5]]
        reactions += [(giver, message) for message in picks]
        giver += 1
    random.shuffle(reactions)
    return reactions[:size]


async def burst(
    bot: Agora, guild_id: int, channel_id: int, reactions: list[tuple[int, Message]], rate: float | None = None
) -> tuple[float, list[float], Counter[Verdict]]:
    """Feed the reactions; returns (seconds from first event to last commit, latencies in ms, verdicts)."""
    cog: Any = bot.get_cog("Recognition")
    sent: dict[tuple[int, int], float] = {}
    committed: dict[tuple[int, int], float] = {}
    verdicts: Counter[Verdict] = Counter()
    done = asyncio.Event()
    forward = cog.writer.on_batch

    def on_batch(pairs: Sequence[tuple[KudosOp, Outcome]]) -> None:
        now = time.perf_counter()
        for op, outcome in pairs:
            committed[op.giver_id, op.message_id or 0] = now
            verdicts[outcome.verdict] += 1
        if len(committed) >= len(reactions):
            done.set()
        forward(pairs)

    cog.writer.on_batch = on_batch
    parse = bot._connection.parsers["MESSAGE_REACTION_ADD"]
    payloads_ = [reaction_payload(guild_id, channel_id, message, giver) for giver, message in reactions]
    started, cpu = time.perf_counter(), time.process_time()
    chunk = max(1, round((rate or 0) * PACE))
    for n, ((giver, message), payload) in enumerate(zip(reactions, payloads_, strict=True)):
        if rate is None:
            await asyncio.sleep(0)
        elif n % chunk == 0:
            await asyncio.sleep(max(0.0, started + n / rate - time.perf_counter()))
        sent[giver, message.id] = time.perf_counter()
        parse(payload)
    await asyncio.wait_for(done.wait(), 120)
    verdicts[CPU] = round((time.process_time() - cpu) * 1000)  # type: ignore[index]
    cog.writer.on_batch = forward
    elapsed = max(committed.values()) - started
    return elapsed, [(committed[key] - sent[key]) * 1000 for key in sent], verdicts


async def writer_alone(bot: Agora, guild_id: int, reactions: list[tuple[int, Message]]) -> tuple[float, float, float]:
    """The writer's own capacity: the same kudos queued directly, no gateway parsing. (kudos/s, p99 ms, kudos per
    CPU-second of the process: its thread and SQLite's)."""
    cog: Any = bot.get_cog("Recognition")
    sent: dict[tuple[int, int], float] = {}
    latencies: list[float] = []
    forward = cog.writer.on_batch

    def on_batch(pairs: Sequence[tuple[KudosOp, Outcome]]) -> None:
        now = time.perf_counter()
        latencies.extend((now - sent[op.giver_id, op.message_id or 0]) * 1000 for op, _ in pairs)
        forward(pairs)

    cog.writer.on_batch = on_batch
    await bot.idle()
    started, cpu = time.perf_counter(), time.process_time()
    for giver, message in reactions:
        sent[giver, message.id] = time.perf_counter()
        cog.writer.submit(
            KudosOp(Action.GIVE, guild_id, giver, message.author_id, "teach", Source.REACTION, 2, message.id)
        )
    await cog.writer.flush()
    elapsed, used = time.perf_counter() - started, time.process_time() - cpu
    cog.writer.on_batch = forward
    return len(reactions) / elapsed, percentile(latencies, 0.99), len(reactions) / used


async def parser_alone(bot: Agora, guild_id: int, channel_id: int, reactions: list[tuple[int, Message]]) -> float:
    """discord.py's parsing and dispatch plus the cog's handler, kudos dropped: events/s the gateway side allows."""
    cog: Any = bot.get_cog("Recognition")
    deliver = cog.in_order.deliver
    cog.in_order.deliver = lambda op: None
    parse = bot._connection.parsers["MESSAGE_REACTION_ADD"]
    payloads_ = [reaction_payload(guild_id, channel_id, message, giver) for giver, message in reactions]
    await bot.idle()  # the notices of earlier kudos are sent: nothing else runs
    started = time.perf_counter()
    for payload in payloads_:
        parse(payload)
        await asyncio.sleep(0)
    await asyncio.sleep(0)
    elapsed = time.perf_counter() - started
    cog.in_order.deliver = deliver
    return len(reactions) / elapsed


async def populate(emulator: Emulator, bot: Agora) -> dict[int, list[Message]]:
    """A thousand authors (members the bot has seen join) with a few messages each, their notices off."""
    guild, state = emulator.guild, emulator.state
    channel = guild.channel("general")
    messages: dict[int, list[Message]] = {}
    for n in range(AUTHORS):
        member = Member(user=state.add_user(f"author{n}"), guild_id=guild.id)
        guild.members[member.id] = member
        emulator.core.gateway.dispatch("GUILD_MEMBER_ADD", payloads.member(member) | {"guild_id": str(guild.id)})
        messages[member.id] = [
            state.add_message(Message(id=state.new_id(), channel_id=channel.id, author_id=member.id, guild_id=guild.id))
            for _ in range(MESSAGES_PER_AUTHOR)
        ]
    await emulator.sync()
    now = datetime.now(UTC)
    async with bot.db.transaction() as session:
        await session.execute(
            insert(RecognitionMember),
            [
                {"guild_id": guild.id, "member_id": author, "notices": False, "named": True, "excluded": False}
                | {"updated_at": now}
                for author in messages
            ],
        )
    return messages


async def one_run(folder: Path) -> dict[str, float]:
    figures: dict[str, float] = {}
    async with Emulator() as emulator:
        settings = Settings(
            database=DatabaseSettings(url=f"sqlite+aiosqlite:///{folder / 'agora.db'}"),
            locale=LocaleSettings(default="en", timezone="Europe/Paris"),
            discord=DiscordSettings(api_base=emulator.http_url, gateway_url=emulator.gateway_url),
        )
        runner = BotRunner(
            lambda: Agora(settings, guild_ready_timeout=0.05),
            emulator,
            timeout=30,
        )
        await runner.start(wait_for_sync=True)
        bot = runner.client
        assert isinstance(bot, Agora)
        await bot.caught_up.wait()
        messages = await populate(emulator, bot)
        await bot.idle()  # the thousand newcomers are greeted (onboarding) before the bursts, not during them
        guild_id, channel_id = emulator.guild.id, emulator.guild.channel("general").id
        first = 10_000_000
        for label, rate in (("fast", None), ("paced", float(TARGET_RATE))):
            reactions = plan(messages, first, BURST)
            first += BURST
            elapsed, latencies, verdicts = await burst(bot, guild_id, channel_id, reactions, rate)
            figures[f"{label}_rate"] = BURST / elapsed
            figures[f"{label}_p50"] = percentile(latencies, 0.5)
            figures[f"{label}_p99"] = percentile(latencies, 0.99)
            figures[f"{label}_given"] = verdicts[Verdict.GIVEN]
            figures[f"{label}_pair_cap"] = verdicts[Verdict.PAIR_CAP]
            figures[f"{label}_allowance"] = verdicts[Verdict.ALLOWANCE]
            figures[f"{label}_cpu_rate"] = BURST / (verdicts[CPU] / 1000)  # type: ignore[index]
            await bot.idle()  # refused reactions taken back, givers told: before the next burst
        reactions = plan(messages, first, BURST)
        first += BURST
        figures["writer_rate"], figures["writer_p99"], figures["writer_cpu_rate"] = await writer_alone(
            bot, guild_id, reactions
        )
        figures["parser_rate"] = await parser_alone(bot, guild_id, channel_id, plan(messages, first, BURST))
        await bot.idle()
        await runner.stop()
    figures["raw_rate"] = raw_sqlite_rate(folder, BURST)
    figures.update(await board_figures(folder))
    return figures


def raw_sqlite_rate(folder: Path, rows: int) -> float:
    """Plain sqlite3 (WAL, synchronous=NORMAL), the kudos table's shape and indexes, committed every RAW_BATCH rows."""
    connection = sqlite3.connect(folder / "raw.db")
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("PRAGMA synchronous=NORMAL")
    connection.execute(
        "CREATE TABLE kudos (id INTEGER PRIMARY KEY, guild_id INTEGER, giver_id INTEGER, receiver_id INTEGER,"
        " category TEXT, source TEXT, channel_id INTEGER, message_id INTEGER, given_at TEXT, ended_at TEXT,"
        " UNIQUE (message_id, giver_id))"
    )
    connection.execute("CREATE INDEX ix_giver ON kudos (guild_id, giver_id, given_at)")
    connection.execute("CREATE INDEX ix_receiver ON kudos (guild_id, receiver_id, given_at)")
    data = [(1, n, n % 997, "teach", "reaction", 2, n, "2026-11-24 12:00:00.000000") for n in range(rows)]
    started = time.perf_counter()
    for start in range(0, rows, RAW_BATCH):
        with connection:
            connection.executemany(
                "INSERT INTO kudos (guild_id, giver_id, receiver_id, category, source, channel_id, message_id,"
                " given_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                data[start : start + RAW_BATCH],
            )
    elapsed = time.perf_counter() - started
    connection.close()
    return rows / elapsed


async def board_figures(folder: Path) -> dict[str, float]:
    """A server with a million kudos over the last 90 days: a board page, and the GROUP BY it replaces."""
    db = Database(f"sqlite+aiosqlite:///{folder / 'board.db'}")
    await db.migrate()
    now = datetime.now(UTC)
    await fill_board(db, now)
    figures: dict[str, float] = {}
    for period in Period:
        key = period_key(period, now, UTC_ZONE)
        figures[f"board_{period.value}"] = await timed(db, lambda s, k=key: board(s, k))
    since = now - timedelta(days=7)
    figures["group_by_week"] = await timed(db, lambda s: group_by(s, since), runs=5)
    await db.dispose()
    return figures


async def board(session: Any, key: str) -> None:
    for side in (Board.RECEIVED, Board.GIVEN):
        page = await boards.board_page(session, 1, side, key, ALL_CATEGORIES, page=0, size=10)
        assert len(page.rows) == 10


async def group_by(session: Any, since: datetime) -> None:
    """The board without counters: count this week's kudos per receiver, highest first."""
    rows = await session.execute(
        select(Kudos.receiver_id, func.count().label("total"))
        .where(Kudos.guild_id == 1, Kudos.given_at >= since, Kudos.ended_at.is_(None))
        .group_by(Kudos.receiver_id)
        .order_by(func.count().desc())
        .limit(10)
    )
    assert len(rows.all()) == 10


async def timed(db: Database, query: Any, runs: int = 21) -> float:
    timings = []
    for _ in range(runs):
        started = time.perf_counter()
        async with db.transaction() as session:
            await query(session)
        timings.append((time.perf_counter() - started) * 1000)
    return statistics.median(timings)


async def fill_board(db: Database, now: datetime) -> None:
    """BOARD_KUDOS kudos between BOARD_MEMBERS members, and their counters (summed per day, checked against the
    writer's own `tally_deltas` on a sample)."""
    rng = random.Random(7)
    start = now - timedelta(days=BOARD_DAYS)
    totals: Counter[tuple[str, str, str, int]] = Counter()
    keys: dict[date, tuple[str, ...]] = {}
    rows: list[dict[str, Any]] = []
    for n in range(BOARD_KUDOS):
        giver, receiver = rng.randrange(BOARD_MEMBERS), rng.randrange(BOARD_MEMBERS)
        given_at = start + timedelta(seconds=rng.randrange(BOARD_DAYS * 86_400))
        category = DEFAULT_CATEGORIES[n % 4]
        rows.append(
            {"guild_id": 1, "giver_id": giver, "receiver_id": receiver, "category": category, "source": "reaction"}
            | {"channel_id": 2, "message_id": n, "given_at": given_at}
        )
        day = given_at.date()
        periods = keys.get(day) or keys.setdefault(day, tuple(period_key(p, given_at, UTC_ZONE) for p in Period))
        for period in periods:
            for cat in (category, ALL_CATEGORIES):
                totals[Board.GIVEN.value, period, cat, giver] += 1
                totals[Board.RECEIVED.value, period, cat, receiver] += 1
    sample = [TallyChange(1, r["giver_id"], r["receiver_id"], r["category"], r["given_at"], 1) for r in rows[:50]]
    assert all(totals[key[1:]] >= delta for key, delta in tally_deltas(sample, {1: UTC_ZONE}, {}).items())
    async with db.transaction() as session:
        for begin in range(0, len(rows), 20_000):
            await session.execute(insert(Kudos), rows[begin : begin + 20_000])
        tallies = [
            {"guild_id": 1, "board": b, "period": p, "category": c, "member_id": m, "total": total}
            for (b, p, c, m), total in totals.items()
        ]
        for begin in range(0, len(tallies), 20_000):
            await session.execute(insert(KudosTally), tallies[begin : begin + 20_000])


async def main(runs: int) -> None:
    results = []
    for _ in range(runs):
        with tempfile.TemporaryDirectory() as folder:
            results.append(await one_run(Path(folder)))
    median = {key: statistics.median(run[key] for run in results) for key in results[0]}
    load = ", ".join(f"{value:.2f}" for value in os.getloadavg())
    print(f"runs: {runs} (medians); SQLite file, WAL, synchronous=NORMAL; {sys.version.split()[0]}; load {load}")
    for label, how in (("fast", "as fast as they parse"), ("paced", f"at {TARGET_RATE:,}/s          ")):
        rate, p50, p99 = (median[f"{label}_{key}"] for key in ("rate", "p50", "p99"))
        print(
            f"burst of {BURST:,} kudos reactions, {how}: {rate:>8,.0f} kudos/s "
            f"(target ≥ {TARGET_RATE:,}; {rate / median['raw_rate']:.1%} of raw sqlite3), "
            f"p50 {p50:6.1f} ms, p99 {p99:6.1f} ms (target < {TARGET_P99_MS:.0f} ms)"
        )
        given, capped, allowance = (median[f"{label}_{key}"] for key in ("given", "pair_cap", "allowance"))
        print(
            f"  {median[f'{label}_cpu_rate']:,.0f} kudos per CPU-second of this process (bot and emulator); decided: "
            f"{given:,.0f} given, {capped:,.0f} refused by the per-member cap, {allowance:,.0f} by the allowance"
        )
    print(
        f"writer alone, {BURST:,} kudos queued at once: {median['writer_rate']:>8,.0f} kudos/s "
        f"({median['writer_rate'] / median['raw_rate']:.1%} of raw sqlite3), p99 {median['writer_p99']:6.1f} ms; "
        f"{median['writer_cpu_rate']:,.0f} kudos per CPU-second"
    )
    print(f"gateway side alone (discord.py parse + dispatch + handler): {median['parser_rate']:>8,.0f} events/s")
    print(f"raw sqlite3 executemany, {RAW_BATCH} rows per commit, same table: {median['raw_rate']:>8,.0f} rows/s")
    for period in Period:
        print(
            f"leaderboard page ({period.value:>5}) at {BOARD_KUDOS:,} kudos: {median[f'board_{period.value}']:6.2f} ms "
            f"(target < {TARGET_BOARD_MS:.0f} ms; both sides, top 10)"
        )
    print(f"the same week's top 10 by GROUP BY over the kudos (no counters): {median['group_by_week']:8.2f} ms")


async def rows(full: bool = False) -> list[Row]:
    """Kudos reactions against raw sqlite3, and the board against its GROUP BY (small: 2,000 and 50,000 kudos)."""
    sizes = {} if full else {"BURST": 2_000, "BOARD_KUDOS": 50_000, "BOARD_MEMBERS": 2_000}
    with scaled(globals(), **sizes), tempfile.TemporaryDirectory() as folder:
        figures = await one_run(Path(folder))
        burst_size, kudos = BURST, BOARD_KUDOS
    rate, p99 = figures["fast_rate"], figures["paced_p99"]
    return [
        Row(
            f"kudos/s, burst of {burst_size:,} end to end",
            rate,
            figures["raw_rate"],
            "raw sqlite3 batched inserts",
            f"≥ {TARGET_RATE:,}/s",
            rate >= TARGET_RATE,
        ),
        Row(
            f"kudos p99 ms at {TARGET_RATE:,}/s",
            p99,
            TARGET_P99_MS,
            "the target",
            f"< {TARGET_P99_MS:.0f} ms",
            p99 < TARGET_P99_MS,
        ),
        Row(
            f"kudos board, week, {kudos:,} kudos (ms)",
            figures["board_week"],
            figures["group_by_week"],
            "GROUP BY over the kudos",
            f"< {TARGET_BOARD_MS:.0f} ms",
            figures["board_week"] < TARGET_BOARD_MS,
        ),
    ]


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1]) if len(sys.argv) > 1 else 3))
