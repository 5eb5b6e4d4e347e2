"""A pair's life on Discord: both members answer the proposal (a decline's reason goes to the hosts only), the
second “yes” opens their thread, check-ins are answered there, and `/mentoring end` closes it with feedback."""

from __future__ import annotations

from typing import Any

import discord
from discord import app_commands

from bot import i18n
from bot.checks import guild_of
from bot.client import Interaction
from bot.delivery import notify_hosts
from bot.members import display_names
from bot.replies import open_form, send_ephemeral, update_message
from bot.ui import custom_id, form, form_view
from cogs.mentoring import render
from cogs.mentoring.base import MentoringBase
from cogs.mentoring.components import check_in_view
from models.base import utcnow
from models.errors import NoLongerAvailableError
from models.mentoring import pairs
from models.mentoring.pairs import ProposalExpiredError
from models.mentoring.tables import CheckIn, Mentorship

CHOICES_MAX = 25  # https://discord.com/developers/docs/interactions/application-commands#autocomplete


class PairCommands(MentoringBase):
    async def consent(self, interaction: Interaction, mentorship_id: int, *, accept: bool) -> None:
        async with self.bot.db.transaction() as session:
            pair = await pairs.find(session, mentorship_id)
        if pair is None:
            raise NoLongerAvailableError()
        pairs.side_of(pair, interaction.user.id)
        guild = self.bot.get_guild(pair.guild_id)
        if guild is None:
            raise NoLongerAvailableError()
        if not accept:
            await self.open_decline(interaction, pair)
            return
        language = (await self.guild_context(guild.id)).language
        try:
            async with self.bot.db.transaction() as session:
                answered = await pairs.accept(session, mentorship_id, interaction.user.id, now=utcnow())
        except ProposalExpiredError as expired:
            expired.params["deadline"] = render.when(pair.answer_by)
            raise
        other = render.mention(pairs.other(pair, interaction.user.id))
        if not answered.started:
            text = i18n.t(language, "mentoring.consent.accepted", other=other, deadline=render.when(pair.answer_by))
            await update_message(interaction, content=text, view=None)
            return
        await update_message(
            interaction, content=i18n.t(language, "mentoring.consent.starting", other=other), view=None
        )
        thread = await self.open_pair(guild, answered.pair)
        where = thread.mention if thread else i18n.t(language, "mentoring.consent.no_thread")
        await update_message(
            interaction, content=i18n.t(language, "mentoring.consent.started", other=other, thread=where)
        )
        mine = render.mention(interaction.user.id)
        started = i18n.t(language, "mentoring.consent.other_accepted", other=mine, thread=where, server=guild.name)
        await self.tell(guild, pairs.other(pair, interaction.user.id), content=started)

    async def open_decline(self, interaction: Interaction, pair: Mentorship) -> None:
        language = (await self.guild_context(pair.guild_id)).language
        reason = discord.ui.TextInput[Any](
            label=i18n.t(language, "mentoring.decline.field"),
            custom_id="reason",
            style=discord.TextStyle.paragraph,
            placeholder=i18n.t(language, "mentoring.decline.hint")[:100],
            required=False,
            max_length=pairs.FEEDBACK_MAX,
        )
        title = i18n.t(language, "mentoring.decline.title")
        await open_form(interaction, form_view(title, custom_id("mentoring", "decline", pair.id), [reason]))

    @form("mentoring", "decline", r"(?P<mentorship>\d+)")
    async def decline(self, interaction: Interaction, values: dict[str, str], *, mentorship: int) -> None:
        async with self.bot.db.transaction() as session:
            pair = await pairs.find(session, mentorship)
        if pair is None or (guild := self.bot.get_guild(pair.guild_id)) is None:
            raise NoLongerAvailableError()
        language = (await self.guild_context(guild.id)).language
        try:
            async with self.bot.db.transaction() as session:
                answered = await pairs.decline(
                    session, mentorship, interaction.user.id, reason=values.get("reason", ""), now=utcnow()
                )
        except ProposalExpiredError as expired:
            expired.params["deadline"] = render.when(pair.answer_by)
            raise
        other_id = pairs.other(answered.pair, interaction.user.id)
        text = i18n.t(language, "mentoring.decline.done", other=render.mention(other_id))
        if interaction.message is not None:
            await update_message(interaction, content=text, view=None)
        else:
            await send_ephemeral(interaction, text)
        key = (
            "mentoring.decline.told_mentee" if other_id == answered.pair.mentee_id else "mentoring.decline.told_mentor"
        )
        told = i18n.t(language, key, other=render.mention(interaction.user.id), server=guild.name)
        await self.tell(guild, other_id, content=told)

    async def answer_check_in(self, interaction: Interaction, check_in_id: int, *, met: bool) -> None:
        async with self.bot.db.transaction() as session:
            checked = await pairs.answer_check_in(session, check_in_id, interaction.user.id, met, now=utcnow())
            check_in = await session.get_one(CheckIn, check_in_id)
            context = await self.bot.context(session, checked.pair.guild_id, interaction)
        pair = checked.pair
        answers = {pair.mentor_id: check_in.mentor_answer, pair.mentee_id: check_in.mentee_answer}
        content = render.check_in_text(context.language, pair.mentor_id, pair.mentee_id, answers)
        await update_message(interaction, content=content, view=check_in_view(check_in_id, context.language))
        guild = self.bot.get_guild(pair.guild_id)
        if checked.flag and guild is not None:
            where = f"<#{pair.thread_id}>" if pair.thread_id else "—"
            await notify_hosts(
                guild,
                context,
                "mentoring.hosts.stale",
                mentor=render.mention(pair.mentor_id),
                mentee=render.mention(pair.mentee_id),
                thread=where,
            )

    @MentoringBase.mentoring.command(name="end", description="End a mentorship (yours, or any for hosts)")
    @app_commands.describe(mentorship="Which one (needed when you have several)")
    async def end(self, interaction: Interaction, mentorship: int | None = None) -> None:
        guild = guild_of(interaction)
        host = interaction.permissions.manage_guild
        async with self.bot.db.transaction() as session:
            language = (await self.bot.context(session, guild.id, interaction)).reply_language
            chosen = await pairs.choose(session, guild.id, interaction.user.id, mentorship, host=host)
            pair = await pairs.end(session, chosen.id, by=interaction.user.id, now=utcnow())
        other = (
            pairs.other(pair, interaction.user.id) if interaction.user.id in (pair.mentor_id, pair.mentee_id) else None
        )
        text = i18n.t(
            language, "mentoring.end.done", mentor=render.mention(pair.mentor_id), mentee=render.mention(pair.mentee_id)
        )
        await send_ephemeral(interaction, text)
        self.bot.dispatch("mentorship_completed", pair)
        key = "mentoring.end.thread_by_member" if other is not None else "mentoring.end.thread_by_host"
        await self.close_pair(guild, pair, key, member=interaction.user.mention)

    @end.autocomplete("mentorship")
    async def mentorships(self, interaction: Interaction, current: str) -> list[app_commands.Choice[int]]:
        guild = guild_of(interaction)
        host = interaction.permissions.manage_guild
        async with self.bot.db.transaction() as session:
            found = await pairs.active_for(session, guild.id, None if host else interaction.user.id)
        # Members are not cached: their names are asked from the gateway, one request for the first choices (an
        # autocomplete answers within Discord's 3 seconds; one that cannot is simply not shown).
        shown = found[: CHOICES_MAX * 2]
        names = await display_names(guild, sorted({i for pair in shown for i in (pair.mentor_id, pair.mentee_id)}))
        choices = []
        for pair in shown:
            label = f"{names.get(pair.mentor_id, pair.mentor_id)} → {names.get(pair.mentee_id, pair.mentee_id)}"
            if current.casefold() in label.casefold():
                choices.append(app_commands.Choice(name=label[:100], value=pair.id))
        return choices[:CHOICES_MAX]

    async def rate(self, interaction: Interaction, mentorship_id: int, rating: int) -> None:
        async with self.bot.db.transaction() as session:
            pair = await pairs.rate(session, mentorship_id, interaction.user.id, rating, now=utcnow())
        language = (await self.guild_context(pair.guild_id)).language
        comment = discord.ui.TextInput[Any](
            label=i18n.t(language, "mentoring.feedback.field"),
            custom_id="comment",
            style=discord.TextStyle.paragraph,
            placeholder=i18n.t(language, "mentoring.feedback.hint")[:100],
            required=False,
            max_length=pairs.FEEDBACK_MAX,
        )
        title = i18n.t(language, "mentoring.feedback.title", rating=rating)
        await open_form(interaction, form_view(title, custom_id("mentoring", "comment", mentorship_id), [comment]))

    @form("mentoring", "comment", r"(?P<mentorship>\d+)")
    async def comment(self, interaction: Interaction, values: dict[str, str], *, mentorship: int) -> None:
        async with self.bot.db.transaction() as session:
            pair = await pairs.comment(
                session, mentorship, interaction.user.id, values.get("comment", ""), now=utcnow()
            )
        language = (await self.guild_context(pair.guild_id)).language
        text = i18n.t(language, "mentoring.feedback.thanks")
        if interaction.message is not None:
            await update_message(interaction, content=text, view=None)
        else:
            await send_ephemeral(interaction, text)
