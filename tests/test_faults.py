"""Faults mid-call and shutdown: the caller always hears something sensible, the record stays."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Iterable
from pathlib import Path

import aiohttp

from tests.conftest import AUTH_TOKEN, MODEL_QUESTION, ServiceFactory, make_settings
from tests.test_handoff import desk_settings, handoff_stages, press_zero_and_listen
from voicebot.asr import Transcript
from voicebot.audio.codec import Pcm
from voicebot.dialogue.llm import Message
from voicebot.dialogue.policy import Dialogue
from voicebot.services import CALLS, Services
from voicebot.simulate import fetch_record, place_call
from voicebot.store.http import HttpStore
from voicebot.telephony.fake_cloud import FakeTwilioCloud
from voicebot.telephony.fake_twilio import FakeTwilioCall
from voicebot.telephony.twiml import sign
from voicebot.tts import ReplyVoice, Spoken, VoiceChain
from voicebot.tts.voices import EspeakVoice, PicoVoice, VoiceError

Clip = Callable[[str], Path]
CAROLINA = "+573205550101"  # a sample customer with an open order


class BrokenAsr:
    """Fault injection: every pass fails (or hangs past the ASR timeout)."""

    def __init__(self, hang: bool = False) -> None:
        self.hang = hang

    async def transcribe(self, pcm: Pcm, detect_language: bool = False) -> Transcript:
        if self.hang:
            await asyncio.sleep(3600)
        raise RuntimeError("ASR worker crashed")


class BrokenTts:
    """Fault injection: every voice fails for anything not pre-rendered."""

    async def synthesize(self, text: str) -> Pcm:
        raise RuntimeError("TTS crashed")

    async def stream(self, text: str, reply: ReplyVoice) -> AsyncIterator[Spoken]:
        raise VoiceError("TTS crashed")
        yield  # an async generator that fails at its first clause

    async def prerender(self, texts: Iterable[str], *, whole: bool = False) -> int:
        return 0


class CrashingVoice:
    """Fault injection: the neural voice crashes on every clause (e.g. its worker died)."""

    name, rate = "kokoro:ef_dora", 24_000

    def render(self, text: str) -> Pcm:
        raise VoiceError("onnxruntime: session crashed")


class TimedOutAsr:
    def __init__(self, inner: object, limit_s: float) -> None:
        self.inner, self.limit_s = inner, limit_s

    async def transcribe(self, pcm: Pcm, detect_language: bool = False) -> Transcript:
        return await asyncio.wait_for(BrokenAsr(hang=True).transcribe(pcm), self.limit_s)


async def test_asr_failure_reprompts_the_caller(serve: ServiceFactory, clips: Clip) -> None:
    async with serve(asr=BrokenAsr()) as url:
        result = await place_call(url, AUTH_TOKEN, [clips("Quiero saber cuánto cuesta el envío.")])
        record = await fetch_record(url, AUTH_TOKEN, result["call_sid"])
    assert record is not None
    assert (
        record["transcript"][-1]["text"]
        == "Disculpe, no le entendí bien. ¿Me lo puede repetir, por favor?"
    )
    assert result["turns"][0]["latency_ms"]["voice_to_voice"] < 2000


async def test_asr_timeout_reprompts_too(serve: ServiceFactory, clips: Clip) -> None:
    async with serve(asr=TimedOutAsr(None, 0.5)) as url:
        result = await place_call(url, AUTH_TOKEN, [clips("Quiero saber cuánto cuesta el envío.")])
        record = await fetch_record(url, AUTH_TOKEN, result["call_sid"])
    assert record is not None and record["transcript"][-1]["text"].startswith(
        "Disculpe, no le entendí"
    )
    assert result["turns"][0]["latency_ms"]["voice_to_voice"] < 2000


async def test_repeated_failures_end_in_a_transfer(serve: ServiceFactory, clips: Clip) -> None:
    turn = clips("Quiero saber cuánto cuesta el envío.")
    async with serve(asr=BrokenAsr()) as url:
        result = await place_call(url, AUTH_TOKEN, [turn, turn, turn])
        record = await fetch_record(url, AUTH_TOKEN, result["call_sid"])
    assert record is not None and record["end_reason"] == "repeated_misunderstanding"


async def test_tts_failure_plays_the_prerendered_apology(
    services: Services, serve: ServiceFactory, clips: Clip
) -> None:
    async with serve(tts=BrokenTts()) as url:
        result = await place_call(url, AUTH_TOKEN, [clips("Quiero saber cuánto cuesta el envío.")])
        record = await fetch_record(url, AUTH_TOKEN, result["call_sid"])
    assert record is not None and record["end_reason"] == "tts_failure"
    assert record["transcript"][-1]["text"].startswith("Disculpe, tengo un problema técnico")
    assert result["bot_audio_s"] > 5  # greeting and apology came from pre-rendered audio


async def test_a_failing_neural_voice_hands_the_reply_to_the_next_voice(
    serve: ServiceFactory, clips: Clip
) -> None:
    """Kokoro crashes mid-call: the caller hears Pico say the answer, the call goes on, the
    failure is counted on /metrics."""
    # a budget no reply reaches: Kokoro is tried (and crashes) whenever the model is slow
    chain = VoiceChain([CrashingVoice(), PicoVoice(), EspeakVoice()], budget_s=60, timeout_s=5)
    async with serve(tts=chain) as url:
        result = await place_call(url, AUTH_TOKEN, [clips(MODEL_QUESTION)])
        record = await fetch_record(url, AUTH_TOKEN, result["call_sid"])
        async with aiohttp.ClientSession() as http, http.get(f"{url}/metrics") as resp:
            metrics = await resp.text()
    assert record is not None and record["end_reason"] != "tts_failure"
    assert result["turns"][0]["bot"], "the answer was heard"
    assert 'voicebot_tts_choices_total{reason="fallback",voice="pico"}' in metrics
    assert 'voicebot_tts_choices_total{reason="failed",voice="kokoro:ef_dora"}' in metrics


async def test_dropped_websocket_keeps_the_record(base_url: str, clips: Clip) -> None:
    async with FakeTwilioCall(base_url, AUTH_TOKEN) as call:
        await call.wait_bot_audio(call.stream_started_at, 10)
        assert call._ws is not None
        await call._ws.close()  # no `stop`: the line just went away
    record = await fetch_record(base_url, AUTH_TOKEN, call.call_sid)
    assert record is not None and record["ended_by"] == "dropped"


async def test_previous_auth_token_still_works_during_rotation(serve: ServiceFactory) -> None:
    settings = make_settings(twilio={"auth_token": "new-token", "previous_auth_token": AUTH_TOKEN})
    async with serve(settings) as url:
        # Twilio still signs with the old token: the call is answered
        async with FakeTwilioCall(url, AUTH_TOKEN) as call:
            assert await call.wait_bot_audio(call.stream_started_at, 10) is not None
        form = {"CallSid": "CA1"}
        headers = {"X-Twilio-Signature": sign("some-other-token", url + "/twilio/voice", form)}
        async with aiohttp.ClientSession() as http:
            async with http.post(url + "/twilio/voice", data=form, headers=headers) as resp:
                assert resp.status == 403


async def test_drain_stops_new_calls_and_hands_over_the_ones_in_progress(
    services: Services, serve: ServiceFactory
) -> None:
    from voicebot.app import drain

    settings = make_settings(handoff={"cold_number": "+576015550000"})
    async with serve(settings) as url, aiohttp.ClientSession() as http:
        async with http.get(url + "/readyz") as resp:
            assert resp.status == 200
        call = FakeTwilioCall(url, AUTH_TOKEN)
        async with call:
            await call.wait_bot_audio(call.stream_started_at, 10)
            app = serve.apps[url]  # type: ignore[attr-defined]
            draining = asyncio.create_task(drain(app, limit_s=0.5))
            await asyncio.sleep(0.2)
            async with http.get(url + "/readyz") as resp:
                assert resp.status == 503
            form = {"CallSid": "CA" + "5" * 32}
            headers = {"X-Twilio-Signature": sign(AUTH_TOKEN, url + "/twilio/voice", form)}
            async with http.post(url + "/twilio/voice", data=form, headers=headers) as resp:
                body = await resp.text()
            assert "<Dial" in body and "+576015550000" in body and "<Stream" not in body
            await asyncio.wait_for(call.closed_by_service.wait(), 20)
            await draining
        record = app[CALLS][call.call_sid]
    assert record.end_reason == "service_draining" and record.ended_by == "transfer"
    heard = [t["text"] for t in record.transcript]
    assert heard[-1].startswith("Con gusto. Ya le comunico con un asesor")


class HangingModel:
    """Fault injection: the model never produces a first token."""

    async def stream(self, messages: list[Message]) -> AsyncIterator[str]:
        await asyncio.sleep(3600)
        yield ""


async def test_a_hanging_model_gets_a_filler_then_a_fallback(
    serve: ServiceFactory, clips: Clip
) -> None:
    settings = make_settings(llm={"first_token_timeout_s": 4.0, "filler_after_s": 1.5})
    hanging = Dialogue(settings, HangingModel())
    async with serve(settings, dialogue=hanging) as url:
        result = await place_call(url, AUTH_TOKEN, [clips(MODEL_QUESTION)])
        record = await fetch_record(url, AUTH_TOKEN, result["call_sid"])
    assert record is not None and record["end_reason"] == "model_failure"
    bot = [t["text"] for t in record["transcript"] if t["role"] == "bot"]
    assert bot[-2:] == [
        "Un momento, por favor.",
        "Disculpe, tengo un problema técnico. Le comunico con un asesor.",
    ]
    # the caller's first audio is the filler (due 1.5 s into the answer), not the fallback (due
    # at the 4 s timeout): a bound between the two, loose enough for a slow CPU's end of turn
    # and transcription (~0.9 s and ~0.7 s there) on top of the filler's 1.5 s
    assert result["turns"][0]["latency_ms"]["voice_to_voice"] < 3800


async def test_store_down_mid_call_is_said_and_the_call_goes_on(
    serve: ServiceFactory, clips: Clip, unused_tcp_port: int
) -> None:
    """The store's API refuses connections: the caller hears so, nothing is guessed."""
    down = HttpStore(f"http://127.0.0.1:{unused_tcp_port}", "", timeout_s=1)
    settings = make_settings(store={"tool_timeout_s": 1})
    try:
        async with serve(settings, store=down) as url:
            turns = [clips("Quiero saber el estado de mi orden."), clips("Hasta luego.")]
            result = await place_call(url, AUTH_TOKEN, turns, caller=CAROLINA)
            record = await fetch_record(url, AUTH_TOKEN, result["call_sid"])
    finally:
        await down.close()
    assert record is not None and record["end_reason"] == "goodbye"  # the call went on
    bot = [t["text"] for t in record["transcript"] if t["role"] == "bot"]
    assert any(t.startswith("En este momento no puedo consultar el sistema") for t in bot)
    assert record["outcome"]["store_errors"] >= 1
    assert all(t["latency_ms"]["voice_to_voice"] < 4000 for t in result["turns"])


