"""`voicebot bench --barge-in`: how fast the bot stops when the caller talks over it, and what a
backchannel costs, measured from outside by the fake Twilio on the real service.

Two cases, each spoken over the bot's greeting by a neural caller voice through the phone
codec: a real interruption (a request) and a backchannel ("sí", "ajá"). For each: the time
from the caller's first voiced frame to the `clear` Twilio receives (the bot's audio stops);
for the interruption, whether the reply was cancelled and the request answered; for the
backchannel, whether the bot went on and the interrupted sentence was heard in full, and how
long the pause lasted.
"""

from __future__ import annotations

import asyncio
import tempfile
import time
from pathlib import Path
from typing import Any

from voicebot.config import Settings
from voicebot.metrics.kpi import percentile
from voicebot.simulate import fetch_record
from voicebot.telephony.fake_twilio import FakeTwilioCall, load_wav
from voicebot.tts.callers import synthesize_caller

INTERRUPTIONS = [
    ("Espere, espere, quiero preguntar por mi pedido.", "kokoro:em_alex"),
    ("Perdón, necesito saber el horario de hoy.", "kokoro:ef_dora"),
    ("No, mire, lo que quiero es cambiar una talla.", "kokoro:em_santa"),
]
BACKCHANNELS = [("Sí.", "pico"), ("Ajá.", "kokoro:em_santa"), ("Claro.", "kokoro:ef_dora")]
INTO_GREETING_S = 1.0  # the caller talks over the greeting this long after it starts
QUIET_S = 4.0  # the call is over when the bot has said nothing for this long (answers included)


async def run_barge_in_bench(settings: Settings, rounds: int = 1) -> int:
    """Speak each case `rounds` times over the greeting of a fresh call; print the figures."""
    from voicebot.service import build_services, running_service, with_auth_token

    # Synthetic callers: their words are kept (to check what was heard) without the consent
    # question, which would otherwise be the first thing they talk over.
    governance = settings.governance.model_copy(
        update={"ask_consent": False, "legal_basis": "bench: synthetic callers"}
    )
    settings = settings.model_copy(update={"governance": governance})
    services = await build_services(with_auth_token(settings))
    token = services.settings.twilio.auth_token.get_secret_value()
    greeting = services.settings.phrase("greeting")
    rows: dict[str, list[dict[str, Any]]] = {"interruption": [], "backchannel": []}
    with tempfile.TemporaryDirectory() as tmp:
        clips = {
            kind: [
                synthesize_caller(text, Path(tmp) / f"{kind}{i}.wav", voice)
                for i, (text, voice) in enumerate(cases)
            ]
            for kind, cases in (("interruption", INTERRUPTIONS), ("backchannel", BACKCHANNELS))
        }
        async with running_service(services) as url:
            for _ in range(rounds):
                for kind, paths in clips.items():
                    for path in paths:
                        row = await _one(url, token, path, greeting, kind)
                        rows[kind].append(row)
    await services.close()
    _print(rows, services.settings.audio.pause_on_speech)
    return 0


async def _one(url: str, token: str, clip: Path, greeting: str, kind: str) -> dict[str, Any]:
    pcm = load_wav(clip)
    async with FakeTwilioCall(url, token) as call:
        started = await call.wait_bot_audio(call.stream_started_at, 30)
        if started is None:
            return {"ok": False, "why": "no greeting"}
        await asyncio.sleep(max(0.0, started + INTO_GREETING_S - time.monotonic()))
        await call.speak(pcm)
        onset = call.speech_onset
        await call.wait_bot_quiet(QUIET_S, limit_s=40)
    record = await fetch_record(url, token, call.call_sid)
    clears = [c for c in call.playback.clears if c >= onset - 0.1]
    row: dict[str, Any] = {
        "stop_ms": round((clears[0] - onset) * 1000) if clears else None,
        "ok": False,
    }
    if record is None:
        return row | {"why": "no record"}
    heard = [t["text"] for t in record["transcript"] if t["role"] == "bot"]
    if kind == "interruption":
        answered = bool(record["turns"]) and bool(record["turns"][0]["bot"])
        row["ok"] = record["barge_ins"] >= 1 and answered and greeting not in heard
        row["why"] = "" if row["ok"] else f"barge_ins={record['barge_ins']} answered={answered}"
    else:
        after = [m for m in call.playback.media_times if clears and m > clears[0]]
        row["pause_ms"] = round((after[0] - clears[0]) * 1000) if after else None
        row["ok"] = record["barge_ins"] == 0 and bool(heard) and heard[0] == greeting
        caller = [t["heard"] for t in record["turns"]]
        row["why"] = (
            ""
            if row["ok"]
            else (f"barge_ins={record['barge_ins']} caller={caller} bot={heard[:1]}")
        )
    return row


def _print(rows: dict[str, list[dict[str, Any]]], pausing: bool) -> None:
    print(f"barge-in bench (audio.pause_on_speech={pausing}), caller over the greeting")
    print(f"{'case':<14}{'n':>3}{'ok':>4}{'stop p50':>10}{'stop max':>10}{'pause p50':>11}")
    for kind, found in rows.items():
        stops = [float(r["stop_ms"]) for r in found if r.get("stop_ms") is not None]
        pauses = [float(r["pause_ms"]) for r in found if r.get("pause_ms") is not None]
        ok = sum(bool(r["ok"]) for r in found)
        p50 = f"{percentile(stops, 50):.0f}" if stops else "-"
        top = f"{max(stops):.0f}" if stops else "-"
        pause = f"{percentile(pauses, 50):.0f}" if pauses else "-"
        print(f"{kind:<14}{len(found):>3}{ok:>4}{p50:>10}{top:>10}{pause:>11}")
        for r in found:
            if not r["ok"]:
                print(f"  failed: {r.get('why', '')}")
    print("stop: caller's first voiced frame -> `clear` (ms); pause: `clear` -> audio again")
