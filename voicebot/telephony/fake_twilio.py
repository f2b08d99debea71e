"""A fake Twilio: places a call against the service exactly as Twilio's cloud would.

Signed webhook, TwiML parsing, a signed websocket upgrade, `connected`/`start`, caller media
every 20 ms in real time (silence included), mark echoes when the bot's audio has "played"
and immediate echoes on `clear`, `dtmf`, `stop`. Used by `voicebot simulate`, the benchmark
and the tests; it records what a caller would have heard and when.
"""

from __future__ import annotations

import asyncio
import base64
import json
import time
import uuid
import wave
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import aiohttp
import numpy as np
import webrtcvad

from voicebot.audio.codec import (
    FRAME_SAMPLES,
    MULAW_SILENCE,
    TELEPHONY_RATE,
    Pcm,
    frames,
    resample,
    ulaw_encode,
)
from voicebot.telephony.twiml import VOICE_PATH, sign

FRAME_S = 0.02
ALLOWED_OUTBOUND = {"media", "mark", "clear"}


def load_wav(path: Path) -> Pcm:
    """Any PCM16 WAV (any rate, mono or stereo) -> mono PCM16 at 8 kHz, as the phone line."""
    with wave.open(str(path)) as wav:
        if wav.getsampwidth() != 2:
            raise ValueError(f"{path}: only 16-bit PCM WAV is supported")
        rate, channels = wav.getframerate(), wav.getnchannels()
        pcm = np.frombuffer(wav.readframes(wav.getnframes()), dtype=np.int16)
    if channels > 1:
        pcm = pcm.reshape(-1, channels).mean(axis=1).astype(np.int16)
    return resample(pcm, rate, TELEPHONY_RATE)


def voiced_flags(mulaw_frames: list[bytes], pcm: Pcm) -> list[bool]:
    """Which caller frames carry speech (webrtcvad, strict mode, plus an energy floor)."""
    vad = webrtcvad.Vad(3)
    flags = []
    for i in range(len(mulaw_frames)):
        chunk = pcm[i * FRAME_SAMPLES : (i + 1) * FRAME_SAMPLES]
        if len(chunk) < FRAME_SAMPLES:
            chunk = np.pad(chunk, (0, FRAME_SAMPLES - len(chunk)))
        loud = float(np.sqrt(np.mean(chunk.astype(np.float64) ** 2))) > 300
        flags.append(loud and vad.is_speech(chunk.tobytes(), TELEPHONY_RATE))
    return flags


@dataclass
class _Playback:
    """Twilio's outbound buffer: audio frames and marks, played at real time."""

    items: deque[tuple[str, Any]] = field(default_factory=deque)
    heard: bytearray = field(default_factory=bytearray)
    media_times: list[float] = field(default_factory=list)  # arrival of every bot media msg
    marks_echoed: list[str] = field(default_factory=list)
    clears: list[float] = field(default_factory=list)
    last_played: float = 0.0


DEFAULT_CALLER = "+573001234567"  # not a customer of the sample store


