"""The application root: one aiohttp app per process, its sub-applications and its calls.

    /twilio    the Twilio edge (webhook, media stream) and the transfer callbacks
    /agent     the agent desk            /ops       KPI pages for supervisors
    /admin     data rights, reload       /channels  the chat channel
    /healthz /readyz /metrics /calls/{sid}

Access is one middleware (`voicebot.access`); each route names who it serves.
"""

from __future__ import annotations

import asyncio
import time
from collections import OrderedDict
from collections.abc import AsyncIterator

import structlog
from aiohttp import web

from voicebot.access import CHECKS, Check, access_middleware, requires
from voicebot.call.record import CallRecord
from voicebot.call.session import CallSession
from voicebot.chat import channel_token, channels_app
from voicebot.config import Settings
from voicebot.governance.rights import admin_token, customer_routes
from voicebot.handoff.web import agent_app, desk_on, logged_in_agent, transfer_callbacks
from voicebot.metrics import Metrics
from voicebot.metrics.page import ops_app, supervisor
from voicebot.ops import config_watcher, reload_route
from voicebot.services import CALLS, SERVICES, Services
from voicebot.telephony.edge import (
    HOST,
    ActiveCall,
    Close,
    Send,
    twilio_routes,
    twilio_signature,
)
from voicebot.telephony.protocol import Start

log = structlog.get_logger(__name__)

KEPT_CALL_RECORDS = 1000


class Switchboard:
    """What the Twilio edge needs from this process: settings, admission, the calls."""

    def __init__(
        self, services: Services, metrics: Metrics, calls: OrderedDict[str, CallRecord]
    ) -> None:
        self.services = services
        self.metrics = metrics
        self.sessions: set[CallSession] = set()  # calls in progress here
        self._calls = calls
        self._claims: OrderedDict[str, float] = OrderedDict()  # key -> when (without Redis)

    @property
    def settings(self) -> Settings:
        return self.services.settings

    def admission(self) -> str | None:
        if self.services.draining:
            return "service draining"
        if len(self.sessions) >= self.settings.server.max_calls:
            return "at capacity"
        return None

    async def first_claim(self, key: str, window_s: float) -> bool:
        """Claim once per window, for all processes in Redis; in this process's memory when
        Redis is away or not configured."""
        shared = self.services.shared
        if shared is not None:
            try:
                return bool(await shared.claim_call(key, int(window_s)))
            except Exception as exc:  # Redis away: this process's memory, rather than no answer
                log.warning("shared_state_unavailable", error=repr(exc)[:200])
        now = time.monotonic()
        while self._claims and next(iter(self._claims.values())) < now - window_s:
            self._claims.popitem(last=False)
        if key in self._claims:
            return False
        self._claims[key] = now
        return True

    async def open_call(self, start: Start, send: Send, close: Close) -> ActiveCall | None:
        if any(s.record.call_sid == start.call_sid and not s.transferred for s in self.sessions):
            return None
        resume = await self.services.desk.get(start.custom_parameters.get("resume", ""))
        session = CallSession(self.services, start, send, close, resume=resume)
        self.metrics.calls.inc()
        self.metrics.active.inc()
        self.sessions.add(session)
        return session

    async def call_ended(self, call: ActiveCall, failed: bool) -> None:
        assert isinstance(call, CallSession)
        self.sessions.discard(call)
        self.metrics.active.dec()
        record = call.record
        if failed:
            record.ended_by = "error"
        self.metrics.call_finished(record)
        # what the process remembers of a finished call is what it may store: no raw words
        self._calls[record.call_sid] = record.kept()
        while len(self._calls) > KEPT_CALL_RECORDS:
            self._calls.popitem(last=False)


SWITCHBOARD = web.AppKey("switchboard", Switchboard)


async def healthz(request: web.Request) -> web.Response:
    """Alive (the process answers; models are loaded before the app exists)."""
    return web.json_response({"status": "ok"})


async def readyz(request: web.Request) -> web.Response:
    """Ready for new calls: models warm and not draining (load balancers read this)."""
    host = request.app[SWITCHBOARD]
    active = len(host.sessions)
    if host.services.draining:
        return web.json_response({"status": "draining", "active_calls": active}, status=503)
    return web.json_response({"status": "ready", "active_calls": active})


