"""Pure rules of the code of conduct: limits, the member's errors, which texts to publish, who is pending."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from models.errors import UserError
from models.localized import LANGUAGES, Localized

# One embed per language: Discord allows 4,096 characters in an embed description.
TEXT_MAX = 4000
DEFAULT_GRACE_DAYS = 7
MAX_GRACE_DAYS = 90
REPORT_MAX_CHARS = 2000
LINK_MAX_CHARS = 200
LEDGER_COLUMNS = ("member_id", "member_name", "version", "accepted_at")


class ConductNotPublishedError(UserError, key="conduct.accept.not_published"): ...


class ConductOutdatedError(UserError, key="conduct.accept.outdated"):
    """The member clicked the button of a version that is no longer the current one."""


class ConductTextMissingError(UserError, key="conduct.publish.missing_text"): ...


class ConductTextTooLongError(UserError, key="conduct.edit.too_long"): ...


class ConductGraceInvalidError(UserError, key="conduct.settings.grace_invalid"): ...


class ReportEmptyError(UserError, key="conduct.report.empty"): ...


class ReportTooLongError(UserError, key="conduct.report.too_long"): ...


def texts_to_publish(drafts: Mapping[str, str], files: Mapping[str, str]) -> Localized:
    """Per language, the host's draft when there is one, else the config file's text."""
    return Localized.of({language: drafts.get(language) or files.get(language) or "" for language in LANGUAGES})


def check_text(text: str) -> str:
    text = text.strip()
    if len(text) > TEXT_MAX:
        raise ConductTextTooLongError(limit=TEXT_MAX, length=len(text))
    return text


def split_pending(member_ids: Iterable[int], accepted: Iterable[int]) -> tuple[list[int], list[int]]:
    """Members who accepted and who did not, each in the order given."""
    done = set(accepted)
    members = list(dict.fromkeys(member_ids))
    return [m for m in members if m in done], [m for m in members if m not in done]
