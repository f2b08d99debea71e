"""Both TTS backends produce clean 8 kHz speech for the phone line."""

from __future__ import annotations

import numpy as np

from tests.conftest import make_settings
from voicebot.models import piper_joe_voice
from voicebot.tts import EspeakSynthesizer, PiperSynthesizer


async def test_espeak_spanish_at_8khz() -> None:
    tts = EspeakSynthesizer(make_settings().tts)
    pcm = await tts.synthesize("Su pedido llega mañana.")
    assert pcm.dtype == np.int16 and 0.8 < len(pcm) / 8000 < 4
    assert np.abs(pcm).max() > 3000  # audible, not silence


async def test_piper_path_with_any_voice_file() -> None:
    settings = make_settings(tts={"backend": "piper", "piper_espeak_voice": "es-419"}).tts
    tts = PiperSynthesizer(piper_joe_voice(), settings)
    pcm = await tts.synthesize("Buenas tardes, le habla el asistente automático.")
    assert pcm.dtype == np.int16 and 1.0 < len(pcm) / 8000 < 6
    peak = np.abs(pcm).max()
    assert 3000 < peak < 32767  # fixed gain: neither silent nor clipped
