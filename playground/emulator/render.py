"""What a member sees, as text: messages (content, embeds, buttons, selects, attachments, reactions) and forms.

The console names things so a person can act on them: messages get short handles (m1, m2…) from the console, and
inside a message buttons are b1, b2… and selects s1, s2… in reading order. `controls` gives the renderer and the
console's actions the same numbering; `form_fields` does the same for a modal's fields (1, 2…).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from urllib.parse import urlparse

from .state import DM, Interaction, Json, Message, State, walk_components

ROW, BUTTON, STRING_SELECT, TEXT_INPUT = 1, 2, 3, 4
SECTION, TEXT_DISPLAY, THUMBNAIL, MEDIA_GALLERY, FILE, SEPARATOR, CONTAINER, LABEL = 9, 10, 11, 12, 13, 14, 17, 18
SELECTS = (STRING_SELECT, 5, 6, 7, 8)
SELECT_KINDS = {5: "a member", 6: "a role", 7: "a member or a role", 8: "a channel"}
BUTTON_STYLES = {1: "blurple", 2: "grey", 3: "green", 4: "red", 5: "link", 6: "premium"}
LOADING = 128  # message flag of a deferred ("thinking…") answer
UPDATE_MESSAGE, AUTOCOMPLETE_RESULT = 7, 8

_USER = re.compile(r"<@!?(\d+)>")
_ROLE = re.compile(r"<@&(\d+)>")
_CHANNEL = re.compile(r"<#(\d+)>")
_EMOJI = re.compile(r"<a?:([\w~-]+):\d+>")
_TIMESTAMP = re.compile(r"<t:(-?\d+)(?::[tTdDfFR])?>")


def controls(message: Message) -> dict[str, Json]:
    """The message's buttons (b1…) and selects (s1…) by handle, in reading order."""
    found = walk_components(message.components)
    buttons = [c for c in found if c.get("type") == BUTTON]
    selects = [c for c in found if c.get("type") in SELECTS]
    return {f"b{n}": c for n, c in enumerate(buttons, 1)} | {f"s{n}": c for n, c in enumerate(selects, 1)}


def form_fields(modal: Json) -> list[Json]:
    """A modal's inputs in order, each with the label the member reads (its Label's, else its own)."""
    fields: list[Json] = []
    for component in modal.get("components") or []:
        kind = component.get("type")
        if kind == ROW:
            fields += [c for c in component.get("components") or [] if c.get("type") in (TEXT_INPUT, *SELECTS)]
        elif kind == LABEL and isinstance(component.get("component"), dict):
            inner = component["component"]
            label = component.get("label") or inner.get("label")
            fields.append({**inner, "label": label, "description": component.get("description")})
    return fields


def size(count: int) -> str:
    """A file size as Discord prints it."""
    if count < 1024:
        return f"{count} B"
    if count < 1024 * 1024:
        return f"{count / 1024:.1f} KB"
    return f"{count / 1024 / 1024:.1f} MB"


def file_name(url: str) -> str:
    """`attachment://chart.png` or a CDN address → chart.png."""
    if url.startswith("attachment://"):
        return url.removeprefix("attachment://")
    return urlparse(url).path.rsplit("/", 1)[-1] or url


