"""The dialogue policy around the model: rules first, the model for free talk, facts guarded.

The embedded model is small and invents facts, so: transfer and goodbye are decided by rules,
replies are cut into short spoken sentences, and a sentence stating a number that is in
neither the store facts nor the caller's words is replaced by a fixed phrase.
"""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from typing import Literal

import structlog

from voicebot.asr import normalize
from voicebot.config import Settings
from voicebot.dialogue.llm import LanguageModel, Message, SharedModel
from voicebot.dialogue.retail import Concierge
from voicebot.dialogue.understanding import retail_intent
from voicebot.governance.redaction import redact
from voicebot.handoff.rules import TransferReason

log = structlog.get_logger(__name__)


@dataclass(frozen=True, slots=True)
class Say:
    """A sentence for the caller; `phrase` names a fixed phrase whose audio is pre-rendered."""

    text: str
    phrase: str | None = None


@dataclass(frozen=True, slots=True)
class EndCall:
    """End the bot's part of the call after saying `text`; `reason` is logged."""

    reason: TransferReason | Literal["goodbye", "idle"]
    phrase: str  # name of the fixed phrase said before ending


ReplyPart = Say | EndCall


@dataclass
class ReplyStats:
    """Timings of one reply, filled in while it streams."""

    started: float = field(default_factory=time.perf_counter)
    first_token_s: float | None = None
    guarded: int = 0
    answered_by: Literal["rules", "tools", "model"] | None = None


def _contains_phrase(norm_text: str, phrases: list[str]) -> bool:
    padded = f" {norm_text} "
    return any(f" {normalize(p)} " in padded for p in phrases if normalize(p))


Intent = Literal["transfer_requested", "sensitive_topic", "frustration", "goodbye"]


def detect_intent(text: str, settings: Settings) -> Intent | None:
    """Rule-based intents that must never depend on the model (config keyword lists)."""
    norm = normalize(text)
    rules: list[tuple[Intent, list[str]]] = [
        ("transfer_requested", settings.dialogue.transfer_keywords),
        ("sensitive_topic", settings.handoff.sensitive_keywords),
        ("frustration", settings.handoff.frustration_keywords),
        ("goodbye", settings.dialogue.goodbye_keywords),
    ]
    return next((intent for intent, words in rules if _contains_phrase(norm, words)), None)


def is_backchannel(text: str, settings: Settings) -> bool:
    """'ajá', 'sí', 'mhm'...: the caller is listening, not taking the turn."""
    words = normalize(text).split()
    allowed = {normalize(b) for b in settings.dialogue.backchannels}
    # Whisper often renders a short "mm"/"sí" as one or two letters ("y", "e"): filler too.
    fillers = [w for w in words if w in allowed or (len(w) <= 2 and w != "no")]
    return len(fillers) == len(words) <= 3


def render_system_prompt(settings: Settings) -> str:
    return settings.dialogue.system_prompt.replace("{store_name}", settings.store.name).replace(
        "{store_facts}", settings.store.facts.strip()
    )


# A sentence ends at . ! ? followed by a capital or an opening ¿ ¡: "9 a. m. a 8 p. m." stays whole.
_SENTENCE_END = re.compile(r"(?<=[.!?…])\s+(?=[¿¡\"A-ZÁÉÍÓÚÑ])")
_CLAUSE_END = re.compile(r"(?<=[,;:])\s+")
_MARKDOWN = re.compile(r"[*_`#>|]+")
_NUMBER = re.compile(r"\d[\d.,:]*")


class SentenceSplitter:
    """Cuts streamed text into sentences; the first one also at a clause, to speak sooner."""

    FIRST_CLAUSE_MIN = 24

    def __init__(self) -> None:
        self._buf = ""
        self._emitted = 0

    def feed(self, piece: str) -> list[str]:
        self._buf += piece
        out: list[str] = []
        while True:
            parts = _SENTENCE_END.split(self._buf, maxsplit=1)
            if len(parts) == 2:
                out.append(parts[0])
                self._buf = parts[1]
                continue
            if self._emitted + len(out) == 0 and len(self._buf) > self.FIRST_CLAUSE_MIN:
                clause = _CLAUSE_END.split(self._buf, maxsplit=1)
                if len(clause) == 2 and len(clause[0]) >= self.FIRST_CLAUSE_MIN:
                    out.append(clause[0])
                    self._buf = clause[1]
                    continue
            break
        self._emitted += len(out)
        return out

    def flush(self) -> list[str]:
        rest, self._buf = self._buf, ""
        return [rest] if rest.strip() else []


def clean_sentence(sentence: str) -> str | None:
    """Spoken form of a model sentence, or None if it is not speech (JSON, code)."""
    text = " ".join(_MARKDOWN.sub(" ", sentence).split())
    if not text or "{" in text or "}" in text or '":' in text:
        return None
    return text if any(c.isalpha() for c in text) else None


def echoes(sentence: str, caller_text: str) -> bool:
    """The small model tends to repeat the caller: that is not an answer."""
    a, b = normalize(sentence), normalize(caller_text)
    return bool(a) and SequenceMatcher(None, a, b).ratio() >= 0.75


