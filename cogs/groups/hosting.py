"""`/group` commands for hosts: settings, groups waiting for approval, committees, the groups' health, and forming
balanced teams from a cohort."""

from __future__ import annotations

import asyncio
from datetime import datetime

import discord
from discord import app_commands
from discord.app_commands import locale_str

from bot import i18n
from bot.checks import channel_problems, guild_of, host_only
from bot.client import Interaction
from bot.delivery import NO_PINGS
from bot.members import load_members
from bot.replies import csv_file, send_ephemeral, think
from cogs.groups.commands import GroupCommands
from cogs.groups.components import review_view, teams_view
from cogs.groups.render import fit, health_lines, team_lines
from cogs.groups.spaces import THREAD_NEEDS
from models import profiles
from models.base import utcnow
from models.errors import ChannelNotUsableError, UserError
from models.groups import members, projects, rhythm, rules, service
from models.groups.rules import SILENCE_DAYS_MAX, Space
from models.groups.suggest import offset_of
from models.groups.tables import GroupSettings
from models.groups.teams import Candidate, form_teams, skill_keys
from models.guild_settings import GuildContext

SPACE_CHOICES = [
    app_commands.Choice(name=locale_str("A private thread", key="groups.choice.thread"), value=Space.THREAD.value),
    app_commands.Choice(name=locale_str("A private channel", key="groups.choice.channel"), value=Space.CHANNEL.value),
]
TEAM_MIN, TEAM_MAX = 2, 25
PREVIEW_SHOWN = 15


class TooFewToFormError(UserError, key="groups.form.too_few"): ...


class GroupsChannelError(UserError, key="groups.settings.not_text"): ...


