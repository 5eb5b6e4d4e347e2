"""`/kudos` and `/celebrate`: members thank each other (a command, a message's menu, or a reaction), within fair-play
rules; milestones are recorded, rewarded with roles and gathered into one recognition post per day or week.

One class per concern, each building on the previous: `base` (the writer and what follows each batch, the server's
reaction, message authors) ← `giving` (a kudos from an interaction, the boards) ← `commands` (members' commands and
the message command) ← `hosts` (the hosts' commands) ← `celebrate` ← `events` (reactions, deleted messages, jobs,
catch-up). `notices` tells receivers and givers in the background; `components` holds the menus and buttons;
`render` draws.
"""

from __future__ import annotations

from bot.client import Agora
from cogs.recognition.base import KUDOS
from cogs.recognition.components import ITEMS
from cogs.recognition.events import RecognitionEvents


class Recognition(RecognitionEvents):
    items = ITEMS
    kudos = KUDOS


async def setup(bot: Agora) -> None:
    await bot.add_cog(Recognition(bot))
