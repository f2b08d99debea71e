"""The voices and the chain that chooses between them.

Real voices (Kokoro's three Spanish voices, Pico, espeak-ng) get the same golden sentences and
are heard by the real Whisper after the phone codec; the chain's choices (cache, budget,
fallback on failure or time-out) are tested with scripted voices whose cost and failures are
known, then with the real voices (a corrupt voice file, a text the phonemizer cannot say).
"""

from __future__ import annotations

import asyncio
import random
import re
import shutil
import threading
import time
from pathlib import Path

import numpy as np
import pytest

from tests.conftest import make_settings
from voicebot.asr import Transcriber
from voicebot.audio.codec import ulaw_decode, ulaw_encode
from voicebot.bench_tts import comparable
from voicebot.metrics.memory import malloc_mb
from voicebot.models import DEFAULT_MODELS_DIR, piper_joe_voice
from voicebot.service import build_synthesizer
from voicebot.services import Services
from voicebot.tts import ReplyVoice, VoiceChain
from voicebot.tts.callers import caller_voice
from voicebot.tts.text import speech_text
from voicebot.tts.voices import (
    EspeakVoice,
    KokoroVoice,
    PicoVoice,
    PiperVoice,
    VoiceError,
    espeak_phonemes,
)

KOKORO = DEFAULT_MODELS_DIR / "kokoro"

# Sentences the bot really says, with what a listener must hear in each.
GOLDEN = [
    ("Su pedido 45721 va en camino y debe llegar el viernes 27 de noviembre.", "45721"),
    ("Sí, tenemos tenis Adidas Runfalcon en talla 40, a $289.900.", "$289.900"),
    ("Atendemos de lunes a sábado de 9 a. m. a 8 p. m.", "sábado"),
]


class ScriptedVoice:
    """A voice with a known cost per character that fails on the texts it is told to."""

    rate = 8000

    def __init__(self, name: str, seconds_per_char: float = 0.0, fail_on: str = "") -> None:
        self.name = name
        self._cost = seconds_per_char
        self._fail_on = fail_on
        self.said: list[str] = []
        self.lock = threading.Lock()

    def render(self, text: str) -> np.ndarray:
        if self._fail_on and self._fail_on in text:
            raise VoiceError("scripted failure")
        time.sleep(self._cost * len(text))
        with self.lock:
            self.said.append(text)
        return np.full(400, 1000, dtype=np.int16)


# ---- the chain, with scripted voices (fast) ----------------------------------------------
@pytest.mark.fast
async def test_fixed_text_is_rendered_once_and_read_back_from_disk(tmp_path: Path) -> None:
    neural = ScriptedVoice("neural")
    chain = VoiceChain([neural, ScriptedVoice("light")], 1.0, 1.0, cache_dir=tmp_path)
    texts = ["Lamento lo sucedido. ¿Confirma que registro su queja?", "Su pedido {number}, listo."]
    assert await chain.prerender(texts) == 3  # two clauses, then "listo." (not the field)
    assert neural.said == ["Lamento lo sucedido.", "¿Confirma que registro su queja?", "listo."]
    again = ScriptedVoice("neural")
    restarted = VoiceChain([again, ScriptedVoice("light")], 1.0, 1.0, cache_dir=tmp_path)
    assert await restarted.prerender(texts) == 0 and again.said == []
    spoken = [s async for s in restarted.stream("Lamento lo sucedido. Gracias.", ReplyVoice())]
    assert [s.text for s in spoken] == ["Lamento lo sucedido.", "Gracias."]
    assert again.said == ["Gracias."]  # only the clause that was not pre-rendered
    assert restarted.counts[("neural", "cached")] == 1
    assert restarted.counts[("neural", "default")] == 1


