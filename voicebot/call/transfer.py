"""Handing a call to a person: warm (desk agent) or cold transfer through Twilio's REST API;
otherwise a callback ticket, and the bot goes on when it can."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, Literal

from voicebot.call.record import CallRecord, TurnRecord
from voicebot.call.speaking import Speaker
from voicebot.config import Settings
from voicebot.dialogue.llm import Message
from voicebot.dialogue.retail import Concierge
from voicebot.governance.redaction import mask_phone, redact_transcript
from voicebot.handoff.desk import Desk, Transfer
from voicebot.handoff.rules import is_open
from voicebot.handoff.summary import summarize
from voicebot.handoff.twilio_rest import TwilioRest, transfer_twiml

Outcome = Literal["transferred", "go_on", "hang_up"]


class Handover:
    """The transfer of one call."""

    def __init__(
        self,
        settings: Settings,
        desk: Desk,
        rest: TwilioRest | None,
        record: CallRecord,
        concierge: Concierge | None,
        speaker: Speaker,
        log: Any,
    ) -> None:
        self._settings = settings
        self._desk = desk
        self._rest = rest
        self._record = record
        self._concierge = concierge
        self._speaker = speaker
        self._log = log
        self.transferred = False  # Twilio will stop the stream: that is not a hang-up

    async def transfer(self, reason: str, resumes: bool, turn: TurnRecord | None = None) -> Outcome:
        """Transfer now if a person can take it; otherwise leave a callback ticket and say so
        (`go_on`), or `hang_up` when the bot cannot go on (`resumes` false). What the bot says
        belongs to `turn` when a caller turn led here."""
        settings, record = self._settings.handoff, self._record
        concierge = self._concierge
        summary = summarize(
            record.transcript,
            reason,
            record.caller,
            settings.frustration_keywords,
            concierge.context if concierge else [],
            texts=self._settings.agent_text,
            actions=concierge.notes if concierge else [],  # what the bot did, from its tools
            outcome=concierge.outcome if concierge else None,
        )
        agent = self._desk.available_agent() if settings.mode == "desk" else None
        number = agent.phone if agent is not None else settings.cold_number
        open_now = is_open(settings.business_hours, datetime.now(UTC))
        if open_now and number and self._rest is not None:
            transfer = await self._desk.create(
                call_sid=record.call_sid,
                caller=mask_phone(record.caller) if record.caller else "",
                reason=reason,
                summary=summary,
                transcript=self._desk_transcript(),
                agent_id=agent.id if agent else None,
                consent="no" if record.consent == "pending" else record.consent,
                verstat=record.caller_id_attestation,
            )
            self._log.info("transfer", reason=reason, transfer=transfer.id, warm=agent is not None)
            await self._speaker.say("hold", turn)
            await self._speaker.wait_idle(self._settings.timings.hold_play_limit_s)
            twiml = transfer_twiml(self._settings, transfer.id, number, warm=agent is not None)
            # Set before the request: Twilio may send the stream's `stop` before its answer.
            self.transferred = True
            record.transfer_id = transfer.id
            try:
                await self._rest.redirect(record.call_sid, twiml)
                return "transferred"  # Twilio now ends the stream with `stop`
            except Exception as exc:  # REST down: the caller gets a callback, never silence
                self._log.warning("transfer_failed", error=repr(exc)[:200])
                self.transferred = False
                record.transfer_id = None
                await self._desk.update(transfer.id, status="failed")
        await self._desk.add_callback(record.call_sid, record.caller, reason, summary)
        record.callback = True
        if not resumes:
            return "hang_up"
        await self._speaker.say("agent_unavailable" if open_now else "out_of_hours", turn)
        return "go_on"

    def _desk_transcript(self) -> list[dict[str, str]]:
        """What the desk (and Redis) may hold of the words: redacted, and only with consent
        (without it the agent gets the redacted summary, not the conversation)."""
        if not self._record.consented:
            return []
        return redact_transcript(self._record.transcript)

    async def returned(self, transfer: Transfer, history: list[Message]) -> None:
        """No agent took the call: restore its story and offer a callback."""
        self._record.transcript.extend(transfer.transcript)
        for line in transfer.transcript:
            role = "user" if line["role"] == "caller" else "assistant"
            history.append(Message(role, line["text"]))  # type: ignore[arg-type]
        await self._desk.add_callback(
            self._record.call_sid, self._record.caller, transfer.reason, transfer.summary
        )
        await self._desk.update(transfer.id, status="callback")
        await self._speaker.say("agent_unavailable")
