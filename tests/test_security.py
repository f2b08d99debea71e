"""Hostile input on every endpoint, on a real server driven by the fake Twilio: bad or replayed
signatures, mismatched starts, garbage, floods, oversized messages, idle sockets."""

from __future__ import annotations

import asyncio
import json
import re
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from tests.conftest import AUTH_TOKEN, ServiceFactory, make_settings
from tests.test_handoff import AGENT, ScriptedAsr, scripted
from voicebot.cluster import RedisShared
from voicebot.config import Settings
from voicebot.handoff.desk import Desk, LoginGuard
from voicebot.handoff.web import SERVICES
from voicebot.service import with_public_url
from voicebot.services import Services
from voicebot.simulate import fetch_record
from voicebot.telephony import edge
from voicebot.telephony.fake_twilio import FakeTwilioCall, load_wav
from voicebot.telephony.twiml import sign, stream_token

Clip = Callable[[str], Path]
FORM = {"CallSid": "CA" + "1" * 32, "From": "+573001234567", "AccountSid": "AC1"}


async def get_metrics(base_url: str) -> str:
    async with aiohttp.ClientSession() as http, http.get(base_url + "/metrics") as resp:
        assert resp.status == 200
        return await resp.text()


async def post_webhook(
    url: str, form: dict[str, str], signature: str | None
) -> aiohttp.ClientResponse:
    headers = {} if signature is None else {"X-Twilio-Signature": signature}
    async with aiohttp.ClientSession() as http:
        async with http.post(url + "/twilio/voice", data=form, headers=headers) as resp:
            await resp.read()
            return resp


async def test_signed_webhook_gets_connect_stream_twiml(base_url: str) -> None:
    url = base_url + "/twilio/voice"
    async with aiohttp.ClientSession() as http:
        headers = {"X-Twilio-Signature": sign(AUTH_TOKEN, url, FORM)}
        async with http.post(url, data=FORM, headers=headers) as resp:
            body = await resp.text()
    assert resp.status == 200 and resp.content_type == "text/xml"
    assert "<Connect><Stream" in body and "/twilio/stream" in body and 'name="token"' in body


@pytest.mark.parametrize("case", ["missing", "tampered", "wrong-url"])
async def test_bad_webhook_signature_is_403(base_url: str, case: str) -> None:
    url = base_url + "/twilio/voice"
    signature = {
        "missing": None,
        "tampered": sign(AUTH_TOKEN, url, {**FORM, "From": "+570000000000"}),
        "wrong-url": sign(AUTH_TOKEN, "https://elsewhere.example/twilio/voice", FORM),
    }[case]
    resp = await post_webhook(base_url, FORM, signature)
    assert resp.status == 403
    metrics = await get_metrics(base_url)
    assert 'voicebot_rejected_requests_total{reason="webhook_signature"} 1.0' in metrics


async def test_websocket_upgrade_needs_a_valid_signature(base_url: str) -> None:
    ws_url = base_url.replace("http", "ws") + "/twilio/stream"
    async with aiohttp.ClientSession() as http:
        for headers in ({}, {"X-Twilio-Signature": sign(AUTH_TOKEN, ws_url + "x", {})}):
            with pytest.raises(aiohttp.WSServerHandshakeError) as err:
                await http.ws_connect(ws_url, headers=headers)
            assert err.value.status == 403
        ws = await http.ws_connect(
            ws_url, headers={"X-Twilio-Signature": sign(AUTH_TOKEN, ws_url, {})}
        )
        await ws.close()


async def test_start_must_match_its_webhook(base_url: str) -> None:
    """A signed upgrade with a start for another call (replayed token) is closed."""
    call = FakeTwilioCall(base_url, AUTH_TOKEN)
    original = call.webhook

    async def forged() -> tuple[str, dict[str, str]]:
        url, params = await original()
        call.call_sid = "CA" + "9" * 32  # start claims a call the token was not made for
        return url, params

    call.webhook = forged  # type: ignore[method-assign]
    async with call:
        await asyncio.wait_for(call.closed_by_service.wait(), 5)
    assert call.playback.media_times == []  # the bot never spoke to it


