"""Guards in front of every request for input no person types but a fuzzer or an attacker sends:
text with NUL characters (PostgreSQL refuses to store U+0000, so it would surface as a server error)
is refused with 422 before any handler runs. File uploads (multipart) are not inspected: their bytes
are parsed, and their text checked, by the code that reads them."""

from __future__ import annotations

import json
import re

from starlette.types import ASGIApp, Message, Receive, Scope, Send

NUL_JSON = re.compile(rb"\\u0000", re.IGNORECASE)
TEXT_BODIES = (b"application/json", b"application/x-www-form-urlencoded")
MESSAGE = "text may not contain NUL characters (U+0000)"


def _has_nul(body: bytes, content_type: bytes) -> bool:
    if b"\x00" in body:
        return True
    if content_type.startswith(b"application/json"):
        return NUL_JSON.search(body) is not None
    return b"%00" in body


class RefuseNul:
    """ASGI middleware: 422 for a NUL in the path, the query or a JSON or form body."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if (
            "\x00" in scope["path"]
            or b"%00" in scope.get("query_string", b"")
            or b"\x00" in scope.get("query_string", b"")
        ):
            await _refuse(scope, send)
            return
        headers = dict(scope.get("headers") or [])
        content_type = headers.get(b"content-type", b"").lower()
        if scope["method"] in ("GET", "HEAD", "OPTIONS") or not content_type.startswith(TEXT_BODIES):
            await self.app(scope, receive, send)
            return
        chunks: list[bytes] = []
        while True:
            message = await receive()
            if message["type"] != "http.request":
                await self.app(scope, _replay([message], receive), send)
                return
            chunks.append(message.get("body", b""))
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        if _has_nul(body, content_type):
            await _refuse(scope, send)
            return
        await self.app(scope, _replay([{"type": "http.request", "body": body, "more_body": False}], receive), send)


def _replay(messages: list[Message], receive: Receive) -> Receive:
    async def replayed() -> Message:
        return messages.pop(0) if messages else await receive()

    return replayed


async def _refuse(scope: Scope, send: Send) -> None:
    if scope["path"].startswith("/api/"):
        body, kind = json.dumps({"error": "invalid", "detail": MESSAGE}).encode(), b"application/json"
    else:
        body, kind = f"There is a problem: {MESSAGE}.".encode(), b"text/plain; charset=utf-8"
    await send({"type": "http.response.start", "status": 422, "headers": [(b"content-type", kind)]})
    await send({"type": "http.response.body", "body": body})
