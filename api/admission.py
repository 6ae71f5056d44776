"""At most as many requests in the app at once as a process has database connections.

Why: the permission check (``api.permissions.authorize``) is an async dependency, so its queries (who
is asking, their relation to the plan) run on the event loop. When every connection was taken, the
next request's check waited for one *on the loop* (SQLAlchemy's pool blocks up to its 30 s timeout),
and the requests holding the connections could not finish, because finishing (the handler's result,
the commit) needs the loop: the process stood still for 30 s, then answered 500 to everything queued
(bench.soak at 100 requests a second: 5,984 errors of 6,000, the CPU idle). Admitting at most as many
requests as there are connections means no request waits for a connection; the others wait here,
without holding a connection or a thread, and go in as soon as one finishes.

``/healthz`` is not held back: it touches no database and says only that the process is alive.
"""

from __future__ import annotations

import asyncio

from starlette.types import ASGIApp, Receive, Scope, Send

UNLIMITED = frozenset({"/healthz"})


class DatabaseAdmission:
    """ASGI middleware: at most ``slots`` HTTP requests inside the app at a time; the rest wait their turn."""

    def __init__(self, app: ASGIApp, slots: int) -> None:
        self.app, self.slots = app, slots
        self._loop: asyncio.AbstractEventLoop | None = None
        self._free = asyncio.Semaphore(slots)

    def _semaphore(self) -> asyncio.Semaphore:
        # a semaphore belongs to the loop that first waits on it; a test client runs each of its sessions
        # on a loop of its own, and a new loop starts with no request in flight
        loop = asyncio.get_running_loop()
        if loop is not self._loop:
            self._loop, self._free = loop, asyncio.Semaphore(self.slots)
        return self._free

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] in UNLIMITED:
            await self.app(scope, receive, send)
            return
        async with self._semaphore():
            await self.app(scope, receive, send)
