"""Building the shared services once per process, and running the web service."""

from __future__ import annotations

import asyncio
import json
import logging
import secrets
import signal
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path

import structlog
from aiohttp import web

from voicebot.app import create_app, drain
from voicebot.asr import WhisperTranscriber
from voicebot.audio.vad import speech_detector
from voicebot.cluster import RedisShared
from voicebot.config import Settings
from voicebot.dialogue.llama_server import LlamaServerModel
from voicebot.dialogue.llm import (
    LanguageModel,
    LlamaCppModel,
    OpenAICompatModel,
    TransformersModel,
)
from voicebot.dialogue.policy import Dialogue, load_intent_model
from voicebot.handoff.desk import Desk
from voicebot.handoff.twilio_rest import TwilioRest
from voicebot.services import Services
from voicebot.store.connect import open_store
from voicebot.store.search import Catalog
from voicebot.tts import VoiceChain
from voicebot.tts.voices import EspeakVoice, KokoroVoice, PicoVoice, PiperVoice, Voice

log = structlog.get_logger(__name__)


def configure_logging(level: str = "info", json_logs: bool = False) -> None:
    """structlog to stderr; JSON lines in production, readable lines in a terminal."""
    renderer = structlog.processors.JSONRenderer() if json_logs else structlog.dev.ConsoleRenderer()
    structlog.configure(
        processors=[
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso"),
            renderer,
        ],
        wrapper_class=structlog.make_filtering_bound_logger(
            logging.getLevelNamesMapping()[level.upper()]
        ),
        logger_factory=structlog.PrintLoggerFactory(file=__import__("sys").stderr),
    )


def build_language_model(settings: Settings) -> LanguageModel:
    if settings.llm.backend == "openai":  # llm.adapter does not apply: the server loads its own
        return OpenAICompatModel(settings.llm, settings.llm.model)
    model = settings.model_ref(settings.llm.model)
    if settings.llm.backend == "llamacpp":
        return LlamaCppModel(model, settings.llm, adapter_file(settings))
    if settings.llm.backend == "llamacpp-server":  # started by build_services (or first reply)
        binary = settings.models_dir / settings.llm.server.binary  # an absolute path stays
        return LlamaServerModel(model, str(binary), settings.llm, adapter_file(settings))
    return TransformersModel(model, settings.llm, adapter_file(settings))


def adapter_file(settings: Settings) -> str:
    """`llm.adapter` resolved for the configured backend ("" for none): the GGUF file for
    llama.cpp, the peft folder for transformers. A missing adapter stops start-up here rather
    than the service quietly running the base model the config did not ask for."""
    ref = settings.llm.adapter
    if not ref or settings.llm.backend == "openai":
        return ""
    path = Path(settings.model_ref(ref))
    peft_config = (path if path.is_dir() else path.parent) / "adapter_config.json"
    if peft_config.is_file():  # an adapter fits the model it was trained on, no other
        base = json.loads(peft_config.read_text(encoding="utf-8"))["base_model_name_or_path"]
        family = Path(base).name.split("-")[0]  # qwen0.5b: its GGUF and its bf16 folder
        if family != Path(settings.llm.model).name.split("-")[0]:
            raise ValueError(
                f"llm.adapter {ref!r} was trained on {family}, not llm.model "
                f'{settings.llm.model!r}: set llm.adapter: "" (or an adapter for that model)'
            )
    if settings.llm.backend in ("llamacpp", "llamacpp-server"):
        if path.is_dir():  # the adapter's folder holds one GGUF form of it
            path = next(iter(sorted(path.glob("*.gguf"))), path / "*.gguf")
        found, kind = path.is_file() and path.suffix == ".gguf", "GGUF LoRA file"
    else:
        if path.is_file():
            path = path.parent
        found, kind = (path / "adapter_config.json").is_file(), "peft adapter folder"
    if not found:
        raise FileNotFoundError(
            f"llm.adapter {ref!r}: no {kind} at {path} (a folder under models/ or a path); "
            'set llm.adapter: "" to run the base model'
        )
    return str(path)


def build_voice(settings: Settings, name: str) -> Voice:
    """One voice of the chain, loaded."""
    t = settings.tts
    if name == "kokoro":
        folder = Path(settings.model_ref("kokoro"))
        return KokoroVoice(
            folder, t.kokoro_voice, speed=t.speed, gain=t.gain, threads=t.cpu_threads
        )
    if name == "pico":
        return PicoVoice(volume=t.pico_volume)
    if name == "piper":
        if not t.piper_voice:
            raise ValueError("tts.voices has piper but tts.piper_voice is empty")
        path = Path(settings.model_ref(t.piper_voice))
        return PiperVoice(path, espeak_voice=t.piper_espeak_voice, volume=t.volume)
    return EspeakVoice(t.espeak_voice, wpm=t.speaking_rate_wpm, volume=t.volume)


