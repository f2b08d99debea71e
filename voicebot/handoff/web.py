"""Routes of the handoff: Twilio's transfer callbacks (on `/twilio`) and the agent desk
(the `/agent` sub-application)."""

from __future__ import annotations

import asyncio
import html
import io
import json
import secrets
import wave
from collections.abc import AsyncIterator
from importlib import resources

import numpy as np
import structlog
from aiohttp import web

from voicebot.access import ACTOR, requires
from voicebot.config import Agent
from voicebot.handoff.desk import cookie_session, session_cookie, verify_password
from voicebot.handoff.twilio_rest import (
    DIAL_DONE_PATH,
    HOLD_AUDIO_PATH,
    WHISPER_PATH,
    whisper_twiml,
)
from voicebot.services import SERVICES, Services
from voicebot.telephony.edge import form as twilio_form
from voicebot.telephony.twiml import TWILIO_PREFIX, connect_twiml, stream_token

log = structlog.get_logger(__name__)

COOKIE = "vb_agent"
SSE_PING_S = 15
SAFE_NEXT = ("/ops",)  # pages the login form may return to
DESK_SECRET = web.AppKey("desk_secret", bytes)
# The desk's pages, style and script are package files (handoff/static/), read once.
_STATIC = resources.files("voicebot.handoff") / "static"
LOGIN_PAGE, DESK_PAGE, DESK_CSS, DESK_JS = (
    (_STATIC / name).read_text(encoding="utf-8")
    for name in ("login.html", "desk.html", "desk.css", "desk.js")
)


def _twiml(body: str) -> web.Response:
    return web.Response(text=body, content_type="text/xml")


@requires("twilio")
async def whisper(request: web.Request) -> web.Response:
    """The agent answered: what they hear before the bridge (the call's summary)."""
    services = request.config_dict[SERVICES]
    transfer = await services.desk.get(request.query.get("transfer", ""))
    if transfer is None:
        return _twiml(whisper_twiml(services.settings.agent_text.summary.unavailable))
    await services.desk.update(transfer.id, by="twilio", status="connected")
    summary = transfer.summary.spoken(services.settings.agent_text)
    text = services.settings.phrase("whisper").replace("{summary}", summary)
    return _twiml(whisper_twiml(text))


@requires("twilio")
async def dial_done(request: web.Request) -> web.Response:
    """The agent leg ended: completed, or bring the caller back to the bot."""
    form = await twilio_form(request)
    services = request.config_dict[SERVICES]
    settings = services.settings
    status = form.get("DialCallStatus", "failed")
    transfer = await services.desk.get(request.query.get("transfer", ""))
    if transfer is None:
        raise web.HTTPNotFound(text="unknown transfer")
    if status == "completed":
        await services.desk.update(transfer.id, by="twilio", status="completed")
        return _twiml('<?xml version="1.0" encoding="UTF-8"?><Response><Hangup /></Response>')
    await services.desk.update(transfer.id, by="twilio", status=status)
    # No agent took it: the caller goes back to the bot, which offers a callback.
    token = settings.twilio.auth_token.get_secret_value()
    caller = form.get("From", "")  # Twilio's own: the desk keeps the number masked
    verstat = form.get("StirVerstat", "") or transfer.verstat  # the call's attestation
    params = {"callSid": transfer.call_sid, "from": caller}
    if verstat:
        params["verstat"] = verstat
    params["token"] = stream_token(token, transfer.call_sid, caller, verstat=verstat)
    params["resume"] = transfer.id
    return _twiml(connect_twiml(settings.server.public_url, params))


