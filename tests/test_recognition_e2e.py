"""Recognition end to end: the real bot against the emulated Discord, with a real database.

Members thank each other by command, by the message command and by reaction; the fair-play rules refuse what does
not count and say why; hosts tune, exclude, revoke and reset; milestones give roles and are gathered into one post.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from bot.client import Agora
from bot.config import Settings
from models.base import utcnow
from models.recognition import milestones, posts
from models.recognition.rules import MilestoneKind
from playground.emulator import Emulator, MemberDriver, RunBot, payloads
from playground.emulator.state import Channel, Interaction, Member, Message
from tests.conftest import AgoraHarness
from tests.support.welcome import run_jobs_now

RECOGNITION_COGS = ("cogs.settings", "cogs.recognition")
MANAGE_GUILD = 1 << 5
THANKS = "🙏"


@pytest.fixture
async def agora(run_bot: RunBot, agora_settings: Settings) -> AsyncIterator[AgoraHarness]:
    """The real bot with the recognition cog (and the settings cog) only: no other capability greets newcomers."""

    def build() -> Agora:
        return Agora(agora_settings, cogs=RECOGNITION_COGS, guild_ready_timeout=0.05)

    harness = AgoraHarness(await run_bot(build, wait_for_sync=True), agora_settings, RECOGNITION_COGS)
    await harness.caught_up()
    yield harness
    await harness.stop()


def recognition(agora: AgoraHarness) -> Any:
    cog = agora.bot.get_cog("Recognition")
    assert cog is not None
    return cog


@dataclass
class Server:
    host: MemberDriver
    thanks: Channel
    general: Channel
    ada: MemberDriver
    bob: MemberDriver
    cy: MemberDriver


async def server(discord: Emulator, *, host_locale: str = "en-US") -> Server:
    hosts = await discord.create_role(discord.guild, "Hosts", permissions=MANAGE_GUILD)
    host = await discord.member("hana", locale=host_locale, roles=[hosts])
    thanks = await discord.create_channel(discord.guild, "thanks")
    reply = await host.slash("agora channel", purpose="thanks", channel=thanks)
    assert "✅" in reply.content
    general = discord.guild.channel("general")
    ada = await discord.member("ada")
    bob = await discord.member("bob")
    cy = await discord.member("cy")
    return Server(host, thanks, general, ada, bob, cy)


def set_clock(agora: AgoraHarness, moment: datetime) -> None:
    recognition(agora).clock = lambda: moment


async def give(member: MemberDriver, to: MemberDriver, category: str = "teach", **options: Any) -> Interaction:
    reply = await member.slash("kudos give", member=to, category=category, **options)
    assert reply.ephemeral
    return reply


async def dms_of(discord: Emulator, member: MemberDriver, count: int = 1) -> list[Message]:
    await discord.wait_for(lambda: len(member.dms) >= count, what=f"{count} DM(s) to {member.name}")
    return member.dms


def bot_posts(channel: Channel, bot_id: int) -> list[Message]:
    return [message for message in channel.messages if message.author_id == bot_id]


# --- giving by command ------------------------------------------------------------------------------------------


async def test_a_kudos_by_command_is_told_to_the_receiver_and_posted_with_its_reason(
    discord: Emulator, agora: AgoraHarness
) -> None:
    s = await server(discord)
    reply = await give(s.ada, s.bob, reason="for explaining @everyone decorators <@&1>")
    assert reply.content == f"🙏 You thanked {s.bob.mention} (🧑‍🏫 Teaching). Kudos left today: 4."
    dm = (await dms_of(discord, s.bob))[0]
    assert "ada" not in dm.content or s.ada.mention in dm.content
    assert s.ada.mention in dm.content and "decorators" in dm.content
    await agora.idle()
    [post] = bot_posts(s.thanks, discord.bot.id)
    assert post.content.startswith(f"🙏 {s.ada.mention} thanked {s.bob.mention} — 🧑‍🏫 Teaching")
    sent = next(r for r in discord.requests if r.method == "POST" and r.path == f"/channels/{s.thanks.id}/messages")
    assert sent.json["allowed_mentions"] == {"parse": []}  # mentions in reasons never ping


async def test_refusals_say_why_and_how_many_are_left(discord: Emulator, agora: AgoraHarness) -> None:
    s = await server(discord)
    await give(s.ada, s.bob)
    helper = await discord.member("helper", bot=True)
    refused = {
        "self": await give(s.ada, s.ada),
        "bot": await give(s.ada, helper),
        "category": await give(s.ada, s.bob, category="cooking"),
        "reason": await give(s.ada, s.cy, reason="x" * 301),
    }
    assert refused["self"].content == "You can’t thank yourself. Kudos left today: 4."
    assert refused["bot"].content.startswith("Bots don’t collect kudos")
    assert refused["category"].content.startswith("“cooking” is not a kudos category here")
    assert refused["reason"].content.startswith("Your reason is 301 characters long; keep it to 300.")
    assert all(reply.ephemeral and reply.content.endswith("Kudos left today: 4.") for reply in refused.values())
    stranger = discord.state.add_user("stranger")
    discord.expect_rejections(10007)  # Agora asks whether they are a member: Discord says Unknown Member
    gone = await s.ada.slash("kudos give", member=stranger, category="teach")
    assert gone.content == f"<@{stranger.id}> is not a member of this server (any more). Kudos left today: 4."
    zoe = await discord.member("zoé", locale="fr")
    french = await give(zoe, zoe)
    assert french.content == "Vous ne pouvez pas vous remercier vous-même. Mercis restants aujourd’hui : 5."


async def test_the_allowance_resets_at_midnight_in_the_servers_time_zone(
    discord: Emulator, agora: AgoraHarness
) -> None:
    s = await server(discord)
    assert "✅" in (await s.host.slash("agora timezone", zone="America/Montreal")).content
    others = [await discord.member(f"m{n}") for n in range(6)]
    set_clock(agora, datetime(2026, 11, 25, 4, 59, tzinfo=UTC))  # 23:59 in Montreal, already tomorrow in UTC
    for member in others[:5]:
        assert "Kudos left today" in (await give(s.ada, member)).content
    refused = await give(s.ada, others[5])
    assert refused.content.startswith("You have given all 5 of today’s kudos; new ones from <t:1795582800:t>.")
    set_clock(agora, datetime(2026, 11, 25, 5, 0, tzinfo=UTC))  # midnight in Montreal
    assert (await give(s.ada, others[5])).content.endswith("Kudos left today: 4.")


async def test_at_most_two_kudos_a_day_to_the_same_member_and_no_thanking_straight_back(
    discord: Emulator, agora: AgoraHarness
) -> None:
    s = await server(discord)
    noon = datetime(2026, 11, 24, 11, tzinfo=UTC)
    set_clock(agora, noon)
    await give(s.ada, s.cy)
    await give(s.ada, s.cy, category="learn")
    capped = await give(s.ada, s.cy)
    assert capped.content.startswith(f"You have already thanked {s.cy.mention} as often as a day allows")
    assert capped.content.endswith("Kudos left today: 3.")
    set_clock(agora, noon + timedelta(minutes=9))
    back = await give(s.cy, s.ada)
    assert back.content.startswith(f"{s.ada.mention} just thanked you: a thank-you sent straight back doesn’t count.")
    assert f"You can thank them from <t:{int((noon + timedelta(minutes=10)).timestamp())}:t>." in back.content
    set_clock(agora, noon + timedelta(minutes=10))
    assert (await give(s.cy, s.ada)).content.endswith("Kudos left today: 4.")


# --- reactions ---------------------------------------------------------------------------------------------------


async def kudos_me(member: MemberDriver) -> str:
    return (await member.slash("kudos me")).content


async def test_a_reaction_gives_a_kudos_and_taking_it_back_withdraws_it(discord: Emulator, agora: AgoraHarness) -> None:
    s = await server(discord)
    message = await s.cy.say(s.general, "Here is how decorators work…")
    await s.ada.react(message, THANKS)
    await s.bob.react(message, "🙏🏽")  # any skin tone
    await s.host.react(message, "👍")  # not the kudos reaction: nothing happens
    await agora.idle()
    assert "Received: 2" in await kudos_me(s.cy)
    dm = (await dms_of(discord, s.cy))[0]
    assert f"https://discord.com/channels/{discord.guild.id}/{s.general.id}/{message.id}" in dm.content
    assert bot_posts(s.thanks, discord.bot.id) == []  # a reaction has no reason: nothing public
    await s.ada.unreact(message, THANKS)
    await agora.idle()
    assert "Received: 1" in await kudos_me(s.cy)
    assert "Given: 0 · left today: 5" in await kudos_me(s.ada)
    await s.ada.react(message, THANKS)  # given again, but its receiver is not told twice
    await agora.idle()
    assert "Received: 2" in await kudos_me(s.cy)
    assert sum(s.ada.mention in dm.content for dm in s.cy.dms) == 1


async def test_a_reaction_to_an_author_agora_saw_asks_discord_nothing_about_them(
    discord: Emulator, agora: AgoraHarness
) -> None:
    """Members are not cached: the author's message (or join) told Agora they are a member and not a bot, and their
    thanks go to their DMs by id."""
    s = await server(discord)
    newcomer = await discord.member("dee")
    message = await s.cy.say(s.general, "a neat trick")
    await s.ada.react(message, THANKS)
    await s.bob.react(await newcomer.say(s.general, "hello"), THANKS)
    await agora.idle()
    assert "Received: 1" in await kudos_me(s.cy)
    assert "Received: 1" in await kudos_me(newcomer)
    assert len(await dms_of(discord, s.cy)) == len(await dms_of(discord, newcomer)) == 1
    member_reads = [r for r in discord.core.journal.requests if r.method == "GET" and "/members/" in r.path]
    assert member_reads == []


async def test_a_refused_reaction_is_taken_back_and_its_giver_told_once(discord: Emulator, agora: AgoraHarness) -> None:
    s = await server(discord)
    assert "✅" in (await s.host.slash("kudos settings", daily=1)).content
    messages = [await author.say(s.general, "useful") for author in (s.bob, s.cy, s.host)]
    own = await s.ada.say(s.general, "my own")
    for message in (*messages, own):
        await s.ada.react(message, THANKS)
    await agora.idle()
    assert [message.reactors(THANKS) for message in messages] == [[s.ada.id], [], []]
    assert own.reactors(THANKS) == []
    allowance, itself = await dms_of(discord, s.ada, 2)
    assert allowance.content.startswith(f"Your 🙏 on https://discord.com/channels/{discord.guild.id}/{s.general.id}/")
    assert "You have given all 1 of today’s kudos" in allowance.content
    assert allowance.content.endswith("Kudos left today: 0.")
    assert "You can’t thank yourself." in itself.content
    assert len(s.ada.dms) == 2  # once per reason: two reactions were refused for the allowance


async def test_deleting_a_message_withdraws_its_kudos(discord: Emulator, agora: AgoraHarness) -> None:
    s = await server(discord)
    message = await s.cy.say(s.general, "a great tip")
    await s.ada.react(message, THANKS)
    await agora.idle()
    assert "Received: 1" in await kudos_me(s.cy)
    discord.core.delete_message(message)
    await discord.sync()
    await agora.idle()
    assert "Received: 0" in await kudos_me(s.cy)


async def test_a_reaction_on_a_message_of_a_member_who_left_is_refused(discord: Emulator, agora: AgoraHarness) -> None:
    s = await server(discord)
    message = await s.cy.say(s.general, "bye")
    await discord.leave(discord.guild, s.cy)
    discord.expect_rejections(10007)
    await s.ada.react(message, THANKS)
    await agora.idle()
    assert message.reactors(THANKS) == []
    [told] = await dms_of(discord, s.ada)
    assert f"{s.cy.mention} is not a member of this server (any more)." in told.content


async def test_reactions_on_agoras_own_posts_are_left_alone(discord: Emulator, agora: AgoraHarness) -> None:
    s = await server(discord)
    await give(s.ada, s.bob, reason="thanks!")
    await agora.idle()
    [post] = bot_posts(s.thanks, discord.bot.id)
    await s.cy.react(post, THANKS)
    await agora.idle()
    assert post.reactors(THANKS) == [s.cy.id] and s.cy.dms == []


async def test_hosts_choose_the_reaction_and_its_category(discord: Emulator, agora: AgoraHarness) -> None:
    s = await server(discord)
    refused = await s.host.slash("kudos settings", reaction="thanks")
    assert refused.content.startswith("“thanks” is not an emoji I can watch for")
    reply = await s.host.slash("kudos settings", reaction="⭐", reaction_category="share")
    assert "Reaction: ⭐ (category 🤝 Sharing)" in reply.content
    message = await s.bob.say(s.general, "slides")
    await s.ada.react(message, THANKS)
    await s.cy.react(message, "⭐")
    await agora.idle()
    me = await kudos_me(s.bob)
    assert "Received: 1" in me and "🤝 Sharing: 1" in me


# --- the message command ----------------------------------------------------------------------------------------


async def test_the_message_command_thanks_its_author_in_a_category(discord: Emulator, agora: AgoraHarness) -> None:
    s = await server(discord)
    message = await s.bob.say(s.general, "Use a virtual environment.")
    menu = await s.ada.message_command("Give kudos for this message", message)
    assert menu.ephemeral and menu.content == f"What do you thank {s.bob.mention} for?"
    assert menu.original is not None
    chosen = await s.ada.select(menu.original, ["learn"])
    assert chosen.message is not None
    assert (
        chosen.message.content == f"🙏 You thanked {s.bob.mention} for this message (📚 Learning). Kudos left today: 4."
    )
    await agora.idle()
    [post] = bot_posts(s.thanks, discord.bot.id)
    assert f"/{s.general.id}/{message.id}" in post.content  # the message is the reason
    second = await s.ada.message_command("Give kudos for this message", message)
    assert second.original is not None
    again = await s.ada.select(second.original, ["teach"])
    assert again.message is not None and again.message.content.startswith("You already thanked")
    own = await s.bob.message_command("Give kudos for this message", message)
    assert own.content == "You can’t thank yourself. Kudos left today: 5."


# --- boards, summaries and host tools ---------------------------------------------------------------------------


async def test_boards_summaries_and_the_hosts_tools(discord: Emulator, agora: AgoraHarness) -> None:
    s = await server(discord)
    await give(s.ada, s.bob)
    await give(s.cy, s.bob, category="learn")
    await give(s.host, s.cy)
    board = await s.ada.slash("kudos board")
    embed = board.original.embeds[0] if board.original else {}
    received, given = (field["value"] for field in embed["fields"])
    assert received.splitlines() == [f"1. {s.bob.mention} — 2", f"2. {s.cy.mention} — 1"]
    assert len(given.splitlines()) == 3
    learning = await s.ada.slash("kudos board", period="month", category="Learning")
    fields = learning.original.embeds[0]["fields"] if learning.original else []
    assert fields[0]["value"] == f"1. {s.bob.mention} — 1"
    assert (await s.ada.slash("kudos board", category="nope")).content.startswith("“nope” is not a kudos category")
    assert (await s.ada.slash("kudos exclude", member=s.bob)).content.startswith("Only hosts")
    assert "kept out" in (await s.host.slash("kudos exclude", member=s.bob)).content
    hidden = await s.ada.slash("kudos board")
    assert s.bob.mention not in hidden.original.embeds[0]["fields"][0]["value"] if hidden.original else False
    assert "A host has kept you or" in (await give(s.ada, s.bob)).content
    await s.host.slash("kudos exclude", member=s.bob, excluded=False)
    choices = await s.host.autocomplete("kudos revoke", kudos="")
    assert len(choices) == 3 and choices[0]["name"].startswith("#")
    revoked = await s.host.slash("kudos revoke", kudos=choices[-1]["value"])
    assert revoked.content.startswith(f"✅ Kudos #{choices[-1]['value']} from {s.ada.mention} to {s.bob.mention}")
    assert (await s.host.slash("kudos revoke", kudos="#999")).content.startswith("I found no such kudos")
    assert "Received: 1" in await kudos_me(s.bob)
    assert "starts over" in (await s.host.slash("kudos reset", period="week")).content
    after = await s.ada.slash("kudos board")
    assert after.original is not None and after.original.embeds[0]["fields"][0]["value"] == "Nobody yet."
    me = await kudos_me(s.cy)
    assert "Given: 1 · left today: 4" in me and "Days in a row thanking someone: 1 (best: 1)" in me
    assert "Weeks in a row thanked: 1 (best: 1)" in me
    assert "Given: 0 · left today: 5" in await kudos_me(s.ada)  # a revoked kudos no longer counts


async def test_boards_page_through_with_buttons(discord: Emulator, agora: AgoraHarness) -> None:
    s = await server(discord)
    await s.host.slash("kudos settings", daily=20)
    members = [await discord.member(f"p{n}") for n in range(13)]
    for giver in members[:2]:
        for receiver in members[2:]:
            await give(giver, receiver)
    board = await s.ada.slash("kudos board", period="all")
    assert board.original is not None
    first = board.original.embeds[0]["fields"][0]["value"].splitlines()
    assert len(first) == 10 and first[0].startswith("1. ")
    previous, following = board.original.buttons()
    assert previous["disabled"] and not following.get("disabled")
    turned = await s.ada.click(board.original, following["custom_id"])
    assert turned.message is not None
    assert turned.message.embeds[0]["footer"]["text"] == "Page 2"
    assert turned.message.embeds[0]["fields"][0]["value"].startswith("11. ")


async def test_categories_can_be_added_and_renamed_in_both_languages(discord: Emulator, agora: AgoraHarness) -> None:
    s = await server(discord)
    added = await s.host.slash("kudos category", key="talks", english="Talks", french="Exposés")
    assert added.content == "✅ New category: ✨ Talks (`talks`)."
    renamed = await s.host.slash("kudos category", key="teach", french="Aider")
    assert renamed.content == "✅ Category renamed: 🧑‍🏫 Teaching (`teach`)."
    assert (await s.host.slash("kudos category", key="Bad Key!", english="x")).content.startswith("“bad key!” cannot")
    zoe = await discord.member("zoé", locale="fr")
    choices = await zoe.autocomplete("kudos give", member=s.ada, category="")
    assert [choice["name"] for choice in choices] == [
        "📚 Apprendre", "🛠️ Construire", "🧑‍🏫 Aider", "🤝 Partager", "✨ Exposés"
    ]  # fmt: skip
    await give(zoe, s.ada, category="Exposés")
    assert "✨ Talks: 1" in await kudos_me(s.ada)


# --- milestones, roles and the recognition post -----------------------------------------------------------------


async def report(agora: AgoraHarness, member: MemberDriver, kind: MilestoneKind, key: str) -> list[int]:
    """What another capability does when one of its events happens (a session attended, a post shared…)."""
    async with agora.bot.db.transaction() as session:
        return await milestones.report_milestone(session, member.guild.id, member.id, kind, key)


async def run_post(agora: AgoraHarness) -> None:
    await run_jobs_now(agora.bot.db, posts.POST_JOB, agora.bot.scheduler.run_due)
    await agora.idle()


def recognition_posts(channel: Channel, bot_id: int) -> list[Message]:
    return [m for m in bot_posts(channel, bot_id) if m.embeds and m.embeds[0]["title"].startswith("🌟")]


async def test_kudos_thresholds_give_the_role_hosts_chose(discord: Emulator, agora: AgoraHarness) -> None:
    s = await server(discord)
    helper = await discord.create_role(discord.guild, "Helper")
    assert "2" in (await s.host.slash("kudos milestones", kind="kudos_received", thresholds="2, 4")).content
    assert (await s.host.slash("kudos role", kind="kudos_received", level=3, role=helper)).content.startswith(
        "That is not one of this milestone’s levels: 2, 4."
    )
    mapped = await s.host.slash("kudos role", kind="kudos_received", level=2, role=helper)
    assert mapped.content.startswith("✅ Members who reach “2 kudos received” get")
    await give(s.ada, s.cy)
    await agora.idle()
    assert helper not in s.cy.roles
    await give(s.bob, s.cy)
    await discord.wait_for(lambda: helper in s.cy.roles, what="the Helper role")
    sessions = await discord.create_role(discord.guild, "Regular")
    await s.host.slash("kudos role", kind="session_attended", level=1, role=sessions)
    assert await report(agora, s.ada, MilestoneKind.SESSION_ATTENDED, "occurrence-1") == [1]
    assert await report(agora, s.ada, MilestoneKind.SESSION_ATTENDED, "occurrence-1") == []
    await discord.wait_for(lambda: sessions in s.ada.roles, what="the Regular role")


async def test_milestones_are_gathered_into_one_post_posted_once_across_a_restart(
    discord: Emulator, agora: AgoraHarness
) -> None:
    s = await server(discord)
    await s.host.slash("kudos milestones", kind="kudos_received", thresholds="1")
    await give(s.ada, s.cy)
    await report(agora, s.ada, MilestoneKind.SESSION_ATTENDED, "occurrence-1")
    await report(agora, s.bob, MilestoneKind.SHARED_POST, "thread-9")
    assert "named in recognition posts: off" in (await s.bob.slash("kudos preferences", named=False)).content
    await agora.idle()
    held = asyncio.Event()
    delay = discord.faults.delay("POST", f"/channels/{s.thanks.id}/messages", held)
    running = asyncio.create_task(run_jobs_now(agora.bot.db, posts.POST_JOB, agora.bot.scheduler.run_due))
    await discord.wait_for(lambda: delay.holding == 1, what="the post, sent but not yet answered")
    [post] = recognition_posts(s.thanks, discord.bot.id)  # Discord has it; Agora stops before hearing back
    agora.runner.expect_errors()  # the stopping bot's job fails: its connection closes under it
    await agora.restart()  # the job, claimed by a process that stopped, runs again at start
    held.set()
    with contextlib.suppress(Exception):
        await running
    await agora.idle()
    await run_post(agora)
    assert recognition_posts(s.thanks, discord.bot.id) == [post]
    text = post.embeds[0]["description"]
    assert f"🎉 {s.cy.mention} — first kudos received" in text
    assert f"🎉 {s.ada.mention} — first session attended" in text
    assert s.bob.mention not in text and "…and 1 member who prefers not to be named." in text
    assert post.reactors("🎉") == [discord.bot.id]
    await report(agora, s.host, MilestoneKind.PROJECT_FINISHED, "project-1")
    await run_post(agora)
    assert recognition_posts(s.thanks, discord.bot.id) == [post]  # the week's post is out: the next one says it


async def test_join_anniversaries_are_noticed_once(discord: Emulator, agora: AgoraHarness) -> None:
    s = await server(discord)
    vera = Member(
        user=discord.state.add_user("vera"), guild_id=discord.guild.id, joined_at=utcnow() - timedelta(days=367)
    )
    discord.guild.members[vera.id] = vera
    discord.core.gateway.dispatch("GUILD_MEMBER_ADD", payloads.member(vera) | {"guild_id": str(discord.guild.id)})
    await discord.sync()
    veteran = discord.driver(vera)
    await run_jobs_now(agora.bot.db, posts.DAILY_JOB, agora.bot.scheduler.run_due)
    await run_jobs_now(agora.bot.db, posts.DAILY_JOB, agora.bot.scheduler.run_due)
    await run_post(agora)
    [post] = recognition_posts(s.thanks, discord.bot.id)
    assert post.embeds[0]["description"] == f"🎉 {veteran.mention} — one year with us"


# --- notices ----------------------------------------------------------------------------------------------------


async def test_closed_dms_get_a_quiet_line_and_notices_can_be_muted(discord: Emulator, agora: AgoraHarness) -> None:
    s = await server(discord)
    closed = await discord.member("dee", dms_open=False)
    discord.expect_rejections(50007)  # Cannot send messages to this user
    await give(s.ada, closed)
    await agora.idle()
    [line] = bot_posts(s.thanks, discord.bot.id)
    assert line.content.startswith(f"🙏 {closed.mention}, {s.ada.mention} thanked you (your DMs are closed")
    assert line.flags & 4096  # SUPPRESS_NOTIFICATIONS: a quiet line
    assert "Notices when someone thanks you: off" in (await s.cy.slash("kudos preferences", notices=False)).content
    await give(s.ada, s.cy)
    await agora.idle()
    assert s.cy.dms == []


# --- celebrations -----------------------------------------------------------------------------------------------

PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 64


async def test_hosts_celebrate_with_an_image_and_may_let_members_do_it(discord: Emulator, agora: AgoraHarness) -> None:
    s = await server(discord)
    reply = await s.host.slash(
        "celebrate", member=s.ada, text="Passed the AWS exam! @everyone", image=("cert.PNG", PNG)
    )
    await discord.wait_for(lambda: reply.followups, what="the answer to /celebrate")
    [post] = bot_posts(s.thanks, discord.bot.id)
    assert post.content == f"🎉 Congratulations {s.ada.mention}!"
    assert "Passed the AWS exam! @everyone" in post.embeds[0]["description"]
    assert post.embeds[0]["image"]["url"] == "attachment://celebration.png"
    assert [a.filename for a in post.attachments] == ["celebration.png"]
    await agora.idle()
    assert [r.emoji.name for r in post.reactions] == ["🎉", "👏"]
    sent = next(r for r in discord.requests if r.method == "POST" and r.path == f"/channels/{s.thanks.id}/messages")
    assert sent.json["allowed_mentions"]["parse"] == [] and sent.json["allowed_mentions"]["users"] == [s.ada.id]
    assert (await s.bob.slash("celebrate", member=s.ada, text="yay")).content.startswith("Only hosts can celebrate")
    await s.host.slash("kudos settings", members_celebrate=True)
    text = await s.host.slash("celebrate", member=s.ada, text="notes", image=("notes.txt", b"hello"))
    assert text.content == "“notes.txt” is not an image I can show: use a PNG, JPEG, GIF or WebP file."
    big = await s.bob.slash("celebrate", member=s.ada, text="big", image=("big.png", b"\0" * (10 * 1024 * 1024 + 1)))
    assert big.content == "That image weighs 10.0 MB; Discord accepts up to 10.0 MB here."
    bot = await discord.member("robot", bot=True)
    assert (await s.bob.slash("celebrate", member=bot, text="beep")).content.endswith("celebrate someone who is.")
    done = await s.bob.slash("celebrate", member=s.cy, text="Gave a great talk")
    await discord.wait_for(lambda: done.followups, what="the answer to /celebrate")
    assert len(bot_posts(s.thanks, discord.bot.id)) == 2
