"""The fast tier's parts: scripted stand-ins for ASR, the model and the voice, a phone line that
behaves as Twilio's does, and virtual time, so a whole call runs in milliseconds.

The stand-ins share the real stages' contracts (`Transcriber`, `LanguageModel`,
`Synthesizer`); the session, the dialogue rules, the player and the turn detector are real.
Caller speech is a constant level per utterance; the scripted ASR reads the level back as the
words registered for it, so what the session transcribes is exactly what the caller "said",
including two utterances answered together.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import re
from collections import deque
from collections.abc import AsyncIterator, Callable, Iterable, Iterator
from typing import Any

import numpy as np

from voicebot.asr import Transcript
from voicebot.audio.codec import (
    FRAME_MS,
    FRAME_SAMPLES,
    TELEPHONY_RATE,
    Pcm,
    ulaw_decode,
    ulaw_encode,
)
from voicebot.call.record import CallRecord
from voicebot.call.session import CallSession
from voicebot.config import Settings
from voicebot.dialogue.llm import Message
from voicebot.dialogue.policy import Dialogue
from voicebot.services import Services
from voicebot.telephony.protocol import Dtmf, InboundEvent, Mark, Media, Start, Stop
from voicebot.tts import ReplyVoice, Spoken

FRAME_S = FRAME_MS / 1000
SPEECH_THRESHOLD = 300  # mean |sample| above this is a voiced frame
FIRST_LEVEL, LEVEL_STEP = 1200, 450  # caller utterance levels, far apart after mu-law
SILENCE = ulaw_encode(np.zeros(FRAME_SAMPLES, dtype=np.int16))


@contextlib.contextmanager
def virtual_time() -> Iterator[None]:
    """Fast-forward the running loop: whenever it would wait for a timer, its clock jumps to
    the timer instead. Every `asyncio.sleep`, `asyncio.timeout` and the call's clock (the
    loop's) move together; no real I/O or threads may be waited on inside."""
    loop = asyncio.get_running_loop()
    selector = loop._selector  # type: ignore[attr-defined]
    real_select, real_time = selector.select, loop.time
    now = [real_time()]

    def select(timeout: float | None = None) -> Any:
        if timeout is not None and timeout > 0:
            now[0] += timeout
        return real_select(0 if timeout is not None else 0.01)

    selector.select = select
    loop.time = lambda: now[0]  # type: ignore[method-assign]
    try:
        yield
    finally:
        selector.select = real_select
        loop.time = real_time  # type: ignore[method-assign]


class EnergyVad:
    """Voiced when the frame is loud: scripted caller speech is a constant level."""

    def is_speech(self, pcm_frame: bytes) -> bool:
        samples = np.frombuffer(pcm_frame, dtype=np.int16)
        return float(np.abs(samples.astype(np.int32)).mean()) > SPEECH_THRESHOLD


class ScriptedAsr:
    """Reads the caller's levels back as the words the line registered for them."""

    def __init__(self, seconds: float = 0.15) -> None:
        self.words: dict[int, str] = {}
        self.seconds = seconds
        self.passes = 0
        self.fail = False

    async def transcribe(self, pcm: Pcm, detect_language: bool = False) -> Transcript:
        self.passes += 1
        await asyncio.sleep(self.seconds)
        if self.fail:
            raise RuntimeError("scripted ASR failure")
        heard: list[str] = []
        for value in np.abs(pcm.astype(np.int32)):
            if value <= SPEECH_THRESHOLD:
                continue
            level = min(self.words, key=lambda known: abs(known - int(value)))
            if not heard or heard[-1] != self.words[level]:
                heard.append(self.words[level])
        text = " ".join(heard)
        return Transcript(text, len(pcm) / TELEPHONY_RATE, self.seconds)


