"""What every chart shares: matplotlib's object API on the Agg canvas (no pyplot, no display, no global state), one
chart at a time, and only text the bundled DejaVu font can draw.

matplotlib is imported on the first chart, never at start: it costs about a second and 50 MB that a bot which never
draws does not need. Drawing takes tens of milliseconds: call a chart through `asyncio.to_thread`, never on the
event loop.
"""

from __future__ import annotations

import io
import threading
import unicodedata
from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from matplotlib.figure import Figure

# matplotlib's font caches are shared: one chart at a time keeps them consistent across threads.
_LOCK = threading.Lock()


def printable(text: str) -> str:
    """Drop what the bundled DejaVu font cannot draw: emoji outside the basic plane, joiners, selectors, and control
    or unassigned characters (a member may type any of them into a question, an option or a title)."""
    kept = "".join(
        char
        for char in text
        if ord(char) <= 0xFFFF
        and char not in "\u200d\ufe0f\ufe0e\u20e3"
        and unicodedata.category(char) not in ("Cc", "Cf", "Cn", "Cs", "Co")
    )
    return " ".join(kept.split())


def png(width: float, height: float, draw: Callable[[Figure], None], *, dpi: int = 100) -> bytes:
    """A figure of `width` × `height` inches that `draw` fills, as PNG bytes."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    with _LOCK:
        figure = Figure(figsize=(width, height), dpi=dpi)
        FigureCanvasAgg(figure)
        draw(figure)
        buffer = io.BytesIO()
        figure.savefig(buffer, format="png")
    return buffer.getvalue()
