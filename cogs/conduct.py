"""`/conduct`: hosts publish the code of conduct, members accept it (the only way to the member role) or report a
concern to the moderators. A new version asks members to accept again before a grace period ends."""

from __future__ import annotations

import asyncio
import io
import logging
from dataclasses import dataclass
from re import Match
from typing import Any, cast

import discord
from discord import app_commands
from discord.ext import commands

from bot import i18n
from bot.checks import channel_problems, guild_of, host_only, is_host, role_problem
from bot.client import Agora
from bot.config import CONDUCT_MAX_CHARS, conduct_file_problem
from bot.errors import ChannelNotUsableError, UserError
from bot.inflight import Inflight
from bot.replies import NO_PINGS, guild_language, language_for, say, send_ephemeral
from bot.ui import run_safely
from cogs import welcome
from models import conduct, guild_settings
from models.base import utcnow
from models.conduct import LANGUAGE_NAMES, LANGUAGES, ConductOutdatedError, ConductVersion
from models.guild_settings import ChannelPurpose, Defaults
from models.onboarding import rules as onboarding_rules
from models.onboarding import service as onboarding
from models.scheduling import DueJob

log = logging.getLogger(__name__)

LANGUAGE_CHOICES = [app_commands.Choice(name=name, value=code) for code, name in LANGUAGE_NAMES.items()]
PENDING_SHOWN = 40
RULES_NEEDS = ("send_messages", "embed_links", "read_message_history")


class NoRulesChannelError(UserError):
    key = "conduct.publish.no_channel"


class QuestionsFirstError(UserError):
    key = "conduct.accept.questions_first"


class ConductFileError(UserError):
    key = "conduct.publish.file_problem"


@dataclass(frozen=True)
class Accepted:
    """What accepting did: the version, whether it was new, and a line about the member role (or None)."""

    version: int
    newly: bool
    role_line: str | None


# --- components that survive restarts ----------------------------------------------------------------------


class AcceptButton(
    discord.ui.DynamicItem[discord.ui.Button[discord.ui.View]],
    template=r"agora:conduct:accept:(?P<guild>\d+):(?P<version>\d+)",
):
    """“I accept” under the rules message, in DMs and in `/conduct show`; anyone may click it for themselves."""

    def __init__(self, guild_id: int, version: int, label: str = "I accept") -> None:
        self.guild_id, self.version = guild_id, version
        super().__init__(
            discord.ui.Button(
                label=label,
                style=discord.ButtonStyle.success,
                emoji="✅",
                custom_id=f"agora:conduct:accept:{guild_id}:{version}",
            )
        )

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: Match[str], /
    ) -> AcceptButton:
        return cls(int(match["guild"]), int(match["version"]))

    async def callback(self, interaction: discord.Interaction) -> None:
        cog = conduct_cog(interaction.client)
        await run_safely(interaction, cog.accept_from_button(interaction, self.guild_id, self.version))


class ReadButton(
    discord.ui.DynamicItem[discord.ui.Button[discord.ui.View]],
    template=r"agora:conduct:read:(?P<guild>\d+):(?P<language>fr|en)",
):
    """Shows the current text in one language, privately, with its “I accept” button."""

    def __init__(self, guild_id: int, language: str) -> None:
        self.guild_id, self.language = guild_id, language
        super().__init__(
            discord.ui.Button(
                label=LANGUAGE_NAMES[language],
                style=discord.ButtonStyle.secondary,
                emoji="📖",
                custom_id=f"agora:conduct:read:{guild_id}:{language}",
            )
        )

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: Match[str], /
    ) -> ReadButton:
        return cls(int(match["guild"]), match["language"])

    async def callback(self, interaction: discord.Interaction) -> None:
        cog = conduct_cog(interaction.client)
        await run_safely(interaction, cog.show_text(interaction, self.guild_id, self.language))


def conduct_cog(client: discord.Client) -> Conduct:
    cog = client.get_cog("Conduct") if isinstance(client, commands.Bot) else None
    if cog is None:
        raise RuntimeError("the Conduct cog is not loaded")
    return cast(Conduct, cog)  # not isinstance: a reloaded extension is a new module with a new class


def version_embed(version: ConductVersion, language: str) -> discord.Embed:
    embed = discord.Embed(
        title=i18n.t(language, "conduct.rules.title", version=version.version),
        description=version.text(language),
        colour=discord.Colour.blurple(),
        timestamp=version.published_at,
    )
    embed.set_footer(text=i18n.t(language, "conduct.rules.footer"))
    return embed


