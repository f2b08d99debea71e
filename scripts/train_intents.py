"""Train the intent model and save it as plain arrays for `voicebot.dialogue.intents`.

    .venv/bin/python scripts/train_intents.py

Reads `data/intents/train.jsonl` (from `scripts/intent_data.py`), picks the regularisation by
cross-validation on the training lines only, fits TF-IDF (the package's own `features()`) +
multinomial logistic regression with scikit-learn, and saves `models/intents/intents.npz`
(vocabulary, idf, coefficients, intercepts, labels: no pickle). Then, and only then, it reads
the hand-written `data/intents/heldout.jsonl` and prints per-intent precision/recall on it,
computed with the saved model through the runtime loader (the figures are those of what the
service would run). The held-out lines never choose anything here. Figures also go to
`models/intents/metrics.json`.
"""

from __future__ import annotations

import itertools
import json
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import classification_report, confusion_matrix
from sklearn.model_selection import StratifiedGroupKFold, cross_val_score
from sklearn.pipeline import make_pipeline

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from voicebot.dialogue.intents import INTENTS, IntentModel, features, normalize  # noqa: E402

TRAIN = ROOT / "data" / "intents" / "train.jsonl"
HELDOUT = ROOT / "data" / "intents" / "heldout.jsonl"
MODEL = ROOT / "models" / "intents" / "intents.npz"
METRICS = ROOT / "models" / "intents" / "metrics.json"
SEED = 16
C_GRID = (3.0, 10.0, 30.0)


def read(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def pipeline(c: float) -> Any:
    # min_df=2: a feature seen once is noise (a misheard word) and only grows the model.
    return make_pipeline(
        TfidfVectorizer(analyzer=features, sublinear_tf=True, min_df=2, dtype=np.float32),
        LogisticRegression(C=c, max_iter=3000, class_weight="balanced"),
    )


def save(model: Any, path: Path) -> None:
    """The fitted pipeline as the arrays `IntentModel.load` reads."""
    vectorizer, classifier = model.steps[0][1], model.steps[1][1]
    vocab = vectorizer.get_feature_names_out().tolist()
    blob = "\n".join(vocab).encode("utf-8")  # features never contain a newline
    path.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(
        path,
        labels=np.frombuffer("\n".join(classifier.classes_).encode(), dtype=np.uint8),
        vocabulary=np.frombuffer(blob, dtype=np.uint8),
        idf=vectorizer.idf_.astype(np.float32),
        coef=classifier.coef_.astype(np.float32),
        intercept=classifier.intercept_.astype(np.float32),
    )


def ece(confidence: np.ndarray, correct: np.ndarray, bins: int = 10) -> float:
    """Expected calibration error: how far confidence is from accuracy, bin by bin."""
    edges = np.linspace(0, 1, bins + 1)
    total = 0.0
    for lo, hi in itertools.pairwise(edges):
        mask = (confidence > lo) & (confidence <= hi)
        if mask.any():
            total += mask.mean() * abs(confidence[mask].mean() - correct[mask].mean())
    return float(total)


def main() -> None:
    train = read(TRAIN)
    heldout = read(HELDOUT)
    held_keys = {normalize(r["text"]) for r in heldout}
    leaked = [r for r in train if normalize(r["text"]) in held_keys]
    if leaked:  # a held-out line must never be trained on: drop it from training
        print(f"dropped {len(leaked)} training lines equal to held-out ones")
        train = [r for r in train if normalize(r["text"]) not in held_keys]
    texts = [r["text"] for r in train]
    labels = [r["intent"] for r in train]
    sources = {s: sum(r["source"] == s for r in train) for s in ("template", "asr")}
    print(f"train: {len(train)} lines {sources}; held-out: {len(heldout)} lines")

    # Folds split by template (a spoken line goes with the template it was said from): a fold's
    # test lines are wordings the model has not seen, as the callers' will be. Lines from one
    # template are near-copies, and a random split would only measure memory.
    groups = [r.get("template") or r.get("said") or r["text"] for r in train]
    folds = StratifiedGroupKFold(n_splits=5, shuffle=True, random_state=SEED)
    cv = {
        c: float(cross_val_score(pipeline(c), texts, labels, groups=groups, cv=folds).mean())
        for c in C_GRID
    }
    best_c = max(cv, key=lambda c: cv[c])
    print("5-fold CV accuracy on unseen templates by C:", {c: round(a, 4) for c, a in cv.items()})

    model = pipeline(best_c).fit(texts, labels)
    save(model, MODEL)
    runtime = IntentModel.load(MODEL)
    assert set(runtime.labels) == set(INTENTS), runtime.labels

    # The held-out figures, by the saved model through the runtime loader.
    gold = [r["intent"] for r in heldout]
    preds = [runtime.predict(r["text"]) for r in heldout]
    pred = [p for p, _ in preds]
    conf = np.array([c for _, c in preds])
    sk = model.predict_proba([r["text"] for r in heldout])
    ours = np.array([runtime.probabilities(r["text"]) for r in heldout])
    order = [list(runtime.labels).index(c) for c in model.steps[1][1].classes_]
    drift = float(np.abs(sk - ours[:, order]).max())
    print(f"runtime vs scikit-learn probabilities: max difference {drift:.2e}")
    assert drift < 1e-4

    print(classification_report(gold, pred, labels=list(INTENTS), digits=3, zero_division=0))
    correct = np.array([g == p for g, p in zip(gold, pred, strict=True)])
    by_source = {
        s: float(correct[[r["source"] == s for r in heldout]].mean())
        for s in sorted({r["source"] for r in heldout})
    }
    accuracy = float(correct.mean())
    print(f"held-out accuracy {accuracy:.3f} by source {by_source}")
    print(f"mean confidence {conf.mean():.3f}; ECE {ece(conf, correct):.3f}")
    for r, p, c in zip(heldout, pred, conf, strict=True):
        if p != r["intent"]:
            print(f"  MISS [{r['source']}] {r['text']!r}: {r['intent']} -> {p} ({c:.2f})")
    cm = confusion_matrix(gold, pred, labels=list(INTENTS))

    sample = [r["text"] for r in heldout]
    start = time.perf_counter()
    for _ in range(5):
        for text in sample:
            runtime.predict(text)
    ms = (time.perf_counter() - start) * 1000 / (5 * len(sample))
    print(f"predict: {ms:.3f} ms per call; model file {MODEL.stat().st_size / 1e6:.2f} MB")

    per_intent = {
        intent: {
            "precision": round(float(cm[i, i] / max(cm[:, i].sum(), 1)), 3),
            "recall": round(float(cm[i, i] / max(cm[i].sum(), 1)), 3),
            "support": int(cm[i].sum()),
        }
        for i, intent in enumerate(INTENTS)
    }
    METRICS.write_text(
        json.dumps(
            {
                "train_lines": len(train),
                "train_sources": sources,
                "heldout_lines": len(heldout),
                "C": best_c,
                "cv_accuracy": cv,
                "heldout_accuracy": round(accuracy, 4),
                "heldout_accuracy_by_source": {k: round(v, 4) for k, v in by_source.items()},
                "heldout_ece": round(ece(conf, correct), 4),
                "per_intent": per_intent,
                "features": len(runtime._vocabulary),
                "model_bytes": MODEL.stat().st_size,
                "predict_ms": round(ms, 3),
            },
            indent=1,
        )
        + "\n",
        encoding="utf-8",
    )


if __name__ == "__main__":
    main()
