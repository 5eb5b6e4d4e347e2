"""Gateway behaviour: READY and GUILD_CREATE, chunking, compression, RESUME, bad tokens, restarts, heartbeats."""

from __future__ import annotations

import asyncio
import json
import math
import time
import zlib
from typing import Any

import aiohttp
import discord as dpy
import pytest
import yarl

from playground.emulator.driver import Emulator
from playground.emulator.runner import BotRunner, RunBot

from .helpers import sandbox
from .sample_bot import SampleBot


class ZlibStream:
    """discord.py's zlib-stream reader (used when zstandard is absent), to test that path too."""

    COMPRESSION_TYPE = "zlib-stream"

    def __init__(self) -> None:
        self.inflater = zlib.decompressobj()
        self.buffer = bytearray()

    def decompress(self, data: bytes, /) -> str | None:
        self.buffer.extend(data)
        if not self.buffer.endswith(b"\x00\x00\xff\xff"):
            return None
        text = self.inflater.decompress(bytes(self.buffer)).decode()
        self.buffer.clear()
        return text


async def test_ready_includes_every_member_and_is_fast(discord: Emulator, run_bot: RunBot) -> None:
    for name in ("alice", "bob", "carol"):
        await discord.member(name)
    started = time.perf_counter()
    runner = await run_bot(SampleBot)
    assert time.perf_counter() - started < 1.0
    assert runner.client is not None
    guild = runner.client.get_guild(discord.guild.id)
    assert guild is not None and guild.chunked
    assert {m.name for m in guild.members} == {"alice", "bob", "carol", "owner", discord.bot.username}
    assert discord.core.gateway.compressions == [dpy.utils._ActiveDecompressionContext.COMPRESSION_TYPE]


async def test_request_guild_members_answers_with_a_chunk(discord: Emulator, bot: SampleBot) -> None:
    await discord.member("alice")
    guild = bot.get_guild(discord.guild.id)
    assert guild is not None
    found = await guild.query_members("ali")
    assert [m.name for m in found] == ["alice"]


async def test_members_joining_and_leaving_reach_the_bot(discord: Emulator, bot: SampleBot) -> None:
    alice = await discord.join(discord.guild, "alice")
    guild = bot.get_guild(discord.guild.id)
    assert guild is not None
    await discord.wait_for(lambda: guild.get_member(alice.id) is not None)
    await discord.leave(discord.guild, alice)
    await discord.wait_for(lambda: guild.get_member(alice.id) is None)


async def test_zlib_stream_compression(discord: Emulator, run_bot: RunBot, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(dpy.utils, "_ActiveDecompressionContext", ZlibStream)
    await run_bot(SampleBot, wait_for_sync=True)
    assert discord.core.gateway.compressions == ["zlib-stream"]
    alice = await discord.member("alice")
    assert (await alice.slash("echo", text="zlib")).message is not None


async def test_dropped_socket_resumes_without_losing_or_repeating_events(discord: Emulator, bot: SampleBot) -> None:
    alice = await discord.member("alice")
    general = discord.guild.channel("general")
    await alice.say(general, "before")
    await discord.wait_for(lambda: len(bot.messages) == 1)
    await discord.drop_gateway(4000)
    missed = await alice.say(general, "while away")
    await discord.wait_for(lambda: bot.resumes == 1)
    await discord.wait_for(lambda: len(bot.messages) == 2)
    await alice.say(general, "after")
    await discord.wait_for(lambda: len(bot.messages) == 3)
    await discord.settle()
    assert [m.content for m in bot.messages] == ["before", "while away", "after"]
    assert bot.messages[1].id == missed.id
    assert (discord.core.gateway.identifies, discord.core.gateway.resumes) == (1, 1)


@pytest.mark.parametrize("code", [1011, None])
async def test_server_error_close_and_cut_connection_also_resume(
    discord: Emulator, bot: SampleBot, code: int | None
) -> None:
    await discord.drop_gateway(code)
    await discord.wait_for(lambda: bot.resumes == 1)
    alice = await discord.member("alice")
    assert (await alice.slash("echo", text="back")).message is not None


async def test_bad_token_at_identify_closes_4004(discord: Emulator) -> None:
    async with (
        aiohttp.ClientSession() as session,
        session.ws_connect(f"{discord.gateway_url}?v=10&encoding=json") as ws,
    ):
        hello: dict[str, Any] = json.loads((await ws.receive()).data)
        assert hello["op"] == 10 and hello["d"]["heartbeat_interval"] > 0
        await ws.send_str(json.dumps({"op": 2, "d": {"token": "wrong", "intents": 0, "properties": {}}}))
        closing = await ws.receive()
        assert closing.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED)
        assert ws.close_code == 4004


