"""Pure rules of the knowledge base: limits, the member's mistakes, links, ranking signals, the digest's week."""

from __future__ import annotations

import math
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit
from zoneinfo import ZoneInfo

from models.errors import UserError

# Discord's limits: a thread's name holds 100 characters, a modal's paragraph 4,000 (an embed's description 4,096).
TITLE_MAX = 100
CONTENT_MAX = 4000
LINK_MAX = 500
QUERY_MAX = 200
RESOURCE_TITLE_MAX = 200
TOPIC_MAX = 50
TAG_NAME_MAX = 20  # a forum tag's name
MAX_TAGS = 5  # tags on one forum post
PAGE_SIZE = 5
RESOURCE_PAGE_SIZE = 4  # one row of buttons per resource, and one for the pages: Discord allows five rows
MAX_RESULTS = 100  # counted up to here ("100+")
SEARCH_KEPT = timedelta(days=1)  # a search's pages keep working this long
DIGEST_HOUR = 9
DEFAULT_DIGEST_DAY = 0  # Monday
DIGEST_ITEMS = 5
DEFAULT_HELPFUL_EMOJI = "👍"

# BM25, as SQLite's FTS5 computes it (k1 and b are fixed there); PostgreSQL's ranking repeats the same formula.
K1 = 1.2
B = 0.75
TITLE_WEIGHT = 3.0
BODY_WEIGHT = 1.0
# Ranking signals multiply relevance: an accepted answer and a solved thread first, helpful reactions next.
SOLVED_BOOST = 0.5
ACCEPTED_BOOST = 1.0
HELPFUL_BOOST = 0.2


class Kind(StrEnum):
    """What an indexed message is: a thread's first message, a reply in it, or a message saved from anywhere."""

    POST = "post"
    REPLY = "reply"
    SAVED = "saved"


class Tag(StrEnum):
    """The forum tags Agora uses; hosts may map their own tags to them."""

    QUESTION = "question"
    TUTORIAL = "tutorial"
    TIP = "tip"
    SOLVED = "solved"


SHARE_TAGS = (Tag.QUESTION, Tag.TUTORIAL, Tag.TIP)
DEFAULT_TAG_NAMES = {
    "en": {Tag.QUESTION: "Question", Tag.TUTORIAL: "Tutorial", Tag.TIP: "Tip", Tag.SOLVED: "Solved"},
    "fr": {Tag.QUESTION: "Question", Tag.TUTORIAL: "Tutoriel", Tag.TIP: "Astuce", Tag.SOLVED: "Résolu"},
}
TAG_EMOJI = {Tag.QUESTION: "❓", Tag.TUTORIAL: "📘", Tag.TIP: "💡", Tag.SOLVED: "✅"}


class Level(StrEnum):
    BEGINNER = "beginner"
    INTERMEDIATE = "intermediate"
    ADVANCED = "advanced"


