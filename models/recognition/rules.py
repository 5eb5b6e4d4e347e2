"""Recognition's rules as pure functions: who may thank whom today, which day and period a kudos belongs to in the
server's time zone, streaks, milestone thresholds and anniversaries, and the member's mistakes as `UserError`s."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from dateutil.relativedelta import relativedelta

from models.base import clean_text
from models.errors import UserError
from models.localized import Localized

DEFAULT_CATEGORIES = ("learn", "build", "teach", "share")
CATEGORY_EMOJI = {"learn": "📚", "build": "🛠️", "teach": "🧑‍🏫", "share": "🤝"}
CUSTOM_CATEGORY_EMOJI = "✨"
ALL_CATEGORIES = "*"
MAX_CATEGORIES = 25  # a select menu's options
CATEGORY_NAME_MAX = 40
CATEGORY_KEY = re.compile(r"[a-z][a-z0-9_-]{0,31}")
REASON_MAX = 300
CELEBRATE_MAX = 1000
DEFAULT_REACTION = "🙏"
DEFAULT_REACTION_CATEGORY = "teach"
DEFAULT_ALLOWANCE = 5
MAX_ALLOWANCE = 50
DEFAULT_PAIR_CAP = 2
BACK_THANK = timedelta(minutes=10)
BOARD_PAGE = 10
THRESHOLDS_MAX = 10
LEVEL_MAX = 100_000
# An anniversary is celebrated if it fell within this window (a missed day or a weekly post still catches it).
ANNIVERSARY_WINDOW = timedelta(days=8)
# Images an embed shows, and Discord's own names for them.
IMAGE_TYPES = ("image/png", "image/jpeg", "image/gif", "image/webp")
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".gif", ".webp")


class Source(StrEnum):
    COMMAND = "command"
    MESSAGE = "message"  # the "Give kudos for this message" command
    REACTION = "reaction"


class Action(StrEnum):
    GIVE = "give"
    WITHDRAW = "withdraw"  # the giver took their reaction back
    DROP_MESSAGE = "drop"  # the message was deleted: every kudos for it stops counting
    CLEAR_REACTIONS = "clear"  # a moderator cleared the message's reactions


class Verdict(StrEnum):
    GIVEN = "given"
    ALREADY = "already"  # this giver already thanked this message: nothing changes
    SELF = "self"
    BOT = "bot"
    LEFT = "left"
    EXCLUDED = "excluded"
    UNKNOWN_CATEGORY = "unknown_category"
    REASON_TOO_LONG = "reason_too_long"
    ALLOWANCE = "allowance"
    PAIR_CAP = "pair_cap"
    BACK_THANK = "back_thank"
    WITHDRAWN = "withdrawn"
    NOTHING = "nothing"

    @property
    def refused(self) -> bool:
        return self not in (Verdict.GIVEN, Verdict.ALREADY, Verdict.WITHDRAWN, Verdict.NOTHING)


class EndReason(StrEnum):
    WITHDRAWN = "withdrawn"
    DELETED = "deleted"
    REVOKED = "revoked"


class Cadence(StrEnum):
    DAILY = "daily"
    WEEKLY = "weekly"
    OFF = "off"


class Period(StrEnum):
    WEEK = "week"
    MONTH = "month"
    ALL = "all"


class Board(StrEnum):
    GIVEN = "given"
    RECEIVED = "received"


class MilestoneKind(StrEnum):
    """Every milestone Agora knows. Other capabilities report the first five (see `milestones.report_milestone`)."""

    SHARED_POST = "shared_post"  # knowledge: a member shared a post (level 1: their first)
    ACCEPTED_ANSWER = "accepted_answer"  # knowledge: a member's answer was accepted
    SESSION_ATTENDED = "session_attended"  # sessions: a member attended a session
    MENTORSHIP_COMPLETED = "mentorship_completed"  # mentoring: a mentorship the member took part in was completed
    PROJECT_FINISHED = "project_finished"  # working groups: a project the member worked on was finished
    KUDOS_RECEIVED = "kudos_received"  # recognition itself: kudos received
    ANNIVERSARY = "anniversary"  # recognition itself: years since the member joined


REPORTED_KINDS = frozenset(MilestoneKind) - {MilestoneKind.KUDOS_RECEIVED, MilestoneKind.ANNIVERSARY}
DEFAULT_THRESHOLDS: dict[MilestoneKind, tuple[int, ...]] = {
    MilestoneKind.SHARED_POST: (1,),
    MilestoneKind.ACCEPTED_ANSWER: (1, 10),
    MilestoneKind.SESSION_ATTENDED: (1, 5, 10, 25),
    MilestoneKind.MENTORSHIP_COMPLETED: (1,),
    MilestoneKind.PROJECT_FINISHED: (1,),
    MilestoneKind.KUDOS_RECEIVED: (5, 25, 100),
}


# --- the member's mistakes --------------------------------------------------------------------------------------


class KudosRefusedError(UserError):
    """A kudos that does not count; `key` follows the verdict (`recognition.refused.<verdict>`)."""

    def __init__(self, verdict: Verdict, **params: object) -> None:
        super().__init__(f"recognition.refused.{verdict.value}", **params)


class UnknownKudosError(UserError, key="recognition.revoke.unknown"): ...


class UnknownCategoryError(UserError, key="recognition.category.unknown"): ...


class CategoryKeyError(UserError, key="recognition.category.bad_key"): ...


class CategoryNameError(UserError, key="recognition.category.bad_name"): ...


class TooManyCategoriesError(UserError, key="recognition.category.too_many"): ...


class ThresholdsError(UserError, key="recognition.milestones.bad_thresholds"): ...


class LevelError(UserError, key="recognition.milestones.bad_level"): ...


class NotReportedKindError(UserError, key="recognition.milestones.fixed_kind"): ...


class ReactionError(UserError, key="recognition.settings.bad_reaction"): ...


class AllowanceError(UserError, key="recognition.settings.bad_allowance"): ...


class CelebrateTextError(UserError, key="recognition.celebrate.too_long"): ...


class NotAnImageError(UserError, key="recognition.celebrate.not_image"): ...


class ImageTooLargeError(UserError, key="recognition.celebrate.too_large"): ...


# --- categories -------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Category:
    """A kudos category: a default one (named by the catalogs unless a host renamed it) or a host's own."""

    key: str
    names: Localized = field(default_factory=Localized)

    @property
    def is_default(self) -> bool:
        return self.key in DEFAULT_CATEGORIES

    @property
    def emoji(self) -> str:
        return CATEGORY_EMOJI.get(self.key, CUSTOM_CATEGORY_EMOJI)


