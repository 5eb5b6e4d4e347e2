"""Mentoring through the emulator: offers and requests from a profile, rounds with reasons, consent by DM, the pair's
private thread, check-ins, the end with feedback, rematches, departures, and two hosts publishing at once."""

from __future__ import annotations

import asyncio
import csv
import io
from dataclasses import dataclass

from sqlalchemy import select, update

from models import guild_settings, profiles
from models.base import utcnow
from models.guild_settings import ChannelPurpose
from models.mentoring import service
from models.mentoring.rules import PairState
from models.mentoring.tables import Feedback, Mentorship
from models.profiles import ProfileText
from playground.emulator import Emulator, MemberDriver
from playground.emulator.state import PRIVATE_THREAD, Channel, Interaction, Message
from tests.conftest import AgoraHarness
from tests.support.welcome import MANAGE_GUILD, run_jobs_now, slash

MEMBER_OK = {"en": "English"}


@dataclass
class Community:
    host: MemberDriver
    moderators: Channel
    mentoring: Channel


async def community(discord: Emulator, agora: AgoraHarness, *, host_name: str = "hana") -> Community:
    hosts = await discord.create_role(discord.guild, "Hosts", permissions=MANAGE_GUILD)
    moderators = await discord.create_channel(discord.guild, "moderators")
    mentoring = await discord.create_channel(discord.guild, "mentoring")
    host = await discord.member(host_name, roles=[hosts])
    async with agora.bot.db.transaction() as session:
        await guild_settings.set_channel(
            session, discord.guild.id, ChannelPurpose.MODERATORS, moderators.id, now=utcnow()
        )
        await guild_settings.set_channel(
            session, discord.guild.id, ChannelPurpose.MENTORING, mentoring.id, now=utcnow()
        )
    return Community(host, moderators, mentoring)


async def with_profile(discord: Emulator, agora: AgoraHarness, name: str, **fields: str) -> MemberDriver:
    member = await discord.member(name)
    async with agora.bot.db.transaction() as session:
        await profiles.edit_profile(session, discord.guild.id, member.id, ProfileText(**fields), now=utcnow())
    return member


def prefilled(opened: Interaction) -> dict[str, str]:
    """What the form shows before the member types anything (Discord sends these values back as they are)."""
    assert opened.modal is not None
    fields = [row["components"][0] for row in opened.modal["components"]]
    return {field["custom_id"]: field.get("value") or "" for field in fields}


async def fill(member: MemberDriver, command: str, **changes: str) -> Interaction:
    """Open a /mentor form, keep what it shows, change some fields, submit."""
    opened = await member.slash(command)
    return await member.submit_modal({**prefilled(opened), **changes}, opened_by=opened)


async def offer(member: MemberDriver, capacity: str = "1", **changes: str) -> Interaction:
    return await fill(member, "mentor offer", capacity=capacity, **changes)


async def request(member: MemberDriver, **changes: str) -> Interaction:
    return await fill(member, "mentor request", **changes)


def proposal_dm(member: MemberDriver) -> Message:
    """The member's latest proposal DM (it has Accept and Decline)."""
    found = [m for m in member.dms if any(b["label"] == "Accept" for b in m.buttons())]
    assert found, f"{member.name} has no proposal DM"
    return found[-1]


async def wait_for_dm(discord: Emulator, member: MemberDriver, text: str) -> Message:
    await discord.wait_for(lambda: any(text in m.content for m in member.dms), what=f"a DM to {member.name}: {text}")
    return next(m for m in reversed(member.dms) if text in m.content)


async def preview(host: MemberDriver, **weights: int) -> Interaction:
    shown = await slash(host, "mentoring round", **weights)
    assert shown.followups, shown.content
    return shown


def preview_message(shown: Interaction) -> Message:
    return shown.followups[-1]


def csv_rows(message: Message) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(message.attachments[0].data.decode("utf-8-sig"))))


async def pairs_of(agora: AgoraHarness) -> list[Mentorship]:
    async with agora.bot.db.transaction() as session:
        return list(await session.scalars(select(Mentorship).order_by(Mentorship.id)))


# --- offers and requests -----------------------------------------------------------------------------------


