"""The Twilio edge: the voice webhook, the Media Streams websocket and Twilio's signatures.

Raw Twilio messages exist only here: the websocket's JSON becomes typed events for the call,
and everything the edge needs from the rest of the service comes through `CallHost`.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine
from typing import Any, Protocol

import structlog
from aiohttp import WSMsgType, web
from twilio.twiml.voice_response import VoiceResponse

from voicebot.access import requires
from voicebot.config import Settings
from voicebot.metrics import Metrics
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
    TWILIO_PREFIX,
    VOICE_PATH,
    check_stream_token,
    connect_twiml,
    signature_valid,
    stream_token,
    stream_token_nonce,
    stream_url,
)

log = structlog.get_logger(__name__)

MAX_MESSAGE_BYTES = 64 * 1024  # Twilio's media messages are ~300 bytes
MAX_PROTOCOL_ERRORS = 20  # then the stream is closed: a broken or hostile peer
START_TIMEOUT_S = 10  # a socket that never sends `start` is closed
RECEIVE_TIMEOUT_S = 10  # Twilio sends media every 20 ms, even in silence
REPLAY_WINDOW_S = 600  # a webhook for a CallSid already answered this recently is a replay
MAX_MESSAGES_PER_S = 400  # 8x Twilio's rate: bursts after a network stall still pass

Send = Callable[[str], Awaitable[None]]
Close = Callable[[], Coroutine[Any, Any, None]]


class ActiveCall(Protocol):
    """A call the service runs on one stream."""

    async def run(self, events: AsyncIterator[InboundEvent]) -> object: ...


class CallHost(Protocol):
    """The application behind the edge."""

    metrics: Metrics

    @property
    def settings(self) -> Settings: ...

    def admission(self) -> str | None:
        """Why a new call goes straight to a person (draining, at capacity), or None."""
        ...

    async def first_claim(self, key: str, window_s: float) -> bool:
        """Claim `key` for `window_s`: False when it was claimed already (a replay)."""
        ...

    async def open_call(self, start: Start, send: Send, close: Close) -> ActiveCall | None:
        """The call for a stream that passed the checks; None when the call already has a
        stream."""
        ...

    async def call_ended(self, call: ActiveCall, failed: bool) -> None:
        """The call's stream is over (`failed`: it raised)."""
        ...


HOST: web.AppKey[CallHost] = web.AppKey("call_host")


def _host(request: web.Request) -> CallHost:
    return request.config_dict[HOST]


async def form(request: web.Request) -> dict[str, str]:
    """A webhook's form fields (read once, cached by aiohttp)."""
    return {k: str(v) for k, v in (await request.post()).items()}


async def twilio_signature(request: web.Request) -> str:
    """The access check of every Twilio webhook: `X-Twilio-Signature` over the public URL
    and the form, or 403."""
    host = request.config_dict[HOST]
    settings = host.settings
    fields = await form(request)
    url = settings.server.public_url + request.path
    if request.query_string:
        url += "?" + request.query_string
    if settings.twilio.validate_signatures and not signature_valid(
        settings.twilio.accepted_tokens(), url, fields, request.headers.get("X-Twilio-Signature")
    ):
        log.warning("webhook_rejected", reason="bad or missing X-Twilio-Signature", url=url)
        host.metrics.rejected.labels("webhook_signature").inc()
        raise web.HTTPForbidden(text="invalid Twilio signature")
    return "twilio"


