"""What members and hosts read of groups: charters, the list, a group's card, health lines, team previews,
suggestions and a finished project's summary. Pure functions of rows and a language."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import discord

from bot import i18n
from models.groups.members import seated_count, waitlist
from models.groups.projects import FinishedProject
from models.groups.rules import Health, Seat
from models.groups.service import Page
from models.groups.suggest import Suggestion
from models.groups.tables import Group, GroupSeat
from models.groups.teams import Team

EMBED_FIELD_MAX = 1024
EMBED_DESCRIPTION_MAX = 4096
MESSAGE_MAX = 2000
SHOWN_MEMBERS = 30
HEALTH_SHOWN = 25


def relative(moment: datetime) -> str:
    return discord.utils.format_dt(moment, "R")


def clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def mentions(member_ids: Sequence[int], limit: int = SHOWN_MEMBERS) -> str:
    shown = " ".join(f"<@{member_id}>" for member_id in member_ids[:limit])
    return shown + (f" +{len(member_ids) - limit}" if len(member_ids) > limit else "")


def members_count(language: str, seated: int, cap: int | None) -> str:
    if cap is None:
        return i18n.t(language, "groups.charter.no_cap", count=seated)
    return i18n.t(language, "groups.charter.capped", count=seated, cap=cap)


def joining(language: str, group: Group) -> str:
    return i18n.t(language, "groups.charter.on_request" if group.private else "groups.charter.open")


def charter_embed(group: Group, language: str, *, lead_id: int | None, seated: int | None = None) -> discord.Embed:
    """The group's charter: its purpose, goals, how it works, who leads, how to join."""
    embed = discord.Embed(
        title=i18n.t(language, "groups.charter.title", name=group.name),
        description=group.purpose,
        colour=discord.Colour.teal(),
    )
    if group.committee:
        embed.description = f"{group.purpose}\n{i18n.t(language, 'groups.charter.committee')}"
    if group.goals:
        embed.add_field(
            name=i18n.t(language, "groups.charter.goals"), value=clip(group.goals, EMBED_FIELD_MAX), inline=False
        )
    if group.how:
        embed.add_field(
            name=i18n.t(language, "groups.charter.how"), value=clip(group.how, EMBED_FIELD_MAX), inline=False
        )
    if lead_id is not None:
        embed.add_field(name=i18n.t(language, "groups.charter.lead"), value=f"<@{lead_id}>")
    if seated is not None:
        embed.add_field(
            name=i18n.t(language, "groups.charter.members"), value=members_count(language, seated, group.cap)
        )
    embed.add_field(name=i18n.t(language, "groups.charter.joining"), value=joining(language, group))
    return embed


def list_embed(page: Page, language: str, *, committees: bool, others: int) -> discord.Embed:
    """One page of active groups (or committees), busiest first."""
    kind = "committees" if committees else "groups"
    title = i18n.t(language, f"groups.list.title_{kind}", page=page.number, pages=page.pages)
    lines = []
    for item in page.items:
        group = item.group
        parts = [f"**{group.name}**", f"👥 {members_count(language, item.seated, group.cap)}"]
        if item.waiting:
            parts.append(i18n.tn(language, "groups.list.waiting", item.waiting))
        parts.append(joining(language, group))
        parts.append(i18n.t(language, "groups.list.active", when=relative(group.last_activity_at)))
        lines.append(" · ".join(parts) + f"\n{clip(group.purpose, 150)}")
    if not lines:
        lines.append(i18n.t(language, f"groups.list.empty_{kind}"))
    if others:
        lines.append(i18n.tn(language, f"groups.list.others_{kind}", others))
    embed = discord.Embed(
        title=title, description="\n\n".join(lines)[:EMBED_DESCRIPTION_MAX], colour=discord.Colour.teal()
    )
    return embed


def info_embed(group: Group, seats: Sequence[GroupSeat], language: str, *, space: str | None) -> discord.Embed:
    """A group's card: the charter, its members, waitlist, space and last activity."""
    leads = [seat.member_id for seat in seats if seat.seat == Seat.LEAD]
    embed = charter_embed(group, language, lead_id=leads[0] if leads else None, seated=seated_count(seats))
    seated = [seat.member_id for seat in seats if seat.seat in (Seat.LEAD, Seat.MEMBER)]
    embed.add_field(
        name=i18n.t(language, "groups.info.members"), value=clip(mentions(seated), EMBED_FIELD_MAX) or "—", inline=False
    )
    waiting = waitlist(seats)
    if waiting:
        embed.add_field(name=i18n.t(language, "groups.info.waitlist"), value=str(len(waiting)))
    embed.add_field(
        name=i18n.t(language, "groups.info.status"), value=i18n.t(language, f"groups.status.{group.status}")
    )
    if space:
        embed.add_field(name=i18n.t(language, "groups.info.space"), value=space)
    embed.add_field(name=i18n.t(language, "groups.info.active"), value=relative(group.last_activity_at))
    return embed


