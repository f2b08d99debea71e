"""The aiohttp application: Twilio webhook, Media Streams websocket, health and call records."""

from __future__ import annotations

import asyncio
import time
from collections import OrderedDict
from collections.abc import AsyncIterator

import structlog
from aiohttp import WSMsgType, web
from twilio.twiml.voice_response import VoiceResponse

from voicebot.chat import add_chat_routes
from voicebot.config import Settings
from voicebot.governance.rights import add_admin_routes, authorised
from voicebot.handoff.web import SERVICES, add_routes
from voicebot.metrics import Metrics
from voicebot.metrics.page import add_kpi_routes
from voicebot.ops import add_ops_routes, config_watcher
from voicebot.session import CallRecord, CallSession, Services
from voicebot.telephony.protocol import (
    Connected,
    InboundEvent,
    ProtocolError,
    Start,
    Stop,
    parse_inbound,
)
from voicebot.telephony.twiml import (
    STREAM_PATH,
    STREAM_TOKEN_TTL_S,
    VOICE_PATH,
    check_stream_token,
    connect_twiml,
    signature_valid,
    stream_token,
    stream_token_nonce,
    stream_url,
)

log = structlog.get_logger(__name__)

METRICS = web.AppKey("metrics", Metrics)
ANSWERED: web.AppKey[OrderedDict[str, float]] = web.AppKey("answered")  # CallSid -> when
USED_TOKENS: web.AppKey[OrderedDict[str, float]] = web.AppKey("used_tokens")  # nonce -> when
SESSIONS: web.AppKey[set[CallSession]] = web.AppKey("sessions")  # calls in progress here
CALLS: web.AppKey[OrderedDict[str, CallRecord]] = web.AppKey("calls")
MAX_MESSAGE_BYTES = 64 * 1024  # Twilio's media messages are ~300 bytes
MAX_PROTOCOL_ERRORS = 20  # then the stream is closed: a broken or hostile peer
START_TIMEOUT_S = 10  # a socket that never sends `start` is closed
RECEIVE_TIMEOUT_S = 10  # Twilio sends media every 20 ms, even in silence
KEPT_CALL_RECORDS = 1000
REPLAY_WINDOW_S = 600  # a webhook for a CallSid already answered this recently is a replay
MAX_MESSAGES_PER_S = 400  # 8x Twilio's rate: bursts after a network stall still pass


def _validation_on(request: web.Request) -> bool:
    return request.app[SERVICES].settings.twilio.validate_signatures


def _accepted(request: web.Request) -> list[str]:
    return request.app[SERVICES].settings.twilio.accepted_tokens()


def _auth_token(request: web.Request) -> str:
    return request.app[SERVICES].settings.twilio.auth_token.get_secret_value()


async def voice_webhook(request: web.Request) -> web.Response:
    """POST /twilio/voice: answer with TwiML that opens a bidirectional media stream."""
    settings = request.app[SERVICES].settings
    form = {k: str(v) for k, v in (await request.post()).items()}
    public = settings.server.public_url + VOICE_PATH
    if request.query_string:
        public += "?" + request.query_string
    if _validation_on(request) and not signature_valid(
        _accepted(request), public, form, request.headers.get("X-Twilio-Signature")
    ):
        log.warning("webhook_rejected", reason="bad or missing X-Twilio-Signature", url=public)
        request.app[METRICS].rejected.labels("webhook_signature").inc()
        raise web.HTTPForbidden(text="invalid Twilio signature")
    call_sid = form.get("CallSid", "")
    if not call_sid:
        raise web.HTTPBadRequest(text="CallSid is missing")
    if await _replayed(request.app, call_sid):
        # Signatures carry no timestamp: a captured webhook could be sent again.
        log.warning("webhook_rejected", reason="replayed webhook", call_sid=call_sid)
        request.app[METRICS].rejected.labels("webhook_replay").inc()
        raise web.HTTPConflict(text="this call was already answered")
    full = len(request.app[SESSIONS]) >= settings.server.max_calls
    if request.app[SERVICES].draining or full:
        # Better a person (or an honest message) than every caller on a slow bot.
        reason = "service draining" if request.app[SERVICES].draining else "at capacity"
        log.warning("call_to_human", reason=reason, call_sid=call_sid)
        request.app[METRICS].rejected.labels("to_human_" + reason.split()[-1]).inc()
        return web.Response(text=human_twiml(settings), content_type="text/xml")
    params = {
        "callSid": call_sid,
        "from": form.get("From", ""),
        "token": stream_token(_auth_token(request), call_sid, form.get("From", "")),
    }
    log.info("call_webhook", call_sid=call_sid)
    twiml = connect_twiml(settings.server.public_url, params)
    return web.Response(text=twiml, content_type="text/xml")


async def _replayed(app: web.Application, call_sid: str) -> bool:
    """This CallSid was answered within the replay window, by any process (with Redis)."""
    return await _claimed_before(app, ANSWERED, call_sid, call_sid, REPLAY_WINDOW_S)


