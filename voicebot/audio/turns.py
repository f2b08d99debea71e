"""Caller turn detection on 20 ms frames: a pure state machine fed with VAD decisions."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

from voicebot.audio.codec import FRAME_MS
from voicebot.config import AudioSettings

# Audio kept before the onset, per voice activity detector: Silero's probability rises a
# little after the first phoneme, so more is kept before its onset. (Both end a turn at
# `audio.end_of_turn_silence_ms`; a caller dictating digits in groups is kept in one turn by
# the transcript of the words so far, see `call/listening.py`.)
PRE_ROLL_MS = {"webrtc": 200, "silero": 400}


@dataclass(frozen=True, slots=True)
class SpeechStarted:
    """The caller started talking (enough voiced frames in a short window)."""

    at_frame: int


@dataclass(frozen=True, slots=True)
class SustainedSpeech:
    """The caller has talked for `barge_in_ms` in this utterance: not a backchannel."""

    at_frame: int


@dataclass(frozen=True, slots=True)
class TurnEnded:
    """End of a caller turn after enough trailing silence."""

    pcm: bytes  # PCM16 8 kHz, from a little before speech start to a little after its end
    voiced_ms: int
    last_voiced_frame: int
    sustained: bool  # whether SustainedSpeech was emitted for this utterance


TurnEvent = SpeechStarted | SustainedSpeech | TurnEnded


class TurnDetector:
    """Turns VAD decisions into caller turn events.

    Start needs `start_ms` voiced within a short window (so clicks do not open a turn); end
    needs `end_silence_ms` of silence; bursts with less than `min_utterance_ms` voiced are
    dropped as noise. Pure: the caller owns the clock (frame counter) and the VAD.
    """

    POST_ROLL_MS = 100

    def __init__(
        self,
        *,
        start_ms: int,
        end_silence_ms: int,
        sustained_ms: int,
        min_utterance_ms: int,
        max_utterance_ms: int,
        pre_roll_ms: int = 200,
    ) -> None:
        self._start_frames = max(1, start_ms // FRAME_MS)
        self._window = self._start_frames + 2
        self._end_frames = max(1, end_silence_ms // FRAME_MS)
        self._sustained_frames = max(1, sustained_ms // FRAME_MS)
        self._min_frames = max(1, min_utterance_ms // FRAME_MS)
        self._max_frames = max_utterance_ms // FRAME_MS
        self._recent: deque[tuple[bytes, bool]] = deque(maxlen=max(1, pre_roll_ms // FRAME_MS))
        self._frame_no = -1
        self._active = False
        self._sustained = False
        self._buf: list[bytes] = []
        self._voiced = 0
        self._silence_run = 0
        self._last_voiced = -1
        self._hold_frames = 0  # a longer end silence for the current pause (`hold`)

    @classmethod
    def from_settings(cls, audio: AudioSettings) -> TurnDetector:
        """The detector the configured VAD's decisions need (`audio.vad`)."""
        return cls(
            start_ms=audio.speech_start_ms,
            end_silence_ms=audio.end_of_turn_silence_ms,
            sustained_ms=audio.barge_in_ms,
            min_utterance_ms=audio.min_utterance_ms,
            max_utterance_ms=int(audio.max_utterance_s * 1000),
            pre_roll_ms=PRE_ROLL_MS[audio.vad],
        )

    @property
    def in_speech(self) -> bool:
        return self._active

    @property
    def trailing_silence_ms(self) -> int:
        """Silence since the caller's last voiced frame in the current utterance."""
        return self._silence_run * FRAME_MS if self._active else 0

    @property
    def voiced_ms(self) -> int:
        """Voiced audio so far in the current utterance."""
        return self._voiced * FRAME_MS if self._active else 0

    def utterance_so_far(self) -> bytes:
        """The current utterance's audio (for a speculative transcription)."""
        return b"".join(self._buf)

    def feed(self, pcm_frame: bytes, voiced: bool) -> TurnEvent | None:
        """Add one 20 ms frame and its VAD decision; return an event if one happened."""
        self._frame_no += 1
        if not self._active:
            self._recent.append((pcm_frame, voiced))
            window = list(self._recent)[-self._window :]
            if voiced and sum(v for _, v in window) >= self._start_frames:
                self._active = True
                self._sustained = False
                self._buf = [f for f, _ in self._recent]
                self._voiced = sum(v for _, v in window)
                self._silence_run = 0
                self._last_voiced = self._frame_no
                self._recent.clear()
                return SpeechStarted(self._frame_no)
            return None

        self._buf.append(pcm_frame)
        if voiced:
            self._voiced += 1
            self._silence_run = 0
            self._hold_frames = 0
            self._last_voiced = self._frame_no
            if not self._sustained and self._voiced >= self._sustained_frames:
                self._sustained = True
                return SustainedSpeech(self._frame_no)
            if len(self._buf) < self._max_frames:
                return None
        else:
            self._silence_run += 1
            end = max(self._end_frames, self._hold_frames)
            if self._silence_run < end and len(self._buf) < self._max_frames:
                return None
        return self._end()

    def hold(self, silence_ms: int) -> None:
        """End the current pause at `silence_ms` of silence rather than the configured end
        silence, if that is longer (0: the configured one again). A voiced frame cancels it:
        the next pause starts from the configured silence again."""
        self._hold_frames = silence_ms // FRAME_MS if self._active else 0

    def end_now(self) -> TurnEnded | None:
        """End the current utterance without waiting for the full silence (its words already
        sound finished); None when there is none or it is too short."""
        return self._end() if self._active else None

    def _end(self) -> TurnEnded | None:
        self._active = False
        self._hold_frames = 0
        keep = len(self._buf) - max(0, self._silence_run - self.POST_ROLL_MS // FRAME_MS)
        pcm = b"".join(self._buf[:keep])
        voiced, self._buf = self._voiced, []
        if voiced < self._min_frames:
            return None
        return TurnEnded(
            pcm=pcm,
            voiced_ms=voiced * FRAME_MS,
            last_voiced_frame=self._last_voiced,
            sustained=self._sustained,
        )
