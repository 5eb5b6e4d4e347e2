"""French and English stay in step: same keys, same placeholders, and every command string translated."""

from __future__ import annotations

import re
import string
from typing import Any

import pytest

from bot import i18n
from bot.client import Agora
from bot.config import Settings
from bot.translator import CommandTranslator


def placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def test_both_languages_have_the_same_catalog_files() -> None:
    assert [path.name for path in i18n.catalog_files("fr")] == [path.name for path in i18n.catalog_files("en")]


@pytest.mark.parametrize("name", [path.name for path in i18n.catalog_files("en")])
def test_both_languages_have_the_same_keys(name: str) -> None:
    french = i18n.keys(i18n.LOCALES_DIR / "fr" / name, "fr")
    english = i18n.keys(i18n.LOCALES_DIR / "en" / name, "en")
    assert sorted(french - english) == [], f"keys only in French {name}"
    assert sorted(english - french) == [], f"keys only in English {name}"


def all_keys() -> list[str]:
    return sorted({key for path in i18n.catalog_files("en") for key in i18n.keys(path, "en")})


@pytest.mark.parametrize("key", all_keys())
def test_placeholders_match_between_languages(key: str) -> None:
    assert placeholders(i18n.t("fr", key)) == placeholders(i18n.t("en", key))


def test_french_plurals_follow_the_catalogs_rule() -> None:
    """One form for 0 and 1, the other from 2 on (the .po files' Plural-Forms), never the English fallback."""
    assert [i18n.tn("fr", "conduct.status.more", count) for count in (0, 1, 3, 1_000_000)] == [
        "… et 0 autre.",
        "… et 1 autre.",
        "… et 3 autres.",
        "… et 1000000 autres.",
    ]


def test_missing_key_falls_back_to_english_then_to_the_key() -> None:
    assert i18n.t("fr", "no.such.key") == "no.such.key"


def test_terms_are_translated_and_joined() -> None:
    permissions = i18n.Terms(["permissions.send_messages", "permissions.add_reactions"])
    text = i18n.t("fr", "errors.bot_missing_permissions", permissions=permissions)
    assert "Envoyer des messages, Ajouter des réactions" in text


def test_member_locale_maps_to_our_languages() -> None:
    assert i18n.language_of("fr") == "fr"
    assert i18n.language_of("en-GB") == "en"
    assert i18n.language_of("de") is None
    assert i18n.language_of(None) is None


def localized_parts(payload: dict[str, Any]) -> list[dict[str, Any]]:
    """Every part of a synced command payload that carries localizations: the command, options, choices."""
    parts = [payload]
    for option in payload.get("options", []):
        parts += localized_parts(option)
    parts += payload.get("choices", [])
    return parts


# https://discord.com/developers/docs/interactions/application-commands#application-command-object
COMMAND_NAME = re.compile(r"^[-_\w]{1,32}$")


def fits_discord(field: str, text: str, *, is_choice: bool, is_menu: bool = False) -> bool:
    if field == "description":
        return 1 <= len(text) <= 100
    if is_choice:
        return 1 <= len(text) <= 100
    if is_menu:  # a user or message context menu: any case, spaces allowed
        return 1 <= len(text) <= 32
    return bool(COMMAND_NAME.fullmatch(text)) and text == text.lower()


async def test_every_command_string_has_french_and_matching_english() -> None:
    bot = Agora(Settings())
    for module in bot.cog_modules:
        await bot.add_capability(module)
    translator = CommandTranslator()
    commands = bot.tree.get_commands()
    assert commands
    for command in commands:
        payload = await command.get_translated_payload(bot.tree, translator)
        for part in localized_parts(payload):
            for field in ("name", "description"):
                if field not in part:
                    continue
                localized = part.get(f"{field}_localizations") or {}
                assert "fr" in localized, f"no French for {field} {part[field]!r} in /{payload['name']}"
                is_menu = part is payload and payload.get("type", 1) in (2, 3)
                for text in localized.values():
                    assert fits_discord(field, text, is_choice="value" in part, is_menu=is_menu), (
                        f"{field} {text!r} breaks Discord limits"
                    )
                assert localized.get("en-US") == part[field], f"English catalog differs from code: {part[field]!r}"
    await bot.close()
