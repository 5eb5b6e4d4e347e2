"""`/kb`: members search the knowledge base and choose whether it keeps their messages; hosts export it, set up the
forum's tags and the weekly digest."""

from __future__ import annotations

import discord
from discord import app_commands

from bot import i18n
from bot.checks import guild_of, host_only
from bot.client import Interaction
from bot.replies import send_ephemeral, send_export, think, update_message
from bot.ui import own
from cogs.knowledge.base import knowledge_channel
from cogs.knowledge.components import pages_view
from cogs.knowledge.render import results_embed
from cogs.knowledge.sharing import KnowledgeSharing
from models.base import utcnow
from models.errors import NoLongerAvailableError, UserError
from models.knowledge import index, rules, service
from models.knowledge.rules import Tag
from models.knowledge.search import Filters
from models.localized import LANGUAGE_NAMES

LANGUAGE_CHOICES = [app_commands.Choice(name=name, value=code) for code, name in LANGUAGE_NAMES.items()]
DAY_CHOICES = [
    app_commands.Choice(name=app_commands.locale_str(name, key=f"knowledge.day.{day}"), value=day)
    for day, name in enumerate(("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"))
]
EMOJI_MAX = 64


class BadEmojiError(UserError, key="knowledge.settings.bad_emoji"): ...


class UnknownTagError(UserError, key="knowledge.tags.unknown"): ...


