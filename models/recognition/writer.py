"""The single kudos writer: reactions, the message command and `/kudos give` reach the database in batches
(`models.batch_writer`).

`kudos.apply_kudos` decides every event of a batch in arrival order against today's counts read once — so the
allowance, the per-member cap and back-thanks hold exactly under a burst, with no race between two events of the
same giver. Each server's rules are kept between batches for `RULES_TTL` seconds at most.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime
from typing import Unpack

from sqlalchemy.ext.asyncio import AsyncSession

from models.batch_writer import BatchWriter, Options, Transaction
from models.recognition.kudos import KnownRules, KudosOp, Outcome, apply_kudos

MAX_BATCH = 20_000
# Servers' rules are read again this often (seconds): what a host changes elsewhere (`/agora timezone`) is seen soon.
RULES_TTL = 60.0


class KudosWriter(BatchWriter[KudosOp, Outcome]):
    def __init__(
        self,
        transaction: Transaction,
        *,
        default_zone: str,
        rules_ttl: float = RULES_TTL,
        **options: Unpack[Options[KudosOp, Outcome]],
    ) -> None:
        super().__init__(transaction, name="kudos-writer", max_batch=MAX_BATCH, **options)
        self.default_zone = default_zone
        self.rules_ttl = rules_ttl
        self._rules_read_at = time.monotonic()
        self._known: KnownRules = {}

    async def apply(self, session: AsyncSession, ops: list[KudosOp], now: datetime) -> list[Outcome]:
        if time.monotonic() - self._rules_read_at >= self.rules_ttl:
            self.reset()
        return await apply_kudos(session, ops, now=now, default_zone=self.default_zone, known=self._known)

    def reset(self) -> None:
        self._known.clear()
        self._rules_read_at = time.monotonic()

    def forget(self, guild_id: int) -> None:
        """A host changed the server's rules: read them again at the next batch."""
        self._known.pop(guild_id, None)

    @asynccontextmanager
    async def exclusive(self, guild_id: int | None = None) -> AsyncIterator[None]:
        """Hold the writer while a host changes what batches rely on (a revoke, a reset, an exclusion); the server's
        rules (every server's, without `guild_id`) are read again afterwards."""
        async with self.holding():
            try:
                yield
            finally:
                if guild_id is None:
                    self.reset()
                else:
                    self.forget(guild_id)