class ScriptedModel:
    """Answers each caller text from a script, a word every `token_s`."""

    def __init__(self, replies: dict[str, str] | None = None, token_s: float = 0.03) -> None:
        self.replies = replies or {}
        self.default = "Con mucho gusto le ayudo con eso."
        self.token_s = token_s
        self.asked: list[str] = []  # the caller text of each request
        self.requests: list[list[Message]] = []  # the whole conversation of each request
        self.fail = False

    async def stream(self, messages: list[Message]) -> AsyncIterator[str]:
        text = messages[-1].content
        self.asked.append(text)
        self.requests.append(list(messages))
        if self.fail:
            raise RuntimeError("scripted model failure")
        for word in self.replies.get(text, self.default).split(" "):
            await asyncio.sleep(self.token_s)
            yield word + " "


class ScriptedVoice:
    """Silence as long as the text would take to say (`char_s` per character), rendered in
    `render_s` per clause."""

    def __init__(self, char_s: float = 0.06, render_s: float = 0.05) -> None:
        self.char_s = char_s
        self.render_s = render_s
        self.fail = False

    def _audio(self, text: str) -> Pcm:
        return np.zeros(int(len(text) * self.char_s * TELEPHONY_RATE), dtype=np.int16)

    async def synthesize(self, text: str) -> Pcm:
        return self._audio(text)

    async def stream(self, text: str, reply: ReplyVoice) -> AsyncIterator[Spoken]:
        for clause in re.split(r"(?<=[.,;?!])\s+", text.strip()):
            await asyncio.sleep(self.render_s)
            if self.fail:
                raise RuntimeError("scripted voice failure")
            yield Spoken(clause, self._audio(clause), "scripted")

    async def prerender(self, texts: Iterable[str], *, whole: bool = False) -> int:
        return 0


