"""Discord's limits, written by hand where the OpenAPI spec does not catch them (OpenAPI layer off here)."""

from __future__ import annotations

from typing import Any

import pytest

from playground.emulator.driver import Emulator
from playground.emulator.fidelity import valid_command_name

from .helpers import pending_interaction, raw

pytestmark = pytest.mark.discord(openapi=False, expect_rejections=True)


def row(*components: dict[str, Any]) -> dict[str, Any]:
    return {"type": 1, "components": list(components)}


def button(label: str = "ok", custom_id: str = "b") -> dict[str, Any]:
    return {"type": 2, "style": 1, "label": label, "custom_id": custom_id}


def embed(**fields: Any) -> dict[str, Any]:
    return {"title": "t", **fields}


BAD_MESSAGES = {
    "content over 2000": ({"content": "x" * 2001}, "content"),
    "over 10 embeds": ({"embeds": [embed()] * 11}, "embeds"),
    "embed title over 256": ({"embeds": [embed(title="x" * 257)]}, "embeds"),
    "embed description over 4096": ({"embeds": [embed(description="x" * 4097)]}, "embeds"),
    "over 25 embed fields": ({"embeds": [embed(fields=[{"name": "n", "value": "v"}] * 26)]}, "embeds"),
    "embeds over 6000 in total": ({"embeds": [embed(description="x" * 4000), embed(description="x" * 2001)]}, "embeds"),
    "over 5 action rows": ({"components": [row(button(custom_id=str(i))) for i in range(6)]}, "components"),
    "over 5 buttons a row": ({"components": [row(*(button(custom_id=str(i)) for i in range(6)))]}, "components"),
    "over 25 select options": (
        {
            "components": [
                row({"type": 3, "custom_id": "s", "options": [{"label": str(i), "value": str(i)} for i in range(26)]})
            ]
        },
        "components",
    ),
    "custom_id over 100": ({"components": [row(button(custom_id="x" * 101))]}, "components"),
    "button label over 80": ({"components": [row(button(label="x" * 81))]}, "components"),
}


@pytest.mark.parametrize("case", list(BAD_MESSAGES))
async def test_message_limits(discord: Emulator, case: str) -> None:
    body, field = BAD_MESSAGES[case]
    status, data = await raw(discord, "POST", f"/channels/{discord.guild.channel('general').id}/messages", body)
    assert (status, data["code"], data["message"]) == (400, 50035, "Invalid Form Body")
    assert field in data["errors"]
    assert discord.rejections[-1].code == 50035
    assert discord.guild.channel("general").messages == []


async def test_limits_apply_to_interaction_answers_and_edits(discord: Emulator) -> None:
    inter = pending_interaction(discord)
    path = f"/interactions/{inter.id}/{inter.token}/callback"
    status, _ = await raw(discord, "POST", path, {"type": 4, "data": {"content": "x" * 2001}}, auth=False)
    assert status == 400 and not inter.acknowledged
    status, _ = await raw(discord, "POST", path, {"type": 4, "data": {"content": "fine"}}, auth=False)
    assert status == 204 and inter.acknowledged
    app = discord.application_id
    status, _ = await raw(
        discord, "PATCH", f"/webhooks/{app}/{inter.token}/messages/@original", {"content": "y" * 2001}, auth=False
    )
    assert status == 400


async def test_modal_with_more_than_five_inputs(discord: Emulator) -> None:
    inter = pending_interaction(discord)
    field = {"type": 4, "custom_id": "f", "label": "F", "style": 1}
    modal = {"custom_id": "m", "title": "Too many", "components": [row(field)] * 6}
    status, data = await raw(
        discord, "POST", f"/interactions/{inter.id}/{inter.token}/callback", {"type": 9, "data": modal}, auth=False
    )
    assert (status, data["code"]) == (400, 50035)
    assert "components" in data["errors"]["data"]


