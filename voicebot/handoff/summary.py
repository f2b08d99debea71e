"""The agent's summary of a call, built only from the transcript (nothing invented).

A template over what was actually said, redacted: motive, what the bot did, who the caller
is, sentiment and a suggested next action. Every number in it comes from the transcript.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from typing import Any

from voicebot.asr import normalize
from voicebot.governance.redaction import mask_phone, redact, redact_lines
from voicebot.handoff.rules import REASON_LABELS

_REFERENCE = re.compile(r"\b\d{4,12}\b")

TECHNICAL = "Retomar la llamada desde el motivo; el asistente tuvo una falla técnica."
SUGGESTIONS = {
    "transfer_requested": "Atender el motivo sin pedirle al cliente que lo repita.",
    "frustration": "Reconocer la molestia, disculparse y proponer una solución concreta.",
    "sensitive_topic": "Seguir la política: pagos por enlace; reclamos y datos por canal formal.",
    "repeated_misunderstanding": "Confirmar el motivo; el asistente no lo entendió bien.",
    "model_failure": TECHNICAL,
    "tts_failure": TECHNICAL,
}


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

    def spoken(self) -> str:
        """One short paragraph for the agent's whisper."""
        refs = f" Referencias: {', '.join(self.references)}." if self.references else ""
        return (
            f"Motivo: {self.motive} Razón: {self.reason}. Cliente {self.sentiment}.{refs}"
            f" Sugerencia: {self.suggested_action}"
        )

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def summarize(
    transcript: list[dict[str, str]],
    reason: str,
    caller: str,
    frustration_keywords: list[str],
    context: list[str] | None = None,
) -> Summary:
    """Summary of a call's transcript for the agent who takes it."""
    caller_lines = redact_lines([t["text"] for t in transcript if t["role"] == "caller"])
    bot_lines = [redact(t["text"]) for t in transcript if t["role"] == "bot"]
    motive = caller_lines[0] if caller_lines else "el cliente no alcanzó a decir el motivo."
    if len(motive) > 160:
        motive = motive[:157].rsplit(" ", 1)[0] + "…"
    actions = [f"Respondió: «{line}»" for line in bot_lines[1:][-3:]]  # skip the greeting
    refs: list[str] = []
    for line in caller_lines:
        refs += [r for r in _REFERENCE.findall(line) if r not in refs]
    said = " ".join(normalize(line) for line in caller_lines)
    upset = any(f" {normalize(k)} " in f" {said} " for k in frustration_keywords)
    return Summary(
        motive=motive,
        bot_actions=actions or ["Solo saludó; no resolvió nada todavía."],
        references=refs,
        customer=f"llama desde {mask_phone(caller)}" if caller else "número oculto",
        sentiment="molesto" if upset or reason == "frustration" else "tranquilo",
        reason=REASON_LABELS.get(reason, reason),
        suggested_action=SUGGESTIONS.get(reason, "Atender el motivo del cliente."),
        context=[redact(line) for line in context or []],
    )