@pytest.mark.fast
async def test_the_voices_say_names_as_the_ops_pronounce_them() -> None:
    neural = ScriptedVoice("neural")
    chain = VoiceChain([neural], 1.0, 1.0, pronunciations={"Nike": "Náik"})
    spoken = [s async for s in chain.stream("Sí, tenemos zapatillas Nike Flex.", ReplyVoice())]
    assert neural.said == ["Sí, tenemos zapatillas Náik Flex."]
    assert [s.text for s in spoken] == ["Sí, tenemos zapatillas Nike Flex."]  # the record's words


@pytest.mark.fast
async def test_dynamic_text_never_reaches_the_disk(tmp_path: Path) -> None:
    chain = VoiceChain([ScriptedVoice("neural")], 1.0, 1.0, cache_dir=tmp_path)
    [_ async for _ in chain.stream("Señora Martínez, su pedido 45721 llegó.", ReplyVoice())]
    await chain.prerender(["Buenas tardes, {salutation} {last_name}."])
    written = await asyncio.to_thread(lambda: sorted(tmp_path.iterdir()))
    assert written == [tmp_path / f"{chain._key(chain.voices[0], 'Buenas tardes,')}.npy"]


@pytest.mark.fast
async def test_a_failing_voice_hands_the_clause_and_the_rest_of_the_reply_to_the_next() -> None:
    neural, light = ScriptedVoice("neural", fail_on="pedido"), ScriptedVoice("light")
    chain = VoiceChain([neural, light, ScriptedVoice("last")], 10.0, 1.0)
    reply = ReplyVoice()
    spoken = [s async for s in chain.stream("Buenas tardes, su pedido llegó, gracias.", reply)]
    assert [s.voice for s in spoken] == ["neural", "light", "light"]
    assert reply.index == 1
    assert chain.counts[("neural", "failed")] == 1
    assert chain.counts[("light", "fallback")] == 2  # per clause: the rest of the reply too


@pytest.mark.fast
async def test_a_voice_that_times_out_is_replaced_and_the_call_goes_on() -> None:
    slow, light = ScriptedVoice("slow", seconds_per_char=0.05), ScriptedVoice("light")
    chain = VoiceChain([slow, light], budget_s=10.0, timeout_s=0.2)
    spoken = [s async for s in chain.stream("Una frase larga que tarda demasiado.", ReplyVoice())]
    assert [s.voice for s in spoken] == ["light"]
    assert chain.counts[("slow", "failed")] == 1


@pytest.mark.fast
async def test_every_voice_failing_is_an_error_not_silence() -> None:
    chain = VoiceChain([ScriptedVoice("a", fail_on="x"), ScriptedVoice("b", fail_on="x")], 1, 1)
    with pytest.raises(VoiceError):
        [_ async for _ in chain.stream("xx", ReplyVoice())]


def _budgeted_chain() -> VoiceChain:
    """A neural voice that takes ~0.3 s per clause and a light one, with a 0.5 s budget."""
    neural = ScriptedVoice("neural", seconds_per_char=0.01)
    return VoiceChain([neural, ScriptedVoice("light")], budget_s=0.5, timeout_s=5)


@pytest.mark.fast
async def test_a_reply_goes_to_the_cheaper_voice_when_the_first_is_backed_up() -> None:
    chain = _budgeted_chain()
    text = "Su pedido va en camino, llega el viernes."
    alone = [s.voice async for s in chain.stream(text, ReplyVoice())]
    assert alone == ["neural", "neural"]
    # Three other replies render on the neural voice: this reply's first audio would wait.
    others = [chain.stream(f"Otra respuesta {i}, bastante larga.", ReplyVoice()) for i in "abc"]
    busy = [asyncio.ensure_future(anext(o)) for o in others]
    await asyncio.sleep(0.01)
    reply = ReplyVoice()
    crowded = [s.voice async for s in chain.stream(text, reply)]
    await asyncio.gather(*busy)
    assert crowded == ["light", "light"] and reply.index == 1  # the whole reply, one voice
    assert chain.counts[("light", "budget")] >= 1


