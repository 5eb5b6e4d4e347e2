"""Texts in several languages as one value, so that a third language is a catalog and data, not a code change."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import GetCoreSchemaHandler
from pydantic_core import CoreSchema, core_schema

# The languages Agora speaks (each has a catalog in bot/locales); English is the fallback.
LANGUAGES = ("fr", "en")
FALLBACK = "en"
LANGUAGE_NAMES = {"fr": "Français", "en": "English"}


def language_of(locale: str | None) -> str | None:
    """Our language for a Discord locale ("fr", "en-US", "en-GB" …), or None when Agora does not speak it."""
    if not locale:
        return None
    language = str(locale).split("-")[0].lower()
    return language if language in LANGUAGES else None


class Localized(dict[str, str]):
    """One text per language code; `text(language)` falls back to English, then to any language given."""

    def text(self, language: str) -> str:
        return self.get(language) or self.get(FALLBACK) or next(iter(self.values()), "")

    @classmethod
    def of(cls, values: Mapping[str, str]) -> Localized:
        """Only the languages Agora speaks, stripped; empty texts dropped."""
        return cls({language: values[language].strip() for language in LANGUAGES if values.get(language, "").strip()})

    def missing(self) -> list[str]:
        """Languages without a text, in `LANGUAGES` order."""
        return [language for language in LANGUAGES if not self.get(language)]

    @classmethod
    def __get_pydantic_core_schema__(cls, source: Any, handler: GetCoreSchemaHandler) -> CoreSchema:
        """Validated as a `dict[str, str]`, then kept as a `Localized` (for pydantic models such as questionnaires)."""
        return core_schema.no_info_after_validator_function(cls, handler(dict[str, str]))
