"""What every part of the mentoring cog shares: the two command groups, asking both members of a proposal, opening a
pair's private thread, telling members and closing threads, and the lines `/profile show` adds."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any, Literal

import discord
from discord import app_commands
from sqlalchemy.ext.asyncio import AsyncSession

from bot import i18n
from bot.capability import Capability
from bot.checks import channel_problems
from bot.delivery import notify_hosts, send_dm
from bot.members import display_names, find_member
from cogs.mentoring import render
from cogs.mentoring.components import consent_view, rating_view
from models import profiles
from models.base import utcnow
from models.guild_settings import GuildContext
from models.mentoring import pairs, rules, service
from models.mentoring.rounds import Proposal
from models.mentoring.tables import MenteeRequest, MentorOffer, Mentorship

log = logging.getLogger(__name__)

THREAD_NEEDS = ("create_private_threads", "send_messages_in_threads")
# Names in CSVs: asked from Discord (100 per gateway request) up to this many members, else from the cache only.
NAMES_ASKED_MAX = 1000
THREAD_NAME_MAX = 100
ARCHIVE_AFTER_MINUTES: Literal[10080] = 10080  # a week without messages; posting (a check-in) reopens it


class MentoringBase(Capability):
    mentor = app_commands.Group(
        name="mentor", description="Mentoring: offer to mentor, or ask for a mentor", guild_only=True
    )
    mentoring = app_commands.Group(
        name="mentoring", description="Mentoring rounds, pairs and their follow-up", guild_only=True
    )

    async def guild_context(self, guild_id: int) -> GuildContext:
        return await self.bot.read_context(guild_id)

    async def names(self, guild: discord.Guild, member_ids: Sequence[int]) -> dict[int, str]:
        """Display names for a CSV; for very large lists only those Agora already knows (the ids are there too)."""
        if len(member_ids) <= NAMES_ASKED_MAX:
            return await display_names(guild, member_ids)
        return {member_id: member.display_name for member_id in member_ids if (member := guild.get_member(member_id))}

    async def tell(self, guild: discord.Guild, member_id: int, **message: Any) -> bool:
        """A DM to a member still in the server; False when they left, do not accept DMs, or Discord refused."""
        try:
            member = await find_member(guild, member_id)
            return member is not None and await send_dm(member, **message) is not None
        except discord.HTTPException as error:
            log.warning("could not DM a member of guild %s about mentoring (%s)", guild.id, error.status)
            return False

    async def ask(self, guild: discord.Guild, proposals: Sequence[Proposal]) -> None:
        """DM both members of each proposal with Accept/Decline; the hosts hear about those who cannot be reached."""
        context = await self.guild_context(guild.id)
        language, unreachable = context.language, []
        for proposal in proposals:
            async with self.bot.db.transaction() as session:
                offer = await session.get(MentorOffer, (guild.id, proposal.mentor_id))
                request = await session.get(MenteeRequest, (guild.id, proposal.mentee_id))
            for member_id, to_mentor in ((proposal.mentor_id, True), (proposal.mentee_id, False)):
                content = render.proposal_text(
                    language,
                    guild.name,
                    to_mentor=to_mentor,
                    other=proposal.mentee_id if to_mentor else proposal.mentor_id,
                    why=proposal.why,
                    answer_by=proposal.answer_by,
                    note=offer.note if offer else None,
                    goals=request.goals if request else None,
                )
                if not await self.tell(guild, member_id, content=content, view=consent_view(proposal.id, language)):
                    unreachable.append(render.mention(member_id))
            async with self.bot.db.transaction() as session:
                await pairs.record_asked(session, [proposal.id], now=utcnow())
        if unreachable:
            await notify_hosts(guild, context, "mentoring.hosts.unreachable", members=", ".join(unreachable[:50]))

    async def no_thread(self, guild: discord.Guild, context: GuildContext, pair: Mentorship) -> None:
        """Hosts hear that a pair could not get its thread (no usable mentoring channel, or Discord refused)."""
        mentor, mentee = render.mention(pair.mentor_id), render.mention(pair.mentee_id)
        await notify_hosts(guild, context, "mentoring.hosts.no_channel", mentor=mentor, mentee=mentee)

    async def open_pair(self, guild: discord.Guild, pair: Mentorship) -> discord.Thread | None:
        """The pair's private thread in the mentoring channel, with both members and an intro; None (hosts told,
        members told to reach each other) when there is no usable channel."""
        async with self.bot.db.transaction() as session:
            context = await self.bot.context(session, guild.id)
            settings = await service.mentoring_settings(session, guild.id)
            zones = [
                (profile.timezone if profile else None)
                for profile in [
                    await profiles.get_profile(session, guild.id, m) for m in (pair.mentor_id, pair.mentee_id)
                ]
            ]
        language = context.language
        channel = guild.get_channel(context.settings.mentoring_channel_id or 0)
        members = [await find_member(guild, member_id) for member_id in (pair.mentor_id, pair.mentee_id)]
        if not isinstance(channel, discord.TextChannel) or channel_problems(channel, guild.me, *THREAD_NEEDS):
            await self.no_thread(guild, context, pair)
            for member_id in (pair.mentor_id, pair.mentee_id):
                other = pair.mentee_id if member_id == pair.mentor_id else pair.mentor_id
                await self.tell(
                    guild, member_id, content=i18n.t(language, "mentoring.pair.no_thread", other=render.mention(other))
                )
            return None
        names = " & ".join(member.display_name if member else "?" for member in members)
        try:
            thread = await channel.create_thread(
                name=f"🤝 {names}"[:THREAD_NAME_MAX],
                type=discord.ChannelType.private_thread,
                invitable=False,
                auto_archive_duration=ARCHIVE_AFTER_MINUTES,
                reason="Mentoring pair",
            )
            for member in members:
                if member is not None:
                    await thread.add_user(member)
            overlap = rules.daytime_overlap(zones[0], zones[1], utcnow())
            hours = render.overlap_text(language, (pair.mentor_id, zones[0]), (pair.mentee_id, zones[1]), overlap)
            intro = render.intro_text(language, pair.mentor_id, pair.mentee_id, pair.why, hours, settings.check_in_days)
            mentioned = discord.AllowedMentions(
                users=[m for m in members if m is not None], everyone=False, roles=False
            )
            await thread.send(intro, allowed_mentions=mentioned)
        except discord.HTTPException as error:
            log.warning("could not open the thread of mentorship %s in guild %s (%s)", pair.id, guild.id, error.status)
            await self.no_thread(guild, context, pair)
            return None
        async with self.bot.db.transaction() as session:
            await pairs.record_thread(session, pair.id, thread.id)
        return thread

    async def close_pair(
        self, guild: discord.Guild, pair: Mentorship, key: str, *, gone: int | None = None, **params: Any
    ) -> None:
        """Say in the pair's thread why it ends, archive it, and ask both members for feedback (not `gone`, who
        left the server)."""
        context = await self.guild_context(guild.id)
        language = context.language
        thread = guild.get_thread(pair.thread_id or 0) or (
            await self._fetch_thread(pair.thread_id) if pair.thread_id else None
        )
        if isinstance(thread, discord.Thread):
            try:
                await thread.send(i18n.t(language, key, **params), allowed_mentions=discord.AllowedMentions.none())
                await thread.edit(archived=True)
            except discord.HTTPException as error:
                log.warning("could not close the thread of mentorship %s (%s)", pair.id, error.status)
        for member_id in (pair.mentor_id, pair.mentee_id):
            if member_id == gone:
                continue
            other = pair.mentee_id if member_id == pair.mentor_id else pair.mentor_id
            prompt = i18n.t(language, "mentoring.feedback.prompt", other=render.mention(other), server=guild.name)
            await self.tell(guild, member_id, content=prompt, view=rating_view(pair.id))

    async def _fetch_thread(
        self, thread_id: int
    ) -> discord.abc.GuildChannel | discord.Thread | discord.abc.PrivateChannel | None:
        try:
            return await self.bot.fetch_channel(thread_id)
        except discord.HTTPException:
            return None

    async def profile_lines(self, session: AsyncSession, guild_id: int, member_id: int, language: str) -> list[str]:
        return render.profile_lines(language, await service.summary(session, guild_id, member_id))