@pytest.mark.fast
async def test_a_reply_whose_words_came_late_gets_the_cheaper_voice() -> None:
    # The caller has waited since the reply began (the model took its time): the first
    # voice's render on top of that would be past the budget, so the next voice says it.
    chain = _budgeted_chain()
    text = "Claro que sí, con gusto le ayudo."
    assert [s.voice async for s in chain.stream(text, ReplyVoice())] == ["neural", "neural"]
    late = ReplyVoice(started=time.perf_counter() - 0.4)  # 0.4 s waited + ~0.3 s to render
    assert [s.voice async for s in chain.stream(text, late)] == ["light", "light"]
    assert late.reason == "budget"


@pytest.mark.fast
async def test_a_long_first_clause_starts_with_a_short_head() -> None:
    neural = ScriptedVoice("neural")
    chain = VoiceChain([neural], 1.0, 1.0)
    text = "Los domingos y festivos abrimos de 10 de la mañana a 6 de la tarde. Gracias."
    spoken = [s.text async for s in chain.stream(text, ReplyVoice())]
    assert spoken == [text.removesuffix(" Gracias."), "", "Gracias."]
    assert neural.said[0] == "Los domingos y festivos abrimos"


@pytest.mark.fast
def test_synthesis_cost_is_learnt() -> None:
    chain = VoiceChain([ScriptedVoice("neural")], 1, 1)
    lane = chain._lanes[0]
    for _ in range(30):
        lane.learn("x" * 100, 0.5)
    assert lane.estimate("x" * 100) == pytest.approx(0.5, rel=0.05)


# ---- the real voices ----------------------------------------------------------------------
VOICES = ["kokoro:ef_dora", "kokoro:em_alex", "kokoro:em_santa", "pico", "espeak:es-419+m3"]


@pytest.mark.parametrize("name", VOICES)
def test_each_voice_says_the_golden_sentences_audibly_without_clipping(name: str) -> None:
    voice = caller_voice(name)
    for text, _ in GOLDEN:
        pcm = voice.render(speech_text(text))
        seconds = len(pcm) / voice.rate
        assert 1.5 < seconds < 12, (name, text, seconds)
        peak = int(np.abs(pcm.astype(np.int32)).max())
        assert 3000 < peak < 32767, (name, text, peak)  # audible, not clipped


@pytest.mark.parametrize("name", VOICES[:4])
async def test_neural_and_pico_voices_are_understood_over_the_phone(
    services: Services, name: str
) -> None:
    """Whisper hears each golden sentence's key fact after 8 kHz mu-law (espeak-ng, the
    robotic last resort, is not held to this: ~40 % of its words are lost)."""
    from voicebot.audio.codec import TELEPHONY_RATE, resample

    asr: Transcriber = services.asr
    voice = caller_voice(name)
    missed = []
    for text, fact in GOLDEN:
        pcm = resample(voice.render(speech_text(text)), voice.rate, TELEPHONY_RATE)
        heard = (await asr.transcribe(ulaw_decode(ulaw_encode(pcm)))).text
        # compared as spoken words ("45721", "4-5-7-2-1" and "cuatro cinco siete…" agree) or
        # as digits (Whisper may write a dictated "cuatro cinco siete, dos uno" as "457, 21")
        as_digits = re.sub(r"\D", "", heard)
        if not (comparable(fact) in comparable(heard) or fact in as_digits):
            missed.append(heard)
    # Pico (es-ES, the light voice) is held to two facts of three: its "sábado" is on the
    # edge for Whisper-base and was heard as "esásávado" on a CI runner (fine here)
    assert len(missed) <= (1 if name == "pico" else 0), (name, missed)


def test_phonemes_are_latin_american_with_clause_punctuation() -> None:
    ipa = espeak_phonemes("Hola, ¿cómo está usted? Gracias, señora.")
    assert ipa.count(",") == 2 and ipa.count("?") == 1 and ipa.endswith(".")
    assert "θ" not in espeak_phonemes("Gracias, cerveza y zapatos.")  # seseo, not Castilian
    assert "ʧ" in espeak_phonemes("Chaqueta.")  # espeak's t^ʃ is Kokoro's one symbol


