"""One writer for a burst-prone kind of event (poll votes, kudos): events queue up and reach the database in batches.

One transaction per event tops out near 1,000 events/s with second-long tails under a burst; one task that drains the
queue every few milliseconds into one transaction keeps up with thousands of events per second (bench/bench_polls.py,
bench/bench_recognition.py). Being the only writer of its events, it also applies them in arrival order, so a rule
that depends on the events before (single-choice replacement, a daily allowance) holds exactly. A crash loses at
most the queue.

When the database cannot be reached (PostgreSQL restarting, connections cut, SQLite locked by another writer past
its busy timeout) the batch is tried again until it can be written, waiting at most `retry_delays[-1]` between
tries; events that arrive meanwhile wait in the queue behind it. Any other failure is tried a few times, then given
up and logged (each capability says what recovers such events).

A capability subclasses `BatchWriter` with its `apply` (the batch's statements, in the given session) and, when
`apply` caches what it reads between batches, a `reset` that drops that cache.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from abc import ABC, abstractmethod
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from datetime import datetime
from typing import Generic, TypedDict, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession

from models.base import database_unreachable, utcnow

log = logging.getLogger(__name__)

Op = TypeVar("Op")
Outcome = TypeVar("Outcome")
Transaction = Callable[[], AbstractAsyncContextManager[AsyncSession]]

INTERVAL = 0.002  # seconds a batch waits after its first event for others to join it
RETRY_DELAYS = (0.05, 0.25, 1.0)


class Options(TypedDict, Generic[Op, Outcome], total=False):
    """What a capability's writer passes on to `BatchWriter` unchanged (its tests and benchmarks set them)."""

    interval: float
    on_batch: Callable[[Sequence[tuple[Op, Outcome]]], None] | None
    clock: Callable[[], datetime]
    retry_delays: Sequence[float]


class BatchWriter(ABC, Generic[Op, Outcome]):
    """Queue events with `submit` (fire and forget) or `cast` (await the outcome); `flush` waits for both."""

    def __init__(
        self,
        transaction: Transaction,
        *,
        name: str,
        max_batch: int,
        interval: float = INTERVAL,
        on_batch: Callable[[Sequence[tuple[Op, Outcome]]], None] | None = None,
        clock: Callable[[], datetime] = utcnow,
        retry_delays: Sequence[float] = RETRY_DELAYS,
    ) -> None:
        self.transaction = transaction
        self.name = name
        self.max_batch = max_batch
        self.interval = interval
        self.on_batch = on_batch
        self.clock = clock
        self.retry_delays = tuple(retry_delays)
        self.batches = 0
        self.retries = 0  # writes tried again: a database that could not be reached, or a transient failure
        self._queue: asyncio.Queue[tuple[Op | None, asyncio.Future[Outcome | None] | None]] = asyncio.Queue()
        self._lock = asyncio.Lock()
        self._task: asyncio.Task[None] | None = None
        self._unanswered = 0  # events and flushes queued or being written

    @abstractmethod
    async def apply(self, session: AsyncSession, ops: list[Op], now: datetime) -> list[Outcome]:
        """Write one batch in `session`, in order; one outcome per op."""

    def reset(self) -> None:
        """Drop what `apply` cached between batches (after a failed try, or a host holding the writer)."""

    def start(self) -> None:
        if self._task is None or self._task.done():
            self._task = asyncio.get_running_loop().create_task(self._run(), name=self.name)

    async def stop(self) -> None:
        """Write what is queued, then stop."""
        if self._task is None:
            return
        await self.flush()
        self._task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._task
        self._task = None

    def submit(self, op: Op) -> None:
        self._put(op, None)

    async def cast(self, op: Op) -> Outcome:
        """Queue one event and wait until it is committed; returns what it did."""
        future: asyncio.Future[Outcome | None] = asyncio.get_running_loop().create_future()
        self._put(op, future)
        outcome = await future
        if outcome is None:
            raise RuntimeError(f"the {self.name} answered an event without an outcome")
        return outcome

    async def flush(self) -> None:
        """Return once every event queued before this call is committed (or failed)."""
        future: asyncio.Future[Outcome | None] = asyncio.get_running_loop().create_future()
        self._put(None, future)
        await future

    def busy(self) -> bool:
        """True while an event is queued or being written, or the writer is held."""
        return self._unanswered > 0 or self._lock.locked()

    async def idle(self) -> None:
        """Return once nothing is queued or being written (events queued meanwhile included)."""
        while self.busy():
            await self.flush()

    @asynccontextmanager
    async def holding(self) -> AsyncIterator[None]:
        """Write everything queued, then hold the writer: no event lands while a host changes what batches rely on
        (a poll being closed, kudos revoked)."""
        await self.flush()
        async with self._lock:
            yield

    @asynccontextmanager
    async def exclusive(self) -> AsyncIterator[None]:
        """`holding`, and what batches cached is read again afterwards."""
        async with self.holding():
            try:
                yield
            finally:
                self.reset()

    @property
    def pending(self) -> int:
        return self._queue.qsize()

    def _put(self, op: Op | None, future: asyncio.Future[Outcome | None] | None) -> None:
        self.start()
        self._unanswered += 1
        self._queue.put_nowait((op, future))

    async def _run(self) -> None:
        while True:
            batch = [await self._queue.get()]
            if self.interval:
                await asyncio.sleep(self.interval)
            while len(batch) < self.max_batch:
                try:
                    batch.append(self._queue.get_nowait())
                except asyncio.QueueEmpty:
                    break
            try:
                await self._process(batch)
            finally:
                self._unanswered -= len(batch)

    async def _process(self, batch: list[tuple[Op | None, asyncio.Future[Outcome | None] | None]]) -> None:
        ops = [op for op, _ in batch if op is not None]
        try:
            async with self._lock:
                outcomes = await self._write(ops) if ops else []
        except Exception as error:
            log.exception("%s: could not record %d event(s)", self.name, len(ops))
            for _, future in batch:
                if future is not None and not future.done():
                    future.set_exception(error)
            return
        self.batches += 1
        results = iter(outcomes)
        pairs = []
        for op, future in batch:
            outcome = next(results) if op is not None else None
            if op is not None and outcome is not None:
                pairs.append((op, outcome))
            if future is not None and not future.done():
                future.set_result(outcome)
        if self.on_batch is not None and pairs:
            try:
                self.on_batch(pairs)
            except Exception:
                log.exception("%s: the batch callback failed", self.name)

    async def _write(self, ops: list[Op]) -> list[Outcome]:
        attempt = 0
        while True:
            try:
                async with self.transaction() as session:
                    return await self.apply(session, ops, self.clock())
            except Exception as error:
                self.reset()  # a failed batch may have cached what it never committed
                unreachable = database_unreachable(error)
                if attempt >= len(self.retry_delays) and not unreachable:
                    raise
                delay = self.retry_delays[min(attempt, len(self.retry_delays) - 1)]
                attempt += 1
                self.retries += 1
                why = "the database cannot be reached" if unreachable else "it failed"
                log.warning(
                    "%s: writing %d event(s): %s; trying again in %.2f s",
                    *(self.name, len(ops), why, delay),
                    exc_info=True,
                )
                await asyncio.sleep(delay)
