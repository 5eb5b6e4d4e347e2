"""Attendance and feedback end to end: voice states and "I was there", prompts once (across restarts, and with two
processes sharing the database), the one reminder, anonymous answers, results and exports, pulse surveys, and
fan-outs paced under Discord's global rate limit."""

from __future__ import annotations

import asyncio
import csv
import io
from collections.abc import AsyncIterator, Coroutine
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select, update

from bot.client import Agora
from bot.config import Settings
from models.scheduling import JobState, ScheduledJob
from models.sessions.tables import FeedbackBallot, FeedbackKey, SessionDelivery
from playground.emulator import Emulator, MemberDriver, RunBot
from tests.conftest import AgoraHarness
from tests.support.sessions import (
    Clock,
    Server,
    SessionsAgora,
    create,
    occurrences,
    posts,
    run_due,
    run_jobs,
    set_up,
    slash,
)

SESSION_COGS = ("cogs.settings", "cogs.sessions")
NOW = datetime(2027, 3, 1, 9, 0, tzinfo=UTC)


@pytest.fixture
def clock() -> Clock:
    return Clock(NOW)


@pytest.fixture
async def agora(run_bot: RunBot, agora_settings: Settings, clock: Clock) -> AsyncIterator[AgoraHarness]:
    def build() -> Agora:
        return SessionsAgora(agora_settings, clock, cogs=SESSION_COGS, guild_ready_timeout=0.05)

    harness = AgoraHarness(await run_bot(build, wait_for_sync=True), agora_settings)
    await harness.caught_up()
    yield harness
    await harness.stop()


@pytest.fixture
async def server(discord: Emulator, agora: AgoraHarness) -> Server:
    return await set_up(discord, agora.bot.db)


async def one_session(server: Server, **options: Any) -> None:
    chosen = {
        "title": "Git workshop",
        "format": "workshop",
        "start": "2027-03-16 18:00",
        "duration": "1h",
        "channel": server.voice,
        **options,
    }
    done = await create(server.host, **{key: value for key, value in chosen.items() if value is not None})
    assert "is planned" in done.content, done.content


async def going(agora: AgoraHarness, members: list[MemberDriver]) -> None:
    first = (await occurrences(agora.bot.db))[0]
    for member in members:
        await member.slash("session rsvp", occurrence=str(first.id), answer="going")
    await agora.idle()


async def answer(member: MemberDriver, *, anonymous: bool = False, **values: str) -> Any:
    """Click the feedback button of the member's latest prompt and submit the form."""
    prompt = member.dms[-1]
    opened = await member.click(prompt, "Anonymously" if anonymous else "Give feedback")
    if opened.modal is None:
        return opened
    return await member.submit_modal(values, opened_by=opened)


