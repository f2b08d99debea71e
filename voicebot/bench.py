"""`voicebot bench`: fixed Spanish caller turns through the fake-Twilio path, with figures."""

from __future__ import annotations

import asyncio
import collections
import json
import math
import re
import resource
import statistics
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import numpy as np
from aiohttp import web

from voicebot.config import Settings
from voicebot.dialogue.llm import LlamaCppModel, TransformersModel
from voicebot.metrics import memory
from voicebot.metrics.kpi import percentile  # the one definition, also /ops's
from voicebot.simulate import place_call
from voicebot.telephony.fake_twilio import load_wav
from voicebot.text import digits, has_phrase, normalize, spoken_numbers
from voicebot.tts.callers import CALLER_VOICES, ROBOTIC_CALLER, synthesize_caller

# Each call speaks these turns in order (the reference texts for WER). The FAQ and the store's
# tools answer three; the third is one only the language model answers (issue 19's
# "model-answered" figure).
BENCH_TURNS = [
    "Buenas tardes, quisiera saber el horario de la tienda.",
    "Quiero saber cuánto cuesta el envío a Medellín.",
    "¿Me pueden facturar a nombre de mi empresa?",
    "Hola, quiero saber dónde está mi pedido.",
]
LATENCY_FIELDS = [
    "voice_to_voice",
    "answer",
    "endpoint",
    "asr",
    "asr_compute",
    "llm_first_token",
    "tts_first_audio",
]


