"""The `voicebot` command: serve, simulate, bench, models."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from pathlib import Path

from voicebot.config import Settings, load_settings
from voicebot.telephony.fake_twilio import DEFAULT_CALLER


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="voicebot", description=__doc__)
    p.add_argument("--config", type=Path, help="YAML config file (default: packaged defaults)")
    p.add_argument("--log-level", default="warning")
    sub = p.add_subparsers(dest="command", required=True)

    sub.add_parser("serve", help="run the service")

    sim = sub.add_parser("simulate", help="place a simulated Twilio call")
    sim.add_argument("--audio", type=Path, action="append", default=[], help="caller turn WAV")
    sim.add_argument(
        "--say", action="append", default=[], help="caller turn text, spoken by a synthetic voice"
    )
    sim.add_argument("--dtmf", action="append", default=[], help="keys pressed after the turns")
    sim.add_argument("--record", type=Path, help="write what the caller heard to this WAV")
    sim.add_argument("--url", help="target a running service instead of an in-process one")
    sim.add_argument("--json", action="store_true", help="print compact JSON")
    sim.add_argument(
        "--consent",
        choices=["yes", "no", "none"],
        default="yes",
        help="how the caller answers the consent question (keypad 1, 2, or not at all)",
    )
    sim.add_argument(
        "--caller",
        default=DEFAULT_CALLER,
        help="caller's number (E.164); +573205550101 is a sample customer with an open order",
    )

    try_ = sub.add_parser("try", help="one dialogue turn, text in, text out (checks a config)")
    try_.add_argument("text", help="what the caller says")
    try_.add_argument("--caller", default="", help="the customer's phone (E.164), for context")

    bench = sub.add_parser("bench", help="latency benchmark over the fake-Twilio path")
    bench.add_argument("--calls", type=int, default=1, help="simultaneous calls")
    bench.add_argument("--out", type=Path, help="also write the raw results as JSON")
    bench.add_argument(
        "--minutes", type=float, help="soak: ramp up to --calls callers, call for this long"
    )
    bench.add_argument("--ramp", type=float, default=20, help="soak: seconds between new callers")
    bench.add_argument(
        "--no-tracemalloc",
        action="store_true",
        help="soak: no Python heap by component (RSS, malloc and collection sizes only)",
    )
    bench.add_argument(
        "--dialogue",
        nargs="*",
        metavar="MODEL",
        help="compare models (folders under models/, paths) on free-talk dialogue turns; "
        "no MODEL: llm.model without and with its LoRA adapter on data/lora/heldout.yaml",
    )
    bench.add_argument(
        "--adapter", help="--dialogue: the adapter to compare (default: llm.adapter, else lora)"
    )
    bench.add_argument(
        "--store", action="store_true", help="tool latency and search recall@3 on the store"
    )
    bench.add_argument(
        "--asr", action="store_true", help="Whisper speed and WER, full vs short encoder window"
    )
    bench.add_argument(
        "--barge-in",
        action="store_true",
        help="how fast the bot stops when talked over; backchannels paused and resumed",
    )
    bench.add_argument("--rounds", type=int, default=1, help="--barge-in: rounds of the cases")
    bench.add_argument(
        "--conversations",
        action="store_true",
        help="the held-out call scenarios (data/conversations): task success, guards, failures",
    )
    bench.add_argument(
        "--only",
        metavar="ID",
        help="--conversations: run this scenario only (or ID* for a set: 'fresh2-*'; several"
        " separated by commas)",
    )
    bench.add_argument("--limit", type=int, help="--conversations: run the first N scenarios")
    bench.add_argument(
        "--judge", type=Path, metavar="FILE", help="--conversations: judge a saved --out again"
    )
    bench.add_argument(
        "--vad",
        action="store_true",
        help="webrtcvad vs Silero VAD on phone audio: onset delay, false onsets on music",
    )
    bench.add_argument(
        "--tts",
        action="store_true",
        help="each voice's WER over the phone codec, first audio, CPU; the chain under load",
    )

    models = sub.add_parser("models", help="embedded model files")
    models.add_argument("action", choices=["assemble"])

    config = sub.add_parser("config", help="configuration files")
    config.add_argument("action", choices=["check"])
    config.add_argument("file", type=Path)

    agent = sub.add_parser("agent", help="agent desk accounts")
    agent.add_argument("action", choices=["hash-password"])

    customer = sub.add_parser("customer", help="a customer's data: export or delete (Ley 1581)")
    customer.add_argument("action", choices=["export", "delete"])
    customer.add_argument("--phone", required=True, help="the customer's number, e.g. +57300…")
    sub.add_parser("purge", help="delete records older than their retention period")
    audit = sub.add_parser("audit", help="the audit trail")
    audit.add_argument("action", choices=["verify"])
    return p


async def _data(settings: Settings, args: argparse.Namespace) -> int:
    """Customer export/delete, purge and audit verification on the records database."""
    import getpass

    from voicebot.governance import rights
    from voicebot.store.connect import close_store, open_store

    store, records = await open_store(settings)
    actor = f"cli:{getpass.getuser()}"
    try:
        if args.command == "customer" and args.action == "export":
            data = await rights.export_customer(records, args.phone, actor)
            print(json.dumps(data, ensure_ascii=False, indent=2, default=str))
        elif args.command == "customer":
            desk = None  # with Redis, the desk's shared transfers and callbacks go too
            if settings.server.redis_url:
                from voicebot.cluster import RedisShared
                from voicebot.handoff.desk import Desk

                desk = Desk([], RedisShared(settings.server.redis_url))
            try:
                deleted = await rights.delete_customer(records, args.phone, actor, desk)
            finally:
                if desk is not None and desk.shared is not None:
                    await desk.shared.close()
            print(json.dumps({"deleted": deleted}))
        elif args.command == "purge":
            print(json.dumps({"purged": await rights.purge(records, settings, actor)}))
        else:
            bad = await records.verify_audit()
            if bad is not None:
                print(f"audit chain broken at entry {bad}: altered, removed or reordered")
                return 1
            print("audit chain intact")
    except ValueError as exc:
        print(f"error: {exc}")
        return 1
    finally:
        await close_store(store, records)
    return 0


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    from voicebot.service import configure_logging

    configure_logging(args.log_level)
    if args.command == "models":
        from voicebot.models import assemble_all

        for name, path in assemble_all().items():
            print(f"{name}: {path}")
        return 0
    if args.command == "config":
        from voicebot.config_check import check

        problems = check(args.file)
        for problem in problems:
            print(problem)
        if not problems:
            print(f"{args.file}: ok")
        return 1 if problems else 0
    if args.config is not None:
        from voicebot.config_check import check

        problems = check(args.config)
        if problems:  # refuse to start on a broken file, and say why
            print("\n".join(problems), file=sys.stderr)
            return 1
    if args.command == "agent":
        import getpass

        from voicebot.handoff.desk import hash_password

        print(hash_password(getpass.getpass("Contraseña del asesor: ")))
        return 0
    settings = load_settings(args.config)
    if args.command == "serve":
        from voicebot.service import serve

        configure_logging("info", json_logs=True)
        asyncio.run(serve(settings))
        return 0
    if args.command == "simulate":
        import tempfile

        from voicebot.simulate import simulate
        from voicebot.tts.callers import synthesize_caller

        with tempfile.TemporaryDirectory() as tmp:
            audio = list(args.audio) + [
                synthesize_caller(text, Path(tmp) / f"say{i}.wav")
                for i, text in enumerate(args.say)
            ]
            result = asyncio.run(
                simulate(
                    settings,
                    audio,
                    dtmf=args.dtmf,
                    record=args.record,
                    url=args.url,
                    caller=args.caller,
                    consent={"yes": True, "no": False, "none": None}[args.consent],
                )
            )
        print(json.dumps(result, ensure_ascii=False, indent=None if args.json else 2))
        return 0
    if args.command in ("customer", "purge", "audit"):
        return asyncio.run(_data(settings, args))
    if args.command == "try":
        return asyncio.run(_try(settings, args.text, args.caller))
    if args.command == "bench":
        from voicebot.bench import (
            run_asr_bench,
            run_bench,
            run_dialogue_bench,
            run_soak,
            run_store_bench,
        )

        if args.asr:
            return asyncio.run(run_asr_bench(settings))
        if args.conversations:
            from voicebot.bench_conversations import judge_saved, run_conversation_bench

            if args.judge is not None:
                return judge_saved(args.judge)
            return asyncio.run(
                run_conversation_bench(settings, only=args.only, limit=args.limit, out=args.out)
            )
        if args.tts:
            from voicebot.bench_tts import run_tts_bench

            return asyncio.run(run_tts_bench(settings))
        if args.vad:
            from voicebot.bench_vad import run_vad_bench

            return asyncio.run(run_vad_bench(settings))
        if args.barge_in:
            from voicebot.bench_barge_in import run_barge_in_bench

            return asyncio.run(run_barge_in_bench(settings, rounds=args.rounds))
        if args.dialogue == []:
            from voicebot.bench_dialogue import run_heldout_bench

            return asyncio.run(run_heldout_bench(settings, args.adapter))
        if args.dialogue:
            return asyncio.run(run_dialogue_bench(settings, args.dialogue))
        if args.store:
            return asyncio.run(run_store_bench(settings))
        if args.minutes:
            return asyncio.run(
                run_soak(
                    settings,
                    calls=args.calls,
                    minutes=args.minutes,
                    ramp_s=args.ramp,
                    trace_python=not args.no_tracemalloc,
                )
            )
        return asyncio.run(run_bench(settings, calls=args.calls, out=args.out))
    return 2


if __name__ == "__main__":
    sys.exit(main())


async def _try(settings: Settings, text: str, caller: str) -> int:
    """Run one turn of the dialogue with this config: rules, tools, model, guards, timings."""
    from voicebot.dialogue.llama_server import LlamaServerModel
    from voicebot.dialogue.llm import OpenAICompatModel
    from voicebot.dialogue.policy import Dialogue, EndCall, ReplyStats, load_intent_model
    from voicebot.dialogue.retail import Concierge
    from voicebot.dialogue.tools import Tools
    from voicebot.service import build_language_model
    from voicebot.store.connect import close_store, open_store
    from voicebot.store.search import Catalog

    model, intents = await asyncio.gather(
        asyncio.to_thread(build_language_model, settings),
        asyncio.to_thread(load_intent_model, settings),
    )
    dialogue = Dialogue(settings, model, intents)  # as a call's: trained intents too
    if isinstance(model, LlamaServerModel):  # started before the turn, as the service does
        await model.start()
    store, records = await open_store(settings)
    try:
        tools = Tools(store, records, Catalog(await store.products()), None, "try")
        concierge = Concierge(settings, tools, caller, "chat")
        if caller:
            greeting = await concierge.greeting()
            print(f"[greeting for {caller}] {greeting or settings.phrase('greeting')}")
        stats = ReplyStats()
        async for part in dialogue.reply([], text, stats, concierge):
            if isinstance(part, EndCall):
                print(f"[end call: {part.reason}] {settings.phrase(part.phrase)}")
            else:
                print(part.text + (f"   [fixed phrase: {part.phrase}]" if part.phrase else ""))
        for call in tools.calls:
            print(f"[tool {call.name}] {call.args} -> {call.result} ({call.ms:.1f} ms)")
    finally:
        await close_store(store, records)
        if isinstance(model, OpenAICompatModel):  # its HTTP session, and a managed server
            await model.close()
    first = "-" if stats.first_token_s is None else f"{stats.first_token_s * 1000:.0f} ms"
    print(f"(first token {first}, {stats.guarded} sentence(s) changed or dropped by the guards)")
    return 0
