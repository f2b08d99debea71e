"""Simulated callers' voices for `voicebot simulate`, the benchmarks and the tests.

Callers speak with Kokoro's Spanish voices and Pico, as people sound on a phone line; one
robotic espeak-ng voice stays as a clearly labelled robustness case. Recorded real speech
(`telephony.fake_twilio.real_digits_wav`) stays in the ASR evaluation.
"""

from __future__ import annotations

import threading
import wave
from pathlib import Path

import numpy as np

from voicebot.tts.text import speech_text
from voicebot.tts.voices import EspeakVoice, KokoroVoice, PicoVoice, Voice

# The voices simulated callers speak with: Kokoro's Spanish voices and Pico (neural or clear
# voices, as people sound), and one robotic espeak-ng voice kept as a robustness case only.
CALLER_VOICES = ("kokoro:em_alex", "kokoro:em_santa", "pico", "kokoro:ef_dora")
ROBOTIC_CALLER = "espeak:es-419+m3"  # robustness case: a robotic, accented voice
ENGLISH_CALLER = "pico:en-US"  # a caller who speaks English (a Spanish voice reading English
# sounds like no English speaker, and Whisper hears Spanish in it)
_caller_voices: dict[str, Voice] = {}
_caller_lock = threading.Lock()


def caller_voice(name: str) -> Voice:
    """A caller voice by name (`kokoro:<voice>`, `pico`, `espeak:<voice>`), loaded once."""
    with _caller_lock:
        if name not in _caller_voices:
            kind, _, variant = name.partition(":")
            if kind == "kokoro":
                from voicebot.models import DEFAULT_MODELS_DIR

                voice: Voice = KokoroVoice(DEFAULT_MODELS_DIR / "kokoro", variant, speed=0.95)
            elif kind == "pico":
                voice = PicoVoice(language=variant or "es-ES")
            elif kind == "espeak":
                voice = EspeakVoice(variant or "es-419", wpm=125)
            else:
                raise ValueError(f"unknown caller voice {name!r}")
            _caller_voices[name] = voice
        return _caller_voices[name]


def synthesize_caller(text: str, path: Path, voice: str = CALLER_VOICES[0]) -> Path:
    """A simulated Spanish caller turn as a WAV file (the voice's own rate; the fake Twilio
    sends it through the phone codec), with the Colombian text preparation every voice uses
    and 150 ms of silence around it as a phone line has."""
    engine = caller_voice(voice)
    pcm = engine.render(speech_text(text))
    pad = np.zeros(int(0.15 * engine.rate), dtype=np.int16)
    with wave.open(str(path), "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(engine.rate)
        wav.writeframes(np.concatenate([pad, pcm, pad]).tobytes())
    return path
