"""The voices: Kokoro-82M (neural, default), SVOX Pico (light), espeak-ng (last resort), Piper.

Each voice renders prepared Spanish text (see `voicebot.tts.text`) to PCM16 at its own sample
rate, synchronously: the chain runs it on the voice's own worker thread, never on the event
loop. Voices know nothing of calls, budgets or caches.
"""

from __future__ import annotations

import io
import json
import re
import struct
import subprocess
import sys
import threading
import wave
from pathlib import Path
from typing import IO, Protocol

import numpy as np

from voicebot.audio.codec import Pcm, float_to_pcm

KOKORO_RATE = 24_000
KOKORO_VOICES = ("em_alex", "ef_dora", "em_santa")  # Kokoro v1.0's Spanish voices
_KOKORO_MAX_TOKENS = 510  # the model's context, pads excluded
# espeak-ng's IPA (with `^` ties) to the symbols Kokoro was trained on (misaki's mapping)
_ESPEAK_TO_KOKORO = sorted(
    {
        "a^ɪ": "I", "a^ʊ": "W", "d^z": "ʣ", "d^ʒ": "ʤ", "e^ɪ": "A", "o^ʊ": "O",
        "ə^ʊ": "Q", "s^s": "S", "t^s": "ʦ", "t^ʃ": "ʧ", "ɔ^ɪ": "Y",
    }.items(),
    key=lambda kv: -len(kv[0]),
)  # fmt: skip
_CLAUSE_PUNCT = re.compile(r"[,;:.!?…]+")


class Voice(Protocol):
    """One synthesis engine: prepared text -> PCM16 at `rate` Hz (blocking)."""

    name: str
    rate: int

    def render(self, text: str) -> Pcm: ...


class VoiceError(RuntimeError):
    """A voice could not say this text (phonemizer refused it, engine failed)."""


def espeak_phonemes(text: str, language: str = "es-419", timeout_s: float = 5.0) -> str:
    """IPA phonemes of `text` from Debian's espeak-ng in a subprocess (a process boundary: no
    GPL code in ours). espeak-ng writes one line per clause and drops the punctuation; it is
    put back between the clauses so the voice pauses and intonates where the text does."""
    try:
        out = subprocess.run(
            ["espeak-ng", "-q", "--ipa", "--tie=^", "-v", language],
            input=text,
            capture_output=True,
            text=True,
            timeout=timeout_s,
            check=True,
        ).stdout
    except (OSError, subprocess.SubprocessError) as exc:
        raise VoiceError(f"espeak-ng phonemizer failed: {exc!r}"[:200]) from exc
    lines = [line.strip() for line in out.splitlines() if line.strip()]
    if not lines:
        raise VoiceError(f"no phonemes for {text[:40]!r}")
    marks = _CLAUSE_PUNCT.findall(text)
    if len(marks) < len(lines):  # a text without a final mark ends as a statement
        marks.append(".")
    if len(marks) != len(lines):  # espeak split elsewhere: keep its clauses, pause at each
        marks = [","] * (len(lines) - 1) + ["."]
    ipa = " ".join(f"{line}{mark[0]}" for line, mark in zip(lines, marks, strict=True))
    for old, new in _ESPEAK_TO_KOKORO:
        ipa = ipa.replace(old, new)
    return ipa.replace("^", "").replace("-", "")


class KokoroVoice:
    """Kokoro-82M v1.0 (int8 ONNX, Apache-2.0) with a Spanish voice; onnxruntime + numpy only.

    The model and voice files are assembled at set-up (`voicebot models assemble`)."""

    rate = KOKORO_RATE

    def __init__(
        self, folder: Path, voice: str, *, speed: float = 1.0, gain: float = 1.0, threads: int = 2
    ) -> None:
        import onnxruntime as ort

        self.name = f"kokoro:{voice}"
        self._speed = np.array([speed], dtype=np.float32)
        self._gain = gain
        vocab = json.loads((folder / "vocab.json").read_text(encoding="utf-8"))["vocab"]
        self._vocab: dict[str, int] = vocab
        path = folder / "voices" / f"{voice}.bin"
        styles = np.fromfile(path, dtype=np.float32)
        if styles.size != 510 * 256:
            raise VoiceError(f"voice file {path} is corrupt ({styles.size} floats)")
        self._styles = styles.reshape(510, 256)
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        # Every text is a new input shape, and onnxruntime's memory patterns are kept per
        # shape: with them on, malloc in use grew with each new length (the soak's native
        # growth); off, it stays flat at the same speed (measured: README, memory).
        options.enable_mem_pattern = False
        self._session = ort.InferenceSession(
            str(folder / "kokoro-v1.0.int8.onnx"), options, providers=["CPUExecutionProvider"]
        )

    def tokens(self, text: str) -> list[int]:
        """Kokoro's phoneme ids for prepared Spanish text (symbols it does not know dropped)."""
        return [self._vocab[p] for p in espeak_phonemes(text) if p in self._vocab]

    def render(self, text: str) -> Pcm:
        ids = self.tokens(text)
        if not ids:
            raise VoiceError(f"no phonemes for {text[:40]!r}")
        pieces = [
            self._infer(ids[i : i + _KOKORO_MAX_TOKENS])
            for i in range(0, len(ids), _KOKORO_MAX_TOKENS)
        ]
        return float_to_pcm(np.concatenate(pieces) * self._gain)

    def _infer(self, ids: list[int]) -> np.ndarray:
        style = self._styles[min(len(ids), len(self._styles)) - 1].reshape(1, 256)
        audio = self._session.run(
            None,
            {
                "tokens": np.array([[0, *ids, 0]], dtype=np.int64),
                "style": style,
                "speed": self._speed,
            },
        )[0]
        return _trim(np.asarray(audio, dtype=np.float32).ravel(), self.rate)


