"""Announcements redrawn at most once per occurrence every few seconds, the latest counts always shown.

Discord allows about five edits per five seconds in a channel: a burst of RSVPs becomes one edit at once and one
trailing edit, which reads the database when it runs.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

log = logging.getLogger(__name__)

INTERVAL = 2.0


class Redraws:
    def __init__(self, redraw: Callable[[int], Awaitable[None]], interval: float = INTERVAL) -> None:
        self.redraw = redraw
        self.interval = interval
        self._last: dict[int, float] = {}
        self._pending: dict[int, asyncio.Task[None]] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        # One redraw of an occurrence at a time: a later one reads the database after the earlier one's edits went
        # out, so the posts always end on the latest state.
        self._locks: dict[int, asyncio.Lock] = {}

    def touch(self, occurrence_id: int) -> None:
        """Something changed: redraw now, or once the interval since the last redraw has passed."""
        if occurrence_id in self._pending:
            return
        loop = asyncio.get_running_loop()
        wait = max(0.0, self._last.get(occurrence_id, -self.interval) + self.interval - loop.time())
        task = loop.create_task(self._run(occurrence_id, wait), name=f"redraw-{occurrence_id}")
        self._pending[occurrence_id] = task
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _run(self, occurrence_id: int, wait: float) -> None:
        try:
            if wait:
                await asyncio.sleep(wait)
            lock = self._locks.setdefault(occurrence_id, asyncio.Lock())
            async with lock:
                self._last[occurrence_id] = asyncio.get_running_loop().time()
                self._pending.pop(occurrence_id, None)  # a change from here on asks for another redraw
                await self.redraw(occurrence_id)
        except Exception:
            log.exception("redrawing the announcements of occurrence %s failed", occurrence_id)
        finally:
            if self._pending.get(occurrence_id) is asyncio.current_task():
                del self._pending[occurrence_id]
            if len(self._last) > 4096:
                self._last.clear()
            if not self._tasks - {asyncio.current_task()}:
                self._locks.clear()

    def busy(self) -> bool:
        return any(not task.done() for task in self._tasks)

    async def idle(self) -> None:
        while running := [task for task in self._tasks if not task.done()]:
            await asyncio.wait(running)

    async def drain(self) -> None:
        """Redraws still waiting are dropped (the next start redraws nothing: posts show the last state written)."""
        for task in list(self._pending.values()):
            task.cancel()
        await self.idle()
