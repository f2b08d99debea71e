"""mu-law <-> PCM16 (bit-exact with the old `audioop`) and resampling, all vectorised."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import soxr

Pcm = npt.NDArray[np.int16]

TELEPHONY_RATE = 8000
ASR_RATE = 16000
FRAME_MS = 20
FRAME_SAMPLES = TELEPHONY_RATE * FRAME_MS // 1000  # 160 samples = 160 mu-law bytes
MULAW_SILENCE = b"\xff" * FRAME_SAMPLES

_BIAS = 0x84
_SEG_END = np.array([0x3F, 0x7F, 0xFF, 0x1FF, 0x3FF, 0x7FF, 0xFFF, 0x1FFF], dtype=np.int32)


def _build_decode_table() -> Pcm:
    u = ~np.arange(256, dtype=np.int32) & 0xFF
    t = ((u & 0x0F) << 3) + _BIAS
    t = t << ((u & 0x70) >> 4)
    return np.where(u & 0x80, _BIAS - t, t - _BIAS).astype(np.int16)


def _build_encode_table() -> npt.NDArray[np.uint8]:
    # Same arithmetic as G.711 / audioop's st_14linear2ulaw on the 14-bit value, for all
    # 65536 inputs once, so encoding a frame is one table lookup.
    pcm = np.arange(-32768, 32768, dtype=np.int32) >> 2
    mask = np.where(pcm < 0, 0x7F, 0xFF)
    mag = np.minimum(np.abs(pcm), 8159) + (_BIAS >> 2)
    seg = np.searchsorted(_SEG_END, mag, side="left")
    uval = np.where(
        seg >= 8, 0x7F, (np.minimum(seg, 7) << 4) | ((mag >> (np.minimum(seg, 7) + 1)) & 0xF)
    )
    table = (uval ^ mask).astype(np.uint8)
    # index by the int16 value reinterpreted as uint16
    return np.roll(table, -32768)


_DECODE = _build_decode_table()
_ENCODE = _build_encode_table()


def ulaw_decode(data: bytes) -> Pcm:
    """mu-law bytes -> PCM16 samples."""
    return _DECODE[np.frombuffer(data, dtype=np.uint8)]


def ulaw_encode(pcm: Pcm) -> bytes:
    """PCM16 samples -> mu-law bytes."""
    return _ENCODE[np.asarray(pcm, dtype=np.int16).view(np.uint16)].tobytes()


def resample(pcm: Pcm, src_rate: int, dst_rate: int) -> Pcm:
    """Resample PCM16 with soxr (anti-aliased; 22.05 kHz voices to 8 kHz need it)."""
    if src_rate == dst_rate or pcm.size == 0:
        return np.asarray(pcm, dtype=np.int16)
    out = soxr.resample(np.asarray(pcm, dtype=np.int16), src_rate, dst_rate, quality="HQ")
    return np.asarray(out, dtype=np.int16)


def float_to_pcm(samples: npt.NDArray[np.floating]) -> Pcm:
    """float [-1, 1] -> PCM16 with clipping."""
    return np.asarray(np.clip(samples, -1.0, 1.0) * 32767.0, dtype=np.int16)


def pcm_to_float(pcm: Pcm) -> npt.NDArray[np.float32]:
    """PCM16 -> float32 [-1, 1)."""
    return np.asarray(pcm, dtype=np.float32) / 32768.0


def frames(data: bytes, size: int = FRAME_SAMPLES) -> list[bytes]:
    """Split mu-law bytes into 20 ms frames, padding the last one with silence."""
    if len(data) % size:
        data = data + b"\xff" * (size - len(data) % size)
    return [data[i : i + size] for i in range(0, len(data), size)]