class BrokenRecords:
    """Fault injection: our records database fails on every write (disk full, DB down)."""

    def __init__(self, inner: object) -> None:
        self._inner = inner

    def __getattr__(self, name: str) -> object:
        return getattr(self._inner, name)

    async def save_call(self, *args: object) -> None:
        raise ConnectionError("records database unavailable")

    async def remember(self, *args: object) -> None:
        raise ConnectionError("records database unavailable")


class SlowRecords(BrokenRecords):
    """A loaded records database: every write takes `delay_s`, then lands."""

    def __init__(self, inner: object, delay_s: float) -> None:
        super().__init__(inner)
        self.delay_s = delay_s

    async def save_call(self, *args: object) -> None:
        await asyncio.sleep(self.delay_s)
        await self._inner.save_call(*args)  # type: ignore[attr-defined]


async def test_a_slow_records_database_still_gets_the_record(
    services: Services, serve: ServiceFactory, clips: Clip
) -> None:
    # regression (60-minute soak, six calls): a record write slower than the store lookup
    # timeout (3 s) was dropped ("call_record_not_saved"), so the call was never stored
    store = services.settings.store.model_copy(update={"tool_timeout_s": 0.5})
    settings = services.settings.model_copy(update={"store": store})
    async with serve(settings, records=SlowRecords(services.records, delay_s=1.0)) as url:
        result = await place_call(url, AUTH_TOKEN, [clips("¿Cuánto vale un reloj?")])
        await asyncio.sleep(1.5)  # the last write lands after the hang-up
    assert services.records is not None
    stored = await services.records.call(result["call_sid"])
    assert stored is not None and stored["turns"], "the record reached the database"


