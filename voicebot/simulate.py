"""`voicebot simulate`: a phone call through the real service, placed by the fake Twilio."""

from __future__ import annotations

import asyncio
import itertools
import json
import secrets
import time
import wave
from pathlib import Path
from typing import Any

import aiohttp
from pydantic import SecretStr

from voicebot.audio.codec import TELEPHONY_RATE, ulaw_decode
from voicebot.config import Settings
from voicebot.telephony.fake_cloud import FakeTwilioCloud
from voicebot.telephony.fake_twilio import DEFAULT_CALLER, FakeTwilioCall, load_wav

REPLY_TIMEOUT_S = 30


async def fetch_record(base_url: str, admin_token: str, call_sid: str) -> dict[str, Any] | None:
    """The service's stored record of a finished call (stage timings, redacted transcript),
    read with the admin bearer token (`governance.admin_token`)."""
    headers = {"Authorization": f"Bearer {admin_token}"}
    async with aiohttp.ClientSession() as http:
        for _ in range(40):  # the record is stored once the session has wound down
            async with http.get(f"{base_url}/calls/{call_sid}", headers=headers) as resp:
                if resp.status == 200:
                    data: dict[str, Any] = await resp.json()
                    return data
            await asyncio.sleep(0.1)
    return None


def pacing_jitter_ms(arrivals: list[float]) -> float | None:
    """p95 of |gap - 20 ms| between bot media messages once the initial lead was sent
    (gaps over 200 ms are pauses between sentences, not jitter)."""
    gaps = [b - a for a, b in itertools.pairwise(arrivals) if b - a < 0.2]
    steady = [abs(g - 0.02) * 1000 for g in gaps if g > 0.005]  # skip the lead burst
    if not steady:
        return None
    steady.sort()
    return round(steady[int(0.95 * (len(steady) - 1))], 1)


async def agent_view(base_url: str, agent: str, password: str) -> list[dict[str, Any]]:
    """What the agent desk shows (its first server-sent events), logged in as `agent`."""
    jar = aiohttp.CookieJar(unsafe=True)
    async with aiohttp.ClientSession(cookie_jar=jar) as http:
        form = {"agent": agent, "password": password}
        async with http.post(f"{base_url}/agent/login", data=form, allow_redirects=False):
            pass
        events: list[dict[str, Any]] = []
        async with http.get(f"{base_url}/agent/events") as resp:
            if resp.status != 200:
                return events
            try:
                async with asyncio.timeout(1.0):
                    async for raw in resp.content:
                        line = raw.decode().strip()
                        if line.startswith("data:"):
                            events.append(json.loads(line[5:]))
            except TimeoutError:
                pass  # the stream stays open for live updates
        return events


async def place_call(
    base_url: str,
    auth_token: str,
    audio: list[Path],
    *,
    dtmf: list[str] | None = None,
    record: Path | None = None,
    quiet_s: float = 1.5,
    cloud: FakeTwilioCloud | None = None,
    caller: str = DEFAULT_CALLER,
    consent_key: str | None = None,
    record_token: str | None = None,
    stir_verstat: str = "",
) -> dict[str, Any]:
    """Place one call, speak each turn after the bot's previous reply, and report.

    `consent_key`: the key the caller presses after the greeting when the service asks for
    consent ("1" yes, "2" no); without consent the service keeps no words to report.
    `stir_verstat`: the caller ID's attestation as Twilio reports it (none by default)."""
    turns: list[dict[str, Any]] = []
    call = FakeTwilioCall(base_url, auth_token, caller=caller, stir_verstat=stir_verstat)
    if cloud is not None:
        cloud.track(call)

    def moved() -> bool:  # the bot handed the call to Twilio (transfer)
        return cloud is not None and call.call_sid in cloud.legs

    async with call:
        greeting_at = await call.wait_bot_audio(call.stream_started_at, REPLY_TIMEOUT_S)
        await call.wait_bot_quiet(quiet_s)
        if consent_key is not None:
            await call.dtmf(consent_key)
            if await call.wait_bot_audio(time.monotonic(), 5) is not None:
                await call.wait_bot_quiet(quiet_s)
        for path in audio:
            if call.closed_by_service.is_set() or moved():
                break
            voiced_at = await call.speak(load_wav(path))
            first = await call.wait_bot_audio(voiced_at, REPLY_TIMEOUT_S)
            await call.wait_bot_quiet(quiet_s)
            # The bot may answer a pause inside the caller's clip (a transfer on its first
            # sentence) and hand the call on before the clip ends: heard, though no latency.
            over = first is None and call.first_bot_audio_after(call.speech_onset) is not None
            turns.append(
                {
                    "audio": str(path),
                    "voice_to_voice_ms": None
                    if first is None
                    else round((first - voiced_at) * 1000),
                    "bot_spoke_over_caller": over,
                }
            )
        for digit in dtmf or []:
            if call.closed_by_service.is_set() or moved():
                break
            await call.dtmf(digit)
            await call.wait_bot_audio(time.monotonic(), REPLY_TIMEOUT_S)
            await call.wait_bot_quiet(quiet_s)
        ended_by = "bot" if call.closed_by_service.is_set() or moved() else "caller"
        leg = cloud.legs.get(call.call_sid) if cloud is not None else None
        if leg is not None:
            await asyncio.wait_for(leg.done.wait(), REPLY_TIMEOUT_S)
        await call.hangup()
    heard = ulaw_decode(bytes(call.playback.heard))
    if record is not None:
        with wave.open(str(record), "wb") as wav:
            wav.setnchannels(1)
            wav.setsampwidth(2)
            wav.setframerate(TELEPHONY_RATE)
            wav.writeframes(heard.tobytes())
    server = await fetch_record(base_url, record_token or auth_token, call.call_sid) or {}
    server_turns = server.get("turns", [])
    for i, turn in enumerate(turns):
        st = server_turns[i] if i < len(server_turns) else {}
        turn["heard"] = st.get("heard")
        turn["bot"] = " ".join(st.get("bot", []))
        turn["answered_by"] = st.get("answered_by")
        turn["latency_ms"] = {
            "voice_to_voice": turn.pop("voice_to_voice_ms"),  # to any bot audio, filler too
            "answer": st.get("voice_to_voice_ms"),  # the service's: to the answer's audio
            "endpoint": st.get("endpoint_ms"),
            "asr": st.get("asr_ms"),
            "asr_compute": st.get("asr_compute_ms"),
            "llm_first_token": st.get("llm_first_token_ms"),
            "tts_first_audio": st.get("tts_first_audio_ms"),
        }
    report: dict[str, Any] = {
        "call_sid": call.call_sid,
        "greeting_ms": None
        if greeting_at is None
        else round((greeting_at - call.stream_started_at) * 1000),
        "greeting": next(
            (t["text"] for t in server.get("transcript", []) if t["role"] == "bot"), None
        ),
        "turns": turns,
        "outcome": server.get("outcome"),
        "ended_by": server.get("ended_by") if ended_by == "bot" else "caller",
        "end_reason": server.get("end_reason"),
        "barge_ins": server.get("barge_ins"),
        "bot_audio_s": round(len(heard) / TELEPHONY_RATE, 2),
        "protocol_violations": call.protocol_violations,
        "pacing_jitter_ms_p95": pacing_jitter_ms(call.playback.media_times),
    }
    if leg is not None:
        report["transfer"] = {
            "transfer_id": server.get("transfer_id"),
            "hold_message": next(
                (t["text"] for t in reversed(server.get("transcript", [])) if t["role"] == "bot"),
                None,
            ),
            "rest_update": cloud.requests[-1]["path"] if cloud and cloud.requests else None,
            "transfer_twiml": leg.twiml,
            "whisper_twiml": leg.whisper_twiml,
            "dial_status": leg.dial_status,
        }
    return report


