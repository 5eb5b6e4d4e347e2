"""Votes on their way to the database, and what follows each batch: refused reactions taken back, live redraws.

Every vote — a reaction, a click, a catch-up's correction — goes through the single batching writer
(`models.polls.writer`), in arrival order. While a poll's start-up catch-up reads Discord, its live reaction votes
wait and are written right after the catch-up's own (`rules.catch_up_ops`), so no older read undoes a newer event.
"""

from __future__ import annotations

from collections.abc import Sequence

from bot.reactions import AnyEmoji, partial_emoji
from cogs.polls.base import PollsBase
from models.polls import rules, service
from models.polls.rules import Outcome, Verdict, VoteOp
from models.polls.service import PollRef


class Voting(PollsBase):
    def vote(self, op: VoteOp) -> None:
        """A reaction event, to the writer in arrival order; while its poll's catch-up reads Discord, it waits."""
        catching_up = self.catching_up.get(op.poll_id)
        if catching_up is None:
            self.writer.submit(op)
        else:
            catching_up.live.append(op)

    async def find_ref(self, poll_id: int) -> PollRef | None:
        """The poll from memory, else from the database (a click that came before the catch-up indexed it)."""
        ref = self.index.poll(poll_id)
        if ref is None:
            async with self.bot.db.transaction() as session:
                ref = await service.find_ref(session, poll_id)
        return ref

    def unreact(self, channel_id: int, message_id: int, emoji: AnyEmoji, user_id: int) -> None:
        """Take a reaction back (it does not count); a catch-up reading that message meanwhile reads it as gone."""
        self.reactions.remove(channel_id, message_id, emoji, user_id)
        ref = self.index.on_message(message_id)
        catching_up = self.catching_up.get(ref.poll_id) if ref is not None else None
        if catching_up is not None:
            taken = partial_emoji(emoji)
            catching_up.taken_back.add((rules.emoji_key(taken.name, taken.id), user_id))

    def after_votes(self, results: Sequence[tuple[VoteOp, Outcome]]) -> None:
        """After each committed batch: take back refused or replaced reactions, and schedule live edits."""
        changed = {op.poll_id for op, outcome in results if outcome.verdict in (Verdict.COUNTED, Verdict.WITHDRAWN)}
        for poll_id, voter_id, option_id in rules.reactions_to_take_back(results):
            ref = self.index.poll(poll_id)
            if ref is None or ref.anonymous or ref.message_id is None:
                continue
            emoji = ref.option_emojis.get(option_id)
            if emoji:
                self.unreact(ref.channel_id, ref.message_id, emoji, voter_id)
        for poll_id in changed:
            if self.index.is_open(poll_id):
                self.live.touch(poll_id)
