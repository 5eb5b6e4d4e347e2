"""What members and hosts see of recognition: refusals, notices, the public thanks, boards, a member's summary,
the recognition post and celebrations. Pure functions of their inputs (tests call them directly)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import discord

from bot import i18n
from models.recognition.boards import BoardPage
from models.recognition.kudos import KudosOp, Outcome
from models.recognition.posts import PostDraft
from models.recognition.rules import (
    REASON_MAX,
    Category,
    KudosRefusedError,
    MilestoneKind,
    Period,
    Verdict,
)
from models.recognition.service import Summary
from models.recognition.tables import RecognitionSettings

COLOUR = discord.Colour.gold()
DESCRIPTION_MAX = 4096
POST_LINES = 40  # named members in one recognition post; the rest are counted


def message_link(guild_id: int, channel_id: int | None, message_id: int | None) -> str:
    return f"https://discord.com/channels/{guild_id}/{channel_id}/{message_id}"


def category_name(category: Category, language: str) -> str:
    """A host's name in this language, else the catalog's name of a default category, else the host's other name."""
    if category.names.get(language):
        return category.names[language]
    if category.is_default:
        return i18n.t(language, f"recognition.category.{category.key}")
    return category.names.text(language) or category.key


def category_label(category: Category, language: str) -> str:
    return f"{category.emoji} {category_name(category, language)}"


def find_category(categories: Sequence[Category], key: str) -> Category:
    return next((category for category in categories if category.key == key), Category(key))


def when(moment: datetime | None, style: str = "t") -> str:
    """A Discord timestamp: each member reads it in their own time zone."""
    return discord.utils.format_dt(moment, style) if moment is not None else "—"  # type: ignore[arg-type]


def refusal(verdict: Verdict, outcome: Outcome, *, member: str, category: str = "", length: int = 0) -> Exception:
    """The member's error for a kudos that did not count: why, and how many kudos are left today."""
    return KudosRefusedError(
        verdict,
        left=outcome.left,
        member=member,
        allowance=outcome.allowance,
        when=when(outcome.retry_at),
        category=category[:40],
        length=length,
        limit=REASON_MAX,
    )


def refusal_text(language: str, error: Exception) -> str:
    key, params = getattr(error, "key", "errors.generic"), getattr(error, "params", {})
    return i18n.t(language, key, **params)


def given_text(language: str, outcome: Outcome, *, member: str, category: str, for_message: bool) -> str:
    key = "recognition.give.done_message" if for_message else "recognition.give.done"
    return i18n.t(language, key, member=member, category=category, left=outcome.left)


def thanks_dm(language: str, server: str, gifts: Sequence[tuple[KudosOp, str]]) -> str:
    """One direct message for one kudos or several received at once: who, in which category, why or where."""
    lines = [i18n.tn(language, "recognition.notice.title", len(gifts), server=server)]
    for op, category in gifts:
        lines.append(thanks_line(language, op, category))
    lines.append(i18n.t(language, "recognition.notice.mute"))
    return "\n".join(lines)


def thanks_line(language: str, op: KudosOp, category: str) -> str:
    giver = f"<@{op.giver_id}>"
    if op.reason:
        return i18n.t(language, "recognition.notice.line_reason", giver=giver, category=category, reason=op.reason)
    if op.message_id is not None:
        link = message_link(op.guild_id, op.channel_id, op.message_id)
        return i18n.t(language, "recognition.notice.line_message", giver=giver, category=category, link=link)
    return i18n.t(language, "recognition.notice.line", giver=giver, category=category)


def quiet_line(language: str, receiver: int, gifts: Sequence[tuple[KudosOp, str]]) -> str:
    givers = ", ".join(dict.fromkeys(f"<@{op.giver_id}>" for op, _ in gifts))
    return i18n.tn(language, "recognition.notice.quiet", len(gifts), member=f"<@{receiver}>", givers=givers)


def public_thanks(language: str, op: KudosOp, category: str) -> str:
    """The thanks channel's line for a kudos with a reason (or given for a message, whose link is its reason)."""
    giver, receiver = f"<@{op.giver_id}>", f"<@{op.receiver_id}>"
    if op.reason:
        return i18n.t(
            language, "recognition.public.reason", giver=giver, member=receiver, category=category, reason=op.reason
        )
    link = message_link(op.guild_id, op.channel_id, op.message_id)
    return i18n.t(language, "recognition.public.message", giver=giver, member=receiver, category=category, link=link)


def reaction_refused(language: str, emoji: str, link: str, error: Exception) -> str:
    head = i18n.t(language, "recognition.reaction.refused", emoji=emoji, link=link)
    return f"{head}\n{refusal_text(language, error)}"


# --- boards and summaries ---------------------------------------------------------------------------------------


def board_embed(
    language: str,
    period: Period,
    category: str,
    received: BoardPage,
    given: BoardPage,
    *,
    page: int,
    size: int,
) -> discord.Embed:
    title = i18n.t(language, "recognition.board.title", period=i18n.t(language, f"recognition.period.{period.value}"))
    embed = discord.Embed(title=title, description=category, colour=COLOUR)
    for name, board in (("received", received), ("given", given)):
        lines = [
            i18n.t(language, "recognition.board.line", rank=page * size + n, member=f"<@{member}>", count=count)
            for n, (member, count) in enumerate(board.rows, start=1)
        ]
        value = "\n".join(lines) or i18n.t(language, "recognition.board.empty")
        embed.add_field(name=i18n.t(language, f"recognition.board.{name}"), value=value)
    embed.set_footer(text=i18n.t(language, "recognition.board.page", page=page + 1))
    return embed


