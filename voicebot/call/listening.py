"""Turn taking: caller audio in, caller events out.

VAD and the turn detector decide when the caller starts, talks over the bot and ends a turn;
at the first short silence the words so far are transcribed speculatively, and a turn whose
words already sound finished ends early instead of waiting for the full silence.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import Any, Protocol

from voicebot.asr import Transcript
from voicebot.audio.codec import FRAME_SAMPLES, ulaw_decode
from voicebot.audio.turns import SpeechStarted, SustainedSpeech, TurnDetector, TurnEnded
from voicebot.clock import Clock
from voicebot.config import AudioSettings
from voicebot.dialogue.understanding import sounds_finished

Pending = asyncio.Task[Transcript | None]


class SpeechDetector(Protocol):
    """Voice activity on one 20 ms PCM16 8 kHz frame."""

    def is_speech(self, pcm_frame: bytes) -> bool: ...


@dataclass(frozen=True, slots=True)
class CallerStarted:
    """The caller started talking."""


@dataclass(frozen=True, slots=True)
class CallerStopped:
    """What started as speech was too short to be a turn (a click, a cough)."""


@dataclass(frozen=True, slots=True)
class CallerTalksOver:
    """The caller has talked long enough over the bot to be interrupting it."""


@dataclass(frozen=True, slots=True)
class CallerTurn:
    """The caller finished a turn."""

    pcm: bytes
    voiced_at: float  # clock time of the last voiced frame
    endpoint_s: float  # from the last voiced frame to this decision
    sustained: bool  # long enough to be a request, not a backchannel
    transcript: Pending | None  # a speculative pass over exactly these words, if one ran


ListenEvent = CallerStarted | CallerStopped | CallerTalksOver | CallerTurn


class Listener:
    """Feeds Twilio's mu-law audio through VAD and the turn detector."""

    def __init__(
        self,
        cfg: AudioSettings,
        vad: SpeechDetector,
        transcribe: Callable[[bytes], Coroutine[Any, Any, Transcript | None]],
        spawn: Callable[[Coroutine[Any, Any, Transcript | None]], Pending],
        clock: Clock,
    ) -> None:
        self._cfg = cfg
        self._vad = vad
        self._transcribe = transcribe
        self._spawn = spawn
        self._clock = clock
        self._detector = TurnDetector.from_settings(cfg)
        self._partial = b""  # mu-law bytes not yet making a whole 20 ms frame
        self.last_voiced_at = 0.0
        # speculative transcription started at early silence: (voiced ms it covers, task)
        self._speculation: tuple[int, Pending] | None = None

    @property
    def in_speech(self) -> bool:
        return self._detector.in_speech

    def feed(
        self, payload: bytes, bot_speaking: bool, bot_audible: bool | None = None
    ) -> list[ListenEvent]:
        """One media payload; the events it completed, in order. `bot_audible` (default: as
        `bot_speaking`) is false while the bot is paused: the caller's words are then
        transcribed early, as when the bot is silent."""
        audible = bot_speaking if bot_audible is None else bot_audible
        data = self._partial + payload
        whole = len(data) - len(data) % FRAME_SAMPLES
        self._partial = data[whole:]
        events: list[ListenEvent] = []
        for offset in range(0, whole, FRAME_SAMPLES):
            pcm = ulaw_decode(data[offset : offset + FRAME_SAMPLES]).tobytes()
            voiced = self._vad.is_speech(pcm)
            now = self._clock.now()
            if voiced:
                self.last_voiced_at = now
            was_speech = self._detector.in_speech
            self._hold_while_unfinished()
            event = self._detector.feed(pcm, voiced)
            if event is None and self._sounds_finished():
                event = self._detector.end_now()
            self._maybe_speculate(audible)
            if isinstance(event, SpeechStarted):
                self._speculation = None
                events.append(CallerStarted())
            elif isinstance(event, SustainedSpeech) and bot_speaking:
                events.append(CallerTalksOver())
            elif event is None and was_speech and not self._detector.in_speech:
                events.append(CallerStopped())
            elif isinstance(event, TurnEnded):
                events.append(
                    CallerTurn(
                        event.pcm,
                        self.last_voiced_at,
                        now - self.last_voiced_at,
                        event.sustained,
                        self._take_speculation(event),
                    )
                )
        return events

    def _maybe_speculate(self, bot_audible: bool) -> None:
        """At the first short silence, transcribe what the caller said so far: if they stay
        silent until the turn ends, the transcript is ready (or nearly) when it does."""
        wait_ms, det = self._cfg.speculative_asr_ms, self._detector
        if not wait_ms or det.trailing_silence_ms != wait_ms or bot_audible:
            return
        if det.voiced_ms < self._cfg.min_utterance_ms:
            return  # a click, not words: it will not be a turn
        if self._speculation is not None and self._speculation[0] == det.voiced_ms:
            return
        task = self._spawn(self._transcribe(det.utterance_so_far()))
        self._speculation = (det.voiced_ms, task)

    def _current_speculation(self) -> Pending | None:
        """The speculative pass over exactly the words said so far, if one was started."""
        spec, det = self._speculation, self._detector
        if spec is None or not det.in_speech or det.voiced_ms != spec[0]:
            return None
        return spec[1]

    def _sounds_finished(self) -> bool:
        """The speculative transcript is ready, nothing was said since, the silence is long
        enough and the words read as a whole turn: answer now rather than at the full silence."""
        early_ms, task = self._cfg.early_end_silence_ms, self._current_speculation()
        if not early_ms or task is None or not task.done():
            return False
        return self._detector.trailing_silence_ms >= early_ms and sounds_finished(_words(task))

    def _hold_while_unfinished(self) -> None:
        """While the speculative transcript is still being written, or its words trail off (a
        number dictated in groups, "quiero saber..."), keep the turn open up to
        `unfinished_silence_ms` of silence rather than the usual end: the answer waits for that
        transcript anyway, and a caller still dictating is not cut in two."""
        hold_ms, task = self._cfg.unfinished_silence_ms, self._current_speculation()
        if not hold_ms or task is None:
            return
        if not task.done():
            self._detector.hold(hold_ms)
            return
        words = _words(task)
        self._detector.hold(hold_ms if words and not sounds_finished(words) else 0)

    def _take_speculation(self, event: TurnEnded) -> Pending | None:
        spec, self._speculation = self._speculation, None
        if spec is not None and spec[0] == event.voiced_ms:
            return spec[1]  # nothing was said after it: same words
        return None


def _words(task: Pending) -> str:
    """A finished speculative pass's words ("" when it found none or was cancelled)."""
    transcript = None if task.cancelled() else task.result()
    return transcript.text.strip() if transcript is not None else ""