async def test_validation_off_is_explicit_and_lets_unsigned_calls_in(serve: ServiceFactory) -> None:
    settings = make_settings(twilio={"validate_signatures": False})
    async with serve(settings) as url:
        resp = await post_webhook(url, FORM, None)
        assert resp.status == 200


async def test_protocol_garbage_is_logged_and_the_call_goes_on(base_url: str) -> None:
    async with FakeTwilioCall(base_url, AUTH_TOKEN) as call:
        await call.send_raw("{not json")
        await call.send_raw(json.dumps({"event": "dance", "streamSid": call.stream_sid}))
        await call.send_raw(b"\x00\x01binary")
        await call.send_raw(
            json.dumps({"event": "media", "streamSid": "MZwrong", "media": {"payload": "//8="}})
        )
        await call.send_raw(
            json.dumps({"event": "media", "streamSid": call.stream_sid, "media": {"payload": "@@"}})
        )
        await call.send_raw(
            json.dumps(
                {"event": "mark", "streamSid": call.stream_sid, "mark": {"name": "never-sent"}}
            )
        )
        first = await call.wait_bot_audio(call.stream_started_at, 10)
        assert first is not None, "the greeting still plays"
        assert not call.closed_by_service.is_set()
    assert call.protocol_violations == []
    metrics = await get_metrics(base_url)
    assert "voicebot_protocol_errors_total 5.0" in metrics
    assert "voicebot_calls_total 1.0" in metrics


async def test_media_before_start_does_not_break_the_call(base_url: str) -> None:
    call = FakeTwilioCall(base_url, AUTH_TOKEN)
    async with aiohttp.ClientSession() as http:
        call._http = http
        url, params = await call.webhook()
        ws = await http.ws_connect(url, headers={"X-Twilio-Signature": sign(AUTH_TOKEN, url, {})})
        await ws.send_str(
            json.dumps({"event": "connected", "protocol": "Call", "version": "1.0.0"})
        )
        await ws.send_str(
            json.dumps(
                {"event": "media", "streamSid": call.stream_sid, "media": {"payload": "//8="}}
            )
        )
        start = {
            "streamSid": call.stream_sid,
            "accountSid": "AC1",
            "callSid": call.call_sid,
            "customParameters": params,
            "mediaFormat": {"encoding": "audio/x-mulaw", "sampleRate": 8000, "channels": 1},
        }
        await ws.send_str(
            json.dumps({"event": "start", "streamSid": call.stream_sid, "start": start})
        )
        msg = await ws.receive(timeout=10)
        assert json.loads(msg.data)["event"] == "media"  # the greeting
        await ws.close()


async def test_oversized_message_closes_only_that_stream(base_url: str) -> None:
    async with (
        FakeTwilioCall(base_url, AUTH_TOKEN) as other,
        FakeTwilioCall(base_url, AUTH_TOKEN) as bad,
    ):
        await bad.send_raw("x" * 200_000)
        await asyncio.wait_for(bad.closed_by_service.wait(), 5)
        await asyncio.sleep(0.5)
        assert not other.closed_by_service.is_set()
        assert await other.wait_bot_audio(other.stream_started_at, 10) is not None


async def test_healthz(base_url: str) -> None:
    async with aiohttp.ClientSession() as http, http.get(base_url + "/healthz") as resp:
        assert resp.status == 200


ADMIN = "admin-token-for-tests"


def guarded_settings(**more: Any) -> Settings:
    """Calls kept under a legal basis, /calls/{sid} behind the admin token, an agent."""
    return make_settings(
        governance={"legal_basis": "pruebas", "admin_token": ADMIN},
        handoff={"mode": "desk", "agents": [AGENT], **more},
    )


