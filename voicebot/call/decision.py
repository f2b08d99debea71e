"""Where a call goes when the bot's part ends: the bot hangs up, or a person takes it.

Every ending, wherever it is noticed (the caller's words in the dialogue, turns the bot could
not serve, a failing model or voice, a silent line, the keypad's 0, a shutdown), is an
`EndCall` with a reason, and this module alone says what follows from that reason.
"""

from __future__ import annotations

from dataclasses import dataclass

from voicebot.dialogue.policy import EndCall

BOT_CLOSES = ("goodbye", "idle")  # the bot says its closing phrase and hangs up
BOT_CANNOT_GO_ON = ("model_failure", "tts_failure")  # no person free: a callback, then bye
FAILED_PHRASES = ("not_understood", "cannot_confirm")  # a turn the bot could not serve


@dataclass(frozen=True, slots=True)
class Step:
    """What follows an ending."""

    to_person: bool  # try a transfer (warm or cold) first
    phrase: str  # what the bot says when it closes the call itself
    ended_by: str  # for the record: "bot", or "transfer" when the call was meant for a person
    resumes: bool  # no person took the transfer: the bot goes on (a callback ticket is left)


NO_PERSON = Step(to_person=False, phrase="technical_callback", ended_by="bot", resumes=False)


def next_step(end: EndCall, handoff_on: bool) -> Step:
    """The step for an ending; `handoff_on` is false when ops turned transfers off (the bot
    then says the ending's phrase and hangs up). After a transfer that could not be made and
    does not resume, the step is `NO_PERSON`."""
    if end.reason in BOT_CLOSES:
        return Step(to_person=False, phrase=end.phrase, ended_by="bot", resumes=False)
    return Step(
        to_person=handoff_on,
        phrase=end.phrase,
        ended_by="transfer",
        resumes=end.reason not in BOT_CANNOT_GO_ON,
    )


class Strikes:
    """Turns in a row the bot could not serve; at the limit a person should take over."""

    def __init__(self, limit: int) -> None:
        self._limit = limit
        self._row = 0
        self.total = 0

    def served(self, phrase: str | None) -> bool:
        """Count a reply part; True when it means a person should take over now."""
        if phrase not in FAILED_PHRASES:
            self._row = 0
            return False
        return self.failed()

    def reprompt(self) -> str:
        """The phrase asking the caller again: worded differently after the first time."""
        return "not_understood" if self._row <= 1 else "not_understood_again"

    def failed(self) -> bool:
        """Count a turn not served (nothing heard, nothing understood)."""
        self._row += 1
        self.total += 1
        return self._row >= self._limit
