"""`/conduct`: hosts publish the code of conduct, members accept it (the only way to the member role) or report a
concern to the moderators. A new version asks members to accept again before a grace period ends.

One class per concern, assembled here: `base` (accepting with the member role, delivering reports) under
`components` (buttons, forms, what they do), under both `commands` (the slash commands) and `events` (scheduled
notices, the grace period's end, the start-up catch-up); `render` draws embeds and texts.
"""

from __future__ import annotations

from discord import app_commands
from discord.ext.commands import GroupCog

from bot.client import Agora
from cogs.conduct.commands import ConductCommands
from cogs.conduct.components import AcceptButton, ReadButton
from cogs.conduct.events import ConductEvents


@app_commands.guild_only()
class Conduct(
    ConductCommands,
    ConductEvents,
    GroupCog,
    group_name="conduct",
    group_description="Code of conduct: read, accept, report",
):
    items = (AcceptButton, ReadButton)


async def setup(bot: Agora) -> None:
    await bot.add_cog(Conduct(bot))
