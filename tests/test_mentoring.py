"""Mentoring rules, the matcher and the use cases on a real database (the Discord side is in test_mentoring_e2e)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from bot.database import Database
from models import profiles
from models.errors import StrangerError
from models.mentoring import languages, matching, pairs, rounds, rules, service
from models.mentoring.matching import Mentee, Mentor
from models.mentoring.rules import PairState, RoundState, Unmatched, Weights
from models.mentoring.service import OfferText, RequestText
from models.mentoring.tables import MentoringRound, Mentorship
from models.profiles import ProfileText
from models.recognition import milestones
from models.scheduling import JobState, ScheduledJob

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
GUILD = 10
WEIGHTS = Weights(3, 1, 1)


# --- rules -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("typed", "capacity"), [("1", 1), (" 5 ", 5), ("3", 3)])
def test_capacity_is_a_whole_number_from_one_to_five(typed: str, capacity: int) -> None:
    assert rules.parse_capacity(typed) == capacity


@pytest.mark.parametrize("typed", ["0", "6", "-1", "two", "", "2.5", "١٠"])
def test_capacity_outside_one_to_five_is_refused(typed: str) -> None:
    with pytest.raises(rules.CapacityError):
        rules.parse_capacity(typed)


def test_a_request_or_offer_needs_a_skill() -> None:
    assert rules.parse_skills("Python, python; SQL") == ["Python", "SQL"]
    with pytest.raises(rules.NoSkillError) as refused:
        rules.parse_skills(" , ;", empty="mentoring.offer.no_skill")
    assert refused.value.key == "mentoring.offer.no_skill"


@pytest.mark.parametrize(
    ("mentor", "mentee", "outcome"),
    [(None, None, None), (True, None, True), (False, None, False), (False, True, True), (False, False, False)],
)
def test_a_check_in_says_met_if_either_says_so(mentor: bool | None, mentee: bool | None, outcome: bool | None) -> None:
    assert rules.check_in_outcome(mentor, mentee) is outcome


@pytest.mark.parametrize(
    ("outcomes", "flag"),
    [([False], False), ([False, False], True), ([False, None, False], False), ([True, False, False], True)],
)
def test_two_misses_in_a_row_flag_the_pair(outcomes: list[bool | None], flag: bool) -> None:
    assert rules.missed_twice(outcomes) is flag


@pytest.mark.parametrize(("a", "b", "apart"), [(1, -5, 6), (-10, 12, 2), (5.5, -4, 9.5), (None, 2, None)])
def test_hours_apart_go_around_the_clock(a: float | None, b: float | None, apart: float | None) -> None:
    assert rules.hours_apart(a, b) == apart


def test_daytime_overlap_of_paris_and_montreal_in_winter() -> None:
    stretches = rules.daytime_overlap("Europe/Paris", "America/Montreal", datetime(2026, 12, 1, tzinfo=UTC))
    assert stretches is not None
    (both,) = stretches
    assert (both.start.hour, both.end.hour, both.end - both.start) == (14, 20, timedelta(hours=6))


def test_daytime_overlap_follows_daylight_saving_and_half_hours() -> None:
    summer = rules.daytime_overlap("Europe/Paris", "America/Montreal", datetime(2026, 7, 1, tzinfo=UTC))
    assert summer is not None and (summer[0].start.hour, summer[0].end.hour) == (13, 19)
    india = rules.daytime_overlap("Asia/Kolkata", "Europe/London", datetime(2026, 12, 1, tzinfo=UTC))
    assert india is not None and (india[0].start.strftime("%H:%M"), india[0].end.strftime("%H:%M")) == (
        "09:00",
        "15:30",
    )
    assert rules.daytime_overlap("Pacific/Auckland", "Europe/Paris", datetime(2026, 12, 1, tzinfo=UTC)) == []
    assert rules.daytime_overlap("Europe/Paris", None, NOW) is None


# --- languages ---------------------------------------------------------------------------------------------


def test_languages_are_recognised_by_code_english_french_or_own_name() -> None:
    assert languages.parse("French, english; FR, français", ["fr", "en"], "en") == ["fr", "en"]
    assert languages.parse("Deutsch, espagnol", ["de", "es"], "fr") == ["de", "es"]
    assert languages.display_names(["fr", "en"], "fr") == "Français, Anglais"


def test_a_language_the_server_does_not_mentor_in_is_refused_with_the_list() -> None:
    with pytest.raises(languages.UnknownLanguageError) as refused:
        languages.parse("French, Klingon", ["fr", "en"], "en")
    assert refused.value.params == {"language": "Klingon", "allowed": "French, English"}
    with pytest.raises(languages.NoLanguageError):
        languages.parse(" , ", ["fr", "en"], "en")


def test_hosts_choose_any_known_language() -> None:
    assert languages.parse_server_languages("fr, English, espagnol, de", "en") == ["fr", "en", "es", "de"]
    with pytest.raises(languages.UnknownLanguageError):
        languages.parse_server_languages("fr, Elvish", "en")


# --- matching ----------------------------------------------------------------------------------------------


def mentee(member_id: int, skills: str, languages: str = "en", offset: float | None = 0, goals: str = "") -> Mentee:
    return Mentee(member_id, skills.split(","), languages.split(","), offset, goals)


def mentor(member_id: int, skills: str, free: int = 1, languages: str = "en", offset: float | None = 0) -> Mentor:
    return Mentor(member_id, skills.split(","), languages.split(","), offset, free)


def test_the_optimal_plan_beats_best_pair_first() -> None:
    """Greedy gives the one mentor who fits both to the slightly better pair and leaves the other mentee alone."""
    mentees = [mentee(1, "python,web"), mentee(2, "python")]
    mentors = [mentor(10, "python,web"), mentor(11, "web")]
    problem = matching.build(mentees, mentors, set(), WEIGHTS)
    best, simple = matching.solve(problem), matching.greedy(problem)
    assert {(p.mentee_id, p.mentor_id) for p in best.pairs} == {(1, 11), (2, 10)}
    assert {(p.mentee_id, p.mentor_id) for p in simple.pairs} == {(1, 10)}
    assert best.total > simple.total and simple.unmatched == {2: Unmatched.NO_CAPACITY}


def test_hard_constraints_and_the_reason_each_member_is_left_out() -> None:
    mentees = [
        mentee(1, "python", languages="de"),  # nobody speaks German
        mentee(2, "cooking"),  # nobody teaches cooking
        mentee(3, "python"),  # met mentor 10 before, and 10 is the only one
        mentee(10, "python"),  # the mentor himself: never his own mentor
        mentee(4, "python", offset=-5),
        mentee(5, "python", offset=1),  # closer in time to the mentor than 4: takes the last place
    ]
    mentors = [mentor(10, "python", free=1, offset=1), mentor(12, "rust", free=2)]
    plan = matching.solve(matching.build(mentees, mentors, {(3, 10)}, WEIGHTS))
    assert [(p.mentee_id, p.mentor_id) for p in plan.pairs] == [(5, 10)]
    assert plan.unmatched == {
        1: Unmatched.NO_LANGUAGE,
        2: Unmatched.NO_SKILL,
        3: Unmatched.ALREADY_MET,
        10: Unmatched.ALREADY_MET,
        4: Unmatched.NO_CAPACITY,
    }
    assert plan.unused == {12: Unmatched.NO_SKILL}
    pair = plan.pairs[0]
    assert (pair.skills, pair.languages, pair.hours) == (["python"], ["en"], 0.0)
    assert pair.score == pytest.approx(3 + 1)


def test_a_mentor_with_three_places_takes_three_and_goals_count() -> None:
    mentees = [mentee(n, "web", goals="ship a godot game") for n in range(1, 5)] + [mentee(5, "web", goals="")]
    plan = matching.solve(matching.build(mentees, [mentor(10, "web,godot", free=3)], set(), Weights(0, 0, 5)))
    assert sorted(p.mentee_id for p in plan.pairs)[:3] != [] and len(plan.pairs) == 3
    assert 5 not in {p.mentee_id for p in plan.pairs}  # goals that mention what the mentor teaches win
    assert all(p.goal_words == ["godot"] for p in plan.pairs)


def test_more_places_than_mentees_still_solves_the_narrow_way() -> None:
    plan = matching.solve(
        matching.build([mentee(1, "web")], [mentor(10, "web", free=5), mentor(11, "web")], set(), WEIGHTS)
    )
    assert len(plan.pairs) == 1 and plan.unmatched == {}


# --- use cases on a database -------------------------------------------------------------------------------


async def offer(db: Database, member_id: int, skills: str = "python", capacity: int = 1, langs: str = "en") -> None:
    async with db.transaction() as session:
        await service.save_offer(
            session, GUILD, member_id, OfferText(str(capacity), skills, langs), language="en", now=NOW
        )


async def request(db: Database, member_id: int, skills: str = "python", langs: str = "en", at: datetime = NOW) -> None:
    async with db.transaction() as session:
        await service.save_request(session, GUILD, member_id, RequestText(skills, "", langs), language="en", now=at)


async def preview(db: Database, host: int = 99) -> rounds.Preview:
    async with db.transaction() as session:
        return await rounds.plan_round(session, GUILD, WEIGHTS, host_id=host, now=NOW)


async def publish(db: Database, round_id: int, host: int = 99) -> rounds.Publication:
    async with db.transaction() as session:
        return await rounds.publish_round(session, round_id, host_id=host, now=NOW)


async def test_forms_are_prefilled_from_the_profile_and_the_offer_marks_a_mentor(db: Database) -> None:
    async with db.transaction() as session:
        text = ProfileText(skills_to_learn="Rust", skills_to_share="Python, SQL", languages="français, Klingon")
        await profiles.edit_profile(session, GUILD, 1, text, now=NOW)
        await profiles.edit_profile(session, GUILD, 2, ProfileText(goals="Ship"), now=NOW)
        shown = await service.offer_text(session, GUILD, 1, "en")
        assert shown == OfferText("1", "Python, SQL", "French, Klingon", "")
        assert await service.request_text(session, GUILD, 1, "fr") == RequestText("Rust", "", "Français, Klingon")
        assert (await service.request_text(session, GUILD, 2, "fr")).languages == "Français"  # their Discord language
        await service.save_offer(session, GUILD, 1, OfferText("2", "Python, SQL", "French"), language="en", now=NOW)
        assert (await profiles.get_profile(session, GUILD, 1)).mentor is True  # type: ignore[union-attr]
        assert await service.offer_text(session, GUILD, 1, "fr") == OfferText("2", "Python, SQL", "Français", "")


async def test_bad_offers_and_requests_are_refused_and_nothing_is_kept(db: Database) -> None:
    async with db.transaction() as session:
        for text, error in (
            (OfferText("9", "python", "en"), rules.CapacityError),
            (OfferText("1", "", "en"), rules.NoSkillError),
            (OfferText("1", "python", "Klingon"), languages.UnknownLanguageError),
            (OfferText("1", "python", "en", "x" * 501), rules.NoteTooLongError),
        ):
            with pytest.raises(error):
                await service.save_offer(session, GUILD, 1, text, language="en", now=NOW)
        with pytest.raises(rules.NoSkillError):
            await service.save_request(session, GUILD, 1, RequestText("", "goals", "en"), language="en", now=NOW)
        assert await service.summary(session, GUILD, 1) == service.Summary(None, 0, None, None, False)


async def test_a_round_with_nobody_to_match_says_so_and_keeps_nothing(db: Database) -> None:
    with pytest.raises(rounds.NoMentorsError):
        await preview(db)
    await offer(db, 1)
    with pytest.raises(rounds.NoMenteesError):
        await preview(db)
    async with db.transaction() as session:
        assert await session.scalar(select(func.count()).select_from(MentoringRound)) == 0


async def test_preview_publish_and_capacity_held_by_proposals(db: Database) -> None:
    await offer(db, 1, capacity=2)
    for member in (2, 3, 4):
        await request(db, member, at=NOW - timedelta(days=member))
    await request(db, 5, skills="cooking")
    shown = await preview(db)
    assert len(shown.plan.pairs) == 2 and shown.plan.unmatched[5] == Unmatched.NO_SKILL
    assert sorted(shown.plan.unmatched.values()) == [Unmatched.NO_CAPACITY, Unmatched.NO_SKILL]
    published = await publish(db, shown.round.id)
    assert len(published.proposals) == 2 and published.skipped == 0
    async with db.transaction() as session:
        slots = set(await session.scalars(select(Mentorship.slot).where(Mentorship.mentor_id == 1)))
    assert slots == {0, 1}
    with pytest.raises(rounds.RoundGoneError):
        await publish(db, shown.round.id)
    with pytest.raises(rounds.NoMentorsError):  # the only mentor is full
        await preview(db)
    async with db.transaction() as session:
        jobs = {
            job.kind
            for job in await session.scalars(select(ScheduledJob).where(ScheduledJob.key == str(shown.round.id)))
        }
    assert jobs == {service.REMIND_JOB, service.EXPIRE_JOB}


async def test_two_hosts_publishing_at_once_never_exceed_capacity(db: Database) -> None:
    await offer(db, 1, capacity=2)
    await offer(db, 2, capacity=1)
    for member in range(10, 16):
        await request(db, member)
    first, second = await preview(db, host=98), await preview(db, host=99)
    assert len(first.plan.pairs) == len(second.plan.pairs) == 3
    results = await asyncio.gather(publish(db, first.round.id, 98), publish(db, second.round.id, 99))
    assert sorted(len(result.proposals) for result in results) == [0, 3]
    assert sorted(result.skipped for result in results) == [0, 3]
    async with db.transaction() as session:
        loads = await service.live_loads(session, GUILD)
    assert loads == {1: 2, 2: 1}


async def test_consent_both_yes_starts_the_pair_once_and_schedules_check_ins(db: Database) -> None:
    await offer(db, 1)
    await request(db, 2)
    (proposal,) = (await publish(db, (await preview(db)).round.id)).proposals
    async with db.transaction() as session:
        with pytest.raises(StrangerError):
            await pairs.accept(session, proposal.id, 3, now=NOW)
    async with db.transaction() as session:
        first = await pairs.accept(session, proposal.id, 1, now=NOW)
    async with db.transaction() as session:
        second = await pairs.accept(session, proposal.id, 2, now=NOW + timedelta(hours=1))
    assert not first.started and second.started and second.pair.state == PairState.ACTIVE
    async with db.transaction() as session:
        with pytest.raises(pairs.ProposalClosedError) as refused:
            await pairs.accept(session, proposal.id, 2, now=NOW + timedelta(hours=2))
        job = await session.scalar(select(ScheduledJob).where(ScheduledJob.kind == service.CHECK_IN_JOB))
    assert refused.value.key == "mentoring.consent.already_active"
    assert job is not None and job.rrule == "FREQ=DAILY;INTERVAL=14" and job.due_at == NOW + timedelta(hours=1, days=14)


async def test_a_completed_mentorship_is_a_milestone_for_both_members(db: Database) -> None:
    await offer(db, 1)
    await request(db, 2)
    (proposal,) = (await publish(db, (await preview(db)).round.id)).proposals
    async with db.transaction() as session:
        await pairs.accept(session, proposal.id, 1, now=NOW)
        started = await pairs.accept(session, proposal.id, 2, now=NOW)
        await pairs.end(session, started.pair.id, by=1, now=NOW + timedelta(days=60))
        reached = [await milestones.member_milestones(session, GUILD, member) for member in (1, 2)]
    assert [[(m.kind, m.level) for m in found] for found in reached] == [[("mentorship_completed", 1)]] * 2


async def test_a_decline_frees_the_place_and_the_pair_is_never_proposed_again(db: Database) -> None:
    await offer(db, 1)
    await request(db, 2)
    (proposal,) = (await publish(db, (await preview(db)).round.id)).proposals
    async with db.transaction() as session:
        answered = await pairs.decline(session, proposal.id, 1, reason="too busy", now=NOW)
    assert answered.pair.state == PairState.DECLINED and answered.pair.slot is None
    assert answered.pair.decline_reason == "too busy"
    async with db.transaction() as session:
        assert await service.live_loads(session, GUILD) == {}
        assert [w.member_id for w in await service.waiting_mentees(session, GUILD)] == [2]
    again = await preview(db)
    assert again.plan.pairs == [] and again.plan.unmatched == {2: Unmatched.ALREADY_MET}


async def test_accepting_after_the_deadline_is_refused_and_silence_expires(db: Database) -> None:
    await offer(db, 1)
    await request(db, 2)
    published = await publish(db, (await preview(db)).round.id)
    (proposal,) = published.proposals
    later = NOW + timedelta(hours=49)
    async with db.transaction() as session:
        await pairs.accept(session, proposal.id, 1, now=NOW)
        reminded = await pairs.to_remind(session, published.round.id, now=later)
        assert [pairs.unanswered_sides(p) for p in reminded] == [[2]]
        assert await pairs.to_remind(session, published.round.id, now=later) == []  # one reminder only
    too_late = NOW + timedelta(hours=72, seconds=1)
    async with db.transaction() as session:
        with pytest.raises(pairs.ProposalExpiredError):
            await pairs.accept(session, proposal.id, 2, now=too_late)
        expired = await pairs.expire(session, published.round.id, now=too_late)
    assert [p.state for p in expired] == [PairState.EXPIRED] and expired[0].slot is None


async def test_rematch_proposes_a_waiting_mentee_at_once(db: Database) -> None:
    await offer(db, 1)
    await offer(db, 3)
    await request(db, 2)
    (proposal,) = (await publish(db, (await preview(db)).round.id)).proposals
    async with db.transaction() as session:
        with pytest.raises(rounds.NotWaitingError):
            await rounds.rematch(session, GUILD, 2, host_id=99, now=NOW)
        await pairs.decline(session, proposal.id, 2, reason="", now=NOW)
    async with db.transaction() as session:
        rematched = await rounds.rematch(session, GUILD, 2, host_id=99, now=NOW)
    (again,) = rematched.proposals
    assert {proposal.mentor_id, again.mentor_id} == {1, 3}
    async with db.transaction() as session:
        await pairs.decline(session, again.id, 2, reason="", now=NOW)
    async with db.transaction() as session:
        with pytest.raises(rounds.NoMatchError) as nobody:
            await rounds.rematch(session, GUILD, 2, host_id=99, now=NOW)
    assert nobody.value.key == "mentoring.rematch.already_met"


async def active_pair(db: Database) -> Mentorship:
    await offer(db, 1)
    await request(db, 2)
    (proposal,) = (await publish(db, (await preview(db)).round.id)).proposals
    async with db.transaction() as session:
        await pairs.accept(session, proposal.id, 1, now=NOW)
        return (await pairs.accept(session, proposal.id, 2, now=NOW)).pair


async def test_two_missed_check_ins_in_a_row_flag_the_pair_once(db: Database) -> None:
    pair = await active_pair(db)
    flags = []
    for week in (2, 4, 6):
        async with db.transaction() as session:
            check_in = await pairs.open_check_in(session, pair.id, NOW + timedelta(weeks=week), now=NOW)
            assert check_in is not None
            flags.append((await pairs.answer_check_in(session, check_in.id, 2, False, now=NOW)).flag)
    assert flags == [False, True, False]
    async with db.transaction() as session:
        (stale,) = await service.stale_pairs(session, GUILD)
        assert stale.flagged
        again = await pairs.open_check_in(session, pair.id, NOW + timedelta(weeks=6), now=NOW)  # a re-run
        assert again is not None and again.mentee_answer is False
        met = await pairs.answer_check_in(session, again.id, 1, True, now=NOW)
    assert met.pair.flagged_at is None


async def test_ending_completes_the_pair_fulfils_the_request_and_takes_feedback(db: Database) -> None:
    pair = await active_pair(db)
    async with db.transaction() as session:
        with pytest.raises(pairs.NoMentorshipError):
            await pairs.choose(session, GUILD, 3, None, host=False)
        chosen = await pairs.choose(session, GUILD, 2, None, host=False)
        ended = await pairs.end(session, chosen.id, by=2, now=NOW)
        await pairs.rate(session, pair.id, 1, 5, now=NOW)
        await pairs.comment(session, pair.id, 1, "Great", now=NOW)
        with pytest.raises(pairs.NotActiveError):
            await pairs.end(session, pair.id, by=1, now=NOW)
        assert [p.id for p in await pairs.completed_since(session, GUILD, NOW)] == [pair.id]
        summary = await service.summary(session, GUILD, 2)
        status = await service.status(session, GUILD)
        job = await session.scalar(select(ScheduledJob).where(ScheduledJob.kind == service.CHECK_IN_JOB))
    assert ended.state == PairState.COMPLETED and summary.request is not None and summary.request.closed_at == NOW
    assert not summary.waiting and status.completed == 1
    assert [(f.rating, f.comment) for f in status.feedback] == [(5, "Great")]
    assert job is not None and job.state == JobState.CANCELLED


async def test_a_member_who_leaves_closes_proposals_and_pairs_cleanly(db: Database) -> None:
    await offer(db, 1, capacity=2)
    await request(db, 2)
    await request(db, 3, skills="python")
    proposals = (await publish(db, (await preview(db)).round.id)).proposals
    by_mentee = {p.mentee_id: p for p in proposals}
    async with db.transaction() as session:
        await pairs.accept(session, by_mentee[2].id, 1, now=NOW)
        await pairs.accept(session, by_mentee[2].id, 2, now=NOW)
        gone = await pairs.member_left(session, GUILD, 1, now=NOW)
    assert [p.mentee_id for p in gone.closed] == [2] and [p.mentee_id for p in gone.cancelled] == [3]
    assert {p.state for p in gone.closed + gone.cancelled} == {PairState.CLOSED, PairState.CANCELLED}
    async with db.transaction() as session:
        assert (await service.summary(session, GUILD, 1)).offer is None
        assert [w.member_id for w in await service.waiting_mentees(session, GUILD)] == [2, 3]


async def test_pause_keeps_current_mentees_and_stops_new_proposals(db: Database) -> None:
    await offer(db, 1, capacity=2)
    await request(db, 2)
    await publish(db, (await preview(db)).round.id)
    await request(db, 3)
    async with db.transaction() as session:
        paused = await service.set_paused(session, GUILD, 1, True, now=NOW)
        with pytest.raises(service.NothingToPauseError):
            await service.set_paused(session, GUILD, 42, True, now=NOW)
    assert paused == service.Paused(offer=True, request=False, mentees=1)
    with pytest.raises(rounds.NoMentorsError):
        await preview(db)
    async with db.transaction() as session:
        await service.set_paused(session, GUILD, 1, False, now=NOW)
    assert len((await preview(db)).plan.pairs) == 1


async def test_automatic_rounds_publish_at_once_and_settings_schedule_them(db: Database) -> None:
    async with db.transaction() as session:
        assert await rounds.run_automatic_round(session, GUILD, now=NOW) is None
        settings = await service.update_settings(session, GUILD, auto_round_days=7, zone="Europe/Paris", now=NOW)
        assert settings.auto_round_days == 7 and await service.next_automatic_round(session, GUILD) == NOW + timedelta(
            days=7
        )
    await offer(db, 1)
    await request(db, 2)
    async with db.transaction() as session:
        published = await rounds.run_automatic_round(session, GUILD, now=NOW)
        assert published is not None and published.round.state == RoundState.PUBLISHED and len(published.proposals) == 1
        await service.update_settings(session, GUILD, auto_round_days=0, zone="Europe/Paris", now=NOW)
        assert await service.next_automatic_round(session, GUILD) is None


async def test_forget_and_export_member(db: Database) -> None:
    pair = await active_pair(db)
    async with db.transaction() as session:
        await pairs.end(session, pair.id, by=1, now=NOW)
        await pairs.rate(session, pair.id, 2, 4, now=NOW)
        exported = await service.export_member(session, GUILD, 2)
        assert exported["mentee_request"]["skills"] == ["python"]
        assert exported["feedback"] == [{"mentorship": pair.id, "rating": 4, "comment": None}]
        assert await service.forget_member(session, GUILD, 2) >= 3
        assert await service.export_member(session, GUILD, 2) == {
            "mentor_offer": None,
            "mentee_request": None,
            "mentorships": [],
            "feedback": [],
        }
        assert (await service.summary(session, GUILD, 1)).offer is not None
