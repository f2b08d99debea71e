"""Who may call which route: one middleware, and one check per kind of caller.

A handler declares who it serves with `@requires(kind)`; the middleware runs that kind's
check before the handler and leaves the caller's identity in `request[ACTOR]`. The checks
(Twilio's signature, the admin token, an agent's login, the chat channel's token) are
registered by the application at start (`CHECKS`), each written once where it belongs.
"""

from __future__ import annotations

import secrets
from collections.abc import Awaitable, Callable
from typing import Literal, TypeVar

from aiohttp import web

Kind = Literal["twilio", "admin", "agent", "supervisor", "channel"]
Check = Callable[[web.Request], Awaitable[str]]  # the caller's identity, or raises 401/403
CHECKS = web.AppKey("access_checks", dict[str, Check])
ACTOR = web.RequestKey("actor", str)  # who passed the check: "twilio", "admin:<ip>", an agent id
H = TypeVar("H", bound=Callable[[web.Request], Awaitable[web.StreamResponse]])


def requires(kind: Kind) -> Callable[[H], H]:
    """Mark a handler as serving only `kind` callers."""

    def mark(handler: H) -> H:
        handler.access = kind  # type: ignore[attr-defined]
        return handler

    return mark


@web.middleware
async def access_middleware(
    request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
) -> web.StreamResponse:
    """Run the check the matched route's handler asked for (none: a public route)."""
    kind = getattr(request.match_info.handler, "access", None)
    if kind is not None:
        request[ACTOR] = await request.config_dict[CHECKS][kind](request)
    return await handler(request)


def bearer_ok(request: web.Request, token: str) -> bool:
    """The request carries `Authorization: Bearer <token>` (never true for an empty token)."""
    given = request.headers.get("Authorization", "")
    return bool(token) and secrets.compare_digest(given, f"Bearer {token}")


def require_bearer(request: web.Request, token: str) -> None:
    """`bearer_ok`, or 401."""
    if not bearer_ok(request, token):
        raise web.HTTPUnauthorized(text="missing or wrong bearer token")