async def metrics_page(request: web.Request) -> web.Response:
    body = request.app[SWITCHBOARD].metrics.render()
    return web.Response(body=body, content_type="text/plain", charset="utf-8")


@requires("admin")
async def call_record(request: web.Request) -> web.Response:
    """GET /calls/{sid}: a finished call's record as it is stored (redacted; without consent
    no words and a masked number). A call still in progress on this process is not served."""
    host, sid = request.app[SWITCHBOARD], request.match_info["sid"]
    if any(s.record.call_sid == sid for s in host.sessions):
        raise web.HTTPNotFound(text="no finished call with that sid")
    records = host.services.records
    stored = None
    try:
        stored = await records.call(sid) if records is not None else None
    except Exception as exc:  # the database is down: this process's copy, as it is stored
        log.warning("call_record_unavailable", error=repr(exc)[:200])
    record = request.app[CALLS].get(sid)
    if record is not None and (stored is None or stored.get("ended_by") is None):
        stored = record.stored()  # finished here; its final write may have failed
    if stored is None:
        raise web.HTTPNotFound(text="no finished call with that sid")
    return web.json_response(stored)


def create_app(services: Services) -> web.Application:
    """The service: every route of one voicebot process."""
    if not services.settings.twilio.validate_signatures:
        log.warning(
            "SIGNATURE VALIDATION IS OFF",
            detail="anyone can open a stream and run the models; use only in development",
        )
    app = web.Application(client_max_size=256 * 1024, middlewares=[access_middleware])
    app[SERVICES] = services
    app[CALLS] = OrderedDict()
    metrics = Metrics(tts_counts=getattr(services.tts, "counts", None))
    host = Switchboard(services, metrics, app[CALLS])
    app[SWITCHBOARD] = host
    app[HOST] = host
    checks: dict[str, Check] = {
        "twilio": twilio_signature,
        "admin": admin_token,
        "agent": logged_in_agent,
        "supervisor": supervisor,
        "channel": channel_token,
    }
    app[CHECKS] = checks
    services.desk.on_drop = metrics.desk_drops.inc
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/readyz", readyz)
    app.router.add_get("/calls/{sid}", call_record)
    app.router.add_get("/metrics", metrics_page)
    twilio = web.Application()
    twilio_routes(twilio)
    transfer_callbacks(twilio)
    admin = web.Application()
    customer_routes(admin)
    reload_route(admin)
    app.add_subapp("/twilio", twilio)
    app.add_subapp("/agent", agent_app())
    app.add_subapp("/ops", ops_app())
    app.add_subapp("/admin", admin)
    app.add_subapp("/channels", channels_app())
    desk_on(app)
    app.cleanup_ctx.append(catalog_refresher)
    app.cleanup_ctx.append(config_watcher)
    return app


async def drain(app: web.Application, limit_s: float) -> None:
    """Graceful shutdown: not ready, new calls to humans, calls in progress handed over."""
    host = app[SWITCHBOARD]
    host.services.draining = True
    log.warning("draining", active_calls=len(host.sessions), limit_s=limit_s)
    await _until_no_calls(host.sessions, limit_s)
    for session in list(host.sessions):
        session.drain()  # still talking at the deadline: to a person
    await _until_no_calls(host.sessions, 15)


async def _until_no_calls(sessions: set[CallSession], limit_s: float) -> None:
    try:
        async with asyncio.timeout(limit_s):
            while sessions:  # noqa: ASYNC110 - sessions leave the set as their calls end
                await asyncio.sleep(0.2)
    except TimeoutError:
        pass


async def catalog_refresher(app: web.Application) -> AsyncIterator[None]:
    """Keep the in-memory catalogue's stock current; owned by the app, ended with it."""
    services = app[SERVICES]

    async def loop() -> None:
        while True:
            await asyncio.sleep(services.settings.store.catalog_refresh_s)
            try:
                await services.refresh_catalog()
            except Exception as exc:  # keep the last good catalogue
                log.warning("catalog_refresh_failed", error=repr(exc)[:200])

    task = asyncio.create_task(loop())
    yield
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)
