"""Slash commands, subcommand groups, autocomplete, components, modals, follow-ups and the answer rules."""

from __future__ import annotations

import aiohttp
import pytest

from playground.emulator import interactions as build
from playground.emulator.driver import Emulator
from playground.emulator.interactions import DriverError
from playground.emulator.runner import BotRunner

from .sample_bot import FRUITS, SampleBot


async def test_slash_command_answers_ephemerally_with_options(discord: Emulator, bot: SampleBot) -> None:
    alice = await discord.member("alice", locale="fr")
    inter = await alice.slash("echo", text="hi", times=2)
    assert inter.response is not None and inter.response.type == 4
    assert inter.message is not None and inter.message.content == "hi hi"
    assert inter.ephemeral
    assert inter.message not in discord.guild.channel("general").messages  # ephemeral: nobody else sees it


async def test_commands_sync_globally_and_per_guild(discord: Emulator, run_bot: object) -> None:
    assert callable(run_bot)
    await run_bot(lambda: SampleBot(guild_id=discord.guild.id), wait_for_sync=True)
    names = {c["name"] for c in discord.commands(discord.guild)}
    assert {"echo", "poll", "admin", "vote"} <= names
    assert discord.commands() == []
    alice = await discord.member("alice")
    assert (await alice.slash("echo", text="guild")).message is not None


async def test_subcommand_group_gives_role_and_dispatches_member_update(discord: Emulator, bot: SampleBot) -> None:
    role = await discord.create_role(discord.guild, "Member")
    alice, bob = await discord.member("alice"), await discord.member("bob")
    inter = await alice.slash("admin role give", member=bob, role=role)
    assert inter.message is not None and inter.message.content == "gave Member"
    assert role in bob.roles
    assert any(name == "GUILD_MEMBER_UPDATE" for name, _ in discord.events)
    await alice.slash("admin role take", member=bob, role=role)
    assert role not in bob.roles


async def test_poll_posts_in_channel_option_and_adds_reactions(discord: Emulator, bot: SampleBot) -> None:
    polls = await discord.create_channel(discord.guild, "polls")
    alice = await discord.member("alice")
    inter = await alice.slash("poll create", question="Lunch?", options="pizza; sushi", channel=polls)
    await discord.settle()
    [message] = polls.messages
    assert message.content.startswith("**Lunch?**")
    assert [r.emoji.name for r in message.reactions] == ["🇦", "🇧"]
    assert message.reactors("🇦") == [discord.bot.id]
    assert inter.ephemeral


async def test_message_command_named_with_spaces(discord: Emulator, bot: SampleBot) -> None:
    alice = await discord.member("alice")
    said = await alice.say(discord.guild.channel("general"), "to be quoted")
    inter = await alice.message_command("Quote this message", said)
    assert inter.ephemeral and inter.content == "> to be quoted"


def test_an_attached_file_gets_the_content_type_its_name_says(discord: Emulator) -> None:
    resolved = build.Resolved()
    for name, expected in (
        ("cert.PNG", "image/png"),
        ("notes.txt", "text/plain"),
        ("blob", "application/octet-stream"),
    ):
        attachment_id = build.convert(discord.state, build.ATTACHMENT, (name, b"x"), resolved)
        assert resolved.attachments[attachment_id]["content_type"] == expected


async def test_autocomplete_returns_the_bots_choices(discord: Emulator, bot: SampleBot) -> None:
    alice = await discord.member("alice")
    choices = await alice.autocomplete("fruit", name="ap")
    assert [c["value"] for c in choices] == [f for f in FRUITS if f.startswith("ap")]


async def test_button_click_updates_the_message(discord: Emulator, bot: SampleBot) -> None:
    alice = await discord.member("alice")
    inter = await alice.slash("vote")
    assert inter.message is not None
    click = await alice.click(inter.message, "Accept")
    assert click.response is not None and click.response.type == 7
    assert inter.message.content == "accepted by alice"
    assert inter.message.components == []


