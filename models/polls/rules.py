"""Pure poll rules: reading what a host typed, deciding what a vote does, counting, and drawing bars.

Plain values in, plain values out: no database, no Discord, no clock (time is an argument).
"""

from __future__ import annotations

import hashlib
import hmac
import re
import unicodedata
from collections.abc import Container, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import IntEnum, StrEnum
from zoneinfo import ZoneInfo

from models.errors import UserError

# Discord allows 20 distinct reactions per message; a button label holds 80 characters.
MIN_OPTIONS, MAX_OPTIONS = 2, 20
QUESTION_MAX = 300
OPTION_MAX = 80
EMOJI_MAX = 100
MAX_OPEN = timedelta(days=366)
MINUTE = timedelta(minutes=1)
BAR_WIDTH = 12
# 🇦 … 🇹: one regional indicator per possible option.
LETTERS = tuple(chr(0x1F1E6 + index) for index in range(MAX_OPTIONS))

CUSTOM_EMOJI = re.compile(r"^<(a?):([A-Za-z0-9_~]{2,32}):(\d{15,21})>$")
# Joiners, variation selectors, keycap, skin tones and tag characters that build up one unicode emoji.
EMOJI_GLUE = frozenset("\u200d\ufe0f\ufe0e\u20e3")
SEPARATORS = re.compile(r"[;\n]")
DURATION_PART = re.compile(r"(\d+)\s*([^\d\s]+)")
DURATION_TEXT = re.compile(r"^(?:\d+\s*[^\d\s]+\s*)+$")
UNITS = {
    **dict.fromkeys(("m", "min", "mins", "minute", "minutes"), timedelta(minutes=1)),
    **dict.fromkeys(("h", "hr", "hrs", "hour", "hours", "heure", "heures"), timedelta(hours=1)),
    **dict.fromkeys(("d", "j", "day", "days", "jour", "jours"), timedelta(days=1)),
    **dict.fromkeys(("w", "sem", "week", "weeks", "semaine", "semaines"), timedelta(weeks=1)),
}
DATE_TIME_FORMATS = (
    *("%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M", "%Y-%m-%d %Hh%M", "%Y-%m-%d %Hh"),
    *("%d/%m/%Y %H:%M", "%d/%m/%Y %Hh%M", "%d/%m/%Y %Hh"),
)
DATE_FORMATS = ("%Y-%m-%d", "%d/%m/%Y")


# --- errors the member can fix ----------------------------------------------------------------------------


class TooFewOptionsError(UserError, key="polls.create.too_few_options"): ...


class TooManyOptionsError(UserError, key="polls.create.too_many_options"): ...


class DuplicateOptionError(UserError, key="polls.create.duplicate_option"): ...


class DuplicateEmojiError(UserError, key="polls.create.duplicate_emoji"): ...


class QuestionEmptyError(UserError, key="polls.create.question_empty"): ...


class QuestionTooLongError(UserError, key="polls.create.question_too_long"): ...


class OptionTooLongError(UserError, key="polls.create.option_too_long"): ...


class ClosingUnparseableError(UserError, key="polls.create.closing_unparseable"): ...


class ClosingInPastError(UserError, key="polls.create.closing_past"): ...


class ClosingTooFarError(UserError, key="polls.create.closing_too_far"): ...


class EmojiUnusableError(UserError, key="polls.create.emoji_unusable"): ...


class ChannelWrongTypeError(UserError, key="polls.create.channel_wrong_type"): ...


class PollNotFoundError(UserError, key="polls.unknown"): ...


class PollClosedError(UserError, key="polls.vote.closed"): ...


class VoteNotAllowedError(UserError, key="polls.vote.not_allowed"): ...


class MaxChoicesReachedError(UserError, key="polls.vote.max_reached"): ...


class PollAlreadyClosedError(UserError, key="polls.close.already_closed"): ...


class ResultsHiddenError(UserError, key="polls.results.hidden"): ...


