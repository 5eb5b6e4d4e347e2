"""`/my-data` and `/privacy`: members get a copy of their data or erase it; everyone reads what Agora keeps and
why; hosts add their contact and export the whole server. Members who leave are erased after a delay, and a daily
job applies the retention policy of `config.toml`.

One class per concern: `commands` (the slash commands and the erase's confirmation) ← `events` (departures,
returns, the jobs, catch-up); `components` holds the erase button; `render` draws the notice and summaries. The
domain is `models.privacy`, over the `MemberData` every capability declares.
"""

from __future__ import annotations

from bot.client import Agora
from cogs.privacy.commands import MY_DATA, PRIVACY
from cogs.privacy.components import ITEMS
from cogs.privacy.events import PrivacyEvents


class Privacy(PrivacyEvents):
    items = ITEMS
    my_data = MY_DATA
    privacy = PRIVACY


async def setup(bot: Agora) -> None:
    await bot.add_cog(Privacy(bot))
