"""The agent's summary of a call, built only from the transcript (nothing invented).

A template over what was actually said, redacted: motive, what the bot did, who the caller
is, sentiment and a suggested next action. Every number in it comes from the transcript.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from typing import Any

from voicebot.config import AgentText, packaged_agent_text
from voicebot.governance.redaction import mask_phone, redact, redact_lines
from voicebot.text import has_phrase

_REFERENCE = re.compile(r"\b\d{4,12}\b")


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
) -> Summary:
    """Summary of a call's transcript for the agent who takes it, worded by `texts` (the
    running config's `agent_text`; the packaged wording when not given)."""
    t = texts or packaged_agent_text()
    caller_lines = redact_lines([t["text"] for t in transcript if t["role"] == "caller"])
    bot_lines = [redact(t["text"]) for t in transcript if t["role"] == "bot"]
    motive = caller_lines[0] if caller_lines else t.summary.no_motive
    if len(motive) > 160:
        motive = motive[:157].rsplit(" ", 1)[0] + "…"
    actions = [t.summary.bot_said.format(line=line) for line in bot_lines[1:][-3:]]  # no greeting
    refs: list[str] = []
    for line in caller_lines:
        refs += [r for r in _REFERENCE.findall(line) if r not in refs]
    # the same matcher as the dialogue's frustration rule (accent-insensitive, whole words)
    upset = has_phrase(" ".join(caller_lines), frustration_keywords)
    return Summary(
        motive=motive,
        bot_actions=actions or [t.summary.bot_only_greeted],
        references=refs,
        customer=t.summary.caller_from.format(phone=mask_phone(caller))
        if caller
        else t.summary.hidden_number,
        sentiment=t.summary.upset if upset or reason == "frustration" else t.summary.calm,
        reason=t.reasons.label(reason),
        suggested_action=t.suggestions.label(reason, t.suggestions.other),
        context=[redact(line) for line in context or []],
    )
