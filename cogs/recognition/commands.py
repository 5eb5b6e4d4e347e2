"""What members do: `/kudos give`, "Give kudos for this message", `/kudos board`, `/kudos me`, `/kudos preferences`."""

from __future__ import annotations

import discord
from discord import app_commands
from discord.app_commands import locale_str

from bot import i18n
from bot.checks import guild_of
from bot.client import Agora, Interaction
from bot.replies import send_ephemeral
from cogs.recognition import render
from cogs.recognition.base import KUDOS
from cogs.recognition.giving import RecognitionGiving
from models.base import utcnow
from models.recognition import service
from models.recognition.kudos import KudosOp
from models.recognition.rules import (
    ALL_CATEGORIES,
    DEFAULT_ALLOWANCE,
    REASON_MAX,
    Action,
    Category,
    Period,
    Source,
    UnknownCategoryError,
    Verdict,
    clean_reason,
    reason_too_long,
)
from models.recognition.tables import RecognitionMember, RecognitionSettings

PERIOD_CHOICES = [
    app_commands.Choice(name=locale_str("This week", key="commands.choices.recognition_week"), value="week"),
    app_commands.Choice(name=locale_str("This month", key="commands.choices.recognition_month"), value="month"),
    app_commands.Choice(name=locale_str("All time", key="commands.choices.recognition_all"), value="all"),
]
AUTOCOMPLETE_MAX = 25


def match_category(categories: list[Category], text: str, language: str) -> str | None:
    """The key of the category a member typed or picked: its key, or its name in any language."""
    wanted = text.strip().casefold()
    for category in categories:
        names = {category.key, render.category_name(category, language), *category.names.values()}
        if wanted in {name.casefold() for name in names}:
            return category.key
    return None


class RecognitionCommands(RecognitionGiving):
    def __init__(self, bot: Agora) -> None:
        super().__init__(bot)
        self.message_menu = app_commands.ContextMenu(
            name=locale_str("Give kudos for this message", key="commands.recognition_message.name"),
            callback=self.kudos_for_message,
        )
        self.message_menu.guild_only = True

    async def cog_load(self) -> None:
        await super().cog_load()
        self.bot.tree.add_command(self.message_menu)

    async def cog_unload(self) -> None:
        self.bot.tree.remove_command(self.message_menu.name, type=self.message_menu.type)
        await super().cog_unload()

    async def kudos_for_message(self, interaction: Interaction, message: discord.Message) -> None:
        await self.offer_categories(interaction, message)

    @KUDOS.command(name="give", description="Thank a member for helping you learn, build, teach or share")
    @app_commands.describe(
        member="Who you thank",
        category="What for",
        reason="Why, in a few words (optional, up to 300 characters; shown in the thanks channel)",
    )
    async def give_command(
        self,
        interaction: Interaction,
        member: discord.User,
        category: app_commands.Range[str, 1, 100],
        reason: app_commands.Range[str, 1, REASON_MAX] | None = None,
    ) -> None:
        guild = guild_of(interaction)
        async with self.bot.db.transaction() as session:
            language = (await self.bot.context(session, guild.id, interaction)).reply_language
            categories = await service.categories(session, guild.id)
        key = match_category(categories, category, language) or category.strip().lower()[:32]
        refused: Verdict | None = None
        if reason_too_long(reason):
            refused = Verdict.REASON_TOO_LONG
        elif member.id != interaction.user.id:
            refused = await self.receiver_refusal(guild, member.id)
        op = KudosOp(
            Action.GIVE,
            guild.id,
            interaction.user.id,
            member.id,
            key,
            source=Source.COMMAND,
            channel_id=interaction.channel_id,
            reason=None if refused else clean_reason(reason),
            refused=refused,
        )
        outcome = await self.give(op, member=member.mention, length=len((reason or "").strip()))
        label = render.category_label(render.find_category(categories, key), language)
        text = render.given_text(language, outcome, member=member.mention, category=label, for_message=False)
        await send_ephemeral(interaction, text)

    @give_command.autocomplete("category")
    async def category_names(self, interaction: Interaction, current: str) -> list[app_commands.Choice[str]]:
        return await self.category_choices(interaction, current)

    async def category_choices(self, interaction: Interaction, current: str) -> list[app_commands.Choice[str]]:
        if interaction.guild_id is None:
            return []
        async with self.bot.db.transaction() as session:
            language = (await self.bot.context(session, interaction.guild_id, interaction)).reply_language
            categories = await service.categories(session, interaction.guild_id)
        typed = current.strip().casefold()
        return [
            app_commands.Choice(name=render.category_label(category, language)[:100], value=category.key)
            for category in categories
            if typed in render.category_name(category, language).casefold() or typed in category.key
        ][:AUTOCOMPLETE_MAX]

    @KUDOS.command(name="board", description="Who was thanked most, and who thanked most")
    @app_commands.describe(period="This week (default), this month or all time", category="One category only")
    @app_commands.choices(period=PERIOD_CHOICES)
    async def board(
        self,
        interaction: Interaction,
        period: app_commands.Choice[str] | None = None,
        category: app_commands.Range[str, 1, 100] | None = None,
    ) -> None:
        guild = guild_of(interaction)
        key = ALL_CATEGORIES
        if category is not None:
            async with self.bot.db.transaction() as session:
                language = (await self.bot.context(session, guild.id, interaction)).reply_language
                found = match_category(await service.categories(session, guild.id), category, language)
            if found is None:
                raise UnknownCategoryError(category=category[:40])
            key = found
        await self.show_board(interaction, Period(period.value if period else Period.WEEK.value), key, 0)

    @board.autocomplete("category")
    async def board_categories(self, interaction: Interaction, current: str) -> list[app_commands.Choice[str]]:
        return await self.category_choices(interaction, current)

    @KUDOS.command(name="me", description="Your kudos: received by category, given, streaks and milestones")
    async def me(self, interaction: Interaction) -> None:
        guild = guild_of(interaction)
        await self.writer.flush()
        async with self.bot.db.transaction() as session:
            context = await self.bot.context(session, guild.id, interaction)
            settings = await session.get(RecognitionSettings, guild.id)
            allowance = settings.daily_allowance if settings else DEFAULT_ALLOWANCE
            mine = await service.summary(
                session, guild.id, interaction.user.id, allowance=allowance, zone=context.zone, now=self.clock()
            )
            categories = await service.categories(session, guild.id)
        text = render.summary_text(context.reply_language, mine, categories, interaction.user.display_name)
        await send_ephemeral(interaction, text)

    @KUDOS.command(name="preferences", description="Choose whether you are told about kudos and named in posts")
    @app_commands.describe(
        notices="Tell me when someone thanks me", named="Name me in the recognition posts when I reach a milestone"
    )
    async def preferences(
        self, interaction: Interaction, notices: bool | None = None, named: bool | None = None
    ) -> None:
        guild = guild_of(interaction)
        async with self.bot.db.transaction() as session:
            language = (await self.bot.context(session, guild.id, interaction)).reply_language
            if notices is None and named is None:
                row = await session.get(RecognitionMember, (guild.id, interaction.user.id))
            else:
                row = await service.set_preferences(
                    session, guild.id, interaction.user.id, notices=notices, named=named, now=utcnow()
                )
        on, off = i18n.t(language, "recognition.on"), i18n.t(language, "recognition.off")
        key = "recognition.preferences.show" if notices is None and named is None else "recognition.preferences.saved"
        text = i18n.t(
            language,
            key,
            notices=on if row is None or row.notices else off,
            named=on if row is None or row.named else off,
        )
        await send_ephemeral(interaction, text)
