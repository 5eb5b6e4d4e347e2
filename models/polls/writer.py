"""The single vote writer: reaction and button events queue up here and reach the database in batches.

One transaction per event tops out near 1,000 votes/s with second-long tails under a burst; one task that drains the
queue every few milliseconds into one transaction (two bulk statements) keeps up with thousands of events per second
(DECISIONS.md, bench/bench_polls.py). Being the only writer of votes, it also applies events in arrival order, which
keeps single-choice replacement exact. A crash loses at most the queue: reconciliation on start recovers it.

When the database cannot be reached (PostgreSQL restarting, connections cut, SQLite locked by another writer past
its busy timeout) the batch is tried again until it can be written, waiting at most `RETRY_DELAYS[-1]` between
tries; events that arrive meanwhile wait in the queue behind it. Any other failure is tried a few times, then
given up (and logged) for the catch-up to recover.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from models.base import database_unreachable, utcnow
from models.polls import service
from models.polls.rules import Outcome, VoteOp

log = logging.getLogger(__name__)

Transaction = Callable[[], AbstractAsyncContextManager[AsyncSession]]
BatchCallback = Callable[[Sequence[tuple[VoteOp, Outcome]]], None]
Item = tuple[VoteOp | None, "asyncio.Future[Outcome | None] | None"]

INTERVAL = 0.002
MAX_BATCH = 5000
RETRY_DELAYS = (0.05, 0.25, 1.0)


class VoteWriter:
    """Queue vote events with `submit` (fire and forget) or `cast` (await the outcome); `flush` waits for both."""

    def __init__(
        self,
        transaction: Transaction,
        *,
        interval: float = INTERVAL,
        max_batch: int = MAX_BATCH,
        on_batch: BatchCallback | None = None,
        clock: Callable[[], datetime] = utcnow,
        retry_delays: Sequence[float] = RETRY_DELAYS,
    ) -> None:
        self.transaction = transaction
        self.interval = interval
        self.max_batch = max_batch
        self.on_batch = on_batch
        self.clock = clock
        self.retry_delays = tuple(retry_delays)
        self.batches = 0
        self.retries = 0  # writes tried again: a database that could not be reached, or a transient failure
        self._known: service.KnownRules = {}
        self._queue: asyncio.Queue[Item] = asyncio.Queue()
        self._lock = asyncio.Lock()
        self._task: asyncio.Task[None] | None = None
        self._unanswered = 0  # events and flushes queued or being written

    def start(self) -> None:
        if self._task is None or self._task.done():
            self._task = asyncio.get_running_loop().create_task(self._run(), name="poll-vote-writer")

    async def stop(self) -> None:
        """Write what is queued, then stop."""
        if self._task is None:
            return
        await self.flush()
        self._task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._task
        self._task = None

    def submit(self, op: VoteOp) -> None:
        self._put((op, None))

    async def cast(self, op: VoteOp) -> Outcome:
        """Queue one event and wait until it is committed; returns what it did."""
        future: asyncio.Future[Outcome | None] = asyncio.get_running_loop().create_future()
        self._put((op, future))
        outcome = await future
        if outcome is None:
            raise RuntimeError("the vote writer answered a vote without an outcome")
        return outcome

    async def flush(self) -> None:
        """Return once every event queued before this call is committed (or failed)."""
        future: asyncio.Future[Outcome | None] = asyncio.get_running_loop().create_future()
        self._put((None, future))
        await future

    def busy(self) -> bool:
        """True while an event is queued or being written."""
        return self._unanswered > 0

    async def idle(self) -> None:
        """Return once nothing is queued or being written (events queued meanwhile included)."""
        while self.busy():
            await self.flush()

    @asynccontextmanager
    async def exclusive(self) -> AsyncIterator[None]:
        """Write everything queued, then hold the writer: no vote lands while e.g. a poll is being closed or deleted.

        The writer reads each poll's rules again afterwards.
        """
        await self.flush()
        async with self._lock:
            try:
                yield
            finally:
                self._known.clear()

    @property
    def pending(self) -> int:
        return self._queue.qsize()

    def _put(self, item: Item) -> None:
        self.start()
        self._unanswered += 1
        self._queue.put_nowait(item)

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

    async def _process(self, batch: list[Item]) -> None:
        ops = [op for op, _ in batch if op is not None]
        try:
            async with self._lock:
                outcomes = await self._write(ops) if ops else []
        except Exception as error:
            log.exception("could not record %d vote event(s); reconciliation on start will recover them", len(ops))
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
                log.exception("the vote batch callback failed")

    async def _write(self, ops: list[VoteOp]) -> list[Outcome]:
        attempt = 0
        while True:
            try:
                async with self.transaction() as session:
                    return await service.apply_votes(session, ops, now=self.clock(), known=self._known)
            except Exception as error:
                unreachable = database_unreachable(error)
                if attempt >= len(self.retry_delays) and not unreachable:
                    raise
                delay = self.retry_delays[min(attempt, len(self.retry_delays) - 1)]
                attempt += 1
                self.retries += 1
                why = "the database cannot be reached" if unreachable else "it failed"
                log.warning("writing %d vote event(s): %s; trying again in %.2f s", len(ops), why, delay, exc_info=True)
                await asyncio.sleep(delay)