def build_synthesizer(settings: Settings) -> VoiceChain:
    """The chain of voices in `tts.voices`. A voice that cannot load (files missing or
    corrupt) is logged, counted and left out: the next voice in the chain speaks instead."""
    t = settings.tts
    voices: list[Voice] = []
    failed: list[str] = []  # voices that could not load
    for name in t.voices:
        try:
            voices.append(build_voice(settings, name))
        except Exception as exc:
            log.error("tts_voice_unavailable", voice=name, error=repr(exc)[:300])
            failed.append(name)
    if not voices:
        raise RuntimeError(f"no voice of tts.voices {t.voices} could load")
    cache = settings.models_dir / t.cache_dir if t.cache_dir else None  # absolute stays so
    chain = VoiceChain(
        voices,
        budget_s=t.first_audio_budget_ms / 1000,
        timeout_s=t.timeout_s,
        cache_dir=cache,
        settings_key=f"{t.speed}|{t.gain}|{t.pico_volume}|{t.speaking_rate_wpm}|{t.volume}|"
        f"{sorted(t.pronunciations.items())}",
        pronunciations=dict(t.pronunciations),
    )
    chain.counts.update((voice, "unavailable") for voice in failed)
    return chain


async def build_services(settings: Settings) -> Services:
    """Load every model once (in worker threads) and pre-render the fixed phrases."""
    asr, llm, tts, intents = await asyncio.gather(
        asyncio.to_thread(WhisperTranscriber, settings.model_ref(settings.asr.model), settings.asr),
        asyncio.to_thread(build_language_model, settings),
        asyncio.to_thread(build_synthesizer, settings),
        asyncio.to_thread(load_intent_model, settings),
    )
    if isinstance(llm, LlamaServerModel):  # its /health answers before the service does
        await llm.start()
    await asyncio.to_thread(speech_detector, settings)  # a missing VAD model fails at start
    store, records = await open_store(settings)
    g = settings.governance
    shared = (
        RedisShared(
            settings.server.redis_url,
            transfer_ttl_s=g.desk_retention_hours * 3600,
            callback_ttl_s=g.callback_retention_hours * 3600,
        )
        if settings.server.redis_url
        else None
    )
    desk = Desk(settings.handoff.agents, shared)
    services = Services(
        settings, asr, tts, Dialogue(settings, llm, intents), desk=desk, rest=TwilioRest(settings),
        store=store, records=records, catalog=Catalog(await store.products()), shared=shared,
    )  # fmt: skip
    await services.prerender_phrases()
    await services.warm_up()
    return services


def with_public_url(settings: Settings, url: str) -> Settings:
    return settings.model_copy(
        update={"server": settings.server.model_copy(update={"public_url": url})}
    )


def with_auth_token(settings: Settings) -> Settings:
    """A random auth token for an in-process simulation when none is configured; the
    simulated caller reads its call's record back with it when no admin token is set."""
    from pydantic import SecretStr

    if not settings.twilio.auth_token.get_secret_value():
        twilio = settings.twilio.model_copy(update={"auth_token": SecretStr(secrets.token_hex(16))})
        settings = settings.model_copy(update={"twilio": twilio})
    if not settings.governance.admin_token.get_secret_value():
        governance = settings.governance.model_copy(
            update={"admin_token": settings.twilio.auth_token}
        )
        settings = settings.model_copy(update={"governance": governance})
    return settings


@asynccontextmanager
async def running_service(
    services: Services,
    host: str = "127.0.0.1",
    port: int = 0,
    on_app: Callable[[str, web.Application], None] | None = None,
) -> AsyncIterator[str]:
    """Run the real service on a local port; yields its base URL (public_url set to it)."""
    app = create_app(services)
    runner = web.AppRunner(app, handle_signals=False)
    await runner.setup()
    await web.TCPSite(runner, host, port).start()
    url = f"http://{host}:{runner.addresses[0][1]}"
    services.settings = with_public_url(services.settings, url)
    if on_app is not None:
        on_app(url, app)
    try:
        yield url
    finally:
        await runner.cleanup()


def warming_app() -> web.Application:
    """What answers while the models load: alive (/healthz 200), not ready (/readyz 503),
    and no calls (503), so probes and load balancers see the start-up for what it is."""

    async def alive(request: web.Request) -> web.Response:
        return web.json_response({"status": "starting"})

    async def not_yet(request: web.Request) -> web.Response:
        return web.json_response({"status": "warming up"}, status=503)

    app = web.Application()
    app.router.add_get("/healthz", alive)
    app.router.add_route("*", "/{tail:.*}", not_yet)
    return app


async def serve(settings: Settings) -> None:
    """Run the service until interrupted."""
    warming = web.AppRunner(warming_app(), handle_signals=False)
    await warming.setup()
    await web.TCPSite(warming, settings.server.host, settings.server.port).start()
    try:
        services = await build_services(settings)
    finally:
        await warming.cleanup()  # the port is taken over by the real app at once
    app = create_app(services)
    log.info(
        "listening",
        host=settings.server.host,
        port=settings.server.port,
        public_url=settings.server.public_url,
    )
    runner = web.AppRunner(app, handle_signals=False)
    await runner.setup()
    await web.TCPSite(runner, settings.server.host, settings.server.port).start()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    reloads: set[asyncio.Task[object]] = set()  # owned here; a reload that fails keeps the old

    def on_hup() -> None:
        from voicebot.ops import reload_config

        async def run() -> object:
            try:
                return await reload_config(services, "signal:SIGHUP")
            except ValueError:
                return None  # logged and audited by reload_config

        task = asyncio.create_task(run())
        reloads.add(task)
        task.add_done_callback(reloads.discard)

    loop.add_signal_handler(signal.SIGHUP, on_hup)
    try:
        await stop.wait()
        await drain(app, settings.server.drain_timeout_s)
    finally:
        await runner.cleanup()
        await services.close()
