"""The soak's memory sampling: grouping traced allocations by component, and trends."""

from __future__ import annotations

from pathlib import Path

import pytest

from voicebot.metrics import memory
from voicebot.metrics.memory import MemorySample, component_of, second_half, slope, trends

ROOT = "/work/main/voicebot"


@pytest.mark.parametrize(
    ("frames", "expected"),
    [
        # the innermost voicebot frame decides, even under numpy or asyncio frames
        ([f"{ROOT}/asr/__init__.py", "/usr/lib/numpy/core/numeric.py"], "asr"),
        (["/usr/lib/asyncio/events.py", f"{ROOT}/call/session.py", f"{ROOT}/tts/voices.py"],
         "tts"),
        ([f"{ROOT}/handoff/desk.py"], "handoff"),
        ([f"{ROOT}/app.py"], "voicebot"),  # a top-level module: the rest of voicebot
        ([f"{ROOT}/governance/redaction.py"], "voicebot"),  # a package not told apart
        ([f"{ROOT}/telephony/fake_twilio.py"], memory.CALLERS),  # the soak's own callers
        ([f"{ROOT}/simulate.py", "/x/aiohttp/client.py"], memory.CALLERS),
        ([f"{ROOT}/telephony/edge.py"], "telephony"),
        (["/usr/lib/python3.11/asyncio/base_events.py"], memory.OTHER),
        (["/venv/lib/site-packages/voicebot/asr/x.py"], memory.OTHER),  # not our tree
        ([], memory.OTHER),
    ],
)  # fmt: skip
def test_allocations_group_by_innermost_package(frames: list[str], expected: str) -> None:
    assert component_of(frames) == expected


def test_slope_is_the_least_squares_fit() -> None:
    assert slope([(0, 1.0), (1, 3.0), (2, 5.0)]) == pytest.approx(2.0)
    assert slope([(0, 0.0), (1, 1.0), (2, 0.0), (3, 1.0)]) == pytest.approx(0.2)
    assert slope([(1, 5.0)]) is None
    assert slope([(1, 5.0), (1, 6.0)]) is None  # no spread in time: no trend


def test_trend_leaves_out_the_warm_up() -> None:
    # steep growth for five minutes, then flat: the second half shows flat
    points = [(m, 1000.0 + 20 * min(m, 5)) for m in range(11)]
    assert second_half(points)[0] == (5, 1100.0)
    samples = [
        MemorySample(m, rss, heap={"asr": 10.0, "call": 1.0 + m}, containers={"call records": m})
        for m, rss in points
    ]
    t = trends(samples)
    assert t["rss"]["per_min"] == pytest.approx(0.0)
    assert t["rss"]["first"] == 1000.0 and t["rss"]["last"] == 1100.0
    assert t["heap call"]["per_min"] == pytest.approx(1.0)  # the one growing component
    assert t["heap asr"]["per_min"] == pytest.approx(0.0)
    assert t["python traced"]["last"] == pytest.approx(21.0)
    assert t["native (rss - traced)"]["per_min"] == pytest.approx(-1.0)
    assert t["n call records"]["per_min"] == pytest.approx(1.0)


def test_a_sample_traces_this_test_and_measures_native() -> None:
    memory.start_tracing()
    try:
        kept = [bytearray(1 << 20) for _ in range(4)]  # 4 MB from tests/, not voicebot
        sample = memory.take_sample(0.5, {"call records": 3})
    finally:
        memory.stop_tracing()
    assert sample.heap[memory.OTHER] >= 4
    assert 0 < sample.native < sample.rss
    assert sample.containers["call records"] == 3 and sample.containers["gc objects"] > 1000
    series = sample.series()
    assert series["rss"] == sample.rss and series["heap other python"] >= 4
    if sample.malloc_in_use is not None:  # glibc
        assert series["malloc in use"] > 0
    del kept


def test_sqlite_page_caches_are_told_apart_from_other_native_memory(tmp_path: Path) -> None:
    """The soak's residual growth after the onnxruntime fix was native: SQLite's per-connection
    page caches filling as the database grows are counted on their own now."""
    import sqlite3

    before = memory.sqlite_mb()
    if before is None:
        pytest.skip("this Python's sqlite3 does not expose sqlite3_memory_used")
    db = sqlite3.connect(tmp_path / "grow.db")
    db.execute("create table t (x text)")
    db.executemany("insert into t values (?)", [("x" * 500,)] * 5000)
    db.commit()
    during = memory.sqlite_mb()
    db.close()
    assert during is not None and during - before > 1  # ~2.5 MB of pages, capped by cache_size
    sample = memory.take_sample(0.1)
    assert sample.series()["sqlite in use"] == sample.sqlite


def test_the_login_guard_forgets_expired_locks_of_keys_never_seen_again() -> None:
    """A spray of names, each locked once and never tried again, left a lock entry behind
    for ever; expired ones go now and the count is bounded."""
    from voicebot.handoff.desk import TRACKED_KEYS, LoginGuard

    now = [0.0]
    guard = LoginGuard(clock=lambda: now[0])
    for i in range(50):
        guard.attempt([(f"account:spray{i}", 1)], 60, 300)
    assert guard.locked(["account:spray0"]) and len(guard._locked_until) == 50
    now[0] = 301  # every lock has expired
    guard.attempt([("account:ana", 1)], 60, 300)
    assert list(guard._locked_until) == ["account:ana"]
    for i in range(TRACKED_KEYS + 10):  # still within the lockout: bounded all the same
        guard.attempt([(f"address:10.0.{i}", 1)], 60, 300)
    assert len(guard._locked_until) == TRACKED_KEYS
    assert guard.locked([f"address:10.0.{TRACKED_KEYS + 9}"])  # the newest lock holds