async def test_offer_and_request_come_from_the_profile_and_show_in_it(discord: Emulator, agora: AgoraHarness) -> None:
    await community(discord, agora)
    alice = await with_profile(discord, agora, "alice", skills_to_share="Python, SQL", languages="English, French")
    opened = await alice.slash("mentor offer")
    assert prefilled(opened) == {"capacity": "1", "skills": "Python, SQL", "languages": "English, French", "note": ""}
    saved = await alice.submit_modal({**prefilled(opened), "capacity": "2"}, opened_by=opened)
    assert saved.ephemeral and saved.content.startswith("✅ You offer to mentor up to 2 member(s) in Python, SQL")

    bob = await with_profile(discord, agora, "bob", skills_to_learn="python", goals="Ship a game", languages="français")
    opened = await bob.slash("mentor request")
    assert prefilled(opened) == {"skills": "python", "goals": "Ship a game", "languages": "French"}
    await bob.submit_modal(prefilled(opened), opened_by=opened)

    shown = await alice.slash("profile show", member=bob.member)
    assert "• Looking for a mentor: python · waiting since <t:" in shown.content
    mine = await alice.slash("profile show")
    assert "• Mentor: 0/2 mentees · Python, SQL · English, French" in mine.content
    assert "• Willing to mentor: yes" in mine.content  # offering says so in the profile too


async def test_bad_offers_and_requests_get_a_short_private_answer(discord: Emulator, agora: AgoraHarness) -> None:
    await community(discord, agora)
    alice = await with_profile(discord, agora, "alice", skills_to_share="Python", languages="Klingon")
    refused = await offer(alice, capacity="7")
    assert refused.ephemeral and refused.content.startswith("Capacity is how many mentees you take at once")
    refused = await offer(alice, capacity="1")
    assert refused.content == "“Klingon” is not a language this server mentors in. Use: French, English."
    refused = await request(alice, skills=" , ", languages="English")
    assert refused.content == "Name at least one skill you want to learn."
    paused = await alice.slash("mentor pause")
    assert paused.content.startswith("You have no mentor offer nor open request")
    async with agora.bot.db.transaction() as session:
        assert (await service.summary(session, discord.guild.id, alice.id)).offer is None


# --- rounds, consent, the pair's thread ----------------------------------------------------------------------


