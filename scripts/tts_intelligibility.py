"""Which bot voice does Whisper understand best over the phone codec?

Synthesises every fixed phrase with each candidate voice (espeak-ng voices and rates, the
English Piper voice reading Spanish phonemes), passes it through mu-law 8 kHz and prints the
word error rate of the embedded ASR on it. Usage: .venv/bin/python scripts/tts_intelligibility.py
"""

from __future__ import annotations

import asyncio
import statistics

from voicebot.asr import WhisperTranscriber
from voicebot.audio.codec import ulaw_decode, ulaw_encode
from voicebot.bench import word_error_rate
from voicebot.config import load_settings
from voicebot.models import piper_joe_voice
from voicebot.tts import EspeakSynthesizer, PiperSynthesizer, Synthesizer

PHRASES = ["greeting", "transfer", "not_understood", "reprompt", "cannot_confirm", "farewell"]


async def main() -> None:
    settings = load_settings()
    asr = WhisperTranscriber(settings.model_ref(settings.asr.model), settings.asr)
    candidates: dict[str, Synthesizer] = {}
    for voice in ["es-419", "es-419+m3", "es"]:
        for rate in [140, 165]:
            tts = settings.tts.model_copy(update={"espeak_voice": voice, "speaking_rate_wpm": rate})
            candidates[f"espeak {voice} {rate} wpm"] = EspeakSynthesizer(tts)
    piper = settings.tts.model_copy(update={"piper_espeak_voice": "es-419"})
    candidates["piper en_US-joe + es-419 phonemes"] = PiperSynthesizer(piper_joe_voice(), piper)
    print(f"{'voice':<36} {'mean WER':>8}   per phrase")
    for name, tts in candidates.items():
        wers = []
        for phrase in PHRASES:
            pcm = await tts.synthesize(settings.phrase(phrase))
            heard = await asr.transcribe(ulaw_decode(ulaw_encode(pcm)))
            wers.append(word_error_rate(settings.phrase(phrase), heard.text))
        per = " ".join(f"{w:.2f}" for w in wers)
        print(f"{name:<36} {statistics.mean(wers):>8.2f}   {per}")


if __name__ == "__main__":
    asyncio.run(main())