async def simulate(
    settings: Settings,
    audio: list[Path],
    *,
    dtmf: list[str] | None = None,
    record: Path | None = None,
    url: str | None = None,
    caller: str = DEFAULT_CALLER,
    consent: bool | None = True,
) -> dict[str, Any]:
    """Simulate a call against `url`, or against the real service started in-process.

    In-process, Twilio's REST API is the local stand-in, and a demo agent takes transfers
    when none is configured; the report then shows what the agent's desk shows. When the
    settings ask for consent, the simulated caller answers with the keypad (`consent`: True
    presses 1, False presses 2, None does not answer).
    """
    asks = settings.governance.ask_consent and consent is not None
    consent_key = ("1" if consent else "2") if asks else None
    from voicebot.service import build_services, running_service, with_auth_token

    token = settings.twilio.auth_token.get_secret_value()
    if url is not None:
        admin = settings.governance.admin_token.get_secret_value() or None
        return await place_call(
            url, token, audio, dtmf=dtmf, record=record, caller=caller, consent_key=consent_key,
            record_token=admin,
        )  # fmt: skip
    settings = with_auth_token(settings)
    token = settings.twilio.auth_token.get_secret_value()
    async with FakeTwilioCloud(token) as cloud:
        password = secrets.token_urlsafe(12)
        settings = _with_stand_in(settings, cloud.url, password)
        services = await build_services(settings)
        try:
            async with running_service(services) as base:
                report = await place_call(
                    base, token, audio, dtmf=dtmf, record=record, cloud=cloud, caller=caller,
                    consent_key=consent_key,
                )  # fmt: skip
                if "transfer" in report and settings.handoff.agents[0].id == DEMO_AGENT:
                    view = await agent_view(base, DEMO_AGENT, password)
                    report["transfer"]["agent_page"] = [
                        {"id": t["id"], "status": t["status"], "summary": t["summary"]}
                        for t in view
                    ]
            report["sms"] = [m["Body"] for m in cloud.messages]
        finally:
            await services.close()
        return report


DEMO_AGENT = "demo"


def _with_stand_in(settings: Settings, api_url: str, password: str) -> Settings:
    """Point Twilio's REST API at the stand-in; add a demo agent if none is configured."""
    from voicebot.config import Agent
    from voicebot.handoff.desk import hash_password

    twilio = settings.twilio.model_copy(update={"api_base_url": api_url})
    handoff = settings.handoff
    if not handoff.agents:
        demo = Agent(
            id=DEMO_AGENT,
            name="Asesor de demostración",
            phone="+576015550199",
            password_hash=SecretStr(hash_password(password)),
        )
        handoff = handoff.model_copy(update={"agents": [demo]})
    return settings.model_copy(update={"twilio": twilio, "handoff": handoff})
