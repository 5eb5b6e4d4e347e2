"""What the conduct does on its own: notices of a new version, the grace period's end, reports that waited."""

from __future__ import annotations

import logging

import discord

from bot import i18n
from bot.capability import job
from bot.delivery import notify_hosts, send_dm
from bot.members import load_members
from bot.roles import role_problem, take_roles
from cogs.conduct.components import ConductComponents, version_view
from cogs.conduct.render import version_embed
from models.base import utcnow
from models.conduct import service as conduct
from models.scheduling import DueJob

log = logging.getLogger(__name__)


class ConductEvents(ConductComponents):
    @job(conduct.NOTIFY_JOB, in_guild=True)
    async def notify_members(self, guild: discord.Guild, due: DueJob) -> None:
        """Tell each member who accepted an older version, by DM where allowed; once each, even on a re-run."""
        number = int(due.payload["version"])
        async with self.bot.db.transaction() as session:
            context = await self.bot.context(session, guild.id)
            version = await conduct.get_version(session, guild.id, number)
            targets = await conduct.members_to_notify(session, guild.id, number)
        if version is None or not targets:
            return
        present = {member.id: member for member in await load_members(guild)}
        language = context.language
        deadline = i18n.format_when(language, version.grace_until, context.zone) if version.grace_until else "—"
        content = i18n.t(language, "conduct.notice.dm", server=guild.name, version=number, deadline=deadline)
        for member_id in targets:
            member = present.get(member_id)
            sent = None
            if member is not None:
                view = version_view(guild.id, number, language)
                sent = await send_dm(member, content=content, embed=version_embed(version, language), view=view)
            async with self.bot.db.transaction() as session:
                await conduct.record_notice(
                    session, guild.id, member_id, number, delivered=sent is not None, now=utcnow()
                )

    @job(conduct.GRACE_JOB, in_guild=True)
    async def end_grace(self, guild: discord.Guild, due: DueJob) -> None:
        """Members who accepted an older version but not this one lose the member role until they accept; a removal
        Discord refuses is counted and told to the hosts, and the others still go through."""
        number = int(due.payload["version"])
        async with self.bot.db.transaction() as session:
            context = await self.bot.context(session, guild.id)
            current = await conduct.current_version(session, guild.id)
            lapsed = await conduct.lapsed_members(session, guild.id, number)
        role_id = context.settings.member_role_id
        if current is None or current.version != number or role_id is None or not lapsed:
            return  # a newer version has its own grace period
        role = guild.get_role(role_id)
        problem = "errors.role_not_assignable" if role is None else role_problem(role, guild.me)
        if role is None or problem:
            reason = i18n.t(
                context.language, problem or "errors.role_not_assignable", role=role.name if role else role_id
            )
            await notify_hosts(guild, context, "conduct.hosts.grace_failed", reason=reason, count=len(lapsed))
            return
        removed, failed = await self.take_member_role(guild, role, lapsed, number)
        if failed:
            reason = i18n.t(context.language, "errors.role_not_assignable", role=role.name)
            await notify_hosts(guild, context, "conduct.hosts.grace_failed", reason=reason, count=failed)
        log.info(
            "grace of conduct version %s ended in guild %s: role removed from %d, %d failed",
            number,
            guild.id,
            removed,
            failed,
        )

    async def take_member_role(
        self, guild: discord.Guild, role: discord.Role, member_ids: list[int], version: int
    ) -> tuple[int, int]:
        """(removed, failed): one refused removal does not stop the others."""
        present = {member.id: member for member in await load_members(guild)}
        removed = failed = 0
        for member_id in member_ids:
            member = present.get(member_id)
            if member is None:
                continue
            change = await take_roles(
                member, [role], reason=f"Has not accepted version {version} of the code of conduct"
            )
            removed += len(change.done)
            failed += len(change.problems)
        return removed, failed

    async def catch_up(self) -> None:
        """Reports filed while the moderators' channel was unusable go out now."""
        for guild in self.bot.guilds:
            try:
                await self.deliver_reports(guild)
            except Exception:
                log.exception("delivering waiting reports of guild %s failed", guild.id)