async def _token_used(app: web.Application, nonce: str) -> bool:
    """A stream token starts one stream (any process, with Redis): a captured `start`
    cannot be replayed to open another."""
    return await _claimed_before(
        app, USED_TOKENS, f"stream-token:{nonce}", nonce, STREAM_TOKEN_TTL_S
    )


async def _claimed_before(
    app: web.Application,
    memory: web.AppKey[OrderedDict[str, float]],
    shared_key: str,
    key: str,
    window_s: float,
) -> bool:
    """Claim `key` once per `window_s`: True when it was claimed already (in Redis for all
    processes; in this process's memory when Redis is away or not configured)."""
    shared = app[SERVICES].shared
    if shared is not None:
        try:
            return not await shared.claim_call(shared_key, int(window_s))
        except Exception as exc:  # Redis away: this process's memory, rather than no answer
            log.warning("shared_state_unavailable", error=repr(exc)[:200])
    seen = app[memory]
    now = time.monotonic()
    while seen and next(iter(seen.values())) < now - window_s:
        seen.popitem(last=False)
    if key in seen:
        return True
    seen[key] = now
    return False


async def media_stream(request: web.Request) -> web.StreamResponse:
    """GET /twilio/stream: the Media Streams websocket of one call."""
    services = request.app[SERVICES]
    if _validation_on(request):
        url = stream_url(services.settings.server.public_url)
        if not signature_valid(
            _accepted(request), url, {}, request.headers.get("X-Twilio-Signature")
        ):
            log.warning("stream_rejected", reason="bad or missing X-Twilio-Signature", url=url)
            request.app[METRICS].rejected.labels("stream_signature").inc()
            raise web.HTTPForbidden(text="invalid Twilio signature")
    ws = web.WebSocketResponse(max_msg_size=MAX_MESSAGE_BYTES, heartbeat=None)
    await ws.prepare(request)
    metrics = request.app[METRICS]
    stream = _Stream(ws, metrics)
    try:
        start = await asyncio.wait_for(stream.wait_start(), START_TIMEOUT_S)
    except TimeoutError:
        log.warning("stream_closed", reason="no start message")
        await ws.close(code=1008, message=b"no start")
        return ws
    if start is None:
        return ws
    token = start.custom_parameters.get("token", "")
    caller = start.custom_parameters.get("from", "")
    if _validation_on(request) and not check_stream_token(
        _accepted(request), start.call_sid, token, caller
    ):
        log.warning(
            "stream_rejected", reason="start does not match its webhook", sid=start.call_sid
        )
        await ws.close(code=1008, message=b"start does not match webhook")
        return ws
    if _validation_on(request) and await _token_used(request.app, stream_token_nonce(token)):
        log.warning("stream_rejected", reason="stream token already used", sid=start.call_sid)
        request.app[METRICS].rejected.labels("stream_replay").inc()
        await ws.close(code=1008, message=b"stream token already used")
        return ws

    async def close() -> None:
        await ws.close()

    if any(
        s.record.call_sid == start.call_sid and not s.transferred for s in request.app[SESSIONS]
    ):
        log.warning("stream_rejected", reason="call already has a stream", sid=start.call_sid)
        request.app[METRICS].rejected.labels("duplicate_stream").inc()
        await ws.close(code=1008, message=b"call already has a stream")
        return ws
    resume = await services.desk.get(start.custom_parameters.get("resume", ""))
    session = CallSession(services, start, ws.send_str, close, resume=resume)
    metrics.calls.inc()
    metrics.active.inc()
    sessions = request.app[SESSIONS]
    sessions.add(session)
    try:
        record = await session.run(stream.events(start.stream_sid))
    except Exception:  # a bug in one call must not lose its record or touch other calls
        log.exception("call_failed", call_sid=start.call_sid)
        record = session.record
        record.ended_by = "error"
    finally:
        sessions.discard(session)
        metrics.active.dec()
        if not ws.closed:
            await ws.close()
    metrics.call_finished(record)
    calls = request.app[CALLS]
    calls[record.call_sid] = record
    while len(calls) > KEPT_CALL_RECORDS:
        calls.popitem(last=False)
    return ws