async def test_bad_token_fails_login(discord: Emulator) -> None:
    from playground.emulator.runner import point_discord_at

    point_discord_at(discord)
    client = dpy.Client(intents=dpy.Intents.none())
    with pytest.raises(dpy.LoginFailure):
        await client.login("not-the-token")
    await client.close()


async def test_heartbeat_is_acknowledged(discord: Emulator) -> None:
    async with aiohttp.ClientSession() as session, session.ws_connect(discord.gateway_url) as ws:
        await ws.receive()
        await ws.send_str(json.dumps({"op": 1, "d": None}))
        assert json.loads((await ws.receive()).data) == {"op": 11}


async def test_restart_builds_a_new_client_against_the_same_state(discord: Emulator, bot_runner: BotRunner) -> None:
    alice = await discord.member("alice")
    first = bot_runner.client
    await bot_runner.stop()
    assert not discord.connected
    general = discord.guild.channel("general")
    await alice.say(general, "said while the bot was away")
    second = await bot_runner.restart(wait_for_sync=True)
    assert second is not first and isinstance(second, SampleBot)
    assert second.messages == []  # a fresh IDENTIFY replays nothing
    history = [m.content async for m in second.get_channel(general.id).history()]  # type: ignore[union-attr]
    assert history == ["said while the bot was away"]
    assert (await alice.slash("echo", text="again")).message is not None
    assert discord.core.gateway.identifies == 2


async def test_intents_filter_events_and_message_content(discord: Emulator, run_bot: RunBot) -> None:
    def factory() -> dpy.Client:
        client = dpy.Client(intents=dpy.Intents.default(), guild_ready_timeout=0.05)  # no members, no content
        client.seen = []  # type: ignore[attr-defined]

        @client.event
        async def on_message(message: dpy.Message) -> None:
            client.seen.append(message.content)  # type: ignore[attr-defined]

        return client

    runner = await run_bot(factory)
    alice = await discord.member("alice")
    await alice.say(discord.guild.channel("general"), "secret")
    await alice.say(discord.guild.channel("general"), f"hey {discord.bot.username} <@{discord.bot.id}>")
    client = runner.client
    assert client is not None
    await discord.wait_for(lambda: len(client.seen) == 2)  # type: ignore[attr-defined]
    assert client.seen[0] == "" and "hey" in client.seen[1]  # type: ignore[attr-defined]
    guild = client.get_guild(discord.guild.id)
    assert guild is not None and guild.get_member(alice.id) is None  # GUILD_MEMBER_ADD needs the members intent


class LatencyProbe(dpy.Client):
    """Notes `latency` after every HEARTBEAT_ACK: discord.py sets it from the ACK before dispatching the raw frame."""

    def __init__(self, acks: int) -> None:
        super().__init__(intents=dpy.Intents.none(), enable_debug_events=True, guild_ready_timeout=0.05)
        self.latencies: list[float] = []
        self.wanted = acks
        self.enough = asyncio.Event()

    async def on_socket_raw_receive(self, message: str) -> None:
        if json.loads(message).get("op") == 11:
            self.latencies.append(self.latency)
            if len(self.latencies) >= self.wanted:
                self.enough.set()


async def test_heartbeat_acks_measure_a_round_trip_not_an_interval(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """discord.py's latency is ACK time minus its heartbeat thread's send time, and past 10 s it warns "Can't keep up".

    The sandbox runs in a process of its own, as people run it; the first ACK answers the heartbeat sent on HELLO,
    the next ones the thread's heartbeats, each of which must read a round trip, not a whole interval.
    """
    interval = 0.5
    async with sandbox("--heartbeat-interval", str(interval)) as box:
        monkeypatch.setattr(dpy.http.Route, "BASE", box.http_url)
        monkeypatch.setattr(dpy.gateway.DiscordWebSocket, "DEFAULT_GATEWAY", yarl.URL(box.gateway_url))
        client = LatencyProbe(acks=4)
        running = asyncio.create_task(client.start(box.token))
        try:
            await asyncio.wait_for(client.enough.wait(), 10 * interval)
            assert math.isfinite(client.latency) and client.latency < interval / 2
        finally:
            await client.close()
            await running
    assert all(latency < interval / 2 for latency in client.latencies), client.latencies
    assert not [r for r in caplog.records if "Can't keep up" in r.getMessage()]
