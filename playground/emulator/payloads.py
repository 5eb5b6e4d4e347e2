"""Render state objects as the JSON Discord sends (the shapes discord.py 2.7 parses)."""

from __future__ import annotations

import re

from . import permissions
from .state import (
    DM,
    PRIVATE_THREAD,
    VOCAL_TYPES,
    Attachment,
    Channel,
    Command,
    Guild,
    Json,
    Member,
    Message,
    Role,
    ScheduledEvent,
    State,
    User,
    VoiceState,
    iso,
)

CDN = "https://cdn.discordapp.com"


def user(u: User) -> Json:
    return {
        "id": str(u.id),
        "username": u.username,
        "discriminator": "0",
        "global_name": u.global_name,
        "avatar": None,
        "bot": u.bot,
        "system": False,
        "public_flags": 0,
        "flags": 0,
        "banner": None,
        "accent_color": None,
    }


def me(u: User) -> Json:
    return {**user(u), "mfa_enabled": False, "verified": True, "locale": u.locale, "email": None}


def role(r: Role) -> Json:
    return {
        "id": str(r.id),
        "name": r.name,
        "color": r.color,
        "colors": {"primary_color": r.color, "secondary_color": None, "tertiary_color": None},
        "hoist": r.hoist,
        "icon": None,
        "unicode_emoji": None,
        "position": r.position,
        "permissions": str(r.permissions),
        "managed": r.managed,
        "mentionable": r.mentionable,
        "flags": 0,
    }


def member(m: Member, *, with_user: bool = True) -> Json:
    data: Json = {
        "nick": m.nick,
        "avatar": None,
        "banner": None,
        "roles": [str(r) for r in m.role_ids],
        "joined_at": iso(m.joined_at),
        "premium_since": None,
        "deaf": False,
        "mute": False,
        "flags": 0,
        "pending": False,
        "communication_disabled_until": None,
    }
    if with_user:
        data["user"] = user(m.user)
    return data


def channel(state: State, c: Channel) -> Json:
    data: Json = {"id": str(c.id), "type": c.type, "last_message_id": _sid(c.last_message_id), "flags": c.flags}
    if c.type == DM:
        data["recipients"] = [user(state.users[u]) for u in c.recipient_ids]
        return data
    data.update(
        guild_id=str(c.guild_id),
        name=c.name,
        position=c.position,
        parent_id=_sid(c.parent_id),
        nsfw=c.nsfw,
        rate_limit_per_user=c.rate_limit_per_user,
    )
    if c.is_thread:
        return data | _thread_fields(c)
    data["permission_overwrites"] = [
        {"id": str(o.id), "type": o.type, "allow": str(o.allow), "deny": str(o.deny)} for o in c.overwrites
    ]
    data["topic"] = c.topic
    if c.type in VOCAL_TYPES:
        # https://discord.com/developers/docs/resources/channel#channel-object (voice: bitrate, user_limit)
        data.update(bitrate=64000, user_limit=0, rtc_region=None, video_quality_mode=1)
    if c.type == 15:
        data.update(
            available_tags=c.available_tags,
            default_reaction_emoji=None,
            default_sort_order=None,
            default_forum_layout=0,
            default_thread_rate_limit_per_user=0,
        )
    return data


def _thread_fields(c: Channel) -> Json:
    return {
        "owner_id": _sid(c.owner_id),
        "message_count": len(c.messages),
        "total_message_sent": len(c.messages),
        # Discord stops counting at 50: https://discord.com/developers/docs/resources/channel#channel-object
        "member_count": min(len(c.member_ids), 50) or 1,
        "applied_tags": [str(t) for t in c.applied_tags],
        "thread_metadata": {
            "archived": c.archived,
            "locked": c.locked,
            "auto_archive_duration": c.auto_archive_duration,
            "archive_timestamp": iso(c.archive_timestamp or c.created_at),
            "create_timestamp": iso(c.created_at),
            **({"invitable": c.invitable} if c.type == PRIVATE_THREAD else {}),
        },
    }


def attachment(a: Attachment, base_url: str) -> Json:
    return {
        "id": str(a.id),
        "filename": a.filename,
        "size": a.size,
        "url": f"{base_url}/attachments/{a.id}/{a.filename}",
        "proxy_url": f"{base_url}/attachments/{a.id}/{a.filename}",
        "content_type": a.content_type,
        "description": a.description,
    }


