"""What sessions do on their own, at their times: announce, remind, start, end, ask for feedback, remind once, close,
tell members of a change, run pulse surveys. Each is a job (the database owns the schedule; one process runs it) and
each message is claimed in the ledger first (a job that runs again sends nothing twice).
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Literal
from zoneinfo import ZoneInfo

import discord
from sqlalchemy import select

from bot.capability import job
from bot.delivery import NO_PINGS, notify_hosts, post, postable
from bot.members import load_members
from cogs.sessions import render
from cogs.sessions.base import Outgoing, mentions, nonce
from cogs.sessions.components import feedback_view, occurrence_view
from cogs.sessions.native import NativeEvents
from models.scheduling import DueJob
from models.sessions import attendance, feedback, ledger, pulse, rsvp
from models.sessions import series as series_service
from models.sessions.rules import Location, State, Status
from models.sessions.tables import FeedbackRound, PulseSurvey, SessionOccurrence, SessionPost, SessionSeries

log = logging.getLogger(__name__)

ANNOUNCE_NEEDS = ("send_messages", "embed_links", "create_public_threads", "send_messages_in_threads")
THREAD_ARCHIVE_MINUTES: Literal[10080] = 10080


class SessionJobs(NativeEvents):
    @job(series_service.ANNOUNCE_JOB)
    async def announce(self, due: DueJob) -> None:
        """Post the occurrence in the announcements channel (the role is pinged in the first post only)."""
        occurrence_id, lead, now = int(due.payload["occurrence"]), int(due.payload["lead"]), self.now()
        kind = f"announce:{lead}"
        async with self.bot.db.transaction() as session:
            found = await session.get(SessionOccurrence, occurrence_id)
            if found is None or found.state != State.SCHEDULED or found.starts_at <= now:
                return  # cancelled, or fell due while Agora was down and is no longer useful
            series = await session.get_one(SessionSeries, found.series_id)
            context = await self.bot.context(session, found.guild_id)
            counts = await rsvp.counts(session, found.id)
            first = await session.scalar(select(SessionPost.id).where(SessionPost.occurrence_id == found.id)) is None
            if not await ledger.claim_one(session, kind, found.id, guild_id=found.guild_id, now=now):
                return
        guild = self.bot.get_guild(found.guild_id)
        channel = postable(guild, context.settings.announcements_channel_id, *ANNOUNCE_NEEDS) if guild else None
        language = context.language
        role_id = series.role_id if first else None
        message = None
        if channel is not None:
            view = occurrence_view(language, found, counts, now)
            if view is not None:
                view.stop()
            # The one message that may ping: the series' role, named explicitly, nothing else.
            pinged = NO_PINGS
            if role_id:
                pinged = discord.AllowedMentions(roles=[discord.Object(role_id)], users=False, everyone=False)
            async with self.bot.pacer.turn():
                message = await post(
                    channel,
                    content=render.post_content(language, first=first, role_id=role_id),
                    embed=render.announcement(language, series, found, counts, now),
                    view=view or discord.utils.MISSING,
                    nonce=nonce(kind, found.id),
                    allowed_mentions=pinged,
                )
        if message is None:
            if guild is not None:
                await notify_hosts(guild, context, "sessions.hosts.announce_failed", title=series.title)
            async with self.bot.db.transaction() as session:
                await ledger.record(session, kind, found.id, {0: "failed"}, now=self.now())
            return
        thread_id = found.thread_id or await self.open_thread(message, series, found, context.zone)
        async with self.bot.db.transaction() as session:
            session.add(
                SessionPost(
                    occurrence_id=found.id,
                    guild_id=found.guild_id,
                    channel_id=message.channel.id,
                    message_id=message.id,
                    lead_minutes=lead,
                    posted_at=self.now(),
                )
            )
            row = await session.get_one(SessionOccurrence, found.id)
            row.thread_id = thread_id
            await ledger.record(session, kind, found.id, {0: "posted"}, now=self.now())

    async def open_thread(
        self, message: discord.Message, series: SessionSeries, found: SessionOccurrence, zone: ZoneInfo
    ) -> int | None:
        """The occurrence's thread, on its first announcement: where closed DMs are reached by a mention."""
        local = found.starts_at.astimezone(zone)
        try:
            async with self.bot.pacer.turn():
                thread = await message.create_thread(
                    name=f"{series.title[:80]} · {local:%Y-%m-%d %H:%M}", auto_archive_duration=THREAD_ARCHIVE_MINUTES
                )
        except discord.HTTPException as error:
            log.warning("could not open the thread of occurrence %s (%s)", found.id, error.status)
            return None
        return thread.id

    @job(series_service.REMIND_JOB)
    async def remind(self, due: DueJob) -> None:
        """Members going who chose this lead time; never late: once the session started, nothing is sent."""
        occurrence_id, lead, now = int(due.payload["occurrence"]), int(due.payload["lead"]), self.now()
        async with self.bot.db.transaction() as session:
            found = await session.get(SessionOccurrence, occurrence_id)
            if found is None or found.state != State.SCHEDULED or found.starts_at <= now:
                return
            series = await session.get_one(SessionSeries, found.series_id)
            members = await rsvp.going_with_lead(session, found, lead)
        await self.deliver(
            found.guild_id,
            f"remind:{lead}:{int(found.starts_at.timestamp())}",  # a moved session gets its reminders again
            found.id,
            members,
            lambda language: Outgoing(render.reminder_text(language, series, found)),
            thread_id=found.thread_id,
            fallback=lambda language, group: Outgoing(
                f"{mentions(group)} {render.reminder_text(language, series, found)}"
            ),
        )

    @job(series_service.START_JOB)
    async def start(self, due: DueJob) -> None:
        """The session starts: who is already in its channel counts from now; its native event starts."""
        now = self.now()
        async with self.bot.db.transaction() as session:
            found = await series_service.mark(session, int(due.payload["occurrence"]), started_at=now)
            if found is None or found.state != State.SCHEDULED:
                return
            if found.location_kind != Location.EXTERNAL:
                await attendance.reconcile(session, found, self.in_channel(found), now=max(now, found.starts_at))
        await self.start_event(found)
        self.redraws.touch(found.id)

    def in_channel(self, found: SessionOccurrence) -> list[int]:
        guild = self.bot.get_guild(found.guild_id)
        channel = guild.get_channel(found.channel_id or 0) if guild else None
        if not isinstance(channel, discord.VoiceChannel | discord.StageChannel):
            return []
        return [member.id for member in channel.members if not member.bot]

    @job(series_service.END_JOB)
    async def end(self, due: DueJob) -> None:
        """The session ends: stays close, attendance is final, feedback is planned, the series tops up."""
        now = self.now()
        async with self.bot.db.transaction() as session:
            found = await session.get(SessionOccurrence, int(due.payload["occurrence"]))
            if found is None or found.state == State.CANCELLED:
                return
            if found.ended_at is None:
                await attendance.close(session, found)
            await series_service.mark(session, found.id, ended_at=now)
            await feedback.plan_prompt(session, found, external=found.location_kind == Location.EXTERNAL)
            series = await session.get_one(SessionSeries, found.series_id)
            await series_service.materialize(session, series, now=now)
            await series_service.request_event_sync(session, series, now=now)
        await self.end_event(found)
        self.redraws.touch(found.id)

    @job(feedback.PROMPT_JOB)
    async def prompt(self, due: DueJob) -> None:
        """One prompt to each attendee, and another kind to members who said they would come and did not."""
        now, days = self.now(), self.bot.settings.sessions.feedback_days
        async with self.bot.db.transaction() as session:
            found = await session.get(SessionOccurrence, int(due.payload["occurrence"]))
            if found is None or found.state == State.CANCELLED:
                return
            series = await session.get_one(SessionSeries, found.series_id)
            result = await attendance.attendance(session, found, series)
            await attendance.record_attended(session, found, result.present, now=now)
            ask = await feedback.open_round(
                session, found.guild_id, now=now, closes_at=now + timedelta(days=days), occurrence_id=found.id
            )
            await feedback.add_prompts(session, ask, result.present, result.no_shows, now=now)
            await feedback.plan_round_jobs(session, ask, remind=True)
            asked = await feedback.prompts(session, ask.id)
        self.redraws.touch(found.id)  # "I was there" has closed
        await self.ask(found, ask, series.title, asked, days=days, reminder=False)

    async def ask(
        self,
        found: SessionOccurrence,
        ask: FeedbackRound,
        title: str,
        asked: dict[int, bool],
        *,
        days: int,
        reminder: bool,
    ) -> None:
        kind = "prompt_remind" if reminder else "prompt"
        for attended in (True, False):
            group = [member_id for member_id, came in asked.items() if came is attended]
            if not group:
                continue
            await self.deliver(
                found.guild_id,
                kind,
                ask.id,
                group,
                lambda language, came=attended: Outgoing(  # type: ignore[misc]
                    render.prompt_text(language, title, attended=came, reminder=reminder, days=days),
                    feedback_view(language, ask.id),
                ),
                thread_id=found.thread_id,
                fallback=lambda language, members, came=attended: Outgoing(  # type: ignore[misc]
                    mentions(members)
                    + " "
                    + render.prompt_text(language, title, attended=came, reminder=reminder, days=days),
                    feedback_view(language, ask.id),
                ),
            )

    @job(feedback.PROMPT_REMIND_JOB)
    async def prompt_reminder(self, due: DueJob) -> None:
        """One reminder after 24 hours to those who have not answered; then never again."""
        now = self.now()
        async with self.bot.db.transaction() as session:
            ask = await session.get(FeedbackRound, int(due.payload["round"]))
            if ask is None or ask.closed_at is not None or ask.closes_at <= now or ask.occurrence_id is None:
                return
            found = await session.get_one(SessionOccurrence, ask.occurrence_id)
            series = await session.get_one(SessionSeries, found.series_id)
            todo = await feedback.unanswered(session, ask)
        days = max(1, (ask.closes_at - now).days)
        await self.ask(found, ask, series.title, todo, days=days, reminder=True)

    @job(feedback.CLOSE_JOB)
    async def close_feedback(self, due: DueJob) -> None:
        """No more answers: anonymous ones lose their hash for good, in the database files too."""
        async with self.bot.db.transaction() as session:
            closed = await feedback.close_round(session, int(due.payload["round"]), now=self.now())
        if closed:
            await self.bot.db.erase_deleted()

    @job(series_service.NOTIFY_JOB)
    async def notify(self, due: DueJob) -> None:
        """Members going, waiting or maybe coming hear that an occurrence moved or was cancelled."""
        change, revision = str(due.payload["change"]), int(due.payload["revision"])
        async with self.bot.db.transaction() as session:
            found = await session.get(SessionOccurrence, int(due.payload["occurrence"]))
            if found is None:
                return
            series = await session.get_one(SessionSeries, found.series_id)
            members = await rsvp.members_with(session, found.id, Status.GOING, Status.WAITLIST, Status.MAYBE)
        await self.deliver(
            found.guild_id,
            f"notice:{revision}",
            found.id,
            members,
            lambda language: Outgoing(render.notice_text(language, change, series, found)),
        )

    @job(series_service.EVENTS_JOB)
    async def events(self, due: DueJob) -> None:
        await self.sync_events(int(due.payload["series"]))

    @job(series_service.MATERIALIZE_JOB)
    async def materialize(self, due: DueJob) -> None:
        """Keep a few weeks of occurrences as rows for every series still running."""
        async with self.bot.db.transaction() as session:
            ids = [found.id for found in await series_service.active_series(session)]
            await series_service.purge_drafts(session, now=self.now())
        for series_id in ids:
            await self.top_up(series_id)

    async def top_up(self, series_id: int) -> None:
        now = self.now()
        async with self.bot.db.transaction() as session:
            series = await session.get(SessionSeries, series_id)
            if series is not None and await series_service.materialize(session, series, now=now):
                await series_service.request_event_sync(session, series, now=now)

    @job(pulse.PULSE_JOB)
    async def pulse(self, due: DueJob) -> None:
        """One run of a pulse survey: a post with the answer buttons, or a DM to each member of the role."""
        async with self.bot.db.transaction() as session:
            survey = await session.get(PulseSurvey, int(due.payload["pulse"]))
            if survey is None or survey.stopped_at is not None:
                return
            ask = await feedback.open_round(
                session,
                survey.guild_id,
                now=due.due_at,
                closes_at=due.due_at + pulse.ROUND_OPEN,
                pulse_id=survey.id,
                channel_id=survey.channel_id,
            )
            await feedback.plan_round_jobs(session, ask, remind=False)
            context = await self.bot.context(session, survey.guild_id)
            first = await ledger.claim_one(session, "pulse", ask.id, guild_id=survey.guild_id, now=self.now())
        guild = self.bot.get_guild(survey.guild_id)
        if guild is None or not first:
            return
        text = render.pulse_text(context.language, survey.question, ask.closes_at)
        if survey.channel_id is not None:
            channel = postable(guild, survey.channel_id)
            view = feedback_view(context.language, ask.id)
            view.stop()
            message = None
            if channel is not None:
                async with self.bot.pacer.turn():
                    message = await post(channel, content=text, view=view, nonce=nonce("pulse", ask.id))
            if message is None:
                await notify_hosts(guild, context, "sessions.hosts.pulse_failed", question=survey.question[:100])
            return
        role = guild.get_role(survey.role_id or 0)
        members = [member.id for member in await load_members(guild) if role is not None and role in member.roles]
        async with self.bot.db.transaction() as session:
            await feedback.add_prompts(session, ask, members, [], now=self.now())
        await self.deliver(
            guild.id,
            "pulse.dm",
            ask.id,
            members,
            lambda language: Outgoing(
                render.pulse_text(language, survey.question, ask.closes_at), feedback_view(language, ask.id)
            ),
        )
