"""Hand-written Discord limits the OpenAPI spec does not catch (or states differently), each with its source.

Each check returns Discord's nested error tree ({"field": {"0": {"_errors": [...]}}}) — empty when valid.
"""

from __future__ import annotations

import unicodedata
from typing import Any

from .state import Json, walk_components

COMPONENTS_V2 = 1 << 15


class Errors:
    """Builds Discord's 50035 error tree."""

    def __init__(self) -> None:
        self.tree: Json = {}

    def add(self, path: tuple[str | int, ...], code: str, message: str) -> None:
        node = self.tree
        for part in path:
            node = node.setdefault(str(part), {})
        node.setdefault("_errors", []).append({"code": code, "message": message})

    def max_length(self, path: tuple[str | int, ...], value: Any, limit: int) -> None:
        if isinstance(value, str) and len(value) > limit:
            self.add(path, "BASE_TYPE_MAX_LENGTH", f"Must be {limit} or fewer in length.")

    def max_items(self, path: tuple[str | int, ...], value: Any, limit: int) -> None:
        if isinstance(value, list) and len(value) > limit:
            self.add(path, "BASE_TYPE_MAX_LENGTH", f"Must be {limit} or fewer in length.")


def message_errors(body: Json) -> Json:
    """Limits of a message body (create, edit, interaction answer, follow-up)."""
    errors = Errors()
    # content ≤ 2000 characters: https://discord.com/developers/docs/resources/message#create-message
    errors.max_length(("content",), body.get("content"), 2000)
    # ≤ 10 embeds: https://discord.com/developers/docs/resources/message#create-message
    embeds = body.get("embeds") or []
    errors.max_items(("embeds",), embeds, 10)
    for index, embed in enumerate(embeds[:10]):
        _embed_errors(errors, ("embeds", index), embed)
    # Embed totals: https://discord.com/developers/docs/resources/message#embed-object-embed-limits
    if sum(_embed_chars(e) for e in embeds if isinstance(e, dict)) > 6000:
        errors.add(("embeds",), "MAX_EMBED_SIZE_EXCEEDED", "Embed size exceeds maximum size of 6000")
    v2 = int(body.get("flags") or 0) & COMPONENTS_V2
    _component_errors(errors, body.get("components") or [], legacy=not v2)
    return errors.tree


def _embed_errors(errors: Errors, path: tuple[str | int, ...], embed: Json) -> None:
    """https://discord.com/developers/docs/resources/message#embed-object-embed-limits"""
    errors.max_length((*path, "title"), embed.get("title"), 256)
    errors.max_length((*path, "description"), embed.get("description"), 4096)
    fields = embed.get("fields") or []
    errors.max_items((*path, "fields"), fields, 25)
    for index, item in enumerate(fields):
        errors.max_length((*path, "fields", index, "name"), item.get("name"), 256)
        errors.max_length((*path, "fields", index, "value"), item.get("value"), 1024)
    errors.max_length((*path, "footer", "text"), (embed.get("footer") or {}).get("text"), 2048)
    errors.max_length((*path, "author", "name"), (embed.get("author") or {}).get("name"), 256)


def _embed_chars(embed: Json) -> int:
    texts = [embed.get("title"), embed.get("description")]
    texts += [(embed.get("footer") or {}).get("text"), (embed.get("author") or {}).get("name")]
    for item in embed.get("fields") or []:
        texts += [item.get("name"), item.get("value")]
    return sum(len(t) for t in texts if isinstance(t, str))


def _component_errors(errors: Errors, components: list[Json], *, legacy: bool) -> None:
    if legacy:
        # ≤ 5 action rows, ≤ 5 buttons a row: https://discord.com/developers/docs/components/reference#action-row
        errors.max_items(("components",), components, 5)
        for index, row in enumerate(components):
            errors.max_items(("components", index, "components"), row.get("components") or [], 5)
    for index, component in enumerate(walk_components(components)):
        _leaf_errors(errors, ("components", index), component)


def _leaf_errors(errors: Errors, path: tuple[str | int, ...], component: Json) -> None:
    # custom_id ≤ 100 and button label ≤ 80: https://discord.com/developers/docs/components/reference#button
    errors.max_length((*path, "custom_id"), component.get("custom_id"), 100)
    if component.get("type") == 2:
        errors.max_length((*path, "label"), component.get("label"), 80)
    if component.get("type") == 3:
        # ≤ 25 options: https://discord.com/developers/docs/components/reference#string-select
        errors.max_items((*path, "options"), component.get("options") or [], 25)


