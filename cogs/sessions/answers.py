"""What members do: answer an RSVP (buttons or `/session rsvp`), say "I was there", page through `/session list`,
choose their reminders, and give feedback through its form. Every reply is private and in the member's language."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

import discord

from bot import i18n
from bot.checks import guild_of
from bot.delivery import NO_PINGS
from bot.replies import open_form, send_ephemeral, update_message
from bot.ui import custom_id, form, form_view
from cogs.sessions import render
from cogs.sessions.base import Outgoing
from cogs.sessions.components import page_view, reminders_view
from cogs.sessions.events import SessionEvents
from models.errors import NoLongerAvailableError
from models.sessions import attendance, feedback, rsvp, rules
from models.sessions import series as series_service
from models.sessions.rules import Status
from models.sessions.tables import FeedbackPrompt, FeedbackRound, PulseSurvey, SessionOccurrence, SessionSeries

if TYPE_CHECKING:
    from bot.client import Interaction

PAGE_SIZE = 8
MAX_PAGE = 10_000
INPUT_LABEL_MAX = 45
LIST_MAX = 4000


class SessionAnswers(SessionEvents):
    async def answer_rsvp(self, interaction: Interaction, occurrence_id: int, status: Status, *, source: str) -> None:
        guild = guild_of(interaction)
        now = self.now()
        async with self.bot.db.transaction() as session:
            found, series = await series_service.occurrence(session, occurrence_id, guild.id)
            result = await rsvp.answer(session, found.id, interaction.user.id, status, source=source, now=now)
            context = await self.bot.context(session, guild.id, interaction)
            await rsvp.note_member(session, guild.id, interaction.user.id, now=now, language=context.reply_language)
            settings = await rsvp.member_settings(session, guild.id, interaction.user.id, now=now)
            leads, known_dm = rules.reminder_leads(settings.reminder_leads), settings.dm_channel_id
        if result is None:  # only an Interested meeting an answer changes nothing; a click always answers
            return
        language = context.reply_language
        await send_ephemeral(interaction, self.rsvp_reply(language, series, found.starts_at, result, leads))
        self.redraws.touch(found.id)
        if result.promoted:
            self.inflight.start(self.tell_promoted(found.id, result.promoted), name=f"promoted-{found.id}")
        if result.status is Status.GOING and known_dm is None:
            self.inflight.start(self.learn_dm(guild.id, interaction.user.id), name=f"dm-{interaction.user.id}")

    def rsvp_reply(
        self, language: str, series: SessionSeries, starts_at: datetime, result: rsvp.Answered, leads: tuple[int, ...]
    ) -> str:
        params = {"title": series.title, "when": render.when_both(starts_at)}
        if result.status is Status.WAITLIST:
            return i18n.t(language, "sessions.rsvp.waitlist", position=result.position or 1, **params)
        if result.status is Status.GOING:
            reminders = ", ".join(i18n.t(language, f"sessions.reminders.lead_{lead}") for lead in leads)
            key = "sessions.rsvp.going" if leads else "sessions.rsvp.going_no_reminder"
            return i18n.t(language, key, reminders=reminders, **params)
        return i18n.t(language, f"sessions.rsvp.{result.status}", **params)

    async def tell_promoted(self, occurrence_id: int, member_ids: list[int]) -> None:
        async with self.bot.db.transaction() as session:
            found = await session.get(SessionOccurrence, occurrence_id)
            if found is None:
                return
            series = await session.get_one(SessionSeries, found.series_id)
        text = {"title": series.title, "when": render.when_both(found.starts_at)}
        await self.deliver(
            found.guild_id,
            f"promoted:{found.rsvp_version}",
            found.id,
            member_ids,
            lambda language: Outgoing(i18n.t(language, "sessions.rsvp.promoted", **text)),
            thread_id=found.thread_id,
            fallback=lambda language, group: Outgoing(
                " ".join(f"<@{member}>" for member in group) + " " + i18n.t(language, "sessions.rsvp.promoted", **text)
            ),
        )

    async def learn_dm(self, guild_id: int, member_id: int) -> None:
        """Open the member's DM channel now, so each reminder later is one request, not two."""
        try:
            async with self.bot.pacer.turn():
                channel = await self.bot.http.start_private_message(member_id)
        except discord.HTTPException:
            return
        async with self.bot.db.transaction() as session:
            await rsvp.note_member(session, guild_id, member_id, now=self.now(), dm_channel_id=int(channel["id"]))

    async def confirm_there(self, interaction: Interaction, occurrence_id: int) -> None:
        guild = guild_of(interaction)
        async with self.bot.db.transaction() as session:
            found, series = await series_service.occurrence(session, occurrence_id, guild.id)
            fresh = await attendance.confirm(session, found, interaction.user.id, now=self.now())
            language = (await self.bot.context(session, guild.id, interaction)).reply_language
        key = "sessions.there.done" if fresh else "sessions.there.already"
        await send_ephemeral(interaction, i18n.t(language, key, title=series.title))

    async def show_list(self, interaction: Interaction, page: int, *, edit: bool = False) -> None:
        """Upcoming sessions, a page at a time, with the member's own answers."""
        guild = guild_of(interaction)
        now = self.now()
        page = max(0, min(page, MAX_PAGE))
        async with self.bot.db.transaction() as session:
            language = (await self.bot.context(session, guild.id, interaction)).reply_language
            rows, total = await series_service.upcoming(
                session, guild.id, now=now, offset=page * PAGE_SIZE, limit=PAGE_SIZE
            )
            ids = [found.id for found, _ in rows]
            counts = await rsvp.counts_for(session, ids)
            mine = await rsvp.statuses_of(session, ids, interaction.user.id)
        pages = max(1, -(-total // PAGE_SIZE))
        lines = [
            render.list_line(language, found, series, counts[found.id], mine.get(found.id)) for found, series in rows
        ]
        embed = discord.Embed(
            title=i18n.t(language, "sessions.list.title", page=min(page, pages - 1) + 1, pages=pages),
            description="\n\n".join(lines)[:LIST_MAX] if lines else i18n.t(language, "sessions.list.empty"),
            colour=render.OPEN_COLOUR,
        )
        view = page_view(language, page, pages)
        if edit and interaction.message is not None:
            await update_message(interaction, embed=embed, view=view, allowed_mentions=NO_PINGS)
        else:
            await send_ephemeral(interaction, "", embed=embed, view=view or discord.utils.MISSING)

    async def choose_reminders(self, interaction: Interaction, guild_id: int, minutes: list[int]) -> None:
        if guild_id != guild_of(interaction).id:
            raise NoLongerAvailableError()
        async with self.bot.db.transaction() as session:
            chosen = await rsvp.choose_reminders(session, guild_id, interaction.user.id, minutes, now=self.now())
            language = (await self.bot.context(session, guild_id, interaction)).reply_language
        text = self.reminders_text(language, chosen)
        await update_message(interaction, content=text, view=reminders_view(language, guild_id, chosen))

    def reminders_text(self, language: str, chosen: tuple[int, ...]) -> str:
        if not chosen:
            return i18n.t(language, "sessions.reminders.off")
        leads = ", ".join(i18n.t(language, f"sessions.reminders.lead_{lead}") for lead in chosen)
        return i18n.t(language, "sessions.reminders.on", leads=leads)

    # --- feedback ------------------------------------------------------------------------------------------------

    async def open_feedback(self, interaction: Interaction, round_id: int, *, anonymous: bool) -> None:
        """The feedback form: a rating and two comments for a session (worded for who came or not), or a pulse."""
        async with self.bot.db.transaction() as session:
            ask = await feedback.check_can_answer(session, round_id, interaction.user.id, now=self.now())
            prompt = await session.get(FeedbackPrompt, (round_id, interaction.user.id))
            language = await self.answer_language(session, ask, interaction)
        attended = prompt.attended if prompt is not None else True
        kind = "pulse" if ask.pulse_id is not None else ("attendee" if attended else "absent")
        inputs: list[discord.ui.TextInput[Any]] = [
            discord.ui.TextInput(
                label=i18n.t(language, f"sessions.form.{kind}.rating")[:INPUT_LABEL_MAX],
                custom_id="rating",
                placeholder="1 – 5",
                max_length=5,
            ),
            discord.ui.TextInput(
                label=i18n.t(language, f"sessions.form.{kind}.worked")[:INPUT_LABEL_MAX],
                custom_id="worked",
                style=discord.TextStyle.paragraph,
                required=False,
                max_length=rules.COMMENT_MAX,
            ),
        ]
        if kind != "pulse":
            inputs.append(
                discord.ui.TextInput(
                    label=i18n.t(language, f"sessions.form.{kind}.improve")[:INPUT_LABEL_MAX],
                    custom_id="improve",
                    style=discord.TextStyle.paragraph,
                    required=False,
                    max_length=rules.COMMENT_MAX,
                )
            )
        title = i18n.t(language, "sessions.form.title_anonymous" if anonymous else "sessions.form.title")
        mode = "anonymous" if anonymous else "named"
        await open_form(interaction, form_view(title, custom_id("sessions", "answer", round_id, mode), inputs))

    async def answer_language(self, session: Any, ask: FeedbackRound, interaction: Interaction) -> str:
        locale = i18n.language_of(str(interaction.locale))
        return locale or (await self.bot.context(session, ask.guild_id)).language

    @form("sessions", "answer", r"(?P<round>\d+):(?P<mode>named|anonymous)")
    async def receive_feedback(
        self, interaction: Interaction, values: dict[str, str], *, round: int, mode: str
    ) -> None:
        anonymous = mode == "anonymous"
        async with self.bot.db.transaction() as session:
            ask = await feedback.submit(
                session,
                round,
                interaction.user.id,
                anonymous=anonymous,
                rating=values.get("rating", ""),
                worked=values.get("worked"),
                improve=values.get("improve"),
                now=self.now(),
            )
            language = await self.answer_language(session, ask, interaction)
            survey = await session.get(PulseSurvey, ask.pulse_id) if ask.pulse_id else None
            question = survey.question if survey else None
        text = i18n.t(language, "sessions.feedback.thanks_anonymous" if anonymous else "sessions.feedback.thanks")
        if question:
            text = f"{text}\n> {question}"
        if interaction.guild_id is None and interaction.message is not None:
            await update_message(interaction, content=text, view=None)  # the DM's buttons go: answered once
        else:
            await send_ephemeral(interaction, text)
