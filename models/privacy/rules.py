"""Pure rules of the privacy capability: packing an export under a size limit, counting what it holds, cut-offs."""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from models.errors import UserError

DISCORD_FILE_LIMIT = 25 * 1024 * 1024  # bytes: Discord's upload limit for a server without boosts
ATTACHMENTS_PER_MESSAGE = 10


class NothingHeldError(UserError, key="privacy.nothing_held"):
    """Export or erase for a member Agora holds nothing about here (an erase asked twice lands here too)."""


def to_json(data: Any) -> bytes:
    """UTF-8 JSON, indented for people to read; datetimes and other values as text."""
    return json.dumps(data, ensure_ascii=False, indent=2, sort_keys=False, default=str).encode("utf-8")


def package(data: bytes, stem: str, limit: int = DISCORD_FILE_LIMIT) -> list[tuple[str, bytes]]:
    """The export as files that each fit under `limit` bytes: the JSON as is; else zipped; else the zip in parts
    (`.zip.001`, `.zip.002`…, joined back with `cat` or any archive tool that reads split archives)."""
    if len(data) <= limit:
        return [(f"{stem}.json", data)]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr(f"{stem}.json", data)
    zipped = buffer.getvalue()
    if len(zipped) <= limit:
        return [(f"{stem}.zip", zipped)]
    parts = [zipped[start : start + limit] for start in range(0, len(zipped), limit)]
    return [(f"{stem}.zip.{number:03d}", part) for number, part in enumerate(parts, start=1)]


def batches(
    files: list[tuple[str, bytes]], limit: int = DISCORD_FILE_LIMIT, per_message: int = ATTACHMENTS_PER_MESSAGE
) -> list[list[tuple[str, bytes]]]:
    """Files grouped as Discord takes them in one message: at most ten, together at most `limit` bytes."""
    grouped: list[list[tuple[str, bytes]]] = []
    size = 0
    for name, data in files:
        if not grouped or len(grouped[-1]) >= per_message or size + len(data) > limit:
            grouped.append([])
            size = 0
        grouped[-1].append((name, data))
        size += len(data)
    return grouped


def item_count(value: Any) -> int:
    """How many things an export section holds: a list's items, a mapping of records' records (answers by
    question), 1 for one record (a profile) or one value, 0 for nothing."""
    if value is None or value == [] or value == {} or value == "" or value is False:
        return 0
    if isinstance(value, list):
        return len(value)
    if isinstance(value, Mapping) and all(isinstance(item, Mapping) for item in value.values()):
        return len(value)
    return 1


def counts(exported: Mapping[str, Mapping[str, Any]]) -> dict[str, int]:
    """Per capability, how many things the export holds (capabilities holding nothing are left out)."""
    found = {name: sum(item_count(value) for value in sections.values()) for name, sections in exported.items()}
    return {name: count for name, count in found.items() if count}


def cutoff(now: datetime, days: int) -> datetime:
    return now - timedelta(days=days)
