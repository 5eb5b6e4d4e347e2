"""`bot.read_once.ReadOnce`: a server's setting read once, however many events ask for it at the same moment."""

from __future__ import annotations

import asyncio

import pytest

from bot.read_once import ReadOnce


class Setting:
    """A stand-in for the database: counts reads, answers when released."""

    def __init__(self, value: str) -> None:
        self.value = value
        self.reads = 0
        self.release = asyncio.Event()

    async def read(self, guild_id: int) -> str:
        self.reads += 1
        await self.release.wait()
        return f"{self.value}:{guild_id}"


async def test_concurrent_first_readers_share_one_read_and_later_ones_none() -> None:
    setting = Setting("👍")
    cache = ReadOnce(setting.read)
    waiting = [asyncio.ensure_future(cache.get(1)) for _ in range(50)]
    await asyncio.sleep(0)
    assert cache.known(1) is None
    setting.release.set()
    assert set(await asyncio.gather(*waiting)) == {"👍:1"}
    assert await cache.get(1) == "👍:1" and cache.known(1) == "👍:1"
    assert setting.reads == 1


async def test_a_change_forgotten_during_a_read_is_read_again() -> None:
    setting = Setting("👍")
    cache = ReadOnce(setting.read)
    stale = asyncio.ensure_future(cache.get(1))
    await asyncio.sleep(0)
    setting.value = "⭐"
    cache.forget(1)  # a host changed it while the old value was being read
    setting.release.set()
    assert await stale == "⭐:1"  # the read under way answers its askers…
    assert cache.known(1) is None  # …but is not kept: it may have read the old value
    assert await cache.get(1) == "⭐:1" and setting.reads == 2


async def test_a_failed_read_is_not_kept() -> None:
    attempts = 0

    async def read(guild_id: int) -> int:
        nonlocal attempts
        attempts += 1
        if attempts == 1:
            raise ConnectionError("database away")
        return guild_id

    cache = ReadOnce(read)
    with pytest.raises(ConnectionError):
        await cache.get(7)
    assert await cache.get(7) == 7 and attempts == 2
