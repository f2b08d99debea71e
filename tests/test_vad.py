"""Voice activity detectors (issue 19): Silero VAD v6 and webrtcvad on phone audio, and a
real call heard through Silero."""

from __future__ import annotations

import zipfile
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from tests.conftest import AUTH_TOKEN, ServiceFactory, make_settings
from tests.real_speech import digits_wav
from voicebot import models
from voicebot.audio.codec import FRAME_SAMPLES, ulaw_decode, ulaw_encode
from voicebot.audio.turns import SpeechStarted, TurnDetector, TurnEnded
from voicebot.audio.vad import SileroVad, WebRtcVad, speech_detector
from voicebot.bench import word_error_rate
from voicebot.services import Services
from voicebot.simulate import place_call
from voicebot.telephony.fake_twilio import load_wav

SILERO = models.DEFAULT_MODELS_DIR / "silero_vad.onnx"


def _phone_frames(pcm: np.ndarray) -> list[bytes]:
    line = ulaw_decode(ulaw_encode(np.clip(pcm, -32768, 32767).astype(np.int16)))
    n = len(line) // FRAME_SAMPLES * FRAME_SAMPLES
    return [line[i : i + FRAME_SAMPLES].tobytes() for i in range(0, n, FRAME_SAMPLES)]


def _events(vad: SileroVad | WebRtcVad, frames: list[bytes]) -> list[object]:
    kind = "silero" if isinstance(vad, SileroVad) else "webrtc"
    turns = TurnDetector.from_settings(make_settings().audio.model_copy(update={"vad": kind}))
    return [e for f in frames if (e := turns.feed(f, vad.is_speech(f))) is not None]


def test_silero_hears_a_real_speaker_and_not_the_line(tmp_path: Path) -> None:
    speech = load_wav(digits_wav("4572", tmp_path)).astype(np.float64)
    rng = np.random.default_rng(3)
    quiet = np.zeros(8000)
    audio = np.concatenate([quiet, speech, quiet, quiet])
    audio += rng.normal(0, 33, len(audio))  # a phone line's hiss, -60 dBFS
    events = _events(SileroVad(SILERO), _phone_frames(audio))
    starts = [e for e in events if isinstance(e, SpeechStarted)]
    ends = [e for e in events if isinstance(e, TurnEnded)]
    assert len(starts) == 1 and len(ends) == 1, events  # one turn: the four digits
    assert 50 <= starts[0].at_frame <= 60  # the speaker starts 1 s in: 50 frames of 20 ms
    assert ends[0].voiced_ms >= 1000
    hiss = rng.normal(0, 33, 3 * 8000)
    assert _events(SileroVad(SILERO), _phone_frames(hiss)) == []


def test_silero_state_is_per_call() -> None:
    # two calls at once share the network, never its state: one caller's speech must not
    # leak into the other's silence
    speaking, silent = SileroVad(SILERO), SileroVad(SILERO)
    rng = np.random.default_rng(5)
    tone = 8000 * np.sin(np.arange(8000) * 2 * np.pi * 180 / 8000) * rng.uniform(0.5, 1, 8000)
    for frame in _phone_frames(tone):
        speaking.is_speech(frame)
    assert not silent.is_speech(bytes(2 * FRAME_SAMPLES)) and silent.probability < 0.1


def test_the_configured_detector_is_built_per_call(tmp_path: Path) -> None:
    silero = make_settings()  # the default
    first, second = speech_detector(silero), speech_detector(silero)
    assert isinstance(first, SileroVad) and first is not second
    assert isinstance(speech_detector(make_settings(audio={"vad": "webrtc"})), WebRtcVad)
    missing = make_settings(audio={"vad": "silero", "silero_model": str(tmp_path / "no.onnx")})
    with pytest.raises(FileNotFoundError, match="models assemble"):
        speech_detector(missing)


def test_a_tampered_silero_file_is_refused(tmp_path: Path) -> None:
    wheel = tmp_path / "silero_vad-6.2.3-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as zf:
        zf.writestr(models.SILERO_MEMBER, b"not the network")
    (tmp_path / "silero_vad.onnx").write_bytes(b"an older, tampered copy")
    with pytest.raises(RuntimeError, match="sha256"):
        models.assemble_silero(tmp_path, say=lambda _: None, wheel=wheel)
    assert not (tmp_path / "silero_vad.onnx").exists()  # nothing unchecked is left to load
    assert models._sha256(SILERO) == models.SILERO_SHA256  # what set-up assembled


@pytest.mark.parametrize("vad", ["silero", "webrtc"])
async def test_a_call_heard_through_either_detector(
    serve: ServiceFactory, services: Services, clips: Callable[[str], Path], vad: str
) -> None:
    settings = services.settings
    chosen = settings.model_copy(update={"audio": settings.audio.model_copy(update={"vad": vad})})
    question = "¿Hasta qué hora atienden los domingos?"
    async with serve(chosen) as url:
        result = await place_call(url, AUTH_TOKEN, [clips(question)])
    assert result["protocol_violations"] == []
    (turn,) = result["turns"]
    assert word_error_rate(question, turn["heard"]) < 0.5, turn["heard"]
    assert "domingos" in turn["bot"], turn["bot"]


async def test_a_reload_to_a_missing_vad_model_is_refused(
    services: Services, tmp_path: Path
) -> None:
    before = services.settings
    audio = before.audio.model_copy(
        update={"vad": "silero", "silero_model": str(tmp_path / "gone.onnx")}
    )
    with pytest.raises(FileNotFoundError, match="silero_model"):
        await services.reload(before.model_copy(update={"audio": audio}))
    assert services.settings is before  # the calls from now on keep the detector they had
