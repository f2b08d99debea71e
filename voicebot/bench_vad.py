"""`voicebot bench --vad`: webrtcvad against Silero VAD v6 on phone audio (issue 19).

Each detector feeds the service's own turn detector (`audio.*` settings) frame by frame, as
a call does, on scenes made of real or neural audio through the phone codec (8 kHz mu-law):

- speech onset: caller turns (the held-out suite's first turns, spoken by the caller voices,
  and the Colombian Spanish prompts Debian's `asterisk-prompt-es-co` recorded) after one
  second of line noise, and the same turns over music: the delay from the first frame with
  speech energy to `SpeechStarted`, and the turns missed;
- false onsets: music on hold played near the phone (Debian's `asterisk-moh-opsound-wav`,
  real recordings), and a line with beeps: `SpeechStarted` per minute (the bot pauses for
  each) and turns per minute (each is transcribed and may be answered).

Both figures matter for barge-in: an onset that comes late lets the bot talk over the caller;
a false onset makes it pause (or stop) for nothing.
"""

from __future__ import annotations

import asyncio
import statistics
import subprocess
import time
import wave
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np

from voicebot.audio.codec import FRAME_MS, TELEPHONY_RATE, Pcm, resample, ulaw_decode, ulaw_encode
from voicebot.audio.turns import SpeechStarted, TurnDetector, TurnEnded
from voicebot.audio.vad import SileroVad, WebRtcVad
from voicebot.call.listening import SpeechDetector
from voicebot.config import Settings

FRAME = TELEPHONY_RATE * FRAME_MS // 1000
PROMPTS = Path("/usr/share/asterisk/sounds/es")  # asterisk-prompt-es-co: recorded, Colombian
MUSIC = Path("/usr/share/asterisk/moh")  # asterisk-moh-opsound-wav: recorded music, 8 kHz
ONSET_DBFS = -35.0  # a frame this loud in the clean clip is speech: the true onset
LINE_NOISE_DBFS = -60.0  # a quiet phone line's hiss
MUSIC_DBFS = -30.0  # a radio in the room, well under the caller's voice (~-20 dBFS)
SEED = 11
STARTUP_FRAMES = 5  # a detector's first 100 ms on a stream


@dataclass(frozen=True, slots=True)
class Detector:
    name: str
    kind: Literal["webrtc", "silero"]  # as `audio.vad`: the turn timing it gets in the service
    make: Callable[[], SpeechDetector]


def _phone(pcm: Pcm, rate: int) -> Pcm:
    """Audio as Twilio delivers it: 8 kHz, through mu-law and back."""
    return ulaw_decode(ulaw_encode(resample(pcm, rate, TELEPHONY_RATE)))


def _read_wav(path: Path) -> tuple[Pcm, int]:
    with wave.open(str(path)) as w:
        return np.frombuffer(w.readframes(w.getnframes()), dtype=np.int16), w.getframerate()


def _read_any(path: Path) -> Pcm:
    """A GSM or WAV file as 8 kHz PCM16 (sox converts)."""
    raw = subprocess.run(
        ["sox", str(path), "-t", "raw", "-r", "8000", "-e", "signed", "-b", "16", "-c", "1", "-"],
        check=True, capture_output=True, timeout=60,
    ).stdout  # fmt: skip
    return np.frombuffer(raw, dtype=np.int16)


def _at_level(pcm: Pcm | np.ndarray, dbfs: float) -> np.ndarray:
    x = pcm.astype(np.float64)
    rms = float(np.sqrt(np.mean(x**2))) or 1.0
    return x * (32768 * 10 ** (dbfs / 20) / rms)


def _line_noise(n: int, rng: np.random.Generator) -> np.ndarray:
    return rng.normal(0, 32768 * 10 ** (LINE_NOISE_DBFS / 20), n)


