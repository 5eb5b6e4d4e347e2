"""The optimal assignment of mentees to mentors' free slots, and why the others got nobody.

Every score is computed at once on mentor × mentee matrices in float32 (10,000 × 1,000 is 40 MB a matrix):

- skills: the share of the skills a mentee wants that the mentor offers (2 of 3 wanted: 0.67);
- time zone: 1 for the same offset, 0 for 12 hours apart, 0.5 when either zone is unknown;
- goals: the share of the words of the mentee's goals, among those any mentor's skills use, that this mentor's
  skills use ("ship a web game" against a mentor of "web, godot": 1 of 1).

The score is their weighted sum. A shared language and at least one shared skill are required, a pair proposed
before is excluded, and nobody mentors themselves. A mentor with k free places has k columns (slots); the matrix
is handed to `scipy.optimize.linear_sum_assignment` with fewer rows than columns (it is faster that way and scipy
then copies nothing). numpy and scipy are imported here, and this module only by the use cases that match.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt
from scipy.optimize import linear_sum_assignment

from models.mentoring.rules import Unmatched, Weights, hours_apart

# Every fitting pair is worth a little, so the solver prefers it to no pair even when all weights are zero.
EPSILON = np.float32(1e-3)
CHUNK = 64  # mentor rows per step of the bit operations
WORD = re.compile(r"[\w+#]+")
# Short words that say nothing about a skill ("research and development"), in English and French.
STOP_WORDS = frozenset(("and", "or", "the", "of", "to", "in", "for", "with", "on", "at", "by", "an"))
STOP_WORDS |= frozenset(("de", "la", "le", "les", "des", "du", "un", "une", "et", "ou", "en", "au", "aux", "pour"))

Matrix = npt.NDArray[np.float32]
Mask = npt.NDArray[np.bool_]
Bits = npt.NDArray[np.uint64]


@dataclass(frozen=True)
class Mentee:
    """A mentee as matching sees them: skills normalised (see `rules.normalise_skill`), language codes."""

    member_id: int
    skills: Sequence[str]
    languages: Sequence[str]
    offset: float | None  # hours from UTC now; None: unknown time zone
    goals: str = ""


@dataclass(frozen=True)
class Mentor:
    member_id: int
    skills: Sequence[str]
    languages: Sequence[str]
    offset: float | None
    free: int  # places left: capacity minus live mentorships


@dataclass(frozen=True)
class Pair:
    mentee_id: int
    mentor_id: int
    score: float
    skills: list[str]
    languages: list[str]
    hours: float | None
    goal_words: list[str]

    def why(self) -> dict[str, object]:
        return {"skills": self.skills, "languages": self.languages, "hours": self.hours, "goals": self.goal_words}


@dataclass
class Plan:
    pairs: list[Pair]
    unmatched: dict[int, Unmatched]  # mentee id → why nobody
    unused: dict[int, Unmatched]  # mentor id with free places who got nobody → why
    build_seconds: float = 0.0  # the score matrices
    solve_seconds: float = 0.0  # the matcher alone
    assemble_seconds: float = 0.0  # the solver's own matrix, from the score matrix

    @property
    def total(self) -> float:
        return float(sum(pair.score for pair in self.pairs))


@dataclass
class Problem:
    """The matrices of one round: rows are mentors, columns mentees."""

    mentees: Sequence[Mentee]
    mentors: Sequence[Mentor]
    value: Matrix  # weighted score + EPSILON where the pair is possible, 0 elsewhere
    speaks: Mask  # a shared language
    fits: Mask  # a shared language and a shared skill
    possible: Mask  # fits, not met before, not oneself
    tokens: dict[str, int] = field(default_factory=dict)  # words of mentors' skills (for the goals' score)
    build_seconds: float = 0.0


def words(text: str) -> set[str]:
    return {word for word in WORD.findall(text.casefold()) if len(word) > 1 and word not in STOP_WORDS}


def vocabulary(items: Iterable[str], keep: set[str] | None = None) -> dict[str, int]:
    """A number for each distinct item (in order of appearance), only those in `keep` when given."""
    return {
        item: index for index, item in enumerate(item for item in dict.fromkeys(items) if keep is None or item in keep)
    }


def bitsets(rows: Sequence[Iterable[str]], known: dict[str, int]) -> Bits:
    """One row per member, 64 known items per word: bit i of word w is set when the member has item 64·w + i."""
    masks = [sum({1 << index for item in items if (index := known.get(item)) is not None}) for items in rows]
    words_ = max(1, -(-len(known) // 64))
    bits = np.empty((len(rows), words_), dtype=np.uint64)
    for word in range(words_):
        bits[:, word] = [(mask >> (64 * word)) & 0xFFFF_FFFF_FFFF_FFFF for mask in masks]
    return bits


def accumulate(value: Matrix, mentors: Bits, mentees: Bits, scale: Matrix, nonzero: Mask | None = None) -> None:
    """Add, for each mentor × mentee pair, how many items they share (popcount of their bits' intersection) times
    the mentee's `scale`; mark the pairs sharing any in `nonzero`.

    A few mentors at a time: the scratch arrays stay small and warm, and each result cell is written once.
    """
    both = np.empty((CHUNK, len(mentees)), dtype=np.uint64)
    found = np.empty((CHUNK, len(mentees)), dtype=np.uint8)
    counts = np.empty((CHUNK, len(mentees)), dtype=np.float32)
    for start in range(0, len(mentors), CHUNK):
        rows = slice(start, min(start + CHUNK, len(mentors)))
        size = rows.stop - start
        counts[:size] = 0
        for word in range(mentors.shape[1]):
            np.bitwise_and(mentors[rows, word, None], mentees[None, :, word], out=both[:size])
            counts[:size] += np.bitwise_count(both[:size], out=found[:size])
        if nonzero is not None:
            np.greater(counts[:size], 0, out=nonzero[rows])
        counts[:size] *= scale
        value[rows] += counts[:size]


def any_shared(mentors: Bits, mentees: Bits) -> Mask:
    """Whether each mentor × mentee pair has an item in common."""
    found = np.zeros((len(mentors), len(mentees)), dtype=bool)
    both = np.empty((CHUNK, len(mentees)), dtype=np.uint64)
    for start in range(0, len(mentors), CHUNK):
        rows = slice(start, min(start + CHUNK, len(mentors)))
        size = rows.stop - start
        for word in range(mentors.shape[1]):
            np.bitwise_and(mentors[rows, word, None], mentees[None, :, word], out=both[:size])
            found[rows] |= both[:size] != 0
    return found


def build(mentees: Sequence[Mentee], mentors: Sequence[Mentor], met: set[tuple[int, int]], weights: Weights) -> Problem:
    """Score every mentor × mentee pair at once and mark which pairs are possible."""
    started = time.perf_counter()
    wanted = {skill for mentee in mentees for skill in mentee.skills}
    skills = vocabulary((skill for mentor in mentors for skill in mentor.skills), keep=wanted)
    value = np.zeros((len(mentors), len(mentees)), dtype=np.float32)
    shares_skill = np.empty(value.shape, dtype=bool)
    per_skill = np.array([weights.skills / max(len(mentee.skills), 1) for mentee in mentees], dtype=np.float32)
    mentor_skills, mentee_skills = (
        bitsets([m.skills for m in mentors], skills),
        bitsets([m.skills for m in mentees], skills),
    )
    accumulate(value, mentor_skills, mentee_skills, per_skill, nonzero=shares_skill)
    if weights.timezone:
        add_closeness(value, mentors, mentees, np.float32(weights.timezone))
    hoped = [words(mentee.goals) for mentee in mentees]
    taught = [{word for skill in mentor.skills for word in words(skill)} for mentor in mentors]
    tokens = vocabulary((word for words_ in taught for word in words_), keep=set().union(*hoped))
    if weights.goals and tokens:
        add_goal_share(value, taught, hoped, tokens, np.float32(weights.goals))
    codes = vocabulary([*(c for m in mentors for c in m.languages), *(c for m in mentees for c in m.languages)])
    speaks = any_shared(bitsets([m.languages for m in mentors], codes), bitsets([m.languages for m in mentees], codes))
    fits = speaks & shares_skill
    del shares_skill
    possible = fits.copy()
    excluded = excluded_cells(mentees, mentors, met)
    if excluded:
        possible[tuple(np.array(excluded).T)] = False
    value += EPSILON
    np.multiply(value, possible, out=value)
    return Problem(mentees, mentors, value, speaks, fits, possible, tokens, time.perf_counter() - started)


def add_closeness(value: Matrix, mentors: Sequence[Mentor], mentees: Sequence[Mentee], weight: np.float32) -> None:
    """Add weight × (1 − hours apart / 12, around the clock; 0.5 where a time zone is unknown).

    Members share a few dozen offsets at most: one row of closeness per mentors' offset, added to their rows.
    """
    offsets = list(dict.fromkeys([*(m.offset for m in mentors), *(m.offset for m in mentees)]))
    index = {offset: position for position, offset in enumerate(offsets)}
    table = weight * np.array(
        [[0.5 if (apart := hours_apart(a, b)) is None else 1 - apart / 12 for b in offsets] for a in offsets],
        dtype=np.float32,
    )
    rows = np.array([index[mentor.offset] for mentor in mentors], dtype=np.intp)
    columns = np.array([index[mentee.offset] for mentee in mentees], dtype=np.intp)
    for offset in np.unique(rows).tolist():
        group = np.flatnonzero(rows == offset)
        value[group] += table[offset][columns]


def add_goal_share(
    value: Matrix, taught: Sequence[set[str]], hoped: Sequence[set[str]], tokens: dict[str, int], weight: np.float32
) -> None:
    """Add weight × the share of the words of each mentee's goals (among those some mentor's skills use) that this
    mentor's skills use."""
    mentee_bits = bitsets(hoped, tokens)
    known = np.bitwise_count(mentee_bits).sum(axis=1, dtype=np.float32)
    accumulate(value, bitsets(taught, tokens), mentee_bits, weight / np.maximum(known, np.float32(1)))


