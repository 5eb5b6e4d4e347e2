"""`/onboarding`: greets newcomers and walks each one through the code of conduct and the questionnaire (select
menus, modals, progress, resumable); hosts read the funnel and the answers back."""

from __future__ import annotations

import asyncio
import io
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from re import Match
from typing import Any, cast

import discord
from discord import app_commands
from discord.ext import commands

from bot import i18n
from bot.checks import guild_of, host_only, role_problem
from bot.client import Agora
from bot.config import CHOICE_TYPES, Question
from bot.errors import UserError
from bot.inflight import Inflight
from bot.replies import NO_PINGS, guild_language, language_for, send_ephemeral
from bot.ui import run_safely
from cogs import welcome
from cogs.conduct import conduct_cog, version_embed
from models import conduct, guild_settings
from models.base import utcnow
from models.conduct import ConductOutdatedError
from models.guild_settings import ChannelPurpose
from models.onboarding import chart, service
from models.onboarding.rules import SCALE, FirstStep, Greeting, Stage, Step, next_stage
from models.scheduling import DueJob

log = logging.getLogger(__name__)

IDS = r"(?P<guild>\d+):(?P<member>\d+)"
FIRST_CHOICES = [
    app_commands.Choice(name="Code of conduct first", value=FirstStep.CONDUCT.value),
    app_commands.Choice(name="Questionnaire first", value=FirstStep.QUESTIONNAIRE.value),
]
GREETING_CHOICES = [
    app_commands.Choice(name="In the welcome channel", value=Greeting.WELCOME_CHANNEL.value),
    app_commands.Choice(name="By direct message", value=Greeting.DIRECT_MESSAGE.value),
]


class NoQuestionnaireError(UserError):
    key = "onboarding.report.none"


@dataclass
class Screen:
    """One state of the member's path, ready to send or to replace the previous one."""

    content: str
    embed: discord.Embed | None = None
    view: discord.ui.View | None = None
    notes: list[str] = field(default_factory=list)

    def text(self) -> str:
        return "\n".join([*self.notes, self.content])

    def to_edit(self) -> dict[str, Any]:
        """Replacing a message: None clears the previous embed or buttons."""
        return {"content": self.text(), "embed": self.embed, "view": self.view}

    def to_send(self) -> dict[str, Any]:
        sent: dict[str, Any] = {"content": self.text()}
        if self.embed is not None:
            sent["embed"] = self.embed
        if self.view is not None:
            sent["view"] = self.view
        return sent


# --- components that survive restarts: ids in custom_id, state in the database ----------------------------


class _Flow(discord.ui.DynamicItem[discord.ui.Button[discord.ui.View]], template=r"agora:onb:base"):
    """Base for the path's buttons (never registered itself): (guild, member[, argument]) in the custom_id."""

    action = ""

    def __init__(self, guild_id: int, member_id: int, argument: str = "", *, label: str = "", **style: Any) -> None:
        self.guild_id, self.member_id, self.argument = guild_id, member_id, argument
        custom_id = f"agora:onb:{self.action}:{guild_id}:{member_id}" + (f":{argument}" if argument else "")
        super().__init__(discord.ui.Button(label=label or self.action, custom_id=custom_id, **style))

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: Match[str], /
    ) -> _Flow:
        groups = match.groupdict()
        return cls(int(groups["guild"]), int(groups["member"]), groups.get("argument") or "")

    async def callback(self, interaction: discord.Interaction) -> None:
        await run_safely(interaction, self.act(interaction, onboarding_cog(interaction.client)))

    async def act(self, interaction: discord.Interaction, cog: Onboarding) -> None:
        raise NotImplementedError


class AnswerButton(_Flow, template=rf"agora:onb:answer:{IDS}:(?P<argument>[a-z0-9_-]+)"):
    action = "answer"

    async def act(self, interaction: discord.Interaction, cog: Onboarding) -> None:
        await cog.open_form(interaction, self.guild_id, self.member_id, self.argument)


class SkipButton(_Flow, template=rf"agora:onb:skip:{IDS}:(?P<argument>[a-z0-9_-]+)"):
    action = "skip"

    async def act(self, interaction: discord.Interaction, cog: Onboarding) -> None:
        await cog.skip(interaction, self.guild_id, self.member_id, self.argument)


