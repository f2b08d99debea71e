"""Consent to store the caller's data: asked once, answered by voice or keypad, evidenced.

States (in `CallRecord.consent`): `pending` (asked, no answer yet) -> `yes` | `no`;
`on_file` when the customer had authorised it before; `not_asked` when ops turned the
question off (storable only under `governance.legal_basis`).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from typing import Any

from voicebot.call.record import CallRecord
from voicebot.config import Settings
from voicebot.dialogue.understanding import yes_no
from voicebot.governance.redaction import mask_phone, redact
from voicebot.store import Records


class Consent:
    """The consent question's state machine for one call."""

    def __init__(
        self,
        record: CallRecord,
        settings: Settings,
        records: Records | None,
        spawn: Callable[[Coroutine[Any, Any, None]], object],
        log: Any,
        restored: str | None = None,
    ) -> None:
        self._record = record
        self._settings = settings
        self._records = records
        self._spawn = spawn
        self._log = log
        if restored is not None:  # back from a transfer: the answer given before still holds
            record.consent = restored
        elif settings.governance.ask_consent:
            record.consent = "pending"

    @property
    def pending(self) -> bool:
        return self._record.consent == "pending"

    @property
    def reply_phrase(self) -> str:
        """What the bot says once the caller answered."""
        return "consent_given" if self._record.consented else "consent_refused"

    def on_file(self) -> None:
        """The customer authorised it before (e.g. when they registered)."""
        if self.pending:
            self.answer(True, "record", "")

    def on_key(self, digit: str) -> bool:
        """1 (yes) or 2 (no) while the question is open; True when the key answered it."""
        if digit not in ("1", "2") or not self.pending:
            return False
        self.answer(digit == "1", "dtmf", "")
        return True

    def on_words(self, text: str) -> bool:
        """A turn while the question is open: "sí"/"no" answer it (True); anything else is a
        request, and counts as no consent ("unclear")."""
        answer = yes_no(text)
        self.answer(bool(answer), "voice" if answer is not None else "unclear", text)
        return answer is not None

    def answer(self, given: bool, how: str, heard: str, save: bool = True) -> dict[str, Any]:
        """Record the caller's answer and keep its evidence (Decreto 1377 de 2013, art. 7)."""
        record = self._record
        record.consent = ("on_file" if how == "record" else "yes") if given else "no"
        evidence = {
            "call_sid": record.call_sid,
            "phone": record.caller if given else mask_phone(record.caller),
            "notice_version": self._settings.governance.notice_version,
            "answer": record.consent,
            "how": how,
            "heard": redact(heard) if given else "",
        }
        self._log.info("consent", answer=record.consent, how=how)
        if save and self._records is not None:
            self._spawn(self._save(evidence))
        return evidence

    def unanswered(self) -> dict[str, Any] | None:
        """At the end of the call: a question never answered is no consent (its evidence to
        save), None when it was answered."""
        return self.answer(False, "silence", "", save=False) if self.pending else None

    async def _save(self, evidence: dict[str, Any]) -> None:
        assert self._records is not None
        try:
            async with asyncio.timeout(self._settings.store.tool_timeout_s):
                await self._records.save_consent(evidence)
        except Exception as exc:
            self._log.error("consent_not_saved", error=repr(exc)[:200])