@requires("twilio")
async def voice_webhook(request: web.Request) -> web.Response:
    """POST /twilio/voice: answer with TwiML that opens a bidirectional media stream."""
    host = _host(request)
    settings = host.settings
    fields = await form(request)
    call_sid = fields.get("CallSid", "")
    if not call_sid:
        raise web.HTTPBadRequest(text="CallSid is missing")
    if not await host.first_claim(call_sid, REPLAY_WINDOW_S):
        # Signatures carry no timestamp: a captured webhook could be sent again.
        log.warning("webhook_rejected", reason="replayed webhook", call_sid=call_sid)
        host.metrics.rejected.labels("webhook_replay").inc()
        raise web.HTTPConflict(text="this call was already answered")
    reason = host.admission()
    if reason is not None:
        # Better a person (or an honest message) than every caller on a slow bot.
        log.warning("call_to_human", reason=reason, call_sid=call_sid)
        host.metrics.rejected.labels("to_human_" + reason.split()[-1]).inc()
        return web.Response(text=human_twiml(settings), content_type="text/xml")
    auth_token = settings.twilio.auth_token.get_secret_value()
    caller = fields.get("From", "")
    # Twilio's STIR/SHAKEN verdict on the caller ID, when the call carried one: it travels
    # to the stream bound in the token, so a `start` cannot claim an attestation it lacked
    verstat = fields.get("StirVerstat", "")
    params = {"callSid": call_sid, "from": caller}
    if verstat:
        params["verstat"] = verstat
    params["token"] = stream_token(auth_token, call_sid, caller, verstat=verstat)
    log.info("call_webhook", call_sid=call_sid)
    twiml = connect_twiml(settings.server.public_url, params)
    return web.Response(text=twiml, content_type="text/xml")


async def media_stream(request: web.Request) -> web.StreamResponse:
    """GET /twilio/stream: the Media Streams websocket of one call."""
    host = _host(request)
    settings, metrics = host.settings, host.metrics
    checked = settings.twilio.validate_signatures
    accepted = settings.twilio.accepted_tokens()
    if checked:
        url = stream_url(settings.server.public_url)
        if not signature_valid(accepted, url, {}, request.headers.get("X-Twilio-Signature")):
            log.warning("stream_rejected", reason="bad or missing X-Twilio-Signature", url=url)
            metrics.rejected.labels("stream_signature").inc()
            raise web.HTTPForbidden(text="invalid Twilio signature")
    ws = web.WebSocketResponse(max_msg_size=MAX_MESSAGE_BYTES, heartbeat=None)
    await ws.prepare(request)
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
    verstat = start.custom_parameters.get("verstat", "")
    if checked and not check_stream_token(accepted, start.call_sid, token, caller, verstat=verstat):
        log.warning(
            "stream_rejected", reason="start does not match its webhook", sid=start.call_sid
        )
        await ws.close(code=1008, message=b"start does not match webhook")
        return ws
    nonce = stream_token_nonce(token)
    if checked and not await host.first_claim(f"stream-token:{nonce}", STREAM_TOKEN_TTL_S):
        # A stream token starts one stream: a captured `start` cannot open another.
        log.warning("stream_rejected", reason="stream token already used", sid=start.call_sid)
        metrics.rejected.labels("stream_replay").inc()
        await ws.close(code=1008, message=b"stream token already used")
        return ws

    async def close() -> None:
        await ws.close()

    call = await host.open_call(start, ws.send_str, close)
    if call is None:
        log.warning("stream_rejected", reason="call already has a stream", sid=start.call_sid)
        metrics.rejected.labels("duplicate_stream").inc()
        await ws.close(code=1008, message=b"call already has a stream")
        return ws
    failed = False
    try:
        await call.run(stream.events(start.stream_sid))
    except Exception:  # a bug in one call must not lose its record or touch other calls
        log.exception("call_failed", call_sid=start.call_sid)
        failed = True
    finally:
        if not ws.closed:
            await ws.close()
        await host.call_ended(call, failed)
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


def twilio_routes(app: web.Application) -> None:
    """The edge's routes, on the `/twilio` sub-application."""
    app.router.add_post(VOICE_PATH.removeprefix(TWILIO_PREFIX), voice_webhook)
    app.router.add_get(STREAM_PATH.removeprefix(TWILIO_PREFIX), media_stream)
