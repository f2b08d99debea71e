"""The call's parts on their own: consent, survey, turn taking and the idle watch (fast tier)."""

from __future__ import annotations

import asyncio
from typing import Any

import numpy as np
import pytest

from tests.conftest import make_settings
from tests.scripted import EnergyVad, virtual_time
from voicebot.asr import Transcript
from voicebot.audio.codec import FRAME_SAMPLES, ulaw_encode
from voicebot.call.consent import Consent
from voicebot.call.idle import IdleWatch
from voicebot.call.listening import (
    CallerStarted,
    CallerStopped,
    CallerTalksOver,
    CallerTurn,
    Listener,
)
from voicebot.call.record import CallRecord
from voicebot.call.survey import Survey

pytestmark = pytest.mark.fast


class _Log:
    def __init__(self) -> None:
        self.events: list[tuple[str, dict[str, Any]]] = []

    def info(self, event: str, **kw: Any) -> None:
        self.events.append((event, kw))

    warning = error = info


class _Clock:
    def __init__(self) -> None:
        self.t = 0.0

    def now(self) -> float:
        return self.t

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(seconds)


def _record() -> CallRecord:
    return CallRecord("CA1", "MZ1", "+573001234567")


def _consent(record: CallRecord, **governance: Any) -> Consent:
    settings = make_settings(governance={"ask_consent": True, "legal_basis": "", **governance})
    return Consent(record, settings, None, lambda coro: coro.close(), _Log())


def test_consent_is_asked_then_answered_once() -> None:
    record = _record()
    consent = _consent(record)
    assert consent.pending and not record.consented
    assert not consent.on_key("5") and consent.pending  # not an answer key
    assert consent.on_key("1") and record.consent == "yes" and record.consented
    assert not consent.on_key("2") and record.consent == "yes"  # answered already
    assert consent.reply_phrase == "consent_given" and consent.unanswered() is None


def test_consent_by_words_and_a_request_instead_of_an_answer() -> None:
    record = _record()
    assert not _consent(record).on_words("quiero saber de mi pedido")
    assert record.consent == "no"  # a request is served, and is not consent
    other = _record()
    consent = _consent(other)
    assert consent.on_words("sí, claro") and other.consent == "yes"
    evidence = _consent(_record()).answer(False, "voice", "no gracias 3001234567")
    assert (
        evidence["heard"] == "" and "4567" in evidence["phone"] and "300" not in evidence["phone"]
    )


def test_consent_never_answered_is_no_consent_with_evidence() -> None:
    record = _record()
    consent = _consent(record)
    evidence = consent.unanswered()
    assert evidence is not None and evidence["answer"] == "no" and evidence["how"] == "silence"
    assert not record.consented


def test_consent_restored_after_a_transfer_and_on_file() -> None:
    settings = make_settings(governance={"ask_consent": True, "legal_basis": ""})
    back = _record()
    Consent(back, settings, None, lambda c: c.close(), _Log(), restored="no")
    assert back.consent == "no" and not back.consented
    known = _record()
    consent = _consent(known)
    consent.on_file()
    assert known.consent == "on_file" and known.consented


async def test_survey_takes_one_key_in_time() -> None:
    record, said = _record(), []

    async def say(name: str) -> None:
        said.append(name)

    survey = Survey(record, wait_s=5)
    assert not survey.on_key("4")  # not asked yet
    with virtual_time():
        asking = asyncio.create_task(survey.run(say, question_s=3))
        await asyncio.sleep(4)
        assert not survey.on_key("9") and survey.on_key("4")
        assert await asking
        late = Survey(_record(), wait_s=2)
        assert not await late.run(say, question_s=1)
    assert record.csat == 4 and said == ["csat_question", "csat_thanks", "csat_question"]


