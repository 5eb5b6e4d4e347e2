"""Fan-outs paced under Discord's global rate limit (50 requests a second per bot), instead of storms of 429s.

discord.py only reacts to a global 429 (every request then waits), it does not pace requests ahead of it: a fan-out of
thousands of DMs sent as fast as possible would hit the limit again and again. The bot's one `Pacer` hands out evenly
spaced turns to fan-outs, a little under the limit, and sees every other request the bot makes (`counted`): those are
not spaced, but they count, and wait only when the last second already holds the limit. So no second holds more
requests than Discord allows, whoever makes them.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from contextvars import ContextVar
from typing import TypeVar

GLOBAL_LIMIT = 50.0  # https://discord.com/developers/docs/topics/rate-limits#global-rate-limit
DEFAULT_RATE = 48.0  # a little under the limit: other requests fit beside it (late arrivals are counted for)
WINDOW = 1.0
FIRST_LATENCY = 0.1
MAX_IN_FLIGHT = 16
SMOOTHING = 0.2
CATCH_UP = 5  # turns a late caller may make up at once (the window still bounds them)
WORKERS = 16  # the pacer keeps fewer of them in flight when requests are quick

T = TypeVar("T")
R = TypeVar("R")

_IN_TURN: ContextVar[bool] = ContextVar("agora_paced_turn", default=False)


class Pacer:
    """At most `rate` requests in any second across everyone in a `turn()`, evenly spaced.

    Discord counts a request when it arrives, which may be well after it was handed its turn (a busy machine holds
    requests back, then they leave together). So a `turn()` counts from its grant until its answer, and for a
    second after that: however late the requests arrive, no second holds more than `rate` of them. (A bare wait
    for a turn before the request, counted for a second from its grant, let a late request share a second with the
    next ones: a fan-out with two such requests beside it met Discord's 429.)
    """

    def __init__(self, rate: float = DEFAULT_RATE, limit: float = GLOBAL_LIMIT) -> None:
        self.rate = rate
        self.limit = limit
        self.interval = 1.0 / rate
        self.latency = FIRST_LATENCY  # seconds a request takes, a moving average
        self._next = 0.0
        self._counted: deque[float] = deque()  # when recent requests were answered
        self._unanswered = 0  # turns granted whose answer has not come
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
        loop = asyncio.get_running_loop()
        async with self._room:
            await self._room.wait_for(lambda: self._in_flight < self.concurrency())
            self._in_flight += 1
        try:
            await self._grant(self.rate, spaced=True)
            started = loop.time()
            paced = _IN_TURN.set(True)  # the turn's request is counted here, not again by `counted`
            try:
                yield
            finally:
                _IN_TURN.reset(paced)
                self._answered(loop.time())
            self.latency += SMOOTHING * (loop.time() - started - self.latency)
        finally:
            async with self._room:
                self._in_flight -= 1
                self._room.notify_all()

    @contextlib.asynccontextmanager
    async def counted(self) -> AsyncIterator[None]:
        """Any other request of the bot (a reply, a post, a role): not spaced, but counted like a turn, so turns leave
        it room; it waits only while the last second already holds Discord's limit."""
        if _IN_TURN.get():
            yield
            return
        await self._grant(self.limit, spaced=False)
        try:
            yield
        finally:
            self._answered(asyncio.get_running_loop().time())

    def _answered(self, now: float) -> None:
        self._unanswered -= 1
        self._counted.append(now)

    async def _grant(self, limit: float, *, spaced: bool) -> None:
        """Wait until fewer than `limit` requests were answered in the last second or are under way; turns (`spaced`)
        also keep their interval."""
        loop = asyncio.get_running_loop()
        while True:
            async with self._lock:
                now = loop.time()
                while self._counted and self._counted[0] <= now - WINDOW:
                    self._counted.popleft()
                wait = self._next - now if spaced else 0.0
                if len(self._counted) + self._unanswered >= limit:
                    oldest = self._counted[0] + WINDOW - now if self._counted else self.interval
                    wait = max(wait, oldest)
                if wait <= 0:
                    self._unanswered += 1
                    if spaced:
                        # Turns stay on their grid even when a caller woke late: the window bounds any catching up.
                        self._next = max(self._next + self.interval, now - CATCH_UP * self.interval)
                    return
            await asyncio.sleep(wait)


async def fan_out(
    items: Iterable[T], send: Callable[[T], Awaitable[R]], *, workers: int = WORKERS
) -> AsyncIterator[tuple[T, R]]:
    """Run `send` for every item, a few at a time; yields (item, result) as they finish. `send` makes each request
    inside `Pacer.turn()`, and must not raise for one recipient's problem (closed DMs…):
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
