"""One phone call, end to end: the only place that knows the whole flow.

    Twilio media ──► Listener (VAD, turns) ──► ASR ──► Dialogue ──► Speaker (TTS, player)
                          │                                              ▲
                          └── caller talks over the bot: `clear` ────────┘

Around the turns: the consent question, the survey and the transfer are small state machines
in their own modules; `decision` says where the call goes when the bot's part ends. The
session owns every task (one TaskGroup) and ends the call with a phrase and a logged reason.
"""

from __future__ import annotations

import asyncio
import dataclasses
import math
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine
from typing import Any

import numpy as np
import structlog

from voicebot.asr import Transcript
from voicebot.audio.vad import speech_detector
from voicebot.call.consent import Consent
from voicebot.call.decision import NO_PERSON, Strikes, next_step
from voicebot.call.idle import IdleWatch
from voicebot.call.listening import (
    CallerStarted,
    CallerStopped,
    CallerTalksOver,
    CallerTurn,
    Listener,
    ListenEvent,
    Pending,
    SpeechDetector,
)
from voicebot.call.record import CallRecord, TurnRecord
from voicebot.call.replying import Replier
from voicebot.call.speaking import Speaker, ms
from voicebot.call.survey import Survey
from voicebot.call.transfer import Handover
from voicebot.clock import Clock, LoopClock
from voicebot.dialogue.llm import Message
from voicebot.dialogue.policy import EndCall, is_aside, is_backchannel
from voicebot.dialogue.understanding import retail_intent
from voicebot.governance.redaction import mask_phone, redact
from voicebot.handoff.desk import Transfer
from voicebot.metrics.kpi import friction
from voicebot.services import Services
from voicebot.telephony.protocol import Dtmf, InboundEvent, Mark, Media, Start, Stop
from voicebot.tts import ReplyVoice

log = structlog.get_logger(__name__)


