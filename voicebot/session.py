"""One phone call, end to end: the only place that knows the whole flow.

    Twilio media ──► decode ──► VAD ──► turn detector ──► ASR ──► dialogue ──► TTS ──► player
                                            │                                          ▲
                                            └── caller talks over the bot: `clear` ────┘

The session owns its tasks (one TaskGroup), keeps the dialogue history to what the caller
actually heard (mark echoes), and ends the call with a spoken phrase and a logged reason.
"""

from __future__ import annotations

import asyncio
import dataclasses
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal

import numpy as np
import structlog

from voicebot.asr import Transcriber, Transcript
from voicebot.audio.codec import FRAME_SAMPLES, TELEPHONY_RATE, Pcm, ulaw_decode
from voicebot.audio.turns import SpeechStarted, SustainedSpeech, TurnDetector, TurnEnded, Vad
from voicebot.cluster import Shared
from voicebot.config import Settings
from voicebot.dialogue.llm import Message
from voicebot.dialogue.policy import Dialogue, EndCall, ReplyStats, is_backchannel
from voicebot.dialogue.retail import Concierge
from voicebot.dialogue.tools import Tools
from voicebot.dialogue.understanding import retail_intent, sounds_finished, yes_no
from voicebot.governance.redaction import mask_phone, redact, redact_lines, redact_transcript
from voicebot.handoff.desk import Desk, Transfer
from voicebot.handoff.rules import is_open
from voicebot.handoff.summary import summarize
from voicebot.handoff.twilio_rest import TwilioRest, transfer_twiml
from voicebot.metrics.kpi import friction
from voicebot.store import Records, Store
from voicebot.store.search import Catalog
from voicebot.telephony.player import Player, Utterance
from voicebot.telephony.protocol import Dtmf, InboundEvent, Mark, Media, Start, Stop
from voicebot.tts import ReplyVoice, Synthesizer

log = structlog.get_logger(__name__)


def fixed_speech(settings: Settings) -> list[str]:
    """Text the bot says word for word besides its phrases: the FAQ answers and the retail
    templates (whose `{field}` clauses the voice chain leaves for the call)."""
    store = settings.store
    templates = [
        " ".join(str(text).split()).replace("{store_name}", store.name)
        for name, text in settings.retail.model_dump().items()
        if not name.startswith("sms_") and name != "link_chat"  # written, never spoken
    ]
    return [entry.answer for entry in store.faq] + templates


@dataclass
class Services:
    """Models and settings shared by every call of the process (loaded once)."""

    settings: Settings
    asr: Transcriber
    tts: Synthesizer
    dialogue: Dialogue
    desk: Desk = field(default_factory=lambda: Desk([]))
    shared: Shared | None = None  # state shared with other processes (Redis); None: alone
    rest: TwilioRest | None = None  # Twilio's REST API, for transfers
    draining: bool = False  # SIGTERM: no new calls for the bot, calls in progress wind down
    phrase_audio: dict[str, Pcm] = field(default_factory=dict)
    store: Store | None = None  # the store's systems the tools act on
    records: Records | None = None  # customer memory, audit trail, call records
    catalog: Catalog | None = None

    def concierge(self, phone: str, channel: str, actor: str) -> Concierge | None:
        """A retail conversation for one customer, or None when no store is connected."""
        if self.store is None or self.records is None or self.catalog is None:
            return None
        timeout = self.settings.store.tool_timeout_s
        tools = Tools(self.store, self.records, self.catalog, self.rest, actor, timeout)
        return Concierge(self.settings, tools, phone, channel)

    async def reload(self, settings: Settings) -> None:
        """Apply new settings to the calls that start from now on (each call keeps a snapshot
        of the services it started with). Models are not reloaded: a change of model, ASR or
        voice needs a restart and is refused here."""
        for section in ("asr", "llm", "tts", "models_dir"):
            if getattr(settings, section) != getattr(self.settings, section):
                raise ValueError(f"{section} changed: that needs a restart (models load at start)")
        if settings.server != self.settings.server:
            # The listening socket and the URL Twilio signs stay as the process started them.
            log.warning(
                "config_reload_keeps_server_section", detail="server changes need a restart"
            )
            settings = settings.model_copy(update={"server": self.settings.server})
        fresh = Services(settings, self.asr, self.tts, Dialogue(settings, self.dialogue.model))
        await fresh.prerender_phrases()
        # Swapped together, between two awaits: a new call sees all old or all new.
        self.settings, self.dialogue, self.phrase_audio = (
            settings, fresh.dialogue, fresh.phrase_audio
        )  # fmt: skip
        # An agent removed (or whose password changed) loses their login at once.
        self.desk.agents = {a.id: a for a in settings.handoff.agents}

    async def refresh_catalog(self) -> None:
        """Reload products and stock, so availability answers follow the store."""
        if self.store is not None:
            async with asyncio.timeout(self.settings.store.tool_timeout_s):
                self.catalog = Catalog(await self.store.products())

    async def close(self) -> None:
        """Release connections (REST client, databases)."""
        for resource in (self.rest, self.store, self.records, self.shared):
            if resource is not None:
                await resource.close()

    async def prerender_phrases(self) -> None:
        """Render every fixed phrase once (whole), and the fixed clauses of the FAQ answers
        and retail templates, so greetings, fallbacks and store answers never wait for the
        voice (cached on disk across restarts)."""
        phrases = {
            name: text
            for name in type(self.settings.phrases).model_fields
            if "{" not in (text := self.settings.phrase(name))  # the agent's whisper: not audio
        }
        await self.tts.prerender(phrases.values(), whole=True)
        await self.tts.prerender(fixed_speech(self.settings))
        for name, text in phrases.items():
            self.phrase_audio[name] = await self.tts.synthesize(text)

    async def warm_up(self) -> None:
        """One pass through ASR and the model, so the first caller does not pay cold starts."""
        await self.asr.transcribe(np.zeros(TELEPHONY_RATE, dtype=np.int16))
        async for _part in self.dialogue.reply([], "Hola", ReplyStats()):
            break


