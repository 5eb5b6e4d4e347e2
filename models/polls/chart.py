"""The results bar chart as a PNG (`models.charts`: call it through `asyncio.to_thread`)."""

from __future__ import annotations

import textwrap
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from models.charts import png, printable

if TYPE_CHECKING:
    from matplotlib.figure import Figure

BAR_COLOR = "#5865F2"
LEADER_COLOR = "#57F287"


@dataclass(frozen=True)
class ChartText:
    """Every word on the chart, already in the poll's language."""

    title: str
    axis: str
    footer: str


def render_chart(text: ChartText, labels: Sequence[str], counts: Sequence[int]) -> bytes:
    """A horizontal bar per option, top to bottom in poll order, the leaders highlighted."""
    names = [textwrap.shorten(printable(label) or f"#{index + 1}", 40) for index, label in enumerate(labels)]
    best = max(counts, default=0)

    def draw(figure: Figure) -> None:
        from matplotlib.ticker import MaxNLocator

        axes = figure.add_subplot()
        positions = list(range(len(names)))[::-1]
        colors = [LEADER_COLOR if best and count == best else BAR_COLOR for count in counts]
        bars = axes.barh(positions, counts, color=colors)
        axes.set_yticks(positions, names)
        axes.bar_label(bars, padding=3)
        axes.set_xlabel(printable(text.axis))
        axes.set_xlim(0, max(1, best) * 1.15)
        axes.xaxis.set_major_locator(MaxNLocator(integer=True))
        axes.spines[["top", "right"]].set_visible(False)
        axes.set_title("\n".join(textwrap.wrap(printable(text.title), 70)[:3]), loc="left", fontsize=12)
        figure.text(0.01, 0.01, printable(text.footer), fontsize=9, color="#555555")
        figure.tight_layout(rect=(0, 0.04, 1, 1))

    return png(8, 1.6 + 0.45 * len(names), draw)
