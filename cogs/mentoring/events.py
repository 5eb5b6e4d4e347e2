"""What mentoring does on its own: the one reminder and the deadline of each round's proposals, check-ins in pairs'
threads, automatic rounds, members who leave, and catching up on both after downtime."""

from __future__ import annotations

import logging

import discord

from bot import i18n
from bot.capability import job
from bot.delivery import notify_hosts, post
from bot.members import load_members
from cogs.mentoring import render
from cogs.mentoring.base import MentoringBase
from cogs.mentoring.components import check_in_view, consent_view
from models.base import utcnow
from models.mentoring import pairs, rounds, service
from models.mentoring.rounds import Proposal
from models.mentoring.tables import Mentorship
from models.scheduling import DueJob

log = logging.getLogger(__name__)


class MentoringEvents(MentoringBase):
    @job(service.REMIND_JOB, in_guild=True)
    async def remind(self, guild: discord.Guild, due: DueJob) -> None:
        """Members who have not answered a proposal yet get one reminder, a day before the deadline."""
        async with self.bot.db.transaction() as session:
            language = (await self.bot.context(session, guild.id)).language
            waiting = await pairs.to_remind(session, int(due.payload["round"]), now=utcnow())
        for pair in waiting:
            for member_id in pairs.unanswered_sides(pair):
                other = render.mention(pairs.other(pair, member_id))
                text = i18n.t(
                    language,
                    "mentoring.proposal.reminder",
                    other=other,
                    server=guild.name,
                    deadline=render.when(pair.answer_by),
                )
                await self.tell(guild, member_id, content=text, view=consent_view(pair.id, language))

    @job(service.EXPIRE_JOB, in_guild=True)
    async def expire(self, guild: discord.Guild, due: DueJob) -> None:
        """Silence frees the place: both members hear the proposal expired; the mentee waits for the next round."""
        async with self.bot.db.transaction() as session:
            language = (await self.bot.context(session, guild.id)).language
            expired = await pairs.expire(session, int(due.payload["round"]), now=utcnow())
        for pair in expired:
            for member_id in (pair.mentor_id, pair.mentee_id):
                key = (
                    "mentoring.proposal.expired_mentee" if member_id == pair.mentee_id else "mentoring.proposal.expired"
                )
                other = render.mention(pairs.other(pair, member_id))
                await self.tell(guild, member_id, content=i18n.t(language, key, other=other, server=guild.name))

    @job(service.CHECK_IN_JOB, in_guild=True)
    async def check_in(self, guild: discord.Guild, due: DueJob) -> None:
        """“Did you meet since last time?” in the pair's thread (by DM when it has none); once per occurrence."""
        mentorship_id = int(due.payload["mentorship"])
        async with self.bot.db.transaction() as session:
            language = (await self.bot.context(session, guild.id)).language
            check_in = await pairs.open_check_in(session, mentorship_id, due.due_at, now=utcnow())
            pair = await session.get(Mentorship, mentorship_id)
        if check_in is None or pair is None or check_in.message_id is not None:
            return  # the pair ended, or this occurrence was already posted
        content = render.check_in_text(language, pair.mentor_id, pair.mentee_id, {})
        view = check_in_view(check_in.id, language)
        thread = guild.get_thread(pair.thread_id or 0)
        mentioned = discord.AllowedMentions(users=True, everyone=False, roles=False)
        if thread is not None:
            # One nonce per check-in: a retried run of this occurrence posts nothing twice.
            nonce = f"mc{check_in.id}"
            message = await post(thread, content=content, view=view, nonce=nonce, allowed_mentions=mentioned)
            if message is not None:
                async with self.bot.db.transaction() as session:
                    await pairs.record_check_in_message(session, check_in.id, message.id)
                return
        for member_id in (pair.mentor_id, pair.mentee_id):
            await self.tell(guild, member_id, content=content, view=view)

    @job(service.ROUND_JOB, in_guild=True)
    async def automatic_round(self, guild: discord.Guild, due: DueJob) -> None:
        """Plan and publish with the server's weights; the hosts get the preview as a summary."""
        async with self.bot.db.transaction() as session:
            context = await self.bot.context(session, guild.id)
            published = await rounds.run_automatic_round(session, guild.id, now=utcnow())
        if published is None:
            log.info("automatic mentoring round of guild %s: nobody to match", guild.id)
            return
        await notify_hosts(guild, context, "mentoring.hosts.automatic", count=len(published.proposals))
        await self.ask(guild, published.proposals)

    async def member_left(self, guild: discord.Guild, member_id: int) -> None:
        """Their proposals close cleanly (the other member is told), their pairs end, their offer and request go."""
        async with self.bot.db.transaction() as session:
            language = (await self.bot.context(session, guild.id)).language
            gone = await pairs.member_left(session, guild.id, member_id, now=utcnow())
        for pair in gone.cancelled:
            other = pairs.other(pair, member_id)
            key = "mentoring.left.proposal_mentee" if other == pair.mentee_id else "mentoring.left.proposal"
            await self.tell(
                guild, other, content=i18n.t(language, key, other=render.mention(member_id), server=guild.name)
            )
        for pair in gone.closed:
            await self.close_pair(guild, pair, "mentoring.left.pair", gone=member_id, member=render.mention(member_id))

    async def catch_up(self) -> None:
        """Members who left while Agora was offline; proposals whose members were never asked."""
        for guild in self.bot.guilds:
            try:
                await self.catch_up_guild(guild)
            except Exception:
                log.exception("mentoring could not catch up in guild %s", guild.id)

    async def catch_up_guild(self, guild: discord.Guild) -> None:
        async with self.bot.db.transaction() as session:
            known = await service.member_ids(session, guild.id)
        if known:
            present = {member.id for member in await load_members(guild)}
            for member_id in sorted(known - present):
                await self.member_left(guild, member_id)
        async with self.bot.db.transaction() as session:
            unasked = await pairs.unasked(session, guild.id)
        if unasked:
            await self.ask(
                guild, [Proposal(p.id, p.mentor_id, p.mentee_id, p.score, p.why, p.answer_by) for p in unasked]
            )
