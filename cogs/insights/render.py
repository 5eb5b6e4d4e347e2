"""What hosts read: the report's text summary, its tiles for the chart, and the weekly highlight — numbers written
the way the host's language writes them (Babel)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from zoneinfo import ZoneInfo

from babel.dates import format_date
from babel.numbers import format_decimal, format_percent

from bot import i18n
from models.insights.chart import Tile
from models.insights.rules import Figure, Kind, Report, Window
from models.insights.service import Week

MESSAGE_MAX = 2000


def value_text(kind: Kind, value: float | None, language: str) -> str:
    if value is None:
        return "—"
    if kind is Kind.RATE:
        return format_percent(value, locale=language)
    if kind is Kind.AVERAGE:
        return format_decimal(value, format="#,##0.0", locale=language)
    return format_decimal(round(value), locale=language)


def direction(figure: Figure) -> int:
    """1 up, -1 down, 0 when the trend reads as stable (or cannot be read)."""
    if figure.current is None or figure.previous is None or figure.current == figure.previous:
        return 0
    change = figure.change
    if change is not None and round(abs(change) * 100) == 0:
        return 0
    return 1 if figure.current > figure.previous else -1


def change_text(figure: Figure, language: str, *, short: bool = False) -> str:
    """Against the previous period: "▲ 30 %, was 9.6", "▼ 5 pts, was 72 %", "= stable", "was 0" (`short`: the
    chart's, without what it was)."""
    if figure.current is None:
        return i18n.t(language, "insights.change.unknown")
    if figure.previous is None:
        return i18n.t(language, "insights.change.unknown")
    was = value_text(figure.kind, figure.previous, language)
    if figure.current == figure.previous:
        return i18n.t(language, "insights.change.stable")
    arrow = "▲" if figure.current > figure.previous else "▼"
    if figure.kind is Kind.RATE:
        points = round(abs(figure.current - figure.previous) * 100)
        if points == 0:
            return i18n.t(language, "insights.change.stable")
        if short:
            return f"{arrow} {i18n.tn(language, 'insights.change.points_short', points)}"
        return i18n.tn(language, "insights.change.points", points, arrow=arrow, was=was)
    change = figure.change
    if change is None:
        return "" if short else i18n.t(language, "insights.change.new", was=was)
    if round(abs(change) * 100) == 0:
        return i18n.t(language, "insights.change.stable")  # less than half a percent either way
    percent = format_percent(abs(change), locale=language)
    if short:
        return f"{arrow} {percent}"
    return i18n.t(language, "insights.change.percent", arrow=arrow, percent=percent, was=was)


def label(language: str, key: str) -> str:
    return i18n.t(language, f"insights.figure.{key}")


def period_text(window: Window, zone: ZoneInfo, language: str) -> str:
    first = format_date(window.start.astimezone(zone), format="medium", locale=language)
    last = format_date((window.end - timedelta(microseconds=1)).astimezone(zone), format="medium", locale=language)
    return i18n.t(language, "insights.period.span", first=first, last=last)


def title(report: Report, language: str) -> str:
    return i18n.tn(language, "insights.title", report.days)


def summary(
    report: Report, zone: ZoneInfo, language: str, heading: str | None = None, extra: Sequence[str] = ()
) -> str:
    """The text beside the chart: every panel and figure with its trend (`extra` lines after the heading), within
    one message — trends lose their "was …" when the whole would not fit."""
    for short in (False, True):
        text = _summary(report, zone, language, heading, extra, short=short)
        if len(text) <= MESSAGE_MAX:
            return text
    return text[: MESSAGE_MAX - 1] + "…"


def _summary(
    report: Report, zone: ZoneInfo, language: str, heading: str | None, extra: Sequence[str], *, short: bool
) -> str:
    lines = [f"**{heading or title(report, language)}** · {period_text(report.window, zone, language)}", *extra]
    if report.empty:
        lines.append(i18n.t(language, "insights.report.nothing"))
    for panel in report.panels:
        lines.append(f"**{i18n.t(language, f'insights.panel.{panel.capability.value}')}**")
        lines += [
            i18n.t(
                language,
                "insights.report.line",
                figure=label(language, figure.key),
                value=value_text(figure.kind, figure.current, language),
                change=change_text(figure, language, short=short) or "—",
            )
            for figure in panel.figures
        ]
    lines.append(i18n.t(language, "insights.report.compared"))
    return "\n".join(lines)


def tiles(report: Report, weeks: Sequence[Week], language: str) -> list[Tile]:
    return [
        Tile(
            panel=i18n.t(language, f"insights.panel.{panel.capability.value}"),
            label=label(language, figure.key),
            value=value_text(figure.kind, figure.current, language),
            change=change_text(figure, language, short=True),
            direction=direction(figure),
            spark=[week.values.get(figure.key) for week in weeks],
        )
        for panel in report.panels
        for figure in panel.figures
    ]


def highlight_text(figure: Figure | None, language: str, clock_changed: bool) -> str:
    """ "Attendances down 30 % (since the time change)", or that nothing moved much."""
    if figure is None or figure.change is None:
        return i18n.t(language, "insights.highlight.none")
    percent = format_percent(abs(figure.change), locale=language)
    key = "insights.highlight.up" if figure.change > 0 else "insights.highlight.down"
    text = i18n.t(language, key, figure=label(language, figure.key), percent=percent)
    if clock_changed:
        text += i18n.t(language, "insights.highlight.clock")
    return text
