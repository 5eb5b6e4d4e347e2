"""Chaos, bounded and on loopback: each fault strikes in the middle of a vote burst, and afterwards every vote is
stored exactly once and the poll message shows the right count — nothing lost, nothing doubled.

- the bot's PostgreSQL connections are cut and the database refuses new ones for a while (the shared server cannot
  be restarted under other tests: `pg_terminate_backend` plus `ALLOW_CONNECTIONS false` is the same outage for this
  one database);
- an outside writer holds SQLite's write lock;
- Discord answers REST calls with a storm of 429s (global and per route) and bursts of 5xx;
- gateway connections drop across shards and resume.
"""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from typing import Any

import pytest
from sqlalchemy import select, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

from bot.client import Agora, ShardedAgora
from bot.config import DiscordSettings, Settings
from bot.database import Database
from models.polls.tables import Poll, PollOption, PollVote
from models.sharding import shard_of
from playground.emulator import Emulator, MemberDriver, RunBot
from playground.emulator.routes_messages import add_reaction, remove_reaction
from playground.emulator.state import Emoji, Guild, Message
from tests.conftest import POSTGRES_URL, AgoraHarness

POLL_COGS = ("cogs.settings", "cogs.polls")
MANAGE_GUILD = 1 << 5
OPTIONS = ("🇦", "🇧", "🇨")
VOTERS = 24


def polls_cog(bot: Agora) -> Any:
    cog = bot.get_cog("Polls")
    assert cog is not None
    return cog


class QuickAgora(Agora):
    """Live edits every 50 ms instead of every 3 s, so a test sees the final count at once."""

    async def setup_hook(self) -> None:
        await super().setup_hook()
        polls_cog(self).live.interval = 0.05


class QuickShardedAgora(ShardedAgora):
    async def setup_hook(self) -> None:
        await super().setup_hook()
        polls_cog(self).live.interval = 0.05

    async def before_identify_hook(self, shard_id: int | None, *, initial: bool = False) -> None:
        """No 5-second pause between the shards (the emulator does not enforce Discord's max_concurrency)."""


@pytest.fixture
async def agora(run_bot: RunBot, agora_settings: Settings, db: Database) -> AsyncIterator[AgoraHarness]:
    """The polls on a database migrated beforehand (a start then only checks it: quicker on a busy machine)."""
    harness = AgoraHarness(
        await run_bot(lambda: QuickAgora(agora_settings, cogs=POLL_COGS, guild_ready_timeout=0.05), wait_for_sync=True),
        agora_settings,
    )
    await harness.caught_up()
    yield harness
    await harness.stop()


async def create_poll(discord: Emulator, guild: Guild) -> Message:
    role = await discord.create_role(guild, "hosts", permissions=MANAGE_GUILD)
    host = await discord.join(guild, f"host-{guild.id}", roles=[role])
    channel = guild.channel("general")
    reply = await host.slash("poll create", question="Next?", options="Git; Tests; Docker", channel=channel)
    await discord.wait_for(lambda: reply.content, what="the answer to /poll create")
    assert "✅" in reply.content
    return next(m for m in reversed(channel.messages) if m.embeds and m.author_id == discord.bot.id)


async def voters(discord: Emulator, guild: Guild, count: int = VOTERS) -> list[MemberDriver]:
    return [await discord.join(guild, f"v{index}-{guild.id}") for index in range(count)]


def burst(discord: Emulator, message: Message, members: list[MemberDriver], *, start: int = 0) -> None:
    """Every member votes (one in five changes their mind and takes it back), without waiting for the bot."""
    for index, member in enumerate(members, start):
        emoji = Emoji(OPTIONS[index % len(OPTIONS)])
        add_reaction(discord.core, message, member.id, emoji)
        if index % 5 == 4:
            remove_reaction(discord.core, message, member.id, emoji)


def expected(discord: Emulator, message: Message) -> set[tuple[int, str]]:
    return {
        (user, str(reaction.emoji.name))
        for reaction in message.reactions
        for user in reaction.user_ids
        if user != discord.bot.id
    }


async def stored(bot: Agora, message: Message) -> set[tuple[int, str]]:
    async with bot.db.transaction() as session:
        rows = await session.execute(
            select(PollVote.voter_id, PollOption.emoji)
            .join(PollOption, PollOption.id == PollVote.option_id)
            .join(Poll, Poll.id == PollVote.poll_id)
            .where(Poll.message_id == message.id)
        )
        return {(voter, str(emoji)) for voter, emoji in rows}


async def exact(discord: Emulator, bot: Agora, message: Message) -> None:
    """The poll message shows every voter, and the database holds exactly the reactions' votes."""
    wanted = expected(discord, message)
    label = f"{len({member for member, _ in wanted})} voters"
    await discord.wait_for(lambda: label in str(message.embeds[0].get("description")), 30, f"poll showing {label}")
    assert await stored(bot, message) == wanted


# --- the database goes away -------------------------------------------------------------------------------------


