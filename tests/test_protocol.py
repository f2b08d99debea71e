import base64
import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from voicebot.telephony.protocol import (
    Connected,
    Dtmf,
    Mark,
    Media,
    ProtocolError,
    Start,
    Stop,
    clear_message,
    mark_message,
    media_message,
    parse_inbound,
)

SID = "MZ" + "a" * 32


def start_msg(**start: object) -> str:
    body = {
        "streamSid": SID,
        "accountSid": "AC1",
        "callSid": "CA1",
        "tracks": ["inbound"],
        "customParameters": {"token": "t", "from": "+573001234567"},
        "mediaFormat": {"encoding": "audio/x-mulaw", "sampleRate": 8000, "channels": 1},
    }
    body.update(start)
    return json.dumps({"event": "start", "sequenceNumber": "1", "streamSid": SID, "start": body})


def media_msg(payload: bytes = b"\xff" * 160, sid: str = SID) -> str:
    return json.dumps(
        {
            "event": "media",
            "sequenceNumber": "2",
            "streamSid": sid,
            "media": {
                "track": "inbound",
                "chunk": "1",
                "timestamp": "20",
                "payload": base64.b64encode(payload).decode(),
            },
        }
    )


def test_every_inbound_event_type() -> None:
    assert parse_inbound('{"event":"connected","protocol":"Call","version":"1.0.0"}') == Connected(
        "Call", "1.0.0"
    )
    start = parse_inbound(start_msg())
    assert isinstance(start, Start)
    assert (start.stream_sid, start.call_sid, start.account_sid) == (SID, "CA1", "AC1")
    assert start.custom_parameters == {"token": "t", "from": "+573001234567"}
    assert (start.encoding, start.sample_rate, start.channels) == ("audio/x-mulaw", 8000, 1)
    media = parse_inbound(media_msg(b"\x01\x02"))
    assert media == Media(SID, b"\x01\x02", timestamp_ms=20, chunk=1)
    dtmf = {"event": "dtmf", "streamSid": SID, "dtmf": {"track": "inbound_track", "digit": "0"}}
    assert parse_inbound(json.dumps(dtmf)) == Dtmf(SID, "0")
    mark = {"event": "mark", "streamSid": SID, "mark": {"name": "reply-1"}}
    assert parse_inbound(json.dumps(mark)) == Mark(SID, "reply-1")
    stop = {"event": "stop", "streamSid": SID, "stop": {"accountSid": "AC1", "callSid": "CA1"}}
    assert parse_inbound(json.dumps(stop)) == Stop(SID, "CA1")


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("{not json", "not JSON"),
        ("[1,2]", "JSON object"),
        ('{"event":"dance"}', "unknown event"),
        ('{"event":"media","streamSid":"MZ1","media":{"payload":"@@@"}}', "base64"),
        ('{"event":"media","streamSid":"MZ1"}', "media.media"),
        ('{"event":"media","media":{"payload":""}}', "streamSid"),
        ('{"event":"dtmf","streamSid":"MZ1","dtmf":{"digit":"99"}}', "DTMF"),
        ('{"event":"mark","streamSid":"MZ1","mark":{}}', "name"),
        ('{"event":"start","streamSid":"MZ1","start":{"customParameters":{}}}', "callSid"),
    ],
)
def test_malformed_messages_get_a_clear_reason(raw: str, reason: str) -> None:
    with pytest.raises(ProtocolError, match=reason):
        parse_inbound(raw)


def test_oversized_media_is_rejected() -> None:
    with pytest.raises(ProtocolError, match="too large"):
        parse_inbound(media_msg(b"\xff" * 20000))


def test_numbers_arrive_as_strings_or_ints() -> None:
    raw = json.loads(media_msg())
    raw["media"]["timestamp"] = 40
    media = parse_inbound(json.dumps(raw))
    assert isinstance(media, Media) and media.timestamp_ms == 40
    raw["media"]["timestamp"] = "soon"
    with pytest.raises(ProtocolError, match="integer"):
        parse_inbound(json.dumps(raw))


def test_outbound_messages_are_only_media_mark_clear() -> None:
    media = json.loads(media_message(SID, b"\xff" * 160))
    assert media == {
        "event": "media",
        "streamSid": SID,
        "media": {"payload": base64.b64encode(b"\xff" * 160).decode()},
    }
    assert json.loads(mark_message(SID, "m1")) == {
        "event": "mark",
        "streamSid": SID,
        "mark": {"name": "m1"},
    }
    assert json.loads(clear_message(SID)) == {"event": "clear", "streamSid": SID}


@given(st.text(max_size=300))
def test_any_text_parses_or_raises_protocol_error(raw: str) -> None:
    try:
        parse_inbound(raw)
    except ProtocolError:
        pass


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4)
    ),
    max_leaves=20,
)


@given(
    st.sampled_from(["connected", "start", "media", "dtmf", "mark", "stop", "x"]),
    st.dictionaries(
        st.sampled_from(["streamSid", "start", "media", "dtmf", "mark", "stop"]), json_values
    ),
)
def test_any_json_object_parses_or_raises_protocol_error(event: str, body: dict) -> None:
    try:
        parse_inbound(json.dumps({"event": event, **body}))
    except ProtocolError:
        pass
