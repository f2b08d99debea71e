"""Webhook side of Twilio: TwiML that opens the stream, signatures and stream tokens."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from collections.abc import Mapping, Sequence
from urllib.parse import urlsplit, urlunsplit

from twilio.request_validator import RequestValidator
from twilio.twiml.voice_response import Connect, Hangup, Stream, VoiceResponse

TWILIO_PREFIX = "/twilio"  # the sub-application of every route Twilio calls
VOICE_PATH = f"{TWILIO_PREFIX}/voice"
STREAM_PATH = f"{TWILIO_PREFIX}/stream"


def stream_url(public_url: str) -> str:
    """wss:// URL of the media stream for a public http(s) base URL (no query string)."""
    parts = urlsplit(public_url)
    scheme = "wss" if parts.scheme == "https" else "ws"
    return urlunsplit((scheme, parts.netloc, parts.path.rstrip("/") + STREAM_PATH, "", ""))


STREAM_TOKEN_TTL_S = 300  # Twilio opens the stream seconds after the TwiML; room for slowness


def _token_mac(
    auth_token: str, call_sid: str, caller: str, expires: int, nonce: str, verstat: str = ""
) -> str:
    message = f"stream:{call_sid}|{caller}|{expires}|{nonce}"
    if verstat:  # without one, the message of the tokens issued before attestation was bound
        message += f"|{verstat}"
    return hmac.new(auth_token.encode(), message.encode(), hashlib.sha256).hexdigest()[:32]


def stream_token(
    auth_token: str,
    call_sid: str,
    caller: str = "",
    ttl_s: float = STREAM_TOKEN_TTL_S,
    now: float | None = None,
    verstat: str = "",
) -> str:
    """A token that binds a stream's `start` to the TwiML that created it: its call, its
    caller (the `from` parameter), Twilio's caller-ID attestation (the `verstat` parameter),
    an expiry and a nonce that the service accepts once."""
    expires = int((time.time() if now is None else now) + ttl_s)
    nonce = secrets.token_hex(8)
    mac = _token_mac(auth_token, call_sid, caller, expires, nonce, verstat)
    return f"{expires}.{nonce}.{mac}"


def _tokens(auth_tokens: str | Sequence[str]) -> list[str]:
    # During a rotation both the new and the previous auth token are valid.
    tokens = [auth_tokens] if isinstance(auth_tokens, str) else list(auth_tokens)
    return [t for t in tokens if t]


def check_stream_token(
    auth_tokens: str | Sequence[str],
    call_sid: str,
    token: str,
    caller: str = "",
    now: float | None = None,
    verstat: str = "",
) -> bool:
    """The token was made for this call, caller and attestation and has not expired (single
    use is the server's part: `stream_token_nonce`)."""
    parts = token.split(".")
    if len(parts) != 3 or not parts[0].isdigit():
        return False
    expires, nonce, mac = int(parts[0]), parts[1], parts[2]
    if expires < (time.time() if now is None else now):
        return False
    return any(
        hmac.compare_digest(_token_mac(t, call_sid, caller, expires, nonce, verstat), mac)
        for t in _tokens(auth_tokens)
    )


def stream_token_nonce(token: str) -> str:
    """The token's nonce: a stream may start with a given token once."""
    return token.split(".")[1] if token.count(".") == 2 else token


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
