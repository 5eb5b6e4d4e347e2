"""The single kudos writer: reactions, the message command and `/kudos give` queue here and reach the database in
batches, the approach poll votes use (see `models.polls.writer`).

A burst of reactions would otherwise be one transaction each: a thousand a second at best, with second-long tails.
One task drains the queue every few milliseconds into one transaction, where `kudos.apply_kudos` decides every event
in arrival order against today's counts read once — so the allowance, the per-member cap and back-thanks hold
exactly under a burst, with no race between two events of the same giver. A crash loses at most the queue.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from models.base import utcnow
from models.recognition.kudos import KnownRules, KudosOp, Outcome, apply_kudos

log = logging.getLogger(__name__)

Transaction = Callable[[], AbstractAsyncContextManager[AsyncSession]]
BatchCallback = Callable[[Sequence[tuple[KudosOp, Outcome]]], None]
Item = tuple[KudosOp | None, "asyncio.Future[Outcome | None] | None"]

INTERVAL = 0.002
MAX_BATCH = 20_000
RETRY_DELAYS = (0.05, 0.25, 1.0)
# Servers' rules are read again this often (seconds): what a host changes elsewhere (`/agora timezone`) is seen soon.
RULES_TTL = 60.0


class KudosWriter:
    """Queue events with `submit` (fire and forget) or `cast` (await the outcome); `flush` waits for both."""

    def __init__(
        self,
        transaction: Transaction,
        *,
        default_zone: str,
        interval: float = INTERVAL,
        max_batch: int = MAX_BATCH,
        on_batch: BatchCallback | None = None,
        clock: Callable[[], datetime] = utcnow,
        retry_delays: Sequence[float] = RETRY_DELAYS,
        rules_ttl: float = RULES_TTL,
    ) -> None:
        self.transaction = transaction
        self.default_zone = default_zone
        self.interval = interval
        self.max_batch = max_batch
        self.on_batch = on_batch
        self.clock = clock
        self.retry_delays = tuple(retry_delays)
        self.rules_ttl = rules_ttl
        self._rules_read_at = time.monotonic()
        self.batches = 0
        self._known: KnownRules = {}
        self._outstanding = 0  # events queued or being written
        self._queue: asyncio.Queue[Item] = asyncio.Queue()
        self._lock = asyncio.Lock()
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        if self._task is None or self._task.done():
            self._task = asyncio.get_running_loop().create_task(self._run(), name="kudos-writer")

    async def stop(self) -> None:
        """Write what is queued, then stop."""
        if self._task is None:
            return
        await self.flush()
        self._task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._task
        self._task = None

    def submit(self, op: KudosOp) -> None:
        self.start()
        self._put((op, None))

    async def cast(self, op: KudosOp) -> Outcome:
        """Queue one event and wait until it is committed; returns what it did."""
        self.start()
        future: asyncio.Future[Outcome | None] = asyncio.get_running_loop().create_future()
        self._put((op, future))
        outcome = await future
        if outcome is None:
            raise RuntimeError("the kudos writer answered an event without an outcome")
        return outcome

    async def flush(self) -> None:
        """Return once every event queued before this call is committed (or failed)."""
        self.start()
        future: asyncio.Future[Outcome | None] = asyncio.get_running_loop().create_future()
        self._put((None, future))
        await future

    def forget(self, guild_id: int) -> None:
        """A host changed the server's rules: read them again at the next batch."""
        self._known.pop(guild_id, None)

    @asynccontextmanager
    async def exclusive(self, guild_id: int | None = None) -> AsyncIterator[None]:
        """Write everything queued, then hold the writer while a host changes what batches rely on (a revoke, a
        reset, an exclusion); the server's rules are read again afterwards."""
        await self.flush()
        async with self._lock:
            try:
                yield
            finally:
                if guild_id is None:
                    self._known.clear()
                else:
                    self.forget(guild_id)

    @property
    def pending(self) -> int:
        return self._queue.qsize()

    def busy(self) -> bool:
        return self._outstanding > 0 or self._lock.locked()

    def _put(self, item: Item) -> None:
        self._outstanding += 1
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
                self._outstanding -= len(batch)

    async def _process(self, batch: list[Item]) -> None:
        ops = [op for op, _ in batch if op is not None]
        try:
            async with self._lock:
                outcomes = await self._write(ops) if ops else []
        except Exception as error:
            log.exception("could not record %d kudos event(s)", len(ops))
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
                log.exception("the kudos batch callback failed")

    async def _write(self, ops: list[KudosOp]) -> list[Outcome]:
        if time.monotonic() - self._rules_read_at >= self.rules_ttl:
            self._known.clear()
            self._rules_read_at = time.monotonic()
        for delay in (*self.retry_delays, None):
            try:
                async with self.transaction() as session:
                    return await apply_kudos(
                        session, ops, now=self.clock(), default_zone=self.default_zone, known=self._known
                    )
            except Exception:
                self._known.clear()  # a failed batch may have cached rules it never committed
                if delay is None:
                    raise
                log.warning("writing %d kudos event(s) failed; retrying in %.2f s", len(ops), delay, exc_info=True)
                await asyncio.sleep(delay)
        raise AssertionError("unreachable")
