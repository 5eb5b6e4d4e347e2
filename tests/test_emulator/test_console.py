"""The sandbox's console against the sample bot: every kind of thing a member sees, and the actions on it."""

from __future__ import annotations

import re

import pytest

from playground.emulator.console import Console
from playground.emulator.driver import Emulator
from playground.emulator.render import Renderer
from playground.emulator.state import Attachment, Emoji, Message, Reaction

from .sample_bot import SampleBot


def handle_of(output: str, pattern: str) -> str:
    """The handle (m3) of the message whose header line matches `pattern`."""
    found = re.search(rf"^(m\d+) · {pattern}", output, re.MULTILINE)
    assert found, f"no message matching {pattern!r} in:\n{output}"
    return found[1]


@pytest.fixture
async def console(discord: Emulator, bot: SampleBot) -> Console:
    await discord.member("alice")
    return Console(discord)


async def test_buttons_and_selects_get_handles_to_act_on(discord: Emulator, console: Console) -> None:
    shown = await console.run("alice /vote")
    vote = handle_of(shown, "#general · Agora")
    assert "  vote now" in shown
    assert "[b1 Accept · green]  [b2 Decline · grey]" in shown
    assert "s1 ▾ choose · choose 1" in shown and "    apple\n" in shown
    await console.run(f"alice select {vote} banana")  # the bot defers, then edits
    await discord.wait_for(lambda: "picked" in console.message(vote).content)
    assert "  picked banana" in await console.run(f"show {vote}")
    accepted = await console.run(f"alice click {vote} b1")
    assert f"{vote} · #general · Agora · edited · updated\n  accepted by alice" in accepted
    assert "[b1" not in accepted  # the view is gone


async def test_a_form_shows_its_fields_and_is_submitted_by_number_or_id(console: Console) -> None:
    form = await console.run("alice /survey")
    assert form.startswith("📝 form «Survey» for alice")
    assert "1. Your answer [answer] · short · required" in form
    assert "2. Favourite fruit [pick] ▾ choose · choose 1" in form and "    cherry" in form
    answer = await console.run('alice submit 1="so good" pick=cherry')
    assert "so good + cherry" in answer
    assert "! the form has no field 'nope'" in await console.run("alice submit nope=1")


async def test_thinking_answers_and_follow_ups_only_one_member_sees(discord: Emulator, console: Console) -> None:
    shown = await console.run("alice /slow")
    assert re.match(r"m\d+ · #general · Agora · only alice sees\n  done\n", shown + "\n")  # filled, not "edited"
    answer = discord.state.interactions[max(discord.state.interactions)]
    await discord.wait_for(lambda: len(answer.followups) == 2)
    shown += "\n" + await console.run("")  # the second follow-up, unless it came with the answer: shown once
    assert len(re.findall(r"m\d+ · #general · Agora · only alice sees(?: · new)?\n  and more", shown)) == 1


async def test_attachments_reactions_and_dms(discord: Emulator, console: Console) -> None:
    await console.run("alice /upload")
    await discord.wait_for(lambda: discord.guild.channel("general").messages)
    assert "  📎 hello.txt (10 B) — greeting" in await console.run("read general")
    await console.run('alice /poll create question=Lunch? options="Pizza; Salad" channel=#general')
    poll = handle_of(await console.run("read general 1"), "#general · Agora")
    await console.run(f"alice react {poll} 🇦")
    bob = await discord.member("bob")
    reacted = await console.run(f"bob react {poll} 🇦")
    assert f"{poll} · #general · reactions: 🇦 3  🇧 1" in reacted  # the bot's own, alice's and bob's
    await console.run(f"bob unreact {poll} 🇦")
    assert "  🇦 2  🇧 1" in await console.run(f"show {poll}")
    await console.run("alice /dm member=@bob")
    assert re.search(r"m\d+ · DM with bob · Agora\n  psst", await console.run(f"read @{bob.name}"))


async def test_members_join_leave_and_come_back_as_themselves(discord: Emulator, console: Console) -> None:
    assert await console.run("members") == "owner (en-US)\nalice (en-US)"
    assert await console.run("join dave fr") == "dave joined Agora Test"
    dave = discord.driver("dave")
    assert await console.run("leave dave") == "dave left Agora Test"
    assert await console.run("join dave") == "dave joined Agora Test again"
    assert discord.driver("dave").id == dave.id and dave.user.locale == "fr"
    assert await console.run("join dave") == "! dave is already a member"
    assert await console.run("channels") == "#general"


async def test_mistakes_are_answered_in_one_line(console: Console) -> None:
    assert await console.run("nobody /echo text=hi") == "! guild Agora Test has no member 'nobody'"
    assert (await console.run("alice click m42 b1")).startswith("! no message m42")
    assert (await console.run("alice dance")).startswith("! unknown action 'dance'")
    assert (await console.run("alice /echo")).startswith("! /echo: missing required option(s) ['text']")
    assert await console.run("show") == "! something is missing in that line; type help"
    assert await console.run('alice say "#general') == "! No closing quotation"
    assert "alice /agora show" in await console.run("help")


async def test_embeds_show_fields_footers_colours_and_pictures(discord: Emulator) -> None:
    state = discord.state
    general = discord.guild.channel("general")
    alice = await discord.member("alice")
    message = Message(
        id=state.new_id(),
        channel_id=general.id,
        guild_id=discord.guild.id,
        author_id=discord.bot.id,
        content=f"for {alice.mention} in <#{general.id}>",
        embeds=[
            {
                "title": "Report",
                "url": "https://example.org/r",
                "color": 0x2ECC71,
                "description": "Two lines\nof text",
                "fields": [{"name": "Joined", "value": "12"}, {"name": "Finished", "value": "7\n(58%)"}],
                "image": {"url": "attachment://chart.png"},
                "footer": {"text": "Agora"},
                "timestamp": "2026-03-01T12:00:00+00:00",
            }
        ],
        components=[
            {
                "type": 1,
                "components": [
                    {"type": 2, "style": 4, "label": "Delete", "custom_id": "x", "disabled": True},
                    {"type": 2, "style": 5, "label": "Docs", "url": "https://example.org", "emoji": {"name": "📖"}},
                ],
            },
            {
                "type": 1,
                "components": [
                    {
                        "type": 3,
                        "custom_id": "pick",
                        "placeholder": "Your languages",
                        "min_values": 0,
                        "max_values": 2,
                        "options": [
                            {"label": "French", "value": "fr", "description": "français", "default": True},
                            {"label": "English", "value": "en", "emoji": {"name": "flag", "id": "7"}},
                        ],
                    }
                ],
            },
        ],
        attachments=[Attachment(id=state.new_id(), filename="chart.png", data=b"x" * 2048)],
        reactions=[Reaction(Emoji("party", 99), [alice.id])],
    )
    lines = Renderer(state, lambda _: "m1").message(message)
    assert lines == [
        "m1 · #general · Agora",
        "  for @alice in #general",
        "  ┃ Report <https://example.org/r>  [#2ecc71]",
        "  ┃ Two lines",
        "  ┃ of text",
        "  ┃ ▸ Joined: 12",
        "  ┃ ▸ Finished: 7",
        "  ┃   (58%)",
        "  ┃ image: chart.png",
        "  ┃ — Agora · 2026-03-01 12:00 UTC",
        "  [b1 Delete · red · disabled]  [b2 📖 Docs · link · → https://example.org]",
        "  s1 ▾ Your languages · choose up to 2",
        "      fr: French — français ✓",
        "      en: :flag: English",
        "  📎 chart.png (2.0 KB)",
        "  :party: 1",
    ]