def bench_clips(folder: Path) -> list[Path]:
    """The bench turns, each said by another of the callers' voices (Kokoro's and Pico)."""
    return [
        synthesize_caller(text, folder / f"turn{i}.wav", CALLER_VOICES[i % len(CALLER_VOICES)])
        for i, text in enumerate(BENCH_TURNS)
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


async def run_bench(settings: Settings, *, calls: int = 1, out: Path | None = None) -> int:
    """Run `calls` simultaneous calls of BENCH_TURNS and print p50/p95 per stage."""
    from voicebot.service import build_services, running_service, with_auth_token

    started = time.perf_counter()
    services = await build_services(with_auth_token(settings))
    load_s = time.perf_counter() - started
    token = services.settings.twilio.auth_token.get_secret_value()
    with tempfile.TemporaryDirectory() as tmp:
        clips = bench_clips(Path(tmp))
        clip_s = [len(load_wav(c)) / 8000 for c in clips]
        async with running_service(services) as url:
            cpu_before, wall_before = _cpu_s(), time.perf_counter()
            # the bench callers consent (DTMF 1) so their words are kept for the WER
            key = "1" if services.settings.governance.ask_consent else None
            rss_idle, rss_peak = _rss_mb(), [0.0]

            async def sample_memory() -> None:
                while True:
                    rss_peak[0] = max(rss_peak[0], _rss_mb())
                    await asyncio.sleep(0.5)

            sampler = asyncio.create_task(sample_memory())
            try:
                results = await asyncio.gather(
                    *(place_call(url, token, clips, consent_key=key) for _ in range(calls))
                )
            finally:
                sampler.cancel()
            cpu_s, wall_s = _cpu_s() - cpu_before, time.perf_counter() - wall_before
        tts_rtf = await _tts_rtf(services, BENCH_TURNS)
    await services.close()

    turns = [t for r in results for t in r["turns"]]
    report: dict[str, Any] = {"calls": calls, "turns": len(turns), "model_load_s": round(load_s, 1)}
    report["greeting_ms"] = _p([r["greeting_ms"] for r in results if r["greeting_ms"] is not None])
    for name in LATENCY_FIELDS:
        vals = [t["latency_ms"][name] for t in turns if t["latency_ms"][name] is not None]
        report[f"{name}_ms"] = _p(vals)
        if name == "voice_to_voice":  # a model's answer vs one from store data or the FAQ
            for source in ("model", "tools"):
                report[f"voice_to_voice_{source}_ms"] = _p(
                    [
                        v
                        for t in turns
                        if t.get("answered_by") == source
                        and (v := t["latency_ms"][name]) is not None
                    ]
                )
    asr_rtf = [
        t["latency_ms"]["asr_compute"] / 1000 / clip_s[i % len(clip_s)]
        for r in results
        for i, t in enumerate(r["turns"])
        if t["latency_ms"]["asr_compute"] is not None
    ]
    report["asr_rtf"] = round(statistics.mean(asr_rtf), 3) if asr_rtf else None
    report["tts_rtf"] = round(tts_rtf, 4)
    llm = services.dialogue.model
    if isinstance(llm, TransformersModel | LlamaCppModel) and llm.generation_seconds:
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
    # Resident memory with the models loaded and no call, at the busiest moment of the calls,
    # and what each call added (the fake callers live in this process too: an upper bound).
    report["rss_idle_mb"] = round(rss_idle)
    report["rss_calls_mb"] = round(max(rss_peak[0], rss_idle))
    report["rss_per_call_mb"] = round((max(rss_peak[0], rss_idle) - rss_idle) / calls, 1)
    report["sample"] = [
        {
            "heard": t["heard"],
            "bot": t["bot"],
            "v2v_ms": t["latency_ms"]["voice_to_voice"],
            "by": t.get("answered_by"),
        }
        for t in results[0]["turns"]
    ]
    _print(report)
    if out is not None:
        raw = json.dumps({"report": report, "calls": results}, ensure_ascii=False, indent=2)
        await asyncio.to_thread(out.write_text, raw)
    return 0


async def run_soak(
    settings: Settings,
    *,
    calls: int,
    minutes: float,
    ramp_s: float = 20,
    trace_python: bool = True,
) -> int:
    """Load and soak: callers are added one every `ramp_s` up to `calls` simultaneous, each
    placing call after call until `minutes` have passed. Prints per minute the calls finished,
    voice-to-voice p50/p95 and the process's memory by component (the Python heap through
    tracemalloc when `trace_python`); then errors and the memory trends."""
    from voicebot.service import build_services, with_auth_token

    services = await build_services(with_auth_token(settings))
    try:
        report = await soak(
            services, calls=calls, minutes=minutes, ramp_s=ramp_s, trace_python=trace_python
        )
    finally:
        await services.close()
    _print_soak(report)
    return 1 if report["errors"] else 0


def unanswered(turn: dict[str, Any]) -> bool:
    """Whether the caller heard nothing after a turn of `place_call`'s report. A reply the
    caller talked over before it began (a slow answer after its filler, then a barge-in) leaves
    no words on record though the caller heard the filler: that is an interruption, not
    silence."""
    heard = turn["latency_ms"]["voice_to_voice"] is not None or turn["bot_spoke_over_caller"]
    return not turn["bot"] and not heard


async def soak(
    services: Any, *, calls: int, minutes: float, ramp_s: float, trace_python: bool = True
) -> dict[str, Any]:
    """The soak itself, on loaded services: per-minute figures, errors, memory samples."""
    from voicebot.service import running_service

    token = services.settings.twilio.auth_token.get_secret_value()
    key = "1" if services.settings.governance.ask_consent else None
    start = end = 0.0  # set once the service is up (clips and start-up are not calling time)
    done: list[tuple[float, dict[str, Any]]] = []  # (minute, report)
    errors: collections.Counter[str] = collections.Counter()
    to_person = 0  # calls admission control sent to a person (the machine was full)
    rss: list[tuple[float, float]] = []  # (minute, MB)
    samples: list[memory.MemorySample] = []  # by component, every `every_s`
    sample_s: list[float] = []  # what each cost (the event loop keeps running meanwhile)
    # a minute apart on a long run, a dozen samples at least on a short one
    every_s = min(60.0, max(10.0, minutes * 60 / 12))
    apps: list[web.Application] = []
    active = 0
    held = 0

    async def caller(clips: list[Path]) -> None:
        nonlocal active, held, to_person
        while time.monotonic() < end:
            active += 1
            held = max(held, active)
            try:
                report = await place_call(url, token, clips, consent_key=key)
                done.append(((time.monotonic() - start) / 60, report))
                if report["protocol_violations"]:
                    errors["protocol_violation"] += 1
                errors["unanswered_turn"] += sum(map(unanswered, report["turns"]))
            except RuntimeError as exc:
                if "<Connect><Stream>" not in str(exc):
                    raise
                to_person += 1  # the webhook answered with a <Dial>: by design, not a fault
                await asyncio.sleep(1)
            except Exception as exc:  # counted, and the caller calls again
                errors[type(exc).__name__] += 1
                await asyncio.sleep(1)
            finally:
                active -= 1

    async def sample_memory() -> None:
        while True:
            rss.append(((time.monotonic() - start) / 60, _rss_mb()))
            await asyncio.sleep(10)

    async def sample_components() -> None:
        while True:
            t0 = time.perf_counter()
            minute = (time.monotonic() - start) / 60
            try:
                sizes = service_containers(services, apps[0]) if apps else {}
                samples.append(await asyncio.to_thread(memory.take_sample, minute, sizes))
            except Exception as exc:  # a probe that breaks must not end an hour's soak
                errors[f"memory_sample {type(exc).__name__}"] += 1
            sample_s.append(time.perf_counter() - t0)
            await asyncio.sleep(every_s)

    with tempfile.TemporaryDirectory() as tmp:
        clips = bench_clips(Path(tmp))
        if trace_python:  # after the models and clips: what grows from here on is traced
            memory.start_tracing()
        on_app = lambda _url, app: apps.append(app)  # noqa: E731
        async with running_service(services, on_app=on_app) as url, asyncio.TaskGroup() as tg:
            start = time.monotonic()
            end = start + minutes * 60
            sampler = tg.create_task(sample_memory())
            components = tg.create_task(sample_components())
            callers = []
            for _ in range(calls):
                callers.append(tg.create_task(caller(clips)))
                if time.monotonic() + ramp_s >= end:
                    break
                await asyncio.sleep(ramp_s)
            await asyncio.gather(*callers)
            sampler.cancel()
            components.cancel()
            # one last look with every call finished
            sizes = service_containers(services, apps[0]) if apps else {}
            samples.append(
                await asyncio.to_thread(memory.take_sample, (time.monotonic() - start) / 60, sizes)
            )
        memory.stop_tracing()
    rows = []
    last = max((m for m, _ in done), default=0.0)  # calls under way at the end finish later
    for minute in range(max(math.ceil(minutes), math.ceil(last + 1e-9))):
        reports = [r for m, r in done if minute <= m < minute + 1]
        v2v = _v2v(reports)
        mem = [mb for m, mb in rss if minute <= m < minute + 1]
        looks = [s for s in samples if minute <= s.minute < minute + 1]
        rows.append({"minute": minute + 1, "calls": len(reports),
                     "v2v_p50": percentile(v2v, 50), "v2v_p95": percentile(v2v, 95),
                     "rss_mb": max(mem) if mem else None,
                     "memory": looks[-1].series() if looks else {}})  # fmt: skip
    settled = [(m, mb) for m, mb in rss if m >= 1] or rss  # after warm-up allocations
    slope = (
        float(np.polyfit([m for m, _ in settled], [mb for _, mb in settled], 1)[0])
        if len(settled) >= 2
        else None
    )
    all_v2v = _v2v([r for _, r in done])
    return {
        "calls": calls, "minutes": minutes, "ramp_s": ramp_s, "finished": len(done),
        "held": held, "errors": {k: v for k, v in errors.items() if v},
        "to_person": to_person, "per_minute": rows,
        "v2v_p50": percentile(all_v2v, 50), "v2v_p95": percentile(all_v2v, 95),
        "turns": len(all_v2v), "rss_first_mb": settled[0][1] if settled else None,
        "rss_last_mb": settled[-1][1] if settled else None, "rss_trend_mb_per_min": slope,
        "rss_trend_second_half": memory.slope(memory.second_half(rss)),
        "memory_trends": memory.trends(samples), "traced": trace_python,
        "sample_s": statistics.mean(sample_s) if sample_s else None,
    }  # fmt: skip


def service_containers(services: Any, app: web.Application) -> dict[str, int]:
    """Entries in the service's long-lived collections: what a leak keyed per call or per
    request would grow (each is meant to be bounded or emptied when its call ends)."""
    from voicebot.app import SWITCHBOARD
    from voicebot.chat import CONVERSATIONS
    from voicebot.services import CALLS

    host, desk = app[SWITCHBOARD], services.desk
    sizes = {
        "call records": len(app[CALLS]),
        "sessions": len(host.sessions),
        "claims": len(host._claims),
        "desk transfers": len(desk.transfers),
        "desk callbacks": len(desk.callbacks),
        "desk subscribers": len(desk._subscribers),
        "revoked logins": len(desk._revoked),
        "login failures": len(desk.login_guard._failures),
        "login locks": len(desk.login_guard._locked_until),
        # the chat channel's sub-application holds them (aiohttp keeps no public list)
        "chat conversations": sum(
            len(sub[CONVERSATIONS]) for sub in getattr(app, "_subapps", []) if CONVERSATIONS in sub
        ),
        "tts cache": len(getattr(services.tts, "_fixed", {})),
        "phrase audio": len(services.phrase_audio),
        "tasks": len(asyncio.all_tasks()),
        "threads": threading.active_count(),
    }
    return sizes


def _v2v(reports: list[dict[str, Any]]) -> list[float]:
    return [
        t["latency_ms"]["voice_to_voice"]
        for r in reports
        for t in r["turns"]
        if t["latency_ms"]["voice_to_voice"] is not None
    ]


def _print_soak(r: dict[str, Any]) -> None:
    print(
        f"voicebot bench --calls {r['calls']} --minutes {r['minutes']:g}: one more caller "
        f"every {r['ramp_s']:g} s; {r['finished']} calls finished, {r['held']} held at once"
    )
    print("  minute  calls  v2v p50  v2v p95   rss MB")
    for row in r["per_minute"]:
        print(f"  {row['minute']:>6} {row['calls']:>6} {row['v2v_p50'] or 0:>8.0f} "
              f"{row['v2v_p95'] or 0:>8.0f} {row['rss_mb'] or 0:>8.0f}")  # fmt: skip
    print(f"  overall v2v p50 {r['v2v_p50'] or 0:.0f} ms, p95 {r['v2v_p95'] or 0:.0f} ms "
          f"over {r['turns']} turns")  # fmt: skip
    print(f"  errors: {r['errors'] or 'none'}   (unanswered_turn: the model missed its time "
          "budget and the call went to a person)")  # fmt: skip
    print(f"  calls sent to a person at admission (machine full): {r['to_person']}")
    if r["rss_trend_mb_per_min"] is not None:
        half = r["rss_trend_second_half"]
        print(f"  memory: {r['rss_first_mb']:.0f} MB after the first minute, "
              f"{r['rss_last_mb']:.0f} MB at the end; trend {r['rss_trend_mb_per_min']:+.1f} "
              f"MB/min from minute 1, {half if half is None else f'{half:+.2f}'} MB/min over "
              "the second half")  # fmt: skip
    _print_memory(r)


# The per-minute memory tables' columns: (heading, figure in MemorySample.series())
_MEMORY_COLUMNS = [
    ("rss", "rss"), ("native", "native (rss - traced)"), ("malloc", "malloc in use"),
    ("sqlite", "sqlite in use"), ("slack", "malloc held - in use"), ("traced", "python traced"),
    *[(c[:6], f"heap {c}") for c in (*memory.COMPONENTS, "voicebot")],
    ("caller", f"heap {memory.CALLERS}"), ("other", f"heap {memory.OTHER}"),
]  # fmt: skip
_CONTAINER_COLUMNS = [
    ("records", "n call records"), ("sessns", "n sessions"), ("claims", "n claims"),
    ("transf", "n desk transfers"), ("callbk", "n desk callbacks"),
    ("chats", "n chat conversations"), ("ttscch", "n tts cache"), ("tasks", "n tasks"),
    ("thrds", "n threads"), ("gc k", "n gc objects"),
]  # fmt: skip


def _print_memory(r: dict[str, Any]) -> None:
    """Memory per minute by component, then each figure's trend over the second half."""
    rows = [row for row in r["per_minute"] if row["memory"]]
    if not rows:
        return
    traced = "tracemalloc, by component" if r["traced"] else "tracemalloc off"
    print(f"  memory per minute, MB (last look in the minute; Python heap: {traced}; native = "
          "RSS - traced; slack = malloc held but free)")  # fmt: skip
    for columns, scale in ((_MEMORY_COLUMNS, 1.0), (_CONTAINER_COLUMNS, 0.0)):
        columns = [(h, k) for h, k in columns if any(k in row["memory"] for row in rows)]
        print("  minute" + "".join(f"{h:>8}" for h, _ in columns))
        for row in rows:
            cells = []
            for heading, key in columns:
                v = row["memory"].get(key)
                if v is None:
                    cells.append(f"{'-':>8}")
                elif scale:
                    cells.append(f"{v:>8.1f}")
                else:
                    cells.append(f"{v / 1000 if heading == 'gc k' else v:>8.0f}")
            print(f"  {row['minute']:>6}" + "".join(cells))
    print(f"  memory trends, linear fit over the second half of the run (sampling took "
          f"{r['sample_s'] or 0:.2f} s a look, off the event loop):")  # fmt: skip
    print(f"    {'figure':<26} {'first':>9} {'last':>9} {'per min':>9}")
    for name, t in r["memory_trends"].items():
        unit = "" if name.startswith("n ") else " MB"
        per_min = "-" if t["per_min"] is None else f"{t['per_min']:+.2f}"
        print(f"    {name + unit:<26} {t['first'] or 0:>9.1f} {t['last'] or 0:>9.1f} "
              f"{per_min:>9}")  # fmt: skip


def _rss_mb() -> float:
    """The process's resident memory now (not its peak)."""
    with open("/proc/self/statm") as f:
        pages = int(f.read().split()[1])
    return pages * resource.getpagesize() / 2**20


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
        "rss_idle_mb",
        "rss_calls_mb",
        "rss_per_call_mb",
    ]:
        if key in report:
            print(f"  {key:<24} {report[key]}")
    for turn in report["sample"]:
        print(
            f"  caller: {turn['heard']!r}\n     bot: {turn['bot']!r}"
            f"  ({turn['v2v_ms']} ms, {turn['by']})"
        )


