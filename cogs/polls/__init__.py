"""`/poll`: reaction polls that count every vote, anonymous button polls, live results, charts and CSV exports.

Discord in, Discord out: the polls domain (`models.polls`) decides and stores; this package turns Discord's events
and interactions into its use cases and shows the outcome. The database is the truth: every vote goes through the
single batching writer (`models.polls.writer`) and the poll message is redrawn from the stored counts.

Where each feature lives:

- `commands.py` (`PollCommands`): `/poll create`, `close`, `results`, `export`, and their autocomplete.
- `components.py` (`VoteButton`): the vote buttons of anonymous polls; `LegacyVoteButton` for the old ids.
- `events.py` (`PollEvents`): reactions, deleted poll messages, the deadline job, the catch-up after downtime.
- `voting.py` (`Voting`): votes to the writer; after each batch, refused reactions taken back, redraws scheduled.
- `posting.py` (`Posting`): posting a poll, and redrawing it with live results.
- `closing.py` (`Closing`): the close itself, the final message, the results post with its chart.
- `render.py`: embeds, chart texts, CSV files, reply texts (pure functions).
- `index.py` (`PollIndex`): the open polls in memory, so that a reaction never waits for the database.
- `base.py` (`PollsBase`): the state every part shares, unloading, `busy`/`idle`.
- here: `Polls`, the parts assembled and their collaborators built.

One class per concern, each building only on those it uses: `base` under `closing` under `posting`; `voting` on
`base`; `events` on `voting` and `posting`; `commands` on `posting`. Mixins, because discord.py finds commands and
listeners (and `Capability` the jobs) on the cog's class and its bases only, and because the parts call one another
(a redraw that finds the message deleted closes the poll; a close cancels the pending redraws): methods of one
object need no wiring for that. Machinery with state of its own is a collaborator instead, usable and tested alone:
the vote writer, `PollIndex`, and from `bot/` the live-edit throttler and the reaction remover, which other
capabilities use too. `Polls.__init__` builds them and hands them their callbacks.
"""

from __future__ import annotations

from discord import app_commands
from discord.ext.commands import GroupCog

from bot.client import Agora
from bot.reactions import ReactionRemover
from bot.throttle import LiveEdits
from cogs.polls.commands import PollCommands
from cogs.polls.components import LegacyVoteButton, VoteButton
from cogs.polls.events import PollEvents
from cogs.polls.index import PollIndex
from models.polls.writer import VoteWriter

# Live results: at most one edit per poll this often (Discord allows about 5 edits per 5 s in a channel).
EDIT_INTERVAL = 3.0
# How long the writer gathers vote events before one transaction writes them all.
WRITER_INTERVAL = 0.002


@app_commands.guild_only()
class Polls(
    PollCommands,
    PollEvents,
    GroupCog,
    group_name="poll",
    group_description="Ask your community: reaction or anonymous polls",
):
    items = (VoteButton, LegacyVoteButton)

    def __init__(
        self, bot: Agora, *, edit_interval: float = EDIT_INTERVAL, writer_interval: float = WRITER_INTERVAL
    ) -> None:
        super().__init__(bot)
        self.index = PollIndex()
        # Looked up at each write: a bot loaded only to list its commands has no database.
        self.writer = VoteWriter(lambda: bot.db.transaction(), interval=writer_interval, on_batch=self.after_votes)
        self.live = LiveEdits(edit_interval, self.redraw, name="poll-edit")
        self.reactions = ReactionRemover(bot, name="poll-reactions")
        self.catching_up = {}
        self.stopping = False


async def setup(bot: Agora) -> None:
    await bot.add_cog(Polls(bot))
