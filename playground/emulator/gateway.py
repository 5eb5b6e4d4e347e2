"""The websocket gateway: HELLO, IDENTIFY/READY, heartbeats, RESUME with replay, compressed frames, shards.

Opcodes and close codes: https://discord.com/developers/docs/topics/opcodes-and-status-codes#gateway
Sharding (https://discord.com/developers/docs/events/gateway#sharding): an IDENTIFY with `shard: [id, count]` opens
one session per shard; a server's events go to shard `(guild_id >> 22) % count` only, DMs to shard 0. A server with
more members than the IDENTIFY's `large_threshold` is `large`: its GUILD_CREATE lists only the bot (and members in
voice), the rest come on request (op 8) as GUILD_MEMBERS_CHUNKs of up to 1,000 members.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import secrets
import zlib
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import aiohttp
from aiohttp import web

from . import payloads
from .state import Guild, Json, State

log = logging.getLogger(__name__)

DISPATCH, HEARTBEAT, IDENTIFY, RESUME, REQUEST_MEMBERS = 0, 1, 2, 6, 8
INVALID_SESSION, HELLO, HEARTBEAT_ACK = 9, 10, 11
INVALID_SHARD = 4010
LARGE_THRESHOLD_DEFAULT, LARGE_THRESHOLD_RANGE = 50, (50, 250)
CHUNK_SIZE = 1000  # members per GUILD_MEMBERS_CHUNK
SESSION_START_LIMIT = 1000  # IDENTIFYs a bot may send per day
GUILDS_PER_SHARD = 1000  # Discord recommends a shard per 1,000 servers (2,500 at most)
HEARTBEAT_INTERVAL = 41.25  # seconds, as Discord's HELLO announces it today
HEARTBEAT_ACK_DELAY = 0.05  # seconds: an ordinary round trip to Discord (see Gateway._acknowledge)
REPLAY_BUFFER = 2000

# Intents: https://discord.com/developers/docs/events/gateway#list-of-intents
GUILDS, GUILD_MEMBERS, GUILD_MESSAGES, GUILD_REACTIONS = 1 << 0, 1 << 1, 1 << 9, 1 << 10
DIRECT_MESSAGES, DIRECT_REACTIONS, MESSAGE_CONTENT, SCHEDULED_EVENTS = 1 << 12, 1 << 13, 1 << 15, 1 << 16
GUILD_VOICE_STATES = 1 << 7

_GUILD_INTENT = {
    "GUILD_MEMBER_": GUILD_MEMBERS,
    "GUILD_SCHEDULED_EVENT_": SCHEDULED_EVENTS,
    "VOICE_STATE_": GUILD_VOICE_STATES,
    "GUILD_": GUILDS,
    "CHANNEL_": GUILDS,
    "THREAD_": GUILDS,
    "MESSAGE_REACTION_": GUILD_REACTIONS,
    "MESSAGE_": GUILD_MESSAGES,
}


def required_intent(event: str, data: Json) -> int:
    """The intent a session needs to receive `event` (0 when always sent)."""
    in_guild = "guild_id" in data or event.startswith("GUILD_")
    for prefix, intent in _GUILD_INTENT.items():
        if event.startswith(prefix):
            if not in_guild and intent == GUILD_MESSAGES:
                return DIRECT_MESSAGES
            if not in_guild and intent == GUILD_REACTIONS:
                return DIRECT_REACTIONS
            return intent
    return 0


class Encoder:
    """One compressor per connection, flushed per frame, as the query string asked."""

    def __init__(self, compress: str | None) -> None:
        self.compress = compress
        self._zlib = zlib.compressobj() if compress == "zlib-stream" else None
        self._zstd: Any = None
        if compress == "zstd-stream":
            import zstandard

            self._zstd = zstandard.ZstdCompressor().compressobj()
            self._flush_block = zstandard.COMPRESSOBJ_FLUSH_BLOCK

    def encode(self, frame: Json) -> bytes | str:
        text = json.dumps(frame, separators=(",", ":"), ensure_ascii=False)
        if self._zlib is not None:
            raw = text.encode()
            return self._zlib.compress(raw) + self._zlib.flush(zlib.Z_SYNC_FLUSH)
        if self._zstd is not None:
            return bytes(self._zstd.compress(text.encode()) + self._zstd.flush(self._flush_block))
        return text


@dataclass(eq=False)
class Connection:
    ws: web.WebSocketResponse
    encoder: Encoder
    queue: asyncio.Queue[Json] = field(default_factory=asyncio.Queue)
    session: Session | None = None
    dropped: bool = False
    transport: asyncio.BaseTransport | None = None
    barriers: list[tuple[int, asyncio.Future[None]]] = field(default_factory=list)

    def heartbeat_received(self, seq: int) -> None:
        """A client heartbeat carries its last processed seq: release barriers up to it."""
        waiting = []
        for target, future in self.barriers:
            if seq >= target:
                if not future.done():
                    future.set_result(None)
            else:
                waiting.append((target, future))
        self.barriers = waiting

    def release_all(self) -> None:
        self.heartbeat_received(1 << 62)

    async def write_forever(self) -> None:
        """Send queued frames in order; one writer keeps the compressor's stream consistent."""
        while True:
            frame = await self.queue.get()
            data = self.encoder.encode(frame)
            try:
                if isinstance(data, bytes):
                    await self.ws.send_bytes(data)
                else:
                    await self.ws.send_str(data)
            except (ConnectionError, RuntimeError):
                return


