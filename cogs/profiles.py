"""`/profile`: what a member wants to learn and can share, their languages, time zone, goals and whether they would
mentor. Onboarding fills it; members read and edit it here."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import discord
from discord import app_commands
from discord.ext import commands

from bot import i18n
from bot.capability import Capability
from bot.checks import guild_of
from bot.client import Agora, Interaction
from bot.replies import open_form, opens_form, send_ephemeral
from bot.ui import custom_id, form, form_view, own
from models import profiles
from models.base import utcnow
from models.profiles import Profile, ProfileText

MESSAGE_MAX = 2000  # characters in a Discord message
FIELDS = (
    ("skills_to_learn", discord.TextStyle.short, 400),
    ("skills_to_share", discord.TextStyle.short, 400),
    ("languages", discord.TextStyle.short, 200),
    ("timezone", discord.TextStyle.short, 64),
    ("goals", discord.TextStyle.paragraph, profiles.MAX_GOALS_CHARS),
)


def render(
    profile: Profile | None, name: str, language: str, limit: int = MESSAGE_MAX, extra: Sequence[str] = ()
) -> str:
    """The profile as members read it, in their language, in at most `limit` characters (long answers shortened);
    `extra`: lines other capabilities add (a mentor offer, a mentoring request)."""
    if profile is None or profile.is_empty():
        return "\n".join([i18n.t(language, "profiles.show.empty", member=name), *extra])[:limit]
    unset = i18n.t(language, "profiles.show.unset")
    mentor = {None: unset, True: i18n.t(language, "profiles.show.yes"), False: i18n.t(language, "profiles.show.no")}
    values = {
        "skills_to_learn": ", ".join(profile.skills_to_learn) or unset,
        "skills_to_share": ", ".join(profile.skills_to_share) or unset,
        "languages": ", ".join(profile.languages) or unset,
        "timezone": profile.timezone or unset,
        "goals": profile.goals or unset,
        "mentor": mentor[profile.mentor],
    }

    def text(shown: dict[str, str]) -> str:
        lines = [i18n.t(language, "profiles.show.title", member=name)]
        lines += [
            i18n.t(language, "profiles.show.line", field=i18n.t(language, f"profiles.field.{field}"), value=value)
            for field, value in shown.items()
        ]
        return "\n".join([*lines, *extra])

    return text(shortened(values, len(text(values)) - limit))


def shortened(values: dict[str, str], excess: int) -> dict[str, str]:
    """The values with `excess` characters fewer, taken from the longest ones (each cut ends with "…")."""
    values = dict(values)
    while excess > 0:
        field = max(values, key=lambda key: len(values[key]))
        cut = min(excess + 1, len(values[field]) - 1)
        if cut <= 1:
            break
        values[field] = values[field][:-cut] + "…"
        excess -= cut - 1
    return values


@app_commands.guild_only()
class Profiles(
    Capability, commands.GroupCog, group_name="profile", group_description="Member profiles: learn, share, mentor"
):
    @app_commands.command(name="show", description="Show your profile, or another member's")
    @app_commands.describe(member="Whose profile (yourself if empty)")
    async def show(self, interaction: Interaction, member: discord.Member | None = None) -> None:
        guild = guild_of(interaction)
        target = member or interaction.user
        async with self.bot.db.transaction() as session:
            language = (await self.bot.context(session, guild.id, interaction)).reply_language
            profile = await profiles.get_profile(session, guild.id, target.id)
            extra = [
                line
                for cog in self.bot.capabilities()
                for line in await cog.profile_lines(session, guild.id, target.id, language)
            ]
        await send_ephemeral(interaction, render(profile, target.display_name, language, extra=extra))

    @opens_form
    @app_commands.command(name="edit", description="Edit your profile")
    @app_commands.describe(mentor="Would you mentor other members?")
    async def edit(self, interaction: Interaction, mentor: bool | None = None) -> None:
        guild = guild_of(interaction)
        async with self.bot.db.transaction() as session:
            language = (await self.bot.context(session, guild.id, interaction)).reply_language
            if mentor is not None:
                await profiles.set_mentor(session, guild.id, interaction.user.id, mentor, now=utcnow())
            current = profiles.as_text(await profiles.get_profile(session, guild.id, interaction.user.id))
        inputs = [
            discord.ui.TextInput[Any](
                label=i18n.t(language, f"profiles.field.{name}"),
                custom_id=name,
                style=style,
                placeholder=i18n.t(language, f"profiles.hint.{name}"),
                required=False,
                max_length=limit,
                default=getattr(current, name)[:limit] or None,
            )
            for name, style, limit in FIELDS
        ]
        form_id = custom_id("profiles", "edit", guild.id, interaction.user.id)
        await open_form(interaction, form_view(i18n.t(language, "profiles.edit.title"), form_id, inputs))

    @form("profiles", "edit", r"(?P<guild>\d+):(?P<member>\d+)")
    async def save(self, interaction: Interaction, values: dict[str, str], *, guild: int, member: int) -> None:
        own(interaction, member)
        text = ProfileText(**{name: values.get(name, "") for name, _, _ in FIELDS})
        async with self.bot.db.transaction() as session:
            language = (await self.bot.context(session, guild, interaction)).reply_language
            profile = await profiles.edit_profile(session, guild, member, text, now=utcnow())
        saved = i18n.t(language, "profiles.edit.saved")
        shown = render(profile, interaction.user.display_name, language, MESSAGE_MAX - len(saved) - 1)
        await send_ephemeral(interaction, f"{saved}\n{shown}")


async def setup(bot: Agora) -> None:
    await bot.add_cog(Profiles(bot))
