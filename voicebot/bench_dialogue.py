"""`voicebot bench --dialogue` with no model named: the base model against the same model with
its LoRA adapter (issue 17), on the hand-written held-out turns of data/lora/heldout.yaml.

Only the model is measured: these turns are the free talk the rules and the store's tools leave
to it, so each goes straight to the model in the exact chat `Dialogue.messages()` builds, and
the raw reply is scored before the guards (which would hide invented numbers and echoes):
right answer (expected words), "tú" slips, invented facts (a number the store facts, the
history and the caller's words do not hold, or any number where none exists), parroting (the
caller's words or an earlier bot sentence said again), length, first-token ms and tokens/s.
"""

from __future__ import annotations

import asyncio
import re
import statistics
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from voicebot.config import Settings
from voicebot.dialogue.llm import LlamaCppModel, Message, TransformersModel
from voicebot.dialogue.policy import Dialogue, echoes, grounded
from voicebot.metrics.kpi import percentile
from voicebot.text import has_phrase

HELDOUT = Path(__file__).resolve().parents[1] / "data" / "lora" / "heldout.yaml"
# "tú" forms a reply to a caller addressed as "usted" must not have (whole words).
TU = re.compile(
    r"\b(tú|tu|tus|te|ti|contigo|tienes|puedes|quieres|necesitas|deseas|prefieres|estás|eres|"
    r"dime|cuéntame|avísame|escríbeme|llámanos)\b",
    re.I,
)
_SENTENCE = re.compile(r"(?<=[.!?…])\s+")
_DIGITS = re.compile(r"\d")


def load_heldout(path: Path = HELDOUT) -> list[dict[str, Any]]:
    """The held-out turns, each with its history as `Message`s (the greeting filled in)."""
    turns: list[dict[str, Any]] = yaml.safe_load(path.read_text(encoding="utf-8"))["turns"]
    return turns


def history_of(turn: dict[str, Any], settings: Settings) -> list[Message]:
    spec = turn.get("history", "greeting")
    if spec == "greeting":
        return [Message("assistant", settings.phrase("greeting"))]
    if spec in ("none", None):
        return []
    return [Message(role, text) for role, text in spec]


@dataclass
class Score:
    """One model's figures over the held-out turns."""

    right: int = 0
    tu: int = 0
    invented: int = 0
    parrot: int = 0
    words: list[int] = field(default_factory=list)
    first_ms: list[float] = field(default_factory=list)
    replies: list[str] = field(default_factory=list)
    tokens_per_s: float | None = None
    load_s: float = 0.0


def score_reply(
    reply: str, turn: dict[str, Any], history: list[Message], system: str
) -> dict[str, bool]:
    """The checks of one raw reply (see the module's docstring)."""
    context = " ".join([system, turn["say"], *(m.content for m in history)])
    sentences = [s for s in _SENTENCE.split(reply.strip()) if s]
    said_before = [
        s for m in history if m.role == "assistant" for s in _SENTENCE.split(m.content) if s
    ]
    right = has_phrase(reply, turn["expect"]) and (
        "also" not in turn or has_phrase(reply, turn["also"])
    )
    invented = not grounded(reply, context) or (
        bool(turn.get("no_digits")) and bool(_DIGITS.search(reply))
    )
    parrot = any(
        echoes(s, turn["say"]) or any(echoes(s, b) for b in said_before) for s in sentences
    )
    return {"right": right, "tu": bool(TU.search(reply)), "invented": invented, "parrot": parrot}


async def _reply(model: Any, messages: list[Message]) -> tuple[str, float | None]:
    started = time.perf_counter()
    first: float | None = None
    pieces: list[str] = []
    async for piece in model.stream(messages):
        if first is None:
            first = (time.perf_counter() - started) * 1000
        pieces.append(piece)
    return "".join(pieces).strip(), first


