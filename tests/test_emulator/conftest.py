"""Fixtures for the emulator's own tests: the plugin, plus the sample bot running against it."""

from __future__ import annotations

import pytest

from playground.emulator.driver import Emulator

# The plugin's hooks and fixtures, imported rather than listed in `pytest_plugins` (which pytest only
# accepts in the root conftest); harmless when the root conftest loads the plugin as well.
from playground.emulator.pytest_plugin import discord, pytest_configure, run_bot
from playground.emulator.runner import BotRunner, RunBot

from .sample_bot import SampleBot

__all__ = ["bot", "bot_runner", "discord", "pytest_configure", "run_bot"]


@pytest.fixture
async def bot_runner(discord: Emulator, run_bot: RunBot) -> BotRunner:
    """The sample bot, connected, with its commands synced globally."""
    return await run_bot(SampleBot, wait_for_sync=True)


@pytest.fixture
def bot(bot_runner: BotRunner) -> SampleBot:
    assert isinstance(bot_runner.client, SampleBot)
    return bot_runner.client
