"""The onboarding report as one PNG: the funnel, then one bar chart per choice or scale question.

Built with matplotlib's object API and the Agg canvas (no pyplot): safe to run in a worker thread.
Labels arrive already localized; this module only draws.
"""

from __future__ import annotations

import io
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass

BAR_COLOR = "#5865F2"
MAX_LABEL = 40


@dataclass(frozen=True)
class Bars:
    title: str
    labels: list[str]
    values: list[int]


def render(panels: Sequence[Bars], *, axis_label: str) -> bytes:
    """One horizontal bar chart per panel, stacked, as PNG bytes."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    heights = [0.8 + 0.3 * max(len(panel.labels), 1) for panel in panels]
    figure = Figure(figsize=(8, sum(heights) + 0.4 * len(panels)), dpi=100, layout="constrained")
    FigureCanvasAgg(figure)
    axes = figure.subplots(len(panels), 1, squeeze=False, gridspec_kw={"height_ratios": heights})
    for axis, panel in zip(axes[:, 0], panels, strict=True):
        positions = list(range(len(panel.labels)))
        axis.barh(positions, panel.values, color=BAR_COLOR)
        axis.set_yticks(
            positions, labels=[textwrap.shorten(label, MAX_LABEL, placeholder="…") for label in panel.labels]
        )
        axis.invert_yaxis()
        axis.set_title(textwrap.fill(panel.title, 60), loc="left", fontsize=10)
        axis.set_xlabel(axis_label)
        axis.xaxis.get_major_locator().set_params(integer=True)
        axis.set_xlim(0, max([*panel.values, 1]) * 1.15)
        for position, value in zip(positions, panel.values, strict=True):
            axis.annotate(str(value), (value, position), xytext=(3, 0), textcoords="offset points", va="center")
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()