async def test_attendance_from_voice_states_then_one_prompt_each_and_one_reminder(
    discord: Emulator, agora: AgoraHarness, server: Server, clock: Clock
) -> None:
    elsewhere = await discord.create_channel(discord.guild, "hallway", type="voice")
    alice, bob, carol, dave = [await discord.member(name) for name in ("alice", "bob", "carol", "dave")]
    await one_session(server)
    await going(agora, [alice, bob, dave])
    start = (await occurrences(agora.bot.db))[0].starts_at
    # Each voice change is handled on the clock of its moment: the test waits for Agora before moving the clock.
    clock.set(start - timedelta(minutes=5))
    await alice.join_voice(server.voice)  # early: counted from the start
    await agora.idle()
    clock.set(start + timedelta(minutes=1))
    await run_jobs(agora, clock, "sessions.start")
    clock.set(start + timedelta(minutes=10))
    await carol.join_voice(server.voice)  # came without answering: an attendee all the same
    await agora.idle()
    clock.set(start + timedelta(minutes=20))
    await bob.join_voice(server.voice)
    await agora.idle()
    clock.set(start + timedelta(minutes=25))
    await alice.move_voice(elsewhere)
    await bob.leave_voice()  # five minutes: not enough
    await agora.idle()
    clock.set(start + timedelta(hours=1))
    await run_jobs(agora, clock, "sessions.end")
    report = await slash(server.host, "session attendance", occurrence=str((await occurrences(agora.bot.db))[0].id))
    text = report.followups[-1].content
    assert "alice — 25 min" in text and "carol — 50 min" in text and "bob" in text.split("did not")[1]
    await run_jobs(agora, clock, "sessions.prompt")
    assert alice.dms[-1].content.startswith("🙏 Thanks for coming to **Git workshop**!")
    assert carol.dms[-1].content.startswith("🙏 Thanks for coming")
    assert bob.dms[-1].content.startswith("We missed you at **Git workshop**")
    assert dave.dms[-1].content.startswith("We missed you")
    thanks = await answer(alice, rating="5", worked="Hands-on", improve="More time")
    assert thanks.message is not None and thanks.message.content == "🙏 Thank you! Your answer is recorded."
    assert alice.dms[-1].buttons() == []  # answered once: the prompt's buttons are gone
    refused = await answer(carol, anonymous=True, rating="6")
    assert refused.ephemeral and refused.content.startswith("“6” is not a rating: type a whole number from 1 to 5")
    refused = await answer(carol, anonymous=True, rating="4", worked="x" * 1001)
    assert refused.content.startswith("A comment is at most 1000 characters")
    await answer(carol, anonymous=True, rating="4", worked="Clear steps")
    await answer(bob, rating="2", worked="It clashed with work")
    prompts = {member.name: len(member.dms) for member in (alice, bob, carol, dave)}
    clock.advance(hours=24)
    await run_jobs(agora, clock, "sessions.prompt_remind")
    await run_jobs(agora, clock, "sessions.prompt_remind")
    assert {member.name: len(member.dms) for member in (alice, bob, carol, dave)} == {
        **prompts,
        "dave": prompts["dave"] + 1,
    }
    assert dave.dms[-1].content.startswith("⏰ A gentle reminder (the only one):")
    results = await slash(server.host, "feedback results")
    summary = results.followups[-1]
    assert "Response rate: 75%" in summary.content and "Average 4.5/5 · answers: 2" in summary.content
    assert [file.filename for file in summary.attachments] == ["feedback-trend.png", "feedback-comments.md"]
    assert summary.attachments[0].data.startswith(b"\x89PNG")
    comments = summary.attachments[1].data.decode()
    assert "Clear steps" in comments and "anonymous" in comments and "It clashed with work" in comments
    exported = await slash(server.host, "feedback export")
    rows = list(csv.DictReader(io.StringIO(exported.followups[-1].attachments[0].data.decode("utf-8-sig"))))
    assert sorted((row["rating"], row["member"]) for row in rows) == [("2", "bob"), ("4", ""), ("5", "alice")]
    clock.advance(days=3)
    await run_jobs(agora, clock, "sessions.feedback_close")
    async with agora.bot.db.transaction() as session:
        assert await session.scalar(select(func.count()).select_from(FeedbackBallot)) == 0
        assert await session.scalar(select(func.count()).select_from(FeedbackKey)) == 0
    late = await answer(dave, rating="3")  # the reminder's buttons, after the close
    assert late.ephemeral and late.content == "Feedback on this one is closed. Thank you anyway!"


async def test_i_was_there_for_a_session_held_elsewhere(
    discord: Emulator, agora: AgoraHarness, server: Server, clock: Clock
) -> None:
    await one_session(server, channel=None, link="https://meet.example.org/git")
    first = (await occurrences(agora.bot.db))[0]
    await run_jobs(agora, clock, "sessions.announce", key=f"{first.id}:10080")
    (post,) = posts(server.announcements)
    alice = await discord.member("alice")
    clock.set(first.starts_at + timedelta(minutes=10))
    await run_jobs(agora, clock, "sessions.start")
    there = await alice.click(post, "I was there")
    assert there.content == "🙋 Thanks! You are counted as present at **Git workshop**."
    clock.set(first.ends_at + timedelta(minutes=5))
    await run_jobs(agora, clock, "sessions.end")
    async with agora.bot.db.transaction() as session:
        prompt = await session.scalar(select(ScheduledJob).where(ScheduledJob.kind == "sessions.prompt"))
        assert prompt is not None and prompt.due_at == first.ends_at + timedelta(hours=1)
    clock.set(first.ends_at + timedelta(hours=1))
    await run_jobs(agora, clock, "sessions.prompt")
    assert alice.dms[-1].content.startswith("🙏 Thanks for coming")
    assert post.buttons() == []  # the session is over and "I was there" has closed


