"""Where the process's memory goes, for the soak (`voicebot bench --minutes`).

A sample holds the resident set (RSS), the Python heap traced by `tracemalloc` grouped by the
service's components, what glibc's malloc has handed out, and what is left: native memory
Python does not trace (the models' runtimes: ctranslate2, llama.cpp, onnxruntime). A trend is
a least-squares slope over the second half of a run, so warm-up growth does not count.

Plain functions, no event loop: the soak calls them (the slow part in a worker thread).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import gc
import importlib
import os
import resource
import tracemalloc
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

# voicebot's packages whose allocations are told apart; the rest of voicebot is "voicebot"
COMPONENTS = ("asr", "tts", "call", "dialogue", "handoff", "store", "telephony", "metrics")
# The soak's fake callers run in the same process: their allocations are theirs, not the
# service's (they would otherwise count as "telephony" or "voicebot").
CALLER_FILES = ("telephony/fake_twilio.py", "simulate.py", "bench.py", "tts/callers.py")
CALLERS = "bench callers"
OTHER = "other python"
# Frames kept per traced allocation: enough to get from numpy or aiohttp back to the voicebot
# code that asked, few enough to keep tracemalloc's overhead low.
TRACE_FRAMES = 8
MB = 2**20


def component_of(filenames: Sequence[str]) -> str:
    """The component an allocation belongs to, from its traceback's file names (oldest
    first, as tracemalloc gives them): the innermost voicebot frame decides."""
    for filename in reversed(filenames):
        path = filename.replace(os.sep, "/")
        at = path.rfind("/voicebot/")
        if at < 0 or "site-packages" in path[:at]:
            continue
        inner = path[at + len("/voicebot/") :]
        if inner in CALLER_FILES:
            return CALLERS
        package = inner.split("/", 1)[0]
        return package if "/" in inner and package in COMPONENTS else "voicebot"
    return OTHER


def heap_by_component(snapshot: tracemalloc.Snapshot) -> dict[str, float]:
    """Traced bytes (MB) per component, largest first."""
    totals: dict[str, int] = {}
    for stat in snapshot.statistics("traceback"):
        name = component_of([frame.filename for frame in stat.traceback])
        totals[name] = totals.get(name, 0) + stat.size
    return {k: v / MB for k, v in sorted(totals.items(), key=lambda kv: -kv[1])}


def rss_mb() -> float:
    """The process's resident memory now (not its peak)."""
    with open("/proc/self/statm") as f:
        pages = int(f.read().split()[1])
    return pages * resource.getpagesize() / MB


class _MallInfo2(ctypes.Structure):
    _fields_ = [
        (name, ctypes.c_size_t)
        for name in (
            "arena", "ordblks", "smblks", "hblks", "hblkhd",
            "usmblks", "fsmblks", "uordblks", "fordblks", "keepcost",
        )
    ]  # fmt: skip


def malloc_mb() -> tuple[float, float] | None:
    """glibc malloc: (bytes in use, bytes held from the system) in MB; None off glibc.
    Held minus in use is fragmentation and free lists, which RSS counts and no object owns."""
    name = ctypes.util.find_library("c")
    if name is None:
        return None
    try:
        libc = ctypes.CDLL(name)
        fn = libc.mallinfo2
    except (OSError, AttributeError):
        return None
    fn.restype = _MallInfo2
    info = fn()
    return (info.uordblks + info.hblkhd) / MB, (info.arena + info.hblkhd) / MB


def sqlite_mb() -> float | None:
    """What SQLite has allocated in this process now (its page caches above all: each pooled
    connection caches up to `cache_size` pages, 2 MB by default, and fills that as the
    database grows), in MB; None when the sqlite3 module or its counter is missing."""
    try:
        module = importlib.import_module("_sqlite3")
        used = ctypes.CDLL(module.__file__).sqlite3_memory_used
    except (ImportError, OSError, AttributeError, TypeError):
        return None
    used.restype = ctypes.c_int64
    return float(used()) / MB


