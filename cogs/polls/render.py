"""How a poll looks in Discord: the poll message, the results, the chart's words, the CSV files, the replies to votes.

Pure functions of a `PollView` and its `Tally`: no I/O, so tests check them directly, and each text is in the
language it is given (the poll's for public posts, the member's for private answers).
"""

from __future__ import annotations

import io
from datetime import datetime

import discord
from babel.numbers import format_percent

from bot import i18n
from models.export import to_csv
from models.polls import rules
from models.polls.chart import ChartText
from models.polls.rules import Outcome, Tally
from models.polls.service import PollExport, PollView

OPEN_COLOR = discord.Colour.blurple()
CLOSED_COLOR = discord.Colour.dark_grey()
# An embed description holds 4,096 characters; escaped labels can double in length, so long polls shorten labels.
DESCRIPTION_MAX = 4096
LABEL_LIMITS = (rules.OPTION_MAX, 40, 16)


def discord_time(moment: datetime, style: discord.utils.TimestampStyle = "F") -> str:
    """A Discord timestamp: each member reads it in their own time zone and language."""
    return discord.utils.format_dt(moment, style)


def role_mention(role_id: int) -> str:
    """A role named in a post or a reply; Agora's posts never ping it (mentions are disabled when sending)."""
    return f"<@&{role_id}>"


def message_link(view: PollView) -> str:
    return f"https://discord.com/channels/{view.guild_id}/{view.channel_id}/{view.message_id}"


def shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


# --- the poll message and the results ---------------------------------------------------------------------------


def poll_embed(view: PollView, result: Tally) -> discord.Embed:
    """The poll message: question, one line and bar per option, who may vote and until when."""
    language = view.language
    title = "polls.message.title_closed" if not view.is_open else "polls.message.title"
    embed = discord.Embed(title=i18n.t(language, title), colour=OPEN_COLOR if view.is_open else CLOSED_COLOR)
    show = not view.is_open or not view.hide_results
    tail = ["", i18n.tn(language, "polls.message.voters", result.voters), rule_line(view)]
    if not show:
        tail[:0] = ["", i18n.t(language, "polls.message.hidden")]
    if view.role_id:
        tail.append(i18n.t(language, "polls.message.role", role=role_mention(view.role_id)))
    if view.closed_at is not None:
        tail.append(i18n.t(language, "polls.message.closed_at", when=discord_time(view.closed_at)))
    elif view.closes_at is not None:
        when, relative = discord_time(view.closes_at), discord_time(view.closes_at, "R")
        tail.append(i18n.t(language, "polls.message.closes_at", when=when, relative=relative))
    embed.description = fitted_description(view, result, language, show=show, tail=tail)
    if view.is_open:
        how = "polls.message.how_buttons" if view.anonymous else "polls.message.how_reactions"
        embed.set_footer(text=i18n.t(language, how))
    elif view.anonymous:
        embed.set_footer(text=i18n.t(language, "polls.message.anonymous_closed"))
    return embed


def results_embed(view: PollView, result: Tally, language: str) -> discord.Embed:
    """Counts and bars for everyone (the results post) or for one member (`/poll results`)."""
    key = "polls.results.title_closed" if not view.is_open else "polls.results.title_open"
    embed = discord.Embed(title=i18n.t(language, key), colour=CLOSED_COLOR if not view.is_open else OPEN_COLOR)
    tail = ["", i18n.tn(language, "polls.message.voters", result.voters)]
    if view.message_id is not None:
        tail.append(i18n.t(language, "polls.results.link", link=message_link(view)))
    embed.description = fitted_description(view, result, language, show=True, tail=tail)
    return embed


def fitted_description(view: PollView, result: Tally, language: str, *, show: bool, tail: list[str]) -> str:
    """Question, options and `tail`, with labels shortened only if the whole would not fit Discord's limit."""
    text = ""
    for limit in LABEL_LIMITS:
        lines = [f"**{discord.utils.escape_markdown(view.question)}**", ""]
        lines += option_lines(view, result, language, show=show, label_limit=limit)
        text = "\n".join(lines + tail)
        if len(text) <= DESCRIPTION_MAX:
            return text
    return shorten(text, DESCRIPTION_MAX)


