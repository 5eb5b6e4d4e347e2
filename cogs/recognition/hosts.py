"""What hosts do: `/kudos settings`, `category`, `exclude`, `revoke`, `reset`, `milestones` and `role`.

Whatever the writer's batches rely on (limits, exclusions, a kudos revoked, a board reset) changes while the writer
is held (`writer.exclusive`), so no batch decides with the old rules after the host was told it changed.
"""

from __future__ import annotations

import re

import discord
import emoji as emoji_library
from discord import app_commands
from discord.app_commands import locale_str
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot import i18n
from bot.checks import guild_of, host_only
from bot.client import Interaction
from bot.replies import send_ephemeral
from bot.roles import role_problem
from cogs.recognition import render
from cogs.recognition.base import KUDOS
from cogs.recognition.commands import PERIOD_CHOICES, RecognitionCommands
from models.base import INTEGER_MAX
from models.errors import RoleNotAssignableError
from models.recognition import milestones, posts, service
from models.recognition.kudos import load_rules, recent_kudos, revoke_kudos
from models.recognition.rules import (
    MAX_ALLOWANCE,
    REPORTED_KINDS,
    Cadence,
    LevelError,
    MilestoneKind,
    NotReportedKindError,
    Period,
    ReactionError,
    UnknownKudosError,
    parse_thresholds,
    thresholds_for,
)
from models.recognition.service import SettingsChange
from models.recognition.tables import MilestoneRole

CUSTOM_EMOJI = re.compile(r"<a?:\w{2,32}:(\d{15,21})>")
CADENCE_CHOICES = [
    app_commands.Choice(name=locale_str("Every day", key="commands.choices.recognition_daily"), value="daily"),
    app_commands.Choice(name=locale_str("Every week", key="commands.choices.recognition_weekly"), value="weekly"),
    app_commands.Choice(name=locale_str("Never", key="commands.choices.recognition_off"), value="off"),
]
KIND_NAMES = {
    MilestoneKind.SHARED_POST: "Posts shared",
    MilestoneKind.ACCEPTED_ANSWER: "Answers accepted",
    MilestoneKind.SESSION_ATTENDED: "Sessions attended",
    MilestoneKind.MENTORSHIP_COMPLETED: "Mentorships completed",
    MilestoneKind.PROJECT_FINISHED: "Projects finished",
    MilestoneKind.KUDOS_RECEIVED: "Kudos received",
    MilestoneKind.ANNIVERSARY: "Years since joining",
}
KIND_CHOICES = [
    app_commands.Choice(name=locale_str(name, key=f"commands.choices.recognition_{kind.value}"), value=kind.value)
    for kind, name in KIND_NAMES.items()
]


def reaction_problem(text: str, guild: discord.Guild, bot: discord.Client) -> str:
    """The reaction as stored (one Unicode emoji, or a custom emoji Agora can use here); else refused."""
    text = text.strip()
    custom = CUSTOM_EMOJI.fullmatch(text)
    if custom is not None:
        found = bot.get_emoji(int(custom.group(1)))
        if found is None or not found.is_usable():
            raise ReactionError(reaction=text[:100])
        return str(found)
    if not emoji_library.is_emoji(text):
        raise ReactionError(reaction=text[:100])
    return text