class AcceptButton(_Flow, template=rf"agora:onb:accept:{IDS}:(?P<argument>\d+)"):
    action = "accept"

    async def act(self, interaction: discord.Interaction, cog: Onboarding) -> None:
        await cog.accept(interaction, self.guild_id, self.member_id, int(self.argument))


class PickSelect(
    discord.ui.DynamicItem[discord.ui.Select[discord.ui.View]],
    template=rf"agora:onb:pick:{IDS}:(?P<question>[a-z0-9_-]+)",
):
    """The select menu of a choice or scale question."""

    def __init__(
        self, guild_id: int, member_id: int, question_id: str, select: discord.ui.Select[discord.ui.View] | None = None
    ) -> None:
        self.guild_id, self.member_id, self.question_id = guild_id, member_id, question_id
        select = select or discord.ui.Select(options=[discord.SelectOption(label="…")])
        select.custom_id = f"agora:onb:pick:{guild_id}:{member_id}:{question_id}"
        super().__init__(select)

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: Match[str], /
    ) -> PickSelect:
        select = item if isinstance(item, discord.ui.Select) else None
        return cls(int(match["guild"]), int(match["member"]), match["question"], select)

    async def callback(self, interaction: discord.Interaction) -> None:
        cog = onboarding_cog(interaction.client)
        data = cast(dict[str, Any], interaction.data or {})
        values = [str(value) for value in data.get("values", [])]
        given: dict[str, str | Sequence[str]] = {self.question_id: values}
        await run_safely(interaction, cog.answer(interaction, self.guild_id, self.member_id, given))


def onboarding_cog(client: discord.Client) -> Onboarding:
    cog = client.get_cog("Onboarding") if isinstance(client, commands.Bot) else None
    if cog is None:
        raise RuntimeError("the Onboarding cog is not loaded")
    return cast(Onboarding, cog)  # not isinstance: a reloaded extension is a new module with a new class


def progress_line(language: str, step: Step) -> str:
    if step.last == step.first:
        return i18n.t(language, "onboarding.flow.progress", number=step.first, total=step.total)
    return i18n.t(language, "onboarding.flow.progress_range", first=step.first, last=step.last, total=step.total)


# --- the cog -----------------------------------------------------------------------------------------------


MEMBER_LOCKS = 64


