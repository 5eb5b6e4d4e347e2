"""`/poll`: reaction polls that count every vote, anonymous button polls, live results, charts and CSV exports.

Discord in, Discord out: the polls domain (`models.polls`) decides and stores; this package reads Discord's events
and interactions, hands them to the domain, and shows the outcome. The database is the truth: votes go to the single
batching writer (`models.polls.writer`) and the poll message is redrawn from the stored counts.

Where each feature lives:

| Feature | Module |
| --- | --- |
| `/poll create`, `close`, `results`, `export`, autocomplete | `commands.py` (`PollCommands`) |
| the vote buttons of anonymous polls (and those posted under the old ids) | `components.py` (`VoteButton`) |
| reactions, deleted poll messages, the catch-up after downtime | `events.py` (`PollEvents`) |
| votes to the writer; refused reactions taken back; live redraws scheduled | `voting.py` (`Voting`) |
| posting a poll, redrawing it with live results | `posting.py` (`Posting`) |
| closing: deadline job, the close itself, the final message and results post | `closing.py` (`Closing`) |
| embeds, chart texts, CSV files, reply texts | `render.py` (pure functions) |
| open polls in memory, for reaction events | `index.py` (`PollIndex`) |
| the shared state, unloading, `busy`/`idle` | `core.py` (`PollsCore`) |
| the cog itself: its parts and their wiring | `cog.py` (`Polls`) |

Why mixins for the parts: discord.py finds commands, listeners and (through `Capability`) scheduled jobs on the cog's
class and its bases only, and the parts call one another (a redraw that finds the message deleted closes the poll; a
close cancels the pending redraws); methods of one object need no wiring for that. Each part builds only on the
parts it uses (`Posting` on `Closing`, `PollEvents` on `Voting` and `Posting`), so a newcomer reads one file and the
few it names. Self-contained machinery with state of its own is a collaborator instead, usable and testable alone:
the vote writer, `PollIndex`, and from `bot/` the live-edit throttler (`bot.throttle.LiveEdits`) and the
reaction remover (`bot.reactions.ReactionRemover`), which other capabilities share. `Polls.__init__` builds them.
"""

from __future__ import annotations

from bot.client import Agora
from cogs.polls.cog import Polls

__all__ = ["Polls", "setup"]


async def setup(bot: Agora) -> None:
    await bot.add_cog(Polls(bot))
