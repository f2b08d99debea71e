"""Redaction of personal data in free text (pure functions).

What is replaced, written or spoken ("cuatro uno uno uno…") or as Whisper writes it:

- payment cards (13-19 digits passing Luhn; separated by spaces, dashes, dots, slashes or
  non-breaking spaces; Whisper's thousands dots; a number split across two caller turns:
  `redact_lines`); digits read in groups of four as cards are ("4111 1111…", also a part of
  a card or one with a misheard digit that fails Luhn); digits after "tarjeta" → [tarjeta]
- CVV / security code after its cue, however worded ("los tres números de atrás son…", "el
  código de atrás") → [código]; a card's expiry after its cue ("vence 08/28") → [vencimiento]
- identity documents: cédula/NIT/documento/pasaporte after their cue (also a few words later),
  a bare or dotted 10-digit cédula (1.0xx.xxx.xxx), a passport number after its cue
  → [documento]
- phone numbers: Colombian mobiles (3xx) and landlines (60x) in any national or +57 format
  (spaces, dots, dashes, parentheses), and any foreign E.164 number (+CC…) → [teléfono]
- e-mail addresses, also spoken ("ana punto gómez arroba gmail punto com") → [correo]
- bank account numbers after their cue ("cuenta de ahorros…") → [cuenta]
- street addresses in the Colombian form (Calle/Carrera/Avenida… 45 # 12-34, apto) → [dirección]
- a name the caller gives after "me llamo", "mi nombre es", "a nombre de" → [nombre]

Kept on purpose: order and ticket numbers (5 digits), prices, sizes, dates, quantities, and
names said without one of those cues (no reliable name detection without a model; product
and brand names would suffer).
"""

from __future__ import annotations

import functools
import re

from voicebot.text import join_digit_groups, only_digits, spoken_numbers