@asynccontextmanager
async def outage(url: str) -> AsyncIterator[None]:
    """Cut every connection to the bot's database and refuse new ones until the block ends."""
    name = make_url(url).database
    server = create_async_engine(make_url(POSTGRES_URL).set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        async with server.connect() as connection:
            await connection.execute(text(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false'))
            await connection.execute(
                text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :name"), {"name": name}
            )
        yield
    finally:
        async with server.connect() as connection:
            await connection.execute(text(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true'))
        await server.dispose()


@pytest.mark.skipif(not POSTGRES_URL, reason="cuts PostgreSQL connections: set AGORA_TEST_DATABASE_URL to run it")
async def test_votes_wait_in_the_writer_while_postgresql_is_away(
    discord: Emulator, agora: AgoraHarness, migrated_database_url: str
) -> None:
    message = await create_poll(discord, discord.guild)
    members = await voters(discord, discord.guild)
    writer = polls_cog(agora.bot).writer
    half = len(members) // 2
    burst(discord, message, members[:half])
    async with outage(migrated_database_url):
        burst(discord, message, members[half:], start=half)
        await discord.wait_for(lambda: writer.retries > 0, 10, "the writer trying again")
        assert writer.busy()  # the votes are still queued, not dropped
    await exact(discord, agora.bot, message)


# --- SQLite locked by another program ---------------------------------------------------------------------------


@contextmanager
def write_lock(url: str) -> Iterator[None]:
    """Another program takes SQLite's write lock (BEGIN IMMEDIATE) and keeps it until the block ends."""
    connection = sqlite3.connect(make_url(url).database or "", isolation_level=None)
    try:
        connection.execute("BEGIN IMMEDIATE")
        yield
        connection.execute("ROLLBACK")
    finally:
        connection.close()


@pytest.mark.skipif(bool(POSTGRES_URL), reason="SQLite's write lock: run without AGORA_TEST_DATABASE_URL")
async def test_votes_wait_while_another_program_holds_the_sqlite_write_lock(
    discord: Emulator, agora: AgoraHarness, migrated_database_url: str
) -> None:
    message = await create_poll(discord, discord.guild)
    members = await voters(discord, discord.guild)
    writer = polls_cog(agora.bot).writer
    with write_lock(migrated_database_url):
        burst(discord, message, members)
        await discord.sync()  # the bot has read every event: the votes wait for the lock in its writer
        assert writer.busy()
    await exact(discord, agora.bot, message)


# --- Discord says "slow down" and "oops" ------------------------------------------------------------------------


async def test_votes_are_exact_through_a_429_storm_and_5xx_bursts(discord: Emulator, agora: AgoraHarness) -> None:
    message = await create_poll(discord, discord.guild)
    members = await voters(discord, discord.guild)
    # The 5xx first: discord.py waits 1 + 2 × (tries so far) seconds after each, 16 s once the 429s used 3 tries.
    errors = discord.faults.server_error("PATCH", "/channels/*/messages/*", times=2, status=502)
    storm = discord.faults.rate_limit("*", "/channels/*", times=12, retry_after=0.05, is_global=True)
    per_route = discord.faults.rate_limit("PATCH", "/channels/*/messages/*", times=6, retry_after=0.05)
    burst(discord, message, members)
    await discord.wait_for(lambda: storm.hits == storm.times and per_route.hits and errors.hits == 2, 30, "faults")
    await exact(discord, agora.bot, message)


# --- the gateway drops, shard by shard ----------------------------------------------------------------------------


@pytest.fixture
async def sharded(run_bot: RunBot, agora_settings: Settings, db: Database) -> AsyncIterator[AgoraHarness]:
    """One process running both shards of two."""
    discord_settings = agora_settings.discord.model_copy(update={"shard_count": 2})
    settings = agora_settings.model_copy(update={"discord": DiscordSettings.model_validate(discord_settings)})
    runner = await run_bot(
        lambda: QuickShardedAgora(settings, cogs=POLL_COGS, guild_ready_timeout=0.05), wait_for_sync=True
    )
    harness = AgoraHarness(runner, settings)
    await harness.caught_up()
    yield harness
    await harness.stop()


async def test_gateway_drops_across_shards_resume_without_losing_or_doubling_votes(
    discord: Emulator, sharded: AgoraHarness
) -> None:
    guilds = {shard_of(discord.guild.id, 2): discord.guild}
    other = 1 - shard_of(discord.guild.id, 2)
    guilds[other] = await discord.create_guild("Other shard", shard=(other, 2))
    await sharded.idle()
    messages = {shard: await create_poll(discord, guild) for shard, guild in guilds.items()}
    members = {shard: await voters(discord, guild) for shard, guild in guilds.items()}
    identifies = discord.core.gateway.identifies
    half = VOTERS // 2

    await discord.drop_gateway(None, shard=1)  # shard 1's TCP connection cut: its events wait for the RESUME
    for shard in (0, 1):
        burst(discord, messages[shard], members[shard][:half])
    await discord.wait_for(lambda: discord.shard_connected(1), 30, "shard 1 resumed")
    await discord.drop_gateway(4000)  # both shards closed at once, mid burst
    for shard in (0, 1):
        burst(discord, messages[shard], members[shard][half:], start=half)
    await discord.wait_for(lambda: discord.shard_connected(0) and discord.shard_connected(1), 30, "both resumed")

    for shard in (0, 1):
        await exact(discord, sharded.bot, messages[shard])
    assert discord.core.gateway.identifies == identifies and discord.core.gateway.resumes == 3
