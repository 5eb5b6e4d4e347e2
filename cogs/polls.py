"""`/poll`: reaction polls that count every vote, anonymous button polls, live results, charts and CSV exports.

Discord in, Discord out: votes go to the single batching writer (`models.polls.writer`), the database is the truth and
the poll message is redrawn from it, at most once every EDIT_INTERVAL seconds per poll.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import logging
import re
import sys
from collections import Counter, OrderedDict
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any
from zoneinfo import ZoneInfo

import discord
from babel.numbers import format_percent
from discord import app_commands
from discord.ext import commands
from sqlalchemy.ext.asyncio import AsyncSession

from bot import i18n
from bot.checks import channel_problems, guild_of, host_only
from bot.client import Agora
from bot.errors import ChannelNotUsableError, UserError
from bot.replies import NO_PINGS, guild_language, language_for, send_ephemeral
from bot.ui import run_safely
from models import guild_settings
from models.base import utcnow
from models.guild_settings import Defaults, GuildSettings
from models.polls import rules, service
from models.polls.chart import ChartText, render_chart
from models.polls.rules import Action, Outcome, Tally, Verdict, VoteOp
from models.polls.service import CloseReason, PollRef, PollView
from models.polls.writer import VoteWriter
from models.scheduling import DueJob

log = logging.getLogger(__name__)

# Live results: at most one edit per poll this often (Discord allows about 5 edits per 5 s in a channel).
EDIT_INTERVAL = 3.0
# How long the writer gathers vote events before one transaction writes them all.
WRITER_INTERVAL = 0.002
KNOWN_MESSAGES = 4096
CATCH_UP_GRACE = 5.0
# Unknown Emoji: a reaction read after its last member took it off (or its custom emoji was deleted).
UNKNOWN_EMOJI = 10014
BUTTON_TEMPLATE = r"poll:(?P<poll>\d+):(?P<option>\d+)"
NEEDS_ALWAYS = ("embed_links", "attach_files", "read_message_history")
NEEDS_REACTIONS = ("add_reactions", "manage_messages")
OPEN_COLOR = discord.Colour.blurple()
CLOSED_COLOR = discord.Colour.dark_grey()

Postable = discord.TextChannel | discord.Thread


class ChannelWrongTypeError(UserError):
    key = "polls.create.channel_wrong_type"


class PollAlreadyClosedError(UserError):
    key = "polls.close.already_closed"


class MaxChoicesReachedError(UserError):
    key = "polls.vote.max_reached"


class VoteButton(discord.ui.DynamicItem[discord.ui.Button[Any]], template=BUTTON_TEMPLATE):
    """One option of an anonymous poll; the poll and option ids travel in the custom_id, so it survives restarts."""

    def __init__(self, poll_id: int, option_id: int, *, label: str = "…", emoji: str | None = None) -> None:
        button: discord.ui.Button[Any] = discord.ui.Button(
            label=label,
            emoji=emoji or None,
            style=discord.ButtonStyle.secondary,
            custom_id=f"poll:{poll_id}:{option_id}",
        )
        super().__init__(button)
        self.poll_id = poll_id
        self.option_id = option_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> VoteButton:
        return cls(int(match["poll"]), int(match["option"]))

    async def callback(self, interaction: discord.Interaction) -> None:
        cog = interaction.client.get_cog("Polls")  # type: ignore[attr-defined]
        if isinstance(cog, Polls):
            await run_safely(interaction, cog.vote_by_button(interaction, self.poll_id, self.option_id))


@dataclass
class CatchingUp:
    """One poll's start-up catch-up while it reads Discord: the live votes that wait for it, and the reactions the bot
    is taking back (emoji key, user id), which it reads as gone."""

    live: list[VoteOp] = field(default_factory=list)
    taken_back: set[tuple[str, int]] = field(default_factory=set)


class LiveEdits:
    """Redraw each poll at most once per `interval`, always ending with the latest counts (a trailing edit)."""

    def __init__(self, interval: float, redraw: Callable[[int], Awaitable[None]]) -> None:
        self.interval = interval
        self.redraw = redraw
        self._last: dict[int, float] = {}
        self._dirty: set[int] = set()
        self._tasks: dict[int, asyncio.Task[None]] = {}

    def touch(self, poll_id: int) -> None:
        if poll_id in self._tasks:
            self._dirty.add(poll_id)
            return
        self._tasks[poll_id] = asyncio.get_running_loop().create_task(self._run(poll_id), name=f"poll-{poll_id}-edit")

    def cancel(self, poll_id: int) -> None:
        task = self._tasks.pop(poll_id, None)
        if task is not None and task is not asyncio.current_task():  # a redraw may close its own poll
            task.cancel()
        self._dirty.discard(poll_id)
        self._last.pop(poll_id, None)

    async def close(self) -> None:
        tasks = list(self._tasks.values())
        for poll_id in list(self._tasks):
            self.cancel(poll_id)
        await asyncio.gather(*tasks, return_exceptions=True)

    async def _run(self, poll_id: int) -> None:
        loop = asyncio.get_running_loop()
        try:
            while True:
                wait = self._last.get(poll_id, -self.interval) + self.interval - loop.time()
                if wait > 0:
                    await asyncio.sleep(wait)
                self._dirty.discard(poll_id)
                try:
                    await self.redraw(poll_id)
                except Exception:
                    log.exception("live edit of poll %s failed", poll_id)
                self._last[poll_id] = loop.time()
                if poll_id not in self._dirty:
                    return
        finally:
            if self._tasks.get(poll_id) is asyncio.current_task():
                del self._tasks[poll_id]


@app_commands.guild_only()
class Polls(commands.GroupCog, group_name="poll", group_description="Ask your community: reaction or anonymous polls"):
    def __init__(self, bot: Agora, *, edit_interval: float | None = None, writer_interval: float | None = None) -> None:
        self.bot = bot
        self.writer = VoteWriter(
            lambda: bot.db.transaction(),
            interval=WRITER_INTERVAL if writer_interval is None else writer_interval,
            on_batch=self.after_votes,
        )
        self.live = LiveEdits(EDIT_INTERVAL if edit_interval is None else edit_interval, self.redraw)
        self.by_message: dict[int, PollRef] = {}
        self.by_poll: dict[int, PollRef] = {}
        # Bot messages already looked up: True for a closed poll (reactions there are removed), False otherwise.
        self.known: OrderedDict[int, bool] = OrderedDict()
        self._removals: asyncio.Queue[tuple[int, int, str | discord.PartialEmoji, int]] = asyncio.Queue()
        self._remover: asyncio.Task[None] | None = None
        # (message id, emoji key, user id) of each reaction the bot is taking back, until Discord answered.
        self._taking_back: Counter[tuple[int, str, int]] = Counter()
        # Poll id → its catch-up, while it reads Discord (live votes for that poll wait, see `vote`).
        self._catching_up: dict[int, CatchingUp] = {}
        self._catch_up: asyncio.Task[None] | None = None
        self.stopping = False
        self.caught_up = asyncio.Event()

    # --- lifecycle --------------------------------------------------------------------------------------------

    async def cog_load(self) -> None:
        # The open polls are indexed by `reconcile()`, which the client runs on first ready.
        scheduler = getattr(self.bot, "scheduler", None)  # absent when the bot is loaded only to list its commands
        if scheduler is not None:
            scheduler.register(service.CLOSE_JOB, self.on_close_job)
        self.bot.add_dynamic_items(VoteButton)

    async def cog_unload(self) -> None:
        self.bot.remove_dynamic_items(VoteButton)
        self.stopping = True
        if self._catch_up is not None and not self._catch_up.done():
            # Let it stop between two polls: cancelling it mid-transaction leaves the connection pool complaining.
            try:
                await asyncio.wait_for(asyncio.shield(self._catch_up), CATCH_UP_GRACE)
            except TimeoutError:
                self._catch_up.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await self._catch_up
        await self.writer.stop()
        await self.live.close()
        if self._remover is not None:
            self._remover.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._remover

    def remember(self, ref: PollRef) -> None:
        self.by_poll[ref.poll_id] = ref
        if ref.message_id is not None and ref.is_open:
            self.by_message[ref.message_id] = ref

    def forget(self, poll_id: int) -> None:
        """The poll closed: its reactions stop counting (late ones are removed)."""
        ref = self.by_poll.get(poll_id)
        if ref is None:
            return
        self.by_poll[poll_id] = replace(ref, is_open=False, salt=None)
        if ref.message_id is not None:
            self.by_message.pop(ref.message_id, None)
            self._known(ref.message_id, True)

    # --- /poll create -----------------------------------------------------------------------------------------

    @app_commands.command(
        name="create", description="Post a poll; members vote with reactions, or buttons if anonymous"
    )
    @app_commands.describe(
        question="What you ask (up to 300 characters)",
        options="2 to 20 options separated by ; (start one with an emoji to use that emoji)",
        duration="When it closes: 2h, 3d, 1w, 90m or a date like 2026-12-01 18:00; empty: close it by hand",
        multiple="Let members choose several options",
        max_choices="At most this many choices per member (implies multiple choice)",
        role="Only members with this role may vote",
        channel="Where to post the poll (default: here)",
        anonymous="Vote with buttons: nobody, hosts included, can see who voted what",
        hide_results="Show the counts only once the poll is closed",
    )
    @host_only()
    async def create(
        self,
        interaction: discord.Interaction,
        question: app_commands.Range[str, 1, rules.QUESTION_MAX],
        options: app_commands.Range[str, 1, 2000],
        duration: app_commands.Range[str, 1, 100] | None = None,
        multiple: bool = False,
        max_choices: app_commands.Range[int, 1, rules.MAX_OPTIONS] | None = None,
        role: discord.Role | None = None,
        channel: Postable | None = None,
        anonymous: bool = False,
        hide_results: bool = False,
    ) -> None:
        guild = guild_of(interaction)
        target = channel or interaction.channel
        if not isinstance(target, Postable):
            raise ChannelWrongTypeError()
        now = utcnow()
        draft = rules.draft_poll(
            question=question,
            options=options,
            closing=duration,
            now=now,
            zone=await self.timezone(guild.id),
            multiple=multiple,
            max_choices=max_choices,
            anonymous=anonymous,
            hide_results=hide_results,
            role_id=None if role is None or role.is_default() else role.id,
        )
        self.check_emojis(draft)
        self.check_channel(target, guild.me, anonymous=anonymous)
        await interaction.response.defer(ephemeral=True, thinking=True)
        language = await guild_language(self.bot, guild.id, str(guild.preferred_locale))
        async with self.bot.db.transaction() as session:
            view = await service.create_poll(
                session,
                guild_id=guild.id,
                channel_id=target.id,
                author_id=interaction.user.id,
                draft=draft,
                language=language,
                now=now,
            )
        message = await self.post(view, target)
        closes = rules.discord_time(view.closes_at) if view.closes_at else None
        key = "polls.create.done_until" if closes else "polls.create.done"
        await send_ephemeral(
            interaction, i18n.t(await language_for(interaction), key, link=message.jump_url, when=closes)
        )

    async def post(self, view: PollView, target: Postable) -> discord.Message:
        """Post the poll and add its reactions; on any failure, take it all back and say why."""
        message: discord.Message | None = None
        emoji = ""
        try:
            embed = poll_embed(view, Tally(dict.fromkeys([o.id for o in view.options], 0), 0))
            buttons = self.buttons(view)
            if buttons is None:
                message = await target.send(embed=embed, allowed_mentions=NO_PINGS)
            else:
                message = await target.send(embed=embed, view=buttons, allowed_mentions=NO_PINGS)
            async with self.bot.db.transaction() as session:
                await service.attach_message(session, view.id, message.id)
                self.remember(await self.ref(session, message.id))
            if not view.anonymous:
                for option in view.options:
                    emoji = option.emoji
                    await message.add_reaction(emoji)
        except Exception as error:
            await self.take_back(view.id, message)
            if isinstance(error, discord.Forbidden):
                missing = self.needs(target, view.anonymous)
                raise ChannelNotUsableError(channel=target.mention, permissions=missing) from None
            if isinstance(error, discord.HTTPException) and emoji and error.status == 400:
                raise rules.EmojiUnusableError(emoji=emoji) from None
            raise
        return message

    async def take_back(self, poll_id: int, message: discord.Message | None) -> None:
        self.by_poll.pop(poll_id, None)
        if message is not None:
            self.by_message.pop(message.id, None)
            with contextlib.suppress(discord.HTTPException):
                await message.delete()
        async with self.writer.exclusive(), self.bot.db.transaction() as session:
            await service.discard_poll(session, poll_id)

    async def ref(self, session: AsyncSession, message_id: int) -> PollRef:
        found = await service.ref_by_message(session, message_id)
        if found is None:
            raise rules.PollNotFoundError()
        return found

    async def timezone(self, guild_id: int) -> ZoneInfo:
        async with self.bot.db.transaction() as session:
            settings = await session.get(GuildSettings, guild_id)
        defaults = Defaults(locale=self.bot.settings.locale.default, timezone=self.bot.settings.locale.timezone)
        return guild_settings.effective_timezone(settings, defaults)

    def check_emojis(self, draft: rules.PollDraft) -> None:
        """A custom emoji from a server the bot is not in cannot be used as a reaction or on a button."""
        for option in draft.options:
            emoji_id = rules.custom_emoji_id(option.emoji or "")
            if emoji_id is None:
                continue
            emoji = self.bot.get_emoji(emoji_id)
            if emoji is None or not emoji.is_usable():
                raise rules.EmojiUnusableError(emoji=option.emoji)

    def needs(self, target: Postable, anonymous: bool) -> i18n.Terms:
        post = "send_messages_in_threads" if isinstance(target, discord.Thread) else "send_messages"
        return i18n.Terms(
            f"permissions.{name}" for name in (post, *NEEDS_ALWAYS, *(() if anonymous else NEEDS_REACTIONS))
        )

    def check_channel(self, target: Postable, me: discord.Member, *, anonymous: bool) -> None:
        names = [key.removeprefix("permissions.") for key in self.needs(target, anonymous)]
        missing = channel_problems(target, me, *names)
        if missing:
            raise ChannelNotUsableError(channel=target.mention, permissions=missing)

    # --- voting -----------------------------------------------------------------------------------------------

    @commands.Cog.listener()
    async def on_raw_reaction_add(self, payload: discord.RawReactionActionEvent) -> None:
        me = self.bot.user
        if payload.guild_id is None or me is None or payload.user_id == me.id:
            return
        ref = self.by_message.get(payload.message_id)
        if ref is None:
            if payload.message_author_id == me.id and await self.is_closed_poll(payload.message_id):
                self.unreact(payload.channel_id, payload.message_id, payload.emoji, payload.user_id)
            return
        option_id = None if ref.anonymous else ref.option_for(payload.emoji.name, payload.emoji.id)
        member = payload.member
        if option_id is None or member is None or member.bot or not has_role(member, ref.role_id):
            self.unreact(payload.channel_id, payload.message_id, payload.emoji, payload.user_id)
            return
        self.vote(VoteOp(ref.poll_id, payload.user_id, option_id, Action.ADD))

    @commands.Cog.listener()
    async def on_raw_reaction_remove(self, payload: discord.RawReactionActionEvent) -> None:
        ref = self.by_message.get(payload.message_id)
        if ref is None or ref.anonymous or (self.bot.user and payload.user_id == self.bot.user.id):
            return
        option_id = ref.option_for(payload.emoji.name, payload.emoji.id)
        if option_id is not None:
            self.vote(VoteOp(ref.poll_id, payload.user_id, option_id, Action.REMOVE))

    def vote(self, op: VoteOp) -> None:
        """A reaction event, to the writer in arrival order; while its poll's catch-up reads Discord, it waits and is
        written right after the catch-up's own votes (`rules.catch_up_ops`)."""
        catching_up = self._catching_up.get(op.poll_id)
        if catching_up is None:
            self.writer.submit(op)
        else:
            catching_up.live.append(op)

    async def vote_by_button(self, interaction: discord.Interaction, poll_id: int, option_id: int) -> None:
        guild = guild_of(interaction)
        ref = self.by_poll.get(poll_id)
        if ref is None:  # a click that came before the start-up catch-up indexed the poll
            async with self.bot.db.transaction() as session:
                ref = await service.ref_by_id(session, poll_id)
        if ref is None or ref.guild_id != guild.id:
            raise rules.PollNotFoundError()
        if not ref.is_open or ref.salt is None:
            raise rules.PollClosedError()
        if isinstance(interaction.user, discord.Member) and not has_role(interaction.user, ref.role_id):
            raise rules.VoteNotAllowedError(role=f"<@&{ref.role_id}>")
        await interaction.response.defer(ephemeral=True, thinking=True)
        voter = rules.ballot_id(ref.salt, interaction.user.id)
        outcome = await self.writer.cast(VoteOp(poll_id, voter, option_id, Action.TOGGLE))
        async with self.bot.db.transaction() as session:
            view = await service.get_view(session, poll_id)
        if outcome.verdict is Verdict.CLOSED:
            raise rules.PollClosedError()
        if outcome.verdict is Verdict.MAX_REACHED:
            raise MaxChoicesReachedError(maximum=view.max_choices)
        language = await language_for(interaction)
        chosen = [
            f"{o.emoji} {discord.utils.escape_markdown(o.label)}" for o in view.options if o.id in outcome.choices
        ]
        if chosen:
            text = i18n.t(language, "polls.vote.recorded", choices=", ".join(chosen))
        else:
            text = i18n.t(language, "polls.vote.withdrawn")
        await send_ephemeral(interaction, text)

    def after_votes(self, results: Sequence[tuple[VoteOp, Outcome]]) -> None:
        """After each committed batch: take back refused or replaced reactions, and schedule live edits."""
        changed = {op.poll_id for op, outcome in results if outcome.verdict in (Verdict.COUNTED, Verdict.WITHDRAWN)}
        for poll_id, voter_id, option_id in rules.reactions_to_take_back(results):
            ref = self.by_poll.get(poll_id)
            if ref is None or ref.anonymous or ref.message_id is None:
                continue
            emoji = ref.option_emojis.get(option_id)
            if emoji:
                self.unreact(ref.channel_id, ref.message_id, discord.PartialEmoji.from_str(emoji), voter_id)
        for poll_id in changed:
            if self.by_poll.get(poll_id) is not None and self.by_poll[poll_id].is_open:
                self.live.touch(poll_id)

    def unreact(self, channel_id: int, message_id: int, emoji: str | discord.PartialEmoji, user_id: int) -> None:
        if self._remover is None or self._remover.done():
            self._remover = asyncio.get_running_loop().create_task(self._remove_reactions(), name="poll-reactions")
        key = rules.emoji_key(*emoji_parts(emoji))
        self._taking_back[message_id, key, user_id] += 1
        ref = self.by_message.get(message_id)
        catching_up = self._catching_up.get(ref.poll_id) if ref is not None else None
        if catching_up is not None:
            catching_up.taken_back.add((key, user_id))
        self._removals.put_nowait((channel_id, message_id, emoji, user_id))

    async def _remove_reactions(self) -> None:
        """One worker removes reactions in order; discord.py waits out the rate limits."""
        while True:
            channel_id, message_id, emoji, user_id = await self._removals.get()
            message = self.bot.get_partial_messageable(channel_id).get_partial_message(message_id)
            try:
                await message.remove_reaction(emoji, discord.Object(user_id))
            except discord.NotFound:
                pass
            except discord.HTTPException as error:
                log.warning("could not remove a reaction on poll message %s (%s)", message_id, error.status)
            finally:
                self._taken_back((message_id, rules.emoji_key(*emoji_parts(emoji)), user_id))

    def _taken_back(self, reaction: tuple[int, str, int]) -> None:
        self._taking_back[reaction] -= 1
        if self._taking_back[reaction] <= 0:
            del self._taking_back[reaction]

    async def is_closed_poll(self, message_id: int) -> bool:
        if message_id in self.known:
            self.known.move_to_end(message_id)
            return self.known[message_id]
        async with self.bot.db.transaction() as session:
            found = await service.ref_by_message(session, message_id)
        closed = found is not None and not found.is_open
        self._known(message_id, closed)
        return closed

    def _known(self, message_id: int, closed: bool) -> None:
        self.known[message_id] = closed
        self.known.move_to_end(message_id)
        while len(self.known) > KNOWN_MESSAGES:
            self.known.popitem(last=False)

    # --- live results -----------------------------------------------------------------------------------------

    async def redraw(self, poll_id: int) -> None:
        async with self.bot.db.transaction() as session:
            view = await service.get_view(session, poll_id)
            result = await service.current_tally(session, view)
        if view.message_id is None or not view.is_open:
            return
        try:
            await self.message(view).edit(embed=poll_embed(view, result))
        except discord.NotFound:
            await self.close(poll_id, reason=CloseReason.DELETED)

    def message(self, view: PollView) -> discord.PartialMessage:
        channel = self.bot.get_partial_messageable(view.channel_id, guild_id=view.guild_id)
        return channel.get_partial_message(view.message_id or 0)

    def buttons(self, view: PollView) -> discord.ui.View | None:
        if not view.anonymous or not view.is_open:
            return None
        buttons = discord.ui.View(timeout=None)
        for option in view.options:
            buttons.add_item(VoteButton(view.id, option.id, label=option.label, emoji=option.emoji))
        return buttons

    # --- closing ----------------------------------------------------------------------------------------------

    async def on_close_job(self, job: DueJob) -> None:
        """The deadline came (or passed while the bot was offline): close once, whatever ran before."""
        await self.caught_up.wait()
        await self.close(int(job.payload["poll_id"]), reason=CloseReason.DEADLINE)

    async def close(self, poll_id: int, *, reason: str) -> bool:
        """Close the poll after every queued vote is written; then redraw it and post the results (idempotent)."""
        async with self.writer.exclusive(), self.bot.db.transaction() as session:
            closed = await service.close_poll(session, poll_id, now=utcnow(), reason=reason)
        self.forget(poll_id)
        self.live.cancel(poll_id)
        if closed:
            await self.bot.db.erase_deleted()  # an anonymous poll's key and ballots leave SQLite's log too
        await self.finish(poll_id)
        return closed

    async def finish(self, poll_id: int) -> None:
        """Final state of the poll message, then one results message with the chart, unless already posted.

        The results post carries a nonce per poll: if the bot stopped after posting but before noting it, Discord
        hands back the same message on the next try instead of posting twice.
        """
        async with self.bot.db.transaction() as session:
            view = await service.get_view(session, poll_id)
            result = await service.current_tally(session, view)
        if view.message_id is None or view.close_reason == CloseReason.DELETED or view.results_message_id:
            return
        message = self.message(view)
        try:
            await message.edit(embed=poll_embed(view, result), view=None)
        except discord.NotFound:
            async with self.bot.db.transaction() as session:
                await service.mark_deleted(session, poll_id)
            return
        except discord.HTTPException as error:
            log.warning("could not redraw closed poll %s (%s)", poll_id, error.status)
        png = await asyncio.to_thread(
            render_chart, self.chart_text(view, result), chart_labels(view), counts(view, result)
        )
        filename = f"poll-{view.id}.png"
        embed = results_embed(view, result, view.language).set_image(url=f"attachment://{filename}")
        channel = self.bot.get_partial_messageable(view.channel_id, guild_id=view.guild_id)
        try:
            posted = await channel.send(
                embed=embed,
                file=discord.File(io.BytesIO(png), filename=filename),
                allowed_mentions=NO_PINGS,
                reference=message.to_reference(fail_if_not_exists=False),
                nonce=f"poll{view.id}.results",
            )
        except discord.HTTPException as error:
            log.warning("could not post the results of poll %s (%s)", poll_id, error.status)
            return
        async with self.bot.db.transaction() as session:
            await service.mark_results_posted(session, poll_id, posted.id)

    def chart_text(self, view: PollView, result: Tally) -> ChartText:
        language = view.language
        return ChartText(
            title=view.question,
            axis=i18n.t(language, "polls.chart.axis"),
            footer=i18n.tn(language, "polls.chart.footer", result.voters),
        )

    @commands.Cog.listener()
    async def on_raw_message_delete(self, payload: discord.RawMessageDeleteEvent) -> None:
        ref = self.by_message.get(payload.message_id)
        if ref is not None:
            await self.close(ref.poll_id, reason=CloseReason.DELETED)

    @commands.Cog.listener()
    async def on_raw_bulk_message_delete(self, payload: discord.RawBulkMessageDeleteEvent) -> None:
        for message_id in payload.message_ids:
            ref = self.by_message.get(message_id)
            if ref is not None:
                await self.close(ref.poll_id, reason=CloseReason.DELETED)

    # --- /poll close, results, export -------------------------------------------------------------------------

    @app_commands.command(name="close", description="Close a poll now and post its results")
    @app_commands.describe(poll="The poll (default: the latest open poll in this channel)")
    @host_only()
    async def close_command(self, interaction: discord.Interaction, poll: str | None = None) -> None:
        guild = guild_of(interaction)
        async with self.bot.db.transaction() as session:
            view = await service.find_poll(
                session, guild_id=guild.id, text=poll, channel_id=interaction.channel_id, open_only=poll is None
            )
        if not view.is_open:
            raise PollAlreadyClosedError()
        await interaction.response.defer(ephemeral=True, thinking=True)
        await self.caught_up.wait()
        await self.close(view.id, reason=CloseReason.COMMAND)
        link = f"https://discord.com/channels/{view.guild_id}/{view.channel_id}/{view.message_id}"
        await send_ephemeral(interaction, i18n.t(await language_for(interaction), "polls.close.done", link=link))

    @app_commands.command(name="results", description="See a poll's current results (only you see them)")
    @app_commands.describe(poll="The poll (default: the latest poll in this channel)")
    async def results(self, interaction: discord.Interaction, poll: str | None = None) -> None:
        guild = guild_of(interaction)
        await self.writer.flush()
        async with self.bot.db.transaction() as session:
            view = await service.find_poll(session, guild_id=guild.id, text=poll, channel_id=interaction.channel_id)
            result = await service.current_tally(session, view)
        if view.is_open and view.hide_results and not interaction.permissions.manage_guild:
            raise rules.ResultsHiddenError()
        language = await language_for(interaction)
        embed = results_embed(view, result, language)
        await interaction.response.send_message(embed=embed, ephemeral=True, allowed_mentions=NO_PINGS)

    @app_commands.command(name="export", description="Download a poll's results as CSV files")
    @app_commands.describe(poll="The poll (default: the latest poll in this channel)")
    @host_only()
    async def export(self, interaction: discord.Interaction, poll: str | None = None) -> None:
        guild = guild_of(interaction)
        await self.writer.flush()
        async with self.bot.db.transaction() as session:
            view = await service.find_poll(session, guild_id=guild.id, text=poll, channel_id=interaction.channel_id)
            result = await service.current_tally(session, view)
            votes = [] if view.anonymous else await service.votes_for_export(session, view.id)
        await interaction.response.defer(ephemeral=True, thinking=True)
        language = await language_for(interaction)
        header = [i18n.t(language, f"polls.export.{column}") for column in ("position", "emoji", "option", "votes")]
        header.append(i18n.t(language, "polls.export.share"))
        rows = [
            [o.position + 1, o.emoji, o.label, result.count(o.id), f"{result.share(o.id):.4f}"] for o in view.options
        ]
        files = [discord.File(io.BytesIO(rules.to_csv(header, rows)), filename=f"poll-{view.id}-results.csv")]
        if votes:
            names = await member_names(guild, sorted({voter for voter, _, _ in votes}))
            labels = {o.id: o.label for o in view.options}
            columns = ("member_id", "member", "option", "voted_at")
            header = [i18n.t(language, f"polls.export.{column}") for column in columns]
            lines = [[str(v), names.get(v, ""), labels.get(o, ""), at.isoformat()] for v, o, at in votes]
            files.append(discord.File(io.BytesIO(rules.to_csv(header, lines)), filename=f"poll-{view.id}-votes.csv"))
        key = "polls.export.anonymous" if view.anonymous else "polls.export.done"
        await interaction.followup.send(i18n.t(language, key), files=files, ephemeral=True, allowed_mentions=NO_PINGS)

    @close_command.autocomplete("poll")
    async def open_poll_names(self, interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
        return await self.poll_names(interaction, current, open_only=True)

    @results.autocomplete("poll")
    @export.autocomplete("poll")
    async def any_poll_names(self, interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
        return await self.poll_names(interaction, current, open_only=False)

    async def poll_names(
        self, interaction: discord.Interaction, current: str, *, open_only: bool
    ) -> list[app_commands.Choice[str]]:
        if interaction.guild_id is None:
            return []
        async with self.bot.db.transaction() as session:
            found = await service.poll_choices(
                session, guild_id=interaction.guild_id, text=current, open_only=open_only
            )
        language = await language_for(interaction)
        closed = i18n.t(language, "polls.autocomplete.closed")
        return [
            app_commands.Choice(
                name=shorten(question if is_open else f"{question} ({closed})", 100), value=str(poll_id)
            )
            for poll_id, question, is_open in found
        ]

    # --- catching up after downtime ---------------------------------------------------------------------------

    async def reconcile(self) -> None:
        """Start catching up and return at once: the client's ready handler is not held up by slow Discord reads.

        Deadline jobs and `/poll close` wait for `caught_up`, so reactions added while offline count before a close.
        """
        if self._catch_up is None:
            self._catch_up = asyncio.get_running_loop().create_task(self.catch_up(), name="poll-catch-up")

    async def catch_up(self) -> None:
        """Count reactions added while offline, un-count removed ones, close polls whose message is gone."""
        try:
            await self._catch_up_polls()
        except Exception:
            log.exception("catching up on polls failed; stored votes stay as they were")
        finally:
            self.caught_up.set()

    async def _catch_up_polls(self) -> None:
        async with self.bot.db.transaction() as session:
            refs = await service.open_refs(session)
            unfinished = await service.unfinished_polls(session)
        for ref in refs:
            self.remember(ref)
        for ref in refs:
            if self.stopping:
                return
            try:
                await self.reconcile_poll(ref)
            except discord.HTTPException as error:
                log.warning("could not reconcile poll %s (%s); it keeps its stored votes", ref.poll_id, error.status)
        await self.writer.flush()
        if self.stopping:
            return
        for ref in refs:
            if self.by_poll.get(ref.poll_id, ref).is_open and ref.message_id is not None:
                self.live.touch(ref.poll_id)
        for poll_id in unfinished:
            await self.finish(poll_id)

    async def reconcile_poll(self, ref: PollRef) -> None:
        """Catch up one poll. Live votes for it wait until its reads are done and come after its own votes, so no
        read older than an event undoes it (a REST answer can be overtaken by the gateway event of a later change)."""
        if ref.message_id is None:  # the bot stopped between storing the poll and posting it
            await self.take_back(ref.poll_id, None)
            return
        catching_up = self._catching_up[ref.poll_id] = CatchingUp(
            taken_back={(key, user) for message, key, user in self._taking_back if message == ref.message_id}
        )
        found: list[VoteOp] | None = []
        try:
            await self.writer.flush()  # the stored votes then include every live vote that came before
            found = await self.read_votes(ref, ref.message_id, catching_up)
        finally:
            del self._catching_up[ref.poll_id]
            for op in rules.catch_up_ops(found or [], catching_up.live):
                self.writer.submit(op)
        if found is None:
            await self.close(ref.poll_id, reason=CloseReason.DELETED)

    async def read_votes(self, ref: PollRef, message_id: int, catching_up: CatchingUp) -> list[VoteOp] | None:
        """Compare the reactions on the poll message with the stored votes: the votes to write, None if it is gone."""
        channel = self.bot.get_partial_messageable(ref.channel_id, guild_id=ref.guild_id)
        try:
            message = await channel.fetch_message(message_id)
        except discord.NotFound:
            return None
        if ref.anonymous:
            return []  # button clicks cannot happen while the bot is offline
        async with self.bot.db.transaction() as session:
            stored = await service.stored_votes(session, ref.poll_id)
        present = await self.reactions_present(ref, message, catching_up)
        known_voters = {voter for voter, _ in stored}
        for voter, option_id in sorted(present):
            if ref.role_id and voter not in known_voters and not await self.may_vote(ref, voter):
                present.discard((voter, option_id))
                emoji = discord.PartialEmoji.from_str(ref.option_emojis[option_id])
                self.unreact(ref.channel_id, message_id, emoji, voter)
        return rules.reconcile_ops(ref.poll_id, stored, present, ref.positions)

    async def reactions_present(
        self, ref: PollRef, message: discord.Message, catching_up: CatchingUp
    ) -> set[tuple[int, int]]:
        """(member, option) of every reaction that may count; others are taken back."""
        present: set[tuple[int, int]] = set()
        me = self.bot.user.id if self.bot.user else 0
        for reaction in message.reactions:
            name, emoji_id = emoji_parts(reaction.emoji)
            option_id, key = ref.option_for(name, emoji_id), rules.emoji_key(name, emoji_id)
            try:
                users = [user async for user in every_reactor(reaction)]
            except discord.NotFound as error:
                if error.code == UNKNOWN_EMOJI:
                    continue  # its last reaction went away since the message was read
                raise
            for user in users:
                if user.id == me or (key, user.id) in catching_up.taken_back:
                    continue
                if option_id is None or user.bot:
                    self.unreact(ref.channel_id, message.id, reaction_emoji(reaction.emoji), user.id)
                else:
                    present.add((user.id, option_id))
        return present

    async def may_vote(self, ref: PollRef, user_id: int) -> bool:
        guild = self.bot.get_guild(ref.guild_id)
        if guild is None:
            return False
        member = guild.get_member(user_id)
        if member is None:
            try:
                member = await guild.fetch_member(user_id)
            except discord.NotFound:
                return False
        return has_role(member, ref.role_id)


# --- rendering helpers ----------------------------------------------------------------------------------------


# An embed description holds 4,096 characters; escaped labels can double in length, so long polls shorten labels.
DESCRIPTION_MAX = 4096
LABEL_LIMITS = (rules.OPTION_MAX, 40, 16)


def poll_embed(view: PollView, result: Tally) -> discord.Embed:
    """The poll message: question, one line and bar per option, who may vote and until when."""
    language = view.language
    title = "polls.message.title_closed" if not view.is_open else "polls.message.title"
    embed = discord.Embed(title=i18n.t(language, title), colour=OPEN_COLOR if view.is_open else CLOSED_COLOR)
    show = not view.is_open or not view.hide_results
    tail = ["", i18n.tn(language, "polls.message.voters", result.voters), rule_line(view)]
    if not show:
        tail[:0] = ["", i18n.t(language, "polls.message.hidden")]
    if view.role_id:
        tail.append(i18n.t(language, "polls.message.role", role=f"<@&{view.role_id}>"))
    if view.closed_at is not None:
        tail.append(i18n.t(language, "polls.message.closed_at", when=rules.discord_time(view.closed_at)))
    elif view.closes_at is not None:
        when, relative = rules.discord_time(view.closes_at), rules.discord_time(view.closes_at, "R")
        tail.append(i18n.t(language, "polls.message.closes_at", when=when, relative=relative))
    embed.description = fitted_description(view, result, language, show=show, tail=tail)
    if view.is_open:
        how = "polls.message.how_buttons" if view.anonymous else "polls.message.how_reactions"
        embed.set_footer(text=i18n.t(language, how))
    elif view.anonymous:
        embed.set_footer(text=i18n.t(language, "polls.message.anonymous_closed"))
    return embed


def results_embed(view: PollView, result: Tally, language: str) -> discord.Embed:
    """Counts and bars for everyone (the results post) or for one member (`/poll results`)."""
    key = "polls.results.title_closed" if not view.is_open else "polls.results.title_open"
    embed = discord.Embed(title=i18n.t(language, key), colour=CLOSED_COLOR if not view.is_open else OPEN_COLOR)
    tail = ["", i18n.tn(language, "polls.message.voters", result.voters)]
    if view.message_id is not None:
        link = f"https://discord.com/channels/{view.guild_id}/{view.channel_id}/{view.message_id}"
        tail.append(i18n.t(language, "polls.results.link", link=link))
    embed.description = fitted_description(view, result, language, show=True, tail=tail)
    return embed


def fitted_description(view: PollView, result: Tally, language: str, *, show: bool, tail: list[str]) -> str:
    """Question, options and `tail`, with labels shortened only if the whole would not fit Discord's limit."""
    text = ""
    for limit in LABEL_LIMITS:
        lines = [f"**{discord.utils.escape_markdown(view.question)}**", ""]
        lines += option_lines(view, result, language, show=show, label_limit=limit)
        text = "\n".join(lines + tail)
        if len(text) <= DESCRIPTION_MAX:
            return text
    return shorten(text, DESCRIPTION_MAX)


def rule_line(view: PollView) -> str:
    language = view.language
    kind = i18n.t(language, "polls.message.anonymous" if view.anonymous else "polls.message.public")
    if not view.multiple:
        rule = i18n.t(language, "polls.message.single")
    elif view.max_choices:
        rule = i18n.tn(language, "polls.message.multiple_max", view.max_choices)
    else:
        rule = i18n.t(language, "polls.message.multiple")
    return f"{kind} · {rule}"


def option_lines(
    view: PollView, result: Tally, language: str, *, show: bool, label_limit: int = rules.OPTION_MAX
) -> list[str]:
    leaders = set(result.leaders()) if not view.is_open else set()
    lines = []
    for option in view.options:
        crown = " 🏆" if option.id in leaders else ""
        label = discord.utils.escape_markdown(shorten(option.label, label_limit))
        lines.append(f"{option.emoji} {label}{crown}")
        if show:
            share = result.share(option.id)
            bar, count, percent = rules.bar(share), result.count(option.id), format_percent(share, locale=language)
            lines.append(i18n.t(language, "polls.message.option", bar=bar, count=count, percent=percent))
    return lines


def chart_labels(view: PollView) -> list[str]:
    """Option labels as the chart shows them, prefixed with the letter when the option uses 🇦 … 🇹."""
    labels = []
    for option in view.options:
        letter = next((chr(ord("A") + i) for i, flag in enumerate(rules.LETTERS) if flag == option.emoji), None)
        labels.append(f"{letter}. {option.label}" if letter else option.label)
    return labels


def counts(view: PollView, result: Tally) -> list[int]:
    return [result.count(option.id) for option in view.options]


def has_role(member: discord.Member, role_id: int | None) -> bool:
    return role_id is None or member.get_role(role_id) is not None


def emoji_parts(emoji: discord.Emoji | discord.PartialEmoji | str) -> tuple[str | None, int | None]:
    if isinstance(emoji, str):
        return emoji, None
    return emoji.name, emoji.id


def every_reactor(reaction: discord.Reaction) -> AsyncIterator[discord.User | discord.Member]:
    """Every user who reacted, paged to the end: the count read with the message may already be outdated, and
    reading only that many users (discord.py's default) could leave out a voter."""
    return reaction.users(limit=sys.maxsize)


def reaction_emoji(emoji: discord.Emoji | discord.PartialEmoji | str) -> str | discord.PartialEmoji:
    if isinstance(emoji, discord.Emoji):
        return discord.PartialEmoji(name=emoji.name, id=emoji.id, animated=emoji.animated)
    return emoji


def shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


async def member_names(guild: discord.Guild, member_ids: list[int]) -> dict[int, str]:
    """Display names for the CSV: from the cache, else asked from the gateway 100 at a time (not cached)."""
    names = {member_id: member.display_name for member_id in member_ids if (member := guild.get_member(member_id))}
    missing = [member_id for member_id in member_ids if member_id not in names]
    for start in range(0, len(missing), 100):
        try:
            found = await guild.query_members(user_ids=missing[start : start + 100], cache=False)
        except (TimeoutError, discord.ClientException):
            break
        names.update({member.id: member.display_name for member in found})
    return names


async def setup(bot: Agora) -> None:
    await bot.add_cog(Polls(bot))
