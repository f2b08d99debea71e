"""Outbound audio to Twilio: real-time pacing, a `mark` per sentence, `clear` on barge-in.

Twilio plays what it receives in real time and buffers the rest; sending only a small lead
ahead keeps `clear` effective and lets mark echoes say what the caller really heard. `pause`
stops the audio at once when the caller starts talking (a `clear`), remembering where the
caller stopped hearing; `resume` plays on from there (a backchannel), `clear` drops it (a real
interruption).
"""

from __future__ import annotations

import asyncio
import itertools
import math
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import structlog

from voicebot.audio.codec import FRAME_MS, FRAME_SAMPLES, Pcm, frames, ulaw_encode
from voicebot.clock import Clock, LoopClock
from voicebot.telephony.protocol import clear_message, mark_message, media_message

log = structlog.get_logger(__name__)
FRAME_S = FRAME_MS / 1000
SEND_TIMEOUT_S = 5.0  # a peer that stops reading for this long is gone
RESUME_BACKUP_FRAMES = 15  # a resumed sentence starts 300 ms before where it stopped: context


@dataclass(frozen=True, slots=True, eq=False)
class Utterance:
    """One sentence of bot speech. Compared by identity: the same words queued twice are two
    utterances, and == on the audio arrays would raise."""

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
        self._current_from = self._current_sent = 0  # frames of the current utterance sent
        self._sent_from: dict[str, int] = {}  # pending mark -> the frame its last send began at
        self._resume: list[tuple[Utterance, int]] = []  # paused: what to play, from which frame
        self._running = asyncio.Event()  # cleared while paused
        self._clears = 0
        self._running.set()

    def new_mark(self, prefix: str) -> str:
        return f"{prefix}-{next(self._ids)}"

    @property
    def speaking(self) -> bool:
        """True while bot audio is queued, being sent, still playing at Twilio, or paused."""
        return (
            bool(self._pending)
            or self._current is not None
            or not self._queue.empty()
            or bool(self._resume)
        )

    @property
    def paused(self) -> bool:
        return not self._running.is_set()

    async def _send(self, message: str) -> None:
        # Bounded: a connection that stops reading must not hold the call (or memory) forever.
        async with self._lock, asyncio.timeout(SEND_TIMEOUT_S):
            await self._send_raw(message)

    async def play(self, utterance: Utterance) -> None:
        """Queue a sentence (waits when the bounded queue is full)."""
        self._idle.clear()
        await self._queue.put(utterance)

    async def clear(self) -> list[Utterance]:
        """Barge-in: drop queued, buffered and paused audio; return the sentences not heard."""
        self._epoch += 1
        dropped = list(self._pending.values())
        self._discarded.update(self._pending)
        self._pending.clear()
        while not self._queue.empty():
            dropped.append(self._queue.get_nowait())
        if self._current is not None:
            dropped.append(self._current)
        # by mark: two sentences of the same words (a question asked again) are still two, and
        # an Utterance's == would compare their audio arrays (it raised, mid-call)
        marks = {u.mark for u in dropped}
        dropped += [u for u, _ in self._resume if u.mark not in marks]
        self._clears += 1
        self._resume = []
        self._running.set()
        self._play_until = 0.0
        await self._send(clear_message(self._sid))
        self._update_idle()
        return dropped

    async def pause(self) -> bool:
        """Stop the audio at once and remember what the caller has not heard yet; False when
        nothing was playing (or already paused)."""
        if self.paused or not self.speaking:
            return False
        self._running.clear()
        # What Twilio still buffers was not heard: walk back over the audio sent, newest first.
        unheard = math.ceil(max(0.0, self._play_until - self._clock.now()) / FRAME_S)
        segments = [(u, self._sent_from.get(u.mark, 0), _frame_count(u))
                    for u in self._pending.values()]  # fmt: skip
        if self._current is not None:
            segments.append((self._current, self._current_from, self._current_sent))
        resume: list[tuple[Utterance, int]] = []
        for utterance, first, upto in reversed(segments):
            is_current = utterance is self._current
            if unheard <= 0 and not is_current:
                break  # played in full; its mark's echo is on its way
            stopped = max(first, upto - unheard)  # where the caller stopped hearing it
            unheard -= upto - first
            if 0 < stopped < _frame_count(utterance):
                stopped = max(0, stopped - RESUME_BACKUP_FRAMES)  # mid-sentence: some context
            resume.insert(0, (utterance, stopped))
            if utterance.mark in self._pending:  # Twilio echoes it as dropped; sent again later
                del self._pending[utterance.mark]
                self._discarded.add(utterance.mark)
        self._resume = resume
        self._epoch += 1  # the sender stops mid-sentence
        self._play_until = 0.0
        await self._send(clear_message(self._sid))
        return True

    def resume(self) -> None:
        """Play on from where the caller stopped hearing (after a backchannel or a noise)."""
        self._running.set()

    def on_mark(self, name: str) -> bool:
        """A mark echo from Twilio; return False for a mark we never sent."""
        if name in self._discarded:
            self._discarded.discard(name)  # echoed because `clear` dropped it: not heard
            return True
        utterance = self._pending.pop(name, None)
        self._sent_from.pop(name, None)
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
            await self._running.wait()
            if self._resume:
                utterance, start = self._resume.pop(0)
            else:
                utterance, start = await self._queue.get(), 0
                clears = self._clears
                await self._running.wait()  # paused while it waited for the sentence?
                if self._clears != clears:
                    continue  # and then dropped by a barge-in
                if self._resume:  # what the pause kept plays first
                    self._resume.append((utterance, 0))
                    continue
            epoch = self._epoch
            self._current, self._current_from, self._current_sent = utterance, start, start
            try:
                for i, frame in enumerate(frames(ulaw_encode(utterance.pcm))):
                    if i < start:
                        continue
                    if self._epoch != epoch:
                        break
                    now = self._clock.now()
                    self._play_until = max(self._play_until, now) + FRAME_S
                    await self._send(media_message(self._sid, frame))
                    self._current_sent = i + 1
                    if i == 0:
                        self._on_started(utterance)
                    ahead = self._play_until - self._clock.now() - self._lead
                    if ahead > 0:
                        await asyncio.sleep(ahead)
                # Re-check after the last sleep: a mark sent after a `clear` would be echoed
                # at once and wrongly count the dropped sentence as heard.
                if self._epoch == epoch:
                    self._pending[utterance.mark] = utterance
                    self._sent_from[utterance.mark] = start
                    await self._send(mark_message(self._sid, utterance.mark))
            finally:
                self._current = None
                self._update_idle()


def _frame_count(utterance: Utterance) -> int:
    return math.ceil(len(utterance.pcm) / FRAME_SAMPLES)
