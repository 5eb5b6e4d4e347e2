"""Once per (kind, subject, target): a row is inserted before acting, and whoever inserts it acts.

Jobs are already claimed one at a time (`models.scheduling`), but a job can run again: its process died mid-way and
the lease ran out, a second process swept it, a host's change re-planned it. The ledger makes every announcement,
reminder, prompt and native-event change survive all of these without happening twice. Discord posts carry a nonce
derived from the claim, so a request retried by the HTTP layer is not posted twice either.

A single action claimed but never recorded (its process died in between) stays claimed: at most once. A fan-out
records what became of every member it claimed, so its next run takes back the claims a dead run left unrecorded
(`retake_unfinished`): a DM that had reached Discord comes back from it by its nonce rather than twice (Discord keeps
nonces a few minutes; a run resumed later than that may repeat the few messages that were on their way).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import Table, delete, select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from models.sessions.tables import SessionDelivery

LEDGER: Table = SessionDelivery.__table__  # type: ignore[assignment]
BATCH = 500


async def claim(
    session: AsyncSession,
    kind: str,
    subject: int,
    targets: Sequence[int],
    *,
    guild_id: int,
    now: datetime,
    retake_unfinished: bool = False,
) -> list[int]:
    """Insert a row per target; returns the targets this call claimed (the others were claimed before), in order.
    With `retake_unfinished`, claims an earlier run made but never recorded are this call's too."""
    insert = postgresql_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    won: set[int] = set()
    ordered = sorted(set(targets))  # every claimer takes the keys in one order: two never wait on each other
    for start in range(0, len(ordered), BATCH):
        batch = ordered[start : start + BATCH]
        rows = [
            {"kind": kind, "subject": subject, "target": target, "guild_id": guild_id, "claimed_at": now}
            for target in batch
        ]
        statement = insert(LEDGER).values(rows).on_conflict_do_nothing().returning(LEDGER.c.target)
        won.update((await session.scalars(statement)).all())
        if retake_unfinished:
            unfinished = select(LEDGER.c.target).where(
                LEDGER.c.kind == kind,
                LEDGER.c.subject == subject,
                LEDGER.c.target.in_(batch),
                LEDGER.c.done_at.is_(None),
            )
            won.update((await session.scalars(unfinished)).all())
    return [target for target in dict.fromkeys(targets) if target in won]


async def claim_one(session: AsyncSession, kind: str, subject: int, *, guild_id: int, now: datetime) -> bool:
    return bool(await claim(session, kind, subject, [0], guild_id=guild_id, now=now))


async def record(session: AsyncSession, kind: str, subject: int, outcomes: dict[int, str], *, now: datetime) -> None:
    """What became of each claimed target ("dm", "thread", "none", "posted"…)."""
    by_outcome: dict[str, list[int]] = {}
    for target, outcome in outcomes.items():
        by_outcome.setdefault(outcome, []).append(target)
    for outcome, targets in by_outcome.items():
        for start in range(0, len(targets), BATCH):
            await session.execute(
                update(SessionDelivery)
                .where(
                    SessionDelivery.kind == kind,
                    SessionDelivery.subject == subject,
                    SessionDelivery.target.in_(targets[start : start + BATCH]),
                )
                .values(outcome=outcome, done_at=now)
            )


async def release(session: AsyncSession, kind: str, subject: int, target: int = 0) -> None:
    """Give a claim back (the action could not even be tried, e.g. Discord refused before anything happened)."""
    await session.execute(
        delete(SessionDelivery).where(
            SessionDelivery.kind == kind, SessionDelivery.subject == subject, SessionDelivery.target == target
        )
    )
