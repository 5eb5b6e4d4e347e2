"""Onboarding: the questionnaire's rules and use cases on a real database, then the member's whole path through the
emulator — greeting, conduct, every question type, resuming, reminders, host reports and bad input."""

from __future__ import annotations

import asyncio
import csv
import io
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.config import Settings
from bot.database import Database
from bot.errors import UserError
from models import guild_settings, profiles, scheduling
from models.base import utcnow
from models.export import to_csv
from models.guild_settings import ChannelPurpose
from models.onboarding import rules, service
from models.onboarding.questionnaire import Question
from models.onboarding.rules import AnswerState, FirstStep, Stage
from models.onboarding.tables import OnboardingMember
from models.scheduling import ScheduledJob
from playground.emulator import Emulator, MemberDriver, payloads
from playground.emulator.state import Interaction, Member, Message
from tests.conftest import AgoraHarness
from tests.support.welcome import (
    QUESTIONS,
    greeting_of,
    last,
    move_role,
    questionnaire,
    rejoin,
    role_names,
    run_jobs_now,
    set_up,
    slash,
    with_welcome,
)

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
GUILD, ALICE, BOB = 10, 1001, 1002


def questions() -> list[Question]:
    return questionnaire().questions


# --- rules -------------------------------------------------------------------------------------------------


def test_next_step_groups_consecutive_text_questions_and_skips_done_ones() -> None:
    qs = questions()
    step = rules.next_step(qs, [])
    assert step is not None and [q.id for q in step.questions] == ["learn"] and (step.first, step.total) == (1, 6)
    step = rules.next_step(qs, ["learn", "mentor", "level"])
    assert step is not None and [q.id for q in step.questions] == ["share", "zone", "goals"]
    assert (step.first, step.last) == (4, 6) and step.is_text
    step = rules.next_step(qs, ["learn", "mentor", "level", "share"])
    assert step is not None and [q.id for q in step.questions] == ["zone", "goals"]
    assert rules.next_step(qs, [q.id for q in qs]) is None


def test_a_modal_never_gets_more_than_five_inputs() -> None:
    many = [Question.model_validate({"id": f"t{n}", "type": "short", "fr": "q", "en": "q"}) for n in range(7)]
    step = rules.next_step(many, [])
    assert step is not None and len(step.questions) == 5
    step = rules.next_step(many, [f"t{n}" for n in range(5)])
    assert step is not None and [q.id for q in step.questions] == ["t5", "t6"]


def test_check_answer_for_every_type() -> None:
    learn, mentor, level, share, zone, goals = questions()
    assert rules.check_answer(learn, ["web", "python", "web"], number=1) == (AnswerState.ANSWERED, ["web", "python"])
    assert rules.check_answer(mentor, ["yes"], number=2) == (AnswerState.ANSWERED, ["yes"])
    assert rules.check_answer(level, ["4"], number=3) == (AnswerState.ANSWERED, 4)
    assert rules.check_answer(level, [], number=3) == (AnswerState.SKIPPED, None)
    assert rules.check_answer(share, "  cooking  ", number=4) == (AnswerState.ANSWERED, "cooking")
    assert rules.check_answer(zone, "America/Montreal", number=5) == (AnswerState.ANSWERED, "America/Montreal")
    assert rules.check_answer(goals, "   ", number=6) == (AnswerState.SKIPPED, None)


@pytest.mark.parametrize(
    ("index", "raw", "key"),
    [
        (0, [], "onboarding.answer.required"),
        (0, ["cobol"], "onboarding.answer.invalid_choice"),
        (1, ["yes", "no"], "onboarding.answer.invalid_choice"),
        (2, ["6"], "onboarding.answer.invalid_choice"),
        (3, "   ", "onboarding.answer.required"),
        (3, "x" * 101, "onboarding.answer.too_long"),
        (4, "Mars/Olympus", "onboarding.answer.timezone"),
        (4, "🌍" * 64, "onboarding.answer.timezone"),  # 256 bytes: ZoneInfo's file lookup fails with OSError
    ],
)
def test_check_answer_refuses_bad_input_with_the_question_number(index: int, raw: str | list[str], key: str) -> None:
    with pytest.raises(UserError) as caught:
        rules.check_answer(questions()[index], raw, number=index + 1)
    assert caught.value.key == key and caught.value.params["number"] == index + 1


