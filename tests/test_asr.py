"""Whisper on the phone path: Spanish text, and nothing invented over silence or noise."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np

from tests.real_speech import digits_wav
from voicebot.asr import WhisperTranscriber, encoder_window_s, is_hallucination, normalize
from voicebot.audio.codec import ulaw_decode, ulaw_encode
from voicebot.bench import ASR_EVAL_NUMBERS
from voicebot.dialogue.understanding import digits, language
from voicebot.services import Services
from voicebot.telephony.fake_twilio import load_wav
from voicebot.tts.callers import ENGLISH_CALLER, synthesize_caller

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


def test_encoder_window_fits_the_turn_plus_silence() -> None:
    assert encoder_window_s(3.0, 10, 2) == 10  # a short turn: the minimum window
    assert encoder_window_s(9.5, 10, 2) == 12  # a longer one: its length + margin, whole s
    assert encoder_window_s(28.5, 10, 2) is None  # nearly 30 s: Whisper's own window
    assert encoder_window_s(3.0, 0, 2) is None  # configured off


async def test_short_window_hears_real_digits_at_least_as_well_as_the_full_one(
    services: Services, tmp_path: Path
) -> None:
    """Order and phone numbers said digit by digit by a real Colombian voice: the default
    short window gets as many exactly right as Whisper's 30 s window. The count moves with
    the CPU's float kernels (7 vs 6 of 8 on an AVX2 machine, 6 vs 6 on CI's): "508263"'s "seis"
    is heard as "tres" by both windows here, so the floor is 6 and the claim is the
    comparison."""
    assert services.settings.asr.window_s == 10  # the default under test
    full = WhisperTranscriber(
        services.settings.model_ref(services.settings.asr.model),
        services.settings.asr.model_copy(update={"window_s": 0}),
    )
    right = {"short": 0, "full": 0}
    for number in ASR_EVAL_NUMBERS:  # the eight of `voicebot bench --asr`
        pcm = load_wav(digits_wav(number, tmp_path))
        for name, asr in (("short", services.asr), ("full", full)):
            heard = digits((await asr.transcribe(pcm)).text).rstrip(".")
            right[name] += heard == number
    assert right["short"] >= max(6, right["full"]), right


async def test_a_turn_longer_than_the_minimum_window_is_heard_to_its_end(
    services: Services, clips: Callable[[str], Path]
) -> None:
    parts = [
        "Buenas tardes, quisiera saber el horario de la tienda.",
        "Quiero saber el estado de mi orden.",
        "¿Tienen gorras negras?",
        "Y también quiero saber si hacen envíos a Medellín.",
    ]
    pcm = np.concatenate([load_wav(clips(p)) for p in parts])
    assert len(pcm) / 8000 > 10  # past the 10 s minimum: the window grows with the turn
    result = await services.asr.transcribe(pcm)
    heard = normalize(result.text)
    assert "buenas tardes" in heard and "gorras negras" in heard, result.text


async def test_an_english_caller_is_heard_in_english_when_the_language_is_checked(
    services: Services, tmp_path: Path
) -> None:
    # Forced to Spanish, Whisper translated English callers ("quiero revisar mi pedido"), so
    # the bot answered them in Spanish as if they spoke it.
    english = synthesize_caller(
        "Good afternoon. I ordered a jacket and it never arrived.",
        tmp_path / "en.wav",
        ENGLISH_CALLER,
    )
    spanish = synthesize_caller(
        "Buenas tardes, pedí una chaqueta y nunca llegó.", tmp_path / "es.wav", "kokoro:em_santa"
    )
    heard = await services.asr.transcribe(load_wav(english), detect_language=True)
    assert heard.language == "en" and "jacket" in normalize(heard.text), heard
    assert language(heard.text) == "en"
    same = await services.asr.transcribe(load_wav(spanish), detect_language=True)
    assert same.language == "es" and "chaqueta" in normalize(same.text), same
    plain = await services.asr.transcribe(load_wav(english))
    assert plain.language == "es"  # no check asked: Spanish, as before
