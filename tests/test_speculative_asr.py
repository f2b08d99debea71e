"""Speculative transcription at early silence: kept only if the caller said nothing more."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from tests.conftest import AUTH_TOKEN, ServiceFactory, make_settings
from voicebot.simulate import place_call

Clip = Callable[[str], Path]


async def test_speculation_cuts_the_asr_wait_and_keeps_the_words(
    serve: ServiceFactory, clips: Clip
) -> None:
    question = clips("Quiero saber cuánto cuesta el envío a Medellín.")
    results = {}
    for ms in (0, 200):
        settings = make_settings(audio={"speculative_asr_ms": ms})
        async with serve(settings) as url:
            results[ms] = (await place_call(url, AUTH_TOKEN, [question]))["turns"][0]
    off, on = results[0], results[200]
    assert on["heard"] == off["heard"]  # same audio, same words
    # without speculation the caller waits a whole pass after the end of the turn
    assert off["latency_ms"]["asr"] >= off["latency_ms"]["asr_compute"] - 5
    # with it, the pass started 400 ms earlier, during the end-of-turn silence
    assert on["latency_ms"]["asr"] < on["latency_ms"]["asr_compute"] - 250


async def test_speech_after_a_pause_discards_the_speculation(
    serve: ServiceFactory, clips: Clip, tmp_path: Path
) -> None:
    import wave

    import numpy as np

    from voicebot.telephony.fake_twilio import load_wav

    def trimmed(text: str) -> np.ndarray:  # espeak pads its clips with silence
        pcm = load_wav(clips(text))
        loud = np.flatnonzero(np.abs(pcm) > 500)
        return pcm[loud[0] : loud[-1] + 1]

    first, second = trimmed("Quiero saber"), trimmed("cuánto cuesta el envío.")
    pause = np.zeros(int(8000 * 0.4), dtype=np.int16)  # past 200 ms, short of the 600 ms end
    path = tmp_path / "paused.wav"
    with wave.open(str(path), "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(8000)
        wav.writeframes(np.concatenate([first, pause, second]).tobytes())
    settings = make_settings(audio={"speculative_asr_ms": 200})
    async with serve(settings) as url:
        (turn,) = (await place_call(url, AUTH_TOKEN, [path]))["turns"]
    heard = turn["heard"].lower()
    assert "quiero" in heard and "envío" in heard, heard  # one turn, both parts
