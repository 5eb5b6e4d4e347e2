"""The test-facing API: start an emulated Discord, build its world, wait on it, send interactions."""

from __future__ import annotations

import asyncio
import datetime
import inspect
import logging
import socket
from collections.abc import Callable, Iterable
from typing import Any, Self

from aiohttp import web

from . import events as scheduled
from . import interactions as build
from . import (
    payloads,
    routes_app,
    routes_events,
    routes_guilds,
    routes_interactions,
    routes_manage,
    routes_messages,
    routes_pins,
    routes_threads,
    seed,
    threads,
)
from .core import Core
from .faults import Faults
from .gateway import HEARTBEAT_INTERVAL, Gateway, Session
from .interactions import DriverError
from .journal import Journal, Rejection, RestRequest, Violation
from .limits import Limits
from .members import MemberDriver
from .rest import Rest, RouteTable
from .state import (
    CHANNEL_TYPES,
    Channel,
    Guild,
    Interaction,
    Json,
    Member,
    Message,
    Overwrite,
    Role,
    ScheduledEvent,
    State,
    User,
)

log = logging.getLogger(__name__)

DEFAULT_TOKEN = "emulator.bot.token"
DEFERRED_ANSWER_WAIT = 30.0  # seconds a deferred answer may take (exports and charts at load)


def _routes() -> RouteTable:
    table = RouteTable()
    for module in (
        routes_app,
        routes_guilds,
        routes_messages,
        routes_interactions,
        routes_threads,
        routes_manage,
        routes_pins,
        routes_events,
    ):
        table.routes.extend(module.routes.routes)
    return table


