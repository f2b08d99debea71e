"""Real Colombian Spanish speech for tests: Debian's asterisk-prompt-es-co recordings.

A human voice saying digits one by one, as callers say order numbers; the synthetic espeak
caller cannot say "pedido" or "siete dos uno" so that Whisper hears it.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

DIGITS = Path("/usr/share/asterisk/sounds/es/digits")


def digits_wav(number: str, folder: Path) -> Path:
    """`number` said digit by digit (0.25 s apart) by a real speaker, as an 8 kHz WAV."""
    if not (DIGITS / "0.gsm").exists() or shutil.which("sox") is None:
        pytest.skip(
            "real speech needs Debian's asterisk-prompt-es-co and sox (scripts/setup.sh --test)"
        )
    out = folder / f"digits-{number}.wav"
    if not out.exists():
        args: list[str] = []
        for i, d in enumerate(number):
            if i:
                args += ["|sox -n -r 8000 -c 1 -b 16 -p trim 0 0.25"]
            args.append(f"|sox {DIGITS / (d + '.gsm')} -r 8000 -c 1 -b 16 -p")
        fmt = ["-r", "8000", "-c", "1", "-b", "16", "-e", "signed-integer", "-t", "wavpcm"]
        subprocess.run(["sox", *args, *fmt, str(out)], check=True, capture_output=True, timeout=30)
    return out
