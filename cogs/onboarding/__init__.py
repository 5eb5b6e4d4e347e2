"""`/onboarding`: greets newcomers and walks each one through the code of conduct and the server's questionnaire
(select menus, forms, progress, resumable); hosts read the funnel and the answers back, and keep the questionnaire.

One class per concern, assembled here: `base` (the server's questions, member locks, roles from answers) under
`path` (the member's path, screen by screen: what the buttons and forms of `components` do), under both
`commands` (the slash commands) and `events` (arrivals, departures, catch-up, the reminder); `render` draws.
"""

from __future__ import annotations

from discord import app_commands
from discord.ext.commands import GroupCog

from bot.client import Agora
from cogs.onboarding.commands import OnboardingCommands
from cogs.onboarding.components import ITEMS
from cogs.onboarding.events import OnboardingEvents


@app_commands.guild_only()
class Onboarding(
    OnboardingCommands,
    OnboardingEvents,
    GroupCog,
    group_name="onboarding",
    group_description="Welcome questionnaire: answer it, or read the results",
):
    items = ITEMS


async def setup(bot: Agora) -> None:
    await bot.add_cog(Onboarding(bot))
