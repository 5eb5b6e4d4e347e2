"""Privacy on a real database: every column holding a member id is covered by a capability's `MemberData`; a member
who used every capability is exported whole and erased whole (checked by reading every column of every table),
aggregates staying right; retention; packing exports under Discord's file limit."""

from __future__ import annotations

import io
import json
import random
import re
import zipfile
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import BigInteger, Column, func, select

import models.registry  # noqa: F401  (every table)
from bot.database import Database
from models import profiles
from models.base import Base
from models.conduct import service as conduct
from models.groups import members as group_members
from models.groups import projects
from models.groups import rules as group_rules
from models.groups import service as groups
from models.insights import service as insights
from models.knowledge import index, resources
from models.knowledge import service as knowledge
from models.knowledge.rules import Kind, Level, Mark
from models.knowledge.search import Filters
from models.localized import Localized
from models.mentoring import pairs, rounds
from models.mentoring import service as mentoring
from models.mentoring.rules import Weights
from models.mentoring.service import OfferText, RequestText
from models.onboarding import service as onboarding
from models.polls import rules as poll_rules
from models.polls import service as polls
from models.polls.rules import Action, VoteOp
from models.polls.tables import PollKey, PollOption
from models.privacy import catalogue, departures, service
from models.privacy.interface import column_of
from models.privacy.policy import PrivacyPolicy, RetentionPolicy
from models.privacy.rules import NothingHeldError, batches, counts, package
from models.profiles import ProfileText
from models.recognition import kudos, milestones
from models.recognition import service as recognition
from models.recognition.kudos import KudosOp
from models.recognition.rules import Action as KudosAction
from models.recognition.rules import MilestoneKind, Source
from models.recognition.tables import Kudos, KudosTally
from models.sessions import attendance, feedback, rsvp
from models.sessions import series as sessions
from models.sessions.recurrence import Repeat
from models.sessions.rules import Status
from models.sessions.tables import FeedbackAnswer, SessionDelivery, SessionOccurrence
from tests.support.privacy import mentions
from tests.support.welcome import questionnaire

NOW = datetime(2027, 3, 1, 12, 0, tzinfo=UTC)
PARIS = ZoneInfo("Europe/Paris")
GUILD = 700000000000000001
# Realistic snowflakes, so that finding one as text anywhere in the database means it is really there.
ADA, BOB, CY, DEE = 412345678901234567, 423456789012345678, 434567890123456789, 445678901234567890

# Discord ids that never name a member: where a column's name ends like this, it is not a member's id.
NOT_A_MEMBER = re.compile(r"(^|_)(guild|channel|message|role|thread|event|tag|forum|parent|space|application)(_id)?$")
# Snowflake columns named otherwise that hold something else, and why.
NOT_MEMBER_IDS = {("session_deliveries", "subject"): "the occurrence or feedback round a delivery is about"}


def snowflake_columns() -> list[Column[Any]]:
    return [
        column
        for table in Base.metadata.sorted_tables
        for column in table.columns
        if isinstance(column.type, BigInteger)
    ]


def test_every_column_that_can_hold_a_member_id_is_covered() -> None:
    """The rule: a Snowflake column not named after a guild, channel, message, role, thread, event, tag, forum or
    the application holds a member id, unless it is a keyed hash of one or listed in NOT_MEMBER_IDS with a reason.
    A new table with `…_by`, `member_id`, `giver_id`… fails here until its capability declares it."""
    declared = {(c.table.name, c.name) for c in catalogue.member_columns()}
    hashed = {(c.table.name, c.name) for c in catalogue.hashed_columns()}
    holding = {
        (column.table.name, column.name)
        for column in snowflake_columns()
        if not NOT_A_MEMBER.search(column.name) and (column.table.name, column.name) not in NOT_MEMBER_IDS
    }
    assert len(holding) > 50
    assert sorted(holding - declared - hashed) == [], "declare these in the capability's MemberData.columns"


def test_declared_columns_are_snowflakes_of_tables_scoped_by_guild() -> None:
    for holder in catalogue.holders():
        for attribute in (*holder.columns, *holder.hashed):
            column = column_of(attribute)
            assert isinstance(column.type, BigInteger), column
            assert "guild_id" in column.table.c, f"{column.table.name} has no guild_id"
    assert {(c.table.name, c.name) for c in snowflake_columns()} >= set(NOT_MEMBER_IDS)
    names = [holder.name for holder in catalogue.holders()]
    assert len(names) == len(set(names))


