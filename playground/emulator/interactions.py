"""Build INTERACTION_CREATE payloads the way the Discord client does, from the commands the bot synced.

Envelope: https://discord.com/developers/docs/interactions/receiving-and-responding#interaction-object
"""

from __future__ import annotations

import mimetypes
from dataclasses import dataclass, field
from typing import Any

from . import payloads, permissions
from .state import Attachment, Channel, Command, Guild, Json, Member, Message, Role, State, User, walk_components

APPLICATION_COMMAND, COMPONENT, AUTOCOMPLETE, MODAL_SUBMIT = 2, 3, 4, 5
SUB_COMMAND, SUB_COMMAND_GROUP = 1, 2
STRING, INTEGER, BOOLEAN, USER, CHANNEL, ROLE, MENTIONABLE, NUMBER, ATTACHMENT = range(3, 12)
ATTACHMENT_SIZE_LIMIT = 10 * 1024 * 1024


class DriverError(AssertionError):
    """The test asked for something a Discord user could not do (unknown command, option, button...)."""


@dataclass
class Resolved:
    """The `resolved` map of an interaction, filled while options are converted."""

    users: dict[str, Json] = field(default_factory=dict)
    members: dict[str, Json] = field(default_factory=dict)
    roles: dict[str, Json] = field(default_factory=dict)
    channels: dict[str, Json] = field(default_factory=dict)
    attachments: dict[str, Json] = field(default_factory=dict)

    def to_json(self) -> Json:
        return {k: v for k, v in vars(self).items() if v}


def envelope(
    state: State, *, kind: int, user: User, channel: Channel, data: Json, token: str, interaction_id: int
) -> Json:
    """Fields discord.py reads on every interaction, with permissions computed from roles and overwrites."""
    guild = state.guild_of(channel)
    payload: Json = {
        "id": str(interaction_id),
        "application_id": str(state.application_id),
        "type": kind,
        "data": data,
        "token": token,
        "version": 1,
        "channel_id": str(channel.id),
        "channel": channel_json(state, channel, guild, user),
        "app_permissions": payloads.app_permissions(state, channel),
        "locale": user.locale,
        "entitlements": [],
        "attachment_size_limit": ATTACHMENT_SIZE_LIMIT,
        "authorizing_integration_owners": {"0": str(guild.id)} if guild else {"1": str(user.id)},
        "context": 0 if guild else 1,
    }
    if guild is None:
        payload["user"] = payloads.user(user)
        return payload
    member = guild.members[user.id]
    payload.update(
        guild_id=str(guild.id),
        guild_locale=guild.preferred_locale,
        guild={"id": str(guild.id), "locale": guild.preferred_locale, "features": ["COMMUNITY"]},
        member=payloads.member(member) | {"permissions": str(permissions.channel_permissions(guild, member, channel))},
    )
    return payload


def channel_json(state: State, channel: Channel, guild: Guild | None, user: User) -> Json:
    """The partial channel of an interaction, with the invoker's permissions in it."""
    data = payloads.channel(state, channel)
    if guild is not None:
        data["permissions"] = str(permissions.channel_permissions(guild, guild.members[user.id], channel))
    return data


# ---- application commands -----------------------------------------------------------------------------


def find_command(state: State, guild_id: int | None, path: str, kind: int = 1) -> Command:
    """The synced command whose name starts `path` ("poll create" → command "poll"); a context menu's whole name
    ("Save to knowledge base") is its name."""
    name = path.split()[0] if kind == 1 else path
    for command in state.commands_for(guild_id):
        if command.name == name and command.type == kind:
            return command
    synced = sorted({c.name for c in state.commands_for(guild_id) if c.type == kind})
    raise DriverError(f"no synced command {name!r} (type {kind}); the bot synced: {synced or 'nothing'}")


def command_data(
    state: State, command: Command, path: str, options: dict[str, Any], *, focused: str | None = None
) -> Json:
    """`data` of a chat-input command: nested subcommand options and converted, resolved values."""
    words = path.split()[1:]
    schema = list(command.body.get("options") or [])
    resolved = Resolved()
    chain: list[Json] = []
    for word in words:
        option = next(
            (o for o in schema if o.get("name") == word and o.get("type") in (SUB_COMMAND, SUB_COMMAND_GROUP)), None
        )
        if option is None:
            raise DriverError(
                f"/{path}: {word!r} is not a subcommand of /{' '.join([command.name, *(c['name'] for c in chain)])}"
            )
        chain.append({"type": option["type"], "name": word})
        schema = list(option.get("options") or [])
    if any(o.get("type") in (SUB_COMMAND, SUB_COMMAND_GROUP) for o in schema):
        raise DriverError(f"/{path} needs a subcommand: {[o['name'] for o in schema]}")
    leaf = [_option(state, path, schema, name, value, resolved, focused == name) for name, value in options.items()]
    _check_required(path, schema, options, partial=focused is not None)
    nested: list[Json] = leaf
    for link in reversed(chain):
        nested = [{**link, "options": nested}]
    data: Json = {"id": str(command.id), "name": command.name, "type": command.type, "options": nested}
    if command.guild_id is not None:
        data["guild_id"] = str(command.guild_id)
    if resolved.to_json():
        data["resolved"] = resolved.to_json()
    return data