def test_answers_give_roles_and_profile_fields() -> None:
    answers = {"learn": ["python", "data"], "mentor": ["yes"], "level": 3, "share": "cooking, maths", "zone": "UTC"}
    assert rules.roles_for(questions(), answers) == ["Pythonistas", "Mentors"]
    assert rules.profile_fills(questions(), answers) == {
        "skills_to_learn": ["python", "data science"],
        "mentor": True,
        "skills_to_share": ["cooking", "maths"],
        "timezone": "UTC",
    }


def test_funnel_counts_joined_started_finished_and_left_midway() -> None:
    at = NOW
    paths = [(None, None, None), (at, None, None), (at, at, None), (at, None, at), (at, at, at)]
    funnel = rules.funnel(paths)
    assert (funnel.joined, funnel.started, funnel.finished, funnel.left_midway) == (5, 4, 2, 1)
    assert (funnel.percent(funnel.started), funnel.percent(funnel.finished)) == (80, 40)
    assert rules.funnel([]).percent(0) == 0


def test_question_report_counts_choices_scale_and_lists_texts() -> None:
    learn, _, level, share, _, _ = questions()
    answered = AnswerState.ANSWERED
    report = rules.question_report(learn, [(answered, ["python", "web"]), (answered, ["python"]), ("draft", "x")])
    assert report.counts == [("python", 2), ("data", 0), ("web", 1)]
    report = rules.question_report(level, [(answered, 5), (AnswerState.SKIPPED, None)])
    assert report.counts == [("1", 0), ("2", 0), ("3", 0), ("4", 0), ("5", 1)] and report.skipped == 1
    report = rules.question_report(share, [(answered, "cooking")])
    assert report.texts == ["cooking"] and report.counts == []


@pytest.mark.parametrize(
    ("first", "questions_left", "published", "accepted", "stage"),
    [
        (FirstStep.CONDUCT, True, True, False, Stage.CONDUCT),
        (FirstStep.CONDUCT, True, True, True, Stage.QUESTIONS),
        (FirstStep.QUESTIONNAIRE, True, True, False, Stage.QUESTIONS),
        (FirstStep.QUESTIONNAIRE, False, True, False, Stage.CONDUCT),
        (FirstStep.CONDUCT, True, False, False, Stage.QUESTIONS),
        (FirstStep.CONDUCT, False, True, True, Stage.DONE),
    ],
)
def test_next_stage_follows_the_host_order(
    first: FirstStep, questions_left: bool, published: bool, accepted: bool, stage: Stage
) -> None:
    found = rules.next_stage(
        first, questions_left=questions_left, conduct_published=published, conduct_accepted=accepted
    )
    assert found is stage


def test_only_newcomers_wait_for_the_questionnaire_before_accepting() -> None:
    assert not rules.may_accept_conduct(FirstStep.QUESTIONNAIRE, questions_left=True, accepted_before=False)
    assert rules.may_accept_conduct(FirstStep.QUESTIONNAIRE, questions_left=True, accepted_before=True)
    assert rules.may_accept_conduct(FirstStep.CONDUCT, questions_left=True, accepted_before=False)


# --- use cases on a real database --------------------------------------------------------------------------


async def test_answers_are_saved_as_given_and_a_refused_text_is_kept_as_a_draft(db: Database) -> None:
    qs = questions()
    async with db.transaction() as session:
        problems = await service.submit_answers(session, qs, GUILD, ALICE, {"learn": ["python"]}, now=NOW)
        assert problems == []
        problems = await service.submit_answers(session, qs, GUILD, ALICE, {"share": "x" * 150, "zone": "UTC"}, now=NOW)
    assert [(p.question.id, p.error.key) for p in problems] == [("share", "onboarding.answer.too_long")]
    async with db.transaction() as session:
        progress = await service.progress(session, qs, GUILD, ALICE)
    assert progress.answers == {"learn": ["python"], "zone": "UTC"}
    assert progress.drafts == {"share": "x" * 100}
    assert progress.step is not None and progress.step.questions[0].id == "mentor"


