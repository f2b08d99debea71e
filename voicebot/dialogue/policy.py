"""The dialogue policy around the model: rules first, the model for free talk, facts guarded.

The embedded model is small and invents facts, so: transfer and goodbye are decided by rules
(the config's keywords, then the trained intents: a person asked for in any words, thanks and
goodbye), replies are cut into short spoken sentences, and a sentence stating a number that is
in neither the store facts nor the caller's words is replaced by a fixed phrase. Card data, a
data-rights request, another language and a question the store cannot answer get fixed
phrases, never the model.
"""

from __future__ import annotations

import asyncio
import math
import re
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Literal

import structlog

from voicebot.config import Settings
from voicebot.dialogue.guards import check, guard_rules, offers_person
from voicebot.dialogue.guards import clean_sentence as clean_sentence  # moved; re-exported
from voicebot.dialogue.guards import echoes as echoes
from voicebot.dialogue.guards import grounded as grounded
from voicebot.dialogue.intents import IntentModel
from voicebot.dialogue.llm import LanguageModel, Message, SharedModel
from voicebot.dialogue.retail import Concierge
from voicebot.dialogue.understanding import (
    IntentClassifier,
    LabelModel,
    RuleIntent,
    Rules,
    TrainedIntents,
    Understanding,
    is_hesitation,
    is_preamble,
    keyword_intent,
    rule_intent,
    understand,
)
from voicebot.governance.redaction import redact
from voicebot.handoff.rules import TransferReason
from voicebot.text import fold

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
    said: set[str] = field(default_factory=set)  # the reply's model sentences so far, folded


def keyword_rules(settings: Settings) -> Rules:
    """The config's keyword lists in priority order: transfer, sensitive, frustration, bye."""
    return [
        ("transfer_requested", settings.dialogue.transfer_keywords),
        ("sensitive_topic", settings.handoff.sensitive_keywords),
        ("frustration", settings.handoff.frustration_keywords),
        ("goodbye", settings.dialogue.goodbye_keywords),
    ]


def load_intent_model(settings: Settings) -> IntentModel | None:
    """The trained intent model of `dialogue.intent_model`, loaded once at start-up; None
    (keyword cues only) when the setting is empty or the file cannot be read."""
    ref = settings.dialogue.intent_model
    if not ref:
        return None
    try:
        return IntentModel.load(settings.model_ref(ref))
    except (OSError, KeyError, ValueError) as exc:
        log.warning("intent_model_unavailable", model=ref, error=repr(exc)[:200])
        return None


# The turn's intent (or slot) that a fixed phrase answers, without the store's tools too.
_FIXED_ANSWERS = {
    "data_rights": "data_rights",
    "out_of_scope": "out_of_scope",
    "other_language": "other_language",
}


def detect_intent(text: str, settings: Settings) -> RuleIntent | None:
    """Rule-based intents that must never depend on the model (config keyword lists, matched
    without regard to case or accents: "comuniqueme con un asesor" is a transfer)."""
    return rule_intent(fold(text), keyword_rules(settings))


def is_backchannel(text: str, settings: Settings) -> bool:
    """'ajá', 'sí', 'mhm'...: the caller is listening, not taking the turn."""
    words = fold(text).split()
    allowed = {fold(b) for b in settings.dialogue.backchannels}
    # Whisper often renders a short "mm"/"sí" as one or two letters ("y", "e"): filler too.
    fillers = [w for w in words if w in allowed or (len(w) <= 2 and w != "no")]
    return len(fillers) == len(words) <= 3


def is_aside(turn: Understanding, settings: Settings, names_product: bool = False) -> bool:
    """One or two words over the bot that ask for nothing: a backchannel Whisper heard as
    another word ("¿Aciel?" for "ajá, sí"), a name, a cough. Not a stop word ("espere",
    "no", "¿cómo?": `dialogue.interruptions`), an answer, a number, a product the store sells
    (`names_product`) or anything with an intent."""
    short = 0 < len(turn.folded.split()) <= 2
    if not short or names_product or turn.says(settings.dialogue.interruptions):
        return False
    nothing_asked = turn.intent in (None, "out_of_scope") and turn.rule is None
    return nothing_asked and turn.answer is None and turn.order_number is None and not turn.card


