"""The Agora bot: wires settings, database, scheduler, translator and cogs together in `setup_hook`."""

from __future__ import annotations

import asyncio
import functools
import importlib
import json
import logging
from collections.abc import Callable, Coroutine, Sequence
from types import TracebackType
from typing import Any

import discord
import yarl
from discord import app_commands
from discord.ext import commands
from sqlalchemy.ext.asyncio import AsyncSession

from bot.capability import Capability
from bot.config import Settings
from bot.database import Database
from bot.errors import ConfigError
from bot.members import freeze_what_started, release_memory
from bot.pacing import Pacer
from bot.replies import Watchdog
from bot.scheduler import Scheduler
from bot.translator import CommandTranslator
from bot.tree import AgoraTree
from bot.ui import Components
from cogs import COGS
from models import command_sync, guild_settings
from models.base import utcnow
from models.guild_settings import Defaults, GuildContext
from models.sharding import Shards

log = logging.getLogger(__name__)

# A listener declared with `wants`: the filter deciding, without a task, whether its handler runs for an event.
Route = tuple[Callable[..., bool], Callable[..., Coroutine[Any, Any, None]]]

AppCommand = app_commands.Command[Any, ..., Any] | app_commands.Group | app_commands.ContextMenu
# Each command's localized payload by its unlocalized one (see `Agora._payload`): one process runs many bots in tests.
LOCALIZED_PAYLOADS: dict[str, dict[str, Any]] = {}


def intents() -> discord.Intents:
    """Default intents plus members (joins for onboarding) and message content (the knowledge base indexes the
    knowledge channel's posts and keeps them current on edits); no presences."""
    chosen = discord.Intents.default()
    chosen.members = True
    chosen.message_content = True
    return chosen


def member_cache_flags() -> discord.MemberCacheFlags:
    """Only members in a voice channel are kept (sessions count who is there); everyone else is read when needed
    (`bot.members`): a cached member costs about 2 KB, a server of 100,000 about 200 MB for nothing."""
    return discord.MemberCacheFlags(voice=True, joined=False)


# Gateway events discord.py dispatches only for cached users, and the event their listeners receive.
SCHEDULED_EVENT_USERS = {
    "GUILD_SCHEDULED_EVENT_USER_ADD": "scheduled_event_user_add",
    "GUILD_SCHEDULED_EVENT_USER_REMOVE": "scheduled_event_user_remove",
}


