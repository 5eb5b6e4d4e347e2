"""The conduct's buttons and forms, restart-proof: “I accept”, read in a language, the report and edit forms."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import discord

from bot import i18n
from bot.checks import is_host
from bot.delivery import NO_PINGS
from bot.replies import send_ephemeral
from bot.ui import PersistentButton, custom_id, form, template
from cogs.conduct.base import ConductBase
from cogs.conduct.render import version_embed
from models.base import utcnow
from models.conduct import service as conduct
from models.conduct.rules import ConductNotPublishedError, ConductOutdatedError
from models.errors import NoLongerAvailableError
from models.localized import LANGUAGE_NAMES, LANGUAGES
from models.onboarding import service as onboarding

if TYPE_CHECKING:
    from bot.client import Interaction
    from cogs.conduct import Conduct

LANGUAGE_IDS = "|".join(LANGUAGES)


class AcceptButton(PersistentButton, template=template("conduct", "accept", r"(?P<guild>\d+):(?P<version>\d+)")):
    """“I accept” under the rules message, in DMs and in `/conduct show`; anyone may click it for themselves."""

    cog_name = "Conduct"

    def __init__(self, guild_id: int, version: int, label: str = "I accept") -> None:
        self.guild_id, self.version = guild_id, version
        button = discord.ui.Button[Any](
            label=label,
            style=discord.ButtonStyle.success,
            emoji="✅",
            custom_id=custom_id("conduct", "accept", guild_id, version),
        )
        super().__init__(button)

    async def run(self, interaction: Interaction, cog: Conduct) -> None:
        await cog.accept_from_button(interaction, self.guild_id, self.version)


class ReadButton(
    PersistentButton, template=template("conduct", "read", rf"(?P<guild>\d+):(?P<language>{LANGUAGE_IDS})")
):
    """Shows the current text in one language, privately, with its “I accept” button."""

    cog_name = "Conduct"

    def __init__(self, guild_id: int, language: str) -> None:
        self.guild_id, self.language = guild_id, language
        button = discord.ui.Button[Any](
            label=LANGUAGE_NAMES[language],
            style=discord.ButtonStyle.secondary,
            emoji="📖",
            custom_id=custom_id("conduct", "read", guild_id, language),
        )
        super().__init__(button)

    async def run(self, interaction: Interaction, cog: Conduct) -> None:
        await cog.show_text(interaction, self.guild_id, self.language)


def version_view(guild_id: int, version: int, language: str, *, read_buttons: bool = True) -> discord.ui.View:
    """“I accept”, and (on the rules message) a button to read the text in each language."""
    view = discord.ui.View(timeout=None)
    view.add_item(AcceptButton(guild_id, version, i18n.t(language, "conduct.button.accept")))
    if read_buttons:
        for code in LANGUAGES:
            view.add_item(ReadButton(guild_id, code))
    return view


def continue_view(guild_id: int, member_id: int, language: str) -> discord.ui.View:
    """The member's own “Continue” into the welcome questions (the onboarding capability answers it)."""
    button = discord.ui.Button[discord.ui.View](
        label=i18n.t(language, "onboarding.button.continue"),
        style=discord.ButtonStyle.primary,
        emoji="▶️",
        custom_id=custom_id("onboarding", "start", guild_id, member_id),
    )
    return discord.ui.View(timeout=None).add_item(button)


class ConductComponents(ConductBase):
    """What the buttons do, and the forms the commands open."""

    async def show_text(self, interaction: Interaction, guild_id: int, language: str, note: str = "") -> None:
        """The current text in `language`, privately, with “I accept” (or when the member accepted it)."""
        async with self.bot.db.transaction() as session:
            context = await self.bot.context(session, guild_id, interaction)
            current = await conduct.current_version(session, guild_id)
            accepted = current is not None and await conduct.has_accepted(
                session, guild_id, interaction.user.id, current.version
            )
        mine = context.reply_language
        if current is None:
            raise ConductNotPublishedError()
        lines = [note] if note else []
        if accepted:
            lines.append(i18n.t(mine, "conduct.show.accepted", version=current.version))
        view = discord.utils.MISSING if accepted else version_view(guild_id, current.version, mine, read_buttons=False)
        await send_ephemeral(interaction, "\n".join(lines), embed=version_embed(current, language), view=view)

    async def accept_from_button(self, interaction: Interaction, guild_id: int, version: int) -> None:
        language = i18n.language_of(str(interaction.locale)) or self.bot.settings.locale.default
        try:
            accepted = await self.accept(interaction, guild_id, version)
        except ConductOutdatedError:
            await self.show_text(interaction, guild_id, language, note=i18n.t(language, "conduct.accept.outdated"))
            return
        async with self.bot.db.transaction() as session:
            context = await self.bot.context(session, guild_id, interaction)
            questions = await onboarding.questionnaire(session, guild_id, default=self.bot.settings.onboarding)
            progress = await onboarding.progress(session, questions, guild_id, interaction.user.id)
        mine = context.reply_language
        key = "conduct.accept.done" if accepted.newly else "conduct.accept.already"
        lines = [i18n.t(mine, key, version=version), *([accepted.role_line] if accepted.role_line else [])]
        view = discord.utils.MISSING
        if progress.step is not None:
            lines.append(i18n.t(mine, "conduct.accept.next_questions"))
            view = continue_view(guild_id, interaction.user.id, mine)
        await send_ephemeral(interaction, "\n".join(lines), view=view)

    @form("conduct", "edit", rf"(?P<guild>\d+):(?P<language>{LANGUAGE_IDS})")
    async def save_draft(self, interaction: Interaction, values: dict[str, str], *, guild: int, language: str) -> None:
        is_host(interaction)
        if interaction.guild_id != guild:
            raise NoLongerAvailableError()
        async with self.bot.db.transaction() as session:
            context = await self.bot.context(session, guild, interaction)
            text = values.get("text", "")
            await conduct.save_draft(session, guild, language, text, member_id=interaction.user.id, now=utcnow())
        saved = i18n.t(context.reply_language, "conduct.edit.saved", language=LANGUAGE_NAMES[language])
        await send_ephemeral(interaction, saved)

    @form("conduct", "report", r"(?P<guild>\d+):(?P<channel>\d+):(?P<anonymous>[01])")
    async def file_report(
        self, interaction: Interaction, values: dict[str, str], *, guild: int, channel: int, anonymous: int
    ) -> None:
        async with self.bot.db.transaction() as session:
            context = await self.bot.context(session, guild, interaction)
            await conduct.file_report(
                session,
                guild,
                reporter_id=interaction.user.id,
                anonymous=bool(anonymous),
                channel_id=channel or None,
                text=values.get("text", ""),
                link=values.get("link", ""),
                now=utcnow(),
            )
        found = self.bot.get_guild(guild)
        delivered = found is not None and await self.deliver_reports(found) > 0
        key = "conduct.report.sent" if delivered else "conduct.report.kept"
        text = i18n.t(context.reply_language, key + ("_anonymous" if anonymous else ""))
        await send_ephemeral(interaction, text, allowed_mentions=NO_PINGS)
