"""`python -m bot [run|migrate|check|sync|export] [--config PATH]`: the one entry point for hosts and operators."""

from __future__ import annotations

import argparse
import asyncio
import importlib
import logging
import signal
import sys
from collections.abc import Coroutine, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import aiohttp
import discord

from bot.config import Settings, load_settings, load_token
from bot.errors import ConfigError
from bot.logging import setup_logging
from models.command_sync import SyncState, payload_hash, sync_status

if TYPE_CHECKING:
    from bot.client import Agora

log = logging.getLogger("bot")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="agora", description="Agora, a Discord bot for learning communities.")
    parser.add_argument(
        "command",
        nargs="?",
        default="run",
        choices=("run", "migrate", "check", "sync", "export"),
        help="run the bot (default); apply migrations; check without connecting; sync the slash commands now; "
        "export a server's members' data (with --guild)",
    )
    parser.add_argument("--config", type=Path, help="path to config.toml (default: ./config.toml or $AGORA_CONFIG)")
    parser.add_argument("--guild", type=int, help="export: the server's id")
    parser.add_argument("--output", type=Path, help="export: the JSON file to write (default: agora-<guild>.json)")
    args = parser.parse_args(argv)
    if args.command == "export" and args.guild is None:
        parser.error("export needs --guild ID (the server's id: right-click the server in Discord → Copy Server ID)")
    try:
        settings = load_settings(args.config)
        setup_logging(settings.logging.level)
        if args.command == "check":
            return asyncio.run(check(settings))
        if args.command == "migrate":
            return asyncio.run(migrate(settings))
        if args.command == "sync":
            return asyncio.run(sync(settings))
        if args.command == "export":
            return export(settings, args.guild, args.output or Path(f"agora-{args.guild}.json"))
        return run_loop(run(settings))
    except ConfigError as error:
        print(f"agora: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


def run_loop(main: Coroutine[Any, Any, int]) -> int:
    """`asyncio.run`, on uvloop when it is installed (`pip install 'agora[speed]'`): a faster event loop for bursts
    of gateway events (bench/bench_polls.py, `--loop uvloop`)."""
    try:
        uvloop = importlib.import_module("uvloop")
    except ImportError:
        return asyncio.run(main)
    return int(uvloop.run(main))


async def run(settings: Settings) -> int:
    from bot.client import new_bot

    token = load_token()
    setup_logging(settings.logging.level, token.get_secret_value())
    async with new_bot(settings) as bot:
        stop_on_signals(bot)
        with refusals_explained(settings):
            await bot.start(token.get_secret_value())
    return 0


async def sync(settings: Settings) -> int:
    """Log in (no gateway), sync every scope's commands whether or not they changed, and record what was sent."""
    from bot.client import new_bot

    token = load_token()
    setup_logging(settings.logging.level, token.get_secret_value())
    async with new_bot(settings, force_sync=True) as bot:
        with refusals_explained(settings):
            await bot.login(token.get_secret_value())  # its setup hook opens the database and syncs
        for scope, count in bot.synced.items():
            print(f"commands ({scope}): synced {count} command(s)")
    return 0


@contextmanager
def refusals_explained(settings: Settings) -> Iterator[None]:
    """Discord's refusals at login, as one line that says what to fix."""
    try:
        yield
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


def export(settings: Settings, guild_id: int, output: Path) -> int:
    """Every member's data in one server, as the hosts' `/privacy export-server` gives it, written to a file."""
    from models.privacy import rules

    exported = asyncio.run(export_guild(settings, guild_id))
    try:
        output.write_bytes(rules.to_json(exported))
    except OSError as error:
        raise ConfigError(f"--output {output}: cannot be written ({error.strerror}); choose another path") from None
    print(f"exported {len(exported['members'])} member(s) of server {guild_id} to {output}")
    return 0


async def export_guild(settings: Settings, guild_id: int) -> dict[str, Any]:
    from bot.database import Database
    from models.base import utcnow
    from models.privacy import service

    db = Database(settings.database.url)
    try:
        await db.check()
        pending = await db.pending_migrations()
        if pending:
            raise ConfigError(f"database.url: {len(pending)} migration(s) pending; run `python -m bot migrate` first")
        async with db.transaction() as session:
            return await service.export_guild(session, guild_id, now=utcnow())
    finally:
        await db.dispose()


async def check(settings: Settings) -> int:
    """Validate everything that can be validated without Discord, and say what would be registered."""
    from bot.client import new_bot

    bot = new_bot(settings)
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
        for status in await command_sync_status(bot, pending):
            print(status)
        for line in privacy_policy(settings):
            print(line)
    finally:
        await bot.close()
    return 0


def privacy_policy(settings: Settings) -> list[str]:
    """What `check` says about how long Agora keeps members' data."""
    from models.privacy import catalogue, policy

    fixed = [line for holder in catalogue.holders() for line in holder.fixed]
    return policy.describe(settings.privacy, catalogue.retention_kinds(), fixed)


async def command_sync_status(bot: Agora, pending_migrations: list[str]) -> list[str]:
    """One line per scope: whether the next start will sync its commands (compared with the stored hash)."""
    wanted = {scope: payload_hash(payload) for scope, payload in (await bot.command_payloads()).items()}
    if pending_migrations:  # the table of synced hashes may not exist yet
        return [f"commands ({scope}): sync pending (database not migrated yet)" for scope in wanted]
    async with bot.db.transaction() as session:
        statuses = await sync_status(session, wanted)
    lines = []
    for status in statuses:
        pending = "" if status.state is SyncState.UP_TO_DATE else "sync pending: "
        when = f", last synced {status.synced_at:%Y-%m-%d %H:%M} UTC" if status.synced_at else ""
        lines.append(f"commands ({status.scope}): {pending}{status.state}{when}")
    return lines


if __name__ == "__main__":
    sys.exit(main())