async def test_finishing_fills_the_profile_once_and_returns_the_roles(db: Database) -> None:
    qs = questions()
    given = {"learn": ["python", "web"], "mentor": ["yes"], "level": ["2"], "share": "cooking", "zone": "UTC"}
    async with db.transaction() as session:
        await service.submit_answers(session, qs, GUILD, ALICE, given, now=NOW)
        assert await service.finish_if_complete(session, qs, GUILD, ALICE, now=NOW) is None  # goals not answered
        await service.skip_question(session, qs, GUILD, ALICE, "goals", now=NOW)
        completion = await service.finish_if_complete(session, qs, GUILD, ALICE, now=NOW)
        again = await service.finish_if_complete(session, qs, GUILD, ALICE, now=NOW)
        profile = await profiles.get_profile(session, GUILD, ALICE)
    assert completion is not None and completion.roles == ["Pythonistas", "Mentors"] and again is None
    assert profile is not None
    assert (profile.skills_to_learn, profile.skills_to_share, profile.timezone, profile.mentor) == (
        ["python", "web"],
        ["cooking"],
        "UTC",
        True,
    )


async def test_a_required_question_cannot_be_skipped(db: Database) -> None:
    async with db.transaction() as session:
        with pytest.raises(rules.AnswerRequiredError):
            await service.skip_question(session, questions(), GUILD, ALICE, "learn", now=NOW)


async def test_join_leave_and_rejoin_keep_answers_and_greet_again(db: Database) -> None:
    async with db.transaction() as session:
        assert await service.record_join(session, GUILD, ALICE, joined_at=NOW)
        assert not await service.record_join(session, GUILD, ALICE, joined_at=NOW)  # same arrival reported twice
        await service.submit_answers(session, questions(), GUILD, ALICE, {"learn": ["web"]}, now=NOW)
        assert await service.record_leave(session, GUILD, ALICE, now=NOW + timedelta(hours=1))
    async with db.transaction() as session:
        assert await service.record_join(session, GUILD, ALICE, joined_at=NOW + timedelta(days=1))
        progress = await service.progress(session, questions(), GUILD, ALICE)
    assert progress.answers == {"learn": ["web"]} and progress.path is not None and progress.path.left_at is None


async def test_report_and_csv_export_of_a_guild(db: Database) -> None:
    qs = questions()
    async with db.transaction() as session:
        for member in (ALICE, BOB):
            await service.record_join(session, GUILD, member, joined_at=NOW)
            await service.start_path(session, GUILD, member, now=NOW)
        await service.record_join(session, GUILD, 1003, joined_at=NOW)
        await service.record_join(session, GUILD + 1, 1004, joined_at=NOW)  # another guild: not counted
        await service.submit_answers(session, qs, GUILD, ALICE, {"learn": ["python"], "share": "=SUM(A1)"}, now=NOW)
        await service.submit_answers(session, qs, GUILD, BOB, {"learn": ["python", "web"]}, now=NOW)
        funnel, reports = await service.answers_report(session, qs, GUILD)
        header, lines = await service.answers_export(session, qs, GUILD, "fr")
    text = to_csv(header, lines).decode("utf-8-sig")
    assert (funnel.joined, funnel.started, funnel.finished) == (3, 2, 0)
    assert reports[0].counts == [("python", 2), ("data", 0), ("web", 1)]
    assert reports[3].texts == ["=SUM(A1)"]
    rows = list(csv.DictReader(io.StringIO(text)))
    assert [row["member_id"] for row in rows] == [str(ALICE), str(BOB), "1003"]
    assert rows[1]["learn"] == "Python; Web" and rows[0]["share"] == "'=SUM(A1)"  # no formula in a spreadsheet


async def test_reminder_is_marked_once_per_stay(db: Database) -> None:
    assert service.reminder_due(NOW, 0) is None
    assert service.reminder_due(NOW, 24) == NOW + timedelta(hours=24)
    async with db.transaction() as session:
        await service.record_join(session, GUILD, ALICE, joined_at=NOW)
        await service.mark_reminded(session, GUILD, ALICE, now=NOW)
        await service.mark_reminded(session, GUILD, ALICE, now=NOW + timedelta(hours=1))
        path = await service.get_path(session, GUILD, ALICE)
    assert path is not None and path.reminded_at == NOW


async def test_settings_change_and_reject_bad_reminder_delays(db: Database) -> None:
    async with db.transaction() as session:
        settings = await service.update_settings(
            session, GUILD, first_step=FirstStep.QUESTIONNAIRE, reminder_hours=0, now=NOW
        )
        assert (settings.first_step, settings.reminder_hours, settings.watching_since) == ("questionnaire", 0, NOW)
        with pytest.raises(service.ReminderInvalidError):
            await service.update_settings(session, GUILD, reminder_hours=10_000, now=NOW)


