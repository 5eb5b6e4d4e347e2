"""Process start → ready of the real bot: `python -m bot run` spawned against the emulator, also spawned.

Each run starts the bot twice on a fresh SQLite file: first start (migrations run, commands synced) and restart
(schema ready, commands unchanged). Times run from spawning the process to the "ready as" line in its log, with the
steps in between read from the same log; then SIGTERM → exit. Prints median [min–max] over the runs.

    .venv/bin/python -m bench.bench_startup [--runs 5] [--ready-timeout SECONDS]

Without --ready-timeout the bot uses its configured default (`discord.ready_timeout`).
"""

from __future__ import annotations

import argparse
import itertools
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from bench.table import Row

ROOT = Path(__file__).resolve().parent.parent
TIMEOUT = 60.0
# Log lines that mark a step of the start, in order: (what the step did, text of the line that ends it).
STEPS = (
    ("interpreter, imports, configuration", "logging in using static token"),
    ("database, migrations, cogs, command sync", "has connected to Gateway"),
    ("servers arriving (ready_timeout) and catch-up", "ready as"),
)


@dataclass(frozen=True)
class Emulator:
    api_base: str
    gateway_url: str
    token: str


@dataclass(frozen=True)
class Start:
    ready: float  # seconds from spawning the process to its "ready as" line
    steps: tuple[float, ...]  # seconds spent in each of STEPS
    stop: float  # seconds from SIGTERM to the process's exit


def read_until(stream: IO[str], text: str, seen: list[str]) -> str:
    while True:
        line = stream.readline()
        if not line:
            raise RuntimeError(f"the process ended before printing {text!r}:\n{''.join(seen[-20:])}")
        seen.append(line)
        if text in line:
            return line


@contextmanager
def emulator() -> Iterator[Emulator]:
    """`python -m playground.emulator --port 0` in its own process; its console waits on our open stdin."""
    process = subprocess.Popen(
        [sys.executable, "-m", "playground.emulator", "--port", "0"],
        cwd=ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        seen: list[str] = []
        api_base = read_until(process.stdout, "REST base", seen).split()[-1]
        gateway_url = read_until(process.stdout, "Gateway", seen).split()[-1]
        token = read_until(process.stdout, "Bot token", seen).split()[-1]
        yield Emulator(api_base, gateway_url, token)
    finally:
        process.terminate()
        process.wait(TIMEOUT)


def start_once(target: Emulator, folder: Path, ready_timeout: float | None) -> Start:
    environment = {key: value for key, value in os.environ.items() if not key.startswith(("AGORA_", "DISCORD_"))}
    environment.update(
        AGORA_DATABASE__URL=f"sqlite+aiosqlite:///{folder / 'agora.db'}",
        AGORA_DISCORD__API_BASE=target.api_base,
        AGORA_DISCORD__GATEWAY_URL=target.gateway_url,
        DISCORD_TOKEN=target.token,
    )
    if ready_timeout is not None:
        environment["AGORA_DISCORD__READY_TIMEOUT"] = str(ready_timeout)
    spawned = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, "-m", "bot", "run"], cwd=folder, env=environment, stderr=subprocess.PIPE, text=True
    )
    try:
        assert process.stderr is not None
        seen: list[str] = []
        marks = [spawned]
        for _, text in STEPS:
            read_until(process.stderr, text, seen)
            marks.append(time.perf_counter())
        signalled = time.perf_counter()
        process.send_signal(signal.SIGTERM)
        read_until(process.stderr, "stopped as", seen)
        process.stderr.read()
        if process.wait(TIMEOUT) != 0:
            raise RuntimeError(f"the bot exited with {process.returncode}:\n{''.join(seen[-20:])}")
        stopped = time.perf_counter()
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    steps = tuple(after - before for before, after in itertools.pairwise(marks))
    return Start(marks[-1] - spawned, steps, stopped - signalled)


def spread(values: list[float]) -> str:
    return f"{statistics.median(values) * 1000:7.0f} ms  [{min(values) * 1000:.0f}–{max(values) * 1000:.0f}]"


def report(title: str, starts: list[Start]) -> None:
    print(f"{title}: {spread([start.ready for start in starts])}")
    for index, (what, _) in enumerate(STEPS):
        print(f"    {what:<48} {spread([start.steps[index] for start in starts])}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--ready-timeout", type=float, help="discord.ready_timeout for the bot (default: its own)")
    args = parser.parse_args()
    first: list[Start] = []
    again: list[Start] = []
    with emulator() as target:
        for _ in range(args.runs):
            with tempfile.TemporaryDirectory() as folder:
                first.append(start_once(target, Path(folder), args.ready_timeout))
                again.append(start_once(target, Path(folder), args.ready_timeout))
    timeout = "the default" if args.ready_timeout is None else f"{args.ready_timeout:g} s"
    print(f"process start → ready, `python -m bot run` against the emulator; {args.runs} runs, median [min–max]")
    print(f"discord.ready_timeout: {timeout}")
    report("first start, fresh database (migrations, command sync)", first)
    report("restart, existing database (commands unchanged)     ", again)
    print(f"SIGTERM → exit:{spread([start.stop for start in first + again])}")


def rows(full: bool = False) -> list[Row]:
    """Start → ready of `python -m bot run` (restart, existing database) with the default ready timeout."""
    runs = 5 if full else 1
    first: list[Start] = []
    again: list[Start] = []
    with emulator() as target:
        for _ in range(runs):
            with tempfile.TemporaryDirectory() as folder:
                first.append(start_once(target, Path(folder), None))
                again.append(start_once(target, Path(folder), None))
    waiting = statistics.median(start.steps[-1] for start in again)
    return [
        Row("start → ready, first start (s)", statistics.median(start.ready for start in first)),
        Row(
            "start → ready, restart (s)",
            statistics.median(start.ready for start in again),
            waiting,
            "of which waiting for servers and catch-up",
        ),
    ]


if __name__ == "__main__":
    main()