def server_categories(custom: Mapping[str, Mapping[str, str]]) -> list[Category]:
    """The defaults first (renamed where a host did), then the hosts' own in key order."""
    defaults = [Category(key, Localized.of(custom.get(key, {}))) for key in DEFAULT_CATEGORIES]
    added = [
        Category(key, Localized.of(names)) for key, names in sorted(custom.items()) if key not in DEFAULT_CATEGORIES
    ]
    return defaults + added


def check_category(key: str, names: Mapping[str, str], existing: Sequence[str]) -> tuple[str, Localized]:
    """A host's new or renamed category: a short lowercase key and at least one name (each ≤ 40 characters)."""
    key = key.strip().lower()
    if not CATEGORY_KEY.fullmatch(key):
        raise CategoryKeyError(category=key[:40])
    cleaned = Localized.of({language: clean_text(name) for language, name in names.items()})
    if any(len(name) > CATEGORY_NAME_MAX for name in cleaned.values()):
        raise CategoryNameError(limit=CATEGORY_NAME_MAX)
    if not cleaned and key not in existing:
        raise CategoryNameError(limit=CATEGORY_NAME_MAX)
    if key not in existing and len(existing) >= MAX_CATEGORIES:
        raise TooManyCategoriesError(limit=MAX_CATEGORIES)
    return key, cleaned


# --- fair play --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Limits:
    allowance: int = DEFAULT_ALLOWANCE
    pair_cap: int = DEFAULT_PAIR_CAP
    back_thank: timedelta = BACK_THANK


