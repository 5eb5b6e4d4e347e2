"""Members coming and going: joining (open groups), asking (private ones), invitations, the waitlist's seats, the
lead's answers, leaving and handing over. The database decides; the space and role follow, and a member the
space refuses is not left half-in."""

from __future__ import annotations

import logging

import discord

from bot import i18n
from bot.checks import guild_of
from bot.client import Interaction
from bot.delivery import NO_PINGS
from bot.members import member_of
from bot.replies import acknowledge, send_ephemeral, update_message
from cogs.groups.components import invite_view, request_view
from cogs.groups.spaces import GroupSpaces, SpaceFailedError
from models.base import utcnow
from models.errors import NoLongerAvailableError, UserError
from models.groups import members
from models.groups.members import Joined
from models.groups.rules import Seat
from models.groups.tables import Group
from models.guild_settings import GuildContext

log = logging.getLogger(__name__)


class JoinFailedError(UserError, key="groups.join.space_failed"): ...


class GroupMembership(GroupSpaces):
    def space_mention(self, group: Group) -> str:
        return f"<#{group.space_id}>" if group.space_id else "—"

    async def join(self, interaction: Interaction, group_id: int) -> None:
        """`/group join` and an invitation's Join (from a DM too): seated, waitlisted or a request, said privately."""
        async with self.bot.db.transaction() as session:
            guild_id = (await members.group_by_id(session, group_id)).guild_id
        guild, member = await member_of(self.bot, guild_id, interaction.user.id, person=interaction.user)
        async with self.lock(group_id):
            async with self.bot.db.transaction() as session:
                context = await self.bot.context(session, guild.id, interaction)
                group = await members.lock_group(session, group_id)
                joined = await members.join_group(session, group, member.id, now=utcnow())
            if joined.seat == Seat.MEMBER:
                await self.seat_or_undo(guild, group, member.id)
        await self.after_join(interaction, guild, context, group, joined)

    async def seat_or_undo(self, guild: discord.Guild, group: Group, member_id: int) -> None:
        """Add a newly seated member to the space; when Discord refuses, the seat is given back."""
        try:
            await self.seat(guild, group, [member_id])
        except SpaceFailedError:
            async with self.bot.db.transaction() as session:
                await members.drop_seat(session, group.id, member_id)
            raise JoinFailedError() from None

    async def after_join(
        self, interaction: Interaction, guild: discord.Guild, context: GuildContext, group: Group, joined: Joined
    ) -> None:
        mine = context.reply_language
        member = interaction.user.mention
        if joined.seat == Seat.MEMBER:
            await self.say_in_space(
                guild, group, content=i18n.t(context.language, "groups.space.joined", member=member)
            )
            text = i18n.t(mine, "groups.join.done", name=group.name, space=self.space_mention(group))
        elif joined.seat == Seat.WAITLISTED:
            text = i18n.t(mine, "groups.join.waitlisted", name=group.name, position=joined.position)
        else:
            await self.ask_leads(guild, group, interaction.user.id, context)
            text = i18n.t(mine, "groups.join.requested", name=group.name)
        await send_ephemeral(interaction, text)

    async def ask_leads(self, guild: discord.Guild, group: Group, member_id: int, context: GuildContext) -> None:
        """The request, in the group's space where its leads answer it with two buttons; only the leads are pinged."""
        async with self.bot.db.transaction() as session:
            leads = [seat.member_id for seat in await members.seats(session, group.id) if seat.seat == Seat.LEAD]
        text = i18n.t(
            context.language,
            "groups.space.request",
            member=f"<@{member_id}>",
            leads=" ".join(f"<@{lead}>" for lead in leads) or "—",
        )
        pinged = discord.AllowedMentions(everyone=False, roles=False, users=[discord.Object(lead) for lead in leads])
        view = request_view(group.id, member_id, context.language)
        await self.say_in_space(guild, group, content=text, view=view, allowed_mentions=pinged)

    async def answer_request(self, interaction: Interaction, group_id: int, member_id: int, *, accept: bool) -> None:
        """A lead (or a host) accepts or declines; the requester hears by DM, the request message shows who did."""
        guild = guild_of(interaction)
        await acknowledge(interaction)
        async with self.lock(group_id):
            async with self.leading(interaction, group_id) as (session, context, group):
                joined = await members.answer_request(session, group, member_id, accept=accept, now=utcnow())
            if accept and joined is None:
                raise NoLongerAvailableError("groups.request.gone")
            if joined is not None and joined.seat == Seat.MEMBER:
                await self.seat_or_undo(guild, group, member_id)
        language = context.language
        outcome = "declined" if joined is None else "accepted" if joined.seat == Seat.MEMBER else "waitlisted"
        facts = {"name": group.name, "server": guild.name, "space": self.space_mention(group)}
        position = joined.position if joined is not None else None
        told = i18n.t(language, f"groups.request.{outcome}", **facts, position=position)
        await self.tell(guild, member_id, content=told)
        who = {"member": f"<@{member_id}>", "lead": interaction.user.mention}
        key = "groups.space.request_accepted" if joined is not None else "groups.space.request_declined"
        await update_message(interaction, content=i18n.t(language, key, **who), view=None)

    async def invite(self, interaction: Interaction, group: Group, invitee: discord.Member) -> None:
        guild = guild_of(interaction)
        async with self.lock(group.id), self.bot.db.transaction() as session:
            context = await self.bot.context(session, guild.id, interaction)
            group = await members.lock_group(session, group.id)
            await members.invite_member(
                session, group, interaction.user.id, invitee.id, invitee_is_bot=invitee.bot, now=utcnow()
            )
        language = context.language
        text = i18n.t(
            language,
            "groups.invite.dm",
            inviter=interaction.user.mention,
            name=group.name,
            server=guild.name,
            purpose=group.purpose,
        )
        sent = await self.tell(guild, invitee.id, content=text, view=invite_view(group.id, invitee.id, language))
        key = "groups.invite.sent" if sent else "groups.invite.no_dm"
        await send_ephemeral(interaction, i18n.t(context.reply_language, key, member=invitee.mention, name=group.name))

    async def answer_invite(self, interaction: Interaction, group_id: int, *, accept: bool) -> None:
        if accept:
            await self.join(interaction, group_id)
            return
        async with self.bot.db.transaction() as session:
            group = await members.group_by_id(session, group_id)
            declined = await members.decline_invitation(session, group, interaction.user.id)
            language = (await self.bot.context(session, group.guild_id, interaction)).reply_language
        if not declined:
            raise NoLongerAvailableError("groups.invite.gone")
        await send_ephemeral(interaction, i18n.t(language, "groups.invite.declined", name=group.name))

    async def leave(self, interaction: Interaction, group: Group) -> None:
        guild = guild_of(interaction)
        async with self.lock(group.id):
            async with self.bot.db.transaction() as session:
                context = await self.bot.context(session, guild.id, interaction)
                group = await members.lock_group(session, group.id)
                left = await members.leave_group(session, group, interaction.user.id, now=utcnow())
            if left.seat in (Seat.LEAD, Seat.MEMBER):
                await self.unseat(guild, group, [interaction.user.id])
                text = i18n.t(context.language, "groups.space.left", member=interaction.user.mention)
                await self.say_in_space(guild, group, content=text)
                await self.welcome_promoted(guild, group, left.promoted, context)
        key = "groups.leave.done" if left.seat in (Seat.LEAD, Seat.MEMBER) else "groups.leave.withdrawn"
        await send_ephemeral(interaction, i18n.t(context.reply_language, key, name=group.name))

    async def welcome_promoted(
        self, guild: discord.Guild, group: Group, promoted: list[int], context: GuildContext
    ) -> None:
        """Members the waitlist just seated: into the space, told there and by DM (a refusal gives the seat back)."""
        language = context.language
        for member_id in promoted:
            try:
                await self.seat_or_undo(guild, group, member_id)
            except JoinFailedError:
                log.warning("a waitlisted member of group %s could not be added to its space", group.id)
                continue
            text = i18n.t(language, "groups.space.promoted", member=f"<@{member_id}>")
            await self.say_in_space(guild, group, content=text, allowed_mentions=NO_PINGS)
            dm = i18n.t(
                language, "groups.promoted.dm", name=group.name, server=guild.name, space=self.space_mention(group)
            )
            await self.tell(guild, member_id, content=dm)

    async def hand_over(self, interaction: Interaction, group: Group, member: discord.Member) -> None:
        guild = guild_of(interaction)
        async with self.lock(group.id), self.bot.db.transaction() as session:
            context = await self.bot.context(session, guild.id, interaction)
            group = await members.lock_group(session, group.id)
            await members.transfer_lead(session, group, interaction.user.id, member.id, host=self.is_host(interaction))
        await self.say_in_space(
            guild, group, content=i18n.t(context.language, "groups.space.lead", member=member.mention)
        )
        done = i18n.t(context.reply_language, "groups.lead.done", member=member.mention, name=group.name)
        await send_ephemeral(interaction, done)
