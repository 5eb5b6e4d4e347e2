"""A local Discord for end-to-end tests: the unmodified discord.py client talks to it over HTTP + websocket.

The emulator and the bot share the test's event loop. A test drives members (slash commands, clicks,
modals, reactions, messages) and asserts on the emulator's state; the emulator answers with Discord's
shapes, limits and refusals, checks request bodies against Discord's OpenAPI spec (read from
`shared/discord-openapi/`, or `$DISCORD_OPENAPI_PATH`), and injects faults on demand.

Intended use from Agora's tests (root `tests/conftest.py`)::

    pytest_plugins = ["playground.emulator.pytest_plugin"]      # fixtures `discord` and `run_bot`

    @pytest.fixture
    async def agora(discord: Emulator, run_bot: RunBot, database_url: str) -> AgoraBot:
        # The factory builds a NEW client per call (restarts use it again). It must pass
        # guild_ready_timeout=0.05 to the Client, or on_ready waits 2 s for more guilds.
        # `run_bot` aims discord.py at the emulator (Route.BASE, DEFAULT_GATEWAY), starts the client with
        # `discord.token`, waits for on_ready (and the command sync when asked) and stops it at teardown.
        runner = await run_bot(lambda: build_agora(database_url, guild_ready_timeout=0.05), wait_for_sync=True)
        return runner.client

    async def test_poll(discord: Emulator, agora: AgoraBot) -> None:
        alice = await discord.member("alice", locale="fr")
        general = discord.guild.channel("general")
        inter = await alice.slash("poll create", question="Lunch?", options="a; b", channel=general)
        assert inter.ephemeral

A test fails at teardown on bot-side ERROR logs, unknown routes, OpenAPI violations or refusals, unless it
declares them expected (`discord.expect_rejections(code)`, `runner.expect_errors(regex)`, or
`@pytest.mark.discord(expect_rejections=True, ...)`). `python -m playground.emulator` runs a sandbox.
"""

from __future__ import annotations

from .driver import Emulator
from .interactions import DriverError
from .members import MemberDriver
from .runner import BotRunner, RunBot, point_discord_at

__all__ = ["BotRunner", "DriverError", "Emulator", "MemberDriver", "RunBot", "point_discord_at"]
