"""`voicebot bench --conversations`: a held-out suite of whole calls, judged from their records.

The scenarios (`data/conversations/*.yaml`, written by hand and never used to tune rules or
to train the intent model) are multi-turn calls in Colombian Spanish: each lists what the
caller says, turn by turn, and what the bot's reply must and must not contain, and for the
whole call how it must end (a transfer and its reason, a goodbye, or still talking) and
what the call record's outcome must show (tools, tickets, text messages).

Every caller turn is spoken by a neural caller voice through the phone codec, in real time,
by the fake Twilio against one real service for the whole suite, and the next turn waits
for the bot's reply. Each call is judged from its stored record (`/calls/{sid}`) and from
what the fake Twilio heard (a caller turn with no bot audio is a silent turn). Besides each
scenario's own expectations every call is checked for "tú" forms, parroted phrases (the
caller's words, the greeting or the consent notice given back as an answer) and invented
facts (numbers in the bot's words that neither the store's data nor the caller gave).
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import re
import secrets
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, field_validator
from rapidfuzz import fuzz

from voicebot.config import Settings
from voicebot.dialogue.retail import ATTESTED
from voicebot.dialogue.understanding import when_said
from voicebot.telephony.fake_twilio import DEFAULT_CALLER
from voicebot.text import digits, fold, has_phrase
from voicebot.tts.callers import CALLER_VOICES, ENGLISH_CALLER, synthesize_caller

SCENARIO_DIR = Path(__file__).resolve().parents[1] / "data" / "conversations"
# Scenarios written after the fixes they check and never run before (reported on their own,
# each set by its prefix: "fresh-", "fresh2-", ...)
FRESH = re.compile(r"^(fresh\d*)-")
QUIET_S = 2.0  # the caller speaks again after this much bot silence (a filler may pause)
End = Literal["transfer", "goodbye", "open"]
# The names the store's tools are recorded under (voicebot/dialogue/tools.py)
Tool = Literal[
    "order_status", "orders_by_phone", "customer_by_phone", "open_cart", "search_products",
    "create_ticket", "send_sms",
]  # fmt: skip


# ---- the scenario schema ------------------------------------------------------------------
class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class TurnExpect(_Frozen):
    """What the bot's reply to one caller turn must contain (`says`: each item a phrase, or
    a list of alternatives of which one is enough) and must not contain (`never`). Phrases
    match whole words, accent- and case-insensitively; "289.900" also matches "289900"."""

    says: list[str | list[str]] = []
    never: list[str] = []


class Turn(_Frozen):
    """One caller turn: the words the caller voice says, and the reply's expectations."""

    say: str = Field(min_length=2)
    expect: TurnExpect = TurnExpect()


class CallExpect(_Frozen):
    """Expectations on the whole call, read from its record.

    `end`: the acceptable endings (`transfer` to a person, `goodbye` said by the bot, `open`:
    the bot was still talking when the caller hung up); `reasons`: when transferred, one of
    these end reasons; `greeting_says`: the greeting's words (a known customer by name);
    `tools`: store tools the call must have used; `ticket`: a ticket was (or was not)
    opened; `sms`: a text message was (or was not) sent; `never`: words nothing the bot says
    in the call may contain (card digits)."""

    end: list[End] = Field(min_length=1)
    reasons: list[str] = []
    greeting_says: list[str | list[str]] = []
    tools: list[Tool] = []
    ticket: bool | None = None
    sms: bool | None = None
    never: list[str] = []


class Scenario(_Frozen):
    """A held-out call: who calls, with which voice, what they say, what must happen."""

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    intent: str
    note: str = ""
    caller: str | None = Field(default=None, pattern=r"^\+[1-9]\d{7,14}$")
    voice: str | None = None
    turns: list[Turn] = Field(min_length=1)
    expect: CallExpect

    @field_validator("intent")
    @classmethod
    def _known_intent(cls, v: str) -> str:
        from voicebot.dialogue.intents import INTENTS

        if v not in INTENTS:
            raise ValueError(f"{v!r} is not one of the intents {INTENTS}")
        return v

    @field_validator("voice")
    @classmethod
    def _known_voice(cls, v: str | None) -> str | None:
        if v is not None and v not in (*CALLER_VOICES, ENGLISH_CALLER):
            raise ValueError(f"{v!r} is not a caller voice {(*CALLER_VOICES, ENGLISH_CALLER)}")
        return v