def _trim(audio: np.ndarray, rate: int, threshold: float = 0.01) -> np.ndarray:
    # Kokoro pads each clip with silence; keep 40 ms around the speech so clauses join tightly.
    loud = np.flatnonzero(np.abs(audio) > threshold)
    if loud.size == 0:
        return audio[:0]
    pad = int(0.04 * rate)
    return audio[max(0, loud[0] - pad) : loud[-1] + pad]


class PicoVoice:
    """SVOX Pico `es-ES` (ttspico, Apache-2.0): light and clear, one Castilian female voice.
    Its other languages (`en-US`, ...) serve as callers who do not speak Spanish."""

    rate = 16_000

    def __init__(self, *, volume: int = 50, speed: int = 100, language: str = "es-ES") -> None:
        self.name = "pico" if language == "es-ES" else f"pico:{language}"
        # ttspico's C extension keeps a reference to every audio chunk it hands back (about
        # 190 KB per sentence, never freed: the soak's "tts" heap grew by 80 MB an hour), so
        # the engine runs in a worker process (`pico_worker`), replaced after
        # PICO_RENDERS_PER_PROCESS renders, which returns that memory.
        self._command = [sys.executable, "-m", "voicebot.tts.pico_worker", language,
                         str(volume), str(speed)]  # fmt: skip
        self._lock = threading.Lock()  # one worker serves one render at a time
        self._worker: subprocess.Popen[bytes] | None = None
        self._renders = 0
        self.render("Hola.")  # a missing engine or language fails here, not mid-call

    def _start(self) -> subprocess.Popen[bytes]:
        return subprocess.Popen(self._command, stdin=subprocess.PIPE, stdout=subprocess.PIPE)

    def render(self, text: str) -> Pcm:
        with self._lock:
            worker = self._worker = self._worker or self._start()
            # a worker that hangs is killed, which ends the read below with an error
            watchdog = threading.Timer(PICO_TIMEOUT_S, worker.kill)
            watchdog.start()
            try:
                assert worker.stdin is not None and worker.stdout is not None
                worker.stdin.write((" ".join(text.split()) + "\n").encode())
                worker.stdin.flush()
                (size,) = struct.unpack(">I", _read_exactly(worker.stdout, 4))
                data = _read_exactly(worker.stdout, size)
            except (OSError, ValueError, struct.error) as exc:
                self._stop()
                raise VoiceError(f"pico failed on {text[:40]!r}: {exc!r}") from exc
            finally:
                watchdog.cancel()
            self._renders += 1
            if self._renders % PICO_RENDERS_PER_PROCESS == 0:
                self._stop()
                self._worker = self._start()  # starts while the caller hears this render
        if not data:
            raise VoiceError(f"pico produced no audio for {text[:40]!r}")
        return np.frombuffer(data, dtype=np.int16).copy()

    def _stop(self) -> None:
        worker, self._worker = self._worker, None
        if worker is None:
            return
        try:
            if worker.stdin is not None:
                worker.stdin.close()  # the worker's loop ends at end of input
        except OSError:
            pass  # it has ended already (the pipe is broken)
        try:
            worker.wait(timeout=1)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait()

    def close(self) -> None:
        """Stop the worker process."""
        with self._lock:
            self._stop()


PICO_RENDERS_PER_PROCESS = 100  # a worker leaks at most ~20 MB before it is replaced
PICO_TIMEOUT_S = 10.0


def _read_exactly(stream: IO[bytes], size: int) -> bytes:
    data = b""
    while len(data) < size:
        chunk = stream.read(size - len(data))
        if not chunk:
            raise ValueError("the worker ended")
        data += chunk
    return data


def wav_pcm(data: bytes) -> tuple[Pcm, int]:
    """PCM16 samples and sample rate of a WAV file's bytes."""
    with wave.open(io.BytesIO(data)) as wav:
        rate = wav.getframerate()
        frames = wav.readframes(wav.getnframes())
    return np.frombuffer(frames, dtype=np.int16), rate


class EspeakVoice:
    """Debian's espeak-ng in a subprocess: robotic but always there (the last resort)."""

    rate = 22_050

    def __init__(self, voice: str = "es-419", *, wpm: int = 165, volume: float = 0.8) -> None:
        self.name = f"espeak:{voice}"
        self._args = ["-v", voice, "-s", str(wpm), "-a", str(int(100 * volume))]

    def render(self, text: str) -> Pcm:
        try:
            out = subprocess.run(
                ["espeak-ng", *self._args, "--stdout"],
                input=text.encode("utf-8"),
                capture_output=True,
                timeout=10,
                check=True,
            ).stdout
        except (OSError, subprocess.SubprocessError) as exc:
            raise VoiceError(f"espeak-ng failed: {exc!r}"[:200]) from exc
        pcm, self.rate = wav_pcm(out)
        return pcm


class PiperVoice:
    """piper-tts with any voice `.onnx` (a deployment's own Spanish voice)."""

    name = "piper"

    def __init__(self, path: Path, *, espeak_voice: str = "", volume: float = 0.8) -> None:
        from piper import PiperVoice as Piper
        from piper import SynthesisConfig

        self._voice = Piper.load(str(path))
        if espeak_voice:  # Piper phonemizes with espeak-ng: read another language's phonemes
            self._voice.config.espeak_voice = espeak_voice
        self._config = SynthesisConfig(volume=volume, normalize_audio=False)
        self.rate = self._voice.config.sample_rate

    def render(self, text: str) -> Pcm:
        chunks = [c.audio_float_array for c in self._voice.synthesize(text, self._config)]
        if not chunks:
            raise VoiceError(f"piper produced no audio for {text[:40]!r}")
        return float_to_pcm(np.concatenate(chunks))
