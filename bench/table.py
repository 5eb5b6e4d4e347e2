"""One row of the figures `python -m bench` prints: what was measured, against what, and the target."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Row:
    """`value` and `anchor` in the same unit (named in `figure`); the anchor was measured in the same run.

    `met` says whether the value meets `target` (None: a figure without a target)."""

    figure: str
    value: float
    anchor: float | None = None
    anchor_name: str = ""
    target: str = ""
    met: bool | None = None

    @property
    def ratio(self) -> float | None:
        return self.value / self.anchor if self.anchor else None


@contextmanager
def scaled(namespace: dict[str, Any], **sizes: Any) -> Iterator[None]:
    """Run a benchmark at another size: its module's size constants set for a while (`python -m bench`)."""
    before = {name: namespace[name] for name in sizes}
    namespace.update(sizes)
    try:
        yield
    finally:
        namespace.update(before)
