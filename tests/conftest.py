"""Shared fixtures: a real database per test (a SQLite file, or a fresh PostgreSQL database when configured)."""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

from bot.database import Database

# Set by .ci/run when PostgreSQL answers; each test then gets a database of its own on that server.
POSTGRES_URL = os.environ.get("AGORA_TEST_DATABASE_URL", "")


@pytest.fixture
async def database_url(tmp_path: Path) -> AsyncIterator[str]:
    if not POSTGRES_URL:
        yield f"sqlite+aiosqlite:///{tmp_path / 'agora.db'}"
        return
    name = f"agora_test_{uuid.uuid4().hex[:12]}"
    server = create_async_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    async with server.connect() as connection:
        await connection.execute(text(f'CREATE DATABASE "{name}"'))
    yield make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)
    async with server.connect() as connection:
        await connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    await server.dispose()


@pytest.fixture
async def db(database_url: str) -> AsyncIterator[Database]:
    """A migrated database, as the bot has it after start-up."""
    database = Database(database_url)
    await database.migrate()
    yield database
    await database.dispose()
