"""The polls cog: its parts put together, and its collaborators built and wired in one place."""

from __future__ import annotations

from discord import app_commands
from discord.ext import commands

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
    commands.GroupCog,
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
