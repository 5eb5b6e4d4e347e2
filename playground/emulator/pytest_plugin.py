"""Pytest fixtures: `discord` (an emulator per test) and `run_bot` (start a client, stopped at teardown).

Load with `pytest_plugins = ["playground.emulator.pytest_plugin"]` in a conftest. At teardown a test fails when
the bot logged errors, called unknown routes, sent bodies the OpenAPI spec refuses, or was refused by
Discord's rules — unless the test said it expected them:

    discord.expect_rejections(50007)          # or no codes: any refusal
    runner.expect_errors("Forbidden")          # bot-side errors matching a regex
    @pytest.mark.discord(interaction_deadline=0.05, openapi=False, heartbeat_interval=0.2,
                         expect_rejections=True, expect_errors=True, expect_unknown_routes=True)
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from .driver import Emulator
from .runner import BotRunner, Factory, RunBot

MARKER = "discord"
EMULATOR_OPTIONS = ("interaction_deadline", "openapi", "token", "heartbeat_interval", "global_rate_limit")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        f"{MARKER}(interaction_deadline=3.0, openapi=True, heartbeat_interval=41.25, expect_rejections=False, "
        "expect_errors=False, expect_unknown_routes=False, expect_openapi_violations=False): configure the discord "
        "emulator",
    )


def _marker_options(request: pytest.FixtureRequest) -> dict[str, Any]:
    marker = request.node.get_closest_marker(MARKER)
    return dict(marker.kwargs) if marker else {}


@pytest.fixture
async def discord(request: pytest.FixtureRequest) -> AsyncIterator[Emulator]:
    """An emulated Discord with a seeded default guild, started and stopped around the test."""
    options = _marker_options(request)
    emulator = Emulator(**{k: v for k, v in options.items() if k in EMULATOR_OPTIONS})
    await emulator.start()
    try:
        yield emulator
    finally:
        for runner in emulator.runners:
            await runner.stop()
        await emulator.stop()
    problems = problems_of(emulator, options)
    if problems:
        pytest.fail("Discord emulator found problems:\n" + "\n".join(problems), pytrace=False)


@pytest.fixture
async def run_bot(discord: Emulator) -> AsyncIterator[RunBot]:
    """`await run_bot(factory, wait_for_sync=True)` → a started BotRunner, stopped at teardown."""
    started: list[BotRunner] = []

    async def run(factory: Factory, *, wait_for_sync: bool = False) -> BotRunner:
        runner = BotRunner(factory, discord)
        started.append(runner)
        await runner.start(wait_for_sync=wait_for_sync)
        return runner

    yield run
    for runner in started:
        await runner.stop()


def problems_of(emulator: Emulator, options: dict[str, Any]) -> list[str]:
    """Everything that should fail the test, one line (or block) each."""
    problems: list[str] = []
    if not options.get("expect_errors"):
        problems += [f"bot-side error: {e}" for runner in emulator.runners for e in runner.unexpected_errors()]
    if not options.get("expect_unknown_routes"):
        problems += [f"unknown route: {r.method} {r.path}" for r in emulator.unknown_requests]
    if not options.get("expect_openapi_violations"):
        problems += [f"OpenAPI violation: {v}" for v in emulator.openapi_violations]
    if not options.get("expect_rejections"):
        problems += [f"refused by Discord's rules: {r}" for r in emulator.unexpected_rejections()]
    return problems
