"""The caller's words as text to compare: normalisation, phrase matching and digits (pure).

Every module that compares words uses these, so a phrase means the same everywhere:

- `normalize`: lower case, no punctuation, single spaces; accents kept (text as written:
  transcripts against references, Whisper's known hallucinations, KPI word counts).
- `fold`: `normalize` without accents ("Sí, está" -> "si esta"): the form every cue, keyword
  and catalogue word is matched in, because Whisper writes accents inconsistently and ops
  write YAML keywords with or without them.
- `has_phrase`: whole-word phrase matching on folded text ("persona" is not in
  "personalizado").
- `digits`: spoken numbers as digits ("cuatro cinco siete dos uno" -> "45721"), with the
  digit groups Whisper writes for digits said one by one joined.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterable

from text_to_num import alpha2digit

_PUNCT = re.compile(r"[^\w\s]", re.UNICODE)
_NON_DIGIT = re.compile(r"\D")
_NUMBER = re.compile(r"\d+")
# Digit groups joined by a space, a dash or ", " ("4 5 7 2 1", "4, 5, 7, 2, 1", "45-721"), by
# the longest group allowed: 3 for order numbers, 4 for cards read in fours.
_GROUPS = {
    longest: re.compile(rf"\b\d{{1,{longest}}}(?:(?:[ -]|, )\d{{1,{longest}}})+\b")
    for longest in (3, 4)
}
# Single digits with bare commas ("4,5,1,7,3"): Whisper's way with digits said quickly. Three
# or more, so a decimal comma ("1,5") is left alone.
_COMMA_DIGITS = re.compile(r"\b\d(?:,\d){2,}\b")
# Groups of up to four digits joined by dashes, five digits or more in all ("4667-0",
# "300-123-4567"): Whisper's hyphen splits one number said aloud, never a range that long
_DASHED = re.compile(r"\b\d{1,4}(?:-\d{1,4})+\b")


def _dashed(m: re.Match[str]) -> str:
    joined = only_digits(m.group(0))
    return joined if len(joined) >= 5 else m.group(0)


def normalize(text: str) -> str:
    """Lower case, punctuation as spaces, single spaces; accents kept."""
    return " ".join(_PUNCT.sub(" ", text.lower()).split())


@functools.lru_cache(maxsize=8192)
def fold(text: str) -> str:
    """Lower case without accents or punctuation: the form every word comparison uses.
    Idempotent, so folding folded text again is harmless (and cached, so it is free)."""
    text = unicodedata.normalize("NFKD", text.lower())
    text = "".join(c for c in text if not unicodedata.combining(c))
    return " ".join("".join(c if c.isalnum() else " " for c in text).split())


def has_phrase(text: str, phrases: Iterable[str]) -> bool:
    """Whether any of `phrases` occurs in `text` as whole words, ignoring case, accents and
    punctuation ("Comuníqueme con un asesor" has "asesor"; "Personalizado" has no "persona").
    An empty phrase matches nothing."""
    padded = f" {fold(text)} "
    return any(f" {p} " in padded for p in map(fold, phrases) if p)


# "un/una/unos/unas" before a word are articles: after dictated digits text2num reads them
# as a 1 ("tres cero dos siete siete, unas zapatillas" -> "302771"). Still numbers: after "y"
# ("cuarenta y una") and before "mil"/"millón".
_ARTICLE = re.compile(
    r"(?<![yY] )\b(un|una|unos|unas)\b(?=[\s,]+(?!mil\b|mill[oó]n)[^\W\d_])", re.IGNORECASE
)


@functools.lru_cache(maxsize=4096)
def spoken_numbers(text: str) -> str:
    """Spanish number words as digits ("cuarenta y dos" -> "42"); the rest unchanged."""
    parts = _ARTICLE.split(text)  # text, article, text, ...: the articles are left as words
    return "".join(p if i % 2 else alpha2digit(p, "es") for i, p in enumerate(parts))


def join_digit_groups(text: str, longest: int = 3) -> str:
    """Runs of short digit groups as one number ("45 721" -> "45721"): how Whisper writes
    digits said one by one. `longest` is 3 or 4 (the longest group taken as part of a run)."""
    text = _COMMA_DIGITS.sub(lambda m: only_digits(m.group(0)), text)
    text = _DASHED.sub(_dashed, text)
    return _GROUPS[longest].sub(lambda m: only_digits(m.group(0)), text)


# Whisper writes "trescientos setenta y nueve" as "370 y 9": tens, "y", a unit are one number
_TENS_AND_UNIT = re.compile(r"\b(\d*[1-9]0) y ([1-9])\b")


# A group said again at once ("46, 538, no, perdón, 583"): the second replaces the first when
# it is as long (a different length is another number, not the slip mended)
_SELF_CORRECTED = re.compile(
    r"\b(\d+)[,.…]*\s+no[,.…]*\s+(?:perd[oó]n|perdone|disculpe|mentiras|digo|mejor|"
    r"me equivoqu[eé])[,.…]*\s+(?:es\s+)?(?:el\s+)?(\d+)\b",
    re.IGNORECASE,
)
# "sesenta y cinco, sesenta y dos" written "65x62": two pairs of a dictated number
_X_PAIRS = re.compile(r"\b(\d\d)x(\d\d)\b")


def _corrected(m: re.Match[str]) -> str:
    return m[2] if len(m[1]) == len(m[2]) else m[0]


def digits(text: str) -> str:
    """The transcript with spoken numbers as digits; digits said one by one joined."""
    said = _X_PAIRS.sub(r"\1 \2", _SELF_CORRECTED.sub(_corrected, spoken_numbers(text)))
    said = _TENS_AND_UNIT.sub(lambda m: str(int(m[1]) + int(m[2])), said)
    return join_digit_groups(said)


def only_digits(text: str) -> str:
    """Every digit in the text, nothing else ("+57 300-123" -> "57300123")."""
    return _NON_DIGIT.sub("", text)


def numbers(text: str) -> list[str]:
    """The digit runs in the text, in order ("pedido 45721, talla 42" -> ["45721", "42"])."""
    return _NUMBER.findall(text)