def excluded_cells(
    mentees: Sequence[Mentee], mentors: Sequence[Mentor], met: set[tuple[int, int]]
) -> list[tuple[int, int]]:
    """(mentor row, mentee column) of pairs proposed before, in either direction, and of anyone facing themselves."""
    rows = {mentor.member_id: row for row, mentor in enumerate(mentors)}
    columns = {mentee.member_id: column for column, mentee in enumerate(mentees)}
    cells = [(rows[a], columns[b]) for a, b in met if a in rows and b in columns]
    cells += [(rows[b], columns[a]) for a, b in met if b in rows and a in columns]
    cells += [(row, columns[member]) for member, row in rows.items() if member in columns]
    return cells


def slot_levels(mentors: Sequence[Mentor]) -> list[npt.NDArray[np.intp]]:
    """The mentor rows of the slots, level by level: every mentor with a free place, then those with two, …"""
    free = np.array([mentor.free for mentor in mentors], dtype=np.intp)
    return [np.flatnonzero(free > level) for level in range(int(free.max(initial=0)))]


def solve(problem: Problem) -> Plan:
    """The assignment with the highest total score (pairs that are not possible are dropped afterwards).

    Only members with at least one possible pair enter the solver's matrix: mentor places as rows, mentees as
    columns, in float64 (what scipy computes in), fewer rows than columns where possible.
    """
    assembling = time.perf_counter()
    columns_in = np.flatnonzero(problem.possible.any(axis=0))
    fitting: Mask = np.asarray(problem.possible.any(axis=1), dtype=bool)
    levels = [level[fitting[level]] for level in slot_levels(problem.mentors)]
    owner = np.concatenate(levels) if levels else np.zeros(0, dtype=np.intp)
    if not len(owner) or not len(columns_in):
        return explain(problem, np.zeros(0, np.intp), np.zeros(0, np.intp), 0.0)
    every_column = len(columns_in) == len(problem.mentees)
    wide = len(owner) <= len(columns_in)
    cost = np.empty((len(owner), len(columns_in)) if wide else (len(columns_in), len(owner)), dtype=np.float64)
    start = 0
    for rows in (level[offset : offset + CHUNK] for level in levels for offset in range(0, len(level), CHUNK)):
        end = start + len(rows)  # a few rows at a time: no large temporary beside the matrix itself
        block = problem.value[rows] if every_column else problem.value[np.ix_(rows, columns_in)]
        np.negative(block if wide else block.T, out=cost[start:end] if wide else cost[:, start:end])
        start = end
    assembled = time.perf_counter() - assembling
    solving = time.perf_counter()
    rows, columns = linear_sum_assignment(cost)
    seconds = time.perf_counter() - solving
    del cost
    slots, mentees = (rows, columns) if wide else (columns, rows)
    return explain(problem, owner[slots], columns_in[mentees], seconds, assemble_seconds=assembled)


