"""`/feedback` (`/retours`): hosts read what members said (average, distribution, response rate, comments, a trend
chart), export it as CSV, and schedule pulse surveys."""

from __future__ import annotations

import asyncio
import io

import discord
from discord import app_commands

from bot import i18n
from bot.checks import channel_problems, guild_of, host_only
from bot.client import Interaction
from bot.delivery import NO_PINGS
from bot.members import display_names
from bot.replies import send_ephemeral, think
from cogs.sessions import render
from cogs.sessions.commands import SessionCommands
from models.errors import ChannelNotUsableError
from models.export import to_csv
from models.sessions import feedback, pulse
from models.sessions import series as series_service
from models.sessions.chart import TrendText, render_trend
from models.sessions.feedback import RoundResult

EVERY_CHOICES = [
    app_commands.Choice(name="Every week", value="weekly"),
    app_commands.Choice(name="Every 2 weeks", value="biweekly"),
    app_commands.Choice(name="Every month", value="monthly"),
    app_commands.Choice(name="Every 3 months", value="quarterly"),
]


class FeedbackCommands(SessionCommands):
    feedback = app_commands.Group(name="feedback", description="What members said about sessions", guild_only=True)
    pulse_group = app_commands.Group(name="pulse", description="Recurring short surveys", parent=feedback)

    @feedback.command(name="results", description="Ratings, response rate, comments and a trend chart")
    @app_commands.describe(series="One series (default: every session)")
    @host_only()
    async def results(self, interaction: Interaction, series: str | None = None) -> None:
        guild = guild_of(interaction)
        async with self.bot.db.transaction() as session:
            chosen = await series_service.series_of(session, series, guild.id) if series else None
            results = await feedback.session_results(session, guild.id, series_id=chosen.id if chosen else None)
            language = (await self.bot.context(session, guild.id, interaction)).reply_language
        heading = i18n.t(language, "feedback.results.heading", title=chosen.title if chosen else guild.name)
        await self.send_results(interaction, language, results, heading, "feedback")

    async def send_results(
        self, interaction: Interaction, language: str, results: list[RoundResult], heading: str, name: str
    ) -> None:
        if not results:
            await send_ephemeral(interaction, i18n.t(language, "feedback.results.none"))
            return
        await think(interaction)
        text = render.results_text(language, results, heading)
        labels = [f"{result.starts_at:%Y-%m-%d}" for result in results]
        trend = TrendText(
            heading, i18n.t(language, "feedback.chart.rating"), i18n.t(language, "feedback.chart.answers")
        )
        image = await asyncio.to_thread(
            render_trend,
            trend,
            labels,
            [result.attendees.average for result in results],
            [result.overall.count for result in results],
        )
        files = [
            discord.File(io.BytesIO(image), filename=f"{name}-trend.png"),
            discord.File(io.BytesIO(text.details.encode("utf-8")), filename=f"{name}-comments.md"),
        ]
        await interaction.followup.send(text.summary[:2000], files=files, ephemeral=True, allowed_mentions=NO_PINGS)

    @feedback.command(name="export", description="Every answer as a CSV file (anonymous ones without a name)")
    @app_commands.describe(series="One series (default: every session)")
    @host_only()
    async def export(self, interaction: Interaction, series: str | None = None) -> None:
        guild = guild_of(interaction)
        await think(interaction)
        async with self.bot.db.transaction() as session:
            chosen = await series_service.series_of(session, series, guild.id) if series else None
            results = await feedback.session_results(
                session, guild.id, series_id=chosen.id if chosen else None, limit=10_000
            )
            language = (await self.bot.context(session, guild.id, interaction)).reply_language
        named = sorted({a.member_id for r in results for a in r.answers if a.member_id is not None})
        names = await display_names(guild, named)
        header = [
            "series",
            "starts_at",
            "attended",
            "rating",
            "worked",
            "improve",
            "member_id",
            "member",
            "answered_at",
        ]
        rows = [
            [
                result.title,
                result.starts_at,
                "yes" if answer.attended else "no",
                answer.rating,
                answer.worked,
                answer.improve,
                answer.member_id,
                names.get(answer.member_id) if answer.member_id else None,
                answer.answered_at,
            ]
            for result in results
            for answer in result.answers
        ]
        file = discord.File(io.BytesIO(to_csv(header, rows)), filename=f"feedback-{guild.id}.csv")
        done = i18n.tn(language, "feedback.export.done", len(rows))
        await interaction.followup.send(done, file=file, ephemeral=True, allowed_mentions=NO_PINGS)

    @results.autocomplete("series")
    @export.autocomplete("series")
    async def feedback_series(self, interaction: Interaction, current: str) -> list[app_commands.Choice[str]]:
        return await self.series_options(interaction, current)

    # --- pulse surveys ----------------------------------------------------------------------------------------------

    @pulse_group.command(name="create", description="Ask a short recurring question (1 to 5 and a comment)")
    @app_commands.describe(
        question="The question, e.g. How much is this community helping you learn?",
        every="How often",
        start="First time it is asked, in the server's time zone, e.g. 2027-01-04 10:00",
        channel="Post it in this channel",
        role="Or send it by DM to this role's members",
    )
    @app_commands.choices(every=EVERY_CHOICES)
    @host_only()
    async def pulse_create(
        self,
        interaction: Interaction,
        question: str,
        every: app_commands.Choice[str],
        start: str,
        channel: discord.TextChannel | None = None,
        role: discord.Role | None = None,
    ) -> None:
        guild = guild_of(interaction)
        if channel is not None:
            problems = channel_problems(channel, guild.me, "send_messages")
            if problems:
                raise ChannelNotUsableError(channel=channel.mention, permissions=problems)
        async with self.bot.db.transaction() as session:
            context = await self.bot.context(session, guild.id, interaction)
            survey, first = await pulse.create_pulse(
                session,
                guild.id,
                question=question,
                every=every.value,
                start=start,
                zone=context.zone,
                channel_id=channel.id if channel else None,
                role_id=role.id if role else None,
                created_by=interaction.user.id,
                now=self.now(),
            )
        target = channel.mention if channel else (role.name if role else "")
        text = i18n.t(
            context.reply_language,
            "sessions.pulse.created",
            question=survey.question,
            when=render.when_both(first),
            every=i18n.t(context.reply_language, f"commands.choices.{every.value}"),
            target=target,
        )
        await send_ephemeral(interaction, text)

    @pulse_group.command(name="results", description="How answers to a pulse survey trend over time")
    @app_commands.describe(survey="The pulse survey")
    @host_only()
    async def pulse_results(self, interaction: Interaction, survey: str) -> None:
        guild = guild_of(interaction)
        async with self.bot.db.transaction() as session:
            found = await pulse.get_pulse(session, survey, guild.id)
            results = await feedback.pulse_results(session, found.id)
            language = (await self.bot.context(session, guild.id, interaction)).reply_language
        await self.send_results(interaction, language, results, found.question, "pulse")

    @pulse_group.command(name="stop", description="Stop asking a pulse survey")
    @app_commands.describe(survey="The pulse survey")
    @host_only()
    async def pulse_stop(self, interaction: Interaction, survey: str) -> None:
        guild = guild_of(interaction)
        async with self.bot.db.transaction() as session:
            found = await pulse.get_pulse(session, survey, guild.id)
            await pulse.stop_pulse(session, found, now=self.now())
            language = (await self.bot.context(session, guild.id, interaction)).reply_language
        await send_ephemeral(interaction, i18n.t(language, "sessions.pulse.stopped", question=found.question))

    @pulse_results.autocomplete("survey")
    @pulse_stop.autocomplete("survey")
    async def survey_choices(self, interaction: Interaction, current: str) -> list[app_commands.Choice[str]]:
        if interaction.guild_id is None:
            return []
        async with self.bot.db.transaction() as session:
            found = await pulse.pulse_choices(session, interaction.guild_id, current)
        return [app_commands.Choice(name=each.question[:100], value=str(each.id)) for each in found]