def test_a_text_the_phonemizer_cannot_say_is_a_voice_error() -> None:
    voice = KokoroVoice(KOKORO, "ef_dora")
    with pytest.raises(VoiceError):
        voice.render("¡¿…?!")  # no phoneme at all


def test_kokoro_texts_of_every_length_keep_malloc_flat() -> None:
    # regression (issue 18's soak): onnxruntime kept a memory pattern per input shape, and
    # every reply the bot says in its own words is a new shape: malloc in use grew by 270 MB
    # over 60 such texts, and went on growing
    voice = KokoroVoice(KOKORO, "ef_dora")
    rng = random.Random(2)
    words = "pedido envío talla precio zapatillas gorra devolución horario pago Nequi".split()

    def say() -> None:
        voice.render(" ".join(rng.choices(words, k=rng.randint(3, 10))) + ".")

    # few and short texts: each new shape held ~4.5 MB, so 16 of them break the bound
    # (checked with the memory pattern turned back on)
    for _ in range(6):
        say()
    before = malloc_mb()
    assert before is not None
    for _ in range(16):
        say()
    after = malloc_mb()
    assert after is not None and after[0] - before[0] < 20, (before, after)


def test_pico_renders_leave_this_process_flat_and_its_worker_is_replaced() -> None:
    # regression (issue 18's 60-minute soak): ttspico's C extension keeps a reference to every
    # audio chunk it returns: the "tts" Python heap grew by 80 MB an hour (~190 KB a sentence).
    # Pico now renders in a worker process that is replaced every PICO_RENDERS_PER_PROCESS.
    import tracemalloc

    from voicebot.tts import voices

    voice = PicoVoice()
    try:
        text = "Su pedido va en camino y debe llegar el viernes veintisiete de noviembre."
        first = voice.render(text)
        worker = voice._worker
        assert worker is not None
        tracemalloc.start()
        try:
            for _ in range(voices.PICO_RENDERS_PER_PROCESS + 20):
                assert len(voice.render(text)) == len(first)  # the same speech, any worker
            held = tracemalloc.get_traced_memory()[0]
        finally:
            tracemalloc.stop()
        assert held < 2_000_000, held  # in process, these 120 renders held tens of MB
        assert voice._worker is not None and voice._worker.pid != worker.pid
        assert worker.poll() is not None  # the old worker has ended
        # a worker that dies is an error for that render (the chain's next voice speaks)
        # and a new worker for the next one
        voice._worker.kill()
        voice._worker.wait()
        with pytest.raises(VoiceError):
            voice.render(text)
        assert len(voice.render(text)) == len(first)
    finally:
        voice.close()
    assert voice._worker is None


def test_a_corrupt_voice_file_leaves_kokoro_out_of_the_chain(tmp_path: Path) -> None:
    broken = tmp_path / "kokoro"
    shutil.copytree(KOKORO, broken, ignore=shutil.ignore_patterns("*.onnx"))
    (broken / "kokoro-v1.0.int8.onnx").symlink_to(KOKORO / "kokoro-v1.0.int8.onnx")
    (broken / "voices" / "ef_dora.bin").write_bytes(b"\0" * 1000)
    settings = make_settings(tts={"cache_dir": str(tmp_path / "cache")})
    settings = settings.model_copy(update={"models_dir": tmp_path})
    chain = build_synthesizer(settings)
    assert [v.name for v in chain.voices] == ["pico", "espeak:es-419+m3"]
    assert chain.counts[("kokoro", "unavailable")] == 1


def test_espeak_and_piper_stay_available() -> None:
    pcm = EspeakVoice("es-419").render("Su pedido llega mañana.")
    assert np.abs(pcm).max() > 3000
    piper = PiperVoice(piper_joe_voice(), espeak_voice="es-419")
    pcm = piper.render("Buenas tardes, le habla el asistente automático.")
    assert 1.0 < len(pcm) / piper.rate < 6 and 3000 < np.abs(pcm).max() < 32767
