"""Pure rules of the community-health report: the period a host asks for, figures with their trend, the weekly
highlight, and the calendar weeks of the CSV export."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from models.errors import UserError

DEFAULT_DAYS = 30
MAX_DAYS = 730
# A highlight needs at least this much on one side: "kudos up 100 %" from 1 to 2 says nothing.
HIGHLIGHT_MIN_BASE = 5
REPORT_WEEKDAY = 0  # Monday
REPORT_HOUR = 9
REPORT_RULE = "FREQ=WEEKLY;BYDAY=MO"
PERIOD = re.compile(r"^\s*(\d{1,9})\s*([dj]|days?|jours?)?\s*$", re.IGNORECASE)


class PeriodNotANumberError(UserError, key="insights.period.not_a_number"): ...


class PeriodOutOfRangeError(UserError, key="insights.period.out_of_range"): ...


def parse_period(text: str | None) -> int:
    """A number of days between 1 and MAX_DAYS (`30`, `30d`, `30 jours`); the default when empty."""
    if text is None or not text.strip():
        return DEFAULT_DAYS
    found = PERIOD.match(text)
    if found is None:
        raise PeriodNotANumberError(value=text.strip()[:20], maximum=MAX_DAYS)
    days = int(found.group(1))
    if not 1 <= days <= MAX_DAYS:
        raise PeriodOutOfRangeError(days=days, maximum=MAX_DAYS)
    return days


class Capability(StrEnum):
    """The panels, in the order the report shows them."""

    ONBOARDING = "onboarding"
    CONDUCT = "conduct"
    ACTIVITY = "activity"
    KNOWLEDGE = "knowledge"
    SESSIONS = "sessions"
    MENTORING = "mentoring"
    RECOGNITION = "recognition"
    GROUPS = "groups"


class Kind(StrEnum):
    COUNT = "count"
    RATE = "rate"  # a share between 0 and 1
    AVERAGE = "average"


# Every figure, by panel: its key (also the CSV column and the i18n key `insights.figure.<key>`) and kind.
FIGURES: dict[Capability, tuple[tuple[str, Kind], ...]] = {
    Capability.ONBOARDING: (
        ("newcomers", Kind.COUNT),
        ("onboarding_started", Kind.COUNT),
        ("onboarding_finished", Kind.COUNT),
        ("onboarding_rate", Kind.RATE),
        ("departures", Kind.COUNT),
    ),
    Capability.CONDUCT: (
        ("acknowledgements", Kind.COUNT),
        ("acknowledgement_rate", Kind.RATE),
    ),
    Capability.ACTIVITY: (("active_members", Kind.COUNT),),
    Capability.KNOWLEDGE: (
        ("knowledge_posts", Kind.COUNT),
        ("knowledge_replies", Kind.COUNT),
        ("questions_solved", Kind.COUNT),
    ),
    Capability.SESSIONS: (
        ("sessions_held", Kind.COUNT),
        ("attendances", Kind.COUNT),
        ("attendance_per_session", Kind.AVERAGE),
        ("feedback_answers", Kind.COUNT),
        ("feedback_average", Kind.AVERAGE),
    ),
    Capability.MENTORING: (
        ("active_pairs", Kind.COUNT),
        ("mentor_load", Kind.AVERAGE),
        ("mentorships_completed", Kind.COUNT),
        ("completion_rate", Kind.RATE),
    ),
    Capability.RECOGNITION: (
        ("kudos", Kind.COUNT),
        ("kudos_givers", Kind.COUNT),
        ("kudos_receivers", Kind.COUNT),
    ),
    Capability.GROUPS: (
        ("groups_alive", Kind.COUNT),
        ("groups_started", Kind.COUNT),
        ("projects_finished", Kind.COUNT),
    ),
}
KINDS = {key: kind for figures in FIGURES.values() for key, kind in figures}

Values = dict[str, float | None]


@dataclass(frozen=True)
class Window:
    """[start, end): a period of the report."""

    start: datetime
    end: datetime

    def before(self) -> Window:
        """The period of the same length just before this one (the trend's comparison)."""
        return Window(self.start - (self.end - self.start), self.start)


def window(end: datetime, days: int) -> Window:
    return Window(end - timedelta(days=days), end)


def ratio(part: float | None, whole: float | None) -> float | None:
    """part / whole, or None when there is nothing to divide by."""
    if part is None or not whole:
        return None
    return part / whole


@dataclass(frozen=True)
class Figure:
    key: str
    kind: Kind
    current: float | None
    previous: float | None

    @property
    def change(self) -> float | None:
        """The relative change since the previous period (0.3 = up 30 %); for a rate, the difference in points."""
        if self.current is None or self.previous is None:
            return None
        if self.kind is Kind.RATE:
            return self.current - self.previous
        if self.previous == 0:
            return None
        return (self.current - self.previous) / self.previous


@dataclass(frozen=True)
class Panel:
    capability: Capability
    figures: list[Figure]


@dataclass(frozen=True)
class Report:
    window: Window
    days: int
    panels: list[Panel] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not self.panels

    def figures(self) -> list[Figure]:
        return [figure for panel in self.panels for figure in panel.figures]


def panels(
    in_use: Iterable[Capability], current: Mapping[str, float | None], previous: Mapping[str, float | None]
) -> list[Panel]:
    """The panels of the capabilities in use, in the report's order, each figure with both periods' values."""
    used = set(in_use)
    return [
        Panel(capability, [Figure(key, kind, current.get(key), previous.get(key)) for key, kind in figures])
        for capability, figures in FIGURES.items()
        if capability in used
    ]


def highlight(figures: Sequence[Figure], minimum: int = HIGHLIGHT_MIN_BASE) -> Figure | None:
    """The count or average that changed most, relatively, since the previous period (rates move in points and are
    left out); None when nothing had at least `minimum` on one side, or nothing changed."""
    candidates = [
        figure
        for figure in figures
        if figure.kind is not Kind.RATE
        and figure.change is not None
        and figure.change != 0
        and max(figure.current or 0, figure.previous or 0) >= minimum
    ]
    return max(candidates, key=lambda figure: abs(figure.change or 0), default=None)


def clock_changed(zone: ZoneInfo, between: Window) -> bool:
    """Whether the community's clocks changed (daylight saving) between the two ends of `between`."""
    return between.start.astimezone(zone).utcoffset() != between.end.astimezone(zone).utcoffset()


def week_label(moment: datetime, zone: ZoneInfo) -> str:
    """The ISO week `moment` falls in, in the community's time zone ("2026-W48")."""
    year, week, _ = moment.astimezone(zone).isocalendar()
    return f"{year}-W{week:02d}"


def monday(moment: datetime, zone: ZoneInfo) -> datetime:
    """Midnight (wall clock) of the Monday of `moment`'s week in `zone`, as aware UTC."""
    local = moment.astimezone(zone)
    day = (local - timedelta(days=local.weekday())).date()
    return datetime(day.year, day.month, day.day, tzinfo=zone).astimezone(UTC)


def weeks(period: Window, zone: ZoneInfo) -> list[tuple[str, Window]]:
    """The calendar weeks (Monday to Monday, local time) that `period` touches; the last one ends at its end."""
    found: list[tuple[str, Window]] = []
    start = monday(period.start, zone)
    while start < period.end:
        local = start.astimezone(zone)
        following = (local + timedelta(days=7)).date()
        end = datetime(following.year, following.month, following.day, tzinfo=zone).astimezone(UTC)
        found.append((week_label(start, zone), Window(start, min(end, period.end))))
        start = end
    return found


def next_report(now: datetime, zone: ZoneInfo) -> datetime:
    """The next Monday at REPORT_HOUR in the community's time zone, after `now` (aware UTC)."""
    local = now.astimezone(zone)
    day = (local + timedelta(days=(REPORT_WEEKDAY - local.weekday()) % 7)).date()
    candidate = datetime(day.year, day.month, day.day, REPORT_HOUR, tzinfo=zone)
    if candidate <= local:
        day = day + timedelta(days=7)
        candidate = datetime(day.year, day.month, day.day, REPORT_HOUR, tzinfo=zone)
    return candidate.astimezone(UTC)