class FakeTwilioCall:
    """One phone call placed by the fake Twilio against `base_url`."""

    def __init__(
        self,
        base_url: str,
        auth_token: str,
        *,
        caller: str = DEFAULT_CALLER,
        call_sid: str | None = None,
        account_sid: str = "AC" + "0" * 32,
        sign_requests: bool = True,
        stream: tuple[str, dict[str, str]] | None = None,
        stir_verstat: str = "",
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.stir_verstat = stir_verstat  # Twilio's caller-ID attestation, when the call has one
        self.auth_token = auth_token
        self.caller = caller
        self.call_sid = call_sid or "CA" + uuid.uuid4().hex
        self.stream_sid = "MZ" + uuid.uuid4().hex
        self.speech_onset = 0.0  # when the last `speak` clip's first voiced frame was sent
        self.account_sid = account_sid
        self.sign_requests = sign_requests
        self._stream = stream  # given: a stream Twilio opens from TwiML (no webhook)
        self.playback = _Playback()
        self.protocol_violations: list[str] = []
        self.closed_by_service = asyncio.Event()
        self.stream_started_at = 0.0
        self._outbox: deque[bytes] = deque()  # caller frames waiting to be sent
        self._sent_times: list[float] = []
        self._http: aiohttp.ClientSession | None = None
        self._ws: aiohttp.ClientWebSocketResponse | None = None
        self._tasks: list[asyncio.Task[None]] = []
        self._seq = 0
        self._chunk = 0
        self._send_lock = asyncio.Lock()

    # ---- call set-up -----------------------------------------------------------------
    async def webhook(self) -> tuple[str, dict[str, str]]:
        """POST the signed voice webhook; return the stream URL and parameters of the TwiML."""
        assert self._http is not None
        form = {
            "CallSid": self.call_sid,
            "AccountSid": self.account_sid,
            "From": self.caller,
            "To": "+576015550000",
            "CallStatus": "ringing",
            "Direction": "inbound",
        }
        if self.stir_verstat:
            form["StirVerstat"] = self.stir_verstat
        url = self.base_url + VOICE_PATH
        headers = {"X-Twilio-Signature": sign(self.auth_token, url, form)}
        async with self._http.post(url, data=form, headers=headers) as resp:
            body = await resp.text()
            if resp.status != 200:
                raise RuntimeError(f"webhook answered {resp.status}: {body[:200]}")
        root = ElementTree.fromstring(body)
        stream = root.find("./Connect/Stream")
        if stream is None:
            raise RuntimeError(f"TwiML has no <Connect><Stream>: {body[:300]}")
        params = {p.get("name", ""): p.get("value", "") for p in stream.findall("Parameter")}
        return stream.get("url", ""), params

    async def __aenter__(self) -> FakeTwilioCall:
        self._http = aiohttp.ClientSession()
        try:
            url, params = self._stream or await self.webhook()
            headers = {"X-Twilio-Signature": sign(self.auth_token, url, {})}
            if not self.sign_requests:
                headers = {}
            self._ws = await self._http.ws_connect(url, headers=headers, max_msg_size=1 << 20)
        except BaseException:  # refused (to a person, 403, 409...): no session left open
            await self._http.close()
            raise
        await self._send({"event": "connected", "protocol": "Call", "version": "1.0.0"})
        await self._send(
            {
                "event": "start",
                "sequenceNumber": str(self._next_seq()),
                "streamSid": self.stream_sid,
                "start": {
                    "streamSid": self.stream_sid,
                    "accountSid": self.account_sid,
                    "callSid": self.call_sid,
                    "tracks": ["inbound"],
                    "customParameters": params,
                    "mediaFormat": {
                        "encoding": "audio/x-mulaw",
                        "sampleRate": 8000,
                        "channels": 1,
                    },
                },
            }
        )
        self.stream_started_at = time.monotonic()
        self._tasks = [
            asyncio.create_task(self._pump_caller()),
            asyncio.create_task(self._receive()),
            asyncio.create_task(self._play()),
        ]
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.hangup()
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        if self._http is not None:
            await self._http.close()

    def _next_seq(self) -> int:
        self._seq += 1
        return self._seq

    async def _send(self, message: dict[str, Any]) -> None:
        if self._ws is None or self._ws.closed:
            return
        async with self._send_lock:
            try:
                await self._ws.send_str(json.dumps(message))
            except (ConnectionResetError, RuntimeError):
                pass  # the service closed the stream

    async def send_raw(self, data: str | bytes) -> None:
        """Send anything at all (for hostile-input tests)."""
        assert self._ws is not None
        async with self._send_lock:
            if isinstance(data, bytes):
                await self._ws.send_bytes(data)
            else:
                await self._ws.send_str(data)

    # ---- caller side -----------------------------------------------------------------
    async def _pump_caller(self) -> None:
        """Media every 20 ms, speech when queued, silence otherwise: as Twilio does."""
        t0 = time.monotonic()
        n = 0
        while self._ws is not None and not self._ws.closed:
            frame = self._outbox.popleft() if self._outbox else MULAW_SILENCE
            self._chunk += 1
            await self._send(
                {
                    "event": "media",
                    "sequenceNumber": str(self._next_seq()),
                    "streamSid": self.stream_sid,
                    "media": {
                        "track": "inbound",
                        "chunk": str(self._chunk),
                        "timestamp": str(int((time.monotonic() - t0) * 1000)),
                        "payload": base64.b64encode(frame).decode("ascii"),
                    },
                }
            )
            self._sent_times.append(time.monotonic())
            n += 1
            await asyncio.sleep(max(0.0, t0 + n * FRAME_S - time.monotonic()))

    async def speak(self, pcm: Pcm) -> float:
        """Play caller audio (8 kHz PCM16) in real time; return when its last voiced frame
        was sent (monotonic), after the whole clip has been sent."""
        mulaw = frames(ulaw_encode(pcm))
        flags = voiced_flags(mulaw, pcm)
        last_voiced = max((i for i, v in enumerate(flags) if v), default=len(mulaw) - 1)
        first_voiced = next((i for i, v in enumerate(flags) if v), 0)
        first_index = len(self._sent_times) + len(self._outbox)
        self._outbox.extend(mulaw)
        target = first_index + last_voiced
        while len(self._sent_times) <= first_index + len(mulaw) - 1:
            if self.closed_by_service.is_set():
                break
            await asyncio.sleep(FRAME_S)
        sent = len(self._sent_times) - 1
        self.speech_onset = self._sent_times[min(first_index + first_voiced, sent)]
        return self._sent_times[min(target, sent)]

    async def dtmf(self, digit: str) -> None:
        await self._send(
            {
                "event": "dtmf",
                "streamSid": self.stream_sid,
                "sequenceNumber": str(self._next_seq()),
                "dtmf": {"track": "inbound_track", "digit": digit},
            }
        )

    async def hangup(self) -> None:
        """The caller hangs up: `stop`, then the socket closes."""
        if self._ws is None or self._ws.closed:
            return
        await self._send(
            {
                "event": "stop",
                "sequenceNumber": str(self._next_seq()),
                "streamSid": self.stream_sid,
                "stop": {"accountSid": self.account_sid, "callSid": self.call_sid},
            }
        )
        await self._ws.close()

    # ---- bot side --------------------------------------------------------------------
    async def _receive(self) -> None:
        assert self._ws is not None
        async for msg in self._ws:
            if msg.type != aiohttp.WSMsgType.TEXT:
                self.protocol_violations.append(f"non-text frame {msg.type}")
                continue
            try:
                data = json.loads(msg.data)
                event = data["event"]
            except (ValueError, KeyError, TypeError):
                self.protocol_violations.append(f"bad message {msg.data[:80]!r}")
                continue
            if event not in ALLOWED_OUTBOUND:
                self.protocol_violations.append(f"event {event!r} (Twilio error 31924)")
                continue
            if data.get("streamSid") != self.stream_sid:
                self.protocol_violations.append(f"wrong streamSid on {event}")
                continue
            pb = self.playback
            if event == "media":
                payload = base64.b64decode(data["media"]["payload"])
                pb.media_times.append(time.monotonic())
                for i in range(0, len(payload), FRAME_SAMPLES):
                    pb.items.append(("audio", payload[i : i + FRAME_SAMPLES]))
            elif event == "mark":
                pb.items.append(("mark", data["mark"]["name"]))
            elif event == "clear":
                pb.clears.append(time.monotonic())
                marks = [v for kind, v in pb.items if kind == "mark"]
                pb.items.clear()
                for name in marks:  # Twilio echoes marks whose audio a clear dropped
                    await self._echo_mark(name)
        self.closed_by_service.set()

    async def _echo_mark(self, name: str) -> None:
        self.playback.marks_echoed.append(name)
        await self._send({"event": "mark", "streamSid": self.stream_sid, "mark": {"name": name}})

    async def _play(self) -> None:
        """Play the buffered bot audio at real time; echo marks as they are reached."""
        t0 = time.monotonic()
        n = 0
        pb = self.playback
        while True:
            while pb.items and pb.items[0][0] == "mark":
                await self._echo_mark(pb.items.popleft()[1])
            if pb.items:
                pb.heard.extend(pb.items.popleft()[1])
                pb.last_played = time.monotonic()
            n += 1
            await asyncio.sleep(max(0.0, t0 + n * FRAME_S - time.monotonic()))

    def first_bot_audio_after(self, t: float) -> float | None:
        return next((m for m in self.playback.media_times if m >= t), None)

    async def wait_bot_audio(self, after: float, limit_s: float) -> float | None:
        """When the first bot media message after `after` arrived (None on timeout)."""
        deadline = time.monotonic() + limit_s
        while time.monotonic() < deadline and not self.closed_by_service.is_set():
            found = self.first_bot_audio_after(after)
            if found is not None:
                return found
            await asyncio.sleep(0.005)
        return self.first_bot_audio_after(after)

    async def wait_bot_quiet(self, quiet_s: float = 1.5, limit_s: float = 60) -> None:
        """Wait until the bot has said everything: nothing buffered, nothing new for a while."""
        deadline = time.monotonic() + limit_s
        pb = self.playback
        while time.monotonic() < deadline and not self.closed_by_service.is_set():
            last = max(pb.media_times[-1] if pb.media_times else 0.0, pb.last_played)
            if not pb.items and time.monotonic() - last >= quiet_s:
                return
            await asyncio.sleep(0.05)


REAL_DIGITS = Path("/usr/share/asterisk/sounds/es/digits")  # Debian asterisk-prompt-es-co
DIGIT_WORDS = "cero uno dos tres cuatro cinco seis siete ocho nueve".split()


def real_digits_wav(number: str, folder: Path) -> Path | None:
    """`number` said digit by digit (0.25 s apart) by a real Colombian speaker, as an 8 kHz
    WAV; None without the recordings or sox (`scripts/setup.sh --test` installs both)."""
    import shutil
    import subprocess

    if not (REAL_DIGITS / "0.gsm").exists() or shutil.which("sox") is None:
        return None
    out = folder / f"digits-{number}.wav"
    if not out.exists():
        args: list[str] = []
        for i, d in enumerate(number):
            if i:
                args += ["|sox -n -r 8000 -c 1 -b 16 -p trim 0 0.25"]
            args.append(f"|sox {REAL_DIGITS / (d + '.gsm')} -r 8000 -c 1 -b 16 -p")
        fmt = ["-r", "8000", "-c", "1", "-b", "16", "-e", "signed-integer", "-t", "wavpcm"]
        subprocess.run(["sox", *args, *fmt, str(out)], check=True, capture_output=True, timeout=30)
    return out
