"""`voicebot bench`: fixed Spanish caller turns through the fake-Twilio path, with figures."""

from __future__ import annotations

import asyncio
import json
import resource
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

from voicebot.asr import normalize
from voicebot.config import Settings
from voicebot.dialogue.llm import TransformersModel
from voicebot.simulate import place_call
from voicebot.telephony.fake_twilio import load_wav, synthesize_caller

# Each call speaks these turns in order (the reference texts for WER).
BENCH_TURNS = [
    "Buenas tardes, quisiera saber el horario de la tienda.",
    "Quiero saber cuánto cuesta el envío a Medellín.",
    "Hola, quiero saber dónde está mi pedido.",
]
LATENCY_FIELDS = [
    "voice_to_voice",
    "endpoint",
    "asr",
    "asr_compute",
    "llm_first_token",
    "tts_first_audio",
]


def word_error_rate(reference: str, hypothesis: str) -> float:
    """Word-level Levenshtein distance over the reference length (normalised text)."""
    ref, hyp = normalize(reference).split(), normalize(hypothesis).split()
    row = list(range(len(hyp) + 1))
    for i, r in enumerate(ref, 1):
        prev, row[0] = row[0], i
        for j, h in enumerate(hyp, 1):
            prev, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, prev + (r != h))
    return row[len(hyp)] / max(1, len(ref))


def percentile(values: list[float], q: float) -> float | None:
    return float(np.percentile(values, q)) if values else None


async def run_bench(settings: Settings, *, calls: int = 1, out: Path | None = None) -> int:
    """Run `calls` simultaneous calls of BENCH_TURNS and print p50/p95 per stage."""
    from voicebot.service import build_services, running_service, with_auth_token

    started = time.perf_counter()
    services = await build_services(with_auth_token(settings))
    load_s = time.perf_counter() - started
    token = services.settings.twilio.auth_token.get_secret_value()
    with tempfile.TemporaryDirectory() as tmp:
        clips = [
            synthesize_caller(t, Path(tmp) / f"turn{i}.wav") for i, t in enumerate(BENCH_TURNS)
        ]
        clip_s = [len(load_wav(c)) / 8000 for c in clips]
        async with running_service(services) as url:
            cpu_before, wall_before = _cpu_s(), time.perf_counter()
            results = await asyncio.gather(*(place_call(url, token, clips) for _ in range(calls)))
            cpu_s, wall_s = _cpu_s() - cpu_before, time.perf_counter() - wall_before
        tts_rtf = await _tts_rtf(services, BENCH_TURNS)

    turns = [t for r in results for t in r["turns"]]
    report: dict[str, Any] = {"calls": calls, "turns": len(turns), "model_load_s": round(load_s, 1)}
    report["greeting_ms"] = _p([r["greeting_ms"] for r in results if r["greeting_ms"] is not None])
    for name in LATENCY_FIELDS:
        vals = [t["latency_ms"][name] for t in turns if t["latency_ms"][name] is not None]
        report[f"{name}_ms"] = _p(vals)
    asr_rtf = [
        t["latency_ms"]["asr_compute"] / 1000 / clip_s[i % len(clip_s)]
        for r in results
        for i, t in enumerate(r["turns"])
        if t["latency_ms"]["asr_compute"] is not None
    ]
    report["asr_rtf"] = round(statistics.mean(asr_rtf), 3) if asr_rtf else None
    report["tts_rtf"] = round(tts_rtf, 4)
    llm = services.dialogue.model
    if isinstance(llm, TransformersModel) and llm.generation_seconds:
        report["llm_tokens_per_s"] = round(llm.tokens_generated / llm.generation_seconds, 1)
    wers = [
        word_error_rate(BENCH_TURNS[i], t["heard"] or "")
        for r in results
        for i, t in enumerate(r["turns"])
    ]
    report["asr_wer"] = round(statistics.mean(wers), 3) if wers else None
    report["protocol_violations"] = sum(len(r["protocol_violations"]) for r in results)
    jitter = [r["pacing_jitter_ms_p95"] for r in results if r["pacing_jitter_ms_p95"] is not None]
    report["pacing_jitter_ms_p95"] = max(jitter) if jitter else None
    report["cpu_cores_busy"] = round(cpu_s / wall_s, 2)  # of 2 on this machine
    report["cpu_s_per_call"] = round(cpu_s / calls, 1)
    report["max_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
    report["sample"] = [{"heard": t["heard"], "bot": t["bot"]} for t in results[0]["turns"]]
    _print(report)
    if out is not None:
        raw = json.dumps({"report": report, "calls": results}, ensure_ascii=False, indent=2)
        await asyncio.to_thread(out.write_text, raw)
    return 0


def _cpu_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _p(values: list[float]) -> dict[str, float | None]:
    return {"p50": percentile(values, 50), "p95": percentile(values, 95), "n": len(values)}


async def _tts_rtf(services: Any, texts: list[str]) -> float:
    compute = audio = 0.0
    for text in texts:
        t0 = time.perf_counter()
        pcm = await services.tts.synthesize(text)
        compute += time.perf_counter() - t0
        audio += len(pcm) / 8000
    return compute / audio if audio else 0.0


def _print(report: dict[str, Any]) -> None:
    print(f"voicebot bench: {report['calls']} call(s), {report['turns']} turns")
    for key, value in report.items():
        if isinstance(value, dict) and "p50" in value:
            p50 = "-" if value["p50"] is None else f"{value['p50']:.0f}"
            p95 = "-" if value["p95"] is None else f"{value['p95']:.0f}"
            print(f"  {key:<24} p50 {p50:>6}   p95 {p95:>6}   (n={value['n']})")
    for key in [
        "asr_rtf",
        "tts_rtf",
        "llm_tokens_per_s",
        "asr_wer",
        "model_load_s",
        "protocol_violations",
        "pacing_jitter_ms_p95",
        "cpu_cores_busy",
        "cpu_s_per_call",
        "max_rss_mb",
    ]:
        if key in report:
            print(f"  {key:<24} {report[key]}")
    for turn in report["sample"]:
        print(f"  caller: {turn['heard']!r}\n     bot: {turn['bot']!r}")