async def test_round_preview_with_reasons_then_consent_thread_check_ins_and_end(
    discord: Emulator, agora: AgoraHarness
) -> None:
    place = await community(discord, agora)
    shown = await slash(place.host, "mentoring settings", languages="French, English, German")
    assert "• Languages: French, English, German" in shown.content
    refused = await slash(place.host, "mentoring round")
    assert refused.content.startswith("No mentor is available")
    alice = await with_profile(
        discord, agora, "alice", skills_to_share="python, web", languages="English", timezone="Europe/Paris"
    )
    await offer(alice, note="Evenings are best")
    refused = await slash(place.host, "mentoring round")
    assert refused.content.startswith("No mentee is waiting")
    bob = await with_profile(
        discord,
        agora,
        "bob",
        skills_to_learn="python",
        languages="English",
        timezone="America/Montreal",
        goals="a web app",
    )
    carol = await with_profile(discord, agora, "carol", skills_to_learn="cooking", languages="English")
    dave = await with_profile(discord, agora, "dave", skills_to_learn="python", languages="German")
    erin = await with_profile(
        discord, agora, "erin", skills_to_learn="python", languages="English", timezone="Asia/Tokyo"
    )
    for member in (bob, carol, dave, erin):
        await request(member)

    first = preview_message(await preview(place.host, timezone=0, goals=0))
    assert first.ephemeral and "🤝 1 pair(s)" in first.content
    assert f"• {carol.mention}: no skill in common" in first.content
    assert f"• {dave.mention}: no shared language" in first.content
    assert [b["label"] for b in first.buttons()] == ["Publish", "Weights", "Discard"]
    assert sorted(row["kind"] for row in csv_rows(first)) == [
        "pair",
        "unmatched mentee",
        "unmatched mentee",
        "unmatched mentee",
    ]

    opened = await place.host.click(first, "Weights")
    assert prefilled(opened) == {"skills": "3", "timezone": "0", "goals": "0"}
    refused = await place.host.submit_modal({"skills": "11", "timezone": "1", "goals": "1"}, opened_by=opened)
    assert refused.content == "A weight is a whole number from 0 to 10."
    again = await place.host.submit_modal({"skills": "2", "timezone": "2", "goals": "1"}, opened_by=opened)
    await discord.wait_for(lambda: again.followups, what="the new preview")
    second = again.followups[-1]
    assert "Weights: skills 2 · time zone 2 · goals 1" in second.content
    assert f"• {bob.mention} ← {alice.mention} · 4.00 · python · English · 6 h apart · goals: web" in second.content
    assert f"• {erin.mention}: no place left with a mentor who fits" in second.content
    stale = await place.host.click(first, "Publish")
    assert stale.content.startswith("This preview was published, discarded or replaced")

    published = await place.host.click(second, "Publish")
    assert published.content.startswith("✅ Published: 1 proposal sent by DM.")
    asked = await wait_for_dm(discord, alice, f"would you mentor {bob.mention}?")
    assert (
        "In common: python · English · 6 h apart · goals: web" in asked.content
        and "Their goals: a web app" in asked.content
    )
    told = await wait_for_dm(discord, bob, f"{alice.mention} could mentor you.")
    assert "Their note: Evenings are best" in told.content

    waiting = await alice.click(proposal_dm(alice), "Accept")
    assert waiting.original is not None and waiting.original.content.startswith(
        f"✅ You accepted. Waiting for {bob.mention}'s answer"
    )
    stranger = await carol.click(proposal_dm(bob), "Accept")
    assert stranger.ephemeral and stranger.content == "This mentoring proposal or pair is not yours."
    started = await bob.click(proposal_dm(bob), "Accept")
    thread = await discord.wait_for(
        lambda: next((c for c in discord.guild.threads() if c.parent_id == place.mentoring.id), None), what="the thread"
    )
    await discord.wait_for(lambda: thread.messages, what="the intro")  # posted once both members are in
    assert thread.type == PRIVATE_THREAD and set(thread.member_ids) >= {alice.id, bob.id} and not thread.invitable
    intro = thread.messages[0].content
    assert f"{alice.mention} mentors {bob.mention}" in intro and "📚 Shared skills: python" in intro
    assert "🕒 Time zones: " in intro and "Europe/Paris" in intro and "America/Montreal" in intro
    assert "☀️ Both of you are in daytime (9:00–21:00):" in intro and "Suggested first steps" in intro
    await discord.wait_for(lambda: started.original is not None and f"<#{thread.id}>" in started.original.content)
    await wait_for_dm(discord, alice, f"🎉 {bob.mention} accepted too")

    check_ins: list[Message] = []
    for _ in range(2):
        await run_jobs_now(agora.bot.db, service.CHECK_IN_JOB, agora.bot.scheduler.run_due)
        await discord.wait_for(lambda: len(thread.messages) == 2 + len(check_ins), what="a check-in")
        check_ins.append(thread.messages[-1])
        assert "did you meet since last time?" in check_ins[-1].content
        await bob.click(check_ins[-1], "Not yet")
        assert f"❌ {bob.mention}: not yet" in check_ins[-1].content
    flagged = await discord.wait_for(lambda: place.moderators.messages, what="the hosts' notice")
    assert flagged[-1].content.startswith(f"⚠️ Mentoring: {alice.mention} and {bob.mention} answered ❌ twice in a row")
    status = await slash(place.host, "mentoring status")
    assert (
        f"• {alice.mention} 1/1" in status.content
        and f"• {alice.mention} & {bob.mention}: ❌ twice in a row" in status.content
    )

    completed: list[Mentorship] = []

    async def celebrate(pair: Mentorship) -> None:
        completed.append(pair)

    agora.bot.add_listener(celebrate, "on_mentorship_completed")
    ended = await bob.slash("mentoring end")
    assert ended.content.startswith(f"🏁 The mentorship of {alice.mention} and {bob.mention} has ended.")
    await discord.wait_for(lambda: thread.archived, what="the thread archived")
    assert thread.messages[-1].content.startswith(f"🏁 {bob.mention} ended this mentorship.")
    assert [pair.state for pair in completed] == [PairState.COMPLETED]
    prompt = await wait_for_dm(discord, alice, "How was it?")
    opened = await alice.click(prompt, "4")
    thanked = await alice.submit_modal({"comment": "Great mentee"}, opened_by=opened)
    assert thanked.original is prompt and prompt.content == "🙏 Thank you for your feedback." and not prompt.components
    async with agora.bot.db.transaction() as session:
        given = await session.scalar(select(Feedback).where(Feedback.member_id == alice.id))
    assert given is not None and (given.rating, given.comment) == (4, "Great mentee")
    status = await slash(place.host, "mentoring status")
    assert f"• 4/5 {alice.mention} ({bob.mention}) “Great mentee”" in status.content
    again = await bob.slash("mentoring end")
    assert again.content == "You have no active mentorship."