class CallSession:
    """One call: feeds caller audio through the stages and plays the replies."""

    def __init__(
        self,
        services: Services,
        start: Start,
        send: Callable[[str], Awaitable[None]],
        close: Callable[[], Coroutine[Any, Any, None]],
        resume: Transfer | None = None,
        *,
        clock: Clock | None = None,
        vad: SpeechDetector | None = None,
    ) -> None:
        # A snapshot: a config reload during this call applies to the next calls only.
        self._s = s = dataclasses.replace(services)
        self._clock = clock = clock or LoopClock()
        self._resume = resume  # back from a transfer no agent took
        self._close = close
        self.record = CallRecord(
            start.call_sid, start.stream_sid, start.custom_parameters.get("from", "")
        )
        self.record.config_version = s.settings.config_version
        self.record.legal_basis = s.settings.governance.legal_basis
        self.record.caller_id_attestation = start.custom_parameters.get("verstat", "")
        self._log = log.bind(call_sid=start.call_sid)
        self._concierge = s.concierge(
            self.record.caller, "voice", actor=f"bot:{start.call_sid}",
            verstat=self.record.caller_id_attestation,
        )  # fmt: skip
        # the conversation's state before the turn being answered: what a withdrawn reply
        # changed is undone when the caller's next part is joined to that turn
        self._state_before: dict[str, Any] | None = None
        self._history: list[Message] = []
        self._tasks: set[asyncio.Task[Any]] = set()
        self._tg: asyncio.TaskGroup | None = None
        restored = resume.consent if resume is not None else None
        self._consent = Consent(
            self.record, s.settings, s.records, self._spawn, self._log, restored
        )
        self._survey = Survey(self.record, s.settings.dialogue.csat_wait_s)
        self._strikes = Strikes(s.settings.handoff.failed_turns_before_transfer)
        self._listener = Listener(
            s.settings.audio,
            vad or speech_detector(s.settings),
            self._transcribe,
            self._spawn,
            clock,
        )
        self._speaker = Speaker(
            s.settings, s.tts, s.phrase_audio, self.record, self._history,
            start.stream_sid, send, self._on_stalled, clock, self._log,
        )  # fmt: skip
        self._replier = Replier(
            s.settings, s.dialogue, self._speaker, self._strikes, self._concierge, clock
        )
        self._handover = Handover(
            s.settings, s.desk, s.rest, self.record, self._concierge, self._speaker, self._log
        )
        self._idle = IdleWatch(
            s.settings, self.record, clock, self._busy, lambda: self._speaker.say("reprompt"),
            lambda: self._spawn(self._end(EndCall("idle", "idle_goodbye"))),
        )  # fmt: skip
        self._speaker.on_heard = self._idle.touch
        self._started = clock.now()
        self._turn_task: asyncio.Task[None] | None = None
        self._turn_pcm = b""  # audio of the turn being answered, until the answer starts
        self._english = False  # the caller's last turn was heard in English
        self._answering = False
        self._ending = False
        self._spoke_at = 0.0  # when the caller last started talking
        self._asked = ""  # the caller's words the last reply answered (parts joined)
        self._turn_voiced_at = -math.inf  # the last voiced frame of the turn last started

    @property
    def transferred(self) -> bool:
        """Handed to Twilio for a transfer: a new stream for this call may follow."""
        return self._handover.transferred

    # ---- lifecycle -------------------------------------------------------------------
    async def run(self, events: AsyncIterator[InboundEvent]) -> CallRecord:
        """Run the call until the caller hangs up or the bot ends it."""
        self._log.info("call_started", caller=mask_phone(self.record.caller))
        try:
            async with asyncio.TaskGroup() as tg:
                self._tg = tg
                player = tg.create_task(self._speaker.player.run())
                idle = tg.create_task(self._idle.run())
                if self._resume is None:
                    self._spawn(self._greet())
                else:
                    self._spawn(self._handover.returned(self._resume, self._history))
                async for event in events:
                    if self._on_event(event):
                        break
                else:  # the socket closed without `stop`: Twilio or the network dropped it
                    if self.record.ended_by is None and not self._ending:
                        self.record.ended_by = "dropped"
                for task in [player, idle, *self._tasks]:
                    task.cancel()
        finally:
            self.record.duration_s = round(self._clock.now() - self._started, 3)
            self.record.ended_by = self.record.ended_by or "caller"
            self.record.misunderstood = self._strikes.total
            self.record.friction = friction(self.record, self._s.settings.kpi)
            self._log.info(
                "call_ended", ended_by=self.record.ended_by, reason=self.record.end_reason
            )
            await self._persist(final=True)
        return self.record

    def drain(self) -> None:
        """The process is shutting down: hand this call to a person now."""
        if not self._ending and self._tg is not None:
            self._spawn(self._end(EndCall("service_draining", "transfer")))

    async def _persist(self, final: bool = False) -> None:
        """Write the call record (every turn, so a crash loses little) and, at the end, what
        to remember of a customer who authorised it. A database error never stops the call."""
        self.record.misunderstood = self._strikes.total
        records = self._s.records
        if records is None:
            return
        if self._concierge is not None:
            self.record.outcome = self._concierge.outcome.as_dict()
        try:
            async with asyncio.timeout(self._s.settings.store.save_timeout_s):
                stored = self.record.stored()  # without consent: a masked number, no words
                await records.save_call(self.record.call_sid, stored["caller"], stored)
                evidence = self._consent.unanswered() if final else None
                if evidence is not None:
                    await records.save_consent(evidence)
                if final and self._concierge is not None and self.record.consented:
                    memory = self._concierge.interaction()
                    if memory is not None:
                        await records.remember(memory)
        except Exception as exc:
            self._log.error("call_record_not_saved", error=repr(exc)[:200])

    async def _greet(self) -> None:
        """A known customer is greeted by name and about their open order or cart."""
        text = None
        if self._concierge is not None:
            try:
                async with asyncio.timeout(self._s.settings.store.tool_timeout_s):
                    text = await self._concierge.greeting()
            except TimeoutError:
                self._log.warning("greeting_lookup_slow")
            customer = self._concierge.customer
            # a consent on file is the customer's: a caller ID anyone could send is asked
            if customer is not None and customer.consent_data and self._concierge.phone_proven:
                self._consent.on_file()
        if text is None or not await self._speaker.speak(text, None, ReplyVoice()):
            await self._speaker.say("greeting")
        if self._consent.pending:
            await self._speaker.say("consent_question")

    def _spawn(self, coro: Coroutine[Any, Any, Any]) -> asyncio.Task[Any]:
        assert self._tg is not None, "tasks are spawned only while the call runs"
        task = self._tg.create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    def _busy(self) -> bool:
        """Someone is talking, a turn is being served, or the call is ending."""
        return (
            self._speaker.speaking
            or self._listener.in_speech
            or self._answering_now()
            or self._ending
        )

    # ---- inbound events --------------------------------------------------------------
    def _on_event(self, event: InboundEvent) -> bool:
        """Handle one inbound event; True when the caller's side has stopped."""
        match event:
            case Media(payload=payload):
                speaking, player = self._speaker.speaking, self._speaker.player
                audible = speaking and not player.paused
                for heard in self._listener.feed(payload, speaking, audible):
                    self._on_caller(heard)
            case Mark(name=name):
                if not self._speaker.player.on_mark(name):
                    self._log.warning("unknown_mark", mark=name)
            case Dtmf(digit=digit):
                self.record.dtmf.append(digit)
                self._idle.touch()
                if self._survey.on_key(digit):
                    pass
                elif self._consent.on_key(digit):
                    self._spawn(self._consent_reply())
                elif digit == "0" and not self._ending:
                    self._spawn(self._end(EndCall("transfer_requested", "transfer")))
            case Stop():
                self.record.ended_by = "transfer" if self.transferred else "caller"
                return True
            case _:
                self._log.warning("unexpected_event", event=type(event).__name__)
        return False

    def _on_caller(self, heard: ListenEvent) -> None:
        match heard:
            case CallerStarted():
                self._idle.touch()
                self._spoke_at = self._clock.now()
                if self._speaker.speaking:
                    if self._s.settings.audio.pause_on_speech and not self._ending:
                        # Stop talking at once; a backchannel resumes, a request cancels.
                        self._spawn(self._speaker.player.pause())
                elif not self._answering_now():
                    # the chat so far is known: the model computes it while the caller talks
                    self._spawn(self._s.dialogue.prepare(list(self._history)))
            case CallerStopped():
                self._speaker.player.resume()  # a noise, not the caller taking the turn
            case CallerTalksOver():
                if not self._speaker.player.paused:  # paused: the words will decide
                    self._barge_in()
            case CallerTurn():
                self._idle.touch()
                self._on_turn(heard)

    def _answering_now(self) -> bool:
        """A caller turn is being served (transcribed, answered or spoken)."""
        return self._turn_task is not None and not self._turn_task.done()

    def _on_turn(self, turn: CallerTurn) -> None:
        if self._ending:
            return
        if self._speaker.speaking and (not turn.sustained or self._speaker.player.paused):
            # A short sound over the bot, or any words while it is paused for them: a
            # backchannel ("ajá") must not cut it off; the words decide.
            self._spawn(self._interjection(turn))
            return
        pcm, given = turn.pcm, turn.transcript
        if self._answering_now() and not self._answering:
            # The caller went on before we answered: answer both parts together.
            assert self._turn_task is not None
            self._turn_task.cancel()
            pcm, given = self._turn_pcm + pcm, None
        self._start_turn(pcm, turn.voiced_at, turn.endpoint_s, given)

    def _start_turn(
        self, pcm: bytes, voiced_at: float, endpoint_s: float, given: Transcript | Pending | None
    ) -> None:
        before = self._unanswered_words()
        if before and self._answering_now():
            assert self._turn_task is not None
            self._turn_task.cancel()  # nothing of its reply was heard: one answer for both
        self._turn_pcm = pcm
        self._answering = False
        self._turn_voiced_at = voiced_at
        self._turn_task = self._spawn(self._turn(pcm, voiced_at, endpoint_s, given, before))

    def _unanswered_words(self) -> str:
        """The words the last reply was for (parts already joined), when the caller went on so
        soon after them (a pause between two sentences: "Buenas, una consulta: la factura
        electrónica…" "¿me llega al correo?") that no sentence of that reply was heard: the
        parts are one request."""
        last = self.record.turns[-1] if self.record.turns else None
        soon = self._spoke_at - self._turn_voiced_at <= self._s.settings.timings.going_on_s
        return self._asked if last is not None and not last.bot and soon else ""

    async def _interjection(self, turn: CallerTurn) -> None:
        """Words over the bot (short, or while it is paused): a backchannel or a noise lets it
        go on; anything else interrupts and is answered."""
        given = await turn.transcript if turn.transcript is not None else None
        transcript = given or await self._transcribe(turn.pcm)
        # No words (a sigh, Whisper's empty or dropped pass) over the bot is not a request.
        words = transcript.text if transcript is not None else ""
        if self._asks_nothing(words):
            text = transcript.text if transcript else ""
            self.record.ignored_backchannels.append(text)
            self._log_words("backchannel_ignored", text)
            self._speaker.player.resume()  # the bot goes on from where it stopped
            return
        if self._speaker.speaking:  # a short real request ("espere", "no"): interrupt
            self._barge_in()
        self._start_turn(turn.pcm, turn.voiced_at, turn.endpoint_s, transcript)

    def _asks_nothing(self, words: str) -> bool:
        """Words over the bot that let it go on: none, a backchannel, or (when it pauses for
        speech) one or two words with no request in them."""
        settings = self._s.settings
        if not words or is_backchannel(words, settings):
            return True
        if not settings.audio.pause_on_speech:
            return False
        heard = self._s.dialogue.understand(words)
        catalog = self._concierge.tools.catalog if self._concierge is not None else None
        return is_aside(
            heard, settings, catalog is not None and catalog.mentions_product(heard.folded)
        )

    def _barge_in(self) -> None:
        if self._ending:
            return
        self.record.barge_ins += 1
        self._log.info("barge_in")
        if self._answering_now():
            assert self._turn_task is not None
            self._turn_task.cancel()  # stops the LLM stream and pending TTS
        self._speaker.interrupted()
        self._spawn(self._speaker.clear())

    # ---- one turn --------------------------------------------------------------------
    async def _transcribe(self, pcm: bytes) -> Transcript | None:
        # Whisper forced to Spanish translates an English caller: the language is checked
        # on the first turn, and on every turn of a caller heard in English.
        detect = not self.record.turns or self._english
        try:
            heard = await self._s.asr.transcribe(np.frombuffer(pcm, dtype=np.int16), detect)
        except Exception as exc:
            self._log.warning("asr_failed", error=repr(exc)[:200])
            return None
        self._english = heard.language == "en"
        return heard

    async def _turn(
        self,
        pcm: bytes,
        voiced_at: float,
        endpoint_s: float,
        given: Transcript | Pending | None,
        before: str = "",
    ) -> None:
        # From the end of the caller's turn: slow ASR or a slow model must not mean dead air.
        filler = self._spawn(self._replier.filler_after(self._s.settings.llm.filler_after_s))
        try:
            await self._serve_turn(pcm, voiced_at, endpoint_s, given, filler, before)
        finally:
            filler.cancel()
            await self._persist()

    async def _serve_turn(
        self,
        pcm: bytes,
        voiced_at: float,
        endpoint_s: float,
        given: Transcript | Pending | None,
        filler: asyncio.Task[None],
        before: str = "",
    ) -> None:
        """`before`: the caller's words of the turn before, unanswered (`_unanswered_words`),
        understood together with these."""
        asr_started = self._clock.now()
        transcript = await given if isinstance(given, asyncio.Task) else given
        if transcript is None:
            transcript = await self._transcribe(pcm)
            if transcript is None:
                await self._not_heard()
                return
        text = transcript.text
        if not text:
            # Whisper heard no words, or only a loop it dropped: never silence for a caller
            # who talked; a short sound with no words is noise.
            self._log.info("empty_transcript", dropped=transcript.dropped)
            heard_s = self._s.settings.timings.empty_turn_reprompt_s
            if transcript.dropped or transcript.audio_s >= heard_s:
                await self._not_heard()
            return
        # What the caller waited for after the end of the turn: less than a whole pass when
        # the speculative one was kept.
        turn = TurnRecord(
            text,
            endpoint_ms=ms(endpoint_s),
            asr_ms=ms(self._clock.now() - asr_started),
            asr_compute_ms=ms(transcript.seconds),
        )
        self._speaker.answering(turn, voiced_at)
        self.record.turns.append(turn)
        self._log_words("caller_said", text)
        if self._consent.pending and self._consent.on_words(text):
            self.record.transcript.append({"role": "caller", "text": text})
            await self._consent_reply()  # "sí"/"no" answered it; anything else is a request
            return
        self._answering = True
        self.record.transcript.append({"role": "caller", "text": text})
        if before:
            if self._history and self._history[-1] == Message("user", before):
                self._history.pop()  # asked again below, with what followed it
            text = f"{before} {text}"
            if self._concierge is not None and self._state_before is not None:
                self._concierge.restore(self._state_before)  # its reply was never heard
        elif self._concierge is not None:
            self._state_before = self._concierge.snapshot()
        self._asked = text
        history = list(self._history)
        self._history.append(Message("user", text))
        end = await self._replier.answer(turn, history, text, filler)
        if end is not None:
            await self._end(end, turn)

    async def _not_heard(self) -> None:
        """A turn with no words the bot could use: ask again (worded differently the second
        time), then a person."""
        if self._strikes.failed():
            await self._end(EndCall("repeated_misunderstanding", "transfer"))
        else:
            await self._speaker.say(self._strikes.reprompt())

    def _log_words(self, event: str, text: str) -> None:
        """Logs carry the caller's words redacted and only with consent; without it, only
        their length and intent."""
        if self.record.consented:
            self._log.info(event, text=redact(text))
        else:
            words = len(text.split())
            self._log.info(event, chars=len(text), words=words, intent=retail_intent(text))

    async def _consent_reply(self) -> None:
        if self._speaker.speaking:
            await self._speaker.clear()  # a key pressed during the question answers it
        await self._speaker.say(self._consent.reply_phrase)

    # ---- the end of the bot's part ---------------------------------------------------
    async def _end(self, end: EndCall, turn: TurnRecord | None = None) -> None:
        """Hand the call to a person, or say the closing phrase and close the stream (what is
        said is part of `turn`'s record when a caller turn led here)."""
        if self._ending:
            return
        self._ending = True
        self.record.end_reason = end.reason
        self._log.info("ending_call", reason=end.reason)
        if self._speaker.speaking:
            await self._speaker.clear()
        step = next_step(end, self._s.settings.handoff.mode != "off")
        if step.to_person:
            outcome = await self._handover.transfer(end.reason, step.resumes, turn)
            if outcome == "go_on":  # nobody to take it: the bot carries on
                self._ending = False
                self.record.end_reason = None
            if outcome != "hang_up":
                return
            step = NO_PERSON
        if end.reason == "goodbye" and self._s.settings.dialogue.csat_survey:
            rated = await self._survey.run(
                lambda name: self._speaker.say(name, turn),
                self._speaker.phrase_seconds("csat_question", 0.0),
            )
            if rated:
                self._log.info("csat", score=self.record.csat)
        await self._speaker.say(step.phrase, turn)
        timings = self._s.settings.timings
        played_s = self._speaker.phrase_seconds(step.phrase, timings.closing_unrendered_s)
        await self._speaker.wait_idle(played_s + timings.closing_margin_s)
        self.record.ended_by = step.ended_by
        await self._close()

    def _on_stalled(self) -> None:
        """The connection stopped taking our audio: end the call, keep its record."""
        self.record.ended_by = "dropped"
        self._spawn(self._close())
