"""When a series happens: RFC 5545 rules expanded by dateutil in the series' wall-clock time, then placed in UTC.

Rules run on naive local times, so a session at 18:00 stays at 18:00 across daylight-saving changes. A wall-clock
time that does not exist (02:30 on a spring-forward day) is read with the offset in force before the gap, as RFC 5545
(3.3.5) says: it becomes 03:30, and the slot says so (`shifted`) so the host can be told. A time that happens twice
(autumn) is its first instance. Pure functions: no database, no Discord.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum
from itertools import islice, pairwise
from zoneinfo import ZoneInfo

from dateutil.rrule import DAILY, rrule, rrulestr

from models.errors import UserError

MAX_COUNT = 500
MAX_PER_YEAR = 500
MIN_GAP = timedelta(hours=1)
YEAR = timedelta(days=365)
RULE_MAX = 500
WEEKDAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
DAY_WORDS = {
    **dict.fromkeys(("mo", "mon", "monday", "lu", "lun", "lundi"), 0),
    **dict.fromkeys(("tu", "tue", "tues", "tuesday", "ma", "mar", "mardi"), 1),
    **dict.fromkeys(("we", "wed", "wednesday", "me", "mer", "mercredi"), 2),
    **dict.fromkeys(("th", "thu", "thur", "thurs", "thursday", "je", "jeu", "jeudi"), 3),
    **dict.fromkeys(("fr", "fri", "friday", "ve", "ven", "vendredi"), 4),
    **dict.fromkeys(("sa", "sat", "saturday", "sam", "samedi"), 5),
    **dict.fromkeys(("su", "sun", "sunday", "di", "dim", "dimanche"), 6),
}
UNTIL_UTC = re.compile(r"UNTIL=(\d{8}T\d{6})Z")
WALL_CLOCK = "%Y-%m-%dT%H:%M"


class Repeat(StrEnum):
    NONE = "none"
    DAILY = "daily"
    WEEKLY = "weekly"
    BIWEEKLY = "biweekly"
    MONTHLY_WEEKDAY = "monthly_weekday"
    MONTHLY_DAY = "monthly_day"


class RuleUnreadableError(UserError, key="sessions.create.rule_unreadable"): ...


class RuleTooFrequentError(UserError, key="sessions.create.rule_too_frequent"): ...


class RuleTooManyError(UserError, key="sessions.create.rule_too_many"): ...


class CountTooHighError(UserError, key="sessions.create.count_too_high"): ...


class EndBeforeStartError(UserError, key="sessions.create.end_before_start"): ...


class DaysUnreadableError(UserError, key="sessions.create.days_unreadable"): ...


@dataclass(frozen=True)
class Slot:
    """The n-th occurrence of a rule: its wall-clock time, its start in UTC, and whether that wall time existed."""

    index: int
    local: datetime
    start: datetime
    shifted: bool


def wall_clock(moment: datetime) -> str:
    return moment.strftime(WALL_CLOCK)


def from_wall_clock(text: str) -> datetime:
    return datetime.strptime(text, WALL_CLOCK)  # noqa: DTZ007 (a wall-clock time: the zone is the series')


def to_utc(local: datetime, zone: ZoneInfo) -> tuple[datetime, bool]:
    """A naive wall-clock time in `zone` as aware UTC, and True when that wall time does not exist there.

    zoneinfo's fold=0 reads a missing time with the offset before the gap and a repeated time as its first
    instance, which is RFC 5545's reading of both.
    """
    moment = local.replace(tzinfo=zone).astimezone(UTC)
    return moment, moment.astimezone(zone).replace(tzinfo=None) != local


def parse_days(text: str | None) -> tuple[int, ...]:
    """ "mon wed", "lun,mer", "TU TH" → weekday numbers (Monday 0), in week order."""
    if text is None or not text.strip():
        return ()
    days = set()
    for word in re.split(r"[\s,;/+]+", text.strip().lower()):
        if not word:
            continue
        day = DAY_WORDS.get(word.rstrip("."))
        if day is None:
            raise DaysUnreadableError(value=text.strip()[:100])
        days.add(day)
    return tuple(sorted(days))


def build_rule(
    repeat: Repeat,
    start: datetime,
    *,
    days: Sequence[int] = (),
    until: date | None = None,
    count: int | None = None,
) -> str | None:
    """The RRULE for a choice made from the menu (None for a single session); `start` is the wall-clock first start."""
    if repeat is Repeat.NONE:
        return None
    chosen = ",".join(WEEKDAYS[day] for day in (days or (start.weekday(),)))
    parts = {
        Repeat.DAILY: ["FREQ=DAILY"],
        Repeat.WEEKLY: ["FREQ=WEEKLY", f"BYDAY={chosen}"],
        Repeat.BIWEEKLY: ["FREQ=WEEKLY", "INTERVAL=2", f"BYDAY={chosen}"],
        Repeat.MONTHLY_WEEKDAY: ["FREQ=MONTHLY", f"BYDAY={nth_weekday(start)}"],
        Repeat.MONTHLY_DAY: ["FREQ=MONTHLY", f"BYMONTHDAY={start.day}"],
    }[repeat]
    if count is not None:
        parts.append(f"COUNT={count}")
    elif until is not None:
        parts.append(f"UNTIL={until:%Y%m%d}T235959")
    return ";".join(parts)


def nth_weekday(start: datetime) -> str:
    """ "+2TU" for the second Tuesday; a fifth weekday is "the last" ("-1TU"), which every month has."""
    week = (start.day - 1) // 7 + 1
    return f"{'-1' if week == 5 else f'+{week}'}{WEEKDAYS[start.weekday()]}"


def normalize_rule(text: str, zone: ZoneInfo) -> str:
    """A host's raw RRULE, one line without DTSTART; a UTC UNTIL becomes the same instant in wall-clock time."""
    rule = text.strip().upper().removeprefix("RRULE:").strip()
    if not rule or len(rule) > RULE_MAX or "\n" in rule or "\r" in rule or "DTSTART" in rule or ":" in rule:
        raise RuleUnreadableError(value=text.strip()[:100])

    def local_until(match: re.Match[str]) -> str:
        moment = datetime.strptime(match[1], "%Y%m%dT%H%M%S").replace(tzinfo=UTC)
        return f"UNTIL={moment.astimezone(zone):%Y%m%dT%H%M%S}"

    return UNTIL_UTC.sub(local_until, rule)


