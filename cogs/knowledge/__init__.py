"""The knowledge base: `/share` posts know-how in the knowledge channel, "Save to knowledge base" keeps a helpful
message from anywhere, "Mark as answer" solves a thread, `/kb` searches everything (ranked, with snippets, in French
and English), `/resource` gathers recommended readings, and a weekly digest tells the community what it learned.

One class per concern, stacked: `base` (the knowledge channel, its tags, messages as drafts) under `sharing` (/share,
saving, withdrawing, solving), under `commands` (/kb), under `resources` (/resource), under `events` (indexing as
messages come, go and change; the digest; the catch-up). `components` holds the persistent buttons and menus,
`render` what members read.
"""

from __future__ import annotations

from discord import app_commands

from bot.client import Agora
from cogs.knowledge.components import ITEMS
from cogs.knowledge.events import KnowledgeEvents


class Knowledge(KnowledgeEvents):
    items = ITEMS

    def __init__(self, bot: Agora) -> None:
        super().__init__(bot)
        # Message context menus cannot live inside a cog's class body: they are built here and added to the tree.
        self.menus = (
            app_commands.ContextMenu(
                name=app_commands.locale_str("Save to knowledge base", key="commands.knowledge.save.name"),
                callback=self.save_message,
            ),
            app_commands.ContextMenu(
                name=app_commands.locale_str("Mark as answer", key="commands.knowledge.answer.name"),
                callback=self.answer_from_menu,
            ),
        )
        for menu in self.menus:
            menu.guild_only = True

    async def cog_load(self) -> None:
        await super().cog_load()
        for menu in self.menus:
            self.bot.tree.add_command(menu)

    async def cog_unload(self) -> None:
        for menu in self.menus:
            self.bot.tree.remove_command(menu.name, type=menu.type)
        await super().cog_unload()


async def setup(bot: Agora) -> None:
    await bot.add_cog(Knowledge(bot))