def _to_pcm(x: np.ndarray) -> Pcm:
    return ulaw_decode(ulaw_encode(np.clip(x, -32768, 32767).astype(np.int16)))


def _frames(pcm: Pcm) -> Iterator[bytes]:
    for i in range(0, len(pcm) - FRAME + 1, FRAME):
        yield pcm[i : i + FRAME].tobytes()


def _true_onset(clip: Pcm) -> int | None:
    """The first frame of the clean clip with speech energy: above `ONSET_DBFS` and 3 dB
    above the clip's own lead-in (the recorded prompts open on room tone, not silence)."""
    levels = []
    for frame in _frames(clip):
        x = np.frombuffer(frame, dtype=np.int16).astype(np.float64)
        levels.append(20 * np.log10(np.sqrt(np.mean(x**2)) / 32768 + 1e-9))
    floor = float(np.median(levels[:3])) if levels else -120.0
    return next((n for n, db in enumerate(levels) if db >= max(ONSET_DBFS, floor + 3)), None)


def _run(det: Detector, settings: Settings, pcm: Pcm) -> tuple[list[int], int, float]:
    """Frames at which speech started, turns ended, and CPU seconds spent in the detector."""
    detector = det.make()
    turns = TurnDetector.from_settings(settings.audio.model_copy(update={"vad": det.kind}))
    starts: list[int] = []
    ended = 0
    cpu = 0.0
    for n, frame in enumerate(_frames(pcm)):
        t = time.thread_time()
        voiced = detector.is_speech(frame)
        cpu += time.thread_time() - t
        event = turns.feed(frame, voiced)
        if isinstance(event, SpeechStarted):
            starts.append(n)
        elif isinstance(event, TurnEnded):
            ended += 1
    return starts, ended, cpu


