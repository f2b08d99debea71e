"""The process's shared parts: models, settings, store and desk, loaded once for every call,
and the typed keys under which the web application holds them."""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from dataclasses import dataclass, field

import numpy as np
import structlog
from aiohttp import web

from voicebot.asr import Transcriber
from voicebot.audio.codec import TELEPHONY_RATE, Pcm
from voicebot.audio.vad import speech_detector
from voicebot.call.record import CallRecord
from voicebot.cluster import Shared
from voicebot.config import Settings
from voicebot.dialogue.llama_server import LlamaServerModel
from voicebot.dialogue.llm import OpenAICompatModel
from voicebot.dialogue.policy import Dialogue
from voicebot.dialogue.retail import Concierge
from voicebot.dialogue.tools import Tools
from voicebot.handoff.desk import Desk
from voicebot.handoff.twilio_rest import TwilioRest
from voicebot.store import Records, Store
from voicebot.store.search import Catalog
from voicebot.tts import Synthesizer

log = structlog.get_logger(__name__)


def fixed_speech(settings: Settings) -> list[str]:
    """Text the bot says word for word besides its phrases: the FAQ answers and the retail
    templates (whose `{field}` clauses the voice chain leaves for the call)."""
    store = settings.store
    templates = [
        " ".join(str(text).split()).replace("{store_name}", store.name)
        for name, text in settings.retail.model_dump().items()
        if not name.startswith("sms_") and name != "link_chat"  # written, never spoken
    ]
    return [entry.answer for entry in store.faq] + templates


@dataclass
class Services:
    """Models and settings shared by every call of the process (loaded once)."""

    settings: Settings
    asr: Transcriber
    tts: Synthesizer
    dialogue: Dialogue
    desk: Desk = field(default_factory=lambda: Desk([]))
    shared: Shared | None = None  # state shared with other processes (Redis); None: alone
    rest: TwilioRest | None = None  # Twilio's REST API, for transfers
    draining: bool = False  # SIGTERM: no new calls for the bot, calls in progress wind down
    phrase_audio: dict[str, Pcm] = field(default_factory=dict)
    store: Store | None = None  # the store's systems the tools act on
    records: Records | None = None  # customer memory, audit trail, call records
    catalog: Catalog | None = None

    def concierge(
        self, phone: str, channel: str, actor: str, verstat: str = ""
    ) -> Concierge | None:
        """A retail conversation for one customer, or None when no store is connected
        (`verstat`: Twilio's attestation of a voice call's caller ID)."""
        if self.store is None or self.records is None or self.catalog is None:
            return None
        timeout = self.settings.store.tool_timeout_s
        tools = Tools(self.store, self.records, self.catalog, self.rest, actor, timeout)
        return Concierge(self.settings, tools, phone, channel, verstat=verstat)

    async def reload(self, settings: Settings) -> None:
        """Apply new settings to the calls that start from now on (each call keeps a snapshot
        of the services it started with). Models are not reloaded: a change of model, ASR or
        voice needs a restart and is refused here."""
        for section in ("asr", "llm", "tts", "models_dir"):
            if getattr(settings, section) != getattr(self.settings, section):
                raise ValueError(f"{section} changed: that needs a restart (models load at start)")
        if settings.dialogue.intent_model != self.settings.dialogue.intent_model:
            raise ValueError("dialogue.intent_model changed: that needs a restart")
        if settings.server != self.settings.server:
            # The listening socket and the URL Twilio signs stay as the process started them.
            log.warning(
                "config_reload_keeps_server_section", detail="server changes need a restart"
            )
            settings = settings.model_copy(update={"server": self.settings.server})
        speech_detector(settings)  # another detector's model must be there before calls use it
        # the same models, the new settings (an intent threshold reloads; the model does not)
        dialogue = Dialogue(settings, self.dialogue.model, self.dialogue.intents)
        fresh = Services(settings, self.asr, self.tts, dialogue)
        await fresh.prerender_phrases()
        # Swapped together, between two awaits: a new call sees all old or all new.
        self.settings, self.dialogue, self.phrase_audio = (
            settings, fresh.dialogue, fresh.phrase_audio
        )  # fmt: skip
        # An agent removed (or whose password changed) loses their login at once.
        self.desk.agents = {a.id: a for a in settings.handoff.agents}

    async def refresh_catalog(self) -> None:
        """Reload products and stock, so availability answers follow the store."""
        if self.store is not None:
            async with asyncio.timeout(self.settings.store.tool_timeout_s):
                self.catalog = Catalog(await self.store.products())

    async def close(self) -> None:
        """Release connections (REST client, databases, a model server's) and stop a managed
        llama-server."""
        for resource in (self.rest, self.store, self.records, self.shared):
            if resource is not None:
                await resource.close()
        if isinstance(self.dialogue.model, OpenAICompatModel):
            await self.dialogue.model.close()

    async def prerender_phrases(self) -> None:
        """Render every fixed phrase once (whole), and the fixed clauses of the FAQ answers
        and retail templates, so greetings, fallbacks and store answers never wait for the
        voice (cached on disk across restarts)."""
        phrases = {
            name: text
            for name in type(self.settings.phrases).model_fields
            if "{" not in (text := self.settings.phrase(name))  # the agent's whisper: not audio
        }
        await self.tts.prerender(phrases.values(), whole=True)
        await self.tts.prerender(fixed_speech(self.settings))
        for name, text in phrases.items():
            self.phrase_audio[name] = await self.tts.synthesize(text)

    async def warm_up(self) -> None:
        """One pass through ASR and the model, so the first caller does not pay cold starts."""
        await self.asr.transcribe(np.zeros(TELEPHONY_RATE, dtype=np.int16))
        # the model itself (a greeting alone no longer reaches it through the dialogue), to
        # the end: a stream left open would count as a reply still queued on the model
        model, warm = self.dialogue.model, self.dialogue.messages([], "Hola")
        if isinstance(model, LlamaServerModel):
            await model.warm(warm)  # every slot: calls coincide from the start
            return
        async for _piece in model.stream(warm):
            pass


SERVICES = web.AppKey("services", Services)
CALLS: web.AppKey[OrderedDict[str, CallRecord]] = web.AppKey("calls")  # finished, by CallSid
