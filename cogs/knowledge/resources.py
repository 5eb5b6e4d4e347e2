"""`/resource`: members suggest readings, videos and courses, hosts approve or reject them in the moderators' channel,
members browse approved ones, upvote them and keep their own list (to read, read)."""

from __future__ import annotations

import discord
from discord import app_commands

from bot import i18n
from bot.checks import guild_of
from bot.client import Interaction
from bot.delivery import post, postable, send_dm
from bot.members import find_member
from bot.replies import send_ephemeral, think, update_message
from cogs.knowledge.commands import KnowledgeCommands
from cogs.knowledge.components import MarkButton, ResourcePageButton, UpvoteButton, review_view
from cogs.knowledge.render import escape, listing_embed, mine_embed, review_embed
from models.base import utcnow
from models.errors import UserError
from models.knowledge import resources, rules
from models.knowledge.rules import Level, Mark

LEVEL_CHOICES = [
    app_commands.Choice(name=app_commands.locale_str(name, key=f"knowledge.level.{level.value}"), value=level.value)
    for level, name in (
        (Level.BEGINNER, "Beginner"),
        (Level.INTERMEDIATE, "Intermediate"),
        (Level.ADVANCED, "Advanced"),
    )
]
RESOURCE_LANGUAGE_CHOICES = [
    app_commands.Choice(name=app_commands.locale_str(name, key=f"knowledge.language.{code}"), value=code)
    for code, name in (("fr", "Français"), ("en", "English"), ("other", "Other"))
]


class HostOnlyError(UserError, key="errors.host_only"): ...


