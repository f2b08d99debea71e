"""The agent's summary of a call, built from what was said and what the tools did.

A template, redacted, over: the motive (each caller turn understood as an intent and its slots,
in clean words: "devolución o reembolso: pedido 45721, hace 3 días; pide un asesor"), what the
bot did (the retail tools it used and their results, as the concierge noted them: never its
fixed phrases), who the caller is, the sentiment (from the caller's words) and a suggested next
action. Nothing is generated: every number in it comes from the transcript or a tool result.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

from voicebot.config import AgentText, SummaryTexts, packaged_agent_text
from voicebot.dialogue.understanding import understand
from voicebot.governance.redaction import mask_phone, redact, redact_lines
from voicebot.text import digits, fold, has_phrase

if TYPE_CHECKING:
    from voicebot.dialogue.retail import Outcome

_REFERENCE = re.compile(r"\b\d{4,12}\b")
# "hace 3 días", "hace una semana", "desde el lunes": how long the caller has been waiting
_SINCE = re.compile(
    r"\bhace (?:(?:\d+|un|una|dos|tres|cuatro|cinco|seis|siete|ocho|nueve|diez|quince) )?"
    r"(?:m[aá]s de )?(?:d[ií]as?|semanas?|mes|meses|rato|ratico)\b"
    r"|\bdesde (?:el|hace) (?:lunes|martes|mi[eé]rcoles|jueves|viernes|s[aá]bado|domingo"
    r"|mes pasado)\b",
    re.I,
)
_LABEL = re.compile(r"\[[a-záéíóúñ ]+\]")  # redaction's labels: [tarjeta], [documento]...
_MAX_MOTIVES = 3


@dataclass(frozen=True, slots=True)
class Summary:
    motive: str
    bot_actions: list[str]
    references: list[str]  # order/ticket numbers the caller gave
    customer: str
    sentiment: str
    reason: str
    suggested_action: str
    context: list[str] = field(default_factory=list)  # customer, orders, cart, previous contacts

    def spoken(self, texts: AgentText | None = None) -> str:
        """One short paragraph for the agent's whisper (`agent_text.summary.spoken`; the
        packaged wording unless the running config's `texts` are given)."""
        t = (texts or packaged_agent_text()).summary
        refs = ", ".join(self.references)
        return t.spoken.format(
            motive=self.motive,
            reason=self.reason,
            sentiment=self.sentiment,
            references=t.spoken_references.format(references=refs) if refs else "",
            suggestion=self.suggested_action,
        )

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def summarize(
    transcript: list[dict[str, str]],
    reason: str,
    caller: str,
    frustration_keywords: list[str],
    context: list[str] | None = None,
    *,
    texts: AgentText | None = None,
    actions: Sequence[str] | None = None,
    outcome: Outcome | None = None,
) -> Summary:
    """Summary of a call for the agent who takes it, worded by `texts` (the running config's
    `agent_text`; the packaged wording when not given). `context` is what the agent should
    know about the customer (orders, cart, previous contacts); `actions` what the bot did with
    the store's tools, in words (`Concierge.notes`), and `outcome` the tools' tally
    (`Concierge.outcome`: store errors). Without `actions`, the bot's own answers after the
    greeting stand in for them."""
    t = texts or packaged_agent_text()
    s = t.summary
    caller_lines = redact_lines([line["text"] for line in transcript if line["role"] == "caller"])
    refs: list[str] = []
    for line in caller_lines:
        refs += [r for r in _REFERENCE.findall(digits(line)) if r not in refs]
    if actions is None:
        bot_lines = [redact(line["text"]) for line in transcript if line["role"] == "bot"]
        done = [s.bot_said.format(line=line) for line in bot_lines[1:][-3:]]  # no greeting
    else:
        done = [redact(line) for line in actions][-4:]
    if outcome is not None and outcome.store_errors:
        done.append(s.store_error)
    return Summary(
        motive=motive(caller_lines, reason, s),
        bot_actions=done or [s.bot_only_greeted],
        references=refs,
        customer=s.caller_from.format(phone=mask_phone(caller)) if caller else s.hidden_number,
        sentiment=sentiment(caller_lines, reason, frustration_keywords, s),
        reason=t.reasons.label(reason),
        suggested_action=t.suggestions.label(reason, t.suggestions.other),
        context=[redact(line) for line in context or []],
    )


def motive(caller_lines: Sequence[str], reason: str, s: SummaryTexts) -> str:
    """What the caller wants, in clean words: each (redacted) turn's intent as
    `summary.motives` names it, with its slots (order number, size, colour, personal data
    said and hidden, how long ago), and whether they asked for a person. A call with no intent
    understood keeps the caller's first words, quoted."""
    parts: list[str] = []
    seen: set[str] = set()
    wants_agent = reason == "transfer_requested"
    for line in caller_lines:
        turn = understand(line)
        wants_agent = wants_agent or turn.intent == "person" or turn.says(s.person_words)
        label = s.motives.get(turn.intent or "", "")
        if not label or label in seen:
            continue
        seen.add(label)
        slots = []
        if turn.order_number:  # read from the redacted words: never card digits
            slots.append(s.motive_order.format(number=turn.order_number))
        if turn.product.size:
            slots.append(s.motive_size.format(size=turn.product.size))
        if turn.product.color:
            slots.append(s.motive_color.format(color=turn.product.color))
        hidden = list(dict.fromkeys(_LABEL.findall(line)))  # "[tarjeta]": said, redacted
        if hidden:
            slots.append(s.motive_hidden.format(labels=", ".join(hidden)))
        since = _SINCE.search(digits(line))
        if since:
            slots.append(since.group(0).lower())
        parts.append(f"{label}: {', '.join(slots)}" if slots else label)
    parts = parts[:_MAX_MOTIVES]
    if not parts:
        said = next((line for line in caller_lines if line.strip()), "")
        if len(said) > 120:
            said = said[:117].rsplit(" ", 1)[0] + "…"
        parts = [s.motive_unclear.format(line=said) if said else s.no_motive]
    if wants_agent and s.wants_agent not in parts:
        parts.append(s.wants_agent)
    return "; ".join(parts)


def sentiment(
    caller_lines: Sequence[str], reason: str, frustration_keywords: Sequence[str], s: SummaryTexts
) -> str:
    """From the caller's words (accent-insensitive): very upset when an intensity word goes
    with an upset word ("estoy muy molesta") or they said two different upset things; upset
    on one (a frustration keyword, an upset word not negated: "no estoy molesta" is not) or
    when the frustration rule sent the call here; calm otherwise."""
    text = " ".join(caller_lines)
    words = {fold(w) for w in [*s.upset_words, *frustration_keywords]} - {""}
    said = {w for w in words if has_phrase(text, [w]) and not has_phrase(text, _negated(w))}
    strong = any(has_phrase(text, [f"{i} {w}" for i in s.intensity_words]) for w in said)
    if strong or len(said) >= 2:
        return s.very_upset
    return s.upset if said or reason == "frustration" else s.calm


def _negated(word: str) -> list[str]:
    return [f"no estoy {word}", f"no {word}", f"nada {word}"]