# Words of four letters or more that say nothing of what a caller asks about.
_PLAIN = frozenset(
    "alguna alguno algun bueno buenas buenos cuando cuanto cuanta donde entonces esta este estos "
    "estas hola favor hacer mire oiga para pero porque puedo pueden puede quiero quisiera "
    "quería queria saber seria senor senora tardes noches dias tengo tiene tienen ustedes usted "
    "todo toda todos todas una unos unas necesito pregunta preguntar como tambien "
    "ahora gracias mucho muchas".split()
)  # fmt: skip


def _stems(text: str) -> set[str]:
    """A text's telling words, cut to five letters ("facturar" and "factura" agree)."""
    return {w[:5] for w in re.findall(r"[a-zñ]{4,}", fold(text)) if w not in _PLAIN}


def relevant_fact(facts: str, text: str) -> str:
    """The line of the store facts that shares the most telling words with the caller's
    (rarer words among the lines count more), or "" when none shares any. A small model
    answers from the fact put next to the question more often than from a list of ten."""
    lines = [line.strip() for line in facts.splitlines() if line.strip()]
    said = _stems(text)
    if not lines or not said:
        return ""
    stems = [_stems(line) for line in lines]
    # a line's topic ("Factura electrónica: …") says what it answers: its words count twice
    topics = [_stems(line.split(":", 1)[0]) if ":" in line[:40] else set() for line in lines]
    spread = {s: sum(s in line for line in stems) for s in said}

    def weight(s: str, topic: set[str]) -> float:
        return math.log(1 + len(lines) / spread[s]) * (2 if s in topic else 1)

    score = [sum(weight(s, t) for s in said & line) for line, t in zip(stems, topics, strict=True)]
    best = max(range(len(lines)), key=score.__getitem__)
    return lines[best] if score[best] > 0 else ""


def render_system_prompt(settings: Settings) -> str:
    return settings.dialogue.system_prompt.replace("{store_name}", settings.store.name).replace(
        "{store_facts}", settings.store.facts.strip()
    )


# A sentence ends at . ! ? followed by a capital or an opening ¿ ¡: "9 a. m. a 8 p. m." stays whole.
_SENTENCE_END = re.compile(r"(?<=[.!?…])\s+(?=[¿¡\"A-ZÁÉÍÓÚÑ])")
_CLAUSE_END = re.compile(r"(?<=[,;:])\s+")


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
                # the first clause boundary past the minimum, not only the first boundary:
                # "Sí, tenemos …; también …" speaks at the ";" instead of the sentence's end
                cut = next(
                    (m for m in _CLAUSE_END.finditer(self._buf)
                     if m.start() >= self.FIRST_CLAUSE_MIN),
                    None,
                )  # fmt: skip
                if cut is not None:
                    out.append(self._buf[: cut.start()])
                    self._buf = self._buf[cut.end() :]
                    continue
            break
        self._emitted += len(out)
        return out

    def flush(self) -> list[str]:
        rest, self._buf = self._buf, ""
        return [rest] if rest.strip() else []


def _asked(part: Say, concierge: Concierge | None) -> bool:
    """Note what a model sentence asked, so the caller's answer is taken for it: the order
    number the guard asked for (`cannot_confirm`), or a person offered (a yes transfers).
    True when the reply must end on it (a guard phrase that asks)."""
    if concierge is not None and part.phrase == "cannot_confirm":
        concierge.expect_order_number()
    elif concierge is not None and offers_person(part.text):
        concierge.offered_person(part.text)
    return part.phrase in ("cannot_confirm", "offer_person")


