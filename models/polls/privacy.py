"""Polls' part of a member's data: polls they asked, their votes in public polls, their open anonymous ballots.

A closed poll's counts are frozen in `poll_options.final_votes` at close, so erasing a voter leaves them as they
were; in an open poll the vote is withdrawn, as if the member had taken their reaction back.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from models.polls import rules
from models.polls.tables import Poll, PollBallot, PollKey, PollOption, PollVote
from models.privacy.interface import MemberData, of_member, rowcount


async def export(session: AsyncSession, guild_id: int, member_id: int) -> dict[str, Any]:
    asked = await session.scalars(
        select(Poll).where(Poll.guild_id == guild_id, Poll.author_id == member_id).order_by(Poll.created_at)
    )
    votes = await session.execute(
        select(Poll.question, PollOption.label, PollVote.voted_at)
        .join(Poll, Poll.id == PollVote.poll_id)
        .join(PollOption, PollOption.id == PollVote.option_id)
        .where(of_member(PollVote.voter_id, guild_id, member_id))
        .order_by(PollVote.voted_at)
    )
    return {
        "polls_asked": [
            {"question": poll.question, "created_at": poll.created_at.isoformat(), "anonymous": poll.anonymous}
            for poll in asked
        ],
        "poll_votes": [
            {"question": question, "option": label, "voted_at": at.isoformat()} for question, label, at in votes
        ],
    }


async def erase(session: AsyncSession, guild_id: int, member_id: int, now: datetime) -> int:
    """Public votes go (a closed poll's counts stay as they were frozen), ballots in open anonymous polls are
    found through their poll's key and go, and polls they asked no longer name them (0)."""
    changed = rowcount(await session.execute(delete(PollVote).where(of_member(PollVote.voter_id, guild_id, member_id))))
    keys = await session.execute(
        select(PollKey.poll_id, PollKey.key).join(Poll, Poll.id == PollKey.poll_id).where(Poll.guild_id == guild_id)
    )
    for poll_id, key in keys.all():
        ballot = rules.ballot_id(key, member_id)
        result = await session.execute(
            delete(PollBallot).where(PollBallot.poll_id == poll_id, PollBallot.voter_id == ballot)
        )
        changed += rowcount(result)
    result = await session.execute(
        update(Poll).where(Poll.guild_id == guild_id, Poll.author_id == member_id).values(author_id=0)
    )
    return changed + rowcount(result)


PRIVACY = MemberData(
    name="polls",
    export=export,
    erase=erase,
    columns=(Poll.author_id, PollVote.voter_id),
    hashed=(PollBallot.voter_id,),
)
