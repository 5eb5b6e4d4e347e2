"""Interaction callbacks and the webhook routes behind follow-ups and `@original`.

Timing rules: https://discord.com/developers/docs/interactions/receiving-and-responding#responding-to-an-interaction
(an initial answer within 3 s; the token then works for 15 minutes).
"""

from __future__ import annotations

import asyncio

from . import fidelity
from .core import Core
from .errors import ApiError, raise_for, unknown
from .rest import Call, Reply, RouteTable
from .state import Callback, Interaction, Json, Message

routes = RouteTable()

PONG, MESSAGE, DEFERRED_MESSAGE, DEFERRED_UPDATE, UPDATE, AUTOCOMPLETE, MODAL = 1, 4, 5, 6, 7, 8, 9
EPHEMERAL, LOADING = 64, 128
COMMAND_TYPES = (2, 4)  # application command, autocomplete


def _interaction(call: Call) -> Interaction:
    """The interaction for the callback route; Discord says 10062 for a bad id/token or an expired one."""
    core = call.core
    inter = core.state.interactions.get(int(call.params["interaction_id"]))
    if inter is None or inter.token != call.params["token"]:
        raise unknown("interaction", 10062)
    if inter.acknowledged:
        # https://discord.com/developers/docs/topics/opcodes-and-status-codes#json-json-error-codes (40060)
        raise ApiError(400, 40060, "Interaction has already been acknowledged.")
    age = asyncio.get_running_loop().time() - inter.created_at
    if age > core.interaction_deadline:
        raise ApiError(404, 10062, "Unknown interaction", detail=f"first answer came {age:.3f} s after the event")
    return inter


@routes.post("/interactions/{interaction_id}/{token}/callback", auth=False)
async def callback(call: Call) -> Reply:
    core, body = call.core, call.json
    inter = _interaction(call)
    kind = int(body.get("type") or 0)
    data: Json = body.get("data") or {}
    message = _answer(core, inter, kind, data, call)
    inter.response = Callback(kind, data)
    core.journal.changed()
    if call.query.get("with_response") not in ("1", "true", "True"):
        return None
    return _callback_response(core, inter, kind, message)


def _answer(core: Core, inter: Interaction, kind: int, data: Json, call: Call) -> Message | None:
    """Apply one callback type; returns the message it created or updated."""
    if kind == MESSAGE:
        message = _respond_message(core, inter, data, call, flags=int(data.get("flags") or 0))
        inter.original = message
        return message
    if kind == DEFERRED_MESSAGE:
        flags = LOADING | (int(data.get("flags") or 0) & EPHEMERAL)
        message = _respond_message(core, inter, {}, call, flags=flags)
        inter.original = message
        return message
    if kind in (DEFERRED_UPDATE, UPDATE):
        source = _source_message(core, inter, kind)
        inter.original = source
        if kind == UPDATE:
            core.edit_message(source, data, call.uploads)
        return source
    if kind == AUTOCOMPLETE:
        _require_type(inter, kind, (4,))
        raise_for(fidelity.choices_errors(data))
        return None
    if kind == MODAL:
        _require_type(inter, kind, (2, 3))
        raise_for(fidelity.modal_errors(data))
        return None
    if kind == PONG:
        _require_type(inter, kind, (1,))
        return None
    raise ApiError(
        400,
        50035,
        "Invalid Form Body",
        {
            "type": {
                "_errors": [
                    {"code": "BASE_TYPE_CHOICES", "message": f"Value must be one of (1, 4, 5, 6, 7, 8, 9); got {kind}."}
                ]
            }
        },
    )


def _require_type(inter: Interaction, kind: int, allowed: tuple[int, ...]) -> None:
    if inter.type not in allowed:
        raise ApiError(
            400,
            40060 if kind == AUTOCOMPLETE else 50035,
            f"Callback type {kind} is invalid for interaction type {inter.type}",
        )


def _source_message(core: Core, inter: Interaction, kind: int) -> Message:
    """Types 6 and 7 only answer component (and modal-from-component) interactions."""
    if inter.source_message_id is None or inter.source_message_id not in core.state.messages:
        raise ApiError(400, 50035, f"Callback type {kind} needs a component interaction")
    return core.state.messages[inter.source_message_id]


