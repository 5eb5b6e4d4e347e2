"""Two Agora processes, each with one of two shards, on one PostgreSQL database, against the emulator.

Each server's events reach one process only (Discord routes them by shard), every interaction is answered once, only
shard 0's process syncs the commands, each scheduled job runs once, and the votes are exact after one process is
killed (kill -9) in the middle of a vote burst and started again: its catch-up counts what Discord did not deliver.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select, update

from bot.database import Database
from models import scheduling
from models.base import utcnow
from models.polls import service
from models.polls.tables import Poll, PollOption, PollVote
from models.sharding import shard_of
from playground.emulator import Emulator, MemberDriver
from playground.emulator.routes_messages import add_reaction, remove_reaction
from playground.emulator.state import Emoji, Guild, Message
from tests.conftest import POSTGRES_URL
from tests.support.processes import BotProcess

pytestmark = pytest.mark.skipif(
    not POSTGRES_URL,
    reason="several processes share one database only on PostgreSQL: set AGORA_TEST_DATABASE_URL to run it",
)

MANAGE_GUILD = 1 << 5
OPTIONS = ("🇦", "🇧", "🇨")
VOTERS = 12  # per server
SERVERS_PER_SHARD = 2


@pytest.fixture
async def processes(
    discord: Emulator, db: Database, migrated_database_url: str, tmp_path: Path
) -> AsyncIterator[list[BotProcess]]:
    """Process A runs shard 0 of 2, process B shard 1; both started together on the migrated database."""
    bots = [
        BotProcess(discord, migrated_database_url, tmp_path / name, name=name, shard_ids=[shard], shard_count=2)
        for shard, name in enumerate(("A", "B"))
    ]
    try:
        yield bots
    finally:
        for bot in bots:
            await bot.stop()
    errors = [f"{bot.name}: {line}" for bot in bots for line in bot.errors()]
    assert not errors, "\n".join(errors)


async def servers(discord: Emulator) -> dict[int, list[Guild]]:
    """The seeded server plus two more on each shard."""
    for shard in (0, 1):
        for index in range(SERVERS_PER_SHARD):
            await discord.create_guild(f"Shard {shard} #{index}", shard=(shard, 2))
    found: dict[int, list[Guild]] = {0: [], 1: []}
    for guild in discord.state.guilds.values():
        found[shard_of(guild.id, 2)].append(guild)
    return found


async def create_poll(discord: Emulator, guild: Guild) -> Message:
    role = await discord.create_role(guild, "hosts", permissions=MANAGE_GUILD)
    host = await discord.join(guild, f"host-{guild.id}", roles=[role])
    channel = guild.channel("general")
    reply = await host.slash(
        "poll create", question="Next workshop?", options="Git; Tests; Docker", duration="1h", channel=channel
    )
    await discord.wait_for(lambda: reply.content, what=f"the answer to /poll create in {guild.name}")
    assert "✅" in reply.content
    return next(m for m in reversed(channel.messages) if m.embeds and m.author_id == discord.bot.id)


def voters_of(message: Message, bot_id: int) -> set[tuple[int, str]]:
    """(member, emoji) of each reaction on the message, the bot's own excepted: what the votes must be."""
    return {
        (user, str(reaction.emoji.name))
        for reaction in message.reactions
        for user in reaction.user_ids
        if user != bot_id
    }


async def stored_votes(db: Database, message: Message) -> set[tuple[int, str]]:
    async with db.transaction() as session:
        rows = await session.execute(
            select(PollVote.voter_id, PollOption.emoji)
            .join(PollOption, PollOption.id == PollVote.option_id)
            .join(Poll, Poll.id == PollVote.poll_id)
            .where(Poll.message_id == message.id)
        )
        return {(voter, str(emoji)) for voter, emoji in rows}


def closed_showing(message: Message, voters: int) -> Callable[[], bool]:
    """Whether the poll message says it is closed, with this many voters."""
    label = f"{voters} voter" if voters == 1 else f"{voters} voters"

    def shows() -> bool:
        embed = message.embeds[0] if message.embeds else {}
        return "(closed)" in str(embed.get("title")) and label in str(embed.get("description"))

    return shows


