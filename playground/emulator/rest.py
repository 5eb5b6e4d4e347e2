"""The REST layer: routing, auth, faults (errors, latency), OpenAPI checks, recording, Discord-shaped answers."""

from __future__ import annotations

import hashlib
import json
import logging
import mimetypes
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import aiohttp
from aiohttp import web

from . import openapi
from .core import Core, Upload
from .errors import ApiError
from .journal import Rejection, RestRequest, Violation

log = logging.getLogger(__name__)

API_PREFIX = "/api/v10"

Reply = Any  # a JSON-able value, or None for 204 No Content


@dataclass
class Call:
    """One request as a handler sees it."""

    core: Core
    record: RestRequest
    params: dict[str, str]
    body: Any
    uploads: list[Upload]
    query: dict[str, str]

    @property
    def json(self) -> dict[str, Any]:
        return self.body if isinstance(self.body, dict) else {}


Handler = Callable[[Call], Awaitable[Reply]]


@dataclass(frozen=True)
class Route:
    method: str
    template: str
    handler: Handler
    auth: bool
    segments: tuple[str, ...] = ()

    def match(self, method: str, segments: list[str]) -> tuple[tuple[int, ...], dict[str, str]] | None:
        """(literal-first sort key, path params) if this route serves the path."""
        if method != self.method or len(segments) != len(self.segments):
            return None
        key, params = [], {}
        for pattern, actual in zip(self.segments, segments, strict=True):
            if pattern.startswith("{"):
                params[pattern[1:-1]] = actual
                key.append(1)
            elif pattern == actual:
                key.append(0)
            else:
                return None
        return tuple(key), params


@dataclass
class RouteTable:
    """Handlers register with `@routes.get("/path/{param}")`; webhook-style routes pass auth=False."""

    routes: list[Route] = field(default_factory=list)

    def add(self, method: str, template: str, *, auth: bool = True) -> Callable[[Handler], Handler]:
        def register(handler: Handler) -> Handler:
            segments = tuple(template.strip("/").split("/"))
            self.routes.append(Route(method, template, handler, auth, segments))
            return handler

        return register

    def get(self, template: str, *, auth: bool = True) -> Callable[[Handler], Handler]:
        return self.add("GET", template, auth=auth)

    def post(self, template: str, *, auth: bool = True) -> Callable[[Handler], Handler]:
        return self.add("POST", template, auth=auth)

    def put(self, template: str, *, auth: bool = True) -> Callable[[Handler], Handler]:
        return self.add("PUT", template, auth=auth)

    def patch(self, template: str, *, auth: bool = True) -> Callable[[Handler], Handler]:
        return self.add("PATCH", template, auth=auth)

    def delete(self, template: str, *, auth: bool = True) -> Callable[[Handler], Handler]:
        return self.add("DELETE", template, auth=auth)

    def find(self, method: str, path: str) -> tuple[Route, dict[str, str]] | None:
        segments = path.strip("/").split("/")
        found = [(m[0], route, m[1]) for route in self.routes if (m := route.match(method, segments))]
        if not found:
            return None
        _, route, params = min(found, key=lambda item: item[0])
        return route, params


def json_response(data: Any, status: int = 200, headers: dict[str, str] | None = None) -> web.Response:
    """JSON with Content-Type exactly "application/json": discord.py compares the header verbatim."""
    body = json.dumps(data, separators=(",", ":"), ensure_ascii=False).encode()
    return web.Response(status=status, body=body, headers={**(headers or {}), "Content-Type": "application/json"})


def rate_limit_headers(template: str) -> dict[str, str]:
    """Generous bucket headers (https://discord.com/developers/docs/topics/rate-limits#header-format)."""
    bucket = hashlib.sha1(template.encode(), usedforsecurity=False).hexdigest()[:16]
    return {
        "X-RateLimit-Limit": "50",
        "X-RateLimit-Remaining": "49",
        "X-RateLimit-Reset": f"{time.time() + 1:.3f}",
        "X-RateLimit-Reset-After": "1.000",
        "X-RateLimit-Bucket": bucket,
    }


