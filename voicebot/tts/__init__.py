"""Speech synthesis: the `Synthesizer` contract, espeak-ng and Piper, Colombian text prep."""

from __future__ import annotations

import asyncio
import io
import re
import wave
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Protocol

import numpy as np
from num2words import num2words

from voicebot.audio.codec import TELEPHONY_RATE, Pcm, float_to_pcm, resample
from voicebot.config import TtsSettings


class Synthesizer(Protocol):
    """Spanish text -> PCM16 at 8 kHz, ready for the phone line."""

    async def synthesize(self, text: str) -> Pcm: ...


_PRICE = re.compile(r"\$\s?(\d{1,3}(?:\.\d{3})+|\d+)(?!\d)")
_LONG_NUMBER = re.compile(r"\b\d{5,}\b")
_DIGIT_WORDS = ["cero", "uno", "dos", "tres", "cuatro", "cinco", "seis", "siete", "ocho", "nueve"]


def _digits(number: str) -> str:
    # Long numbers (orders, phones) are read digit by digit in groups, as Colombians dictate.
    groups = [number[i : i + 3] for i in range(0, len(number), 3)]
    if len(groups) > 1 and len(groups[-1]) == 1:  # 300 123 4567, not 300 123 456 7
        groups[-2:] = [groups[-2] + groups[-1]]
    return ", ".join(" ".join(_DIGIT_WORDS[int(d)] for d in g) for g in groups)


def speech_text(text: str) -> str:
    """Prepare text for Colombian speech: `$45.900` is pesos, long numbers digit by digit."""

    def price(m: re.Match[str]) -> str:
        value = int(m.group(1).replace(".", ""))
        return f"{num2words(value, lang='es')} pesos"

    text = _PRICE.sub(price, text)
    text = _LONG_NUMBER.sub(lambda m: _digits(m.group(0)), text)
    return text.replace("*", "").replace("#", "").strip()


def _wav_to_pcm(data: bytes) -> tuple[Pcm, int]:
    with wave.open(io.BytesIO(data)) as wav:
        rate = wav.getframerate()
        frames = wav.readframes(wav.getnframes())
    return np.frombuffer(frames, dtype=np.int16), rate


class EspeakSynthesizer:
    """Debian's espeak-ng in a subprocess: Spanish (es-419), robotic but fast (~7 ms)."""

    def __init__(self, settings: TtsSettings) -> None:
        self._settings = settings

    async def synthesize(self, text: str) -> Pcm:
        proc = await asyncio.create_subprocess_exec(
            "espeak-ng",
            "-v",
            self._settings.espeak_voice,
            "-s",
            str(self._settings.speaking_rate_wpm),
            "-a",
            str(int(100 * self._settings.volume)),  # espeak-ng: 100 is its default level
            "--stdout",
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        try:
            out, err = await asyncio.wait_for(
                proc.communicate(speech_text(text).encode("utf-8")), self._settings.timeout_s
            )
        except BaseException:
            if proc.returncode is None:
                proc.kill()
            raise
        if proc.returncode != 0:
            raise RuntimeError(f"espeak-ng failed ({proc.returncode}): {err.decode()[:200]}")
        pcm, rate = _wav_to_pcm(out)
        return resample(pcm, rate, TELEPHONY_RATE)


class PiperSynthesizer:
    """piper-tts with any voice `.onnx`; one worker thread shared by all calls."""

    def __init__(self, voice_path: Path, settings: TtsSettings) -> None:
        from piper import PiperVoice, SynthesisConfig

        self._settings = settings
        self._voice = PiperVoice.load(str(voice_path))
        if settings.piper_espeak_voice:
            # Piper phonemizes with espeak-ng: a voice can read another language's phonemes.
            self._voice.config.espeak_voice = settings.piper_espeak_voice
        rate_scale = 165 / settings.speaking_rate_wpm
        self._syn_config = SynthesisConfig(
            volume=settings.volume, normalize_audio=False, length_scale=rate_scale
        )
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="tts")

    def _run(self, text: str) -> Pcm:
        chunks = [
            c.audio_float_array for c in self._voice.synthesize(text, syn_config=self._syn_config)
        ]
        if not chunks:
            return np.zeros(0, dtype=np.int16)
        pcm = float_to_pcm(np.concatenate(chunks))
        return resample(pcm, self._voice.config.sample_rate, TELEPHONY_RATE)

    async def synthesize(self, text: str) -> Pcm:
        loop = asyncio.get_running_loop()
        return await asyncio.wait_for(
            loop.run_in_executor(self._executor, self._run, speech_text(text)),
            self._settings.timeout_s,
        )