async def test_call_records_are_the_stored_ones_behind_the_admin_token(
    serve: ServiceFactory, clips: Clip
) -> None:
    """Regression: /calls/{sid} gave a live call's full record (card digits) to anyone with
    the Twilio auth token."""
    settings = scripted(guarded_settings())
    asr = ScriptedAsr("Mi tarjeta es 4111 1111 1111 1111, ¿me la guarda?")
    admin = {"Authorization": f"Bearer {ADMIN}"}
    async with serve(settings, asr=asr) as url, aiohttp.ClientSession() as http:
        async with FakeTwilioCall(url, AUTH_TOKEN) as call:
            await call.wait_bot_audio(call.stream_started_at, 10)
            await call.wait_bot_quiet(1.0)
            voiced = await call.speak(load_wav(clips("Hola.")))
            await call.wait_bot_audio(voiced, 20)
            async with http.get(f"{url}/calls/{call.call_sid}", headers=admin) as resp:
                assert resp.status == 404  # in progress: nothing is served yet
        for token in ("", AUTH_TOKEN):
            headers = {"Authorization": f"Bearer {token}"}
            async with http.get(f"{url}/calls/{call.call_sid}", headers=headers) as resp:
                assert resp.status == 401
        record = await fetch_record(url, ADMIN, call.call_sid)
        async with http.get(url + "/calls/CA1", headers=admin) as resp:
            assert resp.status == 404
    assert record is not None
    assert record["turns"][0]["heard"] == "Mi tarjeta es [tarjeta], ¿me la guarda?"
    # as a number of its own: the record's timestamps (1796141110.87) may hold "4111"
    assert re.search(r"(?<!\d)4111(?!\d)", json.dumps(record)) is None


async def login(
    http: aiohttp.ClientSession, url: str, agent: str, password: str
) -> tuple[str, float]:
    """Where the login form sends the browser, and how long it took."""
    started = time.perf_counter()
    form = {"agent": agent, "password": password}
    async with http.post(url + "/agent/login", data=form, allow_redirects=False) as resp:
        assert resp.status == 303
        return resp.headers["Location"], time.perf_counter() - started


def login_storm(url: str, attempts: int) -> tuple[list[str], list[float]]:
    """From another thread (its own event loop, like other clients): `attempts` wrong logins
    at once while /healthz is probed; where each login went, and each probe's latency."""

    async def storm() -> tuple[list[str], list[float]]:
        latencies: list[float] = []
        async with aiohttp.ClientSession() as http:
            done = asyncio.Event()

            async def probe() -> None:
                while not done.is_set():
                    started = time.perf_counter()
                    async with http.get(url + "/healthz") as resp:
                        assert resp.status == 200
                    latencies.append(time.perf_counter() - started)
                    await asyncio.sleep(0.01)

            prober = asyncio.create_task(probe())
            await asyncio.sleep(0.1)
            results = await asyncio.gather(
                *(login(http, url, "ana", f"adivinando{i}") for i in range(attempts))
            )
            done.set()
            await prober
        return [where for where, _ in results], latencies

    return asyncio.run(storm())


async def test_many_wrong_logins_at_once_do_not_stall_the_service(serve: ServiceFactory) -> None:
    """Regression: password hashing ran on the event loop; 40 simultaneous wrong logins took
    /healthz (and every live call's audio) from under 1 ms to seconds."""
    settings = guarded_settings(login_max_failures_ip=100, login_max_failures=100)
    async with serve(settings, desk=Desk(settings.handoff.agents)) as url:
        went, latencies = await asyncio.to_thread(login_storm, url, 40)
    assert went == ["/agent?error=1"] * 40  # each one was checked (no lockout here)
    # hashing on the loop stalls most probes; one slow probe is the machine (a 1.0 s stall
    # once failed the whole suite on a loaded run): the 90th percentile, not the maximum
    slow = sorted(latencies)[int(len(latencies) * 0.9)]
    assert len(latencies) > 10 and slow < 0.25, sorted(latencies)[-5:]


async def test_wrong_passwords_lock_the_account_and_the_address(serve: ServiceFactory) -> None:
    settings = guarded_settings(login_max_failures=3, login_max_failures_ip=8)
    async with serve(settings, desk=Desk(settings.handoff.agents)) as url:
        async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as http:
            for _ in range(3):
                assert (await login(http, url, "ana", "no-es"))[0] == "/agent?error=1"
            # locked out: even the right password is refused, and no cookie is set
            assert (await login(http, url, "ana", "clave-ana"))[0] == "/agent?error=2"
            assert not http.cookie_jar.filter_cookies(url)
            # an unknown account is counted and locked the same way (nothing tells them apart)
            for _ in range(3):
                assert (await login(http, url, "nadie", "x"))[0] == "/agent?error=1"
            assert (await login(http, url, "nadie", "x"))[0] == "/agent?error=2"
            # six failures so far from this address; two more lock the address for any account
            for name in ("otro1", "otro2"):
                assert (await login(http, url, name, "x"))[0] == "/agent?error=1"
            assert (await login(http, url, "otro3", "x"))[0] == "/agent?error=2"