class Agora(commands.Bot):
    db: Database
    scheduler: Scheduler

    def __init__(
        self,
        settings: Settings,
        *,
        cogs: Sequence[str] = COGS,
        guild_ready_timeout: float | None = None,
        force_sync: bool = False,
    ) -> None:
        """`guild_ready_timeout` overrides `discord.ready_timeout` (tests shorten it); `force_sync` syncs the
        commands at login even when they did not change."""
        chosen = intents()
        super().__init__(
            **self.shard_options(settings),
            command_prefix=commands.when_mentioned,
            help_command=None,
            intents=chosen,
            tree_cls=AgoraTree,
            # Nothing the bot posts pings @everyone, @here or a role unless that one message opts in.
            allowed_mentions=discord.AllowedMentions(everyone=False, roles=False, users=True, replied_user=True),
            member_cache_flags=member_cache_flags(),
            chunk_guilds_at_startup=False,
            max_messages=None,
            guild_ready_timeout=settings.discord.ready_timeout if guild_ready_timeout is None else guild_ready_timeout,
        )
        self.settings = settings
        self.force_sync = force_sync
        parsers = self._connection.parsers
        for event, name in SCHEDULED_EVENT_USERS.items():
            parsers[event] = functools.partial(self._event_user, parsers[event], name)
        self.synced: dict[str, int] = {}  # what this start synced: commands per scope
        self.cog_modules = tuple(cogs)
        self.components = Components(self)
        self.watchdog = Watchdog()
        self.pacer = Pacer()
        self._count_requests()
        self._catching_up = False
        self.caught_up = asyncio.Event()
        self._shutdown: asyncio.Task[None] | None = None
        self._routes: dict[str, list[Route]] = {}

    def _count_requests(self) -> None:
        """Discord's global rate limit counts every request the bot makes (answers to interactions aside, which go
        through their own webhook routes): each one passes through the pacer that spaces fan-outs."""
        request = self.http.request

        async def counted(route: discord.http.Route, **kwargs: Any) -> Any:
            async with self.pacer.counted():
                return await request(route, **kwargs)

        self.http.request = counted  # type: ignore[method-assign]

    def _event_user(self, parse: Callable[[Any], None], name: str, data: Any) -> None:
        """discord.py drops an "interested" change of a user it has not cached, and Agora caches few members: such a
        change is passed on with the user as a bare id (`discord.Object`), which is all listeners read."""
        guild = self.get_guild(int(data["guild_id"]))
        event = guild.get_scheduled_event(int(data["guild_scheduled_event_id"])) if guild is not None else None
        user_id = int(data["user_id"])
        if event is not None and self.get_user(user_id) is None:
            self.dispatch(name, event, discord.Object(id=user_id))
            return
        parse(data)

    @staticmethod
    def shard_options(settings: Settings) -> dict[str, Any]:
        """What discord.py's client needs to know about shards (nothing: one connection, Discord's shard 0 of 1)."""
        return {}

    @property
    def shards_here(self) -> Shards:
        """The shards this process runs: it handles their servers' events, jobs and catch-up, and no other's."""
        return self.settings.discord.shards

    def owns_guild(self, guild_id: int | None) -> bool:
        """Whether this process handles `guild_id` (None: work without a server, done by shard 0's process)."""
        return self.shards_here.owns(guild_id)

    async def login(self, token: str) -> None:
        # Where Discord is (a REST proxy, or the local emulator in tests); the other change to discord.py's own
        # behaviour is `_event_user`.
        discord.http.Route.BASE = self.settings.discord.api_base
        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(self.settings.discord.gateway_url)
        await super().login(token)

    async def prepare(self, *, migrate: bool) -> None:
        """Open the database, bring its schema up to date if asked, load the cogs. No Discord connection needed."""
        self.db = Database(self.settings.database.url)
        await self.db.check()
        if migrate:
            await self.db.migrate()
        await self.db.erase_deleted()  # a crash after a commit may have left destroyed rows in the log
        self.scheduler = Scheduler(self.db, shards=self.shards_here)
        await self.tree.set_translator(CommandTranslator())
        for module in self.cog_modules:
            await self.add_capability(module)
        for guild_id in self.settings.discord.sync_guilds:
            self.tree.copy_global_to(guild=discord.Object(guild_id))

    async def add_capability(self, module: str) -> None:
        """Add the cog a module's `setup(bot)` builds. Not a discord.py extension: closing a bot unloads its extensions
        and drops their modules, so every bot of a process (each restart of a test) imported every cog package again."""
        await importlib.import_module(module).setup(self)

    async def setup_hook(self) -> None:
        await self.prepare(migrate=self.settings.database.migrate_on_start)
        pending = await self.db.pending_migrations()
        if pending:
            raise ConfigError(
                f"database.url: {len(pending)} migration(s) pending; run `python -m bot migrate` "
                "or set database.migrate_on_start = true"
            )
        if self.force_sync or self.shards_here.first:
            self.synced = await self.sync_commands(force=self.force_sync)
        else:  # several processes start together: only one may spend Discord's daily quota of command updates
            log.info("commands are synced by the process that runs shard 0")

    def sync_scopes(self) -> dict[str, discord.Object | None]:
        """Where commands are registered: each of `discord.sync_guilds`, or globally when there is none."""
        guild_ids = self.settings.discord.sync_guilds
        if not guild_ids:
            return {command_sync.GLOBAL_SCOPE: None}
        return {command_sync.guild_scope(guild_id): discord.Object(guild_id) for guild_id in guild_ids}

    async def command_payloads(self) -> dict[str, list[dict[str, Any]]]:
        """Per scope, the exact body a sync sends: each command's dict, localized by the translator."""
        return {
            scope: [await self._payload(command) for command in self.tree.get_commands(guild=guild)]
            for scope, guild in self.sync_scopes().items()
        }

    async def _payload(self, command: AppCommand) -> dict[str, Any]:
        """One command localized in every language; remembered per process by its unlocalized form, since
        localizing every command costs a tenth of a second at each start."""
        translator = self.tree.translator
        plain: dict[str, Any] = command.to_dict(self.tree)
        if translator is None:
            return plain
        key = json.dumps(plain, sort_keys=True)
        found = LOCALIZED_PAYLOADS.get(key)
        if found is None:
            found = LOCALIZED_PAYLOADS[key] = await command.get_translated_payload(self.tree, translator)
        return found

    async def sync_commands(self, *, force: bool = False) -> dict[str, int]:
        """Bulk-overwrite the commands of each scope whose payload changed since its last sync (or all, if `force`).

        Returns how many commands each synced scope now has; unchanged scopes are left alone.
        """
        if self.application_id is None:  # known once logged in
            raise discord.app_commands.MissingApplicationID
        wanted = await self.command_payloads()
        async with self.db.transaction() as session:
            last = await command_sync.synced(session, self.application_id)
        done: dict[str, int] = {}
        for scope, guild in self.sync_scopes().items():
            digest = command_sync.payload_hash(wanted[scope])
            if not force and last.get(scope) == digest:
                log.info("commands unchanged since the last sync (%s); `python -m bot sync` forces one", scope)
                continue
            synced = await self.upload_commands(guild, wanted[scope])
            async with self.db.transaction() as session:
                await command_sync.record_sync(session, self.application_id, scope, digest, now=utcnow())
            log.info("synced %d command(s) to %s", synced, scope)
            done[scope] = synced
        return done

    async def upload_commands(self, guild: discord.Object | None, payload: list[dict[str, Any]]) -> int:
        """What `CommandTree.sync` does (a bulk overwrite), with the payload already localized and hashed."""
        if self.application_id is None:
            raise discord.app_commands.MissingApplicationID
        if guild is None:
            answer = await self.http.bulk_upsert_global_commands(self.application_id, payload=payload)
        else:
            answer = await self.http.bulk_upsert_guild_commands(self.application_id, guild.id, payload=payload)
        return len(answer)

    async def on_ready(self) -> None:
        """On the first READY only: catch up on what happened while offline, and let scheduled jobs run.

        Catch-ups run in the background (slow Discord reads do not hold up anything); jobs that depend on one wait
        for it. `caught_up` is set once every catch-up has finished.
        """
        if self._catching_up:
            return
        self._catching_up = True
        catch_ups = [cog.reconcile() for cog in self.capabilities()]
        await self.scheduler.start()
        log.info("ready as %s in %d guild(s)", self.identity, len(self.guilds))
        await asyncio.gather(*catch_ups)
        release_memory(sum(guild.member_count or 0 for guild in self.guilds))
        freeze_what_started()
        self.caught_up.set()

    async def on_interaction(self, interaction: Interaction) -> None:
        self.watchdog.watch(interaction, may_open_form=self.components.may_open_form(interaction))
        await self.components.route(interaction)

    def add_dynamic_items(self, *items: type[discord.ui.DynamicItem[Any]]) -> None:
        super().add_dynamic_items(*items)
        self.components.note_items(items, added=True)

    def remove_dynamic_items(self, *items: type[discord.ui.DynamicItem[Any]]) -> None:
        super().remove_dynamic_items(*items)
        self.components.note_items(items, added=False)

    def route(self, event: str, wants: Callable[..., bool], handler: Callable[..., Coroutine[Any, Any, None]]) -> None:
        """Run `handler` for the `event`s that `wants` accepts (`@listener(wants=...)`), and make no task for others."""
        self._routes.setdefault(event, []).append((wants, handler))

    def unroute(self, owner: object) -> None:
        for event, routes in self._routes.items():
            self._routes[event] = [route for route in routes if getattr(route[1], "__self__", None) is not owner]

    def dispatch(self, event_name: str, /, *args: Any, **kwargs: Any) -> None:
        super().dispatch(event_name, *args, **kwargs)
        event = "on_" + event_name
        for wants, handler in self._routes.get(event, ()):
            try:
                wanted = wants(*args, **kwargs)
            except Exception:
                log.exception("deciding whether %s wants %s failed; it gets the event", handler.__qualname__, event)
                wanted = True
            if wanted:
                self._schedule_event(handler, event, *args, **kwargs)

    def capabilities(self) -> list[Capability]:
        return [cog for cog in list(self.cogs.values()) if isinstance(cog, Capability)]

    async def idle(self) -> None:
        """Return once nothing Agora started is still running: event handlers, catch-ups, writers, running jobs.

        Tests await it (through their harness) instead of waiting for a quiet period.
        """
        while True:
            await asyncio.sleep(0)  # handlers just scheduled by discord.py take their first step and show up
            busy = [cog.idle() for cog in self.capabilities() if cog.busy()]
            if hasattr(self, "scheduler") and self.scheduler.busy():
                busy.append(self.scheduler.idle())
            if not busy:
                return
            await asyncio.gather(*busy)

    @property
    def defaults(self) -> Defaults:
        return Defaults(locale=self.settings.locale.default, timezone=self.settings.locale.timezone)

    async def context(
        self, session: AsyncSession, guild_id: int, interaction: Interaction | None = None
    ) -> GuildContext:
        """The server's language, time zone and settings for one unit of work, read in its transaction.

        With the `interaction` being answered, replies follow the member's language, and the server's language is
        the one Discord sent with it (fresher than the cache).
        """
        guild = self.get_guild(guild_id)
        guild_locale = str(guild.preferred_locale) if guild is not None else None
        if interaction is not None and interaction.guild_id == guild_id and interaction.guild_locale:
            guild_locale = str(interaction.guild_locale)
        return await guild_settings.load_context(
            session,
            guild_id,
            defaults=self.defaults,
            guild_locale=guild_locale,
            member_locale=str(interaction.locale) if interaction is not None else None,
        )

    async def read_context(self, guild_id: int, interaction: Interaction | None = None) -> GuildContext:
        """`context` in a transaction of its own, for a reply or a post that reads nothing else."""
        async with self.db.transaction() as session:
            return await self.context(session, guild_id, interaction)

    @property
    def identity(self) -> str:
        """`name#id` of the bot's account, as operators find it in the Developer Portal."""
        return f"{self.user.name}#{self.user.id}" if self.user else "(not logged in)"

    async def close(self) -> None:
        """Stop the scheduled jobs, leave the gateway, close the database. Every caller (a signal, the CLI's
        `async with`, discord.py itself) awaits the same shutdown, which runs once and says so in one log line."""
        if self._shutdown is None:
            self._shutdown = asyncio.get_running_loop().create_task(self._shut_down(), name="agora-shutdown")
        await self._shutdown

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, traceback: TracebackType | None
    ) -> None:
        # discord.py's own exit awaits only its connection's close when that began first (e.g. on a signal).
        await self.close()

    async def _shut_down(self) -> None:
        self.watchdog.close()
        if hasattr(self, "scheduler"):
            await self.scheduler.shutdown()
        await super().close()
        if hasattr(self, "db"):
            await self.db.dispose()
        if self.user is not None:
            log.info("stopped as %s: disconnected, scheduled jobs stopped, database closed", self.identity)


class ShardedAgora(Agora, commands.AutoShardedBot):
    """Agora on discord.py's sharded client: one gateway connection per shard of `discord.shard_ids`."""

    @staticmethod
    def shard_options(settings: Settings) -> dict[str, Any]:
        count = settings.discord.shard_count
        return {
            "shard_count": count if isinstance(count, int) else None,  # None: ask Discord (GET /gateway/bot)
            "shard_ids": settings.discord.shard_ids,
        }


def new_bot(settings: Settings, **options: Any) -> Agora:
    """Agora for these settings: the sharded client when `discord.shard_count` is set, else the plain one."""
    kind = ShardedAgora if settings.discord.sharded else Agora
    return kind(settings, **options)


Interaction = discord.Interaction[Agora]
