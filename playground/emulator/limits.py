"""Discord's global rate limit: a bot may make 50 requests per second; past that, 429 with `"global": true`.

https://discord.com/developers/docs/topics/rate-limits#global-rate-limit — interaction endpoints (answering an
interaction, its follow-ups: the routes called without the bot token) are not bound to it. Off unless a test or a
benchmark turns it on (`Emulator(global_rate_limit=50)` or `emulator.limits.global_rate = 50`), so suites that
do not exercise it keep their timing. Counted over a sliding one-second window; every 429 is kept in `limited`.
"""

from __future__ import annotations

import json
import time
from collections import deque
from dataclasses import dataclass, field

from aiohttp import web

WINDOW = 1.0


@dataclass
class Limits:
    global_rate: int | None = None
    limited: list[tuple[float, str, str]] = field(default_factory=list)  # (time, method, path) of each 429
    _recent: deque[float] = field(default_factory=deque)

    def admit(self, method: str, path: str) -> web.Response | None:
        """None when the request may go on; otherwise the 429 Discord answers, the request not counted."""
        if self.global_rate is None:
            return None
        now = time.monotonic()
        while self._recent and self._recent[0] <= now - WINDOW:
            self._recent.popleft()
        if len(self._recent) < self.global_rate:
            self._recent.append(now)
            return None
        retry_after = round(max(0.001, self._recent[0] + WINDOW - now), 3)
        self.limited.append((now, method, path))
        body = {"message": "You are being rate limited.", "retry_after": retry_after, "global": True}
        headers = {
            "Content-Type": "application/json",
            "Retry-After": str(max(1, round(retry_after))),
            "X-RateLimit-Global": "true",
            "X-RateLimit-Scope": "global",
            "Via": "1.1 google",  # discord.py reads a 429 without it as a Cloudflare ban
        }
        return web.Response(status=429, body=json.dumps(body).encode(), headers=headers)
