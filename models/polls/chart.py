"""The results bar chart as a PNG, drawn with matplotlib's Agg canvas (no display, no pyplot global state).

Rendering takes tens of milliseconds: call `render_chart` through `asyncio.to_thread`, never on the event loop.
matplotlib is imported on the first chart, not at start: it costs about a second and 50 MB that only closing polls need.
"""

from __future__ import annotations

import io
import textwrap
import threading
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

BAR_COLOR = "#5865F2"
LEADER_COLOR = "#57F287"
# matplotlib's font caches are shared: one chart at a time keeps them consistent across threads.
_LOCK = threading.Lock()


@dataclass(frozen=True)
class ChartText:
    """Every word on the chart, already in the poll's language."""

    title: str
    axis: str
    footer: str


def printable(label: str) -> str:
    """Drop what the bundled DejaVu font cannot draw: emoji outside the basic plane, joiners, selectors, and control
    or unassigned characters (a member may type any of them into a question or an option)."""
    kept = "".join(
        char
        for char in label
        if ord(char) <= 0xFFFF
        and char not in "\u200d\ufe0f\ufe0e\u20e3"
        and unicodedata.category(char) not in ("Cc", "Cf", "Cn", "Cs", "Co")
    )
    return " ".join(kept.split())


def render_chart(text: ChartText, labels: Sequence[str], counts: Sequence[int]) -> bytes:
    """A horizontal bar per option, top to bottom in poll order, the leaders highlighted."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    names = [textwrap.shorten(printable(label) or f"#{index + 1}", 40) for index, label in enumerate(labels)]
    best = max(counts, default=0)
    height = 1.6 + 0.45 * len(names)
    with _LOCK:
        figure = Figure(figsize=(8, height), dpi=100)
        FigureCanvasAgg(figure)
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
        buffer = io.BytesIO()
        figure.savefig(buffer, format="png")
    return buffer.getvalue()