def test_every_retention_kind_is_in_the_configuration_and_back() -> None:
    assert set(catalogue.retention_kinds()) == set(RetentionPolicy.model_fields)


def test_an_export_fits_discords_limit_whole_zipped_or_in_parts() -> None:
    small = b'{"a": 1}'
    assert package(small, "me", limit=100) == [("me.json", small)]
    text = json.dumps({"words": ["same"] * 5000}).encode()
    (zipped,) = package(text, "me", limit=len(text) - 1)
    assert zipped[0] == "me.zip"
    with zipfile.ZipFile(io.BytesIO(zipped[1])) as archive:
        assert archive.read("me.json") == text
    noise = random.Random(1).randbytes(50_000)  # does not compress
    parts = package(noise, "me", limit=10_000)
    assert [name for name, _ in parts][:2] == ["me.zip.001", "me.zip.002"]
    assert all(len(part) <= 10_000 for _, part in parts)
    with zipfile.ZipFile(io.BytesIO(b"".join(part for _, part in parts))) as archive:
        assert archive.read("me.json") == noise


def test_summary_counts_what_each_capability_holds() -> None:
    exported: dict[str, dict[str, Any]] = {
        "profiles": {"profile": {"goals": "x"}},
        "polls": {"polls_asked": [], "poll_votes": [1, 2]},
    }
    assert counts(exported) == {"profiles": 1, "polls": 2}


def test_retention_values_are_days_or_forever() -> None:
    policy = PrivacyPolicy.model_validate({"retention": {"onboarding_answers": "forever", "kudos_reasons": 30}})
    assert policy.retention.onboarding_answers is None and policy.retention.kudos_reasons == 30
    with pytest.raises(ValueError, match="number of days"):
        PrivacyPolicy.model_validate({"retention": {"feedback_comments": 0}})
    with pytest.raises(ValueError, match="extra"):
        PrivacyPolicy.model_validate({"retention": {"chat_logs": 3}})


# --- one member who used every capability ---------------------------------------------------------------------


