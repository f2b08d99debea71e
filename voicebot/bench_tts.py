"""`voicebot bench --tts`: how well and how fast each voice speaks what the bot really says.

For every voice: Whisper's word error rate on its audio after the 8 kHz mu-law round trip, the
first audio of a reply (its first clause), CPU seconds per audio second; then, through the
service's own voice chain (budget, cache, fallbacks), the p95 time from "reply text ready" to
first audio with 1 and 6 calls replying at once, and which voice said them.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import statistics
import time
from collections import Counter
from datetime import date, timedelta
from importlib import resources
from itertools import pairwise
from pathlib import Path

from voicebot.audio.codec import TELEPHONY_RATE, resample, ulaw_decode, ulaw_encode
from voicebot.config import Settings
from voicebot.dialogue.retail import cop, spoken_date
from voicebot.services import fixed_speech
from voicebot.text import fold
from voicebot.tts import ReplyVoice, VoiceChain
from voicebot.tts.callers import ROBOTIC_CALLER, caller_voice
from voicebot.tts.text import clauses, head_and_rest, pronounced, speech_text
from voicebot.tts.voices import Voice

VOICES = ["kokoro:ef_dora", "kokoro:em_alex", "kokoro:em_santa", "pico", ROBOTIC_CALLER]
_FIXED = [
    "greeting", "reprompt", "transfer", "farewell", "not_understood", "cannot_confirm", "hold",
    "agent_unavailable", "filler", "consent_question", "consent_given", "csat_question",
]  # fmt: skip


def comparable(text: str) -> str:
    """Text as the words a listener heard, whatever way a number was written: digits back to
    Colombian speech (so "4-5-0-0-3", "45003" and "cuatro cinco cero, cero tres" agree, and
    "$289.900" is "doscientos ochenta y nueve mil novecientos pesos"), accents and case
    folded, no punctuation."""
    return re.sub(r"\b(veinti)?un[oa]?\b", r"\1uno", fold(speech_text(text)))  # "un"/"uno"


# Letters Colombian Spanish says alike (seseo, yeísmo, b = v, a silent h): the listener's
# spelling choice among them ("oyas" for "ollas", "ban" for "van") is not the voice's error.
_HOMOPHONES = [
    (re.compile(r"v"), "b"), (re.compile(r"z"), "s"), (re.compile(r"c(?=[ei])"), "s"),
    (re.compile(r"ll"), "y"), (re.compile(r"(?<![cs])h"), ""),
]  # fmt: skip


def _sounds(text: str) -> list[str]:
    words = comparable(text).split()
    for pattern, letter in _HOMOPHONES:
        words = [pattern.sub(letter, w) for w in words]
    return words


def heard_as_said(said: str, heard: str) -> tuple[str, str]:
    """Both texts as the sounds a listener heard: homophone letters folded, and the heard
    words split or joined where only the spaces differ from what was said ("contra entrega"
    for "contraentrega", "entalla" for "en talla"), which is the listener's writing, not a
    word lost. Returns (said, heard) ready for `word_error_rate`."""
    ref, hyp = _sounds(said), _sounds(heard)
    vocabulary, pairs = set(ref), set(pairwise(ref))
    split = {a + b: [a, b] for a, b in pairs}
    out: list[str] = []
    i = 0
    while i < len(hyp):
        word, after = hyp[i], hyp[i + 1] if i + 1 < len(hyp) else ""
        if after and word + after in vocabulary and (word, after) not in pairs:
            out.append(word + after)
            i += 2
            continue
        out += split[word] if word not in vocabulary and word in split else [word]
        i += 1
    return " ".join(ref), " ".join(out)


def bot_sentences(settings: Settings) -> list[str]:
    """What the bot says: its fixed phrases and its retail templates filled from the sample
    store (prices, order numbers, dates, product names), at least 30 sentences."""
    store = json.loads(resources.files("voicebot.store").joinpath("sample_store.json").read_text())
    products, orders = store["products"], store["orders"]
    t, today = settings.retail, date(2026, 11, 27)
    said = [settings.phrase(name) for name in _FIXED]
    for i, p in enumerate(products[:24:3]):
        name = p["name"][0].lower() + p["name"][1:]
        size = f" en talla {p['variants'][0]['size']}" if i % 2 else ""
        said.append(t.product_found.format(name=name, variant=size, price=cop(p["price"])))
        o = orders[i * 7]
        eta = spoken_date(today + timedelta(days=i))
        said.append(
            t.order_in_transit.format(number=o["number"], item=name, carrier=o["carrier"], eta=eta)
        )
    said += [
        t.cart_reminder.format(item="unas zapatillas Adidas Runfalcon", price=cop(289900)),
        t.link_sent.format(last4="4567"),
        t.ticket_created.format(ticket=1043),
        t.order_not_found.format(number="45721"),
        t.return_expired.format(number="45003", days=settings.store.return_days),
    ]
    said += [entry.answer for entry in settings.store.faq]
    return [" ".join(s.split()).replace("{store_name}", settings.store.name) for s in said]


def _cpu_s() -> float:
    """CPU seconds of this process and its children, finished (espeak-ng runs as one) and
    running (Pico's worker process, `/proc`)."""
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system + _running_children_cpu_s()


def _running_children_cpu_s() -> float:
    tick = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for task in Path("/proc/self/task").glob("*"):
        try:
            children = (task / "children").read_text().split()
        except OSError:  # a thread that ended, or a kernel without the children file
            continue
        for pid in children:
            try:
                stat = Path(f"/proc/{pid}/stat").read_text()
            except OSError:  # it ended meanwhile (then os.times counts it once reaped)
                continue
            fields = stat.rsplit(")", 1)[1].split()  # after "pid (comm)": state is first
            total += (int(fields[11]) + int(fields[12])) / tick  # utime, stime
    return total


async def _first_audio_ms(chain: VoiceChain, text: str) -> float:
    """Say a whole reply as a call does; return when its first clause was ready."""
    started, first = time.perf_counter(), None
    async for _ in chain.stream(text, ReplyVoice()):
        first = first or (time.perf_counter() - started) * 1000
    return first or 0.0


async def run_tts_bench(settings: Settings) -> int:
    """Print, per voice, WER after the phone codec, first audio, CPU per audio second; then
    the chain's p95 from reply text to first audio at 1 and 6 simultaneous calls."""
    from voicebot.asr import WhisperTranscriber
    from voicebot.bench import word_error_rate
    from voicebot.metrics.kpi import percentile
    from voicebot.service import build_synthesizer

    sentences = bot_sentences(settings)
    asr = WhisperTranscriber(settings.model_ref(settings.asr.model), settings.asr)
    print(f"{len(sentences)} sentences the bot says; Whisper ({settings.asr.model}) listens")
    print(
        f"{'voice':<18} {'WER':>6} {'sounds':>7} {'phrases':>8} {'answers':>8} "
        f"{'first audio p50':>16} "
        f"{'p95':>6} {'CPU s/audio s':>14}"
    )
    chain = await asyncio.to_thread(build_synthesizer, settings)
    # The bot's own default voice as configured (speed, gain, pronunciations), then each
    # voice as the simulated callers speak it (speed 0.95, no pronunciations).
    bot = chain.voices[0]
    rows: list[tuple[str, Voice, dict[str, str]]] = [(f"bot {bot.name}", bot, chain.pronunciations)]
    for name in VOICES:
        rows.append((name, await asyncio.to_thread(caller_voice, name), {}))
    for name, voice, lexicon in rows:
        await asyncio.to_thread(voice.render, "Hola.")  # warm-up
        wers, sounds, first_ms, cpu, audio = [], [], [], 0.0, 0.0
        worst: tuple[float, str, str] = (0.0, "", "")
        for text in sentences:
            said = speech_text(text)
            first = clauses(text)[0][1]
            first = cut[0] if (cut := head_and_rest(first)) else first  # as the chain says it
            t0 = time.perf_counter()
            await asyncio.to_thread(voice.render, pronounced(first, lexicon))
            first_ms.append((time.perf_counter() - t0) * 1000)
            c0 = _cpu_s()
            pcm = await asyncio.to_thread(voice.render, pronounced(said, lexicon))
            cpu += _cpu_s() - c0
            audio += len(pcm) / voice.rate
            line = ulaw_decode(ulaw_encode(resample(pcm, voice.rate, TELEPHONY_RATE)))
            heard = (await asr.transcribe(line)).text
            wers.append(word_error_rate(comparable(said), comparable(heard)))
            sounds.append(word_error_rate(*heard_as_said(said, heard)))
            worst = max(worst, (wers[-1], said, heard))
        p50, p95 = percentile(first_ms, 50) or 0, percentile(first_ms, 95) or 0
        label = f"{name}*" if name == ROBOTIC_CALLER else name
        phrases, answers = wers[: len(_FIXED)], wers[len(_FIXED) :]
        print(
            f"{label:<18} {statistics.mean(wers):>6.3f} {statistics.mean(sounds):>7.3f} "
            f"{statistics.mean(phrases):>8.3f} "
            f"{statistics.mean(answers):>8.3f} {p50:>13.0f} ms {p95:>6.0f} {cpu / audio:>14.3f}"
        )
        if worst[0]:
            print(f"{'':<18} worst: {worst[1]!r} heard {worst[2]!r}")
    print(
        f"WER: the words as written; sounds: homophone letters folded and the listener's "
        f"spaces ignored (heard_as_said); phrases: WER of the {len(_FIXED)} fixed phrases; "
        f"answers: of the filled templates and FAQ answers "
        f"(prices, order numbers, dates, product names); * {ROBOTIC_CALLER}: the last resort; "
        f"bot: the default voice as configured (tts.speed {settings.tts.speed}, "
        f"{len(chain.pronunciations)} pronunciations), the others as the callers speak"
    )

    await chain.prerender(fixed_speech(settings))  # as the service does at start-up
    dynamic = sentences[len(_FIXED) :]
    print(
        f"\nvoice chain {[v.name for v in chain.voices]}, first-audio budget "
        f"{settings.tts.first_audio_budget_ms} ms: reply text ready -> first audio"
    )
    for calls in (1, 6):
        waits: list[float] = []
        before = Counter(chain.counts)
        for start in range(12):
            batch = [dynamic[(start * calls + k) % len(dynamic)] for k in range(calls)]
            waits += await asyncio.gather(*(_first_audio_ms(chain, text) for text in batch))
        used = Counter(chain.counts)
        used.subtract(before)
        said_by = ", ".join(f"{v} {reason} {n}" for (v, reason), n in sorted(used.items()) if n)
        print(
            f"  {calls} call(s): p50 {percentile(waits, 50):.0f} ms, "
            f"p95 {percentile(waits, 95):.0f} ms over {len(waits)} replies ({said_by})"
        )
    chain.close()
    return 0
