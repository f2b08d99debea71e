"""Speech synthesis: the `Synthesizer` contract and its one implementation, a chain of voices.

The chain says every reply with the first voice that can do it in time:

- fixed phrases, FAQ answers and the fixed clauses of the retail templates are rendered once
  with the neural voice at start-up and cached on disk (by text + voice + settings);
- dynamic text is spoken clause by clause (the first clause plays while the next renders);
- when the neural voice's backlog and render would put a reply's first audio later than
  `tts.first_audio_budget_ms` after the reply began (the caller's wait so far counts), that
  reply is said by the next, cheaper voice;
- a voice that fails or times out hands the clause to the next voice in the chain.

Every choice and failure is counted (`VoiceChain.counts`, exported on /metrics).
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import threading
import time
from collections import Counter
from collections.abc import AsyncIterator, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

import numpy as np
import structlog

from voicebot.audio.codec import TELEPHONY_RATE, Pcm, resample
from voicebot.tts.text import clauses, head_and_rest, pronounced, speech_text
from voicebot.tts.voices import Voice, VoiceError

log = structlog.get_logger(__name__)
_PAUSE = {",": 0.12, ";": 0.2, ":": 0.2, ".": 0.3, "?": 0.3, "!": 0.3, "…": 0.3}


def _save(path: Path, pcm: Pcm) -> None:
    # A temporary file of this writer's own, then an atomic rename: a half-written file never
    # looks like a cached render, and processes starting together do not trip on each other.
    tmp = path.with_name(f"{path.stem}.{os.getpid()}.{threading.get_ident()}.tmp.npy")
    try:
        np.save(tmp, pcm)
        tmp.replace(path)
    except OSError as exc:  # a cache that cannot be written costs a render at the next start
        log.warning("tts_cache_not_written", file=str(path), error=repr(exc)[:200])
        tmp.unlink(missing_ok=True)


@dataclass
class ReplyVoice:
    """The voice chosen for one reply (index in the chain) and why, so a reply keeps one
    voice. `started` is when the caller began to wait for it (the reply's start): the first
    audio's budget counts from there, so a reply whose words came late (the model's) leaves
    the neural voice less time than one the store answered at once."""

    index: int | None = None
    reason: str = "default"  # default | budget | fallback
    started: float = field(default_factory=time.perf_counter)


@dataclass(frozen=True, slots=True)
class Spoken:
    """One clause of a reply (as written; "" for the rest of a clause cut in two) and its
    audio (PCM16, 8 kHz)."""

    text: str
    pcm: Pcm
    voice: str


class Synthesizer(Protocol):
    """Spanish text -> PCM16 at 8 kHz, ready for the phone line."""

    async def synthesize(self, text: str) -> Pcm:
        """The whole text at once (fixed phrases)."""
        ...

    def stream(self, text: str, reply: ReplyVoice) -> AsyncIterator[Spoken]:
        """The text clause by clause, each as soon as it is rendered."""
        ...

    async def prerender(self, texts: Iterable[str], *, whole: bool = False) -> int:
        """Render fixed text ahead of the calls that will say it."""
        ...


@dataclass
class _Lane:
    """One voice with its own worker thread and an estimate of the work queued on it."""

    voice: Voice
    executor: ThreadPoolExecutor
    seconds_per_char: float  # render time per character of text, learnt as the voice works
    backlog_s: float = 0.0

    def estimate(self, text: str) -> float:
        return self.seconds_per_char * max(len(text), 8)

    def learn(self, text: str, seconds: float) -> None:
        self.seconds_per_char = 0.8 * self.seconds_per_char + 0.2 * seconds / max(len(text), 8)


@dataclass
class VoiceChain:
    """The voices in order of preference (the first is the default) with their cache."""

    voices: list[Voice]
    budget_s: float  # a reply's first audio may wait this long for the first voice
    timeout_s: float  # one clause on one voice
    cache_dir: Path | None = None
    settings_key: str = ""  # what else changes the audio (speed, gain...): part of cache keys
    pronunciations: dict[str, str] = field(default_factory=dict)  # `tts.pronunciations`
    counts: Counter[tuple[str, str]] = field(default_factory=Counter)
    _lanes: list[_Lane] = field(init=False)
    _fixed: dict[str, Pcm] = field(default_factory=dict, init=False)

    def __post_init__(self) -> None:
        if not self.voices:
            raise ValueError("a voice chain needs at least one voice")
        # A first guess of render cost per character; replaced by measurements within a call.
        self._lanes = [
            _Lane(v, ThreadPoolExecutor(1, thread_name_prefix=f"tts-{v.name}"), 0.01)
            for v in self.voices
        ]
        if self.cache_dir is not None:
            self.cache_dir.mkdir(parents=True, exist_ok=True)

    @property
    def default_voice(self) -> str:
        return self.voices[0].name

    def close(self) -> None:
        for lane in self._lanes:
            lane.executor.shutdown(wait=False, cancel_futures=True)
            if (close := getattr(lane.voice, "close", None)) is not None:
                close()  # a voice with a worker process (Pico)

    # ---- the cache of fixed text ------------------------------------------------------
    def _key(self, voice: Voice, text: str) -> str:
        raw = f"{voice.name}|{self.settings_key}|{text}".encode()
        return hashlib.sha256(raw).hexdigest()[:32]

    async def prerender(self, texts: Iterable[str], *, whole: bool = False) -> int:
        """Render fixed text with the first voice once and keep it (memory, and disk when a
        cache folder is set). Only fixed text comes here (a template's clauses with a
        `{field}` are skipped): nothing a caller said and no customer's data is ever written
        to disk. `whole`: each text as one piece (phrases played whole); otherwise each clause
        (what `stream` asks for). Returns how many pieces were rendered now."""
        lane, rendered = self._lanes[0], 0
        for text in texts:
            pieces = [speech_text(text)] if whole else [said for _, said in clauses(text)]
            for piece in pieces:
                if "{" in piece:
                    continue
                key = self._key(lane.voice, piece)
                if key in self._fixed:
                    continue
                path = self.cache_dir / f"{key}.npy" if self.cache_dir else None
                if path is not None:
                    try:  # a missing or damaged file is rendered again
                        self._fixed[key] = await asyncio.to_thread(np.load, path)
                        continue
                    except (OSError, ValueError):
                        pass
                try:  # no time limit: nobody waits on the line for this
                    pcm = await self._render(lane, piece, None)
                except (VoiceError, OSError, RuntimeError, ValueError) as exc:
                    self.counts[(lane.voice.name, "failed")] += 1
                    log.warning("tts_prerender_failed", text=piece[:60], error=repr(exc)[:200])
                    continue  # said live by the chain when needed
                self._fixed[key] = pcm
                rendered += 1
                if path is not None:
                    await asyncio.to_thread(_save, path, pcm)
        return rendered

    def cached(self, text: str) -> Pcm | None:
        """Pre-rendered audio of fixed, prepared text in the first voice, if any."""
        return self._fixed.get(self._key(self._lanes[0].voice, text))

    # ---- rendering ------------------------------------------------------------------
    async def _render(self, lane: _Lane, text: str, limit_s: float | None) -> Pcm:
        """`text` on `lane`'s worker thread, resampled for the phone line."""
        estimate = lane.estimate(text)
        lane.backlog_s += estimate
        loop = asyncio.get_running_loop()

        said = pronounced(text, self.pronunciations)

        def run() -> tuple[Pcm, float]:
            started = time.perf_counter()
            pcm = lane.voice.render(said)
            return pcm, time.perf_counter() - started

        try:
            pcm, seconds = await asyncio.wait_for(loop.run_in_executor(lane.executor, run), limit_s)
        except TimeoutError:
            lane.learn(text, limit_s or 0.0)  # at least this slow: later budgets know it
            raise
        finally:
            lane.backlog_s -= estimate
        lane.learn(text, seconds)
        return resample(pcm, lane.voice.rate, TELEPHONY_RATE)

    async def _say(self, text: str, reply: ReplyVoice) -> tuple[Pcm, str]:
        """One clause with the reply's voice, or the next voices when it fails."""
        if reply.index is None:
            first = self._lanes[0]
            waited = time.perf_counter() - reply.started
            wait = waited + first.backlog_s + first.estimate(text)
            over = wait > self.budget_s and len(self._lanes) > 1
            reply.index, reply.reason = (1, "budget") if over else (0, "default")
        for index in range(reply.index, len(self._lanes)):
            lane = self._lanes[index]
            try:
                pcm = await self._render(lane, text, self.timeout_s)
            except (VoiceError, TimeoutError, OSError, RuntimeError, ValueError) as exc:
                self.counts[(lane.voice.name, "failed")] += 1
                log.warning("tts_voice_failed", voice=lane.voice.name, error=repr(exc)[:200])
                continue
            if index != reply.index:  # the rest of the reply stays with the voice that works
                reply.index, reply.reason = index, "fallback"
            self.counts[(lane.voice.name, reply.reason)] += 1
            return pcm, lane.voice.name
        raise VoiceError(f"no voice could say {text[:40]!r}")

    async def stream(self, text: str, reply: ReplyVoice) -> AsyncIterator[Spoken]:
        """Prepared clause by clause; fixed clauses come from the cache at once."""
        pieces = clauses(text)
        if pieces and reply.index in (None, 0) and self.cached(pieces[0][1]) is None:
            # A long first clause: its head plays while the rest renders (the head carries
            # the clause's written text, the rest none, so the record keeps it once).
            if cut := head_and_rest(pieces[0][1]):
                pieces[:1] = [(pieces[0][0], cut[0]), ("", cut[1])]
        for written, said in pieces:
            if reply.index in (None, 0) and (pcm := self.cached(said)) is not None:
                self.counts[(self.default_voice, "cached")] += 1
                voice = self.default_voice
            else:
                pcm, voice = await self._say(said, reply)
            # The pause the clause's punctuation asks for, so clauses join as speech does.
            pause = np.zeros(int(_PAUSE.get(said[-1], 0.0) * TELEPHONY_RATE), dtype=np.int16)
            yield Spoken(written, np.concatenate([pcm, pause]), voice)

    async def synthesize(self, text: str) -> Pcm:
        """The whole text: from the cache when it was pre-rendered whole, else clause by
        clause with pauses between them."""
        prepared = speech_text(text)
        if (pcm := self.cached(prepared)) is not None:
            self.counts[(self.default_voice, "cached")] += 1
            return pcm
        parts = [spoken.pcm async for spoken in self.stream(text, ReplyVoice())]
        return np.concatenate(parts) if parts else np.zeros(0, dtype=np.int16)