async def test_two_processes_share_the_servers_and_stay_exact_after_a_kill(
    discord: Emulator, db: Database, processes: list[BotProcess]
) -> None:
    by_shard = await servers(discord)
    a, b = processes
    await a.start()
    await b.start()
    assert await a.ready() == len(by_shard[0]) and await b.ready() == len(by_shard[1])
    await discord.wait_for(lambda: discord.commands(), 20, "the commands synced by shard 0's process")
    assert discord.core.gateway.identified_shards.count((0, 2)) == 1
    assert discord.core.gateway.identified_shards.count((1, 2)) == 1
    assert a.logged("synced") and b.logged("commands are synced by the process that runs shard 0")
    syncs = [r for r in discord.requests if r.method == "PUT" and r.path.endswith("/commands")]
    assert len(syncs) == 1

    # A poll in every server: each /poll create is answered once (a second answer would be refused) and posted once.
    polls = {guild.id: await create_poll(discord, guild) for shard in (0, 1) for guild in by_shard[shard]}
    for guild_id, message in polls.items():
        posts = [m for m in discord.state.guilds[guild_id].channel("general").messages if m.embeds]
        assert posts == [message]

    # Members of every server; a reaction that is no option is taken back by the one process that got it.
    members: dict[int, list[MemberDriver]] = {}
    for guild_id in polls:
        guild = discord.state.guilds[guild_id]
        members[guild_id] = [await discord.join(guild, f"m{index}-{guild_id}") for index in range(VOTERS)]
    for guild_id, message in polls.items():
        await members[guild_id][0].react(message, "🍕")
    await discord.wait_for(
        lambda: all(message.reaction(Emoji("🍕")) is None for message in polls.values()), 20, "pizzas taken back"
    )
    takebacks = [r for r in discord.requests if r.method == "DELETE" and "/reactions/" in r.path]
    assert len(takebacks) == len(polls)

    # The burst: every member votes, some change their mind; process A is killed in the middle of it.
    core = discord.core
    burst = [
        (message, member.id, OPTIONS[index % len(OPTIONS)])
        for guild_id, message in polls.items()
        for index, member in enumerate(members[guild_id])
    ]
    interleaved = sorted(burst, key=lambda vote: (vote[1] % VOTERS, vote[0].id))
    third = len(interleaved) // 3
    for count, (message, member_id, emoji) in enumerate(interleaved):
        add_reaction(core, message, member_id, Emoji(emoji))
        if count % 5 == 4:
            remove_reaction(core, message, member_id, Emoji(emoji))
        if count == third:
            await discord.sync()  # both processes have handled the first third (A's writer may still hold some)
        if count == 2 * third:
            await a.kill()  # the second third was sent to A and maybe read, surely not all written

    # The deadlines pass while A is down; B stops too (SIGTERM), then both start again together.
    async with db.transaction() as session:
        await session.execute(
            update(scheduling.ScheduledJob)
            .where(scheduling.ScheduledJob.kind == service.CLOSE_JOB)
            .values(due_at=utcnow() - timedelta(seconds=1))
        )
    await b.stop()
    await a.start()
    await b.start()
    await a.ready()
    await b.ready()

    expected = {guild_id: voters_of(message, discord.bot.id) for guild_id, message in polls.items()}
    for guild_id, message in polls.items():
        voters = len({member for member, _ in expected[guild_id]})
        await discord.wait_for(closed_showing(message, voters), 30, f"the poll of {guild_id} closed")
    await discord.wait_for(
        lambda: all(
            sum(1 for m in discord.state.guilds[g].channel("general").messages if m.attachments) == 1 for g in polls
        ),
        30,
        "one results post per poll",
    )
    for guild_id, message in polls.items():
        assert await stored_votes(db, message) == expected[guild_id], f"votes of the poll in {guild_id}"
    assert len([r for r in discord.requests if r.method == "PUT" and r.path.endswith("/commands")]) == 1
    async with db.transaction() as session:
        runs = list(
            await session.execute(
                select(scheduling.ScheduledJob.runs, scheduling.ScheduledJob.state).where(
                    scheduling.ScheduledJob.kind == service.CLOSE_JOB
                )
            )
        )
        closed = await session.scalar(select(func.count()).select_from(Poll).where(Poll.closed_at.is_not(None)))
    assert sorted(runs) == [(1, scheduling.JobState.DONE)] * len(polls)
    assert closed == len(polls)