def decide_give(
    *,
    giver: int,
    receiver: int,
    excluded: frozenset[int],
    limits: Limits,
    given_today: int,
    to_receiver_today: int,
    thanked_by_receiver_at: datetime | None,
    now: datetime,
) -> Verdict:
    """May `giver` thank `receiver` now? `thanked_by_receiver_at`: the latest kudos still standing the other way."""
    if giver == receiver:
        return Verdict.SELF
    if giver in excluded or receiver in excluded:
        return Verdict.EXCLUDED
    if given_today >= limits.allowance:
        return Verdict.ALLOWANCE
    if to_receiver_today >= limits.pair_cap:
        return Verdict.PAIR_CAP
    if thanked_by_receiver_at is not None and now - thanked_by_receiver_at < limits.back_thank:
        return Verdict.BACK_THANK
    return Verdict.GIVEN


def clean_reason(reason: str | None) -> str | None:
    """The reason as stored (cleaned as every text column cleans it, so its length is what is kept), stripped, None
    when empty; one over REASON_MAX is refused by the caller."""
    return clean_text(reason or "").strip() or None


def reason_too_long(reason: str | None) -> bool:
    return len((reason or "").strip()) > REASON_MAX


# --- days and periods, in the server's time zone ----------------------------------------------------------------


def local_day(moment: datetime, zone: ZoneInfo) -> date:
    return moment.astimezone(zone).date()


def day_start(day: date, zone: ZoneInfo) -> datetime:
    """When `day` begins in `zone`, in UTC (a day may last 23 or 25 hours across a daylight-saving change)."""
    return datetime.combine(day, time(0), tzinfo=zone).astimezone(UTC)


