"""Mentoring rules on plain values: what members type (capacity, skills, notes), weights, the consent deadline, what
a check-in says, and the daytime hours two time zones share. No database, no Discord: tested as tables."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from models.base import is_timezone
from models.errors import UserError
from models.profiles import MAX_GOALS_CHARS, parse_items

MIN_CAPACITY, MAX_CAPACITY = 1, 5
MAX_WEIGHT = 10
NOTE_MAX = 500
ANSWER_WITHIN = timedelta(hours=72)
REMIND_AFTER = timedelta(hours=48)  # the one reminder: a day before the deadline
MIN_CHECK_IN_DAYS, MAX_CHECK_IN_DAYS = 1, 90
MAX_AUTO_ROUND_DAYS = 365
DAY_STARTS, DAY_ENDS = 9, 21  # "daytime", local hours
STEP = timedelta(minutes=15)


class PairState(StrEnum):
    PROPOSED = "proposed"  # both asked, waiting for both answers
    ACTIVE = "active"  # both accepted
    DECLINED = "declined"
    EXPIRED = "expired"  # not both answered within the deadline
    CANCELLED = "cancelled"  # a member left before both answered
    COMPLETED = "completed"  # ended by a member or a host: a mentorship to celebrate
    CLOSED = "closed"  # a member left while it was active


LIVE = (PairState.PROPOSED, PairState.ACTIVE)


class RoundState(StrEnum):
    PREVIEW = "preview"
    PUBLISHED = "published"
    DISCARDED = "discarded"
    SUPERSEDED = "superseded"  # the same host previewed again


class RoundKind(StrEnum):
    MANUAL = "manual"
    AUTOMATIC = "automatic"
    REMATCH = "rematch"


class Answer(StrEnum):
    ACCEPTED = "accepted"
    DECLINED = "declined"


class Unmatched(StrEnum):
    """Why a member got nobody in a round (the first filter that left them no candidate)."""

    NO_LANGUAGE = "no_language"
    NO_SKILL = "no_skill"
    ALREADY_MET = "already_met"  # everyone left was proposed to them before
    NO_CAPACITY = "no_capacity"  # a mentee: the mentors who fit had no place left for them
    TAKEN = "taken"  # a mentor: the mentees who fit went to other mentors


class CapacityError(UserError, key="mentoring.offer.capacity"): ...


class NoSkillError(UserError, key="mentoring.request.no_skill"): ...


class NoteTooLongError(UserError, key="mentoring.offer.note_too_long"): ...


class GoalsTooLongError(UserError, key="mentoring.request.goals_too_long"): ...


class WeightError(UserError, key="mentoring.weights.invalid"): ...


class CheckInDaysError(UserError, key="mentoring.settings.check_in_days"): ...


class AutoRoundDaysError(UserError, key="mentoring.settings.auto_round_days"): ...


@dataclass(frozen=True)
class Weights:
    """How much each part of the score counts (0–10 each; all zero: any fitting pair is as good as another)."""

    skills: int
    timezone: int
    goals: int

    def as_dict(self) -> dict[str, int]:
        return {"skills": self.skills, "timezone": self.timezone, "goals": self.goals}


# --- what members type -------------------------------------------------------------------------------------


def parse_capacity(text: str) -> int:
    """How many mentees at once: a whole number from 1 to 5."""
    cleaned = text.strip()
    if not cleaned.isdecimal() or not MIN_CAPACITY <= int(cleaned) <= MAX_CAPACITY:
        raise CapacityError(low=MIN_CAPACITY, high=MAX_CAPACITY)
    return int(cleaned)


def parse_skills(text: str, *, empty: str = NoSkillError.key) -> list[str]:
    """At least one skill (the profile's limits apply); `empty` is the message for none, per form."""
    skills = parse_items(text, field="skills")
    if not skills:
        raise NoSkillError(empty)
    return skills


def check_note(text: str) -> str | None:
    note = text.strip()
    if len(note) > NOTE_MAX:
        raise NoteTooLongError(limit=NOTE_MAX, length=len(note))
    return note or None


def check_goals(text: str) -> str | None:
    goals = text.strip()
    if len(goals) > MAX_GOALS_CHARS:
        raise GoalsTooLongError(limit=MAX_GOALS_CHARS, length=len(goals))
    return goals or None


def parse_weight(text: str) -> int:
    cleaned = text.strip()
    if not cleaned.isdecimal() or int(cleaned) > MAX_WEIGHT:
        raise WeightError(limit=MAX_WEIGHT)
    return int(cleaned)


def check_weights(skills: int, timezone: int, goals: int) -> Weights:
    if not all(0 <= weight <= MAX_WEIGHT for weight in (skills, timezone, goals)):
        raise WeightError(limit=MAX_WEIGHT)
    return Weights(skills, timezone, goals)


def check_check_in_days(days: int) -> int:
    if not MIN_CHECK_IN_DAYS <= days <= MAX_CHECK_IN_DAYS:
        raise CheckInDaysError(low=MIN_CHECK_IN_DAYS, high=MAX_CHECK_IN_DAYS)
    return days


def check_auto_round_days(days: int) -> int:
    if not 0 <= days <= MAX_AUTO_ROUND_DAYS:
        raise AutoRoundDaysError(high=MAX_AUTO_ROUND_DAYS)
    return days


def normalise_skill(skill: str) -> str:
    """How skills compare: case and spacing do not matter ("Data  Science" is "data science")."""
    return " ".join(skill.casefold().split())


def pair_key(a: int, b: int) -> tuple[int, int]:
    """A pair of members without direction: who mentored whom does not matter for "met before"."""
    return (a, b) if a < b else (b, a)


# --- consent -----------------------------------------------------------------------------------------------


def answer_deadline(proposed_at: datetime) -> datetime:
    return proposed_at + ANSWER_WITHIN


def reminder_due(proposed_at: datetime) -> datetime:
    return proposed_at + REMIND_AFTER


def both_accepted(mentor_answer: str | None, mentee_answer: str | None) -> bool:
    return mentor_answer == Answer.ACCEPTED and mentee_answer == Answer.ACCEPTED


# --- check-ins ---------------------------------------------------------------------------------------------


def check_in_outcome(mentor_answer: bool | None, mentee_answer: bool | None) -> bool | None:
    """Did the pair meet? Yes if either says so, no if one says no and nobody yes, unknown while both are silent."""
    answers = [answer for answer in (mentor_answer, mentee_answer) if answer is not None]
    if not answers:
        return None
    return any(answers)


def missed_twice(outcomes: Sequence[bool | None]) -> bool:
    """Two ❌ in a row: the last two check-ins (oldest first) both say the pair did not meet."""
    return len(outcomes) >= 2 and outcomes[-1] is False and outcomes[-2] is False


def check_in_rule(days: int) -> str:
    """The recurrence of a pair's check-ins (RFC 5545), every `days` days."""
    return f"FREQ=DAILY;INTERVAL={days}"


def auto_round_rule(days: int) -> str:
    return f"FREQ=DAILY;INTERVAL={days}"


# --- time zones ----------------------------------------------------------------------------------------------


def utc_offset_hours(zone: str | None, now: datetime) -> float | None:
    """The zone's offset from UTC at `now`, in hours; None when unknown."""
    if not zone or not is_timezone(zone):
        return None
    offset = now.astimezone(ZoneInfo(zone)).utcoffset()
    return None if offset is None else offset.total_seconds() / 3600


def hours_apart(a: float | None, b: float | None) -> float | None:
    """Distance between two offsets around the clock (at most 12 hours); None when one is unknown."""
    if a is None or b is None:
        return None
    distance = abs(a - b) % 24
    return min(distance, 24 - distance)


@dataclass(frozen=True)
class Overlap:
    """A stretch of time (UTC) when both members are in their daytime."""

    start: datetime
    end: datetime


def is_daytime(moment: datetime, zone: ZoneInfo) -> bool:
    local = moment.astimezone(zone)
    hour = local.hour + local.minute / 60
    return DAY_STARTS <= hour < DAY_ENDS


def daytime_overlap(zone_a: str | None, zone_b: str | None, day: datetime) -> list[Overlap] | None:
    """The stretches of the 24 hours from `day` when both are between 9:00 and 21:00 local time, longest first;
    None when a time zone is unknown. Computed on the real date, so daylight-saving time is taken into account."""
    if not zone_a or not zone_b or not is_timezone(zone_a) or not is_timezone(zone_b):
        return None
    first, second = ZoneInfo(zone_a), ZoneInfo(zone_b)
    start = day.astimezone(UTC).replace(minute=0, second=0, microsecond=0)
    steps = int(timedelta(days=1) / STEP)
    both = [is_daytime(moment, first) and is_daytime(moment, second) for moment in _moments(start, steps)]
    if all(both):
        return [Overlap(start, start + timedelta(days=1))]
    # Begin where both are not in daytime, so a stretch that crosses the window's edge stays whole.
    offset = both.index(False)
    stretches: list[Overlap] = []
    run_start: datetime | None = None
    for index in range(offset, offset + steps + 1):
        moment = start + STEP * index
        if both[index % steps] and run_start is None:
            run_start = moment
        elif not both[index % steps] and run_start is not None:
            stretches.append(Overlap(run_start, moment))
            run_start = None
    return sorted(stretches, key=lambda stretch: stretch.end - stretch.start, reverse=True)


def _moments(start: datetime, steps: int) -> list[datetime]:
    return [start + STEP * index for index in range(steps)]
