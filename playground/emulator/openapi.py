"""Check every REST request body against Discord's OpenAPI spec (read from shared/, never copied here).

Validation needs `jsonschema`, a development dependency: without it (the runtime install, as in the sandbox) the layer
is skipped with one notice, as when the spec file is absent.

Two adaptations keep Discord's own unions from raising false alarms: `oneOf` is read as `anyOf` (its unions
overlap, e.g. a numeric-string nonce), `integer` also accepts int-parseable strings and integral floats, and a
snowflake also accepts a JSON integer.
"""

from __future__ import annotations

import functools
import json
import logging
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

ENV_VAR = "DISCORD_OPENAPI_PATH"
DEFAULT_PATH = Path(__file__).resolve().parents[3] / "shared" / "discord-openapi" / "openapi.json"
METHODS = ("get", "put", "post", "patch", "delete")
VALID_BODIES_KEPT = 1024  # bodies remembered as valid (the set starts over past this)


def _is_integer(_checker: Any, instance: Any) -> bool:
    if isinstance(instance, bool):
        return False
    if isinstance(instance, int):
        return True
    if isinstance(instance, float):
        return instance.is_integer()
    if isinstance(instance, str):
        try:
            int(instance)
        except ValueError:
            return False
        return True
    return False


@functools.cache
def _validator_class() -> Any:
    """Draft 2020-12 with the lenient `integer` (imported here: jsonschema is only needed when validating)."""
    from jsonschema import Draft202012Validator, validators

    checker = Draft202012Validator.TYPE_CHECKER.redefine("integer", _is_integer)
    return validators.extend(Draft202012Validator, type_checker=checker)


def _relax(node: Any) -> Any:
    """Rewrite oneOf → anyOf everywhere (Discord's unions overlap)."""
    if isinstance(node, dict):
        return {("anyOf" if k == "oneOf" else k): _relax(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_relax(v) for v in node]
    return node


@dataclass(frozen=True)
class Operation:
    method: str
    template: str
    segments: tuple[str, ...]
    operation_id: str
    json_schema: dict[str, Any] | None
    multipart_schema: dict[str, Any] | None

    def match(self, method: str, segments: list[str]) -> tuple[int, ...] | None:
        """A sort key (literals before parameters) if this operation serves the path, else None."""
        if method != self.method or len(segments) != len(self.segments):
            return None
        key: list[int] = []
        for pattern, actual in zip(self.segments, segments, strict=True):
            if pattern.startswith("{"):
                key.append(1)
            elif pattern == actual:
                key.append(0)
            else:
                return None
        return tuple(key)


class Spec:
    """Loaded once per process; validators are built lazily and cached per operation."""

    def __init__(self, document: dict[str, Any]) -> None:
        self.components = _relax(document["components"])
        schemas = self.components["schemas"]
        schemas["SnowflakeType"] = {"anyOf": [schemas["SnowflakeType"], {"type": "integer", "minimum": 0}]}
        # The spec's enum lacks GUILD_MEDIA (16), which Discord documents and discord.py sends for forum options:
        # https://discord.com/developers/docs/resources/channel#channel-object-channel-types
        channel_types = schemas.get("ChannelTypes", {}).get("anyOf")
        if isinstance(channel_types, list) and not any(c.get("const") == 16 for c in channel_types):
            channel_types.append({"title": "GUILD_MEDIA", "const": 16})
        self.operations = [op for path, item in document["paths"].items() for op in _operations(path, item)]
        self._validators: dict[tuple[str, str, bool], Any] = {}
        # Bodies already found valid, by operation and content: every start of a bot sends the same command sync,
        # thousands of localized strings that took about a second to check each time.
        self._valid: set[tuple[str, str, bool, str]] = set()

    def operation(self, method: str, path: str) -> Operation | None:
        segments = path.strip("/").split("/")
        found = [(key, op) for op in self.operations if (key := op.match(method, segments)) is not None]
        return min(found, key=lambda pair: pair[0])[1] if found else None

    def check(self, operation: Operation, body: Any, *, multipart: bool) -> list[str]:
        """Human-readable schema errors for `body` (empty when valid or when no schema applies)."""
        schema = (operation.multipart_schema if multipart else None) or operation.json_schema
        if schema is None:
            return []
        key = (operation.method, operation.template, multipart)
        seen = (*key, json.dumps(body, sort_keys=True, default=str))
        if seen in self._valid:
            return []
        validator = self._validators.get(key)
        if validator is None:
            validator = _validator_class()({**_relax(schema), "components": self.components})
            self._validators[key] = validator
        errors = sorted(validator.iter_errors(body), key=lambda e: list(e.path))
        if not errors:
            if len(self._valid) >= VALID_BODIES_KEPT:
                self._valid.clear()
            self._valid.add(seen)
        return [_describe(e) for e in errors[:5]]


def _describe(error: Any) -> str:
    """The most specific reason (a union's best-matching branch) of a jsonschema ValidationError, shortened."""
    from jsonschema.exceptions import best_match

    if error.context:
        error = best_match(error.context)
    message = error.message if len(error.message) <= 300 else error.message[:297] + "..."
    return f"{error.json_path}: {message}"


def _operations(path: str, item: dict[str, Any]) -> list[Operation]:
    found = []
    for method in METHODS:
        op = item.get(method)
        if op is None:
            continue
        content = (op.get("requestBody") or {}).get("content") or {}
        found.append(
            Operation(
                method=method.upper(),
                template=path,
                segments=tuple(path.strip("/").split("/")),
                operation_id=str(op.get("operationId", f"{method} {path}")),
                json_schema=(content.get("application/json") or {}).get("schema"),
                multipart_schema=(content.get("multipart/form-data") or {}).get("schema"),
            )
        )
    return found


def spec_path() -> Path:
    return Path(os.environ.get(ENV_VAR) or DEFAULT_PATH)


def jsonschema_available() -> bool:
    try:
        import jsonschema  # noqa: F401
    except ImportError:
        return False
    return True


@functools.cache
def load() -> Spec | None:
    """The spec, or None (logged once) when the file or jsonschema is absent: the OpenAPI layer is then skipped."""
    path = spec_path()
    if not path.is_file():
        log.warning("Discord OpenAPI spec not found at %s (set %s); skipping request-body validation", path, ENV_VAR)
        return None
    if not jsonschema_available():
        log.warning("jsonschema is not installed (pip install -e '.[dev]'); skipping request-body validation")
        return None
    return Spec(json.loads(path.read_text(encoding="utf-8")))
