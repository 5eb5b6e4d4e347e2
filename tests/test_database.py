"""The schema: migrations build it from nothing and match the models; a transaction is all or nothing."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Connection, select, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import create_async_engine

import models.registry  # every table, as Alembic sees them, and what only migrations make
from bot.database import Database, on_commit
from models.base import Base, database_unreachable
from models.guild_settings import GuildSettings


async def test_migrations_upgrade_from_empty_and_match_the_models(database_url: str) -> None:
    database = Database(database_url)
    assert await database.pending_migrations() != []
    await database.migrate()
    assert await database.pending_migrations() == []

    def differences(connection: Connection) -> list[object]:
        options = {"compare_type": True, "include_object": models.registry.include_object}
        context = MigrationContext.configure(connection, opts=options)
        return list(compare_metadata(context, Base.metadata))

    async with database.engine.connect() as connection:
        assert await connection.run_sync(differences) == []
    await database.migrate()  # a second run is a no-op
    await database.dispose()


async def test_sqlite_gets_wal_foreign_keys_busy_timeout_and_secure_delete(db: Database) -> None:
    if db.dialect != "sqlite":
        pytest.skip("SQLite only")
    async with db.engine.connect() as connection:
        assert (await connection.execute(text("PRAGMA journal_mode"))).scalar() == "wal"
        assert (await connection.execute(text("PRAGMA foreign_keys"))).scalar() == 1
        assert (await connection.execute(text("PRAGMA busy_timeout"))).scalar() == 30000
        assert (await connection.execute(text("PRAGMA secure_delete"))).scalar() == 1  # deleted rows are zeroed


async def test_transaction_rolls_back_on_error_and_runs_callbacks_only_on_commit(db: Database) -> None:
    called: list[str] = []
    with pytest.raises(RuntimeError):
        async with db.transaction() as session:
            session.add(GuildSettings(guild_id=1, locale="en"))
            on_commit(session, lambda: called.append("rolled back"))
            await session.flush()
            raise RuntimeError("boom")
    async with db.transaction() as session:
        assert await session.get(GuildSettings, 1) is None
        session.add(GuildSettings(guild_id=2, locale="fr", updated_at=datetime(2026, 1, 1, tzinfo=UTC)))
        on_commit(session, lambda: called.append("committed"))
    assert called == ["committed"]
    async with db.transaction() as session:
        row = await session.scalar(select(GuildSettings).where(GuildSettings.guild_id == 2))
        assert row is not None and row.updated_at == datetime(2026, 1, 1, tzinfo=UTC)


async def test_naive_datetimes_are_refused(db: Database) -> None:
    with pytest.raises(Exception, match="naive datetime"):
        async with db.transaction() as session:
            session.add(GuildSettings(guild_id=3, updated_at=datetime(2026, 1, 1)))  # noqa: DTZ001


async def test_only_a_database_out_of_reach_is_worth_trying_again(db: Database) -> None:
    """Writers and live edits wait for a database that is away; a wrong statement is a bug, raised at once."""
    with pytest.raises(DBAPIError) as wrong:
        async with db.transaction() as session:
            await session.execute(text("SELECT no_such_column FROM guild_settings"))
    assert not database_unreachable(wrong.value)
    assert database_unreachable(ConnectionRefusedError())
    if db.dialect != "postgresql":
        return
    name = db.engine.url.database
    server = create_async_engine(db.engine.url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    async with server.connect() as connection:
        await connection.execute(text(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false'))
    try:
        refused = Database(db.engine.url.render_as_string(hide_password=False))
        with pytest.raises(DBAPIError) as away:
            async with refused.transaction() as session:
                await session.execute(text("SELECT 1"))
        await refused.dispose()
        assert database_unreachable(away.value)
    finally:
        async with server.connect() as connection:
            await connection.execute(text(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true'))
        await server.dispose()
