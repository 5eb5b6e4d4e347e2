"""Agora as operators run it — `python -m bot run` in a process of its own — against the test's emulator.

Every line the process logs wakes the emulator's waiters, so a test waits on a log line (`ready as`) the same way it
waits on Discord's state: `await discord.wait_for(lambda: bot.logged("ready as"))`. `kill()` is kill -9: no
shutdown, no flush, the gateway connection cut mid-stream.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import re
import signal
import sys
from collections.abc import Sequence
from pathlib import Path

from playground.emulator import Emulator

ROOT = Path(__file__).resolve().parents[2]
READY = re.compile(r"ready as \S+ in (\d+) guild")
STOP_TIMEOUT = 20.0
# A start is 1–3 s on an idle 2-core machine; generous for one shared with other test runs.
START_TIMEOUT = 60.0


class BotProcess:
    """One Agora process; `runs` keeps the log lines of each start, the last one being the current run."""

    def __init__(
        self,
        discord: Emulator,
        database_url: str,
        folder: Path,
        *,
        name: str,
        shard_ids: Sequence[int] | None = None,
        shard_count: int | None = None,
        config: str | None = None,
    ) -> None:
        """`config`: the text of its config.toml (none: defaults and the variables set here)."""
        self.discord = discord
        self.config = config
        self.name = name
        self.folder = folder
        self.environment = {key: value for key, value in os.environ.items() if not key.startswith("AGORA_")}
        self.environment.update(
            AGORA_DATABASE__URL=database_url,
            AGORA_DISCORD__API_BASE=discord.http_url,
            AGORA_DISCORD__GATEWAY_URL=discord.gateway_url,
            AGORA_DISCORD__READY_TIMEOUT="0.1",
            AGORA_LOCALE__DEFAULT="en",
            AGORA_LOGGING__LEVEL="INFO",
            DISCORD_TOKEN=discord.token,
            PYTHONUNBUFFERED="1",
        )
        if shard_count is not None:
            self.environment["AGORA_DISCORD__SHARD_COUNT"] = str(shard_count)
        if shard_ids is not None:
            self.environment["AGORA_DISCORD__SHARD_IDS"] = json.dumps(list(shard_ids))
        self.runs: list[list[str]] = []
        self.process: asyncio.subprocess.Process | None = None
        self._reader: asyncio.Task[None] | None = None

    async def start(self) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        if self.config is not None:
            (self.folder / "config.toml").write_text(self.config, encoding="utf-8")
        self.runs.append([])
        self.process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot",
            "run",
            cwd=self.folder,
            env=self.environment,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.PIPE,
        )
        self._reader = asyncio.get_running_loop().create_task(self._read(self.process, self.runs[-1]))

    async def _read(self, process: asyncio.subprocess.Process, sink: list[str]) -> None:
        assert process.stderr is not None
        while line := await process.stderr.readline():
            sink.append(line.decode(errors="replace").rstrip())
            self.discord.core.journal.changed()
        self.discord.core.journal.changed()

    @property
    def lines(self) -> list[str]:
        return self.runs[-1] if self.runs else []

    def logged(self, text: str) -> bool:
        """Whether the current run logged a line containing `text`."""
        return any(text in line for line in self.lines)

    @property
    def ready_guilds(self) -> int | None:
        """How many servers the current run said it was ready in (None before its `ready as` line)."""
        for line in self.lines:
            found = READY.search(line)
            if found:
                return int(found.group(1))
        return None

    @property
    def exited(self) -> bool:
        return self.process is not None and self.process.returncode is not None

    async def ready(self, timeout: float = START_TIMEOUT) -> int:  # noqa: ASYNC109 (as the emulator's wait_for)
        """Wait for the `ready as` line of the current run; returns the number of servers it is in."""
        try:
            await self.discord.wait_for(
                lambda: self.ready_guilds is not None or self.exited, timeout, f"{self.name} ready"
            )
        except AssertionError as error:
            raise AssertionError(f"{error}; its log:\n" + "\n".join(self.lines[-30:])) from None
        if self.ready_guilds is None:
            raise AssertionError(f"{self.name} exited before it was ready:\n" + "\n".join(self.lines[-30:]))
        return self.ready_guilds

    async def kill(self) -> None:
        """kill -9: no shutdown at all."""
        if self.process is not None and self.process.returncode is None:
            self.process.send_signal(signal.SIGKILL)
            await self.process.wait()
        await self._drain()

    async def stop(self) -> None:
        """SIGTERM, as `docker stop` does; Agora finishes its jobs, flushes its writers and leaves the gateway."""
        if self.process is not None and self.process.returncode is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                async with asyncio.timeout(STOP_TIMEOUT):
                    await self.process.wait()
            except TimeoutError:
                self.process.kill()
                await self.process.wait()
                raise AssertionError(f"{self.name} did not stop within {STOP_TIMEOUT:g} s of SIGTERM") from None
        await self._drain()

    async def _drain(self) -> None:
        if self._reader is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await self._reader
            self._reader = None

    def errors(self) -> list[str]:
        """ERROR lines and tracebacks of every run (kill -9 leaves none of its own)."""
        return [line for run in self.runs for line in run if " ERROR " in line or line.startswith("Traceback")]