class ResourceCommands(KnowledgeCommands):
    resource = app_commands.Group(
        name="resource", description="Recommended readings, videos and courses", guild_only=True
    )

    @resource.command(name="suggest", description="Suggest a reading, video or course to the community")
    @app_commands.describe(
        url="The link (http or https)",
        title="What it is called",
        topic="What it is about, in a word or two",
        level="Who it is for",
        language="The language it is in",
    )
    @app_commands.choices(level=LEVEL_CHOICES, language=RESOURCE_LANGUAGE_CHOICES)
    async def suggest(
        self,
        interaction: Interaction,
        url: app_commands.Range[str, 1, rules.LINK_MAX],
        title: app_commands.Range[str, 1, rules.RESOURCE_TITLE_MAX],
        topic: app_commands.Range[str, 1, rules.TOPIC_MAX],
        level: app_commands.Choice[str],
        language: app_commands.Choice[str],
    ) -> None:
        guild = guild_of(interaction)
        async with self.bot.db.transaction() as session:
            context = await self.bot.context(session, guild.id, interaction)
            resource = await resources.suggest(
                session,
                guild.id,
                interaction.user.id,
                url=url,
                title=title,
                topic=topic,
                level=Level(level.value),
                language=language.value,
                now=utcnow(),
            )
            resource_id = resource.id
        await think(interaction)
        channel = postable(guild, context.settings.moderators_channel_id)
        review = None
        if channel is not None:
            review = await post(
                channel, embed=review_embed(resource, context.language), view=review_view(resource_id, context.language)
            )
        if review is not None:
            async with self.bot.db.transaction() as session:
                await resources.record_review(session, resource_id, review.channel.id, review.id)
        key = "knowledge.resource.suggested" if review is not None else "knowledge.resource.suggested_kept"
        await send_ephemeral(interaction, i18n.t(context.reply_language, key, title=escape(resource.title)))

    @suggest.autocomplete("topic")
    async def topic_names(self, interaction: Interaction, current: str) -> list[app_commands.Choice[str]]:
        if interaction.guild_id is None:
            return []
        async with self.bot.db.transaction() as session:
            found = await resources.topics(session, interaction.guild_id, current[: rules.TOPIC_MAX])
        return [app_commands.Choice(name=topic, value=topic) for topic in found]

    @resource.command(name="list", description="Browse the recommended resources, most upvoted first")
    @app_commands.describe(topic="Only this topic", level="Only this level", language="Only this language")
    @app_commands.choices(level=LEVEL_CHOICES, language=RESOURCE_LANGUAGE_CHOICES)
    async def list_resources(
        self,
        interaction: Interaction,
        topic: app_commands.Range[str, 1, rules.TOPIC_MAX] | None = None,
        level: app_commands.Choice[str] | None = None,
        language: app_commands.Choice[str] | None = None,
    ) -> None:
        await self.show_resources(
            interaction,
            topic=topic,
            level=level.value if level else None,
            language=language.value if language else None,
            page=0,
            edit=False,
        )

    list_resources.autocomplete("topic")(topic_names)

    async def show_resources(
        self,
        interaction: Interaction,
        *,
        topic: str | None,
        level: str | None,
        language: str | None,
        page: int,
        edit: bool,
    ) -> None:
        guild = guild_of(interaction)
        async with self.bot.db.transaction() as session:
            mine = (await self.bot.context(session, guild.id, interaction)).reply_language
            listing = await resources.approved(
                session, guild.id, topic=topic, level=level, language=language, page=page
            )
            ids = [resource.id for resource in listing.resources]
            voted = await resources.votes(session, interaction.user.id, ids)
        embed = listing_embed(listing.resources, listing.page, listing.total, mine)
        view = discord.ui.View(timeout=None)
        first = listing.page.number * rules.RESOURCE_PAGE_SIZE
        for row, resource in enumerate(listing.resources):
            number = first + row + 1
            upvote = UpvoteButton(resource.id, f"{number} · 👍 {resource.upvotes}")
            upvote.item.style = discord.ButtonStyle.primary if resource.id in voted else discord.ButtonStyle.secondary
            upvote.item.row = row
            view.add_item(upvote)
            for state in Mark:
                mark = MarkButton(resource.id, state.value, i18n.t(mine, f"knowledge.resource.button_{state.value}"))
                mark.item.row = row
                view.add_item(mark)
        if listing.page.count > 1:
            filters = (level or "", language or "", (topic or "")[: rules.TOPIC_MAX])
            number = listing.page.number
            back = ResourcePageButton(max(0, number - 1), *filters, emoji="◀️", disabled=number == 0)
            ahead = ResourcePageButton(number + 1, *filters, emoji="▶️", disabled=number + 1 >= listing.page.count)
            for item in (back, ahead):
                item.item.row = 4
                view.add_item(item)
        if edit:
            await update_message(interaction, embed=embed, view=view)
        else:
            await send_ephemeral(interaction, "", embed=embed, view=view)

    @resource.command(name="mine", description="Your own list: resources to read, and read")
    async def mine(self, interaction: Interaction) -> None:
        guild = guild_of(interaction)
        async with self.bot.db.transaction() as session:
            language = (await self.bot.context(session, guild.id, interaction)).reply_language
            items = await resources.mine(session, guild.id, interaction.user.id)
        await send_ephemeral(interaction, "", embed=mine_embed(items, language))

    async def review_resource(self, interaction: Interaction, resource_id: int, *, approve: bool) -> None:
        guild = guild_of(interaction)
        if not interaction.permissions.manage_guild:
            raise HostOnlyError()
        async with self.bot.db.transaction() as session:
            context = await self.bot.context(session, guild.id, interaction)
            resource = await resources.decide(
                session, guild.id, resource_id, approve=approve, host_id=interaction.user.id, now=utcnow()
            )
        await update_message(interaction, embed=review_embed(resource, context.language), view=None)
        suggester = await find_member(guild, resource.suggested_by)
        if suggester is not None:
            key = "knowledge.resource.told_approved" if approve else "knowledge.resource.told_rejected"
            await send_dm(
                suggester,
                content=i18n.t(context.language, key, title=escape(resource.title), server=escape(guild.name)),
            )

    async def upvote_resource(self, interaction: Interaction, resource_id: int) -> None:
        guild = guild_of(interaction)
        async with self.bot.db.transaction() as session:
            language = (await self.bot.context(session, guild.id, interaction)).reply_language
            upvoted, count = await resources.upvote(session, guild.id, resource_id, interaction.user.id)
            title = (await resources.get(session, guild.id, resource_id)).title
        key = "knowledge.resource.upvoted" if upvoted else "knowledge.resource.unvoted"
        await send_ephemeral(interaction, i18n.t(language, key, title=escape(title), count=count))

    async def mark_resource(self, interaction: Interaction, resource_id: int, state: Mark) -> None:
        guild = guild_of(interaction)
        async with self.bot.db.transaction() as session:
            language = (await self.bot.context(session, guild.id, interaction)).reply_language
            resource = await resources.mark(session, guild.id, resource_id, interaction.user.id, state, now=utcnow())
            now_marked = (await resources.marks(session, guild.id, interaction.user.id, [resource_id])).get(resource_id)
        key = f"knowledge.resource.marked_{now_marked}" if now_marked else "knowledge.resource.unmarked"
        await send_ephemeral(interaction, i18n.t(language, key, title=escape(resource.title)))
