"""Outbound audio to Twilio: real-time pacing, a `mark` per sentence, `clear` on barge-in.

Twilio plays what it receives in real time and buffers the rest; sending only a small lead
ahead keeps `clear` effective and lets mark echoes say what the caller really heard.
"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import structlog

from voicebot.audio.codec import FRAME_MS, Pcm, frames, ulaw_encode
from voicebot.clock import Clock, LoopClock
from voicebot.telephony.protocol import clear_message, mark_message, media_message

log = structlog.get_logger(__name__)
FRAME_S = FRAME_MS / 1000
SEND_TIMEOUT_S = 5.0  # a peer that stops reading for this long is gone


@dataclass(frozen=True, slots=True)
class Utterance:
    """One sentence of bot speech."""

    text: str
    pcm: Pcm  # PCM16 8 kHz
    mark: str


class Player:
    """Owns everything the service sends on one stream."""

    def __init__(
        self,
        stream_sid: str,
        send: Callable[[str], Awaitable[None]],
        *,
        lead_ms: int,
        on_started: Callable[[Utterance], None],
        on_heard: Callable[[Utterance], None],
        on_stalled: Callable[[], None] = lambda: None,
        queue_size: int = 8,
        clock: Clock | None = None,
    ) -> None:
        self._clock = clock or LoopClock()  # the loop's: tests may fast-forward it
        self._sid = stream_sid
        self._send_raw = send
        self._lead = lead_ms / 1000
        self._on_started = on_started
        self._on_heard = on_heard
        self._on_stalled = on_stalled
        self._queue: asyncio.Queue[Utterance] = asyncio.Queue(maxsize=queue_size)
        self._lock = asyncio.Lock()
        self._pending: dict[str, Utterance] = {}  # marks sent, echo not yet back
        self._discarded: set[str] = set()  # marks whose audio a `clear` dropped
        self._epoch = 0
        self._current: Utterance | None = None
        self._play_until = 0.0  # clock time when Twilio's buffer runs dry
        self._idle = asyncio.Event()
        self._idle.set()
        self._ids = itertools.count(1)

    def new_mark(self, prefix: str) -> str:
        return f"{prefix}-{next(self._ids)}"

    @property
    def speaking(self) -> bool:
        """True while bot audio is queued, being sent, or still playing at Twilio."""
        return bool(self._pending) or self._current is not None or not self._queue.empty()

    async def _send(self, message: str) -> None:
        # Bounded: a connection that stops reading must not hold the call (or memory) forever.
        async with self._lock, asyncio.timeout(SEND_TIMEOUT_S):
            await self._send_raw(message)

    async def play(self, utterance: Utterance) -> None:
        """Queue a sentence (waits when the bounded queue is full)."""
        self._idle.clear()
        await self._queue.put(utterance)

    async def clear(self) -> list[Utterance]:
        """Barge-in: drop queued and buffered audio; return the sentences not heard."""
        self._epoch += 1
        dropped = list(self._pending.values())
        self._discarded.update(self._pending)
        self._pending.clear()
        while not self._queue.empty():
            dropped.append(self._queue.get_nowait())
        if self._current is not None:
            dropped.append(self._current)
        self._play_until = 0.0
        await self._send(clear_message(self._sid))
        self._update_idle()
        return dropped

    def on_mark(self, name: str) -> bool:
        """A mark echo from Twilio; return False for a mark we never sent."""
        if name in self._discarded:
            self._discarded.discard(name)  # echoed because `clear` dropped it: not heard
            return True
        utterance = self._pending.pop(name, None)
        if utterance is None:
            return False
        self._on_heard(utterance)
        self._update_idle()
        return True

    def _update_idle(self) -> None:
        if not self.speaking:
            self._idle.set()

    async def wait_idle(self, limit_s: float) -> bool:
        """Wait until everything sent has played (all marks back)."""
        try:
            async with asyncio.timeout(limit_s):
                await self._idle.wait()
            return True
        except TimeoutError:
            return False

    async def run(self) -> None:
        """Send queued sentences frame by frame at real time plus a small lead."""
        try:
            await self._run()
        except (TimeoutError, ConnectionError) as exc:
            log.warning("peer_not_reading", error=repr(exc)[:100])
            self._on_stalled()

    async def _run(self) -> None:
        while True:
            utterance = await self._queue.get()
            epoch = self._epoch
            self._current = utterance
            try:
                for i, frame in enumerate(frames(ulaw_encode(utterance.pcm))):
                    if self._epoch != epoch:
                        break
                    now = self._clock.now()
                    self._play_until = max(self._play_until, now) + FRAME_S
                    await self._send(media_message(self._sid, frame))
                    if i == 0:
                        self._on_started(utterance)
                    ahead = self._play_until - self._clock.now() - self._lead
                    if ahead > 0:
                        await asyncio.sleep(ahead)
                # Re-check after the last sleep: a mark sent after a `clear` would be echoed
                # at once and wrongly count the dropped sentence as heard.
                if self._epoch == epoch:
                    self._pending[utterance.mark] = utterance
                    await self._send(mark_message(self._sid, utterance.mark))
            finally:
                self._current = None
                self._update_idle()