@dataclass
class TurnRecord:
    """What happened in one caller turn, with server-side stage timings (ms)."""

    heard: str
    bot: list[str] = field(default_factory=list)  # sentences the caller heard in full
    interrupted: bool = False
    endpoint_ms: float | None = None
    asr_ms: float | None = None  # waited for ASR after the end of the turn
    asr_compute_ms: float | None = None  # the pass that produced the transcript
    llm_first_token_ms: float | None = None
    tts_first_audio_ms: float | None = None
    voice_to_voice_ms: float | None = None
    guarded_sentences: int = 0
    answered_by: str | None = None  # rules, tools (templates from store data) or model


@dataclass
class CallRecord:
    """The record of a call, kept by the service and shown by /calls/{sid}."""

    call_sid: str
    stream_sid: str
    caller: str
    started_at: float = field(default_factory=time.time)
    greeting_ms: float | None = None
    turns: list[TurnRecord] = field(default_factory=list)
    transcript: list[dict[str, str]] = field(default_factory=list)  # what was said and heard
    ignored_backchannels: list[str] = field(default_factory=list)
    barge_ins: int = 0
    dtmf: list[str] = field(default_factory=list)
    ended_by: str | None = None  # caller | bot | transfer | error
    transfer_id: str | None = None
    callback: bool = False  # a callback ticket was left for an agent
    end_reason: str | None = None
    duration_s: float | None = None
    outcome: dict[str, Any] = field(default_factory=dict)  # intents, tools, resolved, revenue
    config_version: str = ""  # the settings this call ran with
    csat: int | None = None  # the caller's 1-5 rating from the post-call survey
    consent: str = (
        "not_asked"  # not_asked (ops turned the question off) | pending | yes | no | on_file
    )
    legal_basis: str = ""  # governance.legal_basis: what makes a call not asked storable
    reprompts: int = 0  # the caller said nothing and was asked again
    misunderstood: int = 0  # turns the bot could not serve
    friction: dict[str, Any] = field(default_factory=dict)  # signals, score, risk (at the end)

    @property
    def consented(self) -> bool:
        """Personal data of this call may be stored: the caller said yes (or had said so to
        the store), or ops turned the question off under an explicit legal basis."""
        if self.consent == "not_asked":
            return bool(self.legal_basis)
        return self.consent in ("yes", "on_file")

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    def stored(self) -> dict[str, Any]:
        """The record as it may be kept: personal data redacted from the text, and without
        consent no words and no number at all (timings and outcome only)."""
        data = self.as_dict()
        if not self.consented:
            data["caller"] = mask_phone(self.caller) if self.caller else ""
            data["transcript"] = []
            for turn in data["turns"]:
                turn["heard"], turn["bot"] = "", []
            return data
        data["transcript"] = redact_transcript(self.transcript)
        heard = redact_lines([turn["heard"] for turn in data["turns"]])  # split numbers too
        for turn, text in zip(data["turns"], heard, strict=True):
            turn["heard"] = text
            turn["bot"] = [redact(b) for b in turn["bot"]]
        return data