def health_lines(report: Sequence[Health], pending: int, language: str) -> list[str]:
    """The hosts' digest: each group's members, waitlist, requests, quiet days and last check-in; alerts first."""
    lines = [i18n.tn(language, "groups.health.title", len(report))]
    if not report:
        lines.append(i18n.t(language, "groups.health.none"))
    for item in report[:HEALTH_SHOWN]:
        parts = [f"👥 {members_count(language, item.seated, item.cap)}"]
        if item.waiting:
            parts.append(i18n.tn(language, "groups.list.waiting", item.waiting))
        if item.requests:
            parts.append(i18n.tn(language, "groups.health.requests", item.requests))
        parts.append(i18n.tn(language, "groups.health.quiet", item.silent_days))
        if item.last_checkin_at is not None:
            parts.append(i18n.t(language, "groups.health.last_checkin", when=relative(item.last_checkin_at)))
        if not item.leads:
            parts.append(i18n.t(language, "groups.health.no_lead"))
        flag = "⚠️ " if item.silent or not item.leads else ""
        badge = "🏛️ " if item.committee else ""
        lines.append(f"{flag}{badge}**{item.name}** — " + " · ".join(parts))
    if len(report) > HEALTH_SHOWN:
        lines.append(i18n.tn(language, "groups.health.more", len(report) - HEALTH_SHOWN))
    if pending:
        lines.append(i18n.tn(language, "groups.health.pending", pending))
    return lines


def fit(lines: list[str], limit: int = MESSAGE_MAX) -> str:
    """Lines joined within Discord's message limit (the last ones give way)."""
    text = ""
    for line in lines:
        if len(text) + len(line) + 1 > limit:
            break
        text = f"{text}\n{line}" if text else line
    return text


def suggestion_lines(name: str, found: Sequence[Suggestion], language: str) -> list[str]:
    if not found:
        return [i18n.t(language, "groups.suggest.none")]
    lines = [i18n.t(language, "groups.suggest.title", name=name)]
    for item in found:
        why = []
        if item.skills:
            why.append(i18n.t(language, "groups.suggest.skills", skills=", ".join(item.skills)))
        if item.goals:
            why.append(i18n.t(language, "groups.suggest.goals"))
        if item.hours is not None:
            why.append(i18n.t(language, "groups.suggest.hours", hours=round(item.hours)))
        if not item.skills and not item.goals:
            why.append(i18n.t(language, "groups.suggest.open"))
        lines.append(f"• <@{item.member_id}> — {', '.join(why)}")
    lines.append(i18n.t(language, "groups.suggest.tip"))
    return lines


def team_lines(teams: Sequence[Team], names: Sequence[str], language: str) -> list[str]:
    lines = []
    for team, name in zip(teams, names, strict=True):
        skills = ", ".join(sorted(team.skills)[:8]) or i18n.t(language, "groups.form.no_skills")
        zones = ", ".join(sorted({utc_label(member.offset) for member in team.members}))
        lines.append(
            i18n.t(language, "groups.form.team", name=name, count=len(team.members), members=mentions(team.member_ids))
            + f"\n  {i18n.t(language, 'groups.form.detail', skills=clip(skills, 200), zones=zones)}"
        )
    return lines


def utc_label(offset: float) -> str:
    hours = ((offset + 12) % 24) - 12
    whole, minutes = int(abs(hours)), round(abs(hours) % 1 * 60)
    sign = "+" if hours >= 0 else "-"
    return f"UTC{sign}{whole}" + (f":{minutes:02d}" if minutes else "")


def summary_embed(project: FinishedProject, language: str, server: str) -> discord.Embed:
    """A finished project, as the group's space and the knowledge channel show it."""
    embed = discord.Embed(
        title=i18n.t(language, "groups.summary.title", name=project.name),
        description=clip(project.summary, EMBED_DESCRIPTION_MAX) or "—",
        colour=discord.Colour.gold(),
        timestamp=project.finished_at,
    )
    if project.links:
        embed.add_field(
            name=i18n.t(language, "groups.summary.links"),
            value=clip("\n".join(project.links), EMBED_FIELD_MAX),
            inline=False,
        )
    embed.add_field(
        name=i18n.t(language, "groups.summary.members"),
        value=clip(mentions(project.member_ids), EMBED_FIELD_MAX) or "—",
        inline=False,
    )
    embed.set_footer(text=i18n.t(language, "groups.summary.footer", server=server))
    return embed
