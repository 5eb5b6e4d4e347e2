"""The report as one PNG: a tile per figure — its panel, its name, its value, its change since the previous period,
and a sparkline of its calendar weeks. matplotlib's object API on the Agg canvas (no pyplot): safe in a worker
thread. matplotlib is imported on the first chart, never at start; call `render` through `asyncio.to_thread`.
Every word arrives already in the host's language; this module only draws.
"""

from __future__ import annotations

import io
import math
import textwrap
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field

COLUMNS = 4
TILE_WIDTH, TILE_HEIGHT, HEADER, GAP = 2.6, 1.55, 0.6, 0.05  # inches
TILE = "#F2F3F5"
UP, DOWN, FLAT = "#2D7D46", "#C0392B", "#6B7280"
LINE = "#5865F2"
PANEL = "#4E5058"
# matplotlib's font caches are shared: one chart at a time keeps them consistent across threads.
_LOCK = threading.Lock()


@dataclass(frozen=True)
class Tile:
    panel: str
    label: str
    value: str
    change: str
    direction: int  # 1 up, -1 down, 0 flat or unknown
    spark: Sequence[float | None] = field(default_factory=tuple)


def printable(text: str) -> str:
    """Drop what the bundled DejaVu font cannot draw (emoji outside the basic plane, joiners, selectors)."""
    kept = "".join(char for char in text if ord(char) <= 0xFFFF and char not in "\u200d\ufe0f\ufe0e\u20e3")
    return " ".join(kept.split())


def render(title: str, tiles: Sequence[Tile]) -> bytes:
    """The tiles in rows of COLUMNS under a title, as PNG bytes: one axes in inches, so drawing stays cheap."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.collections import LineCollection
    from matplotlib.figure import Figure
    from matplotlib.patches import FancyBboxPatch

    rows = max(1, math.ceil(len(tiles) / COLUMNS))
    width, height = COLUMNS * TILE_WIDTH, rows * TILE_HEIGHT + HEADER
    with _LOCK:
        figure = Figure(figsize=(width, height), dpi=100)
        FigureCanvasAgg(figure)
        axes = figure.add_axes((0, 0, 1, 1))
        axes.set_axis_off()
        axes.set_xlim(0, width)
        axes.set_ylim(0, height)
        axes.text(0.2, height - HEADER / 2, printable(title)[:90], fontsize=13, weight="bold", va="center")
        sparks: list[list[tuple[float, float]]] = []
        for index, tile in enumerate(tiles):
            row, column = divmod(index, COLUMNS)
            x, y = column * TILE_WIDTH + GAP, height - HEADER - (row + 1) * TILE_HEIGHT + GAP
            w, h = TILE_WIDTH - 2 * GAP, TILE_HEIGHT - 2 * GAP
            axes.add_patch(FancyBboxPatch((x, y), w, h, boxstyle="round,pad=0,rounding_size=0.08", fc=TILE, ec="none"))
            axes.text(
                x + 0.12, y + h * 0.88, printable(tile.panel).upper()[:32], fontsize=6.5, color=PANEL, va="center"
            )
            label = textwrap.shorten(printable(tile.label), 34, placeholder="…")
            axes.text(x + 0.12, y + h * 0.72, label, fontsize=8, va="center")
            axes.text(x + 0.12, y + h * 0.45, printable(tile.value)[:12], fontsize=17, weight="bold", va="center")
            colour = UP if tile.direction > 0 else DOWN if tile.direction < 0 else FLAT
            axes.text(x + 0.12, y + h * 0.15, printable(tile.change)[:40], fontsize=7, color=colour, va="center")
            sparks.extend(_spark(tile.spark, x + w * 0.55, y + h * 0.3, w * 0.4, h * 0.32))
        axes.add_collection(LineCollection(sparks, colors=LINE, linewidths=1.3))
        buffer = io.BytesIO()
        figure.savefig(buffer, format="png")
    return buffer.getvalue()


def _spark(
    values: Sequence[float | None], left: float, bottom: float, width: float, height: float
) -> list[list[tuple[float, float]]]:
    """The sparkline's segments in the tile's box (a gap where a week has no value); none under two points."""
    known = [value for value in values if value is not None]
    if len(known) < 2:
        return []
    low, high = min(known), max(known)
    span = (high - low) or 1.0
    step = width / (len(values) - 1)
    segments: list[list[tuple[float, float]]] = []
    current: list[tuple[float, float]] = []
    for index, value in enumerate(values):
        if value is None:
            if len(current) > 1:
                segments.append(current)
            current = []
            continue
        current.append((left + index * step, bottom + (value - low) / span * height))
    if len(current) > 1:
        segments.append(current)
    return segments
