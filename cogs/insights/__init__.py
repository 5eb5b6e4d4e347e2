"""`/insights` (`/bilan`): the community's health at a glance for hosts — one PNG, a text summary and the same
figures per week as CSV — and a weekly report in the moderators' channel, with the week's biggest change.

The figures are the domain's (`models.insights`); this cog reads them in one transaction, draws the chart in a worker
thread and answers. `render` writes the texts and tiles.
"""

from __future__ import annotations

import asyncio
import io
import logging
from datetime import timedelta

import discord
from discord import app_commands

from bot import i18n
from bot.capability import Capability, job, listener
from bot.checks import guild_of, host_only
from bot.client import Agora, Interaction
from bot.delivery import NO_PINGS, post, postable
from bot.replies import csv_file, send_ephemeral, think
from cogs.insights import render
from models.base import utcnow
from models.guild_settings import GuildContext
from models.insights import chart, figures, rules, service
from models.insights.rules import Report, Window
from models.insights.service import Week
from models.scheduling import DueJob

log = logging.getLogger(__name__)


class Insights(Capability):
    @app_commands.command(name="insights", description="Community health: this period against the one before")
    @app_commands.describe(period="Number of days (default 30, at most 730)")
    @host_only()
    async def insights(self, interaction: Interaction, period: app_commands.Range[str, 1, 20] | None = None) -> None:
        guild = guild_of(interaction)
        days = rules.parse_period(period)
        await think(interaction)
        now = utcnow()
        async with self.bot.db.transaction() as session:
            context = await self.bot.context(session, guild.id, interaction)
            used = await figures.in_use(session, guild.id)
            report = await service.build_report(session, guild.id, rules.window(now, days), days=days, used=used)
            weeks = await service.weekly_figures(session, guild.id, report.window, context.zone, used)
        language = context.reply_language
        text = render.summary(report, context.zone, language)
        if report.empty:
            await interaction.followup.send(text, ephemeral=True, allowed_mentions=NO_PINGS)
            return
        png = await self.draw(report, service.complete(weeks), language, render.title(report, language))
        header, rows = service.csv_table(weeks, used)
        files = [
            discord.File(io.BytesIO(png), filename="insights.png"),
            csv_file(header, rows, f"insights-{guild.id}-{days}d.csv"),
        ]
        await interaction.followup.send(text, files=files, ephemeral=True, allowed_mentions=NO_PINGS)

    @app_commands.command(name="insights-weekly", description="Turn the weekly report to the moderators on or off")
    @app_commands.describe(enabled="Post it every Monday (leave empty to see the current choice)")
    @host_only()
    async def weekly_setting(self, interaction: Interaction, enabled: bool | None = None) -> None:
        guild = guild_of(interaction)
        async with self.bot.db.transaction() as session:
            context = await self.bot.context(session, guild.id, interaction)
            if enabled is None:
                chosen = await service.insights_settings(session, guild.id)
            else:
                chosen = await service.set_weekly(
                    session, guild.id, enabled, context.zone, by=interaction.user.id, now=utcnow()
                )
        language = context.reply_language
        lines = [i18n.t(language, "insights.weekly.on" if chosen.weekly else "insights.weekly.off")]
        if chosen.weekly and postable(guild, context.settings.moderators_channel_id) is None:
            lines.append(i18n.t(language, "insights.weekly.no_channel"))
        await send_ephemeral(interaction, "\n".join(lines))

    async def draw(self, report: Report, weeks: list[Week], language: str, heading: str) -> bytes:
        """The chart in a worker thread: matplotlib is imported there, on the first report."""
        return await asyncio.to_thread(chart.render, heading, render.tiles(report, weeks, language))

    # --- the weekly report ---------------------------------------------------------------------------------------

    @job(service.REPORT_JOB, in_guild=True)
    async def weekly_report(self, guild: discord.Guild, due: DueJob) -> None:
        """Last week's report, once: its row is claimed first, and a retried post carries the same nonce."""
        async with self.bot.db.transaction() as session:
            context = await self.bot.context(session, guild.id)
            if not (await service.insights_settings(session, guild.id)).weekly:
                return
            week, period = service.reported_week(due.due_at, context.zone)
            if await service.claim_report(session, guild.id, week, now=utcnow()) is None:
                return
            used = await figures.in_use(session, guild.id)
            report = await service.build_report(session, guild.id, period, days=7, used=used)
            history = Window(period.end - timedelta(weeks=service.SPARK_WEEKS), period.end)
            weeks = await service.weekly_figures(session, guild.id, history, context.zone, used)
        channel = postable(guild, context.settings.moderators_channel_id)
        if report.empty or channel is None:
            if channel is None and not report.empty:
                log.info("no moderators' channel in guild %s: weekly report %s not posted", guild.id, week)
            async with self.bot.db.transaction() as session:
                await service.record_report(session, guild.id, week, 0, 0)
            return
        text, png = await self.weekly_message(report, weeks, context, week)
        message = await post(
            channel, content=text, file=discord.File(io.BytesIO(png), filename=f"insights-{week}.png"), nonce=due.nonce
        )
        if message is None:
            raise RuntimeError(f"the weekly report of guild {guild.id} could not be posted; retried")
        async with self.bot.db.transaction() as session:
            await service.record_report(session, guild.id, week, channel.id, message.id)

    async def weekly_message(
        self, report: Report, weeks: list[Week], context: GuildContext, week: str
    ) -> tuple[str, bytes]:
        language = context.language
        heading = i18n.t(language, "insights.weekly.title", week=week)
        changed = rules.clock_changed(context.zone, Window(report.window.before().start, report.window.end))
        highlight = render.highlight_text(rules.highlight(report.figures()), language, changed)
        text = render.summary(report, context.zone, language, heading, extra=[f"📈 {highlight}"])
        png = await self.draw(report, service.complete(weeks), language, heading)
        return text, png

    async def schedule(self, guild: discord.Guild) -> None:
        async with self.bot.db.transaction() as session:
            context = await self.bot.context(session, guild.id)
            chosen = await service.insights_settings(session, guild.id)
            await service.schedule_report(session, chosen, context.zone, now=utcnow())

    @listener()
    async def on_guild_join(self, guild: discord.Guild) -> None:
        await self.schedule(guild)

    async def catch_up(self) -> None:
        """Every server has its weekly report's job (created once; a restart keeps the one it has)."""
        for guild in self.bot.guilds:
            try:
                await self.schedule(guild)
            except Exception:
                log.exception("scheduling the weekly report of guild %s failed", guild.id)


async def setup(bot: Agora) -> None:
    await bot.add_cog(Insights(bot))
