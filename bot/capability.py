"""What every capability's cog shares, so that adding one is filling in a template.

- `items`: its persistent buttons and selects, registered while the cog is loaded; `@form` methods receive its forms.
- `@job(kind)`: methods the scheduler runs for that job kind (the database owns the schedule).
- `@listener()`: gateway event handlers whose work is tracked, so `idle()` can wait for it and unloading drains it;
  `@listener(wants=...)` for frequent events most of which the capability ignores (reactions).
- `catch_up()`: what happened while Agora was offline, run once in the background after the first READY.
- `profile_lines()`: what the capability adds to a member's `/profile show` (mentoring: their offer and request).
- `member_left()`: what it does when a member leaves the server (its catch-up calls it for those who left offline).
"""

from __future__ import annotations

import asyncio
import functools
import inspect
import logging
from collections.abc import Awaitable, Callable, Coroutine, Iterator, Sequence
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

import discord
from discord.ext import commands
from sqlalchemy.ext.asyncio import AsyncSession

from bot.inflight import Inflight
from models.scheduling import DueJob

if TYPE_CHECKING:
    from bot.client import Agora

log = logging.getLogger(__name__)

JOB_ATTRIBUTE = "__agora_job__"
ROUTE_ATTRIBUTE = "__agora_route__"
MEMBER_LOCKS = 64  # striped: members whose ids share a stripe merely take turns
JobHandler = Callable[[DueJob], Awaitable[None]]
H = TypeVar("H", bound=Callable[..., Coroutine[Any, Any, None]])


def job(kind: str, *, in_guild: bool = False) -> Callable[[H], H]:
    """Mark a cog method as the handler of scheduled jobs of `kind` (e.g. `polls.close`).

    With `in_guild`, the handler takes the job's server before the job (`handler(guild, due)`), and a job of a server
    Agora is no longer in is skipped here, once for every capability.
    """

    def mark(method: H) -> H:
        setattr(method, JOB_ATTRIBUTE, (kind, in_guild))
        return method

    return mark


def listener(name: str | None = None, *, wants: str | None = None) -> Callable[[H], H]:
    """`commands.Cog.listener`, with the handler's run counted as in flight from its very first step.

    `wants` names a cheap synchronous method of the cog that takes the event's arguments: the handler then runs only
    for the events it accepts, and no task is made for the others. Every reaction in a server reaches polls,
    recognition and knowledge; a task each cost three times what the vote itself does.
    """

    def decorate(handler: H) -> H:
        @functools.wraps(handler)
        async def tracked(self: Capability, *args: Any, **kwargs: Any) -> None:
            # What `inflight.tracked()` does, inlined: a burst of reactions runs this for every event, and the
            # generator-based context manager cost as much as the polls' handler itself.
            task = asyncio.current_task()
            if task is not None:
                self.inflight.tasks.add(task)
            try:
                await handler(self, *args, **kwargs)
            finally:
                if task is not None:
                    self.inflight.tasks.discard(task)

        if wants is not None:
            setattr(tracked, ROUTE_ATTRIBUTE, (name or handler.__name__, wants))
            return tracked  # type: ignore[return-value]
        listen = commands.Cog.listener(name) if name else commands.Cog.listener()
        return listen(tracked)  # type: ignore[return-value]

    return decorate


