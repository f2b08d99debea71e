"""Outbound pacing, marks and clear, without a network: the player's own contract."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable

import numpy as np

from voicebot.telephony.player import Player, Utterance


class Wire:
    def __init__(self) -> None:
        self.sent: list[tuple[float, dict]] = []

    async def send(self, raw: str) -> None:
        self.sent.append((time.monotonic(), json.loads(raw)))

    def events(self) -> list[str]:
        return [m["event"] for _, m in self.sent]


async def wait_until(condition: Callable[[], bool], limit_s: float = 5) -> None:
    async with asyncio.timeout(limit_s):
        while not condition():  # noqa: ASYNC110 - polling a plain list
            await asyncio.sleep(0.01)


def utterance(mark: str, seconds: float) -> Utterance:
    return Utterance(mark, np.zeros(int(8000 * seconds), dtype=np.int16), mark)


async def test_real_time_pacing_with_a_small_lead_and_a_mark_per_sentence() -> None:
    wire, heard = Wire(), []
    player = Player("MZ1", wire.send, lead_ms=100, on_started=lambda u: None, on_heard=heard.append)
    task = asyncio.create_task(player.run())
    start = time.monotonic()
    await player.play(utterance("s1", 0.5))
    await player.play(utterance("s2", 0.5))
    await wait_until(lambda: wire.events().count("mark") == 2)
    elapsed = time.monotonic() - start
    task.cancel()
    assert wire.events().count("media") == 50
    assert [m["mark"]["name"] for _, m in wire.sent if m["event"] == "mark"] == ["s1", "s2"]
    assert 0.85 < elapsed < 1.1  # 1 s of audio sent in ~1 s minus the lead
    assert player.speaking  # marks not echoed yet: audio still playing at Twilio
    assert player.on_mark("s1") and player.on_mark("s2")
    assert [u.text for u in heard] == ["s1", "s2"] and not player.speaking
    assert not player.on_mark("never-sent")


async def test_clear_drops_the_rest_and_late_echoes_are_not_heard() -> None:
    wire, heard = Wire(), []
    player = Player("MZ1", wire.send, lead_ms=100, on_started=lambda u: None, on_heard=heard.append)
    task = asyncio.create_task(player.run())
    await player.play(utterance("s1", 0.2))
    await player.play(utterance("s2", 2.0))
    await player.play(utterance("s3", 1.0))
    await wait_until(lambda: wire.events().count("mark") == 1)
    await asyncio.sleep(0.2)  # in the middle of s2
    dropped = await player.clear()
    await asyncio.sleep(0.3)
    task.cancel()
    assert {u.mark for u in dropped} == {"s1", "s2", "s3"}  # s1's echo had not come back yet
    after_clear = wire.events()[wire.events().index("clear") :]
    assert after_clear == ["clear"]  # nothing sent after it
    assert wire.events().count("mark") == 1  # no mark for the cut sentence
    assert player.on_mark("s1")  # Twilio echoes marks a clear dropped...
    assert heard == []  # ...but they were not heard
    assert not player.speaking


async def test_a_clear_while_paused_over_the_same_words_said_twice() -> None:
    # regression (held-out fresh9): a caller's request while the bot was paused over a
    # sentence queued twice raised in clear() (Utterance == compared the audio arrays)
    wire = Wire()
    player = Player("MZ1", wire.send, lead_ms=100, on_started=lambda u: None, on_heard=print)
    task = asyncio.create_task(player.run())
    for mark in ("q1", "q2"):
        await player.play(Utterance("¿Le ayudo con algo más?", np.ones(8000, np.int16), mark))
    await wait_until(lambda: wire.events().count("media") >= 10)
    assert await player.pause()
    dropped = await player.clear()
    task.cancel()
    assert sorted(u.mark for u in dropped) == ["q1", "q2"]


async def test_no_mark_after_a_clear_that_lands_in_the_last_frame_wait() -> None:
    """Regression: a clear during the wait after an utterance's last frame used to be followed
    by that utterance's mark, which Twilio echoes at once: a cut sentence counted as heard."""
    wire, heard = Wire(), []
    player = Player("MZ1", wire.send, lead_ms=100, on_started=lambda u: None, on_heard=heard.append)
    task = asyncio.create_task(player.run())
    await player.play(utterance("s1", 0.3))
    await wait_until(lambda: wire.events().count("media") == 15)  # last frame sent
    await player.clear()
    await asyncio.sleep(0.4)
    task.cancel()
    assert "mark" not in wire.events()


async def test_a_peer_that_stops_reading_ends_the_call(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from voicebot.telephony import player as player_module

    monkeypatch.setattr(player_module, "SEND_TIMEOUT_S", 0.2)
    stalled = asyncio.Event()

    async def never_returns(raw: str) -> None:
        await asyncio.sleep(3600)  # the TCP buffer is full and the peer does not read

    player = Player(
        "MZ1",
        never_returns,
        lead_ms=100,
        on_started=lambda u: None,
        on_heard=lambda u: None,
        on_stalled=stalled.set,
    )
    task = asyncio.create_task(player.run())
    await player.play(utterance("s1", 1.0))
    await asyncio.wait_for(stalled.wait(), 2)
    await asyncio.wait_for(task, 1)  # the player stopped instead of hanging
