"""Colombian text preparation, one place for every voice.

Every voice (Kokoro, Pico, espeak-ng, Piper) reads the same prepared text, so a price, an order
number or an hour sounds the same whoever says it: no digit reaches a voice's own number
reading. Pure functions, tested without audio (`tests/test_tts_text.py`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from num2words import num2words

_DIGIT_WORDS = ["cero", "uno", "dos", "tres", "cuatro", "cinco", "seis", "siete", "ocho", "nueve"]
_MONTHS = (
    "enero|febrero|marzo|abril|mayo|junio|julio|agosto|septiembre|setiembre|octubre|"
    "noviembre|diciembre"
)
# `$45.900` and `$45900` are pesos; `.` groups thousands in Colombia.
_PRICE = re.compile(r"\$\s?(\d{1,3}(?:\.\d{3})+|\d+)(?!\d)")
_GROUPED = re.compile(r"(?<![\d.])\d{1,3}(?:\.\d{3})+(?![\d.]*\d)")
# A phone number written with separators: +57 300 123 4567, (601) 234 5678, 300-123-4567.
_PHONE = re.compile(r"(?:\+\d{1,3}[\s.-]?)?\(?(\d{3})\)?[\s.-](\d{3})[\s.-]?(\d{4})\b")
_LONG_NUMBER = re.compile(r"\b\d{5,}\b")
# A code of letters and digits, as carriers' tracking codes: "SER593837152", "ENV-45721".
_CODE = re.compile(r"\b([A-ZÑ]{1,4})-?(\d{4,})\b")
_FIRST_OF_MONTH = re.compile(rf"\b1 de ({_MONTHS})\b", re.IGNORECASE)
_CLOCK = re.compile(r"\b(\d{1,2})(?::(\d{2}))?\s?([ap])\.?\s?m\.?(?=\W|$)", re.IGNORECASE)
_NUMBER = re.compile(r"\b\d+(?:,\d+)?\b")
_PERCENT = re.compile(r"\s?%")
_NOT_NOUNS = {"a", "al", "de", "del", "e", "en", "o", "u", "y", "por", "para", "con", "hasta"}
# Initialisms are spelled as Colombians say them: PSE is "pe ese e", SMS "ese eme ese".
_INITIALISM = re.compile(r"\b[A-ZÑ]{2,4}\b")
_LETTERS = dict(
    zip(
        "ABCDEFGHIJKLMNÑOPQRSTUVWXYZ",
        "a,be,ce,de,e,efe,ge,hache,i,jota,ka,ele,eme,ene,eñe,o,pe,cu,erre,ese,te,u,uve,doble uve,"
        "equis,ye,zeta".split(","),
        strict=True,
    )
)
_URL = re.compile(r"https?://\S+")
# A clause ends at punctuation followed by a space (not the dot inside "45.900", nor "a. m.").
_CLAUSE_END = re.compile(r"(?<=[,;:.!?…])(?<!\s[ap]\.)(?<![ap]\.\sm\.)\s+")


def digits_in_groups(number: str) -> str:
    """Long numbers (orders, phones) digit by digit in groups of three, as Colombians dictate:
    `3001234567` -> "tres cero cero, uno dos tres, cuatro cinco seis siete"."""
    groups = [number[i : i + 3] for i in range(0, len(number), 3)]
    if len(groups) > 1 and len(groups[-1]) == 1:  # 300 123 4567, not 300 123 456 7
        groups[-2:] = [groups[-2] + groups[-1]]
    return ", ".join(" ".join(_DIGIT_WORDS[int(d)] for d in g) for g in groups)


def _spelled(letters: str) -> str:
    return " ".join(_LETTERS[c] for c in letters)


def _words(value: int) -> str:
    return str(num2words(value, lang="es"))


def _clock(m: re.Match[str]) -> str:
    hour, minutes, half = int(m.group(1)), m.group(2), m.group(3).lower()
    said = "una" if hour == 1 else _words(hour)
    if minutes and int(minutes):
        said += f" y {_words(int(minutes))}"
    if half == "a":
        return f"{said} de la mañana"
    if hour == 12:
        return f"{said} del mediodía"
    return f"{said} de la {'tarde' if hour < 7 else 'noche'}"


def _cardinal(m: re.Match[str]) -> str:
    text = m.group(0)
    if "," in text:  # 2,5 -> "dos coma cinco"
        whole, frac = text.split(",")
        return f"{_words(int(whole))} coma {' '.join(_DIGIT_WORDS[int(d)] for d in frac)}"
    words = _words(int(text))
    # "21 días" is "veintiún días": "uno" shortens before the noun it counts ("de 1 a 5" not).
    after = m.string[m.end() :].split(maxsplit=1)
    if words.endswith("uno") and after and after[0].isalpha() and after[0] not in _NOT_NOUNS:
        words = words[:-3] + ("ún" if words != "uno" else "un")
    return words


def pronounced(text: str, lexicon: Mapping[str, str]) -> str:
    """Prepared text with the ops' pronunciations (`tts.pronunciations`): a name written one
    way and said another, as whole words, case-sensitive ("Nike" said "Náik", as Colombians
    do; Spanish letter-to-sound reads it "ni-ke", which listeners hear as "ni que")."""
    for written, said in lexicon.items():
        text = re.sub(rf"(?<!\w){re.escape(written)}(?!\w)", said, text)
    return text


def speech_text(text: str) -> str:
    """Text as a Colombian says it aloud: prices in pesos, order and phone numbers digit by
    digit in groups, codes ("SER593837152") spelled then in groups, "1 de diciembre" as
    "primero", hours of the day, every number in words."""
    text = _URL.sub("el enlace", text)
    text = _PRICE.sub(lambda m: f"{_words(int(m.group(1).replace('.', '')))} pesos", text)
    text = _PHONE.sub(lambda m: digits_in_groups("".join(m.groups())), text)
    text = _CODE.sub(lambda m: f"{_spelled(m.group(1))}, {digits_in_groups(m.group(2))}", text)
    text = _LONG_NUMBER.sub(lambda m: digits_in_groups(m.group(0)), text)
    text = _GROUPED.sub(lambda m: _words(int(m.group(0).replace(".", ""))), text)
    text = _FIRST_OF_MONTH.sub(lambda m: f"primero de {m.group(1)}", text)
    text = _CLOCK.sub(_clock, text)
    text = _PERCENT.sub(" por ciento", text)
    text = _INITIALISM.sub(lambda m: _spelled(m.group(0)), text)
    text = _NUMBER.sub(_cardinal, text)
    text = text.replace("*", "").replace("#", "").replace("&", " y ")
    return re.sub(r"\s+", " ", text).strip()


def clauses(text: str, shortest: int = 12) -> list[tuple[str, str]]:
    """Split text where a voice may pause (after , ; : . ! ? …), so the first clause can play
    while the next is synthesized: (the clause as written, the clause prepared for speech).
    A clause shorter than `shortest` characters ("Sí,", "Listo,") joins the next one: a
    neural voice says a lone short word badly."""
    pieces = [(c, said) for c in _CLAUSE_END.split(text) if (said := speech_text(c.strip()))]
    joined: list[tuple[str, str]] = []
    for written, said in pieces:
        if joined and len(joined[-1][1]) < shortest:
            last = joined.pop()
            written, said = f"{last[0].strip()} {written.strip()}", f"{last[1]} {said}"
        joined.append((written.strip(), said))
    return joined


# Words a phrase may start with: a long clause is cut before one of them.
_PHRASE_STARTS = {
    "a", "al", "como", "con", "de", "del", "desde", "en", "entre", "hasta", "o", "para", "pero",
    "por", "porque", "que", "si", "sin", "y",
}  # fmt: skip


def head_and_rest(said: str, longest: int = 40, aim: int = 20) -> tuple[str, str] | None:
    """A long first clause cut where a phrase starts (before "de", "a", "que"...), so a short
    head plays while the rest renders: about `aim` characters, at most `longest`. None when
    the clause is short enough or has no place to cut."""
    if len(said) <= longest:
        return None
    words = said.split()
    cut, length = None, 0
    for i, word in enumerate(words[:-2], start=1):  # the rest keeps two words at least
        length += len(word) + 1
        if length >= aim and words[i].lower() in _PHRASE_STARTS:
            cut = i
            break
        if length > longest:
            break
    if cut is None:
        return None
    return " ".join(words[:cut]), " ".join(words[cut:])
