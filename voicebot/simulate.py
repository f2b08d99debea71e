"""`voicebot simulate`: a phone call through the real service, placed by the fake Twilio."""

from __future__ import annotations

import asyncio
import time
import wave
from contextlib import AsyncExitStack
from pathlib import Path
from typing import Any

import aiohttp

from voicebot.audio.codec import TELEPHONY_RATE, ulaw_decode
from voicebot.config import Settings
from voicebot.session import Services
from voicebot.telephony.fake_twilio import FakeTwilioCall, load_wav

REPLY_TIMEOUT_S = 30


async def fetch_record(base_url: str, auth_token: str, call_sid: str) -> dict[str, Any] | None:
    """The service's record of a finished call (its stage timings and transcript)."""
    headers = {"Authorization": f"Bearer {auth_token}"}
    async with aiohttp.ClientSession() as http:
        for _ in range(40):  # the record is stored once the session has wound down
            async with http.get(f"{base_url}/calls/{call_sid}", headers=headers) as resp:
                if resp.status == 200:
                    data: dict[str, Any] = await resp.json()
                    return data
            await asyncio.sleep(0.1)
    return None


async def place_call(
    base_url: str,
    auth_token: str,
    audio: list[Path],
    *,
    dtmf: list[str] | None = None,
    record: Path | None = None,
    quiet_s: float = 1.5,
) -> dict[str, Any]:
    """Place one call, speak each turn after the bot's previous reply, and report."""
    turns: list[dict[str, Any]] = []
    async with FakeTwilioCall(base_url, auth_token) as call:
        greeting_at = await call.wait_bot_audio(call.stream_started_at, REPLY_TIMEOUT_S)
        await call.wait_bot_quiet(quiet_s)
        for path in audio:
            if call.closed_by_service.is_set():
                break
            voiced_at = await call.speak(load_wav(path))
            first = await call.wait_bot_audio(voiced_at, REPLY_TIMEOUT_S)
            await call.wait_bot_quiet(quiet_s)
            turns.append(
                {
                    "audio": str(path),
                    "voice_to_voice_ms": None
                    if first is None
                    else round((first - voiced_at) * 1000),
                }
            )
        for digit in dtmf or []:
            if call.closed_by_service.is_set():
                break
            await call.dtmf(digit)
            await call.wait_bot_audio(time.monotonic(), REPLY_TIMEOUT_S)
            await call.wait_bot_quiet(quiet_s)
        ended_by = "bot" if call.closed_by_service.is_set() else "caller"
        await call.hangup()
    heard = ulaw_decode(bytes(call.playback.heard))
    if record is not None:
        with wave.open(str(record), "wb") as wav:
            wav.setnchannels(1)
            wav.setsampwidth(2)
            wav.setframerate(TELEPHONY_RATE)
            wav.writeframes(heard.tobytes())
    server = await fetch_record(base_url, auth_token, call.call_sid) or {}
    server_turns = server.get("turns", [])
    for i, turn in enumerate(turns):
        st = server_turns[i] if i < len(server_turns) else {}
        turn["heard"] = st.get("heard")
        turn["bot"] = " ".join(st.get("bot", []))
        turn["latency_ms"] = {
            "voice_to_voice": turn.pop("voice_to_voice_ms"),
            "endpoint": st.get("endpoint_ms"),
            "asr": st.get("asr_ms"),
            "llm_first_token": st.get("llm_first_token_ms"),
            "tts_first_audio": st.get("tts_first_audio_ms"),
        }
    return {
        "call_sid": call.call_sid,
        "greeting_ms": None
        if greeting_at is None
        else round((greeting_at - call.stream_started_at) * 1000),
        "turns": turns,
        "ended_by": server.get("ended_by") if ended_by == "bot" else "caller",
        "end_reason": server.get("end_reason"),
        "barge_ins": server.get("barge_ins"),
        "bot_audio_s": round(len(heard) / TELEPHONY_RATE, 2),
        "protocol_violations": call.protocol_violations,
    }


async def simulate(
    settings: Settings,
    audio: list[Path],
    *,
    dtmf: list[str] | None = None,
    record: Path | None = None,
    url: str | None = None,
    services: Services | None = None,
) -> dict[str, Any]:
    """Simulate a call against `url`, or against the real service started in-process."""
    from voicebot.service import build_services, running_service, with_auth_token

    token = settings.twilio.auth_token.get_secret_value()
    async with AsyncExitStack() as stack:
        if url is None:
            if services is None:
                services = await build_services(with_auth_token(settings))
            url = await stack.enter_async_context(running_service(services))
            token = services.settings.twilio.auth_token.get_secret_value()
        return await place_call(url, token, audio, dtmf=dtmf, record=record)
    raise AssertionError("unreachable")
