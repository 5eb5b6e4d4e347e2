"""What privacy does on its own: erasing members some days after they left (not if they came back), the daily
retention job, and catching up on departures and returns that happened while Agora was offline."""

from __future__ import annotations

import logging
from datetime import timedelta

import discord

from bot.capability import job, listener
from bot.members import load_members
from cogs.privacy.commands import PrivacyCommands
from models.base import utcnow
from models.privacy import departures, service
from models.privacy.rules import NothingHeldError
from models.scheduling import DueJob

log = logging.getLogger(__name__)


async def still_here(guild: discord.Guild, member_id: int) -> bool:
    """Whether the member is in the server, from the member list (asking Discord for someone gone is refused)."""
    if guild.get_member(member_id) is None and not guild.chunked:
        await load_members(guild)
    return guild.get_member(member_id) is not None


class PrivacyEvents(PrivacyCommands):
    def erase_delay(self) -> timedelta:
        return timedelta(days=self.bot.settings.privacy.erase_after_leaving_days)

    @listener()
    async def on_raw_member_remove(self, payload: discord.RawMemberRemoveEvent) -> None:
        if payload.user.bot:
            return
        async with self.member_lock(payload.user.id), self.bot.db.transaction() as session:
            await departures.schedule(session, payload.guild_id, payload.user.id, due_at=utcnow() + self.erase_delay())

    @listener()
    async def on_member_join(self, member: discord.Member) -> None:
        async with self.member_lock(member.id), self.bot.db.transaction() as session:
            await departures.cancel(session, member.guild.id, member.id)

    @job(departures.ERASE_JOB)
    async def erase_departed(self, due: DueJob) -> None:
        """The delay after a departure is over: erase the member, unless they are back."""
        guild_id, member_id = due.guild_id or 0, int(due.payload["member_id"])
        guild = self.bot.get_guild(guild_id)
        if guild is not None and await still_here(guild, member_id):
            async with self.bot.db.transaction() as session:
                await departures.cancel(session, guild_id, member_id)
            return
        async with self.bot.db.transaction() as session:
            try:
                touched = await service.erase_member(session, guild_id, member_id, now=utcnow())
            except NothingHeldError:
                touched = {}
            await departures.cancel(session, guild_id, member_id)  # its row named them
        log.info("erased a departed member's data: guild=%s rows=%d", guild_id, sum(touched.values()))

    @job(service.RETENTION_JOB)
    async def retention(self, due: DueJob) -> None:
        days = self.bot.settings.privacy.retention.days()
        async with self.bot.db.transaction() as session:
            purged = await service.apply_retention(session, days, now=utcnow())
        log.info("retention applied: %s", ", ".join(f"{kind} {rows}" for kind, rows in purged.items()) or "nothing")

    async def catch_up(self) -> None:
        """The daily retention job, and departures or returns while Agora was offline."""
        async with self.bot.db.transaction() as session:
            await service.ensure_retention_job(session, now=utcnow())
        for guild in self.bot.guilds:
            await self.catch_up_guild(guild)

    async def catch_up_guild(self, guild: discord.Guild) -> None:
        present = {member.id for member in await load_members(guild)}
        due_at = utcnow() + self.erase_delay()
        async with self.bot.db.transaction() as session:
            waiting = await departures.pending(session, guild.id)
            for member_id in waiting.keys() & present:
                await departures.cancel(session, guild.id, member_id)
            gone = await service.members_with_data(session, guild.id) - present - waiting.keys()
            gone.discard(guild.me.id)
            for member_id in gone:
                await departures.schedule(session, guild.id, member_id, due_at=due_at)
