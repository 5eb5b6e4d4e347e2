"""What every part of the conduct cog shares: accepting (with the member role), showing the text, delivering
reports that wait, and the texts of the deployment's files."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING

import discord

from bot.capability import Capability
from bot.config import conduct_file_problem
from bot.delivery import post, postable
from bot.members import member_of
from bot.roles import give_member_role
from cogs.conduct.render import report_embed
from models.base import utcnow
from models.conduct import service as conduct
from models.errors import UserError
from models.localized import LANGUAGES
from models.onboarding import service as onboarding

if TYPE_CHECKING:
    from bot.client import Interaction

log = logging.getLogger(__name__)


class ConductFileError(UserError, key="conduct.publish.file_problem"): ...


@dataclass(frozen=True)
class Accepted:
    """What accepting did: the version, whether it was new, and a line about the member role (or None)."""

    version: int
    newly: bool
    role_line: str | None


class ConductBase(Capability):
    async def accept(self, interaction: Interaction, guild_id: int, version: int) -> Accepted:
        """Record the acceptance (where the server's order allows it), then give the member role; a role Agora
        cannot give is told to the hosts, and the acceptance is kept."""
        guild, member = await member_of(self.bot, guild_id, interaction.user.id, person=interaction.user)
        async with self.bot.db.transaction() as session:
            context = await self.bot.context(session, guild.id, interaction)
            questions = await onboarding.questionnaire(session, guild.id, default=self.bot.settings.onboarding)
            acceptance = await onboarding.accept_conduct(
                session, questions, guild.id, member.id, version=version, now=utcnow()
            )
        return Accepted(acceptance.version, acceptance.newly, await give_member_role(member, context))

    async def deliver_reports(self, guild: discord.Guild) -> int:
        """Post every report still waiting in the moderators' channel; returns how many went."""
        async with self.bot.db.transaction() as session:
            context = await self.bot.context(session, guild.id)
            waiting = await conduct.waiting_reports(session, guild.id)
        if not waiting:
            return 0
        channel = postable(guild, context.settings.moderators_channel_id)
        if channel is None:
            log.warning("%d report(s) wait in guild %s: no usable moderators' channel", len(waiting), guild.id)
            return 0
        sent = 0
        for report in waiting:
            message = await post(channel, embed=report_embed(report, context.language))
            if message is None:
                break
            async with self.bot.db.transaction() as session:
                await conduct.mark_delivered(session, report.id, message.id, now=utcnow())
            sent += 1
        return sent

    def file_text(self, language: str) -> str:
        """The config file's text to start editing from; empty when there is none (or it cannot be used)."""
        path = self.bot.settings.conduct.path(language)
        if path is None or conduct_file_problem(path):
            return ""
        return path.read_text(encoding="utf-8").strip()

    def file_texts(self) -> dict[str, str]:
        """The texts of the config's conduct files, read now (so a host may edit a file, then publish)."""
        texts: dict[str, str] = {}
        for language in LANGUAGES:
            path = self.bot.settings.conduct.path(language)
            if path is None:
                continue
            problem = conduct_file_problem(path)
            if problem:
                raise ConductFileError(language=language, problem=problem)
            texts[language] = path.read_text(encoding="utf-8").strip()
        return texts
