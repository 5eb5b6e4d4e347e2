"""What was last synced to Discord, per application and scope: a hash of the exact command payload.

Discord rate-limits command updates per day, and global ones take a while to reach every server; syncing at every
start lets a restart loop spend the quota. Agora syncs a scope only when its payload's hash differs from the one
stored here (or when an operator forces it with `python -m bot sync`).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, CleanString, Snowflake, UTCDateTime, insert_or_ignore

GLOBAL_SCOPE = "global"


class CommandSync(Base):
    __tablename__ = "command_syncs"

    application_id: Mapped[int] = mapped_column(Snowflake, primary_key=True, autoincrement=False)
    scope: Mapped[str] = mapped_column(CleanString(40), primary_key=True)  # "global" or "guild:<id>"
    payload_hash: Mapped[str] = mapped_column(CleanString(64))
    synced_at: Mapped[datetime] = mapped_column(UTCDateTime())


def guild_scope(guild_id: int) -> str:
    return f"guild:{guild_id}"


def payload_hash(payload: Sequence[dict[str, Any]]) -> str:
    """SHA-256 of the payload as canonical JSON (keys sorted; the commands keep their order)."""
    text = json.dumps(list(payload), sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()


async def synced(session: AsyncSession, application_id: int) -> dict[str, str]:
    """The hash last synced per scope for this application."""
    rows = await session.scalars(select(CommandSync).where(CommandSync.application_id == application_id))
    return {row.scope: row.payload_hash for row in rows}


async def record_sync(session: AsyncSession, application_id: int, scope: str, digest: str, *, now: datetime) -> None:
    fields = {"payload_hash": digest, "synced_at": now}
    if not await insert_or_ignore(session, CommandSync, application_id=application_id, scope=scope, **fields):
        row = await session.get_one(CommandSync, (application_id, scope))
        row.payload_hash, row.synced_at = digest, now


class SyncState(StrEnum):
    UP_TO_DATE = "up to date"
    CHANGED = "changed since the last sync"
    NEVER = "never synced from this database"


@dataclass(frozen=True)
class ScopeStatus:
    scope: str
    state: SyncState
    synced_at: datetime | None  # the latest sync of this scope, any application


async def sync_status(session: AsyncSession, wanted: dict[str, str]) -> list[ScopeStatus]:
    """For `check`, which knows no application id: a scope is up to date when every application that synced it from
    this database synced the wanted hash."""
    rows = list(await session.scalars(select(CommandSync).where(CommandSync.scope.in_(wanted))))
    statuses = []
    for scope, digest in wanted.items():
        mine = [row for row in rows if row.scope == scope]
        if not mine:
            statuses.append(ScopeStatus(scope, SyncState.NEVER, None))
            continue
        state = SyncState.UP_TO_DATE if all(row.payload_hash == digest for row in mine) else SyncState.CHANGED
        statuses.append(ScopeStatus(scope, state, max(row.synced_at for row in mine)))
    return statuses
