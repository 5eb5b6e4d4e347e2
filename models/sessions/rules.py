"""Pure rules of sessions: reading what hosts and members type, seats and the waitlist, attendance, statistics.

Every mistake a member can fix is a `UserError` naming its i18n key; nothing here touches a database or Discord.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from enum import StrEnum
from urllib.parse import urlsplit

from models.errors import UserError

TITLE_MAX = 100  # a native event's name is at most 100 characters
DESCRIPTION_MAX = 1000  # and its description at most 1000
SPEAKERS_MAX = 200
LINK_MAX = 500
LOCATION_MAX = 100  # an external event's location
COMMENT_MAX = 1000
QUESTION_MAX = 300
MAX_DURATION = timedelta(hours=24)
MAX_LEAD = timedelta(days=28)
MAX_LEADS = 4
MAX_CAPACITY = 100_000
MAX_NATIVE_EVENTS = 10
DEFAULT_LEADS = (timedelta(days=7), timedelta(days=1))
REMINDER_CHOICES = (15, 60, 1440)  # minutes: what `/session reminders` offers
DEFAULT_REMINDERS = (60,)
MAX_AHEAD = timedelta(days=3 * 366)
THERE_AFTER = timedelta(hours=1)  # "I was there" stays open this long after the end
DURATION_PART = re.compile(r"(\d+)\s*([a-zé]+)")
DURATION_TEXT = re.compile(r"^(?:\d+\s*[a-zé]+\s*)+(?:\d+)?$")
UNITS = {
    **dict.fromkeys(("m", "min", "mins", "minute", "minutes", "mn"), timedelta(minutes=1)),
    **dict.fromkeys(("h", "hr", "hrs", "hour", "hours", "heure", "heures"), timedelta(hours=1)),
    **dict.fromkeys(("d", "j", "day", "days", "jour", "jours"), timedelta(days=1)),
    **dict.fromkeys(("w", "sem", "week", "weeks", "semaine", "semaines"), timedelta(weeks=1)),
}
DATE_TIME_FORMATS = (
    "%Y-%m-%d %H:%M",
    "%Y-%m-%dT%H:%M",
    "%Y-%m-%d %Hh%M",
    "%Y-%m-%d %Hh",
    "%d/%m/%Y %H:%M",
    "%d/%m/%Y %Hh%M",
    "%d/%m/%Y %Hh",
)
DATE_FORMATS = ("%Y-%m-%d", "%d/%m/%Y")
TIME_FORMATS = ("%H:%M", "%Hh%M", "%Hh")


class Format(StrEnum):
    WEBINAR = "webinar"
    WORKSHOP = "workshop"
    SHARING = "sharing"
    READING_CLUB = "reading_club"
    OFFICE_HOURS = "office_hours"
    OTHER = "other"


class Status(StrEnum):
    GOING = "going"
    MAYBE = "maybe"
    CANT = "cant"
    WAITLIST = "waitlist"


class Location(StrEnum):
    VOICE = "voice"
    STAGE = "stage"
    EXTERNAL = "external"


class State(StrEnum):
    SCHEDULED = "scheduled"
    CANCELLED = "cancelled"
    DONE = "done"


# --- mistakes the member can fix ------------------------------------------------------------------------------


class DateUnreadableError(UserError, key="sessions.create.date_unreadable"): ...


class DateInPastError(UserError, key="sessions.create.date_past"): ...


class DateTooFarError(UserError, key="sessions.create.date_too_far"): ...


class TimeUnreadableError(UserError, key="sessions.edit.time_unreadable"): ...


class DurationUnreadableError(UserError, key="sessions.create.duration_unreadable"): ...


class DurationTooLongError(UserError, key="sessions.create.duration_too_long"): ...


class LeadUnreadableError(UserError, key="sessions.create.lead_unreadable"): ...


class LinkInvalidError(UserError, key="sessions.create.link_invalid"): ...


class LocationMissingError(UserError, key="sessions.create.location_missing"): ...


class LocationTwiceError(UserError, key="sessions.create.location_twice"): ...


class CapacityInvalidError(UserError, key="sessions.create.capacity_invalid"): ...


class TextTooLongError(UserError, key="sessions.create.title_too_long"):
    """Its key names the field: `sessions.create.title_too_long`, `…speakers_too_long`, `…description_too_long`."""


class TitleEmptyError(UserError, key="sessions.create.title_empty"): ...


class RatingInvalidError(UserError, key="sessions.feedback.rating_invalid"): ...


class CommentTooLongError(UserError, key="sessions.feedback.comment_too_long"): ...


# --- reading what hosts type ---------------------------------------------------------------------------------


ROW_ID_MAX = 2**31 - 1  # Agora's own row ids are INTEGER columns


def row_id(value: int | str | None) -> int | None:
    """One of our row ids from an autocomplete value or a custom id; None for anything else (PostgreSQL refuses to
    compare an INTEGER column with a number beyond it, so a hostile value must never reach a query)."""
    text = str(value if value is not None else "").strip()
    if not text.isdigit() or len(text) > 10:
        return None
    number = int(text)
    return number if 0 < number <= ROW_ID_MAX else None


def normalize(text: str) -> str:
    """NFKC, no control characters, single spaces: what a host meant, whatever their keyboard sent."""
    cleaned = unicodedata.normalize("NFKC", text)
    cleaned = "".join(char for char in cleaned if unicodedata.category(char)[0] != "C" or char in "\n")
    return " ".join(cleaned.split())


def parse_local(text: str) -> datetime:
    """ "2027-03-16 18:00" or "16/03/2027 18h00" → a naive wall-clock time (the server's zone is applied later)."""
    cleaned = normalize(text).lower()
    for pattern in DATE_TIME_FORMATS:
        try:
            return datetime.strptime(cleaned, pattern)  # noqa: DTZ007 (wall-clock: the zone comes with the series)
        except ValueError:
            continue
    raise DateUnreadableError(value=cleaned[:100])


def parse_date(text: str | None) -> date | None:
    if text is None or not text.strip():
        return None
    cleaned = normalize(text).lower()
    for pattern in DATE_FORMATS:
        try:
            return datetime.strptime(cleaned, pattern).date()  # noqa: DTZ007 (a calendar date)
        except ValueError:
            continue
    raise DateUnreadableError(value=cleaned[:100])


def parse_clock(text: str) -> tuple[int, int]:
    """ "18:30", "18h30", "18h" → (18, 30)."""
    cleaned = normalize(text).lower()
    for pattern in TIME_FORMATS:
        try:
            parsed = datetime.strptime(cleaned, pattern)  # noqa: DTZ007 (a time of day)
        except ValueError:
            continue
        return parsed.hour, parsed.minute
    raise TimeUnreadableError(value=cleaned[:100])


def check_start(start: datetime, now: datetime) -> None:
    """A first start (aware UTC) must be ahead, and not absurdly far."""
    if start <= now:
        raise DateInPastError()
    if start - now > MAX_AHEAD:
        raise DateTooFarError()


def parse_duration(text: str) -> timedelta:
    """ "90m", "1h30", "1 h 30 min", "2h" → a duration of at most 24 hours."""
    cleaned = normalize(text).lower().replace(" ", "")
    if not DURATION_TEXT.match(cleaned):
        raise DurationUnreadableError(value=cleaned[:100])
    total, unit = timedelta(), timedelta()
    for amount, name in DURATION_PART.findall(cleaned):
        unit = UNITS.get(name, timedelta())
        if not unit:
            raise DurationUnreadableError(value=cleaned[:100])
        total += int(amount) * unit
    trailing = re.search(r"(\d+)$", cleaned)
    if trailing and unit == timedelta(hours=1):
        total += int(trailing[1]) * timedelta(minutes=1)  # "1h30"
    elif trailing:
        raise DurationUnreadableError(value=cleaned[:100])
    if total <= timedelta():
        raise DurationUnreadableError(value=cleaned[:100])
    if total > MAX_DURATION:
        raise DurationTooLongError()
    return total


def parse_leads(text: str | None) -> tuple[timedelta, ...]:
    """ "7d 1d", "2d, 3h", "none" → when to announce before the start (at most 4, each at most 28 days)."""
    if text is None or not text.strip():
        return DEFAULT_LEADS
    cleaned = normalize(text).lower()
    if cleaned in ("none", "aucune", "0"):
        return ()
    leads: set[timedelta] = set()
    for part in re.split(r"[\s,;]+", cleaned):
        if not part:
            continue
        try:
            lead = parse_duration(part)
        except UserError:
            raise LeadUnreadableError(value=cleaned[:100]) from None
        if lead > MAX_LEAD:
            raise LeadUnreadableError(value=cleaned[:100])
        leads.add(lead)
    if not leads or len(leads) > MAX_LEADS:
        raise LeadUnreadableError(value=cleaned[:100])
    return tuple(sorted(leads, reverse=True))


def check_link(text: str | None) -> str | None:
    """An http(s) address with a host, at most 500 characters (anything else is refused)."""
    if text is None or not text.strip():
        return None
    link = text.strip()
    parts = urlsplit(link)
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname or len(link) > LINK_MAX or " " in link:
        raise LinkInvalidError()
    return link


def check_text(text: str | None, limit: int, what: str) -> str | None:
    """A host's free text, normalized; None when empty; refused beyond `limit` characters."""
    if text is None:
        return None
    cleaned = normalize(text) if "\n" not in text else "\n".join(normalize(line) for line in text.splitlines())
    cleaned = cleaned.strip()
    if len(cleaned) > limit:
        raise TextTooLongError(f"sessions.create.{what}_too_long", limit=limit)
    return cleaned or None


def check_title(text: str) -> str:
    title = check_text(text, TITLE_MAX, "title")
    if title is None:
        raise TitleEmptyError()
    return title


def check_capacity(capacity: int | None) -> int | None:
    if capacity is None:
        return None
    if not 1 <= capacity <= MAX_CAPACITY:
        raise CapacityInvalidError()
    return capacity


def check_rating(text: str) -> int:
    """ "4", " 5 ", "4/5" → 1 to 5; anything else is refused with what to type."""
    cleaned = normalize(text).removesuffix("/5").strip()
    if not cleaned.isdigit() or not 1 <= int(cleaned) <= 5:
        raise RatingInvalidError(value=cleaned[:20])
    return int(cleaned)


def check_comment(text: str | None) -> str | None:
    if text is None or not text.strip():
        return None
    cleaned = "\n".join(" ".join(line.split()) for line in text.strip().splitlines()).strip()
    cleaned = "".join(char for char in cleaned if unicodedata.category(char) != "Cc" or char == "\n")
    if len(cleaned) > COMMENT_MAX:
        raise CommentTooLongError(limit=COMMENT_MAX)
    return cleaned or None


# --- seats, waitlist, reminders -------------------------------------------------------------------------------


def seat_for(wanted: Status, current: Status | None, going: int, capacity: int | None) -> Status:
    """What a member gets: "going" becomes the waitlist when every seat is taken (a member already going keeps it)."""
    if wanted is not Status.GOING or current is Status.GOING or capacity is None:
        return wanted
    return Status.GOING if going < capacity else Status.WAITLIST


def to_promote(waitlist: Sequence[int], going: int, capacity: int | None) -> list[int]:
    """Who leaves the waitlist (first come, first served) for the seats now free."""
    free = len(waitlist) if capacity is None else max(0, capacity - going)
    return list(waitlist[:free])


def reminder_leads(chosen: Iterable[int] | None) -> tuple[int, ...]:
    """A member's lead times in minutes, from what they chose (None: the default, 1 hour)."""
    if chosen is None:
        return DEFAULT_REMINDERS
    return tuple(sorted({minutes for minutes in chosen if minutes in REMINDER_CHOICES}, reverse=True))


# --- attendance ----------------------------------------------------------------------------------------------


def overlap(since: datetime, until: datetime, starts_at: datetime, ends_at: datetime) -> int:
    """Seconds of [since, until] inside the session [starts_at, ends_at]."""
    return max(0, int((min(until, ends_at) - max(since, starts_at)).total_seconds()))


def attended(seconds: int, confirmed: bool, minimum_minutes: int) -> bool:
    return confirmed or seconds >= minimum_minutes * 60


def there_open(now: datetime, starts_at: datetime, ends_at: datetime) -> bool:
    """ "I was there" works during the session and for an hour after it."""
    return starts_at <= now < ends_at + THERE_AFTER


# --- anonymous ballots ---------------------------------------------------------------------------------------


def ballot_id(key: bytes, member_id: int) -> int:
    """An anonymous answer's id while its round is open: HMAC-SHA256 of the member id under the round's key, 63 bits.

    One answer per member can be enforced; once the key is destroyed nobody can recompute who it was.
    """
    digest = hmac.new(key, str(member_id).encode(), hashlib.sha256).digest()
    return int.from_bytes(digest[:8], "big") >> 1


# --- statistics ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Ratings:
    """What hosts read of a set of answers: how many, the average, each rating's count, and of how many asked."""

    ratings: tuple[int, ...] = ()
    asked: int = 0
    comments: tuple[str, ...] = field(default=())

    @property
    def count(self) -> int:
        return len(self.ratings)

    @property
    def average(self) -> float | None:
        return sum(self.ratings) / len(self.ratings) if self.ratings else None

    @property
    def distribution(self) -> tuple[int, ...]:
        return tuple(self.ratings.count(value) for value in range(1, 6))

    @property
    def response_rate(self) -> float | None:
        return min(1.0, self.count / self.asked) if self.asked else None


def combine(parts: Iterable[Ratings]) -> Ratings:
    ratings: list[int] = []
    asked = 0
    comments: list[str] = []
    for part in parts:
        ratings += part.ratings
        asked += part.asked
        comments += part.comments
    return Ratings(tuple(ratings), asked, tuple(comments))
