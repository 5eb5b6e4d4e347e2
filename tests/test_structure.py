"""The shape every capability copies, checked: the domain stands alone, cogs stay thin and never import each other.

Read from the source (no import side effects), so a new capability is held to the same rules the day it lands.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
MODELS, COGS, PLAYGROUND = ROOT / "models", ROOT / "cogs", ROOT / "playground"
# "No cog over ~400 lines": past that, split it into a package (commands, components, events, render).
MAX_COG_LINES = 400


def python_files(folder: Path) -> list[Path]:
    return sorted(path for path in folder.rglob("*.py") if ".venv" not in path.parts)


def imported_modules(path: Path) -> set[str]:
    """Every module a file imports, at any depth (function-level imports count too)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


def top(module: str) -> str:
    return module.split(".")[0]


def capability_of(path: Path) -> str:
    """`cogs/polls/commands.py` and `cogs/polls.py` both belong to the capability `polls`."""
    return path.relative_to(COGS).parts[0].removesuffix(".py")


@pytest.mark.parametrize("path", python_files(MODELS), ids=lambda p: str(p.relative_to(ROOT)))
def test_the_domain_imports_neither_discord_nor_the_runtime(path: Path) -> None:
    forbidden = {module for module in imported_modules(path) if top(module) in {"discord", "bot", "cogs"}}
    assert not forbidden, f"{path.relative_to(ROOT)} imports {sorted(forbidden)}: models/ must stand alone"


@pytest.mark.parametrize("path", python_files(COGS), ids=lambda p: str(p.relative_to(ROOT)))
def test_a_cog_never_imports_another_cog(path: Path) -> None:
    mine = capability_of(path) if path.parent != COGS or path.name != "__init__.py" else "__init__"
    others = {
        module
        for module in imported_modules(path)
        if top(module) == "cogs" and module != "cogs" and module.split(".")[1] != mine
    }
    assert not others, (
        f"{path.relative_to(ROOT)} imports {sorted(others)}: move the shared piece to bot/ (Discord plumbing) "
        "or models/ (rules)"
    )


@pytest.mark.parametrize("path", python_files(COGS), ids=lambda p: str(p.relative_to(ROOT)))
def test_cog_modules_stay_small(path: Path) -> None:
    lines = len(path.read_text(encoding="utf-8").splitlines())
    assert lines <= MAX_COG_LINES, (
        f"{path.relative_to(ROOT)} has {lines} lines: split it into cogs/<capability>/ "
        "(commands, components, events, render)"
    )


@pytest.mark.parametrize("path", python_files(PLAYGROUND), ids=lambda p: str(p.relative_to(ROOT)))
def test_the_playground_stays_outside_the_product(path: Path) -> None:
    """The playground runs Agora as a person would (its emulator is a Discord, not a piece of Agora): it reaches
    neither the capabilities nor the tests, and its emulator not even Agora's runtime."""
    forbidden_tops = {"cogs", "models", "tests"} | (
        {"bot"} if "emulator" in path.relative_to(PLAYGROUND).parts else set()
    )
    forbidden = {module for module in imported_modules(path) if top(module) in forbidden_tops}
    assert not forbidden, f"{path.relative_to(ROOT)} imports {sorted(forbidden)}: the playground stands outside"


@pytest.mark.parametrize(
    "path",
    python_files(ROOT / "bot") + python_files(COGS) + python_files(MODELS),
    ids=lambda p: str(p.relative_to(ROOT)),
)
def test_the_product_never_imports_the_playground(path: Path) -> None:
    forbidden = {module for module in imported_modules(path) if top(module) == "playground"}
    assert not forbidden, f"{path.relative_to(ROOT)} imports {sorted(forbidden)}: only tests and bench may"


def answers_directly(path: Path) -> list[int]:
    """Lines that answer an interaction through discord.py's `interaction.response` or `edit_original_response`."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    return sorted(
        node.lineno
        for node in ast.walk(tree)
        if isinstance(node, ast.Attribute)
        and node.attr in {"response", "edit_original_response"}
        and isinstance(node.value, ast.Name)
        and node.value.id == "interaction"
    )


@pytest.mark.parametrize(
    "path", python_files(ROOT / "bot") + python_files(COGS), ids=lambda p: str(p.relative_to(ROOT))
)
def test_interactions_are_answered_through_the_shared_helpers(path: Path) -> None:
    """Only `bot/replies.py` answers directly: its helpers and the watchdog that defers a silent interaction before
    Discord's 3 seconds take turns; a direct answer could cross the watchdog's and be refused."""
    if path == ROOT / "bot" / "replies.py":
        return
    lines = answers_directly(path)
    assert not lines, (
        f"{path.relative_to(ROOT)}:{lines} answers directly: use send_ephemeral, think, acknowledge, "
        "update_message or open_form from bot.replies"
    )


def test_the_checks_see_every_file() -> None:
    assert len(python_files(MODELS)) > 10 and len(python_files(COGS)) > 3 and len(python_files(PLAYGROUND)) > 10
