"""Injected faults: 429s (per route and global) and 5xx are retried by discord.py; slow answers come late."""

from __future__ import annotations

import asyncio

import discord as dpy

from playground.emulator.driver import Emulator

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


async def test_a_held_answer_is_overtaken_by_a_gateway_event(discord: Emulator, bot: SampleBot) -> None:
    """The answer tells the state when the call arrived; an event sent while it is held reaches the bot first."""
    channel = discord.guild.channel("general")
    alice = await discord.member("alice")
    message = await alice.say(channel, "react to me")
    await alice.react(message, "🇦")
    release = asyncio.Event()
    delay = discord.faults.delay("GET", f"/channels/{channel.id}/messages/{message.id}/reactions/*", release)
    fetched = await general(discord, bot).fetch_message(message.id)  # the message itself is not held
    reading = asyncio.ensure_future(reactors(fetched.reactions[0], limit=1))  # one call
    await discord.wait_for(lambda: delay.holding == 1, what="the reaction read held")
    bob = await discord.member("bob")
    await bob.react(message, "🇦")  # returns once the bot has parsed the event
    assert [p.user_id for p in bot.raw_reactions] == [alice.id, bob.id]
    assert not reading.done()
    release.set()
    assert await reading == [alice.id]  # what Discord held when the call arrived
    assert (delay.hits, delay.holding) == (1, 0)
    assert sorted(await reactors(fetched.reactions[0])) == [alice.id, bob.id]  # the delay was for one call only


async def reactors(reaction: dpy.Reaction, limit: int = 100) -> list[int]:
    return [user.id async for user in reaction.users(limit=limit)]


async def test_a_held_call_is_handled_once_released(discord: Emulator, bot: SampleBot) -> None:
    """With `request`, Discord handles the call only when it is let through: what happens meanwhile comes first."""
    channel = discord.guild.channel("general")
    release = asyncio.Event()
    delay = discord.faults.delay("POST", f"/channels/{channel.id}/messages", release, request=True)
    sending = asyncio.ensure_future(general(discord, bot).send("slow"))
    await discord.wait_for(lambda: delay.holding == 1, what="the call held")
    alice = await discord.member("alice")
    await alice.say(channel, "first")
    assert [m.content for m in channel.messages] == ["first"]
    release.set()
    assert (await sending).content == "slow"
    assert [m.content for m in channel.messages] == ["first", "slow"]


async def test_a_delay_in_seconds_still_answers(discord: Emulator, bot: SampleBot) -> None:
    delay = discord.faults.delay("POST", "/channels/*/messages", 0.01, times=2)
    for text in ("one", "two", "three"):
        await general(discord, bot).send(text)
    assert (delay.hits, delay.holding) == (2, 0)
    assert [m.content for m in discord.guild.channel("general").messages[-3:]] == ["one", "two", "three"]
    assert statuses(discord, "/channels/{channel_id}/messages") == [200, 200, 200]