class Emulator:
    """A local Discord: REST under /api/v10, the gateway at /gateway, and a driver for tests.

    `interaction_deadline` is Discord's 3-second rule; tests of that rule shorten it. `heartbeat_interval`
    (seconds) is what HELLO announces; tests of heartbeats shorten it.
    """

    def __init__(
        self,
        *,
        token: str = DEFAULT_TOKEN,
        interaction_deadline: float = 3.0,
        openapi: bool = True,
        heartbeat_interval: float = HEARTBEAT_INTERVAL,
        host: str = "127.0.0.1",
        port: int = 0,
        global_rate_limit: int | None = None,
    ) -> None:
        self.host, self.port = host, port
        state = seed.new_state()
        self.guild: Guild = seed.add_guild(state)
        gateway = Gateway(state, token, lambda: self.gateway_url, heartbeat_interval=heartbeat_interval)
        self.core = Core(
            state,
            gateway,
            Journal(),
            Faults(),
            token,
            interaction_deadline=interaction_deadline,
            openapi_enabled=openapi,
        )
        self.core.limits.global_rate = global_rate_limit
        self._runner: web.AppRunner | None = None
        self._expected_codes: set[int] = set()
        self._expect_any = False
        self.runners: list[Any] = []  # BotRunners attached to this emulator (their errors fail the test)

    # ---- lifecycle ----------------------------------------------------------------------------------
    async def start(self) -> Self:
        app = web.Application(client_max_size=64 * 1024 * 1024)
        rest = Rest(self.core, _routes())
        app.router.add_get("/gateway", self.core.gateway.handle)
        app.router.add_get("/attachments/{attachment_id}/{filename}", self._attachment)
        app.router.add_route("*", "/api/v10/{tail:.*}", rest.handle)
        app.router.add_route("*", "/{tail:.*}", rest.handle)
        self._runner = web.AppRunner(app, access_log=None, handle_signals=False, shutdown_timeout=0.1)
        await self._runner.setup()
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        # A sandbox restarted at once must not wait for its previous connections' TIME_WAIT to end.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((self.host, self.port))
        self.port = sock.getsockname()[1]
        await web.SockSite(self._runner, sock).start()
        self.core.base_url = f"http://{self.host}:{self.port}"
        self.state.cdn_url = self.core.base_url
        return self

    async def stop(self) -> None:
        """Stop attached bots first (so they do not try to reconnect), then the server."""
        for runner in self.runners:
            await runner.stop()
        await self.core.gateway.close_all()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> Self:
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    async def _attachment(self, request: web.Request) -> web.Response:
        """The CDN: files of messages, and files members attached to a command option."""
        wanted = request.match_info["attachment_id"]
        attached = (attachment for message in self.state.messages.values() for attachment in message.attachments)
        for attachment in (*attached, *self.state.uploads.values()):
            if str(attachment.id) == wanted:
                return web.Response(body=attachment.data, content_type=attachment.content_type)
        return web.Response(status=404)

    # ---- where the bot connects -----------------------------------------------------------------------
    @property
    def token(self) -> str:
        return self.core.token

    @property
    def http_url(self) -> str:
        """Value for `discord.http.Route.BASE`."""
        return f"{self.core.base_url}/api/v10"

    @property
    def gateway_url(self) -> str:
        """Value for `discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY` (and READY's resume_gateway_url)."""
        return f"ws://{self.host}:{self.port}/gateway"

    # ---- what happened ------------------------------------------------------------------------------
    @property
    def state(self) -> State:
        return self.core.state

    @property
    def bot(self) -> User:
        return self.core.state.bot_user

    @property
    def application_id(self) -> int:
        return self.core.state.application_id

    @property
    def requests(self) -> list[RestRequest]:
        return self.core.journal.requests

    @property
    def unknown_requests(self) -> list[RestRequest]:
        return self.core.journal.unknown_requests

    @property
    def rejections(self) -> list[Rejection]:
        return self.core.journal.rejections

    @property
    def openapi_violations(self) -> list[Violation]:
        return self.core.journal.openapi_violations

    @property
    def events(self) -> list[tuple[str, Json]]:
        """Every gateway dispatch (name, data), in order."""
        return self.core.gateway.events

    @property
    def faults(self) -> Faults:
        return self.core.faults

    @property
    def limits(self) -> Limits:
        """The global rate limit (off by default): `limits.global_rate = 50`; `limits.limited` lists each 429."""
        return self.core.limits

    @property
    def connected(self) -> bool:
        return any(s.connection is not None for s in self.core.gateway.sessions.values())

    def commands(self, guild: Guild | None = None) -> list[Json]:
        """Synced commands as Discord returns them (guild ones when `guild` is given)."""
        found = self.state.guild_commands.get(guild.id, []) if guild else self.state.global_commands
        return [payloads.command(c) for c in found]

    def expect_rejections(self, *codes: int) -> None:
        """Mark Discord refusals (by error code; none = any) as intended, so teardown does not fail on them."""
        if codes:
            self._expected_codes.update(codes)
        else:
            self._expect_any = True

    def unexpected_rejections(self) -> list[Rejection]:
        if self._expect_any:
            return []
        return [r for r in self.rejections if r.code not in self._expected_codes]

    async def drop_gateway(self, code: int | None = 4000, *, shard: int | None = None) -> None:
        """Close the bot's websocket (None: cut the TCP connection), or only the one of `shard`; the session stays
        resumable."""
        await self.core.gateway.drop(code, shard=shard)

    # ---- waiting ------------------------------------------------------------------------------------
    async def wait_for(self, predicate: Callable[[], Any], timeout: float = 30.0, what: str = "") -> Any:  # noqa: ASYNC109 (the driver's documented API)
        """Await a condition on state (re-checked on every change); returns its first truthy value."""
        return await self.core.journal.wait_for(predicate, timeout, what or _describe(predicate))

    async def settle(self, quiet: float = 0.02, timeout: float = 30.0) -> None:  # noqa: ASYNC109 (the driver's documented API)
        """Wait until the bot is idle: nothing in flight and nothing new for `quiet` seconds."""
        await self.core.journal.settle(quiet, timeout)

    # ---- building the world -------------------------------------------------------------------------
    async def member(
        self,
        name: str,
        *,
        guild: Guild | None = None,
        locale: str = "en-US",
        roles: Iterable[Role] = (),
        permissions: int | None = None,
        bot: bool = False,
        dms_open: bool = True,
    ) -> MemberDriver:
        """A new user who is a member of `guild` (default guild); dispatches GUILD_MEMBER_ADD.

        `permissions` gives the member a personal role with exactly those bits.
        """
        guild = guild or self.guild
        user = self.state.add_user(name, bot=bot, locale=locale)
        user.dms_open = dms_open
        role_ids = [r.id for r in roles]
        if permissions is not None:
            role_ids.append((await self.create_role(guild, f"{name}-perms", permissions=permissions)).id)
        member = Member(user=user, guild_id=guild.id, role_ids=role_ids)
        guild.members[user.id] = member
        await self._announce("GUILD_MEMBER_ADD", payloads.member(member) | {"guild_id": str(guild.id)})
        return MemberDriver(self, member)

    async def join(self, guild: Guild, name: str, **options: Any) -> MemberDriver:
        """`member()` in an explicit guild."""
        return await self.member(name, guild=guild, **options)

    async def rejoin(self, guild: Guild, user: User) -> MemberDriver:
        """A user who left comes back (same account, no roles); dispatches GUILD_MEMBER_ADD."""
        member = Member(user=user, guild_id=guild.id)
        guild.members[user.id] = member
        await self._announce("GUILD_MEMBER_ADD", payloads.member(member) | {"guild_id": str(guild.id)})
        return MemberDriver(self, member)

    async def leave(self, guild: Guild, member: MemberDriver | Member) -> None:
        """Remove a member; dispatches GUILD_MEMBER_REMOVE."""
        target = member.member if isinstance(member, MemberDriver) else member
        guild.members.pop(target.id, None)
        await self._announce("GUILD_MEMBER_REMOVE", {"guild_id": str(guild.id), "user": payloads.user(target.user)})

    def driver(self, member: Member | str, guild: Guild | None = None) -> MemberDriver:
        """A driver for an existing member (by name or object)."""
        found = (guild or self.guild).member(member) if isinstance(member, str) else member
        return MemberDriver(self, found)

    async def create_guild(self, name: str, *, locale: str = "en-US", shard: tuple[int, int] | None = None) -> Guild:
        """Another guild with the bot in it; dispatches GUILD_CREATE (to the shard that has it).

        `shard=(id, count)` picks its id so that Discord routes it to that shard: `(guild_id >> 22) % count == id`.
        """
        guild = seed.add_guild(self.state, name, locale=locale, shard=shard)
        await self._announce("GUILD_CREATE", payloads.guild(self.state, guild, members_included=True))
        return guild

    def add_members(self, guild: Guild, count: int, *, prefix: str = "member") -> list[Member]:
        """`count` members who were already in `guild` (no GUILD_MEMBER_ADD): a large server for sharding tests."""
        added = []
        for index in range(count):
            user = self.state.add_user(f"{prefix}{index}")
            member = Member(user=user, guild_id=guild.id)
            guild.members[user.id] = member
            added.append(member)
        return added

    def session(self, shard: int | None = None) -> Session | None:
        """The gateway session of `shard` (None: the unsharded one), or None when it has none."""
        return self.core.gateway.session_of(shard)

    def shard_connected(self, shard: int) -> bool:
        session = self.core.gateway.session_of(shard)
        return session is not None and session.connection is not None

    async def create_channel(
        self,
        guild: Guild,
        name: str,
        *,
        type: str = "text",
        tags: Iterable[str] = (),
        topic: str | None = None,
        parent: Channel | None = None,
        flags: int = 0,
    ) -> Channel:
        """A text/voice/category/forum channel (forum `tags` by name, `flags` such as REQUIRE_TAG = 16); dispatches
        CHANNEL_CREATE."""
        channel = Channel(
            id=self.state.new_id(),
            type=CHANNEL_TYPES[type],
            name=name,
            guild_id=guild.id,
            topic=topic,
            parent_id=parent.id if parent else None,
            position=len(guild.channels),
            flags=flags,
        )
        channel.available_tags = [
            {"id": str(self.state.new_id()), "name": tag, "moderated": False, "emoji_id": None, "emoji_name": None}
            for tag in tags
        ]
        self.state.add_channel(channel)
        await self._announce("CHANNEL_CREATE", payloads.channel(self.state, channel))
        return channel

    async def create_role(
        self, guild: Guild, name: str, *, permissions: int = 0, position: int | None = None, color: int = 0
    ) -> Role:
        """A role; without `position` it goes to 1 (just above @everyone) and the others move up, as on Discord."""
        if position is None:
            for other in guild.roles.values():
                if other.id != guild.id:
                    other.position += 1
            position = 1
        role = Role(
            id=self.state.new_id(),
            guild_id=guild.id,
            name=name,
            permissions=permissions,
            position=position,
            color=color,
        )
        guild.roles[role.id] = role
        await self._announce("GUILD_ROLE_CREATE", {"guild_id": str(guild.id), "role": payloads.role(role)})
        return role

    async def set_permissions(
        self, channel: Channel, target: Role | Member | MemberDriver, *, allow: int = 0, deny: int = 0
    ) -> None:
        """Set a channel overwrite for a role or member; dispatches CHANNEL_UPDATE."""
        member = target.member if isinstance(target, MemberDriver) else target
        kind = 0 if isinstance(member, Role) else 1
        channel.overwrites = [o for o in channel.overwrites if o.id != member.id]
        channel.overwrites.append(Overwrite(id=member.id, type=kind, allow=allow, deny=deny))
        await self._announce("CHANNEL_UPDATE", payloads.channel(self.state, channel))

    async def set_bot_permissions(self, guild: Guild, permissions: int) -> None:
        """Replace the bot role's permissions (to test refusals); dispatches GUILD_ROLE_UPDATE."""
        role = next(guild.roles[r] for r in guild.members[self.bot.id].role_ids)
        role.permissions = permissions
        await self._announce("GUILD_ROLE_UPDATE", {"guild_id": str(guild.id), "role": payloads.role(role)})

    async def update_thread(
        self, thread: Channel, *, name: str | None = None, tags: Iterable[str] | None = None
    ) -> None:
        """A moderator renames a thread or changes its forum tags; dispatches THREAD_UPDATE."""
        threads.update_thread(self.core, thread, name=name, tags=tags)
        await self.sync()

    async def delete_thread(self, thread: Channel) -> None:
        """A moderator deletes a thread with its messages; dispatches THREAD_DELETE."""
        threads.delete_thread(self.core, thread)
        await self.sync()

    async def advance_events(self, guild: Guild, now: datetime.datetime) -> list[ScheduledEvent]:
        """Apply what Discord does to scheduled events on its own by `now` (external events start and end at their
        times, events never started are cancelled hours later); returns the events changed."""
        changed = scheduled.automate(self.core, guild, now)
        await self.sync()
        return changed

    async def _announce(self, event: str, data: Json) -> None:
        """Dispatch, then wait until the bot has processed it (its cache is up to date)."""
        self.core.gateway.dispatch(event, data)
        self.core.journal.changed()
        await self.sync()

    async def sync(self) -> None:
        """Wait until the connected bot has parsed every gateway event sent so far (no-op without a bot)."""
        await self.core.gateway.sync()

    # ---- interactions -------------------------------------------------------------------------------
    async def interact(
        self,
        user: User,
        channel: Channel,
        kind: int,
        data: Json,
        *,
        label: str,
        source: Message | None = None,
        timeout: float | None = None,  # noqa: ASYNC109 (the driver's documented API)
    ) -> Interaction:
        """Send INTERACTION_CREATE and wait until the member has the bot's answer: its callback accepted and, when
        that was a deferral ("thinking…" or a component's silent defer), the follow-up or edit that came after."""
        if not self.connected:
            raise DriverError(f"cannot send {label}: no bot is connected to the gateway")
        interaction_id, token = self.state.new_id(), self.state.new_token()
        loop = asyncio.get_running_loop()
        inter = Interaction(
            interaction_id, token, kind, user.id, channel.id, channel.guild_id, data, loop.time(), label
        )
        inter.source_message_id = source.id if source else None
        self.state.interactions[interaction_id] = inter
        payload = build.envelope(
            self.state, kind=kind, user=user, channel=channel, data=data, token=token, interaction_id=interaction_id
        )
        if source is not None:
            payload["message"] = self.core.message_json(source)
        self.core.gateway.dispatch("INTERACTION_CREATE", payload)
        self.core.journal.changed()
        wait = self.core.interaction_deadline + 1.0 if timeout is None else timeout
        try:
            await self.wait_for(lambda: inter.response is not None, wait, label)
        except AssertionError:
            raise AssertionError(self._no_answer(inter, wait)) from None
        await self.wait_for(lambda: inter.answered, DEFERRED_ANSWER_WAIT, f"the answer to {label} after its deferral")
        return inter

    def _no_answer(self, inter: Interaction, waited: float) -> str:
        late = [r for r in self.rejections if r.request.path.startswith(f"/interactions/{inter.id}/")]
        why = f"; the bot's answer was refused: {late[0]}" if late else ""
        return f"no answer came to {inter.label} within {waited:g} s{why}"

    def default_channel(self, guild: Guild) -> Channel:
        return guild.text_channels()[0]


def _describe(predicate: Callable[[], Any]) -> str:
    """The predicate's source line, for a readable timeout message."""
    try:
        return inspect.getsource(predicate).strip()
    except (OSError, TypeError):
        return getattr(predicate, "__name__", "condition")
