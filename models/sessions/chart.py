"""The feedback trend as one PNG: the average rating of each occurrence (or pulse round) as a line, with how many
answered as bars behind it (`models.charts`: call it through `asyncio.to_thread`).
"""

from __future__ import annotations

import textwrap
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from models.charts import png, printable

if TYPE_CHECKING:
    from matplotlib.figure import Figure

LINE_COLOR = "#5865F2"
BAR_COLOR = "#D0D4F7"


@dataclass(frozen=True)
class TrendText:
    """Every word on the chart, already in the host's language."""

    title: str
    rating_axis: str
    answers_axis: str


def render_trend(
    text: TrendText, labels: Sequence[str], averages: Sequence[float | None], answers: Sequence[int]
) -> bytes:
    """One point per occurrence, left to right in time; occurrences without answers leave a gap in the line."""
    positions = list(range(len(labels)))

    def draw(figure: Figure) -> None:
        from matplotlib.ticker import MaxNLocator

        bars = figure.add_subplot()
        bars.bar(positions, answers, color=BAR_COLOR, width=0.6)
        bars.set_ylabel(printable(text.answers_axis))
        bars.yaxis.set_major_locator(MaxNLocator(integer=True))
        bars.set_ylim(0, max([*answers, 1]) * 1.3)
        line = bars.twinx()
        values = [float("nan") if value is None else value for value in averages]
        line.plot(positions, values, marker="o", color=LINE_COLOR, linewidth=2)
        line.set_ylim(0.5, 5.5)
        line.set_yticks([1, 2, 3, 4, 5])
        line.set_ylabel(printable(text.rating_axis))
        names = [textwrap.shorten(printable(label) or "?", 16, placeholder="…") for label in labels]
        bars.set_xticks(positions, names, rotation=45)
        bars.set_title("\n".join(textwrap.wrap(printable(text.title), 70)[:2]), loc="left", fontsize=11)
        figure.tight_layout()

    return png(max(6.0, min(16.0, 1 + 0.6 * len(labels))), 4.2, draw)
