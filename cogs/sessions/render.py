"""What members and hosts read of sessions: the announcement, lines of `/session list`, reminders, notices, prompts,
the hosts' results. Pure functions of plain values; times are Discord timestamps, which every member reads in their
own time zone and language."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import discord

from bot import i18n
from models.sessions.feedback import RoundResult
from models.sessions.rules import Location, Ratings, State, Status
from models.sessions.tables import SessionOccurrence, SessionSeries

FORMAT_EMOJI = {
    "webinar": "🎙️",
    "workshop": "🛠️",
    "sharing": "🤝",
    "reading_club": "📚",
    "office_hours": "🕐",
    "other": "📅",
}
STATUS_EMOJI = {Status.GOING: "✅", Status.MAYBE: "🤔", Status.CANT: "❌", Status.WAITLIST: "⏳"}
OPEN_COLOUR = discord.Colour.blurple()
LIVE_COLOUR = discord.Colour.green()
CLOSED_COLOUR = discord.Colour.dark_grey()
FIELD_MAX = 1024


def when(moment: datetime, style: str = "F") -> str:
    """A Discord timestamp: each member sees it in their own time zone."""
    return f"<t:{int(moment.timestamp())}:{style}>"


def when_both(moment: datetime) -> str:
    return f"{when(moment, 'F')} ({when(moment, 'R')})"


def duration(starts_at: datetime, ends_at: datetime) -> str:
    minutes = int((ends_at - starts_at).total_seconds() // 60)
    hours, rest = divmod(minutes, 60)
    if not hours:
        return f"{rest} min"
    return f"{hours} h {rest:02d}" if rest else f"{hours} h"


def place(found: SessionOccurrence) -> str:
    if found.location_kind == Location.EXTERNAL:
        return f"🔗 {found.link}"
    return f"{'🎤' if found.location_kind == Location.STAGE else '🔊'} <#{found.channel_id}>"


def phase(found: SessionOccurrence, now: datetime) -> str:
    """scheduled, live, ended or cancelled: what the announcement shows."""
    if found.state == State.CANCELLED:
        return "cancelled"
    if found.state == State.DONE or found.ends_at <= now:
        return "ended"
    return "live" if found.starts_at <= now else "scheduled"


def seats_line(language: str, counts: Counter[str], capacity: int | None) -> str:
    going, waiting = counts[Status.GOING], counts[Status.WAITLIST]
    if capacity is None:
        return i18n.tn(language, "sessions.post.going", going)
    line = i18n.t(language, "sessions.post.seats", going=going, capacity=capacity)
    if waiting:
        line += " · " + i18n.tn(language, "sessions.post.waitlist", waiting)
    return line


def announcement(
    language: str, series: SessionSeries, found: SessionOccurrence, counts: Counter[str], now: datetime
) -> discord.Embed:
    """The occurrence as its posts show it; redrawn on every RSVP and every change."""
    current = phase(found, now)
    colour = {"live": LIVE_COLOUR, "scheduled": OPEN_COLOUR}.get(current, CLOSED_COLOUR)
    title = f"{FORMAT_EMOJI.get(series.format, '📅')} {series.title}"
    if current != "scheduled":
        title = f"{i18n.t(language, f'sessions.phase.{current}')} — {series.title}"
    embed = discord.Embed(title=title[:256], description=series.description or None, colour=colour)
    embed.add_field(name=i18n.t(language, "sessions.post.when"), value=when_both(found.starts_at), inline=False)
    embed.add_field(name=i18n.t(language, "sessions.post.duration"), value=duration(found.starts_at, found.ends_at))
    embed.add_field(name=i18n.t(language, "sessions.post.where"), value=place(found)[:FIELD_MAX])
    embed.add_field(
        name=i18n.t(language, "sessions.post.format"), value=i18n.t(language, f"sessions.format.{series.format}")
    )
    if series.speakers:
        embed.add_field(name=i18n.t(language, "sessions.post.speakers"), value=series.speakers[:FIELD_MAX])
    embed.add_field(
        name=i18n.t(language, "sessions.post.answers"),
        value=" · ".join(
            [
                seats_line(language, counts, series.capacity),
                i18n.tn(language, "sessions.post.maybe", counts[Status.MAYBE]),
                i18n.tn(language, "sessions.post.cant", counts[Status.CANT]),
            ]
        ),
        inline=False,
    )
    if found.moved and current == "scheduled":
        embed.add_field(name="🔁", value=i18n.t(language, "sessions.post.moved"), inline=False)
    if found.shifted:
        embed.add_field(name="🕑", value=i18n.t(language, "sessions.post.shifted"), inline=False)
    footer = "sessions.post.footer" if current == "scheduled" else f"sessions.post.footer_{current}"
    return embed.set_footer(text=i18n.t(language, footer))


def post_content(language: str, *, first: bool, role_id: int | None) -> str:
    line = i18n.t(language, "sessions.post.new" if first else "sessions.post.soon")
    return f"<@&{role_id}> {line}" if first and role_id else line


def list_line(
    language: str, found: SessionOccurrence, series: SessionSeries, counts: Counter[str], mine: Status | None
) -> str:
    emoji = FORMAT_EMOJI.get(series.format, "📅")
    answer = f" · {STATUS_EMOJI[mine]} {i18n.t(language, f'sessions.status.{mine}')}" if mine else ""
    seats = seats_line(language, counts, series.capacity)
    return f"{emoji} **{series.title}** — {when_both(found.starts_at)} · {place(found)} · {seats}{answer}"


def reminder_text(language: str, series: SessionSeries, found: SessionOccurrence) -> str:
    return i18n.t(
        language, "sessions.remind.text", title=series.title, when=when_both(found.starts_at), where=place(found)
    )


def notice_text(language: str, change: str, series: SessionSeries, found: SessionOccurrence) -> str:
    return i18n.t(
        language, f"sessions.notice.{change}", title=series.title, when=when_both(found.starts_at), where=place(found)
    )


def prompt_text(language: str, title: str, *, attended: bool, reminder: bool, days: int) -> str:
    key = "sessions.prompt.attendee" if attended else "sessions.prompt.absent"
    text = i18n.t(language, key, title=title, days=days)
    return f"{i18n.t(language, 'sessions.prompt.reminder')}\n{text}" if reminder else text


@dataclass(frozen=True)
class ResultsText:
    summary: str
    details: str


def rating_line(language: str, ratings: Ratings) -> str:
    if not ratings.count:
        return i18n.t(language, "feedback.results.no_answer")
    distribution = " ".join(
        f"{value}★×{number}" for value, number in zip(range(1, 6), ratings.distribution, strict=True)
    )
    return i18n.t(
        language,
        "feedback.results.line",
        average=f"{ratings.average:.1f}",
        count=ratings.count,
        distribution=distribution,
    )


def rate_text(ratings: Ratings) -> str:
    return "—" if ratings.response_rate is None else f"{ratings.response_rate:.0%}"


def results_text(language: str, results: Sequence[RoundResult], heading: str) -> ResultsText:
    """The summary (per series and overall) and the details file (per occurrence, with every comment)."""
    from models.sessions.rules import combine

    overall = combine(result.overall for result in results)
    came = combine(result.attendees for result in results)
    lines = [
        heading,
        i18n.t(language, "feedback.results.overall", rate=rate_text(overall)),
        rating_line(language, came),
    ]
    by_series: dict[str, list[RoundResult]] = {}
    for result in results:
        by_series.setdefault(result.title, []).append(result)
    if len(by_series) > 1:
        for title, part in by_series.items():
            lines.append(f"**{title}** — {rating_line(language, combine(r.attendees for r in part))}")
    details = [heading, ""]
    for result in results:
        details.append(f"## {result.title or heading} — {result.starts_at:%Y-%m-%d %H:%M} UTC")
        details.append(rating_line(language, result.attendees))
        details.append(i18n.t(language, "feedback.results.rate", rate=rate_text(result.overall)))
        for answer in result.answers:
            who = (
                i18n.t(language, "feedback.results.anonymous") if answer.member_id is None else f"<@{answer.member_id}>"
            )
            away = "" if answer.attended else f" ({i18n.t(language, 'feedback.results.absent')})"
            for label, text in (("worked", answer.worked), ("improve", answer.improve)):
                if text:
                    details.append(
                        f"- {answer.rating}★ {who}{away} · {i18n.t(language, f'feedback.results.{label}')}: {text}"
                    )
        details.append("")
    return ResultsText("\n".join(lines), "\n".join(details))


def list_page(language: str, lines: Sequence[str], page: int, pages: int) -> str:
    if not lines:
        return i18n.t(language, "sessions.list.empty")
    header = i18n.t(language, "sessions.list.title", page=page + 1, pages=pages)
    return "\n".join([header, *lines])


def pulse_text(language: str, question: str, closes_at: datetime) -> str:
    return i18n.t(language, "sessions.pulse.text", question=question, until=when(closes_at, "R"))
