"""Switchable REST faults: 429s (per route or global), 5xx and slow answers, each for the next N matching calls."""

from __future__ import annotations

import asyncio
import fnmatch
import json
from collections.abc import Callable
from dataclasses import dataclass, field

from aiohttp import web


@dataclass
class Fault:
    """Answer the next `times` calls matching `method` and the glob `path` (e.g. "/channels/*/messages")."""

    method: str
    path: str
    status: int
    times: int
    retry_after: float = 0.0
    is_global: bool = False
    hits: int = 0
    code: int = 0  # a JSON error code: the call is refused as Discord refuses one (403 Missing Permissions…)
    message: str = ""

    def matches(self, method: str, path: str) -> bool:
        return self.hits < self.times and self.method in ("*", method) and fnmatch.fnmatchcase(path, self.path)

    def response(self) -> web.Response:
        """Discord's 429 body and headers (https://discord.com/developers/docs/topics/rate-limits)."""
        self.hits += 1
        if self.code:
            refusal = json.dumps({"message": self.message, "code": self.code}).encode()
            return web.Response(status=self.status, body=refusal, headers={"Content-Type": "application/json"})
        if self.status != 429:
            return web.Response(status=self.status, text="upstream error", content_type="text/plain")
        body = {"message": "You are being rate limited.", "retry_after": self.retry_after, "global": self.is_global}
        headers = {
            # discord.py treats a 429 without Via as a Cloudflare ban and does not retry.
            "Via": "1.1 google",
            "Retry-After": str(max(1, round(self.retry_after))),
            "X-RateLimit-Scope": "global" if self.is_global else "user",
        }
        if self.is_global:
            headers["X-RateLimit-Global"] = "true"
        else:
            headers.update(
                {
                    "X-RateLimit-Limit": "5",
                    "X-RateLimit-Remaining": "0",
                    "X-RateLimit-Reset-After": str(self.retry_after),
                }
            )
        return web.Response(
            status=429, body=json.dumps(body).encode(), headers={**headers, "Content-Type": "application/json"}
        )


@dataclass
class Delay:
    """Hold the next `times` calls matching `method` and the glob `path` for `seconds`, or until the test sets the
    `until` event: REST latency.

    By default the answer is held (a slow way back): it says what Discord held when the call arrived, and gateway
    events sent meanwhile reach the bot first. With `request` the call itself is held (a slow way in): Discord
    handles it only once released, so what happens meanwhile comes before it.
    """

    method: str
    path: str
    times: int
    seconds: float = 0.0
    until: asyncio.Event | None = None
    request: bool = False
    hits: int = 0
    holding: int = 0

    def matches(self, method: str, path: str) -> bool:
        return self.hits < self.times and self.method in ("*", method) and fnmatch.fnmatchcase(path, self.path)

    async def hold(self, changed: Callable[[], None]) -> None:
        """Keep one call or answer back; `holding` counts those held right now (tests wait on it)."""
        self.holding += 1
        changed()
        try:
            if self.until is not None:
                await self.until.wait()
            else:
                await asyncio.sleep(self.seconds)
        finally:
            self.holding -= 1
            changed()


@dataclass
class Faults:
    """The active faults; a test adds them and they expire after their count."""

    active: list[Fault] = field(default_factory=list)
    delays: list[Delay] = field(default_factory=list)

    def rate_limit(
        self, method: str, path: str, *, retry_after: float = 0.05, times: int = 1, is_global: bool = False
    ) -> Fault:
        """429 the next `times` matching calls; `is_global` sets X-RateLimit-Global and "global": true."""
        return self._add(Fault(method, path, 429, times, retry_after=retry_after, is_global=is_global))

    def server_error(self, method: str, path: str, *, times: int = 1, status: int = 500) -> Fault:
        """5xx the next `times` matching calls (discord.py sleeps ≥ 1 s before each retry)."""
        return self._add(Fault(method, path, status, times))

    def refuse(
        self, method: str, path: str, *, times: int = 1, status: int = 403, code: int = 50013, message: str = ""
    ) -> Fault:
        """Refuse the next `times` matching calls with a JSON error, as Discord does (default: 403 Missing
        Permissions, https://discord.com/developers/docs/topics/opcodes-and-status-codes#json-json-error-codes)."""
        return self._add(Fault(method, path, status, times, code=code, message=message or "Missing Permissions"))

    def delay(
        self, method: str, path: str, hold: float | asyncio.Event, *, times: int = 1, request: bool = False
    ) -> Delay:
        """Answer the next `times` matching calls late: after `hold` seconds, or once the event `hold` is set.

        The answer is held, or with `request` the call before Discord handles it. A held event makes a race
        deterministic: hold, send a gateway event, wait until the bot handled it, then set the event.
        """
        if isinstance(hold, asyncio.Event):
            delay = Delay(method, path, times, until=hold, request=request)
        else:
            delay = Delay(method, path, times, seconds=hold, request=request)
        self.delays.append(delay)
        return delay

    def take_delay(self, method: str, path: str) -> Delay | None:
        """The delay for a call that just arrived (counted at once, so concurrent calls take turns)."""
        delay = next((d for d in self.delays if d.matches(method, path)), None)
        if delay is not None:
            delay.hits += 1
        return delay

    def _add(self, fault: Fault) -> Fault:
        self.active.append(fault)
        return fault

    def match(self, method: str, path: str) -> Fault | None:
        return next((f for f in self.active if f.matches(method, path)), None)

    def clear(self) -> None:
        self.active.clear()
        self.delays.clear()
