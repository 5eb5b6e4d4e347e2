"""A server's setting that every reaction needs (the kudos reaction, the helpful emoji), read from the database once.

A burst of reactions must not cost a transaction each just to learn that the emoji is not the one a capability
counts. Values stay until the capability `forget`s them after a host changes the setting: a server's events and
commands reach the one process that runs its shard, so that process's copy is the only one to keep true.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Generic, TypeVar

K = TypeVar("K")
V = TypeVar("V")


class ReadOnce(Generic[K, V]):
    """Values by key, read by `read` the first time they are asked for; concurrent first readers share the read."""

    def __init__(self, read: Callable[[K], Awaitable[V]]) -> None:
        self._read = read
        self._values: dict[K, V] = {}
        self._reads: dict[K, asyncio.Future[V]] = {}

    async def get(self, key: K) -> V:
        if key in self._values:
            return self._values[key]
        reading = self._reads.get(key)
        if reading is None:
            reading = self._reads[key] = asyncio.ensure_future(self._read_and_keep(key))
        return await asyncio.shield(reading)

    def known(self, key: K) -> V | None:
        """The value if it was read already (for a decision that cannot wait), else None."""
        return self._values.get(key)

    def forget(self, key: K) -> None:
        """The value changed: read it again next time (a read under way answers its askers but is not kept)."""
        self._values.pop(key, None)
        self._reads.pop(key, None)

    async def _read_and_keep(self, key: K) -> V:
        ours = asyncio.current_task()
        try:
            value = await self._read(key)
            if self._reads.get(key) is ours:  # not forgotten meanwhile
                self._values[key] = value
            return value
        finally:
            if self._reads.get(key) is ours:
                del self._reads[key]