# --- what a host typed --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class OptionDraft:
    label: str
    emoji: str | None = None


@dataclass(frozen=True)
class PollDraft:
    """A poll that passed every check, ready to be stored."""

    question: str
    options: tuple[OptionDraft, ...]
    multiple: bool = False
    max_choices: int | None = None
    closes_at: datetime | None = None
    anonymous: bool = False
    hide_results: bool = False
    role_id: int | None = None


def is_unicode_emoji(token: str) -> bool:
    """True for one unicode emoji (with its joiners, skin tones, keycaps); False for words like "C++" or "1."."""
    if not token or len(token) > 32:
        return False
    keycap = "\u20e3" in token
    symbol = False
    for char in token:
        if unicodedata.category(char) == "So":
            symbol = True
        elif not (
            char in EMOJI_GLUE
            or 0x1F3FB <= ord(char) <= 0x1F3FF
            or 0xE0020 <= ord(char) <= 0xE007F
            or (keycap and char in "0123456789#*")
        ):
            return False
    return symbol or keycap


def is_emoji(token: str) -> bool:
    return bool(CUSTOM_EMOJI.match(token)) or is_unicode_emoji(token)


def custom_emoji_id(emoji: str) -> int | None:
    """The id of a custom emoji written `<:name:id>` (or `<a:name:id>`), None for a unicode emoji."""
    match = CUSTOM_EMOJI.match(emoji)
    return int(match[3]) if match else None


def emoji_key(name: str | None, emoji_id: int | None = None) -> str:
    """How a reaction is recognised: a custom emoji by its id, a unicode one without its variation selector."""
    if emoji_id is not None:
        return str(emoji_id)
    found = custom_emoji_id(name or "")
    if found is not None:
        return str(found)
    return (name or "").replace("\ufe0f", "")


def normalize_text(text: str) -> str:
    """One line, single spaces: how options and questions are compared and stored."""
    return " ".join(text.split())


def parse_options(text: str) -> tuple[OptionDraft, ...]:
    """Options separated by `;` (or new lines); an option may start with its own emoji, else it gets 🇦, 🇧 …"""
    items = [item for item in (normalize_text(part) for part in SEPARATORS.split(text)) if item]
    drafts: list[OptionDraft] = []
    for item in items:
        first, _, rest = item.partition(" ")
        if is_emoji(first):
            drafts.append(OptionDraft(label=rest.strip() or first, emoji=first))
        else:
            drafts.append(OptionDraft(label=item))
    check_options(drafts)
    return assign_letters(drafts)


def check_options(drafts: Sequence[OptionDraft]) -> None:
    if len(drafts) < MIN_OPTIONS:
        raise TooFewOptionsError(minimum=MIN_OPTIONS, count=len(drafts))
    if len(drafts) > MAX_OPTIONS:
        raise TooManyOptionsError(maximum=MAX_OPTIONS, count=len(drafts))
    labels: set[str] = set()
    emojis: set[str] = set()
    for draft in drafts:
        if len(draft.label) > OPTION_MAX:
            raise OptionTooLongError(option=draft.label[:40] + "…", limit=OPTION_MAX, length=len(draft.label))
        if draft.emoji is not None and len(draft.emoji) > EMOJI_MAX:
            raise OptionTooLongError(option=draft.emoji[:40] + "…", limit=EMOJI_MAX, length=len(draft.emoji))
        folded = draft.label.casefold()
        if folded in labels:
            raise DuplicateOptionError(option=draft.label)
        labels.add(folded)
        if draft.emoji is not None:
            key = emoji_key(draft.emoji)
            if key in emojis:
                raise DuplicateEmojiError(emoji=draft.emoji)
            emojis.add(key)


