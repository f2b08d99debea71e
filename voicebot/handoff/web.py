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


def _twiml(body: str) -> web.Response:
    return web.Response(text=body, content_type="text/xml")


@requires("twilio")
async def whisper(request: web.Request) -> web.Response:
    """The agent answered: what they hear before the bridge (the call's summary)."""
    services = request.config_dict[SERVICES]
    transfer = await services.desk.get(request.query.get("transfer", ""))
    if transfer is None:
        return _twiml(whisper_twiml("Transferencia sin resumen disponible."))
    await services.desk.update(transfer.id, by="twilio", status="connected")
    text = services.settings.phrase("whisper").replace("{summary}", transfer.summary.spoken())
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
    params = {
        "callSid": transfer.call_sid,
        "from": caller,
        "token": stream_token(token, transfer.call_sid, caller),
        "resume": transfer.id,
    }
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
    found = cookie_session(request.config_dict[DESK_SECRET], request.cookies.get(COOKIE), desk.agents)
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


LOGIN_ERRORS = {
    "1": "Usuario o contraseña incorrectos.",
    "2": "Demasiados intentos fallidos. Intente de nuevo más tarde.",
}


async def agent_page(request: web.Request) -> web.Response:
    found = await current_agent(request)
    if found is None:
        message = LOGIN_ERRORS.get(request.query.get("error", ""), "")
        error = f'<p class="error">{message}</p>' if message else ""
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
    guard = desk.login_guard
    if guard.locked(keys):
        log.warning("agent_login_locked", agent=name)
        raise web.HTTPSeeOther("/agent?error=2" + back)
    limits = [(keys[0], cfg.login_max_failures), (keys[1], cfg.login_max_failures_ip)]
    guard.attempt(limits, cfg.login_window_s, cfg.login_lockout_s)
    agent = desk.agents.get(name)
    stored = agent.password_hash.get_secret_value() if agent is not None else None
    if not await verify_password(password, stored) or agent is None:  # same work for both
        log.warning("agent_login_failed", agent=name)
        raise web.HTTPSeeOther("/agent?error=1" + back)
    guard.succeeded(limits)
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


LOGIN_PAGE = """<!doctype html><html lang="es"><head><meta charset="utf-8">
<title>Escritorio de asesores</title><link rel="stylesheet" href="/agent/static/desk.css"></head>
<body class="login"><form method="post" action="/agent/login" class="card">
<h1>Escritorio de asesores</h1>{error}<input type="hidden" name="next" value="{next}">
<label>Usuario <input name="agent" autocomplete="username" required></label>
<label>Contraseña <input name="password" type="password" autocomplete="current-password" required></label>
<button type="submit">Entrar</button></form></body></html>"""

DESK_PAGE = """<!doctype html><html lang="es"><head><meta charset="utf-8">
<title>Escritorio de asesores</title><link rel="stylesheet" href="/agent/static/desk.css"></head>
<body><header><h1>Transferencias</h1><span class="who">{agent}</span>
<button id="logout" type="button">Salir</button></header>
<main id="transfers"><p class="empty">No hay transferencias por ahora.</p></main>
<script src="/agent/static/desk.js"></script></body></html>"""

DESK_CSS = """
body{font-family:system-ui,sans-serif;margin:0;background:#f4f5f7;color:#1d2330}
header{display:flex;gap:1rem;align-items:center;padding:.8rem 1.5rem;background:#1d3557;color:#fff}
header h1{font-size:1.2rem;margin:0;flex:1}header form{margin:0}
main{padding:1.5rem;display:grid;gap:1rem;grid-template-columns:repeat(auto-fill,minmax(420px,1fr))}
.card{background:#fff;border-radius:10px;padding:1rem 1.2rem;box-shadow:0 1px 3px #0002}
.card h2{font-size:1.05rem;margin:.1rem 0 .6rem}.meta{color:#555;font-size:.9rem}
.status{display:inline-block;padding:.1rem .5rem;border-radius:1rem;background:#e9ecef;font-size:.8rem}
.status.ringing{background:#ffe8a3}.status.accepted,.status.connected{background:#c7f0d2}
.status.no-answer,.status.busy,.status.failed,.status.declined{background:#f8d0d0}
dl{display:grid;grid-template-columns:9rem 1fr;gap:.3rem .8rem;margin:.6rem 0}dt{font-weight:600}
details{margin:.5rem 0}.line{margin:.2rem 0}.line.caller b{color:#1d3557}.line.bot b{color:#6c757d}
button{border:0;border-radius:6px;padding:.45rem .9rem;cursor:pointer;background:#1d3557;color:#fff}
button.secondary{background:#adb5bd}.actions{display:flex;gap:.5rem;flex-wrap:wrap;margin-top:.6rem}
.login{display:grid;place-items:center;height:100vh}.login form{display:grid;gap:.8rem;width:20rem}
.login input{width:100%;padding:.4rem;box-sizing:border-box}.error{color:#b00020}.empty{color:#666}
"""

