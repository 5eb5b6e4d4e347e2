"""The page's server: static files, JSON of what a member sees, their actions, and live updates (server-sent events).

The page names the member it acts as (`as`, a user id) in every call: several tabs can be several members at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from pathlib import Path
from typing import Any

from aiohttp import web

from .app import ActionError, Playground
from .emulator.state import DM, Json
from .view import fingerprint

log = logging.getLogger(__name__)

STATIC = Path(__file__).resolve().parent / "static"
WATCH_PERIOD = 0.2  # how often the server looks for what changed, to tell the pages
KEEP_ALIVE = 15.0

PLAYGROUND: web.AppKey[Playground] = web.AppKey("playground", Playground)


class Hub:
    """Watches the emulator's state and tells every open page which channels changed."""

    def __init__(self, playground: Playground) -> None:
        self.playground = playground
        self.listeners: set[asyncio.Queue[Json]] = set()
        self._seen: dict[int, tuple[Any, ...]] = {}
        self._world: tuple[Any, ...] = ()
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._seen, self._world = self._messages(), self._shape()
        self._task = asyncio.get_running_loop().create_task(self._watch(), name="playground-watch")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        for queue in self.listeners:
            queue.put_nowait({"bye": True})

    def _messages(self) -> dict[int, tuple[Any, ...]]:
        return {m.id: (m.channel_id, fingerprint(m)) for m in self.playground.discord.state.messages.values()}

    def _shape(self) -> tuple[Any, ...]:
        """What the side bars show: members, roles, channels and threads, voice, commands, the clock."""
        discord = self.playground.discord
        guild = discord.guild
        return (
            tuple((u.id, u.locale, u.id in guild.members) for u in discord.state.users.values()),
            tuple((m.id, tuple(m.role_ids)) for m in guild.members.values()),
            tuple((c.id, c.name, c.archived, len(c.messages), tuple(c.applied_tags)) for c in guild.channels.values()),
            tuple((v.user_id, v.channel_id) for v in guild.voice_states.values()),
            tuple(c.id for c in discord.state.channels.values() if c.type == DM),
            len(discord.state.global_commands) + sum(len(c) for c in discord.state.guild_commands.values()),
            self.playground.offset,
        )

    def changes(self) -> Json | None:
        now, shape = self._messages(), self._shape()
        channels = {str(channel) for key, (channel, print_) in now.items() if self._seen.get(key) != (channel, print_)}
        channels |= {str(channel) for key, (channel, _) in self._seen.items() if key not in now}
        world = shape != self._world
        self._seen, self._world = now, shape
        if not channels and not world:
            return None
        return {"channels": sorted(channels), "world": world}

    async def _watch(self) -> None:
        while True:
            await asyncio.sleep(WATCH_PERIOD)
            try:
                change = self.changes()
            except RuntimeError:  # the state changed size while read: look again at the next turn
                continue
            if change:
                for queue in self.listeners:
                    queue.put_nowait(change)


HUB: web.AppKey[Hub] = web.AppKey("hub", Hub)


def member_of(request: web.Request) -> int:
    playground = request.app[PLAYGROUND]
    text = request.query.get("as", "")
    if text.isdigit() and int(text) in playground.discord.state.users:
        return int(text)
    named = next((u.id for u in playground.discord.state.users.values() if u.username == text and not u.bot), None)
    return named or playground.owner_id


async def index(request: web.Request) -> web.FileResponse:
    return web.FileResponse(STATIC / "index.html", headers={"Cache-Control": "no-store"})


async def world(request: web.Request) -> web.Response:
    return web.json_response(request.app[PLAYGROUND].viewer().world(member_of(request)))


async def messages(request: web.Request) -> web.Response:
    playground, me = request.app[PLAYGROUND], member_of(request)
    channel = playground.discord.state.channels.get(int(request.match_info["channel"]))
    viewer = playground.viewer()
    if channel is None or not viewer.readable(channel, me):
        return web.json_response({"error": "You cannot see this channel."}, status=404)
    return web.json_response(viewer.messages(channel, me))


async def act(request: web.Request) -> web.Response:
    playground, me = request.app[PLAYGROUND], member_of(request)
    body = await request.json()
    try:
        result = await playground.act(me, str(body.get("action")), body)
    except ActionError as error:
        return web.json_response({"error": str(error)}, status=400)
    return web.json_response({"ok": True, **result})


async def cdn(request: web.Request) -> web.Response:
    """Attachments, from the emulator's state (the page then needs one origin only)."""
    state = request.app[PLAYGROUND].discord.state
    wanted = int(request.match_info["attachment"])
    for message in state.messages.values():
        for attachment in message.attachments:
            if attachment.id == wanted:
                return web.Response(body=attachment.data, content_type=attachment.content_type)
    return web.Response(status=404)


async def events(request: web.Request) -> web.StreamResponse:
    """Server-sent events: `{"channels": [ids], "world": bool}` whenever something a page shows changed."""
    hub = request.app[HUB]
    response = web.StreamResponse(headers={"Content-Type": "text/event-stream", "Cache-Control": "no-store"})
    await response.prepare(request)
    queue: asyncio.Queue[Json] = asyncio.Queue()
    hub.listeners.add(queue)
    try:
        await response.write(b": connected\n\n")
        while True:
            try:
                change = await asyncio.wait_for(queue.get(), KEEP_ALIVE)
            except TimeoutError:
                await response.write(b": keep-alive\n\n")
                continue
            if change.get("bye"):
                break
            await response.write(f"data: {json.dumps(change)}\n\n".encode())
    except (ConnectionResetError, asyncio.CancelledError):
        pass
    finally:
        hub.listeners.discard(queue)
    return response


def application(playground: Playground) -> web.Application:
    app = web.Application()
    app[PLAYGROUND] = playground
    hub = Hub(playground)
    app[HUB] = hub

    async def lifecycle(_: web.Application) -> Any:
        hub.start()
        yield
        await hub.stop()

    app.cleanup_ctx.append(lifecycle)
    app.router.add_get("/", index)
    app.router.add_get("/api/world", world)
    app.router.add_get("/api/channels/{channel}", messages)
    app.router.add_post("/api/act", act)
    app.router.add_get("/api/events", events)
    app.router.add_get("/cdn/{attachment}/{filename}", cdn)
    app.router.add_static("/static/", STATIC)
    return app


async def serve(playground: Playground, host: str, port: int) -> web.AppRunner:
    """Start the page's server; returns its runner (its `addresses` say where it listens)."""
    runner = web.AppRunner(application(playground), access_log=None, handle_signals=False, shutdown_timeout=0.1)
    await runner.setup()
    await web.TCPSite(runner, host, port).start()
    return runner
