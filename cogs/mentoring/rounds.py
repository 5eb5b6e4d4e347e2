"""`/mentoring round` and `/mentoring rematch`: hosts preview the optimal pairs, change the weights and preview
again, publish (each pair is asked by DM) or discard; a mentee can be proposed again at once."""

from __future__ import annotations

import io
from typing import Any

import discord
from discord import app_commands

from bot import i18n
from bot.checks import guild_of, host_only
from bot.client import Interaction
from bot.delivery import NO_PINGS
from bot.replies import open_form, send_ephemeral, think, update_message
from bot.ui import custom_id, form, form_view
from cogs.mentoring import render
from cogs.mentoring.base import MentoringBase
from cogs.mentoring.components import round_view
from models.base import utcnow
from models.errors import NoLongerAvailableError, UserError
from models.mentoring import rounds, rules, service
from models.mentoring.rounds import Publication
from models.mentoring.rules import RoundState, Weights
from models.mentoring.tables import MentoringRound

Weight = app_commands.Range[int, 0, rules.MAX_WEIGHT]
WEIGHTS = ("skills", "timezone", "goals")


class HostOnlyError(UserError, key="errors.host_only"): ...


class RoundCommands(MentoringBase):
    @MentoringBase.mentoring.command(name="round", description="Preview the best pairs for everyone waiting")
    @app_commands.describe(
        skills="Weight of shared skills (0–10)",
        timezone="Weight of close time zones (0–10)",
        goals="Weight of goals that mention what the mentor shares (0–10)",
    )
    @host_only()
    async def round(
        self,
        interaction: Interaction,
        skills: Weight | None = None,
        timezone: Weight | None = None,
        goals: Weight | None = None,
    ) -> None:
        guild = guild_of(interaction)
        async with self.bot.db.transaction() as session:
            current = service.weights_of(await service.mentoring_settings(session, guild.id))
        weights = rules.check_weights(
            current.skills if skills is None else skills,
            current.timezone if timezone is None else timezone,
            current.goals if goals is None else goals,
        )
        await think(interaction)
        await self.preview(interaction, guild, weights)

    async def preview(self, interaction: Interaction, guild: discord.Guild, weights: Weights) -> None:
        """Plan, keep the preview, and show it to the host with its CSV and buttons (the weights become the
        server's: automatic rounds use them too)."""
        async with self.bot.db.transaction() as session:
            language = (await self.bot.context(session, guild.id, interaction)).reply_language
            shown = await rounds.plan_round(session, guild.id, weights, host_id=interaction.user.id, now=utcnow())
            await service.save_weights(session, guild.id, weights, now=utcnow())
        plan = shown.plan
        members = (
            {p.mentee_id for p in plan.pairs}
            | {p.mentor_id for p in plan.pairs}
            | set(plan.unmatched)
            | set(plan.unused)
        )
        names = await self.names(guild, sorted(members))
        file = discord.File(
            io.BytesIO(render.preview_csv(plan, names)), filename=f"mentoring-round-{shown.round.id}.csv"
        )
        content = render.preview_text(language, weights, plan)
        view = round_view(shown.round.id, language) if plan.pairs else discord.utils.MISSING
        await interaction.followup.send(content, file=file, view=view, ephemeral=True, allowed_mentions=NO_PINGS)

    async def round_action(self, interaction: Interaction, round_id: int, action: str) -> None:
        if not interaction.permissions.manage_guild:
            raise HostOnlyError()
        async with self.bot.db.transaction() as session:
            found = await rounds.find_round(session, round_id)
        if found is None:
            raise NoLongerAvailableError()
        if action == "weights":
            await self.open_weights(interaction, found)
        elif action == "discard":
            await self.discard(interaction, found)
        else:
            await self.publish(interaction, found)

    async def open_weights(self, interaction: Interaction, found: MentoringRound) -> None:
        if found.state != RoundState.PREVIEW:
            raise rounds.RoundGoneError()
        language = (await self.bot.read_context(found.guild_id, interaction)).reply_language
        fields = [
            discord.ui.TextInput[Any](
                label=i18n.t(language, f"mentoring.weights.{name}"),
                custom_id=name,
                max_length=2,
                default=str(found.weights.get(name, 0)),
            )
            for name in WEIGHTS
        ]
        title = i18n.t(language, "mentoring.weights.title")
        await open_form(interaction, form_view(title, custom_id("mentoring", "weights", found.id), fields))

    @form("mentoring", "weights", r"(?P<round>\d+)")
    async def change_weights(self, interaction: Interaction, values: dict[str, str], *, round: int) -> None:
        if not interaction.permissions.manage_guild:
            raise HostOnlyError()
        weights = Weights(*(rules.parse_weight(values.get(name, "")) for name in WEIGHTS))
        async with self.bot.db.transaction() as session:
            found = await rounds.find_round(session, round)
        if found is None or found.state != RoundState.PREVIEW:
            raise rounds.RoundGoneError()
        await think(interaction)
        await self.preview(interaction, guild_of(interaction), weights)

    async def discard(self, interaction: Interaction, found: MentoringRound) -> None:
        async with self.bot.db.transaction() as session:
            language = (await self.bot.context(session, found.guild_id, interaction)).reply_language
            await rounds.discard_round(session, found.id)
        await update_message(interaction, content=i18n.t(language, "mentoring.round.discarded"), view=None)

    async def publish(self, interaction: Interaction, found: MentoringRound) -> None:
        guild = guild_of(interaction)
        language = (await self.bot.read_context(guild.id, interaction)).reply_language
        async with self.bot.db.transaction() as session:  # the lock is this transaction's first write
            published = await rounds.publish_round(session, found.id, host_id=interaction.user.id, now=utcnow())
        await update_message(interaction, content=self.published_text(language, published), view=None)
        if published.proposals:
            self.inflight.start(self.ask(guild, published.proposals), name=f"mentoring-ask-{found.id}")

    def published_text(self, language: str, published: Publication) -> str:
        lines = [i18n.tn(language, "mentoring.round.published", len(published.proposals))]
        if published.skipped:
            lines.append(i18n.tn(language, "mentoring.round.skipped", published.skipped))
        if published.proposals:
            lines.append(
                i18n.t(language, "mentoring.round.answer_by", deadline=render.when(published.proposals[0].answer_by))
            )
        return "\n".join(lines)

    @MentoringBase.mentoring.command(name="rematch", description="Propose a waiting mentee to a mentor now")
    @app_commands.describe(member="The mentee to propose again")
    @host_only()
    async def rematch(self, interaction: Interaction, member: discord.Member) -> None:
        guild = guild_of(interaction)
        language = (await self.bot.read_context(guild.id, interaction)).reply_language
        async with self.bot.db.transaction() as session:
            published = await rounds.rematch(session, guild.id, member.id, host_id=interaction.user.id, now=utcnow())
        (proposal,) = published.proposals
        text = i18n.t(
            language,
            "mentoring.rematch.done",
            mentee=member.mention,
            mentor=render.mention(proposal.mentor_id),
            why=render.why_text(language, proposal.why),
        )
        await send_ephemeral(interaction, text)
        await self.ask(guild, published.proposals)