def rule_line(view: PollView) -> str:
    language = view.language
    kind = i18n.t(language, "polls.message.anonymous" if view.anonymous else "polls.message.public")
    if not view.multiple:
        rule = i18n.t(language, "polls.message.single")
    elif view.max_choices:
        rule = i18n.tn(language, "polls.message.multiple_max", view.max_choices)
    else:
        rule = i18n.t(language, "polls.message.multiple")
    return f"{kind} · {rule}"


def option_lines(
    view: PollView, result: Tally, language: str, *, show: bool, label_limit: int = rules.OPTION_MAX
) -> list[str]:
    leaders = set(result.leaders()) if not view.is_open else set()
    lines = []
    for option in view.options:
        crown = " 🏆" if option.id in leaders else ""
        label = discord.utils.escape_markdown(shorten(option.label, label_limit))
        lines.append(f"{option.emoji} {label}{crown}")
        if show:
            share = result.share(option.id)
            bar, count, percent = rules.bar(share), result.count(option.id), format_percent(share, locale=language)
            lines.append(i18n.t(language, "polls.message.option", bar=bar, count=count, percent=percent))
    return lines


# --- the results chart ------------------------------------------------------------------------------------------


def chart_text(view: PollView, result: Tally) -> ChartText:
    language = view.language
    return ChartText(
        title=view.question,
        axis=i18n.t(language, "polls.chart.axis"),
        footer=i18n.tn(language, "polls.chart.footer", result.voters),
    )


def chart_labels(view: PollView) -> list[str]:
    """Option labels as the chart shows them, prefixed with the letter when the option uses 🇦 … 🇹."""
    labels = []
    for option in view.options:
        letter = next((chr(ord("A") + i) for i, flag in enumerate(rules.LETTERS) if flag == option.emoji), None)
        labels.append(f"{letter}. {option.label}" if letter else option.label)
    return labels


def chart_counts(view: PollView, result: Tally) -> list[int]:
    return [result.count(option.id) for option in view.options]


# --- private answers and files ----------------------------------------------------------------------------------


def vote_reply(view: PollView, outcome: Outcome, language: str) -> str:
    """What a member who clicked reads: their choices now, or that they have none left."""
    chosen = [f"{o.emoji} {discord.utils.escape_markdown(o.label)}" for o in view.options if o.id in outcome.choices]
    if chosen:
        return i18n.t(language, "polls.vote.recorded", choices=", ".join(chosen))
    return i18n.t(language, "polls.vote.withdrawn")


def export_files(export: PollExport, names: dict[int, str], language: str) -> list[discord.File]:
    """The counts as CSV, plus one row per vote of a public poll (`names`: member id → display name)."""
    view, result = export.view, export.tally
    header = [i18n.t(language, f"polls.export.{column}") for column in ("position", "emoji", "option", "votes")]
    header.append(i18n.t(language, "polls.export.share"))
    rows = [[o.position + 1, o.emoji, o.label, result.count(o.id), f"{result.share(o.id):.4f}"] for o in view.options]
    files = [attachment(to_csv(header, rows), f"poll-{view.id}-results.csv")]
    if export.votes:
        labels = {o.id: o.label for o in view.options}
        columns = ("member_id", "member", "option", "voted_at")
        header = [i18n.t(language, f"polls.export.{column}") for column in columns]
        lines = [[str(v), names.get(v, ""), labels.get(o, ""), at] for v, o, at in export.votes]
        files.append(attachment(to_csv(header, lines), f"poll-{view.id}-votes.csv"))
    return files


def attachment(data: bytes, filename: str) -> discord.File:
    return discord.File(io.BytesIO(data), filename=filename)
