"""Recognition's rules as tables, and its use cases on a real database (SQLite, or PostgreSQL when configured)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from bot.database import Database
from models import guild_settings
from models.groups.projects import FinishedProject, report_project_milestones
from models.recognition import boards, kudos, milestones, posts, service
from models.recognition.kudos import KudosOp, Outcome
from models.recognition.rules import (
    Action,
    Board,
    Cadence,
    CategoryKeyError,
    CategoryNameError,
    ImageTooLargeError,
    Limits,
    MilestoneKind,
    NotAnImageError,
    Period,
    Source,
    Streak,
    TallyChange,
    ThresholdsError,
    TooManyCategoriesError,
    UnknownKudosError,
    Verdict,
    anniversary_level,
    check_category,
    check_image,
    clean_reason,
    day_bounds,
    day_number,
    decide_give,
    parse_thresholds,
    period_key,
    reached_levels,
    streak,
    tally_deltas,
    week_number,
)
from models.recognition.tables import Kudos, KudosTally, Milestone
from models.recognition.writer import KudosWriter
from models.scheduling import ScheduledJob

PARIS = ZoneInfo("Europe/Paris")
GUILD = 1
NOON = datetime(2026, 11, 24, 11, 0, tzinfo=UTC)  # 12:00 in Paris

# --- rules ------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("giver", "receiver", "given", "pair", "thanked_minutes_ago", "expected"),
    [
        (1, 2, 0, 0, None, Verdict.GIVEN),
        (1, 1, 0, 0, None, Verdict.SELF),
        (3, 2, 0, 0, None, Verdict.EXCLUDED),  # 3 is excluded
        (1, 3, 0, 0, None, Verdict.EXCLUDED),
        (1, 2, 5, 0, None, Verdict.ALLOWANCE),
        (1, 2, 4, 2, None, Verdict.PAIR_CAP),
        (1, 2, 1, 1, None, Verdict.GIVEN),
        (1, 2, 0, 0, 3, Verdict.BACK_THANK),
        (1, 2, 0, 0, 9.9, Verdict.BACK_THANK),
        (1, 2, 0, 0, 10, Verdict.GIVEN),
        (1, 2, 5, 0, 3, Verdict.ALLOWANCE),  # the allowance speaks first
    ],
)
def test_decide_give(
    giver: int, receiver: int, given: int, pair: int, thanked_minutes_ago: float | None, expected: Verdict
) -> None:
    thanked = None if thanked_minutes_ago is None else NOON - timedelta(minutes=thanked_minutes_ago)
    verdict = decide_give(
        giver=giver,
        receiver=receiver,
        excluded=frozenset({3}),
        limits=Limits(allowance=5, pair_cap=2),
        given_today=given,
        to_receiver_today=pair,
        thanked_by_receiver_at=thanked,
        now=NOON,
    )
    assert verdict is expected


@pytest.mark.parametrize(
    ("now", "zone", "start", "end"),
    [
        (NOON, "Europe/Paris", datetime(2026, 11, 23, 23, tzinfo=UTC), datetime(2026, 11, 24, 23, tzinfo=UTC)),
        # 23:30 UTC is already tomorrow in Paris.
        (
            datetime(2026, 11, 24, 23, 30, tzinfo=UTC),
            "Europe/Paris",
            datetime(2026, 11, 24, 23, tzinfo=UTC),
            datetime(2026, 11, 25, 23, tzinfo=UTC),
        ),
        # The day clocks go forward lasts 23 hours.
        (
            datetime(2026, 3, 29, 12, tzinfo=UTC),
            "Europe/Paris",
            datetime(2026, 3, 28, 23, tzinfo=UTC),
            datetime(2026, 3, 29, 22, tzinfo=UTC),
        ),
        (NOON, "America/Montreal", datetime(2026, 11, 24, 5, tzinfo=UTC), datetime(2026, 11, 25, 5, tzinfo=UTC)),
    ],
)
def test_the_day_is_the_servers(now: datetime, zone: str, start: datetime, end: datetime) -> None:
    assert day_bounds(now, ZoneInfo(zone)) == (start, end)


def test_period_keys_follow_the_servers_calendar() -> None:
    late_sunday = datetime(2026, 11, 29, 23, 30, tzinfo=UTC)  # Monday 00:30 in Paris
    assert period_key(Period.WEEK, late_sunday, PARIS) == "w2026-49"
    assert period_key(Period.WEEK, late_sunday, ZoneInfo("UTC")) == "w2026-48"
    assert period_key(Period.MONTH, datetime(2026, 11, 30, 23, 30, tzinfo=UTC), PARIS) == "m2026-12"
    assert period_key(Period.ALL, NOON, PARIS) == "all"


@pytest.mark.parametrize(
    ("units", "now", "expected"),
    [
        ([], 10, Streak(0, 0)),
        ([10], 10, Streak(1, 1)),
        ([8, 9], 10, Streak(2, 2)),  # yesterday still counts: the day is not over
        ([7, 8], 10, Streak(0, 2)),
        ([1, 2, 3, 5, 9, 10, 10], 10, Streak(2, 3)),
    ],
)
def test_streaks(units: list[int], now: int, expected: Streak) -> None:
    assert streak(units, now) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [("1, 5, 10", (1, 5, 10)), ("10 5 5 1", (1, 5, 10)), ("3;7", (3, 7)), ("100000", (100000,))],
)
def test_thresholds_parse(text: str, expected: tuple[int, ...]) -> None:
    assert parse_thresholds(text) == expected


@pytest.mark.parametrize("text", ["", "0", "-1", "a, b", "1.5", "100001", "1 2 3 4 5 6 7 8 9 10 11", "１", "²"])
def test_bad_thresholds_are_refused(text: str) -> None:
    with pytest.raises(ThresholdsError):
        parse_thresholds(text)


def test_reached_levels_catch_up_with_new_thresholds() -> None:
    assert reached_levels(7, (1, 5, 10), [1]) == [5]
    assert reached_levels(12, (1, 5, 10), []) == [1, 5, 10]
    assert reached_levels(4, (5,), []) == []


@pytest.mark.parametrize(
    ("joined", "now", "expected"),
    [
        (datetime(2025, 11, 24, tzinfo=UTC), NOON, 1),
        (datetime(2023, 11, 20, tzinfo=UTC), NOON, 3),  # four days ago, three years
        (datetime(2025, 11, 10, tzinfo=UTC), NOON, None),  # two weeks ago: already celebrated or too late
        (datetime(2026, 1, 1, tzinfo=UTC), NOON, None),
        (datetime(2024, 2, 29, tzinfo=UTC), datetime(2025, 3, 1, tzinfo=UTC), 1),
    ],
)
def test_anniversaries(joined: datetime, now: datetime, expected: int | None) -> None:
    assert anniversary_level(joined, now) == expected


def test_images_are_checked() -> None:
    check_image("cert.png", "image/png", 1000, 10_000)
    check_image("cert.JPG", None, 1000, 10_000)
    with pytest.raises(NotAnImageError):
        check_image("notes.txt", "text/plain", 10, 10_000)
    with pytest.raises(NotAnImageError):
        check_image("clip.mp4", "video/mp4", 10, 10_000)
    with pytest.raises(ImageTooLargeError):
        check_image("big.png", "image/png", 10_001, 10_000)


def test_categories_are_checked() -> None:
    assert check_category(" Mentoring ", {"fr": "Mentorat", "en": ""}, ["learn"])[0] == "mentoring"
    for key in ("", "9lives", "a b", "x" * 40, "café"):
        with pytest.raises(CategoryKeyError):
            check_category(key, {"en": "Name"}, [])
    with pytest.raises(CategoryNameError):
        check_category("new", {}, [])
    assert check_category("learn", {}, ["learn"])[0] == "learn"  # renaming nothing is harmless
    with pytest.raises(TooManyCategoriesError):
        check_category("extra", {"en": "Extra"}, [f"c{n}" for n in range(25)])


def test_tallies_count_in_each_period_and_category_unless_reset() -> None:
    change = TallyChange(GUILD, giver_id=10, receiver_id=20, category="teach", given_at=NOON, delta=1)
    deltas = tally_deltas([change], {GUILD: PARIS}, {})
    assert len(deltas) == 3 * 2 * 2  # periods × (category, all) × (given, received)
    assert deltas[GUILD, "received", "w2026-48", "teach", 20] == 1
    assert deltas[GUILD, "given", "all", "*", 10] == 1
    reset = {(GUILD, "w2026-48"): NOON + timedelta(hours=1)}
    ended = TallyChange(GUILD, 10, 20, "teach", NOON, -1)
    assert not any(key[2] == "w2026-48" for key in tally_deltas([ended], {GUILD: PARIS}, reset))
    assert tally_deltas([change, ended], {GUILD: PARIS}, {}) == {}


# --- giving, on a database --------------------------------------------------------------------------------------


def gift(
    giver: int,
    receiver: int,
    *,
    category: str = "teach",
    message: int | None = None,
    reason: str | None = None,
    refused: Verdict | None = None,
) -> KudosOp:
    source = Source.REACTION if message is not None else Source.COMMAND
    return KudosOp(
        Action.GIVE,
        GUILD,
        giver,
        receiver,
        category,
        source=source,
        message_id=message,
        channel_id=5,
        reason=reason,
        refused=refused,
    )


async def apply(db: Database, *ops: KudosOp, now: datetime = NOON) -> list[Outcome]:
    async with db.transaction() as session:
        return await kudos.apply_kudos(session, ops, now=now, default_zone="Europe/Paris")


async def verdicts(db: Database, *ops: KudosOp, now: datetime = NOON) -> list[Verdict]:
    return [outcome.verdict for outcome in await apply(db, *ops, now=now)]


async def test_allowance_counts_down_and_resets_at_the_servers_midnight(db: Database) -> None:
    late = datetime(2026, 11, 24, 22, 59, tzinfo=UTC)  # 23:59 in Paris
    outcomes = await apply(db, *(gift(1, receiver) for receiver in range(10, 16)), now=late)
    assert [o.verdict for o in outcomes] == [Verdict.GIVEN] * 5 + [Verdict.ALLOWANCE]
    assert [o.left for o in outcomes] == [4, 3, 2, 1, 0, 0]
    assert outcomes[-1].retry_at == datetime(2026, 11, 24, 23, tzinfo=UTC)  # midnight in Paris
    assert await verdicts(db, gift(1, 16), now=late + timedelta(seconds=59)) == [Verdict.ALLOWANCE]
    assert await verdicts(db, gift(1, 16), now=late + timedelta(minutes=1)) == [Verdict.GIVEN]


async def test_a_hostile_reason_does_not_fail_the_batch(db: Database) -> None:
    assert await verdicts(db, gift(1, 2, reason="nul\x00 and \ud800"), gift(3, 2)) == [Verdict.GIVEN, Verdict.GIVEN]
    async with db.transaction() as session:
        assert "nul and ?" in set(await session.scalars(select(Kudos.reason)))


async def test_the_writer_reads_a_servers_rules_again(db: Database) -> None:
    """A time zone a host changed with /agora (not through the writer) is seen after `rules_ttl`."""
    moment = [datetime(2026, 11, 24, 22, 30, tzinfo=UTC)]  # 23:30 in Paris
    writer = KudosWriter(db.transaction, default_zone="Europe/Paris", rules_ttl=0, clock=lambda: moment[0])
    for receiver in range(10, 15):
        await writer.cast(gift(1, receiver))
    async with db.transaction() as session:
        await guild_settings.set_timezone(session, GUILD, "UTC", now=moment[0])
    moment[0] += timedelta(hours=1)  # past midnight in Paris, not in UTC: the allowance is still spent
    assert (await writer.cast(gift(1, 15))).verdict is Verdict.ALLOWANCE
    await writer.stop()


async def test_pair_cap_and_back_thanks(db: Database) -> None:
    assert await verdicts(db, gift(1, 2), gift(1, 2), gift(1, 2)) == [Verdict.GIVEN, Verdict.GIVEN, Verdict.PAIR_CAP]
    outcomes = await apply(db, gift(2, 1), now=NOON + timedelta(minutes=9))
    assert outcomes[0].verdict is Verdict.BACK_THANK
    assert outcomes[0].retry_at == NOON + timedelta(minutes=10)
    assert outcomes[0].left == 5  # a refused kudos costs nothing
    assert await verdicts(db, gift(2, 1), now=NOON + timedelta(minutes=10)) == [Verdict.GIVEN]


async def test_refusals_known_only_to_discord_still_say_how_many_are_left(db: Database) -> None:
    await apply(db, gift(1, 2))
    outcomes = await apply(db, gift(1, 3, refused=Verdict.BOT), gift(1, 4, category="nope"))
    assert [(o.verdict, o.left) for o in outcomes] == [(Verdict.BOT, 4), (Verdict.UNKNOWN_CATEGORY, 4)]


async def test_a_reaction_taken_back_withdraws_its_kudos_and_gives_back_the_allowance(db: Database) -> None:
    outcomes = await apply(db, gift(1, 2, message=100))
    assert outcomes[0].notify
    withdraw = KudosOp(Action.WITHDRAW, GUILD, giver_id=1, message_id=100)
    assert await verdicts(db, withdraw, gift(1, 3)) == [Verdict.WITHDRAWN, Verdict.GIVEN]
    assert (await apply(db, gift(1, 4)))[0].left == 3
    again = await apply(db, gift(1, 2, message=100))
    assert again[0].verdict is Verdict.GIVEN and not again[0].notify  # told once, not at every re-reaction
    assert await verdicts(db, gift(1, 2, message=100)) == [Verdict.ALREADY]
    async with db.transaction() as session:
        assert await session.scalar(select(func.count()).select_from(Kudos)) == 3


async def test_a_deleted_message_withdraws_every_kudos_for_it(db: Database) -> None:
    await apply(db, gift(1, 9, message=100), gift(2, 9, message=100), gift(3, 9, message=101))
    drop = KudosOp(Action.DROP_MESSAGE, GUILD, message_id=100)
    assert await verdicts(db, drop, drop) == [Verdict.WITHDRAWN, Verdict.NOTHING]
    async with db.transaction() as session:
        counts = await kudos.received_counts(session, GUILD, [9])
        page = await boards.board_page(session, GUILD, Board.RECEIVED, "all", "*", page=0, size=10)
    assert counts == {9: 1}
    assert page.rows == [(9, 1)]
    assert await verdicts(db, gift(1, 9, message=100)) == [Verdict.ALREADY]  # a deleted message stays deleted


async def test_given_and_withdrawn_in_one_batch_leaves_the_boards_as_they_were(db: Database) -> None:
    withdraw = KudosOp(Action.WITHDRAW, GUILD, giver_id=1, message_id=100)
    assert await verdicts(db, gift(1, 2, message=100), withdraw) == [Verdict.GIVEN, Verdict.WITHDRAWN]
    async with db.transaction() as session:
        assert await session.scalar(select(func.sum(KudosTally.total))) in (0, None)


async def test_boards_by_period_and_category_and_without_excluded_members(db: Database) -> None:
    await apply(db, gift(1, 2), gift(1, 3, category="learn"), gift(4, 3), gift(5, 3))
    async with db.transaction() as session:
        received = await boards.board_page(session, GUILD, Board.RECEIVED, "w2026-48", "*", page=0, size=10)
        teach = await boards.board_page(session, GUILD, Board.RECEIVED, "m2026-11", "teach", page=0, size=10)
        given = await boards.board_page(session, GUILD, Board.GIVEN, "all", "*", page=0, size=1)
        shown = await boards.board_page(session, GUILD, Board.RECEIVED, "all", "*", page=0, size=10, excluded=[3])
    assert received.rows == [(3, 3), (2, 1)]
    assert teach.rows == [(3, 2), (2, 1)]
    assert given.rows == [(1, 2)] and given.has_more
    assert shown.rows == [(2, 1)]


async def test_a_host_revokes_a_kudos_and_resets_a_period(db: Database) -> None:
    await apply(db, gift(1, 2), gift(3, 2))
    async with db.transaction() as session:
        rules = await kudos.load_rules(session, GUILD, "Europe/Paris")
        first = (await kudos.recent_kudos(session, GUILD))[-1]
        await kudos.revoke_kudos(session, GUILD, first.id, host_id=99, now=NOON, rules=rules)
        with pytest.raises(UnknownKudosError):
            await kudos.revoke_kudos(session, GUILD, first.id, host_id=99, now=NOON, rules=rules)
        assert await service.reset_board(session, GUILD, Period.WEEK, host_id=99, zone=PARIS, now=NOON) == "w2026-48"
    async with db.transaction() as session:
        week = await boards.board_page(session, GUILD, Board.RECEIVED, "w2026-48", "*", page=0, size=10)
        month = await boards.board_page(session, GUILD, Board.RECEIVED, "m2026-11", "*", page=0, size=10)
    assert week.rows == [] and month.rows == [(2, 1)]
    # Withdrawing a kudos given before the reset leaves the new week alone; a new one counts there.
    await apply(db, KudosOp(Action.DROP_MESSAGE, GUILD, message_id=1), gift(4, 2), now=NOON + timedelta(hours=1))
    async with db.transaction() as session:
        week = await boards.board_page(session, GUILD, Board.RECEIVED, "w2026-48", "*", page=0, size=10)
    assert week.rows == [(2, 1)]


async def test_excluded_members_neither_give_nor_receive(db: Database) -> None:
    async with db.transaction() as session:
        await service.set_excluded(session, GUILD, 7, True, now=NOON)
    assert await verdicts(db, gift(7, 1), gift(1, 7), gift(1, 2)) == [Verdict.EXCLUDED, Verdict.EXCLUDED, Verdict.GIVEN]


async def test_kudos_received_thresholds_give_a_milestone_once_and_queue_its_role(db: Database) -> None:
    async with db.transaction() as session:
        await service.set_thresholds(session, GUILD, MilestoneKind.KUDOS_RECEIVED, (2, 3), now=NOON)
        await milestones.map_role(session, GUILD, MilestoneKind.KUDOS_RECEIVED, 2, 555, now=NOON)
    await apply(db, gift(1, 9), gift(2, 9))
    await apply(db, gift(3, 9, message=50), KudosOp(Action.WITHDRAW, GUILD, giver_id=3, message_id=50))
    await apply(db, gift(4, 9))
    async with db.transaction() as session:
        reached = [(m.kind, m.level, m.role_state) for m in await milestones.member_milestones(session, GUILD, 9)]
        roles = await milestones.roles_to_give(session, GUILD)
        jobs = await session.scalar(select(func.count()).where(ScheduledJob.kind == milestones.ROLES_JOB))
    assert reached == [("kudos_received", 2, "pending"), ("kudos_received", 3, "none")]
    assert [(r.member_id, r.role_id) for r in roles] == [(9, 555)]
    assert jobs == 1


async def test_kudos_milestones_count_every_kudos_even_after_the_all_time_board_was_reset(db: Database) -> None:
    async with db.transaction() as session:
        await service.set_thresholds(session, GUILD, MilestoneKind.KUDOS_RECEIVED, (3,), now=NOON)
    await apply(db, gift(1, 9), gift(2, 9))
    async with db.transaction() as session:
        await service.reset_board(session, GUILD, Period.ALL, host_id=99, zone=PARIS, now=NOON)
    await apply(db, gift(3, 9), now=NOON + timedelta(minutes=1))
    async with db.transaction() as session:
        reached = [(m.kind, m.level) for m in await milestones.member_milestones(session, GUILD, 9)]
    assert reached == [("kudos_received", 3)]


async def test_reported_events_count_once_per_key_and_reach_thresholds(db: Database) -> None:
    async with db.transaction() as session:
        kind = MilestoneKind.SESSION_ATTENDED
        assert await milestones.report_milestone(session, GUILD, 8, kind, "occurrence-1", now=NOON) == [1]
        assert await milestones.report_milestone(session, GUILD, 8, kind, "occurrence-1", now=NOON) == []
        for n in range(2, 6):
            reached = await milestones.report_milestone(session, GUILD, 8, "session_attended", n, now=NOON)
        assert reached == [5]
        assert await milestones.report_milestone(session, GUILD, 8, MilestoneKind.SHARED_POST, 1) == [1]
        assert await milestones.report_milestone(session, GUILD, 8, MilestoneKind.SHARED_POST, 2) == []
        with pytest.raises(ValueError):
            await milestones.report_milestone(session, GUILD, 8, MilestoneKind.KUDOS_RECEIVED, 1)
        with pytest.raises(ValueError):
            await milestones.report_milestone(session, GUILD, 8, "made_up", 1)


async def test_a_finished_working_group_project_is_a_milestone_for_each_member(db: Database) -> None:
    project = FinishedProject(
        project_id=7, guild_id=GUILD, group_id=3, name="Quiz app", summary="", links=(), committee=False,
        finished_at=NOON, member_ids=(21, 22), lead_ids=(21,),
    )  # fmt: skip
    async with db.transaction() as session:
        await report_project_milestones(session, project, now=NOON)
        await report_project_milestones(session, project, now=NOON)  # replayed: counts once
        reached = [await milestones.member_milestones(session, GUILD, member) for member in (21, 22)]
    assert [[(m.kind, m.level) for m in mine] for mine in reached] == [[("project_finished", 1)]] * 2


async def test_anniversaries_are_recorded_once(db: Database) -> None:
    joined = {1: datetime(2025, 11, 22, tzinfo=UTC), 2: datetime(2025, 6, 1, tzinfo=UTC)}
    async with db.transaction() as session:
        assert await milestones.record_anniversaries(session, GUILD, joined, now=NOON) == [(1, 1)]
        assert await milestones.record_anniversaries(session, GUILD, joined, now=NOON + timedelta(days=1)) == []


async def test_a_recognition_post_is_claimed_once_per_period_and_hides_members_who_opted_out(db: Database) -> None:
    async with db.transaction() as session:
        assert await posts.claim_post(session, GUILD, "w2026-48", now=NOON) is None
        await milestones.report_milestone(session, GUILD, 1, MilestoneKind.SHARED_POST, "a", now=NOON)
        await milestones.report_milestone(session, GUILD, 2, MilestoneKind.PROJECT_FINISHED, "b", now=NOON)
        await service.set_preferences(session, GUILD, 2, named=False, now=NOON)
    async with db.transaction() as session:
        draft = await posts.claim_post(session, GUILD, "w2026-48", now=NOON)
    assert draft is not None and draft.message_id is None
    assert [(line.member_id, line.kind, line.named) for line in draft.lines] == [
        (1, "shared_post", True),
        (2, "project_finished", False),
    ]
    async with db.transaction() as session:
        await milestones.report_milestone(session, GUILD, 3, MilestoneKind.SHARED_POST, "c", now=NOON)
        again = await posts.claim_post(session, GUILD, "w2026-48", now=NOON)
        assert again is not None and again.post_id == draft.post_id and len(again.lines) == 2
        await posts.mark_posted(session, draft.post_id, channel_id=5, message_id=6, now=NOON)
        following = await posts.claim_post(session, GUILD, "w2026-49", now=NOON)
    assert following is not None and [line.member_id for line in following.lines] == [3]


async def test_jobs_follow_the_cadence_and_time_zone(db: Database) -> None:
    async with db.transaction() as session:
        await posts.ensure_jobs(session, GUILD, Cadence.WEEKLY, PARIS, now=NOON)
        await posts.ensure_jobs(session, GUILD, Cadence.WEEKLY, PARIS, now=NOON + timedelta(hours=1))
        jobs = {job.kind: job for job in await session.scalars(select(ScheduledJob))}
    assert jobs[posts.POST_JOB].due_at == datetime(2026, 11, 27, 17, tzinfo=UTC)  # Friday 18:00 in Paris
    assert jobs[posts.DAILY_JOB].due_at == datetime(2026, 11, 25, 8, tzinfo=UTC)  # tomorrow 09:00
    async with db.transaction() as session:
        await posts.ensure_jobs(session, GUILD, Cadence.DAILY, ZoneInfo("America/Montreal"), now=NOON)
        jobs = {job.kind: job for job in await session.scalars(select(ScheduledJob))}
    assert jobs[posts.POST_JOB].due_at == datetime(2026, 11, 24, 23, tzinfo=UTC)  # today 18:00 in Montreal
    async with db.transaction() as session:
        await posts.ensure_jobs(session, GUILD, Cadence.OFF, PARIS, now=NOON)
        jobs = {job.kind: job for job in await session.scalars(select(ScheduledJob))}
    assert jobs[posts.POST_JOB].state == "cancelled"


async def test_summary_counts_categories_and_streaks(db: Database) -> None:
    for days_ago in (5, 2, 1, 0):
        await apply(db, gift(1, 2, category="learn" if days_ago else "share"), now=NOON - timedelta(days=days_ago))
    async with db.transaction() as session:
        mine = await service.summary(session, GUILD, 1, allowance=5, zone=PARIS, now=NOON)
        theirs = await service.summary(session, GUILD, 2, allowance=5, zone=PARIS, now=NOON)
    assert mine.given == 4 and mine.left_today == 4
    assert mine.giving == Streak(3, 3)
    assert theirs.received == {"learn": 3, "share": 1}
    assert theirs.receiving.current == 2  # this week and last


async def test_export_and_forget_a_member(db: Database) -> None:
    await apply(db, gift(1, 2, reason="for the @everyone tip"), gift(4, 1), gift(3, 1, message=77))
    async with db.transaction() as session:
        await milestones.report_milestone(session, GUILD, 1, MilestoneKind.SHARED_POST, "x", now=NOON)
        exported = await service.export_member(session, GUILD, 1)
        assert len(exported["kudos"]) == 3 and exported["milestones"][0]["kind"] == "shared_post"
        assert await service.forget_member(session, GUILD, 1) > 0
        left = await session.scalars(select(Kudos))
        assert [(row.giver_id, row.receiver_id, row.reason) for row in left] == [(0, 2, None)]
        assert await session.scalar(select(func.count()).select_from(Milestone)) == 0
        assert (await service.export_member(session, GUILD, 1))["kudos"] == []


async def test_categories_can_be_renamed_and_added(db: Database) -> None:
    async with db.transaction() as session:
        renamed, added = await service.save_category(session, GUILD, "teach", {"fr": "Aider"}, now=NOON)
        assert not added and renamed.names == {"fr": "Aider"}
        custom, added = await service.save_category(session, GUILD, "talks", {"en": "Talks", "fr": "Exposés"}, now=NOON)
        assert added and custom.emoji == "✨"
        keys = [category.key for category in await service.categories(session, GUILD)]
    assert keys == ["learn", "build", "teach", "share", "talks"]
    assert await verdicts(db, gift(1, 2, category="talks")) == [Verdict.GIVEN]


def test_reasons_and_names_are_stored_safely() -> None:
    assert clean_reason("  thanks\x00 \ud800! ") == "thanks ?!"
    assert clean_reason("   ") is None
    assert check_category("x", {"en": "A\x00B"}, [])[1] == {"en": "AB"}


def test_days_are_numbered_for_streaks() -> None:
    assert day_number(date(2026, 11, 24)) - day_number(date(2026, 11, 23)) == 1
    assert week_number(date(2026, 11, 30)) - week_number(date(2026, 11, 29)) == 1  # Sunday → Monday
    assert week_number(date(2026, 11, 29)) == week_number(date(2026, 11, 23))


async def test_the_thanks_channel_is_a_channel_purpose(db: Database) -> None:
    async with db.transaction() as session:
        settings = await guild_settings.set_channel(
            session, GUILD, guild_settings.ChannelPurpose.THANKS, 1234, now=NOON
        )
    assert settings.thanks_channel_id == 1234
