"""The customer's rights over their data (Ley 1581 de 2012): export, deletion, retention.

The same operations back the CLI (`voicebot customer export|delete`, `voicebot purge`,
`voicebot audit verify`) and the authenticated admin API (`/admin/customers/{phone}`). Every
one leaves an audit entry; the phone number appears masked in it.
"""

from __future__ import annotations

from collections.abc import MutableMapping
from typing import Any

from aiohttp import web

from voicebot.access import ACTOR, require_bearer, requires
from voicebot.config import Settings
from voicebot.dialogue.understanding import e164
from voicebot.governance.redaction import mask_phone
from voicebot.handoff.desk import Desk
from voicebot.services import CALLS, SERVICES
from voicebot.store import Records


async def export_customer(
    records: Records, phone: str, actor: str, desk: Desk | None = None
) -> dict[str, Any]:
    """Everything kept about a number: memory, call records, tickets, consent evidence, and
    (with a running service's `desk`) the desk's transfers and callback tickets of its calls."""
    data = await records.export_customer(e164(phone))
    if desk is not None:
        sids = {c["call_sid"] for c in data["calls"]} | {c["call_sid"] for c in data["consents"]}
        data["desk"] = [t.public() for t in desk.transfers.values() if t.call_sid in sids]
        data["callbacks"] = [
            c for c in desk.callbacks if c["call_sid"] in sids or c["caller"] == data["phone"]
        ]
    counts = {k: len(v) for k, v in data.items() if isinstance(v, list)}
    await records.audit(actor, "data:export", {"phone": mask_phone(data["phone"])}, str(counts))
    return data


async def delete_customer(
    records: Records,
    phone: str,
    actor: str,
    desk: Desk | None = None,
    calls: MutableMapping[str, Any] | None = None,
) -> dict[str, int]:
    """Delete a number's data everywhere voicebot keeps it: the records database (consent
    evidence is kept, masked), the desk's transfers and callback tickets (this process and
    Redis) and this process's in-memory call records (`calls`: call sid -> CallRecord)."""
    number = e164(phone)
    kept = await records.export_customer(number)
    sids = {c["call_sid"] for c in kept["calls"]} | {c["call_sid"] for c in kept["consents"]}
    if calls is not None:
        sids |= {sid for sid, record in calls.items() if getattr(record, "caller", "") == number}
    counts = await records.delete_customer(number)
    if desk is not None:
        counts["desk"] = await desk.forget(number, sids)
    if calls is not None:
        counts["in_memory_calls"] = sum(calls.pop(sid, None) is not None for sid in sids)
    await records.audit(actor, "data:delete", {"phone": mask_phone(number)}, str(counts))
    return counts


async def purge(records: Records, settings: Settings, actor: str) -> dict[str, int]:
    g = settings.governance
    counts = await records.purge(g.retention_days_calls, g.retention_days_memory)
    detail = {"calls_days": g.retention_days_calls, "memory_days": g.retention_days_memory}
    await records.audit(actor, "data:purge", detail, str(counts))
    return counts


# ---- the admin API -------------------------------------------------------------------------
async def admin_token(request: web.Request) -> str:
    """The access check of admin routes: the admin bearer token (`governance.admin_token`),
    or 401."""
    settings = request.config_dict[SERVICES].settings
    require_bearer(request, settings.governance.admin_token.get_secret_value())
    return f"admin:{request.remote}"


@requires("admin")
async def _customer(request: web.Request) -> web.Response:
    services = request.config_dict[SERVICES]
    if services.records is None:
        raise web.HTTPServiceUnavailable(text="no records database configured")
    actor = request[ACTOR]
    try:  # the number in the body: URLs end up in access logs and proxies
        body = await request.json()
        phone = str(body["phone"]) if isinstance(body, dict) and "phone" in body else ""
    except ValueError:
        phone = ""
    if not phone:
        raise web.HTTPBadRequest(text='send {"phone": "+57..."} as JSON')
    calls = request.config_dict.get(CALLS)
    try:
        if request.path.endswith("/delete"):
            deleted = await delete_customer(services.records, phone, actor, services.desk, calls)
            return web.json_response({"deleted": deleted})
        return web.json_response(
            await export_customer(services.records, phone, actor, services.desk)
        )
    except ValueError as exc:
        raise web.HTTPBadRequest(text=str(exc)) from exc


def customer_routes(admin: web.Application) -> None:
    """Export and deletion of a customer's data, on the `/admin` sub-application."""
    admin.router.add_post("/customers/export", _customer)
    admin.router.add_post("/customers/delete", _customer)