def greedy(problem: Problem) -> Plan:
    """Best pair first, while both sides have room: what a simple matcher does (for comparison)."""
    started = time.perf_counter()
    cells = np.flatnonzero(problem.possible)
    order = cells[np.argsort(-problem.value.ravel()[cells], kind="stable")]
    free = [mentor.free for mentor in problem.mentors]
    taken = [False] * len(problem.mentees)
    width, wanted = len(problem.mentees), min(len(problem.mentees), sum(free))
    rows: list[int] = []
    columns: list[int] = []
    for cell in order.tolist():
        row, column = divmod(cell, width)
        if free[row] and not taken[column]:
            free[row] -= 1
            taken[column] = True
            rows.append(row)
            columns.append(column)
            if len(rows) == wanted:
                break
    return explain(problem, np.array(rows, np.intp), np.array(columns, np.intp), time.perf_counter() - started)


def explain(
    problem: Problem,
    rows: npt.NDArray[np.intp],
    columns: npt.NDArray[np.intp],
    seconds: float,
    *,
    assemble_seconds: float = 0.0,
) -> Plan:
    """The possible pairs of an assignment with their reasons, and why everyone else got nobody.

    `seconds` is the matcher's own time; `assemble_seconds` what it spent preparing its input (the solver's
    matrix)."""
    keep = problem.possible[rows, columns]
    rows, columns = rows[keep], columns[keep]
    scores = problem.value[rows, columns] - EPSILON
    pairs = [
        describe(problem, int(row), int(column), float(score))
        for row, column, score in zip(rows.tolist(), columns.tolist(), scores.tolist(), strict=True)
    ]
    matched = np.zeros(len(problem.mentees), dtype=bool)
    matched[columns] = True
    used = np.zeros(len(problem.mentors), dtype=bool)
    used[rows] = True
    unmatched = reasons(problem.speaks, problem.fits, problem.possible, matched, axis=0, last=Unmatched.NO_CAPACITY)
    unused = reasons(problem.speaks, problem.fits, problem.possible, used, axis=1, last=Unmatched.TAKEN)
    return Plan(
        pairs,
        {problem.mentees[index].member_id: reason for index, reason in unmatched.items()},
        {problem.mentors[index].member_id: reason for index, reason in unused.items()},
        problem.build_seconds,
        seconds,
        assemble_seconds,
    )