async def test_decline_timeout_rematch_and_never_the_same_pair_twice(discord: Emulator, agora: AgoraHarness) -> None:
    place = await community(discord, agora)
    alice = await with_profile(discord, agora, "alice", skills_to_share="python", languages="English")
    frank = await with_profile(discord, agora, "frank", skills_to_share="python", languages="English")
    bob = await with_profile(discord, agora, "bob", skills_to_learn="python", languages="English")
    for mentor in (alice, frank):
        await offer(mentor)
    await request(bob)
    await place.host.click(preview_message(await preview(place.host)), "Publish")
    await wait_for_dm(discord, bob, "could mentor you.")
    first, second = (alice, frank) if any("Accept" in str(m.components) for m in alice.dms) else (frank, alice)
    opened = await first.click(proposal_dm(first), "Decline")
    declined = await first.submit_modal({"reason": "Too busy this month"}, opened_by=opened)
    assert declined.original is not None and declined.original.content.startswith(
        f"You declined the proposal with {bob.mention}"
    )
    told = await wait_for_dm(discord, bob, "will not go ahead")
    assert "You will be proposed again at the next round." in told.content
    assert not any("Too busy" in message.content for message in bob.dms)  # nobody sees the other's reason

    rematched = await slash(place.host, "mentoring rematch", member=bob.member)
    assert rematched.content.startswith(f"🔁 {bob.mention} is proposed to {second.mention}")
    await wait_for_dm(discord, second, f"would you mentor {bob.mention}?")
    accepted = await bob.click(await wait_for_dm(discord, bob, f"{second.mention} could mentor you."), "Accept")
    assert accepted.original is not None and accepted.original.content.startswith("✅ You accepted.")
    for _ in range(2):  # one reminder, however often the job runs
        await run_jobs_now(agora.bot.db, service.REMIND_JOB, agora.bot.scheduler.run_due)
    await agora.idle()
    assert [m.content.startswith("⏰ Reminder") for m in second.dms].count(True) == 1
    assert not any(m.content.startswith("⏰ Reminder") for m in bob.dms)

    async with agora.bot.db.transaction() as session:
        await session.execute(update(Mentorship).values(answer_by=utcnow()))
    await run_jobs_now(agora.bot.db, service.EXPIRE_JOB, agora.bot.scheduler.run_due)
    await wait_for_dm(discord, bob, "expired: not both of you answered within 72 hours. You will be proposed again")
    late = await second.click(proposal_dm(second), "Accept")
    assert late.ephemeral and late.content.startswith("This proposal expired on <t:")

    shown = preview_message(await preview(place.host))
    assert (
        "🤝 0 pair(s)" in shown.content and f"• {bob.mention}: already proposed to everyone who fits" in shown.content
    )
    assert not shown.buttons()
    refused = await place.host.slash("mentoring rematch", member=bob.member)
    assert refused.content == "Nobody can mentor this member now: every mentor who fits was proposed to them before."
    assert {(p.mentor_id, p.mentee_id, p.state) for p in await pairs_of(agora)} == {
        (first.id, bob.id, PairState.DECLINED),
        (second.id, bob.id, PairState.EXPIRED),
    }
    async with agora.bot.db.transaction() as session:
        reason = await session.scalar(select(Mentorship.decline_reason).where(Mentorship.mentor_id == first.id))
    assert reason == "Too busy this month"  # kept for the hosts


async def test_two_hosts_publishing_at_once_never_exceed_capacity(discord: Emulator, agora: AgoraHarness) -> None:
    place = await community(discord, agora)
    ivan = await discord.member("ivan", roles=[role for role in discord.guild.roles.values() if role.name == "Hosts"])
    alice = await with_profile(discord, agora, "alice", skills_to_share="python", languages="English")
    frank = await with_profile(discord, agora, "frank", skills_to_share="python", languages="English")
    await offer(alice, capacity="2")
    await offer(frank)
    for name in ("m1", "m2", "m3", "m4", "m5"):
        await request(await with_profile(discord, agora, name, skills_to_learn="python", languages="English"))
    hana_preview = preview_message(await preview(place.host))
    ivan_preview = preview_message(await preview(ivan))
    assert "🤝 3 pair(s)" in hana_preview.content and "🤝 3 pair(s)" in ivan_preview.content
    clicks = await asyncio.gather(place.host.click(hana_preview, "Publish"), ivan.click(ivan_preview, "Publish"))
    replies = sorted(click.content for click in clicks)
    assert replies[0].startswith(
        "✅ Published: 0 proposals sent by DM.\n3 pairs of the preview were no longer possible"
    )
    assert replies[1].startswith("✅ Published: 3 proposals sent by DM.")
    async with agora.bot.db.transaction() as session:
        assert await service.live_loads(session, discord.guild.id) == {alice.id: 2, frank.id: 1}


