import warnings

import numpy as np
import pytest

from voicebot.audio.codec import (
    FRAME_SAMPLES,
    frames,
    resample,
    ulaw_decode,
    ulaw_encode,
)

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    import audioop  # the reference G.711 implementation (gone in Python 3.13)


def test_encode_matches_audioop_for_every_sample() -> None:
    pcm = np.arange(-32768, 32768, dtype=np.int16)
    assert ulaw_encode(pcm) == audioop.lin2ulaw(pcm.tobytes(), 2)


def test_decode_matches_audioop_for_every_byte() -> None:
    data = bytes(range(256))
    assert ulaw_decode(data).tobytes() == audioop.ulaw2lin(data, 2)


def test_round_trip_error_is_within_mulaw_quantisation() -> None:
    t = np.arange(8000) / 8000
    pcm = (np.sin(2 * np.pi * 440 * t) * 12000).astype(np.int16)
    back = ulaw_decode(ulaw_encode(pcm)).astype(np.int32)
    err = np.abs(back - pcm)
    assert err.max() <= 12000 / 32 + 8  # coarser steps for louder samples
    assert np.sqrt(np.mean(err.astype(float) ** 2)) < 150


def test_silence_decodes_to_near_zero() -> None:
    assert np.abs(ulaw_decode(b"\xff" * 160)).max() == 0


@pytest.mark.parametrize("src", [16000, 22050, 44100])
def test_resample_length_and_tone_preserved(src: int) -> None:
    t = np.arange(src) / src
    tone = (np.sin(2 * np.pi * 1000 * t) * 10000).astype(np.int16)
    out = resample(tone, src, 8000)
    assert abs(len(out) - 8000) <= 2
    assert 0.8 < np.sqrt(np.mean(out.astype(float) ** 2)) / (10000 / np.sqrt(2)) < 1.1


def test_resample_removes_aliasing_above_nyquist() -> None:
    # A 5 kHz tone cannot exist at 8 kHz: without an anti-alias filter it folds to 3 kHz.
    src = 22050
    t = np.arange(src) / src
    tone = (np.sin(2 * np.pi * 5000 * t) * 10000).astype(np.int16)
    out = resample(tone, src, 8000)
    assert np.sqrt(np.mean(out.astype(float) ** 2)) < 300


def test_upsample_8k_to_16k_for_asr() -> None:
    pcm = np.zeros(8000, dtype=np.int16)
    assert len(resample(pcm, 8000, 16000)) == 16000


def test_frames_are_20ms_and_padded_with_silence() -> None:
    chunks = frames(b"\x00" * 330)
    assert [len(c) for c in chunks] == [FRAME_SAMPLES] * 3
    assert chunks[-1][10:] == b"\xff" * (FRAME_SAMPLES - 10)
