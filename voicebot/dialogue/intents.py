"""Trained intent recognition over a caller's transcript: a pure-numpy linear model.

The model is a TF-IDF over accent-folded word 1-2-grams and in-word character 2-5-grams with a
multinomial logistic regression on top, trained by `scripts/train_intents.py` with scikit-learn
on Colombian Spanish paraphrases, part of them spoken by our caller voices through the phone
codec and written back by Whisper (`scripts/intent_data.py`; the data card is
`models/intents/README.md`). It is saved as plain arrays in one `.npz` (vocabulary, idf,
coefficients, labels) that this module reads with `allow_pickle=False`: the service never
unpickles anything and needs no scikit-learn at run time.

`features()` is the one analyzer: training hands it to scikit-learn's vectorizer, so the
weights here are applied to exactly the features they were learnt on.

Intents (`INTENTS`): order_status, return_exchange (also the return policy), complaint_damaged
(damaged, defective, wrong or incomplete item, warranty, a complaint), product_search, price,
stock (a size, colour or quantity of a product), store_info (hours, address, branches, contact),
payment (methods and payment problems; card digits said aloud land here), shipping (costs,
coverage, delivery times in general), person_agent, callback, data_rights (Ley 1581: erase,
see, correct, stop contact), goodbye_thanks, greeting (a turn that is only "aló, buenas"),
out_of_scope (nothing a store answers), other_language (English, Portuguese...).

The dialogue reads it through `voicebot.dialogue.understanding.TrainedIntents`, which keeps
the ops' YAML keywords as overrides and the store's cue lists where the model is not sure.
"""

from __future__ import annotations

import math
import re
import unicodedata
from itertools import pairwise
from pathlib import Path

import numpy as np
import numpy.typing as npt

INTENTS = (
    "order_status",
    "return_exchange",
    "complaint_damaged",
    "product_search",
    "price",
    "stock",
    "store_info",
    "payment",
    "shipping",
    "person_agent",
    "callback",
    "data_rights",
    "goodbye_thanks",
    "greeting",
    "out_of_scope",
    "other_language",
)

DEFAULT_MODEL = Path(__file__).resolve().parents[2] / "models" / "intents" / "intents.npz"

_NON_WORD = re.compile(r"[^\w]+", re.UNICODE)
CHAR_NGRAMS = (2, 5)


def normalize(text: str) -> str:
    """Lower-case, accents folded, punctuation as spaces: "¿Cuánto cuesta?" -> "cuanto cuesta".

    Whisper writes accents and punctuation inconsistently; the model never sees them.
    """
    decomposed = unicodedata.normalize("NFKD", text.lower())
    folded = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(_NON_WORD.sub(" ", folded).replace("_", " ").split())


def features(text: str) -> list[str]:
    """The model's features of a transcript: `w:` word 1-2-grams, `c:` character n-grams inside
    each word padded by spaces (robust to Whisper's misspellings of a word)."""
    words = normalize(text).split()
    out = [f"w:{w}" for w in words]
    out += [f"w:{a} {b}" for a, b in pairwise(words)]
    lo, hi = CHAR_NGRAMS
    for word in words:
        padded = f" {word} "
        for n in range(lo, hi + 1):
            if n > len(padded):
                break
            out += [f"c:{padded[i : i + n]}" for i in range(len(padded) - n + 1)]
    return out


class IntentModel:
    """A caller turn's intent with a probability, from the weights `train_intents.py` saves."""

    def __init__(
        self,
        labels: tuple[str, ...],
        vocabulary: dict[str, int],
        idf: npt.NDArray[np.float32],
        coef: npt.NDArray[np.float32],
        intercept: npt.NDArray[np.float32],
    ) -> None:
        self.labels = labels
        self._vocabulary = vocabulary
        self._idf = idf
        self._coef_t = np.ascontiguousarray(coef.T)  # features x intents: one row per feature
        self._intercept = intercept

    @classmethod
    def load(cls, path: Path | str = DEFAULT_MODEL) -> IntentModel:
        """Read a model saved by `scripts/train_intents.py` (plain arrays, no pickle)."""
        with np.load(Path(path), allow_pickle=False) as data:
            # Strings are stored as newline-joined UTF-8 bytes: smaller than numpy's fixed-width
            # unicode arrays, and no object arrays (which would need pickle).
            vocab = data["vocabulary"].tobytes().decode("utf-8").split("\n")
            return cls(
                labels=tuple(data["labels"].tobytes().decode("utf-8").split("\n")),
                vocabulary={v: i for i, v in enumerate(vocab)},
                idf=data["idf"].astype(np.float32),
                coef=data["coef"].astype(np.float32),
                intercept=data["intercept"].astype(np.float32),
            )

    def probabilities(self, text: str) -> npt.NDArray[np.float64]:
        """Each intent's probability (in `labels` order) for one transcript.

        Same arithmetic as scikit-learn's TfidfVectorizer(sublinear_tf=True, norm="l2") and
        LogisticRegression.predict_proba; a transcript with no known feature gets the priors.
        """
        counts: dict[int, int] = {}
        for feat in features(text):
            idx = self._vocabulary.get(feat)
            if idx is not None:
                counts[idx] = counts.get(idx, 0) + 1
        logits = self._intercept.astype(np.float64)
        if counts:
            rows = np.fromiter(counts, dtype=np.int64, count=len(counts))
            tf = np.array([1.0 + math.log(c) for c in counts.values()])
            weights = tf * self._idf[rows]
            weights /= np.linalg.norm(weights)
            logits = logits + weights @ self._coef_t[rows]
        exp = np.exp(logits - logits.max())
        return np.asarray(exp / exp.sum(), dtype=np.float64)

    def predict(self, text: str) -> tuple[str, float]:
        """The most probable intent and its probability."""
        probs = self.probabilities(text)
        best = int(probs.argmax())
        return self.labels[best], float(probs[best])

    def top(self, text: str, k: int = 3) -> list[tuple[str, float]]:
        """The `k` most probable intents, most probable first."""
        probs = self.probabilities(text)
        order = np.argsort(-probs)[:k]
        return [(self.labels[i], float(probs[i])) for i in order]
