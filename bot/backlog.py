"""Work handed to one background task and done in order (reactions taken back, notices to members): a burst neither
holds up whoever hands it over nor fans out into a burst of concurrent requests to Discord."""

from __future__ import annotations

import asyncio
import logging
from abc import ABC, abstractmethod
from typing import Generic, TypeVar

log = logging.getLogger(__name__)

T = TypeVar("T")


class Backlog(ABC, Generic[T]):
    """`put` items; one worker hands them to `handle` in order, up to `most` at a time, waiting `gather` seconds
    after the first of a batch for others to join it. `idle()` returns once everything put so far is handled."""

    def __init__(self, *, name: str, gather: float = 0.0, most: int = 1) -> None:
        self.name = name
        self.gather = gather
        self.most = most
        self._queue: asyncio.Queue[T] = asyncio.Queue()
        self._outstanding = 0  # items queued or being handled
        self._worker: asyncio.Task[None] | None = None

    @abstractmethod
    async def handle(self, items: list[T]) -> None:
        """Do one batch (a failure is logged; the worker goes on with the next)."""

    def put(self, item: T) -> None:
        self._outstanding += 1
        self._queue.put_nowait(item)
        if self._worker is None or self._worker.done():
            self._worker = asyncio.get_running_loop().create_task(self._work(), name=self.name)

    def busy(self) -> bool:
        return self._outstanding > 0

    async def idle(self) -> None:
        await self._queue.join()

    async def close(self) -> None:
        if self._worker is not None:
            self._worker.cancel()
            await asyncio.gather(self._worker, return_exceptions=True)
            self._worker = None

    async def _work(self) -> None:
        while True:
            batch = [await self._queue.get()]
            if self.gather:
                await asyncio.sleep(self.gather)
            while len(batch) < self.most and not self._queue.empty():
                batch.append(self._queue.get_nowait())
            try:
                await self.handle(batch)
            except Exception:
                log.exception("%s: handling %d item(s) failed", self.name, len(batch))
            finally:
                self._outstanding -= len(batch)
                for _ in batch:
                    self._queue.task_done()
