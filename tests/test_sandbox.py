"""The sandbox (`python -m tests.emulator`): what a person trying Agora without Discord runs, and what they see."""

from __future__ import annotations

from typing import Any

import aiohttp

from tests.emulator.tests.helpers import Sandbox, sandbox

BLOCK_JSONSCHEMA = "import sys\nsys.modules['jsonschema'] = None  # as after `pip install -e .`: no dev extras"


async def as_bot(box: Sandbox, method: str, path: str, body: Any = None) -> tuple[int, Any]:
    headers = {"Authorization": f"Bot {box.token}"}
    async with (
        aiohttp.ClientSession() as session,
        session.request(method, f"{box.http_url}{path}", json=body, headers=headers) as response,
    ):
        return response.status, await response.json() if response.content_type == "application/json" else None


async def test_the_sandbox_runs_on_the_runtime_install_alone() -> None:
    async with sandbox(prelude=BLOCK_JSONSCHEMA) as box:
        guild_id = box.banner[3].split("(")[1].split(")")[0]
        status, channels = await as_bot(box, "GET", f"/guilds/{guild_id}/channels")
        assert status == 200
        general = next(c for c in channels if c["name"] == "general")
        status, _ = await as_bot(box, "POST", f"/channels/{general['id']}/messages", {"content": "hello from a bot"})
        assert status == 200
        await box.run("read general", expect="hello from a bot")
        assert "alice" in "".join(await box.run("members", expect="alice"))
    notices = [line for line in box.stderr if "jsonschema" in line]
    assert len(notices) == 1 and "skipping request-body validation" in notices[0]
    assert not [line for line in box.stderr if "Traceback" in line]