def reasons(
    speaks: Mask, fits: Mask, possible: Mask, done: Mask, *, axis: int, last: Unmatched
) -> dict[int, Unmatched]:
    """For each member left without a pair, the first filter that left them no candidate."""
    left = np.flatnonzero(~done)
    if not len(left):
        return {}
    checks = [(speaks, Unmatched.NO_LANGUAGE), (fits, Unmatched.NO_SKILL), (possible, Unmatched.ALREADY_MET)]
    found: dict[int, Unmatched] = {}
    for mask, reason in checks:
        some: Mask = np.asarray(mask.any(axis=axis), dtype=bool)
        for index in left[~some[left]].tolist():
            found.setdefault(index, reason)
    return {index: found.get(index, last) for index in left.tolist()}


def describe(problem: Problem, row: int, column: int, score: float) -> Pair:
    mentor, mentee = problem.mentors[row], problem.mentees[column]
    offered, spoken = set(mentor.skills), set(mentor.languages)
    taught = {word for skill in mentor.skills for word in words(skill)}
    return Pair(
        mentee_id=mentee.member_id,
        mentor_id=mentor.member_id,
        score=round(score, 3),
        skills=[skill for skill in mentee.skills if skill in offered],
        languages=[code for code in mentee.languages if code in spoken],
        hours=hours_apart(mentor.offset, mentee.offset),
        goal_words=sorted(words(mentee.goals) & taught),
    )
