"""Whole calls on the real embedded models: ASR, dialogue, TTS, barge-in, DTMF, idle, faults."""

from __future__ import annotations

import asyncio
import dataclasses
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import numpy as np

from tests.conftest import ARTIFACTS, AUTH_TOKEN, MODEL_QUESTION, ServiceFactory, make_settings
from voicebot.audio.codec import ulaw_decode, ulaw_encode
from voicebot.bench import word_error_rate
from voicebot.dialogue.llm import LanguageModel, Message
from voicebot.dialogue.policy import Dialogue
from voicebot.services import Services
from voicebot.simulate import fetch_record, place_call
from voicebot.telephony.fake_twilio import FakeTwilioCall, load_wav
from voicebot.tts.callers import synthesize_caller

Clip = Callable[[str], Path]
SPANISH = {
    "de",
    "la",
    "el",
    "que",
    "en",
    "su",
    "le",
    "por",
    "con",
    "para",
    "los",
    "es",
    "un",
    "una",
}


async def test_spanish_question_gets_a_spanish_answer(base_url: str, clips: Clip) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    question = "Quiero saber cuánto cuesta el envío a Medellín."
    result = await place_call(
        base_url, AUTH_TOKEN, [clips(question)], record=ARTIFACTS / "call_envio.wav"
    )
    assert result["protocol_violations"] == []
    assert result["greeting_ms"] is not None and result["greeting_ms"] < 1000
    (turn,) = result["turns"]
    assert word_error_rate(question, turn["heard"]) < 0.5, turn["heard"]
    assert "envío" in turn["heard"].lower()
    words = set(turn["bot"].lower().replace(",", " ").replace(".", " ").split())
    assert len(words & SPANISH) >= 1, turn["bot"]
    latency = turn["latency_ms"]
    assert all(latency[k] is not None for k in latency), latency
    assert latency["voice_to_voice"] >= latency["endpoint"]
    assert result["bot_audio_s"] > 3
    # regression: the service's own voice-to-voice figure (for /metrics) was always ~0
    record = await fetch_record(base_url, AUTH_TOKEN, result["call_sid"])
    assert record is not None
    server_v2v = record["turns"][0]["voice_to_voice_ms"]
    # (the caller's figure may be smaller: it counts a filler, the service's counts the answer)
    assert server_v2v >= latency["endpoint"]


async def test_dtmf_zero_ends_with_the_transfer_message(base_url: str) -> None:
    async with FakeTwilioCall(base_url, AUTH_TOKEN) as call:
        await call.wait_bot_audio(call.stream_started_at, 10)
        await asyncio.sleep(1.0)  # mid-greeting
        pressed = time.monotonic()
        await call.dtmf("0")
        await asyncio.wait_for(call.closed_by_service.wait(), 20)
    assert call.playback.clears and call.playback.clears[0] >= pressed  # greeting cut
    record = await fetch_record(base_url, AUTH_TOKEN, call.call_sid)
    assert record is not None
    assert record["end_reason"] == "transfer_requested" and record["ended_by"] == "transfer"
    assert record["transcript"][-1]["text"].startswith("Con gusto. Ya le comunico con un asesor")
    assert record["dtmf"] == ["0"]


async def test_barge_in_clears_audio_and_keeps_only_heard_sentences(
    base_url: str, clips: Clip
) -> None:
    async with FakeTwilioCall(base_url, AUTH_TOKEN) as call:
        await call.wait_bot_audio(call.stream_started_at, 10)
        await asyncio.sleep(1.0)  # the caller talks over the greeting
        spoke = time.monotonic()
        voiced_at = await call.speak(
            load_wav(clips("Espere un momento que quiero saber dónde está mi pedido."))
        )
        assert await call.wait_bot_audio(voiced_at, 20) is not None, "the bot answers the turn"
        await call.wait_bot_quiet(1.5, limit_s=40)
    assert call.playback.clears, "barge-in must send clear"
    # Stopped while the caller was still talking (the ~3 s request): an order, not a wall-clock
    # threshold (the machine may be busy); the milliseconds are the fast tier's and the bench's.
    assert spoke < call.playback.clears[0] < voiced_at
    record = await fetch_record(base_url, AUTH_TOKEN, call.call_sid)
    assert record is not None and record["barge_ins"] >= 1
    bot_lines = [t["text"] for t in record["transcript"] if t["role"] == "bot"]
    assert not any(line.startswith("Hola, gracias por comunicarse") for line in bot_lines), (
        "the interrupted greeting was never heard in full, so it is not in the history"
    )
    assert record["turns"] and "dónde está" in record["turns"][0]["heard"].lower()