def _hold_audio() -> bytes:
    """A soft two-note chime, 8 kHz mono WAV: what the caller hears before the agent rings."""
    rate = 8000
    t = np.arange(int(rate * 0.6)) / rate
    fade = np.minimum(1, np.minimum(t, t[::-1]) * 20)
    notes = [np.sin(2 * np.pi * f * t) * fade * 6000 for f in (523.25, 659.25)]
    pcm = np.concatenate([*notes, np.zeros(rate // 2)]).astype(np.int16)
    buf = io.BytesIO()
    with wave.open(buf, "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(rate)
        wav.writeframes(pcm.tobytes())
    return buf.getvalue()


_HOLD = _hold_audio()


async def hold_audio(request: web.Request) -> web.Response:
    return web.Response(body=_HOLD, content_type="audio/wav")


# ---- the agent desk ------------------------------------------------------------------------
async def current_agent(request: web.Request) -> tuple[Agent, str, int] | None:
    """The logged-in agent (agent, session id, expiry): a valid cookie of an agent still in
    the config with the same password, whose login was not ended by a logout."""
    desk = request.config_dict[SERVICES].desk
    found = cookie_session(
        request.config_dict[DESK_SECRET], request.cookies.get(COOKIE), desk.agents
    )
    if found is None or await desk.revoked(found[1]):
        return None
    return found


def _csrf(request: web.Request) -> None:
    if request.headers.get("X-Requested-With") != "voicebot-desk":
        raise web.HTTPForbidden(text="missing X-Requested-With")  # CSRF: only our page posts


async def logged_in_agent(request: web.Request) -> str:
    """The access check of the desk's data routes: a logged-in agent's id (401 otherwise);
    a POST must come from our page (CSRF)."""
    found = await current_agent(request)
    if found is None:
        raise web.HTTPUnauthorized(text="log in at /agent")
    if request.method == "POST":
        _csrf(request)
    return found[0].id


async def agent_page(request: web.Request) -> web.Response:
    found = await current_agent(request)
    if found is None:
        texts = request.config_dict[SERVICES].settings.agent_text.desk
        errors = {"1": texts.login_failed, "2": texts.login_locked}
        message = errors.get(request.query.get("error", ""), "")
        error = f'<p class="error">{html.escape(message)}</p>' if message else ""
        target = request.query.get("next", "")
        page = LOGIN_PAGE.replace("{error}", error).replace(
            "{next}", html.escape(target if target in SAFE_NEXT else "")
        )
        return web.Response(text=page, content_type="text/html")
    page = DESK_PAGE.replace("{agent}", html.escape(found[0].name))
    return web.Response(text=page, content_type="text/html")


async def agent_login(request: web.Request) -> web.Response:
    """Password login with per-account and per-address lockout. The password is checked in
    a worker thread (never on the event loop that serves the calls), and an unknown account
    takes the same time and is locked out the same way as a known one."""
    form = await request.post()
    services = request.config_dict[SERVICES]
    desk, cfg = services.desk, services.settings.handoff
    name = str(form.get("agent", ""))[:32]
    password = str(form.get("password", ""))[:256]
    target = str(form.get("next", ""))
    target = target if target in SAFE_NEXT else ""  # never an open redirect
    back = "" if not target else f"&next={target}"
    keys = [f"account:{name}", f"address:{request.remote}"]
    if await desk.login_locked(keys):
        log.warning("agent_login_locked", agent=name)
        raise web.HTTPSeeOther("/agent?error=2" + back)
    limits = [(keys[0], cfg.login_max_failures), (keys[1], cfg.login_max_failures_ip)]
    attempt = await desk.login_attempt(limits, cfg.login_window_s, cfg.login_lockout_s)
    agent = desk.agents.get(name)
    stored = agent.password_hash.get_secret_value() if agent is not None else None
    if not await verify_password(password, stored) or agent is None:  # same work for both
        log.warning("agent_login_failed", agent=name)
        raise web.HTTPSeeOther("/agent?error=1" + back)
    await desk.login_succeeded(limits, attempt)
    log.info("agent_login", agent=agent.id)
    response = web.HTTPSeeOther(target or "/agent")
    cookie = session_cookie(request.config_dict[DESK_SECRET], agent, cfg.session_hours * 3600)
    response.set_cookie(
        COOKIE, cookie, httponly=True, samesite="Strict", path="/",
        secure=request.secure or services.settings.server.public_url.startswith("https://"),
    )  # fmt: skip
    raise response


async def agent_logout(request: web.Request) -> web.Response:
    """Ends the login on the server too (a copied cookie stops working); our page's request
    only (CSRF header)."""
    _csrf(request)
    found = await current_agent(request)
    if found is not None:
        await request.config_dict[SERVICES].desk.revoke(found[1], found[2])
        log.info("agent_logout", agent=found[0].id)
    response = web.json_response({"logged_out": True})
    response.del_cookie(COOKIE, path="/")
    return response


@requires("agent")
async def agent_events(request: web.Request) -> web.StreamResponse:
    """Server-sent events: every transfer now, then each change as it happens."""
    agent_id = request[ACTOR]
    desk = request.config_dict[SERVICES].desk
    queue = desk.subscribe()
    response = web.StreamResponse(
        headers={"Content-Type": "text/event-stream", "Cache-Control": "no-cache"}
    )
    await response.prepare(request)
    log.info("desk_connected", agent=agent_id)
    services, shown = request.config_dict[SERVICES], set[str]()
    try:
        for transfer in list(desk.transfers.values()):
            await response.write(_sse(transfer.public()))
            await _audit_access(services, agent_id, "desk:shown", transfer.id, shown)
        while True:
            try:
                event = await asyncio.wait_for(queue.get(), SSE_PING_S)
            except TimeoutError:
                await response.write(b": ping\n\n")
                continue
            if event is None:  # the service is shutting down
                break
            await response.write(_sse(event))
            await _audit_access(services, agent_id, "desk:shown", str(event["id"]), shown)
    except ConnectionResetError:
        pass
    finally:
        desk.unsubscribe(queue)
    return response


async def _audit_access(
    services: Services, agent_id: str, action: str, transfer_id: str, done: set[str] | None = None
) -> None:
    """Audit an agent's access to a call's data (once per transfer and page for `shown`).
    A records failure is logged, never turned into a broken desk."""
    if services.records is None or (done is not None and transfer_id in done):
        return
    if done is not None:
        done.add(transfer_id)
    try:
        async with asyncio.timeout(services.settings.store.tool_timeout_s):
            await services.records.audit(
                f"agent:{agent_id}", action, {"transfer": transfer_id}, "ok"
            )
    except Exception as exc:
        log.error("audit_failed", action=action, transfer=transfer_id, error=repr(exc)[:200])


def _sse(data: object) -> bytes:
    return f"data: {json.dumps(data, ensure_ascii=False)}\n\n".encode()


@requires("agent")
async def transfer_action(request: web.Request) -> web.Response:
    """POST /agent/transfers/{id}/{accept|decline|outcome}."""
    agent_id = request[ACTOR]
    desk = request.config_dict[SERVICES].desk
    transfer_id, action = request.match_info["id"], request.match_info["action"]
    if await desk.get(transfer_id) is None:
        raise web.HTTPNotFound(text="unknown transfer")
    if action == "accept":
        updated = await desk.update(transfer_id, by=agent_id, status="accepted", agent_id=agent_id)
    elif action == "decline":
        updated = await desk.update(transfer_id, by=agent_id, status="declined")
    elif action == "outcome":
        body = await request.json()
        outcome = body.get("outcome")
        if outcome not in ("resolved", "follow_up"):
            raise web.HTTPBadRequest(text="outcome must be resolved or follow_up")
        notes = str(body.get("notes", ""))[:2000]
        updated = await desk.update(transfer_id, by=agent_id, outcome=outcome, notes=notes)
    else:
        raise web.HTTPNotFound(text="unknown action")
    assert updated is not None
    await _audit_access(request.config_dict[SERVICES], agent_id, f"desk:{action}", transfer_id)
    return web.json_response(updated.public())


async def _desk_sync(app: web.Application) -> AsyncIterator[None]:
    """Other processes' transfer changes, applied here while the app runs (with Redis)."""
    task = asyncio.create_task(app[SERVICES].desk.run_sync())
    yield
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)


async def _close_streams(app: web.Application) -> None:
    app[SERVICES].desk.close_streams()


async def desk_css(request: web.Request) -> web.Response:
    return web.Response(text=DESK_CSS, content_type="text/css")


async def desk_js(request: web.Request) -> web.Response:
    return web.Response(text=DESK_JS, content_type="application/javascript")


DESK_CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; "
    "img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)
# /ops: server-rendered SVG with inline styles, no script at all
OPS_CSP = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src data:; form-action 'self'; "
    "frame-ancestors 'none'; base-uri 'none'"
)


def secure_pages(app: web.Application, policy: str) -> None:
    """Pages with call data (a sub-application's responses): no framing (clickjacking), no
    foreign script (`policy`), no caching."""

    async def headers(request: web.Request, response: web.StreamResponse) -> None:
        response.headers["Content-Security-Policy"] = policy
        response.headers["X-Frame-Options"] = "DENY"
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "no-referrer"
        response.headers.setdefault("Cache-Control", "no-store")

    app.on_response_prepare.append(headers)


def desk_on(root: web.Application) -> None:
    """The desk's login secret and its sync with other processes, owned by the root app (the
    ops pages read the same login)."""
    configured = root[SERVICES].settings.handoff.session_secret.get_secret_value()
    root[DESK_SECRET] = configured.encode() if configured else secrets.token_bytes(32)
    root.on_shutdown.append(_close_streams)
    root.cleanup_ctx.append(_desk_sync)


def agent_app() -> web.Application:
    """The agent desk, mounted at `/agent`."""
    app = web.Application()
    secure_pages(app, DESK_CSP)
    app.router.add_get("", agent_page)
    app.router.add_post("/login", agent_login)
    app.router.add_post("/logout", agent_logout)
    app.router.add_get("/events", agent_events)
    app.router.add_post("/transfers/{id}/{action}", transfer_action)
    app.router.add_get("/static/desk.css", desk_css)
    app.router.add_get("/static/desk.js", desk_js)
    return app


def transfer_callbacks(twilio: web.Application) -> None:
    """Twilio's transfer callbacks, on the `/twilio` sub-application."""
    twilio.router.add_post(WHISPER_PATH.removeprefix(TWILIO_PREFIX), whisper)
    twilio.router.add_post(DIAL_DONE_PATH.removeprefix(TWILIO_PREFIX), dial_done)
    twilio.router.add_get(HOLD_AUDIO_PATH.removeprefix(TWILIO_PREFIX), hold_audio)