class Dialogue:
    """Produces the bot's reply to a caller turn, sentence by sentence."""

    def __init__(
        self, settings: Settings, model: LanguageModel, intents: LabelModel | None = None
    ) -> None:
        """`intents`: the trained intent model (`load_intent_model`, loaded once by the
        service); None: the keyword cues decide the intent."""
        self._settings = settings
        self.model = model
        self.intents = intents
        trained = (
            TrainedIntents(intents, settings.dialogue.intent_threshold)
            if intents is not None
            else None
        )
        self._classify: IntentClassifier = trained or keyword_intent
        # the model's best guess however unsure (`Understanding.leaning`); the cues have none
        self._lean = trained.best if trained is not None else None
        self._system = render_system_prompt(settings)

    def understand(self, text: str) -> Understanding:
        """The caller's turn understood once, with this config's keyword rules and intents."""
        return understand(text, keyword_rules(self._settings), self._classify, self._lean)

    def messages(
        self, history: list[Message], user_text: str, turn: Understanding | None = None
    ) -> list[Message]:
        """System prompt, recent history, the intent's snippet (if ops wrote one), the store
        fact nearest the caller's words (`dialogue.fact_prompt`), the turn. Those come late
        so the cached prefix (system prompt, history) stays the same."""
        snippet = self.intent_prompt(turn or self.understand(user_text))
        extra = [Message("system", snippet)] if snippet else []
        fact_prompt = self._settings.dialogue.fact_prompt
        if fact_prompt and (fact := relevant_fact(self._settings.store.facts, user_text)):
            extra.append(Message("system", fact_prompt.replace("{fact}", fact)))
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

    def intent_prompt(self, turn: Understanding) -> str:
        """`dialogue.intent_prompts` for the turn's retail intent ("other" when none)."""
        prompts = self._settings.dialogue.intent_prompts
        return prompts.get(turn.intent or "other", "") if prompts else ""

    async def reply(
        self,
        history: list[Message],
        user_text: str,
        stats: ReplyStats,
        concierge: Concierge | None = None,
        turn: Understanding | None = None,
    ) -> AsyncIterator[ReplyPart]:
        """Rules, then the store's tools (`concierge`), then the model. `turn` is `user_text`
        understood (`Dialogue.understand`); when None it is understood here, once."""
        s = self._settings
        turn = turn or self.understand(user_text)
        stats.answered_by = "rules"
        done = concierge.closing(turn) if concierge is not None else turn.intent == "goodbye"
        if turn.rule == "goodbye" or (turn.rule is None and done):
            for sentence in await concierge.confirmed_on_leaving(turn) if concierge else []:
                yield Say(sentence)  # the yes said with goodbye is not lost
            yield EndCall("goodbye", "farewell")
            return
        if turn.says(s.dialogue.identity_keywords) and not turn.says(
            s.dialogue.put_through_keywords
        ):
            # "¿con quién hablo?", "¿es una persona o una máquina?": who answers, not a request
            # for a person, though the words hold one ("una persona")
            yield Say(s.phrase("who_am_i"), "who_am_i")
            return
        complaint = concierge is not None and concierge.takes_complaint(turn)
        # "que un asesor me llame": a call back from a person, booked by the store's flow, not
        # a transfer now, though the words name one
        person = turn.rule == "transfer_requested"
        called_back = concierge is not None and person and turn.intent == "callback"
        if turn.rule is not None and not complaint and not called_back:
            yield EndCall(turn.rule, "transfer_upset" if turn.rule == "frustration" else "transfer")
            return
        if turn.intent == "person" or (concierge is not None and concierge.accepts_person(turn)):
            yield EndCall("transfer_requested", "transfer")
            return
        asks_nothing = turn.intent in (None, "out_of_scope") and turn.order_number is None
        if asks_nothing and turn.says(s.dialogue.wait_keywords):
            yield Say(s.phrase("hold_on"), "hold_on")  # what the bot asked stays asked
            return
        last = next((m.content for m in reversed(history) if m.role == "assistant"), "")
        if asks_nothing and last and turn.says(s.dialogue.repeat_keywords):
            for sentence in _SENTENCE_END.split(last):  # as it was said, question included
                yield Say(sentence)
            return
        answers = turn.answer is not None and concierge is not None and concierge.asking
        if is_preamble(turn.folded) and not answers:
            # "Aló, buenas tardes" before the request: no model (slow, and it would answer a
            # greeting with the greeting); the caller hears they are heard and goes on. "A
            # ver…" while the bot waits for a number: it waits (what it asked stays asked)
            waits = concierge is not None and concierge.asking and is_hesitation(turn.folded)
            phrase = "hold_on" if waits else "go_ahead"
            yield Say(s.phrase(phrase), phrase)
            return
        if concierge is not None:
            answer = await concierge.handle(turn)
            if answer:
                stats.answered_by = "tools"
                stats.first_token_s = time.perf_counter() - stats.started
                for sentence in answer:
                    yield Say(sentence)
                return
        fixed = "card_data" if turn.card else _FIXED_ANSWERS.get(turn.intent or "")
        if fixed is not None:  # without the store's tools: the phrase, never the model
            yield Say(s.phrase(fixed), fixed)
            if fixed == "card_data":
                yield Say(s.phrase("offer_person"), "offer_person")
            return
        context = " ".join(
            [self._system, self.intent_prompt(turn), user_text, *(m.content for m in history)]
        )
        splitter = SentenceSplitter()
        said = 0
        stats.answered_by = "model"
        behind = self.model_queue()  # other calls' replies already on the model
        pieces = aiter(self.model.stream(self.messages(history, user_text, turn)))
        try:
            async with asyncio.timeout(s.llm.timeout_s):
                cut_short = False
                while said < s.llm.max_sentences:
                    if said and s.llm.brief_when_busy and self.model_queue() > 1:
                        cut_short = True  # other callers wait for the model: one sentence is
                        break  # the answer, and the words after it are no sentence
                    wait = s.llm.first_token_timeout_s if stats.first_token_s is None else None
                    try:
                        async with asyncio.timeout(wait):
                            piece = await anext(pieces)
                    except StopAsyncIteration:
                        break
                    if stats.first_token_s is None:
                        stats.first_token_s = time.perf_counter() - stats.started
                    for sentence in splitter.feed(piece):
                        part = self._checked(sentence, turn.folded, context, stats)
                        if part is not None:
                            said += 1
                            yield part
                            if _asked(part, concierge):
                                return  # the reply ends on the question it asks
                for sentence in [] if cut_short else splitter.flush():
                    part = self._checked(sentence, turn.folded, context, stats)
                    if part is not None and said < s.llm.max_sentences:
                        said += 1
                        yield part
                        _asked(part, concierge)
        except TimeoutError as exc:
            if said:  # the reply so far stands; only its rest was too slow
                log.info("llm_reply_cut", sentences=said)
                return
            if max(behind, self.model_queue() - 1) == 0:  # alone and silent: broken
                log.warning("llm_failed", error=repr(exc)[:200])
                yield EndCall("model_failure", "technical_problem")
                return
            # Other calls' replies ahead of this one on the shared model, when it began or
            # now (they may have finished meanwhile): the model works, the machine is full.
            # The caller hears so, may ask for a person, and the call goes on.
            log.warning("llm_busy", queue=self.model_queue())
            busy = s.phrase("model_busy")
            yield Say(busy, "model_busy")
            if concierge is not None:
                concierge.offered_person(busy)
            return
        except Exception as exc:
            log.warning("llm_failed", error=repr(exc)[:200])
            yield EndCall("model_failure", "technical_problem")
            return
        finally:
            # a reply given up on (time-out, brief answer) leaves the model now, not when the
            # garbage collector finds it: it counts as queued until then
            close = getattr(pieces, "aclose", None)
            if close is not None:
                await close()
        if said == 0:
            yield Say(s.phrase("not_understood"), "not_understood")

    def _checked(self, sentence: str, caller: str, context: str, stats: ReplyStats) -> Say | None:
        """One model sentence through the guards (`dialogue/guards.py`), counted and logged;
        a sentence the reply has said already is dropped ("Entiendo su molestia y le pido
        disculpas." twice in one reply: the small model loops now and then)."""
        checked = check(sentence, caller, context, guard_rules(self._settings))
        if checked.text and fold(checked.text) in stats.said:
            stats.guarded += 1
            log.info("model_sentence_guarded", guards=["repeated"], chars=len(sentence))
            return None
        if checked.text:
            stats.said.add(fold(checked.text))
        if not checked.guards:
            return Say(checked.text) if checked.text else None
        # the replacement of a "tú" sentence is said once per reply: after another guarded
        # sentence it would only repeat itself
        once = checked.phrase != "guarded_answer" or stats.guarded == 0
        stats.guarded += len(checked.guards)
        log.info("model_sentence_guarded", guards=list(checked.guards), chars=len(sentence))
        return Say(checked.text, checked.phrase) if checked.text and once else None
