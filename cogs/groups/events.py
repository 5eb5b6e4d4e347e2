"""What groups do on their own: note activity in their spaces, follow members who leave the server, prompt
check-ins, remind silent groups, send the hosts' digest, and catch up after downtime."""

from __future__ import annotations

import logging
from datetime import timedelta

import discord

from bot import i18n
from bot.capability import job, listener
from bot.delivery import post, postable
from bot.members import load_members
from cogs.groups.hosting import GroupHosting
from cogs.groups.render import fit, health_lines
from models.base import utcnow
from models.groups import members, rhythm, service
from models.groups.projects import CHECKIN_JOB
from models.groups.rules import SEATED, Status
from models.groups.tables import Group
from models.scheduling import DueJob

log = logging.getLogger(__name__)

# A busy thread writes its activity at most this often (the digest and the silence reminder count in days).
ACTIVITY_EVERY = timedelta(minutes=10)
# A creation older than this was left midway by a stopped process: its Discord objects and rows go.
STALE_CREATION = timedelta(minutes=10)


class GroupEvents(GroupHosting):
    @listener()
    async def on_message(self, message: discord.Message) -> None:
        group_id = self.spaces.get(message.channel.id)
        if group_id is None or message.author.bot:
            return
        now = utcnow()
        last = self.activity_noted.get(group_id)
        if last is not None and now - last < ACTIVITY_EVERY:
            return
        self.activity_noted[group_id] = now
        async with self.bot.db.transaction() as session:
            await service.note_activity(session, group_id, now=now)

    async def member_left(self, guild: discord.Guild, member_id: int) -> None:
        """They leave every group; a new lead and the waitlist's seats are announced in each space."""
        async with self.bot.db.transaction() as session:
            context = await self.bot.context(session, guild.id)
            changes = await members.member_gone(session, guild.id, member_id, now=utcnow())
        language = context.language
        for change in changes:
            group = change.group
            if group.status != Status.ACTIVE or change.seat not in SEATED:
                continue
            await self.unseat(guild, group, [member_id])
            lines = [i18n.t(language, "groups.space.member_gone", member=f"<@{member_id}>")]
            if change.new_lead is not None:
                lines.append(i18n.t(language, "groups.space.lead", member=f"<@{change.new_lead}>"))
            await self.say_in_space(guild, group, content="\n".join(lines))
            await self.welcome_promoted(guild, group, change.promoted, context)

    @job(CHECKIN_JOB, in_guild=True)
    async def check_in(self, guild: discord.Guild, due: DueJob) -> None:
        """The group's check-in prompt in its space; the nonce keeps a retried run from posting twice."""
        async with self.bot.db.transaction() as session:
            group = await rhythm.checkin_target(session, int(due.payload["group_id"]))
            context = await self.bot.context(session, guild.id)
        if group is None:
            return
        text = i18n.t(context.language, "groups.checkin.text", name=group.name)
        if await self.say_in_space(guild, group, content=text, nonce=due.nonce) is not None:
            async with self.bot.db.transaction() as session:
                await rhythm.mark_checkin(session, group.id, now=utcnow())

    @job(rhythm.SWEEP_JOB, in_guild=True)
    async def remind_silent(self, guild: discord.Guild, due: DueJob) -> None:
        """Each group silent for the server's silence days hears once, in its space, until it speaks again."""
        now = utcnow()
        async with self.bot.db.transaction() as session:
            context = await self.bot.context(session, guild.id)
            days, silent = await rhythm.silent_groups(session, guild.id, now=now)
        for group in silent:
            text = i18n.t(context.language, "groups.silence.text", name=group.name, days=days)
            nonce = f"s{group.id}.{int(group.last_activity_at.timestamp())}"[:25]
            if await self.say_in_space(guild, group, content=text, nonce=nonce) is not None:
                async with self.bot.db.transaction() as session:
                    await rhythm.mark_reminded(session, group.id, now=now)

    @job(rhythm.DIGEST_JOB, in_guild=True)
    async def send_digest(self, guild: discord.Guild, due: DueJob) -> None:
        """The week's health of every group, for the hosts in the moderators' channel."""
        async with self.bot.db.transaction() as session:
            context = await self.bot.context(session, guild.id)
            settings = await service.group_settings(session, guild.id)
            report, pending = await rhythm.health_report(session, guild.id, now=utcnow())
        channel = postable(guild, context.settings.moderators_channel_id)
        if not settings.digest or channel is None:
            log.info("no groups digest for guild %s (turned off, or no usable moderators' channel)", guild.id)
            return
        await post(channel, content=fit(health_lines(report, pending, context.language)), nonce=due.nonce)

    async def catch_up(self) -> None:
        """Creations a stopped process left midway are undone; members who left while Agora was offline leave
        their groups; the active groups' spaces are known again."""
        now = utcnow()
        async with self.bot.db.transaction() as session:
            stale = await service.stale_creations(session, now - STALE_CREATION)
        for group in stale:
            if self.bot.owns_guild(group.guild_id):  # another process undoes those of its own shards
                await self.undo_creation(group)
        async with self.bot.db.transaction() as session:
            self.spaces.update(await service.active_spaces(session))
        for guild in self.bot.guilds:
            await self.catch_up_departures(guild)

    async def undo_creation(self, group: Group) -> None:
        guild = self.bot.get_guild(group.guild_id)
        made: list[discord.Role | discord.abc.GuildChannel | discord.Thread] = []
        if guild is not None:
            role = guild.get_role(group.role_id or 0)
            space = await self.space_of(guild, group)
            made = [thing for thing in (role, space) if thing is not None]
        await self.unmake(made)
        async with self.bot.db.transaction() as session:
            if group.approved_at is None:
                await service.discard_group(session, group.id)
            else:
                await service.unapprove_group(session, group.id)
        log.warning("undid the creation of group %s in guild %s, left midway", group.id, group.guild_id)

    async def catch_up_departures(self, guild: discord.Guild) -> None:
        async with self.bot.db.transaction() as session:
            seated = await members.members_with_seats(session, guild.id)
        if not seated:
            return
        present = {member.id for member in await load_members(guild)}
        for member_id in sorted(seated - present):
            await self.member_left(guild, member_id)