def shard_of(guild_id: int, shard_count: int) -> int:
    return (guild_id >> 22) % shard_count


def event_guild(event: str, data: Json) -> int | None:
    """The server an event is about (None: a DM or an event without a server, which goes to shard 0)."""
    if event in ("GUILD_CREATE", "GUILD_UPDATE", "GUILD_DELETE"):
        return int(data["id"])
    guild_id = data.get("guild_id")
    return int(guild_id) if guild_id else None


@dataclass(eq=False)
class Session:
    id: str
    intents: int
    seq: int = 0
    buffer: deque[Json] = field(default_factory=lambda: deque(maxlen=REPLAY_BUFFER))
    connection: Connection | None = None
    shard: tuple[int, int] | None = None  # (id, count) from IDENTIFY; None: the only session, sees everything
    large_threshold: int = LARGE_THRESHOLD_DEFAULT

    def receives(self, guild_id: int | None) -> bool:
        """Whether Discord routes a server's events (None: DMs) to this session."""
        if self.shard is None:
            return True
        shard_id, count = self.shard
        return shard_id == 0 if guild_id is None else shard_of(guild_id, count) == shard_id

    def push(self, event: str, data: Json) -> None:
        """Number the event, keep it for a RESUME, and send it if connected."""
        self.seq += 1
        frame = {"op": DISPATCH, "t": event, "s": self.seq, "d": data}
        self.buffer.append(frame)
        if self.connection is not None:
            self.connection.queue.put_nowait(frame)