class Capability(commands.Cog):
    """Base of every capability's cog (combine with `commands.GroupCog` for a `/group` of commands)."""

    items: ClassVar[Sequence[type[discord.ui.DynamicItem[Any]]]] = ()

    def __init__(self, bot: Agora) -> None:
        self.bot = bot
        self.inflight = Inflight()
        self.caught_up = asyncio.Event()
        self._catch_up: asyncio.Task[None] | None = None
        self._member_locks = [asyncio.Lock() for _ in range(MEMBER_LOCKS)]

    def member_lock(self, member_id: int) -> asyncio.Lock:
        """Taken first thing by the handlers of one member's events, so that they are recorded in the order Discord
        sent them: discord.py runs each handler as a task of its own, and a join and a leave (or a leave and a quick
        return) racing to the database could otherwise land in either order. Tasks start in event order, and an
        uncontended lock is taken without yielding, so the first event's handler holds it first."""
        return self._member_locks[member_id % MEMBER_LOCKS]

    async def cog_load(self) -> None:
        self.bot.components.add(self, self.items)
        for event, wants, routed in self.routes():
            self.bot.route(event, wants, routed)
        scheduler = getattr(self.bot, "scheduler", None)  # absent when the bot is loaded only to list its commands
        if scheduler is not None:
            for kind, handler in self.jobs():
                scheduler.register(kind, handler)

    async def cog_unload(self) -> None:
        self.bot.components.remove(self)
        self.bot.unroute(self)
        await self.inflight.drain()

    def jobs(self) -> Iterator[tuple[str, JobHandler]]:
        for method, (kind, in_guild) in self._marked(JOB_ATTRIBUTE):
            yield kind, functools.partial(self._run_in_guild, method) if in_guild else method

    async def _run_in_guild(self, handler: Callable[[discord.Guild, DueJob], Awaitable[None]], due: DueJob) -> None:
        guild = self.bot.get_guild(due.guild_id or 0)
        if guild is None:
            log.info("job %s (%s) skipped: Agora is not in server %s", due.id, due.kind, due.guild_id)
            return
        await handler(guild, due)

    def routes(self) -> Iterator[tuple[str, Callable[..., bool], Callable[..., Coroutine[Any, Any, None]]]]:
        """(event, filter, handler) of the listeners declared with `wants`."""
        for method, (event, wants) in self._marked(ROUTE_ATTRIBUTE):
            yield event, getattr(self, wants), method

    def _marked(self, attribute: str) -> Iterator[tuple[Callable[..., Coroutine[Any, Any, None]], Any]]:
        """The cog's coroutine methods that `@job` or `@listener(wants=...)` marked with `attribute`, and the mark."""
        for name, _ in inspect.getmembers(type(self), inspect.iscoroutinefunction):
            method = getattr(self, name)
            mark = getattr(method, attribute, None)
            if mark is not None:
                yield method, mark

    def reconcile(self) -> asyncio.Task[None]:
        """Start the catch-up once, in the background (the ready handler is not held up); returns its task."""
        if self._catch_up is None:
            self._catch_up = self.inflight.start(self._run_catch_up(), name=f"{type(self).__name__}-catch-up")
        return self._catch_up

    async def _run_catch_up(self) -> None:
        try:
            await self.catch_up()
        except Exception:
            log.exception("%s: catching up after downtime failed; live events still count", type(self).__name__)
        finally:
            self.caught_up.set()

    async def catch_up(self) -> None:
        """What happened while Agora was offline (override); jobs that depend on it await `caught_up`."""

    def keeps_leavers(self, payload: discord.RawMemberRemoveEvent) -> bool:
        return type(self).member_left is not Capability.member_left

    @listener(wants="keeps_leavers")
    async def on_raw_member_remove(self, payload: discord.RawMemberRemoveEvent) -> None:
        guild = self.bot.get_guild(payload.guild_id)
        if guild is not None:
            await self.member_left(guild, payload.user.id)

    async def member_left(self, guild: discord.Guild, member_id: int) -> None:
        """What this capability does when a member leaves the server (override)."""

    async def profile_lines(self, session: AsyncSession, guild_id: int, member_id: int, language: str) -> list[str]:
        """Lines this capability adds to the member's `/profile show`, read in its transaction (override)."""
        return []

    def busy(self) -> bool:
        """True while something this capability started is still running (override to count a writer's queue)."""
        return bool(self.inflight.running())

    async def idle(self) -> None:
        """Return once nothing this capability started is still running (override to flush a writer too)."""
        await self.inflight.idle()