# Turns a caller says; the store's tools answer orders and products, the model the rest.
# `expect`: a word the right answer contains; `no_digits`: any number would be invented.
DIALOGUE_SCENARIOS: list[dict[str, Any]] = [
    {"say": "¿A qué hora abren el domingo?", "expect": ["10"]},
    {"say": "¿Hasta qué hora atienden entre semana?", "expect": ["8"]},
    {"say": "¿El envío a Medellín tiene costo?", "expect": ["150.000", "gratis", "ciudad"]},
    {"say": "¿Puedo pagar contraentrega?", "expect": ["contraentrega"]},
    {"say": "¿Cuántos días tengo para devolver un producto?", "expect": ["30"]},
    {"say": "¿Hacen envíos a Pasto?", "expect": ["Colombia", "2 a 5", "días"]},
    {"say": "Quiero saber cuándo llega mi pedido.", "expect": ["número"], "no_digits": True},
    {"say": "¿Cuánto cuesta un televisor de 50 pulgadas?", "expect": ["asesor", "no"],
     "no_digits": True},
    {"say": "Buenas tardes, ¿con quién hablo?", "expect": ["asistente"]},
    {"say": "¿Tienen parqueadero en la tienda?", "expect": ["asesor", "no"], "no_digits": True},
]  # fmt: skip
_TU = re.compile(
    r"\b(tú|tienes|puedes|quieres|necesitas|necesitarás|tendrás|podrás|te puedo|te ayudo|"
    r"tu pedido|dime)\b",
    re.I,
)