class _Stream:
    """Inbound side of one websocket: wire messages in, typed events out, errors counted."""

    def __init__(self, ws: web.WebSocketResponse, metrics: Metrics) -> None:
        self._ws = ws
        self._metrics = metrics
        self.errors = 0
        self._window_start = time.monotonic()
        self._window_count = 0

    def _flooding(self) -> bool:
        """Twilio sends ~50 messages a second; far more than that is not a phone call."""
        now = time.monotonic()
        if now - self._window_start >= 1.0:
            self._window_start, self._window_count = now, 0
        self._window_count += 1
        return self._window_count > MAX_MESSAGES_PER_S

    async def _messages(self) -> AsyncIterator[InboundEvent]:
        while not self._ws.closed:
            try:
                msg = await self._ws.receive(timeout=RECEIVE_TIMEOUT_S)
            except TimeoutError:
                log.warning("stream_closed", reason=f"no message for {RECEIVE_TIMEOUT_S} s")
                await self._ws.close(code=1001, message=b"idle")
                return
            if msg.type in (WSMsgType.CLOSE, WSMsgType.CLOSING, WSMsgType.CLOSED):
                return
            if msg.type == WSMsgType.ERROR:
                log.warning("stream_error", error=str(self._ws.exception())[:200])
                return
            if msg.type != WSMsgType.TEXT:
                await self._error("binary frames are not part of the protocol")
                continue
            if self._flooding():
                log.warning("stream_closed", reason="message flood")
                await self._ws.close(code=1008, message=b"message flood")
                return
            try:
                yield parse_inbound(msg.data)
            except ProtocolError as exc:
                await self._error(str(exc))

    async def _error(self, reason: str) -> None:
        self.errors += 1
        self._metrics.protocol_errors.inc()
        log.warning("protocol_error", reason=reason, count=self.errors)
        if self.errors >= MAX_PROTOCOL_ERRORS:
            await self._ws.close(code=1008, message=b"too many protocol errors")

    async def wait_start(self) -> Start | None:
        async for event in self._messages():
            if isinstance(event, Start):
                if event.encoding != "audio/x-mulaw" or event.sample_rate != 8000:
                    log.warning("stream_closed", reason=f"unsupported format {event.encoding}")
                    await self._ws.close(code=1003, message=b"unsupported media format")
                    return None
                return event
            if isinstance(event, Connected):
                continue
            await self._error(f"{type(event).__name__.lower()} before start")
            if isinstance(event, Stop):
                return None
        return None

    async def events(self, stream_sid: str) -> AsyncIterator[InboundEvent]:
        async for event in self._messages():
            if isinstance(event, Start):
                await self._error("second start on one stream")
                continue
            if getattr(event, "stream_sid", stream_sid) != stream_sid:
                await self._error(f"unknown streamSid {getattr(event, 'stream_sid', '')!r:.40}")
                continue
            yield event


async def healthz(request: web.Request) -> web.Response:
    """Alive (the process answers; models are loaded before the app exists)."""
    return web.json_response({"status": "ok"})


async def readyz(request: web.Request) -> web.Response:
    """Ready for new calls: models warm and not draining (load balancers read this)."""
    services = request.app[SERVICES]
    active = len(request.app[SESSIONS])
    if services.draining:
        return web.json_response({"status": "draining", "active_calls": active}, status=503)
    return web.json_response({"status": "ready", "active_calls": active})


def human_twiml(settings: Settings) -> str:
    """While draining: new calls go straight to a person (or hear why they cannot)."""
    response = VoiceResponse()
    number = settings.handoff.cold_number or next((a.phone for a in settings.handoff.agents), "")
    if number:
        response.dial(number, timeout=settings.handoff.dial_timeout_s)
    else:
        response.say(settings.phrase("agent_unavailable"), language="es-MX")
        response.hangup()
    return str(response)


async def drain(app: web.Application, limit_s: float) -> None:
    """Graceful shutdown: not ready, new calls to humans, calls in progress handed over."""
    services = app[SERVICES]
    services.draining = True
    sessions = app[SESSIONS]
    log.warning("draining", active_calls=len(sessions), limit_s=limit_s)
    await _until_no_calls(sessions, limit_s)
    for session in list(sessions):
        session.drain()  # still talking at the deadline: to a person
    await _until_no_calls(sessions, 15)


async def _until_no_calls(sessions: set[CallSession], limit_s: float) -> None:
    try:
        async with asyncio.timeout(limit_s):
            while sessions:  # noqa: ASYNC110 - sessions leave the set as their calls end
                await asyncio.sleep(0.2)
    except TimeoutError:
        pass


async def metrics_page(request: web.Request) -> web.Response:
    body = request.app[METRICS].render()
    return web.Response(body=body, content_type="text/plain", charset="utf-8")


async def call_record(request: web.Request) -> web.Response:
    """GET /calls/{sid}: a finished call's record as it is stored (redacted; without consent
    no words and a masked number), behind the admin bearer token (`governance.admin_token`).
    A call still in progress on this process is not served."""
    services = request.app[SERVICES]
    authorised(request, services.settings)
    sid = request.match_info["sid"]
    if any(s.record.call_sid == sid for s in request.app[SESSIONS]):
        raise web.HTTPNotFound(text="no finished call with that sid")
    records = services.records
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
    app = web.Application(client_max_size=256 * 1024)
    app[SERVICES] = services
    app[CALLS] = OrderedDict()
    app[SESSIONS] = set()
    app[ANSWERED] = OrderedDict()
    app[USED_TOKENS] = OrderedDict()
    app[METRICS] = Metrics(tts_counts=getattr(services.tts, "counts", None))
    services.desk.on_drop = app[METRICS].desk_drops.inc
    app.router.add_post(VOICE_PATH, voice_webhook)
    app.router.add_get(STREAM_PATH, media_stream)
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/readyz", readyz)
    app.router.add_get("/calls/{sid}", call_record)
    app.router.add_get("/metrics", metrics_page)
    add_routes(app)
    add_chat_routes(app)
    add_admin_routes(app)
    add_ops_routes(app)
    add_kpi_routes(app)
    app.cleanup_ctx.append(catalog_refresher)
    app.cleanup_ctx.append(config_watcher)
    return app


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
