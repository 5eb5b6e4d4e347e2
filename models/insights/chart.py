"""The report as one PNG: a row per panel, a tile per figure — its name, its value, its change since the previous
period, and a sparkline of its calendar weeks. matplotlib's object API on the Agg canvas (no pyplot): safe in a worker
thread (`models.charts`: call `render` through `asyncio.to_thread`). Every word arrives already in the host's
language; this module only draws.
"""

from __future__ import annotations

import itertools
import math
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from models.charts import png, printable

if TYPE_CHECKING:
    from matplotlib.figure import Figure

COLUMNS = 5
TILE_WIDTH, TILE_HEIGHT, HEADER, PANEL_HEADER, GAP = 2.1, 1.05, 0.5, 0.3, 0.04  # inches
DPI = 80
TILE = "#F2F3F5"
UP, DOWN, FLAT = "#2D7D46", "#C0392B", "#6B7280"
LINE = "#5865F2"
PANEL = "#4E5058"


@dataclass(frozen=True)
class Tile:
    panel: str
    label: str
    value: str
    change: str
    direction: int  # 1 up, -1 down, 0 flat or unknown
    spark: Sequence[float | None] = field(default_factory=tuple)


def render(title: str, tiles: Sequence[Tile]) -> bytes:
    """A row per panel (its name, then its tiles) under a title, as PNG bytes. One axes in inches and as few text
    objects as the content needs: drawing glyphs is most of the cost."""
    rows = [list(group) for _, group in itertools.groupby(tiles, key=lambda tile: tile.panel)]
    width = COLUMNS * TILE_WIDTH
    height = max(
        HEADER + sum(PANEL_HEADER + TILE_HEIGHT * math.ceil(len(row) / COLUMNS) for row in rows), HEADER + TILE_HEIGHT
    )

    def draw(figure: Figure) -> None:
        from matplotlib.collections import LineCollection
        from matplotlib.patches import FancyBboxPatch

        axes = figure.add_axes((0, 0, 1, 1))
        axes.set_axis_off()
        axes.set_xlim(0, width)
        axes.set_ylim(0, height)
        top = height
        axes.text(0.15, top - HEADER / 2, printable(title)[:90], fontsize=12, weight="bold", va="center")
        top -= HEADER
        sparks: list[list[tuple[float, float]]] = []
        for row in rows:
            axes.text(0.15, top - PANEL_HEADER / 2, printable(row[0].panel)[:40], fontsize=9, color=PANEL, va="center")
            top -= PANEL_HEADER
            for index, tile in enumerate(row):
                line, column = divmod(index, COLUMNS)
                x, y = column * TILE_WIDTH + GAP, top - (line + 1) * TILE_HEIGHT + GAP
                w, h = TILE_WIDTH - 2 * GAP, TILE_HEIGHT - 2 * GAP
                box = FancyBboxPatch((x, y), w, h, boxstyle="round,pad=0,rounding_size=0.06", fc=TILE, ec="none")
                axes.add_patch(box)
                label = textwrap.shorten(printable(tile.label), 27, placeholder="…")
                axes.text(x + 0.1, y + h * 0.8, label, fontsize=8, va="center")
                axes.text(x + 0.1, y + h * 0.45, printable(tile.value)[:12], fontsize=14, weight="bold", va="center")
                colour = UP if tile.direction > 0 else DOWN if tile.direction < 0 else FLAT
                axes.text(x + 0.1, y + h * 0.14, printable(tile.change)[:24], fontsize=7, color=colour, va="center")
                sparks.extend(_spark(tile.spark, x + w * 0.58, y + h * 0.3, w * 0.36, h * 0.32))
            top -= TILE_HEIGHT * math.ceil(len(row) / COLUMNS)
        axes.add_collection(LineCollection(sparks, colors=LINE, linewidths=1.2))

    return png(width, height, draw, dpi=DPI)


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
