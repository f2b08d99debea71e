"""Two service processes behind one URL, sharing Redis and PostgreSQL: a call, its transfer,
Twilio's callbacks, the resumed stream and the agent desk work whichever process serves them."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import aiohttp
import pytest
import yaml

from tests.balancer import RoundRobin
from tests.conftest import AUTH_TOKEN
from tests.stores import PostgresServer, RedisServer, _free_port
from tests.test_handoff import AGENT, ALWAYS
from voicebot.simulate import fetch_record
from voicebot.telephony.fake_cloud import FakeTwilioCloud
from voicebot.telephony.fake_twilio import FakeTwilioCall, load_wav
from voicebot.telephony.twiml import sign

Clip = Callable[[str], Path]
ROOT = Path(__file__).resolve().parent.parent


def write_config(path: Path, public_url: str, cloud: FakeTwilioCloud, db: str, redis: str) -> None:
    config = {
        "server": {"host": "127.0.0.1", "public_url": public_url, "redis_url": redis,
                   "watch_config": False},
        "twilio": {"api_base_url": cloud.url, "account_sid": "AC" + "1" * 32},
        "governance": {"ask_consent": False, "legal_basis": "pruebas: contrato vigente"},
        "store": {"database_url": db},
        "handoff": {"mode": "desk", "agents": [AGENT], "session_secret": "shared-desk-secret",
                    "business_hours": {"weekly": ALWAYS, "holidays": [], "country_holidays": ""}},
    }  # fmt: skip
    path.write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")


async def start_processes(
    config: Path, logs: Path, n: int, seen: set[tuple[str, int, str]]
) -> AsyncIterator[list[str]]:
    """`voicebot serve` n times; `seen` gets each (probe, HTTP status, status) while starting."""
    procs, urls = [], []
    for i in range(n):
        port = _free_port()
        env = os.environ | {"VOICEBOT_TWILIO__AUTH_TOKEN": AUTH_TOKEN,
                            "VOICEBOT_GOVERNANCE__ADMIN_TOKEN": AUTH_TOKEN,  # /calls/{sid}
                            "VOICEBOT_SERVER__PORT": str(port)}  # fmt: skip
        out = (logs / f"process{i}.log").open("w")
        procs.append(await asyncio.create_subprocess_exec(
            sys.executable, "-m", "voicebot", "--config", str(config), "serve",
            cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
        ))  # fmt: skip
        urls.append(f"http://127.0.0.1:{port}")
    try:
        async with aiohttp.ClientSession() as http:
            for url, proc in zip(urls, procs, strict=True):
                for _ in range(600):  # both load the models (in parallel, on 2 cores)
                    assert proc.returncode is None, f"a process exited: see {logs}"
                    try:
                        async with http.get(url + "/healthz") as resp:
                            seen.add(("healthz", resp.status, (await resp.json())["status"]))
                        async with http.get(url + "/readyz") as resp:
                            seen.add(("readyz", resp.status, (await resp.json())["status"]))
                            if resp.status == 200:
                                break
                    except aiohttp.ClientError:
                        pass
                    await asyncio.sleep(0.5)
                else:
                    raise AssertionError(f"{url} never became ready")
        yield urls
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            try:
                await asyncio.wait_for(proc.wait(), 30)
            except TimeoutError:
                proc.kill()


async def desk_events(url: str, into: list[dict[str, Any]]) -> None:
    """An agent logged in on one process, reading its desk's live updates."""
    jar = aiohttp.CookieJar(unsafe=True)
    async with aiohttp.ClientSession(cookie_jar=jar) as http:
        form = {"agent": AGENT["id"], "password": "clave-ana"}
        async with http.post(url + "/agent/login", data=form, allow_redirects=False) as resp:
            assert resp.status == 303
        async with http.get(url + "/agent/events") as resp:
            async for line in resp.content:
                if line.startswith(b"data: "):
                    into.append(json.loads(line[6:]))


async def test_two_processes_share_the_call_its_transfer_and_the_desk(
    redis: RedisServer | str, pg_server: PostgresServer | str, clips: Clip, tmp_path: Path
) -> None:
    if isinstance(redis, str) or isinstance(pg_server, str):
        pytest.skip(redis if isinstance(redis, str) else str(pg_server))
    balancer = RoundRobin()
    public = await balancer.start()
    async with FakeTwilioCloud(AUTH_TOKEN, agent_answers="no-answer") as cloud:
        config = tmp_path / "voicebot.yaml"
        write_config(config, public, cloud, await pg_server.new_database(), redis.url)
        probes: set[tuple[str, int, str]] = set()
        processes = start_processes(config, tmp_path, 2, probes)
        urls = await anext(processes)
        balancer.backends = urls
        seen: list[dict[str, Any]] = []
        desk = asyncio.create_task(desk_events(urls[0], seen))  # the agent's page is on A
        try:
            call = cloud.track(FakeTwilioCall(public, AUTH_TOKEN))
            async with call:
                await call.wait_bot_audio(call.stream_started_at, 15)
                await call.wait_bot_quiet(1.0)
                voiced = await call.speak(
                    load_wav(clips("Hola, quiero saber dónde está mi pedido."))
                )
                await call.wait_bot_audio(voiced, 20)
                await call.wait_bot_quiet(1.0)
                await call.dtmf("0")
                leg = await cloud.moved(call.call_sid, 40)
            back = leg.resumed
            assert back is not None, "no agent answered: Twilio opened a new stream to the bot"
            await back.wait_bot_audio(back.stream_started_at, 15)
            await back.wait_bot_quiet(1.0)
            await back.hangup()
            # the same webhook again, to whichever process: a replay, refused by both
            form = {"CallSid": call.call_sid, "AccountSid": call.account_sid,
                    "From": call.caller, "To": "+576015550000", "CallStatus": "ringing",
                    "Direction": "inbound"}  # fmt: skip
            async with aiohttp.ClientSession() as http:
                for _ in urls:
                    headers = {
                        "X-Twilio-Signature": sign(AUTH_TOKEN, public + "/twilio/voice", form)
                    }
                    async with http.post(public + "/twilio/voice", data=form, headers=headers) as r:
                        assert r.status == 409
            records = [await fetch_record(url, AUTH_TOKEN, call.call_sid) for url in urls]
            for _ in range(50):
                if any(t["status"] == "callback" for t in seen):
                    break
                await asyncio.sleep(0.1)
        finally:
            desk.cancel()
            await asyncio.gather(desk, return_exceptions=True)
            await processes.aclose()
    await balancer.close()

    # while the models loaded, the processes were alive but not ready
    assert {("healthz", 200, "starting"), ("readyz", 503, "warming up")} <= probes
    assert ("readyz", 200, "ready") in probes
    streams = [b for method, path, b in balancer.served if path == "/twilio/stream"]
    callbacks = [b for method, path, b in balancer.served if path == "/twilio/dial-done"]
    assert len(streams) == 2 and streams[0] != streams[1], balancer.served  # resumed elsewhere
    assert callbacks, balancer.served
    # the agent on A saw the transfer made by the other process, and every change after it
    statuses = [t["status"] for t in seen if t["call_sid"] == call.call_sid]
    assert statuses[0] == "ringing" and "no-answer" in statuses and statuses[-1] == "callback"
    # the resumed stream on the other process knew the story and offered the callback
    texts = [t["text"] for r in records if r for t in r["transcript"]]
    assert any("dónde está" in t for t in texts)
    assert any(t.startswith("En este momento nuestros asesores están ocupados") for t in texts)
    assert all(r is not None for r in records)  # either process can show the call
