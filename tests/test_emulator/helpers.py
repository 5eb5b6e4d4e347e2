"""Raw HTTP helpers for bodies discord.py itself would refuse to build, and the sandbox run as a process."""

from __future__ import annotations

import asyncio
import contextlib
import os
import sys
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp

from playground.emulator.driver import Emulator
from playground.emulator.state import Interaction

REPOSITORY = Path(__file__).resolve().parents[2]


async def raw(discord: Emulator, method: str, path: str, body: Any = None, *, auth: bool = True) -> tuple[int, Any]:
    """Send one request as the bot would (Bot token), returning (status, JSON or None)."""
    headers = {"Authorization": f"Bot {discord.token}"} if auth else {}
    async with (
        aiohttp.ClientSession() as session,
        session.request(method, f"{discord.http_url}{path}", json=body, headers=headers) as response,
    ):
        data = await response.json() if response.content_type == "application/json" else None
        return response.status, data


def pending_interaction(discord: Emulator, *, kind: int = 2) -> Interaction:
    """An interaction the bot has not answered yet (no bot needed): for raw callback tests."""
    state = discord.state
    owner = discord.guild.member("owner")
    general = discord.guild.channel("general")
    inter = Interaction(
        id=state.new_id(),
        token=state.new_token(),
        type=kind,
        user_id=owner.id,
        channel_id=general.id,
        guild_id=discord.guild.id,
        data={},
        created_at=asyncio.get_running_loop().time(),
        label="raw interaction",
    )
    state.interactions[inter.id] = inter
    return inter


@dataclass
class Sandbox:
    """`python -m playground.emulator` in a process of its own, as a person runs it; its output's lines as they come."""

    process: asyncio.subprocess.Process
    stdout: asyncio.Queue[str | None]
    stderr: list[str]
    banner: list[str] = field(default_factory=list)

    def value(self, label: str) -> str:
        """A value the banner printed after `label:`, e.g. value("Bot token")."""
        line = next(line for line in self.banner if line.startswith(f"{label}"))
        return line.split(":", 1)[1].split()[0]

    @property
    def http_url(self) -> str:
        return self.value("REST base")

    @property
    def gateway_url(self) -> str:
        return self.value("Gateway")

    @property
    def token(self) -> str:
        return self.value("Bot token")

    async def line_with(self, text: str, timeout: float = 10.0) -> list[str]:  # noqa: ASYNC109 (a helper's bound)
        """Lines printed until one containing `text` (included)."""
        lines: list[str] = []
        async with asyncio.timeout(timeout):
            while not lines or text not in lines[-1]:
                line = await self.stdout.get()
                if line is None:
                    raise AssertionError(f"the sandbox ended before printing {text!r}:\n" + "".join(self.stderr))
                lines.append(line)
        return lines

    async def run(self, command: str, expect: str) -> list[str]:
        """Type a console line; returns what it printed up to the line containing `expect`."""
        assert self.process.stdin is not None
        self.process.stdin.write(command.encode() + b"\n")
        await self.process.stdin.drain()
        return await self.line_with(expect)


async def _pump_lines(stream: asyncio.StreamReader, sink: Callable[[str | None], None]) -> None:
    while line := await stream.readline():
        sink(line.decode())
    sink(None)


@contextlib.asynccontextmanager
async def sandbox(*args: str, prelude: str = "") -> AsyncIterator[Sandbox]:
    """Start the sandbox on a free port (`prelude`: Python run first, in the same process) and stop it at the end."""
    code = f"{prelude}\nimport runpy\nrunpy.run_module('playground.emulator', run_name='__main__', alter_sys=True)"
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        code,
        "--port",
        "0",
        *args,
        cwd=REPOSITORY,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    assert process.stdout is not None and process.stderr is not None
    box = Sandbox(process, asyncio.Queue(), [])
    errors: list[str] = box.stderr
    pumps = [
        asyncio.create_task(_pump_lines(process.stdout, box.stdout.put_nowait)),
        asyncio.create_task(_pump_lines(process.stderr, lambda line: errors.append(line or ""))),
    ]
    try:
        box.banner = await box.line_with("Then act as a member", timeout=30)
        yield box
    finally:
        if process.stdin is not None:
            process.stdin.close()  # end of input ends the console, then the sandbox
        try:
            await asyncio.wait_for(process.wait(), 10)
        except TimeoutError:
            process.kill()
            await process.wait()
        await asyncio.gather(*pumps)