async def score_model(settings: Settings, model: Any, turns: list[dict[str, Any]]) -> Score:
    dialogue = Dialogue(settings, model)
    system = dialogue.messages([], "hola")[0].content
    await _reply(model, dialogue.messages([], "hola"))  # the system prompt into the cache
    if isinstance(model, TransformersModel | LlamaCppModel):
        model.tokens_generated, model.generation_seconds = 0, 0.0
    score = Score()
    for turn in turns:
        history = history_of(turn, settings)
        reply, first = await _reply(model, dialogue.messages(history, turn["say"]))
        checks = score_reply(reply, turn, history, system)
        score.right += checks["right"]
        score.tu += checks["tu"]
        score.invented += checks["invented"]
        score.parrot += checks["parrot"]
        score.words.append(len(reply.split()))
        if first is not None:
            score.first_ms.append(first)
        score.replies.append(reply)
    if isinstance(model, TransformersModel | LlamaCppModel) and model.generation_seconds:
        score.tokens_per_s = model.tokens_generated / model.generation_seconds
    return score


def table(turns: int, scores: dict[str, Score]) -> list[str]:
    """The figures, one row each, a column per model."""
    names = list(scores)
    rows: list[tuple[str, list[str]]] = [
        ("right answers",
         [f"{s.right}/{turns} ({100 * s.right / turns:.0f} %)" for s in scores.values()]),
        ('"tú" slips', [f"{s.tu}/{turns}" for s in scores.values()]),
        ("invented facts", [f"{s.invented}/{turns}" for s in scores.values()]),
        ("parroting", [f"{s.parrot}/{turns}" for s in scores.values()]),
        ("words per reply (mean / max)",
         [f"{statistics.mean(s.words):.1f} / {max(s.words)}" for s in scores.values()]),
        ("first token ms (p50 / p95)",
         [f"{percentile(s.first_ms, 50):.0f} / {percentile(s.first_ms, 95):.0f}"
          for s in scores.values()]),
        ("tokens/s", [f"{s.tokens_per_s:.1f}" if s.tokens_per_s else "-" for s in scores.values()]),
        ("load s", [f"{s.load_s:.1f}" for s in scores.values()]),
    ]  # fmt: skip
    width = max(len(r[0]) for r in rows)
    cols = [max(len(n), *(len(r[1][i]) for r in rows)) for i, n in enumerate(names)]
    head = " | ".join(f"{n:<{c}}" for n, c in zip(names, cols, strict=True))
    out = [f"| {'figure':<{width}} | {head} |"]
    out.append(f"|{'-' * (width + 2)}|" + "|".join("-" * (c + 2) for c in cols) + "|")
    for label, values in rows:
        cells = " | ".join(f"{v:<{c}}" for v, c in zip(values, cols, strict=True))
        out.append(f"| {label:<{width}} | {cells} |")
    return out


async def run_heldout_bench(
    settings: Settings, adapter: str | None = None, path: Path = HELDOUT, samples: bool = True
) -> int:
    """Base vs base + adapter (`adapter`, else llm.adapter, else models/lora), one after the
    other on the same cores; prints the table and each turn's two replies."""
    from voicebot.service import adapter_file, build_language_model

    turns = load_heldout(path)
    ref = adapter or settings.llm.adapter or "lora"
    base = settings.model_copy(update={"llm": settings.llm.model_copy(update={"adapter": ""})})
    tuned = settings.model_copy(update={"llm": settings.llm.model_copy(update={"adapter": ref})})
    adapter_file(tuned)  # a missing adapter: say so before loading anything
    print(
        f"voicebot bench --dialogue: {len(turns)} held-out turns ({path.name}), "
        f"{settings.llm.backend} {settings.llm.model}, base vs adapter {ref!r}"
    )
    scores: dict[str, Score] = {}
    for name, cfg in (("base", base), ("tuned", tuned)):
        t0 = time.perf_counter()
        model = await asyncio.to_thread(build_language_model, cfg)
        load_s = time.perf_counter() - t0
        scores[name] = await score_model(cfg, model, turns)
        scores[name].load_s = load_s
        del model
    for line in table(len(turns), scores):
        print(line)
    if samples:
        for i, turn in enumerate(turns):
            print(f"  «{turn['say']}»")
            for name, score in scores.items():
                print(f"    {name:<5} «{score.replies[i]}»")
    return 0