class CallSession:
    """One call: feeds caller audio through the stages and plays the replies."""

    def __init__(
        self,
        services: Services,
        start: Start,
        send: Callable[[str], Awaitable[None]],
        close: Callable[[], Coroutine[Any, Any, None]],
        resume: Transfer | None = None,
    ) -> None:
        # A snapshot: a config reload during this call applies to the next calls only.
        self._s = dataclasses.replace(services)
        self._resume = resume  # back from a transfer no agent took
        cfg = services.settings.audio
        self.record = CallRecord(
            start.call_sid, start.stream_sid, start.custom_parameters.get("from", "")
        )
        self.record.config_version = services.settings.config_version
        self.record.legal_basis = services.settings.governance.legal_basis
        self._log = log.bind(call_sid=start.call_sid)
        self._concierge = services.concierge(
            self.record.caller, "voice", actor=f"bot:{start.call_sid}"
        )
        if resume is not None:  # the answer given before the transfer still holds
            self.record.consent = resume.consent
        elif services.settings.governance.ask_consent:
            self.record.consent = "pending"
        self._close = close
        self._vad = Vad(cfg.vad_aggressiveness)
        self._detector = TurnDetector(
            start_ms=cfg.speech_start_ms,
            end_silence_ms=cfg.end_of_turn_silence_ms,
            sustained_ms=cfg.barge_in_ms,
            min_utterance_ms=cfg.min_utterance_ms,
            max_utterance_ms=int(cfg.max_utterance_s * 1000),
        )
        self._player = Player(
            start.stream_sid,
            send,
            lead_ms=cfg.outbound_lead_ms,
            on_started=self._on_audio_started,
            on_heard=self._on_heard,
            on_stalled=self._on_stalled,
        )
        self._history: list[Message] = []
        self._mark_turn: dict[str, TurnRecord | None] = {}
        self._continuing: set[str] = set()  # marks of clauses that continue a reply part
        self._voiced_at: dict[int, float] = {}  # turn -> when the caller's last voiced frame came
        self._tasks: set[asyncio.Task[Any]] = set()
        self._started = time.monotonic()
        self._last_voiced_at = 0.0
        self._last_activity = time.monotonic()
        self._partial = b""  # mu-law bytes not yet making a whole 20 ms frame
        self._tg: asyncio.TaskGroup | None = None
        self._turn_task: asyncio.Task[None] | None = None
        self._turn_pcm = b""  # audio of the turn being answered, until the answer starts
        self._answering = False
        self._ending = False
        self._transferred = False  # Twilio will stop the stream: that is not a hang-up
        self._failed_turns = 0
        self._csat_open: asyncio.Event | None = None  # set while the survey waits for a key
        # speculative transcription started at early silence: (voiced ms it covers, task)
        self._speculation: tuple[int, asyncio.Task[Transcript | None]] | None = None

    @property
    def transferred(self) -> bool:
        """Handed to Twilio for a transfer: a new stream for this call may follow."""
        return self._transferred

    # ---- lifecycle -------------------------------------------------------------------
    async def run(self, events: AsyncIterator[InboundEvent]) -> CallRecord:
        """Run the call until the caller hangs up or the bot ends it."""
        self._log.info("call_started", caller=mask_phone(self.record.caller))
        try:
            async with asyncio.TaskGroup() as tg:
                self._tg = tg
                background = [tg.create_task(self._player.run()), tg.create_task(self._idle())]
                if self._resume is None:
                    self._spawn(self._greet())
                else:
                    self._spawn(self._back_from_transfer(self._resume))
                async for event in events:
                    if self._on_event(event):
                        break
                else:  # the socket closed without `stop`: Twilio or the network dropped it
                    if self.record.ended_by is None and not self._ending:
                        self.record.ended_by = "dropped"
                for task in [*background, *self._tasks]:
                    task.cancel()
        finally:
            self.record.duration_s = round(time.monotonic() - self._started, 3)
            self.record.ended_by = self.record.ended_by or "caller"
            self.record.friction = friction(self.record, self._s.settings.kpi)
            self._log.info(
                "call_ended", ended_by=self.record.ended_by, reason=self.record.end_reason
            )
            await self._persist(final=True)
        return self.record

    async def _persist(self, final: bool = False) -> None:
        """Write the call record (every turn, so a crash loses little) and, at the end, what
        to remember of a customer who authorised it. A database error never stops the call."""
        records = self._s.records
        if records is None:
            return
        if self._concierge is not None:
            self.record.outcome = self._concierge.outcome.as_dict()
        try:
            async with asyncio.timeout(self._s.settings.store.tool_timeout_s):
                stored = self.record.stored()  # without consent: a masked number, no words
                await records.save_call(self.record.call_sid, stored["caller"], stored)
                if final and self.record.consent == "pending":  # never answered: not consent
                    await records.save_consent(self._consent(False, "silence", "", save=False))
                memory = None
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
        customer = self._concierge.customer if self._concierge else None
        if customer is not None and customer.consent_data and self.record.consent == "pending":
            self._consent(True, "record", "")  # authorised before, e.g. when they registered
        if text is None or not await self._speak(text, None, ReplyVoice()):
            await self._say_phrase("greeting")
        if self.record.consent == "pending":
            await self._say_phrase("consent_question")

    def _consent(self, given: bool, how: str, heard: str, save: bool = True) -> dict[str, Any]:
        """Record the caller's answer and keep its evidence (Decreto 1377 de 2013, art. 7)."""
        self.record.consent = ("on_file" if how == "record" else "yes") if given else "no"
        evidence = {
            "call_sid": self.record.call_sid,
            "phone": self.record.caller if given else mask_phone(self.record.caller),
            "notice_version": self._s.settings.governance.notice_version,
            "answer": self.record.consent,
            "how": how,
            "heard": redact(heard) if given else "",
        }
        self._log.info("consent", answer=self.record.consent, how=how)
        if save and self._s.records is not None:
            self._spawn(self._save_consent(evidence))
        return evidence

    async def _save_consent(self, evidence: dict[str, Any]) -> None:
        assert self._s.records is not None
        try:
            async with asyncio.timeout(self._s.settings.store.tool_timeout_s):
                await self._s.records.save_consent(evidence)
        except Exception as exc:
            self._log.error("consent_not_saved", error=repr(exc)[:200])

    def _spawn(self, coro: Coroutine[Any, Any, Any]) -> asyncio.Task[Any]:
        assert self._tg is not None, "tasks are spawned only while the call runs"
        task = self._tg.create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    def _on_event(self, event: InboundEvent) -> bool:
        """Handle one inbound event; True when the caller's side has stopped."""
        match event:
            case Media(payload=payload):
                self._on_media(payload)
            case Mark(name=name):
                if not self._player.on_mark(name):
                    self._log.warning("unknown_mark", mark=name)
            case Dtmf(digit=digit):
                self.record.dtmf.append(digit)
                self._last_activity = time.monotonic()
                if self._csat_open is not None and digit in "12345":
                    self.record.csat = int(digit)
                    self._csat_open.set()
                elif digit in "12" and self.record.consent == "pending":
                    self._consent(digit == "1", "dtmf", "")
                    self._spawn(self._consent_reply())
                elif digit == "0" and not self._ending:
                    self._spawn(self._end(EndCall("transfer_requested", "transfer")))
            case Stop():
                self.record.ended_by = "transfer" if self._transferred else "caller"
                return True
            case _:
                self._log.warning("unexpected_event", event=type(event).__name__)
        return False

    # ---- caller audio ----------------------------------------------------------------
    def _on_media(self, payload: bytes) -> None:
        data = self._partial + payload
        whole = len(data) - len(data) % FRAME_SAMPLES
        self._partial = data[whole:]
        for offset in range(0, whole, FRAME_SAMPLES):
            pcm = ulaw_decode(data[offset : offset + FRAME_SAMPLES]).tobytes()
            voiced = self._vad.is_speech(pcm)
            now = time.monotonic()
            if voiced:
                self._last_voiced_at = now
            event = self._detector.feed(pcm, voiced)
            if event is None and self._sounds_finished():
                event = self._detector.end_now()
            self._maybe_speculate()
            if isinstance(event, SpeechStarted):
                self._last_activity = now
                self._speculation = None
                if not self._player.speaking and not self._answering_now():
                    # the chat so far is known: the model computes it while the caller talks
                    self._spawn(self._s.dialogue.prepare(list(self._history)))
            elif isinstance(event, SustainedSpeech) and self._player.speaking:
                self._barge_in()
            elif isinstance(event, TurnEnded):
                self._last_activity = now
                self._on_turn(event, now)

    def _answering_now(self) -> bool:
        """A caller turn is being served (transcribed, answered or spoken)."""
        return self._turn_task is not None and not self._turn_task.done()

    def _maybe_speculate(self) -> None:
        """At the first short silence, transcribe what the caller said so far: if they stay
        silent until the turn ends, the transcript is ready (or nearly) when it does."""
        wait_ms = self._s.settings.audio.speculative_asr_ms
        det = self._detector
        if not wait_ms or det.trailing_silence_ms != wait_ms or self._player.speaking:
            return
        if self._speculation is not None and self._speculation[0] == det.voiced_ms:
            return
        self._speculation = (det.voiced_ms, self._spawn(self._transcribe(det.utterance_so_far())))

    def _sounds_finished(self) -> bool:
        """The speculative transcript is ready, nothing was said since, the silence is long
        enough and the words read as a whole turn: answer now rather than at the full silence."""
        early_ms, spec = self._s.settings.audio.early_end_silence_ms, self._speculation
        det = self._detector
        if not early_ms or spec is None or det.trailing_silence_ms < early_ms:
            return False
        task = spec[1]
        if det.voiced_ms != spec[0] or not task.done() or task.cancelled():
            return False
        transcript = task.result()
        return transcript is not None and sounds_finished(transcript.text)

    def _take_speculation(self, event: TurnEnded) -> asyncio.Task[Transcript | None] | None:
        spec, self._speculation = self._speculation, None
        if spec is not None and spec[0] == event.voiced_ms:
            return spec[1]  # nothing was said after it: same words
        return None

    def _on_turn(self, event: TurnEnded, now: float) -> None:
        endpoint_s = now - self._last_voiced_at
        speculation = self._take_speculation(event)
        if self._ending:
            return
        if self._player.speaking and not event.sustained:
            # A short sound over the bot: a backchannel ("ajá") must not cut it off.
            self._spawn(self._short_interjection(event.pcm, self._last_voiced_at))
            return
        pcm = event.pcm
        if self._turn_task is not None and not self._turn_task.done() and not self._answering:
            # The caller went on before we answered: answer both parts together.
            self._turn_task.cancel()
            pcm = self._turn_pcm + pcm
            speculation = None
        self._start_turn(pcm, self._last_voiced_at, endpoint_s, speculation)

    def _start_turn(
        self,
        pcm: bytes,
        voiced_at: float,
        endpoint_s: float,
        transcript: Transcript | asyncio.Task[Transcript | None] | None,
    ) -> None:
        self._turn_pcm = pcm
        self._answering = False
        self._turn_task = self._spawn(self._turn(pcm, voiced_at, endpoint_s, transcript))

    async def _short_interjection(self, pcm: bytes, voiced_at: float) -> None:
        transcript = await self._transcribe(pcm)
        if transcript is None or is_backchannel(transcript.text, self._s.settings):
            text = transcript.text if transcript else ""
            self.record.ignored_backchannels.append(text)
            self._log_words("backchannel_ignored", text)
            return
        if self._player.speaking:  # a short real request ("espere", "no"): interrupt
            self._barge_in()
        self._start_turn(pcm, voiced_at, 0.0, transcript)

    def _barge_in(self) -> None:
        if self._ending:
            return
        self.record.barge_ins += 1
        self._log.info("barge_in")
        if self._turn_task is not None and not self._turn_task.done():
            self._turn_task.cancel()  # stops the LLM stream and pending TTS
        for turn in self._mark_turn.values():
            if turn is not None:
                turn.interrupted = True
        self._spawn(self._player.clear())

    # ---- one turn --------------------------------------------------------------------
    async def _transcribe(self, pcm: bytes) -> Transcript | None:
        try:
            return await self._s.asr.transcribe(np.frombuffer(pcm, dtype=np.int16))
        except Exception as exc:
            self._log.warning("asr_failed", error=repr(exc)[:200])
            return None

    async def _turn(
        self,
        pcm: bytes,
        voiced_at: float,
        endpoint_s: float,
        given: Transcript | asyncio.Task[Transcript | None] | None,
    ) -> None:
        # From the end of the caller's turn: slow ASR or a slow model must not mean dead air.
        filler = self._spawn(self._filler_after(self._s.settings.llm.filler_after_s))
        try:
            await self._serve_turn(pcm, voiced_at, endpoint_s, given, filler)
        finally:
            filler.cancel()
            await self._persist()

    async def _serve_turn(
        self,
        pcm: bytes,
        voiced_at: float,
        endpoint_s: float,
        given: Transcript | asyncio.Task[Transcript | None] | None,
        filler: asyncio.Task[None],
    ) -> None:
        asr_started = time.perf_counter()
        transcript = await given if isinstance(given, asyncio.Task) else given
        if transcript is None:
            transcript = await self._transcribe(pcm)
            if transcript is None:
                await self._misunderstood()
                return
        # What the caller waited for after the end of the turn: less than a whole pass when
        # the speculative one was kept.
        asr_wait_s = time.perf_counter() - asr_started
        text = transcript.text
        if not text:
            self._log.info("empty_transcript", dropped=transcript.dropped)
            return
        turn = TurnRecord(
            text,
            endpoint_ms=_ms(endpoint_s),
            asr_ms=_ms(asr_wait_s),
            asr_compute_ms=_ms(transcript.seconds),
        )
        self._voiced_at[id(turn)] = voiced_at
        self.record.turns.append(turn)
        self._log_words("caller_said", text)
        if self.record.consent == "pending":
            answer = yes_no(text)
            self._consent(bool(answer), "voice" if answer is not None else "unclear", text)
            if answer is not None:  # "sí"/"no" answered the question; anything else is a request
                self.record.transcript.append({"role": "caller", "text": text})
                await self._consent_reply()
                return
        self._answering = True
        history = list(self._history)
        self._history.append(Message("user", text))
        self.record.transcript.append({"role": "caller", "text": text})
        await self._answer(turn, history, text, ReplyStats(), filler)

    def _log_words(self, event: str, text: str) -> None:
        """Logs carry the caller's words redacted and only with consent; without it, only
        their length and intent."""
        if self.record.consented:
            self._log.info(event, text=redact(text))
        else:
            words = len(text.split())
            self._log.info(event, chars=len(text), words=words, intent=retail_intent(text))

    async def _consent_reply(self) -> None:
        if self._player.speaking:
            await self._player.clear()  # a key pressed during the question answers it
        await self._say_phrase("consent_given" if self.record.consented else "consent_refused")

    async def _filler_after(self, seconds: float) -> None:
        """A slow model must not mean dead air: say a short filler once; at once when other
        calls' replies are queued on the model in front of this one (the answer will be late)."""
        busy_s = self._s.settings.llm.filler_when_busy_s
        started = time.monotonic()
        while (waited := time.monotonic() - started) < seconds:
            if busy_s and waited >= busy_s and self._s.dialogue.model_queue() > 1:
                break
            await asyncio.sleep(0.05)
        if not self._player.speaking:
            await self._say_phrase("filler")

    async def _answer(
        self,
        turn: TurnRecord,
        history: list[Message],
        text: str,
        stats: ReplyStats,
        filler: asyncio.Task[None],
    ) -> None:
        voice = ReplyVoice()  # one voice for the whole reply
        async for part in self._s.dialogue.reply(history, text, stats, self._concierge):
            filler.cancel()
            turn.llm_first_token_ms = _ms(stats.first_token_s)
            turn.guarded_sentences = stats.guarded
            turn.answered_by = stats.answered_by
            if isinstance(part, EndCall):
                await self._end(part)
                return
            if part.phrase not in ("not_understood", "cannot_confirm"):
                self._failed_turns = 0
            elif self._failed_too_often():
                await self._end(EndCall("repeated_misunderstanding", "transfer"))
                return
            if part.phrase in self._s.phrase_audio:
                await self._say_phrase(part.phrase, turn)
            elif not await self._speak(part.text, turn, voice):
                await self._end(EndCall("tts_failure", "technical_problem"))
                return

    def _failed_too_often(self) -> bool:
        """Count a turn the bot could not serve; True when a person should take over."""
        self._failed_turns += 1
        self.record.misunderstood += 1
        return self._failed_turns >= self._s.settings.handoff.failed_turns_before_transfer

    async def _misunderstood(self) -> None:
        if self._failed_too_often():
            await self._end(EndCall("repeated_misunderstanding", "transfer"))
        else:
            await self._say_phrase("not_understood")

    async def _speak(self, text: str, turn: TurnRecord | None, voice: ReplyVoice) -> bool:
        """Say text clause by clause (each plays while the next renders); False when no
        voice could say it."""
        started, first = time.perf_counter(), True
        try:
            async for spoken in self._s.tts.stream(text, voice):
                if turn is not None and turn.tts_first_audio_ms is None:
                    turn.tts_first_audio_ms = _ms(time.perf_counter() - started)
                mark = self._player.new_mark("reply")
                self._mark_turn[mark] = turn
                if not first:  # heard, it joins the text's first clause in the record
                    self._continuing.add(mark)
                first = False
                await self._player.play(Utterance(spoken.text, spoken.pcm, mark))
        except Exception as exc:
            self._log.warning("tts_failed", error=repr(exc)[:200])
            return False
        return True

    async def _say_phrase(self, name: str, turn: TurnRecord | None = None) -> None:
        """A fixed phrase, pre-rendered at start-up (rendered now if that failed)."""
        text = self._s.settings.phrase(name)
        audio = self._s.phrase_audio.get(name)
        if audio is None:
            try:
                audio = await self._s.tts.synthesize(text)
            except Exception as exc:
                self._log.warning("tts_failed", error=repr(exc)[:200])
                return
        if turn is not None and turn.tts_first_audio_ms is None:
            turn.tts_first_audio_ms = 0
        mark = self._player.new_mark(name)
        self._mark_turn[mark] = turn
        await self._player.play(Utterance(text, audio, mark))

    async def _end(self, end: EndCall) -> None:
        """Hand the call to a person, or say the closing phrase and close the stream."""
        if self._ending:
            return
        self._ending = True
        self.record.end_reason = end.reason
        self._log.info("ending_call", reason=end.reason)
        if self._player.speaking:
            await self._player.clear()
        phrase, ended_by = end.phrase, "bot"
        if end.reason not in ("goodbye", "idle"):
            ended_by = "transfer"
            if self._s.settings.handoff.mode != "off":
                outcome = await self._transfer(end.reason)
                if outcome != "hang_up":
                    return
                phrase, ended_by = "technical_callback", "bot"
        if end.reason == "goodbye" and self._s.settings.dialogue.csat_survey:
            await self._survey()
        await self._say_phrase(phrase)
        audio = self._s.phrase_audio.get(phrase)
        played_s = len(audio) / TELEPHONY_RATE if audio is not None else 5.0
        await self._player.wait_idle(played_s + 3.0)
        self.record.ended_by = ended_by
        await self._close()

    async def _survey(self) -> None:
        """A 1-5 rating by keypad; no key within `dialogue.csat_wait_s` is no rating."""
        self._csat_open = asyncio.Event()
        await self._say_phrase("csat_question")
        audio = self._s.phrase_audio.get("csat_question")
        spoken_s = len(audio) / TELEPHONY_RATE if audio is not None else 0.0
        try:
            async with asyncio.timeout(spoken_s + self._s.settings.dialogue.csat_wait_s):
                await self._csat_open.wait()
        except TimeoutError:
            return
        finally:
            self._csat_open = None
        self._log.info("csat", score=self.record.csat)
        await self._say_phrase("csat_thanks")

    def drain(self) -> None:
        """The process is shutting down: hand this call to a person now."""
        if not self._ending and self._tg is not None:
            self._spawn(self._end(EndCall("service_draining", "transfer")))

    # ---- handing the call to a person -----------------------------------------------------
    async def _transfer(self, reason: str) -> Literal["transferred", "go_on", "hang_up"]:
        """Warm (or cold) transfer; otherwise a callback ticket, and the bot goes on if it can."""
        settings = self._s.settings.handoff
        context = self._concierge.context + self._concierge.notes if self._concierge else []
        summary = summarize(
            self.record.transcript,
            reason,
            self.record.caller,
            settings.frustration_keywords,
            context,
        )
        agent = self._s.desk.available_agent() if settings.mode == "desk" else None
        number = agent.phone if agent is not None else settings.cold_number
        open_now = is_open(settings.business_hours, datetime.now(UTC))
        if open_now and number and self._s.rest is not None:
            transfer = await self._s.desk.create(
                call_sid=self.record.call_sid,
                caller=mask_phone(self.record.caller) if self.record.caller else "",
                reason=reason,
                summary=summary,
                transcript=self._desk_transcript(),
                agent_id=agent.id if agent else None,
                consent="no" if self.record.consent == "pending" else self.record.consent,
            )
            self._log.info("transfer", reason=reason, transfer=transfer.id, warm=agent is not None)
            await self._say_phrase("hold")
            await self._player.wait_idle(10.0)
            twiml = transfer_twiml(self._s.settings, transfer.id, number, warm=agent is not None)
            # Set before the request: Twilio may send the stream's `stop` before its answer.
            self._transferred = True
            self.record.transfer_id = transfer.id
            try:
                await self._s.rest.redirect(self.record.call_sid, twiml)
                return "transferred"  # Twilio now ends the stream with `stop`
            except Exception as exc:  # REST down: the caller gets a callback, never silence
                self._log.warning("transfer_failed", error=repr(exc)[:200])
                self._transferred = False
                self.record.transfer_id = None
                await self._s.desk.update(transfer.id, status="failed")
        await self._s.desk.add_callback(self.record.call_sid, self.record.caller, reason, summary)
        self.record.callback = True
        if reason in ("model_failure", "tts_failure"):
            return "hang_up"  # the bot cannot go on
        await self._say_phrase("agent_unavailable" if open_now else "out_of_hours")
        self._ending = False
        self.record.end_reason = None
        return "go_on"

    def _desk_transcript(self) -> list[dict[str, str]]:
        """What the desk (and Redis) may hold of the words: redacted, and only with consent
        (without it the agent gets the redacted summary, not the conversation)."""
        if not self.record.consented:
            return []
        return redact_transcript(self.record.transcript)

    async def _back_from_transfer(self, transfer: Transfer) -> None:
        """No agent took the call: restore its story and offer a callback."""
        self.record.transcript.extend(transfer.transcript)
        for line in transfer.transcript:
            role = "user" if line["role"] == "caller" else "assistant"
            self._history.append(Message(role, line["text"]))  # type: ignore[arg-type]
        await self._s.desk.add_callback(
            self.record.call_sid, self.record.caller, transfer.reason, transfer.summary
        )
        await self._s.desk.update(transfer.id, status="callback")
        await self._say_phrase("agent_unavailable")

    # ---- callbacks from the player ---------------------------------------------------
    def _on_audio_started(self, utterance: Utterance) -> None:
        now = time.monotonic()
        if self.record.greeting_ms is None:
            self.record.greeting_ms = round((now - self._started) * 1000)
        turn = self._mark_turn.get(utterance.mark)
        if turn is not None and turn.voice_to_voice_ms is None:
            turn.voice_to_voice_ms = _ms(now - self._voiced_at.get(id(turn), now))

    def _on_stalled(self) -> None:
        """The connection stopped taking our audio: end the call, keep its record."""
        self.record.ended_by = "dropped"
        self._spawn(self._close())

    def _on_heard(self, utterance: Utterance) -> None:
        """A mark came back: the caller heard this sentence; only now is it history."""
        self._last_activity = time.monotonic()
        turn = self._mark_turn.pop(utterance.mark, None)
        continuing = utterance.mark in self._continuing
        self._continuing.discard(utterance.mark)
        text = utterance.text
        if not text:  # the second half of a clause cut in two: its text came with the first
            return
        # A reply part is played clause by clause; the record keeps it as one text.
        if turn is not None:
            if continuing and turn.bot:
                turn.bot[-1] = f"{turn.bot[-1]} {text}"
            else:
                turn.bot.append(text)
        said = self.record.transcript
        if continuing and said and said[-1]["role"] == "bot":
            said[-1]["text"] = f"{said[-1]['text']} {text}"
        else:
            said.append({"role": "bot", "text": text})
        if self._history and self._history[-1].role == "assistant":
            last = self._history.pop()
            self._history.append(Message("assistant", f"{last.content} {utterance.text}"))
        else:
            self._history.append(Message("assistant", utterance.text))

    # ---- silence on the line ---------------------------------------------------------
    async def _idle(self) -> None:
        cfg = self._s.settings.audio
        while True:
            await asyncio.sleep(0.25)
            busy = (
                self._player.speaking
                or self._detector.in_speech
                or self._answering_now()
                or self._ending
            )
            if busy:
                self._last_activity = max(self._last_activity, time.monotonic() - 0.25)
                continue
            if time.monotonic() - self._last_activity < cfg.idle_reprompt_s:
                continue
            if self.record.reprompts >= cfg.idle_reprompts_before_hangup:
                self._spawn(self._end(EndCall("idle", "idle_goodbye")))
                return
            self.record.reprompts += 1
            self._last_activity = time.monotonic()
            await self._say_phrase("reprompt")


def _ms(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds * 1000)
