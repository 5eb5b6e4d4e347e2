"""Which servers a process owns when Agora runs as several processes, each with some of Discord's shards.

Discord sends a server's events to shard `(guild_id >> 22) % shard_count` only
(https://discord.com/developers/docs/events/gateway#sharding), so everything of one server — its events, its
interactions, its scheduled jobs, its catch-up after downtime — is handled by the process holding that shard. Work
without a server (DMs, global jobs) belongs to the process holding shard 0, as DMs do on Discord.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, and_, false, literal_column, or_, true
from sqlalchemy.orm import InstrumentedAttribute

SHARD_SHIFT = 22  # a snowflake's bits below its timestamp


def shard_of(guild_id: int, shard_count: int) -> int:
    return (guild_id >> SHARD_SHIFT) % shard_count


@dataclass(frozen=True)
class Shards:
    """The shards one process runs, out of `count`; `ids` None means all of them (a single process)."""

    count: int = 1
    ids: frozenset[int] | None = None

    @property
    def mine(self) -> frozenset[int]:
        return frozenset(range(self.count)) if self.ids is None else self.ids

    @property
    def everything(self) -> bool:
        return len(self.mine) >= self.count

    @property
    def first(self) -> bool:
        """Whether this process holds shard 0: it alone does what is done once per bot (syncing commands)."""
        return 0 in self.mine

    def owns(self, guild_id: int | None) -> bool:
        if self.everything:
            return True
        return self.first if guild_id is None else shard_of(guild_id, self.count) in self.mine

    def clause(self, guild_id: InstrumentedAttribute[Any]) -> ColumnElement[bool]:
        """`owns()` as SQL on a guild id column (`>>` and `%` read the same on SQLite and PostgreSQL)."""
        if self.everything:
            return true()
        mine = (guild_id.op(">>")(literal_column(str(SHARD_SHIFT))) % self.count).in_(sorted(self.mine))
        return or_(and_(guild_id.is_not(None), mine), guild_id.is_(None) if self.first else false())
