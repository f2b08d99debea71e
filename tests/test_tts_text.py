"""Colombian text preparation: the same golden list serves every voice (pure, no audio)."""

from __future__ import annotations

import pytest

from voicebot.tts.text import clauses, digits_in_groups, head_and_rest, pronounced, speech_text

GOLDEN = [
    ("Cuesta $45.900", "Cuesta cuarenta y cinco mil novecientos pesos"),
    ("a $289.900.", "a doscientos ochenta y nueve mil novecientos pesos."),
    ("Es gratis desde 150.000 pesos", "Es gratis desde ciento cincuenta mil pesos"),
    ("Llame al 3001234567", "Llame al tres cero cero, uno dos tres, cuatro cinco seis siete"),
    ("Llame al +57 300 123 4567", "Llame al tres cero cero, uno dos tres, cuatro cinco seis siete"),
    ("o al (601) 234 5678.", "o al seis cero uno, dos tres cuatro, cinco seis siete ocho."),
    ("Pedido 45721", "Pedido cuatro cinco siete, dos uno"),
    ("Su pedido 45721, de zapatillas", "Su pedido cuatro cinco siete, dos uno, de zapatillas"),
    ("debe llegar el viernes 27 de noviembre", "debe llegar el viernes veintisiete de noviembre"),
    ("llega el 1 de diciembre", "llega el primero de diciembre"),
    ("de 9 a. m. a 8 p. m.", "de nueve de la mañana a ocho de la noche"),
    ("a las 2:30 p. m.", "a las dos y treinta de la tarde"),
    ("a la 1 p. m.", "a la una de la tarde"),
    ("hasta 30 días después", "hasta treinta días después"),
    ("tiene 21 días", "tiene veintiún días"),
    ("marque de 1 a 5", "marque de uno a cinco"),
    ("en 2 a 5 días hábiles", "en dos a cinco días hábiles"),
    ("con el número 124.", "con el número ciento veinticuatro."),
    ("un 10% de descuento", "un diez por ciento de descuento"),
    ("talla 40", "talla cuarenta"),
    ("Aquí tiene el enlace: https://tienda.example.co/p/1", "Aquí tiene el enlace: el enlace"),
    ("**Hola**", "Hola"),
    ("Recibimos PSE y Nequi", "Recibimos pe ese e y Nequi"),
    ("por SMS.", "por ese eme ese."),
    # a tracking code: letters spelled, digits in groups (the dialogue passes it unspaced)
    (
        "La guía es SER593837152.",
        "La guía es ese e erre, cinco nueve tres, ocho tres siete, uno cinco dos.",
    ),
]


@pytest.mark.parametrize(("written", "said"), GOLDEN)
def test_speech_text_golden(written: str, said: str) -> None:
    assert speech_text(written) == said


def test_no_digit_reaches_a_voice() -> None:
    for written, _ in GOLDEN:
        assert not any(c.isdigit() for c in speech_text(written)), written


def test_digits_in_groups_keeps_no_lonely_last_digit() -> None:
    assert digits_in_groups("3205550101") == "tres dos cero, cinco cinco cinco, cero uno cero uno"
    assert digits_in_groups("4417") == "cuatro cuatro uno siete"


def test_clauses_keep_the_written_text_and_split_at_pauses() -> None:
    pieces = clauses("Sí, tenemos tenis en talla 40, a $289.900. ¿Le envío el enlace?")
    assert [w for w, _ in pieces] == [
        "Sí, tenemos tenis en talla 40,",
        "a $289.900.",
        "¿Le envío el enlace?",
    ]
    assert pieces[1][1] == "a doscientos ochenta y nueve mil novecientos pesos."


def test_clauses_do_not_split_hours_or_grouped_numbers() -> None:
    pieces = clauses("Abrimos de 9 a. m. a 8 p. m. todos los días.")
    assert len(pieces) == 1 and pieces[0][1].startswith("Abrimos de nueve de la mañana")
    assert len(clauses("Cuesta 150.000 pesos.")) == 1


def test_a_lone_short_word_joins_the_next_clause() -> None:
    assert [w for w, _ in clauses("Listo, le envié el enlace. Gracias.")] == [
        "Listo, le envié el enlace.",
        "Gracias.",  # the last clause has nothing to join
    ]


def test_empty_clauses_are_dropped() -> None:
    assert clauses("") == [] and clauses("  ** ") == []


def test_a_long_first_clause_is_cut_where_a_phrase_starts() -> None:
    said = "Los domingos y festivos abrimos de diez de la mañana a seis de la tarde."
    assert head_and_rest(said) == (
        "Los domingos y festivos abrimos",
        "de diez de la mañana a seis de la tarde.",
    )
    assert head_and_rest("Con gusto lo reviso.") is None  # short: said whole
    assert head_and_rest("Supercalifragilisticoespialidoso " * 3) is None  # nowhere to cut


def test_pronunciations_replace_whole_names_only() -> None:
    lexicon = {"Nike": "Náik", "New Era": "Niú Era"}
    said = pronounced("Zapatillas Nike Court y gorra New Era, no Nikeland.", lexicon)
    assert said == "Zapatillas Náik Court y gorra Niú Era, no Nikeland."
    assert pronounced("unas nike", lexicon) == "unas nike"  # as written by the store: capitalized
