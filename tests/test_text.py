"""The one text module: normalisation, phrase matching and digits (pure, no event loop)."""

from __future__ import annotations

import pytest

from voicebot.text import (
    digits,
    fold,
    has_phrase,
    join_digit_groups,
    normalize,
    numbers,
    only_digits,
    spoken_numbers,
)

pytestmark = pytest.mark.fast


def test_normalize_keeps_accents_fold_drops_them() -> None:
    assert normalize("¿Dónde está mi PEDIDO?") == "dónde está mi pedido"
    assert fold("¿Dónde está mi PEDIDO?") == "donde esta mi pedido"
    assert fold("Pequeña, talla-M") == "pequena talla m"
    assert fold("  ") == ""


@pytest.mark.parametrize("text", ["Sí, está bien.", "ÑANDÚ_rojo!", "comuníqueme   ya"])
def test_fold_is_idempotent(text: str) -> None:
    assert fold(fold(text)) == fold(text)


@pytest.mark.parametrize(
    ("text", "phrases", "found"),
    [
        ("Comuníqueme con un asesor", ["asesor"], True),
        ("comuniqueme con un asesor", ["asesór"], True),  # accents ignored on both sides
        ("¿Me pasa con UNA PERSONA?", ["una persona"], True),  # case and punctuation too
        ("Personalizado", ["persona"], False),  # whole words only
        ("quiero una persona", ["", " "], False),  # an empty phrase matches nothing
        ("qué rabia", ["que rabia"], True),
        ("", ["asesor"], False),
    ],
)
def test_has_phrase(text: str, phrases: list[str], found: bool) -> None:
    assert has_phrase(text, phrases) is found


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("cuatro cinco siete dos uno", "45721"),
        ("4 5 7 2 1", "45721"),
        ("4, 5, 7, 2, 1", "45721"),
        ("45-721", "45721"),
        ("4,5,1,7,3", "45173"),  # regression: Whisper's bare commas between quick digits
        ("pesa 1,5 kilos", "pesa 1,5 kilos"),  # a decimal comma stays
        ("talla cuarenta y dos", "talla 42"),
        # regression: an article after dictated digits was read as a 1 ("…771 zapatillas")
        ("tres cero dos siete siete, unas zapatillas", "30277, unas zapatillas"),
        ("el cuatro cinco uno cero seis, una camisa", "el 45106, una camisa"),
        ("cuatro cinco uno, un reloj", "451, un reloj"),
        ("cuarenta y una", "41"),  # still a number after "y"
        ("un millón de pesos", "1000000 de pesos"),
        ("uno, cuatro, cinco", "145"),
        ("sin números", "sin números"),
    ],
)
def test_digits(text: str, expected: str) -> None:
    assert digits(text) == expected


def test_digit_helpers() -> None:
    assert spoken_numbers("cuarenta y dos") == "42"
    # groups of four (cards read in fours) only join with longest=4
    assert join_digit_groups("4111 1111") == "4111 1111"
    assert join_digit_groups("4111 1111", longest=4) == "41111111"
    assert only_digits("+57 (300) 123-4567") == "573001234567"
    assert numbers("pedido 45721, talla 42") == ["45721", "42"]