async def seed(db: Database) -> dict[str, int]:
    """ADA uses every capability, as a member and as a host, through the capabilities' own use cases; BOB, CY and DEE
    are the people around her. Returns ids the assertions need."""
    ids: dict[str, int] = {}
    async with db.transaction() as session:
        # profile, onboarding, code of conduct (ADA publishes it as a host, then accepts it and files a report)
        await profiles.edit_profile(session, GUILD, ADA, ProfileText(skills_to_learn="Rust", goals="Ship"), now=NOW)
        await onboarding.record_join(session, GUILD, ADA, joined_at=NOW)
        await onboarding.record_greeting(
            session, GUILD, ADA, channel_id=1, message_id=2, remind_at=NOW + timedelta(days=2), now=NOW
        )
        await onboarding.submit_answers(session, questionnaire().questions, GUILD, ADA, {"learn": ["web"]}, now=NOW)
        await conduct.save_draft(session, GUILD, "en", "Be kind.", member_id=ADA, now=NOW)
        texts = Localized({"en": "Be kind.", "fr": "Soyez bienveillants."})
        await conduct.publish(session, GUILD, texts, member_id=ADA, now=NOW)
        await conduct.accept_version(session, GUILD, ADA, version=1, now=NOW)
        await conduct.accept_version(session, GUILD, BOB, version=1, now=NOW)
        await conduct.file_report(session, GUILD, reporter_id=ADA, anonymous=False, channel_id=3, text="Rude", now=NOW)
    # polls: ADA asks one, votes in a public poll that then closes, and in an open anonymous one
    async with db.transaction() as session:
        drafted = poll_rules.draft_poll(question="Next?", options="a; b", closing=None, now=NOW, zone=PARIS)
        public = await polls.create_poll(
            session, guild_id=GUILD, channel_id=5, author_id=ADA, draft=drafted, language="en", now=NOW
        )
        secret_draft = poll_rules.draft_poll(
            question="Secret?", options="a; b", closing=None, now=NOW, zone=PARIS, anonymous=True
        )
        secret = await polls.create_poll(
            session, guild_id=GUILD, channel_id=5, author_id=BOB, draft=secret_draft, language="en", now=NOW
        )
        key = await session.scalar(select(PollKey.key).where(PollKey.poll_id == secret.id))
        assert key is not None
        a, b = (option.id for option in public.options)
        votes = [VoteOp(public.id, ADA, a, Action.ADD), VoteOp(public.id, BOB, a, Action.ADD)]
        votes += [VoteOp(public.id, CY, b, Action.ADD)]
        votes += [VoteOp(secret.id, poll_rules.ballot_id(key, ADA), secret.options[0].id, Action.TOGGLE)]
        votes += [VoteOp(secret.id, poll_rules.ballot_id(key, BOB), secret.options[0].id, Action.TOGGLE)]
        await polls.apply_votes(session, votes, now=NOW)
    async with db.transaction() as session:
        await polls.close_poll(session, public.id, now=NOW, reason=polls.CloseReason.DEADLINE)
        ids |= {"public_poll": public.id, "option_a": a, "secret_poll": secret.id}
    # groups: ADA starts one, BOB joins on her invitation, a project finishes, she is open to suggestions
    async with db.transaction() as session:
        group = await groups.start_group(
            session,
            GUILD,
            name="Data Club",
            purpose="Build a dashboard",
            cap=None,
            private=False,
            with_role=False,
            space=group_rules.Space.THREAD,
            parent_id=5,
            needs_approval=False,
            creator_id=ADA,
            now=NOW,
        )
        await groups.record_space(session, group.id, space_id=group.id + 1000)
        await groups.activate_group(session, group.id, now=NOW)
        found = await group_members.lock_group(session, group.id)
        await group_members.join_group(session, found, BOB, now=NOW)
        await groups.set_available(session, GUILD, ADA, True, now=NOW)
        await projects.save_formation(session, GUILD, created_by=ADA, prefix="Cohort", teams=[[ADA, BOB]], now=NOW)
    # knowledge: ADA's post is indexed, she saves BOB's, searches, suggests and votes on a resource
    async with db.transaction() as session:
        await index.index_message(session, index.Draft(GUILD, 10, 9001, ADA, "Caching an API", NOW, Kind.POST))
        await index.index_message(
            session, index.Draft(GUILD, 10, 9002, BOB, "Testing an API", NOW, Kind.SAVED, saved_by=ADA)
        )
        await knowledge.start_search(session, GUILD, ADA, "api", Filters(), now=NOW)
        await knowledge.start_search(session, GUILD, BOB, "api", Filters(author_id=ADA), now=NOW)
        resource = await resources.suggest(
            session,
            GUILD,
            ADA,
            url="https://a.example",
            title="A",
            topic="t",
            level=Level.BEGINNER,
            language="en",
            now=NOW,
        )
        await resources.decide(session, GUILD, resource.id, approve=True, host_id=ADA, now=NOW)
        await resources.upvote(session, GUILD, resource.id, ADA)
        await resources.mark(session, GUILD, resource.id, ADA, Mark.TO_READ, now=NOW)
    # mentoring: ADA (mentee) with BOB (mentor), a round CY ran; the pair ends and ADA rates it
    async with db.transaction() as session:
        await mentoring.save_offer(session, GUILD, BOB, OfferText("1", "python", "en"), language="en", now=NOW)
        await mentoring.save_request(session, GUILD, ADA, RequestText("python", "", "en"), language="en", now=NOW)
    async with db.transaction() as session:
        preview = await rounds.plan_round(session, GUILD, Weights(3, 1, 1), host_id=CY, now=NOW)
        (proposal,) = (await rounds.publish_round(session, preview.round.id, host_id=CY, now=NOW)).proposals
        await pairs.accept(session, proposal.id, BOB, now=NOW)
        pair = (await pairs.accept(session, proposal.id, ADA, now=NOW)).pair
    async with db.transaction() as session:
        await pairs.end(session, pair.id, by=ADA, now=NOW)
        await pairs.rate(session, pair.id, ADA, 4, now=NOW)
    # sessions: ADA plans a series, RSVPs, attends, answers feedback signed; BOB answers too
    plan, _ = sessions.plan_series(
        title="Reading club",
        format="reading_club",
        start="2027-03-16 18:00",
        duration="1h",
        zone=PARIS,
        now=NOW,
        repeat=Repeat.WEEKLY,
        count=3,
        channel_id=555,
    )
    async with db.transaction() as session:
        await sessions.create_series(session, GUILD, plan, description=None, created_by=ADA, now=NOW)
        first = await session.scalar(select(SessionOccurrence).order_by(SessionOccurrence.slot).limit(1))
        assert first is not None
        await rsvp.answer(session, first.id, ADA, Status.GOING, source="button", now=NOW)
        await rsvp.choose_reminders(session, GUILD, ADA, [15], now=NOW)
        await attendance.joined(session, first, ADA, now=first.starts_at)
        await attendance.left(session, first, ADA, now=first.ends_at)
        ask = await feedback.open_round(
            session, GUILD, now=NOW, closes_at=NOW + timedelta(days=3), occurrence_id=first.id
        )
        await feedback.add_prompts(session, ask, [ADA, BOB], [], now=NOW)
        await feedback.submit(session, ask.id, ADA, anonymous=False, rating="5", worked="Great", improve=None, now=NOW)
        await feedback.submit(session, ask.id, BOB, anonymous=False, rating="3", worked=None, improve=None, now=NOW)
        ids["round"] = ask.id
    # recognition: ADA thanks BOB twice, CY thanks ADA; a milestone; preferences
    ops = [
        KudosOp(KudosAction.GIVE, GUILD, ADA, BOB, "teach", source=Source.COMMAND, reason="for decorators"),
        KudosOp(KudosAction.GIVE, GUILD, ADA, BOB, "learn", source=Source.REACTION, message_id=77, channel_id=5),
        KudosOp(KudosAction.GIVE, GUILD, CY, ADA, "share", source=Source.COMMAND),
    ]
    async with db.transaction() as session:
        await kudos.apply_kudos(session, ops, now=NOW, default_zone="Europe/Paris")
        await milestones.report_milestone(session, GUILD, ADA, MilestoneKind.SHARED_POST, "9001", now=NOW)
        await recognition.set_preferences(session, GUILD, ADA, notices=False, named=None, now=NOW)
        await insights.set_weekly(session, GUILD, False, ZoneInfo("Europe/Paris"), by=ADA, now=NOW)  # as a host
    return ids


