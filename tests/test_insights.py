"""Insights' rules as tables, and its figures on a real database, seeded through each capability's own use cases."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from bot import i18n
from bot.database import Database
from cogs.insights import render
from models.conduct import service as conduct
from models.export import to_csv
from models.groups import service as groups
from models.groups.rules import Space
from models.insights import figures, rules, service
from models.insights.rules import (
    Capability,
    Figure,
    Kind,
    PeriodNotANumberError,
    PeriodOutOfRangeError,
    Window,
)
from models.knowledge.tables import KnowledgeEntry, KnowledgeThread
from models.localized import Localized
from models.mentoring.tables import Mentorship
from models.onboarding import service as onboarding
from models.recognition import kudos
from models.recognition.kudos import KudosOp
from models.recognition.rules import Action
from models.scheduling import JobState, ScheduledJob
from models.sessions.tables import FeedbackAnswer, FeedbackRound, SessionOccurrence, SessionPresence, SessionSeries

PARIS = ZoneInfo("Europe/Paris")
GUILD = 7
NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)  # a Monday

# --- rules ------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "days"),
    [(None, 30), ("", 30), ("7", 7), (" 90 ", 90), ("14d", 14), ("14 jours", 14), ("1", 1), ("730", 730)],
)
def test_a_period_is_a_number_of_days(text: str | None, days: int) -> None:
    assert rules.parse_period(text) == days


@pytest.mark.parametrize("text", ["abc", "3.5", "-5", "1e3", "30 weeks", "٣٠x", "\x00"])
def test_a_period_that_is_not_a_number_is_refused(text: str) -> None:
    with pytest.raises(PeriodNotANumberError):
        rules.parse_period(text)


@pytest.mark.parametrize("text", ["0", "731", "999999999"])
def test_a_period_over_two_years_or_empty_is_refused(text: str) -> None:
    with pytest.raises(PeriodOutOfRangeError):
        rules.parse_period(text)


@pytest.mark.parametrize(
    ("kind", "current", "previous", "change"),
    [
        (Kind.COUNT, 13, 10, 0.3),
        (Kind.COUNT, 7, 10, -0.3),
        (Kind.COUNT, 5, 0, None),  # nothing to compare with
        (Kind.COUNT, None, 4, None),
        (Kind.RATE, 0.75, 0.5, 0.25),  # points, not a relative change
        (Kind.AVERAGE, 4.0, 4.0, 0.0),
    ],
)
def test_a_figure_changes_relatively_or_in_points(
    kind: Kind, current: float | None, previous: float | None, change: float | None
) -> None:
    found = Figure("x", kind, current, previous).change
    assert found == pytest.approx(change) if change is not None else found is None


def test_the_highlight_is_the_biggest_relative_change_with_enough_behind_it() -> None:
    figures_ = [
        Figure("kudos", Kind.COUNT, 2, 1),  # +100 % but too small to say anything
        Figure("attendances", Kind.COUNT, 14, 20),  # -30 %
        Figure("active_members", Kind.COUNT, 110, 100),  # +10 %
        Figure("onboarding_rate", Kind.RATE, 0.1, 0.9),  # rates are left out
    ]
    assert rules.highlight(figures_) == figures_[1]
    assert rules.highlight(figures_[:1]) is None
    assert rules.highlight([Figure("kudos", Kind.COUNT, 9, 9)]) is None


def test_the_clock_change_is_seen_between_two_dates() -> None:
    autumn = datetime(2026, 10, 25, 12, tzinfo=UTC)
    assert rules.clock_changed(PARIS, Window(autumn - timedelta(days=7), autumn))
    assert not rules.clock_changed(PARIS, Window(NOW - timedelta(days=14), NOW))


def test_weeks_follow_the_communitys_calendar_across_a_clock_change() -> None:
    period = Window(datetime(2026, 10, 21, 12, tzinfo=UTC), datetime(2026, 11, 3, 12, tzinfo=UTC))
    found = rules.weeks(period, PARIS)
    assert [label for label, _ in found] == ["2026-W43", "2026-W44", "2026-W45"]
    # Monday midnight in Paris: 22:00 UTC in summer time, 23:00 UTC once clocks went back.
    assert found[0][1].start == datetime(2026, 10, 18, 22, tzinfo=UTC)
    assert found[1][1].start == datetime(2026, 10, 25, 23, tzinfo=UTC)
    assert found[1][1].end - found[1][1].start == timedelta(days=7)
    assert found[2][1].end == period.end  # the week still going ends now
    assert [week.label for week in service.complete([service.Week(lb, w, {}) for lb, w in found])] == [
        "2026-W43",
        "2026-W44",
    ]


def test_the_weekly_report_is_due_on_monday_morning_and_covers_the_week_before() -> None:
    due = rules.next_report(NOW, PARIS)
    assert due == datetime(2026, 12, 7, 8, tzinfo=UTC)  # 09:00 in Paris, the next Monday (it is past 9 today)
    assert rules.next_report(datetime(2026, 11, 30, 7, tzinfo=UTC), PARIS) == datetime(2026, 11, 30, 8, tzinfo=UTC)
    label, week = service.reported_week(due, PARIS)
    assert label == "2026-W49"
    assert week == Window(datetime(2026, 11, 29, 23, tzinfo=UTC), datetime(2026, 12, 6, 23, tzinfo=UTC))


# --- figures on a real database -------------------------------------------------------------------------------


async def seed(db: Database) -> None:
    """Two periods of 7 days before NOW: a quieter one, then a busier one, through the capabilities' use cases."""
    before, during = NOW - timedelta(days=10), NOW - timedelta(days=3)
    async with db.transaction() as session:
        texts = Localized({"fr": "Soyez gentils.", "en": "Be kind."})
        await conduct.publish(session, GUILD, texts, member_id=1, now=before)
        for member in (101, 102):
            await onboarding.record_join(session, GUILD, member, joined_at=before)
        await conduct.accept_version(session, GUILD, 101, version=1, now=before)
        for member in (201, 202, 203, 204):
            await onboarding.record_join(session, GUILD, member, joined_at=during)
        await onboarding.start_path(session, GUILD, 201, now=during)
        await onboarding.start_path(session, GUILD, 202, now=during)
        for member in (201, 202, 203):
            await conduct.accept_version(session, GUILD, member, version=1, now=during)
        await onboarding.record_leave(session, GUILD, 102, now=during)
        group = await groups.start_group(
            session,
            GUILD,
            name="Rust",
            purpose="Learn Rust",
            cap=None,
            private=False,
            with_role=False,
            creator_id=201,
            space=Space.THREAD,
            parent_id=None,
            needs_approval=False,
            now=during,
        )
        await groups.activate_group(session, group.id, now=during)
    gifts = [
        KudosOp(Action.GIVE, GUILD, giver_id=giver, receiver_id=receiver, category="teach")
        for giver, receiver in ((201, 301), (202, 301), (301, 201))
    ]
    async with db.transaction() as session:
        await kudos.apply_kudos(session, gifts[:2], now=during, default_zone="Europe/Paris")
    async with db.transaction() as session:
        await kudos.apply_kudos(session, gifts[2:], now=before, default_zone="Europe/Paris")