async def test_prompts_go_once_even_when_the_bot_restarts_or_runs_the_job_again(
    discord: Emulator, agora: AgoraHarness, server: Server, clock: Clock
) -> None:
    alice, bob = await discord.member("alice"), await discord.member("bob")
    await one_session(server)
    await going(agora, [alice, bob])
    first = (await occurrences(agora.bot.db))[0]
    clock.set(first.ends_at)
    await run_jobs(agora, clock, "sessions.end")
    await agora.restart()  # stopped between the end and the prompt: the prompt waits in the database
    await run_due(agora)
    assert [len(alice.dms), len(bob.dms)] == [1, 1]
    async with agora.bot.db.transaction() as session:  # as if the job's process died: the job runs once more
        await session.execute(
            update(ScheduledJob).where(ScheduledJob.kind == "sessions.prompt").values(state=JobState.PENDING)
        )
    await agora.restart()
    await run_due(agora)
    assert [len(alice.dms), len(bob.dms)] == [1, 1]


async def test_two_processes_on_one_database_send_each_reminder_once(
    discord: Emulator, agora: AgoraHarness, server: Server, clock: Clock, run_bot: RunBot, agora_settings: Settings
) -> None:
    members = [await discord.member(f"member{n}") for n in range(6)]
    await one_session(server)
    await going(agora, members)
    first = (await occurrences(agora.bot.db))[0]

    def build() -> Agora:
        return SessionsAgora(agora_settings, clock, cogs=SESSION_COGS, guild_ready_timeout=0.05)

    second = (await run_bot(build)).client
    assert isinstance(second, Agora) and second.db is not agora.bot.db
    clock.set(first.starts_at - timedelta(hours=1))
    async with agora.bot.db.transaction() as session:
        await session.execute(
            update(ScheduledJob)
            .where(ScheduledJob.kind == "sessions.remind", ScheduledJob.key == f"{first.id}:60")
            .values(due_at=clock())
        )
    import asyncio

    ran = await asyncio.gather(agora.bot.scheduler.run_due(), second.scheduler.run_due())
    assert sum(ran) >= 1
    # And the handler itself, run at once by both (a lease that ran out on a slow process): still once each.
    job = next(iter(await _jobs(agora, "sessions.remind", f"{first.id}:60")))
    await asyncio.gather(*(bot.get_cog("Sessions").remind(job) for bot in (agora.bot, second)))  # type: ignore[union-attr]
    await second.idle()
    await agora.idle()
    assert [len(member.dms) for member in members] == [1] * 6
    async with agora.bot.db.transaction() as session:
        assert (
            await session.scalar(
                select(func.count()).select_from(SessionDelivery).where(SessionDelivery.kind.like("remind:%"))
            )
            == 6
        )


async def _jobs(agora: AgoraHarness, kind: str, key: str) -> list[Any]:
    from models.scheduling import DueJob

    async with agora.bot.db.transaction() as session:
        row = await session.scalar(select(ScheduledJob).where(ScheduledJob.kind == kind, ScheduledJob.key == key))
        assert row is not None
        return [DueJob(row.id, row.kind, row.key, row.guild_id, dict(row.payload), row.due_at)]


async def hour_before(
    discord: Emulator, agora: AgoraHarness, server: Server, clock: Clock
) -> tuple[list[MemberDriver], Coroutine[Any, Any, int]]:
    """Sixty members going to a session, the clock an hour before it: the members, and the reminders' run."""
    members = [await discord.member(f"member{n}") for n in range(60)]
    await one_session(server)
    await going(agora, members)
    first = (await occurrences(agora.bot.db))[0]
    clock.set(first.starts_at - timedelta(hours=1))
    return members, run_jobs(agora, clock, "sessions.remind", key=f"{first.id}:60")


