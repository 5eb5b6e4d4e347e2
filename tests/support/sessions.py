"""Test helpers for the sessions suites: a server set up by a host, a clock the test moves, and jobs run now.

Time is an argument everywhere in Agora: the tests give the sessions cog and the scheduler one fake clock, move it,
and run the jobs that fall due — no real waiting, whatever the date the suite runs on.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select, update

from bot.client import Agora
from bot.config import Settings
from bot.database import Database
from models import guild_settings
from models.guild_settings import ChannelPurpose
from models.scheduling import JobState, ScheduledJob
from models.sessions.tables import SessionOccurrence
from playground.emulator import Emulator, MemberDriver
from playground.emulator.state import Channel, Interaction, Message, Role
from tests.conftest import AgoraHarness

MANAGE_GUILD = 1 << 5
DEFERRED = 5


class Clock:
    """A clock the test moves; `now()` is what Agora reads."""

    def __init__(self, start: datetime) -> None:
        self.current = start

    def __call__(self) -> datetime:
        return self.current

    def set(self, moment: datetime) -> None:
        self.current = moment

    def advance(self, **delta: float) -> datetime:
        self.current += timedelta(**delta)
        return self.current


def use_clock(bot: Agora, clock: Clock) -> None:
    """The sessions cog and the scheduler read this clock."""
    cog = bot.get_cog("Sessions")
    assert cog is not None
    cog.clock = clock  # type: ignore[attr-defined]
    cog.redraws.interval = 0.05  # type: ignore[attr-defined]
    bot.scheduler.clock = clock


class SessionsAgora(Agora):
    """Agora on the test's clock from its very start (catch-up included), every restart too; announcements are
    redrawn every 50 ms instead of every 2 s, so tests see counts without waiting."""

    def __init__(self, settings: Settings, clock: Clock, **options: Any) -> None:
        super().__init__(settings, **options)
        self.test_clock = clock

    async def setup_hook(self) -> None:
        await super().setup_hook()
        use_clock(self, self.test_clock)


async def run_due(agora: AgoraHarness) -> int:
    """Run every job due by the test's clock (Agora's timers follow real time), then wait until Agora is idle."""
    ran = await agora.bot.scheduler.run_due()
    await agora.idle()
    return ran


@dataclass
class Server:
    host: MemberDriver
    announcements: Channel
    voice: Channel
    hosts: Role


async def set_up(discord: Emulator, db: Database, *, host_locale: str = "en-US") -> Server:
    guild = discord.guild
    hosts = await discord.create_role(guild, "Hosts", permissions=MANAGE_GUILD)
    announcements = await discord.create_channel(guild, "announcements")
    voice = await discord.create_channel(guild, "lounge", type="voice")
    async with db.transaction() as session:
        await guild_settings.set_channel(
            session, guild.id, ChannelPurpose.ANNOUNCEMENTS, announcements.id, now=utcnow()
        )
    host = await discord.member("hana", locale=host_locale, roles=[hosts])
    return Server(host, announcements, voice, hosts)


def utcnow() -> datetime:
    return datetime.now(UTC)


async def create(host: MemberDriver, description: str = "Bring questions.", **options: Any) -> Interaction:
    """`/session create` and its description form; returns the form's answer."""
    opened = await host.slash("session create", **options)
    if opened.modal is None:
        return opened  # refused before the form
    return await host.submit_modal({"description": description}, opened_by=opened)


async def run_jobs(agora: AgoraHarness, clock: Clock, kind: str, *, key: str | None = None) -> int:
    """Bring pending jobs of `kind` (and `key`) to the clock's now and run what is due; returns how many ran."""
    db = agora.bot.db
    async with db.transaction() as session:
        query = update(ScheduledJob).where(ScheduledJob.kind == kind, ScheduledJob.state == JobState.PENDING)
        if key is not None:
            query = query.where(ScheduledJob.key == key)
        await session.execute(query.values(due_at=clock()))
    ran = await agora.bot.scheduler.run_due()
    await agora.idle()
    return ran


async def due_jobs(db: Database, kind: str) -> list[ScheduledJob]:
    async with db.transaction() as session:
        found = await session.scalars(
            select(ScheduledJob).where(ScheduledJob.kind == kind, ScheduledJob.state == JobState.PENDING)
        )
        return list(found)


async def occurrences(db: Database) -> list[SessionOccurrence]:
    async with db.transaction() as session:
        found = await session.scalars(select(SessionOccurrence).order_by(SessionOccurrence.starts_at))
        return list(found)


def posts(channel: Channel) -> list[Message]:
    return [message for message in channel.messages if message.embeds]


def button(message: Message, prefix: str) -> str:
    """The label of the message's button whose custom id starts with `prefix` (labels carry counts)."""
    for found in message.buttons():
        if str(found.get("custom_id", "")).startswith(prefix):
            return str(found.get("label"))
    raise AssertionError(f"no button {prefix!r} on message {message.id}")


async def slash(member: MemberDriver, command: str, /, **options: Any) -> Interaction:
    """Run a command and, when the bot deferred ("thinking…"), wait for its real answer."""
    reply = await member.slash(command, **options)
    if reply.response is not None and reply.response.type == DEFERRED:
        await member.emulator.wait_for(lambda: reply.followups, what=f"the answer to /{command}")
    return reply
