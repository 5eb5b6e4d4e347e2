"""What recognition does on its own: reactions that give or withdraw kudos, deleted messages, milestone roles, the
daily look at join anniversaries, the recognition post, and the recurring jobs of each server.

Reactions made while Agora was offline are not replayed (Discord keeps no history of them): they count from the
next time someone reacts, and a kudos stays until its reaction is removed while Agora runs or its message deleted.
"""

from __future__ import annotations

import contextlib
import logging
from collections import defaultdict

import discord

from bot.capability import job, listener
from bot.delivery import postable
from bot.members import find_member, load_members
from bot.roles import Problem, give_or_tell_hosts
from cogs.recognition import render
from cogs.recognition.celebrate import Celebrations
from models.recognition import milestones, posts
from models.recognition.kudos import KudosOp
from models.recognition.milestones import RoleState
from models.recognition.rules import Action, Cadence, Source, post_period
from models.recognition.tables import RecognitionSettings
from models.scheduling import DueJob

log = logging.getLogger(__name__)

POST_REACTION = "🎉"


class RecognitionEvents(Celebrations):
    # --- reactions and messages -------------------------------------------------------------------------------

    @listener(wants="may_be_kudos")
    async def on_raw_reaction_add(self, payload: discord.RawReactionActionEvent) -> None:
        with self.in_order.ticket() as submit:
            me = self.bot.user
            if payload.guild_id is None or me is None or payload.user_id == me.id:
                return
            if await self.is_kudos_reaction(payload.guild_id, payload.emoji):
                op = await self.reaction_kudos(payload, me.id)
                if op is not None:
                    submit(op)

    async def reaction_kudos(self, payload: discord.RawReactionActionEvent, me: int) -> KudosOp | None:
        """The author of the message gets a kudos from the member who reacted; Agora's own posts (celebrations,
        recognition posts) and bots' reactions are left alone."""
        if payload.member is not None:
            if payload.member.bot:
                return None
            self.remember_author(payload.member.guild.id, payload.member)
        author = payload.message_author_id
        if author is None:
            channel = self.bot.get_partial_messageable(payload.channel_id, guild_id=payload.guild_id)
            try:
                author = (await channel.fetch_message(payload.message_id)).author.id
            except discord.HTTPException:
                return None
        if author == me:
            return None
        guild_id = payload.guild_id or 0
        guild = self.bot.get_guild(guild_id)
        refused = None if author == payload.user_id else await self.receiver_refusal(guild, author)
        return KudosOp(
            Action.GIVE,
            guild_id,
            payload.user_id,
            author,
            await self.reaction_category(guild_id),
            source=Source.REACTION,
            channel_id=payload.channel_id,
            message_id=payload.message_id,
            refused=refused,
            emoji=str(payload.emoji),
        )

    @listener(wants="may_be_kudos")
    async def on_raw_reaction_remove(self, payload: discord.RawReactionActionEvent) -> None:
        with self.in_order.ticket() as submit:
            if payload.guild_id is not None and await self.is_kudos_reaction(payload.guild_id, payload.emoji):
                submit(KudosOp(Action.WITHDRAW, payload.guild_id, payload.user_id, message_id=payload.message_id))

    @listener()
    async def on_raw_reaction_clear(self, payload: discord.RawReactionClearEvent) -> None:
        with self.in_order.ticket() as submit:
            if payload.guild_id is not None:
                submit(KudosOp(Action.CLEAR_REACTIONS, payload.guild_id, message_id=payload.message_id))

    @listener(wants="may_be_kudos")
    async def on_raw_reaction_clear_emoji(self, payload: discord.RawReactionClearEmojiEvent) -> None:
        with self.in_order.ticket() as submit:
            if payload.guild_id is not None and await self.is_kudos_reaction(payload.guild_id, payload.emoji):
                submit(KudosOp(Action.CLEAR_REACTIONS, payload.guild_id, message_id=payload.message_id))

    @listener()
    async def on_raw_message_delete(self, payload: discord.RawMessageDeleteEvent) -> None:
        with self.in_order.ticket() as submit:
            if payload.guild_id is not None:
                submit(KudosOp(Action.DROP_MESSAGE, payload.guild_id, message_id=payload.message_id))

    @listener()
    async def on_raw_bulk_message_delete(self, payload: discord.RawBulkMessageDeleteEvent) -> None:
        for message_id in payload.message_ids:
            with self.in_order.ticket() as submit:
                if payload.guild_id is not None:
                    submit(KudosOp(Action.DROP_MESSAGE, payload.guild_id, message_id=message_id))

    @listener()
    async def on_raw_member_remove(self, payload: discord.RawMemberRemoveEvent) -> None:
        self.forget_author(payload.guild_id, payload.user.id)

    # Members are not cached: who is a member, and a bot, is remembered from what the gateway shows anyway (joins,
    # messages, reactions), so that a kudos to a message's author needs no request to Discord.

    @listener()
    async def on_member_join(self, member: discord.Member) -> None:
        self.remember_author(member.guild.id, member)

    @listener()
    async def on_message(self, message: discord.Message) -> None:
        if message.guild is not None and isinstance(message.author, discord.Member):
            self.remember_author(message.guild.id, message.author)

    @listener()
    async def on_guild_join(self, guild: discord.Guild) -> None:
        await self.ensure_jobs(guild.id)

    # --- jobs -------------------------------------------------------------------------------------------------

    async def catch_up(self) -> None:
        """Every server has its recurring jobs, in its current time zone and cadence."""
        for guild in self.bot.guilds:
            try:
                await self.ensure_jobs(guild.id)
            except Exception:
                log.exception("scheduling the recognition jobs of guild %s failed", guild.id)

    async def ensure_jobs(self, guild_id: int) -> None:
        async with self.bot.db.transaction() as session:
            context = await self.bot.context(session, guild_id)
            settings = await session.get(RecognitionSettings, guild_id)
            cadence = Cadence(settings.post_cadence) if settings else Cadence.WEEKLY
            await posts.ensure_jobs(session, guild_id, cadence, context.zone, now=self.clock())

    @job(milestones.ROLES_JOB, in_guild=True)
    async def give_milestone_roles(self, guild: discord.Guild, due: DueJob) -> None:
        """The roles hosts mapped to the milestones members reached; what Discord refuses is told to the hosts."""
        async with self.bot.db.transaction() as session:
            context = await self.bot.context(session, guild.id)
            todo = await milestones.roles_to_give(session, guild.id)
        by_member: dict[int, list[milestones.RoleToGive]] = defaultdict(list)
        for item in todo:
            by_member[item.member_id].append(item)
        for member_id, items in by_member.items():
            member = await find_member(guild, member_id)
            if member is None:
                async with self.bot.db.transaction() as session:
                    await milestones.mark_roles(session, [item.milestone_id for item in items], RoleState.GONE)
                continue
            roles = [role for item in items if (role := guild.get_role(item.role_id)) is not None]
            missing = [item for item in items if guild.get_role(item.role_id) is None]
            held = {role.id for role in member.roles}
            change = await give_or_tell_hosts(
                member,
                roles,
                context,
                reason="Recognition milestone",
                notice="recognition.hosts.role_failed",
                unresolved=[Problem(str(item.role_id), "errors.role_not_assignable") for item in missing],
            )
            held |= {role.id for role in change.done}
            given = [item.milestone_id for item in items if item.role_id in held]
            failed = [item.milestone_id for item in items if item.role_id not in held]
            async with self.bot.db.transaction() as session:
                await milestones.mark_roles(session, given, RoleState.GIVEN)
                await milestones.mark_roles(session, failed, RoleState.FAILED)

    @job(posts.DAILY_JOB, in_guild=True)
    async def daily(self, guild: discord.Guild, due: DueJob) -> None:
        """Join anniversaries of the last few days; the jobs follow a time zone a host changed since."""
        joined = {member.id: member.joined_at for member in await load_members(guild) if member.joined_at}
        async with self.bot.db.transaction() as session:
            await milestones.record_anniversaries(session, guild.id, joined, now=self.clock())
        await self.ensure_jobs(guild.id)

    @job(posts.POST_JOB, in_guild=True)
    async def post_milestones(self, guild: discord.Guild, due: DueJob) -> None:
        """One post for the period's milestones, posted once: claimed and committed first, sent with its nonce."""
        async with self.bot.db.transaction() as session:
            context = await self.bot.context(session, guild.id)
            settings = await session.get(RecognitionSettings, guild.id)
        cadence = Cadence(settings.post_cadence) if settings else Cadence.WEEKLY
        channel = postable(guild, context.settings.thanks_channel_id) or postable(
            guild, context.settings.announcements_channel_id
        )
        if cadence is Cadence.OFF or channel is None:
            return  # the milestones wait for a post
        async with self.bot.db.transaction() as session:
            draft = await posts.claim_post(
                session, guild.id, post_period(cadence, due.due_at, context.zone), now=self.clock()
            )
        if draft is None or draft.message_id is not None:
            return
        message = await channel.send(
            embed=render.recognition_post(context.language, draft, guild.name),
            nonce=draft.nonce,
            allowed_mentions=discord.AllowedMentions.none(),
        )
        async with self.bot.db.transaction() as session:
            await posts.mark_posted(
                session, draft.post_id, channel_id=channel.id, message_id=message.id, now=self.clock()
            )
        with contextlib.suppress(discord.HTTPException):
            await message.add_reaction(POST_REACTION)