class ResourceStatus(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"


class Mark(StrEnum):
    """Where a resource sits in a member's own list."""

    TO_READ = "to_read"
    READ = "read"


RESOURCE_LANGUAGES = ("fr", "en", "other")


# --- the member's mistakes -----------------------------------------------------------------------------------


class NoKnowledgeChannelError(UserError, key="knowledge.channel.missing"): ...


class TitleEmptyError(UserError, key="knowledge.share.title_empty"): ...


class TitleTooLongError(UserError, key="knowledge.share.title_too_long"): ...


class ContentEmptyError(UserError, key="knowledge.share.content_empty"): ...


class ContentTooLongError(UserError, key="knowledge.share.content_too_long"): ...


class LinkInvalidError(UserError, key="knowledge.link.invalid"): ...


class TagRequiredError(UserError, key="knowledge.share.tag_required"): ...


class QueryEmptyError(UserError, key="knowledge.search.empty"): ...


class QueryTooVagueError(UserError, key="knowledge.search.vague"): ...


class SaveBotMessageError(UserError, key="knowledge.save.bot"): ...


class SaveEphemeralError(UserError, key="knowledge.save.ephemeral"): ...


class SaveEmptyError(UserError, key="knowledge.save.empty"): ...


class AlreadySavedError(UserError, key="knowledge.save.already"): ...


class WithdrawnError(UserError, key="knowledge.save.withdrawn"):
    """The author withdrew this message: nobody saves it again."""


class SaveHiddenError(UserError, key="knowledge.save.hidden"): ...


class AuthorOptedOutError(UserError, key="knowledge.save.opted_out"): ...


class NotAKnowledgeThreadError(UserError, key="knowledge.answer.not_thread"): ...


class AnswerNotAllowedError(UserError, key="knowledge.answer.not_allowed"): ...


class AnswerIsPostError(UserError, key="knowledge.answer.is_post"): ...


class ResourceTitleError(UserError, key="knowledge.resource.title"): ...


class ResourceTopicError(UserError, key="knowledge.resource.topic"): ...


class ResourceDuplicateError(UserError, key="knowledge.resource.duplicate"): ...


class ResourceDecidedError(UserError, key="knowledge.resource.decided"): ...


# --- checks ---------------------------------------------------------------------------------------------------


def check_title(title: str, limit: int = TITLE_MAX) -> str:
    title = " ".join(title.split())
    if not title:
        raise TitleEmptyError()
    if len(title) > limit:
        raise TitleTooLongError(limit=limit, length=len(title))
    return title


def check_content(content: str) -> str:
    content = content.strip()
    if not content:
        raise ContentEmptyError()
    if len(content) > CONTENT_MAX:
        raise ContentTooLongError(limit=CONTENT_MAX, length=len(content))
    return content


def check_query(text: str) -> str:
    text = " ".join(text.split())
    if not text:
        raise QueryEmptyError()
    return text[:QUERY_MAX]


def check_link(link: str) -> str:
    """An http(s) link with a host, as typed (trimmed); anything else is refused."""
    link = link.strip()
    try:
        parts = urlsplit(link)
        host = parts.hostname
    except ValueError:
        raise LinkInvalidError(link=link[:100]) from None
    if parts.scheme.lower() not in ("http", "https") or not host or len(link) > LINK_MAX or " " in link:
        raise LinkInvalidError(link=link[:100])
    return link


TRACKING = ("utm_", "fbclid", "gclid", "mc_cid", "mc_eid", "ref_src")


def normalize_url(link: str) -> str:
    """One spelling per resource, so the same link cannot be suggested twice: https, lower-case host without
    `www.` or default port, no fragment, no tracking parameters, sorted query, no trailing slash."""
    parts = urlsplit(check_link(link))
    host = (parts.hostname or "").lower().removeprefix("www.")
    port = parts.port if parts.port not in (None, 80, 443) else None
    query = sorted(
        (key, value)
        for key, value in parse_qsl(parts.query, keep_blank_values=True)
        if not key.lower().startswith(TRACKING)
    )
    path = parts.path.rstrip("/")
    return urlunsplit(("https", f"{host}:{port}" if port else host, path, urlencode(query), ""))


def check_resource(title: str, topic: str) -> tuple[str, str]:
    title = " ".join(title.split())
    topic = " ".join(topic.split())
    if not title or len(title) > RESOURCE_TITLE_MAX:
        raise ResourceTitleError(limit=RESOURCE_TITLE_MAX)
    if not topic or len(topic) > TOPIC_MAX:
        raise ResourceTopicError(limit=TOPIC_MAX)
    return title, topic


# --- ranking ------------------------------------------------------------------------------------------------


def boost(*, solved: bool, accepted: bool, helpful: int) -> float:
    """How much more an entry weighs than its text alone: accepted answers, solved threads, helpful reactions."""
    return 1.0 + SOLVED_BOOST * solved + ACCEPTED_BOOST * accepted + HELPFUL_BOOST * math.log1p(max(0, helpful))


def idf(rows: int, hits: int) -> float:
    """FTS5's inverse document frequency: never zero or negative (a term in most rows still counts a little)."""
    value = math.log((rows - hits + 0.5) / (hits + 0.5)) if rows else 0.0
    return value if value > 0 else 1e-6


def bm25(frequencies: dict[str, float], idfs: dict[str, float], length: int, average: float) -> float:
    """BM25 of one entry: `frequencies` are the weighted hits per term (title hits count `TITLE_WEIGHT`)."""
    norm = K1 * (1 - B + B * length / average) if average else K1
    return sum(idfs[term] * (freq * (K1 + 1)) / (freq + norm) for term, freq in frequencies.items() if freq)


# --- the weekly digest ------------------------------------------------------------------------------------------

WEEKDAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")


def digest_rule(day: int) -> str:
    return f"FREQ=WEEKLY;BYDAY={WEEKDAYS[day]}"


def next_digest(now: datetime, day: int, zone: ZoneInfo) -> datetime:
    """The next `day` (0 = Monday) at DIGEST_HOUR in the community's time zone, after `now` (aware UTC)."""
    local = now.astimezone(zone)
    candidate = local.replace(hour=DIGEST_HOUR, minute=0, second=0, microsecond=0)
    candidate += timedelta(days=(day - local.weekday()) % 7)
    if candidate <= local:
        candidate += timedelta(days=7)
    # Rebuild the wall-clock time in the zone, so a daylight-saving change in between keeps DIGEST_HOUR.
    wall = datetime(candidate.year, candidate.month, candidate.day, DIGEST_HOUR, tzinfo=zone)
    return wall.astimezone(UTC)


def digest_week(due_at: datetime, zone: ZoneInfo) -> str:
    """The ISO week an occurrence belongs to in the community's time zone ("2026-W23"): one digest each."""
    year, week, _ = due_at.astimezone(zone).isocalendar()
    return f"{year}-W{week:02d}"


@dataclass(frozen=True)
class Page:
    """Which slice of results a page shows, and how many pages there are."""

    number: int
    count: int

    @classmethod
    def of(cls, wanted: int, total: int, size: int) -> Page:
        count = max(1, math.ceil(min(total, MAX_RESULTS) / size))
        return cls(min(max(0, wanted), count - 1), count)


# --- catching up after downtime --------------------------------------------------------------------------------


def out_of_date(indexed: Mapping[int, datetime | None], message_id: int, edited_at: datetime | None) -> bool:
    """Whether a message read back from Discord must be indexed again: never indexed, or edited since (`indexed`
    maps each indexed message to when it was last edited)."""
    if message_id not in indexed:
        return True
    known = indexed[message_id]
    return edited_at is not None and (known is None or edited_at > known)


def vanished(indexed: Iterable[int], read: Collection[int], *, whole_thread: bool) -> list[int]:
    """Indexed messages Discord no longer has, among those the read covered: the whole thread, or (when only its
    latest messages were read) from the oldest message read on."""
    if not read:
        return sorted(indexed) if whole_thread else []
    oldest = min(read)
    return sorted(m for m in indexed if m not in read and (whole_thread or m >= oldest))
