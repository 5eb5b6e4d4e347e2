"""What every part of the groups cog shares: finding the group a command is about, per-group locks (two joins at
once never overfill a group), members as Discord objects, and telling people things."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from datetime import datetime
from typing import Any

import discord
from sqlalchemy.ext.asyncio import AsyncSession

from bot.capability import Capability
from bot.checks import guild_of
from bot.client import Agora, Interaction
from bot.delivery import send_dm
from bot.members import find_member
from models.errors import UserError
from models.groups import members, service
from models.groups.tables import Group
from models.guild_settings import GuildContext

log = logging.getLogger(__name__)

GROUP_LOCKS = 64


class WhichGroupError(UserError, key="groups.group.which"):
    """No group named, and the command was not used in a group's space."""


class GroupsBase(Capability):
    def __init__(self, bot: Agora) -> None:
        super().__init__(bot)
        self.group_locks = [asyncio.Lock() for _ in range(GROUP_LOCKS)]
        # {space id: group id} of active groups: messages there are the group's activity.
        self.spaces: dict[int, int] = {}
        self.activity_noted: dict[int, datetime] = {}  # group id → when its activity was last written

    def lock(self, group_id: int) -> asyncio.Lock:
        """One group's changes run one at a time in this process (the database row lock covers other processes)."""
        return self.group_locks[group_id % GROUP_LOCKS]

    async def named_group(self, session: AsyncSession, interaction: Interaction, name: str | None) -> Group:
        """The group an option names, else the group whose space the command was used in."""
        guild = guild_of(interaction)
        if name and name.strip():
            return await service.find_group(session, guild.id, name)
        channel = interaction.channel
        found = await service.group_in(session, guild.id, channel.id if channel is not None else None)
        if found is None:
            raise WhichGroupError()
        return found

    def is_host(self, interaction: Interaction) -> bool:
        return interaction.guild is not None and bool(interaction.permissions.manage_guild)

    @asynccontextmanager
    async def leading(
        self, interaction: Interaction, group_id: int
    ) -> AsyncIterator[tuple[AsyncSession, GuildContext, Group]]:
        """One transaction in which the member acts as the group's lead (or as a host): the group's row locked against
        other processes, the seat checked. Take `lock(group_id)` around it for this process."""
        async with self.bot.db.transaction() as session:
            context = await self.bot.context(session, guild_of(interaction).id, interaction)
            group = await members.lock_group(session, group_id)
            await members.require_seat(session, group, interaction.user.id, lead=True, host=self.is_host(interaction))
            yield session, context, group

    async def members(self, guild: discord.Guild, member_ids: Sequence[int]) -> list[discord.Member]:
        """The members still in the server, in the order given."""
        found = [await find_member(guild, member_id) for member_id in member_ids]
        return [member for member in found if member is not None]

    async def tell(self, guild: discord.Guild, member_id: int, **message: Any) -> bool:
        """A direct message to a member about a group; False when they are gone or closed their DMs."""
        member = await find_member(guild, member_id)
        return member is not None and await send_dm(member, **message) is not None

    def note_space(self, group: Group) -> None:
        if group.space_id is not None:
            self.spaces[group.space_id] = group.id

    def forget_space(self, group: Group) -> None:
        if group.space_id is not None:
            self.spaces.pop(group.space_id, None)
