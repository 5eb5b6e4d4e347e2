"""Raw HTTP helpers for bodies discord.py itself would refuse to build."""

from __future__ import annotations

import asyncio
from typing import Any

import aiohttp

from tests.emulator.driver import Emulator
from tests.emulator.state import Interaction


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