async def test_an_unknown_account_takes_as_long_as_a_wrong_password(serve: ServiceFactory) -> None:
    settings = guarded_settings(login_max_failures_ip=100, login_max_failures=100)
    async with serve(settings, desk=Desk(settings.handoff.agents)) as url:
        async with aiohttp.ClientSession() as http:
            known = sorted([(await login(http, url, "ana", "mala"))[1] for _ in range(5)])[2]
            unknown = sorted([(await login(http, url, "nadie", "mala"))[1] for _ in range(5)])[2]
    assert 0.5 < unknown / known < 2, (known, unknown)


async def test_logout_and_removal_end_the_login_on_the_server(
    services: Services, serve: ServiceFactory
) -> None:
    """Regression: logout only deleted the browser's cookie (a copy kept working), needed no
    CSRF header, and an agent removed from the config kept their login."""
    settings = guarded_settings()
    async with serve(settings, desk=Desk(settings.handoff.agents)) as url:
        app = serve.apps[url]  # type: ignore[attr-defined]

        async def logged_in() -> tuple[aiohttp.ClientSession, str]:
            http = aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True))
            assert (await login(http, url, "ana", "clave-ana"))[0] == "/agent"
            (cookie,) = http.cookie_jar
            return http, cookie.value

        async def page_with(cookie: str) -> int:
            async with (
                aiohttp.ClientSession() as other,
                other.get(url + "/agent/events", headers={"Cookie": f"vb_agent={cookie}"}) as resp,
            ):
                return resp.status

        http, cookie = await logged_in()
        async with http:
            assert await page_with(cookie) == 200
            async with http.post(url + "/agent/logout") as resp:
                assert resp.status == 403  # a cross-site form cannot log the agent out
            assert await page_with(cookie) == 200
            headers = {"X-Requested-With": "voicebot-desk"}
            async with http.post(url + "/agent/logout", headers=headers) as resp:
                assert resp.status == 200
        assert await page_with(cookie) == 401  # the copied cookie is dead too

        http, cookie = await logged_in()
        async with http:
            assert await page_with(cookie) == 200
            without = settings.handoff.model_copy(update={"agents": []})
            await app[SERVICES].reload(settings.model_copy(update={"handoff": without}))
            assert await page_with(cookie) == 401
            assert (await login(http, url, "ana", "clave-ana"))[0] == "/agent?error=1"


async def test_desk_pages_cannot_be_framed_and_cookies_are_secure_over_https(
    serve: ServiceFactory,
) -> None:
    settings = guarded_settings()
    async with serve(settings, desk=Desk(settings.handoff.agents)) as url:
        app = serve.apps[url]  # type: ignore[attr-defined]
        async with aiohttp.ClientSession() as http:
            for path, headers in (("/agent", {}), ("/ops", {"Authorization": f"Bearer {ADMIN}"})):
                async with http.get(url + path, headers=headers) as resp:
                    assert resp.status == 200
                    assert "frame-ancestors 'none'" in resp.headers["Content-Security-Policy"]
                    assert "script-src 'self'" in resp.headers["Content-Security-Policy"] or (
                        "script-src" not in resp.headers["Content-Security-Policy"]
                    )
                    assert resp.headers["X-Frame-Options"] == "DENY"
            form = {"agent": "ana", "password": "clave-ana"}
            async with http.post(url + "/agent/login", data=form, allow_redirects=False) as resp:
                assert "secure" not in resp.headers["Set-Cookie"].lower()  # plain http here
            services = app[SERVICES]
            services.settings = with_public_url(services.settings, "https://voz.example.co")
            async with http.post(url + "/agent/login", data=form, allow_redirects=False) as resp:
                assert "secure" in resp.headers["Set-Cookie"].lower()


async def test_message_flood_closes_only_that_stream(base_url: str) -> None:
    async with (
        FakeTwilioCall(base_url, AUTH_TOKEN) as other,
        FakeTwilioCall(base_url, AUTH_TOKEN) as bad,
    ):
        mark = json.dumps({"event": "mark", "streamSid": bad.stream_sid, "mark": {"name": "x"}})
        for _ in range(1000):
            await bad.send_raw(mark)
        await asyncio.wait_for(bad.closed_by_service.wait(), 5)
        await asyncio.sleep(0.3)
        assert not other.closed_by_service.is_set()


