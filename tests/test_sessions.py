"""Sessions without Discord: recurrence across daylight-saving changes, what hosts and members type, seats and the
waitlist, the exactly-once ledger, attendance, feedback and its anonymous ballots — on a real database."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from bot.database import Database
from models.errors import UserError
from models.recognition import milestones
from models.scheduling import JobState, ScheduledJob
from models.sessions import attendance, feedback, ledger, pulse, recurrence, rsvp, rules, service
from models.sessions import series as series_service
from models.sessions.recurrence import Repeat
from models.sessions.rules import State, Status
from models.sessions.tables import FeedbackAnswer, FeedbackBallot, FeedbackKey, SessionOccurrence, SessionSeries

PARIS, MONTREAL = ZoneInfo("Europe/Paris"), ZoneInfo("America/Montreal")
NOW = datetime(2027, 3, 1, 9, 0, tzinfo=UTC)
GUILD = 10**17


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


# --- recurrence --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("zone", "start", "before", "after"),
    [
        # Europe/Paris: clocks go forward on 2027-03-28 and back on 2027-10-31.
        (PARIS, "2027-03-16 18:00", "2027-03-23T17:00", "2027-03-30T16:00"),
        (PARIS, "2027-10-19 18:00", "2027-10-26T16:00", "2027-11-02T17:00"),
        # America/Montreal: forward on 2027-03-14, back on 2027-11-07.
        (MONTREAL, "2027-03-02 18:00", "2027-03-09T23:00", "2027-03-16T22:00"),
        (MONTREAL, "2027-10-26 18:00", "2027-11-02T22:00", "2027-11-09T23:00"),
    ],
)
def test_a_weekly_session_keeps_its_wall_clock_time_across_daylight_saving(
    zone: ZoneInfo, start: str, before: str, after: str
) -> None:
    wall = rules.parse_local(start)
    rule = recurrence.build_rule(Repeat.WEEKLY, wall, count=4)
    found, more = recurrence.slots(rule, wall, zone)
    starts = [slot.start for slot in found]
    assert not more and len(starts) == 4
    assert at(before) in starts and at(after) in starts
    assert {slot.start.astimezone(zone).strftime("%H:%M") for slot in found} == {"18:00"}


def test_a_time_that_does_not_exist_moves_as_rfc_5545_says_and_is_flagged() -> None:
    wall = rules.parse_local("2027-03-28 02:30")  # Paris skips 02:00–03:00 that night
    (slot,), _ = recurrence.slots("FREQ=WEEKLY;COUNT=1", wall, PARIS)
    assert slot.shifted and slot.start == at("2027-03-28T01:30")  # 03:30 CEST
    (next_week,), _ = recurrence.slots("FREQ=WEEKLY;COUNT=2", wall, PARIS, first=1)
    assert not next_week.shifted and next_week.start.astimezone(PARIS).strftime("%H:%M") == "02:30"


def test_a_time_that_happens_twice_is_its_first_instance() -> None:
    moment, shifted = recurrence.to_utc(datetime(2027, 10, 31, 2, 30), PARIS)  # noqa: DTZ001 (wall-clock)
    assert not shifted and moment == at("2027-10-31T00:30")  # 02:30 CEST, before the clocks go back


@pytest.mark.parametrize(
    ("repeat", "start", "days", "until", "count", "expected"),
    [
        (Repeat.NONE, "2027-03-16 18:00", "", None, None, None),
        (Repeat.DAILY, "2027-03-16 18:00", "", None, 5, "FREQ=DAILY;COUNT=5"),
        (Repeat.WEEKLY, "2027-03-16 18:00", "", None, None, "FREQ=WEEKLY;BYDAY=TU"),
        (Repeat.WEEKLY, "2027-03-16 18:00", "lun mer", None, None, "FREQ=WEEKLY;BYDAY=MO,WE"),
        (
            Repeat.BIWEEKLY,
            "2027-03-16 18:00",
            "",
            "2027-06-30",
            None,
            "FREQ=WEEKLY;INTERVAL=2;BYDAY=TU;UNTIL=20270630T235959",
        ),
        (Repeat.MONTHLY_WEEKDAY, "2027-03-09 18:00", "", None, None, "FREQ=MONTHLY;BYDAY=+2TU"),
        (Repeat.MONTHLY_WEEKDAY, "2027-03-30 18:00", "", None, None, "FREQ=MONTHLY;BYDAY=-1TU"),
        (Repeat.MONTHLY_DAY, "2027-03-16 18:00", "", None, None, "FREQ=MONTHLY;BYMONTHDAY=16"),
    ],
)
def test_menu_choices_become_rules(
    repeat: Repeat, start: str, days: str, until: str | None, count: int | None, expected: str | None
) -> None:
    wall = rules.parse_local(start)
    parsed = rules.parse_date(until)
    assert recurrence.build_rule(repeat, wall, days=recurrence.parse_days(days), until=parsed, count=count) == expected


@pytest.mark.parametrize(
    ("rule", "error"),
    [
        ("FREQ=MINUTELY;INTERVAL=30", recurrence.RuleTooFrequentError),
        ("FREQ=WEEKLY;BYDAY=MO;BYHOUR=10;BYMINUTE=0,30", recurrence.RuleTooFrequentError),
        ("FREQ=HOURLY", recurrence.RuleTooManyError),
        ("FREQ=DAILY;BYHOUR=8,20", recurrence.RuleTooManyError),
        ("FREQ=DAILY;COUNT=501", recurrence.CountTooHighError),
        ("FREQ=WEEKLY;UNTIL=20270101T000000", recurrence.EndBeforeStartError),
        ("FREQ=FORTNIGHTLY", recurrence.RuleUnreadableError),
        ("not a rule", recurrence.RuleUnreadableError),
        ("FREQ=WEEKLY;BYDAY=XX", recurrence.RuleUnreadableError),
    ],
)
def test_rules_the_issue_forbids_are_refused(rule: str, error: type[UserError]) -> None:
    with pytest.raises(error):
        recurrence.check_rule(recurrence.normalize_rule(rule, PARIS), rules.parse_local("2027-03-16 18:00"))


def test_a_raw_rule_with_a_utc_end_is_read_in_the_series_time_zone() -> None:
    rule = recurrence.normalize_rule("RRULE:FREQ=WEEKLY;UNTIL=20270330T170000Z", PARIS)
    assert rule == "FREQ=WEEKLY;UNTIL=20270330T190000"
    found, more = recurrence.slots(rule, rules.parse_local("2027-03-16 18:00"), PARIS)
    assert len(found) == 3 and not more
    with pytest.raises(recurrence.RuleUnreadableError):
        recurrence.normalize_rule("DTSTART:20270101T000000\nRRULE:FREQ=DAILY", PARIS)


def test_a_year_of_slots_for_the_benchmark() -> None:
    wall = rules.parse_local("2027-01-05 18:00")
    assert len(recurrence.year_of_slots("FREQ=WEEKLY;BYDAY=TU,TH", wall, PARIS)) == 105  # 52 weeks and a Tuesday


# --- what hosts and members type ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "minutes"),
    [("90m", 90), ("1h30", 90), ("1 h 30 min", 90), ("2h", 120), ("1h30m", 90), ("45 min", 45), ("24h", 1440)],
)
def test_durations(text: str, minutes: int) -> None:
    assert rules.parse_duration(text) == timedelta(minutes=minutes)


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ("", rules.DurationUnreadableError),
        ("soon", rules.DurationUnreadableError),
        ("90", rules.DurationUnreadableError),
        ("0h", rules.DurationUnreadableError),
        ("25h", rules.DurationTooLongError),
        ("2d", rules.DurationTooLongError),
    ],
)
def test_bad_durations(text: str, error: type[UserError]) -> None:
    with pytest.raises(error):
        rules.parse_duration(text)


@pytest.mark.parametrize(
    ("text", "valid"),
    [
        ("https://meet.example.org/room?pwd=x", True),
        ("http://example.org", True),
        ("javascript:alert(1)", False),
        ("ftp://example.org/file", False),
        ("https://", False),
        ("meet.example.org", False),
        ("https://example.org/" + "a" * 500, False),
    ],
)
def test_links_must_be_http(text: str, valid: bool) -> None:
    if valid:
        assert rules.check_link(text) == text
    else:
        with pytest.raises(rules.LinkInvalidError):
            rules.check_link(text)


@pytest.mark.parametrize(("text", "rating"), [("4", 4), (" 5 ", 5), ("3/5", 3), ("１", 1)])
def test_ratings(text: str, rating: int) -> None:
    assert rules.check_rating(text) == rating


@pytest.mark.parametrize("text", ["0", "6", "4.5", "-1", "five", "", "99999999999999999999"])
def test_ratings_outside_one_to_five_are_refused(text: str) -> None:
    with pytest.raises(rules.RatingInvalidError):
        rules.check_rating(text)


def test_dates_leads_and_texts() -> None:
    assert rules.parse_local("16/03/2027 18h00") == datetime(2027, 3, 16, 18, 0)  # noqa: DTZ001 (wall-clock)
    with pytest.raises(rules.DateUnreadableError):
        rules.parse_local("next tuesday")
    with pytest.raises(rules.DateInPastError):
        rules.check_start(NOW - timedelta(minutes=1), NOW)
    assert rules.parse_leads(None) == (timedelta(days=7), timedelta(days=1))
    assert rules.parse_leads("1d, 3h 1d") == (timedelta(days=1), timedelta(hours=3))
    assert rules.parse_leads("none") == ()
    for bad in ("29d", "1d 2d 3d 4d 5d", "soon"):
        with pytest.raises(rules.LeadUnreadableError):
            rules.parse_leads(bad)
    with pytest.raises(rules.TextTooLongError) as refused:
        rules.check_title("x" * 101)
    assert refused.value.key == "sessions.create.title_too_long"
    with pytest.raises(rules.CommentTooLongError):
        rules.check_comment("x" * 1001)
    with pytest.raises(rules.CapacityInvalidError):
        rules.check_capacity(0)


@pytest.mark.parametrize(
    ("wanted", "current", "going", "capacity", "expected"),
    [
        (Status.GOING, None, 2, None, Status.GOING),
        (Status.GOING, None, 2, 3, Status.GOING),
        (Status.GOING, None, 3, 3, Status.WAITLIST),
        (Status.GOING, Status.GOING, 5, 3, Status.GOING),  # a seat already held is kept when capacity shrinks
        (Status.MAYBE, Status.GOING, 3, 3, Status.MAYBE),
    ],
)
def test_seats(wanted: Status, current: Status | None, going: int, capacity: int | None, expected: Status) -> None:
    assert rules.seat_for(wanted, current, going, capacity) is expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("12", 12),
        (7, 7),
        ("0", None),
        ("-3", None),
        ("2147483648", None),
        ("9" * 30, None),
        ("1e3", None),
        (None, None),
    ],
)
def test_row_ids_from_members_never_exceed_an_integer_column(value: str | int | None, expected: int | None) -> None:
    assert rules.row_id(value) == expected


def test_waitlist_promotion_is_first_come_first_served() -> None:
    assert rules.to_promote([7, 8, 9], going=2, capacity=4) == [7, 8]
    assert rules.to_promote([7, 8, 9], going=4, capacity=4) == []


def test_only_time_inside_the_session_counts() -> None:
    start, end = at("2027-03-16T17:00"), at("2027-03-16T18:00")
    assert rules.overlap(at("2027-03-16T16:00"), at("2027-03-16T17:10"), start, end) == 600
    assert rules.overlap(at("2027-03-16T17:50"), at("2027-03-16T19:00"), start, end) == 600
    assert rules.overlap(at("2027-03-16T18:10"), at("2027-03-16T19:00"), start, end) == 0


# --- on a database -------------------------------------------------------------------------------------------


async def weekly(db: Database, *, capacity: int | None = None, count: int = 10, start: str = "2027-03-16 18:00") -> int:
    plan, _ = series_service.plan_series(
        title="Reading club",
        format="reading_club",
        start=start,
        duration="1h",
        zone=PARIS,
        now=NOW,
        repeat=Repeat.WEEKLY,
        count=count,
        channel_id=555,
        capacity=capacity,
    )
    async with db.transaction() as session:
        created = await series_service.create_series(session, GUILD, plan, description=None, created_by=1, now=NOW)
        return created.series.id


async def rows(db: Database) -> list[SessionOccurrence]:
    async with db.transaction() as session:
        return list(await session.scalars(select(SessionOccurrence).order_by(SessionOccurrence.slot)))


async def jobs(db: Database, kind: str) -> dict[str, datetime]:
    async with db.transaction() as session:
        found = await session.scalars(
            select(ScheduledJob).where(ScheduledJob.kind == kind, ScheduledJob.state == JobState.PENDING)
        )
        return {job.key: job.due_at for job in found}


async def test_a_series_keeps_five_weeks_of_occurrences_with_their_jobs(db: Database) -> None:
    await weekly(db)
    found = await rows(db)
    assert [each.starts_at for each in found] == [  # up to five weeks from now (Monday 1 March)
        at("2027-03-16T17:00"),
        at("2027-03-23T17:00"),
        at("2027-03-30T16:00"),  # summer time in Paris: still 18:00 there
    ]
    first = found[0]
    announce = await jobs(db, series_service.ANNOUNCE_JOB)
    assert announce[f"{first.id}:10080"] == at("2027-03-09T17:00")
    assert announce[f"{first.id}:1440"] == at("2027-03-15T17:00")
    remind = await jobs(db, series_service.REMIND_JOB)
    assert remind[f"{first.id}:60"] == at("2027-03-16T16:00")
    assert (await jobs(db, series_service.START_JOB))[str(first.id)] == first.starts_at


async def test_announcements_whose_time_passed_collapse_into_one_now(db: Database) -> None:
    plan, _ = series_service.plan_series(
        title="Office hours",
        format="office_hours",
        start="2027-03-01 20:00",
        duration="1h",
        zone=PARIS,
        now=NOW,
        link="https://meet.example.org/x",
    )
    async with db.transaction() as session:
        await series_service.create_series(session, GUILD, plan, description=None, created_by=1, now=NOW)
    (found,) = await rows(db)
    assert await jobs(db, series_service.ANNOUNCE_JOB) == {f"{found.id}:1440": NOW}
    assert set(await jobs(db, series_service.REMIND_JOB)) == {f"{found.id}:60", f"{found.id}:15"}


async def test_moving_and_cancelling_one_occurrence_leaves_the_series(db: Database) -> None:
    series_id = await weekly(db)
    first, second, *_ = await rows(db)
    async with db.transaction() as session:
        await rsvp.answer(session, second.id, 42, Status.GOING, source="button", now=NOW)
        found, series = await series_service.occurrence(session, second.id, GUILD)
        await series_service.move_occurrence(
            session, found, series, start="2027-03-24 19:00", location_kind=None, channel_id=None, link=None, now=NOW
        )
        found, series = await series_service.occurrence(session, first.id, GUILD)
        await series_service.cancel_occurrence(session, found, series, now=NOW)
    first, second, third, *_ = await rows(db)
    assert first.state == State.CANCELLED and first.revision == 1
    assert second.starts_at == at("2027-03-24T18:00") and second.moved and second.revision == 1
    assert third.starts_at == at("2027-03-30T16:00") and not third.moved
    async with db.transaction() as session:
        assert await rsvp.status_of(session, second.id, 42) is Status.GOING
    assert (await jobs(db, series_service.START_JOB)).get(str(first.id)) is None
    assert (await jobs(db, series_service.START_JOB))[str(second.id)] == second.starts_at
    notices = await jobs(db, series_service.NOTIFY_JOB)
    assert set(notices) == {f"{first.id}:1", f"{second.id}:1"}
    assert series_id


async def test_editing_onwards_changes_later_occurrences_and_the_rule(db: Database) -> None:
    series_id = await weekly(db)
    first, second, *_ = await rows(db)
    edit = series_service.Edit(clock=(19, 30), duration=timedelta(minutes=90), title="Reading club (new time)")
    async with db.transaction() as session:
        found, series = await series_service.occurrence(session, second.id, GUILD)
        changed = await series_service.edit_onwards(session, found, series, edit, now=NOW)
    assert len(changed) == 2
    first, second, third = await rows(db)
    assert first.starts_at == at("2027-03-16T17:00")
    assert second.starts_at == at("2027-03-23T18:30") and second.ends_at - second.starts_at == timedelta(minutes=90)
    assert third.starts_at == at("2027-03-30T17:30")
    async with db.transaction() as session:
        series = await session.get_one(SessionSeries, series_id)
        assert series.anchor_local == "2027-03-16T19:30" and series.title == "Reading club (new time)"
        later = await series_service.materialize(session, series, now=NOW + timedelta(days=14))
    assert [each.starts_at.astimezone(PARIS).strftime("%H:%M") for each in later] == ["19:30", "19:30"]


async def test_ending_a_series_cancels_what_has_not_started(db: Database) -> None:
    series_id = await weekly(db)
    async with db.transaction() as session:
        series = await session.get_one(SessionSeries, series_id)
        cancelled = await series_service.end_series(session, series, now=NOW)
        assert await series_service.materialize(session, series, now=NOW + timedelta(days=30)) == []
    assert len(cancelled) == 3
    assert {each.state for each in await rows(db)} == {State.CANCELLED}


async def test_a_full_session_fills_its_waitlist_and_promotes_in_order(db: Database) -> None:
    await weekly(db, capacity=2)
    first, *_ = await rows(db)
    answers: dict[int, rsvp.Answered] = {}
    async with db.transaction() as session:
        for member in (1, 2, 3, 4):
            answered = await rsvp.answer(session, first.id, member, Status.GOING, source="button", now=NOW)
            assert answered is not None
            answers[member] = answered
    assert [answers[m].status for m in (1, 2, 3, 4)] == [Status.GOING, Status.GOING, Status.WAITLIST, Status.WAITLIST]
    assert answers[4].position == 2
    async with db.transaction() as session:
        left = await rsvp.answer(session, first.id, 1, Status.CANT, source="button", now=NOW)
    assert left is not None and left.promoted == [3]
    async with db.transaction() as session:
        assert await rsvp.members_with(session, first.id, Status.GOING) == [2, 3]
        assert await rsvp.waitlist_position(session, first.id, 4) == 1


async def test_two_members_racing_for_the_last_seat_never_both_get_it(db: Database) -> None:
    await weekly(db, capacity=1)
    first, *_ = await rows(db)
    other = Database(db.url)

    async def going(database: Database, member: int) -> Status:
        async with database.transaction() as session:
            answered = await rsvp.answer(session, first.id, member, Status.GOING, source="button", now=NOW)
            assert answered is not None
            return answered.status

    results = await asyncio.gather(*(going(db if n % 2 else other, n) for n in range(1, 9)))
    await other.dispose()
    assert sorted(results).count(Status.GOING) == 1


async def test_the_ledger_lets_each_target_be_claimed_once_even_by_two_processes(db: Database) -> None:
    other = Database(db.url)

    async def claim(database: Database, targets: list[int]) -> list[int]:
        async with database.transaction() as session:
            return await ledger.claim(session, "remind:60:1", 7, targets, guild_id=GUILD, now=NOW)

    everyone = list(range(1, 201))
    won = await asyncio.gather(claim(db, everyone), claim(other, everyone[::-1]), claim(db, everyone[50:150]))
    await other.dispose()
    claimed = [target for part in won for target in part]
    assert sorted(claimed) == everyone
    async with db.transaction() as session:
        assert await ledger.claim(session, "remind:60:1", 7, [1, 2], guild_id=GUILD, now=NOW) == []
        assert await ledger.claim(session, "remind:15:1", 7, [1], guild_id=GUILD, now=NOW) == [1]


async def test_a_fan_out_takes_back_the_claims_a_dead_run_never_recorded(db: Database) -> None:
    async with db.transaction() as session:  # the first run claims five members, tells two, and dies
        assert await ledger.claim(session, "remind:60:1", 7, [1, 2, 3, 4, 5], guild_id=GUILD, now=NOW) == [
            1,
            2,
            3,
            4,
            5,
        ]
    async with db.transaction() as session:
        await ledger.record(session, "remind:60:1", 7, {1: "dm", 2: "closed"}, now=NOW)
    async with db.transaction() as session:
        again = await ledger.claim(
            session, "remind:60:1", 7, [1, 2, 3, 4, 5, 6], guild_id=GUILD, now=NOW, retake_unfinished=True
        )
        assert again == [3, 4, 5, 6]
        assert await ledger.claim(session, "remind:60:1", 7, [3, 6], guild_id=GUILD, now=NOW) == []  # single actions


async def test_attendance_counts_stays_inside_the_session(db: Database) -> None:
    await weekly(db)
    first, *_ = await rows(db)
    start = first.starts_at
    async with db.transaction() as session:
        found = await session.get_one(SessionOccurrence, first.id)
        await attendance.joined(session, found, 1, now=start - timedelta(minutes=5))
        await attendance.joined(session, found, 2, now=start + timedelta(minutes=30))
        await attendance.left(session, found, 2, now=start + timedelta(minutes=35))
        await attendance.joined(session, found, 3, now=start + timedelta(minutes=50))
        await rsvp.answer(session, first.id, 4, Status.GOING, source="button", now=NOW)
        await rsvp.answer(session, first.id, 2, Status.GOING, source="button", now=NOW)
        await attendance.close(session, found)
        series = await session.get_one(SessionSeries, found.series_id)
        result = await attendance.attendance(session, found, series)
    assert result.minutes == {1: 60, 2: 5, 3: 10}
    assert result.present == [1, 3] and result.no_shows == [2, 4]


async def test_members_present_reach_their_sessions_attended_milestone_once(db: Database) -> None:
    await weekly(db)
    first, *_ = await rows(db)
    async with db.transaction() as session:
        found = await session.get_one(SessionOccurrence, first.id)
        await attendance.record_attended(session, found, [1, 3], now=NOW)
        await attendance.record_attended(session, found, [1], now=NOW)  # a job run again: counted once
        reached = {member: await milestones.member_milestones(session, GUILD, member) for member in (1, 2, 3)}
    assert [(m.kind, m.level) for m in reached[1]] == [("session_attended", 1)]
    assert reached[2] == [] and len(reached[3]) == 1


async def test_feedback_once_named_or_anonymous_and_the_close_unlinks_for_good(db: Database) -> None:
    await weekly(db)
    first, *_ = await rows(db)
    async with db.transaction() as session:
        ask = await feedback.open_round(
            session, GUILD, now=NOW, closes_at=NOW + timedelta(days=3), occurrence_id=first.id
        )
        again = await feedback.open_round(
            session, GUILD, now=NOW, closes_at=NOW + timedelta(days=3), occurrence_id=first.id
        )
        assert again.id == ask.id
        await feedback.add_prompts(session, ask, [1, 2, 3], [4], now=NOW)
    async with db.transaction() as session:
        await feedback.submit(session, ask.id, 1, anonymous=False, rating="5", worked="Great", improve=None, now=NOW)
        await feedback.submit(session, ask.id, 2, anonymous=True, rating="2", worked=None, improve="Slower", now=NOW)
        await feedback.submit(session, ask.id, 4, anonymous=True, rating="3", worked="Late", improve=None, now=NOW)
    for member, anonymous in ((1, True), (2, False), (2, True)):
        with pytest.raises(feedback.AlreadyAnsweredError):
            async with db.transaction() as session:
                await feedback.submit(
                    session, ask.id, member, anonymous=anonymous, rating="4", worked=None, improve=None, now=NOW
                )
    with pytest.raises(feedback.NotAskedError):
        async with db.transaction() as session:
            await feedback.submit(session, ask.id, 99, anonymous=False, rating="4", worked=None, improve=None, now=NOW)
    async with db.transaction() as session:
        assert await feedback.unanswered(session, ask) == {3: True}
        (result,) = await feedback.session_results(session, GUILD)
    assert result.attendees.ratings == (5, 2) and result.attendees.asked == 3
    assert result.absentees.ratings == (3,) and result.overall.response_rate == 3 / 4
    async with db.transaction() as session:
        assert await feedback.close_round(session, ask.id, now=NOW + timedelta(days=3))
        assert not await feedback.close_round(session, ask.id, now=NOW + timedelta(days=3))
    async with db.transaction() as session:
        assert await session.scalar(select(func.count()).select_from(FeedbackBallot)) == 0
        assert await session.scalar(select(func.count()).select_from(FeedbackKey)) == 0
        kept = list(await session.scalars(select(FeedbackAnswer).where(FeedbackAnswer.member_id.is_(None))))
        (result,) = await feedback.session_results(session, GUILD)
    assert sorted(answer.rating for answer in kept) == [2, 3]
    assert all(answer.answered_at is None for answer in kept)
    assert sorted(result.overall.ratings) == [2, 3, 5]
    with pytest.raises(feedback.FeedbackClosedError):
        async with db.transaction() as session:
            await feedback.submit(session, ask.id, 3, anonymous=False, rating="4", worked=None, improve=None, now=NOW)


async def test_a_pulse_survey_needs_one_target_and_recurs_in_the_server_time_zone(db: Database) -> None:
    with pytest.raises(pulse.PulseTargetError):
        async with db.transaction() as session:
            await pulse.create_pulse(
                session,
                GUILD,
                question="How is it going?",
                every="monthly",
                start="2027-03-08 10:00",
                zone=PARIS,
                channel_id=None,
                role_id=None,
                created_by=1,
                now=NOW,
            )
    async with db.transaction() as session:
        survey, first = await pulse.create_pulse(
            session,
            GUILD,
            question="How is it going?",
            every="monthly",
            start="2027-03-08 10:00",
            zone=PARIS,
            channel_id=3,
            role_id=None,
            created_by=1,
            now=NOW,
        )
    assert first == at("2027-03-08T09:00")
    job = (await jobs(db, pulse.PULSE_JOB))[str(survey.id)]
    assert job == first


async def test_a_member_can_be_exported_and_forgotten(db: Database) -> None:
    await weekly(db)
    first, *_ = await rows(db)
    async with db.transaction() as session:
        await rsvp.answer(session, first.id, 42, Status.GOING, source="button", now=NOW)
        await rsvp.choose_reminders(session, GUILD, 42, [15, 1440], now=NOW)
        exported = await service.export_member(session, GUILD, 42)
    assert exported["session_rsvps"][0]["status"] == "going"
    assert exported["session_reminders"] == [1440, 15]
    async with db.transaction() as session:
        await service.forget_member(session, GUILD, 42)
        assert (await service.export_member(session, GUILD, 42))["session_rsvps"] == []