def version_view(guild_id: int, version: int, language: str, *, read_buttons: bool = True) -> discord.ui.View:
    view = discord.ui.View(timeout=None)
    view.add_item(AcceptButton(guild_id, version, i18n.t(language, "conduct.button.accept")))
    if read_buttons:
        for code in LANGUAGES:
            view.add_item(ReadButton(guild_id, code))
    return view


# --- the cog -----------------------------------------------------------------------------------------------


@app_commands.guild_only()
class Conduct(commands.GroupCog, group_name="conduct", group_description="Code of conduct: read, accept, report"):
    def __init__(self, bot: Agora) -> None:
        self.bot = bot
        self.catching_up: asyncio.Task[None] | None = None
        self.inflight = Inflight()

    async def cog_load(self) -> None:
        self.bot.add_dynamic_items(AcceptButton, ReadButton)
        scheduler = getattr(self.bot, "scheduler", None)  # absent when the bot is loaded only to list its commands
        if scheduler is not None:
            scheduler.register(conduct.NOTIFY_JOB, self.notify_members)
            scheduler.register(conduct.GRACE_JOB, self.end_grace)

    async def cog_unload(self) -> None:
        self.bot.remove_dynamic_items(AcceptButton, ReadButton)
        await self.inflight.drain()

    def defaults(self) -> Defaults:
        return Defaults(self.bot.settings.locale.default, self.bot.settings.locale.timezone)

    # ---- members ----

    @app_commands.command(name="show", description="Read the code of conduct and accept it")
    async def show(self, interaction: discord.Interaction) -> None:
        guild = guild_of(interaction)
        await self.show_text(interaction, guild.id, await language_for(interaction))

    @app_commands.command(name="report", description="Send a concern to the moderators, privately")
    @app_commands.describe(anonymous="Hide your name from the moderators (Agora keeps no trace of it)")
    async def report(self, interaction: discord.Interaction, anonymous: bool = False) -> None:
        guild = guild_of(interaction)
        language = await language_for(interaction)
        what = discord.ui.TextInput[Any](
            label=i18n.t(language, "conduct.report.field_text"),
            style=discord.TextStyle.paragraph,
            custom_id="text",
            max_length=conduct.REPORT_MAX_CHARS,
        )
        link = discord.ui.TextInput[Any](
            label=i18n.t(language, "conduct.report.field_link"),
            custom_id="link",
            required=False,
            max_length=conduct.LINK_MAX_CHARS,
        )
        title = i18n.t(language, "conduct.report.title_anonymous" if anonymous else "conduct.report.title")
        custom_id = f"agora:conduct:report:{guild.id}:{interaction.channel_id or 0}:{int(anonymous)}"
        await interaction.response.send_modal(welcome.stateless_modal(title, custom_id, [what, link]))

    # ---- hosts ----

    @app_commands.command(name="edit", description="Write the code of conduct in one language")
    @app_commands.describe(language="Which text to write")
    @app_commands.choices(language=LANGUAGE_CHOICES)
    @host_only()
    async def edit(self, interaction: discord.Interaction, language: app_commands.Choice[str]) -> None:
        guild = guild_of(interaction)
        async with self.bot.db.transaction() as session:
            drafts = await conduct.drafts(session, guild.id)
            current = await conduct.current_version(session, guild.id)
        text = drafts.get(language.value) or (current.text(language.value) if current else "")
        text = text or self.file_text(language.value)
        mine = await language_for(interaction)
        field = discord.ui.TextInput[Any](
            label=i18n.t(mine, "conduct.edit.field", language=language.name),
            style=discord.TextStyle.paragraph,
            custom_id="text",
            default=text[:CONDUCT_MAX_CHARS] or None,
            max_length=CONDUCT_MAX_CHARS,
        )
        title = i18n.t(mine, "conduct.edit.title", language=language.name)
        modal = welcome.stateless_modal(title, f"agora:conduct:edit:{guild.id}:{language.value}", [field])
        await interaction.response.send_modal(modal)

    @app_commands.command(name="publish", description="Publish the code of conduct in the rules channel")
    @host_only()
    async def publish(self, interaction: discord.Interaction) -> None:
        guild = guild_of(interaction)
        channel = await self.rules_channel(guild)
        await interaction.response.defer(ephemeral=True, thinking=True)
        now = utcnow()
        async with self.bot.db.transaction() as session:
            texts = conduct.texts_to_publish(await conduct.drafts(session, guild.id), self.file_texts())
            publication = await conduct.publish(session, guild.id, texts, member_id=interaction.user.id, now=now)
            version = publication.version
            place = await conduct.guild_settings(session, guild.id)
            old_channel, old_message = place.rules_channel_id, place.rules_message_id
            zone = guild_settings.effective_timezone(
                await session.get(guild_settings.GuildSettings, guild.id), self.defaults()
            )
        language = await guild_language(self.bot, guild.id)
        message = await self.post_rules(channel, version, language, old_channel, old_message)
        async with self.bot.db.transaction() as session:
            await conduct.record_rules_message(session, guild.id, channel.id, message.id)
        reply = "conduct.publish.done" if publication.is_new else "conduct.publish.unchanged"
        mine = await language_for(interaction)
        lines = [i18n.t(mine, reply, version=version.version, channel=channel.mention)]
        if publication.is_new and version.grace_until is not None:
            deadline = i18n.format_when(language, version.grace_until, zone)
            await channel.send(
                i18n.t(language, "conduct.rules.new_version", version=version.version, deadline=deadline),
                allowed_mentions=NO_PINGS,
            )
            lines.append(
                i18n.t(mine, "conduct.publish.grace", deadline=i18n.format_when(mine, version.grace_until, zone))
            )
        await send_ephemeral(interaction, "\n".join(lines))

    @app_commands.command(name="status", description="Who accepted the current code of conduct, who has not")
    @host_only()
    async def status(self, interaction: discord.Interaction) -> None:
        guild = guild_of(interaction)
        await interaction.response.defer(ephemeral=True, thinking=True)
        await welcome.ensure_members(guild)
        people = [member.id for member in welcome.humans(guild)]
        async with self.bot.db.transaction() as session:
            state = await conduct.status(session, guild.id, people)
            current = await conduct.current_version(session, guild.id)
            failed = await conduct.undelivered_notices(session, guild.id, current.version) if current else 0
            waiting = len(await conduct.waiting_reports(session, guild.id))
            settings = await guild_settings.get_settings(session, guild.id)
            zone = guild_settings.effective_timezone(settings, self.defaults())
        language = await language_for(interaction)
        lines = [i18n.t(language, "conduct.status.none")] if state is None or current is None else []
        if state is not None and current is not None:
            lines += [
                i18n.t(language, "conduct.status.title", version=state.version),
                i18n.t(language, "conduct.status.accepted", accepted=len(state.accepted), total=len(people)),
            ]
            if current.grace_until is not None and current.grace_until > utcnow():
                deadline = i18n.format_when(language, current.grace_until, zone)
                lines.append(i18n.t(language, "conduct.status.grace", deadline=deadline))
            if state.pending:
                shown = " ".join(f"<@{member_id}>" for member_id in state.pending[:PENDING_SHOWN])
                lines.append(i18n.tn(language, "conduct.status.pending", len(state.pending), members=shown))
                if len(state.pending) > PENDING_SHOWN:
                    lines.append(i18n.tn(language, "conduct.status.more", len(state.pending) - PENDING_SHOWN))
            if failed:
                lines.append(i18n.tn(language, "conduct.status.dm_failed", failed))
        if waiting:
            lines.append(i18n.tn(language, "conduct.status.reports_waiting", waiting))
        if settings.member_role_id is None:
            lines.append(i18n.t(language, "conduct.status.no_role"))
        await send_ephemeral(interaction, "\n".join(lines))

    @app_commands.command(name="export", description="Download who accepted which version and when (CSV)")
    @host_only()
    async def export(self, interaction: discord.Interaction) -> None:
        guild = guild_of(interaction)
        await interaction.response.defer(ephemeral=True, thinking=True)
        async with self.bot.db.transaction() as session:
            rows = await conduct.ledger(session, guild.id)
        names = {member.id: member.display_name for member in guild.members}
        text = conduct.ledger_csv((r.member_id, names.get(r.member_id, ""), r.version, r.accepted_at) for r in rows)
        file = discord.File(io.BytesIO(text.encode("utf-8")), filename=f"conduct-{guild.id}.csv")
        language = await language_for(interaction)
        await interaction.followup.send(
            i18n.tn(language, "conduct.export.done", len(rows)), file=file, ephemeral=True, allowed_mentions=NO_PINGS
        )

    @app_commands.command(name="settings", description="Show or change the grace period for a new version")
    @app_commands.describe(grace_days="Days members keep access after a new version before they must accept it")
    @host_only()
    async def settings(
        self,
        interaction: discord.Interaction,
        grace_days: app_commands.Range[int, 0, conduct.MAX_GRACE_DAYS] | None = None,
    ) -> None:
        guild = guild_of(interaction)
        async with self.bot.db.transaction() as session:
            if grace_days is not None:
                chosen = await conduct.set_grace_days(session, guild.id, grace_days, now=utcnow())
            else:
                chosen = await conduct.guild_settings(session, guild.id)
            days = chosen.grace_days
        language = await language_for(interaction)
        key = "conduct.settings.saved" if grace_days is not None else "conduct.settings.show"
        await send_ephemeral(interaction, i18n.tn(language, key, days))

    # ---- shared with the onboarding path ----

    async def show_text(self, interaction: discord.Interaction, guild_id: int, language: str, note: str = "") -> None:
        """The current text in `language`, privately, with “I accept” (and when the member accepted it)."""
        async with self.bot.db.transaction() as session:
            current = await conduct.current_version(session, guild_id)
            accepted = current is not None and await conduct.has_accepted(
                session, guild_id, interaction.user.id, current.version
            )
        mine = await language_for(interaction)
        if current is None:
            await say(interaction, "conduct.accept.not_published")
            return
        lines = [note] if note else []
        if accepted:
            lines.append(i18n.t(mine, "conduct.show.accepted", version=current.version))
        view = discord.utils.MISSING if accepted else version_view(guild_id, current.version, mine, read_buttons=False)
        await send_ephemeral(interaction, "\n".join(lines), embed=version_embed(current, language), view=view)

    async def accept_from_button(self, interaction: discord.Interaction, guild_id: int, version: int) -> None:
        language = await language_for(interaction)
        try:
            accepted = await self.accept(interaction.user.id, guild_id, version, language)
        except ConductOutdatedError:
            await self.show_text(interaction, guild_id, language, note=i18n.t(language, "conduct.accept.outdated"))
            return
        lines = [
            i18n.t(language, "conduct.accept.done" if accepted.newly else "conduct.accept.already", version=version)
        ]
        if accepted.role_line:
            lines.append(accepted.role_line)
        view = discord.utils.MISSING
        if await self.questions_left(guild_id, interaction.user.id):
            lines.append(i18n.t(language, "conduct.accept.next_questions"))
            label = i18n.t(language, "onboarding.button.continue")
            view = welcome.start_view(guild_id, interaction.user.id, label)
        await send_ephemeral(interaction, "\n".join(lines), view=view)

    async def questions_left(self, guild_id: int, member_id: int) -> bool:
        questions = self.bot.settings.onboarding.questions
        if not questions:
            return False
        async with self.bot.db.transaction() as session:
            progress = await onboarding.progress(session, questions, guild_id, member_id)
        return progress.step is not None

    async def accept(self, user_id: int, guild_id: int, version: int, language: str) -> Accepted:
        """Record the acceptance, then give the member role; any role problem goes to the hosts, never lost."""
        guild, member = await welcome.member_of(self.bot, guild_id, user_id)
        questions = self.bot.settings.onboarding.questions
        now = utcnow()
        async with self.bot.db.transaction() as session:
            path = await onboarding.guild_settings(session, guild.id, now=now)
            progress = await onboarding.progress(session, questions, guild.id, member.id)
            allowed = onboarding_rules.may_accept_conduct(
                onboarding_rules.FirstStep(path.first_step),
                questions_left=progress.step is not None,
                accepted_before=await conduct.ever_accepted(session, guild.id, member.id),
            )
            if not allowed:
                raise QuestionsFirstError()
            acceptance = await conduct.accept(session, guild.id, member.id, version=version, now=now)
            role_id = (await guild_settings.get_settings(session, guild.id)).member_role_id
        role_line = await self.give_member_role(guild, member, role_id, language)
        return Accepted(acceptance.version, acceptance.newly, role_line)

    async def give_member_role(
        self, guild: discord.Guild, member: discord.Member, role_id: int | None, language: str
    ) -> str | None:
        role = guild.get_role(role_id) if role_id else None
        if role is None or member.get_role(role.id) is not None:
            return None
        problem = role_problem(role, guild.me)
        if problem is None:
            try:
                await member.add_roles(role, reason="Accepted the code of conduct")
            except discord.HTTPException as error:
                log.warning("could not give the member role in guild %s (%s)", guild.id, error.status)
                problem = "errors.role_not_assignable"
        if problem is None:
            return i18n.t(language, "conduct.accept.role_granted", role=role.name)
        host_language = await guild_language(self.bot, guild.id)
        await welcome.notify_hosts(
            self.bot,
            guild,
            "conduct.hosts.role_failed",
            member=member.mention,
            role=role.mention,
            reason=i18n.t(host_language, problem, role=role.name),
        )
        return i18n.t(language, "conduct.accept.role_failed")

    async def rules_channel(self, guild: discord.Guild) -> discord.TextChannel:
        async with self.bot.db.transaction() as session:
            channel_id = (await guild_settings.get_settings(session, guild.id)).rules_channel_id
        channel = guild.get_channel(channel_id) if channel_id else None
        if not isinstance(channel, discord.TextChannel):
            raise NoRulesChannelError()
        missing = channel_problems(channel, guild.me, *RULES_NEEDS)
        if missing:
            raise ChannelNotUsableError(channel=channel.mention, permissions=missing)
        return channel

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

    async def post_rules(
        self,
        channel: discord.TextChannel,
        version: ConductVersion,
        language: str,
        old_channel: int | None,
        old_message: int | None,
    ) -> discord.Message:
        """Edit the rules message in place when it is still there, else post a new one."""
        embed = version_embed(version, language)
        view = version_view(channel.guild.id, version.version, language)
        if old_message and old_channel == channel.id:
            try:
                return await channel.get_partial_message(old_message).edit(content=None, embed=embed, view=view)
            except discord.NotFound:
                pass
        return await channel.send(embed=embed, view=view, allowed_mentions=NO_PINGS)

    # ---- modals (received by custom_id, even after a restart) ----

    @commands.Cog.listener()
    async def on_interaction(self, interaction: discord.Interaction) -> None:
        found = welcome.submitted_modal(interaction)
        if found is None:
            return
        custom_id, values = found
        parts = custom_id.split(":")
        if parts[:3] == ["agora", "conduct", "report"] and len(parts) == 6:
            action = self.file_report(interaction, int(parts[3]), int(parts[4]) or None, parts[5] == "1", values)
            await run_safely(interaction, action)
        elif parts[:3] == ["agora", "conduct", "edit"] and len(parts) == 5:
            await run_safely(interaction, self.save_draft(interaction, int(parts[3]), parts[4], values.get("text", "")))

    async def save_draft(self, interaction: discord.Interaction, guild_id: int, language: str, text: str) -> None:
        is_host(interaction)
        if language not in LANGUAGES or interaction.guild_id != guild_id:
            return
        async with self.bot.db.transaction() as session:
            await conduct.save_draft(session, guild_id, language, text, member_id=interaction.user.id, now=utcnow())
        await say(interaction, "conduct.edit.saved", language=LANGUAGE_NAMES[language])

    async def file_report(
        self,
        interaction: discord.Interaction,
        guild_id: int,
        channel_id: int | None,
        anonymous: bool,
        values: dict[str, str],
    ) -> None:
        async with self.bot.db.transaction() as session:
            await conduct.file_report(
                session,
                guild_id,
                reporter_id=interaction.user.id,
                anonymous=anonymous,
                channel_id=channel_id,
                text=values.get("text", ""),
                link=values.get("link", ""),
                now=utcnow(),
            )
        guild = self.bot.get_guild(guild_id)
        delivered = guild is not None and await self.deliver_reports(guild) > 0
        key = "conduct.report.sent" if delivered else "conduct.report.kept"
        await say(interaction, key + ("_anonymous" if anonymous else ""))

    async def deliver_reports(self, guild: discord.Guild) -> int:
        """Post every report still waiting in the moderators' channel; returns how many went."""
        async with self.bot.db.transaction() as session:
            waiting = await conduct.waiting_reports(session, guild.id)
        if not waiting:
            return 0
        channel = await welcome.channel_for(self.bot, guild, ChannelPurpose.MODERATORS)
        if channel is None:
            log.warning("%d report(s) wait in guild %s: no usable moderators' channel", len(waiting), guild.id)
            return 0
        language = await guild_language(self.bot, guild.id)
        sent = 0
        for report in waiting:
            embed = discord.Embed(
                title=i18n.t(language, "conduct.report.moderators_title"),
                description=report.text,
                colour=discord.Colour.red(),
                timestamp=report.created_at,
            )
            author = i18n.t(language, "conduct.report.anonymous") if report.anonymous else f"<@{report.reporter_id}>"
            embed.add_field(name=i18n.t(language, "conduct.report.from"), value=author)
            where = f"<#{report.channel_id}>" if report.channel_id else "—"
            embed.add_field(name=i18n.t(language, "conduct.report.channel"), value=where)
            embed.add_field(
                name=i18n.t(language, "conduct.report.when"), value=f"<t:{int(report.created_at.timestamp())}:F>"
            )
            if report.link:
                embed.add_field(name=i18n.t(language, "conduct.report.link"), value=report.link, inline=False)
            try:
                message = await channel.send(embed=embed, allowed_mentions=NO_PINGS)
            except discord.HTTPException as error:
                log.warning("could not deliver report %s in guild %s (%s)", report.id, guild.id, error.status)
                break
            async with self.bot.db.transaction() as session:
                await conduct.mark_delivered(session, report.id, message.id, now=utcnow())
            sent += 1
        return sent

    # ---- scheduled jobs and start-up ----

    async def notify_members(self, job: DueJob) -> None:
        """Tell each member who accepted an older version, by DM where allowed; once each, even on a re-run."""
        guild = self.bot.get_guild(job.guild_id or 0)
        if guild is None:
            return
        version_number = int(job.payload["version"])
        async with self.bot.db.transaction() as session:
            version = await conduct.get_version(session, guild.id, version_number)
            targets = await conduct.members_to_notify(session, guild.id, version_number)
            zone = guild_settings.effective_timezone(
                await session.get(guild_settings.GuildSettings, guild.id), self.defaults()
            )
        if version is None or not targets:
            return
        await welcome.ensure_members(guild)
        language = await guild_language(self.bot, guild.id)
        deadline = i18n.format_when(language, version.grace_until, zone) if version.grace_until else "—"
        content = i18n.t(language, "conduct.notice.dm", server=guild.name, version=version_number, deadline=deadline)
        for member_id in targets:
            member = guild.get_member(member_id)
            sent = None
            if member is not None:
                view = version_view(guild.id, version_number, language)
                sent = await welcome.send_dm(member, content=content, embed=version_embed(version, language), view=view)
            async with self.bot.db.transaction() as session:
                await conduct.record_notice(
                    session, guild.id, member_id, version_number, delivered=sent is not None, now=utcnow()
                )

    async def end_grace(self, job: DueJob) -> None:
        """Members who accepted an older version but not this one lose the member role until they accept."""
        guild = self.bot.get_guild(job.guild_id or 0)
        if guild is None:
            return
        version_number = int(job.payload["version"])
        async with self.bot.db.transaction() as session:
            current = await conduct.current_version(session, guild.id)
            lapsed = await conduct.lapsed_members(session, guild.id, version_number)
            role_id = (await guild_settings.get_settings(session, guild.id)).member_role_id
        if current is None or current.version != version_number or role_id is None or not lapsed:
            return  # a newer version has its own grace period
        role = guild.get_role(role_id)
        problem = "errors.role_not_assignable" if role is None else role_problem(role, guild.me)
        if role is None or problem:
            language = await guild_language(self.bot, guild.id)
            name = role.name if role else str(role_id)
            reason = i18n.t(language, problem or "errors.role_not_assignable", role=name)
            await welcome.notify_hosts(self.bot, guild, "conduct.hosts.grace_failed", reason=reason, count=len(lapsed))
            return
        await welcome.ensure_members(guild)
        removed = 0
        for member_id in lapsed:
            member = guild.get_member(member_id)
            if member is not None and member.get_role(role.id) is not None:
                await member.remove_roles(
                    role, reason=f"Has not accepted version {version_number} of the code of conduct"
                )
                removed += 1
        log.info(
            "grace of conduct version %s ended in guild %s: member role removed from %d",
            version_number,
            guild.id,
            removed,
        )

    async def reconcile(self) -> None:
        """Reports filed while the moderators' channel was unusable go out now (in the background)."""
        if self.catching_up is None:
            self.catching_up = self.inflight.start(self.catch_up(), name="conduct-catch-up")

    async def catch_up(self) -> None:
        for guild in self.bot.guilds:
            try:
                await self.deliver_reports(guild)
            except Exception:
                log.exception("delivering waiting reports of guild %s failed", guild.id)


async def setup(bot: Agora) -> None:
    await bot.add_cog(Conduct(bot))
