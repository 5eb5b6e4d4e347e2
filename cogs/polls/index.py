"""The polls that reaction events are routed to, kept in memory: a burst of reactions never waits for the database.

Open polls are loaded by the catch-up at start and added as they are posted; a poll leaves when it closes. Bot
messages seen in reaction events are remembered (a bounded number) as closed polls or not, so a late reaction on a
closed poll is taken back without a query per event.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import replace

from models.polls.service import PollRef

REMEMBERED_MESSAGES = 4096


class PollIndex:
    def __init__(self, remembered: int = REMEMBERED_MESSAGES) -> None:
        self.by_message: dict[int, PollRef] = {}  # open polls, by their message
        self.by_poll: dict[int, PollRef] = {}  # every poll seen since start, by id (closed ones kept, without key)
        self.remembered = remembered
        self._closed: OrderedDict[int, bool] = OrderedDict()  # bot message id → is it a closed poll?

    def add(self, ref: PollRef) -> None:
        self.by_poll[ref.poll_id] = ref
        if ref.message_id is not None and ref.is_open:
            self.by_message[ref.message_id] = ref

    def close(self, poll_id: int) -> None:
        """The poll closed: its reactions stop counting (late ones are taken back) and its key is forgotten."""
        ref = self.by_poll.get(poll_id)
        if ref is None:
            return
        self.by_poll[poll_id] = replace(ref, is_open=False, salt=None)
        if ref.message_id is not None:
            self.by_message.pop(ref.message_id, None)
            self.note(ref.message_id, closed=True)

    def drop(self, poll_id: int, message_id: int | None) -> None:
        """The poll was never posted after all."""
        self.by_poll.pop(poll_id, None)
        if message_id is not None:
            self.by_message.pop(message_id, None)

    def on_message(self, message_id: int) -> PollRef | None:
        """The open poll whose message this is."""
        return self.by_message.get(message_id)

    def poll(self, poll_id: int) -> PollRef | None:
        return self.by_poll.get(poll_id)

    def is_open(self, poll_id: int) -> bool:
        ref = self.by_poll.get(poll_id)
        return ref is not None and ref.is_open

    def closed_message(self, message_id: int) -> bool | None:
        """Whether a bot message is a closed poll, if known (None: look it up, then `note` it)."""
        closed = self._closed.get(message_id)
        if closed is not None:
            self._closed.move_to_end(message_id)
        return closed

    def note(self, message_id: int, *, closed: bool) -> None:
        self._closed[message_id] = closed
        self._closed.move_to_end(message_id)
        while len(self._closed) > self.remembered:
            self._closed.popitem(last=False)