async def test_only_the_capabilities_in_use_have_a_panel(db: Database) -> None:
    async with db.transaction() as session:
        assert await figures.in_use(session, GUILD) == set()
        assert (await service.build_report(session, GUILD, rules.window(NOW, 7), days=7)).empty
    await seed(db)
    async with db.transaction() as session:
        report = await service.build_report(session, GUILD, rules.window(NOW, 7), days=7)
    shown = [panel.capability for panel in report.panels]
    assert shown == [
        Capability.ONBOARDING,
        Capability.CONDUCT,
        Capability.ACTIVITY,
        Capability.RECOGNITION,
        Capability.GROUPS,
    ]


async def test_each_figure_counts_what_its_capability_recorded_against_the_period_before(db: Database) -> None:
    await seed(db)
    async with db.transaction() as session:
        report = await service.build_report(session, GUILD, rules.window(NOW, 7), days=7)
    values = {figure.key: (figure.current, figure.previous) for figure in report.figures()}
    assert values["newcomers"] == (4, 2)
    assert values["onboarding_started"] == (2, 0)
    assert values["onboarding_rate"] == (0, 0)
    assert values["departures"] == (1, 0)
    assert values["acknowledgements"] == (3, 1)
    assert values["acknowledgement_rate"] == (0.75, 0.5)
    # 201, 202, 203 accepted, 201 and 202 gave kudos, 201 joined a group (as its lead); 101 accepted and 301 gave,
    # before. Joining the server alone is not an action.
    assert values["active_members"] == (3, 2)
    assert values["kudos"] == (2, 1) and values["kudos_givers"] == (2, 1) and values["kudos_receivers"] == (1, 1)
    assert values["groups_alive"] == (1, 0) and values["groups_started"] == (1, 0)
    newcomers = next(figure for figure in report.figures() if figure.key == "newcomers")
    assert newcomers.change == pytest.approx(1.0)


