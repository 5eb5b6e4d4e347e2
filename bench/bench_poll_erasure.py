"""What closing an anonymous poll costs now that it destroys the ballots and the key on disk.

Closes an anonymous poll of 1,000 ballots while other open anonymous polls hold 0, 10,000 and 100,000 ballots
(on PostgreSQL the close copies those back after its TRUNCATE; on SQLite it zeroes the deleted rows and empties the
write-ahead log), and prints the close transaction and the checkpoint after it (SQLite), in milliseconds (medians).
Run: `.venv/bin/python -m bench.bench_poll_erasure [postgresql+asyncpg://user@host/any_db] [runs]` — without a
URL on a SQLite file; with one in a fresh database created (and dropped) on that server.
"""

from __future__ import annotations

import asyncio
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import func, insert, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

from bench.table import Row
from bot.database import Database
from models.polls import rules, service
from models.polls.tables import PollBallot

CLOSED_BALLOTS = 1_000
OTHER_BALLOTS = (0, 10_000, 100_000)
NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)


@asynccontextmanager
async def fresh_database(server_url: str | None) -> AsyncIterator[Database]:
    if server_url is None:
        with tempfile.TemporaryDirectory() as folder:
            db = Database(f"sqlite+aiosqlite:///{folder}/agora.db")
            await db.migrate()
            yield db
            await db.dispose()
        return
    name = f"agora_bench_{uuid.uuid4().hex[:12]}"
    server = create_async_engine(server_url, isolation_level="AUTOCOMMIT")
    async with server.connect() as connection:
        await connection.execute(text(f'CREATE DATABASE "{name}"'))
    db = Database(make_url(server_url).set(database=name).render_as_string(hide_password=False))
    try:
        await db.migrate()
        yield db
    finally:
        await db.dispose()
        async with server.connect() as connection:
            await connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        await server.dispose()


async def anonymous_poll(db: Database, ballots: int) -> int:
    draft = rules.draft_poll(
        question="Q?", options="a; b; c", closing=None, now=NOW, zone=ZoneInfo("UTC"), anonymous=True
    )
    async with db.transaction() as session:
        view = await service.create_poll(
            session, guild_id=1, channel_id=1, author_id=1, draft=draft, language="en", now=NOW
        )
    rows = [
        {"poll_id": view.id, "voter_id": n, "option_id": view.options[n % 3].id, "guild_id": 1, "voted_at": NOW}
        for n in range(1, ballots + 1)
    ]
    async with db.transaction() as session:
        for start in range(0, len(rows), 10_000):
            await session.execute(insert(PollBallot.__table__), rows[start : start + 10_000])  # type: ignore[arg-type]
    return view.id


async def close_once(db: Database, others: int) -> tuple[float, float]:
    if others:
        await anonymous_poll(db, others)
    poll_id = await anonymous_poll(db, CLOSED_BALLOTS)
    started = time.perf_counter()
    async with db.transaction() as session:
        await service.close_poll(session, poll_id, now=NOW, reason=service.CloseReason.COMMAND)
    closed = time.perf_counter()
    assert await db.erase_deleted()
    async with db.transaction() as session:
        assert await session.scalar(select(func.count()).select_from(PollBallot)) == others
    return (closed - started) * 1000, (time.perf_counter() - closed) * 1000


async def main(server_url: str | None, runs: int) -> None:
    print(f"closing an anonymous poll of {CLOSED_BALLOTS:,} ballots on {'PostgreSQL' if server_url else 'SQLite'}")
    for others in OTHER_BALLOTS:
        timings = []
        for _ in range(runs):
            async with fresh_database(server_url) as db:
                timings.append(await close_once(db, others))
        close_ms = statistics.median(close for close, _ in timings)
        checkpoint_ms = statistics.median(checkpoint for _, checkpoint in timings)
        print(
            f"other open anonymous ballots {others:>7,}: close transaction {close_ms:7.1f} ms, "
            f"then emptying the write-ahead log {checkpoint_ms:6.1f} ms (SQLite only)"
        )


async def rows(full: bool = False) -> list[Row]:
    """Closing an anonymous poll with other open ballots on SQLite (small: 10,000 others)."""
    others = OTHER_BALLOTS[-1] if full else 10_000
    async with fresh_database(None) as db:
        empty, _ = await close_once(db, 0)
    async with fresh_database(None) as db:
        close_ms, checkpoint_ms = await close_once(db, others)
    return [
        Row(f"anonymous poll close, {others:,} other ballots (ms)", close_ms, empty, "the same close, no other"),
        Row("write-ahead log emptied after it (ms)", checkpoint_ms),
    ]


if __name__ == "__main__":
    arguments = sys.argv[1:]
    url = arguments.pop(0) if arguments and "://" in arguments[0] else None
    asyncio.run(main(url, int(arguments[0]) if arguments else 3))
