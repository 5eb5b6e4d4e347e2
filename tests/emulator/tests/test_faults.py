"""Injected faults: 429s (per route and global) and 5xx are retried by discord.py and then succeed."""

from __future__ import annotations

import discord as dpy

from tests.emulator.driver import Emulator

from .sample_bot import SampleBot


def general(discord: Emulator, bot: SampleBot) -> dpy.TextChannel:
    channel = bot.get_channel(discord.guild.channel("general").id)
    assert isinstance(channel, dpy.TextChannel)
    return channel


def statuses(discord: Emulator, route: str) -> list[int | None]:
    return [r.status for r in discord.requests if r.route == route]


async def test_route_429_is_retried(discord: Emulator, bot: SampleBot) -> None:
    fault = discord.faults.rate_limit("POST", "/channels/*/messages", retry_after=0.02)
    await general(discord, bot).send("eventually")
    assert fault.hits == 1
    assert statuses(discord, "/channels/{channel_id}/messages") == [429, 200]
    assert discord.guild.channel("general").messages[-1].content == "eventually"


async def test_global_429_is_retried(discord: Emulator, bot: SampleBot) -> None:
    discord.faults.rate_limit("*", "/channels/*", retry_after=0.02, is_global=True, times=2)
    await general(discord, bot).send("through")
    assert statuses(discord, "/channels/{channel_id}/messages") == [429, 429, 200]


async def test_server_error_is_retried(discord: Emulator, bot: SampleBot) -> None:
    discord.faults.server_error("POST", "/channels/*/messages", times=1)
    await general(discord, bot).send("after a 500")  # discord.py sleeps 1 s before retrying
    assert statuses(discord, "/channels/{channel_id}/messages") == [500, 200]


async def test_interaction_answer_survives_a_429(discord: Emulator, bot: SampleBot) -> None:
    discord.faults.rate_limit("POST", "/interactions/*/callback", retry_after=0.01)
    alice = await discord.member("alice")
    inter = await alice.slash("echo", text="rate limited")
    assert inter.message is not None and inter.message.content == "rate limited"