DESK_JS = """
const STATUS = {ringing: 'Timbrando', accepted: 'Aceptada', declined: 'Rechazada', connected: 'Conectada',
  completed: 'Finalizada', 'no-answer': 'Sin respuesta', busy: 'Ocupado', failed: 'Falló',
  canceled: 'Cancelada', callback: 'Llamada agendada'};
const OUTCOME = {resolved: 'Resuelto', follow_up: 'Requiere seguimiento'};
const transfers = new Map();
const main = document.getElementById('transfers');
const esc = s => String(s ?? '').replace(/[&<>"']/g, c => ({'&':'&amp;','<':'&lt;','>':'&gt;','"':'&quot;',"'":'&#39;'}[c]));
async function act(id, action, body) {
  const r = await fetch(`/agent/transfers/${id}/${action}`, {method: 'POST',
    headers: {'X-Requested-With': 'voicebot-desk', 'Content-Type': 'application/json'},
    body: JSON.stringify(body || {})});
  if (!r.ok) alert(await r.text());
}
function render() {
  if (!transfers.size) return;
  main.innerHTML = [...transfers.values()].reverse().map(t => {
    const s = t.summary;
    const lines = t.transcript.map(l => `<p class="line ${l.role}"><b>${l.role === 'caller' ? 'Cliente' : 'Asistente'}:</b> ${esc(l.text)}</p>`).join('');
    const outcome = t.outcome ? `<p class="outcome">Resultado: <b>${esc(OUTCOME[t.outcome] || t.outcome)}</b> ${esc(t.notes)}</p>` : '';
    return `<section class="card transfer" data-id="${esc(t.id)}">
      <h2>${esc(s.motive)}</h2>
      <span class="status ${esc(t.status)}">${esc(STATUS[t.status] || t.status)}</span>
      <span class="meta">${esc(t.id)} · ${new Date(t.created_at * 1000).toLocaleTimeString()}</span>
      <dl><dt>Razón</dt><dd>${esc(s.reason)}</dd><dt>Cliente</dt><dd>${esc(s.customer)} · ${esc(s.sentiment)}</dd>
      <dt>Contexto</dt><dd class="context">${(s.context || []).map(esc).join('<br>') || '—'}</dd>
      <dt>Referencias</dt><dd>${esc(s.references.join(', ') || '—')}</dd>
      <dt>Hizo el asistente</dt><dd>${s.bot_actions.map(esc).join('<br>')}</dd>
      <dt>Sugerencia</dt><dd class="suggestion">${esc(s.suggested_action)}</dd></dl>
      <details><summary>Transcripción</summary>${lines}</details>${outcome}
      <div class="actions">
        <button class="accept" data-action="accept">Aceptar</button>
        <button class="secondary decline" data-action="decline">Rechazar</button>
        <button class="secondary resolved" data-action="outcome" data-outcome="resolved">Resuelto</button>
        <button class="secondary follow" data-action="outcome" data-outcome="follow_up">Requiere seguimiento</button>
      </div></section>`;
  }).join('');
}
// no inline handlers: the page's Content-Security-Policy allows only this file's script
main.addEventListener('click', e => {
  const b = e.target.closest('button[data-action]');
  if (!b) return;
  const id = b.closest('section.transfer').dataset.id;
  act(id, b.dataset.action, b.dataset.outcome ? {outcome: b.dataset.outcome} : undefined);
});
document.getElementById('logout').addEventListener('click', async () => {
  await fetch('/agent/logout', {method: 'POST', headers: {'X-Requested-With': 'voicebot-desk'}});
  location.href = '/agent';
});
const events = new EventSource('/agent/events');
events.onmessage = e => { const t = JSON.parse(e.data); transfers.set(t.id, t); render(); };
"""