async def run_dialogue_bench(settings: Settings, models: list[str]) -> int:
    """Each model on DIALOGUE_SCENARIOS as the caller would hear it (guards on): correct
    answers, invented numbers, "tú" slips, first-sentence and whole-reply latency."""
    from voicebot.dialogue.policy import Dialogue, ReplyStats, Say, load_intent_model
    from voicebot.dialogue.retail import Concierge
    from voicebot.dialogue.tools import Tools
    from voicebot.service import build_language_model
    from voicebot.store.search import Catalog
    from voicebot.store.sql import SqlStore

    # As the caller hears it: rules and the store's tools first, the model for the rest.
    tmp = tempfile.TemporaryDirectory()
    store = await SqlStore.open(f"sqlite+aiosqlite:///{tmp.name}/dialogue.db")
    catalog = Catalog(await store.products())
    print(f"voicebot bench --dialogue: {len(DIALOGUE_SCENARIOS)} turns per model "
          "(rules and store tools first, as in a call)")  # fmt: skip
    for name in models:
        cfg = settings.model_copy(update={"llm": settings.llm.model_copy(update={"model": name})})
        t0 = time.perf_counter()
        model = await asyncio.to_thread(build_language_model, cfg)
        load_s = time.perf_counter() - t0
        dialogue = Dialogue(cfg, model, await asyncio.to_thread(load_intent_model, cfg))
        async for _ in model.stream(dialogue.messages([], "Hola")):  # warm the prompt cache
            pass
        correct = invented = tu = guarded = 0
        first: list[float] = []
        whole: list[float] = []
        samples = []
        for scenario in DIALOGUE_SCENARIOS:
            stats = ReplyStats()
            said: list[str] = []
            first_at = None
            concierge = Concierge(cfg, Tools(store, store, catalog, None, "bench"), "", "voice")
            async for part in dialogue.reply([], scenario["say"], stats, concierge):
                if isinstance(part, Say):
                    first_at = first_at or time.perf_counter() - stats.started
                    said.append(part.text)
            whole.append((time.perf_counter() - stats.started) * 1000)
            if first_at is not None:
                first.append(first_at * 1000)
            text = " ".join(said)
            correct += has_phrase(text, scenario["expect"])
            invented += bool(scenario.get("no_digits")) and any(c.isdigit() for c in text)
            tu += bool(_TU.search(text))
            guarded += stats.guarded
            samples.append((scenario["say"], text))
        n = len(DIALOGUE_SCENARIOS)
        tps = (
            model.tokens_generated / model.generation_seconds
            if isinstance(model, TransformersModel | LlamaCppModel) and model.generation_seconds
            else None
        )
        print(f"  model {name}: load {load_s:.1f} s")
        print(f"    correct answers          {correct}/{n}")
        print(f"    invented numbers         {invented}   (replaced by the guard: {guarded})")
        print(f"    'tú' slips               {tu}/{n}")
        print(f"    first sentence ms        p50 {percentile(first, 50):.0f}   p95 "
              f"{percentile(first, 95):.0f}")  # fmt: skip
        print(f"    whole reply ms           p50 {percentile(whole, 50):.0f}   p95 "
              f"{percentile(whole, 95):.0f}")  # fmt: skip
        if tps is not None:
            print(f"    tokens/s                 {tps:.1f}")
        for say, text in samples:
            print(f"      «{say}» -> «{text}»")
        del dialogue, model
    await store.close()
    tmp.cleanup()
    return 0


