"""Memory per member: the bot's resident memory with 0, 20,000 and 100,000 members in its server.

For each size, the emulator (in this process) holds a server of that many members and sends them all in
GUILD_CREATE, the heaviest way they can reach a bot (Discord itself sends a large server's members only when
asked, in chunks). A fresh process then connects and, once it is ready, reports its RSS:

- **Agora**: the real bot with every capability, measured once it has caught up (each capability's catch-up reads the
  whole member list from the gateway, as after any restart);
- **anchor**: plain discord.py with the same intents and its default member cache (every member cached, the guild
  chunked at start), which is what Agora did before it cached only members in a voice channel.

Printed: RSS at each size and the slope per member (from the smallest to the largest size) for both, and Agora's
slope as a share of the anchor's. Run: `.venv/bin/python -m bench.bench_memory [--sizes 0,20000,100000]`.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import logging
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any

from bench.table import Row

SIZES = (0, 20_000, 100_000)
SMALL_SIZES = (0, 5_000)
TARGET_KB = 0.3
TIMEOUT = 600.0


def ready_timeout(size: int) -> float:
    """How long discord.py waits for a server after the last (the emulator takes a while to send a large one)."""
    return 2.0 + size / 5_000


def rss_kb(field: str = "VmRSS") -> int:
    """This process's resident set size (or its peak, `VmHWM`), in kB (Linux)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1])
    raise RuntimeError(f"no {field} in /proc/self/status")


async def child(mode: str, api_base: str, gateway_url: str, token: str, database_url: str, size: str) -> None:
    """Run in a fresh process: connect, wait until ready (and caught up), print RSS and members cached.

    discord.py calls a client ready once no server arrived for `ready_timeout` seconds; a server of 100,000 members
    takes the emulator a while to send, so both clients wait long enough for it (checked below)."""
    import discord

    from bot.client import Agora, intents
    from bot.config import DatabaseSettings, DiscordSettings, LocaleSettings, Settings
    from cogs import COGS

    logging.basicConfig(level=logging.WARNING)
    if mode == "agora":
        settings = Settings(
            database=DatabaseSettings(url=database_url, migrate_on_start=False),
            locale=LocaleSettings(default="en"),
            discord=DiscordSettings(api_base=api_base, gateway_url=gateway_url, ready_timeout=ready_timeout(int(size))),
        )
        client: discord.Client = Agora(settings, cogs=COGS)
        ready = client.caught_up  # type: ignore[attr-defined]
    else:
        import yarl

        discord.http.Route.BASE = api_base
        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(gateway_url)
        client = discord.Client(intents=intents(), max_messages=None, guild_ready_timeout=ready_timeout(int(size)))
        ready = asyncio.Event()
        client.event(_set_on_ready(ready))
    task = asyncio.create_task(client.start(token))
    waiter = asyncio.create_task(ready.wait())
    done, _ = await asyncio.wait({task, waiter}, timeout=TIMEOUT, return_when=asyncio.FIRST_COMPLETED)
    if waiter not in done:
        raise RuntimeError(f"{mode} did not get ready: {task.exception() if task.done() else 'timeout'}")
    if mode == "agora":
        await client.idle()  # type: ignore[attr-defined]
    gc.collect()
    if [guild.member_count for guild in client.guilds] != [int(size) + 2]:  # the owner and the bot too
        raise RuntimeError(f"{mode} got ready without the server of {size} members")
    cached = sum(len(guild.members) for guild in client.guilds)
    print(json.dumps({"rss_kb": rss_kb(), "peak_kb": rss_kb("VmHWM"), "cached": cached}), flush=True)
    await client.close()
    await asyncio.gather(task, return_exceptions=True)


def _set_on_ready(ready: asyncio.Event) -> Any:
    async def on_ready() -> None:
        ready.set()

    return on_ready