async def test_select_defers_then_edits_original(discord: Emulator, bot: SampleBot) -> None:
    alice = await discord.member("alice")
    inter = await alice.slash("vote")
    assert inter.message is not None
    picked = await alice.select(inter.message, values=["banana"])
    assert picked.response is not None and picked.response.type == 6
    await discord.wait_for(lambda: inter.message is not None and inter.message.content == "picked banana")


async def test_forged_components_reach_the_bot_as_if_the_message_showed_them(discord: Emulator, bot: SampleBot) -> None:
    alice = await discord.member("alice")
    inter = await alice.slash("vote")
    assert inter.message is not None
    picked = await alice.forge(inter.message, "vote:pick", component_type=3, values=["kiwi-from-elsewhere"])
    assert picked.data["values"] == ["kiwi-from-elsewhere"]  # not among the menu's options: the bot gets it anyway
    await discord.wait_for(lambda: inter.message is not None and inter.message.content == "picked kiwi-from-elsewhere")
    clicked = await alice.forge(inter.message, "vote:accept")
    assert clicked.response is not None and clicked.response.type == 7
    assert inter.message.content == "accepted by alice"


async def test_modal_from_button_is_submitted_by_label_and_custom_id(discord: Emulator, bot: SampleBot) -> None:
    alice = await discord.member("alice")
    inter = await alice.slash("vote")
    assert inter.message is not None
    opened = await alice.click(inter.message, "vote:decline")
    assert opened.modal is not None and opened.modal["title"] == "Feedback"
    submitted = await alice.submit_modal({"comment": "nice", "Mood": "happy"})
    assert submitted.message is not None and submitted.message.content == "thanks: nice / happy"


async def test_modal_from_slash_command(discord: Emulator, bot: SampleBot) -> None:
    alice = await discord.member("alice")
    await alice.slash("feedback")
    submitted = await alice.submit_modal({"Comment": "ok"})
    assert submitted.ephemeral


async def test_defer_then_followups_fill_the_thinking_message_first(discord: Emulator, bot: SampleBot) -> None:
    alice = await discord.member("alice")
    inter = await alice.slash("slow")
    assert inter.response is not None and inter.response.type == 5
    await discord.wait_for(lambda: len(inter.followups) == 2)
    first, second = inter.followups
    assert first is inter.original and first.content == "done" and first.ephemeral
    assert second.content == "and more" and second.ephemeral


async def test_edit_original_response(discord: Emulator, bot: SampleBot) -> None:
    alice = await discord.member("alice")
    inter = await alice.slash("edit")
    await discord.settle()
    assert inter.message is not None and inter.message.content == "v2"
    assert inter.message in discord.guild.channel("general").messages
    assert [r.method for r in discord.requests if "/messages/@original" in r.path] == ["PATCH"]


@pytest.mark.discord(interaction_deadline=0.05)
async def test_first_answer_after_the_deadline_is_unknown_interaction(discord: Emulator, bot_runner: BotRunner) -> None:
    discord.expect_rejections(10062)
    bot_runner.expect_errors("Unknown interaction")
    assert isinstance(bot_runner.client, SampleBot)
    bot_runner.client.late_delay = 0.08
    alice = await discord.member("alice")
    with pytest.raises(AssertionError, match=r"no answer came to /late.*10062"):
        await alice.slash("late", timeout=0.3)
    assert [r.code for r in discord.rejections] == [10062]


@pytest.mark.discord(interaction_deadline=0.05)
async def test_deferred_interaction_may_follow_up_after_the_deadline(discord: Emulator, bot: SampleBot) -> None:
    bot.late_delay = 0.08
    alice = await discord.member("alice")
    inter = await alice.slash("patient")
    await discord.wait_for(lambda: inter.followups)
    assert inter.followups[0].content == "worth the wait"


