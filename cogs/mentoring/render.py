"""What members and hosts read of mentoring: previews and their CSV, proposals, the pair's intro, check-ins, the
hosts' status, `/profile show` lines. Pure functions of plain values: tests call them directly."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import discord

from bot import i18n
from models.export import to_csv
from models.mentoring import languages as spoken
from models.mentoring.rules import Overlap, Unmatched, Weights
from models.mentoring.service import Status, Summary

MESSAGE_MAX = 2000
PAIRS_SHOWN = 10
UNMATCHED_SHOWN = 10
LIST_SHOWN = 10
PREVIEW_COLUMNS = (
    "kind",
    "mentee_id",
    "mentee",
    "mentor_id",
    "mentor",
    "score",
    "skills",
    "languages",
    "hours_apart",
    "goal_words",
    "reason",
)


def when(moment: datetime) -> str:
    """A date each reader sees in their own time zone (a Discord timestamp)."""
    return discord.utils.format_dt(moment, "f")


def ago(moment: datetime) -> str:
    return discord.utils.format_dt(moment, "R")


def mention(member_id: int) -> str:
    return f"<@{member_id}>"


def hours_text(language: str, hours: float | None) -> str:
    if hours is None:
        return i18n.t(language, "mentoring.why.hours_unknown")
    if hours == 0:
        return i18n.t(language, "mentoring.why.same_time")
    return i18n.t(language, "mentoring.why.hours", hours=f"{hours:g}")


def why_text(language: str, why: dict[str, Any]) -> str:
    """“python, web · French · 1 h apart”: what a pair has in common."""
    parts = [", ".join(why.get("skills") or []), spoken.display_names(why.get("languages") or [], language)]
    parts.append(hours_text(language, why.get("hours")))
    if why.get("goals"):
        parts.append(i18n.t(language, "mentoring.why.goals", words=", ".join(why["goals"])))
    return " · ".join(part for part in parts if part)


def reason_text(language: str, reason: Unmatched | str) -> str:
    return i18n.t(language, f"mentoring.reason.{reason}")


def fit(lines: Sequence[str], limit: int = MESSAGE_MAX) -> str:
    """The lines that fit in one message; a last line says how many were left out."""
    kept: list[str] = []
    for index, line in enumerate(lines):
        rest = len(lines) - index
        if len("\n".join([*kept, line])) + 40 > limit and rest:
            kept.append(f"… (+{rest})")
            break
        kept.append(line)
    return "\n".join(kept)


def preview_text(language: str, weights: Weights, plan: Any, *, automatic: bool = False) -> str:
    """The host's preview: the pairs with their score and why, everyone left out and why."""
    t = i18n.t
    lines = [
        t(language, "mentoring.round.title"),
        t(language, "mentoring.round.weights", skills=weights.skills, timezone=weights.timezone, goals=weights.goals),
        t(
            language,
            "mentoring.round.summary",
            pairs=len(plan.pairs),
            score=f"{plan.total:.1f}",
            mentees=len(plan.unmatched),
            mentors=len(plan.unused),
        ),
    ]
    ordered = sorted(plan.pairs, key=lambda pair: -pair.score)
    lines += [
        t(
            language,
            "mentoring.round.pair",
            mentee=mention(pair.mentee_id),
            mentor=mention(pair.mentor_id),
            score=f"{pair.score:.2f}",
            why=why_text(language, pair.why()),
        )
        for pair in ordered[:PAIRS_SHOWN]
    ]
    if len(ordered) > PAIRS_SHOWN:
        lines.append(t(language, "mentoring.round.more_pairs", count=len(ordered) - PAIRS_SHOWN))
    left = [(member, reason, "mentee") for member, reason in plan.unmatched.items()]
    left += [(member, reason, "mentor") for member, reason in plan.unused.items()]
    if left:
        lines.append(t(language, "mentoring.round.left_title"))
        lines += [
            t(language, f"mentoring.round.left_{side}", member=mention(member), reason=reason_text(language, reason))
            for member, reason, side in left[:UNMATCHED_SHOWN]
        ]
        if len(left) > UNMATCHED_SHOWN:
            lines.append(t(language, "mentoring.round.more_left", count=len(left) - UNMATCHED_SHOWN))
    if not automatic:
        lines.append(t(language, "mentoring.round.next" if plan.pairs else "mentoring.round.nothing"))
    return fit(lines)