class Gateway:
    """Serves /gateway; `dispatch` fans an event out to every live session that may see it."""

    def __init__(
        self, state: State, token: str, url: Callable[[], str], *, heartbeat_interval: float = HEARTBEAT_INTERVAL
    ) -> None:
        self.state = state
        self.heartbeat_interval = heartbeat_interval
        self.ack_delay = HEARTBEAT_ACK_DELAY
        self.token = token
        self.url = url
        self.sessions: dict[str, Session] = {}
        self.connections: set[Connection] = set()
        self.events: list[tuple[str, Json]] = []
        self.identifies = 0
        self.identified_shards: list[tuple[int, int] | None] = []  # each IDENTIFY's shard, in order
        self.resumes = 0
        self.recommended_shards: int | None = None  # GET /gateway/bot's `shards` (None: one per 1,000 servers)
        self.session_starts_left = SESSION_START_LIMIT
        self.compressions: list[str | None] = []

    def dispatch(self, event: str, data: Json) -> None:
        """Send `event` to sessions whose intents cover it; recorded in `events` either way."""
        self.events.append((event, data))
        needed = required_intent(event, data)
        guild_id = event_guild(event, data)
        for session in self.sessions.values():
            if (needed and not session.intents & needed) or not session.receives(guild_id):
                continue
            session.push(event, self._visible(session, event, data))

    def session_of(self, shard_id: int | None) -> Session | None:
        """The live session of a shard (None: the unsharded session)."""
        for session in self.sessions.values():
            if (session.shard[0] if session.shard else None) == shard_id:
                return session
        return None

    def _visible(self, session: Session, event: str, data: Json) -> Json:
        """Blank message content for sessions without MESSAGE_CONTENT, as Discord does."""
        if session.intents & MESSAGE_CONTENT or event not in ("MESSAGE_CREATE", "MESSAGE_UPDATE"):
            return data
        bot_id = str(self.state.bot_user.id)
        author = (data.get("author") or {}).get("id")
        mentioned = any(u.get("id") == bot_id for u in data.get("mentions") or [])
        if author == bot_id or "guild_id" not in data or mentioned:
            return data
        return {**data, "content": "", "embeds": [], "attachments": [], "components": []}

    async def sync(self, timeout: float = 30.0) -> None:  # noqa: ASYNC109 (mirrors the driver's API)
        """Return once every connected client processed all events sent so far.

        The server asks for a heartbeat (op 1); the client answers with the last seq it handled, and
        discord.py parses dispatches in order before answering.
        """
        loop = asyncio.get_running_loop()
        futures = []
        for session in self.sessions.values():
            connection = session.connection
            if connection is None:
                continue
            future: asyncio.Future[None] = loop.create_future()
            connection.barriers.append((session.seq, future))
            connection.queue.put_nowait({"op": HEARTBEAT, "d": None})
            futures.append(future)
        if not futures:
            return
        try:
            async with asyncio.timeout(timeout):
                await asyncio.gather(*futures)
        except TimeoutError:
            raise AssertionError(f"the bot did not process gateway events within {timeout:g} s") from None

    async def drop(self, code: int | None = 4000, *, shard: int | None = None) -> None:
        """Close every connection (or the one of `shard`) as a fault would, keeping sessions resumable.

        With a close `code` the client gets a close frame; with None the TCP connection is cut (abnormal 1006).
        """
        for connection in list(self.connections):
            held = connection.session.shard if connection.session is not None else None
            if shard is not None and (held is None or held[0] != shard):
                continue
            connection.dropped = True
            connection.release_all()
            if connection.session is not None:
                connection.session.connection = None
            if code is None and isinstance(connection.transport, asyncio.WriteTransport):
                connection.transport.abort()
            else:
                await connection.ws.close(code=code or 4000, message=b"emulated drop")

    async def close_all(self) -> None:
        for connection in list(self.connections):
            await connection.ws.close(code=1001, message=b"emulator shutting down")
        self.sessions.clear()

    async def handle(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(autoping=True, max_msg_size=0)
        await ws.prepare(request)
        compress = request.query.get("compress")
        self.compressions.append(compress)
        connection = Connection(ws=ws, encoder=Encoder(compress), transport=request.transport)
        self.connections.add(connection)
        writer = asyncio.get_running_loop().create_task(connection.write_forever())
        connection.queue.put_nowait({"op": HELLO, "d": {"heartbeat_interval": round(self.heartbeat_interval * 1000)}})
        try:
            async for message in ws:
                if message.type == aiohttp.WSMsgType.TEXT:
                    await self._on_frame(connection, json.loads(message.data))
        finally:
            self._detach(connection)
            writer.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await writer
        return ws

    def _detach(self, connection: Connection) -> None:
        """A client closing with 1000/1001 ends its session; anything else leaves it resumable."""
        self.connections.discard(connection)
        connection.release_all()
        session = connection.session
        if session is None or session.connection is not connection:
            return
        session.connection = None
        if not connection.dropped and connection.ws.close_code in (1000, 1001):
            self.sessions.pop(session.id, None)

    async def _on_frame(self, connection: Connection, frame: Json) -> None:
        op, data = frame.get("op"), frame.get("d")
        if op == HEARTBEAT:
            connection.heartbeat_received(data if isinstance(data, int) else 0)
            self._acknowledge(connection)
        elif op == IDENTIFY:
            await self._identify(connection, data or {})
        elif op == RESUME:
            await self._resume(connection, data or {})
        elif op == REQUEST_MEMBERS:
            self._request_members(connection, data or {})

    def _acknowledge(self, connection: Connection) -> None:
        """Answer a heartbeat with op 11 after a network's round trip, as Discord's ACK arrives.

        discord.py's heartbeat thread stamps its send time only once the send returned; an ACK back sooner (loopback)
        is measured against the previous heartbeat, so `latency` reads a whole interval and, past 10 s, the client
        warns "Can't keep up". The delay only postpones the ACK frame: nothing in the emulator waits on it.
        """
        ack = {"op": HEARTBEAT_ACK}
        asyncio.get_running_loop().call_later(self.ack_delay, connection.queue.put_nowait, ack)

    async def _identify(self, connection: Connection, data: Json) -> None:
        if data.get("token") != self.token:
            await connection.ws.close(code=4004, message=b"Authentication failed.")
            return
        try:
            shard = _shard(data.get("shard"))
        except ValueError:
            await connection.ws.close(code=INVALID_SHARD, message=b"Invalid shard.")
            return
        self.identifies += 1
        self.identified_shards.append(shard)
        self.session_starts_left = max(0, self.session_starts_left - 1)
        # A fresh IDENTIFY supersedes the older session of its shard (or every session, unsharded or resharded):
        # nothing is replayed to it.
        for old in list(self.sessions.values()):
            if shard is None or old.shard is None or old.shard == shard or old.shard[1] != shard[1]:
                del self.sessions[old.id]
        session = Session(
            id=secrets.token_hex(16),
            intents=int(data.get("intents") or 0),
            shard=shard,
            large_threshold=_large_threshold(data.get("large_threshold")),
        )
        self.sessions[session.id] = session
        session.connection = connection
        connection.session = session
        session.push("READY", self._ready(session))
        for guild in self.state.guilds.values():
            if not session.receives(guild.id):
                continue
            payload = payloads.guild(self.state, guild, members_included=bool(session.intents & GUILD_MEMBERS))
            if len(guild.members) > session.large_threshold:
                payload = _large(self.state, guild, payload)
            session.push("GUILD_CREATE", payload)

    def _ready(self, session: Session) -> Json:
        return {
            "v": 10,
            "user": payloads.me(self.state.bot_user),
            "guilds": [{"id": str(g), "unavailable": True} for g in self.state.guilds if session.receives(g)],
            "session_id": session.id,
            "session_type": "normal",
            "resume_gateway_url": self.url(),
            "application": {"id": str(self.state.application_id), "flags": payloads.APPLICATION_FLAGS},
            "private_channels": [],
            "relationships": [],
            "presences": [],
            "guild_join_requests": [],
            "geo_ordered_rtc_regions": [],
            "user_settings": {},
        } | ({"shard": list(session.shard)} if session.shard else {})

    async def _resume(self, connection: Connection, data: Json) -> None:
        session = self.sessions.get(str(data.get("session_id")))
        if session is None or data.get("token") != self.token:
            connection.queue.put_nowait({"op": INVALID_SESSION, "d": False})
            return
        self.resumes += 1
        last_seen = int(data.get("seq") or 0)
        session.connection = connection
        connection.session = session
        for frame in session.buffer:
            if frame["s"] > last_seen:
                connection.queue.put_nowait(frame)
        session.push("RESUMED", {})

    def _request_members(self, connection: Connection, data: Json) -> None:
        """Answer op 8 with GUILD_MEMBERS_CHUNKs of up to 1,000 members (one, empty, when none match); only on the
        shard that has the server."""
        session = connection.session
        guild = self.state.guilds.get(int(data.get("guild_id") or 0))
        if session is None or guild is None or not session.receives(guild.id):
            return
        members = list(guild.members.values())
        if data.get("user_ids"):
            wanted = {int(u) for u in data["user_ids"]}
            members = [m for m in members if m.id in wanted]
        elif data.get("query"):
            members = [m for m in members if m.user.username.startswith(str(data["query"]))]
        limit = int(data.get("limit") or 0)
        if limit:
            members = members[:limit]
        parts = [members[start : start + CHUNK_SIZE] for start in range(0, len(members), CHUNK_SIZE)] or [[]]
        for index, part in enumerate(parts):
            chunk: Json = {
                "guild_id": str(guild.id),
                "members": [payloads.member(m) for m in part],
                "chunk_index": index,
                "chunk_count": len(parts),
                "not_found": [],
            }
            if data.get("nonce") is not None:
                chunk["nonce"] = data["nonce"]
            session.push("GUILD_MEMBERS_CHUNK", chunk)


def _shard(value: Any) -> tuple[int, int] | None:
    """IDENTIFY's `shard` as (id, count), None when absent; ValueError when Discord would refuse it (close 4010)."""
    if value is None:
        return None
    if not isinstance(value, list) or len(value) != 2 or not all(isinstance(part, int) for part in value):
        raise ValueError(value)
    shard_id, count = value
    if not 0 <= shard_id < count:
        raise ValueError(value)
    return shard_id, count


def _large_threshold(value: Any) -> int:
    low, high = LARGE_THRESHOLD_RANGE
    return min(max(int(value), low), high) if isinstance(value, int) else LARGE_THRESHOLD_DEFAULT


def _large(state: State, guild: Guild, payload: Json) -> Json:
    """A large server's GUILD_CREATE: the bot and members in voice only (no presences: nobody is online)."""
    listed = {state.bot_user.id, *guild.voice_states}
    members = [payloads.member(member) for member in guild.members.values() if member.id in listed]
    return {**payload, "large": True, "members": members}
