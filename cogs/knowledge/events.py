"""What the knowledge base does on its own: it indexes the knowledge channel's posts and replies as they are written,
edited and deleted, counts helpful reactions, follows threads (title, tags, deletion), sets up a forum's tags when a
host picks it, posts the weekly digest, and catches up on what was written, edited or deleted while it was offline."""

from __future__ import annotations

import logging

import discord

from bot.capability import job, listener
from bot.delivery import notify_hosts, post, postable
from cogs.knowledge.base import INDEXED_TYPES, draft_of, helpful_count, knowledge_thread, tag_names
from cogs.knowledge.render import digest_embed
from cogs.knowledge.resources import ResourceCommands
from models.base import utcnow
from models.guild_settings import ChannelPurpose
from models.knowledge import digest, index, rules, service
from models.knowledge.rules import Kind, Tag
from models.scheduling import DueJob

log = logging.getLogger(__name__)

CATCH_UP_THREADS = 50
CATCH_UP_MESSAGES = 100


class KnowledgeEvents(ResourceCommands):
    @listener()
    async def on_message(self, message: discord.Message) -> None:
        if message.guild is None or message.author.bot or message.type not in INDEXED_TYPES:
            return
        if isinstance(message.channel, discord.Thread):
            await self.index_live(message)

    async def index_live(self, message: discord.Message) -> bool:
        """Index a message of a knowledge thread (its first message is the post); False when it is not one."""
        guild = message.guild
        if guild is None:
            return False
        async with self.bot.db.transaction() as session:
            context = await self.bot.context(session, guild.id)
            thread = knowledge_thread(message.channel, context)
            if thread is None:
                return False
            emoji = (await service.knowledge_settings(session, guild.id)).helpful_emoji
            if await index.get_thread(session, guild.id, thread.id) is None:
                await self.remember_thread(session, thread, author_id=thread.owner_id or message.author.id)
            kind = Kind.POST if message.id == thread.id else Kind.REPLY
            await index.index_message(
                session, draft_of(message, thread, kind=kind, helpful=helpful_count(message, emoji))
            )
        return True

    async def remember_thread(self, session: object, thread: discord.Thread, *, author_id: int) -> None:
        await index.record_thread(
            session,  # type: ignore[arg-type]
            thread.guild.id,
            thread.id,
            channel_id=thread.parent_id or 0,
            author_id=author_id,
            title=thread.name,
            tag_names=tag_names(thread),
            created_at=thread.created_at or utcnow(),
        )

    @listener()
    async def on_raw_message_edit(self, payload: discord.RawMessageUpdateEvent) -> None:
        """An edit re-indexes the message (a saved one too); an edit that empties it takes it out."""
        message = payload.message
        if payload.guild_id is None or message.author.bot:
            return
        if isinstance(message.channel, discord.Thread) and await self.index_live(message):
            return
        async with self.bot.db.transaction() as session:
            entry = await index.get_entry(session, payload.guild_id, message.id)
            if entry is not None:
                thread = message.channel if isinstance(message.channel, discord.Thread) else None
                draft = draft_of(message, thread, kind=Kind(entry.kind), title=index.first_line(message.content))
                await index.index_message(session, draft)

    @listener()
    async def on_raw_message_delete(self, payload: discord.RawMessageDeleteEvent) -> None:
        if payload.guild_id is not None:
            async with self.bot.db.transaction() as session:
                await index.unindex_message(session, payload.guild_id, payload.message_id)

    @listener()
    async def on_raw_bulk_message_delete(self, payload: discord.RawBulkMessageDeleteEvent) -> None:
        if payload.guild_id is not None:
            async with self.bot.db.transaction() as session:
                await index.unindex_messages(session, payload.guild_id, sorted(payload.message_ids))

    @listener()
    async def on_thread_create(self, thread: discord.Thread) -> None:
        """A new post: remembered (and, in a text channel, its starting message indexed). Agora's own posts
        (`/share`) are recorded by the command."""
        if self.bot.user is None or thread.owner_id == self.bot.user.id:
            return
        async with self.bot.db.transaction() as session:
            context = await self.bot.context(session, thread.guild.id)
            if knowledge_thread(thread, context) is None:
                return
        starter = None
        if isinstance(thread.parent, discord.TextChannel):
            try:
                starter = await thread.parent.fetch_message(thread.id)
            except discord.HTTPException:
                starter = None
        async with self.bot.db.transaction() as session:
            author = starter.author.id if starter is not None else thread.owner_id or 0
            await self.remember_thread(session, thread, author_id=author)
            if starter is not None and not starter.author.bot:
                await index.index_message(session, draft_of(starter, thread, kind=Kind.POST))

    @listener()
    async def on_raw_thread_update(self, payload: discord.RawThreadUpdateEvent) -> None:
        """A renamed post or changed tags follow into the index; the Solved tag, applied or taken off by hand,
        solves or reopens it."""
        thread = payload.thread or self.bot.get_channel(payload.thread_id)
        if not isinstance(thread, discord.Thread):
            return
        async with self.bot.db.transaction() as session:
            row = await index.get_thread(session, thread.guild.id, thread.id)
            if row is None:
                return
            solved = None
            if isinstance(thread.parent, discord.ForumChannel):
                settings = await service.knowledge_settings(session, thread.guild.id)
                mark = self.match_tags(thread.parent, settings)[Tag.SOLVED]
                solved = mark is not None and mark in thread.applied_tags
            await index.record_thread(
                session,
                thread.guild.id,
                thread.id,
                channel_id=row.channel_id,
                author_id=row.author_id,
                title=thread.name,
                tag_names=tag_names(thread) if isinstance(thread.parent, discord.ForumChannel) else row.tag_names,
                created_at=utcnow(),
                solved=solved,
            )

    @listener()
    async def on_raw_thread_delete(self, payload: discord.RawThreadDeleteEvent) -> None:
        async with self.bot.db.transaction() as session:
            await index.forget_thread(session, payload.guild_id, payload.thread_id)

    def may_be_helpful(self, payload: discord.RawReactionActionEvent) -> bool:
        """The server's helpful emoji, or any while it is not known yet (the handler reads it)."""
        if payload.guild_id is None:
            return False
        known = self.helpful_emojis.known(payload.guild_id)
        return known is None or known == str(payload.emoji)

    @listener(wants="may_be_helpful")
    async def on_raw_reaction_add(self, payload: discord.RawReactionActionEvent) -> None:
        if payload.member is None or not payload.member.bot:
            await self.count_reaction(payload, +1)

    @listener(wants="may_be_helpful")
    async def on_raw_reaction_remove(self, payload: discord.RawReactionActionEvent) -> None:
        await self.count_reaction(payload, -1)

    async def count_reaction(self, payload: discord.RawReactionActionEvent, delta: int) -> None:
        """Only the helpful emoji counts: a poll's votes and other reactions must not cost a transaction each."""
        if payload.guild_id is None or (self.bot.user and payload.user_id == self.bot.user.id):
            return
        if str(payload.emoji) != await self.helpful_emojis.get(payload.guild_id):
            return
        async with self.helpful_counting, self.bot.db.transaction() as session:
            await index.count_helpful(session, payload.guild_id, payload.message_id, delta)

    @listener("on_agora_channel_set")
    async def prepare_channel(
        self, guild: discord.Guild, purpose: ChannelPurpose, channel: discord.abc.GuildChannel | None
    ) -> None:
        """A host picked the knowledge forum: Agora creates the tags it needs there (when it may manage it)."""
        if purpose is not ChannelPurpose.KNOWLEDGE or not isinstance(channel, discord.ForumChannel):
            return
        async with self.bot.db.transaction() as session:
            context = await self.bot.context(session, guild.id)
            settings = await service.knowledge_settings(session, guild.id)
        mapping = await self.ensure_tags(channel, settings, context.language)
        await self.record_tags(guild.id, mapping)

    @listener()
    async def on_guild_join(self, guild: discord.Guild) -> None:
        await self.schedule_digest(guild)

    async def schedule_digest(self, guild: discord.Guild) -> None:
        async with self.bot.db.transaction() as session:
            context = await self.bot.context(session, guild.id)
            settings = await service.knowledge_settings(session, guild.id)
            await service.schedule_digest(session, settings, context.zone, now=utcnow())

    @job(service.DIGEST_JOB, in_guild=True)
    async def post_digest(self, guild: discord.Guild, due: DueJob) -> None:
        """The week's digest, once: its row is claimed first, and a retried post carries the same nonce."""
        async with self.bot.db.transaction() as session:
            context = await self.bot.context(session, guild.id)
            if not (await service.knowledge_settings(session, guild.id)).digest_enabled:
                return
            week = rules.digest_week(due.due_at, context.zone)
            if await digest.claim_digest(session, guild.id, week, now=utcnow()) is None:
                return
            week_digest = await digest.digest_content(session, guild.id, until=max(due.due_at, utcnow()))
        channel = postable(guild, context.settings.announcements_channel_id)
        if week_digest.empty or channel is None:
            if channel is None and not week_digest.empty:
                await notify_hosts(guild, context, "knowledge.digest.no_channel")
            async with self.bot.db.transaction() as session:
                await digest.record_digest(session, guild.id, week, 0, 0)
            return
        message = await post(channel, embed=digest_embed(week_digest, context.language, guild.id), nonce=due.nonce)
        if message is None:
            raise RuntimeError(f"the digest of guild {guild.id} could not be posted; retried")
        async with self.bot.db.transaction() as session:
            await digest.record_digest(session, guild.id, week, channel.id, message.id)

    async def catch_up(self) -> None:
        """Every server gets its weekly digest job; what members wrote, edited or deleted in open knowledge threads
        while Agora was offline reaches the index (up to CATCH_UP_THREADS threads, the latest CATCH_UP_MESSAGES
        messages of each)."""
        for guild in self.bot.guilds:
            try:
                await self.schedule_digest(guild)
                await self.catch_up_guild(guild)
            except Exception:
                log.exception("catching up on the knowledge base of guild %s failed", guild.id)

    async def catch_up_guild(self, guild: discord.Guild) -> None:
        context = await self.bot.read_context(guild.id)
        threads = [t for t in guild.threads if knowledge_thread(t, context) is not None][:CATCH_UP_THREADS]
        for thread in threads:
            await self.catch_up_thread(guild, thread)

    async def catch_up_thread(self, guild: discord.Guild, thread: discord.Thread) -> None:
        async with self.bot.db.transaction() as session:
            indexed = await index.thread_entries(session, guild.id, thread.id)
        try:
            read = [message async for message in thread.history(limit=CATCH_UP_MESSAGES)]
        except discord.HTTPException as error:
            log.info("could not read thread %s to catch up (%s)", thread.id, error.status)
            return
        for message in reversed(read):  # oldest first, as they were written
            if message.author.bot or message.type not in INDEXED_TYPES:
                continue
            if rules.out_of_date(indexed, message.id, message.edited_at):
                await self.index_live(message)
        gone = rules.vanished(indexed, {m.id for m in read}, whole_thread=len(read) < CATCH_UP_MESSAGES)
        if gone:
            async with self.bot.db.transaction() as session:
                await index.unindex_messages(session, guild.id, gone)