async def test_a_member_who_used_everything_is_exported_whole_then_erased_whole(db: Database) -> None:
    ids = await seed(db)
    assert len(await mentions(db, ADA)) > 25  # she is everywhere
    async with db.transaction() as session:
        exported = await service.export_member(session, GUILD, ADA, now=NOW)
    held = counts(exported["data"])
    every = {h.name for h in catalogue.holders()} - {"privacy"}
    assert set(held) == every, f"missing from the export: {every - set(held)}"
    data = exported["data"]
    assert data["polls"]["poll_votes"] == [{"question": "Next?", "option": "a", "voted_at": NOW.isoformat()}]
    assert data["recognition"]["kudos"][0]["reason"] == "for decorators"
    assert data["onboarding"]["onboarding_answers"] == {"learn": {"state": "answered", "value": ["web"]}}
    json.dumps(exported, default=str)

    async with db.transaction() as session:
        touched = await service.erase_member(session, GUILD, ADA, now=NOW)
    assert sum(touched.values()) > 25
    assert await mentions(db, ADA) == [], "the member's id is still in these columns"
    assert await mentions(db, BOB) != []  # the others are untouched

    async with db.transaction() as session:
        # a closed public poll keeps its counts; BOB's vote is still his
        options = {o.id: o.final_votes for o in await session.scalars(select(PollOption))}
        assert options[ids["option_a"]] == 2
        view = await polls.get_view(session, ids["public_poll"])
        assert (await polls.count_votes(session, view)).voters == 3
        # kudos ADA gave keep counting for BOB, without giver or reason
        given = list(await session.scalars(select(Kudos).where(Kudos.receiver_id == BOB)))
        assert [(k.giver_id, k.reason) for k in given] == [(0, None), (0, None)]
        tally = await session.scalar(
            select(KudosTally.total).where(
                KudosTally.member_id == BOB,
                KudosTally.period == "all",
                KudosTally.board == "received",
                KudosTally.category == "*",
            )
        )
        assert tally == 2
        # the session's feedback average keeps ADA's rating, nameless
        ratings = sorted(
            await session.scalars(select(FeedbackAnswer.rating).where(FeedbackAnswer.round_id == ids["round"]))
        )
        assert ratings == [3, 5]
        # the open anonymous poll lost ADA's ballot only
        secret = await polls.get_view(session, ids["secret_poll"])
        assert (await polls.count_votes(session, secret)).voters == 1
        with pytest.raises(NothingHeldError):
            await service.export_member(session, GUILD, ADA, now=NOW)
        with pytest.raises(NothingHeldError):  # erase asked twice
            await service.erase_member(session, GUILD, ADA, now=NOW)


