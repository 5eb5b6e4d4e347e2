"""What happened, for assertions: every REST call, every refusal, and a way to await state changes."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from .state import Json


@dataclass
class RestRequest:
    """One REST call the bot made, with the status the emulator answered."""

    method: str
    path: str
    query: dict[str, str]
    json: Any = None
    files: list[tuple[str, bytes]] = field(default_factory=list)
    status: int | None = None
    route: str | None = None

    def __repr__(self) -> str:
        return f"<{self.method} {self.path} → {self.status}>"


@dataclass
class Rejection:
    """A request the emulator refused the way Discord would, with the reason."""

    request: RestRequest
    status: int
    code: int
    message: str
    errors: Json | None = None
    detail: str = ""

    def __str__(self) -> str:
        extra = " ".join(filter(None, [self.detail, str(self.errors) if self.errors else ""]))
        return (
            f"{self.request.method} {self.request.path}: {self.status} code {self.code} {self.message} {extra}".rstrip()
        )


@dataclass
class Violation:
    """A request body the OpenAPI schema refuses."""

    request: RestRequest
    operation: str
    errors: list[str]

    def __str__(self) -> str:
        return f"{self.request.method} {self.request.path} ({self.operation}): {'; '.join(self.errors)}"


BOT_SIDE_POLL = 0.002


class Journal:
    """Records and wakes waiters; `changed()` is called after every state change."""

    def __init__(self) -> None:
        self.requests: list[RestRequest] = []
        self.unknown_requests: list[RestRequest] = []
        self.rejections: list[Rejection] = []
        self.openapi_violations: list[Violation] = []
        self.in_flight = 0
        self.last_activity = time.monotonic()
        self._condition = asyncio.Condition()
        self._pending_notify = False

    def changed(self) -> None:
        """Wake `wait_for` waiters (cheap to call often: one notify per loop turn)."""
        self.last_activity = time.monotonic()
        if self._pending_notify:
            return
        self._pending_notify = True
        asyncio.get_running_loop().call_soon(self._spawn_notify)

    def _spawn_notify(self) -> None:
        self._pending_notify = False
        task = asyncio.get_running_loop().create_task(self._notify())
        _background.add(task)
        task.add_done_callback(_background.discard)

    async def _notify(self) -> None:
        async with self._condition:
            self._condition.notify_all()

    async def wait_for(self, predicate: Callable[[], Any], timeout: float, what: str) -> Any:  # noqa: ASYNC109 (the driver's documented API)
        """Return the predicate's first truthy value; raise AssertionError naming `what` on timeout."""
        value = predicate()
        if value:
            return value
        try:
            async with asyncio.timeout(timeout), self._condition:
                while not (value := predicate()):
                    # Woken by emulator state changes; the short poll also catches bot-side conditions.
                    with contextlib.suppress(TimeoutError):
                        async with asyncio.timeout(BOT_SIDE_POLL):
                            await self._condition.wait()
        except TimeoutError:
            raise AssertionError(f"timed out after {timeout:g} s waiting for {what}") from None
        return value

    async def settle(self, quiet: float, timeout: float) -> None:  # noqa: ASYNC109 (the driver's documented API)
        """Wait until no request is in flight and none arrived for `quiet` seconds."""
        deadline = time.monotonic() + timeout
        while True:
            now = time.monotonic()
            idle_for = now - self.last_activity
            if self.in_flight == 0 and idle_for >= quiet:
                return
            if now > deadline:
                raise AssertionError(f"bot did not settle within {timeout:g} s ({self.in_flight} requests in flight)")
            await asyncio.sleep(max(quiet - idle_for, 0.001))


_background: set[asyncio.Task[None]] = set()