def summary_text(language: str, summary: Summary, categories: Sequence[Category], name: str) -> str:
    received = sum(summary.received.values())
    lines = [i18n.t(language, "recognition.me.title", member=name)]
    lines.append(i18n.t(language, "recognition.me.received", count=received))
    for category in categories:
        if summary.received.get(category.key):
            label = category_label(category, language)
            lines.append(
                i18n.t(language, "recognition.me.category", category=label, count=summary.received[category.key])
            )
    lines.append(i18n.t(language, "recognition.me.given", count=summary.given, left=summary.left_today))
    lines.append(
        i18n.t(language, "recognition.me.giving_streak", current=summary.giving.current, best=summary.giving.best)
    )
    lines.append(
        i18n.t(
            language,
            "recognition.me.receiving_streak",
            current=summary.receiving.current,
            best=summary.receiving.best,
        )
    )
    if summary.milestones:
        names = ", ".join(milestone_name(language, m.kind, m.level) for m in summary.milestones[-10:])
        lines.append(i18n.t(language, "recognition.me.milestones", milestones=names))
    prefs = summary.preferences
    notices = prefs is None or prefs.notices
    named = prefs is None or prefs.named
    lines.append(
        i18n.t(
            language,
            "recognition.me.preferences",
            notices=i18n.t(language, "recognition.on" if notices else "recognition.off"),
            named=i18n.t(language, "recognition.on" if named else "recognition.off"),
        )
    )
    if prefs is not None and prefs.excluded:
        lines.append(i18n.t(language, "recognition.me.excluded"))
    return "\n".join(lines)


def milestone_name(language: str, kind: str, level: int) -> str:
    return i18n.tn(language, f"recognition.milestone.{kind}", level)


# --- the recognition post and celebrations ----------------------------------------------------------------------


def recognition_post(language: str, draft: PostDraft, server: str) -> discord.Embed:
    """Each member named once per milestone kind (their highest level); those who opted out are only counted."""
    named = [line for line in draft.lines if line.named]
    hidden = len({line.member_id for line in draft.lines if not line.named})
    lines = [
        f"🎉 <@{line.member_id}> — {milestone_name(language, line.kind, line.level)}" for line in named[:POST_LINES]
    ]
    more = len({line.member_id for line in named[POST_LINES:]})
    if more:
        lines.append(i18n.tn(language, "recognition.post.more", more))
    if hidden:
        lines.append(i18n.tn(language, "recognition.post.hidden", hidden))
    embed = discord.Embed(
        title=i18n.t(language, "recognition.post.title", server=server),
        description="\n".join(lines)[:DESCRIPTION_MAX],
        colour=COLOUR,
    )
    embed.set_footer(text=i18n.t(language, "recognition.post.footer"))
    return embed


def celebration(language: str, member: str, text: str, author: str, image: str | None) -> discord.Embed:
    embed = discord.Embed(
        title=i18n.t(language, "recognition.celebrate.title"),
        description=f"{member}\n\n{text}",
        colour=COLOUR,
    )
    embed.set_footer(text=i18n.t(language, "recognition.celebrate.footer", author=author))
    if image is not None:
        embed.set_image(url=f"attachment://{image}")
    return embed


def settings_text(
    language: str,
    settings: RecognitionSettings,
    categories: Sequence[Category],
    thresholds: dict[MilestoneKind, tuple[int, ...]],
    roles: dict[tuple[str, int], int],
) -> str:
    on, off = i18n.t(language, "recognition.on"), i18n.t(language, "recognition.off")
    category = category_label(find_category(categories, settings.reaction_category), language)
    cadence = i18n.t(language, f"recognition.cadence.{settings.post_cadence}")
    lines = [
        i18n.t(language, "recognition.settings.title"),
        i18n.t(language, "recognition.settings.reaction", reaction=settings.reaction, category=category),
        i18n.t(language, "recognition.settings.limits", allowance=settings.daily_allowance, cap=settings.pair_cap),
        i18n.t(language, "recognition.settings.post", cadence=cadence),
        i18n.t(language, "recognition.settings.public", value=on if settings.public_thanks else off),
        i18n.t(language, "recognition.settings.celebrate", value=on if settings.members_celebrate else off),
        i18n.t(language, "recognition.settings.categories", categories=", ".join(
            f"{category_label(c, language)} (`{c.key}`)" for c in categories)),
        i18n.t(language, "recognition.settings.milestones"),
    ]  # fmt: skip
    for kind in MilestoneKind:
        levels = thresholds.get(kind, ())
        shown = ", ".join(
            f"{level} → <@&{roles[kind.value, level]}>" if (kind.value, level) in roles else str(level)
            for level in levels
        )
        if kind is MilestoneKind.ANNIVERSARY:
            yearly = [f"{level} → <@&{role}>" for (name, level), role in sorted(roles.items()) if name == kind.value]
            shown = ", ".join([i18n.t(language, "recognition.settings.yearly"), *yearly])
        lines.append(f"  • `{kind.value}`: {shown or '—'}")
    return "\n".join(lines)
