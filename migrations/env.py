"""Alembic environment: runs on the connection the bot hands over, or on its own engine from the command line."""

from __future__ import annotations

import asyncio
import os
from typing import Literal

from alembic import context
from alembic.autogenerate.api import AutogenContext
from sqlalchemy import Connection
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.types import TypeDecorator

import models.registry  # imports every table so autogenerate sees them
from models.base import Base

target_metadata = Base.metadata


def render_item(type_: str, obj: object, autogen_context: AutogenContext) -> str | Literal[False]:
    """Migrations spell our column types (UTCDateTime, CleanString…) in plain SQLAlchemy, so they never import model
    code: each is its SQL type, as `sa.DateTime(timezone=True)` or `sa.String(length=300)`."""
    if type_ == "type" and isinstance(obj, TypeDecorator):
        return f"sa.{obj.impl_instance!r}"
    return False


def run_on(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
        render_item=render_item,
        include_object=models.registry.include_object,
    )
    with context.begin_transaction():
        context.run_migrations()


async def run_standalone() -> None:
    url = os.environ.get("AGORA_DATABASE__URL") or context.config.get_main_option("sqlalchemy.url")
    if not url:
        raise SystemExit("set AGORA_DATABASE__URL to the database to migrate (or use `python -m bot migrate`)")
    engine = create_async_engine(url)
    async with engine.begin() as connection:
        await connection.run_sync(run_on)
    await engine.dispose()


connection = context.config.attributes.get("connection")
if connection is not None:
    run_on(connection)
else:
    asyncio.run(run_standalone())
