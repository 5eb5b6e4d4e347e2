"""`/mentoring status`, `export` and `settings`: what hosts follow and choose."""

from __future__ import annotations

import io

import discord
from discord import app_commands

from bot import i18n
from bot.checks import guild_of, host_only
from bot.client import Interaction
from bot.delivery import NO_PINGS
from bot.replies import send_ephemeral, think
from cogs.mentoring import render
from cogs.mentoring.base import MentoringBase
from models.base import utcnow
from models.export import to_csv
from models.mentoring import languages as spoken
from models.mentoring import rules, service

CheckInDays = app_commands.Range[int, rules.MIN_CHECK_IN_DAYS, rules.MAX_CHECK_IN_DAYS]
AutoRoundDays = app_commands.Range[int, 0, rules.MAX_AUTO_ROUND_DAYS]


class HostCommands(MentoringBase):
    @MentoringBase.mentoring.command(name="status", description="Mentors' load, who waits, stale pairs, feedback")
    @host_only()
    async def status(self, interaction: Interaction) -> None:
        guild = guild_of(interaction)
        async with self.bot.db.transaction() as session:
            language = (await self.bot.context(session, guild.id, interaction)).reply_language
            found = await service.status(session, guild.id)
        await send_ephemeral(interaction, render.status_text(language, found))

    @MentoringBase.mentoring.command(name="export", description="Download every proposal, pair and offer (CSV)")
    @host_only()
    async def export(self, interaction: Interaction) -> None:
        guild = guild_of(interaction)
        await think(interaction)
        async with self.bot.db.transaction() as session:
            language = (await self.bot.context(session, guild.id, interaction)).reply_language
            members = sorted(await service.member_ids(session, guild.id, history=True))
        names = await self.names(guild, members)  # outside the transaction: Discord may take a while
        async with self.bot.db.transaction() as session:
            pairs = await service.export_pairs(session, guild.id, names)
            rows = await service.export_members(session, guild.id, names)
        files = [
            discord.File(io.BytesIO(to_csv(service.PAIR_COLUMNS, pairs)), filename=f"mentoring-pairs-{guild.id}.csv"),
            discord.File(
                io.BytesIO(to_csv(service.MEMBER_COLUMNS, rows)), filename=f"mentoring-members-{guild.id}.csv"
            ),
        ]
        done = i18n.t(language, "mentoring.export.done", pairs=len(pairs), members=len(rows))
        await interaction.followup.send(done, files=files, ephemeral=True, allowed_mentions=NO_PINGS)

    @MentoringBase.mentoring.command(
        name="settings", description="Show or change check-ins, automatic rounds, languages"
    )
    @app_commands.describe(
        check_in_days="Days between check-ins in each pair's thread",
        auto_round_days="Run and publish a round every N days (0: only by hand)",
        languages="Languages members may mentor in, comma-separated (e.g. French, English, es)",
    )
    @host_only()
    async def settings(
        self,
        interaction: Interaction,
        check_in_days: CheckInDays | None = None,
        auto_round_days: AutoRoundDays | None = None,
        languages: str | None = None,
    ) -> None:
        guild = guild_of(interaction)
        async with self.bot.db.transaction() as session:
            context = await self.bot.context(session, guild.id, interaction)
            language = context.reply_language
            codes = spoken.parse_server_languages(languages, language) if languages is not None else None
            chosen = await service.update_settings(
                session,
                guild.id,
                check_in_days=check_in_days,
                auto_round_days=auto_round_days,
                languages=codes,
                zone=context.zone.key,
                now=utcnow(),
            )
            next_round = await service.next_automatic_round(session, guild.id)
            weights = service.weights_of(chosen)
            allowed = service.server_languages(chosen)
        changed = any(value is not None for value in (check_in_days, auto_round_days, languages))
        t = i18n.t
        lines = [
            t(language, "mentoring.settings.saved" if changed else "mentoring.settings.title"),
            i18n.tn(language, "mentoring.settings.check_ins", chosen.check_in_days),
            i18n.tn(language, "mentoring.settings.auto", chosen.auto_round_days, next=render.when(next_round))
            if chosen.auto_round_days and next_round
            else t(language, "mentoring.settings.no_auto"),
            t(language, "mentoring.settings.languages", languages=spoken.display_names(allowed, language)),
            t(
                language,
                "mentoring.round.weights",
                skills=weights.skills,
                timezone=weights.timezone,
                goals=weights.goals,
            ),
        ]
        await send_ephemeral(interaction, "\n".join(lines))
