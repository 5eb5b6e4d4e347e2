"""Sandbox: run the emulator alone with a seeded guild, to point a real bot (or curl) at it.

    python -m playground.emulator --port 8765

It prints the command that runs Agora against it, then reads console lines on stdin to act as the seeded members
(`alice /agora show`, `read general`, `help`: see console.py). Ctrl+C stops it. Nothing is kept between runs.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import sys

from . import openapi
from . import permissions as perms
from .console import Console
from .driver import Emulator
from .gateway import HEARTBEAT_INTERVAL


async def populate(discord: Emulator) -> None:
    """A few channels, roles and members so the sandbox looks like a small community."""
    guild = discord.guild
    await discord.create_channel(guild, "announcements", topic="News")
    await discord.create_channel(guild, "help", type="forum", tags=["python", "sql", "git"])
    moderation = perms.MANAGE_MESSAGES | perms.MODERATE_MEMBERS
    moderator = await discord.create_role(guild, "Moderator", permissions=moderation)
    member = await discord.create_role(guild, "Member")
    await discord.member("alice", locale="fr", roles=[member])
    await discord.member("bob", roles=[member, moderator])
    await discord.member("carol", dms_open=False)


async def serve(host: str, port: int, heartbeat_interval: float) -> None:
    discord = Emulator(host=host, port=port, heartbeat_interval=heartbeat_interval)
    try:
        await discord.start()
    except OSError as error:  # the port is taken: one line, not a traceback
        sys.exit(f"cannot serve on {host}:{port}: {error.strerror} (another sandbox running? choose one with --port)")
    openapi.load()  # now rather than on the bot's first request: its notice, if any, comes before the banner
    try:
        await populate(discord)
        print(f"REST base (discord.http.Route.BASE):            {discord.http_url}", flush=True)
        print(f"Gateway (DiscordWebSocket.DEFAULT_GATEWAY):      {discord.gateway_url}", flush=True)
        print(f"Bot token:                                       {discord.token}", flush=True)
        print(f"Guild: {discord.guild.name} ({discord.guild.id}); Ctrl+C to stop", flush=True)
        print(
            "Run Agora against it from another terminal:\n"
            f"  AGORA_DISCORD__API_BASE={discord.http_url} AGORA_DISCORD__GATEWAY_URL={discord.gateway_url} "
            f"DISCORD_TOKEN={discord.token} .venv/bin/python -m bot\n"
            "Then act as a member here, e.g. `bob /agora show` or `read general` (`help` lists the actions).",
            flush=True,
        )
        await Console(discord).loop()
    finally:
        await discord.stop()


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m playground.emulator", description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--heartbeat-interval", type=float, default=HEARTBEAT_INTERVAL, help="seconds, sent in HELLO")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(serve(args.host, args.port, args.heartbeat_interval))


if __name__ == "__main__":
    main()