class Line:
    """Twilio's side of one stream: the caller's audio in 20 ms frames, the bot's audio
    played at real speed from a buffer, marks echoed when the audio before them has played
    or a `clear` dropped it."""

    def __init__(self, asr: ScriptedAsr) -> None:
        self._asr = asr
        self._inbound: asyncio.Queue[InboundEvent | None] = asyncio.Queue()
        self._buffer: deque[tuple[str, Any]] = deque()  # ("media", frames) | ("mark", name)
        self.clears: list[float] = []
        self.marks_echoed: list[str] = []
        self.bot_audio_s = 0.0  # bot audio that played
        self.bot_playing_since: float | None = None
        self.closed = False
        self._level = FIRST_LEVEL

    def now(self) -> float:
        return asyncio.get_running_loop().time()

    # ---- the caller -------------------------------------------------------------------
    async def say(self, text: str, ms: int) -> None:
        """The caller speaks `text` for `ms` (then the line carries silence again)."""
        level = self._level
        self._level += LEVEL_STEP
        self._asr.words[level] = text
        await self._frames(level, ms)

    async def silence(self, ms: int) -> None:
        await self._frames(0, ms)

    async def _frames(self, level: int, ms: int) -> None:
        payload = ulaw_encode(np.full(FRAME_SAMPLES, level, dtype=np.int16))
        for _ in range(ms // FRAME_MS):
            self._inbound.put_nowait(Media("MZ1", payload, 0, 0))
            await asyncio.sleep(FRAME_S)

    def press(self, digit: str) -> None:
        self._inbound.put_nowait(Dtmf("MZ1", digit))

    def hang_up(self) -> None:
        self._inbound.put_nowait(Stop("MZ1", "CA1"))

    async def events(self) -> AsyncIterator[InboundEvent]:
        """What the session reads; silence flows between the caller's words, as on a phone."""
        while True:
            try:
                event = await asyncio.wait_for(self._inbound.get(), FRAME_S)
            except TimeoutError:
                event = Media("MZ1", SILENCE, 0, 0)
            if event is None:
                return
            yield event
            if isinstance(event, Stop):
                return

    # ---- Twilio's playback ------------------------------------------------------------
    async def send(self, message: str) -> None:
        data = json.loads(message)
        match data["event"]:
            case "media":
                frame = ulaw_decode(_b64(data["media"]["payload"]))
                self._buffer.append(("media", len(frame) / TELEPHONY_RATE))
            case "mark":
                self._buffer.append(("mark", data["mark"]["name"]))
                self._echo_marks()
            case "clear":
                self.clears.append(self.now())
                marks = [value for kind, value in self._buffer if kind == "mark"]
                self._buffer.clear()
                self.bot_playing_since = None
                for name in marks:
                    self._echo(name)

    async def close(self) -> None:
        self.closed = True
        self._inbound.put_nowait(None)

    def _echo(self, name: str) -> None:
        self.marks_echoed.append(name)
        self._inbound.put_nowait(Mark("MZ1", name))

    def _echo_marks(self) -> None:
        while self._buffer and self._buffer[0][0] == "mark":
            self._echo(self._buffer.popleft()[1])

    async def playback(self) -> None:
        """Plays the buffer at real speed (virtual time)."""
        while True:
            if self._buffer and self._buffer[0][0] == "media":
                if self.bot_playing_since is None:
                    self.bot_playing_since = self.now()
                seconds = self._buffer.popleft()[1]
                await asyncio.sleep(seconds)
                self.bot_audio_s += seconds
                self._echo_marks()
            else:
                self.bot_playing_since = None
                await asyncio.sleep(FRAME_S)

    @property
    def bot_speaking(self) -> bool:
        return any(kind == "media" for kind, _ in self._buffer)


def _b64(payload: str) -> bytes:
    return base64.b64decode(payload)


class Call:
    """A call through a real `CallSession` on scripted parts, driven by a test script."""

    def __init__(
        self,
        settings: Settings,
        model: ScriptedModel | None = None,
        asr: ScriptedAsr | None = None,
        voice: ScriptedVoice | None = None,
    ) -> None:
        self.settings = settings
        self.asr = asr or ScriptedAsr()
        self.model = model or ScriptedModel()
        self.voice = voice or ScriptedVoice()
        self.line = Line(self.asr)
        self.services = Services(settings, self.asr, self.voice, Dialogue(settings, self.model))
        self.record: CallRecord | None = None
        self.session: CallSession | None = None

    async def run(self, script: Callable[[Line], Any], limit_s: float = 300) -> CallRecord:
        """Run the call while `script(line)` plays the caller; the caller hangs up when the
        script ends (unless the bot closed the stream first)."""
        await self.services.prerender_phrases()
        start = Start("MZ1", "CA1", "AC1", {"from": "+573001234567"})
        self.session = CallSession(
            self.services, start, self.line.send, self.line.close, vad=EnergyVad()
        )

        async def caller() -> None:
            try:
                await script(self.line)
            finally:  # a failed script hangs up too, and the test reports its error
                if not self.line.closed:
                    self.line.hang_up()

        async with asyncio.timeout(limit_s):
            playback = asyncio.create_task(self.line.playback())
            talking = asyncio.create_task(caller())
            try:
                self.record = await self.session.run(self.line.events())
            finally:
                playback.cancel()
                if not talking.done():
                    talking.cancel()
                await asyncio.gather(talking, playback, return_exceptions=True)
        if not talking.cancelled() and talking.exception() is not None:
            raise AssertionError("the caller's script failed") from talking.exception()
        return self.record

    async def until(self, condition: Callable[[], bool], limit_s: float = 30) -> float:
        """Wait (virtual time) until `condition` holds; the time it took."""
        started = self.line.now()
        async with asyncio.timeout(limit_s):
            while not condition():  # noqa: ASYNC110 - polls the call like a caller would
                await asyncio.sleep(FRAME_S)
        return self.line.now() - started

    def said(self) -> list[str]:
        """What the bot said that the caller heard, in order."""
        assert self.session is not None
        return [t["text"] for t in self.session.record.transcript if t["role"] == "bot"]