def day_bounds(now: datetime, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """[start, end) of the server's day that holds `now`, in UTC: the allowance resets at its end."""
    today = local_day(now, zone)
    return day_start(today, zone), day_start(today + timedelta(days=1), zone)


def period_key(period: Period, moment: datetime, zone: ZoneInfo) -> str:
    """The board period holding `moment`: ISO week `w2026-48`, month `m2026-11`, or `all`."""
    if period is Period.ALL:
        return "all"
    day = local_day(moment, zone)
    if period is Period.WEEK:
        year, week, _ = day.isocalendar()
        return f"w{year}-{week:02d}"
    return f"m{day.year}-{day.month:02d}"


def period_keys(moment: datetime, zone: ZoneInfo) -> tuple[str, ...]:
    return tuple(period_key(period, moment, zone) for period in Period)


@dataclass(frozen=True)
class TallyChange:
    """One kudos starting (+1) or ending (-1) to count, as the boards see it."""

    guild_id: int
    giver_id: int
    receiver_id: int
    category: str
    given_at: datetime
    delta: int


def tally_deltas(
    changes: Iterable[TallyChange], zone_of: Mapping[int, ZoneInfo], resets: Mapping[tuple[int, str], datetime]
) -> dict[tuple[int, str, str, str, int], int]:
    """{(guild, board, period, category, member): delta} for every board row the changes touch.

    A kudos counts in the week, the month and all time of the day it was given, in its category and in `*`. A
    period a host reset after the kudos was given does not count it any more, so ending it changes nothing there.
    """
    # Per member first (a batch thanks the same people many times), then spread over periods and categories.
    given, received = Board.GIVEN.value, Board.RECEIVED.value
    members: Counter[tuple[int, datetime, str, str, int]] = Counter()
    for change in changes:
        members[change.guild_id, change.given_at, given, change.category, change.giver_id] += change.delta
        members[change.guild_id, change.given_at, received, change.category, change.receiver_id] += change.delta
    deltas: dict[tuple[int, str, str, str, int], int] = {}
    periods: dict[tuple[int, datetime], tuple[str, ...]] = {}  # a batch's kudos share a few moments
    for (guild_id, given_at, board, category, member), delta in members.items():
        if not delta:
            continue
        keys = periods.get((guild_id, given_at))
        if keys is None:
            keys = periods[guild_id, given_at] = tuple(
                period
                for period in period_keys(given_at, zone_of[guild_id])
                if (reset := resets.get((guild_id, period))) is None or given_at >= reset
            )
        for period in keys:
            for key in ((guild_id, board, period, category, member), (guild_id, board, period, ALL_CATEGORIES, member)):
                deltas[key] = deltas.get(key, 0) + delta
    return {key: delta for key, delta in deltas.items() if delta}


# --- streaks ----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Streak:
    current: int
    best: int


def streak(units: Iterable[int], now_unit: int) -> Streak:
    """Runs of consecutive units (day or week numbers); the current run may end now or one unit ago."""
    ordered = sorted(set(units))
    best = run = 0
    previous: int | None = None
    for unit in ordered:
        run = run + 1 if previous is not None and unit == previous + 1 else 1
        best = max(best, run)
        previous = unit
    current = run if previous is not None and previous >= now_unit - 1 else 0
    return Streak(current, best)


def day_number(day: date) -> int:
    return day.toordinal()


def week_number(day: date) -> int:
    """Weeks counted from a Monday, so that consecutive ISO weeks are consecutive numbers."""
    return (day.toordinal() - 1) // 7


# --- milestones -------------------------------------------------------------------------------------------------


def thresholds_for(kind: MilestoneKind, chosen: Mapping[str, Sequence[int]]) -> tuple[int, ...]:
    """The levels at which `kind` becomes a milestone in a server (the hosts' choice, else the default)."""
    if kind is MilestoneKind.ANNIVERSARY:
        return ()
    levels = chosen.get(kind.value)
    return tuple(sorted({int(level) for level in levels})) if levels is not None else DEFAULT_THRESHOLDS[kind]


def parse_thresholds(text: str) -> tuple[int, ...]:
    """ "1, 5, 10" → (1, 5, 10): up to 10 distinct whole numbers from 1 to 100,000."""
    parts = [part for part in re.split(r"[\s,;]+", text.strip()) if part]
    if not parts or len(parts) > THRESHOLDS_MAX or not all(re.fullmatch(r"[0-9]{1,6}", part) for part in parts):
        raise ThresholdsError(most=THRESHOLDS_MAX, limit=LEVEL_MAX)
    levels = sorted({int(part) for part in parts})
    if levels[0] < 1 or levels[-1] > LEVEL_MAX:
        raise ThresholdsError(most=THRESHOLDS_MAX, limit=LEVEL_MAX)
    return tuple(levels)


def reached_levels(count: int, thresholds: Sequence[int], recorded: Iterable[int]) -> list[int]:
    """Levels `count` has reached that are not recorded yet (a threshold a host added later is caught up)."""
    done = set(recorded)
    return [level for level in thresholds if level <= count and level not in done]


def anniversary_level(joined_at: datetime, now: datetime, window: timedelta = ANNIVERSARY_WINDOW) -> int | None:
    """Whole years since `joined_at` when that anniversary fell within `window` before `now`, else None."""
    years = relativedelta(now, joined_at).years
    if years < 1:
        return None
    anniversary = joined_at + relativedelta(years=years)
    return years if timedelta(0) <= now - anniversary < window else None


def post_period(cadence: Cadence, moment: datetime, zone: ZoneInfo) -> str:
    """The recognition post a run belongs to: `d2026-11-30` (daily) or `w2026-48` (weekly)."""
    if cadence is Cadence.WEEKLY:
        return period_key(Period.WEEK, moment, zone)
    return f"d{local_day(moment, zone).isoformat()}"


# --- celebrations -----------------------------------------------------------------------------------------------


def check_image(filename: str, content_type: str | None, size: int, limit: int) -> None:
    """An image an embed can show (PNG, JPEG, GIF, WebP), within the upload limit Discord gave the interaction."""
    kind = (content_type or "").split(";")[0].strip().lower()
    if kind not in IMAGE_TYPES and not (not kind and filename.lower().endswith(IMAGE_SUFFIXES)):
        raise NotAnImageError(name=filename[:100])
    if size > limit:
        raise ImageTooLargeError(size=round(size / 1024 / 1024, 1), limit=round(limit / 1024 / 1024, 1))
