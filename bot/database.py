"""The engine, one `transaction()` per unit of work, and Alembic migrations run from the bot itself."""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine

from bot.errors import ConfigError

log = logging.getLogger(__name__)

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"
ON_COMMIT = "agora_on_commit"
# Any constant shared by every Agora process: only one of them migrates at a time on PostgreSQL.
MIGRATION_LOCK_ID = 0x4A6F7261
# Pauses between attempts to empty SQLite's write-ahead log when other connections keep reading from it (each
# attempt already waits up to the busy timeout).
CHECKPOINT_RETRY_DELAYS = (0.1, 0.5, 2.0)


class Database:
    """Owns the async engine; SQLite gets WAL, foreign keys and a busy timeout so concurrent writers wait, not fail.

    SQLite also gets `secure_delete`: deleted rows are overwritten with zeros, so a destroyed secret (an anonymous
    poll's key and ballots) leaves no copy in the database file's free space.
    """

    def __init__(self, url: str, *, echo: bool = False) -> None:
        self.url = url
        self.dialect = make_url(url).get_backend_name()
        self.engine: AsyncEngine = create_async_engine(url, echo=echo, **self._engine_options())
        if self.dialect == "sqlite":
            event.listen(self.engine.sync_engine, "connect", _sqlite_pragmas)
        self.sessions = async_sessionmaker(self.engine, expire_on_commit=False)
        # Called with `session.info` after each commit: lets the scheduler arm timers for rows just written.
        self.commit_hooks: list[Callable[[dict[str, Any]], None]] = []

    def _engine_options(self) -> dict[str, Any]:
        if self.dialect == "sqlite":
            return {"connect_args": {"timeout": 30}}
        return {"pool_pre_ping": True}

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncSession]:
        """One unit of work: commit on success, roll back on error, then run the `on_commit` callbacks."""
        async with self.sessions() as session:
            async with session.begin():
                yield session
            for callback in session.info.pop(ON_COMMIT, []):
                callback()
            for hook in self.commit_hooks:
                hook(session.info)

    async def erase_deleted(self) -> bool:
        """Leave no copy of deleted rows in SQLite's write-ahead log; False (and logged) when readers prevented it.

        `secure_delete` zeroed the rows in the database pages, but the log still holds those pages as they were
        before: a TRUNCATE checkpoint copies the latest pages into the database file and empties the log. It waits
        (busy timeout) for other connections' reads and writes to finish, and is tried again a few times. Also run
        at start, after a crash between a commit and its checkpoint. PostgreSQL needs nothing here: `destroy_rows`
        gave the tables new files inside the transaction.
        """
        if self.dialect != "sqlite":
            return True
        for delay in (*CHECKPOINT_RETRY_DELAYS, None):
            async with self.engine.connect() as connection:
                autocommit = await connection.execution_options(isolation_level="AUTOCOMMIT")
                # One row: (1 if it could not finish, pages in the log, pages copied).
                result = (await autocommit.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")).one()
            if not result[0]:
                return True
            if delay is not None:
                log.info("the SQLite write-ahead log is in use; emptying it again in %.1f s", delay)
                await asyncio.sleep(delay)
        log.error(
            "could not empty the SQLite write-ahead log: deleted rows (closed anonymous polls' ballots) stay in "
            "%s-wal until the next checkpoint",
            make_url(self.url).database,
        )
        return False

    async def check(self) -> None:
        """Fail with one clear line when the database cannot be reached."""
        problem = sqlite_folder_problem(self.url)
        if problem:
            shown = make_url(self.url).render_as_string(hide_password=True)
            raise ConfigError(f"database.url: cannot open {shown}: {problem}")
        try:
            async with self.engine.connect() as connection:
                await connection.execute(text("SELECT 1"))
        except Exception as error:  # the driver's own exception types vary; all mean "unreachable"
            shown = make_url(self.url).render_as_string(hide_password=True)
            reason = str(getattr(error, "orig", None) or error).splitlines()[0]
            raise ConfigError(
                f"database.url: cannot open {shown} ({reason}); check that the server runs and the URL is right"
            ) from None

    async def migrate(self) -> None:
        async with self.engine.begin() as connection:
            await connection.run_sync(_upgrade_to_head)

    async def pending_migrations(self) -> list[str]:
        async with self.engine.connect() as connection:
            return await connection.run_sync(_pending)

    async def dispose(self) -> None:
        await self.engine.dispose()


def sqlite_folder_problem(url: str) -> str | None:
    """Why SQLite cannot write in its database's folder (it keeps its journal files there too), or None.

    Checked before connecting: the driver itself only says "unable to open database file".
    """
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or not parsed.database or parsed.database == ":memory:":
        return None
    folder = Path(parsed.database).resolve().parent
    if not folder.is_dir():
        return f"the folder {folder} does not exist; create it or fix the path"
    if not os.access(folder, os.W_OK | os.X_OK):
        return (
            f"the folder {folder} is not writable by this user (uid {os.getuid()}); give it to that user "
            f"(chown {os.getuid()} {folder}) or run Agora as the folder's owner (with Docker: --user UID:GID)"
        )
    return None


def on_commit(session: AsyncSession, callback: Callable[[], None]) -> None:
    """Run `callback` once this session's transaction has committed (e.g. arm a timer for a row just written)."""
    session.info.setdefault(ON_COMMIT, []).append(callback)


def alembic_config(connection: Connection | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    return config


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    for pragma in (
        "journal_mode=WAL",
        "synchronous=NORMAL",
        "foreign_keys=ON",
        "busy_timeout=30000",
        "secure_delete=ON",
    ):
        cursor.execute(f"PRAGMA {pragma}")
    cursor.close()


def _upgrade_to_head(connection: Connection) -> None:
    if connection.dialect.name == "postgresql":
        connection.execute(text("SELECT pg_advisory_xact_lock(:id)"), {"id": MIGRATION_LOCK_ID})
    command.upgrade(alembic_config(connection), "heads")


def _pending(connection: Connection) -> list[str]:
    """Revisions not applied yet, oldest first (capabilities may branch from a common revision)."""
    current = MigrationContext.configure(connection).get_current_heads()
    script = ScriptDirectory.from_config(alembic_config())
    applied = {revision.revision for revision in script.revision_map.iterate_revisions(current, "base") if revision}
    return [
        revision.revision for revision in reversed(list(script.walk_revisions())) if revision.revision not in applied
    ]
