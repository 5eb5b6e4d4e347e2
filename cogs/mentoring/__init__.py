"""`/mentor` and `/mentoring`: members offer to mentor or ask for a mentor (pre-filled from their profile), hosts
preview and publish optimal rounds, pairs consent by DM, meet in a private thread, check in, and end with feedback.

One class per concern, assembled here: `base` (the command groups, asking both members, opening and closing a
pair's thread, the `/profile show` lines) under `members` (/mentor), `rounds` (/mentoring round, rematch and the
preview's buttons), `pairs` (consent, check-ins, /mentoring end, feedback), `hosts` (status, export, settings) and
`events` (reminders, deadlines, check-ins, automatic rounds, departures, catch-up); `components` holds the
buttons, `render` the texts.
"""

from __future__ import annotations

from bot.client import Agora
from cogs.mentoring.components import ITEMS
from cogs.mentoring.events import MentoringEvents
from cogs.mentoring.hosts import HostCommands
from cogs.mentoring.members import MemberCommands
from cogs.mentoring.pairs import PairCommands
from cogs.mentoring.rounds import RoundCommands


class Mentoring(MemberCommands, RoundCommands, PairCommands, HostCommands, MentoringEvents):
    items = ITEMS


async def setup(bot: Agora) -> None:
    await bot.add_cog(Mentoring(bot))