async def test_forget_and_export_member(db: Database) -> None:
    async with db.transaction() as session:
        await service.record_join(session, GUILD, ALICE, joined_at=NOW)
        await service.submit_answers(session, questions(), GUILD, ALICE, {"learn": ["web"]}, now=NOW)
        await service.record_join(session, GUILD, BOB, joined_at=NOW)
        exported = await service.export_member(session, GUILD, ALICE)
        removed = await service.forget_member(session, GUILD, ALICE)
        left = list(await session.scalars(select(OnboardingMember.member_id)))
    assert exported["onboarding_answers"] == {"learn": {"state": "answered", "value": ["web"]}}
    assert exported["onboarding"]["joined_at"] == NOW.isoformat()
    assert removed == 2 and left == [BOB]


# --- through the emulator ----------------------------------------------------------------------------------


@pytest.fixture
def agora_settings(agora_settings: Settings, tmp_path: Path) -> Settings:
    return with_welcome(agora_settings, tmp_path)


def flow_of(reply: Interaction) -> Message:
    assert reply.ephemeral and reply.original is not None, reply.content
    return reply.original


async def answer_everything(member: MemberDriver, flow: Message, *, goals: str = "Ship a game") -> Interaction:
    await member.select(flow, ["python", "data"])
    assert "Question 2 of 6" in flow.content and "**2. Would you mentor other members?**" in flow.content
    await member.select(flow, ["yes"])
    assert "Question 3 of 6" in flow.content and "_(optional)_" in flow.content
    await member.select(flow, ["4"])
    assert "Questions 4–6 of 6" in flow.content
    opened = await member.click(flow, "Answer")
    assert opened.modal is not None and len(opened.modal["components"]) == 3
    return await member.submit_modal({"share": "cooking, maths", "zone": "America/Montreal", "goals": goals})


async def test_join_greeting_conduct_and_every_question_type_to_roles_and_profile(
    discord: Emulator, agora: AgoraHarness
) -> None:
    server = await set_up(discord, agora.bot.db)
    await slash(server.host, "conduct publish")
    alice = await discord.member("alice")
    greeting = await greeting_of(server.welcome, alice)
    assert greeting.content.startswith(f"👋 Welcome {alice.mention} to **{discord.guild.name}**!")
    assert "First read and accept our code of conduct, then answer 6 short questions" in greeting.content
    assert [button["label"] for button in greeting.buttons()] == ["Start"]

    flow = flow_of(await alice.click(greeting, "Start"))
    assert "Please read our code of conduct and accept it." in flow.content
    assert flow.embeds[0]["description"] == "Be kind."
    await alice.click(flow, "I accept")
    assert role_names(alice) == {"Member"}
    assert "You now have the Member role" in flow.content and "Question 1 of 6" in flow.content
    assert not flow.embeds

    done = await answer_everything(alice, flow)
    assert done.original is flow and "🎉 You are all set" in flow.content and not flow.components
    assert "Roles given: Pythonistas, Mentors" in flow.content
    assert role_names(alice) == {"Member", "Pythonistas", "Mentors"}
    shown = await alice.slash("profile show")
    for line in (
        "• Skills to learn: python, data science",
        "• Skills to share: cooking, maths",
        "• Time zone: America/Montreal",
        "• Goals: Ship a game",
        "• Willing to mentor: yes",
    ):
        assert line in shown.content
    again = await alice.slash("onboarding start")
    assert "🎉 You are all set" in again.content


async def test_resume_after_leaving_the_flow_and_after_restarts(discord: Emulator, agora: AgoraHarness) -> None:
    server = await set_up(discord, agora.bot.db)
    alice = await discord.member("alice", locale="fr")
    flow = flow_of(await alice.click(await greeting_of(server.welcome, alice), "Start"))
    assert "Question 1 sur 6" in flow.content and "**1. Que voulez-vous apprendre ?**" in flow.content
    await alice.select(flow, ["web"])

    resumed = flow_of(await alice.slash("onboarding start"))  # the first message was dismissed
    assert "Question 2 sur 6" in resumed.content

    await agora.restart()
    await alice.select(flow, ["no"])  # the old message still works: ids in custom_id, state in the database
    assert "Question 3 sur 6" in flow.content
    await alice.click(flow, "Passer")
    opened = await alice.click(flow, "Répondre")
    assert opened.modal is not None and opened.modal["title"] == "Questions 4 à 6 sur 6"
    await agora.restart()
    await alice.submit_modal({"share": "couture", "zone": "Europe/Paris", "goals": ""}, opened_by=opened)
    assert "🎉 Tout est prêt" in flow.content
    async with agora.bot.db.transaction() as session:
        progress = await service.progress(session, questionnaire().questions, discord.guild.id, alice.id)
    assert progress.answers == {"learn": ["web"], "mentor": ["no"], "share": "couture", "zone": "Europe/Paris"}
    assert progress.finished