class HostCommands(RecognitionCommands):
    @KUDOS.command(name="settings", description="Show or change how kudos work in this server")
    @app_commands.describe(
        reaction="The reaction that gives a kudos (an emoji; default 🙏)",
        reaction_category="The category of kudos given by reaction",
        daily="Kudos each member may give per day",
        per_member="Kudos a member may give the same member per day",
        post="How often milestones are gathered into a recognition post",
        public="Post kudos with a reason in the thanks channel",
        members_celebrate="Let every member use /celebrate, not only hosts",
    )
    @app_commands.choices(post=CADENCE_CHOICES)
    @host_only()
    async def settings(
        self,
        interaction: Interaction,
        reaction: app_commands.Range[str, 1, 100] | None = None,
        reaction_category: app_commands.Range[str, 1, 32] | None = None,
        daily: app_commands.Range[int, 1, MAX_ALLOWANCE] | None = None,
        per_member: app_commands.Range[int, 1, MAX_ALLOWANCE] | None = None,
        post: app_commands.Choice[str] | None = None,
        public: bool | None = None,
        members_celebrate: bool | None = None,
    ) -> None:
        guild = guild_of(interaction)
        change = SettingsChange(
            reaction=reaction_problem(reaction, guild, self.bot) if reaction is not None else None,
            reaction_category=reaction_category.strip().lower() if reaction_category else None,
            daily_allowance=daily,
            pair_cap=per_member,
            post_cadence=Cadence(post.value) if post is not None else None,
            public_thanks=public,
            members_celebrate=members_celebrate,
        )
        async with self.writer.exclusive(guild.id), self.bot.db.transaction() as session:
            context = await self.bot.context(session, guild.id, interaction)
            settings = await service.update_settings(session, guild.id, change, now=self.clock())
            await posts.ensure_jobs(session, guild.id, Cadence(settings.post_cadence), context.zone, now=self.clock())
            text = await self.settings_text(session, guild.id, context.reply_language)
        if any(value is not None for value in vars(change).values()):
            text = i18n.t(context.reply_language, "recognition.settings.saved") + "\n" + text
        self.reaction_settings.forget(guild.id)
        await send_ephemeral(interaction, text)

    async def settings_text(self, session: AsyncSession, guild_id: int, language: str) -> str:
        settings = await service.get_settings(session, guild_id)
        rows = await session.scalars(select(MilestoneRole).where(MilestoneRole.guild_id == guild_id))
        roles = {(row.kind, row.level): row.role_id for row in rows}
        return render.settings_text(
            language,
            settings,
            await service.categories(session, guild_id),
            await service.all_thresholds(session, guild_id),
            roles,
        )

    @settings.autocomplete("reaction_category")
    async def settings_categories(self, interaction: Interaction, current: str) -> list[app_commands.Choice[str]]:
        return await self.category_choices(interaction, current)

    @KUDOS.command(name="category", description="Add a kudos category, or rename one, in French, English or both")
    @app_commands.describe(
        key="Its short id: lowercase letters, digits, - or _ (an existing one renames it)",
        french="Its name in French",
        english="Its name in English",
    )
    @host_only()
    async def category(
        self,
        interaction: Interaction,
        key: app_commands.Range[str, 1, 32],
        french: app_commands.Range[str, 1, 40] | None = None,
        english: app_commands.Range[str, 1, 40] | None = None,
    ) -> None:
        guild = guild_of(interaction)
        names = {language: name for language, name in (("fr", french), ("en", english)) if name}
        async with self.writer.exclusive(guild.id), self.bot.db.transaction() as session:
            language = (await self.bot.context(session, guild.id, interaction)).reply_language
            found, added = await service.save_category(session, guild.id, key, names, now=self.clock())
        text = i18n.t(
            language,
            "recognition.category.added" if added else "recognition.category.renamed",
            category=render.category_label(found, language),
            key=found.key,
        )
        await send_ephemeral(interaction, text)

    @category.autocomplete("key")
    async def category_keys(self, interaction: Interaction, current: str) -> list[app_commands.Choice[str]]:
        return await self.category_choices(interaction, current)

    @KUDOS.command(name="exclude", description="Keep a member out of kudos and boards, or let them back in")
    @app_commands.describe(member="Who", excluded="True to exclude them (default), false to let them back in")
    @host_only()
    async def exclude(self, interaction: Interaction, member: discord.User, excluded: bool = True) -> None:
        guild = guild_of(interaction)
        async with self.writer.exclusive(guild.id), self.bot.db.transaction() as session:
            language = (await self.bot.context(session, guild.id, interaction)).reply_language
            await service.set_excluded(session, guild.id, member.id, excluded, now=self.clock())
        key = "recognition.exclude.done" if excluded else "recognition.exclude.undone"
        await send_ephemeral(interaction, i18n.t(language, key, member=member.mention))

    @KUDOS.command(name="revoke", description="Take back a kudos that should not count")
    @app_commands.describe(kudos="The kudos: pick one of the latest, or type its number")
    @host_only()
    async def revoke(self, interaction: Interaction, kudos: app_commands.Range[str, 1, 100]) -> None:
        guild = guild_of(interaction)
        number = kudos.strip().lstrip("#")
        if not number.isascii() or not number.isdigit() or not 0 < int(number) <= INTEGER_MAX:
            raise UnknownKudosError()
        async with self.writer.exclusive(guild.id), self.bot.db.transaction() as session:
            language = (await self.bot.context(session, guild.id, interaction)).reply_language
            rules = await load_rules(session, guild.id, self.bot.settings.locale.timezone)
            row = await revoke_kudos(
                session, guild.id, int(number), host_id=interaction.user.id, now=self.clock(), rules=rules
            )
        text = i18n.t(
            language,
            "recognition.revoke.done",
            number=row.id,
            giver=f"<@{row.giver_id}>",
            member=f"<@{row.receiver_id}>",
        )
        await send_ephemeral(interaction, text)

    @revoke.autocomplete("kudos")
    async def latest_kudos(self, interaction: Interaction, current: str) -> list[app_commands.Choice[str]]:
        guild = interaction.guild
        if guild is None:
            return []
        async with self.bot.db.transaction() as session:
            latest = await recent_kudos(session, guild.id)
        choices = []
        for row in latest:
            giver, receiver = guild.get_member(row.giver_id), guild.get_member(row.receiver_id)
            label = (
                f"#{row.id} · {giver.display_name if giver else row.giver_id} → "
                f"{receiver.display_name if receiver else row.receiver_id} · {row.category} · "
                f"{row.given_at:%Y-%m-%d %H:%M}"
            )
            if current.strip().casefold() in label.casefold():
                choices.append(app_commands.Choice(name=label[:100], value=str(row.id)))
        return choices[:25]

    @KUDOS.command(name="reset", description="Start this week's, this month's or the all-time board over")
    @app_commands.describe(period="Which board starts over (kudos stay; they no longer count there)")
    @app_commands.choices(period=PERIOD_CHOICES)
    @host_only()
    async def reset(self, interaction: Interaction, period: app_commands.Choice[str]) -> None:
        guild = guild_of(interaction)
        async with self.writer.exclusive(guild.id), self.bot.db.transaction() as session:
            context = await self.bot.context(session, guild.id, interaction)
            await service.reset_board(
                session,
                guild.id,
                Period(period.value),
                host_id=interaction.user.id,
                zone=context.zone,
                now=self.clock(),
            )
        language = context.reply_language
        text = i18n.t(language, "recognition.reset.done", period=i18n.t(language, f"recognition.period.{period.value}"))
        await send_ephemeral(interaction, text)

    @KUDOS.command(name="milestones", description="Choose the counts at which a milestone is reached")
    @app_commands.describe(kind="Which milestone", thresholds="Counts separated by commas, for example 1, 5, 10")
    @app_commands.choices(kind=KIND_CHOICES)
    @host_only()
    async def milestones_command(
        self, interaction: Interaction, kind: app_commands.Choice[str], thresholds: app_commands.Range[str, 1, 100]
    ) -> None:
        guild = guild_of(interaction)
        chosen = MilestoneKind(kind.value)
        if chosen not in REPORTED_KINDS and chosen is not MilestoneKind.KUDOS_RECEIVED:
            raise NotReportedKindError()
        levels = parse_thresholds(thresholds)
        async with self.writer.exclusive(guild.id), self.bot.db.transaction() as session:
            language = (await self.bot.context(session, guild.id, interaction)).reply_language
            await service.set_thresholds(session, guild.id, chosen, levels, now=self.clock())
        text = i18n.t(
            language,
            "recognition.milestones.saved",
            kind=i18n.t(language, f"commands.choices.recognition_{chosen.value}"),
            levels=", ".join(str(level) for level in levels),
        )
        await send_ephemeral(interaction, text)

    @KUDOS.command(name="role", description="Give a role to members who reach a milestone")
    @app_commands.describe(
        kind="Which milestone",
        level="Its level: one of its thresholds, or years for an anniversary",
        role="The role to give; leave empty to stop giving one",
    )
    @app_commands.choices(kind=KIND_CHOICES)
    @host_only()
    async def role(
        self,
        interaction: Interaction,
        kind: app_commands.Choice[str],
        level: app_commands.Range[int, 1, 100_000],
        role: discord.Role | None = None,
    ) -> None:
        guild = guild_of(interaction)
        chosen = MilestoneKind(kind.value)
        if role is not None:
            problem = role_problem(role, guild.me)
            if problem:
                raise RoleNotAssignableError(problem, role=role.name)
        async with self.bot.db.transaction() as session:
            language = (await self.bot.context(session, guild.id, interaction)).reply_language
            levels = thresholds_for(chosen, await milestones.chosen_thresholds(session, guild.id))
            if chosen is not MilestoneKind.ANNIVERSARY and level not in levels:
                raise LevelError(levels=", ".join(str(n) for n in levels))
            waiting = await milestones.map_role(
                session, guild.id, chosen, level, role.id if role else None, now=self.clock()
            )
        name = render.milestone_name(language, chosen.value, level)
        if role is None:
            text = i18n.t(language, "recognition.role.cleared", milestone=name)
        else:
            text = i18n.tn(language, "recognition.role.saved", waiting, milestone=name, role=role.mention)
        await send_ephemeral(interaction, text)
