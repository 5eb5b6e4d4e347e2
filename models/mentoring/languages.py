"""Languages as members write them ("French", "français", "fr", "Deutsch") and as matching compares them (ISO 639
codes). A server mentors in the languages its hosts chose (by default the ones Agora speaks); anything else is
refused with the list of what is accepted."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from functools import cache

from babel import Locale, localedata

from models.errors import UserError
from models.localized import LANGUAGES
from models.profiles import SEPARATORS

CODE = re.compile(r"^[a-z]{2,3}$")
DEFAULT = tuple(LANGUAGES)
MAX_LANGUAGES = 10


class UnknownLanguageError(UserError, key="mentoring.languages.unknown"):
    """A language this server does not mentor in (or no language at all)."""


class NoLanguageError(UserError, key="mentoring.languages.none"): ...


class TooManyLanguagesError(UserError, key="mentoring.languages.too_many"): ...


@cache
def _catalog(language: str) -> dict[str, str]:
    """Code → name in `language`, plain codes only ("fr", not "fr_CA")."""
    return {code: name for code, name in Locale(language).languages.items() if CODE.match(code)}


@cache
def names_of(code: str) -> frozenset[str]:
    """Every way Agora recognises a language: its code, its names in the languages Agora speaks, its own name."""
    names = {code} | {_catalog(language).get(code, "").casefold() for language in LANGUAGES}
    if localedata.exists(code):
        names.add((Locale(code).get_display_name(code) or "").casefold())
    return frozenset(name for name in names if name)


@cache
def _by_name() -> dict[str, str]:
    """Name (case-folded, in English or French) or code → code, for every language Babel knows."""
    found: dict[str, str] = {}
    for language in LANGUAGES:
        for code, name in _catalog(language).items():
            found.setdefault(name.casefold(), code)
            found.setdefault(code, code)
    return found


def display_name(code: str, language: str) -> str:
    """The language's name in `language`, capitalised ("French", "Français"); the code when unknown."""
    name = _catalog(language).get(code) or code
    return name[:1].upper() + name[1:]


def display_names(codes: Iterable[str], language: str) -> str:
    return ", ".join(display_name(code, language) for code in codes)


def split(text: str) -> list[str]:
    return [part.strip() for part in SEPARATORS.split(text) if part.strip()]


def recognise(item: str, allowed: Sequence[str]) -> str | None:
    """The allowed code `item` names (by code, English, French or its own name), or None."""
    wanted = " ".join(item.casefold().split())
    return next((code for code in allowed if wanted in names_of(code)), None)


def parse(text: str, allowed: Sequence[str], language: str) -> list[str]:
    """The codes of the languages a member typed; refuses one the server does not mentor in, and none at all."""
    codes: list[str] = []
    for item in split(text):
        code = recognise(item, allowed)
        if code is None:
            raise UnknownLanguageError(language=item[:40], allowed=display_names(allowed, language))
        if code not in codes:
            codes.append(code)
    if not codes:
        raise NoLanguageError(allowed=display_names(allowed, language))
    return codes


def parse_server_languages(text: str, language: str) -> list[str]:
    """The languages a host lets members mentor in: any language known by code or English/French name."""
    codes: list[str] = []
    for item in split(text):
        code = _by_name().get(" ".join(item.casefold().split()))
        if code is None and localedata.exists(item.strip().lower()) and CODE.match(item.strip().lower()):
            code = item.strip().lower()
        if code is None:
            raise UnknownLanguageError("mentoring.languages.unknown_any", language=item[:40])
        if code not in codes:
            codes.append(code)
    if not codes:
        raise NoLanguageError("mentoring.languages.none_any")
    if len(codes) > MAX_LANGUAGES:
        raise TooManyLanguagesError(limit=MAX_LANGUAGES)
    return codes


def prefill(items: Sequence[str], allowed: Sequence[str], language: str) -> str:
    """What a form shows from a profile's free-text languages: recognised ones by name, the others as typed."""
    shown = []
    for item in items:
        code = recognise(item, allowed)
        shown.append(display_name(code, language) if code else item)
    return ", ".join(dict.fromkeys(shown))