async def test_one_reminder_for_those_who_have_not_finished(discord: Emulator, agora: AgoraHarness) -> None:
    server = await set_up(discord, agora.bot.db)
    settings = await server.host.slash("onboarding settings", reminder_hours=2)
    assert "• Reminder: once, 2 hours after arrival" in settings.content
    alice, bob, carol = [await discord.member(name) for name in ("alice", "bob", "carol")]
    await alice.click(await greeting_of(server.welcome, alice), "Start")
    bob_flow = flow_of(await bob.click(await greeting_of(server.welcome, bob), "Start"))
    await answer_everything(bob, bob_flow)
    await discord.leave(discord.guild, carol)
    await agora.idle()  # Agora saw her leave (else her reminder would find her gone: Discord's "Unknown Member")

    await run_jobs_now(agora.bot.db, "onboarding.remind", agora.bot.scheduler.run_due)
    assert len(alice.dms) == 1 and bob.dms == [] and carol.dms == []
    reminder = alice.dms[0]
    assert reminder.content.startswith(f"⏰ {alice.mention}, you have not finished joining")
    async with agora.bot.db.transaction() as session:
        job = await session.scalar(select(ScheduledJob).where(ScheduledJob.key == f"{discord.guild.id}:{alice.id}"))
    assert job is not None and job.state == "done"
    remind = agora.bot.scheduler.handlers["onboarding.remind"]
    await remind(scheduling.DueJob(job.id, job.kind, job.key, job.guild_id, job.payload, job.due_at))  # a re-run
    assert len(alice.dms) == 1

    flow = flow_of(await alice.click(reminder, "Continue"))  # from the DM, back to her path
    assert "Question 1 of 6" in flow.content


async def test_host_report_chart_and_csv(discord: Emulator, agora: AgoraHarness) -> None:
    server = await set_up(discord, agora.bot.db)
    alice, bob = await discord.member("alice"), await discord.member("bob")
    await answer_everything(alice, flow_of(await alice.click(await greeting_of(server.welcome, alice), "Start")))
    bob_flow = flow_of(await bob.click(await greeting_of(server.welcome, bob), "Start"))
    await bob.select(bob_flow, ["python"])

    report = await slash(server.host, "onboarding report")
    assert report.content.startswith("**Onboarding report**")
    assert "Joined: 3 · Started: 2 (67 %) · Finished: 1 (33 %)" in report.content
    files = {attachment.filename: attachment.data for attachment in report.followups[0].attachments}
    assert files["onboarding-report.png"].startswith(b"\x89PNG")
    assert "## What can you share?\n- cooking, maths" in files["onboarding-answers.md"].decode()

    export = await slash(server.host, "onboarding export")
    rows = list(csv.DictReader(io.StringIO(export.followups[0].attachments[0].data.decode("utf-8-sig"))))
    by_member = {row["member_id"]: row for row in rows}
    assert by_member[str(alice.id)]["learn"] == "Python; Data" and by_member[str(alice.id)]["level"] == "4"
    assert by_member[str(bob.id)]["finished_at"] == "" and by_member[str(bob.id)]["learn"] == "Python"
    assert (await alice.slash("onboarding report")).content.startswith("Only hosts")


async def at_the_text_questions(discord: Emulator, agora: AgoraHarness) -> tuple[MemberDriver, Message]:
    """alice, greeted, through the three choice questions: her path now asks for the text answers."""
    server = await set_up(discord, agora.bot.db)
    alice = await discord.member("alice")
    flow = flow_of(await alice.click(await greeting_of(server.welcome, alice), "Start"))
    for value in (["web"], ["no"], ["1"]):
        await alice.select(flow, value)
    return alice, flow


