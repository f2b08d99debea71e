"""Webhook side of Twilio: TwiML that opens the stream, signatures and stream tokens."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping, Sequence
from urllib.parse import urlsplit, urlunsplit

from twilio.request_validator import RequestValidator
from twilio.twiml.voice_response import Connect, Hangup, Stream, VoiceResponse

VOICE_PATH = "/twilio/voice"
STREAM_PATH = "/twilio/stream"


def stream_url(public_url: str) -> str:
    """wss:// URL of the media stream for a public http(s) base URL (no query string)."""
    parts = urlsplit(public_url)
    scheme = "wss" if parts.scheme == "https" else "ws"
    return urlunsplit((scheme, parts.netloc, parts.path.rstrip("/") + STREAM_PATH, "", ""))


def stream_token(auth_token: str, call_sid: str) -> str:
    """Token that binds a stream's `start` to the webhook that created it (stateless)."""
    digest = hmac.new(auth_token.encode(), b"stream:" + call_sid.encode(), hashlib.sha256)
    return digest.hexdigest()[:32]


def _tokens(auth_tokens: str | Sequence[str]) -> list[str]:
    # During a rotation both the new and the previous auth token are valid.
    tokens = [auth_tokens] if isinstance(auth_tokens, str) else list(auth_tokens)
    return [t for t in tokens if t]


def check_stream_token(auth_tokens: str | Sequence[str], call_sid: str, token: str) -> bool:
    return any(hmac.compare_digest(stream_token(t, call_sid), token) for t in _tokens(auth_tokens))


def connect_twiml(public_url: str, parameters: Mapping[str, str]) -> str:
    """`<Connect><Stream>` (bidirectional) with values as `<Parameter>`s, then hang up.

    When the service closes the websocket, Twilio goes on with the TwiML after `<Connect>`.
    """
    response = VoiceResponse()
    connect = Connect()
    stream = Stream(url=stream_url(public_url))
    for name, value in parameters.items():
        stream.parameter(name=name, value=value)
    connect.append(stream)
    response.append(connect)
    response.append(Hangup())
    return str(response)


def signature_valid(
    auth_tokens: str | Sequence[str], url: str, params: Mapping[str, str], signature: str | None
) -> bool:
    """Check `X-Twilio-Signature` for `url` (the public URL Twilio called) and POST params."""
    if not signature:
        return False
    return any(
        RequestValidator(t).validate(url, dict(params), signature) for t in _tokens(auth_tokens)
    )


def sign(auth_token: str, url: str, params: Mapping[str, str]) -> str:
    """The signature Twilio would send (used by the fake Twilio caller)."""
    return str(RequestValidator(auth_token).compute_signature(url, dict(params)))