async def test_calls_over_capacity_go_to_a_person(serve: ServiceFactory) -> None:
    settings = make_settings(server={"max_calls": 1}, handoff={"cold_number": "+576015550000"})
    async with serve(settings) as url, FakeTwilioCall(url, AUTH_TOKEN) as first:
        await first.wait_bot_audio(first.stream_started_at, 10)
        form = {"CallSid": "CA" + "7" * 32}
        headers = {"X-Twilio-Signature": sign(AUTH_TOKEN, url + "/twilio/voice", form)}
        async with aiohttp.ClientSession() as http:
            async with http.post(url + "/twilio/voice", data=form, headers=headers) as resp:
                body = await resp.text()
        assert "<Dial" in body and "+576015550000" in body and "<Stream" not in body
        metrics = await get_metrics(url)
        assert 'voicebot_rejected_requests_total{reason="to_human_capacity"} 1.0' in metrics


async def test_replayed_webhook_is_refused(base_url: str) -> None:
    url = base_url + "/twilio/voice"
    signature = sign(AUTH_TOKEN, url, FORM)
    assert (await post_webhook(base_url, FORM, signature)).status == 200
    assert (await post_webhook(base_url, FORM, signature)).status == 409  # same signed request


async def test_a_second_stream_for_a_live_call_is_closed(base_url: str) -> None:
    async with FakeTwilioCall(base_url, AUTH_TOKEN) as call:
        await call.wait_bot_audio(call.stream_started_at, 10)
        ws_url = base_url.replace("http", "ws") + "/twilio/stream"
        token = stream_token(AUTH_TOKEN, call.call_sid, call.caller)
        params = {"callSid": call.call_sid, "from": call.caller, "token": token}
        async with FakeTwilioCall(
            base_url, AUTH_TOKEN, call_sid=call.call_sid, stream=(ws_url, params)
        ) as twin:
            await asyncio.wait_for(twin.closed_by_service.wait(), 5)
            assert twin.playback.media_times == []
        assert not call.closed_by_service.is_set()