def grounded(sentence: str, context: str) -> bool:
    """Every number stated must appear in the context (store facts, the caller's words)."""
    digits_in_context = {n.strip(".,:") for n in _NUMBER.findall(context)}
    return all(n.strip(".,:") in digits_in_context for n in _NUMBER.findall(sentence))


class Dialogue:
    """Produces the bot's reply to a caller turn, sentence by sentence."""

    def __init__(self, settings: Settings, model: LanguageModel) -> None:
        self._settings = settings
        self.model = model
        self._system = render_system_prompt(settings)

    def messages(self, history: list[Message], user_text: str) -> list[Message]:
        """System prompt, recent history, the intent's snippet (if ops wrote one), the turn.
        The snippet comes late so the cached prefix (system prompt, history) stays the same."""
        snippet = self.intent_prompt(user_text)
        extra = [Message("system", snippet)] if snippet else []
        return [*self._prefix(history), *extra, Message("user", redact(user_text))]

    def _prefix(self, history: list[Message]) -> list[Message]:
        """The system prompt and recent history, personal data redacted: the prompt may
        cross the network to a model server (and the same text keeps the KV cache valid)."""
        keep = history[-2 * self._settings.dialogue.history_turns :] if history else []
        safe = [Message(m.role, redact(m.content)) for m in keep]
        return [Message("system", self._system), *safe]

    def model_queue(self) -> int:
        """Replies running or queued on the shared local model (0 for a remote server)."""
        return self.model.jobs if isinstance(self.model, SharedModel) else 0

    async def prepare(self, history: list[Message]) -> None:
        """While the caller talks: let the model compute the chat so far (llama.cpp), so the
        reply only waits for the caller's words. Best effort: a failure costs nothing."""
        if isinstance(self.model, SharedModel):
            try:
                await self.model.prefill(self._prefix(history))
            except Exception as exc:
                log.info("prefill_failed", error=repr(exc)[:200])

    def intent_prompt(self, user_text: str) -> str:
        """`dialogue.intent_prompts` for the turn's retail intent ("other" when none)."""
        prompts = self._settings.dialogue.intent_prompts
        return prompts.get(retail_intent(user_text) or "other", "") if prompts else ""

    async def reply(
        self,
        history: list[Message],
        user_text: str,
        stats: ReplyStats,
        concierge: Concierge | None = None,
    ) -> AsyncIterator[ReplyPart]:
        """Rules, then the store's tools (`concierge`), then the model."""
        s = self._settings
        intent = detect_intent(user_text, s)
        stats.answered_by = "rules"
        if intent == "goodbye" or (concierge is not None and concierge.closing(user_text)):
            yield EndCall("goodbye", "farewell")
            return
        if intent is not None:
            yield EndCall(intent, "transfer")
            return
        if concierge is not None:
            answer = await concierge.handle(user_text)
            if answer:
                stats.answered_by = "tools"
                stats.first_token_s = time.perf_counter() - stats.started
                for sentence in answer:
                    yield Say(sentence)
                return
        context = " ".join(
            [self._system, self.intent_prompt(user_text), user_text, *(m.content for m in history)]
        )
        splitter = SentenceSplitter()
        said = 0
        stats.answered_by = "model"
        try:
            async with asyncio.timeout(s.llm.timeout_s):
                pieces = aiter(self.model.stream(self.messages(history, user_text)))
                while said < s.llm.max_sentences:
                    if said and s.llm.brief_when_busy and self.model_queue() > 1:
                        break  # other callers wait for the model: one sentence is the answer
                    wait = s.llm.first_token_timeout_s if stats.first_token_s is None else None
                    try:
                        async with asyncio.timeout(wait):
                            piece = await anext(pieces)
                    except StopAsyncIteration:
                        break
                    if stats.first_token_s is None:
                        stats.first_token_s = time.perf_counter() - stats.started
                    for sentence in splitter.feed(piece):
                        part = self._checked(sentence, user_text, context, stats)
                        if part is not None:
                            said += 1
                            yield part
                            if part.phrase == "cannot_confirm":
                                return
                for sentence in splitter.flush():
                    part = self._checked(sentence, user_text, context, stats)
                    if part is not None and said < s.llm.max_sentences:
                        said += 1
                        yield part
        except Exception as exc:
            log.warning("llm_failed", error=repr(exc)[:200])
            yield EndCall("model_failure", "technical_problem")
            return
        if said == 0:
            yield Say(s.phrase("not_understood"), "not_understood")

    def _checked(
        self, sentence: str, user_text: str, context: str, stats: ReplyStats
    ) -> Say | None:
        text = clean_sentence(sentence)
        if text is None or echoes(text, user_text):
            return None
        if not grounded(text, context):
            stats.guarded += 1
            log.info("ungrounded_sentence_replaced", chars=len(text))  # never the words
            return Say(self._settings.phrase("cannot_confirm"), "cannot_confirm")
        return Say(text)
