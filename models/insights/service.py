"""Use cases of insights: the report of a period against the one before, the same figures per calendar week (the
CSV, the chart's sparklines), and the weekly report — its setting, its job, and claiming a week so it goes out once."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from models import scheduling
from models.base import insert_or_ignore
from models.insights import figures, rules
from models.insights.rules import FIGURES, Capability, Report, Values, Window
from models.insights.tables import InsightsReport, InsightsSettings

REPORT_JOB = "insights.weekly"
SPARK_WEEKS = 8


@dataclass(frozen=True)
class Week:
    label: str
    window: Window
    values: Values


async def build_report(
    session: AsyncSession, guild_id: int, period: Window, *, days: int, used: set[Capability] | None = None
) -> Report:
    """The figures of `period`, each with its value over the period of the same length just before."""
    capabilities = await figures.in_use(session, guild_id) if used is None else used
    current = await figures.figures(session, guild_id, period, capabilities)
    previous = await figures.figures(session, guild_id, period.before(), capabilities)
    return Report(period, days, rules.panels(capabilities, current, previous))


async def weekly_figures(
    session: AsyncSession, guild_id: int, period: Window, zone: ZoneInfo, used: set[Capability]
) -> list[Week]:
    """The same figures for each calendar week the period touches (Monday to Monday in the community's time)."""
    return [
        Week(label, week, await figures.figures(session, guild_id, week, used))
        for label, week in rules.weeks(period, zone)
    ]


def csv_table(weeks: list[Week], used: set[Capability]) -> tuple[list[str], list[list[object]]]:
    """One row per week: its ISO label, its bounds, then every figure of the capabilities in use (rates in %)."""
    keys = [(key, kind) for capability, items in FIGURES.items() if capability in used for key, kind in items]
    header = ["week", "from", "until", *(key for key, _ in keys)]
    rows: list[list[object]] = []
    for week in weeks:
        cells: list[object] = [week.label, week.window.start, week.window.end]
        for key, kind in keys:
            value = week.values.get(key)
            if value is None:
                cells.append(None)
            elif kind is rules.Kind.RATE:
                cells.append(round(value * 100, 1))
            elif kind is rules.Kind.AVERAGE:
                cells.append(round(value, 2))
            else:
                cells.append(int(value))
        rows.append(cells)
    return header, rows


# --- the weekly report -----------------------------------------------------------------------------------------


async def insights_settings(session: AsyncSession, guild_id: int) -> InsightsSettings:
    """The server's row (read only: a server without one gets the default, weekly reports on)."""
    return await session.get(InsightsSettings, guild_id) or InsightsSettings(guild_id=guild_id, weekly=True)


async def set_weekly(
    session: AsyncSession, guild_id: int, enabled: bool, zone: ZoneInfo, *, by: int, now: datetime
) -> InsightsSettings:
    """Turn the weekly report on or off; its job follows at once."""
    await insert_or_ignore(session, InsightsSettings, guild_id=guild_id, weekly=True)
    chosen = await session.get_one(InsightsSettings, guild_id, populate_existing=True)
    chosen.weekly, chosen.updated_by, chosen.updated_at = enabled, by, now
    await session.flush()
    await schedule_report(session, chosen, zone, now=now)
    return chosen


async def schedule_report(session: AsyncSession, chosen: InsightsSettings, zone: ZoneInfo, *, now: datetime) -> None:
    """One weekly job per server (Mondays in the community's time), created when missing, moved when the community's
    time zone changed (checked at each start), cancelled when off."""
    key = str(chosen.guild_id)
    if not chosen.weekly:
        await scheduling.cancel_job(session, kind=REPORT_JOB, key=key)
        return
    job = scheduling.ScheduledJob
    existing = await session.scalar(select(job).where(job.kind == REPORT_JOB, job.key == key))
    if existing is not None and (
        existing.state == scheduling.JobState.RUNNING
        or (existing.state == scheduling.JobState.PENDING and existing.timezone == zone.key)
    ):
        return
    await scheduling.schedule_job(
        session,
        kind=REPORT_JOB,
        key=key,
        due_at=rules.next_report(now, zone),
        guild_id=chosen.guild_id,
        rrule=rules.REPORT_RULE,
        timezone=zone.key,
    )


def reported_week(due_at: datetime, zone: ZoneInfo) -> tuple[str, Window]:
    """The week a report due at `due_at` covers: the last whole calendar week before it (Monday to Monday, in the
    community's time), and its ISO name."""
    end = rules.monday(due_at, zone)
    ((label, week),) = rules.weeks(Window(end - timedelta(days=3), end), zone)
    return label, week


def complete(weeks: list[Week]) -> list[Week]:
    """The weeks that are whole (seven days): the current week, still going, would read as a drop."""
    return [week for week in weeks if week.window.end - week.window.start >= timedelta(days=6, hours=22)]


async def claim_report(session: AsyncSession, guild_id: int, week: str, *, now: datetime) -> InsightsReport | None:
    """This week's row, unless its report was already posted (a retry after a failed post gets the row back)."""
    await insert_or_ignore(session, InsightsReport, guild_id=guild_id, week=week, created_at=now)
    report = await session.get_one(InsightsReport, (guild_id, week), populate_existing=True)
    return None if report.message_id is not None else report


async def record_report(session: AsyncSession, guild_id: int, week: str, channel_id: int, message_id: int) -> None:
    """The week's report is out (0, 0: there was nothing to post, or nowhere to post it)."""
    await session.execute(
        update(InsightsReport)
        .where(InsightsReport.guild_id == guild_id, InsightsReport.week == week)
        .values(channel_id=channel_id, message_id=message_id)
    )
