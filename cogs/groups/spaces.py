"""A group's space on Discord: a private thread (or a private channel where the host chose so) and an optional
role. Made all at once or not at all: whatever Discord refuses midway, what was made is deleted again."""

from __future__ import annotations

import contextlib
import logging
import re
from typing import Literal

import discord

from bot.checks import channel_problems
from bot.delivery import NO_PINGS, post
from bot.i18n import Terms
from bot.roles import give_roles, take_roles
from cogs.groups.base import GroupsBase
from cogs.groups.render import charter_embed
from models.base import utcnow
from models.errors import ChannelNotUsableError, UserError
from models.groups import members, service
from models.groups.rules import SEATED, Space
from models.groups.tables import Group, GroupSettings

log = logging.getLogger(__name__)

THREAD_NEEDS = ("create_private_threads", "send_messages_in_threads", "manage_threads", "embed_links")
CHANNEL_NEEDS = ("manage_channels", "manage_roles")
WEEK: Literal[10080] = 10080  # minutes: the longest a thread stays open without messages before Discord archives it
MEMBER_CAN = discord.PermissionOverwrite(view_channel=True, send_messages=True, read_message_history=True)
MEMBER_READS = discord.PermissionOverwrite(view_channel=True, send_messages=False, read_message_history=True)

SpaceChannel = discord.Thread | discord.TextChannel


class SpaceFailedError(UserError, key="groups.create.space_failed"):
    """Discord refused a step of making the group's space; nothing of it is left."""


class NoParentError(UserError, key="groups.create.no_channel"): ...


class NoRoleRightsError(UserError, key="groups.create.no_role_rights"): ...


