"""Twilio Media Streams messages: raw dicts in, frozen dataclasses out, and back.

Raw Twilio JSON exists only here; everything past this module sees typed events.
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass, field
from typing import Any

MAX_MEDIA_PAYLOAD = 8000  # bytes of mu-law in one message (1 s); Twilio sends 160


class ProtocolError(ValueError):
    """A message that does not follow the Media Streams protocol."""


@dataclass(frozen=True, slots=True)
class Connected:
    protocol: str
    version: str


@dataclass(frozen=True, slots=True)
class Start:
    stream_sid: str
    call_sid: str
    account_sid: str
    custom_parameters: dict[str, str] = field(default_factory=dict)
    encoding: str = "audio/x-mulaw"
    sample_rate: int = 8000
    channels: int = 1


@dataclass(frozen=True, slots=True)
class Media:
    stream_sid: str
    payload: bytes  # mu-law
    timestamp_ms: int
    chunk: int


@dataclass(frozen=True, slots=True)
class Dtmf:
    stream_sid: str
    digit: str


@dataclass(frozen=True, slots=True)
class Mark:
    stream_sid: str
    name: str


@dataclass(frozen=True, slots=True)
class Stop:
    stream_sid: str
    call_sid: str


InboundEvent = Connected | Start | Media | Dtmf | Mark | Stop


def _get(obj: dict[str, Any], key: str, kind: type, where: str) -> Any:
    value = obj.get(key)
    if not isinstance(value, kind) or (isinstance(value, bool) and kind is not bool):
        raise ProtocolError(f"{where}.{key} must be a {kind.__name__}, got {value!r:.40}")
    return value


def _int(obj: dict[str, Any], key: str, where: str) -> int:
    value = obj.get(key)
    try:  # Twilio sends numbers as strings ("timestamp": "1234")
        return int(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise ProtocolError(f"{where}.{key} must be an integer, got {value!r:.40}") from None


def parse_inbound(raw: str) -> InboundEvent:
    """Parse one text frame Twilio sent; raise ProtocolError with a clear reason."""
    try:
        msg = json.loads(raw)
    except (json.JSONDecodeError, RecursionError) as exc:
        raise ProtocolError(f"not JSON: {exc}") from None
    if not isinstance(msg, dict):
        raise ProtocolError("message must be a JSON object")
    event = msg.get("event")
    if event == "connected":
        return Connected(str(msg.get("protocol", "")), str(msg.get("version", "")))
    if event == "start":
        start = _get(msg, "start", dict, "start")
        params = start.get("customParameters") or {}
        if not isinstance(params, dict):
            raise ProtocolError("start.customParameters must be an object")
        fmt = start.get("mediaFormat") or {}
        if not isinstance(fmt, dict):
            raise ProtocolError("start.mediaFormat must be an object")
        return Start(
            stream_sid=_get(msg, "streamSid", str, "start"),
            call_sid=_get(start, "callSid", str, "start.start"),
            account_sid=str(start.get("accountSid", "")),
            custom_parameters={str(k): str(v) for k, v in params.items()},
            encoding=str(fmt.get("encoding", "audio/x-mulaw")),
            sample_rate=_int(fmt, "sampleRate", "mediaFormat") if "sampleRate" in fmt else 8000,
            channels=_int(fmt, "channels", "mediaFormat") if "channels" in fmt else 1,
        )
    if event == "media":
        media = _get(msg, "media", dict, "media")
        payload_b64 = _get(media, "payload", str, "media.media")
        if len(payload_b64) > MAX_MEDIA_PAYLOAD * 4 // 3 + 4:
            raise ProtocolError(f"media payload too large ({len(payload_b64)} base64 chars)")
        try:
            payload = base64.b64decode(payload_b64, validate=True)
        except (binascii.Error, ValueError):
            raise ProtocolError("media.payload is not valid base64") from None
        return Media(
            stream_sid=_get(msg, "streamSid", str, "media"),
            payload=payload,
            timestamp_ms=_int(media, "timestamp", "media") if "timestamp" in media else 0,
            chunk=_int(media, "chunk", "media") if "chunk" in media else 0,
        )
    if event == "dtmf":
        dtmf = _get(msg, "dtmf", dict, "dtmf")
        digit = _get(dtmf, "digit", str, "dtmf.dtmf")
        if len(digit) != 1 or digit not in "0123456789*#ABCD":
            raise ProtocolError(f"dtmf.digit is not a DTMF key: {digit!r:.10}")
        return Dtmf(_get(msg, "streamSid", str, "dtmf"), digit)
    if event == "mark":
        mark = _get(msg, "mark", dict, "mark")
        return Mark(_get(msg, "streamSid", str, "mark"), _get(mark, "name", str, "mark.mark"))
    if event == "stop":
        stop = msg.get("stop") or {}
        if not isinstance(stop, dict):
            raise ProtocolError("stop.stop must be an object")
        return Stop(_get(msg, "streamSid", str, "stop"), str(stop.get("callSid", "")))
    raise ProtocolError(f"unknown event {event!r:.40}")


def media_message(stream_sid: str, mulaw: bytes) -> str:
    """Outbound audio: raw mu-law 8 kHz, base64, no WAV header."""
    payload = base64.b64encode(mulaw).decode("ascii")
    return json.dumps({"event": "media", "streamSid": stream_sid, "media": {"payload": payload}})


def mark_message(stream_sid: str, name: str) -> str:
    """Outbound mark: Twilio echoes it once the audio sent before it has played (or cleared)."""
    return json.dumps({"event": "mark", "streamSid": stream_sid, "mark": {"name": name}})


def clear_message(stream_sid: str) -> str:
    """Outbound clear: drop audio buffered at Twilio (barge-in)."""
    return json.dumps({"event": "clear", "streamSid": stream_sid})