async def measure(mode: str, size: int, template: Path, folder: Path) -> dict[str, int]:
    """Start an emulator holding `size` members, run one child process against it, return what it printed."""
    from playground.emulator import Emulator
    from playground.emulator.state import Member

    database = folder / f"{mode}-{size}.db"
    shutil.copy(template, database)
    async with Emulator(openapi=False) as emulator:
        guild = emulator.guild
        for n in range(size):
            user = emulator.state.add_user(f"member{n}")
            guild.members[user.id] = Member(user=user, guild_id=guild.id)
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bench.bench_memory",
            "--child",
            mode,
            emulator.http_url,
            emulator.gateway_url,
            emulator.token,
            f"sqlite+aiosqlite:///{database}",
            str(size),
            stdout=asyncio.subprocess.PIPE,
        )
        output, _ = await asyncio.wait_for(process.communicate(), TIMEOUT)
    if process.returncode != 0:
        raise RuntimeError(f"the {mode} process failed with {size} members")
    return dict(json.loads(output.decode().strip().splitlines()[-1]))


async def migrated(folder: Path) -> Path:
    """One migrated database, copied for each run (migrations are not what is measured)."""
    from bot.database import Database

    path = folder / "template.db"
    database = Database(f"sqlite+aiosqlite:///{path}")
    await database.migrate()
    await database.dispose()
    return path


async def figures(sizes: tuple[int, ...]) -> dict[str, dict[int, dict[str, int]]]:
    found: dict[str, dict[int, dict[str, int]]] = {"agora": {}, "anchor": {}}
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        template = await migrated(folder)
        for size in sizes:
            for mode in found:
                found[mode][size] = await measure(mode, size, template, folder)
    return found


def slope_kb(measured: dict[int, dict[str, int]]) -> float:
    low, high = min(measured), max(measured)
    return (measured[high]["rss_kb"] - measured[low]["rss_kb"]) / max(1, high - low)


async def rows(full: bool = False) -> list[Row]:
    """The table's rows: per-member slope of Agora against plain discord.py caching every member."""
    sizes = SIZES if full else SMALL_SIZES
    found = await figures(sizes)
    ours, anchor = slope_kb(found["agora"]), slope_kb(found["anchor"])
    top = max(sizes)
    return [
        Row(
            f"memory per member, {top:,} members (KB)",
            ours,
            anchor,
            "discord.py caching every member",
            f"≤ {TARGET_KB} KB at 100,000",
            ours <= TARGET_KB if full else None,  # a few thousand members are within the allocator's noise
        ),
        Row(
            f"RSS with {top:,} members (MB)",
            found["agora"][top]["rss_kb"] / 1024,
            found["anchor"][top]["rss_kb"] / 1024,
            "discord.py caching every member",
            "",
            None,
        ),
    ]


async def main(sizes: tuple[int, ...]) -> None:
    found = await figures(sizes)
    print(f"{sys.version.split()[0]}; members sent in GUILD_CREATE; RSS once ready (Agora: once caught up)")
    for mode, label in (("agora", "Agora"), ("anchor", "discord.py, every member cached (anchor)")):
        print(label)
        for size, measured in found[mode].items():
            rss, peak = measured["rss_kb"] / 1024, measured["peak_kb"] / 1024
            print(f"  {size:>7,} members: RSS {rss:7.1f} MB (peak {peak:7.1f} MB), {measured['cached']:>7,} cached")
        print(f"  slope: {slope_kb(found[mode]):.3f} KB per member")
    ours, anchor = slope_kb(found["agora"]), slope_kb(found["anchor"])
    print(
        f"Agora: {ours:.3f} KB per member (target ≤ {TARGET_KB} KB), "
        f"{ours / anchor:.1%} of discord.py caching every member"
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default=",".join(str(size) for size in SIZES))
    parser.add_argument("--child", nargs=6, metavar=("MODE", "API", "GATEWAY", "TOKEN", "DATABASE", "SIZE"))
    arguments = parser.parse_args()
    if arguments.child:
        asyncio.run(child(*arguments.child))
    else:
        asyncio.run(main(tuple(int(size) for size in arguments.sizes.split(","))))