async def test_records_database_down_never_stops_the_call(
    services: Services, serve: ServiceFactory, clips: Clip
) -> None:
    async with serve(records=BrokenRecords(services.records)) as url:
        result = await place_call(url, AUTH_TOKEN, [clips("¿Cuánto vale un reloj?")])
        record = await fetch_record(url, AUTH_TOKEN, result["call_sid"])  # from memory
    assert result["turns"][0]["bot"], "the caller was answered"
    assert record is not None and record["ended_by"] == "caller"
    assert services.records is not None and await services.records.call(result["call_sid"]) is None


async def test_twilio_rest_down_means_callback_not_silence(
    services: Services, serve: ServiceFactory, cloud: FakeTwilioCloud
) -> None:
    cloud.fail_with = 500
    settings = desk_settings(cloud)
    stages = handoff_stages(services, settings)
    async with (
        serve(settings, **stages) as url,
        cloud.track(FakeTwilioCall(url, AUTH_TOKEN)) as call,
    ):
        await press_zero_and_listen(call)
        await call.hangup()
        record = await fetch_record(url, AUTH_TOKEN, call.call_sid)
    (transfer,) = stages["desk"].transfers.values()
    assert transfer.status == "failed" and len(stages["desk"].callbacks) == 1
    assert record is not None
    assert record["transcript"][-1]["text"].startswith("En este momento nuestros asesores")
