"""Start-to-ready of the real Agora bot through the local emulator, and a slash command's round trip.

Prints medians over several runs: a first start (fresh SQLite file: migrations run) and a restart (schema ready),
each as a share of the 2-second target. Run: `.venv/bin/python -m bench.bench_startup [runs]`.
"""

from __future__ import annotations

import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path

from bot.client import Agora
from bot.config import DatabaseSettings, DiscordSettings, Settings
from tests.emulator import BotRunner, Emulator

TARGET_SECONDS = 2.0


async def one_run(folder: Path) -> tuple[float, float, float]:
    async with Emulator() as emulator:
        settings = Settings(
            database=DatabaseSettings(url=f"sqlite+aiosqlite:///{folder / 'agora.db'}"),
            discord=DiscordSettings(api_base=emulator.http_url, gateway_url=emulator.gateway_url),
        )
        runner = BotRunner(lambda: Agora(settings, guild_ready_timeout=0.05), emulator, timeout=30)
        started = time.perf_counter()
        await runner.start(wait_for_sync=True)
        first = time.perf_counter() - started
        started = time.perf_counter()
        await runner.restart(wait_for_sync=True)
        again = time.perf_counter() - started
        host = await emulator.member("host", permissions=1 << 5)
        started = time.perf_counter()
        for _ in range(50):
            await host.slash("agora show")
        command = (time.perf_counter() - started) / 50
        await runner.stop()
    return first, again, command


async def main(runs: int) -> None:
    results = []
    for _ in range(runs):
        with tempfile.TemporaryDirectory() as folder:
            results.append(await one_run(Path(folder)))
    first, again, command = (statistics.median(column) for column in zip(*results, strict=True))
    print(f"runs: {runs}")
    print(f"start to ready, fresh database (migrations): {first * 1000:7.1f} ms  ({first / TARGET_SECONDS:.1%} of 2 s)")
    print(f"start to ready, existing database:           {again * 1000:7.1f} ms  ({again / TARGET_SECONDS:.1%} of 2 s)")
    print(f"/agora show round trip (incl. one DB read):   {command * 1000:7.2f} ms")


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1]) if len(sys.argv) > 1 else 5))