async def test_backchannel_does_not_cut_the_bot_off(base_url: str, tmp_path: Path) -> None:
    # Pico's lone "Sí." (Kokoro says a one-word clip badly: Whisper hears "¡Seyo!")
    yes = load_wav(await asyncio.to_thread(synthesize_caller, "Sí.", tmp_path / "si.wav", "pico"))
    async with FakeTwilioCall(base_url, AUTH_TOKEN) as call:
        await call.wait_bot_audio(call.stream_started_at, 10)
        await asyncio.sleep(0.5)
        await call.speak(yes)
        await call.wait_bot_quiet(1.5, limit_s=30)
    # The bot paused when the "sí" began (one clear) and went on where it stopped.
    assert len(call.playback.clears) <= 1
    record = await fetch_record(base_url, AUTH_TOKEN, call.call_sid)
    assert record is not None
    assert record["barge_ins"] == 0 and len(record["ignored_backchannels"]) == 1
    assert record["transcript"][0]["text"].startswith("Hola, gracias por comunicarse con")


async def test_silent_caller_is_reprompted_then_the_bot_hangs_up(serve: ServiceFactory) -> None:
    settings = make_settings(audio={"idle_reprompt_s": 1.0, "idle_reprompts_before_hangup": 1})
    async with serve(settings) as url, FakeTwilioCall(url, AUTH_TOKEN) as call:
        await asyncio.wait_for(call.closed_by_service.wait(), 40)
        record = await fetch_record(url, AUTH_TOKEN, call.call_sid)
    assert record is not None and record["end_reason"] == "idle" and record["ended_by"] == "bot"
    bot = [t["text"] for t in record["transcript"]]
    assert bot[1] == "¿Me escucha? Sigo en la llamada." and bot[2].startswith("Como no le escucho")


class _FailingModel:
    """Fault injection: the real model's stream breaks after its first piece."""

    def __init__(self, inner: LanguageModel) -> None:
        self.inner = inner

    async def stream(self, messages: list[Message]) -> AsyncIterator[str]:
        async for piece in self.inner.stream(messages):
            yield piece
            raise RuntimeError("model crashed mid-reply")


async def test_model_failure_mid_call_is_never_silence(
    services: Services, serve: ServiceFactory, clips: Clip
) -> None:
    broken = Dialogue(services.settings, _FailingModel(services.dialogue.model))
    async with serve(dialogue=broken) as url:
        result = await place_call(url, AUTH_TOKEN, [clips(MODEL_QUESTION)])
        record = await fetch_record(url, AUTH_TOKEN, result["call_sid"])
    assert record is not None and record["end_reason"] == "model_failure"
    assert (
        record["transcript"][-1]["text"]
        == "Disculpe, tengo un problema técnico. Le comunico con un asesor."
    )
    assert result["turns"][0]["latency_ms"]["voice_to_voice"] < 5000


async def test_asr_on_what_the_bot_said(services: Services) -> None:
    """The bot's own Spanish speech, through the phone codec, is intelligible to Whisper."""
    names = ["greeting", "transfer", "not_understood", "cannot_confirm"]
    wers = []
    for name in names:
        pcm = services.phrase_audio[name]
        assert np.abs(pcm).max() < 32767  # no clipping after resampling
        heard = await services.asr.transcribe(ulaw_decode(ulaw_encode(pcm)))
        wers.append(word_error_rate(services.settings.phrase(name), heard.text))
    assert sum(wers) / len(wers) < 0.65, wers


def test_services_are_shared_not_reloaded(services: Services) -> None:
    copy = dataclasses.replace(services)
    assert copy.asr is services.asr and copy.dialogue.model is services.dialogue.model
