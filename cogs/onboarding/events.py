"""What onboarding does on its own: greeting arrivals, noting departures, catching up on both after downtime, and
the one reminder to newcomers who have not finished."""

from __future__ import annotations

import logging

import discord

from bot import i18n
from bot.capability import job, listener
from bot.delivery import deliver, notify_hosts, postable
from bot.members import find_member, load_members
from cogs.onboarding.components import start_view
from cogs.onboarding.path import OnboardingPath
from cogs.onboarding.render import greeting_text
from models.base import utcnow
from models.conduct import service as conduct
from models.onboarding import service
from models.onboarding.rules import FirstStep, Greeting
from models.scheduling import DueJob

log = logging.getLogger(__name__)


class OnboardingEvents(OnboardingPath):
    @listener()
    async def on_member_join(self, member: discord.Member) -> None:
        if not member.bot:
            async with self.member_lock(member.id):
                await self.greet(member)

    @listener()
    async def on_raw_member_remove(self, payload: discord.RawMemberRemoveEvent) -> None:
        async with self.member_lock(payload.user.id), self.bot.db.transaction() as session:
            await service.record_leave(session, payload.guild_id, payload.user.id, now=utcnow())

    async def catch_up(self) -> None:
        """Greet members who joined while Agora was offline; note those who left."""
        for guild in self.bot.guilds:
            await self.catch_up_guild(guild)

    async def catch_up_guild(self, guild: discord.Guild) -> None:
        now = utcnow()
        present = {member.id: member for member in await load_members(guild)}
        async with self.bot.db.transaction() as session:
            since = (await service.onboarding_settings(session, guild.id, now=now)).watching_since
            known = await service.paths(session, guild.id)
        for member in present.values():
            path, joined = known.get(member.id), member.joined_at or now
            new = path is None and joined > since
            # Noted on arrival but never greeted: the bot stopped in between (whenever that arrival was: the first
            # start's catch-up and a join at that moment race to set `watching_since`).
            # (One who opened the path on their own needs no greeting.)
            unfinished = path is not None and path.left_at is None and path.greeted_at is None and not path.started_at
            back = path is not None and path.left_at is not None and joined > path.left_at
            if new or unfinished or back:
                async with self.member_lock(member.id):
                    await self.greet(member)
        async with self.bot.db.transaction() as session:
            for member_id, path in known.items():
                if path.left_at is None and member_id not in present:
                    await service.record_leave(session, guild.id, member_id, now=now)

    async def greet(self, member: discord.Member) -> None:
        """Welcome a newcomer with a Start button, in the welcome channel or by DM (each the other's fallback)."""
        guild, now = member.guild, utcnow()
        joined = member.joined_at or now
        async with self.bot.db.transaction() as session:
            context = await self.bot.context(session, guild.id)
            settings = await service.onboarding_settings(session, guild.id, now=now)
            fresh = await service.record_join(session, guild.id, member.id, joined_at=joined)
            fresh = fresh or await service.greeting_unsent(session, guild.id, member.id)
            published = await conduct.current_version(session, guild.id) is not None
            questions = len(await self.questions(session, guild.id))
            if fresh and not (published or questions):  # nothing to greet with: as good as greeted
                await service.record_greeting(
                    session, guild.id, member.id, channel_id=None, message_id=None, remind_at=None, now=now
                )
        if not fresh or not (published or questions):
            return
        language = context.language
        first = FirstStep(settings.first_step)
        message = await deliver(
            member,
            postable(guild, context.settings.welcome_channel_id),
            prefer_dm=settings.greeting == Greeting.DIRECT_MESSAGE,
            content=greeting_text(member, language, first, published=published, questions=questions),
            view=start_view(guild.id, member.id, language, "start"),
            nonce=f"w{member.id}{int(joined.timestamp() * 1000) % 100000}",
        )
        if message is None:
            await notify_hosts(guild, context, "onboarding.hosts.greeting_failed", member=member.mention)
        async with self.bot.db.transaction() as session:
            await service.record_greeting(
                session,
                guild.id,
                member.id,
                channel_id=message.channel.id if message else None,
                message_id=message.id if message else None,
                remind_at=service.reminder_due(now, settings.reminder_hours),
                now=now,
            )

    @job(service.REMIND_JOB, in_guild=True)
    async def remind(self, guild: discord.Guild, due: DueJob) -> None:
        """One reminder to a member still here who has not finished; the nonce makes a retried post a no-op."""
        member_id = int(due.payload["member_id"])
        async with self.bot.db.transaction() as session:
            context = await self.bot.context(session, guild.id)
            path = await service.get_path(session, guild.id, member_id)
            screen = await self.screen(session, context, guild, member_id)
        if path is None or path.left_at is not None or path.reminded_at is not None or screen.view is None:
            return  # gone, already reminded, or nothing left to do
        member = await find_member(guild, member_id)
        if member is None:
            return
        language = context.language
        sent = await deliver(
            member,
            postable(guild, context.settings.welcome_channel_id),
            prefer_dm=True,
            content=i18n.t(language, "onboarding.reminder.text", member=member.mention, server=guild.name),
            view=start_view(guild.id, member_id, language, "continue"),
            nonce=due.nonce,
        )
        if sent is None:
            await notify_hosts(guild, context, "onboarding.hosts.reminder_failed", member=member.mention)
        async with self.bot.db.transaction() as session:
            await service.mark_reminded(session, guild.id, member_id, now=utcnow())
