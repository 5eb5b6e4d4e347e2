"""What the plugin fails a test on: unknown routes, OpenAPI violations, refusals, bot-side errors."""

from __future__ import annotations

import logging

import discord as dpy
import pytest

from playground.emulator.driver import Emulator
from playground.emulator.openapi import spec_path as openapi_spec_path
from playground.emulator.pytest_plugin import problems_of
from playground.emulator.runner import BotRunner

from .helpers import raw
from .sample_bot import SampleBot


@pytest.mark.discord(expect_unknown_routes=True)
async def test_unknown_route_is_404_and_recorded(discord: Emulator) -> None:
    status, data = await raw(discord, "GET", "/guilds/1/nonsense")
    assert (status, data) == (404, {"message": "404: Not Found", "code": 0})
    assert [r.path for r in discord.unknown_requests] == ["/guilds/1/nonsense"]
    assert problems_of(discord, {}) == ["unknown route: GET /guilds/1/nonsense"]


@pytest.mark.discord(expect_openapi_violations=True)
@pytest.mark.skipif(not openapi_spec_path().is_file(), reason="Discord's OpenAPI spec is not on this machine")
async def test_openapi_violation_is_refused_and_recorded(discord: Emulator) -> None:
    channel = discord.guild.channel("general")
    status, data = await raw(discord, "POST", f"/channels/{channel.id}/messages", {"content": 5, "tts": "loud"})
    assert (status, data["code"]) == (400, 50035)
    [violation] = discord.openapi_violations
    assert violation.operation == "create_message" and any("tts" in e for e in violation.errors)
    assert channel.messages == []


async def test_openapi_accepts_what_discord_py_sends(discord: Emulator, bot: SampleBot) -> None:
    alice = await discord.member("alice")
    await alice.slash("poll create", question="q", options="a; b", channel=discord.guild.channel("general"))
    await alice.slash("slow")
    await discord.settle()
    assert discord.openapi_violations == []


async def test_missing_auth_is_401(discord: Emulator) -> None:
    status, data = await raw(discord, "GET", "/users/@me", auth=False)
    assert (status, data["code"]) == (401, 0)


async def test_json_content_type_is_exact(discord: Emulator) -> None:
    import aiohttp

    async with (
        aiohttp.ClientSession() as session,
        session.get(f"{discord.http_url}/users/@me", headers={"Authorization": f"Bot {discord.token}"}) as response,
    ):
        assert response.headers["Content-Type"] == "application/json"
        assert response.headers["X-RateLimit-Remaining"]


async def test_bot_side_errors_are_collected(discord: Emulator, bot_runner: BotRunner) -> None:
    bot_runner.expect_errors("boom")
    client = bot_runner.client
    assert client is not None

    @client.event
    async def on_message(message: dpy.Message) -> None:
        raise RuntimeError("boom")

    alice = await discord.member("alice")
    await alice.say(discord.guild.channel("general"), "trigger")
    await discord.wait_for(lambda: bot_runner.errors)
    assert "boom" in bot_runner.errors[0]
    logging.getLogger("some.module").error("boom too")
    assert problems_of(discord, {}) == []


async def test_unexpected_refusals_fail_the_test(discord: Emulator, bot: SampleBot) -> None:
    bob = await discord.member("bob", dms_open=False)
    alice = await discord.member("alice")
    await alice.slash("dm", member=bob)
    assert [p.split(":")[0] for p in problems_of(discord, {})] == ["refused by Discord's rules"]
    discord.expect_rejections(50007)
    assert problems_of(discord, {}) == []


async def test_missing_spec_skips_the_openapi_layer_with_one_notice(
    discord: Emulator, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    from playground.emulator import openapi

    monkeypatch.setenv(openapi.ENV_VAR, "/nonexistent/openapi.json")
    openapi.load.cache_clear()
    try:
        path = f"/channels/{discord.guild.channel('general').id}/messages"
        for _ in range(2):
            status, _ = await raw(discord, "POST", path, {"tts": "x"})
            assert status == 200
    finally:
        openapi.load.cache_clear()
    notices = [r for r in caplog.records if r.name == "playground.emulator.openapi"]
    assert len(notices) == 1 and "skipping" in notices[0].getMessage()
