"""Real Colombian Spanish speech for tests: Debian's asterisk-prompt-es-co recordings.

A human voice saying digits one by one, as callers say order numbers; the synthetic espeak
caller cannot say "pedido" or "siete dos uno" so that Whisper hears it.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from voicebot.telephony.fake_twilio import real_digits_wav


def digits_wav(number: str, folder: Path) -> Path:
    """`number` said digit by digit (0.25 s apart) by a real speaker, as an 8 kHz WAV."""
    path = real_digits_wav(number, folder)
    if path is None:
        pytest.skip(
            "real speech needs Debian's asterisk-prompt-es-co and sox (scripts/setup.sh --test)"
        )
    return path