class ScenarioFile(_Frozen):
    """One YAML file of the suite."""

    scenarios: list[Scenario] = Field(min_length=1)


def load_scenarios(folder: Path = SCENARIO_DIR) -> list[Scenario]:
    """Every scenario of the suite, file by file in name order; ids are unique."""
    found: list[Scenario] = []
    for path in sorted(folder.glob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        found.extend(ScenarioFile.model_validate(data).scenarios)
    twice = [k for k, n in Counter(s.id for s in found).items() if n > 1]
    if twice:
        raise ValueError(f"scenario ids used twice: {twice}")
    return found


def voice_of(scenario: Scenario, index: int) -> str:
    """The scenario's voice, or the callers' voices in turn across the suite."""
    return scenario.voice or CALLER_VOICES[index % len(CALLER_VOICES)]


# ---- the facts a reply may state -------------------------------------------------------
MONTHS = (
    "enero febrero marzo abril mayo junio julio agosto septiembre octubre noviembre diciembre"
).split()
# A written number: 289.900, $150.000, 2, 10:00 (separators inside a number are joined)
_WRITTEN_NUMBER = re.compile(r"\d+(?:[.,]\d{3})*")
_DAY_OF_MONTH = re.compile(rf"\b(\d{{1,2}}) de ({'|'.join(MONTHS)})\b", re.I)


@dataclass(frozen=True)
class Facts:
    """What a reply may state and what it may not give back as an answer.

    `numbers`: every number in the store's data (prices, order and ticket numbers, sizes,
    names) and in the configured texts (FAQ, facts, phrases); `dates`: (day, month) of the
    store's dates as the service shifted them; `canned`: sentences of the greeting and the
    consent notice (a reply that says them again is parroting); `customers`: phone ->
    whether the customer's record holds their consent (they are not asked again);
    `products`: the catalogue's product names, folded (naming the product found is an
    answer, not the caller's words given back); `prices`: the catalogue's prices (a price
    times a number of items the caller said is the store's figure, not an invented one)."""

    numbers: frozenset[str]
    dates: frozenset[tuple[int, int]]
    canned: tuple[str, ...]
    customers: dict[str, bool] = field(default_factory=dict)
    products: tuple[str, ...] = ()
    prices: frozenset[int] = frozenset()

    @classmethod
    def load(cls, settings: Settings, sample: dict[str, Any], today: date) -> Facts:
        """From the settings' texts and the sample store (its dates moved to `today` as the
        store moves them at load)."""
        texts = [
            settings.store.facts,
            settings.store.name,
            *(item.answer for item in settings.store.faq),
            *(str(v) for v in settings.phrases.model_dump().values()),
            *(str(v) for v in settings.retail.model_dump().values()),
            str(settings.store.return_days),
        ]
        numbers = {n for text in texts for n in _numbers(text)}
        for product in sample.get("products", []):
            numbers.add(str(product["price"]))
            numbers.update(_numbers(product["name"]))
            numbers.update(str(v.get("size", "")) for v in product.get("variants", []))
        for order in sample.get("orders", []):
            numbers.update({order["number"], str(order.get("total", ""))})
            numbers.update(_numbers(order.get("tracking", "")))  # the tracking code's digits
        numbers.update(str(t["id"]) for t in sample.get("tickets", []))
        for cart in sample.get("carts", []):
            numbers.update(str(line["price"]) for line in cart.get("lines", []))
        for customer in sample.get("customers", []):
            numbers.update({customer["phone"][-4:], customer["phone"].lstrip("+")[2:]})
        shift = today - date.fromisoformat(sample.get("as_of", today.isoformat()))
        dates = {
            (today.day, today.month),
            ((today + timedelta(1)).day, (today + timedelta(1)).month),
        }
        for order in sample.get("orders", []):
            for key in ("eta", "delivered_on", "placed_on"):
                if order.get(key):
                    day = date.fromisoformat(order[key]) + shift
                    dates.add((day.day, day.month))
        numbers.add(str(today.year))
        # a sentence another reply also says (a farewell's thanks, "¿En qué le puedo
        # ayudar?" after the consent answer) is not a sign of parroting
        canned_names = ("greeting", "consent_question")
        others = [
            settings.phrase(k) for k in settings.phrases.model_dump() if k not in canned_names
        ]
        others += [
            str(v) for k, v in settings.retail.model_dump().items() if not k.startswith("greeting")
        ]
        canned = tuple(
            s
            for name in canned_names
            for s in _sentences(settings.phrase(name))
            if len(s.split()) >= 4
            and all(fuzz.partial_ratio(fold(s), fold(o)) < 85 for o in others)
        )
        customers = {c["phone"]: bool(c.get("consent_data")) for c in sample.get("customers", [])}
        names = sorted({fold(p["name"]) for p in sample.get("products", [])}, key=len, reverse=True)
        prices = frozenset(int(p["price"]) for p in sample.get("products", []))
        return cls(
            frozenset(n for n in numbers if n),
            frozenset(dates),
            canned,
            customers,
            tuple(names),
            prices,
        )


def _numbers(text: str) -> list[str]:
    """The numbers written in a text, thousands separators dropped ("$289.900" -> 289900)."""
    return [re.sub(r"[.,]", "", n).lstrip("0") or "0" for n in _WRITTEN_NUMBER.findall(text)]


def _sentences(text: str) -> list[str]:
    return [s.strip() for s in re.split(r"(?<=[.?!])\s+", text) if s.strip()]


# ---- judging one call ---------------------------------------------------------------------
# "Tú" forms a bot that says "usted" never uses (accented forms as the bot writes them).
_TU = re.compile(
    r"\b(tú|ti|contigo|tu|tus|tienes|puedes|quieres|necesitas|deseas|prefieres|buscas|sabes|"
    r"estás|eres|haces|dices|vas|has|llamas|tengas|quieras|puedas|necesites|dudes|olvides|"
    r"preocupes|dime|dímelo|cuéntame|avísame|escríbeme|llámame|espérame|confírmame|"
    r"te (?:puedo|ayudo|envío|mando|comunico|paso|llamo|recomiendo|cuento|explico|confirmo|"
    r"aviso|interesa|gustaría|sirve|atiendo|escucho|preocupes))\b",
    re.I,
)
MAX_COUNT = 12  # the most items of one product a count the caller said is taken for
PARROT_RUN = 6  # this many of the caller's words in a row, given back, are parroting


@dataclass(frozen=True)
class Failure:
    """One unmet expectation: where, what was expected, and what the bot said."""

    scenario: str
    turn: int | None  # 1-based caller turn; None for the whole call
    kind: str  # says | never | end | reason | greeting | tool | ticket | sms | silent | tu |
    # parrot | invented | not_reached
    expected: str
    bot_said: str


@dataclass(frozen=True)
class Verdict:
    """A judged call."""

    scenario: str
    end: str  # what happened: transfer | goodbye | open | other ending
    end_reason: str | None
    failures: tuple[Failure, ...]
    transfer_expected: bool  # a transfer was the only acceptable ending
    transferred: bool

    @property
    def passed(self) -> bool:
        return not self.failures

    def count(self, kind: str) -> int:
        return sum(f.kind == kind for f in self.failures)


def mentions(text: str, phrase: str) -> bool:
    """Whole words, accent- and case-insensitive; a phrase with digits also matches the text
    with thousands separators dropped ("289.900" in "a $289900", "150.000" in "150000") and
    the digits of a code apart from its letters ("640448706" in "SER640448706")."""
    if any(c.isdigit() for c in phrase):
        text = _CODE_JOINT.sub(" ", text)
        return has_phrase(_joined(text), [_joined(phrase)]) or has_phrase(text, [phrase])
    if not any(c.isalnum() for c in phrase) or phrase.startswith("["):
        # a sign such as "$", or a redaction token: "[tarjeta]" is not the word "tarjeta" of
        # "Recibimos tarjeta débito…"
        return phrase in text
    return has_phrase(text, [phrase])


_CODE_JOINT = re.compile(r"(?<=[^\W\d_])(?=\d)|(?<=\d)(?=[^\W\d_])")


def _joined(text: str) -> str:
    return re.sub(r"(?<=\d)[.,](?=\d{3})", "", text)


def _says(text: str, item: str | list[str]) -> bool:
    return any(mentions(text, p) for p in ([item] if isinstance(item, str) else item))


def _label(item: str | list[str]) -> str:
    return item if isinstance(item, str) else " | ".join(item)


def align(scripted: list[str], heard: list[str]) -> list[list[int]]:
    """Which of the record's turns belong to which scripted caller turn, in order.

    Whisper and the turn detector may cut one spoken turn in two (a pause after "eh…") or,
    rarely, drop one: each record turn goes to the scripted turn it resembles most, keeping
    the order (dynamic programming over monotonic assignments)."""
    n, m = len(scripted), len(heard)
    if m == 0:
        return [[] for _ in scripted]
    sim = [
        [fuzz.token_set_ratio(fold(digits(s)), fold(digits(h))) for s in scripted] for h in heard
    ]
    best = [[-1.0] * n for _ in range(m)]
    back = [[0] * n for _ in range(m)]
    for i in range(n):
        best[0][i] = sim[0][i]
    for j in range(1, m):
        for i in range(n):
            k = max(range(i + 1), key=lambda k: best[j - 1][k])
            best[j][i], back[j][i] = best[j - 1][k] + sim[j][i], k
    i = max(range(n), key=lambda i: best[m - 1][i])
    owner = [0] * m
    for j in range(m - 1, -1, -1):
        owner[j] = i
        i = back[j][i]
    groups: list[list[int]] = [[] for _ in scripted]
    for j, i in enumerate(owner):
        groups[i].append(j)
    return groups


def ending(record: dict[str, Any]) -> str:
    """How the call ended, in the scenario's words."""
    ended_by, reason = record.get("ended_by"), record.get("end_reason")
    if ended_by == "transfer" or record.get("transfer_id"):
        return "transfer"
    if ended_by == "bot" and reason == "goodbye":
        return "goodbye"
    if ended_by == "caller":
        return "open"
    return f"{ended_by}:{reason}"


def tu_slips(text: str) -> list[str]:
    """The "tú" forms in a bot text."""
    return [m.group(0) for m in _TU.finditer(text)]


def parroted(
    bot: str, caller: str, canned: tuple[str, ...], products: tuple[str, ...] = ()
) -> str | None:
    """What the reply gives back instead of answering: a run of PARROT_RUN of the caller's
    words, or a sentence of the greeting or the consent notice; None when it does not. A
    product name of the catalogue (`products`, folded, longest first) counts as one word: "Sí,
    tenemos chaqueta Columbia impermeable en talla M" names what was found. So does a call
    back's time read back to confirm it ("Quedó anotado que le llamen el sábado a las 10 de la
    mañana"): a slot given back, as an agent does, not the caller's sentence."""
    folded = fold(bot)
    for name in products:
        folded = re.sub(rf"\b{re.escape(name)}\b", "<product>", folded)
    heard = fold(caller)
    if (when := when_said(digits(caller))) is not None:
        folded, heard = (f.replace(fold(when), "<when>") for f in (folded, heard))
    said = folded.split()
    words = heard.split()
    runs = {tuple(words[i : i + PARROT_RUN]) for i in range(len(words) - PARROT_RUN + 1)}
    for i in range(len(said) - PARROT_RUN + 1):
        if tuple(said[i : i + PARROT_RUN]) in runs:
            return " ".join(said[i : i + PARROT_RUN])
    for sentence in canned:
        if fuzz.partial_ratio(fold(sentence), fold(bot)) >= 90:
            return sentence
    return None


def invented(bot: str, allowed: set[str], dates: frozenset[tuple[int, int]]) -> list[str]:
    """Numbers in a bot text that nothing allowed: a day of a month must be one of the
    store's dates; any other number must be in the store's data, the configured texts, or
    the caller's words."""
    found: list[str] = []
    rest = bot
    for m in _DAY_OF_MONTH.finditer(bot):
        if (int(m.group(1)), MONTHS.index(m.group(2).lower()) + 1) not in dates:
            found.append(m.group(0))
        rest = rest.replace(m.group(0), " ")
    found.extend(n for n in _numbers(rest) if n not in allowed)
    return found


def judge(
    scenario: Scenario,
    record: dict[str, Any],
    facts: Facts,
    *,
    observed: list[bool] | None = None,
    sms_sent: int | None = None,
) -> Verdict:
    """Judge one call from its stored record.

    `observed`: per caller turn actually spoken, whether bot audio followed (from the fake
    Twilio); without it a turn with no bot text in the record is a silent one. `sms_sent`:
    text messages the Twilio stand-in received during the call."""
    sid = scenario.id
    failures: list[Failure] = []

    def fail(turn: int | None, kind: str, expected: str, said: str) -> None:
        failures.append(Failure(sid, turn, kind, expected, said))

    turns = record.get("turns", [])
    heard = [t.get("heard") or "" for t in turns]
    groups = align([t.say for t in scenario.turns], heard)
    spoken = len(observed) if observed is not None else len(scenario.turns)
    caller_words = " ".join(heard)
    # the caller's numbers as said ("4-5-226") and as one number ("45226")
    allowed = set(facts.numbers) | set(_numbers(caller_words)) | set(_numbers(digits(caller_words)))
    # "son tres pares": three times a price of the store is its figure (3 × 59.900 = 179.700)
    counts = {int(n) for n in _numbers(digits(caller_words)) if 2 <= int(n) <= MAX_COUNT}
    allowed.update(str(price * n) for price in facts.prices for n in counts)
    # what the caller said as the script has it: the record redacts a phone number the caller
    # gave ("[teléfono]"), so the last four digits the bot reads back would look invented
    for said in (digits(t.say) for t in scenario.turns):
        run = re.sub(r"\D", "", said)
        allowed.update({*_numbers(said), run, run[-4:]} - {""})
    allowed.update(str(t) for t in record.get("outcome", {}).get("tickets", []))
    caller_phone = record.get("caller") or ""
    allowed.update({caller_phone[-4:], caller_phone.lstrip("+")[2:]} - {""})
    # written as `_numbers` reads the bot's: "0987" is 987
    allowed = {n.lstrip("0") or "0" for n in allowed}
    everything: list[str] = []
    for i, turn in enumerate(scenario.turns):
        n = i + 1
        # a figure the scenario expects the bot to say (a price times two, the amount missing
        # for free shipping) is one the scenario's writer worked out from the store's data:
        # not invented, in this turn or any later one
        allowed |= {
            x.lstrip("0") or "0" for item in turn.expect.says for x in _numbers(_label(item))
        }
        bot = " ".join(s for j in groups[i] for s in turns[j].get("bot", []))
        everything.append(bot)
        if i >= spoken:
            if turn.expect.says or turn.expect.never:
                fail(n, "not_reached", "the call had ended before this turn", "")
            continue
        audio = observed[i] if observed is not None else bool(bot)
        if not audio:
            fail(n, "silent", "bot audio after the caller's turn", bot)
        for item in turn.expect.says:
            if not _says(bot, item):
                fail(n, "says", _label(item), bot)
        for phrase in turn.expect.never:
            if mentions(bot, phrase):
                fail(n, "never", phrase, bot)
        slips = tu_slips(bot)
        if slips:  # one slip per reply, however many forms it has
            fail(n, "tu", "usted, not " + ", ".join(f'"{x}"' for x in slips), bot)
        caller = " ".join(heard[j] for j in groups[i])
        for j in groups[i]:
            for sentence in turns[j].get("bot", []):
                copy = parroted(sentence, caller, facts.canned, facts.products)
                if copy is not None:
                    fail(n, "parrot", f"an answer, not «{copy}»", sentence)
        for number in invented(bot, allowed, facts.dates):
            fail(n, "invented", f"no number the store or caller did not give ({number})", bot)
    transcript = record.get("transcript", [])
    greeting = next((t["text"] for t in transcript if t.get("role") == "bot"), "")
    for item in scenario.expect.greeting_says:
        if not _says(greeting, item):
            fail(None, "greeting", _label(item), greeting)
    if tu_slips(greeting):
        fail(None, "tu", "usted, not " + ", ".join(tu_slips(greeting)), greeting)
    whole = " ".join([greeting, *(t["text"] for t in transcript if t.get("role") == "bot")])
    for phrase in scenario.expect.never:
        if mentions(whole, phrase):
            fail(None, "never", phrase, _around(whole, phrase))
    end = ending(record)
    reason = record.get("end_reason")
    if end not in scenario.expect.end:
        fail(None, "end", " or ".join(scenario.expect.end), f"[{end}, reason {reason}]")
    elif end == "transfer" and scenario.expect.reasons and reason not in scenario.expect.reasons:
        fail(None, "reason", " or ".join(scenario.expect.reasons), f"[reason {reason}]")
    outcome = record.get("outcome") or {}
    used = {c.get("name") for c in outcome.get("tool_calls", [])}
    for tool in scenario.expect.tools:
        if tool not in used:
            fail(None, "tool", tool, f"[tools used: {', '.join(sorted(map(str, used))) or 'none'}]")
    if scenario.expect.ticket is not None:
        opened = bool(outcome.get("tickets")) or bool(record.get("callback"))
        if opened != scenario.expect.ticket:
            fail(None, "ticket", f"ticket opened: {scenario.expect.ticket}", f"[{opened}]")
    if scenario.expect.sms is not None and sms_sent is not None:
        if (sms_sent > 0) != scenario.expect.sms:
            fail(None, "sms", f"text message sent: {scenario.expect.sms}", f"[{sms_sent} sent]")
    return Verdict(
        sid,
        end,
        reason,
        tuple(failures),
        transfer_expected=scenario.expect.end == ["transfer"],
        transferred=end == "transfer",
    )


def _around(text: str, phrase: str) -> str:
    at = fold(text).find(fold(phrase))
    return text if at < 0 else fold(text)[max(0, at - 60) : at + 60]


# ---- the report -------------------------------------------------------------------------
KINDS = ("tu", "parrot", "invented", "silent")


def summary(verdicts: list[Verdict]) -> dict[str, Any]:
    """The suite's figures: task success, the four guard counts, transfers as expected."""
    n = len(verdicts)
    by_kind = Counter(f.kind for v in verdicts for f in v.failures)
    expected = [v for v in verdicts if v.transfer_expected]
    named = [(m.group(1), v) for v in verdicts if (m := FRESH.match(v.scenario))]
    fresh = [v for _, v in named]
    sets: dict[str, list[int]] = {}
    for name, v in named:
        tally = sets.setdefault(name, [0, 0])
        tally[0] += v.passed
        tally[1] += 1
    return {
        "scenarios": n,
        "passed": sum(v.passed for v in verdicts),
        "fresh_scenarios": len(fresh),
        "fresh_passed": sum(v.passed for v in fresh),
        "fresh_by_set": {name: {"passed": p, "scenarios": n} for name, (p, n) in sets.items()},
        "task_success_pct": round(100 * sum(v.passed for v in verdicts) / n, 1) if n else 0.0,
        "tu_slips": by_kind["tu"],
        "parroted": by_kind["parrot"],
        "invented": by_kind["invented"],
        "silent_turns": by_kind["silent"],
        "transfers_expected": len(expected),
        "transfers_as_expected": sum(v.transferred for v in expected),
        "transfers_unexpected": sum(
            v.transferred and not v.transfer_expected and any(f.kind == "end" for f in v.failures)
            for v in verdicts
        ),
        "failures_by_kind": dict(by_kind.most_common()),
    }


def print_report(verdicts: list[Verdict], figures: dict[str, Any]) -> None:
    """The figures, then every failure with scenario, turn, expectation and the bot's words."""
    f = figures
    print(f"voicebot bench --conversations: {f['scenarios']} scenarios")
    print(
        f"  task success            {f['task_success_pct']:.1f} %  ({f['passed']}/{f['scenarios']})"
    )
    if f.get("fresh_scenarios"):
        print(f"    of which fresh        {f['fresh_passed']}/{f['fresh_scenarios']}")
        for name, tally in f.get("fresh_by_set", {}).items():
            print(f"      {name + '-*':<20} {tally['passed']}/{tally['scenarios']}")
    print(f"  'tú' slips              {f['tu_slips']}")
    print(f"  parroted phrases        {f['parroted']}")
    print(f"  invented facts          {f['invented']}")
    print(f"  silent turns            {f['silent_turns']}")
    print(f"  transfers as expected   {f['transfers_as_expected']}/{f['transfers_expected']}"
          f"  (unexpected transfers: {f['transfers_unexpected']})")  # fmt: skip
    print(f"  failures by kind        {f['failures_by_kind'] or 'none'}")
    for v in verdicts:
        for x in v.failures:
            where = f"turn {x.turn}" if x.turn is not None else "call"
            print(f"  FAIL {x.scenario} {where} [{x.kind}] expected: {x.expected}")
            print(f"       bot: {x.bot_said[:300]!r}")


# ---- running the suite ------------------------------------------------------------------
def cache_dir() -> Path:
    from voicebot.models import DEFAULT_MODELS_DIR

    return DEFAULT_MODELS_DIR / "conversation-callers"


def render_clips(
    scenarios: list[Scenario], folder: Path, indexes: list[int]
) -> dict[str, list[Path]]:
    """Each caller turn as a WAV in `folder`, named by voice and words so a rerun reads it
    back instead of synthesizing it again (blocking: run it in a worker thread)."""
    folder.mkdir(parents=True, exist_ok=True)
    clips: dict[str, list[Path]] = {}
    for scenario, index in zip(scenarios, indexes, strict=True):
        voice = voice_of(scenario, index)
        paths = []
        for turn in scenario.turns:
            key = hashlib.sha1(f"{voice}\n{turn.say}".encode()).hexdigest()[:16]
            path = folder / f"{key}.wav"
            if not path.exists():
                partial = path.with_suffix(".part.wav")
                synthesize_caller(turn.say, partial, voice)
                partial.replace(path)  # never a half-written clip in the cache
            paths.append(path)
        clips[scenario.id] = paths
    return clips


def _bench_settings(settings: Settings, database: Path) -> Settings:
    """The service as configured, on a throwaway copy of the sample store (the suite's
    tickets and records land nowhere), with agents at work whenever the suite runs (a
    transfer is judged by the dialogue, not by the clock)."""
    store = settings.store.model_copy(
        update={"database_url": f"sqlite+aiosqlite:///{database}", "seed": "sample"}
    )
    hours = settings.handoff.business_hours.model_copy(
        update={
            "weekly": dict.fromkeys(
                ("mon", "tue", "wed", "thu", "fri", "sat", "sun"), "00:00-24:00"
            ),
            "country_holidays": "",
            "holidays": [],
            "holiday_hours": "00:00-24:00",
        }
    )
    handoff = settings.handoff.model_copy(update={"business_hours": hours})
    return settings.model_copy(update={"store": store, "handoff": handoff})


def _picked(scenario: str, only: str | None) -> bool:
    """`--only ID`, or `--only PREFIX*` for a set of scenarios ("fresh2-*"), or several of
    those separated by commas (the failed calls of a run, again)."""
    if only is None:
        return True
    return any(
        pick == scenario or (pick.endswith("*") and scenario.startswith(pick[:-1]))
        for pick in (p.strip() for p in only.split(","))
        if pick
    )


async def run_conversation_bench(
    settings: Settings,
    *,
    only: str | None = None,
    limit: int | None = None,
    out: Path | None = None,
) -> int:
    """Run the suite (or scenario `only`, or the first `limit`) and print its figures."""
    from voicebot.service import build_services, running_service, with_auth_token
    from voicebot.simulate import _with_stand_in, fetch_record, place_call
    from voicebot.store.sql import SAMPLE_STORE
    from voicebot.telephony.fake_cloud import FakeTwilioCloud

    suite = load_scenarios()
    indexes = list(range(len(suite)))  # the voice rotation does not depend on --only
    picked = [(s, i) for s, i in zip(suite, indexes, strict=True) if _picked(s.id, only)]
    if limit is not None:
        picked = picked[:limit]
    if not picked:
        print(f"no scenario {only!r}; ids: {', '.join(s.id for s in suite)}")
        return 2
    scenarios = [s for s, _ in picked]
    started = time.perf_counter()
    clips = await asyncio.to_thread(render_clips, scenarios, cache_dir(), [i for _, i in picked])
    print(f"caller turns ready in {time.perf_counter() - started:.0f} s ({cache_dir()})")
    sample = json.loads(await asyncio.to_thread(SAMPLE_STORE.read_text, encoding="utf-8"))
    verdicts: list[Verdict] = []
    raw: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory() as tmp:
        settings = with_auth_token(_bench_settings(settings, Path(tmp) / "store.db"))
        token = settings.twilio.auth_token.get_secret_value()
        admin = settings.governance.admin_token.get_secret_value()
        async with FakeTwilioCloud(token) as cloud:
            settings = _with_stand_in(settings, cloud.url, secrets.token_urlsafe(12))
            services = await build_services(settings)
            facts = Facts.load(services.settings, sample, date.today())
            asks = services.settings.governance.ask_consent
            try:
                async with running_service(services) as url:
                    for scenario in scenarios:
                        caller = scenario.caller or DEFAULT_CALLER
                        on_file = facts.customers.get(caller, False)
                        before = len(cloud.messages)
                        report = await place_call(
                            url, token, clips[scenario.id], cloud=cloud, caller=caller,
                            consent_key="1" if asks and not on_file else None, quiet_s=QUIET_S,
                            record_token=admin,
                            # a customer calls from their own phone through a carrier that
                            # attests it: greeted by name (see `governance.caller_id_trust`)
                            stir_verstat=ATTESTED if scenario.caller else "",
                        )  # fmt: skip
                        record = await fetch_record(url, admin, report["call_sid"]) or {}
                        observed = [
                            t["latency_ms"]["voice_to_voice"] is not None
                            or t["bot_spoke_over_caller"]
                            for t in report["turns"]
                        ]
                        verdict = judge(
                            scenario, record, facts, observed=observed,
                            sms_sent=len(cloud.messages) - before,
                        )  # fmt: skip
                        verdicts.append(verdict)
                        raw.append({"scenario": scenario.id, "record": record,
                                    "observed": observed,
                                    "sms_sent": len(cloud.messages) - before})  # fmt: skip
                        mark = "ok  " if verdict.passed else "FAIL"
                        print(f"  {mark} {scenario.id:<34} end={verdict.end}"
                              f" ({len(verdict.failures)} failure(s))", flush=True)  # fmt: skip
            finally:
                await services.close()
    figures = summary(verdicts)
    print_report(verdicts, figures)
    if out is not None:  # the records and observations: `--judge FILE` judges them again
        data = {"date": date.today().isoformat(), "figures": figures, "calls": raw}
        text = json.dumps(data, ensure_ascii=False, indent=2, default=str)
        await asyncio.to_thread(out.write_text, text, encoding="utf-8")
    return 0


def judge_saved(path: Path) -> int:
    """Judge the calls of an earlier run (its `--out` file) again against the scenario files
    as they are now, without placing a call: for an expectation that was itself wrong."""
    from voicebot.config import load_settings
    from voicebot.store.sql import SAMPLE_STORE

    saved = json.loads(path.read_text(encoding="utf-8"))
    scenarios = {s.id: s for s in load_scenarios()}
    sample = json.loads(SAMPLE_STORE.read_text(encoding="utf-8"))
    run_day = date.fromisoformat(saved.get("date", date.today().isoformat()))
    facts = Facts.load(load_settings(None), sample, run_day)
    verdicts = [
        judge(
            scenarios[call["scenario"]],
            call["record"],
            facts,
            observed=call.get("observed"),
            sms_sent=call.get("sms_sent"),
        )
        for call in saved["calls"]
        if call["scenario"] in scenarios
    ]
    print_report(verdicts, summary(verdicts))
    return 0
