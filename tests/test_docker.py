"""The Docker image and compose file, read as files (no Docker engine here); scripts/verify-image.sh, run by CI,
performs the image's install steps and runs `agora check` as the image's user."""

from __future__ import annotations

import re
from importlib.metadata import distribution
from pathlib import Path
from typing import Any

import yaml
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from sqlalchemy.engine import make_url

from bot.config import DatabaseSettings

ROOT = Path(__file__).resolve().parent.parent


def dockerfile() -> str:
    return (ROOT / "Dockerfile").read_text(encoding="utf-8")


def instructions(name: str) -> list[str]:
    return [line.split(None, 1)[1] for line in dockerfile().splitlines() if line.startswith(f"{name} ")]


def test_the_image_runs_the_agora_cli_so_docker_run_agora_check_works() -> None:
    assert instructions("ENTRYPOINT") == ['["agora"]']
    assert instructions("CMD") == ['["run"]']


def test_the_base_image_is_pinned_to_an_exact_python_release() -> None:
    base = next(line for line in instructions("ARG") if line.startswith("PYTHON_IMAGE="))
    assert re.fullmatch(r"PYTHON_IMAGE=python:3\.11\.\d+-slim-\w+(@sha256:[0-9a-f]{64})?", base), base
    assert instructions("FROM") == ["${PYTHON_IMAGE} AS build", "${PYTHON_IMAGE}"]


def pinned() -> dict[str, str]:
    lines = (ROOT / "requirements.lock").read_text(encoding="utf-8").splitlines()
    pins = [line.split("==") for line in lines if line and not line.startswith("#")]
    return {canonicalize_name(name): version for name, version in pins}


def runtime_closure() -> set[str]:
    """Every distribution Agora needs at run time: its dependencies (with the extras they ask for), theirs, …"""
    seen: set[tuple[str, frozenset[str]]] = set()
    todo: list[tuple[str, frozenset[str]]] = [("agora", frozenset())]
    while todo:
        name, extras = todo.pop()
        for text in distribution(name).requires or []:
            requirement = Requirement(text)
            if requirement.marker and not any(requirement.marker.evaluate({"extra": e}) for e in {"", *extras}):
                continue
            wanted = (canonicalize_name(requirement.name), frozenset(requirement.extras))
            if wanted not in seen:
                seen.add(wanted)
                todo.append(wanted)
    return {name for name, _ in seen}


def test_the_image_installs_every_dependency_at_a_pinned_version() -> None:
    assert "/opt/agora/bin/pip install --no-cache-dir -c requirements.lock ." in dockerfile()
    assert "COPY requirements.lock " in dockerfile()
    missing = runtime_closure() - set(pinned())
    assert not missing, f"not in requirements.lock (run scripts/lock-requirements.sh): {sorted(missing)}"


def test_matplotlib_font_cache_is_built_into_the_image() -> None:
    assert "MPLCONFIGDIR=/opt/agora/matplotlib" in dockerfile()
    assert 'RUN python -c "import matplotlib.font_manager"' in dockerfile()


def compose() -> dict[str, Any]:
    loaded = yaml.safe_load((ROOT / "compose.yaml").read_text(encoding="utf-8"))
    assert isinstance(loaded, dict)
    return loaded


def test_compose_runs_the_bot_on_postgresql_once_it_is_healthy() -> None:
    services = compose()["services"]
    postgres, agora = services["postgres"], services["agora"]
    assert re.fullmatch(r"postgres:\d+\.\d+-\w+", postgres["image"])
    assert "pg_isready" in " ".join(postgres["healthcheck"]["test"])
    assert postgres["volumes"] == ["postgres-data:/var/lib/postgresql/data"]
    assert agora["build"] == "." and agora["command"] == ["run"]
    assert agora["depends_on"] == {"postgres": {"condition": "service_healthy"}}
    assert agora["volumes"] == ["agora-data:/data"]
    assert set(compose()["volumes"]) == {"postgres-data", "agora-data"}


def test_compose_hands_the_bot_a_database_url_it_accepts() -> None:
    environment = compose()["services"]["agora"]["environment"]
    assert environment["DISCORD_TOKEN"] == "${DISCORD_TOKEN:-}"
    url = environment["AGORA_DATABASE__URL"].replace("${POSTGRES_PASSWORD:-agora}", "agora")
    parsed = make_url(DatabaseSettings(url=url).url)
    assert (parsed.drivername, parsed.host, parsed.database) == ("postgresql+asyncpg", "postgres", "agora")
