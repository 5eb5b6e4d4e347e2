"""Test helpers for the groups suites: Agora with the groups cog, a server with hosts and a moderators' channel,
and members creating groups through the charter form."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import select

from bot.client import Agora
from bot.config import Settings
from bot.database import Database
from models import guild_settings
from models.base import utcnow
from models.groups.tables import Group, GroupSeat
from models.guild_settings import ChannelPurpose
from playground.emulator import Emulator, MemberDriver, RunBot
from playground.emulator.state import Channel, Interaction, Message
from tests.conftest import AgoraHarness

GROUP_COGS = ("cogs.settings", "cogs.profiles", "cogs.groups")
MANAGE_GUILD = 1 << 5
DEFERRED = 5  # interaction callback types: "thinking…"
DEFERRED_UPDATE = 6


@pytest.fixture
async def agora(run_bot: RunBot, agora_settings: Settings) -> AsyncIterator[AgoraHarness]:
    """Agora with groups (and the settings and profile cogs they build on) only."""

    def build() -> Agora:
        return Agora(agora_settings, cogs=GROUP_COGS, guild_ready_timeout=0.05)

    harness = AgoraHarness(await run_bot(build, wait_for_sync=True), agora_settings, GROUP_COGS)
    await harness.caught_up()
    yield harness
    await harness.stop()


@dataclass
class Server:
    host: MemberDriver
    general: Channel
    moderators: Channel


async def set_up(discord: Emulator, db: Database) -> Server:
    hosts = await discord.create_role(discord.guild, "Hosts", permissions=MANAGE_GUILD)
    moderators = await discord.create_channel(discord.guild, "moderators")
    async with db.transaction() as session:
        await guild_settings.set_channel(
            session, discord.guild.id, ChannelPurpose.MODERATORS, moderators.id, now=utcnow()
        )
    host = await discord.member("hana", roles=[hosts])
    return Server(host, discord.guild.channel("general"), moderators)


async def answered(member: MemberDriver, interaction: Interaction) -> Interaction:
    """The interaction, once its deferred ("thinking…") answer came."""
    if interaction.response is not None and interaction.response.type == DEFERRED:
        await member.emulator.wait_for(lambda: interaction.followups, what=f"the answer to {interaction.label}")
    return interaction


async def create(
    member: MemberDriver,
    name: str,
    purpose: str = "Build a dashboard of our data",
    *,
    goals: str = "A first version by June",
    how: str = "A call every Tuesday",
    in_channel: Channel | None = None,
    **options: Any,
) -> Interaction:
    """/group create, then the charter form; returns the form's answer (or the command's, when it was refused)."""
    opened = await member.slash("group create", name=name, purpose=purpose, in_channel=in_channel, **options)
    if opened.modal is None:
        return opened
    submitted = await member.submit_modal({"goals": goals, "how": how}, opened_by=opened)
    return await answered(member, submitted)


async def click(member: MemberDriver, message: Message, button: str) -> Interaction:
    """Click, and wait for the answer: a message of its own, or (a deferred update) the clicked message edited, which
    Agora does last."""
    before = message.edited_timestamp
    interaction = await member.click(message, button)
    if interaction.response is not None and interaction.response.type == DEFERRED_UPDATE:
        await member.emulator.wait_for(
            lambda: message.edited_timestamp != before or interaction.followups, what=f"the answer to {button}"
        )
        return interaction
    return await answered(member, interaction)


async def group_named(db: Database, name: str) -> Group | None:
    async with db.transaction() as session:
        return await session.scalar(select(Group).where(Group.name == name).order_by(Group.id.desc()).limit(1))


async def seats(db: Database, group_id: int) -> dict[int, str]:
    async with db.transaction() as session:
        rows = await session.scalars(select(GroupSeat).where(GroupSeat.group_id == group_id))
        return {row.member_id: row.seat for row in rows}


def space(discord: Emulator, group: Group | None) -> Channel:
    assert group is not None and group.space_id is not None, "the group has no space"
    return discord.state.channels[group.space_id]


def texts(channel: Channel) -> list[str]:
    return [message.content for message in channel.messages]
