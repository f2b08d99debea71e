"""Operations on a running service: configuration reload (file watch, SIGHUP or
`POST /admin/reload`).

A reload reads the same YAML file (and environment) again, validates it, and applies it to
new calls; calls in progress keep the settings they started with. A bad file changes nothing:
the last good config stays, and the errors are returned and logged. Every attempt is audited.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import structlog
import watchfiles
from aiohttp import web
from pydantic import ValidationError

from voicebot.access import ACTOR, requires
from voicebot.config import load_settings
from voicebot.services import SERVICES, Services

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


@requires("admin")
async def _reload(request: web.Request) -> web.Response:
    services = request.config_dict[SERVICES]
    try:
        return web.json_response(await reload_config(services, request[ACTOR]))
    except ValueError as exc:
        return web.json_response({"error": "config refused; the last good one stays",
                                  "detail": str(exc)}, status=400)  # fmt: skip


async def watch_config(services: Services, path: Path) -> None:
    """Reload whenever the file changes. Editors often replace the file rather than write
    it, so the folder is watched and changes to this one path are picked out."""
    path = await asyncio.to_thread(path.resolve)

    def ours(_change: watchfiles.Change, changed: str) -> bool:
        return Path(changed).resolve() == path

    async for _changes in watchfiles.awatch(path.parent, watch_filter=ours, debounce=400, step=50):
        try:
            await reload_config(services, "file-watch")
        except ValueError:
            pass  # logged and audited; the last good config stays


async def config_watcher(app: web.Application) -> AsyncIterator[None]:
    """Owned by the app: watches the config file (`server.watch_config`) while it runs."""
    services = app[SERVICES]
    path = services.settings.config_path
    task = None
    if services.settings.server.watch_config and path is not None and path.exists():
        task = asyncio.create_task(watch_config(services, path))
        log.info("config_watch", path=str(path))
    yield
    if task is not None:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)


def reload_route(admin: web.Application) -> None:
    """Config reload on demand, on the `/admin` sub-application."""
    admin.router.add_post("/reload", _reload)
