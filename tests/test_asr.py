"""Whisper on the phone path: Spanish text, and nothing invented over silence or noise."""

from __future__ import annotations

import numpy as np

from voicebot.asr import is_hallucination, normalize
from voicebot.audio.codec import ulaw_decode, ulaw_encode
from voicebot.session import Services

KNOWN = frozenset({normalize("Subtítulos realizados por la comunidad de Amara.org")})


def test_known_credit_lines_are_hallucinations() -> None:
    text = "Subtítulos realizados por la comunidad de Amara.org"
    assert is_hallucination(text, 0.1, -0.2, 1.2, KNOWN, 0.6)
    assert is_hallucination("", 0.0, 0.0, 1.0, KNOWN, 0.6)


def test_low_confidence_over_no_speech_and_loops_are_dropped() -> None:
    assert is_hallucination("Gracias.", 0.9, -1.0, 1.0, KNOWN, 0.6)
    assert is_hallucination("sí sí sí sí sí sí sí sí sí sí sí sí", 0.1, -0.3, 3.5, KNOWN, 0.6)
    assert not is_hallucination("¿Dónde está mi pedido?", 0.1, -0.3, 1.1, KNOWN, 0.6)


async def test_line_noise_transcribes_to_nothing(services: Services) -> None:
    rng = np.random.default_rng(7)
    hiss = (rng.standard_normal(8000 * 2) * 150).astype(np.int16)
    result = await services.asr.transcribe(ulaw_decode(ulaw_encode(hiss)))
    assert result.text == "", (result.text, result.dropped)


async def test_silence_transcribes_to_nothing(services: Services) -> None:
    result = await services.asr.transcribe(np.zeros(8000 * 2, dtype=np.int16))
    assert result.text == ""