async def test_the_csv_has_a_row_per_calendar_week_with_every_figure_in_use(db: Database) -> None:
    await seed(db)
    async with db.transaction() as session:
        used = await figures.in_use(session, GUILD)
        weeks = await service.weekly_figures(session, GUILD, rules.window(NOW, 14), PARIS, used)
    header, rows = service.csv_table(weeks, used)
    assert header[:4] == ["week", "from", "until", "newcomers"]
    assert "attendances" not in header  # sessions were never used here
    assert [row[0] for row in rows] == ["2026-W47", "2026-W48", "2026-W49"]
    column = header.index("acknowledgement_rate")
    assert [row[column] for row in rows] == [50.0, 75.0, None]
    assert to_csv(header, rows).startswith("\ufeffweek,from,until".encode())


async def test_a_week_is_claimed_once_and_turning_the_report_off_cancels_its_job(db: Database) -> None:
    async with db.transaction() as session:
        assert (await service.claim_report(session, GUILD, "2026-W48", now=NOW)) is not None
        assert (await service.claim_report(session, GUILD, "2026-W48", now=NOW)) is not None  # not posted yet
        await service.record_report(session, GUILD, "2026-W48", 5, 6)
        assert (await service.claim_report(session, GUILD, "2026-W48", now=NOW)) is None
        await service.schedule_report(session, await service.insights_settings(session, GUILD), PARIS, now=NOW)
        await service.schedule_report(session, await service.insights_settings(session, GUILD), PARIS, now=NOW)
        jobs = list(await session.scalars(select(ScheduledJob).where(ScheduledJob.kind == service.REPORT_JOB)))
        assert [(job.state, job.due_at, job.rrule) for job in jobs] == [
            (JobState.PENDING, datetime(2026, 12, 7, 8, tzinfo=UTC), rules.REPORT_RULE)
        ]
        montreal = ZoneInfo("America/Montreal")
        await service.schedule_report(session, await service.insights_settings(session, GUILD), montreal, now=NOW)
        moved = await session.scalar(select(ScheduledJob).where(ScheduledJob.kind == service.REPORT_JOB))
        assert moved is not None and (moved.due_at, moved.timezone) == (
            datetime(2026, 11, 30, 14, tzinfo=UTC),
            montreal.key,
        )
        off = await service.set_weekly(session, GUILD, False, PARIS, by=1, now=NOW)
        assert off.weekly is False
        assert (await session.scalar(select(ScheduledJob.state).where(ScheduledJob.kind == service.REPORT_JOB))) == (
            JobState.CANCELLED
        )
        await service.set_weekly(session, GUILD, True, PARIS, by=1, now=NOW)
        assert (await session.scalar(select(ScheduledJob.state).where(ScheduledJob.kind == service.REPORT_JOB))) == (
            JobState.PENDING
        )


# --- what hosts read -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("figure", "language", "text"),
    [
        (Figure("attendances", Kind.COUNT, 14, 20), "en", "▼ 30%, was 20"),
        (Figure("attendances", Kind.COUNT, 1234, 1000), "fr", "▲ 23\xa0%, contre 1\u202f000"),
        (Figure("onboarding_rate", Kind.RATE, 0.5, 0.75), "en", "▼ 25 pts, was 75%"),
        (Figure("feedback_average", Kind.AVERAGE, 4.2, 4.2), "en", "= stable"),
        (Figure("newcomers", Kind.COUNT, 1003, 1000), "en", "= stable"),  # under half a percent
        (Figure("onboarding_rate", Kind.RATE, 0.51, 0.5), "en", "▲ 1 pt, was 50%"),
        (Figure("onboarding_rate", Kind.RATE, 0.502, 0.5), "fr", "= stable"),
        (Figure("kudos", Kind.COUNT, 3, 0), "en", "was 0"),
        (Figure("mentor_load", Kind.AVERAGE, None, 1.5), "fr", "pas de comparaison"),
    ],
)
def test_each_trend_reads_in_the_hosts_language(figure: Figure, language: str, text: str) -> None:
    assert render.change_text(figure, language) == text


def test_the_highlight_names_the_figure_its_direction_and_a_clock_change() -> None:
    down = Figure("attendances", Kind.COUNT, 14, 20)
    assert render.highlight_text(down, "en", clock_changed=True) == "Attendances down 30% since the time change"
    up = Figure("active_members", Kind.COUNT, 150, 100)
    assert render.highlight_text(up, "fr", clock_changed=False) == "Membres actifs : en hausse de 50\xa0%"
    assert render.highlight_text(None, "en", clock_changed=False) == "No big change this week."