def _check_required(path: str, schema: list[Json], given: dict[str, Any], *, partial: bool) -> None:
    missing = [o["name"] for o in schema if o.get("required") and o["name"] not in given]
    if missing and not partial:
        raise DriverError(f"/{path}: missing required option(s) {missing}")


def _option(
    state: State, path: str, schema: list[Json], name: str, value: Any, resolved: Resolved, focused: bool
) -> Json:
    spec = next((o for o in schema if o.get("name") == name), None)
    if spec is None:
        raise DriverError(f"/{path} has no option {name!r}; options: {[o['name'] for o in schema]}")
    kind = int(spec["type"])
    if focused:
        return {"name": name, "type": kind, "value": str(value), "focused": True}
    return {"name": name, "type": kind, "value": convert(state, kind, value, resolved)}


def convert(state: State, kind: int, value: Any, resolved: Resolved) -> Any:
    """A Python value as the client sends it for option type `kind`, registering resolved objects."""
    if kind == STRING:
        return str(value)
    if kind == INTEGER:
        return int(value)
    if kind == NUMBER:
        return float(value)
    if kind == BOOLEAN:
        return bool(value)
    if kind == ATTACHMENT:
        return _resolve_attachment(state, value, resolved)
    target = getattr(value, "member", value)  # a driver handle wraps a Member
    if isinstance(target, Member):
        resolved.users[str(target.id)] = payloads.user(target.user)
        resolved.members[str(target.id)] = payloads.member(target, with_user=False) | {"permissions": "0"}
        return str(target.id)
    if isinstance(target, User):
        resolved.users[str(target.id)] = payloads.user(target)
        return str(target.id)
    if isinstance(target, Role):
        resolved.roles[str(target.id)] = payloads.role(target)
        return str(target.id)
    if isinstance(target, Channel):
        resolved.channels[str(target.id)] = _resolved_channel(state, target)
        return str(target.id)
    return str(int(value))


def _resolved_channel(state: State, channel: Channel) -> Json:
    data = payloads.channel(state, channel)
    data["permissions"] = payloads.app_permissions(state, channel)
    return data


def _resolve_attachment(state: State, value: Any, resolved: Resolved) -> str:
    """Accepts an Attachment or a (filename, bytes) pair (its content type guessed from the name, as Discord's is)."""
    if not isinstance(value, Attachment):
        filename, content = value
        kind = mimetypes.guess_type(filename)[0] or "application/octet-stream"
        value = Attachment(id=state.new_id(), filename=filename, data=content, content_type=kind)
    state.uploads[value.id] = value
    resolved.attachments[str(value.id)] = payloads.attachment(value, state.cdn_url)
    return str(value.id)


# ---- components and modals ----------------------------------------------------------------------------


def find_component(message: Message, wanted: str, types: tuple[int, ...]) -> Json:
    """A component of `message` by label or custom_id."""
    candidates = [c for c in walk_components(message.components) if c.get("type") in types]
    for component in candidates:
        if wanted in (component.get("label"), component.get("custom_id")):
            if component.get("disabled"):
                raise DriverError(f"component {wanted!r} is disabled")
            if component.get("url") or component.get("style") == 5:
                raise DriverError(f"{wanted!r} is a link button: clicking it opens a URL, no interaction")
            return component
    names = [c.get("label") or c.get("custom_id") for c in candidates]
    raise DriverError(f"message {message.id} has no component {wanted!r} of types {types}; it has {names}")


def modal_submit_data(modal: Json, values: dict[str, str]) -> Json:
    """The type-5 `data`: every input of the modal, keyed by custom_id or label; ids come from the modal."""
    remaining = dict(values)
    components = [_submitted(c, remaining) for c in modal.get("components") or []]
    if remaining:
        raise DriverError(f"modal {modal.get('title')!r} has no field(s) {sorted(remaining)}")
    return {"custom_id": modal["custom_id"], "components": components}


def _submitted(component: Json, values: dict[str, str]) -> Json:
    """Mirror the modal's layout: rows hold inputs, labels (type 18) wrap one component."""
    kind = component.get("type")
    if kind == 1:
        rows = [_submitted(c, values) for c in component.get("components") or []]
        return _with_id({"type": 1, "components": rows}, component)
    if kind == 18:
        inner = dict(component["component"])
        inner["label"] = component.get("label") or inner.get("label")
        return _with_id({"type": 18, "component": _submitted(inner, values)}, component)
    custom_id = component.get("custom_id")
    value = _pop_value(values, custom_id, component.get("label"))
    if kind == 4:  # a field the member leaves alone keeps its pre-filled value, as in Discord's client
        value = component.get("value") if value is None else value
        return _with_id({"type": 4, "custom_id": custom_id, "value": "" if value is None else str(value)}, component)
    if kind in (3, 5, 6, 7, 8):
        chosen = [] if value is None else (list(value) if isinstance(value, list | tuple) else [value])
        return _with_id({"type": kind, "custom_id": custom_id, "values": [str(v) for v in chosen]}, component)
    return _with_id({"type": kind}, component)


def _with_id(data: Json, source: Json) -> Json:
    if source.get("id") is not None:
        data["id"] = source["id"]
    return data


def _pop_value(values: dict[str, Any], custom_id: Any, label: Any) -> Any:
    for key in (custom_id, label):
        if key in values:
            return values.pop(key)
    return None
