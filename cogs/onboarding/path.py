"""A newcomer's path, one screen at a time: the code of conduct and the questions in the server's order, every
answer saved as it is given, resumable after closing the message, a restart, or leaving and coming back."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import discord

from bot import i18n
from bot.delivery import NO_PINGS
from bot.members import member_of
from bot.replies import open_form, send_ephemeral, update_message
from bot.roles import give_member_role
from bot.ui import custom_id, form, form_view, own
from cogs.onboarding.base import OnboardingBase
from cogs.onboarding.components import QUESTION, AcceptButton, AnswerButton, PickSelect, SkipButton, select_for
from cogs.onboarding.render import Screen, conduct_embed, progress_line, question_label, question_lines
from models.base import utcnow
from models.conduct import service as conduct
from models.conduct.rules import ConductOutdatedError
from models.guild_settings import GuildContext
from models.onboarding import service
from models.onboarding.rules import FirstStep, Stage, Step, next_stage

if TYPE_CHECKING:
    from bot.client import Interaction

NOT_A_MEMBER = "onboarding.flow.not_member"
STRANGER = "onboarding.flow.stranger"
INPUT_LABEL_MAX = 45  # https://discord.com/developers/docs/components/reference#text-input
PLACEHOLDER_MAX = 100


class OnboardingPath(OnboardingBase):
    async def start_from_button(self, interaction: Interaction, guild_id: int, member_id: int) -> None:
        own(interaction, member_id, STRANGER)
        await self.open_path(interaction, guild_id)

    async def open_path(self, interaction: Interaction, guild_id: int) -> None:
        guild, member = await member_of(self.bot, guild_id, interaction.user.id, NOT_A_MEMBER, person=interaction.user)
        # After the join handler (which holds this lock while it records and greets a newcomer), never beside it.
        async with self.member_lock(member.id), self.bot.db.transaction() as session:
            await service.start_path(session, guild.id, member.id, now=utcnow())
            context = await self.bot.context(session, guild.id, interaction)
            screen = await self.screen(session, context, guild, member.id)
        await send_ephemeral(interaction, **screen.to_send())

    async def answer(
        self, interaction: Interaction, guild_id: int, member_id: int, given: dict[str, str | Sequence[str]]
    ) -> None:
        """Save what the member gave, finish when nothing is left, and show the next step in place."""
        own(interaction, member_id, STRANGER)
        guild, member = await member_of(self.bot, guild_id, interaction.user.id, NOT_A_MEMBER, person=interaction.user)
        now = utcnow()
        # One submission of a member at a time (a double click, two forms open): each reads, then writes, their rows.
        async with self.member_lock(member.id), self.bot.db.transaction() as session:
            context = await self.bot.context(session, guild.id, interaction)
            questions = await self.questions(session, guild.id)
            await service.start_path(session, guild.id, member.id, now=now)
            problems = await service.submit_answers(session, questions, guild.id, member.id, given, now=now)
            completion = await service.finish_if_complete(session, questions, guild.id, member.id, now=now)
        language = context.reply_language
        notes = [i18n.t(language, problem.error.key, **problem.error.params) for problem in problems]
        if completion is not None:
            notes += await self.give_roles(member, completion.roles, context)
        await self.show(interaction, context, guild, member.id, notes)

    async def skip(self, interaction: Interaction, guild_id: int, member_id: int, question_id: str) -> None:
        own(interaction, member_id, STRANGER)
        guild, member = await member_of(self.bot, guild_id, interaction.user.id, NOT_A_MEMBER, person=interaction.user)
        now = utcnow()
        async with self.member_lock(member.id), self.bot.db.transaction() as session:
            context = await self.bot.context(session, guild.id, interaction)
            questions = await self.questions(session, guild.id)
            await service.skip_question(session, questions, guild.id, member.id, question_id, now=now)
            completion = await service.finish_if_complete(session, questions, guild.id, member.id, now=now)
        notes = await self.give_roles(member, completion.roles, context) if completion else []
        await self.show(interaction, context, guild, member.id, notes)

    async def accept(self, interaction: Interaction, guild_id: int, member_id: int, version: int) -> None:
        own(interaction, member_id, STRANGER)
        guild, member = await member_of(self.bot, guild_id, interaction.user.id, NOT_A_MEMBER, person=interaction.user)
        async with self.bot.db.transaction() as session:
            context = await self.bot.context(session, guild.id, interaction)
            questions = await self.questions(session, guild.id)
            try:
                accepted = await service.accept_conduct(
                    session, questions, guild.id, member.id, version=version, now=utcnow()
                )
            except ConductOutdatedError:
                accepted = None
        language = context.reply_language
        if accepted is None:
            notes = [i18n.t(language, "conduct.accept.outdated")]
        else:
            line = await give_member_role(member, context)
            notes = [i18n.t(language, "conduct.accept.done", version=accepted.version), *([line] if line else [])]
        await self.show(interaction, context, guild, member.id, notes)

    async def show_form(self, interaction: Interaction, guild_id: int, member_id: int, question_id: str) -> None:
        """The form of the current text questions (at most 5), pre-filled with any draft kept."""
        own(interaction, member_id, STRANGER)
        guild, member = await member_of(self.bot, guild_id, interaction.user.id, NOT_A_MEMBER, person=interaction.user)
        async with self.bot.db.transaction() as session:
            context = await self.bot.context(session, guild.id, interaction)
            questions = await self.questions(session, guild.id)
            progress = await service.progress(session, questions, guild.id, member.id)
        step = progress.step
        if step is None or not step.is_text or step.questions[0].id != question_id:
            await self.show(interaction, context, guild, member.id, [])
            return
        language = context.reply_language
        inputs = [
            discord.ui.TextInput[Any](
                label=question_label(question, number, language, INPUT_LABEL_MAX),
                custom_id=question.id,
                style=discord.TextStyle.paragraph if question.type == "long" else discord.TextStyle.short,
                placeholder=question.wording(language)[:PLACEHOLDER_MAX],
                required=question.required,
                max_length=question.limit,
                default=progress.drafts.get(question.id) or None,
            )
            for number, question in enumerate(step.questions, start=step.first)
        ]
        form_id = custom_id("onboarding", "answers", guild.id, member.id, question_id)
        await open_form(interaction, form_view(progress_line(language, step), form_id, inputs))

    @form("onboarding", "answers", rf"(?P<guild>\d+):(?P<member>\d+):{QUESTION}")
    async def receive_answers(
        self, interaction: Interaction, values: dict[str, str], *, guild: int, member: int, question: str
    ) -> None:
        async with self.bot.db.transaction() as session:
            text_ids = {found.id for found in await self.questions(session, guild) if found.is_text}
        given: dict[str, str | Sequence[str]] = {qid: value for qid, value in values.items() if qid in text_ids}
        await self.answer(interaction, guild, member, given)

    async def show(
        self, interaction: Interaction, context: GuildContext, guild: discord.Guild, member_id: int, notes: list[str]
    ) -> None:
        """Replace the path's message with its next state (or send one when there is none to replace)."""
        async with self.bot.db.transaction() as session:
            screen = await self.screen(session, context, guild, member_id)
        screen.notes = notes
        if interaction.message is not None:
            await update_message(interaction, **screen.to_edit(), allowed_mentions=NO_PINGS)
        else:
            await send_ephemeral(interaction, **screen.to_send())

    async def screen(self, session: Any, context: GuildContext, guild: discord.Guild, member_id: int) -> Screen:
        """Where the member's path stands: the code of conduct, the next questions, or done."""
        language = context.reply_language
        settings = await service.onboarding_settings(session, guild.id, now=utcnow())
        progress = await service.progress(session, await self.questions(session, guild.id), guild.id, member_id)
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
            label = i18n.t(language, "conduct.button.accept")
            view = discord.ui.View(timeout=None).add_item(AcceptButton(guild.id, member_id, current.version, label))
            return Screen(
                f"{header}\n{i18n.t(language, 'onboarding.flow.conduct')}", conduct_embed(current, language), view
            )
        if stage is Stage.QUESTIONS and progress.step is not None:
            return question_screen(guild.id, member_id, language, header, progress.step, progress.drafts)
        return Screen(f"{header}\n{i18n.t(language, 'onboarding.flow.done', server=guild.name)}")


def question_screen(
    guild_id: int, member_id: int, language: str, header: str, step: Step, drafts: dict[str, str]
) -> Screen:
    kept = any(question.id in drafts for question in step.questions)
    lines = question_lines(language, header, step, drafts_kept=step.is_text and kept)
    view = discord.ui.View(timeout=None)
    first = step.questions[0]
    if step.is_text:
        view.add_item(AnswerButton(guild_id, member_id, first.id, i18n.t(language, "onboarding.button.answer")))
    else:
        view.add_item(PickSelect(guild_id, member_id, first.id, select_for(first, language)))
        if not first.required:
            view.add_item(SkipButton(guild_id, member_id, first.id, i18n.t(language, "onboarding.button.skip")))
    return Screen("\n".join(lines), None, view)
