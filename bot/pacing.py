"""Fan-outs paced under Discord's global rate limit (50 requests a second per bot), instead of storms of 429s.

discord.py only reacts to a global 429 (every request then waits), it does not pace requests ahead of it: a fan-out of
thousands of DMs sent as fast as possible would hit the limit again and again. A `Pacer` hands out evenly spaced send
times, shared by every task that awaits it, a little under the limit so other traffic fits beside it.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from typing import TypeVar

GLOBAL_LIMIT = 50.0  # https://discord.com/developers/docs/topics/rate-limits#global-rate-limit
DEFAULT_RATE = 47.0  # a little under the limit: other requests (and network jitter) fit beside it
WINDOW = 1.0
FIRST_LATENCY = 0.1
MAX_IN_FLIGHT = 16
SMOOTHING = 0.2
CATCH_UP = 5  # turns a late caller may make up at once (the window still bounds them)
WORKERS = 16  # the pacer keeps fewer of them in flight when requests are quick

T = TypeVar("T")
R = TypeVar("R")


class Pacer:
    """At most `rate` calls in any second across everyone awaiting `slot()`, evenly spaced.

    Each grant is counted when it is handed out, over a sliding second: after a stall of the event loop (a busy
    machine) the waiting callers do not all go at once, they resume at the same pace.
    """

    def __init__(self, rate: float = DEFAULT_RATE) -> None:
        self.rate = rate
        self.interval = 1.0 / rate
        self.latency = FIRST_LATENCY  # seconds a request takes, a moving average
        self._next = 0.0
        self._granted: deque[float] = deque()
        self._lock = asyncio.Lock()
        self._in_flight = 0
        self._room = asyncio.Condition()

    def concurrency(self) -> int:
        """Requests in flight needed to keep the pace (Little's law: rate × latency), and no more: extra ones only
        pile up behind a slow moment and then arrive together."""
        return max(2, min(MAX_IN_FLIGHT, math.ceil(self.rate * self.latency) + 1))

    @contextlib.asynccontextmanager
    async def turn(self) -> AsyncIterator[None]:
        """One paced request: wait for room among those in flight, then for a turn; time it."""
        async with self._room:
            await self._room.wait_for(lambda: self._in_flight < self.concurrency())
            self._in_flight += 1
        try:
            await self.slot()
            started = asyncio.get_running_loop().time()
            yield
            self.latency += SMOOTHING * (asyncio.get_running_loop().time() - started - self.latency)
        finally:
            async with self._room:
                self._in_flight -= 1
                self._room.notify_all()

    async def slot(self) -> None:
        """Wait for this caller's turn."""
        loop = asyncio.get_running_loop()
        while True:
            async with self._lock:
                now = loop.time()
                while self._granted and self._granted[0] <= now - WINDOW:
                    self._granted.popleft()
                wait = self._next - now
                if len(self._granted) >= self.rate:
                    wait = max(wait, self._granted[0] + WINDOW - now)
                if wait <= 0:
                    self._granted.append(now)
                    # Turns stay on their grid even when a caller woke late: the window bounds any catching up.
                    self._next = max(self._next + self.interval, now - CATCH_UP * self.interval)
                    return
            await asyncio.sleep(wait)


async def fan_out(
    items: Iterable[T], send: Callable[[T], Awaitable[R]], *, workers: int = WORKERS
) -> AsyncIterator[tuple[T, R]]:
    """Run `send` for every item, a few at a time; yields (item, result) as they finish. `send` makes each request
    inside `Pacer.turn()` (or after `Pacer.slot()`), and must not raise for one recipient's problem (closed DMs…):
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