@app_commands.guild_only()
class Onboarding(
    commands.GroupCog,
    group_name="onboarding",
    group_description="Welcome questionnaire: answer it, or read the results",
):
    def __init__(self, bot: Agora) -> None:
        self.bot = bot
        self.items = (welcome.StartButton, AnswerButton, SkipButton, AcceptButton, PickSelect)
        self.catching_up: asyncio.Task[None] | None = None
        self.inflight = Inflight()
        # discord.py runs each event handler as its own task: a leave and a quick rejoin of the same member could
        # otherwise be recorded out of order. Handlers take the member's lock first (tasks start in event order).
        self.member_locks = [asyncio.Lock() for _ in range(MEMBER_LOCKS)]

    async def cog_load(self) -> None:
        self.bot.add_dynamic_items(*self.items)
        scheduler = getattr(self.bot, "scheduler", None)  # absent when the bot is loaded only to list its commands
        if scheduler is not None:
            scheduler.register(service.REMIND_JOB, self.remind)

    async def cog_unload(self) -> None:
        self.bot.remove_dynamic_items(*self.items)
        await self.inflight.drain()

    @property
    def questions(self) -> list[Question]:
        return self.bot.settings.onboarding.questions

    # ---- arrivals and departures ----

    def member_lock(self, member_id: int) -> asyncio.Lock:
        return self.member_locks[member_id % MEMBER_LOCKS]

    @commands.Cog.listener()
    async def on_member_join(self, member: discord.Member) -> None:
        if not member.bot:
            with self.inflight.tracked():
                async with self.member_lock(member.id):
                    await self.greet(member)

    @commands.Cog.listener()
    async def on_raw_member_remove(self, payload: discord.RawMemberRemoveEvent) -> None:
        with self.inflight.tracked():
            async with self.member_lock(payload.user.id), self.bot.db.transaction() as session:
                await service.record_leave(session, payload.guild_id, payload.user.id, now=utcnow())

    async def reconcile(self) -> None:
        """Start catching up and return at once: the client's ready handler is not held up by Discord calls."""
        if self.catching_up is None:
            self.catching_up = self.inflight.start(self.catch_up(), name="onboarding-catch-up")

    async def catch_up(self) -> None:
        """Greet members who joined while Agora was offline; note those who left."""
        try:
            await self._catch_up()
        except Exception:
            log.exception("onboarding catch-up failed; members who joined while offline may not be greeted")

    async def _catch_up(self) -> None:
        now = utcnow()
        for guild in self.bot.guilds:
            await welcome.ensure_members(guild)
            async with self.bot.db.transaction() as session:
                since = (await service.guild_settings(session, guild.id, now=now)).watching_since
                known = await service.paths(session, guild.id)
            present = {member.id: member for member in welcome.humans(guild)}
            for member in present.values():
                path, joined = known.get(member.id), member.joined_at or now
                if (path is None and joined > since) or (path is not None and path.left_at and joined > path.left_at):
                    await self.greet(member)
            async with self.bot.db.transaction() as session:
                for member_id, path in known.items():
                    if path.left_at is None and member_id not in present:
                        await service.record_leave(session, guild.id, member_id, now=now)

    async def greet(self, member: discord.Member) -> None:
        """Welcome a newcomer with a Start button, in the welcome channel or by DM (each the other's fallback)."""
        guild, now = member.guild, utcnow()
        async with self.bot.db.transaction() as session:
            settings = await service.guild_settings(session, guild.id, now=now)
            joined = member.joined_at or now
            fresh = await service.record_join(session, guild.id, member.id, joined_at=joined)
            published = await conduct.current_version(session, guild.id) is not None
        if not fresh or not (published or self.questions):
            return
        language = await guild_language(self.bot, guild.id)
        content = self.greeting_text(member, language, FirstStep(settings.first_step), published=published)
        message = await self.deliver(
            member,
            content,
            self.start_view(guild.id, member.id, language, "start"),
            prefer_dm=settings.greeting == Greeting.DIRECT_MESSAGE,
            nonce=f"w{member.id}{int(joined.timestamp() * 1000) % 100000}",
        )
        if message is None:
            await welcome.notify_hosts(self.bot, guild, "onboarding.hosts.greeting_failed", member=member.mention)
        async with self.bot.db.transaction() as session:
            await service.record_greeting(
                session,
                guild.id,
                member.id,
                channel_id=message.channel.id if message else None,
                message_id=message.id if message else None,
                remind_at=service.reminder_due(now, settings.reminder_hours),
                now=now,
            )

    def greeting_text(self, member: discord.Member, language: str, first: FirstStep, *, published: bool) -> str:
        count = len(self.questions)
        if published and count:
            key = (
                "onboarding.greeting.conduct_first"
                if first is FirstStep.CONDUCT
                else "onboarding.greeting.questions_first"
            )
            steps = i18n.tn(language, key, count)
        elif published:
            steps = i18n.t(language, "onboarding.greeting.conduct_only")
        else:
            steps = i18n.tn(language, "onboarding.greeting.questions_only", count)
        hello = i18n.t(language, "onboarding.greeting.hello", member=member.mention, server=member.guild.name)
        return f"{hello}\n{steps}"

    def start_view(self, guild_id: int, member_id: int, language: str, label: str) -> discord.ui.View:
        return welcome.start_view(guild_id, member_id, i18n.t(language, f"onboarding.button.{label}"))

    async def deliver(
        self, member: discord.Member, content: str, view: discord.ui.View, *, prefer_dm: bool, nonce: str
    ) -> discord.Message | None:
        """DM first or the welcome channel first, the other as fallback; None when neither works."""
        channel = await welcome.channel_for(self.bot, member.guild, ChannelPurpose.WELCOME)
        pings = discord.AllowedMentions(users=[member], everyone=False, roles=False)
        for use_dm in (prefer_dm, not prefer_dm):
            if use_dm:
                sent = await welcome.send_dm(member, content=content, view=view, nonce=nonce)
            elif channel is not None:
                try:
                    sent = await channel.send(content, view=view, allowed_mentions=pings, nonce=nonce)
                except discord.HTTPException as error:
                    log.warning("could not post in the welcome channel of guild %s (%s)", member.guild.id, error.status)
                    sent = None
            else:
                sent = None
            if sent is not None:
                return sent
        return None

    # ---- the path ----

    @app_commands.command(name="start", description="Answer the welcome questionnaire, or pick up where you left off")
    async def start(self, interaction: discord.Interaction) -> None:
        await self.open_path(interaction, guild_of(interaction).id)

    async def start_from_button(self, interaction: discord.Interaction, guild_id: int, member_id: int) -> None:
        welcome.own(interaction, member_id)
        await self.open_path(interaction, guild_id)

    async def open_path(self, interaction: discord.Interaction, guild_id: int) -> None:
        guild, member = await welcome.member_of(self.bot, guild_id, interaction.user.id)
        # After the join handler (which holds this lock while it records and greets a newcomer), never beside it.
        async with self.member_lock(member.id), self.bot.db.transaction() as session:
            await service.start(session, guild.id, member.id, now=utcnow())
        screen = await self.screen(guild, member.id, await language_for(interaction))
        await send_ephemeral(interaction, **screen.to_send())

    async def answer(
        self, interaction: discord.Interaction, guild_id: int, member_id: int, given: dict[str, str | Sequence[str]]
    ) -> None:
        """Save what the member gave, finish when nothing is left, and show the next step in place."""
        welcome.own(interaction, member_id)
        guild, member = await welcome.member_of(self.bot, guild_id, interaction.user.id)
        language = await language_for(interaction)
        now = utcnow()
        async with self.bot.db.transaction() as session:
            await service.start(session, guild.id, member.id, now=now)
            problems = await service.submit(session, self.questions, guild.id, member.id, given, now=now)
            completion = await service.finish_if_complete(session, self.questions, guild.id, member.id, now=now)
        notes = [i18n.t(language, problem.error.key, **problem.error.params) for problem in problems]
        if completion is not None:
            notes += await self.give_roles(guild, member, completion.roles, language)
        await self.show(interaction, guild, member.id, language, notes)

    async def skip(self, interaction: discord.Interaction, guild_id: int, member_id: int, question_id: str) -> None:
        welcome.own(interaction, member_id)
        guild, member = await welcome.member_of(self.bot, guild_id, interaction.user.id)
        language = await language_for(interaction)
        now = utcnow()
        async with self.bot.db.transaction() as session:
            await service.skip(session, self.questions, guild.id, member.id, question_id, now=now)
            completion = await service.finish_if_complete(session, self.questions, guild.id, member.id, now=now)
        notes = await self.give_roles(guild, member, completion.roles, language) if completion else []
        await self.show(interaction, guild, member.id, language, notes)

    async def accept(self, interaction: discord.Interaction, guild_id: int, member_id: int, version: int) -> None:
        welcome.own(interaction, member_id)
        language = await language_for(interaction)
        guild, member = await welcome.member_of(self.bot, guild_id, interaction.user.id)
        try:
            accepted = await conduct_cog(self.bot).accept(member.id, guild.id, version, language)
        except ConductOutdatedError:
            notes = [i18n.t(language, "conduct.accept.outdated")]
        else:
            notes = [i18n.t(language, "conduct.accept.done", version=accepted.version)]
            notes += [accepted.role_line] if accepted.role_line else []
        await self.show(interaction, guild, member.id, language, notes)

    async def open_form(
        self, interaction: discord.Interaction, guild_id: int, member_id: int, question_id: str
    ) -> None:
        """The modal for the current text questions (at most 5), pre-filled with any draft kept."""
        welcome.own(interaction, member_id)
        guild, member = await welcome.member_of(self.bot, guild_id, interaction.user.id)
        language = await language_for(interaction)
        async with self.bot.db.transaction() as session:
            progress = await service.progress(session, self.questions, guild.id, member.id)
        step = progress.step
        if step is None or not step.is_text or step.questions[0].id != question_id:
            await self.show(interaction, guild, member.id, language, [])
            return
        inputs = []
        for number, question in enumerate(step.questions, start=step.first):
            wording = question.wording(language)
            fallback = i18n.t(language, "onboarding.form.label", number=number)
            inputs.append(
                discord.ui.TextInput[Any](
                    label=welcome.label_for(f"{number}. {wording}", fallback),
                    custom_id=question.id,
                    style=discord.TextStyle.paragraph if question.type == "long" else discord.TextStyle.short,
                    placeholder=wording[:100],
                    required=question.required,
                    max_length=question.limit,
                    default=progress.drafts.get(question.id) or None,
                )
            )
        title = progress_line(language, step)
        custom_id = f"agora:onb:modal:{guild.id}:{member.id}:{question_id}"
        await interaction.response.send_modal(welcome.stateless_modal(title, custom_id, inputs))

    @commands.Cog.listener()
    async def on_interaction(self, interaction: discord.Interaction) -> None:
        found = welcome.submitted_modal(interaction)
        if found is None or not found[0].startswith("agora:onb:modal:"):
            return
        custom_id, values = found
        _, _, _, guild_id, member_id, _ = custom_id.split(":")
        text_ids = {question.id for question in self.questions if question.is_text}
        given: dict[str, str | Sequence[str]] = {qid: value for qid, value in values.items() if qid in text_ids}
        await run_safely(interaction, self.answer(interaction, int(guild_id), int(member_id), given))

    async def show(
        self, interaction: discord.Interaction, guild: discord.Guild, member_id: int, language: str, notes: list[str]
    ) -> None:
        """Replace the path's message with its next state (or send one when there is none to replace)."""
        screen = await self.screen(guild, member_id, language)
        screen.notes = notes
        if interaction.message is not None and not interaction.response.is_done():
            await interaction.response.edit_message(**screen.to_edit(), allowed_mentions=NO_PINGS)
        else:
            await send_ephemeral(interaction, **screen.to_send())

    async def screen(self, guild: discord.Guild, member_id: int, language: str) -> Screen:
        async with self.bot.db.transaction() as session:
            settings = await service.guild_settings(session, guild.id, now=utcnow())
            progress = await service.progress(session, self.questions, guild.id, member_id)
            current = await conduct.current_version(session, guild.id)
            accepted = current is not None and await conduct.has_accepted(session, guild.id, member_id, current.version)
        stage = next_stage(
            FirstStep(settings.first_step),
            questions_left=progress.step is not None,
            conduct_published=current is not None,
            conduct_accepted=accepted,
        )
        header = i18n.t(language, "onboarding.flow.header", server=guild.name)
        if stage is Stage.CONDUCT and current is not None:
            view = discord.ui.View(timeout=None)
            label = i18n.t(language, "conduct.button.accept")
            view.add_item(
                AcceptButton(
                    guild.id,
                    member_id,
                    str(current.version),
                    label=label,
                    emoji="✅",
                    style=discord.ButtonStyle.success,
                )
            )
            text = f"{header}\n{i18n.t(language, 'onboarding.flow.conduct')}"
            return Screen(text, version_embed(current, language), view)
        if stage is Stage.QUESTIONS and progress.step is not None:
            return self.question_screen(guild.id, member_id, language, header, progress.step, progress.drafts)
        return Screen(f"{header}\n{i18n.t(language, 'onboarding.flow.done', server=guild.name)}", None, None)

    def question_screen(
        self, guild_id: int, member_id: int, language: str, header: str, step: Step, drafts: dict[str, str]
    ) -> Screen:
        lines = [header, progress_line(language, step)]
        view = discord.ui.View(timeout=None)
        for number, question in enumerate(step.questions, start=step.first):
            optional = "" if question.required else f" {i18n.t(language, 'onboarding.flow.optional')}"
            lines.append(f"**{number}. {question.wording(language)}**{optional}")
        first = step.questions[0]
        if step.is_text:
            if any(question.id in drafts for question in step.questions):
                lines.append(i18n.t(language, "onboarding.flow.draft_kept"))
            label = i18n.t(language, "onboarding.button.answer")
            view.add_item(
                AnswerButton(guild_id, member_id, first.id, label=label, emoji="✍️", style=discord.ButtonStyle.primary)
            )
        else:
            view.add_item(PickSelect(guild_id, member_id, first.id, self.select_for(first, language)))
            if not first.required:
                label = i18n.t(language, "onboarding.button.skip")
                view.add_item(
                    SkipButton(guild_id, member_id, first.id, label=label, style=discord.ButtonStyle.secondary)
                )
        return Screen("\n".join(lines), None, view)

    def select_for(self, question: Question, language: str) -> discord.ui.Select[Any]:
        if question.type in CHOICE_TYPES:
            options = [
                discord.SelectOption(label=choice.fr if language == "fr" else choice.en, value=choice.id)
                for choice in question.choices
            ]
        else:
            options = [discord.SelectOption(label=value, value=value) for value in SCALE]
        most = (question.max_choices or len(options)) if question.type == "multiple" else 1
        key = "onboarding.flow.choose_many" if most > 1 else "onboarding.flow.choose_one"
        return discord.ui.Select(placeholder=i18n.t(language, key), options=options, min_values=1, max_values=most)

    async def give_roles(
        self, guild: discord.Guild, member: discord.Member, wanted: Sequence[int | str], language: str
    ) -> list[str]:
        """Give the roles the answers map to; what cannot be given is told to the hosts, and the member is told so."""
        async with self.bot.db.transaction() as session:
            member_role = (await guild_settings.get_settings(session, guild.id)).member_role_id
        found: list[discord.Role] = []
        problems: list[str] = []
        host_language = await guild_language(self.bot, guild.id)
        for wanted_role in wanted:
            role = (
                guild.get_role(wanted_role)
                if isinstance(wanted_role, int)
                else discord.utils.get(guild.roles, name=wanted_role)
            )
            if role is None:
                problems.append(i18n.t(host_language, "onboarding.hosts.role_unknown", role=str(wanted_role)))
            elif role.id == member_role:
                problems.append(i18n.t(host_language, "onboarding.hosts.role_is_member", role=role.name))
            elif (problem := role_problem(role, guild.me)) is not None:
                problems.append(i18n.t(host_language, problem, role=role.name))
            elif member.get_role(role.id) is None:
                found.append(role)
        notes: list[str] = []
        if found:
            try:
                await member.add_roles(*found, reason="Onboarding answers")
                notes.append(i18n.t(language, "onboarding.flow.roles_given", roles=", ".join(r.name for r in found)))
            except discord.HTTPException as error:
                problems.append(
                    i18n.t(host_language, "errors.role_not_assignable", role=", ".join(r.name for r in found))
                )
                log.warning("could not give onboarding roles in guild %s (%s)", guild.id, error.status)
        if problems:
            await welcome.notify_hosts(
                self.bot, guild, "onboarding.hosts.roles_failed", member=member.mention, problems="\n".join(problems)
            )
            notes.append(i18n.t(language, "onboarding.flow.roles_failed"))
        return notes

    # ---- reminders ----

    async def remind(self, job: DueJob) -> None:
        """One reminder to a member still here who has not finished; the nonce makes a retried post a no-op."""
        guild = self.bot.get_guild(job.guild_id or 0)
        member_id = int(job.payload["member_id"])
        if guild is None:
            return
        async with self.bot.db.transaction() as session:
            path = await service.get_path(session, guild.id, member_id)
        if path is None or path.left_at is not None or path.reminded_at is not None:
            return
        try:
            _, member = await welcome.member_of(self.bot, guild.id, member_id)
        except welcome.NotAMemberError:
            return
        language = await guild_language(self.bot, guild.id)
        screen = await self.screen(guild, member_id, language)
        if screen.view is None:
            return  # nothing left to do
        content = i18n.t(language, "onboarding.reminder.text", member=member.mention, server=guild.name)
        view = self.start_view(guild.id, member_id, language, "continue")
        sent = await self.deliver(member, content, view, prefer_dm=True, nonce=job.nonce)
        if sent is None:
            await welcome.notify_hosts(self.bot, guild, "onboarding.hosts.reminder_failed", member=member.mention)
        async with self.bot.db.transaction() as session:
            await service.mark_reminded(session, guild.id, member_id, now=utcnow())

    # ---- hosts ----

    @app_commands.command(name="settings", description="Show or change how newcomers are welcomed")
    @app_commands.describe(
        first="What newcomers do first",
        greeting="Where Agora greets newcomers",
        reminder_hours="Hours before one reminder to those who have not finished (0: none)",
    )
    @app_commands.choices(first=FIRST_CHOICES, greeting=GREETING_CHOICES)
    @host_only()
    async def settings(
        self,
        interaction: discord.Interaction,
        first: app_commands.Choice[str] | None = None,
        greeting: app_commands.Choice[str] | None = None,
        reminder_hours: app_commands.Range[int, 0, service.MAX_REMINDER_HOURS] | None = None,
    ) -> None:
        guild = guild_of(interaction)
        async with self.bot.db.transaction() as session:
            settings = await service.update_settings(
                session,
                guild.id,
                first_step=FirstStep(first.value) if first else None,
                greeting=Greeting(greeting.value) if greeting else None,
                reminder_hours=reminder_hours,
                now=utcnow(),
            )
            chosen = (settings.first_step, settings.greeting, settings.reminder_hours)
        language = await language_for(interaction)
        changed = first is not None or greeting is not None or reminder_hours is not None
        lines = [i18n.t(language, "onboarding.settings.saved" if changed else "onboarding.settings.title")]
        lines.append(i18n.t(language, f"onboarding.settings.first.{chosen[0]}"))
        lines.append(i18n.t(language, f"onboarding.settings.greeting.{chosen[1]}"))
        if chosen[2]:
            lines.append(i18n.tn(language, "onboarding.settings.reminder", chosen[2]))
        else:
            lines.append(i18n.t(language, "onboarding.settings.no_reminder"))
        lines.append(i18n.tn(language, "onboarding.settings.questions", len(self.questions)))
        await send_ephemeral(interaction, "\n".join(lines))

    @app_commands.command(name="report", description="Completion funnel and answers, with a chart")
    @host_only()
    async def report(self, interaction: discord.Interaction) -> None:
        guild = guild_of(interaction)
        if not self.questions:
            raise NoQuestionnaireError()
        await interaction.response.defer(ephemeral=True, thinking=True)
        async with self.bot.db.transaction() as session:
            funnel, reports = await service.report(session, self.questions, guild.id)
        language = await language_for(interaction)
        t = i18n.t
        panels = [
            chart.Bars(
                t(language, "onboarding.report.funnel"),
                [t(language, f"onboarding.report.{stage}") for stage in ("joined", "started", "finished")],
                [funnel.joined, funnel.started, funnel.finished],
            )
        ]
        texts: list[str] = []
        for item in reports:
            question = item.question
            if question.is_text:
                if item.texts:
                    texts.append(f"## {question.wording(language)}\n" + "\n".join(f"- {text}" for text in item.texts))
                continue
            labels = [self.choice_label(question, key, language) for key, _ in item.counts]
            panels.append(chart.Bars(question.wording(language), labels, [count for _, count in item.counts]))
        image = await asyncio.to_thread(chart.render, panels, axis_label=t(language, "onboarding.report.axis"))
        files = [discord.File(io.BytesIO(image), filename="onboarding-report.png")]
        if texts:
            files.append(discord.File(io.BytesIO("\n\n".join(texts).encode("utf-8")), filename="onboarding-answers.md"))
        summary = [
            t(language, "onboarding.report.title"),
            t(
                language,
                "onboarding.report.numbers",
                joined=funnel.joined,
                started=funnel.started,
                started_percent=funnel.percent(funnel.started),
                finished=funnel.finished,
                finished_percent=funnel.percent(funnel.finished),
                left=funnel.left_midway,
            ),
        ]
        summary.append(t(language, "onboarding.report.texts" if texts else "onboarding.report.no_texts"))
        await interaction.followup.send("\n".join(summary), files=files, ephemeral=True, allowed_mentions=NO_PINGS)

    @app_commands.command(name="export", description="Download every member's answers (CSV)")
    @host_only()
    async def export(self, interaction: discord.Interaction) -> None:
        guild = guild_of(interaction)
        await interaction.response.defer(ephemeral=True, thinking=True)
        language = await language_for(interaction)
        async with self.bot.db.transaction() as session:
            text = await service.export_csv(session, self.questions, guild.id, language)
        count = text.count("\n") - 1
        file = discord.File(io.BytesIO(text.encode("utf-8")), filename=f"onboarding-{guild.id}.csv")
        await interaction.followup.send(
            i18n.tn(language, "onboarding.export.done", count), file=file, ephemeral=True, allowed_mentions=NO_PINGS
        )

    @staticmethod
    def choice_label(question: Question, key: str, language: str) -> str:
        for choice in question.choices:
            if choice.id == key:
                return choice.fr if language == "fr" else choice.en
        return key


async def setup(bot: Agora) -> None:
    await bot.add_cog(Onboarding(bot))
