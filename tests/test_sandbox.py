"""The sandbox (`python -m playground.emulator`): what a person trying Agora without Discord runs, and what they see."""

from __future__ import annotations

import asyncio
import re
import sys
from pathlib import Path
from typing import Any

import aiohttp
import pytest
import yarl

from bot.config import Settings
from playground.emulator import Emulator
from playground.emulator.__main__ import populate
from playground.emulator.console import Console
from tests.conftest import AgoraHarness
from tests.support.welcome import with_welcome
from tests.test_emulator.helpers import REPOSITORY, Sandbox, sandbox

BLOCK_JSONSCHEMA = "import sys\nsys.modules['jsonschema'] = None  # as after `pip install -e .`: no dev extras"


async def as_bot(box: Sandbox, method: str, path: str, body: Any = None) -> tuple[int, Any]:
    headers = {"Authorization": f"Bot {box.token}"}
    async with (
        aiohttp.ClientSession() as session,
        session.request(method, f"{box.http_url}{path}", json=body, headers=headers) as response,
    ):
        return response.status, await response.json() if response.content_type == "application/json" else None


async def test_the_sandbox_runs_on_the_runtime_install_alone() -> None:
    async with sandbox(prelude=BLOCK_JSONSCHEMA) as box:
        guild_id = box.banner[3].split("(")[1].split(")")[0]
        status, channels = await as_bot(box, "GET", f"/guilds/{guild_id}/channels")
        assert status == 200
        general = next(c for c in channels if c["name"] == "general")
        status, _ = await as_bot(box, "POST", f"/channels/{general['id']}/messages", {"content": "hello from a bot"})
        assert status == 200
        shown = await box.run("read general", expect="hello from a bot")
        assert re.match(r"m\d+ · #general · Agora", shown[-2]), shown
        assert "alice" in "".join(await box.run("members", expect="alice"))
    # One notice: jsonschema is missing (or, where this checkout has no copy of Discord's spec, the spec is).
    notices = [line for line in box.stderr if "skipping request-body validation" in line]
    assert len(notices) == 1 and ("jsonschema" in notices[0] or "spec not found" in notices[0]), box.stderr
    assert not [line for line in box.stderr if "Traceback" in line]


# --- the console, with the real bot ----------------------------------------------------------------------


@pytest.fixture
def agora_settings(agora_settings: Settings, tmp_path: Path) -> Settings:
    return with_welcome(agora_settings, tmp_path)


@pytest.fixture
async def console(discord: Emulator) -> Console:
    """The sandbox's console on the sandbox's community (channels, roles, alice, bob, carol), before the bot starts."""
    await populate(discord)
    for name in ("Pythonistas", "Mentors"):  # the roles the test questionnaire gives
        await discord.create_role(discord.guild, name)
    return Console(discord)


def handle_of(output: str, pattern: str) -> str:
    """The handle (m3) of the message whose header line matches `pattern`."""
    found = re.search(rf"^(m\d+) · {pattern}", output, re.MULTILINE)
    assert found, f"no message matching {pattern!r} in:\n{output}"
    return found[1]