async def test_too_long_and_empty_answers_are_refused_without_losing_any(
    discord: Emulator, agora: AgoraHarness
) -> None:
    alice, flow = await at_the_text_questions(discord, agora)
    await alice.click(flow, "Answer")
    await alice.submit_modal({"share": "x" * 150, "zone": "UTC", "goals": ""})
    assert "Question 4: your answer is too long (150 characters, at most 100)" in flow.content
    assert "Question 4 of 6" in flow.content and "kept, shortened, in the form" in flow.content
    opened = await alice.click(flow, "Answer")
    assert opened.modal is not None
    field = opened.modal["components"][0]["components"][0]
    assert field["value"] == "x" * 100 and field["max_length"] == 100
    await alice.submit_modal({"share": "   "})
    assert "Question 4 needs an answer." in flow.content
    await alice.click(flow, "Answer")
    await alice.submit_modal({"share": "cooking"})
    assert "🎉 You are all set" in flow.content


async def test_the_same_form_sent_twice_at_once_is_saved_once_without_an_error(
    discord: Emulator, agora: AgoraHarness
) -> None:
    alice, flow = await at_the_text_questions(discord, agora)
    opened = await alice.click(flow, "Answer")
    values = {"share": "cooking", "zone": "UTC", "goals": ""}
    twice = await asyncio.gather(*(alice.submit_modal(values, opened_by=opened) for _ in range(2)))
    assert all(reply.acknowledged for reply in twice)  # both answered; an error would fail the test at teardown
    assert "🎉 You are all set" in flow.content
    async with agora.bot.db.transaction() as session:
        progress = await service.progress(session, questionnaire().questions, discord.guild.id, alice.id)
    assert progress.answers["share"] == "cooking" and progress.finished


async def test_a_member_who_leaves_mid_way_keeps_answers_and_resumes_on_return(
    discord: Emulator, agora: AgoraHarness
) -> None:
    discord.expect_rejections(10007)  # Agora looks her up after she left: Unknown Member
    server = await set_up(discord, agora.bot.db)
    await server.host.slash("onboarding settings", greeting="direct_message")
    alice = await discord.member("alice")
    await discord.wait_for(lambda: alice.dms, what="the greeting by DM")
    greeting = alice.dms[-1]
    assert greeting.content.startswith("👋 Welcome")
    flow = flow_of(await alice.click(greeting, "Start"))
    await alice.select(flow, ["python"])
    await discord.leave(discord.guild, alice)
    await agora.idle()  # Agora saw her leave
    gone = await alice.click(greeting, "Start")
    assert (
        gone.content == f"You are no longer a member of {discord.guild.name}; your answers are kept if you come back."
    )
    alice = await rejoin(discord, alice)
    await discord.wait_for(lambda: len(alice.dms) == 2, what="a new greeting")
    flow = flow_of(await alice.click(alice.dms[-1], "Start"))
    assert "Question 2 of 6" in flow.content


async def test_a_role_above_the_bot_is_reported_to_hosts_and_the_rest_given(
    discord: Emulator, agora: AgoraHarness
) -> None:
    server = await set_up(discord, agora.bot.db)
    await move_role(discord, server.pythonistas, 50)
    alice = await discord.member("alice")
    await answer_everything(alice, flow_of(await alice.click(await greeting_of(server.welcome, alice), "Start")))
    assert role_names(alice) == {"Mentors"}
    assert "Some roles could not be given; the hosts have been told." in last_ephemeral(alice).content
    notice = last(server.moderators).content
    assert notice.startswith(f"⚠️ {alice.mention} finished the questionnaire but some roles could not be given")
    assert "I cannot give Pythonistas: it sits above (or at) my highest role" in notice
    async with agora.bot.db.transaction() as session:
        assert (await service.get_path(session, discord.guild.id, alice.id)).finished_at is not None  # type: ignore[union-attr]


@pytest.mark.discord(expect_rejections=True)
async def test_closed_dms_fall_back_to_the_welcome_channel_then_to_hosts(
    discord: Emulator, agora: AgoraHarness
) -> None:
    server = await set_up(discord, agora.bot.db)
    await server.host.slash("onboarding settings", greeting="direct_message")
    alice = await discord.member("alice", dms_open=False)
    assert (await greeting_of(server.welcome, alice)).buttons()[0]["label"] == "Start"
    assert [r.code for r in discord.rejections] == [50007]
    async with agora.bot.db.transaction() as session:
        await guild_settings.set_channel(session, discord.guild.id, ChannelPurpose.WELCOME, None, now=utcnow())
    bob = await discord.member("bob", dms_open=False)
    await agora.idle()
    assert last(server.moderators).content.startswith(f"⚠️ I could not greet {bob.mention}")


