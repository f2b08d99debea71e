"""The reply to one caller turn: the dialogue's parts spoken as they come, a filler when the
answer is slow, turns the bot could not serve counted. An ending goes back to the session."""

from __future__ import annotations

import asyncio

from voicebot.call.decision import Strikes
from voicebot.call.record import TurnRecord
from voicebot.call.speaking import Speaker, ms
from voicebot.clock import Clock
from voicebot.config import Settings
from voicebot.dialogue.llm import Message
from voicebot.dialogue.policy import Dialogue, EndCall, ReplyStats
from voicebot.dialogue.retail import Concierge
from voicebot.tts import ReplyVoice


class Replier:
    """Runs replies on one call; cancelling its task stops the model and the voice."""

    def __init__(
        self,
        settings: Settings,
        dialogue: Dialogue,
        speaker: Speaker,
        strikes: Strikes,
        concierge: Concierge | None,
        clock: Clock,
    ) -> None:
        self._settings = settings
        self._dialogue = dialogue
        self._speaker = speaker
        self._strikes = strikes
        self._concierge = concierge
        self._clock = clock

    async def answer(
        self, turn: TurnRecord, history: list[Message], text: str, filler: asyncio.Task[None]
    ) -> EndCall | None:
        """Say the reply to `text`; the ending it leads to, if any."""
        voice, stats = ReplyVoice(), ReplyStats()  # one voice for the whole reply
        async for part in self._dialogue.reply(history, text, stats, self._concierge):
            filler.cancel()
            turn.llm_first_token_ms = ms(stats.first_token_s)
            turn.guarded_sentences = stats.guarded
            turn.answered_by = stats.answered_by
            if isinstance(part, EndCall):
                return part
            if self._strikes.served(part.phrase):
                return EndCall("repeated_misunderstanding", "transfer")
            phrase = self._strikes.reprompt() if part.phrase == "not_understood" else part.phrase
            if phrase is not None and self._speaker.has_phrase(phrase):
                await self._speaker.say(phrase, turn)
            elif not await self._speaker.speak(part.text, turn, voice):
                return EndCall("tts_failure", "technical_problem")
        return None

    async def filler_after(self, seconds: float) -> None:
        """A slow answer must not mean dead air: say a short filler once; at once when other
        calls' replies are queued on the model in front of this one (the answer will be late)."""
        busy_s = self._settings.llm.filler_when_busy_s
        poll_s = self._settings.timings.filler_check_s
        started = self._clock.now()
        while (waited := self._clock.now() - started) < seconds:
            if busy_s and waited >= busy_s and self._dialogue.model_queue() > 1:
                break
            await self._clock.sleep(poll_s)
        if not self._speaker.speaking:
            await self._speaker.say("filler")