def preview_csv(plan: Any, names: dict[int, str]) -> bytes:
    """Every pair and everyone left out, for the host to read in a spreadsheet."""
    rows: list[tuple[Any, ...]] = [
        (
            "pair",
            pair.mentee_id,
            names.get(pair.mentee_id, ""),
            pair.mentor_id,
            names.get(pair.mentor_id, ""),
            pair.score,
            "; ".join(pair.skills),
            "; ".join(pair.languages),
            pair.hours,
            "; ".join(pair.goal_words),
            "",
        )
        for pair in sorted(plan.pairs, key=lambda pair: -pair.score)
    ]
    rows += [
        ("unmatched mentee", member, names.get(member, ""), None, "", None, "", "", None, "", reason)
        for member, reason in plan.unmatched.items()
    ]
    rows += [
        ("unused mentor", None, "", member, names.get(member, ""), None, "", "", None, "", reason)
        for member, reason in plan.unused.items()
    ]
    return to_csv(PREVIEW_COLUMNS, rows)


def proposal_text(
    language: str,
    server: str,
    *,
    to_mentor: bool,
    other: int,
    why: dict[str, Any],
    answer_by: datetime,
    note: str | None,
    goals: str | None,
) -> str:
    """The DM asking one member of a proposed pair; both get one, each from their side."""
    t = i18n.t
    key = "mentoring.proposal.to_mentor" if to_mentor else "mentoring.proposal.to_mentee"
    lines = [
        t(language, key, server=server, other=mention(other)),
        t(language, "mentoring.proposal.why", why=why_text(language, why)),
    ]
    if goals and to_mentor:
        lines.append(t(language, "mentoring.proposal.goals", goals=goals[:500]))
    if note and not to_mentor:
        lines.append(t(language, "mentoring.proposal.note", note=note[:500]))
    lines.append(t(language, "mentoring.proposal.answer_by", deadline=when(answer_by)))
    return "\n".join(lines)


def overlap_text(
    language: str,
    mentor: tuple[int, str | None],
    mentee: tuple[int, str | None],
    overlap: list[Overlap] | None,
) -> str:
    """Both time zones, and the daytime hours they share in each one's local time."""
    t = i18n.t
    if overlap is None:
        return t(language, "mentoring.intro.zones_unknown")
    zones = t(
        language,
        "mentoring.intro.zones",
        mentor=mention(mentor[0]),
        mentor_zone=mentor[1],
        mentee=mention(mentee[0]),
        mentee_zone=mentee[1],
    )
    if not overlap:
        return f"{zones}\n{t(language, 'mentoring.intro.no_overlap')}"
    both = overlap[0]
    stretch = t(
        language,
        "mentoring.intro.overlap",
        mentor=mention(mentor[0]),
        mentor_hours=local_hours(both, mentor[1] or "UTC"),
        mentee=mention(mentee[0]),
        mentee_hours=local_hours(both, mentee[1] or "UTC"),
    )
    return f"{zones}\n{stretch}"


def local_hours(stretch: Overlap, zone: str) -> str:
    local = ZoneInfo(zone)
    return f"{stretch.start.astimezone(local):%H:%M}–{stretch.end.astimezone(local):%H:%M}"


def intro_text(language: str, mentor: int, mentee: int, why: dict[str, Any], hours: str, check_in_days: int) -> str:
    t = i18n.t
    return "\n".join(
        (
            t(language, "mentoring.intro.hello", mentor=mention(mentor), mentee=mention(mentee)),
            t(language, "mentoring.intro.skills", skills=", ".join(why.get("skills") or []) or "—"),
            t(
                language,
                "mentoring.intro.languages",
                languages=spoken.display_names(why.get("languages") or [], language),
            ),
            hours,
            t(language, "mentoring.intro.steps"),
            t(language, "mentoring.intro.check_ins", days=check_in_days),
        )
    )


