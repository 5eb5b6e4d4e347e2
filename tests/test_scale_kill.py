"""kill -9 of `python -m bot run` in the middle of work with an effect on Discord: the restarted process finishes it
once.

The post is held on its way to Discord (as a slow network would) while the process is killed; Discord then handles
it anyway. The restarted process finds the work unfinished in the database, posts again with the same nonce, and
Discord (enforce_nonce) hands back the first post: one message. Closing a poll, greeting a newcomer, reminding the
members going to a session.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import update

from bot.database import Database
from models.scheduling import ScheduledJob
from models.sessions import rsvp
from models.sessions.rules import Status
from playground.emulator import Emulator
from playground.emulator.journal import RestRequest
from playground.emulator.state import Message
from tests.support import sessions
from tests.support.processes import BotProcess

MANAGE_GUILD = 1 << 5
ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
async def process(
    discord: Emulator, db: Database, migrated_database_url: str, tmp_path: Path
) -> AsyncIterator[BotProcess]:
    """The bot with the example configuration (its onboarding questionnaire greets newcomers)."""
    example = (ROOT / "config.example.toml").read_text(encoding="utf-8")
    bot = BotProcess(discord, migrated_database_url, tmp_path / "agora", name="agora", config=example)
    try:
        yield bot
    finally:
        await bot.stop()
    assert not bot.errors(), "\n".join(bot.errors())


def results(discord: Emulator) -> list[Message]:
    return [m for m in discord.guild.channel("general").messages if m.attachments and m.embeds]


def posts(discord: Emulator) -> list[RestRequest]:
    return [r for r in discord.requests if r.method == "POST" and r.path.endswith("/messages")]


def results_posts(discord: Emulator) -> list[RestRequest]:
    """Every call that posted (or tried to post) a poll's results: they carry the poll's results nonce."""
    return [
        r
        for r in discord.requests
        if r.method == "POST" and isinstance(r.json, dict) and str(r.json.get("nonce", "")).endswith(".results")
    ]


async def test_a_process_killed_while_closing_a_poll_is_finished_once_after_restart(
    discord: Emulator, process: BotProcess
) -> None:
    await process.start()
    await process.ready()
    await discord.wait_for(lambda: discord.commands(), 30, "the commands synced")
    role = await discord.create_role(discord.guild, "hosts", permissions=MANAGE_GUILD)
    host = await discord.member("hana", roles=[role])
    general = discord.guild.channel("general")
    reply = await host.slash("poll create", question="Next?", options="Git; Tests", channel=general)
    await discord.wait_for(lambda: reply.content, what="the poll created")
    poll = next(m for m in reversed(general.messages) if m.embeds)
    for name, emoji in (("alice", "🇦"), ("bob", "🇦"), ("carol", "🇧")):
        await (await discord.member(name)).react(poll, emoji)
    await discord.wait_for(lambda: "3 voters" in str(poll.embeds[0].get("description")), 30, "3 voters shown")

    release = asyncio.Event()
    held = discord.faults.delay("POST", f"/channels/{general.id}/messages", release, request=True)
    closing = asyncio.get_running_loop().create_task(host.slash("poll close", in_channel=general, timeout=60))
    await discord.wait_for(lambda: held.holding == 1, 30, "the results post on its way")
    await process.kill()
    release.set()  # Discord handles the post that was sent just before the process died
    await discord.wait_for(lambda: results(discord), 10, "the held results post")
    closing.cancel()  # its "done" answer never comes: the process died first
    with contextlib.suppress(asyncio.CancelledError):
        await closing

    await process.start()
    await process.ready()
    await discord.wait_for(lambda: len(results_posts(discord)) == 2, 30, "the restarted process posting them again")
    assert len({str(r.json["nonce"]) for r in results_posts(discord)}) == 1
    assert len(results(discord)) == 1
    assert "(closed)" in str(poll.embeds[0].get("title")) and "3 voters" in str(poll.embeds[0].get("description"))


async def test_a_process_killed_while_greeting_a_newcomer_greets_them_once_after_restart(
    discord: Emulator, process: BotProcess
) -> None:
    await process.start()
    await process.ready()
    release = asyncio.Event()
    held = discord.faults.delay("POST", "/channels/*/messages", release, request=True)
    dave = await discord.member("dave")
    await discord.wait_for(lambda: held.holding == 1, 30, "the greeting on its way")
    await process.kill()
    release.set()  # Discord handles the greeting sent just before the process died
    await discord.wait_for(lambda: dave.dms, 10, "the held greeting")

    await process.start()
    await process.ready()
    await discord.wait_for(lambda: len(posts(discord)) == 2, 120, "the restarted process greeting dave again")
    assert len({str(r.json["nonce"]) for r in posts(discord) if isinstance(r.json, dict)}) == 1  # the same greeting
    assert len(dave.dms) == 1 and "Start" in str(dave.dms[0].components)


@pytest.fixture
async def plain_process(
    discord: Emulator, db: Database, migrated_database_url: str, tmp_path: Path
) -> AsyncIterator[BotProcess]:
    """The bot with the default configuration (no questionnaire: no greetings among the DMs)."""
    bot = BotProcess(discord, migrated_database_url, tmp_path / "agora", name="agora")
    try:
        yield bot
    finally:
        await bot.stop()
    assert not bot.errors(), "\n".join(bot.errors())


async def test_a_process_killed_during_a_reminder_fan_out_reminds_everyone_once_after_restart(
    discord: Emulator, db: Database, plain_process: BotProcess
) -> None:
    process = plain_process
    readers = [discord.driver(member) for member in discord.add_members(discord.guild, 30, prefix="reader")]
    server = await sessions.set_up(discord, db)
    await process.start()
    await process.ready()
    await discord.wait_for(lambda: discord.commands(), 30, "the commands synced")
    planned = await sessions.create(
        server.host,
        title="Reading club",
        format="reading_club",
        start="2027-03-16 18:00",
        duration="1h",
        channel=server.voice,
    )
    assert "is planned" in planned.content, planned.content
    first = (await sessions.occurrences(db))[0]
    async with db.transaction() as session:
        for reader in readers:
            await rsvp.answer(session, first.id, reader.id, Status.GOING, source="button", now=sessions.utcnow())
    await process.stop()
    async with db.transaction() as session:  # the hour-before reminder falls due while the bot is down
        await session.execute(
            update(ScheduledJob)
            .where(ScheduledJob.kind == "sessions.remind", ScheduledJob.key == f"{first.id}:60")
            .values(due_at=sessions.utcnow())
        )

    def reminded() -> list[int]:
        return [sum("Reminder" in dm.content for dm in reader.dms) for reader in readers]

    release = asyncio.Event()
    held = discord.faults.delay("POST", "/channels/*/messages", release, times=len(readers), request=True)
    await process.start()
    await discord.wait_for(lambda: held.holding >= 1, 60, "the first reminders on their way")
    await process.kill()
    release.set()  # Discord handles the reminders that were sent just before the process died
    await discord.wait_for(lambda: held.holding == 0, 10, "the held reminders")
    assert sum(reminded()) < len(readers)  # the fan-out was cut short

    sent = len(posts(discord))
    await process.start()
    await process.ready()
    await discord.wait_for(  # every claim the dead run left unrecorded is taken back: one post a reader
        lambda: len(posts(discord)) - sent >= len(readers), 120, "the restarted run reminding every reader"
    )
    assert reminded() == [1] * len(readers)  # those Discord had already came back by their nonce