def assign_letters(drafts: Sequence[OptionDraft]) -> tuple[OptionDraft, ...]:
    """Options without an emoji take the letter of their position (or the next free one)."""
    used = {emoji_key(draft.emoji) for draft in drafts if draft.emoji}
    free = [letter for letter in LETTERS if letter not in used]
    result = []
    for position, draft in enumerate(drafts):
        if draft.emoji:
            result.append(draft)
            continue
        letter = LETTERS[position] if LETTERS[position] in free else free[0]
        free.remove(letter)
        result.append(OptionDraft(label=draft.label, emoji=letter))
    return tuple(result)


def check_question(text: str) -> str:
    question = normalize_text(text)
    if not question:
        raise QuestionEmptyError()
    if len(question) > QUESTION_MAX:
        raise QuestionTooLongError(limit=QUESTION_MAX, length=len(question))
    return question


def parse_duration(text: str) -> timedelta | None:
    """ "2h", "3d", "1w", "90m", "1h30m", "2 jours" → a duration; None when `text` is not written as one.

    A duration longer than a `timedelta` can hold ("99999999999d") reads as `timedelta.max`: still too long, never
    an overflow.
    """
    cleaned = text.strip().lower()
    if not DURATION_TEXT.match(cleaned):
        return None
    parts = DURATION_PART.findall(cleaned)
    if any(unit not in UNITS for _, unit in parts):
        return None
    longest = timedelta.max // MINUTE
    minutes = 0
    for amount, unit in parts:
        digits = amount.lstrip("0") or "0"
        if len(digits) > len(str(longest)):
            return timedelta.max
        minutes += int(digits) * (UNITS[unit] // MINUTE)
    return timedelta(minutes=minutes) if minutes <= longest else timedelta.max


def parse_local_date(text: str, zone: ZoneInfo) -> datetime | None:
    """ "2026-12-01 18:00" or "01/12/2026 18h00" in the guild's time zone; a date alone means 23:59 that day."""
    cleaned = normalize_text(text)
    for pattern in DATE_TIME_FORMATS:
        try:
            return datetime.strptime(cleaned, pattern).replace(tzinfo=zone)
        except ValueError:
            continue
    for pattern in DATE_FORMATS:
        try:
            day = datetime.strptime(cleaned, pattern)  # noqa: DTZ007 (zone added below)
        except ValueError:
            continue
        return day.replace(hour=23, minute=59, tzinfo=zone)
    return None


def parse_closing(text: str | None, *, now: datetime, zone: ZoneInfo) -> datetime | None:
    """When the poll closes (aware UTC), from a duration or a local date; None for a poll closed by hand."""
    if text is None or not text.strip():
        return None
    moment: datetime | None = None
    duration = parse_duration(text)
    if duration is None:
        moment = parse_local_date(text, zone)
        if moment is None:
            raise ClosingUnparseableError(value=text.strip()[:100])
        # Subtracting aware datetimes cannot overflow; converting 0001-01-01 or 9999-12-31 to UTC can.
        duration = moment - now
    if duration > MAX_OPEN:
        raise ClosingTooFarError(days=MAX_OPEN.days)
    if duration <= timedelta(0):
        raise ClosingInPastError(when=moment or now)
    closes_at = (now + duration).replace(microsecond=0)
    if closes_at <= now:
        raise ClosingInPastError(when=closes_at)
    return closes_at


def choice_rule(multiple: bool, max_choices: int | None, option_count: int) -> tuple[bool, int | None]:
    """(multiple, maximum): a maximum above 1 implies multiple choice; one at or above the option count is none."""
    if max_choices is not None:
        if max_choices <= 1:
            return False, None
        return True, (max_choices if max_choices < option_count else None)
    return multiple, None


def draft_poll(
    *,
    question: str,
    options: str,
    closing: str | None,
    now: datetime,
    zone: ZoneInfo,
    multiple: bool = False,
    max_choices: int | None = None,
    anonymous: bool = False,
    hide_results: bool = False,
    role_id: int | None = None,
) -> PollDraft:
    """Every check of `/poll create` that needs no Discord: raises the first problem the host must fix."""
    checked_question = check_question(question)
    drafts = parse_options(options)
    closes_at = parse_closing(closing, now=now, zone=zone)
    is_multiple, maximum = choice_rule(multiple, max_choices, len(drafts))
    return PollDraft(
        question=checked_question,
        options=drafts,
        multiple=is_multiple,
        max_choices=maximum,
        closes_at=closes_at,
        anonymous=anonymous,
        hide_results=hide_results,
        role_id=role_id,
    )


# --- what a vote does ---------------------------------------------------------------------------------------


class Action(IntEnum):
    ADD = 1  # a reaction appeared
    REMOVE = 2  # a reaction went away
    TOGGLE = 3  # a button was clicked: choose, or withdraw a choice already made


class Verdict(StrEnum):
    COUNTED = "counted"
    UNCHANGED = "unchanged"
    WITHDRAWN = "withdrawn"
    CLOSED = "closed"
    NOT_AN_OPTION = "not_an_option"
    MAX_REACHED = "max_reached"


REJECTIONS = frozenset({Verdict.CLOSED, Verdict.NOT_AN_OPTION, Verdict.MAX_REACHED})


@dataclass(frozen=True, slots=True)
class VoteOp:
    """One vote event, in arrival order; `voter_id` is the member id, or the ballot id of an anonymous poll."""

    poll_id: int
    voter_id: int
    option_id: int
    action: Action


@dataclass(frozen=True)
class PollRules:
    poll_id: int
    option_ids: frozenset[int]
    multiple: bool = False
    max_choices: int | None = None
    is_open: bool = True


@dataclass(frozen=True, slots=True)
class Outcome:
    """What a vote did: the verdict, the voter's choices afterwards, and choices it displaced (single choice)."""

    verdict: Verdict
    choices: frozenset[int]
    displaced: frozenset[int] = field(default_factory=frozenset)

    @property
    def rejected(self) -> bool:
        return self.verdict in REJECTIONS


def decide(choices: frozenset[int], op: VoteOp, rules: PollRules) -> Outcome:
    """Apply one vote to a voter's current choices under the poll's rules."""
    if not rules.is_open:
        return Outcome(Verdict.CLOSED, choices)
    if op.option_id not in rules.option_ids:
        return Outcome(Verdict.NOT_AN_OPTION, choices)
    chosen = op.option_id in choices
    if op.action is Action.REMOVE or (op.action is Action.TOGGLE and chosen):
        if not chosen:
            return Outcome(Verdict.UNCHANGED, choices)
        return Outcome(Verdict.WITHDRAWN, choices - {op.option_id})
    if chosen:
        return Outcome(Verdict.UNCHANGED, choices)
    if not rules.multiple:
        return Outcome(Verdict.COUNTED, frozenset({op.option_id}), displaced=choices)
    if rules.max_choices is not None and len(choices) >= rules.max_choices:
        return Outcome(Verdict.MAX_REACHED, choices)
    return Outcome(Verdict.COUNTED, choices | {op.option_id})


def reconcile_ops(
    poll_id: int, stored: set[tuple[int, int]], present: set[tuple[int, int]], positions: Mapping[int, int]
) -> list[VoteOp]:
    """Votes to withdraw (stored, no reaction any more), then votes to add (reaction, not stored), in a fixed order.

    Withdrawals come first so a single-choice member who switched while the bot was offline ends on the new choice.
    """
    removes = sorted(stored - present)
    adds = sorted(present - stored, key=lambda pair: (pair[0], positions.get(pair[1], 0)))
    return [VoteOp(poll_id, voter, option, Action.REMOVE) for voter, option in removes] + [
        VoteOp(poll_id, voter, option, Action.ADD) for voter, option in adds
    ]


def catch_up_ops(reconciled: Sequence[VoteOp], live: Sequence[VoteOp]) -> list[VoteOp]:
    """What one poll's start-up catch-up writes: what its reads found, then the live events that came meanwhile.

    The reads (the message, then each reaction's users) are answered by REST while the gateway keeps delivering
    events, and a slow answer can be overtaken by the event of a later change. So a live event is newer than any
    read: it must be written after the catch-up's own votes, in arrival order, never before. Written before, an
    outdated "remove" would undo a member's fresh reaction; written after, a stale vote is corrected by the event.
    """
    return [*reconciled, *live]


def reactions_to_take_back(results: Sequence[tuple[VoteOp, Outcome]]) -> list[tuple[int, int, int]]:
    """(poll, voter, option) reactions to remove after a batch: choices a single-choice vote replaced, and refused
    additions — except those the voter holds again at the end of the batch.

    A later event of the same batch may choose the option anew (a member who put a reaction back, or a catch-up vote
    followed by the live event that overtook its read): that reaction now counts, and removing it would lose the vote.
    """
    final = {(op.poll_id, op.voter_id): outcome.choices for op, outcome in results}
    taken: dict[tuple[int, int, int], None] = {}  # ordered and without repeats
    for op, outcome in results:
        options = set(outcome.displaced)
        if op.action is Action.ADD and outcome.rejected:
            options.add(op.option_id)
        for option in sorted(options):
            if option not in final[op.poll_id, op.voter_id]:
                taken[op.poll_id, op.voter_id, option] = None
    return list(taken)


def may_vote(role_id: int | None, member_roles: Container[int] | None, *, is_bot: bool = False) -> bool:
    """Who may vote: a person (not a bot) still in the server (`member_roles` is None once they left), holding the
    poll's role when it names one."""
    if member_roles is None or is_bot:
        return False
    return role_id is None or role_id in member_roles


def newcomers(present: set[tuple[int, int]], stored: set[tuple[int, int]]) -> list[int]:
    """Members whose reactions the catch-up found but who have no stored vote, in id order: only their voting rights
    need checking (a stored vote was checked when it was cast)."""
    known = {voter for voter, _ in stored}
    return sorted({voter for voter, _ in present} - known)


def check_vote_outcome(outcome: Outcome, *, max_choices: int | None) -> None:
    """Say why the writer refused a member's click: the poll closed meanwhile, or they already chose the maximum."""
    if outcome.verdict is Verdict.CLOSED:
        raise PollClosedError()
    if outcome.verdict is Verdict.MAX_REACHED:
        raise MaxChoicesReachedError(maximum=max_choices)


def ballot_id(salt: bytes, member_id: int) -> int:
    """An anonymous voter's id while the poll is open: HMAC-SHA256 keyed by the poll's secret, 63 bits.

    Stable (the member can change their vote), unlinkable to the member once the key is erased at close.
    """
    digest = hmac.new(salt, str(member_id).encode(), hashlib.sha256).digest()
    return int.from_bytes(digest[:8], "big") >> 1


# --- counting and drawing ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Tally:
    counts: Mapping[int, int]
    voters: int

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def count(self, option_id: int) -> int:
        return self.counts.get(option_id, 0)

    def share(self, option_id: int) -> float:
        """Share of voters who chose the option (in multiple choice the shares add up to more than 1)."""
        return self.count(option_id) / self.voters if self.voters else 0.0

    def leaders(self) -> list[int]:
        best = max(self.counts.values(), default=0)
        return [option for option, count in self.counts.items() if count == best and best > 0]


def tally(votes: Iterable[tuple[int, int]], option_ids: Sequence[int]) -> Tally:
    """Count (voter, option) pairs: votes per option and distinct voters."""
    counts = dict.fromkeys(option_ids, 0)
    voters: set[int] = set()
    for voter, option in votes:
        if option in counts:
            counts[option] += 1
            voters.add(voter)
    return Tally(counts, len(voters))


def bar(share: float, width: int = BAR_WIDTH) -> str:
    filled = round(max(0.0, min(1.0, share)) * width)
    return "█" * filled + "░" * (width - filled)
