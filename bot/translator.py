"""Localizes command names, descriptions, parameters and choices from the same gettext catalogs as replies.

Cogs write the English defaults inline; the key is derived from where the string sits (`commands.poll.create.name`,
`commands.poll.create.question.description`, `commands.choices.<value>`), unless a `locale_str` names its own `key`.
"""

from __future__ import annotations

from typing import Any

import discord
from discord import app_commands
from discord.app_commands import TranslationContextLocation as Where

from bot import i18n

# Discord locales we fill; every other locale sees the English defaults.
DISCORD_LOCALES = {
    discord.Locale.french: "fr",
    discord.Locale.american_english: "en",
    discord.Locale.british_english: "en",
}


def command_key(string: app_commands.locale_str, context: app_commands.TranslationContext[Any, Any]) -> str | None:
    """The catalog key for a command string, or None for strings we do not translate."""
    if "key" in string.extras:
        return str(string.extras["key"])
    where, data = context.location, context.data
    if where in (Where.command_name, Where.group_name):
        return f"commands.{_dotted(data)}.name"
    if where in (Where.command_description, Where.group_description):
        return f"commands.{_dotted(data)}.description"
    if where is Where.parameter_name:
        return f"commands.{_dotted(data.command)}.{data.name}.name"
    if where is Where.parameter_description:
        return f"commands.{_dotted(data.command)}.{data.name}.description"
    if where is Where.choice_name:
        return f"commands.choices.{data.value}"
    return None


class CommandTranslator(app_commands.Translator):
    async def translate(
        self,
        string: app_commands.locale_str,
        locale: discord.Locale,
        context: app_commands.TranslationContext[Any, Any],
    ) -> str | None:
        language = DISCORD_LOCALES.get(locale)
        if language is None:  # asked for each of Discord's ~30 locales: most are not ours
            return None
        key = command_key(string, context)
        if key is None or not i18n.has(language, key):
            return None
        return i18n.t(language, key)


def _dotted(command: Any) -> str:
    return str(command.qualified_name).replace(" ", ".")
