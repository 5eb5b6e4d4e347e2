"""`python -m tests.postgres create|drop URL`: a fresh PostgreSQL database for one CI run."""

from __future__ import annotations

import asyncio
import sys

from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine


async def create_or_drop(action: str, url: str) -> None:
    target = make_url(url)
    server = create_async_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
    statement = (
        f'CREATE DATABASE "{target.database}"'
        if action == "create"
        else f'DROP DATABASE IF EXISTS "{target.database}" WITH (FORCE)'
    )
    async with server.connect() as connection:
        await connection.execute(text(statement))
    await server.dispose()


if __name__ == "__main__":
    asyncio.run(create_or_drop(sys.argv[1], sys.argv[2]))