def test_a_summary_of_every_panel_fits_one_message_in_french_too() -> None:
    every = {key: 12345.0 for key in rules.KINDS} | {k: 0.456 for k, kind in rules.KINDS.items() if kind is Kind.RATE}
    older = {key: value * 0.87 for key, value in every.items()}
    report = rules.Report(rules.window(NOW, 30), 30, rules.panels(set(Capability), every, older))
    for language in ("en", "fr"):
        text = render.summary(report, PARIS, language, extra=["📈 x"])
        assert len(text) <= render.MESSAGE_MAX and text.endswith(i18n.t(language, "insights.report.compared"))
        assert text.count("\n• ") == len(rules.KINDS)


async def test_sessions_mentoring_and_knowledge_figures_follow_their_definitions(db: Database) -> None:
    """Rows as those capabilities write them (their use cases need Discord's events around them)."""
    during = NOW - timedelta(days=2)
    g = {"guild_id": GUILD}
    async with db.transaction() as session:
        series = SessionSeries(
            **g,
            title="Python hour",
            format="talk",
            timezone="Europe/Paris",
            anchor_local="2026-11-01T18:00",
            duration_minutes=60,
            location_kind="voice",
            announce_leads=[],
            native_events=0,
            attendance_minutes=10,
            created_by=1,
            created_at=during,
        )
        session.add(series)
        await session.flush()
        held, cancelled = (
            SessionOccurrence(
                **g,
                series_id=series.id,
                slot=slot,
                starts_at=during,
                ends_at=during + timedelta(hours=1),
                location_kind="voice",
                state=state,
            )
            for slot, state in ((0, "done"), (1, "cancelled"))
        )
        session.add_all([held, cancelled])
        await session.flush()
        session.add_all(
            [
                SessionPresence(**g, occurrence_id=held.id, member_id=1, seconds=900),  # 15 minutes: there
                SessionPresence(**g, occurrence_id=held.id, member_id=2, seconds=120),  # 2 minutes: not there
                SessionPresence(**g, occurrence_id=held.id, member_id=3, seconds=0, confirmed_at=during),
                SessionPresence(**g, occurrence_id=cancelled.id, member_id=4, seconds=3600),
            ]
        )
        round_ = FeedbackRound(**g, occurrence_id=held.id, opened_at=during, closes_at=NOW)
        session.add(round_)
        await session.flush()
        session.add_all(
            [
                FeedbackAnswer(**g, round_id=round_.id, member_id=1, attended=True, rating=5, answered_at=during),
                FeedbackAnswer(**g, round_id=round_.id, member_id=None, attended=True, rating=2, answered_at=None),
            ]
        )
        for number, (mentor, state, ended) in enumerate(
            [(10, "active", None), (10, "active", None), (11, "completed", during), (11, "closed", during)]
        ):
            mentee = 100 + number
            session.add(
                Mentorship(
                    **g,
                    mentor_id=mentor,
                    mentee_id=mentee,
                    pair_low=mentor,
                    pair_high=mentee,
                    state=state,
                    proposed_at=during - timedelta(days=40),
                    answer_by=during,
                    started_at=during - timedelta(days=39),
                    ended_at=ended,
                )
            )
        session.add(
            KnowledgeThread(
                **g,
                thread_id=900,
                channel_id=5,
                author_id=1,
                title="Why?",
                tag_names=[],
                created_at=during,
                solved=True,
                solved_at=during,
            )
        )
        for message, kind in ((900, "post"), (901, "reply"), (902, "reply")):
            session.add(
                KnowledgeEntry(
                    **g,
                    channel_id=5,
                    message_id=message,
                    thread_id=900,
                    author_id=2,
                    kind=kind,
                    title="Why?",
                    content="…",
                    created_at=during,
                )
            )
    async with db.transaction() as session:
        report = await service.build_report(session, GUILD, rules.window(NOW, 7), days=7)
    assert [panel.capability for panel in report.panels] == [
        Capability.ACTIVITY,
        Capability.KNOWLEDGE,
        Capability.SESSIONS,
        Capability.MENTORING,
    ]
    values = {figure.key: figure.current for figure in report.figures()}
    assert values["sessions_held"] == 1 and values["attendances"] == 2 and values["attendance_per_session"] == 2
    assert values["feedback_answers"] == 2 and values["feedback_average"] == 3.5
    assert values["active_pairs"] == 4 and values["mentor_load"] == 2  # four pairs, two busy mentors
    assert values["mentorships_completed"] == 1 and values["completion_rate"] == 0.5
    assert values["knowledge_posts"] == 1 and values["knowledge_replies"] == 2 and values["questions_solved"] == 1
    # Present (1, 3, 4 — the last one at a cancelled session, still there), signed feedback (1), authors (2).
    assert values["active_members"] == 4
