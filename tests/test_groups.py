"""Working groups without Discord: the rules as tables, team forming, suggestions, and the use cases on a real
database (SQLite, or PostgreSQL when configured)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from bot.database import Database
from models.errors import UserError
from models.groups import members, projects, rhythm, rules, service
from models.groups.rules import Cadence, Seat, Space, Status
from models.groups.suggest import Seeker, offset_of, rank
from models.groups.tables import Group
from models.groups.teams import Candidate, form_teams, hours_apart, seed_centers, spread, team_count
from models.scheduling import JobState, ScheduledJob

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
GUILD = 1
PARIS = ZoneInfo("Europe/Paris")


# --- names ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "shown", "key"),
    [
        ("Data Club", "Data Club", "data club"),
        ("  Café   Créatif ", "Café Créatif", "cafe creatif"),
        ("ÉQUIPE-ÉTÉ 2026", "ÉQUIPE-ÉTÉ 2026", "equipe ete 2026"),
        ("Ｒｕｓｔ Crew", "Ｒｕｓｔ Crew", "rust crew"),
    ],
)
def test_names_are_shown_as_typed_and_compared_without_case_accents_or_punctuation(
    typed: str, shown: str, key: str
) -> None:
    checked = rules.check_name(typed)
    assert (checked.shown, checked.key) == (shown, key)


@pytest.mark.parametrize(
    ("typed", "error"),
    [
        ("ab", rules.GroupNameLengthError),
        ("x" * 51, rules.GroupNameLengthError),
        ("!!! ---", rules.GroupNameLengthError),
        ("@everyone club", rules.GroupNameFormattingError),
        ("<@123> fans", rules.GroupNameFormattingError),
        ("**bold** group", rules.GroupNameFormattingError),
        ("under_score", rules.GroupNameFormattingError),
        ("see https://x.y", rules.GroupNameFormattingError),
        ("#general squad", rules.GroupNameFormattingError),
        ("[link](x)", rules.GroupNameFormattingError),
    ],
)
def test_names_with_mentions_markdown_or_the_wrong_length_are_refused(typed: str, error: type[UserError]) -> None:
    with pytest.raises(error):
        rules.check_name(typed)


# --- caps, joining, leaving ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cap", "seated", "outcome"),
    [(None, 40, None), (5, 3, 5), (3, 3, 3), (2, 3, rules.GroupCapBelowSizeError), (1, 0, rules.GroupCapInvalidError)],
)
def test_a_cap_holds_everyone_already_seated(cap: int | None, seated: int, outcome: object) -> None:
    if isinstance(outcome, type):
        with pytest.raises(outcome):
            rules.check_cap(cap, seated)
    else:
        assert rules.check_cap(cap, seated) == outcome


@pytest.mark.parametrize(
    ("status", "private", "current", "seated", "cap", "landed"),
    [
        (Status.ACTIVE, False, None, 2, None, Seat.MEMBER),
        (Status.ACTIVE, False, None, 2, 3, Seat.MEMBER),
        (Status.ACTIVE, False, None, 3, 3, Seat.WAITLISTED),
        (Status.ACTIVE, True, None, 1, 3, Seat.REQUESTED),
        (Status.ACTIVE, True, None, 3, 3, Seat.REQUESTED),
        (Status.ACTIVE, True, Seat.INVITED, 1, 3, Seat.MEMBER),
        (Status.ACTIVE, True, Seat.INVITED, 3, 3, Seat.WAITLISTED),
        (Status.ACTIVE, False, Seat.MEMBER, 2, None, rules.AlreadyInGroupError),
        (Status.ACTIVE, False, Seat.LEAD, 2, None, rules.AlreadyInGroupError),
        (Status.ACTIVE, True, Seat.REQUESTED, 2, None, rules.AlreadyRequestedError),
        (Status.ACTIVE, False, Seat.WAITLISTED, 3, 3, rules.AlreadyWaitlistedError),
        (Status.ARCHIVED, False, None, 2, None, rules.GroupArchivedError),
        (Status.PENDING, False, None, 1, None, rules.GroupNotActiveError),
    ],
)
def test_where_a_member_lands_who_asks_to_join(
    status: Status, private: bool, current: Seat | None, seated: int, cap: int | None, landed: object
) -> None:
    def decide() -> Seat:
        return rules.join_seat(status=status, private=private, current=current, seated=seated, cap=cap)

    if isinstance(landed, type):
        with pytest.raises(landed):
            decide()
    else:
        assert decide() == landed


@pytest.mark.parametrize(
    ("current", "leads", "seated", "error"),
    [
        (Seat.MEMBER, 1, 3, None),
        (Seat.LEAD, 2, 3, None),
        (Seat.LEAD, 1, 3, rules.LastLeadError),
        (Seat.LEAD, 1, 1, rules.LastMemberError),
        (None, 1, 3, rules.NotInGroupError),
    ],
)
def test_the_last_lead_hands_over_before_leaving(
    current: Seat | None, leads: int, seated: int, error: type[UserError] | None
) -> None:
    if error is None:
        rules.check_leave(current=current, leads=leads, seated=seated)
    else:
        with pytest.raises(error):
            rules.check_leave(current=current, leads=leads, seated=seated)


def test_the_longest_seated_member_succeeds_a_lead_who_is_gone() -> None:
    seats = [(1, Seat.LEAD, NOW), (2, Seat.MEMBER, NOW + timedelta(days=2)), (3, Seat.MEMBER, NOW + timedelta(days=1))]
    assert rules.successor(seats, leaving=1) == 3
    assert rules.successor([(1, Seat.LEAD, NOW), (4, Seat.WAITLISTED, NOW)], leaving=1) is None


@pytest.mark.parametrize(
    ("text", "links"),
    [
        ("", []),
        ("https://a.example/x\nhttp://b.example", ["https://a.example/x", "http://b.example"]),
        ("https://a.example https://a.example", ["https://a.example"]),
    ],
)
def test_links_are_web_links_without_duplicates(text: str, links: list[str]) -> None:
    assert rules.parse_links(text) == links


@pytest.mark.parametrize(
    "text", ["ftp://x", "see the repo", "javascript:alert(1)", " ".join(f"https://{i}.x" for i in range(11))]
)
def test_anything_else_than_up_to_ten_web_links_is_refused(text: str) -> None:
    with pytest.raises(rules.LinkInvalidError):
        rules.parse_links(text)


# --- rhythm ----------------------------------------------------------------------------------------------------


def test_check_ins_start_one_period_later_at_ten_in_the_server_time_zone() -> None:
    first = rules.first_checkin(NOW, PARIS, Cadence.WEEKLY)
    assert first == datetime(2026, 3, 9, 10, 0, tzinfo=PARIS)
    second = rules.first_checkin(NOW, PARIS, Cadence.BIWEEKLY)
    assert second.astimezone(PARIS).date().isoformat() == "2026-03-16"
    monday = rules.next_local(NOW, PARIS, weekday=0)
    assert monday == datetime(2026, 3, 9, 10, 0, tzinfo=PARIS)  # NOW is Monday 13:00 in Paris


@pytest.mark.parametrize(
    ("quiet_days", "reminded_days_ago", "silence_days", "silent"),
    [
        (3, None, 7, False),
        (7, None, 7, True),
        (10, 2, 7, False),  # reminded during this quiet spell: once is enough
        (10, 12, 7, True),  # reminded before it last spoke: a new quiet spell
        (30, None, 0, False),  # reminders off
    ],
)
def test_a_silent_group_is_reminded_once_per_quiet_spell(
    quiet_days: int, reminded_days_ago: int | None, silence_days: int, silent: bool
) -> None:
    reminded = NOW - timedelta(days=reminded_days_ago) if reminded_days_ago is not None else None
    last = NOW - timedelta(days=quiet_days)
    assert rules.is_silent(last, reminded, now=NOW, silence_days=silence_days) is silent


# --- teams -----------------------------------------------------------------------------------------------------


def test_time_zones_wrap_around_the_clock() -> None:
    assert hours_apart(-11, 13) == 0
    assert hours_apart(1, -5) == 6
    assert hours_apart(10, -10) == 4


@pytest.mark.parametrize(("members", "size", "teams"), [(10, 4, 3), (8, 2, 4), (3, 5, 1), (25, 5, 5)])
def test_as_few_teams_as_fit_the_size(members: int, size: int, teams: int) -> None:
    assert team_count(members, size) == teams


def test_time_zone_seeds_cut_the_clock_where_people_are_apart() -> None:
    centers = seed_centers([1, 1, 2, 2, -5, -5, -6, -6], 2)
    assert sorted(round(center, 3) for center in centers) == [1.5, 18.5]  # UTC+1:30 and UTC-5:30


def test_teams_mix_skills_and_keep_time_zones_close() -> None:
    europe = [Candidate(i, frozenset({"python"}), 1.0) for i in (1, 2)] + [
        Candidate(i, frozenset({"design"}), 2.0) for i in (3, 4)
    ]
    americas = [Candidate(i, frozenset({"python"}), -5.0) for i in (5, 6)] + [
        Candidate(i, frozenset({"design"}), -6.0) for i in (7, 8)
    ]
    teams = form_teams(europe + americas, 2)
    assert len(teams) == 4
    for team in teams:
        assert team.skills == {"python", "design"}, team.member_ids
        assert spread(team) <= 1.0, team.member_ids


def test_team_sizes_differ_by_one_at_most_and_never_pass_the_size() -> None:
    people = [Candidate(i, frozenset({f"s{i % 3}"}), float(i % 5)) for i in range(1, 12)]
    teams = form_teams(people, 4)
    assert sorted(len(team.members) for team in teams) == [3, 4, 4]
    assert sorted(member for team in teams for member in team.member_ids) == list(range(1, 12))


def test_a_skill_s_holders_are_spread_over_the_teams() -> None:
    # Six Python developers among 12, teams of 3: each team gets one or two, never three.
    people = [Candidate(i, frozenset({"python"} if i <= 6 else {f"other{i}"}), 0.0) for i in range(1, 13)]
    teams = form_teams(people, 3)
    assert [len(team.members) for team in teams] == [3, 3, 3, 3]
    assert all(1 <= sum("python" in member.skills for member in team.members) <= 2 for team in teams)


def test_forming_the_same_cohort_twice_gives_the_same_teams() -> None:
    people = [Candidate(i, frozenset({f"s{i % 4}"}), float((i * 7) % 12 - 6)) for i in range(1, 30)]
    first = [team.member_ids for team in form_teams(people, 5)]
    assert first == [team.member_ids for team in form_teams(list(reversed(people)), 5)]


# --- suggestions -----------------------------------------------------------------------------------------------


def test_suggestions_rank_shared_skills_then_goals_then_near_time_zones() -> None:
    seekers = [
        Seeker(1, ("cooking",), "", 1.0),
        Seeker(2, ("Data visualisation",), "", 9.0),
        Seeker(3, ("Python", "data"), "", 1.0),
        Seeker(4, (), "I want to build a dashboard", 1.0),
        Seeker(5, ("Designer",), "", 1.0),
    ]
    ranked = rank("Data Club: a dashboard of our data, design welcome", 1.0, seekers)
    assert [item.member_id for item in ranked] == [3, 5, 2, 4, 1]
    assert ranked[0].skills == ("data",) and ranked[2].hours == 8
    assert ranked[-1].skills == () and not ranked[-1].goals  # opted in, fits nothing: still listed, last


def test_a_profile_time_zone_gives_its_offset_now() -> None:
    assert offset_of("Europe/Paris", NOW) == 1.0
    assert offset_of("Europe/Paris", datetime(2026, 7, 1, tzinfo=UTC)) == 2.0
    assert offset_of("Not/AZone", NOW) is None and offset_of(None, NOW) is None


# --- use cases on a database -------------------------------------------------------------------------------------


async def new_group(db: Database, name: str = "Data Club", *, creator: int = 10, **options: object) -> Group:
    defaults: dict[str, object] = {
        "purpose": "Build a dashboard",
        "cap": None,
        "private": False,
        "with_role": False,
        "space": Space.THREAD,
        "parent_id": 5,
        "needs_approval": False,
    }
    async with db.transaction() as session:
        group = await service.start_group(
            session,
            GUILD,
            name=name,
            creator_id=creator,
            now=NOW,
            **(defaults | options),  # type: ignore[arg-type]
        )
        await service.record_space(session, group.id, space_id=group.id + 1000)
        if group.status == Status.CREATING:
            group = await service.activate_group(session, group.id, now=NOW)
    return group


async def seat_map(db: Database, group_id: int) -> dict[int, str]:
    async with db.transaction() as session:
        return {seat.member_id: seat.seat for seat in await members.seats(session, group_id)}


async def test_a_name_is_taken_until_its_group_is_archived(db: Database) -> None:
    group = await new_group(db, "Café Créatif")
    with pytest.raises(rules.GroupNameTakenError) as taken:
        await new_group(db, "cafe  CREATIF")
    assert taken.value.params == {"name": "Café Créatif"}
    async with db.transaction() as session:
        found = await members.lock_group(session, group.id)
        await projects.archive_group(session, found, summary="Done", links="", now=NOW)
    again = await new_group(db, "Cafe creatif")
    assert again.status == Status.ACTIVE


async def test_a_discarded_creation_leaves_nothing(db: Database) -> None:
    async with db.transaction() as session:
        group = await service.start_group(
            session,
            GUILD,
            name="Ghost",
            purpose="x",
            cap=None,
            private=False,
            with_role=False,
            creator_id=1,
            space=Space.THREAD,
            parent_id=None,
            needs_approval=False,
            now=NOW,
        )
    assert group.status == Status.CREATING
    async with db.transaction() as session:
        await service.discard_group(session, group.id)
    async with db.transaction() as session:
        assert await session.get(Group, group.id) is None
        assert await members.seats(session, group.id) == []
    await new_group(db, "ghost")  # the name is free again


async def test_joining_fills_the_cap_then_the_waitlist_then_a_leave_seats_the_first_waiting(db: Database) -> None:
    group = await new_group(db, cap=3)
    async with db.transaction() as session:
        found = await members.lock_group(session, group.id)
        assert (await members.join_group(session, found, 11, now=NOW)).seat == Seat.MEMBER
        assert (await members.join_group(session, found, 12, now=NOW)).seat == Seat.MEMBER
        assert await members.join_group(session, found, 13, now=NOW) == members.Joined(Seat.WAITLISTED, 1)
        assert await members.join_group(session, found, 14, now=NOW + timedelta(seconds=1)) == members.Joined(
            Seat.WAITLISTED, 2
        )
        left = await members.leave_group(session, found, 11, now=NOW)
    assert left.promoted == [13]
    assert await seat_map(db, group.id) == {10: Seat.LEAD, 12: Seat.MEMBER, 13: Seat.MEMBER, 14: Seat.WAITLISTED}


async def test_a_cap_below_the_size_is_refused_and_a_raised_one_seats_the_waitlist(db: Database) -> None:
    group = await new_group(db, cap=3)
    async with db.transaction() as session:
        found = await members.lock_group(session, group.id)
        await members.join_group(session, found, 11, now=NOW)
        await members.join_group(session, found, 12, now=NOW)
        await members.join_group(session, found, 13, now=NOW)
        with pytest.raises(rules.GroupCapBelowSizeError):
            await members.edit_group(session, found, cap=2, now=NOW)
    async with db.transaction() as session:
        found = await members.lock_group(session, group.id)
        assert await members.edit_group(session, found, cap=5, now=NOW) == [13]


async def test_private_groups_take_requests_that_a_lead_answers(db: Database) -> None:
    group = await new_group(db, private=True, cap=2)
    async with db.transaction() as session:
        found = await members.lock_group(session, group.id)
        assert (await members.join_group(session, found, 11, now=NOW)).seat == Seat.REQUESTED
        assert (await members.join_group(session, found, 12, now=NOW)).seat == Seat.REQUESTED
        assert await members.answer_request(session, found, 11, accept=True, now=NOW) == members.Joined(Seat.MEMBER)
        full = await members.answer_request(session, found, 12, accept=True, now=NOW)
        assert full == members.Joined(Seat.WAITLISTED, 1)
        assert await members.answer_request(session, found, 99, accept=True, now=NOW) is None


async def test_invitations_come_from_inside_and_let_the_invitee_skip_the_request(db: Database) -> None:
    group = await new_group(db, private=True)
    async with db.transaction() as session:
        found = await members.lock_group(session, group.id)
        with pytest.raises(rules.NotInGroupError):
            await members.invite_member(session, found, 99, 20, invitee_is_bot=False, now=NOW)
        with pytest.raises(rules.InviteBotError):
            await members.invite_member(session, found, 10, 21, invitee_is_bot=True, now=NOW)
        await members.invite_member(session, found, 10, 20, invitee_is_bot=False, now=NOW)
        with pytest.raises(rules.AlreadyInvitedError):
            await members.invite_member(session, found, 10, 20, invitee_is_bot=False, now=NOW)
        assert (await members.join_group(session, found, 20, now=NOW)).seat == Seat.MEMBER
        with pytest.raises(rules.NotLeadError):  # only leads invite to a private group
            await members.invite_member(session, found, 20, 22, invitee_is_bot=False, now=NOW)


async def test_the_lead_hands_over_and_the_last_lead_cannot_leave(db: Database) -> None:
    group = await new_group(db)
    async with db.transaction() as session:
        found = await members.lock_group(session, group.id)
        with pytest.raises(rules.LastMemberError):
            await members.leave_group(session, found, 10, now=NOW)
        await members.join_group(session, found, 11, now=NOW)
        with pytest.raises(rules.LastLeadError):
            await members.leave_group(session, found, 10, now=NOW)
        with pytest.raises(rules.LeadTargetError):
            await members.transfer_lead(session, found, 10, 99, host=False)
        with pytest.raises(rules.NotLeadError):
            await members.transfer_lead(session, found, 11, 10, host=False)
        assert await members.transfer_lead(session, found, 10, 11, host=False) == 10
        await members.leave_group(session, found, 10, now=NOW)
    assert await seat_map(db, group.id) == {11: Seat.LEAD}


async def test_a_lead_who_leaves_the_server_is_succeeded_and_their_seat_goes_to_the_waitlist(db: Database) -> None:
    group = await new_group(db, cap=2)
    async with db.transaction() as session:
        found = await members.lock_group(session, group.id)
        await members.join_group(session, found, 11, now=NOW)
        await members.join_group(session, found, 12, now=NOW)
        [gone] = await members.member_gone(session, GUILD, 10, now=NOW)
    assert (gone.seat, gone.new_lead, gone.promoted) == (Seat.LEAD, 11, [12])
    assert await seat_map(db, group.id) == {11: Seat.LEAD, 12: Seat.MEMBER}


async def test_archiving_records_the_project_that_other_capabilities_read(db: Database) -> None:
    group = await new_group(db, cap=2)
    async with db.transaction() as session:
        found = await members.lock_group(session, group.id)
        await members.join_group(session, found, 11, now=NOW)
        await members.join_group(session, found, 12, now=NOW)  # waitlisted: not a project member
        await rhythm.set_checkin(session, found, Cadence.WEEKLY, zone=PARIS, now=NOW)
        finished = await projects.archive_group(
            session, found, summary=" A dashboard ", links="https://example.org/dash", now=NOW
        )
    assert (finished.member_ids, finished.lead_ids, finished.summary) == ((10, 11), (10,), "A dashboard")
    async with db.transaction() as session:
        [read] = await projects.finished_projects(session, GUILD, member_id=11)
        assert read == finished and await projects.finished_projects(session, GUILD, member_id=12) == []
        assert await projects.finished_projects(session, GUILD, since=NOW + timedelta(days=1)) == []
        job = await session.scalar(select(ScheduledJob).where(ScheduledJob.kind == projects.CHECKIN_JOB))
        assert job is not None and job.state == JobState.CANCELLED
        found = await members.lock_group(session, group.id)
        assert found.status == Status.ARCHIVED and await seat_map(db, group.id) == {10: Seat.LEAD, 11: Seat.MEMBER}
        with pytest.raises(rules.GroupArchivedError):
            await members.join_group(session, found, 13, now=NOW)


async def test_the_list_pages_active_groups_busiest_first_and_committees_apart(db: Database) -> None:
    for number in range(1, 12):
        group = await new_group(db, f"Group {number:02d}", creator=number)
        async with db.transaction() as session:
            await service.note_activity(session, group.id, now=NOW + timedelta(hours=number))
    async with db.transaction() as session:
        committee = await service.find_group(session, GUILD, "group 03")
        await members.set_committee(session, committee, True)
        first = await service.list_groups(session, GUILD, committees=False, page=1, per_page=8)
        second = await service.list_groups(session, GUILD, committees=False, page=2, per_page=8)
        committees = await service.list_groups(session, GUILD, committees=True, page=9, per_page=8)
    assert (first.total, first.pages, second.number) == (10, 2, 2)
    assert [item.group.name for item in first.items][:2] == ["Group 11", "Group 10"]
    assert [item.group.name for item in second.items] == ["Group 02", "Group 01"]
    assert [item.group.name for item in committees.items] == ["Group 03"] and committees.number == 1
    assert first.items[0].seated == 1


async def test_groups_are_found_by_id_or_name_and_autocompleted(db: Database) -> None:
    group = await new_group(db, "Équipe Été")
    async with db.transaction() as session:
        assert (await service.find_group(session, GUILD, str(group.id))).id == group.id
        assert (await service.find_group(session, GUILD, "equipe ete")).id == group.id
        with pytest.raises(rules.GroupUnknownError):
            await service.find_group(session, GUILD, "nothing here")
        assert await service.group_choices(session, GUILD, "ete") == [(group.id, "Équipe Été")]
        assert await service.group_choices(session, GUILD, "zz%") == []  # "%" is no wildcard
        assert await service.group_choices(session, GUILD, "", member_id=10) == [(group.id, "Équipe Été")]
        assert await service.group_choices(session, GUILD, "", member_id=11) == []


async def test_silent_groups_and_the_health_report(db: Database) -> None:
    quiet = await new_group(db, "Quiet Ones")
    busy = await new_group(db, "Busy Bees", cap=2)
    async with db.transaction() as session:
        await service.note_activity(session, busy.id, now=NOW + timedelta(days=9))
        found = await members.lock_group(session, busy.id)
        await members.join_group(session, found, 11, now=NOW)
        await members.join_group(session, found, 12, now=NOW)
        days, silent = await rhythm.silent_groups(session, GUILD, now=NOW + timedelta(days=10))
        assert (days, [group.name for group in silent]) == (7, ["Quiet Ones"])
        await rhythm.mark_reminded(session, quiet.id, now=NOW + timedelta(days=10))
        assert (await rhythm.silent_groups(session, GUILD, now=NOW + timedelta(days=11)))[1] == []
        report, pending = await rhythm.health_report(session, GUILD, now=NOW + timedelta(days=10))
    assert [(item.name, item.silent, item.full, item.waiting) for item in report] == [
        ("Quiet Ones", True, False, 0),
        ("Busy Bees", False, True, 1),
    ]
    assert pending == 0


async def test_approval_keeps_a_group_pending_until_a_host_decides(db: Database) -> None:
    group = await new_group(db, "Needs Yes", needs_approval=True)
    assert group.status == Status.PENDING
    with pytest.raises(rules.GroupNameTakenError):
        await new_group(db, "needs yes")
    async with db.transaction() as session:
        found = await members.lock_group(session, group.id)
        await service.approve_group(session, found, now=NOW)
        assert found.status == Status.CREATING and found.approved_at == NOW
        await service.unapprove_group(session, found.id)
    async with db.transaction() as session:
        found = await members.lock_group(session, group.id)
        assert found.status == Status.PENDING
        await service.reject_group(session, found)
    await new_group(db, "Needs yes")  # a rejected name is free


async def test_check_ins_and_digest_are_scheduled_once(db: Database) -> None:
    group = await new_group(db)
    async with db.transaction() as session:
        found = await members.lock_group(session, group.id)
        first = await rhythm.set_checkin(session, found, Cadence.BIWEEKLY, zone=PARIS, now=NOW)
        assert first is not None and first.astimezone(PARIS).hour == 10
        await rhythm.ensure_sweep(session, GUILD, zone=PARIS, now=NOW)
        await rhythm.ensure_sweep(session, GUILD, zone=PARIS, now=NOW + timedelta(hours=1))
        await rhythm.set_digest(session, GUILD, True, zone=PARIS, now=NOW)
        rows = list(await session.scalars(select(ScheduledJob)))
        assert sorted((row.kind, row.rrule) for row in rows) == [
            ("groups.checkin", "FREQ=WEEKLY;INTERVAL=2"),
            ("groups.digest", "FREQ=WEEKLY"),
            ("groups.sweep", "FREQ=DAILY"),
        ]
        assert await rhythm.set_checkin(session, found, Cadence.OFF, zone=PARIS, now=NOW) is None


async def test_a_member_s_data_is_exported_and_forgotten(db: Database) -> None:
    group = await new_group(db)
    async with db.transaction() as session:
        found = await members.lock_group(session, group.id)
        await members.join_group(session, found, 11, now=NOW)
        await service.set_available(session, GUILD, 11, True, now=NOW)
        await projects.save_formation(session, GUILD, created_by=10, prefix="Cohort", teams=[[10, 11]], now=NOW)
    async with db.transaction() as session:
        exported = await service.export_member(session, GUILD, 11)
    assert exported["groups"][0]["group"] == "Data Club" and exported["open_to_suggestions_since"]
    async with db.transaction() as session:
        found = await members.lock_group(session, group.id)
        await projects.archive_group(session, found, summary="x", links="", now=NOW)
        assert await service.forget_member(session, GUILD, 11, now=NOW) >= 3
        assert await service.forget_member(session, GUILD, 10, now=NOW) >= 1
    async with db.transaction() as session:
        assert await service.export_member(session, GUILD, 11) == {
            "groups": [],
            "groups_created": [],
            "projects": [],
            "open_to_suggestions_since": None,
        }
        [project] = await projects.finished_projects(session, GUILD)
        assert project.member_ids == ()
        assert (await session.get_one(Group, group.id)).created_by is None
