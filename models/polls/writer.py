"""The single vote writer: reaction and button events reach the database in batches (`models.batch_writer`).

Two bulk statements per batch; each poll's rules are read once and kept until a host holds the writer (closing or
deleting a poll). A vote the writer could not record is recovered by the start-up reconciliation, which compares
the reactions on each open poll with the stored votes.
"""

from __future__ import annotations

from datetime import datetime
from typing import Unpack

from sqlalchemy.ext.asyncio import AsyncSession

from models.batch_writer import BatchWriter, Options, Transaction
from models.polls import service
from models.polls.rules import Outcome, VoteOp

MAX_BATCH = 5000


class VoteWriter(BatchWriter[VoteOp, Outcome]):
    def __init__(self, transaction: Transaction, **options: Unpack[Options[VoteOp, Outcome]]) -> None:
        super().__init__(transaction, name="poll-vote-writer", max_batch=MAX_BATCH, **options)
        self._known: service.KnownRules = {}

    async def apply(self, session: AsyncSession, ops: list[VoteOp], now: datetime) -> list[Outcome]:
        return await service.apply_votes(session, ops, now=now, known=self._known)

    def reset(self) -> None:
        self._known.clear()
