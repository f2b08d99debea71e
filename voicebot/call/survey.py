"""The post-call satisfaction survey: a 1-5 rating by keypad after the goodbye."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from voicebot.call.record import CallRecord


class Survey:
    """Open only while the question waits for a key; no key in time is no rating."""

    def __init__(self, record: CallRecord, wait_s: float) -> None:
        self._record = record
        self._wait_s = wait_s
        self._answered: asyncio.Event | None = None

    def on_key(self, digit: str) -> bool:
        """True when the key was the rating."""
        if self._answered is None or digit not in "12345":
            return False
        self._record.csat = int(digit)
        self._answered.set()
        return True

    async def run(self, say: Callable[[str], Awaitable[None]], question_s: float) -> bool:
        """Ask, wait for the key while the question plays and `wait_s` after it, thank the
        caller for a rating; True when they rated."""
        self._answered = asyncio.Event()
        await say("csat_question")
        try:
            async with asyncio.timeout(question_s + self._wait_s):
                await self._answered.wait()
        except TimeoutError:
            return False
        finally:
            self._answered = None
        await say("csat_thanks")
        return True
