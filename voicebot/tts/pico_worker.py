"""SVOX Pico in a process of its own (`PicoVoice` starts it): ttspico's C extension keeps a
reference to every audio chunk it hands back, so a long-lived engine leaks about 190 KB per
sentence; a worker that is replaced now and then returns that memory.

Protocol on stdin/stdout: one line of text in; a 4-byte big-endian length and that many bytes
of PCM16 (16 kHz mono) out; length 0 when Pico made no audio.

    python -m voicebot.tts.pico_worker LANGUAGE VOLUME SPEED
"""

from __future__ import annotations

import struct
import sys


def main(argv: list[str] | None = None) -> None:
    """Serve renders until stdin closes."""
    from ttspico import TtsEngine

    language, volume, speed = argv if argv is not None else sys.argv[1:]
    engine = TtsEngine(language)
    engine.volume = int(volume)  # Pico's default (100) clips ~1 % of samples
    engine.rate = int(speed)
    out = sys.stdout.buffer
    for line in sys.stdin.buffer:
        data: bytes = engine.speak(line.decode("utf-8", "replace").strip()) or b""
        out.write(struct.pack(">I", len(data)) + data)
        out.flush()


if __name__ == "__main__":
    main()