async def test_strangers_are_refused_politely(discord: Emulator, agora: AgoraHarness) -> None:
    server = await set_up(discord, agora.bot.db)
    alice, bob = await discord.member("alice"), await discord.member("bob", locale="fr")
    refused = await bob.click(await greeting_of(server.welcome, alice), "Start")
    assert refused.ephemeral and refused.content.startswith(
        "Ces boutons appartiennent à l'accueil de quelqu'un d'autre"
    )


async def test_questionnaire_first_then_conduct(discord: Emulator, agora: AgoraHarness) -> None:
    server = await set_up(discord, agora.bot.db)
    await slash(server.host, "conduct publish")
    await server.host.slash("onboarding settings", first="questionnaire")
    alice = await discord.member("alice")
    early = await alice.click(last(server.rules), "I accept")
    assert early.content == "Please answer the welcome questions first: use /onboarding start."
    assert role_names(alice) == set()
    flow = flow_of(await alice.click(await greeting_of(server.welcome, alice), "Start"))
    await answer_everything(alice, flow)
    assert "Please read our code of conduct and accept it." in flow.content
    await alice.click(flow, "I accept")
    assert "🎉 You are all set" in flow.content and "Member" in role_names(alice)


async def test_members_who_joined_or_left_while_offline_are_caught_up(discord: Emulator, agora: AgoraHarness) -> None:
    server = await set_up(discord, agora.bot.db)
    bob = await discord.member("bob")
    await agora.stop()
    alice = await discord.member("alice")  # nobody hears this join
    await discord.leave(discord.guild, bob)
    await agora.start()  # returns once every catch-up has finished
    assert any(alice.mention in m.content for m in server.welcome.messages)
    async with agora.bot.db.transaction() as session:
        bob_path = await service.get_path(session, discord.guild.id, bob.id)
        owner_path = await service.get_path(session, discord.guild.id, discord.guild.owner_id)
    assert bob_path is not None and bob_path.left_at is not None
    assert owner_path is None  # members from before Agora are not greeted


async def test_an_arrival_noted_but_not_greeted_is_greeted_after_a_restart_even_before_watching_began(
    discord: Emulator, agora: AgoraHarness, db: Database
) -> None:
    """The first start's catch-up and a join at that moment race to set `watching_since`: the arrival the bot noted
    (killed before its greeting went out) is greeted at the next start whichever won."""
    server = await set_up(discord, agora.bot.db)
    await agora.stop()
    dave = await discord.member("dave")
    joined = discord.guild.members[dave.id].joined_at
    async with db.transaction() as session:
        await service.record_join(session, discord.guild.id, dave.id, joined_at=joined)
        settings = await service.onboarding_settings(session, discord.guild.id, now=utcnow())
        settings.watching_since = joined + timedelta(seconds=1)
    await agora.start()
    assert [m for m in server.welcome.messages if dave.mention in m.content]


def last_ephemeral(member: MemberDriver) -> Message:
    found = [i.original for i in member.emulator.state.interactions.values() if i.user_id == member.id and i.original]
    return found[-1]


async def test_greeting_follows_the_server_language_in_discord_when_no_host_chose_one(
    discord: Emulator, agora: AgoraHarness
) -> None:
    discord.guild.preferred_locale = "fr"  # the deployment default is English in these tests
    await agora.restart()  # the bot learns the server's language when the guild arrives
    server = await set_up(discord, agora.bot.db)
    await slash(server.host, "conduct publish")
    alice = await discord.member("alice")
    greeting = await greeting_of(server.welcome, alice)
    assert greeting.content.startswith(f"👋 Bienvenue {alice.mention} sur **{discord.guild.name}** !")


# --- the server's own questionnaire ----------------------------------------------------------------------------