def message(state: State, m: Message, *, base_url: str = CDN, with_member: bool = False) -> Json:
    """A message; `with_member` adds the author's member object as gateway events carry it."""
    author = state.users[m.author_id]
    data: Json = {
        "id": str(m.id),
        "channel_id": str(m.channel_id),
        "author": user(author),
        "content": m.content,
        "timestamp": iso(m.timestamp),
        "edited_timestamp": iso(m.edited_timestamp),
        "tts": m.tts,
        "mention_everyone": "@everyone" in m.content,
        "mentions": _mentions(state, m),
        "mention_roles": [],
        "attachments": [attachment(a, base_url) for a in m.attachments],
        "embeds": m.embeds,
        "reactions": [_reaction(state, m, r.emoji.key) for r in m.reactions],
        "pinned": m.pinned,
        "type": m.type,
        "flags": m.flags,
        "components": m.components,
    }
    if m.guild_id is not None:
        data["guild_id"] = str(m.guild_id)
        guild_member = state.guilds[m.guild_id].members.get(m.author_id)
        if with_member and guild_member is not None:
            data["member"] = member(guild_member, with_user=False)
    if m.nonce is not None:
        data["nonce"] = m.nonce
    if m.webhook_id is not None:
        data["webhook_id"] = str(m.webhook_id)
    if m.application_id is not None:
        data["application_id"] = str(m.application_id)
    if m.message_reference is not None:
        data["message_reference"] = m.message_reference
    if m.thread_id is not None and m.thread_id in state.channels:
        data["thread"] = channel(state, state.channels[m.thread_id])
    if m.interaction_id is not None and m.interaction_id in state.interactions:
        data["interaction_metadata"] = interaction_metadata(state, m.interaction_id)
    return data


def interaction_metadata(state: State, interaction_id: int) -> Json:
    inter = state.interactions[interaction_id]
    data: Json = {
        "id": str(inter.id),
        "type": inter.type,
        "user": user(state.users[inter.user_id]),
        "authorizing_integration_owners": {"0": str(inter.guild_id)} if inter.guild_id else {},
    }
    if inter.type == 2:
        data["name"] = inter.label
    if inter.source_message_id is not None:
        data["interacted_message_id"] = str(inter.source_message_id)
    if inter.original is not None:
        data["original_response_message_id"] = str(inter.original.id)
    return data


def _reaction(state: State, m: Message, key: str) -> Json:
    found = next(r for r in m.reactions if r.emoji.key == key)
    count = len(found.user_ids)
    return {
        "count": count,
        "count_details": {"burst": 0, "normal": count},
        "me": state.bot_user.id in found.user_ids,
        "me_burst": False,
        "burst_colors": [],
        "emoji": found.emoji.to_json(),
    }


def _mentions(state: State, m: Message) -> list[Json]:
    ids = {int(i) for i in re.findall(r"<@!?(\d+)>", m.content)}
    return [user(state.users[i]) for i in sorted(ids) if i in state.users]


def guild(state: State, g: Guild, *, members_included: bool) -> Json:
    """A full GUILD_CREATE payload."""
    listed = list(g.members.values()) if members_included else [g.members[state.bot_user.id]]
    bot_member = g.members.get(state.bot_user.id)
    return {
        "id": str(g.id),
        "name": g.name,
        "icon": None,
        "splash": None,
        "discovery_splash": None,
        "banner": None,
        "description": None,
        "owner_id": str(g.owner_id),
        "afk_channel_id": None,
        "afk_timeout": 300,
        "verification_level": 0,
        "default_message_notifications": 0,
        "explicit_content_filter": 0,
        "roles": [role(r) for r in sorted(g.roles.values(), key=lambda r: r.position)],
        "emojis": [],
        "stickers": [],
        "features": ["COMMUNITY"],
        "mfa_level": 0,
        "application_id": None,
        "system_channel_id": None,
        "system_channel_flags": 0,
        "rules_channel_id": None,
        "public_updates_channel_id": None,
        "safety_alerts_channel_id": None,
        "vanity_url_code": None,
        "premium_tier": 0,
        "premium_subscription_count": 0,
        "premium_progress_bar_enabled": False,
        "preferred_locale": g.preferred_locale,
        "nsfw_level": 0,
        "max_members": 500000,
        "max_video_channel_users": 25,
        "joined_at": iso(bot_member.joined_at) if bot_member else None,
        "large": False,
        "unavailable": False,
        "member_count": len(g.members),
        "voice_states": [voice_state(state, g, v, with_member=False) for v in g.voice_states.values()],
        "presences": [],
        "members": [member(m) for m in listed],
        "channels": [channel(state, c) for c in g.channels.values() if not c.is_thread],
        "threads": [channel(state, c) for c in g.threads() if not c.archived],
        "stage_instances": [],
        "guild_scheduled_events": [scheduled_event(state, e) for e in g.scheduled_events.values()],
        "soundboard_sounds": [],
        "incidents_data": None,
    }


