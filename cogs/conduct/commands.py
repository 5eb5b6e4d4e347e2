"""`/conduct` commands: members read the code and report concerns; hosts write, publish, follow and export it."""

from __future__ import annotations

from typing import Any

import discord
from discord import app_commands

from bot import i18n
from bot.checks import channel_problems, guild_of, host_only
from bot.client import Interaction
from bot.delivery import NO_PINGS
from bot.members import display_names, load_members
from bot.replies import open_form, opens_form, send_ephemeral, send_export, think
from bot.ui import custom_id, form_view
from cogs.conduct.components import ConductComponents, version_view
from cogs.conduct.render import status_lines, version_embed
from models.base import utcnow
from models.conduct import rules
from models.conduct import service as conduct
from models.conduct.tables import ConductVersion
from models.errors import ChannelNotUsableError, UserError
from models.guild_settings import GuildContext
from models.localized import LANGUAGE_NAMES

LANGUAGE_CHOICES = [app_commands.Choice(name=name, value=code) for code, name in LANGUAGE_NAMES.items()]
RULES_NEEDS = ("send_messages", "embed_links", "read_message_history")


class NoRulesChannelError(UserError, key="conduct.publish.no_channel"): ...


class ConductCommands(ConductComponents):
    @app_commands.command(name="show", description="Read the code of conduct and accept it")
    async def show(self, interaction: Interaction) -> None:
        guild = guild_of(interaction)
        language = i18n.language_of(str(interaction.locale))
        if language is None:
            async with self.bot.db.transaction() as session:
                language = (await self.bot.context(session, guild.id)).language
        await self.show_text(interaction, guild.id, language)

    @opens_form
    @app_commands.command(name="report", description="Send a concern to the moderators, privately")
    @app_commands.describe(anonymous="Hide your name from the moderators (Agora keeps no trace of it)")
    async def report(self, interaction: Interaction, anonymous: bool = False) -> None:
        guild = guild_of(interaction)
        language = (await self.bot.read_context(guild.id, interaction)).reply_language
        what = discord.ui.TextInput[Any](
            label=i18n.t(language, "conduct.report.field_text"),
            style=discord.TextStyle.paragraph,
            custom_id="text",
            max_length=rules.REPORT_MAX_CHARS,
        )
        link = discord.ui.TextInput[Any](
            label=i18n.t(language, "conduct.report.field_link"),
            custom_id="link",
            required=False,
            max_length=rules.LINK_MAX_CHARS,
        )
        title = i18n.t(language, "conduct.report.title_anonymous" if anonymous else "conduct.report.title")
        form_id = custom_id("conduct", "report", guild.id, interaction.channel_id or 0, int(anonymous))
        await open_form(interaction, form_view(title, form_id, [what, link]))

    @opens_form
    @app_commands.command(name="edit", description="Write the code of conduct in one language")
    @app_commands.describe(language="Which text to write")
    @app_commands.choices(language=LANGUAGE_CHOICES)
    @host_only()
    async def edit(self, interaction: Interaction, language: app_commands.Choice[str]) -> None:
        guild = guild_of(interaction)
        async with self.bot.db.transaction() as session:
            mine = (await self.bot.context(session, guild.id, interaction)).reply_language
            drafts = await conduct.drafts(session, guild.id)
            current = await conduct.current_version(session, guild.id)
        text = drafts.get(language.value) or (current.localized.get(language.value, "") if current else "")
        text = text or self.file_text(language.value)
        field = discord.ui.TextInput[Any](
            label=i18n.t(mine, "conduct.edit.field", language=language.name),
            style=discord.TextStyle.paragraph,
            custom_id="text",
            default=text[: rules.TEXT_MAX] or None,
            max_length=rules.TEXT_MAX,
        )
        title = i18n.t(mine, "conduct.edit.title", language=language.name)
        form_id = custom_id("conduct", "edit", guild.id, language.value)
        await open_form(interaction, form_view(title, form_id, [field]))

    @app_commands.command(name="publish", description="Publish the code of conduct in the rules channel")
    @host_only()
    async def publish(self, interaction: Interaction) -> None:
        guild = guild_of(interaction)
        async with self.bot.db.transaction() as session:
            context = await self.bot.context(session, guild.id, interaction)
            channel = rules_channel(guild, context)
            texts = rules.texts_to_publish(await conduct.drafts(session, guild.id), self.file_texts())
            publication = await conduct.publish(session, guild.id, texts, member_id=interaction.user.id, now=utcnow())
            place = await conduct.conduct_settings(session, guild.id)
            old = place.rules_message_id if place.rules_channel_id == channel.id else None
        await think(interaction)
        version = publication.version
        message = await post_rules(channel, version, context.language, old)
        async with self.bot.db.transaction() as session:
            await conduct.record_rules_message(session, guild.id, channel.id, message.id)
        mine, language = context.reply_language, context.language
        reply = "conduct.publish.done" if publication.is_new else "conduct.publish.unchanged"
        lines = [i18n.t(mine, reply, version=version.version, channel=channel.mention)]
        if publication.is_new and version.grace_until is not None:
            deadline = i18n.format_when(language, version.grace_until, context.zone)
            notice = i18n.t(language, "conduct.rules.new_version", version=version.version, deadline=deadline)
            await channel.send(notice, allowed_mentions=NO_PINGS)
            mine_deadline = i18n.format_when(mine, version.grace_until, context.zone)
            lines.append(i18n.t(mine, "conduct.publish.grace", deadline=mine_deadline))
        await send_ephemeral(interaction, "\n".join(lines))

    @app_commands.command(name="status", description="Who accepted the current code of conduct, who has not")
    @host_only()
    async def status(self, interaction: Interaction) -> None:
        guild = guild_of(interaction)
        await think(interaction)
        people = [member.id for member in await load_members(guild)]
        async with self.bot.db.transaction() as session:
            context = await self.bot.context(session, guild.id, interaction)
            state = await conduct.acceptance_status(session, guild.id, people)
            current = await conduct.current_version(session, guild.id)
            undelivered = await conduct.undelivered_notices(session, guild.id, current.version) if current else 0
            waiting = len(await conduct.waiting_reports(session, guild.id))
        grace = current is not None and current.grace_until is not None and current.grace_until > utcnow()
        lines = status_lines(
            state,
            current,
            context,
            people=len(people),
            undelivered=undelivered,
            waiting_reports=waiting,
            grace_running=grace,
        )
        await send_ephemeral(interaction, "\n".join(lines))

    @app_commands.command(name="export", description="Download who accepted which version and when (CSV)")
    @host_only()
    async def export(self, interaction: Interaction) -> None:
        guild = guild_of(interaction)
        await think(interaction)
        async with self.bot.db.transaction() as session:
            language = (await self.bot.context(session, guild.id, interaction)).reply_language
            ledger = await conduct.acceptance_ledger(session, guild.id)
        names = await display_names(guild, sorted({row.member_id for row in ledger}))
        rows = [(row.member_id, names.get(row.member_id, ""), row.version, row.accepted_at) for row in ledger]
        done = i18n.tn(language, "conduct.export.done", len(rows))
        await send_export(interaction, done, rules.LEDGER_COLUMNS, rows, f"conduct-{guild.id}.csv")

    @app_commands.command(name="settings", description="Show or change the grace period for a new version")
    @app_commands.describe(grace_days="Days members keep access after a new version before they must accept it")
    @host_only()
    async def settings(
        self, interaction: Interaction, grace_days: app_commands.Range[int, 0, rules.MAX_GRACE_DAYS] | None = None
    ) -> None:
        guild = guild_of(interaction)
        async with self.bot.db.transaction() as session:
            language = (await self.bot.context(session, guild.id, interaction)).reply_language
            if grace_days is not None:
                chosen = await conduct.set_grace_days(session, guild.id, grace_days, now=utcnow())
            else:
                chosen = await conduct.conduct_settings(session, guild.id)
            days = chosen.grace_days
        key = "conduct.settings.saved" if grace_days is not None else "conduct.settings.show"
        await send_ephemeral(interaction, i18n.tn(language, key, days))


def rules_channel(guild: discord.Guild, context: GuildContext) -> discord.TextChannel:
    """The server's rules channel, where Agora can post the code; else why not."""
    channel_id = context.settings.rules_channel_id
    channel = guild.get_channel(channel_id) if channel_id else None
    if not isinstance(channel, discord.TextChannel):
        raise NoRulesChannelError()
    missing = channel_problems(channel, guild.me, *RULES_NEEDS)
    if missing:
        raise ChannelNotUsableError(channel=channel.mention, permissions=missing)
    return channel


async def post_rules(
    channel: discord.TextChannel, version: ConductVersion, language: str, old_message: int | None
) -> discord.Message:
    """Edit the rules message in place when it is still there, else post a new one."""
    embed = version_embed(version, language)
    view = version_view(channel.guild.id, version.version, language)
    if old_message:
        try:
            return await channel.get_partial_message(old_message).edit(content=None, embed=embed, view=view)
        except discord.NotFound:
            pass
    return await channel.send(embed=embed, view=view, allowed_mentions=NO_PINGS)