async def test_hosts_import_their_own_questionnaire_and_export_it_back(discord: Emulator, agora: AgoraHarness) -> None:
    server = await set_up(discord, agora.bot.db)
    document = {"questions": [{"id": "why", "type": "short", "fr": "Pourquoi ici ?", "en": "Why here?"}]}
    imported = await server.host.slash(
        "onboarding questionnaire import", file=("ours.json", json.dumps(document).encode())
    )
    assert imported.ephemeral and imported.content.startswith("✅ The questionnaire is saved: 1 question.")
    alice = await discord.member("alice")  # no restart: newcomers get it at once
    flow = flow_of(await alice.click(await greeting_of(server.welcome, alice), "Start"))
    assert "Question 1 of 1" in flow.content and "**1. Why here?**" in flow.content
    exported = await server.host.slash("onboarding questionnaire export")
    assert exported.original is not None
    assert json.loads(exported.original.attachments[0].data) == document
    other = await discord.create_guild("Other")  # another server keeps the deployment's default
    async with agora.bot.db.transaction() as session:
        default = await service.questionnaire(session, other.id, default=agora.bot.settings.onboarding)
    assert [question.id for question in default] == [question["id"] for question in QUESTIONS]


async def test_a_wrong_questionnaire_file_is_refused_with_one_line_per_problem(
    discord: Emulator, agora: AgoraHarness
) -> None:
    server = await set_up(discord, agora.bot.db, host_locale="fr")
    wrong = (
        '[[questions]]\nid = "Bad Id"\ntype = "short"\nfr = "x"\nen = "x"\n\n'
        '[[questions]]\nid = "pick"\ntype = "single"\nfr = "a"\nen = "b"\n'
        'choices = [{id = "only", fr = "A", en = "A"}]\n'
    )
    refused = await server.host.slash("onboarding questionnaire import", file=("ours.toml", wrong.encode()))
    assert refused.content.startswith("Le questionnaire n'a pas changé.")
    assert "question 'Bad Id': id = 'Bad Id' is wrong" in refused.content
    assert "question 'pick': a single-choice question needs 2 to 25 choices (it has 1)" in refused.content
    unreadable = await server.host.slash("onboarding questionnaire import", file=("ours.json", b"{not json"))
    assert unreadable.content.startswith("Je n'ai pas pu lire ce fichier")
    kept = await server.host.slash("onboarding settings")
    assert "6 questions" in kept.content  # nothing changed


async def test_greetings_posted_before_the_id_scheme_still_start_the_path(
    discord: Emulator, agora: AgoraHarness
) -> None:
    server = await set_up(discord, agora.bot.db)
    alice = await discord.member("alice")
    greeting = await greeting_of(server.welcome, alice)
    button = greeting.components[0]["components"][0]
    assert button["custom_id"] == f"agora:onboarding:start:{discord.guild.id}:{alice.id}"
    button["custom_id"] = f"agora:onb:start:{discord.guild.id}:{alice.id}"  # as earlier versions wrote it
    flow = flow_of(await alice.click(greeting, "Start"))
    assert "Question 1 of 6" in flow.content


async def test_newcomers_who_start_the_moment_they_join_are_greeted_and_get_their_path(
    discord: Emulator, agora: AgoraHarness
) -> None:
    """The join event and `/onboarding start` race for the member's row: the command waits for the join's lock."""
    server = await set_up(discord, agora.bot.db)
    guild = discord.guild

    async def join_and_start(name: str) -> tuple[MemberDriver, Interaction]:
        member = Member(user=discord.state.add_user(name), guild_id=guild.id)
        guild.members[member.id] = member
        discord.core.gateway.dispatch("GUILD_MEMBER_ADD", payloads.member(member) | {"guild_id": str(guild.id)})
        newcomer = MemberDriver(discord, member)
        return newcomer, await newcomer.slash("onboarding start")  # sent at once, without waiting for the join

    started = await asyncio.gather(*(join_and_start(f"quick{number}") for number in range(12)))
    for newcomer, reply in started:
        assert "Question 1 of 6" in reply.content, reply.content
        await greeting_of(server.welcome, newcomer)
    async with agora.bot.db.transaction() as session:
        rows = list(await session.scalars(select(OnboardingMember).where(OnboardingMember.started_at.is_not(None))))
    assert sorted(row.member_id for row in rows) == sorted(newcomer.id for newcomer, _ in started)
    assert all(row.greeted_at is not None and row.started_at is not None for row in rows)
    assert all(row.greeted_at <= row.started_at for row in rows if row.greeted_at and row.started_at)