async def test_an_erase_is_all_or_nothing(db: Database) -> None:
    await seed(db)
    before = await mentions(db, ADA)
    with pytest.raises(RuntimeError):
        async with db.transaction() as session:
            await service.erase_member(session, GUILD, ADA, now=NOW)
            raise RuntimeError("the bot stopped half-way")
    assert await mentions(db, ADA) == before


async def test_a_server_export_lists_every_member_with_data(db: Database) -> None:
    await seed(db)
    async with db.transaction() as session:
        members = await service.members_with_data(session, GUILD)
        exported = await service.export_guild(session, GUILD, now=NOW)
    assert {ADA, BOB, CY} <= members and 0 not in members
    assert exported["members"][str(ADA)]["profiles"]["profile"]["goals"] == "Ship"


async def test_retention_purges_old_data_and_keeps_what_counts(db: Database) -> None:
    await seed(db)
    later = NOW + timedelta(days=800)
    policy = RetentionPolicy(kudos_reasons=365, onboarding_answers="forever")
    async with db.transaction() as session:
        await feedback.close_round(session, (await session.get_one(FeedbackAnswer, 1)).round_id, now=NOW)
        purged = await service.apply_retention(session, policy.days(), now=later)
        assert purged["kudos_reasons"] == 1 and "onboarding_answers" not in purged
        assert purged["feedback_comments"] == 1 and purged["mentoring_comments"] == 0
        assert await session.scalar(select(func.count()).select_from(Kudos).where(Kudos.reason.is_not(None))) == 0
        assert await session.scalar(select(func.count()).select_from(Kudos)) == 3
        exported = await onboarding.export_member(session, GUILD, ADA)
        assert exported["onboarding_answers"]  # kept forever here
    async with db.transaction() as session:
        assert await service.apply_retention(session, policy.days(), now=later) == {
            "conduct_reports": 0,
            "kudos_reasons": 0,
            "feedback_comments": 0,
            "mentoring_comments": 0,
        }


async def test_retention_deletes_rows_older_than_it_and_keeps_newer_ones(db: Database) -> None:
    await seed(db)
    policy = RetentionPolicy(onboarding_answers=365)
    async with db.transaction() as session:
        purged = await service.apply_retention(session, policy.days(), now=NOW + timedelta(days=30))
        assert purged["onboarding_answers"] == 0
        assert (await onboarding.export_member(session, GUILD, ADA))["onboarding_answers"]
        purged = await service.apply_retention(session, policy.days(), now=NOW + timedelta(days=800))
        assert purged["onboarding_answers"] == 1
        assert not (await onboarding.export_member(session, GUILD, ADA))["onboarding_answers"]


async def test_a_departure_is_scheduled_once_and_cancelled_on_return(db: Database) -> None:
    async with db.transaction() as session:
        await departures.schedule(session, GUILD, ADA, due_at=NOW + timedelta(days=30))
        await departures.schedule(session, GUILD, ADA, due_at=NOW + timedelta(days=31))
        assert await departures.pending(session, GUILD) == {ADA: NOW + timedelta(days=30)}
        assert (await departures.export(session, GUILD, ADA))["erase_after_leaving_at"]
        assert await departures.cancel(session, GUILD, ADA)
        assert not await departures.cancel(session, GUILD, ADA)
        assert await departures.pending(session, GUILD) == {}


def test_files_are_sent_ten_at_most_and_under_the_limit_together() -> None:
    files = [(f"f{n}", b"x" * 40) for n in range(12)]
    assert [len(batch) for batch in batches(files, limit=1000)] == [10, 2]
    assert [len(batch) for batch in batches(files, limit=100)] == [2] * 6
    assert batches([], limit=100) == []


async def test_values_that_are_not_discord_ids_name_nobody(db: Database) -> None:
    """An erased author (0) and the sessions' ledger's revision numbers are not members to erase after leaving."""
    await seed(db)
    async with db.transaction() as session:
        await service.erase_member(session, GUILD, ADA, now=NOW)
        session.add(SessionDelivery(kind="event:1", subject=1, target=3, guild_id=GUILD, claimed_at=NOW))
        await session.flush()
        members = await service.members_with_data(session, GUILD)
    assert members == {BOB, CY}
