"""Pure rules of the code of conduct: limits, the member's errors, which texts to publish, who is pending, CSV."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping
from datetime import datetime

from bot.config import CONDUCT_MAX_CHARS
from bot.errors import UserError

LANGUAGES = ("fr", "en")
LANGUAGE_NAMES = {"fr": "Français", "en": "English"}
DEFAULT_GRACE_DAYS = 7
MAX_GRACE_DAYS = 90
REPORT_MAX_CHARS = 2000
LINK_MAX_CHARS = 200


class ConductNotPublishedError(UserError):
    key = "conduct.accept.not_published"


class ConductOutdatedError(UserError):
    """The member clicked the button of a version that is no longer the current one."""

    key = "conduct.accept.outdated"


class ConductTextMissingError(UserError):
    key = "conduct.publish.missing_text"


class ConductTextTooLongError(UserError):
    key = "conduct.edit.too_long"


class ConductGraceInvalidError(UserError):
    key = "conduct.settings.grace_invalid"


class ReportEmptyError(UserError):
    key = "conduct.report.empty"


class ReportTooLongError(UserError):
    key = "conduct.report.too_long"


def texts_to_publish(drafts: Mapping[str, str], files: Mapping[str, str]) -> dict[str, str]:
    """Per language, the host's draft when there is one, else the config file's text."""
    chosen = {language: (drafts.get(language) or files.get(language) or "").strip() for language in LANGUAGES}
    return {language: text for language, text in chosen.items() if text}


def check_text(text: str) -> str:
    text = text.strip()
    if len(text) > CONDUCT_MAX_CHARS:
        raise ConductTextTooLongError(limit=CONDUCT_MAX_CHARS, length=len(text))
    return text


def split_pending(member_ids: Iterable[int], accepted: Iterable[int]) -> tuple[list[int], list[int]]:
    """Members who accepted and who did not, each in the order given."""
    done = set(accepted)
    members = list(dict.fromkeys(member_ids))
    return [m for m in members if m in done], [m for m in members if m not in done]


def ledger_csv(rows: Iterable[tuple[int, str, int, datetime]]) -> str:
    """The acceptance ledger as CSV: member id, member name, version, accepted at (ISO 8601, UTC)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["member_id", "member_name", "version", "accepted_at"])
    for member_id, name, version, accepted_at in rows:
        writer.writerow([member_id, spreadsheet_safe(name), version, accepted_at.isoformat()])
    return buffer.getvalue()


def spreadsheet_safe(text: str) -> str:
    """Text a spreadsheet will not run as a formula (CSV injection)."""
    return f"'{text}" if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text
