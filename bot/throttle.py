"""Live edits of a message that follows changing data (a poll's counts, a leaderboard), within Discord's rate limits.

Discord allows about 5 edits per 5 seconds in a channel: a message redrawn on every change would soon be held back by
rate limits, and members would read stale counts. `LiveEdits` redraws each key at most once per interval and always
ends with a redraw after the last change, so the message settles on the latest state. A redraw that failed for a
passing reason (Discord's 429 after discord.py's own tries, a 5xx, the database away for a moment) is tried again
after the interval, a few times, so a storm does not leave the message on a stale count.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Hashable
from typing import Generic, TypeVar

import discord

from models.base import database_unreachable

log = logging.getLogger(__name__)

RETRIES = 5  # redraws tried again in a row after passing failures, before waiting for the next change

K = TypeVar("K", bound=Hashable)


class LiveEdits(Generic[K]):
    """Redraw each key at most once per `interval` seconds, always ending with the latest state (a trailing edit)."""

    def __init__(self, interval: float, redraw: Callable[[K], Awaitable[None]], *, name: str = "live-edit") -> None:
        self.interval = interval
        self.redraw = redraw
        self.name = name
        self._last: dict[K, float] = {}
        self._dirty: set[K] = set()
        self._tasks: dict[K, asyncio.Task[None]] = {}  # key → its redraws, waiting or running
        self._running: set[asyncio.Task[None]] = set()  # every task not finished yet, cancelled ones included
        self._drawing: set[K] = set()
        self._closed = False

    def touch(self, key: K) -> None:
        """The data behind `key` changed: redraw now if the last redraw is old enough, else once the interval ends."""
        if self._closed:
            return
        if key in self._tasks:
            self._dirty.add(key)
            return
        task = asyncio.get_running_loop().create_task(self._run(key), name=f"{self.name}-{key}")
        self._tasks[key] = task
        self._running.add(task)
        task.add_done_callback(self._running.discard)

    def cancel(self, key: K) -> None:
        """Stop redrawing `key` (e.g. its message is final); a redraw may cancel its own key."""
        task = self._tasks.pop(key, None)
        if task is not None and task is not asyncio.current_task():
            task.cancel()
        self._dirty.discard(key)
        self._last.pop(key, None)

    async def stop(self, key: K) -> None:
        """Stop redrawing `key` before drawing its final state: a redraw that waits is dropped, one already running
        is waited for (cancelling it could cut a database transaction, and its edit must land before the final one)."""
        task = self._tasks.get(key)
        if task is not None and key in self._drawing and task is not asyncio.current_task():
            self._dirty.discard(key)
            await asyncio.gather(task, return_exceptions=True)
        self.cancel(key)

    def busy(self) -> bool:
        return bool(self._running - {asyncio.current_task()})

    async def idle(self) -> None:
        """Return once no redraw is due or running (trailing edits included)."""
        while running := self._running - {asyncio.current_task()}:
            await asyncio.wait(running)

    async def close(self) -> None:
        """Drop the redraws that wait; let one already running finish (it may be inside a database transaction)."""
        self._closed = True
        tasks = list(self._tasks.values())
        for key in [key for key in self._tasks if key not in self._drawing]:
            self.cancel(key)
        await asyncio.gather(*tasks, return_exceptions=True)

    async def _run(self, key: K) -> None:
        loop = asyncio.get_running_loop()
        failures = 0
        try:
            while True:
                wait = self._last.get(key, -self.interval) + self.interval - loop.time()
                if wait > 0:
                    await asyncio.sleep(wait)
                self._dirty.discard(key)
                self._drawing.add(key)
                try:
                    await self.redraw(key)
                    failures = 0
                except Exception as error:
                    if not passing(error):
                        log.exception("live edit %s-%s failed", self.name, key)
                    elif failures < RETRIES:
                        failures += 1
                        self._dirty.add(key)
                        log.warning("live edit %s-%s failed (%s); trying again", self.name, key, error)
                    else:
                        log.warning("live edit %s-%s failed again (%s); until the next change", self.name, key, error)
                finally:
                    self._drawing.discard(key)
                self._last[key] = loop.time()
                if key not in self._dirty or self._closed:
                    return
        finally:
            if self._tasks.get(key) is asyncio.current_task():
                del self._tasks[key]


def passing(error: Exception) -> bool:
    """Whether a redraw failed for a reason that goes away by itself (rate limited, Discord's 5xx, database away)."""
    if isinstance(error, discord.HTTPException):
        return error.status == 429 or error.status >= 500
    return database_unreachable(error)
