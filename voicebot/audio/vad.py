"""Voice activity on the caller's 20 ms frames: webrtcvad, or Silero VAD v6 (ONNX).

Both answer one question per frame (`SpeechDetector.is_speech`); `TurnDetector` turns the
answers into turns. webrtcvad is a GMM over energy bands: cheap, and it takes line noise,
breaths and clicks for speech more often. Silero is a small neural network trained on speech,
cheap enough to run inline on the event loop as webrtcvad does: `voicebot bench --vad` prints
each detector's CPU per second of phone audio (a few ms: well under 1 % of a core per call),
and a hop to a worker thread per 20 ms frame would cost more than the work.
"""

from __future__ import annotations

import functools
from pathlib import Path

import numpy as np
import onnxruntime as ort
import webrtcvad

from voicebot.audio.codec import TELEPHONY_RATE
from voicebot.config import AudioSettings, Settings


class WebRtcVad:
    """webrtcvad on 8 kHz PCM16 frames of 20 ms."""

    def __init__(self, aggressiveness: int) -> None:
        self._vad = webrtcvad.Vad(aggressiveness)

    def is_speech(self, pcm_frame: bytes) -> bool:
        return bool(self._vad.is_speech(pcm_frame, TELEPHONY_RATE))


@functools.cache
def _session(path: str) -> ort.InferenceSession:
    """One ONNX session per process, shared by every call (`run` is thread-safe); one thread:
    a chunk is far too small to split, and the cores belong to Whisper and the voice."""
    options = ort.SessionOptions()
    options.intra_op_num_threads = 1
    options.inter_op_num_threads = 1
    return ort.InferenceSession(path, options, providers=["CPUExecutionProvider"])


class SileroVad:
    """Silero VAD v6 at 8 kHz, one instance per call (it keeps the network's state).

    The network reads 256-sample chunks (32 ms) with 32 samples of the chunk before as
    context; 20 ms frames are buffered into chunks, and each frame is judged by the latest
    chunk's speech probability, with Silero's own hysteresis: speech from `threshold`, and it
    stays speech until the probability falls below `threshold - 0.15`. The audio kept before
    its onset is set where turns are detected (`audio.turns`).
    """

    CHUNK = 256
    CONTEXT = 32

    def __init__(self, model: Path | str, threshold: float = 0.5) -> None:
        self._session = _session(str(model))
        self._on, self._off = threshold, threshold - 0.15
        self._state = np.zeros((2, 1, 128), dtype=np.float32)
        # the network's input, filled in place: the context, then the chunk being gathered
        self._input = np.zeros((1, self.CONTEXT + self.CHUNK), dtype=np.float32)
        self._filled = 0  # samples of the chunk gathered so far
        self._sr = np.array(TELEPHONY_RATE, dtype=np.int64)
        self._speech = False
        self.probability = 0.0  # the latest chunk's, for benches and logs

    def is_speech(self, pcm_frame: bytes) -> bool:
        samples = np.frombuffer(pcm_frame, dtype=np.int16).astype(np.float32) / 32768.0
        row, taken = self._input[0], 0
        while taken < len(samples):
            n = min(self.CHUNK - self._filled, len(samples) - taken)
            at = self.CONTEXT + self._filled
            row[at : at + n] = samples[taken : taken + n]
            self._filled += n
            taken += n
            if self._filled == self.CHUNK:
                out, self._state = self._session.run(
                    None, {"input": self._input, "state": self._state, "sr": self._sr}
                )
                row[: self.CONTEXT] = row[-self.CONTEXT :]
                self._filled = 0
                self.probability = float(out[0][0])
                self._speech = self.probability >= (self._off if self._speech else self._on)
        return self._speech


def speech_detector(settings: Settings) -> WebRtcVad | SileroVad:
    """The configured detector for one call (`audio.vad`)."""
    audio: AudioSettings = settings.audio
    if audio.vad == "silero":
        path = Path(settings.model_ref(audio.silero_model))
        if not path.is_file():
            raise FileNotFoundError(
                f"audio.silero_model: {path} not found (`voicebot models assemble` fetches it)"
            )
        return SileroVad(path, audio.silero_threshold)
    return WebRtcVad(audio.vad_aggressiveness)