async def test_departures_close_proposals_and_pairs_and_a_paused_mentor_keeps_mentees(
    discord: Emulator, agora: AgoraHarness
) -> None:
    place = await community(discord, agora)
    alice = await with_profile(discord, agora, "alice", skills_to_share="python", languages="English")
    bob = await with_profile(discord, agora, "bob", skills_to_learn="python", languages="English")
    carol = await with_profile(discord, agora, "carol", skills_to_learn="python", languages="English")
    await offer(alice, capacity="2")
    for mentee in (bob, carol):
        await request(mentee)
    await place.host.click(preview_message(await preview(place.host)), "Publish")
    await wait_for_dm(discord, carol, "could mentor you.")
    for member in (alice, bob):
        await member.click(
            next(
                m
                for m in member.dms
                if "Accept" in str(m.components) and (bob.mention in m.content or alice.mention in m.content)
            ),
            "Accept",
        )
    thread = await discord.wait_for(lambda: next(iter(discord.guild.threads()), None), what="the thread")

    await discord.leave(discord.guild, carol)
    await wait_for_dm(discord, alice, f"The mentoring proposal with {carol.mention} (Agora Test) is closed: they left")
    paused = await alice.slash("mentor pause")
    assert (
        paused.content == "⏸️ Paused: no new proposals for you until /mentor resume.\nYou keep your current mentee (1)."
    )
    await request(await with_profile(discord, agora, "dave", skills_to_learn="python", languages="English"))
    refused = await slash(place.host, "mentoring round")
    assert refused.content.startswith("No mentor is available")
    shown = await alice.slash("profile show")
    assert "• Mentor: 1/2 mentees · python · English (paused)" in shown.content

    await discord.leave(discord.guild, bob)
    await discord.wait_for(lambda: thread.archived, what="the closed pair's thread archived")
    assert thread.messages[-1].content == f"👋 {bob.mention} left the server: this mentorship is closed."
    await wait_for_dm(discord, alice, "How was it?")
    assert {p.state for p in await pairs_of(agora)} == {PairState.CLOSED, PairState.CANCELLED}


async def test_automatic_rounds_restart_proof_buttons_and_export(discord: Emulator, agora: AgoraHarness) -> None:
    place = await community(discord, agora)
    shown = await slash(place.host, "mentoring settings", auto_round_days=7, check_in_days=7)
    assert (
        "• Automatic rounds: every 7 days, next <t:" in shown.content and "• Check-ins: every 7 days" in shown.content
    )
    alice = await with_profile(discord, agora, "alice", skills_to_share="python", languages="English")
    bob = await with_profile(discord, agora, "bob", skills_to_learn="python", languages="English")
    await offer(alice)
    await request(bob)
    await run_jobs_now(agora.bot.db, service.ROUND_JOB, agora.bot.scheduler.run_due)
    notice = await discord.wait_for(lambda: place.moderators.messages, what="the hosts' summary")
    assert notice[-1].content.startswith("🤝 Automatic mentoring round: 1 proposal(s) sent by DM.")
    await wait_for_dm(discord, bob, "could mentor you.")

    await agora.restart()
    answered = await bob.click(proposal_dm(bob), "Accept")  # posted before the restart
    assert answered.original is not None and answered.original.content.startswith("✅ You accepted.")
    await alice.click(proposal_dm(alice), "Accept")
    thread = await discord.wait_for(lambda: next(iter(discord.guild.threads()), None), what="the thread")
    choices = await place.host.autocomplete("mentoring end", mentorship="ali")
    assert [choice["name"] for choice in choices] == ["alice → bob"]
    assert await bob.autocomplete("mentoring end", mentorship="zz") == []
    ended = await place.host.slash("mentoring end", mentorship=choices[0]["value"])  # a host ends any of them
    assert ended.content.startswith(f"🏁 The mentorship of {alice.mention} and {bob.mention} has ended.")
    await discord.wait_for(lambda: thread.archived, what="the thread archived")
    assert thread.messages[-1].content.startswith(f"🏁 A host ({place.host.mention}) ended this mentorship.")
    export = await slash(place.host, "mentoring export")
    files = {attachment.filename: attachment.data for attachment in export.followups[0].attachments}
    pairs = list(csv.DictReader(io.StringIO(files[f"mentoring-pairs-{discord.guild.id}.csv"].decode("utf-8-sig"))))
    assert [(row["mentor"], row["mentee"], row["state"]) for row in pairs] == [("alice", "bob", "completed")]
    members = list(csv.DictReader(io.StringIO(files[f"mentoring-members-{discord.guild.id}.csv"].decode("utf-8-sig"))))
    assert sorted(row["role"] for row in members) == ["mentee (fulfilled)", "mentor"]
    off = await slash(place.host, "mentoring settings", auto_round_days=0)
    assert "• Automatic rounds: off" in off.content
