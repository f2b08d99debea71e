"""Speech recognition: the `Transcriber` contract and its faster-whisper implementation."""

from __future__ import annotations

import asyncio
import hashlib
import math
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np

from voicebot.audio.codec import ASR_RATE, TELEPHONY_RATE, Pcm, pcm_to_float, resample
from voicebot.config import AsrSettings
from voicebot.text import normalize


@dataclass(frozen=True, slots=True)
class Transcript:
    text: str
    audio_s: float
    seconds: float  # compute time
    dropped: tuple[str, ...] = ()  # segments rejected as hallucinations
    language: str = "es"  # "en" when the caller was heard speaking English


class Transcriber(Protocol):
    """Turns one caller utterance (PCM16 8 kHz) into Spanish text; with `detect_language`,
    English speech is transcribed as English (forced to Spanish, Whisper translates it)."""

    async def transcribe(self, pcm: Pcm, detect_language: bool = False) -> Transcript: ...


WHISPER_WINDOW_S = 30  # what Whisper's encoder was trained on
MAX_TOKENS_PER_S = 8  # Spanish speech is ~5 Whisper tokens/s; more in a short window is a loop
LOOP_COMPRESSION = 2.4  # zlib ratio of text that repeats itself (Whisper's own threshold)
MEL_FRAMES_PER_S = 100


def is_hallucination(
    text: str,
    no_speech_prob: float,
    avg_logprob: float,
    compression_ratio: float,
    known: frozenset[str],
    no_speech_threshold: float,
) -> bool:
    """Whisper's known failure modes over silence/noise: filler credits, loops, low confidence."""
    norm = normalize(text)
    if not norm or norm in known:
        return True
    if no_speech_prob > no_speech_threshold and avg_logprob < -0.7:
        return True
    return compression_ratio > LOOP_COMPRESSION  # repeated phrases


def encoder_window_s(audio_s: float, window_s: float, margin_s: float) -> int | None:
    """Seconds of encoder input for a turn of `audio_s`, or None for Whisper's full window.

    The turn plus `margin_s` of silence (without it the decoder does not see the end and
    repeats itself), at least `window_s`, in whole seconds (MEL_FRAMES_PER_S frames each).
    """
    if not window_s:
        return None
    seconds = math.ceil(max(window_s, audio_s + margin_s))
    return seconds if seconds < WHISPER_WINDOW_S else None


class _WindowedWhisper:
    """faster-whisper with the encoder input cut to this thread's window (None: all of it).

    faster-whisper always pads the mel features to 30 s; CTranslate2's encoder accepts fewer
    frames, and its cost is proportional to them (`voicebot bench --asr` prints both windows).
    """

    def __init__(self, model_ref: str, settings: AsrSettings) -> None:
        from faster_whisper import WhisperModel

        local = self._local = threading.local()

        class Model(WhisperModel):  # type: ignore[misc]
            def encode(self, features: np.ndarray) -> Any:
                frames = getattr(local, "frames", None)
                if frames is not None:
                    features = np.ascontiguousarray(features[..., :frames])
                # The language check and the transcription of one turn encode the same
                # features: the second pass reuses the first's output.
                key = hashlib.blake2b(features.tobytes(), digest_size=16).digest()
                last = getattr(local, "encoded", None)
                if last is not None and last[0] == key:
                    return last[1]
                encoded = super().encode(features)
                local.encoded = (key, encoded) if getattr(local, "keep", False) else None
                return encoded

        self.model = Model(
            model_ref,
            device="cpu",
            compute_type=settings.compute_type,
            cpu_threads=settings.cpu_threads,
            num_workers=settings.workers,
        )

    def transcribe(self, audio: np.ndarray, window_s: int | None, **options: Any) -> list[Any]:
        """Segments of `audio` (16 kHz float) encoded in a `window_s` window."""
        self._local.frames = None if window_s is None else window_s * MEL_FRAMES_PER_S
        try:
            if window_s is not None:
                audio = _padded(audio, window_s)
                options["max_new_tokens"] = int(MAX_TOKENS_PER_S * window_s) + 10
            segments, _info = self.model.transcribe(audio, **options)
            return list(segments)
        finally:
            self._local.frames = None

    def language(self, audio: np.ndarray, window_s: int | None) -> tuple[str, float]:
        """Whisper's language for `audio` and its probability. The encoder's output is kept
        for this thread's next `transcribe` of the same audio (`forget` drops it)."""
        self._local.frames = None if window_s is None else window_s * MEL_FRAMES_PER_S
        self._local.keep = True
        try:
            padded = audio if window_s is None else _padded(audio, window_s)
            language, probability, _all = self.model.detect_language(padded)
            return language, probability
        finally:
            self._local.frames = None
            self._local.keep = False

    def forget(self) -> None:
        """Drop the kept encoder output (a turn's transcription is done)."""
        self._local.encoded = None


def _padded(audio: np.ndarray, window_s: int) -> np.ndarray:
    pad = np.zeros(max(0, int((window_s + 0.1) * ASR_RATE) - len(audio)), dtype=audio.dtype)
    return np.concatenate([audio, pad])  # real silence, as in Whisper's training


class WhisperTranscriber:
    """faster-whisper, int8 on the CPU, `asr.workers` passes at a time shared by all calls."""

    def __init__(self, model_ref: str, settings: AsrSettings) -> None:
        self._settings = settings
        self._whisper = _WindowedWhisper(model_ref, settings)
        self._executor = ThreadPoolExecutor(max_workers=settings.workers, thread_name_prefix="asr")
        self._known = frozenset(normalize(h) for h in settings.hallucinations)

    def _run(self, pcm: Pcm, detect_language: bool) -> Transcript:
        start = time.perf_counter()
        audio = pcm_to_float(resample(pcm, TELEPHONY_RATE, ASR_RATE))
        cfg = self._settings
        window = encoder_window_s(len(audio) / ASR_RATE, cfg.window_s, cfg.window_margin_s)
        language = "es"
        if detect_language and cfg.english_threshold < 1:
            heard, probability = self._whisper.language(audio, window)
            if heard == "en" and probability >= cfg.english_threshold:
                language = "en"
        options: dict[str, Any] = dict(
            language=language,
            beam_size=self._settings.beam_size,
            condition_on_previous_text=False,
            without_timestamps=True,
            vad_filter=False,  # our own VAD already cut the utterance
            temperature=0.0,
            hotwords=self._settings.hotwords or None,
        )
        try:
            segments = self._whisper.transcribe(audio, window, **options)
        finally:
            self._whisper.forget()
        if window is not None and any(s.compression_ratio > LOOP_COMPRESSION for s in segments):
            segments = self._whisper.transcribe(audio, None, **options)  # looped: full window
        kept: list[str] = []
        dropped: list[str] = []
        for seg in segments:
            bad = is_hallucination(
                seg.text,
                seg.no_speech_prob,
                seg.avg_logprob,
                seg.compression_ratio,
                self._known,
                self._settings.no_speech_threshold,
            )
            (dropped if bad else kept).append(seg.text.strip())
        return Transcript(
            text=" ".join(kept).strip(),
            audio_s=len(pcm) / TELEPHONY_RATE,
            seconds=time.perf_counter() - start,
            dropped=tuple(dropped),
            language=language,
        )

    async def transcribe(self, pcm: Pcm, detect_language: bool = False) -> Transcript:
        loop = asyncio.get_running_loop()
        audio = np.asarray(pcm, dtype=np.int16)
        return await asyncio.wait_for(
            loop.run_in_executor(self._executor, self._run, audio, detect_language),
            self._settings.timeout_s,
        )
