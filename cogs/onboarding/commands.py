"""`/onboarding` commands: members start or resume their path; hosts choose how newcomers are welcomed, read the
funnel and the answers back, and keep the server's questionnaire (import a file, export it)."""

from __future__ import annotations

import asyncio
import io
import json

import discord
from discord import app_commands

from bot import i18n
from bot.checks import guild_of, host_only
from bot.client import Interaction
from bot.delivery import NO_PINGS
from bot.replies import send_ephemeral, send_export, think
from cogs.onboarding.path import OnboardingPath
from cogs.onboarding.render import report_panels, report_summary
from models.base import utcnow
from models.errors import UserError
from models.onboarding import chart, service
from models.onboarding.questionnaire import Questionnaire, read_document
from models.onboarding.rules import FirstStep, Greeting

FIRST_CHOICES = [
    app_commands.Choice(name="Code of conduct first", value=FirstStep.CONDUCT.value),
    app_commands.Choice(name="Questionnaire first", value=FirstStep.QUESTIONNAIRE.value),
]
GREETING_CHOICES = [
    app_commands.Choice(name="In the welcome channel", value=Greeting.WELCOME_CHANNEL.value),
    app_commands.Choice(name="By direct message", value=Greeting.DIRECT_MESSAGE.value),
]
QUESTIONNAIRE_FILE_MAX = 256 * 1024


class NoQuestionnaireError(UserError, key="onboarding.report.none"): ...


class QuestionnaireFileTooLargeError(UserError, key="onboarding.questionnaire.too_large"): ...


class OnboardingCommands(OnboardingPath):
    questionnaire = app_commands.Group(name="questionnaire", description="The welcome questions of this server")

    @app_commands.command(name="start", description="Answer the welcome questionnaire, or pick up where you left off")
    async def start(self, interaction: Interaction) -> None:
        await self.open_path(interaction, guild_of(interaction).id)

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
        interaction: Interaction,
        first: app_commands.Choice[str] | None = None,
        greeting: app_commands.Choice[str] | None = None,
        reminder_hours: app_commands.Range[int, 0, service.MAX_REMINDER_HOURS] | None = None,
    ) -> None:
        guild = guild_of(interaction)
        async with self.bot.db.transaction() as session:
            language = (await self.bot.context(session, guild.id, interaction)).reply_language
            chosen = await service.update_settings(
                session,
                guild.id,
                first_step=FirstStep(first.value) if first else None,
                greeting=Greeting(greeting.value) if greeting else None,
                reminder_hours=reminder_hours,
                now=utcnow(),
            )
            questions = len(await self.questions(session, guild.id))
        changed = first is not None or greeting is not None or reminder_hours is not None
        lines = [
            i18n.t(language, "onboarding.settings.saved" if changed else "onboarding.settings.title"),
            i18n.t(language, f"onboarding.settings.first.{chosen.first_step}"),
            i18n.t(language, f"onboarding.settings.greeting.{chosen.greeting}"),
            i18n.tn(language, "onboarding.settings.reminder", chosen.reminder_hours)
            if chosen.reminder_hours
            else i18n.t(language, "onboarding.settings.no_reminder"),
            i18n.tn(language, "onboarding.settings.questions", questions),
        ]
        await send_ephemeral(interaction, "\n".join(lines))

    @app_commands.command(name="report", description="Completion funnel and answers, with a chart")
    @host_only()
    async def report(self, interaction: Interaction) -> None:
        guild = guild_of(interaction)
        async with self.bot.db.transaction() as session:
            language = (await self.bot.context(session, guild.id, interaction)).reply_language
            questions = await self.questions(session, guild.id)
            if not questions:
                raise NoQuestionnaireError()
            funnel, reports = await service.answers_report(session, questions, guild.id)
        await think(interaction)
        panels, texts = report_panels(language, funnel, reports)
        axis = i18n.t(language, "onboarding.report.axis")
        image = await asyncio.to_thread(chart.render, panels, axis_label=axis)
        files = [discord.File(io.BytesIO(image), filename="onboarding-report.png")]
        if texts:
            files.append(discord.File(io.BytesIO("\n\n".join(texts).encode("utf-8")), filename="onboarding-answers.md"))
        summary = report_summary(language, funnel, has_texts=bool(texts))
        await interaction.followup.send(summary, files=files, ephemeral=True, allowed_mentions=NO_PINGS)

    @app_commands.command(name="export", description="Download every member's answers (CSV)")
    @host_only()
    async def export(self, interaction: Interaction) -> None:
        guild = guild_of(interaction)
        await think(interaction)
        async with self.bot.db.transaction() as session:
            language = (await self.bot.context(session, guild.id, interaction)).reply_language
            questions = await self.questions(session, guild.id)
            header, rows = await service.answers_export(session, questions, guild.id, language)
        done = i18n.tn(language, "onboarding.export.done", len(rows))
        await send_export(interaction, done, header, rows, f"onboarding-{guild.id}.csv")

    @questionnaire.command(name="import", description="Replace this server's welcome questions with a file")
    @app_commands.describe(file="A .json or .toml file with a `questions` list (see /onboarding questionnaire export)")
    @host_only()
    async def import_questions(self, interaction: Interaction, file: discord.Attachment) -> None:
        guild = guild_of(interaction)
        if file.size > QUESTIONNAIRE_FILE_MAX:
            raise QuestionnaireFileTooLargeError(limit=QUESTIONNAIRE_FILE_MAX // 1024)
        document = read_document(await file.read(), file.filename)
        async with self.bot.db.transaction() as session:
            language = (await self.bot.context(session, guild.id, interaction)).reply_language
            checked = await service.import_questionnaire(
                session, guild.id, document, member_id=interaction.user.id, now=utcnow()
            )
        done = i18n.tn(language, "onboarding.questionnaire.imported", len(checked.questions))
        await send_ephemeral(interaction, done)

    @questionnaire.command(name="export", description="Download this server's welcome questions, to edit and import")
    @host_only()
    async def export_questions(self, interaction: Interaction) -> None:
        guild = guild_of(interaction)
        async with self.bot.db.transaction() as session:
            language = (await self.bot.context(session, guild.id, interaction)).reply_language
            questions = await self.questions(session, guild.id)
        document = json.dumps(Questionnaire(questions=questions).as_document(), ensure_ascii=False, indent=2)
        file = discord.File(io.BytesIO(document.encode("utf-8")), filename=f"questionnaire-{guild.id}.json")
        done = i18n.tn(language, "onboarding.questionnaire.exported", len(questions))
        await send_ephemeral(interaction, done, file=file)
