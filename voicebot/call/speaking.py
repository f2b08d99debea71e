"""The bot's voice on one call: text to audio to the player, and what the caller heard.

Replies are played clause by clause (each plays while the next renders); a sentence becomes
history only when Twilio echoes its mark, so after a barge-in the model's memory holds what
the caller actually heard.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from voicebot.audio.codec import TELEPHONY_RATE, Pcm
from voicebot.call.record import CallRecord, TurnRecord
from voicebot.clock import Clock
from voicebot.config import Settings
from voicebot.dialogue.llm import Message
from voicebot.telephony.player import Player, Utterance
from voicebot.tts import ReplyVoice, Synthesizer


class Speaker:
    """Says phrases and replies on one stream and keeps the record of what was heard."""

    def __init__(
        self,
        settings: Settings,
        tts: Synthesizer,
        phrase_audio: dict[str, Pcm],
        record: CallRecord,
        history: list[Message],
        stream_sid: str,
        send: Callable[[str], Awaitable[None]],
        on_stalled: Callable[[], None],
        clock: Clock,
        log: Any,
    ) -> None:
        self._settings = settings
        self._tts = tts
        self._phrase_audio = phrase_audio
        self._record = record
        self._history = history
        self._clock = clock
        self._log = log
        self._started = clock.now()
        self.player = Player(
            stream_sid,
            send,
            lead_ms=settings.audio.outbound_lead_ms,
            on_started=self._on_started,
            on_heard=self._on_heard,
            on_stalled=on_stalled,
            clock=clock,
        )
        self._mark_turn: dict[str, TurnRecord | None] = {}
        self._continuing: set[str] = set()  # marks of clauses that continue a reply part
        self._voiced_at: dict[int, float] = {}  # turn -> when the caller's last voiced frame came
        self.on_heard: Callable[[], None] = lambda: None  # the caller heard a sentence

    @property
    def speaking(self) -> bool:
        return self.player.speaking

    def answering(self, turn: TurnRecord, voiced_at: float) -> None:
        """Voice-to-voice time of `turn` counts from `voiced_at`."""
        self._voiced_at[id(turn)] = voiced_at

    def interrupted(self) -> None:
        """The caller talked over the bot: every turn still playing was cut."""
        for turn in self._mark_turn.values():
            if turn is not None:
                turn.interrupted = True

    async def clear(self) -> None:
        await self.player.clear()

    async def speak(self, text: str, turn: TurnRecord | None, voice: ReplyVoice) -> bool:
        """Say text clause by clause; False when no voice could say it."""
        started, first = self._clock.now(), True
        try:
            async for spoken in self._tts.stream(text, voice):
                if turn is not None and turn.tts_first_audio_ms is None:
                    turn.tts_first_audio_ms = ms(self._clock.now() - started)
                mark = self.player.new_mark("reply")
                self._mark_turn[mark] = turn
                if not first:  # heard, it joins the text's first clause in the record
                    self._continuing.add(mark)
                first = False
                await self.player.play(Utterance(spoken.text, spoken.pcm, mark))
        except Exception as exc:
            self._log.warning("tts_failed", error=repr(exc)[:200])
            return False
        return True

    async def say(self, name: str, turn: TurnRecord | None = None) -> None:
        """A fixed phrase, pre-rendered at start-up (rendered now if that failed)."""
        text = self._settings.phrase(name)
        audio = self._phrase_audio.get(name)
        if audio is None:
            try:
                audio = await self._tts.synthesize(text)
            except Exception as exc:
                self._log.warning("tts_failed", error=repr(exc)[:200])
                return
        if turn is not None and turn.tts_first_audio_ms is None:
            turn.tts_first_audio_ms = 0
        mark = self.player.new_mark(name)
        self._mark_turn[mark] = turn
        await self.player.play(Utterance(text, audio, mark))

    def has_phrase(self, name: str) -> bool:
        """A fixed phrase with pre-rendered audio."""
        return name in self._phrase_audio

    def phrase_seconds(self, name: str, unknown_s: float) -> float:
        """How long a pre-rendered phrase plays (`unknown_s` when it was not rendered)."""
        audio = self._phrase_audio.get(name)
        return len(audio) / TELEPHONY_RATE if audio is not None else unknown_s

    async def wait_idle(self, limit_s: float) -> bool:
        return await self.player.wait_idle(limit_s)

    def _on_started(self, utterance: Utterance) -> None:
        now = self._clock.now()
        if self._record.greeting_ms is None:
            self._record.greeting_ms = round((now - self._started) * 1000)
        turn = self._mark_turn.get(utterance.mark)
        if turn is not None and turn.voice_to_voice_ms is None:
            turn.voice_to_voice_ms = ms(now - self._voiced_at.get(id(turn), now))

    def _on_heard(self, utterance: Utterance) -> None:
        """A mark came back: the caller heard this sentence; only now is it history."""
        self.on_heard()
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
        said = self._record.transcript
        if continuing and said and said[-1]["role"] == "bot":
            said[-1]["text"] = f"{said[-1]['text']} {text}"
        else:
            said.append({"role": "bot", "text": text})
        if self._history and self._history[-1].role == "assistant":
            last = self._history.pop()
            self._history.append(Message("assistant", f"{last.content} {text}"))
        else:
            self._history.append(Message("assistant", text))


def ms(seconds: float | None) -> float | None:
    """Seconds as whole milliseconds (None stays None)."""
    return None if seconds is None else round(seconds * 1000)