_SEP = r"[ \-./\u00a0\u202f]"  # what people and Whisper put between digit groups
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_SPOKEN_EMAIL = re.compile(
    r"(?i)\b[\w.+-]+(?:\s+punto\s+[\w+-]+)*\s*(?:@|\barroba\b)\s*[\w-]+"
    r"(?:(?:\.|\s+punto\s+)[\w-]+)+"
)
_CARD = re.compile(rf"(?<![\d])(?:\d{_SEP}?){{12,18}}\d(?!\d)")
_BACK = r"(?:atr[aá]s|detr[aá]s|(?:la\s+)?parte\s+de\s+atr[aá]s|(?:el\s+)?respaldo)"
_CVV = re.compile(
    r"(?i)\b(cvv2?|cvc|cv2|c[oó]digo\s+de\s+(?:seguridad|verificaci[oó]n)"
    rf"|c[oó]digo\s+(?:de\s+)?{_BACK}|(?:n[uú]meros?|d[ií]gitos?)\s+de\s+{_BACK})"
    r"\D{0,40}?\d(?:\s?\d){2,3}(?!\d)"
)
_EXPIRY = re.compile(
    r"(?i)\b(fecha\s+de\s+(?:vencimiento|expiraci[oó]n|caducidad)|vencimiento|vence|expira)"
    r"\D{0,25}?(?<!\d)(?:0?[1-9]|1[0-2])\s?(?:[/\-.]|\s|del?\s)\s?(?:20)?\d{2}(?!\d)"
)
_FOURS = re.compile(r"(?<![\d.,$])\d{4}(?:[ \-\u00a0]\d{4}){1,4}(?![\d]|[.,]\d)")
_AFTER_CARD = re.compile(r"(?i)\b(tarjeta)\b(\D{0,30}?)\d(?:[\d .\-\u00a0]{2,24}\d)(?!\d)")
_ID_DOC = re.compile(
    r"(?i)\b(c[eé]dula(?:\s+de\s+(?:ciudadan[ií]a|extranjer[ií]a))?|c\.\s?c\.|\bcc\b|nit|"
    r"documento|identificaci[oó]n)\b\D{0,40}?\d(?:[\d.\- ]{4,14})\d(?!\d)"
)
_PASSPORT = re.compile(r"(?i)\b(pasaporte)\b\D{0,25}?\b[a-z]{0,3}\d[a-z\d]{4,10}\b")
_BARE_CEDULA = re.compile(r"(?<![\d.,$])1[.]?\d{3}[.]?\d{3}[.]?\d{3}(?![\d]|[.,]\d)")
_PHONE_CANDIDATE = re.compile(r"(?<![\w+])\+?\(?\d[\d .\-()\u00a0\u202f]{6,20}\d(?!\d)")
_FOREIGN = re.compile(r"(?<![\w])\+(?!57)[1-9]\d{0,2}[ .\-]?(?:\(?\d+\)?[ .\-]?){2,6}\d")
_ACCOUNT = re.compile(
    r"(?i)\b((?:n[uú]mero\s+de\s+)?cuenta\s+(?:de\s+ahorros|corriente|bancaria|n[uú]mero|"
    r"n\.?o\.?)|n[uú]mero\s+de\s+cuenta)\b\D{0,25}?\d[\d .\-]{4,22}\d(?!\d)"
)
_ADDRESS = re.compile(
    r"(?i)\b(?:calle|cll?\.?|carrera|cra\.?|kra\.?|kr\.?|avenida|av\.?|diagonal|dg\.?|"
    r"transversal|tv\.?|circular)\s+\d+\s?[a-z]?(?:\s+bis)?\s*(?:#|n[oº°]\.?|n[uú]mero)\s*"
    r"\d+\s?[a-z]?\s*[-–]\s*\d+(?:\s*,?\s*(?:apto\.?|apartamento|casa|interior|int\.?|torre)"
    r"\s*\d+)?"
)
_NAME = re.compile(
    r"(?i)\b(me\s+llamo|mi\s+nombre\s+es|a\s+nombre\s+de|habla\s+con)\s+"
    r"(?!un\b|una\b|el\b|la\b|los\b|las\b|mi\b|su\b|qui[eé]n\b|qu[eé]\b|cu[aá]l\b)[^\W\d_]+(?:\s+(?:de\s+(?:la\s+|los\s+)?)?"
    r"[^\W\d_]{2,}){0,3}"
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


def _is_card(digits: str) -> bool:
    return 13 <= len(digits) <= 19 and luhn_ok(digits)


def _card(match: re.Match[str]) -> str:
    return "[tarjeta]" if _is_card(only_digits(match.group(0))) else match.group(0)


def national_phone(digits: str) -> str | None:
    """The ten national digits of a Colombian mobile (3xx xxx xxxx) or landline
    (60x xxx xxxx), said with or without the country code 57, else None."""
    if digits.startswith("57") and len(digits) == 12:
        digits = digits[2:]
    if len(digits) == 10 and (digits[0] == "3" or digits.startswith("60")):
        return digits
    return None


def _phone(match: re.Match[str]) -> str:
    text = match.group(0)
    digits = only_digits(text)
    if text.startswith("+") and not (digits.startswith("57") and len(digits) == 12):
        return text  # +57 with a wrong length, or foreign: _FOREIGN decides
    return "[teléfono]" if national_phone(digits) else text


@functools.lru_cache(maxsize=4096)
def redact(text: str) -> str:
    """Replace personal data with labels an agent understands, also when it was spoken as
    words ("cuatro uno uno uno…"). Spoken numbers are only rewritten as digits when that
    reveals something to redact; otherwise the text keeps its words."""
    text = _redact_written(text)
    spoken = _digits_view(text)
    if spoken == text:
        return text
    redacted = _redact_written(spoken)
    return redacted if redacted != spoken else text


@functools.lru_cache(maxsize=4096)
def _digits_view(text: str) -> str:
    """Spoken numbers as digits, digit groups joined ("4111, 1111" -> "41111111"): groups of
    up to four, as card numbers are read ("cuatro mil ciento once, mil ciento once…")."""
    return join_digit_groups(spoken_numbers(text), longest=4)


def _redact_written(text: str) -> str:
    text = _SPOKEN_EMAIL.sub("[correo]", text)
    text = _EMAIL.sub("[correo]", text)
    text = _CVV.sub(lambda m: f"{m.group(1)} [código]", text)
    text = _EXPIRY.sub(lambda m: f"{m.group(1)} [vencimiento]", text)
    text = _ADDRESS.sub("[dirección]", text)
    text = _ACCOUNT.sub(lambda m: f"{m.group(1)} [cuenta]", text)
    text = _CARD.sub(_card, text)
    text = _FOURS.sub("[tarjeta]", text)  # read as a card is, whatever its checksum
    text = _AFTER_CARD.sub(lambda m: f"{m.group(1)}{m.group(2)}[tarjeta]", text)
    text = _PASSPORT.sub(lambda m: f"{m.group(1)} [documento]", text)
    text = _ID_DOC.sub(lambda m: f"{m.group(1)} [documento]", text)
    text = _FOREIGN.sub("[teléfono]", text)
    text = _PHONE_CANDIDATE.sub(_phone, text)
    text = _BARE_CEDULA.sub("[documento]", text)
    return _NAME.sub(lambda m: f"{m.group(1)} [nombre]", text)


_TAIL_DIGITS = re.compile(rf"(?:\d{_SEP}?)*\d\W*$")
_HEAD_DIGITS = re.compile(rf"^\D{{0,30}}?((?:\d{_SEP}?)*\d)")


def redact_lines(lines: list[str]) -> list[str]:
    """`redact` for consecutive caller turns, plus a card number split across two of them
    ("4111 1111" … "1111 1111"): both halves are replaced."""
    out = [redact(line) for line in lines]
    views = [_digits_view(line) for line in lines]
    for i in range(len(lines) - 1):
        tail = _TAIL_DIGITS.search(views[i])
        head = _HEAD_DIGITS.search(views[i + 1])
        if tail is None or head is None:
            continue
        digits = only_digits(tail.group(0) + head.group(1))
        if _is_card(digits):
            out[i] = redact(views[i][: tail.start()] + "[tarjeta]")
            out[i + 1] = redact(views[i + 1][: head.start(1)] + "[tarjeta]" +
                                views[i + 1][head.end(1):])  # fmt: skip
    return out


def redact_transcript(transcript: list[dict[str, str]]) -> list[dict[str, str]]:
    """A call's lines redacted; the caller's lines together (numbers split across turns)."""
    callers = [i for i, line in enumerate(transcript) if line["role"] == "caller"]
    redacted = redact_lines([transcript[i]["text"] for i in callers])
    out = [line | {"text": redact(line["text"])} for line in transcript]
    for i, text in zip(callers, redacted, strict=True):
        out[i] = transcript[i] | {"text": text}
    return out


def mask_phone(number: str) -> str:
    """+573001234567 -> +57 *** *** 4567: enough for an agent to confirm, not to copy."""
    digits = only_digits(number)
    return f"+{digits[:2]} *** *** {digits[-4:]}" if len(digits) >= 8 else "[teléfono]"