async def run_store_bench(settings: Settings, rounds: int = 30) -> int:
    """Tool latency (p50/p95 per tool: the store call, not the audit write) and recall@3.

    Uses `store.database_url` (set VOICEBOT_STORE__DATABASE_URL for PostgreSQL); a SQLite
    default is replaced by a throwaway copy so the bench's tickets land nowhere."""
    from voicebot.dialogue.tools import Tools
    from voicebot.store.connect import close_store, open_store
    from voicebot.store.search import Catalog, ProductQuery
    from voicebot.store.sql import SAMPLE_STORE

    with tempfile.TemporaryDirectory() as tmp:
        store_cfg = settings.store
        if store_cfg.database_url.startswith("sqlite"):
            store_cfg = store_cfg.model_copy(
                update={"database_url": f"sqlite+aiosqlite:///{tmp}/bench.db", "seed": "sample"}
            )
        cfg = settings.model_copy(update={"store": store_cfg})
        store, records = await open_store(cfg)
        t0 = time.perf_counter()
        catalog = Catalog(await store.products())
        index_ms = (time.perf_counter() - t0) * 1000
        tools = Tools(store, records, catalog, None, "bench")
        sample = json.loads(SAMPLE_STORE.read_text(encoding="utf-8"))
        phones = [c["phone"] for c in sample["customers"]]
        orders = [o["number"] for o in sample["orders"]]
        evals = json.loads(
            (SAMPLE_STORE.with_name("search_eval.json")).read_text(encoding="utf-8")
        )["queries"]
        from voicebot.store import NewTicket

        for i in range(rounds):
            await tools.order_status(orders[i % len(orders)])
            await tools.order_status(str(10000 + i))  # unknown
            await tools.orders_by_phone(phones[i % len(phones)])
            customer = await tools.customer(phones[i % len(phones)])
            if customer is not None:
                await tools.open_cart(customer.id)
            await tools.search(ProductQuery(evals[i % len(evals)]["q"], "42", "negro"))
            await tools.create_ticket(NewTicket("llamada", phones[0], "bench"))
        hits = 0
        for item in evals:
            names = [h.product.name for h in catalog.search(ProductQuery(item["q"]))]
            hits += bool(set(names) & set(item["expect"]))
        dialect = cfg.store.database_url.split(":", 1)[0]
        print(f"voicebot bench --store: {dialect}, {len(catalog.products)} products, "
              f"{rounds} rounds")  # fmt: skip
        print(f"  catalogue load + index    {index_ms:.0f} ms")
        by_tool: dict[str, list[float]] = {}
        for call in tools.calls:
            by_tool.setdefault(call.name, []).append(call.ms)
        for name, values in by_tool.items():
            print(f"  tool {name:<21} p50 {percentile(values, 50):6.1f} ms   p95 "
                  f"{percentile(values, 95):6.1f} ms   (n={len(values)})")  # fmt: skip
        print(
            f"  search recall@3           {hits / len(evals):.3f}   ({hits}/{len(evals)} queries)"
        )
        await close_store(store, records)
    return 0