async def test_autocomplete_with_more_than_25_choices(discord: Emulator) -> None:
    inter = pending_interaction(discord, kind=4)
    choices = [{"name": str(i), "value": str(i)} for i in range(26)]
    status, _ = await raw(
        discord,
        "POST",
        f"/interactions/{inter.id}/{inter.token}/callback",
        {"type": 8, "data": {"choices": choices}},
        auth=False,
    )
    assert status == 400


async def test_followup_before_any_answer_is_unknown_webhook(discord: Emulator) -> None:
    inter = pending_interaction(discord)
    status, data = await raw(
        discord, "POST", f"/webhooks/{discord.application_id}/{inter.token}?wait=true", {"content": "x"}, auth=False
    )
    assert (status, data["code"]) == (404, 10015)


async def test_followups_expire_after_15_minutes(discord: Emulator) -> None:
    inter = pending_interaction(discord)
    await raw(discord, "POST", f"/interactions/{inter.id}/{inter.token}/callback", {"type": 5}, auth=False)
    inter.created_at -= 15 * 60 + 1
    path = f"/webhooks/{discord.application_id}/{inter.token}?wait=true"
    status, data = await raw(discord, "POST", path, {"content": "too late"}, auth=False)
    assert (status, data["code"]) == (401, 50027)


@pytest.mark.parametrize(
    ("name", "ok"),
    [
        ("poll", True),
        ("poll-create_2", True),
        ("café", True),
        ("नमस्ते", True),
        ("สวัสดี", True),
        ("日本語", True),
        ("Poll", False),
        ("two words", False),
        ("x" * 33, False),
        ("", False),
        ("emoji🙂", False),
    ],
)
def test_command_name_rule(name: str, ok: bool) -> None:
    assert valid_command_name(name) is ok


def command(**fields: Any) -> dict[str, Any]:
    return {"name": "cmd", "description": "A command", "type": 1, **fields}


def option(name: str = "opt", **fields: Any) -> dict[str, Any]:
    return {"name": name, "description": "An option", "type": 3, **fields}


BAD_COMMANDS = {
    "uppercase name": command(name="Cmd"),
    "description over 100": command(description="x" * 101),
    "empty description": command(description=""),
    "bad localized name": command(name_localizations={"fr": "Mauvais Nom"}),
    "localized description over 100": command(description_localizations={"fr": "x" * 101}),
    "over 25 options": command(options=[option(f"o{i}") for i in range(26)]),
    "over 25 choices": command(options=[option(choices=[{"name": str(i), "value": str(i)} for i in range(26)])]),
    "bad option name": command(options=[option("Bad Name")]),
    "bad subcommand description": command(options=[{"type": 1, "name": "sub", "description": ""}]),
    "duplicate names": [command(), command()],
}


@pytest.mark.parametrize("case", list(BAD_COMMANDS))
async def test_command_sync_rules(discord: Emulator, case: str) -> None:
    body = BAD_COMMANDS[case]
    commands = body if isinstance(body, list) else [body]
    status, data = await raw(discord, "PUT", f"/applications/{discord.application_id}/commands", commands)
    assert (status, data["code"]) == (400, 50035)
    assert discord.state.global_commands == []


async def test_valid_localized_commands_sync_and_keep_their_ids(discord: Emulator) -> None:
    body = [
        command(
            name_localizations={"fr": "commande"},
            description_localizations={"fr": "Une commande"},
            options=[option(choices=[{"name": "a", "value": "a", "name_localizations": {"fr": "à"}}])],
        )
    ]
    path = f"/applications/{discord.application_id}/guilds/{discord.guild.id}/commands"
    status, first = await raw(discord, "PUT", path, body)
    assert status == 200 and first[0]["name_localizations"] == {"fr": "commande"}
    _, second = await raw(discord, "PUT", path, body)
    assert first[0]["id"] == second[0]["id"]
    _, listed = await raw(discord, "GET", path)
    assert [c["name"] for c in listed] == ["cmd"]
