"""Silence on the line: after `audio.idle_reprompt_s` with nothing going on, the bot asks
again ("¿Me escucha? Sigo en la llamada."); after `audio.idle_reprompts_before_hangup` of
those, it says goodbye."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from voicebot.call.record import CallRecord
from voicebot.clock import Clock
from voicebot.config import Settings


class IdleWatch:
    """Watches one call's line for silence."""

    def __init__(
        self,
        settings: Settings,
        record: CallRecord,
        clock: Clock,
        busy: Callable[[], bool],
        reprompt: Callable[[], Awaitable[None]],
        give_up: Callable[[], object],
    ) -> None:
        self._cfg = settings.audio
        self._poll_s = settings.timings.idle_check_s
        self._record = record
        self._clock = clock
        self._busy = busy  # someone is talking, a turn is being served, or the call ends
        self._reprompt = reprompt
        self._give_up = give_up
        self._last_activity = clock.now()

    def touch(self) -> None:
        """Something happened on the line (the caller spoke or pressed a key, a sentence was
        heard)."""
        self._last_activity = self._clock.now()

    async def run(self) -> None:
        while True:
            await self._clock.sleep(self._poll_s)
            now = self._clock.now()
            if self._busy():
                self._last_activity = max(self._last_activity, now - self._poll_s)
                continue
            if now - self._last_activity < self._cfg.idle_reprompt_s:
                continue
            if self._record.reprompts >= self._cfg.idle_reprompts_before_hangup:
                self._give_up()
                return
            self._record.reprompts += 1
            self._last_activity = now
            await self._reprompt()
