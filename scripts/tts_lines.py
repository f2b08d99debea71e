"""Each sentence of `voicebot bench --tts` said by the bot's configured voice, through the
phone codec, heard by Whisper: its strict WER and its "sounds" WER, line by line, with what
was heard. For ops rewording a phrase or a template: the lines that lose words show here.

    .venv/bin/python scripts/tts_lines.py [--config FILE] [--text FILE]

`--text`: one sentence per line instead of the bench's sentences (to try other wordings).
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
from pathlib import Path

from voicebot.asr import WhisperTranscriber
from voicebot.audio.codec import TELEPHONY_RATE, resample, ulaw_decode, ulaw_encode
from voicebot.bench import word_error_rate
from voicebot.bench_tts import bot_sentences, comparable, heard_as_said
from voicebot.config import Settings, load_settings
from voicebot.service import build_synthesizer
from voicebot.tts.text import pronounced, speech_text


async def main(settings: Settings, sentences: list[str]) -> None:
    """Say, hear and score each sentence; print each line and the means."""
    asr = WhisperTranscriber(settings.model_ref(settings.asr.model), settings.asr)
    chain = await asyncio.to_thread(build_synthesizer, settings)
    voice = chain.voices[0]
    strict, sounds = [], []
    for sentence in filter(str.strip, sentences):
        said = speech_text(sentence)
        pcm = await asyncio.to_thread(voice.render, pronounced(said, chain.pronunciations))
        line = ulaw_decode(ulaw_encode(resample(pcm, voice.rate, TELEPHONY_RATE)))
        heard = (await asr.transcribe(line)).text
        strict.append(word_error_rate(comparable(said), comparable(heard)))
        sounds.append(word_error_rate(*heard_as_said(said, heard)))
        print(f"{strict[-1]:.3f} {sounds[-1]:.3f} | {said} || {heard}", flush=True)
    print(
        f"{voice.name}: {len(strict)} sentences, WER {statistics.mean(strict):.3f}, "
        f"sounds {statistics.mean(sounds):.3f}"
    )
    chain.close()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", type=Path)
    parser.add_argument("--text", type=Path)
    args = parser.parse_args()
    settings = load_settings(args.config)
    text = args.text.read_text().splitlines() if args.text else bot_sentences(settings)
    asyncio.run(main(settings, text))
