"""Operations on a running service: configuration reload (SIGHUP or `POST /admin/reload`).

A reload reads the same YAML file (and environment) again, validates it, and applies it to
new calls; calls in progress keep the settings they started with. A bad file changes nothing:
the last good config stays, and the errors are returned and logged. Every attempt is audited.
"""

from __future__ import annotations

from typing import Any

import structlog
from aiohttp import web
from pydantic import ValidationError

from voicebot.config import load_settings
from voicebot.governance.rights import authorised
from voicebot.session import Services

log = structlog.get_logger(__name__)


async def reload_config(services: Services, actor: str) -> dict[str, Any]:
    """Reload the config file; {"version", "previous"} or ValueError with the errors."""
    old = services.settings
    try:
        new = load_settings(old.config_path)
        await services.reload(new)
    except (ValidationError, ValueError, OSError) as exc:
        problem = str(exc)[:2000]
        log.error("config_reload_refused", path=str(old.config_path), error=problem)
        if services.records is not None:
            await services.records.audit(actor, "config:refused", {"path": str(old.config_path)},
                                         problem[:500])  # fmt: skip
        raise ValueError(problem) from exc
    result = {"version": new.config_version, "previous": old.config_version}
    log.info("config_reloaded", **result)
    if services.records is not None:
        await services.records.audit(actor, "config:reload", result, "applied to new calls")
    return result


async def _reload(request: web.Request) -> web.Response:
    from voicebot.handoff.web import SERVICES

    services = request.app[SERVICES]
    authorised(request, services.settings)
    try:
        return web.json_response(await reload_config(services, f"admin:{request.remote}"))
    except ValueError as exc:
        return web.json_response({"error": "config refused; the last good one stays",
                                  "detail": str(exc)}, status=400)  # fmt: skip


def add_ops_routes(app: web.Application) -> None:
    app.router.add_post("/admin/reload", _reload)
