"""Native Discord scheduled events for the next occurrences of each series, kept in step with every change.

Each creation, change, start and end is claimed in the ledger first (per occurrence and revision), so two processes
or a re-run never create an event twice. Discord allows 100 uncompleted events per server: Agora counts them before
creating one and, at the cap, creates none and tells the hosts once per series. External events start and end on
their own (Discord does it); voice and stage events are started and ended by Agora at the session's times.
"""

from __future__ import annotations

import logging
from typing import Any

import discord

from bot.delivery import notify_hosts
from cogs.sessions.base import SessionsBase
from models.sessions import ledger
from models.sessions import series as series_service
from models.sessions.rules import LOCATION_MAX, Location, State
from models.sessions.tables import SessionOccurrence, SessionSeries

log = logging.getLogger(__name__)

EVENT_CAP = 100  # uncompleted (scheduled or active) events per server
GUILD_ONLY = 2
ENTITY_TYPES = {Location.STAGE: 1, Location.VOICE: 2, Location.EXTERNAL: 3}
STATUS_ACTIVE, STATUS_COMPLETED, STATUS_CANCELED = 2, 3, 4
MAX_UNCOMPLETED = 30038


def event_payload(series: SessionSeries, found: SessionOccurrence) -> dict[str, Any]:
    """The event as Discord takes it (name ≤ 100, description ≤ 1000, an external location ≤ 100 characters)."""
    payload: dict[str, Any] = {
        "name": series.title[:100],
        "privacy_level": GUILD_ONLY,
        "scheduled_start_time": found.starts_at.isoformat(),
        "scheduled_end_time": found.ends_at.isoformat(),
        "entity_type": ENTITY_TYPES[Location(found.location_kind)],
    }
    description = series.description or ""
    if found.location_kind == Location.EXTERNAL:
        link = found.link or ""
        location = link if len(link) <= LOCATION_MAX else link[: LOCATION_MAX - 1] + "…"
        payload.update(channel_id=None, entity_metadata={"location": location})
        if len(link) > LOCATION_MAX:
            description = f"{link}\n\n{description}".strip()
    else:
        payload.update(channel_id=str(found.channel_id), entity_metadata=None)
    if description:
        payload["description"] = description[:1000]
    return payload


def uncompleted_events(guild: discord.Guild) -> int:
    return sum(
        1
        for event in guild.scheduled_events
        if event.status in (discord.EventStatus.scheduled, discord.EventStatus.active)
    )


class NativeEvents(SessionsBase):
    async def sync_events(self, series_id: int) -> None:
        """Create, update or cancel the series' events so they match its next occurrences."""
        now = self.now()
        async with self.bot.db.transaction() as session:
            series = await session.get(SessionSeries, series_id)
            if series is None:
                return
            wanted = await series_service.window(session, series, now=now)
            context = await self.bot.context(session, series.guild_id)
        guild = self.bot.get_guild(series.guild_id)
        if guild is None:
            return
        for found in wanted:
            if found.state == State.CANCELLED:
                await self._cancel(guild, found)
            elif found.event_id is None:
                if uncompleted_events(guild) >= EVENT_CAP:
                    await self._at_cap(guild, series, context)
                    return
                await self._create(guild, series, found)
            elif (found.event_revision or 0) < found.revision:
                await self._update(guild, series, found)

    async def _claim(self, kind: str, found: SessionOccurrence, target: int = 0) -> bool:
        async with self.bot.db.transaction() as session:
            return bool(await ledger.claim(session, kind, found.id, [target], guild_id=found.guild_id, now=self.now()))

    async def _release(self, kind: str, found: SessionOccurrence, target: int = 0) -> None:
        async with self.bot.db.transaction() as session:
            await ledger.release(session, kind, found.id, target)

    async def _store(self, found: SessionOccurrence, **values: Any) -> None:
        async with self.bot.db.transaction() as session:
            row = await session.get(SessionOccurrence, found.id)
            if row is not None:
                for name, value in values.items():
                    setattr(row, name, value)

    async def _create(self, guild: discord.Guild, series: SessionSeries, found: SessionOccurrence) -> None:
        if not await self._claim("event.create", found):
            return
        try:
            async with self.bot.pacer.turn():
                created = await self.bot.http.create_guild_scheduled_event(guild.id, **event_payload(series, found))
        except discord.HTTPException as error:
            await self._release("event.create", found)  # refused: nothing was created, a later sync may try again
            if error.code == MAX_UNCOMPLETED:
                context = await self.bot.read_context(guild.id)
                await self._at_cap(guild, series, context)
            else:
                log.warning("could not create the event of occurrence %s (%s %s)", found.id, error.status, error.code)
            return
        await self._store(found, event_id=int(created["id"]), event_revision=found.revision, event_state="scheduled")

    async def _update(self, guild: discord.Guild, series: SessionSeries, found: SessionOccurrence) -> None:
        if found.event_id is None or not await self._claim("event.update", found, found.revision):
            return
        try:
            async with self.bot.pacer.turn():
                await self.bot.http.edit_scheduled_event(guild.id, found.event_id, **event_payload(series, found))
        except discord.NotFound:
            await self._store(found, event_state="gone")
            return
        except discord.HTTPException as error:
            log.warning("could not update the event of occurrence %s (%s %s)", found.id, error.status, error.code)
            return
        await self._store(found, event_revision=found.revision)

    async def _cancel(self, guild: discord.Guild, found: SessionOccurrence) -> None:
        if found.event_id is None or not await self._claim("event.cancel", found):
            return
        await self._set_status(guild, found, STATUS_CANCELED, "cancelled")

    async def _set_status(self, guild: discord.Guild, found: SessionOccurrence, status: int, state: str) -> None:
        if found.event_id is None:
            return
        try:
            async with self.bot.pacer.turn():
                await self.bot.http.edit_scheduled_event(guild.id, found.event_id, status=status)
        except discord.HTTPException as error:
            # Discord may have moved it first (an empty voice channel ends it, an unstarted one is cancelled).
            log.info(
                "the event of occurrence %s did not take status %s (%s %s)", found.id, status, error.status, error.code
            )
            state = "gone"
        await self._store(found, event_state=state)

    async def start_event(self, found: SessionOccurrence) -> None:
        """Voice and stage events are started by Agora; external ones start on their own."""
        guild = self.bot.get_guild(found.guild_id)
        if guild is None or found.event_id is None or found.event_state != "scheduled":
            return
        if found.location_kind == Location.EXTERNAL:
            await self._store(found, event_state="active")
        elif await self._claim("event.start", found):
            await self._set_status(guild, found, STATUS_ACTIVE, "active")

    async def end_event(self, found: SessionOccurrence) -> None:
        guild = self.bot.get_guild(found.guild_id)
        if guild is None or found.event_id is None or found.event_state != "active":
            return
        if found.location_kind == Location.EXTERNAL:
            await self._store(found, event_state="completed")
        elif await self._claim("event.end", found):
            await self._set_status(guild, found, STATUS_COMPLETED, "completed")

    async def _at_cap(self, guild: discord.Guild, series: SessionSeries, context: Any) -> None:
        async with self.bot.db.transaction() as session:
            first = await ledger.claim_one(session, "event.cap", series.id, guild_id=guild.id, now=self.now())
        if first:
            await notify_hosts(guild, context, "sessions.hosts.event_cap", title=series.title, cap=EVENT_CAP)