class GroupHosting(GroupCommands):
    @app_commands.command(name="settings", description="Show or change how working groups run in this server")
    @app_commands.describe(
        approval="New groups need a host's approval",
        space="What each group gets",
        channel="Where groups' threads open (a text channel), or where their channels go (a category)",
        silence_days="Remind a group after this many days of silence (0: never)",
        digest="A weekly digest of the groups' health in the moderators' channel",
    )
    @app_commands.choices(space=SPACE_CHOICES)
    @host_only()
    async def settings(
        self,
        interaction: Interaction,
        approval: bool | None = None,
        space: app_commands.Choice[str] | None = None,
        channel: discord.TextChannel | discord.CategoryChannel | None = None,
        silence_days: app_commands.Range[int, 0, SILENCE_DAYS_MAX] | None = None,
        digest: bool | None = None,
    ) -> None:
        guild = guild_of(interaction)
        now = utcnow()
        async with self.bot.db.transaction() as session:
            context = await self.bot.context(session, guild.id, interaction)
            current = await service.group_settings(session, guild.id)
            chosen = Space(space.value) if space else Space(current.space)
            if channel is not None and isinstance(channel, discord.CategoryChannel) != (chosen == Space.CHANNEL):
                raise GroupsChannelError(channel=channel.mention)
            if isinstance(channel, discord.TextChannel):
                problems = channel_problems(channel, guild.me, *THREAD_NEEDS)
                if problems:
                    raise ChannelNotUsableError(channel=channel.mention, permissions=problems)
            settings = await service.update_settings(
                session,
                guild.id,
                now=now,
                require_approval=approval,
                space=Space(space.value) if space else None,
                parent_id=channel.id if channel else (0 if space else None),
                silence_days=silence_days,
                digest=digest,
            )
            if digest is not None:
                await rhythm.set_digest(session, guild.id, digest, zone=context.zone, now=now)
        changed = any(value is not None for value in (approval, space, channel, silence_days, digest))
        await send_ephemeral(interaction, "\n".join(settings_lines(settings, context, changed=changed)))

    @app_commands.command(name="pending", description="Groups waiting for a host's approval")
    @host_only()
    async def pending(self, interaction: Interaction) -> None:
        guild = guild_of(interaction)
        async with self.bot.db.transaction() as session:
            language = (await self.bot.context(session, guild.id, interaction)).reply_language
            waiting = await service.pending_groups(session, guild.id)
            leads = {group.id: await members.seats(session, group.id) for group in waiting[:5]}
        if not waiting:
            await send_ephemeral(interaction, i18n.t(language, "groups.pending.none"))
            return
        await send_ephemeral(interaction, i18n.tn(language, "groups.pending.title", len(waiting)))
        for group in waiting[:5]:  # one message per group, each with its buttons (five at most at a time)
            creator = f"<@{leads[group.id][0].member_id}>" if leads[group.id] else "—"
            text = i18n.t(language, "groups.review.notice", member=creator, name=group.name, purpose=group.purpose)
            await interaction.followup.send(
                text, view=review_view(group.id, language), ephemeral=True, allowed_mentions=NO_PINGS
            )

    @app_commands.command(name="committee", description="Mark a group as a committee that helps run the community")
    @app_commands.describe(group="The group", committee="A committee (or a working group again)")
    @host_only()
    async def committee(self, interaction: Interaction, group: str, committee: bool = True) -> None:
        async with self.bot.db.transaction() as session:
            language = (await self.bot.context(session, guild_of(interaction).id, interaction)).reply_language
            found = await self.named_group(session, interaction, group)
            await members.set_committee(session, found, committee)
        key = "groups.committee.on" if committee else "groups.committee.off"
        await send_ephemeral(interaction, i18n.t(language, key, name=found.name))

    @app_commands.command(name="health", description="How every group is doing: members, waitlists, silence")
    @host_only()
    async def health(self, interaction: Interaction) -> None:
        guild = guild_of(interaction)
        async with self.bot.db.transaction() as session:
            language = (await self.bot.context(session, guild.id, interaction)).reply_language
            report, pending = await rhythm.health_report(session, guild.id, now=utcnow())
        await send_ephemeral(interaction, fit(health_lines(report, pending, language)))

    @app_commands.command(name="form", description="Split a role's members into teams balanced by skills and time zone")
    @app_commands.describe(
        role="Whose members to split (a cohort)",
        size="Members per team, at most",
        prefix="The teams' names start with this (the role's name if empty)",
    )
    @host_only()
    async def form_command(
        self,
        interaction: Interaction,
        role: discord.Role,
        size: app_commands.Range[int, TEAM_MIN, TEAM_MAX],
        prefix: app_commands.Range[str, 1, 40] | None = None,
    ) -> None:
        guild = guild_of(interaction)
        now = utcnow()
        chosen = " ".join((prefix or role.name).split())
        rules.check_name(f"{chosen} 99")  # the teams' names must be valid group names
        await think(interaction)
        cohort = [member.id for member in await load_members(guild) if member.get_role(role.id) is not None]
        if len(cohort) < TEAM_MIN:
            raise TooFewToFormError(role=role.name, count=len(cohort))
        async with self.bot.db.transaction() as session:
            context = await self.bot.context(session, guild.id, interaction)
            known = {member_id: await profiles.get_profile(session, guild.id, member_id) for member_id in cohort}
        candidates = [candidate(member_id, known[member_id], context, now) for member_id in cohort]
        teams = await asyncio.to_thread(form_teams, candidates, size)
        async with self.bot.db.transaction() as session:
            formation = await projects.save_formation(
                session,
                guild.id,
                created_by=interaction.user.id,
                prefix=chosen,
                teams=[t.member_ids for t in teams],
                now=now,
            )
        mine = context.reply_language
        names = [f"{chosen} {number}" for number in range(1, len(teams) + 1)]
        lines = [i18n.tn(mine, "groups.form.preview", len(teams), role=role.name, size=size)]
        lines += team_lines(teams[:PREVIEW_SHOWN], names[:PREVIEW_SHOWN], mine)
        lines.append(i18n.t(mine, "groups.form.file"))
        rows = [
            (name, member.member_id, ", ".join(sorted(member.skills)), member.offset)
            for name, team in zip(names, teams, strict=True)
            for member in team.members
        ]
        header = [i18n.t(mine, f"groups.form.column_{column}") for column in ("team", "member", "skills", "offset")]
        file = csv_file(header, rows, f"teams-{role.id}.csv")
        await interaction.followup.send(
            fit(lines),
            file=file,
            view=teams_view(formation.id, len(teams), mine),
            ephemeral=True,
            allowed_mentions=NO_PINGS,
        )

    @committee.autocomplete("group")
    async def committee_group(self, interaction: Interaction, current: str) -> list[app_commands.Choice[str]]:
        return await self.group_names(interaction, current, mine=False)


def candidate(member_id: int, profile: profiles.Profile | None, context: GuildContext, now: datetime) -> Candidate:
    """A cohort member for team forming: skills they can share, their time zone (else the server's)."""
    skills = skill_keys(profile.skills_to_share) if profile is not None else frozenset()
    offset = offset_of(profile.timezone if profile is not None else None, now)
    if offset is None:
        offset = offset_of(context.zone.key, now) or 0.0
    return Candidate(member_id, skills, offset)


def settings_lines(settings: GroupSettings, context: GuildContext, *, changed: bool) -> list[str]:
    language = context.reply_language
    t = i18n.t
    lines = [t(language, "groups.settings.saved" if changed else "groups.settings.title")]
    lines.append(
        t(language, "groups.settings.approval_on" if settings.require_approval else "groups.settings.approval_off")
    )
    where = f"<#{settings.parent_id}>" if settings.parent_id else None
    if settings.space == Space.CHANNEL:
        lines.append(
            t(language, "groups.settings.space_channel", category=where or t(language, "groups.settings.no_category"))
        )
    else:
        lines.append(
            t(language, "groups.settings.space_thread", channel=where or t(language, "groups.settings.anywhere"))
        )
    if settings.silence_days:
        lines.append(i18n.tn(language, "groups.settings.silence", settings.silence_days))
    else:
        lines.append(t(language, "groups.settings.no_silence"))
    lines.append(t(language, "groups.settings.digest_on" if settings.digest else "groups.settings.digest_off"))
    return lines