def _frames(level: int, ms: int) -> bytes:
    return ulaw_encode(np.full(FRAME_SAMPLES, level, dtype=np.int16)) * (ms // 20)


def test_turn_taking_events_from_audio() -> None:
    # an energy gate stands in for the detector: webrtcvad's turn timing (no extra silence)
    off = {"speculative_asr_ms": 0, "early_end_silence_ms": 0, "vad": "webrtc"}
    cfg = make_settings(audio=off).audio
    clock = _Clock()

    async def transcribe(pcm: bytes) -> None:
        return None

    listener = Listener(cfg, EnergyVad(), transcribe, lambda c: c.close(), clock)  # type: ignore[arg-type,return-value]

    def feed(audio: bytes, speaking: bool = False) -> list[Any]:
        events: list[Any] = []
        for i in range(0, len(audio), FRAME_SAMPLES):
            clock.t += 0.02
            events += listener.feed(audio[i : i + FRAME_SAMPLES], speaking)
        return events

    # a click: starts like speech, too short to be a turn
    assert [type(e) for e in feed(_frames(3000, 80) + _frames(0, 700))] == [
        CallerStarted, CallerStopped
    ]  # fmt: skip
    # a sentence while the bot talks: started, talks over it (sustained), then a turn
    events = feed(_frames(3000, 1000) + _frames(0, cfg.end_of_turn_silence_ms + 40), True)
    assert [type(e) for e in events] == [CallerStarted, CallerTalksOver, CallerTurn]
    turn = events[-1]
    assert turn.sustained and turn.transcript is None
    assert turn.endpoint_s == pytest.approx(cfg.end_of_turn_silence_ms / 1000, abs=0.03)
    # the same words with the bot silent: no barge-in event
    assert [type(e) for e in feed(_frames(3000, 1000) + _frames(0, 700))] == [
        CallerStarted, CallerTurn
    ]  # fmt: skip


async def test_a_turn_stays_open_while_its_words_are_unwritten_or_trail_off() -> None:
    """Regression (issue 19): a caller dictating digits in groups was cut in two when the
    pause between groups outlasted the end silence; Silero's turns waited 100 ms more for
    every caller to avoid it. The transcript of the words so far decides now."""
    timing = {"speculative_asr_ms": 200, "early_end_silence_ms": 300}
    cfg = make_settings(audio={"vad": "webrtc", **timing}).audio
    assert cfg.end_of_turn_silence_ms == 600 and cfg.unfinished_silence_ms == 1000
    clock = _Clock()
    written = asyncio.Event()
    words = ""

    async def transcribe(pcm: bytes) -> Transcript:
        await written.wait()
        return Transcript(words, 1.0, 0.1)

    listener = Listener(cfg, EnergyVad(), transcribe, asyncio.create_task, clock)

    async def pause(ms: int) -> list[Any]:
        events: list[Any] = []
        for _ in range(ms // 20):
            clock.t += 0.02
            events += listener.feed(_frames(0, 20), False)
            await asyncio.sleep(0)  # the speculative pass runs as the audio comes
        return events

    def talk(ms: int) -> list[Any]:
        return listener.feed(_frames(3000, ms), False)

    # the pass is still being written at 600 ms: the turn waits for it...
    talk(1000)
    assert await pause(700) == []
    # ...and its words trail off on a digit: open until 1 s of silence
    words, _ = "cuatro cinco siete", written.set()
    assert await pause(280) == []
    (turn,) = await pause(20)
    assert isinstance(turn, CallerTurn) and turn.endpoint_s == pytest.approx(1.0, abs=0.03)
    assert (await turn.transcript).text == words
    # words that read as a whole turn end it at the early end (300 ms)
    words = "¿Cuánto vale el reloj?"
    talk(1000)
    (turn,) = await pause(400)
    assert turn.endpoint_s == pytest.approx(0.3, abs=0.03)
    # a pass that found no words holds nothing: the usual 600 ms
    words = ""
    talk(1000)
    (turn,) = await pause(700)
    assert turn.endpoint_s == pytest.approx(0.6, abs=0.03)
    # with the hold off, a trailing digit ends at the usual silence too
    off = Listener(
        cfg.model_copy(update={"unfinished_silence_ms": 0}), EnergyVad(), transcribe,
        asyncio.create_task, clock,
    )  # fmt: skip
    listener, words = off, "cuatro cinco"
    talk(1000)
    (turn,) = await pause(700)
    assert turn.endpoint_s == pytest.approx(0.6, abs=0.03)


async def test_idle_watch_asks_again_then_gives_up() -> None:
    settings = make_settings(audio={"idle_reprompt_s": 2, "idle_reprompts_before_hangup": 2})
    record, asked, gave_up = _record(), [], []
    busy = [False]

    async def reprompt() -> None:
        asked.append(asyncio.get_running_loop().time())

    with virtual_time():
        loop = asyncio.get_running_loop()
        clock = _LoopClock(loop)
        watch = IdleWatch(settings, record, clock, lambda: busy[0], reprompt,
                          lambda: gave_up.append(loop.time()))  # fmt: skip
        started = loop.time()
        task = asyncio.create_task(watch.run())
        busy[0] = True
        await asyncio.sleep(5)  # someone talks: no reprompt however long
        assert not asked
        busy[0] = False
        await asyncio.wait_for(task, 30)
    assert record.reprompts == 2 and len(asked) == 2 and len(gave_up) == 1
    assert asked[0] - started >= 5 + 2 - 0.5  # counted from the end of the talking


class _LoopClock:
    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop

    def now(self) -> float:
        return self._loop.time()

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(seconds)


def test_a_finished_record_is_kept_in_memory_as_it_is_stored() -> None:
    # regression (review of issue 18): the process kept up to 1000 finished calls' raw words,
    # card digits and full numbers in memory until they were evicted
    from voicebot.call.record import TurnRecord

    said = "mi tarjeta es 4111 1111 1111 1111 y mi cédula 1020304050"
    for consent in ("no", "yes"):
        # a fixed start time: a clock reading may itself hold "4111" (it did, in one run)
        record = CallRecord("CA1", "MZ1", "+573001234567", started_at=1.5, consent=consent)
        record.turns.append(TurnRecord(said, bot=["Su cédula 1020304050 quedó anotada."]))
        record.transcript.append({"role": "caller", "text": said})
        record.ignored_backchannels.append("ajá")
        kept = record.kept()
        assert isinstance(kept, CallRecord) and kept.call_sid == "CA1"
        text = repr(kept)
        assert "4111" not in text and "1020304050" not in text, text
        assert "3001234567" not in text if consent == "no" else kept.caller == record.caller
        assert kept.ignored_backchannels == ([] if consent == "no" else ["ajá"])
        assert record.transcript[0]["text"] == said  # the live record is untouched
