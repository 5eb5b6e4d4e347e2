"""Logs carry ids, never the token, and no voice-library noise."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest

from bot.logging import setup_logging


@pytest.fixture(autouse=True)
def keep_root_logger() -> Iterator[None]:
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield
    root.handlers[:], root.level = handlers, level


def test_token_never_reaches_the_log(capsys: pytest.CaptureFixture[str]) -> None:
    setup_logging("INFO", "s3cr3t-token")
    logging.getLogger("bot.test").warning("login with %s failed", "s3cr3t-token")
    logging.getLogger("discord.client").warning("PyNaCl is not installed, voice will NOT be supported")
    err = capsys.readouterr().err
    assert "s3cr3t-token" not in err
    assert "login with [redacted] failed" in err
    assert "voice" not in err
