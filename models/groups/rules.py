"""Pure rules of working groups: names, caps, who may join or leave and where they land, links, cadences, health.

Each member's mistake is a `UserError` naming its message (`groups.<action>.<outcome>`).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from models.errors import UserError

NAME_MIN, NAME_MAX = 3, 50
PURPOSE_MAX = 200
CHARTER_MAX = 1000  # goals, and how the group works
SUMMARY_MAX = 1500
LINKS_MAX, LINK_MAX = 10, 300
CAP_MIN, CAP_MAX = 2, 100
SILENCE_DAYS_MAX = 90
# Mentions (@, <…>), channel links (#) and Discord's markdown (* _ ~ ` | \ [ ] >): a group's name shows in lists,
# embeds, thread and role names, where any of them would ping, link or reformat.
FORMATTING = re.compile(r"[@#<>*_~`|\\\[\]]|://")
WORD = re.compile(r"\w+")
LINK = re.compile(r"https?://\S+", re.IGNORECASE)
CHECKIN_HOUR = time(10, 0)  # check-ins and reminders arrive at 10:00 in the server's time zone


class Status(StrEnum):
    CREATING = "creating"  # its space is being made on Discord; removed if that fails
    PENDING = "pending"  # waits for a host's approval
    ACTIVE = "active"
    ARCHIVED = "archived"
    REJECTED = "rejected"


class Seat(StrEnum):
    LEAD = "lead"
    MEMBER = "member"
    REQUESTED = "requested"  # asked to join a private group; a lead answers
    INVITED = "invited"  # invited by a member; joins when they accept
    WAITLISTED = "waitlisted"  # the group was full; first in, first seated


SEATED = (Seat.LEAD, Seat.MEMBER)


class Space(StrEnum):
    THREAD = "thread"
    CHANNEL = "channel"


class Cadence(StrEnum):
    OFF = "off"
    WEEKLY = "weekly"
    BIWEEKLY = "biweekly"


CADENCE_RULES = {Cadence.WEEKLY: ("FREQ=WEEKLY", 7), Cadence.BIWEEKLY: ("FREQ=WEEKLY;INTERVAL=2", 14)}


class GroupNameLengthError(UserError, key="groups.name.length"): ...


class GroupNameFormattingError(UserError, key="groups.name.formatting"): ...


class GroupNameTakenError(UserError, key="groups.name.taken"): ...


class GroupPurposeError(UserError, key="groups.create.purpose"): ...


class GroupTextTooLongError(UserError, key="groups.create.too_long"): ...


class GroupCapInvalidError(UserError, key="groups.cap.invalid"): ...


class GroupCapBelowSizeError(UserError, key="groups.cap.below_size"): ...


class GroupUnknownError(UserError, key="groups.group.unknown"): ...


class GroupArchivedError(UserError, key="groups.group.archived"): ...


class GroupNotActiveError(UserError, key="groups.group.not_active"): ...


class NotInGroupError(UserError, key="groups.member.outside"): ...


class NotLeadError(UserError, key="groups.member.not_lead"): ...


class AlreadyInGroupError(UserError, key="groups.join.already"): ...


class AlreadyRequestedError(UserError, key="groups.join.already_requested"): ...


class AlreadyWaitlistedError(UserError, key="groups.join.already_waitlisted"): ...


class LastLeadError(UserError, key="groups.leave.last_lead"): ...


class LastMemberError(UserError, key="groups.leave.last_member"): ...


class InviteBotError(UserError, key="groups.invite.bot"): ...


class AlreadyInvitedError(UserError, key="groups.invite.already"): ...


class LeadTargetError(UserError, key="groups.lead.not_member"): ...


class LinkInvalidError(UserError, key="groups.archive.link"): ...


class GroupEditNothingError(UserError, key="groups.edit.nothing"): ...


class SilenceDaysError(UserError, key="groups.settings.silence_days"): ...


@dataclass(frozen=True)
class GroupName:
    """A name as shown (spaces collapsed) and its key (case, accents and punctuation aside) for uniqueness."""

    shown: str
    key: str


def name_key(text: str) -> str:
    """ "Café  Créatif!" and "cafe creatif" share one key: accents dropped, case folded, words kept."""
    decomposed = unicodedata.normalize("NFKD", text)
    bare = "".join(char for char in decomposed if not unicodedata.combining(char))
    return " ".join(WORD.findall(bare.casefold()))


def check_name(text: str) -> GroupName:
    shown = " ".join(text.split())
    if FORMATTING.search(shown):
        raise GroupNameFormattingError()
    key = name_key(shown)
    if not NAME_MIN <= len(shown) <= NAME_MAX or len(key) < NAME_MIN:
        raise GroupNameLengthError(min=NAME_MIN, max=NAME_MAX)
    return GroupName(shown, key[:NAME_MAX])


def check_purpose(text: str) -> str:
    purpose = " ".join(text.split())
    if not purpose or len(purpose) > PURPOSE_MAX:
        raise GroupPurposeError(max=PURPOSE_MAX)
    return purpose


def check_text(text: str, limit: int = CHARTER_MAX) -> str | None:
    """A charter or summary text, trimmed; None when empty."""
    kept = text.strip()
    if len(kept) > limit:
        raise GroupTextTooLongError(max=limit)
    return kept or None


def check_cap(cap: int | None, seated: int) -> int | None:
    """None is "no cap"; a cap must fit in the range and hold everyone already seated."""
    if cap is None:
        return None
    if not CAP_MIN <= cap <= CAP_MAX:
        raise GroupCapInvalidError(min=CAP_MIN, max=CAP_MAX)
    if cap < seated:
        raise GroupCapBelowSizeError(cap=cap, size=seated)
    return cap


def check_active(status: str) -> None:
    """Only an active group takes members, invitations and changes."""
    if status == Status.ARCHIVED:
        raise GroupArchivedError()
    if status != Status.ACTIVE:
        raise GroupNotActiveError()


def has_room(cap: int | None, seated: int) -> bool:
    return cap is None or seated < cap


def join_seat(*, status: str, private: bool, current: str | None, seated: int, cap: int | None) -> Seat:
    """Where a member lands who asks to join: seated, waitlisted when full, or a request when the group is private
    (an invitation counts as the lead's yes)."""
    check_active(status)
    if current in SEATED:
        raise AlreadyInGroupError()
    if current == Seat.REQUESTED:
        raise AlreadyRequestedError()
    if current == Seat.WAITLISTED:
        raise AlreadyWaitlistedError()
    if private and current != Seat.INVITED:
        return Seat.REQUESTED
    return Seat.MEMBER if has_room(cap, seated) else Seat.WAITLISTED


def check_leave(*, current: str | None, leads: int, seated: int) -> None:
    """The last lead hands over first; a lead alone archives instead of leaving an empty group behind."""
    if current is None:
        raise NotInGroupError()
    if current == Seat.LEAD and seated == 1:
        raise LastMemberError()
    if current == Seat.LEAD and leads == 1:
        raise LastLeadError()


def successor(seats: Sequence[tuple[int, str, datetime]], leaving: int) -> int | None:
    """Who leads when the last lead is gone (left the server, erased): the longest-seated member."""
    members = sorted((since, member_id) for member_id, seat, since in seats if seat == Seat.MEMBER)
    return next((member_id for _, member_id in members if member_id != leaving), None)


def parse_links(text: str) -> list[str]:
    """http(s) links, one per line or separated by spaces, without duplicates."""
    words = text.split()
    wrong = next((word for word in words if not LINK.fullmatch(word) or len(word) > LINK_MAX), None)
    if wrong is not None:
        raise LinkInvalidError(link=wrong[:80])
    links = list(dict.fromkeys(words))
    if len(links) > LINKS_MAX:
        raise LinkInvalidError(link=links[LINKS_MAX][:80])
    return links


def check_silence_days(days: int) -> int:
    if not 0 <= days <= SILENCE_DAYS_MAX:
        raise SilenceDaysError(max=SILENCE_DAYS_MAX)
    return days


def first_checkin(now: datetime, zone: ZoneInfo, cadence: Cadence) -> datetime:
    """The first check-in: one period from today, at 10:00 in the server's time zone."""
    _, days = CADENCE_RULES[cadence]
    day = (now.astimezone(zone) + timedelta(days=days)).date()
    return datetime.combine(day, CHECKIN_HOUR, tzinfo=zone)


def next_local(now: datetime, zone: ZoneInfo, at: time = CHECKIN_HOUR, weekday: int | None = None) -> datetime:
    """The next `at` o'clock (on `weekday`, Monday 0, when given) after `now`, in the server's time zone."""
    local = now.astimezone(zone)
    day = local.date()
    while True:
        candidate = datetime.combine(day, at, tzinfo=zone)
        if candidate > local and (weekday is None or candidate.weekday() == weekday):
            return candidate
        day += timedelta(days=1)


@dataclass(frozen=True)
class Health:
    """How a group is doing, for the hosts' digest."""

    group_id: int
    name: str
    seated: int
    cap: int | None
    waiting: int  # waitlisted
    requests: int
    silent_days: int
    silent: bool
    leads: int
    committee: bool
    last_checkin_at: datetime | None

    @property
    def full(self) -> bool:
        return not has_room(self.cap, self.seated)


def health(
    *,
    group_id: int,
    name: str,
    seats: Mapping[str, int],
    cap: int | None,
    last_activity_at: datetime,
    last_checkin_at: datetime | None,
    committee: bool,
    now: datetime,
    silence_days: int,
) -> Health:
    """A group's health from its seats counted by kind ({"lead": 1, "member": 3, "waitlisted": 1})."""
    silent_days = max(0, (now - last_activity_at).days)
    return Health(
        group_id=group_id,
        name=name,
        seated=sum(seats.get(seat, 0) for seat in SEATED),
        cap=cap,
        waiting=seats.get(Seat.WAITLISTED, 0),
        requests=seats.get(Seat.REQUESTED, 0),
        silent_days=silent_days,
        silent=bool(silence_days) and silent_days >= silence_days,
        leads=seats.get(Seat.LEAD, 0),
        committee=committee,
        last_checkin_at=last_checkin_at,
    )


def is_silent(last_activity_at: datetime, reminded_at: datetime | None, *, now: datetime, silence_days: int) -> bool:
    """Silent for `silence_days` and not yet reminded since its last activity (one reminder per quiet spell)."""
    if not silence_days or now - last_activity_at < timedelta(days=silence_days):
        return False
    return reminded_at is None or reminded_at < last_activity_at