# What shoppers say, for `voicebot bench --asr` (reference texts for the WER).
ASR_EVAL = [
    *BENCH_TURNS,
    "Sí, claro.",
    "Claro que sí.",
    "Hasta luego.",
    "¿Cuánto vale un reloj?",
    "¿Tienen gorras negras?",
    "Quiero saber el estado de mi orden.",
    "Qué mal, nunca llega.",
    "No, gracias.",
    "Necesito hablar con un asesor.",
    "¿A qué hora abren el domingo?",
    "Quiero devolver unos zapatos.",
    "¿Tienen camisetas blancas en talla mediana?",
    "Me llegó el producto dañado.",
    "¿Cuánto se demora el envío a Cali?",
    "Quiero pagar con tarjeta de crédito.",
    "Buenos días, tengo una pregunta sobre mi compra.",
    "¿Me puede enviar el enlace por mensaje?",
    "No entiendo, repítame por favor.",
    "Sí, por favor, mándemelo.",
    "¿Tienen descuentos esta semana?",
    "Gracias, muy amable.",
    "Quiero cambiar la dirección de entrega.",
    "¿Dónde queda la tienda de Bogotá?",
    "Busco un regalo para mi mamá.",
    "¿El pantalón viene en azul?",
    "Ya pagué y no me ha llegado nada.",
    "Espere un momento.",
]
# Three callers who sound like people (Kokoro's Spanish voices and Pico), one robotic
# espeak-ng voice as a robustness case; WER is printed per voice.
ASR_EVAL_VOICES = [*CALLER_VOICES[:3], ROBOTIC_CALLER]
ASR_EVAL_NUMBERS = [
    "7215", "30482", "99016", "4417", "508263", "1234567", "45721", "3205550101"
]  # fmt: skip


