"""Splitting a cohort into teams of about n, balanced by skills and time zone.

What "balanced" means here: members of one team live in nearby time zones (they can meet), and skills are spread
over the teams (each team covers as many skills as it can; no team holds every Python developer).

How: the teams' time zones are seeded by sorting members around the clock and cutting the circle into k runs (the
best compact split in one dimension); then teams are filled in rounds, one seat per team per round, each round an
optimal assignment (`scipy.optimize.linear_sum_assignment`, the same solver as mentoring) of the members left to
the teams, on a cost that weighs the distance to the team's time zone against the skills the member would repeat
or bring. Team sizes differ by at most one and never exceed n.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

HOURS = 24.0
TIMEZONE_WEIGHT = 1.0
REPEAT_WEIGHT = 1.0  # a skill the team already has
NEW_WEIGHT = 0.5  # a skill the team lacks: a gain, so a negative cost


@dataclass(frozen=True)
class Candidate:
    """A member as team forming sees them: skills (any case) and a UTC offset in hours."""

    member_id: int
    skills: frozenset[str]
    offset: float


@dataclass
class Team:
    members: list[Candidate] = field(default_factory=list)
    center: float = 0.0

    @property
    def skills(self) -> set[str]:
        return {skill for member in self.members for skill in member.skills}

    @property
    def member_ids(self) -> list[int]:
        return [member.member_id for member in self.members]


def hours_apart(a: float, b: float) -> float:
    """Distance between two UTC offsets around the clock: UTC-11 and UTC+13 are 0 hours apart, not 24."""
    gap = abs(a - b) % HOURS
    return min(gap, HOURS - gap)


def team_count(members: int, size: int) -> int:
    """Teams of at most `size`, as few as possible: 10 members by 4 → 3 teams (4, 3, 3)."""
    return max(1, math.ceil(members / size))


def skill_keys(skills: Sequence[str]) -> frozenset[str]:
    return frozenset(skill.strip().casefold() for skill in skills if skill.strip())


def seed_centers(offsets: Sequence[float], teams: int) -> list[float]:
    """Each team's time zone: members sorted around the clock, the circle cut into `teams` runs of near-equal size
    where the gaps are widest, each run's circular mean."""
    ordered = sorted(offset % HOURS for offset in offsets)
    count = len(ordered)
    if count == 0:
        return [0.0] * teams
    # Start the cut after the widest gap, so that a run never straddles the emptiest stretch of the clock.
    gaps = [(ordered[(i + 1) % count] - ordered[i]) % HOURS for i in range(count)]
    start = (max(range(count), key=lambda i: gaps[i]) + 1) % count
    ring = ordered[start:] + ordered[:start]
    bounds = [round(count * part / teams) for part in range(teams + 1)]
    return [circular_mean(ring[bounds[part] : bounds[part + 1]] or ring[-1:]) for part in range(teams)]


def circular_mean(offsets: Sequence[float]) -> float:
    angles = [offset / HOURS * 2 * math.pi for offset in offsets]
    x = sum(math.cos(angle) for angle in angles)
    y = sum(math.sin(angle) for angle in angles)
    return (math.atan2(y, x) / (2 * math.pi) * HOURS) % HOURS


def form_teams(candidates: Sequence[Candidate], size: int) -> list[Team]:
    """Teams of at most `size`, in rounds of optimal assignments; deterministic for the same input.

    Vectorised in float32 (a skills bitset per member and per team): 3,000 members form 600 teams in well under a
    second (`bench/bench_groups.py`).
    """
    import numpy as np
    from scipy.optimize import linear_sum_assignment

    if size < 1:
        raise ValueError("a team needs at least one member")
    people = sorted(candidates, key=lambda candidate: candidate.member_id)
    count = team_count(len(people), size)
    centers = seed_centers([person.offset for person in people], count)
    teams = [Team(center=center) for center in centers]
    vocabulary = {skill: index for index, skill in enumerate(sorted({s for person in people for s in person.skills}))}
    skills = np.zeros((len(people), max(1, len(vocabulary))), dtype=np.float32)
    for row, person in enumerate(people):
        for skill in person.skills:
            skills[row, vocabulary[skill]] = 1.0
    held = skills.sum(axis=1)
    known = np.maximum(held, 1.0)
    offsets = np.array([person.offset for person in people], dtype=np.float32)
    gap = np.abs(offsets[:, None] - np.array(centers, dtype=np.float32)[None, :]) % HOURS
    distance = np.minimum(gap, HOURS - gap) / (HOURS / 2)
    team_skills = np.zeros((count, skills.shape[1]), dtype=np.float32)
    sizes = np.zeros(count, dtype=np.int64)
    left = np.arange(len(people))
    while left.size:
        # Fill in rounds: only the teams with the fewest members take a seat now, so sizes stay within one.
        open_teams = sizes < size
        takers = np.flatnonzero(open_teams & (sizes == sizes[open_teams].min()))
        repeated = skills[left] @ (team_skills[takers] > 0).T.astype(np.float32)
        cost = (
            TIMEZONE_WEIGHT * distance[np.ix_(left, takers)]
            + REPEAT_WEIGHT * repeated / known[left, None]
            - NEW_WEIGHT * (held[left, None] - repeated) / known[left, None]
        )
        # Wide (teams × members) is the solver's fast shape.
        columns, rows = linear_sum_assignment(cost.T)
        for row, column in zip(rows.tolist(), columns.tolist(), strict=True):
            team, person = takers[column], left[row]
            teams[team].members.append(people[person])
            team_skills[team] += skills[person]
            sizes[team] += 1
        left = np.delete(left, rows)
    return teams


def spread(team: Team) -> float:
    """The widest gap in hours between two members of a team (0 for one member)."""
    offsets = [member.offset for member in team.members]
    return max((hours_apart(a, b) for a in offsets for b in offsets), default=0.0)
