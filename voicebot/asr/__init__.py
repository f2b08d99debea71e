"""Speech recognition: the `Transcriber` contract and its faster-whisper implementation."""

from __future__ import annotations

import asyncio
import re
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from voicebot.audio.codec import ASR_RATE, TELEPHONY_RATE, Pcm, pcm_to_float, resample
from voicebot.config import AsrSettings


@dataclass(frozen=True, slots=True)
class Transcript:
    text: str
    audio_s: float
    seconds: float  # compute time
    dropped: tuple[str, ...] = ()  # segments rejected as hallucinations


class Transcriber(Protocol):
    """Turns one caller utterance (PCM16 8 kHz) into Spanish text."""

    async def transcribe(self, pcm: Pcm) -> Transcript: ...


_PUNCT = re.compile(r"[^\w\s]", re.UNICODE)


def normalize(text: str) -> str:
    """Lower-case, no punctuation, single spaces: for comparing phrases."""
    return " ".join(_PUNCT.sub(" ", text.lower()).split())


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
    return compression_ratio > 2.4  # repeated phrases


class WhisperTranscriber:
    """faster-whisper, int8 on the CPU, `asr.workers` passes at a time shared by all calls."""

    def __init__(self, model_ref: str, settings: AsrSettings) -> None:
        from faster_whisper import WhisperModel

        self._settings = settings
        self._model = WhisperModel(
            model_ref,
            device="cpu",
            compute_type=settings.compute_type,
            cpu_threads=settings.cpu_threads,
            num_workers=settings.workers,
        )
        self._executor = ThreadPoolExecutor(max_workers=settings.workers, thread_name_prefix="asr")
        self._known = frozenset(normalize(h) for h in settings.hallucinations)

    def _run(self, pcm: Pcm) -> Transcript:
        start = time.perf_counter()
        audio = pcm_to_float(resample(pcm, TELEPHONY_RATE, ASR_RATE))
        segments, _info = self._model.transcribe(
            audio,
            language="es",
            beam_size=self._settings.beam_size,
            condition_on_previous_text=False,
            without_timestamps=True,
            vad_filter=False,  # our own VAD already cut the utterance
            temperature=0.0,
            hotwords=self._settings.hotwords or None,
        )
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
        )

    async def transcribe(self, pcm: Pcm) -> Transcript:
        loop = asyncio.get_running_loop()
        return await asyncio.wait_for(
            loop.run_in_executor(self._executor, self._run, np.asarray(pcm, dtype=np.int16)),
            self._settings.timeout_s,
        )