async def run_asr_bench(settings: Settings) -> int:
    """Whisper on shoppers' turns through the phone codec, full 30 s encoder window vs the
    configured short one: compute per turn and WER (synthetic voices; real Colombian digits)."""
    from voicebot.asr import WhisperTranscriber
    from voicebot.audio.codec import ulaw_decode, ulaw_encode
    from voicebot.telephony.fake_twilio import DIGIT_WORDS, real_digits_wav

    def wer(ref: str, hyp: str) -> float:  # digits and number words compare equal
        return word_error_rate(spoken_numbers(ref), spoken_numbers(hyp))

    with tempfile.TemporaryDirectory() as tmp:
        clips: list[tuple[str, str, np.ndarray]] = []
        for voice in ASR_EVAL_VOICES:
            for i, text in enumerate(ASR_EVAL):
                path = Path(tmp) / f"{voice.replace(':', '-')}-{i}.wav"
                wav = synthesize_caller(text, path, voice)
                clips.append((voice, text, ulaw_decode(ulaw_encode(load_wav(wav)))))
        for number in ASR_EVAL_NUMBERS:
            said = real_digits_wav(number, Path(tmp))
            if said is not None:
                clips.append(("real", number, load_wav(said)))
    audio_s = [len(pcm) / 8000 for _, _, pcm in clips]
    print(
        f"{len(clips)} turns, {statistics.mean(audio_s):.1f} s on average "
        f"({len(ASR_EVAL)} phrases x {len(ASR_EVAL_VOICES)} voices: {', '.join(ASR_EVAL_VOICES)}; "
        f"{sum(kind == 'real' for kind, _, _ in clips)} numbers by a real voice)"
    )
    print(
        f"{'encoder window':<20} {'ms/turn p50':>11} {'p95':>6} {'WER neural':>10} {'real':>6}"
        f" {'numbers exact':>14} {'robotic*':>9}"
    )
    windows = {
        "30 s (Whisper's)": settings.asr.model_copy(update={"window_s": 0}),
        f"{settings.asr.window_s:g} s": settings.asr,
    }
    for label, cfg in windows.items():
        asr = WhisperTranscriber(settings.model_ref(cfg.model), cfg)
        ms, wers, exact = [], collections.defaultdict(list), 0
        for kind, text, pcm in clips:
            heard = await asr.transcribe(pcm)
            ms.append(heard.seconds * 1000)
            if kind == "real":  # `text` is the number: its words for the WER, its digits exact
                exact += digits(heard.text).rstrip(".") == text
                text = " ".join(DIGIT_WORDS[int(d)] for d in text)
            wers[kind].append(wer(text, heard.text))
        real = f"{statistics.mean(wers['real']):.3f}" if wers["real"] else "-"
        numbers = f"{exact} of {len(wers['real'])}"
        neural = [w for voice in ASR_EVAL_VOICES[:-1] for w in wers[voice]]
        print(
            f"{label:<20} {percentile(ms, 50):>11.0f} {percentile(ms, 95):>6.0f} "
            f"{statistics.mean(neural):>10.3f} {real:>6} {numbers:>14} "
            f"{statistics.mean(wers[ROBOTIC_CALLER]):>9.3f}"
        )
    print(f"* {ROBOTIC_CALLER}: the robotic voice, a robustness case only")
    return 0