class Rest:
    """aiohttp handler for everything under /api/v10."""

    def __init__(self, core: Core, table: RouteTable) -> None:
        self.core = core
        self.table = table

    async def handle(self, request: web.Request) -> web.StreamResponse:
        journal = self.core.journal
        path = request.path.removeprefix(API_PREFIX) or "/"
        record = RestRequest(request.method, path, dict(request.query))
        journal.requests.append(record)
        journal.in_flight += 1
        journal.changed()
        delay = self.core.faults.take_delay(record.method, record.path)
        try:
            received = None
            if delay is not None and delay.request:
                # The call arrived whole (a client that dies now has still sent it); Discord handles it once released.
                received = await _read_body(request, record)
                await delay.hold(journal.changed)
            response = await self._answer(request, record, received)
            if delay is not None and not delay.request:
                await delay.hold(journal.changed)
        except Exception:
            # An emulator bug: logged at ERROR (so BotRunner fails the test) and answered without a 5xx retry loop.
            log.exception("emulator failed on %s %s", record.method, record.path)
            response = json_response({"message": "emulator error (see log)", "code": 0}, 400)
        finally:
            journal.in_flight -= 1
            journal.changed()
        record.status = response.status
        return response

    async def _answer(
        self, request: web.Request, record: RestRequest, received: tuple[Any, list[Upload]] | None = None
    ) -> web.Response:
        core = self.core
        fault = core.faults.match(record.method, record.path)
        found = self.table.find(record.method, record.path)
        if found is None:
            if received is None:
                await _read_body(request, record)
            core.journal.unknown_requests.append(record)
            return json_response({"message": "404: Not Found", "code": 0}, 404)
        route, params = found
        record.route = route.template
        if route.auth and request.headers.get("Authorization") != f"Bot {core.token}":
            return json_response({"message": "401: Unauthorized", "code": 0}, 401)
        limited = core.limits.admit(record.method, record.path) if route.auth else None
        if limited is not None:
            return limited
        if fault is not None:
            return fault.response()
        body, uploads = received if received is not None else await _read_body(request, record)
        violation = self._openapi(record, body, multipart=bool(request.content_type.startswith("multipart/")))
        if violation is not None:
            return violation
        call = Call(core, record, params, body, uploads, dict(request.query))
        try:
            reply = await route.handler(call)
        except ApiError as error:
            rejection = Rejection(record, error.status, error.code, error.message, error.errors, error.detail)
            core.journal.rejections.append(rejection)
            return json_response(error.body(), error.status)
        headers = rate_limit_headers(route.template)
        if reply is None:
            return web.Response(status=204, headers=headers)
        return json_response(reply, 200, headers)

    def _openapi(self, record: RestRequest, body: Any, *, multipart: bool) -> web.Response | None:
        """400 + a recorded violation when the body breaks the operation's schema."""
        spec = openapi.load() if self.core.openapi_enabled else None
        if spec is None or record.method in ("GET", "DELETE"):
            return None
        operation = spec.operation(record.method, record.path)
        if operation is None:
            return None
        problems = spec.check(operation, body, multipart=multipart)
        if not problems:
            return None
        self.core.journal.openapi_violations.append(Violation(record, operation.operation_id, problems))
        errors = {"_errors": [{"code": "OPENAPI_SCHEMA", "message": p} for p in problems]}
        return json_response({"message": "Invalid Form Body", "code": 50035, "errors": errors}, 400)


async def _read_body(request: web.Request, record: RestRequest) -> tuple[Any, list[Upload]]:
    """JSON, or multipart (payload_json + files[n]); recorded on the request."""
    uploads: list[Upload] = []
    body: Any = None
    if request.content_type.startswith("multipart/"):
        reader = await request.multipart()
        async for part in reader:
            if not isinstance(part, aiohttp.BodyPartReader):
                continue
            data = bytes(await part.read())
            if part.name == "payload_json":
                body = json.loads(data)
            elif part.filename is not None:
                # Discord names an upload's media type itself; clients (discord.py) send application/octet-stream.
                sent = part.headers.get("Content-Type", "application/octet-stream")
                guessed = mimetypes.guess_type(part.filename)[0]
                content_type = guessed if sent == "application/octet-stream" and guessed else sent
                uploads.append(Upload(part.name or "", part.filename, data, content_type))
    elif request.can_read_body:
        raw = await request.read()
        body = json.loads(raw) if raw else None
    record.json = body
    record.files = [(u.filename, u.data) for u in uploads]
    return body, uploads
