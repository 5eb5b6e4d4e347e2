"""French and English texts from gettext catalogs, one per capability: `bot/locales/<lang>/<capability>.po`.

The `.po` files are the single source; Babel merges and compiles them in memory at start (no build step to forget).
Keys read `<capability>.<action>.<outcome>`; parameters use `str.format` names (`{count}`, `{channel}`).
"""

from __future__ import annotations

import gettext
import io
import logging
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from babel.dates import format_datetime
from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from models.localized import FALLBACK, LANGUAGES, language_of

log = logging.getLogger(__name__)

LOCALES_DIR = Path(__file__).resolve().parent / "locales"
DOMAIN = "agora"
__all__ = ["FALLBACK", "LANGUAGES", "Terms", "format_when", "has", "language_of", "t", "tn"]


def catalog_files(language: str) -> list[Path]:
    return sorted((LOCALES_DIR / language).glob("*.po"))


def read_catalog(path: Path, language: str) -> Catalog:
    with path.open("rb") as file:
        return read_po(file, locale=language, domain=DOMAIN)


@cache
def catalog(language: str) -> gettext.GNUTranslations:
    merged = Catalog(locale=language, domain=DOMAIN)
    for path in catalog_files(language):
        read = read_catalog(path, language)
        # The plural rule the .po files declare (French: 2 forms, n > 1), not Babel's CLDR rule for the locale (3
        # forms for French, whose third our files do not have: every French plural past one fell back to English).
        merged.mime_headers = [("Plural-Forms", read.plural_forms)]
        for message in read:
            if message.id:
                merged[message.id] = message
    buffer = io.BytesIO()
    write_mo(buffer, merged)
    buffer.seek(0)
    return gettext.GNUTranslations(buffer)


def keys(path: Path, language: str) -> set[str]:
    """Every message id in one catalog file (plural ids by their singular), for the parity test."""
    return {
        message.id if isinstance(message.id, str) else message.id[0]
        for message in read_catalog(path, language)
        if message.id
    }


def has(language: str, key: str) -> bool:
    return catalog(language).gettext(key) != key


class Terms(tuple[str, ...]):
    """A parameter made of message keys, translated and joined when the text is rendered (e.g. permission names)."""


def t(language: str, key: str, /, **params: Any) -> str:
    """The text for `key` in `language` (English if missing there), filled with `params`."""
    text = _lookup(language, key)
    return text.format(**_render_terms(language, params)) if params else text


def tn(language: str, key: str, count: int, /, **params: Any) -> str:
    """A text whose wording depends on `count` (plural rules of the language, via the catalog's Plural-Forms)."""
    text = catalog(language).ngettext(key, key, count)
    if text == key:
        text = catalog(FALLBACK).ngettext(key, key, count)
    return text.format(count=count, **_render_terms(language, params))


def format_when(language: str, moment: datetime, zone: ZoneInfo) -> str:
    """A date and time as people of `language` write them, in the community's time zone."""
    return format_datetime(moment, format="medium", tzinfo=zone, locale=language)


def _render_terms(language: str, params: dict[str, Any]) -> dict[str, Any]:
    return {
        name: ", ".join(_lookup(language, key) for key in value) if isinstance(value, Terms) else value
        for name, value in params.items()
    }


def _lookup(language: str, key: str) -> str:
    text = catalog(language).gettext(key)
    if text != key:
        return text
    fallback = catalog(FALLBACK).gettext(key)
    if fallback == key:
        log.warning("missing i18n key %s", key)
    return fallback