async def test_idle_sockets_are_closed(
    serve: ServiceFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Slowloris: a socket that never sends `start`, and a call whose media stops."""
    monkeypatch.setattr(edge, "START_TIMEOUT_S", 1)
    monkeypatch.setattr(edge, "RECEIVE_TIMEOUT_S", 1)
    async with serve(guarded_settings()) as base_url:
        await _idle_sockets(base_url)


async def _idle_sockets(base_url: str) -> None:
    url = base_url.replace("http", "ws", 1) + "/twilio/stream"
    async with aiohttp.ClientSession() as http:
        headers = {"X-Twilio-Signature": sign(AUTH_TOKEN, url, {})}
        async with http.ws_connect(url, headers=headers) as ws:
            msg = await asyncio.wait_for(ws.receive(), 5)
            assert msg.type == aiohttp.WSMsgType.CLOSE and msg.data == 1008
    call = FakeTwilioCall(base_url, AUTH_TOKEN)
    async with call:
        await call.wait_bot_audio(call.stream_started_at, 10)
        call._tasks[0].cancel()  # the caller's media stops: no frames, not even silence
        await asyncio.wait_for(call.closed_by_service.wait(), 5)
    record = await fetch_record(base_url, ADMIN, call.call_sid)
    assert record is not None and record["ended_by"] == "dropped"  # the record is kept


async def test_a_refused_call_leaves_no_open_connection(base_url: str) -> None:
    # regression: the fake Twilio leaked its HTTP session when the webhook was refused
    call = FakeTwilioCall(base_url, "not-the-auth-token")
    with pytest.raises(RuntimeError, match="webhook answered 403"):
        await call.__aenter__()
    assert call._http is not None and call._http.closed


async def test_a_stream_token_starts_one_stream(base_url: str) -> None:
    """Regression: the token was a fixed hash of the CallSid, so a captured `start` could
    open the call's stream again once the first one had ended."""
    call = FakeTwilioCall(base_url, AUTH_TOKEN)
    original, seen = call.webhook, {}

    async def keep() -> tuple[str, dict[str, str]]:
        url, params = await original()
        seen.update(url=url, params=params)
        return url, params

    call.webhook = keep  # type: ignore[method-assign]
    async with call:
        assert await call.wait_bot_audio(call.stream_started_at, 10) is not None
    replay = FakeTwilioCall(
        base_url, AUTH_TOKEN, call_sid=call.call_sid, stream=(seen["url"], seen["params"])
    )
    async with replay:
        await asyncio.wait_for(replay.closed_by_service.wait(), 5)
        assert replay.playback.media_times == []
    metrics = await get_metrics(base_url)
    assert 'voicebot_rejected_requests_total{reason="stream_replay"} 1.0' in metrics


def test_the_login_guard_locks_expires_and_forgives_a_right_password() -> None:
    now = [0.0]
    guard = LoginGuard(clock=lambda: now[0])
    keys = [("account:ana", 3)]
    guard.attempt(keys, 60, 300)
    guard.attempt(keys, 60, 300)
    guard.attempt(keys, 60, 300)  # the third attempt reaches the limit...
    guard.succeeded(keys)  # ...but was the right password: no lockout
    assert not guard.locked(["account:ana"])
    guard.attempt(keys, 60, 300)  # a third wrong one within the window
    assert guard.locked(["account:ana"]) and not guard.locked(["account:eva"])
    now[0] = 301
    assert not guard.locked(["account:ana"])  # the lockout ends
    guard.attempt(keys, 60, 300)  # the old failures left the window
    assert not guard.locked(["account:ana"])


async def test_the_caller_id_attestation_reaches_the_call_bound_in_its_token(
    base_url: str,
) -> None:
    """Twilio's StirVerstat travels from the voice webhook to the call's record, bound in the
    stream token: a `start` that claims an attestation its webhook lacked is refused."""
    attested = "TN-Validation-Passed-A"
    call = FakeTwilioCall(base_url, AUTH_TOKEN, stir_verstat=attested)
    async with call:
        assert await call.wait_bot_audio(call.stream_started_at, 10) is not None
    record = await fetch_record(base_url, AUTH_TOKEN, call.call_sid)
    assert record is not None and record["caller_id_attestation"] == attested

    plain = FakeTwilioCall(base_url, AUTH_TOKEN)
    async with aiohttp.ClientSession() as http:
        plain._http = http
        url, params = await plain.webhook()
    assert "verstat" not in params
    forged = FakeTwilioCall(
        base_url, AUTH_TOKEN, call_sid=plain.call_sid, stream=(url, params | {"verstat": attested})
    )
    async with forged:
        await asyncio.wait_for(forged.closed_by_service.wait(), 5)
        assert forged.playback.media_times == []


async def test_login_failures_count_across_processes_through_redis(redis: Any) -> None:
    """Regression: each process kept its own count, so a guesser spread over the replicas
    had the limit times their number of tries; with Redis they share one count and lock."""
    if isinstance(redis, str):
        pytest.skip(redis)
    prefix = "lockout-" + uuid.uuid4().hex[:8]
    one, two = RedisShared(redis.url, prefix=prefix), RedisShared(redis.url, prefix=prefix)
    first, second = Desk([], shared=one), Desk([], shared=two)
    limits = [("account:ana", 3), ("address:10.0.0.9", 10)]
    keys = [key for key, _ in limits]
    try:
        for desk in (first, second, first):  # three wrong passwords, on two processes
            assert not await desk.login_locked(keys)
            await desk.login_attempt(limits, 60, 300)
        assert await second.login_locked(["account:ana"])  # the other process sees the lock
        assert not await second.login_locked(["address:10.0.0.9", "account:eva"])
        # a right password does not count, nor lock what it alone would have
        eva = [("account:eva", 2), ("address:10.0.0.9", 10)]
        attempt = await first.login_attempt(eva, 60, 300)
        await second.login_attempt(eva, 60, 300)  # a wrong one at the same time elsewhere
        await first.login_succeeded(eva, attempt)
        assert not await second.login_locked(["account:eva"])
        assert not first.login_guard.locked(["account:ana"])  # nothing was counted in memory
    finally:
        await one.close()
        await two.close()
