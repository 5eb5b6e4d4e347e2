"""What every part of the knowledge cog shares: the knowledge channel and its tags, and turning a Discord message into
something to index."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from datetime import datetime

import discord

from bot import i18n
from bot.capability import Capability
from bot.checks import channel_problems
from bot.client import Agora
from bot.read_once import ReadOnce
from models.errors import ChannelNotUsableError
from models.guild_settings import GuildContext
from models.knowledge import index, rules, service
from models.knowledge.rules import Kind, Tag
from models.knowledge.tables import KnowledgeSettings

log = logging.getLogger(__name__)

KnowledgeChannel = discord.ForumChannel | discord.TextChannel
INDEXED_TYPES = (discord.MessageType.default, discord.MessageType.reply)
POST_NEEDS = ("send_messages", "embed_links", "send_messages_in_threads")
TEXT_POST_NEEDS = (*POST_NEEDS, "create_public_threads", "read_message_history")


def knowledge_channel(guild: discord.Guild, context: GuildContext) -> KnowledgeChannel:
    """The server's knowledge channel (a forum, or a text channel whose posts are threads); else how to set one."""
    channel = guild.get_channel(context.settings.knowledge_forum_id or 0)
    if not isinstance(channel, discord.ForumChannel | discord.TextChannel):
        raise rules.NoKnowledgeChannelError()
    return channel


def usable_for_posts(channel: KnowledgeChannel) -> None:
    needs = POST_NEEDS if isinstance(channel, discord.ForumChannel) else TEXT_POST_NEEDS
    missing = channel_problems(channel, channel.guild.me, *needs)
    if missing:
        raise ChannelNotUsableError(channel=channel.mention, permissions=missing)


def knowledge_thread(channel: object, context: GuildContext) -> discord.Thread | None:
    """The thread, when `channel` is a thread of the knowledge channel."""
    forum_id = context.settings.knowledge_forum_id
    if isinstance(channel, discord.Thread) and forum_id and channel.parent_id == forum_id:
        return channel
    return None


def tag_names(thread: discord.Thread) -> list[str]:
    """The names of a forum post's tags; a thread of a text channel has none on Discord (its kind is Agora's)."""
    return [tag.name for tag in thread.applied_tags]


def jump(guild_id: int, channel_id: int, message_id: int) -> str:
    return f"https://discord.com/channels/{guild_id}/{channel_id}/{message_id}"


def helpful_count(message: discord.Message, emoji: str) -> int:
    """How many members (not counting Agora) reacted with the helpful emoji."""
    for reaction in message.reactions:
        if str(reaction.emoji) == emoji:
            return max(0, reaction.count - (1 if reaction.me else 0))
    return 0


def draft_of(
    message: discord.Message,
    thread: discord.Thread | None,
    *,
    kind: Kind,
    author_id: int | None = None,
    saved_by: int | None = None,
    helpful: int = 0,
    title: str = "",
    tags: Sequence[str] = (),
    link: str | None = None,
    content: str | None = None,
) -> index.Draft:
    """What to index of a message (the text of its embeds too, for posts Agora made with /share)."""
    text = message.content if content is None else content
    if content is None:
        for embed in message.embeds:
            text = "\n".join(part for part in (text, embed.description or "") if part)
    created: datetime = message.created_at
    return index.Draft(
        guild_id=message.guild.id if message.guild else 0,
        channel_id=message.channel.id,
        message_id=message.id,
        author_id=author_id or message.author.id,
        content=text,
        created_at=created,
        kind=kind,
        thread_id=thread.id if thread else None,
        title=title or (thread.name if thread else ""),
        tag_names=list(tags or (tag_names(thread) if thread else [])),
        link=link,
        saved_by=saved_by,
        helpful=helpful,
        edited_at=message.edited_at,
    )


class KnowledgeBase(Capability):
    def __init__(self, bot: Agora) -> None:
        super().__init__(bot)
        self.helpful_emojis = ReadOnce(self._read_helpful_emoji)  # guild → the emoji that counts as helpful
        # Reactions are counted one at a time, in the order they came: two at once would read the same count.
        self.helpful_counting = asyncio.Lock()

    async def _read_helpful_emoji(self, guild_id: int) -> str:
        async with self.bot.db.transaction() as session:
            return (await service.knowledge_settings(session, guild_id)).helpful_emoji

    async def ensure_tags(
        self, forum: discord.ForumChannel, settings: KnowledgeSettings, language: str
    ) -> dict[Tag, discord.ForumTag | None]:
        """Which forum tag stands for each of Agora's tags: the host's choice, else one named like it (in either
        language), else one Agora creates when it may manage the channel. Returns None for a tag it could not get."""
        found = self.match_tags(forum, settings)
        missing = [tag for tag, forum_tag in found.items() if forum_tag is None]
        can_create = forum.permissions_for(forum.guild.me).manage_channels
        room = 20 - len(forum.available_tags)  # Discord's limit of tags in a forum
        if missing and can_create and room > 0:
            names = rules.DEFAULT_TAG_NAMES.get(language, rules.DEFAULT_TAG_NAMES["en"])
            wanted = [
                discord.ForumTag(name=names[tag], emoji=rules.TAG_EMOJI[tag], moderated=tag is Tag.SOLVED)
                for tag in missing[:room]
            ]
            try:
                forum = await forum.edit(available_tags=[*forum.available_tags, *wanted])
            except discord.HTTPException as error:
                log.warning("could not create the knowledge tags in forum %s (%s)", forum.id, error.status)
            found = self.match_tags(forum, settings)
        return found

    @staticmethod
    def match_tags(forum: discord.ForumChannel, settings: KnowledgeSettings) -> dict[Tag, discord.ForumTag | None]:
        chosen = service.tag_ids(settings)
        by_id = {tag.id: tag for tag in forum.available_tags}
        by_name = {index.tag_key(tag.name): tag for tag in forum.available_tags}
        found: dict[Tag, discord.ForumTag | None] = {}
        for tag in Tag:
            names = [index.tag_key(names[tag]) for names in rules.DEFAULT_TAG_NAMES.values()]
            found[tag] = by_id.get(chosen[tag] or 0) or next((by_name[n] for n in names if n in by_name), None)
        return found

    async def record_tags(self, guild_id: int, found: dict[Tag, discord.ForumTag | None]) -> None:
        async with self.bot.db.transaction() as session:
            settings = await service.knowledge_settings(session, guild_id)
            for tag, forum_tag in found.items():
                if forum_tag is not None and service.tag_ids(settings)[tag] != forum_tag.id:
                    await service.set_tag(session, guild_id, tag, forum_tag.id, now=discord.utils.utcnow())

    def tag_label(self, language: str, tag: Tag) -> str:
        return f"{rules.TAG_EMOJI[tag]} {i18n.t(language, f'knowledge.tag.{tag.value}')}"
