"""Teammates for a group: members who asked to be suggested, ranked by how their profile fits the group's purpose.

The fit reads what the member can share (twice the weight) and their goals against the group's name, purpose and
goals, word by word (case and accents aside, "design" meets "designer"), and prefers members whose time zone is
near the group's. Members who did not opt in are never proposed.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from models.base import is_timezone
from models.groups.rules import name_key
from models.groups.teams import circular_mean, hours_apart

SKILL_WEIGHT = 2.0
GOAL_WEIGHT = 1.0
WORD_MIN = 3
PREFIX_MIN = 5  # "design" and "designer" are related; "art" and "artificial" are not
# Words too common to say anything about a purpose, in the languages Agora speaks.
COMMON_WORDS = (
    "the and for with from into our your their this that are was will can about have has not all any "
    "les des une pour avec dans sur par aux que qui est sont nous vous leur cette ces plus pas tout"
)
STOPWORDS = frozenset(COMMON_WORDS.split())


@dataclass(frozen=True)
class Seeker:
    """A member open to suggestions, as their profile describes them."""

    member_id: int
    skills: tuple[str, ...]
    goals: str
    offset: float | None


@dataclass(frozen=True)
class Suggestion:
    member_id: int
    score: float
    skills: tuple[str, ...]  # their skills that fit the purpose
    goals: bool  # their goals share words with the purpose
    hours: float | None  # from the group's time zone


def words(text: str) -> set[str]:
    return {word for word in name_key(text).split() if len(word) >= WORD_MIN and word not in STOPWORDS}


def related(a: str, b: str) -> bool:
    if a == b:
        return True
    short, long = sorted((a, b), key=len)
    return len(short) >= PREFIX_MIN and long.startswith(short)


def overlaps(mine: Iterable[str], theirs: set[str]) -> bool:
    return any(related(word, other) for word in mine for other in theirs)


def group_offset(offsets: Sequence[float]) -> float | None:
    """The group's time zone: the circular mean of its members' offsets, when any is known."""
    return circular_mean(offsets) if offsets else None


def rank(purpose: str, offset: float | None, seekers: Sequence[Seeker], limit: int = 10) -> list[Suggestion]:
    """Best fits first; members who fit nothing still come after, since they asked to be suggested."""
    wanted = words(purpose)
    found = []
    for seeker in seekers:
        skills = tuple(skill for skill in seeker.skills if overlaps(words(skill), wanted))
        goals = overlaps(words(seeker.goals), wanted)
        hours = hours_apart(seeker.offset, offset) if seeker.offset is not None and offset is not None else None
        score = SKILL_WEIGHT * len(skills) + GOAL_WEIGHT * goals - (hours or 0.0) / 12
        found.append(Suggestion(seeker.member_id, score, skills, goals, hours))
    found.sort(key=lambda item: (-(item.skills != () or item.goals), -item.score, item.member_id))
    return found[:limit]


def offset_of(timezone: str | None, now: datetime) -> float | None:
    """The UTC offset in hours of a time zone name at `now` (daylight saving included); None when unknown."""
    if not timezone or not is_timezone(timezone):
        return None
    offset = now.astimezone(ZoneInfo(timezone)).utcoffset()
    return offset.total_seconds() / 3600 if offset is not None else None


def seeker(member_id: int, skills: Sequence[str], goals: str | None, timezone: str | None, now: datetime) -> Seeker:
    return Seeker(member_id, tuple(skills), goals or "", offset_of(timezone, now))