class GroupSpaces(GroupsBase):
    def parent_for(
        self, guild: discord.Guild, settings: GroupSettings, here: object
    ) -> discord.TextChannel | discord.CategoryChannel | None:
        """Where the space is made, checked now so a member hears at once what is missing: a private thread in the
        groups channel (else the channel the command ran in), or a private channel in the groups category."""
        me = guild.me
        if settings.space == Space.CHANNEL:
            missing = Terms(f"permissions.{name}" for name in CHANNEL_NEEDS if not getattr(me.guild_permissions, name))
            if missing:
                raise ChannelNotUsableError(channel=guild.name, permissions=missing)
            category = guild.get_channel(settings.parent_id or 0)
            return category if isinstance(category, discord.CategoryChannel) else None
        parent: object = guild.get_channel(settings.parent_id) if settings.parent_id else None
        if parent is None:
            parent = here.parent if isinstance(here, discord.Thread) else here
        if not isinstance(parent, discord.TextChannel):
            raise NoParentError()
        problems = channel_problems(parent, me, *THREAD_NEEDS)
        if problems:
            raise ChannelNotUsableError(channel=parent.mention, permissions=problems)
        return parent

    def check_role_rights(self, guild: discord.Guild) -> None:
        if not guild.me.guild_permissions.manage_roles:
            raise NoRoleRightsError()

    async def open_space(self, guild: discord.Guild, group_id: int) -> Group:
        """Make the group's role, space and charter post, seat its members there, and activate it; on any refusal
        delete what was made, discard the creation, and raise `SpaceFailedError`."""
        async with self.bot.db.transaction() as session:
            context = await self.bot.context(session, guild.id)
            group = await session.get_one(Group, group_id)
            seated = [seat.member_id for seat in await members.seats(session, group_id) if seat.seat in SEATED]
        made: list[discord.Role | discord.abc.GuildChannel | discord.Thread] = []
        try:
            people = await self.members(guild, seated)
            role = await self._make_role(guild, group) if group.with_role else None
            if role is not None:
                made.append(role)
            space = await self._make_space(guild, group, people)
            made.append(space)
            async with self.bot.db.transaction() as session:
                await service.record_space(session, group_id, space_id=space.id, role_id=role.id if role else None)
            for person in people:
                await self._seat_in_space(space, person, role)
            embed = charter_embed(group, context.language, lead_id=seated[0] if seated else None)
            await space.send(embed=embed, allowed_mentions=NO_PINGS, nonce=f"g{group_id}")
            async with self.bot.db.transaction() as session:
                group = await service.activate_group(session, group_id, now=utcnow())
        except (discord.HTTPException, SpaceFailedError) as error:
            log.warning("could not make the space of group %s in guild %s: %s", group_id, guild.id, error)
            await self.unmake(made)
            async with self.bot.db.transaction() as session:
                if group.approved_at is None:
                    await service.discard_group(session, group_id)
                else:
                    await service.unapprove_group(session, group_id)
            raise SpaceFailedError() from None
        self.note_space(group)
        return group

    async def unmake(self, made: list[discord.Role | discord.abc.GuildChannel | discord.Thread]) -> None:
        for thing in reversed(made):
            with contextlib.suppress(discord.HTTPException):
                await thing.delete(reason="The working group could not be created")

    async def _make_role(self, guild: discord.Guild, group: Group) -> discord.Role:
        return await guild.create_role(name=group.name, mentionable=False, reason=f"Working group: {group.name}")

    async def _make_space(self, guild: discord.Guild, group: Group, people: list[discord.Member]) -> SpaceChannel:
        if group.space_kind == Space.CHANNEL:
            overwrites: dict[discord.Role | discord.Member | discord.Object, discord.PermissionOverwrite] = {
                guild.default_role: discord.PermissionOverwrite(view_channel=False),
                guild.me: discord.PermissionOverwrite(view_channel=True, send_messages=True, embed_links=True),
            }
            overwrites.update({person: MEMBER_CAN for person in people})
            category = guild.get_channel(group.parent_id or 0)
            return await guild.create_text_channel(
                channel_name(group.name),
                category=category if isinstance(category, discord.CategoryChannel) else None,
                overwrites=overwrites,
                topic=group.purpose,
                reason=f"Working group: {group.name}",
            )
        parent = guild.get_channel(group.parent_id or 0)
        if not isinstance(parent, discord.TextChannel):
            raise SpaceFailedError()
        return await parent.create_thread(
            name=group.name,
            type=discord.ChannelType.private_thread,
            invitable=False,
            auto_archive_duration=WEEK,
            reason=f"Working group: {group.name}",
        )

    async def _seat_in_space(self, space: SpaceChannel, person: discord.Member, role: discord.Role | None) -> None:
        if isinstance(space, discord.Thread):
            await space.add_user(person)
        elif space.overwrites_for(person) != MEMBER_CAN:
            await space.set_permissions(person, overwrite=MEMBER_CAN, reason="Joined the working group")
        if role is not None:
            await give_roles(person, [role], reason="Joined the working group")

    async def space_of(self, guild: discord.Guild, group: Group) -> SpaceChannel | None:
        """The group's thread or channel, from the cache or Discord (archived threads are not cached)."""
        if group.space_id is None:
            return None
        found = guild.get_channel_or_thread(group.space_id)
        if found is None:
            try:
                found = await guild.fetch_channel(group.space_id)
            except discord.HTTPException:
                return None
        return found if isinstance(found, discord.Thread | discord.TextChannel) else None

    async def reopen(self, space: SpaceChannel) -> None:
        """A quiet thread that Discord archived takes no members until it is open again."""
        if isinstance(space, discord.Thread) and space.archived and not space.locked:
            await space.edit(archived=False)

    async def seat(self, guild: discord.Guild, group: Group, member_ids: list[int]) -> None:
        """Add members to the group's space and role; raises `SpaceFailedError` when Discord refuses."""
        space = await self.space_of(guild, group)
        role = guild.get_role(group.role_id) if group.role_id else None
        if space is None:
            raise SpaceFailedError()
        try:
            await self.reopen(space)
            for person in await self.members(guild, member_ids):
                await self._seat_in_space(space, person, role)
        except discord.HTTPException as error:
            log.warning("could not add members to group %s in guild %s (%s)", group.id, guild.id, error.status)
            raise SpaceFailedError() from None

    async def unseat(self, guild: discord.Guild, group: Group, member_ids: list[int]) -> None:
        """Remove members from the space and role; a refusal is logged (they are out of the group all the same)."""
        space = await self.space_of(guild, group)
        role = guild.get_role(group.role_id) if group.role_id else None
        try:
            if space is not None:
                await self.reopen(space)
            for member_id in member_ids:
                if isinstance(space, discord.Thread):
                    await space.remove_user(discord.Object(member_id))
                elif space is not None:
                    await self.bot.http.delete_channel_permissions(space.id, member_id, reason="Left the working group")
            if role is not None:
                for person in await self.members(guild, member_ids):
                    await take_roles(person, [role], reason="Left the working group")
        except discord.HTTPException as error:
            log.warning("could not remove members from group %s in guild %s (%s)", group.id, guild.id, error.status)

    async def say_in_space(self, guild: discord.Guild, group: Group, **message: object) -> discord.Message | None:
        space = await self.space_of(guild, group)
        return await post(space, **message) if space is not None else None

    async def close_space(self, guild: discord.Guild, group: Group, seated: list[int]) -> bool:
        """Archive and lock the thread (a channel: members keep reading, nobody writes), delete the role."""
        space = await self.space_of(guild, group)
        try:
            if isinstance(space, discord.Thread):
                await space.edit(archived=True, locked=True, reason="The working group finished")
            elif space is not None:
                overwrites = dict(space.overwrites)
                for person in await self.members(guild, seated):
                    overwrites[person] = MEMBER_READS
                await space.edit(overwrites=overwrites, reason="The working group finished")
            role = guild.get_role(group.role_id) if group.role_id else None
            if role is not None:
                await role.delete(reason="The working group finished")
        except discord.HTTPException as error:
            log.warning("could not close the space of group %s in guild %s (%s)", group.id, guild.id, error.status)
            return False
        return True


def channel_name(name: str) -> str:
    """A text channel's name as Discord shows them: lower case, words joined by dashes."""
    return re.sub(r"[^\w-]+", "-", name.casefold()).strip("-")[:100] or "group"