@pytest.mark.discord(global_rate_limit=50)
async def test_a_reminder_fan_out_stays_under_the_global_rate_limit(
    discord: Emulator, agora: AgoraHarness, server: Server, clock: Clock
) -> None:
    members, reminders = await hour_before(discord, agora, server, clock)
    requests_before = len(discord.requests)
    await reminders
    assert all(len(member.dms) == 1 for member in members)
    assert discord.limits.limited == []  # paced: not a single 429
    dms = {f"/channels/{channel.id}/messages" for channel in discord.state.channels.values() if channel.type == 1}
    sent = [r for r in discord.requests[requests_before:] if r.method == "POST" and r.path in dms]
    assert len(sent) == 60  # one request per reminder: the DM channels were opened when members answered


@pytest.mark.discord(global_rate_limit=50)
async def test_other_requests_beside_a_fan_out_wait_for_room_instead_of_meeting_a_429(
    discord: Emulator, agora: AgoraHarness, server: Server, clock: Clock
) -> None:
    members, run = await hour_before(discord, agora, server, clock)
    reminders = asyncio.create_task(run)
    await discord.wait_for(lambda: sum(len(member.dms) for member in members) >= 10, what="reminders under way")
    # Another capability's burst (a host command reading channels, say) while the reminders go out.
    others = await asyncio.gather(*(agora.bot.http.get_channel(server.announcements.id) for _ in range(40)))
    await reminders
    assert len(others) == 40 and all(len(member.dms) == 1 for member in members)
    assert discord.limits.limited == []


async def test_a_pulse_survey_in_a_channel_and_its_trend(
    discord: Emulator, agora: AgoraHarness, server: Server, clock: Clock
) -> None:
    general = discord.guild.channel("general")
    made = await server.host.slash(
        "feedback pulse create",
        question="How much is this community helping you learn?",
        every="monthly",
        start="2027-03-08 10:00",
        channel=general,
    )
    assert made.content.startswith("✅ Pulse survey planned: “How much is this community helping you learn?”")
    clock.set(datetime(2027, 3, 8, 9, 0, tzinfo=UTC))
    await run_due(agora)
    post = general.messages[-1]
    assert post.content.startswith("📊 **Pulse** — How much is this community helping you learn?")
    alice, bob = await discord.member("alice"), await discord.member("bob")
    for member, rating, anonymous in ((alice, "4", True), (bob, "5", False)):
        opened = await member.click(post, "Anonymously" if anonymous else "Give feedback")
        done = await member.submit_modal({"rating": rating, "worked": "Good"}, opened_by=opened)
        assert done.ephemeral and done.content.startswith("🙏 Thank you!")
    assert general.messages[-1] is post and len(post.buttons()) == 2  # a shared post keeps its buttons
    clock.set(datetime(2027, 4, 8, 8, 0, tzinfo=UTC))
    await run_due(agora)  # the next month's run (and the first round's close)
    assert general.messages[-1] is not post
    results = await slash(server.host, "feedback pulse results", survey="1")
    summary = results.followups[-1]
    assert "Average 4.5/5 · answers: 2" in summary.content
    assert summary.attachments[0].filename == "pulse-trend.png"
    stopped = await server.host.slash("feedback pulse stop", survey="1")
    assert stopped.content.startswith("🛑 The pulse survey")


async def test_a_pulse_survey_by_dm_to_a_role(
    discord: Emulator, agora: AgoraHarness, server: Server, clock: Clock
) -> None:
    learners = await discord.create_role(discord.guild, "Learners")
    alice = await discord.member("alice", roles=[learners])
    bob = await discord.member("bob", roles=[learners], locale="fr")  # never answered here: the server's language
    carol = await discord.member("carol")
    await server.host.slash(
        "feedback pulse create", question="Are you learning?", every="weekly", start="2027-03-02 10:00", role=learners
    )
    clock.set(datetime(2027, 3, 2, 9, 0, tzinfo=UTC))
    await run_due(agora)
    assert alice.dms[-1].content.startswith("📊 **Pulse** — Are you learning?")
    assert bob.dms[-1].content.startswith("📊 **Pulse** — Are you learning?")
    assert carol.dms == []
    opened = await alice.click(alice.dms[-1], "Give feedback")
    thanks = await alice.submit_modal({"rating": "3"}, opened_by=opened)
    assert thanks.message is not None and thanks.message.content.startswith("🙏 Thank you!")