def _respond_message(core: Core, inter: Interaction, data: Json, call: Call, *, flags: int) -> Message:
    channel = core.channel(inter.channel_id)
    message = core.build_message(
        channel,
        {**data, "flags": flags},
        call.uploads,
        type=20 if inter.type == 2 else 0,
        application_id=core.state.application_id,
        webhook_id=core.state.application_id,
        interaction_id=inter.id,
    )
    return core.store_and_announce(message)


def _callback_response(core: Core, inter: Interaction, kind: int, message: Message | None) -> Json:
    """The `with_response=1` body discord.py parses into InteractionCallbackResponse."""
    resource: Json = {"type": kind}
    summary: Json = {"id": str(inter.id), "type": inter.type}
    if message is not None:
        resource["message"] = core.message_json(message)
        summary.update(
            response_message_id=str(message.id),
            response_message_loading=bool(message.flags & LOADING),
            response_message_ephemeral=message.ephemeral,
        )
    return {"interaction": summary, "resource": resource}


# ---- webhooks: follow-ups and @original ---------------------------------------------------------------


def _webhook(call: Call) -> Interaction:
    """The interaction behind a webhook token: valid once acknowledged, for 15 minutes."""
    core = call.core
    inter = core.state.interaction_by_token(call.params["token"])
    if inter is None or call.params["application_id"] != str(core.state.application_id) or not inter.acknowledged:
        raise unknown("Webhook", 10015)
    if asyncio.get_running_loop().time() - inter.created_at > core.followup_ttl:
        raise ApiError(401, 50027, "Invalid Webhook Token")
    return inter


def _own_message(call: Call, inter: Interaction) -> Message:
    target = call.params.get("message_id", "@original")
    if target == "@original":
        if inter.original is None or inter.original.deleted:
            raise unknown("Message", 10008)
        return inter.original
    message = next((m for m in inter.followups if str(m.id) == target and not m.deleted), None)
    if message is None:
        raise unknown("Message", 10008)
    return message


@routes.post("/webhooks/{application_id}/{token}", auth=False)
async def followup(call: Call) -> Reply:
    """A follow-up; the first one after a "thinking" defer fills the loading message instead."""
    core = call.core
    inter = _webhook(call)
    original = inter.original
    if original is not None and original.flags & LOADING and not inter.followups:
        message = core.edit_message(original, {**call.json, "flags": None}, call.uploads)
        inter.followups.append(message)
    else:
        channel = core.channel(inter.channel_id)
        flags = int(call.json.get("flags") or 0)
        message = core.build_message(
            channel,
            {**call.json, "flags": flags},
            call.uploads,
            application_id=core.state.application_id,
            webhook_id=core.state.application_id,
            interaction_id=inter.id,
        )
        inter.followups.append(core.store_and_announce(message))
    inter.followed_up = True
    core.journal.changed()
    return core.message_json(message) if call.query.get("wait") in ("true", "1", "True") else None


@routes.get("/webhooks/{application_id}/{token}/messages/@original", auth=False)
@routes.get("/webhooks/{application_id}/{token}/messages/{message_id}", auth=False)
async def get_webhook_message(call: Call) -> Reply:
    return call.core.message_json(_own_message(call, _webhook(call)))


@routes.patch("/webhooks/{application_id}/{token}/messages/@original", auth=False)
@routes.patch("/webhooks/{application_id}/{token}/messages/{message_id}", auth=False)
async def edit_webhook_message(call: Call) -> Reply:
    inter = _webhook(call)
    message = call.core.edit_message(_own_message(call, inter), call.json, call.uploads)
    inter.followed_up = True
    call.core.journal.changed()
    return call.core.message_json(message)


@routes.delete("/webhooks/{application_id}/{token}/messages/@original", auth=False)
@routes.delete("/webhooks/{application_id}/{token}/messages/{message_id}", auth=False)
async def delete_webhook_message(call: Call) -> Reply:
    call.core.delete_message(_own_message(call, _webhook(call)))
    return None
