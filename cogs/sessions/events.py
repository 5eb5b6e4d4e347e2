"""What sessions hear from Discord: members joining and leaving voice (attendance), and Interested on a native event
(a maybe); and, after downtime, what changed meanwhile."""

from __future__ import annotations

import asyncio
import logging

import discord
from sqlalchemy import select

from bot.capability import listener
from cogs.sessions.jobs import SessionJobs
from models.sessions import attendance, rsvp
from models.sessions import series as series_service
from models.sessions.rules import Status
from models.sessions.tables import SessionOccurrence

log = logging.getLogger(__name__)

VOICE_LOCKS = 64


class SessionEvents(SessionJobs):
    def voice_lock(self, member_id: int) -> asyncio.Lock:
        return self.voice_locks.setdefault(member_id % VOICE_LOCKS, asyncio.Lock())

    @listener()
    async def on_voice_state_update(
        self, member: discord.Member, before: discord.VoiceState, after: discord.VoiceState
    ) -> None:
        """A stay in a session's channel starts on join and ends on leave (a move is both)."""
        was = before.channel.id if before.channel else None
        now_in = after.channel.id if after.channel else None
        if was == now_in or member.bot:
            return
        # discord.py runs each event as its own task: a member's join and quick leave are recorded in their order.
        async with self.voice_lock(member.id), self.bot.db.transaction() as session:
            now = self.now()
            if was is not None:
                for found in await series_service.live_in_channel(session, was, now):
                    await attendance.left(session, found, member.id, now=now)
            if now_in is not None:
                for found in await series_service.live_in_channel(session, now_in, now):
                    await attendance.joined(session, found, member.id, now=now)

    @listener()
    async def on_scheduled_event_user_add(self, event: discord.ScheduledEvent, user: discord.abc.Snowflake) -> None:
        """Interested on one of our events counts as a maybe (an answer given with the buttons wins)."""
        try:
            async with self.bot.db.transaction() as session:
                found = await series_service.by_event(session, event.id)
                changed = found is not None and await rsvp.answer(
                    session, found.id, user.id, Status.MAYBE, source="event", now=self.now(), only_if_unanswered=True
                )
        except rsvp.RsvpClosedError:
            return  # interest in an event whose session is over
        if found is not None and changed:
            self.redraws.touch(found.id)

    @listener()
    async def on_scheduled_event_user_remove(self, event: discord.ScheduledEvent, user: discord.abc.Snowflake) -> None:
        async with self.bot.db.transaction() as session:
            found = await series_service.by_event(session, event.id)
            changed = found is not None and await rsvp.withdraw_interest(session, found.id, user.id)
        if found is not None and changed:
            self.redraws.touch(found.id)

    async def catch_up(self) -> None:
        """Occurrences for the weeks ahead, who is in voice now, and who became interested while Agora was away."""
        now = self.now()
        async with self.bot.db.transaction() as session:
            await series_service.schedule_materialize(session, now=now)
            owns = self.bot.owns_guild  # other processes catch up the servers on their shards
            series_ids = [found.id for found in await series_service.active_series(session) if owns(found.guild_id)]
            live = [found for found in await series_service.live(session, now) if owns(found.guild_id)]
        for series_id in series_ids:
            await self.top_up(series_id)
        for found in live:
            if found.location_kind != "external":
                async with self.bot.db.transaction() as session:
                    await attendance.reconcile(session, found, self.in_channel(found), now=now)
        await self.catch_up_interest()

    async def catch_up_interest(self) -> None:
        async with self.bot.db.transaction() as session:
            rows = await session.scalars(
                select(SessionOccurrence.id).where(
                    SessionOccurrence.event_id.is_not(None),
                    SessionOccurrence.event_state == "scheduled",
                    self.bot.shards_here.clause(SessionOccurrence.guild_id),
                )
            )
            ids = list(rows)
        for occurrence_id in ids:
            await self.reconcile_interest(occurrence_id)

    async def reconcile_interest(self, occurrence_id: int) -> None:
        async with self.bot.db.transaction() as session:
            found = await session.get(SessionOccurrence, occurrence_id)
        if found is None or found.event_id is None:
            return
        try:
            interested = await self.interested_in(found.guild_id, found.event_id)
        except discord.HTTPException as error:
            log.info("could not read who is interested in occurrence %s (%s)", found.id, error.status)
            return
        changed = False
        async with self.bot.db.transaction() as session:
            for member_id in interested:
                changed |= bool(
                    await rsvp.answer(
                        session,
                        found.id,
                        member_id,
                        Status.MAYBE,
                        source="event",
                        now=self.now(),
                        only_if_unanswered=True,
                    )
                )
            for member_id in await rsvp.event_maybes(session, found.id) - interested:
                changed |= await rsvp.withdraw_interest(session, found.id, member_id)
        if changed:
            self.redraws.touch(found.id)

    async def interested_in(self, guild_id: int, event_id: int) -> set[int]:
        """Every member interested in a native event, 100 at a time (Discord's page size)."""
        found: set[int] = set()
        after = 0
        while True:
            page = await self.bot.http.get_scheduled_event_users(
                guild_id, event_id, limit=100, with_member=False, after=after
            )
            ids = [int(entry["user"]["id"]) for entry in page]
            found.update(ids)
            if len(ids) < 100:
                return found
            after = max(ids)
