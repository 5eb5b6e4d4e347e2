"""Shared fixtures: a real database per test (a SQLite file, or a PostgreSQL database when configured), migrated or
empty, and Agora started against the emulator."""

from __future__ import annotations

import asyncio
import graphlib
import os
import shutil
import sys
import threading
import uuid
from collections.abc import AsyncIterator, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import asyncpg
import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

from bot.client import Agora
from bot.config import DatabaseSettings, DiscordSettings, LocaleSettings, Settings
from bot.database import Database
from playground.emulator import BotRunner, Emulator, RunBot

pytest_plugins = ["playground.emulator.pytest_plugin"]

# Every test starts a bot, and a start loads each cog's module afresh: with PYTHONDONTWRITEBYTECODE set (some shells
# and CI images set it), each of those loads, and each bot process a test spawns, compiles Agora's sources again
# (about an eighth of a second per start). The suite keeps the bytecode, for itself and the processes it starts.
sys.dont_write_bytecode = False
os.environ.pop("PYTHONDONTWRITEBYTECODE", None)

# Set by .ci/run when PostgreSQL answers; each test then gets a database of its own on that server.
POSTGRES_URL = os.environ.get("AGORA_TEST_DATABASE_URL", "")


# A test that uses one of these (directly or through `db`, `agora`…) reads or writes Agora's database.
DATABASE_FIXTURES = frozenset({"database_url", "migrated_database_url"})


# Modules of a minute or more (processes, a browser, every command of two servers): started first, so the other
# workers share the rest of the suite while these run instead of one worker finishing them alone at the end.
SLOW_MODULES = (
    "test_scale_isolation",
    "test_fuzz",
    "test_scale_processes",
    "test_scale_kill",
    "test_playground",
    "test_scale_chaos",
    "test_client",
)


def _slow_first(item: pytest.Item) -> int:
    name = item.path.stem
    return SLOW_MODULES.index(name) if name in SLOW_MODULES else len(SLOW_MODULES)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """The slowest modules first; on PostgreSQL, only the tests that use Agora's database run: the others (the
    emulator's own tests, the catalogs, the playground's pages on a SQLite file of their own) would do exactly what
    they did on SQLite."""
    items.sort(key=_slow_first)
    if not POSTGRES_URL:
        return
    kept = [item for item in items if DATABASE_FIXTURES & set(getattr(item, "fixturenames", ()))]
    dropped = [item for item in items if item not in kept]
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = kept


async def _new_postgresql_database(template: str | None = None) -> str:
    name = f"agora_test_{uuid.uuid4().hex[:12]}"
    copy = f' TEMPLATE "{template}"' if template else ""
    server = create_async_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    async with server.connect() as connection:
        await connection.execute(text(f'CREATE DATABASE "{name}"{copy}'))
        # A commit need not wait for the disk here (the tests cut connections, never the server's power): the
        # same rows and locks, less time per transaction.
        await connection.execute(text(f'ALTER DATABASE "{name}" SET synchronous_commit = off'))
    await server.dispose()
    return name


async def _drop_postgresql_database(name: str) -> None:
    server = create_async_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    async with server.connect() as connection:
        await connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    await server.dispose()


def _postgresql_url(name: str) -> str:
    return make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)


def _in_a_thread(work: Any) -> Any:
    """Run a coroutine to its end on an event loop of its own (session fixtures live outside the tests' loops)."""
    result: list[Any] = []
    runner = threading.Thread(target=lambda: result.append(asyncio.run(work)))
    runner.start()
    runner.join()
    return result[0] if result else None


