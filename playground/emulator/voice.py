"""Members in voice and stage channels: joining, moving and leaving send VOICE_STATE_UPDATE, as Discord does.

https://discord.com/developers/docs/events/gateway-events#voice-state-update — one event per change, carrying the
member; leaving sends the state with a null channel. GUILD_CREATE lists who is connected (see payloads.guild).
"""

from __future__ import annotations

import secrets

from . import payloads
from . import permissions as perms
from .core import Core
from .errors import ApiError
from .state import VOCAL_TYPES, Channel, Guild, Member, VoiceState


def connect(core: Core, guild: Guild, member: Member, channel: Channel | None) -> VoiceState | None:
    """Put `member` in `channel` (None: disconnect); dispatches VOICE_STATE_UPDATE unless nothing changed."""
    current = guild.voice_states.get(member.id)
    if channel is not None:
        if channel.type not in VOCAL_TYPES or channel.guild_id != guild.id:
            raise ApiError(400, 50024, "Cannot execute action on this channel type")
        needed = perms.VIEW_CHANNEL | perms.CONNECT
        if perms.channel_permissions(guild, member, channel) & needed != needed:
            raise ApiError(403, 50013, "Missing Permissions", detail="the member cannot connect there")
    if channel is None:
        if current is None:
            return None
        del guild.voice_states[member.id]
        data = payloads.voice_state(core.state, guild, current) | {"channel_id": None}
    else:
        if current is not None and current.channel_id == channel.id:
            return current
        session_id = current.session_id if current else secrets.token_hex(16)
        current = VoiceState(user_id=member.id, channel_id=channel.id, session_id=session_id)
        guild.voice_states[member.id] = current
        data = payloads.voice_state(core.state, guild, current)
    core.gateway.dispatch("VOICE_STATE_UPDATE", data)
    core.journal.changed()
    return guild.voice_states.get(member.id)
