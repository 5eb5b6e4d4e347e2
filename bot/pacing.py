"""Fan-outs paced under Discord's global rate limit (50 requests a second per bot), instead of storms of 429s.

discord.py only reacts to a global 429 (every request then waits), it does not pace requests ahead of it: a fan-out of
thousands of DMs sent as fast as possible would hit the limit again and again. A `Pacer` hands out evenly spaced send
times, shared by every task that awaits it, a little under the limit so other traffic fits beside it.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from typing import TypeVar

GLOBAL_LIMIT = 50.0  # https://discord.com/developers/docs/topics/rate-limits#global-rate-limit
DEFAULT_RATE = 48.0
WORKERS = 8

T = TypeVar("T")
R = TypeVar("R")


class Pacer:
    """At most `rate` calls a second across everyone awaiting `slot()`, evenly spaced."""

    def __init__(self, rate: float = DEFAULT_RATE) -> None:
        self.interval = 1.0 / rate
        self._next = 0.0
        self._lock = asyncio.Lock()

    async def slot(self) -> None:
        """Wait for this caller's turn."""
        async with self._lock:
            loop = asyncio.get_running_loop()
            now = loop.time()
            turn = max(now, self._next)
            self._next = turn + self.interval
        if turn > now:
            await asyncio.sleep(turn - now)


async def fan_out(
    items: Iterable[T], send: Callable[[T], Awaitable[R]], *, workers: int = WORKERS
) -> AsyncIterator[tuple[T, R]]:
    """Run `send` for every item, a few at a time; yields (item, result) as they finish. `send` awaits
    `Pacer.slot()` before each request it makes, and must not raise for one recipient's problem (closed DMs…):
    it returns what happened instead.
    """
    queue: asyncio.Queue[T] = asyncio.Queue()
    for item in items:
        queue.put_nowait(item)
    results: asyncio.Queue[tuple[T, R] | None] = asyncio.Queue()

    async def work() -> None:
        try:
            while not queue.empty():
                item = queue.get_nowait()
                results.put_nowait((item, await send(item)))
        finally:
            results.put_nowait(None)

    tasks = [asyncio.create_task(work()) for _ in range(max(1, min(workers, queue.qsize())))]
    try:
        running = len(tasks)
        while running:
            got = await results.get()
            if got is None:
                running -= 1
            else:
                yield got
        for task in tasks:
            task.result()  # a worker that failed raises here
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
