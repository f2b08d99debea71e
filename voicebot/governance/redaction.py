"""Redaction of personal data in free text: cards, CVV, cédula/NIT, phones, emails.

Pure functions; applied before anything is summarised or shown to an agent. Order numbers
that are not card numbers stay.
"""

from __future__ import annotations

import re

from text_to_num import alpha2digit

_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
# 13-19 digits, possibly grouped by spaces or dashes
_CARD = re.compile(r"(?<!\d)(?:\d[ -]?){12,18}\d(?!\d)")
_CVV = re.compile(r"(?i)\b(cvv|cvc|c[oó]digo de seguridad)\D{0,15}\d{3,4}\b")
_ID_DOC = re.compile(r"(?i)\b(c[eé]dula|c\.?c\.?|nit|documento)\D{0,15}[\d.\- ]{6,14}\d")
_PHONE = re.compile(
    r"(?<![\d])(?:\+?57[ -]?)?3\d{2}[ -]?\d{3}[ -]?\d{4}(?!\d)|\+57[ -]?\d[\d -]{6,12}\d"
)


def luhn_ok(digits: str) -> bool:
    """The Luhn checksum every payment card number passes."""
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def _card(match: re.Match[str]) -> str:
    digits = re.sub(r"\D", "", match.group(0))
    return "[tarjeta]" if 13 <= len(digits) <= 19 and luhn_ok(digits) else match.group(0)


# digits said in groups ("cuatro mil ciento once, mil ciento once…" -> "4111, 1111, …")
_DIGIT_RUN = re.compile(r"\b\d{1,4}(?:(?:[ -]|, )\d{1,4})+\b")


def redact(text: str) -> str:
    """Replace personal data with labels an agent understands, also when it was spoken as
    words ("cuatro uno uno uno…"). Spoken numbers are only rewritten as digits when that
    reveals something to redact; otherwise the text keeps its words."""
    text = _redact_written(text)
    spoken = _DIGIT_RUN.sub(lambda m: re.sub(r"\D", "", m.group(0)), alpha2digit(text, "es"))
    if spoken == text:
        return text
    redacted = _redact_written(spoken)
    return redacted if redacted != spoken else text


def _redact_written(text: str) -> str:
    text = _EMAIL.sub("[correo]", text)
    text = _CVV.sub(lambda m: f"{m.group(1)} [código]", text)
    text = _CARD.sub(_card, text)
    text = _ID_DOC.sub(lambda m: f"{m.group(1)} [documento]", text)
    return _PHONE.sub("[teléfono]", text)


def mask_phone(number: str) -> str:
    """+573001234567 -> +57 *** *** 4567: enough for an agent to confirm, not to copy."""
    digits = re.sub(r"\D", "", number)
    return f"+{digits[:2]} *** *** {digits[-4:]}" if len(digits) >= 8 else "[teléfono]"
