"""Every benchmark of every capability, one table: `python -m bench` (small sizes, a few minutes at most) or
`python -m bench --full` (the sizes the README quotes; much longer). `--only polls,memory` runs some of them.

Each `bench/bench_<name>.py` exposes `rows(full)` (plain or async) returning `bench.table.Row`s: the figure, its
value, the anchor measured in the same run and the target. What the benchmarks print on their own is kept out of the
table (run a module alone to read it: `python -m bench.bench_polls`).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import importlib
import inspect
import io
import os
import pkgutil
import sys
import time
import traceback
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from bench.table import Row


def modules() -> list[str]:
    folder = Path(__file__).parent
    return sorted(
        info.name.removeprefix("bench_")
        for info in pkgutil.iter_modules([str(folder)])
        if info.name.startswith("bench_")
    )


def run(name: str, full: bool) -> tuple[list[Row], str]:
    """The rows of one benchmark (its own prints set aside), or none and why."""
    module = importlib.import_module(f"bench.bench_{name}")
    printed = io.StringIO()
    try:
        with contextlib.redirect_stdout(printed):
            found = module.rows(full)
            if inspect.iscoroutine(found):
                found = loop_runner()(found)
    except Exception:
        return [], traceback.format_exc(limit=3)
    return list(found), ""


def loop_runner() -> Any:
    """The event loop the bot runs on: uvloop when installed (see `bot.__main__.run_loop`), else asyncio's."""
    try:
        return importlib.import_module("uvloop").run
    except ImportError:
        return asyncio.run


def number(value: float | None) -> str:
    if value is None:
        return "—"
    if abs(value) >= 100:
        return f"{value:,.0f}"
    return f"{value:.3g}" if abs(value) < 10 else f"{value:.1f}"


def table(results: Sequence[tuple[str, Row]]) -> str:
    header = ("bench", "figure", "value", "anchor (same run)", "ratio", "target", "")
    lines = [header]
    for name, row in results:
        anchor = f"{number(row.anchor)} {row.anchor_name}".strip() if row.anchor is not None else "—"
        ratio = "—" if row.ratio is None else f"{row.ratio:.1%}" if row.ratio < 10 else f"{row.ratio:,.0f}×"
        verdict = {True: "met", False: "MISSED", None: ""}[row.met]
        lines.append((name, row.figure, number(row.value), anchor, ratio, row.target or "—", verdict))
    widths = [max(len(line[column]) for line in lines) for column in range(len(header))]
    return "\n".join(
        "  ".join(cell.ljust(width) for cell, width in zip(line, widths, strict=True)).rstrip() for line in lines
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument("--full", action="store_true", help="the full sizes (long)")
    parser.add_argument("--only", default="", help="comma-separated names, e.g. polls,memory")
    arguments = parser.parse_args(argv)
    chosen = [name for name in modules() if not arguments.only or name in arguments.only.split(",")]
    load = " ".join(f"{value:.2f}" for value in os.getloadavg())
    print(
        f"{'full' if arguments.full else 'small'} sizes; {os.cpu_count()} cores, load {load}; "
        f"Python {sys.version.split()[0]}; {loop_runner().__module__.split('.')[0]} event loop"
    )
    results: list[tuple[str, Row]] = []
    failed = 0
    started = time.perf_counter()
    for name in chosen:
        began = time.perf_counter()
        found, error = run(name, arguments.full)
        print(f"  {name}: {time.perf_counter() - began:.0f} s" + (f", FAILED:\n{error}" if error else ""), flush=True)
        failed += bool(error)
        results += [(name, row) for row in found]
    print(f"\n{table(results)}")
    load = " ".join(f"{value:.2f}" for value in os.getloadavg())
    print(f"\n{time.perf_counter() - started:.0f} s in all; load after {load}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
