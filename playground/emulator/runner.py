"""Run any `discord.Client` against an Emulator on the test's event loop, and collect what broke bot-side.

A request the emulator recorded proves nothing unless the bot also accepted the answer, so the runner
collects ERROR log records (discord.py logs unhandled event, command, view and modal errors there),
`Client.on_error` calls and a crash of the client task.
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import logging
import re
import traceback
from collections.abc import Awaitable, Callable
from typing import Any

import discord
import discord.gateway
import discord.http
import yarl

from .driver import Emulator

Factory = Callable[[], Awaitable[discord.Client]] | Callable[[], discord.Client]
RunBot = Callable[..., Awaitable["BotRunner"]]


def point_discord_at(emulator: Emulator) -> None:
    """Aim discord.py (process-wide) at the emulator: the two knobs a bot needs."""
    discord.http.Route.BASE = emulator.http_url
    discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(emulator.gateway_url)


class _ErrorHandler(logging.Handler):
    """Keeps every ERROR record (any logger) while a bot runs."""

    def __init__(self, sink: list[str]) -> None:
        super().__init__(logging.ERROR)
        self.sink = sink

    def emit(self, record: logging.LogRecord) -> None:
        text = f"{record.name}: {record.getMessage()}"
        if record.exc_info and record.exc_info[1] is not None:
            text += "\n" + "".join(traceback.format_exception(record.exc_info[1])).rstrip()
        self.sink.append(text)


class BotRunner:
    """Start, stop and restart clients built by `factory` against one emulator (state survives restarts).

    The factory must build a *fresh* client each call and should pass `guild_ready_timeout=0.05`
    (a documented Client option): on_ready otherwise waits 2 s for more GUILD_CREATEs.
    """

    def __init__(self, factory: Factory, emulator: Emulator, *, timeout: float = 30.0) -> None:
        self.factory = factory
        self.emulator = emulator
        self.timeout = timeout
        self.client: discord.Client | None = None
        self.errors: list[str] = []
        self._expected: list[re.Pattern[str]] = []
        self._task: asyncio.Task[None] | None = None
        self._handler = _ErrorHandler(self.errors)
        emulator.runners.append(self)

    async def start(self, *, wait_for_sync: bool = False) -> discord.Client:
        """Build a client, connect it, and return once on_ready fired (and commands synced, if asked)."""
        point_discord_at(self.emulator)
        built = self.factory()
        client = await built if inspect.isawaitable(built) else built
        self.client = client
        self._hook(client)
        for logger in self._loggers():
            logger.addHandler(self._handler)
        syncs = self._sync_count()
        self._task = asyncio.get_running_loop().create_task(client.start(self.emulator.token), name="emulated-bot")
        await self._until(client.wait_until_ready(), "on_ready")
        if wait_for_sync:
            await self.emulator.wait_for(
                lambda: self._sync_count() > syncs, self.timeout, "an application command sync"
            )
        return client

    async def stop(self) -> None:
        """Close the client cleanly (the gateway session ends, as on Discord)."""
        client, task = self.client, self._task
        self.client, self._task = None, None
        try:
            if client is not None and not client.is_closed():
                await client.close()
            if task is not None:
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await asyncio.wait_for(task, self.timeout)
                self._record_crash(task)
        finally:
            for logger in self._loggers():
                logger.removeHandler(self._handler)

    @staticmethod
    def _loggers() -> list[logging.Logger]:
        """The root logger, plus `discord` when it does not propagate (its records would miss the root)."""
        found = [logging.getLogger()]
        if not logging.getLogger("discord").propagate:
            found.append(logging.getLogger("discord"))
        return found

    async def restart(self, *, wait_for_sync: bool = False) -> discord.Client:
        """Stop, then start a NEW client from the factory against the same emulator state."""
        await self.stop()
        return await self.start(wait_for_sync=wait_for_sync)

    def expect_errors(self, pattern: str = "") -> None:
        """Bot-side errors matching `pattern` (a regex; empty = any) are intended: teardown ignores them."""
        self._expected.append(re.compile(pattern, re.DOTALL))

    def unexpected_errors(self) -> list[str]:
        return [e for e in self.errors if not any(p.search(e) for p in self._expected)]

    def _sync_count(self) -> int:
        return sum(
            1
            for r in self.emulator.requests
            if r.method == "PUT" and (r.route or "").endswith("/commands") and r.status == 200
        )

    async def _until(self, waiter: Awaitable[Any], what: str) -> None:
        """Await `waiter` unless the client task dies first (then re-raise its error)."""
        assert self._task is not None
        wait = asyncio.ensure_future(waiter)
        done, _ = await asyncio.wait({wait, self._task}, timeout=self.timeout, return_when=asyncio.FIRST_COMPLETED)
        if wait in done:
            return
        wait.cancel()
        if self._task in done:
            self._task.result()
            raise AssertionError(f"the client stopped before {what}")
        raise AssertionError(f"the client did not reach {what} within {self.timeout:g} s (guild_ready_timeout set?)")

    def _hook(self, client: discord.Client) -> None:
        """Record Client.on_error calls the bot overrode (the default one logs, which the handler sees)."""
        original = client.on_error
        if type(client).on_error is discord.Client.on_error:
            return

        async def on_error(event_method: str, /, *args: Any, **kwargs: Any) -> None:
            self.errors.append(f"on_error in {event_method}:\n{traceback.format_exc().rstrip()}")
            await original(event_method, *args, **kwargs)

        client.on_error = on_error  # type: ignore[method-assign]

    def _record_crash(self, task: asyncio.Task[None]) -> None:
        if task.done() and not task.cancelled() and task.exception() is not None:
            error = task.exception()
            assert error is not None
            self.errors.append("client crashed:\n" + "".join(traceback.format_exception(error)).rstrip())