def check_in_text(language: str, mentor: int, mentee: int, answers: dict[int, bool | None]) -> str:
    t = i18n.t
    lines = [t(language, "mentoring.check_in.question", mentor=mention(mentor), mentee=mention(mentee))]
    for member, answer in answers.items():
        if answer is not None:
            lines.append(
                t(language, "mentoring.check_in.met" if answer else "mentoring.check_in.missed", member=mention(member))
            )
    return "\n".join(lines)


def status_text(language: str, status: Status) -> str:
    t = i18n.t
    lines = [t(language, "mentoring.status.title")]
    lines.append(
        t(
            language,
            "mentoring.status.counts",
            mentors=len(status.mentors),
            waiting=len(status.waiting),
            proposed=status.proposed,
            active=status.active,
            completed=status.completed,
        )
    )
    if status.mentors:
        lines.append(t(language, "mentoring.status.mentors"))
        for mentor in status.mentors[:LIST_SHOWN]:
            paused = f" {t(language, 'mentoring.status.paused')}" if mentor.paused else ""
            lines.append(f"• {mention(mentor.member_id)} {mentor.load}/{mentor.capacity}{paused}")
    if status.waiting:
        lines.append(t(language, "mentoring.status.waiting"))
        for waiting in status.waiting[:LIST_SHOWN]:
            paused = f" {t(language, 'mentoring.status.paused')}" if waiting.paused else ""
            lines.append(
                t(
                    language,
                    "mentoring.status.waiting_line",
                    member=mention(waiting.member_id),
                    since=ago(waiting.since),
                )
                + paused
            )
    if status.stale:
        lines.append(t(language, "mentoring.status.stale"))
        for stale in status.stale[:LIST_SHOWN]:
            pair = stale.mentorship
            key = "mentoring.status.flagged" if stale.flagged else "mentoring.status.silent"
            where = f" <#{pair.thread_id}>" if pair.thread_id else ""
            lines.append(t(language, key, mentor=mention(pair.mentor_id), mentee=mention(pair.mentee_id)) + where)
    if status.feedback:
        lines.append(t(language, "mentoring.status.feedback"))
        for given in status.feedback:
            other = (
                given.mentorship.mentee_id
                if given.member_id == given.mentorship.mentor_id
                else given.mentorship.mentor_id
            )
            rating = f"{given.rating}/5" if given.rating else "—"
            comment = f" “{given.comment[:200]}”" if given.comment else ""
            lines.append(f"• {rating} {mention(given.member_id)} ({mention(other)}){comment}")
    next_round = when(status.next_round) if status.next_round else t(language, "mentoring.status.no_auto")
    lines.append(t(language, "mentoring.status.next_round", when=next_round))
    return fit(lines)


def profile_lines(language: str, summary: Summary) -> list[str]:
    """What `/profile show` adds about mentoring (nothing for members who never offered nor asked)."""
    t = i18n.t
    lines = []
    paused = f" {t(language, 'mentoring.status.paused')}"
    if summary.offer is not None:
        offer = summary.offer
        line = t(
            language,
            "mentoring.profile.offer",
            load=summary.load,
            capacity=offer.capacity,
            skills=", ".join(offer.skills),
            languages=spoken.display_names(offer.languages, language),
        )
        lines.append(line + (paused if offer.paused_at else ""))
    if summary.request is not None:
        request = summary.request
        if request.closed_at is not None:
            state = t(language, "mentoring.profile.fulfilled")
        elif summary.mentor_id is not None:
            state = t(language, "mentoring.profile.mentored", mentor=mention(summary.mentor_id))
        elif summary.waiting:
            state = t(language, "mentoring.profile.waiting", since=ago(request.waiting_since))
        else:
            state = t(language, "mentoring.profile.proposed")
        line = t(language, "mentoring.profile.request", skills=", ".join(request.skills), state=state)
        lines.append(line + (paused if request.paused_at and request.closed_at is None else ""))
    return lines
