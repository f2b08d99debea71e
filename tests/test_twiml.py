from xml.etree import ElementTree

from voicebot.telephony.twiml import (
    check_stream_token,
    connect_twiml,
    sign,
    signature_valid,
    stream_token,
    stream_url,
)

TOKEN = "secret-token"
URL = "https://bot.example.co/twilio/voice"
FORM = {"CallSid": "CA1", "From": "+573001234567", "To": "+576015550000"}


def test_twiml_opens_a_bidirectional_stream_with_parameters() -> None:
    root = ElementTree.fromstring(connect_twiml("https://bot.example.co", {"token": "abc"}))
    stream = root.find("./Connect/Stream")
    assert stream is not None
    assert stream.get("url") == "wss://bot.example.co/twilio/stream"  # no query string
    assert [(p.get("name"), p.get("value")) for p in stream] == [("token", "abc")]
    assert root.find("./Start") is None  # <Start><Stream> would be listen-only
    assert root[-1].tag == "Hangup"


def test_stream_url_for_plain_http_is_ws() -> None:
    assert stream_url("http://127.0.0.1:8080") == "ws://127.0.0.1:8080/twilio/stream"


def test_valid_signature_accepted() -> None:
    assert signature_valid(TOKEN, URL, FORM, sign(TOKEN, URL, FORM))


def test_tampered_params_url_or_token_rejected() -> None:
    good = sign(TOKEN, URL, FORM)
    assert not signature_valid(TOKEN, URL, {**FORM, "From": "+570000000000"}, good)
    assert not signature_valid(TOKEN, URL.replace("bot.", "evil."), FORM, good)
    assert not signature_valid("other-token", URL, FORM, good)
    assert not signature_valid(TOKEN, URL, FORM, good[:-2] + "xx")


def test_missing_signature_or_token_rejected() -> None:
    assert not signature_valid(TOKEN, URL, FORM, None)
    assert not signature_valid(TOKEN, URL, FORM, "")
    assert not signature_valid("", URL, FORM, sign("", URL, FORM))


def test_stream_token_binds_start_to_its_call() -> None:
    token = stream_token(TOKEN, "CA1", "+573001234567")
    assert check_stream_token(TOKEN, "CA1", token, "+573001234567")
    assert not check_stream_token(TOKEN, "CA2", token, "+573001234567")
    assert not check_stream_token("other", "CA1", token, "+573001234567")
    # bound to the caller and to an expiry too
    assert not check_stream_token(TOKEN, "CA1", token, "+573009999999")
    old = stream_token(TOKEN, "CA1", "+573001234567", ttl_s=60, now=1000.0)
    assert check_stream_token(TOKEN, "CA1", old, "+573001234567", now=1059.0)
    assert not check_stream_token(TOKEN, "CA1", old, "+573001234567", now=1061.0)
    assert stream_token(TOKEN, "CA1") != stream_token(TOKEN, "CA1")  # a nonce each
    assert not check_stream_token(TOKEN, "CA1", "garbage")