def expand(rule: str | None, start: datetime) -> rrule:
    """The dateutil rule over wall-clock times (a single session is a rule of one)."""
    if rule is None:
        return rrule(DAILY, count=1, dtstart=start)
    try:
        parsed = rrulestr(rule, dtstart=start)
    except (ValueError, TypeError, KeyError, IndexError, OverflowError):
        raise RuleUnreadableError(value=rule[:100]) from None
    if not isinstance(parsed, rrule):
        raise RuleUnreadableError(value=rule[:100])
    return parsed


def check_rule(rule: str | None, start: datetime, *, until: date | None = None) -> datetime:
    """Refuse what the issue forbids; returns the first occurrence's wall-clock time.

    More frequent than hourly (by frequency, or two slots less than an hour apart), more than 500 a year or a
    count over 500, an end before the start, or a rule that never happens.
    """
    if until is not None and until < start.date():
        raise EndBeforeStartError()
    recurrence = expand(rule, start)
    parts = rule_parts(rule)
    if parts.get("FREQ") in ("MINUTELY", "SECONDLY"):
        raise RuleTooFrequentError()
    if int(parts.get("COUNT", "0") or 0) > MAX_COUNT:
        raise CountTooHighError(limit=MAX_COUNT)
    try:
        first_year = list(islice(_within(recurrence, start + YEAR), MAX_PER_YEAR + 1))
    except (ValueError, OverflowError):
        raise RuleUnreadableError(value=(rule or "")[:100]) from None
    if not first_year:
        raise EndBeforeStartError()
    if len(first_year) > MAX_PER_YEAR:
        raise RuleTooManyError(limit=MAX_PER_YEAR)
    if any(later - earlier < MIN_GAP for earlier, later in pairwise(first_year)):
        raise RuleTooFrequentError()
    return first_year[0]


def rule_parts(rule: str | None) -> dict[str, str]:
    """ "FREQ=WEEKLY;COUNT=3" → {"FREQ": "WEEKLY", "COUNT": "3"} (a rule dateutil already accepted)."""
    if not rule:
        return {}
    return dict(part.partition("=")[::2] for part in rule.split(";") if part)


def _within(recurrence: rrule, end: datetime) -> Iterator[datetime]:
    for moment in recurrence:
        if moment >= end:
            return
        yield moment


def slots(
    rule: str | None,
    start: datetime,
    zone: ZoneInfo,
    *,
    first: int = 0,
    until: datetime | None = None,
    at_least: int = 0,
    limit: int = MAX_COUNT,
) -> tuple[list[Slot], bool]:
    """Slots from index `first`: those starting by `until` (aware UTC), and at least `at_least` of them.

    Also says whether the rule has more slots after those (False: it ended).
    """
    found: list[Slot] = []
    for index, local in enumerate(islice(expand(rule, start), first, None), start=first):
        moment, shifted = to_utc(local, zone)
        if len(found) >= limit or (until is not None and moment > until and len(found) >= at_least):
            return found, True
        found.append(Slot(index, local, moment, shifted))
    return found, False


def year_of_slots(rule: str | None, start: datetime, zone: ZoneInfo) -> list[Slot]:
    """Every slot in the year after `start` (what the benchmark expands)."""
    end = to_utc(start + YEAR, zone)[0]
    found, _ = slots(rule, start, zone, until=end)
    return [slot for slot in found if slot.start < end]
