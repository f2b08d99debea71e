"""Download a Spanish Piper voice where a model hub is reachable (not on the build machines).

    python scripts/fetch_piper_voice.py es_MX-claude-high models/piper
    then set tts.voices: [piper, pico, espeak]
    and tts.piper_voice: models/piper/es_MX-claude-high.onnx

Voices are listed at https://huggingface.co/rhasspy/piper-voices (es_MX-claude-high,
es_MX-ald-medium, es_ES-davefx-medium, es_AR-daniela-high, ...). Check each voice's licence
(MODEL_CARD) before putting it on a public line.
"""

from __future__ import annotations

import sys
import urllib.request
from pathlib import Path

BASE = "https://huggingface.co/rhasspy/piper-voices/resolve/main"


def voice_url(name: str, suffix: str) -> str:
    lang_region, speaker, quality = name.split("-")
    lang = lang_region.split("_")[0]
    return f"{BASE}/{lang}/{lang_region}/{speaker}/{quality}/{name}{suffix}"


def main(name: str, folder: str) -> None:
    target = Path(folder)
    target.mkdir(parents=True, exist_ok=True)
    folder_url = voice_url(name, "").removesuffix(name)
    for remote, local in [
        (f"{name}.onnx", f"{name}.onnx"),
        (f"{name}.onnx.json", f"{name}.onnx.json"),
        ("MODEL_CARD", f"{name}.MODEL_CARD"),
    ]:
        print(f"{folder_url}{remote} -> {target / local}")
        urllib.request.urlretrieve(folder_url + remote, target / local)


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    main(sys.argv[1], sys.argv[2])
