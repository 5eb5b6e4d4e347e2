"""What every part of the onboarding cog shares: the server's questions and roles from answers."""

from __future__ import annotations

from collections.abc import Sequence

import discord
from sqlalchemy.ext.asyncio import AsyncSession

from bot import i18n
from bot.capability import Capability
from bot.roles import Problem, give_or_tell_hosts
from models.guild_settings import GuildContext
from models.onboarding import service
from models.onboarding.questionnaire import Question


class OnboardingBase(Capability):
    async def questions(self, session: AsyncSession, guild_id: int) -> list[Question]:
        """The server's questionnaire (its hosts' own, else the deployment's default)."""
        return await service.questionnaire(session, guild_id, default=self.bot.settings.onboarding)

    async def give_roles(self, member: discord.Member, wanted: Sequence[int | str], context: GuildContext) -> list[str]:
        """Give the roles the answers map to; what cannot be given is told to the hosts, and the member is told so."""
        guild = member.guild
        found: list[discord.Role] = []
        unresolved: list[Problem] = []
        for wanted_role in wanted:
            role = (
                guild.get_role(wanted_role)
                if isinstance(wanted_role, int)
                else discord.utils.get(guild.roles, name=wanted_role)
            )
            if role is None:
                unresolved.append(Problem(str(wanted_role), "onboarding.hosts.role_unknown"))
            elif role.id == context.settings.member_role_id:
                unresolved.append(Problem(role.name, "onboarding.hosts.role_is_member"))
            else:
                found.append(role)
        change = await give_or_tell_hosts(
            member,
            found,
            context,
            reason="Onboarding answers",
            notice="onboarding.hosts.roles_failed",
            unresolved=unresolved,
        )
        language = context.reply_language
        notes = []
        if change.done:
            notes.append(i18n.t(language, "onboarding.flow.roles_given", roles=", ".join(r.name for r in change.done)))
        if change.problems:
            notes.append(i18n.t(language, "onboarding.flow.roles_failed"))
        return notes
