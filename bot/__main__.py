"""`python -m bot [run|migrate|check] [--config PATH]`: the one entry point for hosts and operators."""

from __future__ import annotations

import argparse
import asyncio
import logging
import signal
import sys
from pathlib import Path

import aiohttp
import discord

from bot.config import Settings, load_settings, load_token
from bot.errors import ConfigError
from bot.logging import setup_logging

log = logging.getLogger("bot")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="agora", description="Agora, a Discord bot for learning communities.")
    parser.add_argument("command", nargs="?", default="run", choices=("run", "migrate", "check"))
    parser.add_argument("--config", type=Path, help="path to config.toml (default: ./config.toml or $AGORA_CONFIG)")
    args = parser.parse_args(argv)
    try:
        settings = load_settings(args.config)
        setup_logging(settings.logging.level)
        if args.command == "check":
            return asyncio.run(check(settings))
        if args.command == "migrate":
            return asyncio.run(migrate(settings))
        return asyncio.run(run(settings))
    except ConfigError as error:
        print(f"agora: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


async def run(settings: Settings) -> int:
    from bot.client import Agora

    token = load_token()
    setup_logging(settings.logging.level, token.get_secret_value())
    async with Agora(settings) as bot:
        stop_on_signals(bot)
        try:
            await bot.start(token.get_secret_value())
        except discord.LoginFailure:
            raise ConfigError("DISCORD_TOKEN was refused by Discord; reset the token and set it again") from None
        except aiohttp.ClientConnectionError as error:
            raise ConfigError(
                f"discord.api_base: cannot reach {settings.discord.api_base} ({error}); check the network or the URL"
            ) from None
        except discord.PrivilegedIntentsRequired:
            raise ConfigError(
                "Discord refused the Server Members intent; enable it in the Developer Portal (Bot → Privileged "
                "Gateway Intents)"
            ) from None
    return 0


def stop_on_signals(bot: discord.Client) -> None:
    """SIGTERM (`docker stop`, systemd) and Ctrl+C close the bot cleanly instead of killing it mid-write."""
    loop = asyncio.get_running_loop()
    closing: list[asyncio.Task[None]] = []  # keeps the task referenced; the CLI's `async with` awaits the close
    for signal_number in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signal_number, lambda: closing.append(loop.create_task(bot.close())))


async def migrate(settings: Settings) -> int:
    from bot.database import Database

    db = Database(settings.database.url)
    try:
        await db.check()
        before = await db.pending_migrations()
        await db.migrate()
        print(f"applied {len(before)} migration(s); the database is up to date")
    finally:
        await db.dispose()
    return 0


async def check(settings: Settings) -> int:
    """Validate everything that can be validated without Discord, and say what would be registered."""
    from bot.client import Agora

    bot = Agora(settings)
    try:
        await bot.prepare(migrate=False)
        pending = await bot.db.pending_migrations()
        print("configuration: ok")
        print(f"database: ok ({bot.db.dialect})")
        print(f"pending migrations: {', '.join(pending) if pending else 'none'}")
        print(f"cogs: {', '.join(bot.cog_modules)}")
        for command in sorted(bot.tree.walk_commands(), key=lambda c: c.qualified_name):
            if isinstance(command, discord.app_commands.Command):
                print(f"  /{command.qualified_name}")
        target = settings.discord.sync_guilds or "global"
        print(f"commands sync to: {target}")
    finally:
        await bot.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