def guild_preview(g: Guild) -> Json:
    """The REST guild object (no gateway-only fields)."""
    return {
        "id": str(g.id),
        "name": g.name,
        "icon": None,
        "owner_id": str(g.owner_id),
        "preferred_locale": g.preferred_locale,
        "features": ["COMMUNITY"],
        "roles": [role(r) for r in g.roles.values()],
        "emojis": [],
        "stickers": [],
        "approximate_member_count": len(g.members),
    }


def scheduled_event(state: State, e: ScheduledEvent) -> Json:
    return {
        "id": str(e.id),
        "guild_id": str(e.guild_id),
        "channel_id": _sid(e.channel_id),
        "creator_id": str(e.creator_id),
        "creator": user(state.users[e.creator_id]),
        "name": e.name,
        "description": e.description,
        "scheduled_start_time": e.scheduled_start_time,
        "scheduled_end_time": e.scheduled_end_time,
        "privacy_level": e.privacy_level,
        "status": e.status,
        "entity_type": e.entity_type,
        "entity_id": None,
        "entity_metadata": e.entity_metadata,
        "user_count": len(e.user_ids),
        "image": e.image,
        "recurrence_rule": e.recurrence_rule,
    }


def voice_state(state: State, g: Guild, v: VoiceState, *, with_member: bool = True) -> Json:
    """A voice state as VOICE_STATE_UPDATE carries it (with the member), or as GUILD_CREATE lists it."""
    data: Json = {
        "guild_id": str(g.id),
        "channel_id": str(v.channel_id),
        "user_id": str(v.user_id),
        "session_id": v.session_id,
        "deaf": False,
        "mute": False,
        "self_deaf": v.self_deaf,
        "self_mute": v.self_mute,
        "self_video": False,
        "suppress": v.suppress,
        "request_to_speak_timestamp": None,
    }
    if with_member and v.user_id in g.members:
        data["member"] = member(g.members[v.user_id])
    return data


def command(c: Command) -> Json:
    body = c.body
    data: Json = {
        "id": str(c.id),
        "application_id": str(c.application_id),
        "version": str(c.id),
        "type": c.type,
        "name": body["name"],
        "name_localizations": body.get("name_localizations"),
        "description": body.get("description", ""),
        "description_localizations": body.get("description_localizations"),
        "options": body.get("options") or [],
        "default_member_permissions": body.get("default_member_permissions"),
        "dm_permission": body.get("dm_permission", True),
        "contexts": body.get("contexts"),
        "integration_types": body.get("integration_types") or [0],
        "nsfw": bool(body.get("nsfw", False)),
    }
    if c.guild_id is not None:
        data["guild_id"] = str(c.guild_id)
    return data


def application(state: State, owner: User) -> Json:
    """GET /oauth2/applications/@me."""
    return {
        "id": str(state.application_id),
        "name": state.bot_user.username,
        "icon": None,
        "description": "",
        "summary": "",
        "type": None,
        "bot_public": True,
        "bot_require_code_grant": False,
        "verify_key": "0" * 64,
        "flags": APPLICATION_FLAGS,
        "owner": user(owner),
        "team": None,
        "bot": user(state.bot_user),
        "rpc_origins": [],
        "tags": [],
        "redirect_uris": [],
        "interactions_endpoint_url": None,
        "approximate_guild_count": len(state.guilds),
    }


# GATEWAY_PRESENCE | GATEWAY_GUILD_MEMBERS | GATEWAY_MESSAGE_CONTENT (the privileged intents are enabled)
APPLICATION_FLAGS = (1 << 12) | (1 << 14) | (1 << 18)


def app_permissions(state: State, c: Channel) -> str:
    g = state.guild_of(c)
    bot = g.members.get(state.bot_user.id) if g else None
    return str(permissions.for_channel(g, bot, c))


def _sid(value: int | None) -> str | None:
    return None if value is None else str(value)