async def test_second_answer_is_already_acknowledged(discord: Emulator, bot: SampleBot) -> None:
    discord.expect_rejections(40060)
    alice = await discord.member("alice")
    inter = await alice.slash("echo", text="once")
    url = f"{discord.http_url}/interactions/{inter.id}/{inter.token}/callback"
    async with (
        aiohttp.ClientSession() as session,
        session.post(url, json={"type": 4, "data": {"content": "twice"}}) as response,
    ):
        assert response.status == 400
        assert (await response.json())["code"] == 40060


async def test_unknown_interaction_token(discord: Emulator, bot: SampleBot) -> None:
    discord.expect_rejections(10062)
    alice = await discord.member("alice")
    inter = await alice.slash("echo", text="x")
    url = f"{discord.http_url}/interactions/{inter.id}/wrong-token/callback"
    async with (
        aiohttp.ClientSession() as session,
        session.post(url, json={"type": 4, "data": {"content": "x"}}) as response,
    ):
        assert response.status == 404


async def test_interaction_envelope_carries_locale_and_permissions(discord: Emulator, bot: SampleBot) -> None:
    alice = await discord.member("alice", locale="fr", permissions=0)
    await alice.slash("echo", text="x")
    [payload] = [data for name, data in discord.events if name == "INTERACTION_CREATE"]
    assert payload["locale"] == "fr" and payload["guild_locale"] == "en-US"
    assert int(payload["member"]["permissions"]) == discord.guild.everyone.permissions
    assert int(payload["app_permissions"]) & (1 << 28)  # MANAGE_ROLES from the bot's role
    assert payload["member"]["user"]["id"] == str(alice.id)


async def test_driver_errors_name_what_exists(discord: Emulator, bot: SampleBot) -> None:
    alice = await discord.member("alice")
    with pytest.raises(DriverError, match="no synced command 'nope'"):
        await alice.slash("nope")
    with pytest.raises(DriverError, match="has no option 'colour'"):
        await alice.slash("echo", text="x", colour="red")
    with pytest.raises(DriverError, match="missing required option"):
        await alice.slash("echo")


async def test_webhook_routes_fetch_edit_and_delete(discord: Emulator, bot: SampleBot) -> None:
    alice = await discord.member("alice")
    inter = await alice.slash("tidy")
    await discord.settle()
    general = discord.guild.channel("general")
    assert [m.content for m in general.messages] == ["edited follow-up", "doomed"]
    assert inter.original is not None and inter.original.deleted
    routes = {(r.method, r.route) for r in discord.requests if r.route and r.route.startswith("/webhooks")}
    assert routes == {
        ("GET", "/webhooks/{application_id}/{token}/messages/@original"),
        ("POST", "/webhooks/{application_id}/{token}"),
        ("GET", "/webhooks/{application_id}/{token}/messages/{message_id}"),
        ("PATCH", "/webhooks/{application_id}/{token}/messages/{message_id}"),
        ("DELETE", "/webhooks/{application_id}/{token}/messages/{message_id}"),
        ("DELETE", "/webhooks/{application_id}/{token}/messages/@original"),
    }


async def test_modal_with_labels_and_a_select(discord: Emulator, bot: SampleBot) -> None:
    alice = await discord.member("alice")
    opened = await alice.slash("survey")
    assert opened.modal is not None and opened.modal["custom_id"] == "survey"
    submitted = await alice.submit_modal({"Your answer": "42", "pick": ["cherry"]})
    assert submitted.message is not None and submitted.message.content == "42 + cherry"


async def test_slash_command_in_dm(discord: Emulator, bot: SampleBot) -> None:
    alice = await discord.member("alice")
    dm = await alice.dm_channel()
    inter = await alice.slash("echo", text="private", in_channel=dm)
    assert inter.message is not None and inter.message.channel_id == dm.id
    [payload] = [data for name, data in discord.events if name == "INTERACTION_CREATE"]
    assert "member" not in payload and payload["user"]["id"] == str(alice.id) and payload["context"] == 1
