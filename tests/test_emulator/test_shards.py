"""Sharding as Discord documents it: GET /gateway/bot, one session per shard, servers routed by
`(guild_id >> 22) % shard_count`, DMs on shard 0, RESUME per shard, large servers chunked on request."""

from __future__ import annotations

from typing import Any

import aiohttp
import discord as dpy
from discord.ext import commands

from playground.emulator.driver import Emulator
from playground.emulator.gateway import INVALID_SHARD, shard_of
from playground.emulator.runner import RunBot

from .helpers import raw


class ShardBot(commands.AutoShardedBot):
    """A plain sharded discord.py bot that notes the messages each process receives."""

    def __init__(self, shard_ids: list[int] | None = None, shard_count: int | None = 2) -> None:
        intents = dpy.Intents.default()
        intents.members = True
        intents.message_content = True
        shards: dict[str, Any] = {"shard_count": shard_count, "shard_ids": shard_ids}
        super().__init__(
            command_prefix="!", intents=intents, chunk_guilds_at_startup=False, guild_ready_timeout=0.05, **shards
        )
        self.seen: list[tuple[int | None, str]] = []

    async def before_identify_hook(self, shard_id: int | None, *, initial: bool = False) -> None:
        """No 5-second pause between this process's shards (Discord's `max_concurrency` 1 wants one; the emulator
        does not enforce it, and the tests would wait for nothing)."""

    async def on_message(self, message: dpy.Message) -> None:
        self.seen.append((message.guild.id if message.guild else None, message.content))


async def two_processes(run_bot: RunBot) -> tuple[ShardBot, ShardBot]:
    first = (await run_bot(lambda: ShardBot([0]))).client
    second = (await run_bot(lambda: ShardBot([1]))).client
    assert isinstance(first, ShardBot) and isinstance(second, ShardBot)
    return first, second


async def test_gateway_bot_recommends_shards_and_counts_session_starts(discord: Emulator, run_bot: RunBot) -> None:
    status, body = await raw(discord, "GET", "/gateway/bot")
    assert status == 200 and body["shards"] == 1 and body["url"] == discord.gateway_url
    assert body["session_start_limit"] == {"total": 1000, "remaining": 1000, "reset_after": 0, "max_concurrency": 1}
    discord.core.gateway.recommended_shards = 2
    client = (await run_bot(lambda: ShardBot(shard_count=None))).client  # "auto": asks Discord how many
    assert isinstance(client, ShardBot) and client.shard_count == 2
    assert discord.core.gateway.identified_shards == [(0, 2), (1, 2)]
    _, body = await raw(discord, "GET", "/gateway/bot")
    assert body["session_start_limit"]["remaining"] == 998


async def test_each_shard_gets_its_own_servers_and_their_events_only(discord: Emulator, run_bot: RunBot) -> None:
    even = await discord.create_guild("Even", shard=(0, 2))
    odd = await discord.create_guild("Odd", shard=(1, 2))
    assert (shard_of(even.id, 2), shard_of(odd.id, 2)) == (0, 1)
    first, second = await two_processes(run_bot)
    ready = {shard: discord.session(shard) for shard in (0, 1)}
    assert all(session is not None and session.shard == (shard, 2) for shard, session in ready.items())
    expected = {shard: {g.id for g in discord.state.guilds.values() if shard_of(g.id, 2) == shard} for shard in (0, 1)}
    assert {g.id for g in first.guilds} == expected[0] and {g.id for g in second.guilds} == expected[1]

    await discord.join(odd, "olga")
    await discord.driver("olga", odd).say(odd.channel("general"), "hello odd")
    await discord.join(even, "eve")
    await discord.driver("eve", even).say(even.channel("general"), "hello even")
    assert first.seen == [(even.id, "hello even")] and second.seen == [(odd.id, "hello odd")]
    assert second.get_guild(odd.id) is not None and second.get_guild(odd.id).get_member_named("olga") is not None  # type: ignore[union-attr]


async def test_a_dm_goes_to_shard_zero(discord: Emulator, run_bot: RunBot) -> None:
    first, second = await two_processes(run_bot)
    alice = await discord.member("alice")
    await alice.say(await alice.dm_channel(), "psst")
    assert first.seen == [(None, "psst")] and second.seen == []


async def test_one_shard_dropped_resumes_alone_and_misses_nothing(discord: Emulator, run_bot: RunBot) -> None:
    odd = await discord.create_guild("Odd", shard=(1, 2))
    first, second = await two_processes(run_bot)
    olga = await discord.join(odd, "olga")
    identifies = discord.core.gateway.identifies
    await discord.drop_gateway(None, shard=1)
    assert discord.shard_connected(0) and not discord.shard_connected(1)
    message = discord.core.store_and_announce(
        discord.core.build_message(odd.channel("general"), {"content": "while away"}, [], author_id=olga.id)
    )
    await discord.wait_for(lambda: discord.shard_connected(1), what="shard 1 resumed")
    await discord.wait_for(lambda: second.seen, what="the message sent while shard 1 was away")
    assert second.seen == [(odd.id, message.content)] and first.seen == []
    assert discord.core.gateway.resumes == 1 and discord.core.gateway.identifies == identifies


async def test_an_invalid_shard_is_refused_with_4010(discord: Emulator) -> None:
    async with aiohttp.ClientSession() as session, session.ws_connect(discord.gateway_url) as ws:
        hello = await ws.receive_json()
        assert hello["op"] == 10
        identify: dict[str, Any] = {"token": discord.token, "intents": 1, "properties": {}, "shard": [2, 2]}
        await ws.send_json({"op": 2, "d": identify})
        await ws.receive()
        assert ws.close_code == INVALID_SHARD


async def test_a_large_server_sends_members_only_on_request_in_chunks(discord: Emulator, run_bot: RunBot) -> None:
    big = await discord.create_guild("Big", shard=(1, 2))
    discord.add_members(big, 1200)
    _, second = await two_processes(run_bot)
    guild = second.get_guild(big.id)
    assert guild is not None and guild.large and guild.member_count == 1202
    assert [m.id for m in guild.members] == [discord.bot.id]  # not chunked at start: only the bot
    await guild.chunk()
    assert len(guild.members) == 1202
    session = discord.session(1)
    assert session is not None
    sent = [frame["d"] for frame in session.buffer if frame.get("t") == "GUILD_MEMBERS_CHUNK"]
    assert [(c["chunk_index"], c["chunk_count"], len(c["members"])) for c in sent] == [(0, 2, 1000), (1, 2, 202)]


async def test_a_server_at_the_threshold_is_not_large(discord: Emulator, run_bot: RunBot) -> None:
    """discord.py asks for large_threshold 250: a server of 250 members still arrives whole (discord.py itself calls
    it large from 250 members on, whatever the payload says)."""
    discord.add_members(discord.guild, 250 - len(discord.guild.members))
    client = (await run_bot(lambda: ShardBot(shard_count=1))).client
    assert client is not None
    guild = client.get_guild(discord.guild.id)
    assert guild is not None and len(guild.members) == 250
    session = discord.session(0)
    assert session is not None and session.large_threshold == 250
    sent = next(frame["d"] for frame in session.buffer if frame.get("t") == "GUILD_CREATE")
    assert sent["large"] is False and len(sent["members"]) == 250
