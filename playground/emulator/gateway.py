"""The websocket gateway: HELLO, IDENTIFY/READY, heartbeats, RESUME with replay, compressed frames.

Opcodes and close codes: https://discord.com/developers/docs/topics/opcodes-and-status-codes#gateway
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
from .state import Json, State

log = logging.getLogger(__name__)

DISPATCH, HEARTBEAT, IDENTIFY, RESUME, REQUEST_MEMBERS = 0, 1, 2, 6, 8
INVALID_SESSION, HELLO, HEARTBEAT_ACK = 9, 10, 11
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


@dataclass(eq=False)
class Session:
    id: str
    intents: int
    seq: int = 0
    buffer: deque[Json] = field(default_factory=lambda: deque(maxlen=REPLAY_BUFFER))
    connection: Connection | None = None

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
        self.resumes = 0
        self.compressions: list[str | None] = []

    def dispatch(self, event: str, data: Json) -> None:
        """Send `event` to sessions whose intents cover it; recorded in `events` either way."""
        self.events.append((event, data))
        needed = required_intent(event, data)
        for session in self.sessions.values():
            if needed and not session.intents & needed:
                continue
            session.push(event, self._visible(session, event, data))

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

    async def drop(self, code: int | None = 4000) -> None:
        """Close every connection as a fault would, keeping sessions resumable.

        With a close `code` the client gets a close frame; with None the TCP connection is cut (abnormal 1006).
        """
        for connection in list(self.connections):
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
        self.identifies += 1
        # One bot, one session: a fresh IDENTIFY supersedes older sessions (nothing is replayed).
        self.sessions.clear()
        session = Session(id=secrets.token_hex(16), intents=int(data.get("intents") or 0))
        self.sessions[session.id] = session
        session.connection = connection
        connection.session = session
        session.push("READY", self._ready(session))
        for guild in self.state.guilds.values():
            session.push(
                "GUILD_CREATE",
                payloads.guild(self.state, guild, members_included=bool(session.intents & GUILD_MEMBERS)),
            )

    def _ready(self, session: Session) -> Json:
        return {
            "v": 10,
            "user": payloads.me(self.state.bot_user),
            "guilds": [{"id": str(g), "unavailable": True} for g in self.state.guilds],
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
        }

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
        """Answer op 8 with one GUILD_MEMBERS_CHUNK."""
        session = connection.session
        guild = self.state.guilds.get(int(data.get("guild_id") or 0))
        if session is None or guild is None:
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
        chunk: Json = {
            "guild_id": str(guild.id),
            "members": [payloads.member(m) for m in members],
            "chunk_index": 0,
            "chunk_count": 1,
            "not_found": [],
        }
        if data.get("nonce") is not None:
            chunk["nonce"] = data["nonce"]
        session.push("GUILD_MEMBERS_CHUNK", chunk)
