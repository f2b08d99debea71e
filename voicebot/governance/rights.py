"""The customer's rights over their data (Ley 1581 de 2012): export, deletion, retention.

The same operations back the CLI (`voicebot customer export|delete`, `voicebot purge`,
`voicebot audit verify`) and the authenticated admin API (`/admin/customers/{phone}`). Every
one leaves an audit entry; the phone number appears masked in it.
"""

from __future__ import annotations

import secrets
from typing import Any

from aiohttp import web

from voicebot.config import Settings
from voicebot.dialogue.understanding import e164
from voicebot.governance.redaction import mask_phone
from voicebot.store import Records


async def export_customer(records: Records, phone: str, actor: str) -> dict[str, Any]:
    data = await records.export_customer(e164(phone))
    counts = {k: len(v) for k, v in data.items() if isinstance(v, list)}
    await records.audit(actor, "data:export", {"phone": mask_phone(data["phone"])}, str(counts))
    return data


async def delete_customer(records: Records, phone: str, actor: str) -> dict[str, int]:
    number = e164(phone)
    counts = await records.delete_customer(number)
    await records.audit(actor, "data:delete", {"phone": mask_phone(number)}, str(counts))
    return counts


async def purge(records: Records, settings: Settings, actor: str) -> dict[str, int]:
    g = settings.governance
    counts = await records.purge(g.retention_days_calls, g.retention_days_memory)
    detail = {"calls_days": g.retention_days_calls, "memory_days": g.retention_days_memory}
    await records.audit(actor, "data:purge", detail, str(counts))
    return counts


# ---- the admin API -------------------------------------------------------------------------
def authorised(request: web.Request, settings: Settings) -> None:
    """The admin bearer token (`governance.admin_token`), or 401."""
    token = settings.governance.admin_token.get_secret_value()
    given = request.headers.get("Authorization", "")
    if not token or not secrets.compare_digest(given, f"Bearer {token}"):
        raise web.HTTPUnauthorized(text="missing or wrong bearer token")


async def _customer(request: web.Request) -> web.Response:
    from voicebot.handoff.web import SERVICES

    services = request.app[SERVICES]
    authorised(request, services.settings)
    if services.records is None:
        raise web.HTTPServiceUnavailable(text="no records database configured")
    actor = f"admin:{request.remote}"
    try:
        if request.method == "DELETE":
            return web.json_response(
                {
                    "deleted": await delete_customer(
                        services.records, request.match_info["phone"], actor
                    )
                }
            )
        return web.json_response(
            await export_customer(services.records, request.match_info["phone"], actor)
        )
    except ValueError as exc:
        raise web.HTTPBadRequest(text=str(exc)) from exc


def add_admin_routes(app: web.Application) -> None:
    app.router.add_get("/admin/customers/{phone}", _customer)
    app.router.add_delete("/admin/customers/{phone}", _customer)
