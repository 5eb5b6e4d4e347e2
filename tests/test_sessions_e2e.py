"""Sessions through the emulator: the real bot, a real database, Discord's shapes and limits."""

from __future__ import annotations

from datetime import UTC, datetime

from tests.conftest import AgoraHarness
from tests.emulator import Emulator
from tests.support.sessions import Clock, create, posts, run_jobs, set_up, use_clock

NOW = datetime(2027, 3, 1, 9, 0, tzinfo=UTC)


async def test_smoke(discord: Emulator, agora: AgoraHarness) -> None:
    clock = Clock(NOW)
    use_clock(agora.bot, clock)
    server = await set_up(discord, agora.bot.db)
    done = await create(
        server.host, title="Reading club", format="reading_club", start="2027-03-16 18:00", duration="1h30",
        repeat="weekly", count=10, channel=server.voice,
    )
    print(done.content)
    await agora.idle()
    await run_jobs(agora, clock, "sessions.announce")
    print([m.content for m in server.announcements.messages])
    print(discord.guild.scheduled_events)
