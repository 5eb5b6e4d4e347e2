"""The default world: one guild with #general, @everyone, an owner and the bot, whose role can manage roles."""

from __future__ import annotations

from . import permissions as perms
from .state import TEXT, Channel, Guild, Member, Role, State

BOT_PERMISSIONS = (
    perms.DEFAULT_EVERYONE
    | perms.MANAGE_ROLES
    | perms.MANAGE_MESSAGES
    | perms.MANAGE_THREADS
    | perms.MANAGE_EVENTS
    | perms.CREATE_PRIVATE_THREADS
    | perms.MODERATE_MEMBERS
)
BOT_ROLE_POSITION = 10


def new_state(bot_name: str = "Agora") -> State:
    """A state holding only the bot's user and application."""
    from .state import Snowflakes, User

    snowflakes = Snowflakes()
    bot = User(id=snowflakes.next(), username=bot_name, bot=True)
    state = State(application_id=bot.id, bot_user=bot, snowflakes=snowflakes)
    state.users[bot.id] = bot
    return state


def add_guild(
    state: State, name: str = "Agora Test", *, locale: str = "en-US", shard: tuple[int, int] | None = None
) -> Guild:
    """A guild with @everyone, the bot's managed role (position 10) and #general; on `shard` (id, count) if given."""
    owner = next((u for u in state.users.values() if u.username == "owner"), None) or state.add_user("owner")
    guild_id = state.new_id() if shard is None else state.snowflakes.next_on_shard(*shard)
    guild = Guild(id=guild_id, name=name, owner_id=owner.id, preferred_locale=locale)
    state.guilds[guild.id] = guild
    guild.roles[guild.id] = Role(id=guild.id, guild_id=guild.id, name="@everyone", permissions=perms.DEFAULT_EVERYONE)
    bot_role = Role(
        id=state.new_id(),
        guild_id=guild.id,
        name=state.bot_user.username,
        permissions=BOT_PERMISSIONS,
        position=BOT_ROLE_POSITION,
        managed=True,
    )
    guild.roles[bot_role.id] = bot_role
    guild.members[owner.id] = Member(user=owner, guild_id=guild.id)
    guild.members[state.bot_user.id] = Member(user=state.bot_user, guild_id=guild.id, role_ids=[bot_role.id])
    state.add_channel(Channel(id=state.new_id(), type=TEXT, name="general", guild_id=guild.id))
    return guild