def modal_errors(data: Json) -> Json:
    """A modal: title ≤ 45, 1 to 5 components, custom_id ≤ 100.

    https://discord.com/developers/docs/interactions/receiving-and-responding#interaction-response-object-modal
    """
    errors = Errors()
    errors.max_length(("data", "title"), data.get("title"), 45)
    errors.max_length(("data", "custom_id"), data.get("custom_id"), 100)
    components = data.get("components") or []
    if not 1 <= len(components) <= 5:
        errors.add(("data", "components"), "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 5 in length.")
    for index, component in enumerate(walk_components(components)):
        errors.max_length(("data", "components", index, "custom_id"), component.get("custom_id"), 100)
    return errors.tree


def choices_errors(data: Json) -> Json:
    """Autocomplete answers carry ≤ 25 choices.

    https://discord.com/developers/docs/interactions/receiving-and-responding#interaction-response-object-autocomplete
    """
    errors = Errors()
    errors.max_items(("data", "choices"), data.get("choices") or [], 25)
    return errors.tree


# ---- application commands ----------------------------------------------------------------------------
# Naming: https://discord.com/developers/docs/interactions/application-commands#application-command-object-application-command-naming
# Structure (description 1-100, ≤ 25 options): https://discord.com/developers/docs/interactions/application-commands#application-command-object-application-command-structure
# Options (≤ 25 choices): https://discord.com/developers/docs/interactions/application-commands#application-command-object-application-command-option-structure


def valid_command_name(name: Any) -> bool:
    """^[-_\\p{L}\\p{N}\\p{sc=Deva}\\p{sc=Thai}]{1,32}$, lowercase where a lowercase variant exists."""
    if not isinstance(name, str) or not 1 <= len(name) <= 32:
        return False
    return all(_name_char(ch) and ch.lower() == ch for ch in name)


def _name_char(ch: str) -> bool:
    code = ord(ch)
    devanagari = 0x0900 <= code <= 0x097F or 0xA8E0 <= code <= 0xA8FF
    thai = 0x0E00 <= code <= 0x0E7F
    return ch in "-_" or unicodedata.category(ch)[0] in "LN" or devanagari or thai


def commands_errors(commands: list[Json]) -> Json:
    """Every rule for a bulk overwrite, keyed by command index."""
    errors = Errors()
    seen: set[tuple[int, str]] = set()
    for index, command in enumerate(commands):
        kind = int(command.get("type") or 1)
        key = (kind, str(command.get("name")))
        if key in seen:
            errors.add(
                (index, "name"),
                "APPLICATION_COMMANDS_DUPLICATE_NAME",
                f"Application command names must be unique: {key[1]}",
            )
        seen.add(key)
        if kind == 1:
            _named_errors(errors, (index,), command)
            _options_errors(errors, (index, "options"), command.get("options") or [])
        elif command.get("description"):
            errors.add(
                (index, "description"),
                "APPLICATION_COMMAND_INVALID_DESCRIPTION",
                "Context menu commands cannot have a description.",
            )
    return errors.tree


def _named_errors(errors: Errors, path: tuple[str | int, ...], item: Json) -> None:
    """Name, description and their localizations of a chat-input command, option or subcommand."""
    if not valid_command_name(item.get("name")):
        errors.add(
            (*path, "name"), "APPLICATION_COMMAND_INVALID_NAME", f"Command name is invalid: {item.get('name')!r}"
        )
    description = item.get("description")
    if not isinstance(description, str) or not 1 <= len(description) <= 100:
        errors.add((*path, "description"), "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 100 in length.")
    for locale, name in (item.get("name_localizations") or {}).items():
        if not valid_command_name(name):
            errors.add(
                (*path, "name_localizations", locale),
                "APPLICATION_COMMAND_INVALID_NAME",
                f"Command name is invalid: {name!r}",
            )
    for locale, text in (item.get("description_localizations") or {}).items():
        if not isinstance(text, str) or not 1 <= len(text) <= 100:
            errors.add(
                (*path, "description_localizations", locale),
                "BASE_TYPE_BAD_LENGTH",
                "Must be between 1 and 100 in length.",
            )


def _options_errors(errors: Errors, path: tuple[str | int, ...], options: list[Json]) -> None:
    errors.max_items(path, options, 25)
    for index, option in enumerate(options):
        _named_errors(errors, (*path, index), option)
        choices = option.get("choices") or []
        errors.max_items((*path, index, "choices"), choices, 25)
        for number, choice in enumerate(choices):
            errors.max_length((*path, index, "choices", number, "name"), choice.get("name"), 100)
        if option.get("type") in (1, 2):
            _options_errors(errors, (*path, index, "options"), option.get("options") or [])