class KnowledgeCommands(KnowledgeSharing):
    kb = app_commands.Group(
        name="kb", description="Search the knowledge base, or choose what it keeps of you", guild_only=True
    )

    @kb.command(name="search", description="Search the knowledge base (accents and word forms do not matter)")
    @app_commands.describe(
        query="Words to look for",
        tag="Only posts with this tag",
        author="Only this member's messages",
        language="Only this language",
    )
    @app_commands.choices(language=LANGUAGE_CHOICES)
    async def search(
        self,
        interaction: Interaction,
        query: app_commands.Range[str, 1, rules.QUERY_MAX],
        tag: app_commands.Range[str, 1, rules.TAG_NAME_MAX * 2] | None = None,
        author: discord.User | None = None,
        language: app_commands.Choice[str] | None = None,
    ) -> None:
        guild = guild_of(interaction)
        filters = Filters(
            tag=index.tag_key(tag) or None if tag else None,
            author_id=author.id if author else None,
            language=language.value if language else None,
        )
        async with self.bot.db.transaction() as session:
            context = await self.bot.context(session, guild.id, interaction)
            saved, found = await service.start_search(
                session, guild.id, interaction.user.id, query, filters, now=utcnow()
            )
            tags = await service.thread_tags(session, [entry for entry, _ in found.hits])
        page = rules.Page.of(0, found.total, rules.PAGE_SIZE)
        embed = results_embed(saved, found, page, context.reply_language, tags)
        view = pages_view(saved.id, page)
        await send_ephemeral(interaction, "", embed=embed, view=view or discord.utils.MISSING)

    @search.autocomplete("query")
    async def suggest_titles(self, interaction: Interaction, current: str) -> list[app_commands.Choice[str]]:
        if interaction.guild_id is None:
            return []
        async with self.bot.db.transaction() as session:
            titles = await service.title_suggestions(session, interaction.guild_id, current[: rules.QUERY_MAX])
        return [app_commands.Choice(name=title[:100], value=title[:100]) for title in titles]

    @search.autocomplete("tag")
    async def suggest_tags(self, interaction: Interaction, current: str) -> list[app_commands.Choice[str]]:
        guild = interaction.guild
        if guild is None:
            return []
        context = await self.bot.read_context(guild.id, interaction)
        channel = guild.get_channel(context.settings.knowledge_forum_id or 0)
        if isinstance(channel, discord.ForumChannel):
            names = [tag.name for tag in channel.available_tags]
        else:
            names = [i18n.t(context.language, f"knowledge.tag.{tag.value}") for tag in Tag]
        typed = index.tag_key(current)
        return [app_commands.Choice(name=n, value=n) for n in names if index.tag_key(n).startswith(typed)][:25]

    async def show_page(self, interaction: Interaction, search_id: int, wanted: int) -> None:
        async with self.bot.db.transaction() as session:
            language = (await self.bot.context(session, interaction.guild_id or 0, interaction)).reply_language
            result = await service.search_page(session, search_id, wanted)
            if result is None:
                raise NoLongerAvailableError()
            own(interaction, result[0].member_id)
            page = rules.Page.of(wanted, result[1].total, rules.PAGE_SIZE)
            if page.number != wanted:
                result = await service.search_page(session, search_id, page.number) or result
            saved, found = result
            tags = await service.thread_tags(session, [entry for entry, _ in found.hits])
        view = pages_view(saved.id, page)
        embed = results_embed(saved, found, page, language, tags)
        await update_message(interaction, embed=embed, view=view)

    @kb.command(name="optout", description="Keep all your messages out of the knowledge base")
    async def optout(self, interaction: Interaction) -> None:
        guild = guild_of(interaction)
        async with self.bot.db.transaction() as session:
            language = (await self.bot.context(session, guild.id, interaction)).reply_language
            removed = await service.opt_out(session, guild.id, interaction.user.id, now=utcnow())
        await send_ephemeral(interaction, i18n.tn(language, "knowledge.optout.done", removed))

    @kb.command(name="optin", description="Let the knowledge base index your messages again")
    async def optin(self, interaction: Interaction) -> None:
        guild = guild_of(interaction)
        async with self.bot.db.transaction() as session:
            language = (await self.bot.context(session, guild.id, interaction)).reply_language
            was_out = await service.opt_in(session, guild.id, interaction.user.id)
        await send_ephemeral(
            interaction, i18n.t(language, "knowledge.optin.done" if was_out else "knowledge.optin.already")
        )

    @kb.command(name="export", description="Download the knowledge index's titles, authors, tags and counts (CSV)")
    @host_only()
    async def export(self, interaction: Interaction) -> None:
        guild = guild_of(interaction)
        await think(interaction)
        async with self.bot.db.transaction() as session:
            language = (await self.bot.context(session, guild.id, interaction)).reply_language
            rows = await service.export_rows(session, guild.id)
        done = i18n.tn(language, "knowledge.export.done", len(rows))
        await send_export(interaction, done, service.EXPORT_COLUMNS, rows, f"knowledge-{guild.id}.csv")

    @kb.command(name="settings", description="Show or change the weekly digest and the helpful emoji")
    @app_commands.describe(
        digest="Post the weekly digest in the announcements channel",
        day="The day of the digest",
        emoji="The reaction that marks a helpful message",
    )
    @app_commands.choices(day=DAY_CHOICES)
    @host_only()
    async def settings(
        self,
        interaction: Interaction,
        digest: bool | None = None,
        day: app_commands.Choice[int] | None = None,
        emoji: app_commands.Range[str, 1, EMOJI_MAX] | None = None,
    ) -> None:
        guild = guild_of(interaction)
        if emoji is not None:
            emoji = check_emoji(emoji)
        async with self.bot.db.transaction() as session:
            context = await self.bot.context(session, guild.id, interaction)
            chosen = await service.set_digest(
                session,
                guild.id,
                enabled=digest,
                day=day.value if day else None,
                emoji=emoji,
                zone=context.zone,
                now=utcnow(),
            )
            enabled, weekday, helpful = chosen.digest_enabled, chosen.digest_day, chosen.helpful_emoji
        self.helpful_emojis.forget(guild.id)
        language = context.reply_language
        state = i18n.t(language, "knowledge.settings.on" if enabled else "knowledge.settings.off")
        day_name = i18n.t(language, f"knowledge.day.{weekday}")
        await send_ephemeral(
            interaction, i18n.t(language, "knowledge.settings.show", digest=state, day=day_name, emoji=helpful)
        )

    @kb.command(name="tags", description="Choose which forum tags mean question, tutorial, tip and solved")
    @app_commands.describe(
        question="Forum tag for questions",
        tutorial="Forum tag for tutorials",
        tip="Forum tag for tips",
        solved="Forum tag for solved posts",
    )
    @host_only()
    async def tags(
        self,
        interaction: Interaction,
        question: str | None = None,
        tutorial: str | None = None,
        tip: str | None = None,
        solved: str | None = None,
    ) -> None:
        guild = guild_of(interaction)
        context = await self.bot.read_context(guild.id, interaction)
        channel = knowledge_channel(guild, context)
        language = context.reply_language
        if not isinstance(channel, discord.ForumChannel):
            await send_ephemeral(interaction, i18n.t(language, "knowledge.tags.text_channel"))
            return
        wanted = {Tag.QUESTION: question, Tag.TUTORIAL: tutorial, Tag.TIP: tip, Tag.SOLVED: solved}
        by_name = {index.tag_key(tag.name): tag for tag in channel.available_tags}
        async with self.bot.db.transaction() as session:
            for kind, name in wanted.items():
                if name is None:
                    continue
                found = by_name.get(index.tag_key(name))
                if found is None:
                    raise UnknownTagError(tag=name[:40], forum=channel.mention)
                await service.set_tag(session, guild.id, kind, found.id, now=utcnow())
            settings = await service.knowledge_settings(session, guild.id)
        await think(interaction)
        mapping = await self.ensure_tags(channel, settings, context.language)
        await self.record_tags(guild.id, mapping)
        lines = [i18n.t(language, "knowledge.tags.title", forum=channel.mention)]
        missing = i18n.t(language, "knowledge.tags.missing")
        lines += [
            f"• {self.tag_label(language, kind)}: {tag.name if tag else missing}" for kind, tag in mapping.items()
        ]
        await send_ephemeral(interaction, "\n".join(lines))

    @tags.autocomplete("question")
    @tags.autocomplete("tutorial")
    @tags.autocomplete("tip")
    @tags.autocomplete("solved")
    async def forum_tag_names(self, interaction: Interaction, current: str) -> list[app_commands.Choice[str]]:
        guild = interaction.guild
        if guild is None:
            return []
        context = await self.bot.read_context(guild.id, interaction)
        channel = guild.get_channel(context.settings.knowledge_forum_id or 0)
        if not isinstance(channel, discord.ForumChannel):
            return []
        typed = index.tag_key(current)
        names = [tag.name for tag in channel.available_tags if index.tag_key(tag.name).startswith(typed)]
        return [app_commands.Choice(name=name, value=name) for name in names][:25]


def check_emoji(text: str) -> str:
    """A custom emoji (<:name:id>) or a short run of emoji characters; words are refused."""
    text = text.strip()
    partial = discord.PartialEmoji.from_str(text)
    if partial.id is not None:
        return str(partial)
    if not text or len(text) > 8 or any(char.isalnum() or char.isspace() for char in text):
        raise BadEmojiError(emoji=text[:20])
    return text