class Renderer:
    """Text for messages, forms and interaction answers; `handle` names a message (m1…) for the person."""

    def __init__(self, state: State, handle: Callable[[Message], str]) -> None:
        self.state = state
        self.handle = handle

    # ---- names --------------------------------------------------------------------------------------
    def user_name(self, user_id: int) -> str:
        user = self.state.users.get(user_id)
        return user.username if user else str(user_id)

    def where(self, message: Message) -> str:
        channel = self.state.channels.get(message.channel_id)
        if channel is None:
            return "(deleted channel)"
        if channel.type == DM:
            return f"DM with {', '.join(self.user_name(u) for u in channel.recipient_ids)}"
        return f"#{channel.name}"

    def text(self, content: str) -> str:
        """Mentions, custom emojis and timestamps as the Discord client shows them."""
        content = _USER.sub(lambda m: f"@{self.user_name(int(m[1]))}", content)
        content = _ROLE.sub(lambda m: f"@{self._role_name(int(m[1]))}", content)
        content = _CHANNEL.sub(lambda m: f"#{self._channel_name(int(m[1]))}", content)
        content = _EMOJI.sub(lambda m: f":{m[1]}:", content)
        return _TIMESTAMP.sub(lambda m: _moment(int(m[1])), content)

    def _role_name(self, role_id: int) -> str:
        for guild in self.state.guilds.values():
            if role_id in guild.roles:
                return guild.roles[role_id].name
        return str(role_id)

    def _channel_name(self, channel_id: int) -> str:
        channel = self.state.channels.get(channel_id)
        return channel.name if channel else str(channel_id)

    # ---- messages -----------------------------------------------------------------------------------
    def message(self, message: Message, *, note: str = "") -> list[str]:
        """A header (handle, place, author, who sees it) and the message's body, indented."""
        header = [self.handle(message), self.where(message), self.user_name(message.author_id)]
        if message.ephemeral:
            header.append(f"only {self._reader(message)} sees")
        if message.message_reference:
            replied = self.state.messages.get(int(message.message_reference["message_id"]))
            header.append(f"reply to {self.handle(replied) if replied else 'a deleted message'}")
        if message.edited_timestamp is not None and not self._filled_deferral(message):
            header.append("edited")
        if note:
            header.append(note)
        lines = [" · ".join(header)]
        if message.flags & LOADING:
            lines.append(f"  {self.user_name(message.author_id)} is thinking…")
        lines += [f"  {line}" for line in self.text(message.content).splitlines()]
        for embed in message.embeds:
            lines += [f"  ┃ {line}".rstrip() for line in self.embed(embed)]
        named = {id(c): handle for handle, c in controls(message).items()}
        lines += [f"  {line}" for line in self.components(message.components, named)]
        lines += [
            f"  📎 {a.filename} ({size(a.size)})" + (f" — {a.description}" if a.description else "")
            for a in message.attachments
        ]
        if message.reactions:
            lines.append(f"  {self.reactions(message)}")
        return lines

    def _filled_deferral(self, message: Message) -> bool:
        """A "thinking…" answer filled by the first follow-up: Discord shows it as a plain answer, not as edited."""
        inter = self.state.interactions.get(message.interaction_id or 0)
        return (
            inter is not None and inter.original is message and bool(inter.followups) and inter.followups[0] is message
        )

    def reactions(self, message: Message) -> str:
        """`🇦 3  :party: 1`: each emoji (a custom one by name) and how many reacted with it."""
        return "  ".join(f"{self.emoji(r.emoji.to_json())} {len(r.user_ids)}" for r in message.reactions)

    def _reader(self, message: Message) -> str:
        inter = self.state.interactions.get(message.interaction_id or 0)
        return self.user_name(inter.user_id) if inter else "you"

    def embed(self, embed: Json) -> list[str]:
        lines: list[str] = []
        if (author := embed.get("author") or {}).get("name"):
            lines.append(self.text(str(author["name"])))
        if embed.get("title"):
            lines.append(self.text(str(embed["title"])) + (f" <{embed['url']}>" if embed.get("url") else ""))
        lines += self.text(str(embed.get("description") or "")).splitlines()
        for field in embed.get("fields") or []:
            value = self.text(str(field.get("value", ""))).splitlines() or [""]
            lines.append(f"▸ {self.text(str(field.get('name', '')))}: {value[0]}")
            lines += [f"  {line}" for line in value[1:]]
        for key in ("image", "thumbnail"):
            if (picture := embed.get(key) or {}).get("url"):
                lines.append(f"{key}: {file_name(str(picture['url']))}")
        footer = [self.text(str((embed.get("footer") or {}).get("text") or ""))]
        if embed.get("timestamp"):
            footer.append(_iso_moment(str(embed["timestamp"])))
        if any(footer):
            lines.append("— " + " · ".join(part for part in footer if part))
        if embed.get("color") is not None:
            colour = f"[#{int(embed['color']):06x}]"
            lines = [f"{lines[0]}  {colour}", *lines[1:]] if lines else [colour]
        return lines

    def emoji(self, emoji: Json | None) -> str:
        if not emoji:
            return ""
        return str(emoji.get("name")) if emoji.get("id") is None else f":{emoji.get('name')}:"

    # ---- components -----------------------------------------------------------------------------------
    def components(self, components: list[Json], named: dict[int, str]) -> list[str]:
        lines: list[str] = []
        for component in components:
            kind = component.get("type")
            if kind == ROW:
                children = list(component.get("components") or [])
                buttons = [self.button(c, named) for c in children if c.get("type") == BUTTON]
                if buttons:
                    lines.append("  ".join(buttons))
                lines += self.components([c for c in children if c.get("type") != BUTTON], named)
            elif kind == BUTTON:
                lines.append(self.button(component, named))
            elif kind in SELECTS:
                lines += self.select(component, named.get(id(component), ""))
            elif kind == TEXT_DISPLAY:
                lines += self.text(str(component.get("content") or "")).splitlines()
            elif kind == SECTION:
                lines += self.components(list(component.get("components") or []), named)
                lines += self.components([component["accessory"]] if component.get("accessory") else [], named)
            elif kind == CONTAINER:
                lines += [f"│ {line}" for line in self.components(list(component.get("components") or []), named)]
            elif kind in (THUMBNAIL, MEDIA_GALLERY, FILE):
                lines.append("🖼 " + ", ".join(file_name(url) for url in _media_urls(component)))
            elif kind == SEPARATOR:
                lines.append("────")
        return lines

    def button(self, button: Json, named: dict[int, str]) -> str:
        parts = [named.get(id(button), ""), self.emoji(button.get("emoji")), self.text(str(button.get("label") or ""))]
        words = [" ".join(p for p in parts if p), BUTTON_STYLES.get(int(button.get("style") or 2), "?")]
        if button.get("url"):
            words.append(f"→ {button['url']}")
        if button.get("disabled"):
            words.append("disabled")
        return f"[{' · '.join(words)}]"

    def select(self, select: Json, handle: str) -> list[str]:
        kind = int(select.get("type") or STRING_SELECT)
        head = [f"{handle} ▾ {self.text(str(select.get('placeholder') or 'choose'))}".strip(), _how_many(select)]
        if kind != STRING_SELECT:
            head.append(f"name {SELECT_KINDS[kind]}")
        if select.get("disabled"):
            head.append("disabled")
        lines = [" · ".join(head)]
        for option in select.get("options") or []:
            label = " ".join(p for p in (self.emoji(option.get("emoji")), self.text(str(option.get("label")))) if p)
            value = str(option.get("value"))
            line = f"    {label}" if value == label else f"    {value}: {label}"
            if option.get("description"):
                line += f" — {self.text(str(option['description']))}"
            if option.get("default"):
                line += " ✓"
            lines.append(line)
        return lines

    # ---- forms and answers ----------------------------------------------------------------------------------
    def form(self, modal: Json, member: str) -> list[str]:
        """A modal the bot opened: its title and numbered fields, and how to submit it."""
        lines = [
            f"📝 form «{self.text(str(modal.get('title') or ''))}» for {member} — "
            f'answer with: {member} submit 1="…" 2="…" (or field=… by id or label)'
        ]
        for number, field in enumerate(form_fields(modal), 1):
            lines += [f"  {line}" for line in self.field(number, field)]
        return lines

    def field(self, number: int, field: Json) -> list[str]:
        words = [f"{number}. {self.text(str(field.get('label') or ''))} [{field.get('custom_id')}]"]
        if field.get("type") == TEXT_INPUT:
            words.append("paragraph" if field.get("style") == 2 else "short")
            words.append("required" if field.get("required", True) else "optional")
            if field.get("max_length"):
                words.append(f"up to {field['max_length']} characters")
            lines = [" · ".join(words)]
            for hint in (field.get("description"), field.get("placeholder")):
                if hint:
                    lines.append(f"   hint: {self.text(str(hint))}")
            if field.get("value"):
                lines += [f"   filled: {line}" for line in str(field["value"]).splitlines() or [""]]
            return lines
        return [f"{words[0]} {line.lstrip()}" if n == 0 else line for n, line in enumerate(self.select(field, ""))]

    def answer(self, inter: Interaction, member: str) -> list[str]:
        """What the member saw in answer to an interaction: a form, choices, or the messages it created or edited."""
        if inter.modal is not None:
            return self.form(inter.modal, member)
        if inter.response is not None and inter.response.type == AUTOCOMPLETE_RESULT:
            return ["choices: " + ", ".join(f"{c.get('name')} ({c.get('value')})" for c in inter.choices)]
        lines: list[str] = []
        updated = inter.response is not None and inter.response.type == UPDATE_MESSAGE
        if inter.original is not None and not any(f is inter.original for f in inter.followups):
            lines += self.message(inter.original, note="updated" if updated else "")
        for followup in inter.followups:
            lines += self.message(followup)
        return lines or ["(the bot acknowledged without showing anything)"]


def _how_many(select: Json) -> str:
    low, high = int(select.get("min_values", 1)), int(select.get("max_values", 1))
    if low == high:
        return f"choose {low}"
    return f"choose up to {high}" if low == 0 else f"choose {low} to {high}"


def _media_urls(component: Json) -> list[str]:
    if component.get("type") == MEDIA_GALLERY:
        return [str((item.get("media") or {}).get("url", "")) for item in component.get("items") or []]
    if component.get("type") == FILE:
        return [str((component.get("file") or {}).get("url", ""))]
    return [str((component.get("media") or {}).get("url", ""))]


def _moment(seconds: int) -> str:
    return dt.datetime.fromtimestamp(seconds, dt.UTC).strftime("%Y-%m-%d %H:%M UTC")


def _iso_moment(text: str) -> str:
    try:
        return _moment(int(dt.datetime.fromisoformat(text).timestamp()))
    except ValueError:
        return text