@pytest.fixture(scope="session")
def migrated_template(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """One database migrated once per test session (per worker), since migrating every test's database took a large
    part of the suite's time. SQLite: a file each test gets a copy of. PostgreSQL: a database each test gets emptied
    (`_empty_postgresql_database`): creating one per test, even from a template, cost the kernel about a second
    each, for its ~250 files."""

    async def migrate(url: str) -> None:
        database = Database(url)
        await database.migrate()
        await database.dispose()  # SQLite folds its log into the file on the last close: the file alone is whole

    if not POSTGRES_URL:
        path = tmp_path_factory.mktemp("template") / "agora.db"
        _in_a_thread(migrate(f"sqlite+aiosqlite:///{path}"))
        yield str(path)
        return
    name = _in_a_thread(_new_postgresql_database())
    _in_a_thread(migrate(_postgresql_url(name)))
    _in_a_thread(_keep_pristine_rows(name))
    yield name
    _in_a_thread(_drop_postgresql_database(name))


@pytest.fixture
async def database_url(tmp_path: Path) -> AsyncIterator[str]:
    """An empty database (for tests of migrations and of a first start)."""
    if not POSTGRES_URL:
        yield f"sqlite+aiosqlite:///{tmp_path / 'agora.db'}"
        return
    name = await _new_postgresql_database()
    yield _postgresql_url(name)
    await _drop_postgresql_database(name)


@pytest.fixture
async def migrated_database_url(tmp_path: Path, migrated_template: str) -> AsyncIterator[str]:
    """A database with every migration applied and nothing else: the session's template, copied (SQLite) or
    emptied (PostgreSQL)."""
    if not POSTGRES_URL:
        path = tmp_path / "agora.db"
        shutil.copyfile(migrated_template, path)
        yield f"sqlite+aiosqlite:///{path}"
        return
    await _empty_postgresql_database(migrated_template)
    yield _postgresql_url(migrated_template)


# What migrations wrote into the template (seed rows, the schema's version), kept aside to be put back.
PRISTINE = "agora_test_pristine"


async def _keep_pristine_rows(name: str) -> None:
    connection = await asyncpg.connect(_asyncpg_dsn(name))
    try:
        tables = await connection.fetch("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
        await connection.execute(f'CREATE SCHEMA "{PRISTINE}"')
        for (table,) in tables:
            await connection.execute(f'CREATE TABLE "{PRISTINE}"."{table}" AS TABLE public."{table}"')
    finally:
        await connection.close()


async def _empty_postgresql_database(name: str) -> None:
    """Back to what the migrations left: whoever the last test left connected is cut off, every table emptied
    (children before parents) and refilled with the template's rows, every sequence restarted."""
    connection = await asyncpg.connect(_asyncpg_dsn(name))
    try:
        await connection.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        if name not in _EMPTYING:
            _EMPTYING[name] = await _emptying_script(connection)
        async with connection.transaction():
            await connection.execute(_EMPTYING[name])
    finally:
        await connection.close()


_EMPTYING: dict[str, str] = {}  # the statements that empty each database, worked out once from its catalog


async def _emptying_script(connection: asyncpg.Connection) -> str:
    tables = [row[0] for row in await connection.fetch("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")]
    children_of: dict[str, set[str]] = {table: set() for table in tables}
    for child, parent in await connection.fetch(
        "SELECT conrelid::regclass::text, confrelid::regclass::text FROM pg_constraint "
        "WHERE contype = 'f' AND connamespace = 'public'::regnamespace"
    ):
        if child != parent:
            children_of[parent].add(child)
    children_first = graphlib.TopologicalSorter(children_of).static_order()
    sequences = await connection.fetch("SELECT sequencename, start_value FROM pg_sequences WHERE schemaname = 'public'")
    # Names from the catalog, not from input:
    statements = [f'DELETE FROM public."{table}"' for table in children_first]  # noqa: S608
    for table in tables:
        if await connection.fetchval(f'SELECT EXISTS (SELECT FROM "{PRISTINE}"."{table}")'):  # noqa: S608
            columns = ", ".join(f'"{column}"' for column in await _stored_columns(connection, table))
            statements.append(
                f'INSERT INTO public."{table}" ({columns}) OVERRIDING SYSTEM VALUE '  # noqa: S608
                f'SELECT {columns} FROM "{PRISTINE}"."{table}"'
            )
    statements += [f"SELECT setval('public.\"{sequence}\"', {start}, false)" for sequence, start in sequences]
    return ";\n".join(statements)


async def _stored_columns(connection: asyncpg.Connection, table: str) -> list[str]:
    """The table's columns but its generated ones (PostgreSQL computes those)."""
    query = (
        "SELECT column_name FROM information_schema.columns "
        "WHERE table_schema = 'public' AND table_name = $1 AND is_generated = 'NEVER' ORDER BY ordinal_position"
    )
    return [row[0] for row in await connection.fetch(query, table)]


def _asyncpg_dsn(name: str) -> str:
    return make_url(POSTGRES_URL).set(drivername="postgresql", database=name).render_as_string(hide_password=False)


@pytest.fixture
async def db(migrated_database_url: str) -> AsyncIterator[Database]:
    """A migrated database, as the bot has it after start-up."""
    database = Database(migrated_database_url)
    yield database
    await database.dispose()


@dataclass
class AgoraHarness:
    """The real Agora bot connected to the emulator; `restart()` builds a new process-like bot on the same data."""

    runner: BotRunner
    settings: Settings
    cogs: Sequence[str] = field(default_factory=tuple)

    @property
    def bot(self) -> Agora:
        client = self.runner.client
        assert isinstance(client, Agora), "the bot is not running"
        return client

    async def restart(self) -> Agora:
        """Commands are synced only when they changed, so a restart waits for the bot alone, not for a sync."""
        await self.runner.restart()
        return await self.caught_up()

    async def stop(self) -> None:
        await self.runner.stop()

    async def caught_up(self) -> Agora:
        """Wait until the bot finished its start-up reconciliation and started its scheduler."""
        await asyncio.wait_for(self.bot.caught_up.wait(), timeout=60)
        return self.bot

    async def start(self) -> Agora:
        await self.runner.start()
        return await self.caught_up()

    async def idle(self) -> None:
        """Until Agora has nothing left to do: every gateway event sent so far handled, every write committed,
        every REST call answered. Tests await this (or the outcome itself), never a quiet period."""
        emulator = self.runner.emulator
        while True:
            sent = len(emulator.events)
            await emulator.sync()
            await self.bot.idle()
            if emulator.core.journal.in_flight == 0 and len(emulator.events) == sent:
                return


@pytest.fixture
def agora_settings(discord: Emulator, migrated_database_url: str) -> Settings:
    return Settings(
        database=DatabaseSettings(url=migrated_database_url),
        locale=LocaleSettings(default="en", timezone="Europe/Paris"),
        # discord.py's wait for more servers after the last one arrived: the emulator sends its one guild at once.
        discord=DiscordSettings(api_base=discord.http_url, gateway_url=discord.gateway_url, ready_timeout=0.05),
    )


@pytest.fixture
def agora_cogs() -> Sequence[str]:
    """Override in a test module to load extra (test-only) cogs beside Agora's own."""
    return ()


@pytest.fixture
async def agora(run_bot: RunBot, agora_settings: Settings, agora_cogs: Sequence[str]) -> AsyncIterator[AgoraHarness]:
    """Agora started against the emulator, caught up (reconciled, scheduler running), commands synced (a fresh
    database has never synced them).

    Stopped here at teardown, before its database goes away.
    """
    from cogs import COGS

    def build() -> Agora:
        return Agora(agora_settings, cogs=(*COGS, *agora_cogs))

    runner = await run_bot(build, wait_for_sync=True)
    harness = AgoraHarness(runner, agora_settings, agora_cogs)
    await harness.caught_up()
    yield harness
    await harness.stop()