@dataclass
class MemorySample:
    """One look at the process, `minute` minutes into the run. Sizes in MB, `containers`
    are entry counts of the service's long-lived collections."""

    minute: float
    rss: float
    heap: dict[str, float] = field(default_factory=dict)  # traced, by component
    containers: dict[str, int] = field(default_factory=dict)
    malloc_in_use: float | None = None
    malloc_held: float | None = None
    sqlite: float | None = None  # part of malloc in use: SQLite's page caches and statements

    @property
    def traced(self) -> float:
        return sum(self.heap.values())

    @property
    def native(self) -> float:
        """RSS not traced by Python: models' runtimes, allocator slack, and the Python
        objects made before tracing started (so only its changes mean something)."""
        return self.rss - self.traced

    def series(self) -> dict[str, float]:
        """Every figure of this sample by name, for trends and tables."""
        out = {"rss": self.rss, "native (rss - traced)": self.native}
        if self.heap:
            out["python traced"] = self.traced
            out |= {f"heap {k}": v for k, v in self.heap.items()}
        if self.malloc_in_use is not None and self.malloc_held is not None:
            out["malloc in use"] = self.malloc_in_use
            out["malloc held - in use"] = self.malloc_held - self.malloc_in_use
        if self.sqlite is not None:
            out["sqlite in use"] = self.sqlite
            if self.malloc_in_use is not None:
                out["malloc in use - sqlite"] = self.malloc_in_use - self.sqlite
        out |= {f"n {k}": float(v) for k, v in self.containers.items()}
        return out


def take_sample(minute: float, containers: dict[str, int] | None = None) -> MemorySample:
    """RSS, malloc and (when tracemalloc is on) the traced heap by component. Blocking: the
    heap grouping walks every traced block, so call it off the event loop."""
    rss = rss_mb()
    heap = heap_by_component(tracemalloc.take_snapshot()) if tracemalloc.is_tracing() else {}
    mall = malloc_mb()
    counts = dict(containers or {}) | {"gc objects": len(gc.get_objects())}
    return MemorySample(
        minute, rss, heap, counts,
        mall[0] if mall else None, mall[1] if mall else None, sqlite_mb(),
    )  # fmt: skip


def slope(points: Iterable[tuple[float, float]]) -> float | None:
    """Least-squares slope of (x, y) points; None with fewer than two distinct x."""
    pts = list(points)
    if len(pts) < 2:
        return None
    mx = sum(x for x, _ in pts) / len(pts)
    my = sum(y for _, y in pts) / len(pts)
    sxx = sum((x - mx) ** 2 for x, _ in pts)
    if sxx == 0:
        return None
    return sum((x - mx) * (y - my) for x, y in pts) / sxx


def second_half(points: Sequence[tuple[float, float]]) -> list[tuple[float, float]]:
    """The points from the middle of the run on (warm-up excluded)."""
    if not points:
        return []
    middle = (points[0][0] + points[-1][0]) / 2
    return [p for p in points if p[0] >= middle]


def trends(samples: Sequence[MemorySample]) -> dict[str, dict[str, float | None]]:
    """Per figure: first and last value and MB (or entries) per minute over the second
    half of the run."""
    names: list[str] = []
    for s in samples:
        names += [n for n in s.series() if n not in names]
    out: dict[str, dict[str, float | None]] = {}
    for name in names:
        points = [(s.minute, v) for s in samples if (v := s.series().get(name)) is not None]
        out[name] = {
            "first": points[0][1] if points else None,
            "last": points[-1][1] if points else None,
            "per_min": slope(second_half(points)),
        }
    return out


def start_tracing() -> None:
    """Trace Python allocations from now on (a few frames each, to keep overhead low)."""
    if not tracemalloc.is_tracing():
        tracemalloc.start(TRACE_FRAMES)


def stop_tracing() -> None:
    tracemalloc.stop()
