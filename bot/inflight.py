"""Work a cog starts in the background (event handlers, catch-up), tracked so unloading lets it finish first.

discord.py runs each event handler as its own task and does not wait for them on close; a handler still writing when
the database closes would fail. A cog wraps its handlers in `inflight.tracked()` and drains in `cog_unload`.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterator
from typing import Any


class Inflight:
    """Event handlers and background work of a cog, so unloading lets them finish before the database closes."""

    def __init__(self) -> None:
        self.tasks: set[asyncio.Task[Any]] = set()

    @contextlib.contextmanager
    def tracked(self) -> Iterator[None]:
        task = asyncio.current_task()
        if task is not None:
            self.tasks.add(task)
        try:
            yield
        finally:
            if task is not None:
                self.tasks.discard(task)

    def start(self, coroutine: Any, name: str) -> asyncio.Task[Any]:
        task = asyncio.get_running_loop().create_task(coroutine, name=name)
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)
        return task

    def running(self) -> set[asyncio.Task[Any]]:
        """Tracked tasks not finished yet (the calling task aside: a handler may wait for the others)."""
        return {task for task in self.tasks if not task.done() and task is not asyncio.current_task()}

    async def idle(self) -> None:
        """Return once every tracked task has finished, including those they started meanwhile."""
        while pending := self.running():
            await asyncio.wait(pending)

    async def drain(self, timeout: float = 5.0) -> None:  # noqa: ASYNC109 (a bound on shutdown, not an API timeout)
        """Wait for running work (a few seconds at most), then cancel what is left."""
        pending = self.running()
        if not pending:
            return
        _, late = await asyncio.wait(pending, timeout=timeout)
        for task in late:
            task.cancel()
        if late:
            await asyncio.wait(late)
