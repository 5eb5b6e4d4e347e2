"""`/session` and `/feedback`: recurring learning sessions announced on time, RSVP with a waitlist, native Discord
events, reminders to members going, attendance, feedback after each occurrence, and pulse surveys.

One class per concern, stacked: `base` (the clock, redrawing announcements, fan-outs reaching each member once) under
`native` (Discord scheduled events), `jobs` (what happens at its time), `events` (voice states, interest, catch-up),
`answers` (what members click and submit), `planning` (`/session create`), `commands` (the rest of `/session`) and
`feedback_commands` (`/feedback`); `components` are the restart-proof buttons and menus, `render` draws.
"""

from __future__ import annotations

from bot.client import Agora
from cogs.sessions.components import ITEMS
from cogs.sessions.feedback_commands import FeedbackCommands


class Sessions(FeedbackCommands):
    items = ITEMS


async def setup(bot: Agora) -> None:
    await bot.add_cog(Sessions(bot))
