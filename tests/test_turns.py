from tests.conftest import make_settings
from voicebot.audio.turns import SpeechStarted, SustainedSpeech, TurnDetector, TurnEnded

FRAME = b"\x00\x00" * 160


def detector(**overrides: int) -> TurnDetector:
    params = {
        "start_ms": 60,
        "end_silence_ms": 600,
        "sustained_ms": 400,
        "min_utterance_ms": 120,
        "max_utterance_ms": 15000,
    }
    return TurnDetector(**{**params, **overrides})


def feed(det: TurnDetector, pattern: list[tuple[bool, int]]) -> list[object]:
    events = []
    for voiced, count in pattern:
        for _ in range(count):
            event = det.feed(FRAME, voiced)
            if event is not None:
                events.append(event)
    return events


def test_turn_starts_on_voice_and_ends_after_silence() -> None:
    events = feed(detector(), [(False, 10), (True, 50), (False, 30)])
    assert [type(e) for e in events] == [SpeechStarted, SustainedSpeech, TurnEnded]
    end = events[-1]
    assert isinstance(end, TurnEnded)
    assert end.voiced_ms == 1000 and end.sustained
    assert end.last_voiced_frame == 59
    # pre-roll kept before the start, 100 ms post-roll kept after the end
    assert len(end.pcm) // len(FRAME) >= 50 + 5


def test_a_short_pause_does_not_end_the_turn() -> None:
    events = feed(detector(), [(True, 20), (False, 20), (True, 20), (False, 30)])
    assert sum(isinstance(e, TurnEnded) for e in events) == 1


def test_clicks_do_not_open_a_turn() -> None:
    events = feed(detector(), [(True, 1), (False, 5)] * 20)
    assert events == []


def test_short_burst_is_a_turn_but_not_sustained() -> None:
    # "ajá": ~240 ms voiced: a TurnEnded the session can check as a backchannel
    events = feed(detector(), [(True, 12), (False, 30)])
    assert [type(e) for e in events] == [SpeechStarted, TurnEnded]
    assert not events[-1].sustained  # type: ignore[union-attr]


def test_noise_shorter_than_minimum_is_dropped() -> None:
    det = detector(start_ms=40, end_silence_ms=200, min_utterance_ms=200)
    events = feed(det, [(True, 3), (False, 20)])
    assert [type(e) for e in events] == [SpeechStarted]


def test_max_utterance_forces_an_end() -> None:
    det = detector(max_utterance_ms=1000)
    events = feed(det, [(True, 200)])
    assert sum(isinstance(e, TurnEnded) for e in events) >= 3


def test_end_now_closes_the_utterance_with_its_audio() -> None:
    det = detector()
    assert det.end_now() is None  # nothing to end
    feed(det, [(True, 30), (False, 15)])  # 300 ms of silence: not the 600 ms end yet
    end = det.end_now()
    assert isinstance(end, TurnEnded) and end.voiced_ms == 600
    assert not det.in_speech and det.end_now() is None
    # the next utterance starts fresh
    events = feed(det, [(True, 10), (False, 30)])
    assert isinstance(events[-1], TurnEnded) and events[-1].voiced_ms == 200


def test_a_hold_keeps_the_pause_open_until_a_voiced_frame() -> None:
    det = detector()
    feed(det, [(True, 30), (False, 10)])
    det.hold(1000)  # the words so far trail off: up to 1 s of silence
    assert feed(det, [(False, 39)]) == [] and det.in_speech  # 980 ms: still open
    assert isinstance(feed(det, [(False, 1)])[-1], TurnEnded)
    # the caller went on before the hold ran out: the next pause ends at the usual 600 ms
    feed(det, [(True, 30), (False, 10)])
    det.hold(1000)
    feed(det, [(True, 5)])
    assert isinstance(feed(det, [(False, 30)])[-1], TurnEnded)
    # and hold(0) after a hold gives the usual end back at once
    feed(det, [(True, 30), (False, 29)])
    det.hold(1000)
    det.hold(0)
    assert isinstance(feed(det, [(False, 1)])[-1], TurnEnded)


def _turn_length(kind: str, silence_frames: int) -> tuple[int, int]:
    """(frames of audio kept, whether the turn ended) for 1 s of speech after 1 s of silence."""
    audio = make_settings().audio.model_copy(update={"vad": kind})
    events = feed(
        TurnDetector.from_settings(audio), [(False, 50), (True, 50), (False, silence_frames)]
    )
    ends = [e for e in events if isinstance(e, TurnEnded)]
    return (len(ends[0].pcm) // len(FRAME) if ends else 0), len(ends)


def test_each_detector_gets_its_own_pre_roll() -> None:
    # webrtcvad: a turn ends at 600 ms of silence, with 200 ms kept before the onset
    assert _turn_length("webrtc", 29)[1] == 0
    kept, ended = _turn_length("webrtc", 30)
    # the pre-roll holds the 3 frames that opened the turn: pre-roll, the other 47, post-roll
    assert ended == 1 and kept == 10 + 47 + 5
    # Silero: the same 600 ms end, and 400 ms kept before the onset
    assert _turn_length("silero", 29)[1] == 0
    kept, ended = _turn_length("silero", 30)
    assert ended == 1 and kept == 20 + 47 + 5
