"""What a call leaves behind: its turns, transcript, timings, consent and outcome."""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass, field, replace
from typing import Any

from voicebot.governance.redaction import mask_phone, redact, redact_lines, redact_transcript


@dataclass
class TurnRecord:
    """What happened in one caller turn, with server-side stage timings (ms)."""

    heard: str
    bot: list[str] = field(default_factory=list)  # sentences the caller heard in full
    interrupted: bool = False
    endpoint_ms: float | None = None
    asr_ms: float | None = None  # waited for ASR after the end of the turn
    asr_compute_ms: float | None = None  # the pass that produced the transcript
    llm_first_token_ms: float | None = None
    tts_first_audio_ms: float | None = None
    voice_to_voice_ms: float | None = None
    guarded_sentences: int = 0
    answered_by: str | None = None  # rules, tools (templates from store data) or model


@dataclass
class CallRecord:
    """The record of a call, kept by the service and shown by /calls/{sid}."""

    call_sid: str
    stream_sid: str
    caller: str
    started_at: float = field(default_factory=time.time)
    greeting_ms: float | None = None
    turns: list[TurnRecord] = field(default_factory=list)
    transcript: list[dict[str, str]] = field(default_factory=list)  # what was said and heard
    ignored_backchannels: list[str] = field(default_factory=list)
    barge_ins: int = 0
    dtmf: list[str] = field(default_factory=list)
    ended_by: str | None = None  # caller | bot | transfer | error
    transfer_id: str | None = None
    callback: bool = False  # a callback ticket was left for an agent
    end_reason: str | None = None
    duration_s: float | None = None
    outcome: dict[str, Any] = field(default_factory=dict)  # intents, tools, resolved, revenue
    config_version: str = ""  # the settings this call ran with
    csat: int | None = None  # the caller's 1-5 rating from the post-call survey
    consent: str = (
        "not_asked"  # not_asked (ops turned the question off) | pending | yes | no | on_file
    )
    legal_basis: str = ""  # governance.legal_basis: what makes a call not asked storable
    # Twilio's STIR/SHAKEN verdict on the caller ID (StirVerstat, e.g. TN-Validation-Passed-A);
    # empty when the call carried none
    caller_id_attestation: str = ""
    reprompts: int = 0  # the caller said nothing and was asked again
    misunderstood: int = 0  # turns the bot could not serve
    friction: dict[str, Any] = field(default_factory=dict)  # signals, score, risk (at the end)

    @property
    def consented(self) -> bool:
        """Personal data of this call may be stored: the caller said yes (or had said so to
        the store), or ops turned the question off under an explicit legal basis."""
        if self.consent == "not_asked":
            return bool(self.legal_basis)
        return self.consent in ("yes", "on_file")

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    def kept(self) -> CallRecord:
        """A finished call as the process keeps it in memory: what `stored` keeps (redacted
        words, and without consent none and a masked number), still a `CallRecord`."""
        data = self.stored()
        turns = [
            replace(turn, heard=kept["heard"], bot=list(kept["bot"]))
            for turn, kept in zip(self.turns, data["turns"], strict=True)
        ]
        return replace(
            self,
            caller=data["caller"],
            transcript=data["transcript"],
            turns=turns,
            ignored_backchannels=data["ignored_backchannels"],
        )

    def stored(self) -> dict[str, Any]:
        """The record as it may be kept: personal data redacted from the text, and without
        consent no words and no number at all (timings and outcome only)."""
        data = self.as_dict()
        if not self.consented:
            data["caller"] = mask_phone(self.caller) if self.caller else ""
            data["transcript"], data["ignored_backchannels"] = [], []
            for turn in data["turns"]:
                turn["heard"], turn["bot"] = "", []
            return data
        data["transcript"] = redact_transcript(self.transcript)
        data["ignored_backchannels"] = [redact(b) for b in self.ignored_backchannels]
        heard = redact_lines([turn["heard"] for turn in data["turns"]])  # split numbers too
        for turn, text in zip(data["turns"], heard, strict=True):
            turn["heard"] = text
            turn["bot"] = [redact(b) for b in turn["bot"]]
        return data