async def test_an_onboarding_is_answered_through_the_console_alone(
    discord: Emulator, console: Console, agora: AgoraHarness
) -> None:
    for line, answer in (
        ("owner /agora channel purpose=welcome channel=#general", "✅ Welcome channel: #general"),
        ("owner /agora channel purpose=rules channel=#announcements", "✅ Rules channel: #announcements"),
        ("owner /agora role purpose=member role=@Member", "✅ Member role: @Member"),
    ):
        shown = await console.run(line)
        assert re.match(rf"m\d+ · #general · Agora · only owner sees\n  {re.escape(answer)}", shown), shown
    form = await console.run("owner /conduct edit language=en")
    assert form.startswith("📝 form «") and "   filled: Be kind." in form
    await console.run('owner submit 1="Be kind, always."')
    assert "[b1 ✅ I accept · green]" in await console.run("owner /conduct publish")

    await console.run("join dave")
    general = discord.guild.channel("general")
    await discord.wait_for(lambda: any("Start" in str(m.components) for m in general.messages), what="a greeting")
    greeting = await console.run("read general 1")
    assert "Welcome @dave to **Agora Test**!" in greeting and "[b1 ▶️ Start · blurple]" in greeting

    conduct = await console.run(f"dave click {handle_of(greeting, '#general')} b1")
    flow = handle_of(conduct, "#general · Agora · only dave sees")
    assert "  ┃ Be kind, always." in conduct and "[b1 ✅ I accept · green]" in conduct
    first = await console.run(f'dave click {flow} "I accept"')
    # The flow's own message, edited in place (by the click's answer, or after a deferral on a busy machine).
    assert f"{flow} · #general · Agora · only dave sees · edited" in first
    assert "Question 1 of 6" in first and "s1 ▾" in first and "    python: Python" in first
    assert "Question 2 of 6" in await console.run(f"dave select {flow} python Data")  # by value or label
    assert "Question 3 of 6" in await console.run(f"dave select {flow} yes")
    texts = await console.run(f"dave select {flow} 4")
    assert "Questions 4–6 of 6" in texts and "Answer · blurple]" in texts
    form = await console.run(f"dave click {flow} Answer")
    assert form.startswith("📝 form «") and "1. " in form and "[zone]" in form and "3. " in form
    done = await console.run('dave submit 1="cooking, maths" zone=America/Montreal 3="Ship a game"')
    assert "🎉 You are all set" in done
    assert {role.name for role in discord.driver("dave").roles} == {"Member", "Pythonistas", "Mentors"}
    profile = await console.run("dave /profile show")
    assert "• Skills to share: cooking, maths" in profile and "• Time zone: America/Montreal" in profile


async def test_a_poll_and_its_reactions_as_members_see_them(
    discord: Emulator, console: Console, agora: AgoraHarness
) -> None:
    posted = await console.run('owner /poll create question="Lunch?" options="Pizza; Salad" channel=#general')
    assert "✅ Poll posted" in posted
    poll = next(m for m in discord.guild.channel("general").messages if m.embeds)
    await discord.wait_for(lambda: len(poll.reactions) == 2, what="the poll's option reactions")
    handle = handle_of(await console.run("read general 1"), "#general · Agora")
    await console.run(f"alice react {handle} 🇦")
    await console.run(f"bob react {handle} 🇦")
    shown = await console.run(f"show {handle}")
    assert "  ┃ 📊 Poll  [#" in shown and "  ┃ 🇦 Pizza" in shown and "  ┃ — Vote by reacting" in shown
    assert "  🇦 3  🇧 1" in shown  # Agora's own reactions and two members'


async def test_a_port_in_use_is_reported_in_one_line() -> None:
    async with sandbox() as box:
        port = str(yarl.URL(box.http_url).port)
        second = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "playground.emulator",
            "--port",
            port,
            cwd=REPOSITORY,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        _, errors = await asyncio.wait_for(second.communicate(), 30)
    assert second.returncode == 1
    assert errors.decode().strip() == (
        f"cannot serve on 127.0.0.1:{port}: Address already in use (another sandbox running? choose one with --port)"
    )


async def test_a_sandbox_restarted_at_once_gets_its_port_back() -> None:
    """Stopping the sandbox closes the bot's connections from its side, which leaves them in TIME_WAIT a while."""
    async with aiohttp.ClientSession() as session, sandbox() as first:
        port = str(yarl.URL(first.http_url).port)
        async with session.get(f"{first.http_url}/gateway") as response:  # a kept-alive connection
            assert response.status == 401  # no token: any answer will do
    async with sandbox("--port", port) as second:
        assert yarl.URL(second.http_url).port == int(port)
