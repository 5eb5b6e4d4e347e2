"""`/group`: members create and run small working groups that co-create projects — a charter, a private space, a
lead, a cap with a waitlist, invitations and requests, teammates suggested from profiles, check-ins, and a
recorded project when they finish. Hosts approve groups if they wish, mark committees, read the groups' health
and split a cohort into balanced teams.

One class per concern, stacked: `base` (finding groups, locks) under `spaces` (the thread or channel and role on
Discord) under `membership` (joining, requests, invitations, leaving, the lead) under `lifecycle` (creating,
approving, listing, archiving, creating teams) under `commands` (members' slash commands) under `hosting` (hosts'
slash commands) under `events` (activity, departures, check-ins, reminders, digest, catch-up). `components` holds
the buttons, `render` the texts and embeds.
"""

from __future__ import annotations

from discord import app_commands
from discord.ext.commands import GroupCog

from bot.client import Agora
from cogs.groups.components import ITEMS
from cogs.groups.events import GroupEvents


@app_commands.guild_only()
class Groups(
    GroupEvents,
    GroupCog,
    group_name="group",
    group_description="Working groups: create one, join, and finish projects together",
):
    items = ITEMS


async def setup(bot: Agora) -> None:
    await bot.add_cog(Groups(bot))
