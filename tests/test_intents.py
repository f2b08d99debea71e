"""The trained intent model: the committed weights on the hand-written held-out set, unseen
paraphrases of the issue's cases, the pure-numpy loader against scikit-learn, speed and size."""

from __future__ import annotations

import importlib.util
import json
import time
from pathlib import Path
from types import ModuleType

import numpy as np
import pytest

from voicebot.dialogue.intents import DEFAULT_MODEL, INTENTS, IntentModel, features, normalize

pytestmark = pytest.mark.fast  # a 1 MB linear model: no audio, no service

ROOT = Path(__file__).resolve().parents[1]
HELDOUT = ROOT / "data" / "intents" / "heldout.jsonl"
TRAIN = ROOT / "data" / "intents" / "train.jsonl"

# Set from the committed model's figures (models/intents/README.md), a few points under them:
# a retrained model that loses more than that fails here.
MIN_HELDOUT_ACCURACY = 0.88  # 0.908 at commit
MIN_INTENT_RECALL = 0.70  # lowest at commit: payment and out_of_scope, 0.737
MIN_BLIND_ACCURACY = 0.85  # 0.884 at commit on the lines written after the first evaluation


@pytest.fixture(scope="module")
def model() -> IntentModel:
    return IntentModel.load(DEFAULT_MODEL)


def heldout() -> list[dict[str, str]]:
    return [json.loads(line) for line in HELDOUT.read_text(encoding="utf-8").splitlines()]


def test_model_is_small_and_knows_every_intent(model: IntentModel) -> None:
    assert DEFAULT_MODEL.stat().st_size < 5_000_000
    assert set(model.labels) == set(INTENTS)
    assert len(INTENTS) >= 15


def test_heldout_was_never_trained_on() -> None:
    trained = {
        normalize(json.loads(line)["text"])
        for line in TRAIN.read_text(encoding="utf-8").splitlines()
    }
    lines = heldout()
    assert len(lines) >= 8 * len(INTENTS)
    assert not [r["text"] for r in lines if normalize(r["text"]) in trained]


def test_heldout_accuracy(model: IntentModel) -> None:
    lines = heldout()
    hits = {intent: [0, 0] for intent in INTENTS}
    for r in lines:
        hits[r["intent"]][0] += model.predict(r["text"])[0] == r["intent"]
        hits[r["intent"]][1] += 1
    accuracy = sum(h for h, _ in hits.values()) / len(lines)
    assert accuracy >= MIN_HELDOUT_ACCURACY
    recall = {intent: h / n for intent, (h, n) in hits.items()}
    assert min(recall.values()) >= MIN_INTENT_RECALL, recall
    blind = [r for r in lines if r["source"].startswith("hand_blind")]
    blind_hits = sum(model.predict(r["text"])[0] == r["intent"] for r in blind)
    assert blind_hits / len(blind) >= MIN_BLIND_ACCURACY


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        # The issue's misses, in words that are in neither the training data nor the held-out set
        ("¿Será que me puede pasar con alguien de ustedes?", "person_agent"),
        ("Ya no más, comuníqueme con alguien", "person_agent"),
        ("Quiero que me borren toda la información que tienen mía", "data_rights"),
        ("Eliminen mis datos de una vez", "data_rights"),
        ("¿Me podrían llamar en un ratico?", "callback"),
        ("Llámenme más tardecito que estoy ocupado", "callback"),
    ],
)
def test_issue_paraphrases(model: IntentModel, text: str, intent: str) -> None:
    assert model.predict(text)[0] == intent


def test_top_is_a_ranking_of_probabilities(model: IntentModel) -> None:
    ranked = model.top("¿cuánto cuestan las zapatillas Nike?", k=3)
    assert len(ranked) == 3
    assert ranked[0][0] == "price"
    assert [p for _, p in ranked] == sorted((p for _, p in ranked), reverse=True)
    assert sum(model.probabilities("hola").tolist()) == pytest.approx(1.0)
    intent, confidence = model.predict("")  # nothing known: the priors, not an error
    assert intent in INTENTS and confidence < 0.5


def test_predict_is_fast(model: IntentModel) -> None:
    texts = [r["text"] for r in heldout()]
    start = time.perf_counter()
    for text in texts:
        model.predict(text)
    assert (time.perf_counter() - start) / len(texts) < 0.002


def test_normalize_and_features() -> None:
    assert normalize("¿Cuánto CUESTA el envío?") == "cuanto cuesta el envio"
    feats = features("Páseme, ya")
    assert "w:paseme" in feats and "w:paseme ya" in feats and "c: ya " in feats


def _train_script() -> ModuleType:
    path = ROOT / "scripts" / "train_intents.py"
    spec = importlib.util.spec_from_file_location("train_intents", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_loader_matches_scikit_learn(tmp_path: Path) -> None:
    # The saved arrays, read without scikit-learn, give scikit-learn's own probabilities.
    train = _train_script()
    lines = [json.loads(line) for line in TRAIN.read_text(encoding="utf-8").splitlines()][::40]
    texts = [r["text"] for r in lines]
    fitted = train.pipeline(10.0).fit(texts, [r["intent"] for r in lines])
    train.save(fitted, tmp_path / "m.npz")
    ours = IntentModel.load(tmp_path / "m.npz")
    probe = [r["text"] for r in heldout()[:40]] + ["", "zzz"]
    theirs = fitted.predict_proba(probe)
    order = [list(ours.labels).index(c) for c in fitted.steps[1][1].classes_]
    mine = np.array([ours.probabilities(t) for t in probe])[:, order]
    assert np.abs(theirs - mine).max() < 1e-4
