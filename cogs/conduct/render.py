"""What members and hosts see of the code of conduct: the version embed, the report for moderators, status lines."""

from __future__ import annotations

import discord

from bot import i18n
from models.conduct.service import Status
from models.conduct.tables import ConductReport, ConductVersion
from models.guild_settings import GuildContext

PENDING_SHOWN = 40


def version_embed(version: ConductVersion, language: str) -> discord.Embed:
    embed = discord.Embed(
        title=i18n.t(language, "conduct.rules.title", version=version.version),
        description=version.localized.text(language),
        colour=discord.Colour.blurple(),
        timestamp=version.published_at,
    )
    embed.set_footer(text=i18n.t(language, "conduct.rules.footer"))
    return embed


def report_embed(report: ConductReport, language: str) -> discord.Embed:
    """A concern as the moderators read it; an anonymous one says so and names nobody."""
    embed = discord.Embed(
        title=i18n.t(language, "conduct.report.moderators_title"),
        description=report.text,
        colour=discord.Colour.red(),
        timestamp=report.created_at,
    )
    author = i18n.t(language, "conduct.report.anonymous") if report.anonymous else f"<@{report.reporter_id}>"
    embed.add_field(name=i18n.t(language, "conduct.report.from"), value=author)
    where = f"<#{report.channel_id}>" if report.channel_id else "—"
    embed.add_field(name=i18n.t(language, "conduct.report.channel"), value=where)
    embed.add_field(name=i18n.t(language, "conduct.report.when"), value=discord.utils.format_dt(report.created_at, "F"))
    if report.link:
        embed.add_field(name=i18n.t(language, "conduct.report.link"), value=report.link, inline=False)
    return embed


def status_lines(
    state: Status | None,
    current: ConductVersion | None,
    context: GuildContext,
    *,
    people: int,
    undelivered: int,
    waiting_reports: int,
    grace_running: bool,
) -> list[str]:
    """`/conduct status`: who accepted the current version, who has not, what failed, what waits."""
    language = context.reply_language
    lines = [i18n.t(language, "conduct.status.none")] if state is None or current is None else []
    if state is not None and current is not None:
        lines += [
            i18n.t(language, "conduct.status.title", version=state.version),
            i18n.t(language, "conduct.status.accepted", accepted=len(state.accepted), total=people),
        ]
        if grace_running and current.grace_until is not None:
            deadline = i18n.format_when(language, current.grace_until, context.zone)
            lines.append(i18n.t(language, "conduct.status.grace", deadline=deadline))
        if state.pending:
            shown = " ".join(f"<@{member_id}>" for member_id in state.pending[:PENDING_SHOWN])
            lines.append(i18n.tn(language, "conduct.status.pending", len(state.pending), members=shown))
            if len(state.pending) > PENDING_SHOWN:
                lines.append(i18n.tn(language, "conduct.status.more", len(state.pending) - PENDING_SHOWN))
        if undelivered:
            lines.append(i18n.tn(language, "conduct.status.dm_failed", undelivered))
    if waiting_reports:
        lines.append(i18n.tn(language, "conduct.status.reports_waiting", waiting_reports))
    if context.settings.member_role_id is None:
        lines.append(i18n.t(language, "conduct.status.no_role"))
    return lines