def _speech_clips(settings: Settings, limit: int) -> list[tuple[str, Pcm]]:
    """Caller turns through the phone codec: neural caller voices, then recorded prompts."""
    from voicebot.bench_conversations import cache_dir, load_scenarios, render_clips

    scenarios = load_scenarios()
    picked = scenarios[:: max(1, len(scenarios) // limit)][:limit]
    indexes = [scenarios.index(s) for s in picked]
    clips = render_clips(picked, cache_dir(), indexes)
    out: list[tuple[str, Pcm]] = []
    for s in picked:
        pcm, rate = _read_wav(clips[s.id][0])
        out.append(("neural", _phone(pcm, rate)))
    if PROMPTS.is_dir():
        prompts = sorted(PROMPTS.glob("*.gsm"), key=lambda p: p.stat().st_size)[-limit:]
        out += [("recorded", _to_pcm(_read_any(p).astype(np.float64))) for p in prompts]
    return out


def _music(seconds: float) -> list[Pcm]:
    files = sorted(MUSIC.glob("*.wav")) if MUSIC.is_dir() else []
    out = []
    for path in files:
        pcm, rate = _read_wav(path)
        pcm = resample(pcm, rate, TELEPHONY_RATE)[int(30 * TELEPHONY_RATE) :]  # past the intro
        out.append(pcm[: int(seconds * TELEPHONY_RATE)])
    return out


def measure(
    settings: Settings, detectors: list[Detector], limit: int = 24
) -> dict[str, dict[str, Any]]:
    """Every detector on the same scenes (blocking: run it in a worker thread)."""
    rng = np.random.default_rng(SEED)
    clips = _speech_clips(settings, limit)
    music = _music(60)
    lead = TELEPHONY_RATE  # one second before the caller speaks
    scenes: list[tuple[str, np.ndarray, int | None]] = []
    for kind, clip in clips:
        onset = _true_onset(clip)
        if onset is None:
            continue
        body = np.concatenate([np.zeros(lead), clip.astype(np.float64), np.zeros(lead)])
        noisy = body + _line_noise(len(body), rng)
        scenes.append((f"{kind} speech, line noise", noisy, lead // FRAME + onset))
        if music:
            bed = music[len(scenes) % len(music)]
            under = _at_level(np.resize(bed, len(body)), MUSIC_DBFS)
            scenes.append((f"{kind} speech over music", body + under, lead // FRAME + onset))
    for bed in music:
        scenes.append(("music alone", _at_level(bed, MUSIC_DBFS), None))
    beep = _read_any(PROMPTS / "beep.gsm").astype(np.float64) if PROMPTS.is_dir() else None
    if beep is not None:
        line = _line_noise(60 * TELEPHONY_RATE, rng)
        for at in range(TELEPHONY_RATE, len(line) - len(beep), 3 * TELEPHONY_RATE):
            line[at : at + len(beep)] += beep
        scenes.append(("beeps on the line", line, None))

    results: dict[str, dict[str, Any]] = {}
    for det in detectors:
        rows: dict[str, dict[str, Any]] = {}
        cpu_s = audio_s = 0.0
        for name, audio, onset in scenes:
            starts, ended, cpu = _run(det, settings, _to_pcm(audio))
            cpu_s += cpu
            audio_s += len(audio) / TELEPHONY_RATE
            row = rows.setdefault(
                name,
                {
                    "delays": [],
                    "missed": 0,
                    "early": 0,
                    "startup": 0,
                    "starts": 0,
                    "turns": 0,
                    "s": 0.0,
                },
            )
            row["s"] += len(audio) / TELEPHONY_RATE
            if onset is None:
                row["starts"] += len(starts)
                row["turns"] += ended
                continue
            # a start well before the speech is a false onset (in the stream's first 100 ms:
            # at start-up, counted apart); the first one near the speech is its onset
            early = [s for s in starts if s < onset - 5]
            near = [s for s in starts if s >= onset - 5]
            row["startup"] += sum(s < STARTUP_FRAMES for s in early)
            row["early"] += sum(s >= STARTUP_FRAMES for s in early)
            if near:
                row["delays"].append((near[0] - onset) * FRAME_MS)
            else:
                row["missed"] += 1
        results[det.name] = {"rows": rows, "cpu_ms_per_s": 1000 * cpu_s / max(audio_s, 1e-9)}
    return results


def _print(results: dict[str, dict[str, Any]]) -> None:
    print("\nvoicebot bench --vad  (the service's turn detector on 8 kHz mu-law; one run)")
    for name, r in results.items():
        print(f"\n  {name}: detector CPU {r['cpu_ms_per_s']:.2f} ms per second of audio")
        for scene, row in r["rows"].items():
            if row["delays"] or row["missed"]:
                d = row["delays"] or [0]
                n = len(row["delays"]) + row["missed"]
                print(
                    f"    {scene:32s} onset p50 {statistics.median(d):4.0f} ms"
                    f"  p95 {float(np.percentile(d, 95)):4.0f} ms  no onset {row['missed']}/{n}"
                    f"  false onsets before it {row['early']} (+{row['startup']} at start-up)"
                )
            else:
                minutes = row["s"] / 60
                print(
                    f"    {scene:32s} false onsets {row['starts'] / minutes:5.1f}/min"
                    f"  false turns {row['turns'] / minutes:5.1f}/min  ({minutes:.1f} min)"
                )


async def run_vad_bench(settings: Settings) -> int:
    """Print webrtcvad (aggressiveness 2 and 3) and Silero (0.5) side by side."""
    silero = settings.model_ref(settings.audio.silero_model)
    detectors = [
        Detector("webrtcvad aggressiveness 2", "webrtc", lambda: WebRtcVad(2)),
        Detector("webrtcvad aggressiveness 3", "webrtc", lambda: WebRtcVad(3)),
        Detector("silero v6 threshold 0.5", "silero", lambda: SileroVad(silero, 0.5)),
    ]
    results = await asyncio.to_thread(measure, settings, detectors)
    _print(results)
    return 0
