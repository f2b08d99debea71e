import pytest

from voicebot.config import Settings
from voicebot.dialogue.llm import Message
from voicebot.dialogue.policy import Dialogue
from voicebot.governance.redaction import (
    luhn_ok,
    mask_phone,
    national_phone,
    redact,
    redact_lines,
    redact_transcript,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("mi tarjeta es 4111 1111 1111 1111", "mi tarjeta es [tarjeta]"),
        ("4111-1111-1111-1111 y el cvv 123", "[tarjeta] y el cvv [código]"),
        ("mi cédula es 1.020.345.678", "mi cédula [documento]"),
        ("llámeme al 300 123 4567", "llámeme al [teléfono]"),
        ("o al +57 3001234567", "o al [teléfono]"),
        ("escriba a ana.gomez@correo.com.co", "escriba a [correo]"),
        # spoken as words, as Whisper sometimes writes them
        ("mi tarjeta es cuatro uno uno uno uno uno uno uno uno uno uno uno uno uno uno uno",
         "mi tarjeta es [tarjeta]"),
        ("es la cuatro mil ciento once, mil ciento once, mil ciento once, mil ciento once",
         "es la [tarjeta]"),
        ("el código de seguridad es uno dos tres", "el código de seguridad [código]"),
        ("mi cédula es mil veinte millones trescientos cuarenta y cinco mil seiscientos "
         "setenta y ocho", "mi cédula [documento]"),
        ("llámeme al tres cero cero uno dos tres cuatro cinco seis siete", "llámeme al [teléfono]"),
        ("la tarjeta 4 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 y ya", "la tarjeta [tarjeta] y ya"),
    ],
)  # fmt: skip
def test_personal_data_is_redacted(text: str, expected: str) -> None:
    assert redact(text) == expected


def test_order_numbers_and_non_luhn_long_numbers_stay() -> None:
    assert redact("mi pedido 45721") == "mi pedido 45721"
    assert redact("pedido 1234567890123") == "pedido 1234567890123"  # fails Luhn
    # spoken numbers that are not personal data keep their words
    for kept in ("quiero dos camisetas y una gorra", "uno de los productos",
                 "el pedido cuatro cinco siete dos uno", "cuesta ochenta y nueve mil novecientos",
                 "la talla treinta y ocho, dos pares"):  # fmt: skip
        assert redact(kept) == kept


def test_luhn() -> None:
    assert luhn_ok("4111111111111111") and not luhn_ok("4111111111111112")


def test_mask_phone() -> None:
    assert mask_phone("+573001234567") == "+57 *** *** 4567"


# The golden list: what the product promises to redact (input, what must be gone, the label
# that replaces it), grown from how Whisper writes callers' turns. README: "Data protection".
MUST_REDACT = [
    # cards, any separator, as Whisper writes them
    ("mi tarjeta es 4111.1111.1111.1111", "4111", "[tarjeta]"),
    ("tarjeta 4111/1111/1111/1111", "1111", "[tarjeta]"),
    ("tarjeta 4111\u00a01111\u00a01111\u00a01111 gracias", "1111", "[tarjeta]"),
    ("el número es 4.111.111.111.111.111", "111.111", "[tarjeta]"),
    ("es la 5500 0000 0000 0004", "0004", "[tarjeta]"),
    ("3782 822463 10005 es mi american", "10005", "[tarjeta]"),
    # a part of a card, a misheard digit (fails Luhn), digits after "tarjeta", the expiry
    ("la tarjeta empieza por 4111 1111", "4111", "[tarjeta]"),
    ("empieza por 4111 1111", "1111", "[tarjeta]"),
    ("es 4111-1111-1111-1112", "1112", "[tarjeta]"),
    ("los últimos de la tarjeta son 1 1 1 2", "1 1 1 2", "[tarjeta]"),
    ("la fecha de vencimiento es 08 28", "08 28", "[vencimiento]"),
    ("vence el 08/2028", "08/2028", "[vencimiento]"),
    ("expira en 12 del 29", "12 del 29", "[vencimiento]"),
    ("el código de atrás es 123", "123", "[código]"),
    # CVV, however worded
    ("el código de seguridad de la tarjeta es 123", "123", "[código]"),
    ("los tres números de atrás son 4 5 6", "4 5 6", "[código]"),
    ("el cvv, el que está atrás, es 789", "789", "[código]"),
    ("código de verificación 0421", "0421", "[código]"),
    # identity documents
    ("1020345678", "1020345678", "[documento]"),
    ("soy el 1.020.345.678", "1.020.345.678", "[documento]"),
    ("mi cédula, como ya le había dicho, es 79.123.456", "79.123.456", "[documento]"),
    ("cédula de extranjería 4567890", "4567890", "[documento]"),
    ("el NIT 900.123.456-7 de la empresa", "900.123.456", "[documento]"),
    ("pasaporte número AB123456", "AB123456", "[documento]"),
    # phones: mobiles in any national format, landlines 60x, foreign E.164
    ("llámeme al 300.123.4567", "4567", "[teléfono]"),
    ("mi número es (300) 123 4567", "4567", "[teléfono]"),
    ("al 300 123 45 67 por favor", "45 67", "[teléfono]"),
    ("el fijo es 601 234 5678", "5678", "[teléfono]"),
    ("el fijo es (604) 2345678", "2345678", "[teléfono]"),
    ("+57 601 234 5678", "5678", "[teléfono]"),
    ("mi hermana en Miami, +1 305 555 0142", "0142", "[teléfono]"),
    ("en España: +34 612 34 56 78", "56 78", "[teléfono]"),
    ("llámeme al tres cero cero, uno dos tres, cuatro cinco seis siete", "siete", "[teléfono]"),
    # e-mails, also spoken
    ("es ana punto gomez arroba gmail punto com", "gomez", "[correo]"),
    ("carolina.martinez arroba hotmail.com", "martinez", "[correo]"),
    ("escriba a ANA@EXAMPLE.CO", "ANA@", "[correo]"),
    # beyond the old categories
    ("vivo en la Calle 45 # 12-34 apto 301", "12-34", "[dirección]"),
    ("envíelo a la carrera 7 No. 32-16", "32-16", "[dirección]"),
    ("mi cuenta de ahorros es 123-456789-01", "456789", "[cuenta]"),
    ("el número de cuenta 0123456789", "0123456789", "[cuenta]"),
    ("me llamo Ana María Gómez y tengo un problema", "Gómez", "[nombre]"),
    ("el pedido está a nombre de Jorge Pérez", "Pérez", "[nombre]"),
]

MUST_KEEP = [
    "mi pedido es el 45721",
    "el pedido 45.721 no ha llegado",
    "el pedido cuatro cinco siete dos uno",
    "pedido 1234567890123",  # 13 digits failing Luhn: not a card
    "cuesta $289.900 y el envío es gratis desde 150.000 pesos",
    "¿tienen la talla 38 en rojo? quiero dos pares",
    "me llegó el 27 de noviembre de 2026",
    "la guía es INT251699749",
    "quiero hablar con un asesor",
    "¿a nombre de quién está el pedido?",
    "la calle estaba cerrada y no pudieron entregar",
    "tengo una cuenta en la tienda",
    "cuesta un millón doscientos cincuenta mil",
    "entre las 9 y las 8 de la noche",
    "el número de la tarjeta no lo voy a dar",
    "quiero los tenis Adidas Runfalcon negros talla 42",
    "punto com no me abre la página",
    "la garantía vence en 2027",
    "el cambio vence el 15 de marzo",
    "pagué con tarjeta y no me llegó",
    "la talla 38 y la 40, dos pares",
]


@pytest.mark.parametrize(("text", "gone", "label"), MUST_REDACT)
def test_the_golden_list_is_redacted(text: str, gone: str, label: str) -> None:
    out = redact(text)
    assert gone not in out and label in out, out


@pytest.mark.parametrize("text", MUST_KEEP)
def test_the_golden_list_is_kept(text: str) -> None:
    assert redact(text) == text


def test_a_card_split_across_two_turns() -> None:
    lines = ["la tarjeta es 4111 1111", "1111 1111 y vence en diciembre"]
    out = redact_lines(lines)
    assert "1111" not in " ".join(out) and all("[tarjeta]" in line for line in out)
    spoken = ["cuatro uno uno uno, uno uno uno uno", "uno uno uno uno, uno uno uno uno"]
    assert all("uno" not in line for line in redact_lines(spoken))
    # two order numbers in a row are not a card
    assert redact_lines(["el 45721", "y el 45722"]) == ["el 45721", "y el 45722"]


def test_a_transcript_redacts_its_caller_turns_together() -> None:
    transcript = [
        {"role": "caller", "text": "mi tarjeta es 4111 1111"},
        {"role": "bot", "text": "Continúe, por favor."},
        {"role": "caller", "text": "1111 1111"},
    ]
    out = redact_transcript(transcript)
    assert [line["role"] for line in out] == ["caller", "bot", "caller"]
    assert "1111" not in str(out) and out[1]["text"] == "Continúe, por favor."


def test_the_model_prompt_is_redacted(settings: Settings) -> None:
    """What goes to the model (a server across the network, in production) is redacted."""
    dialogue = Dialogue(settings, model=None)  # type: ignore[arg-type]
    history = [Message("user", "mi cédula es 1020345678"), Message("assistant", "Gracias.")]
    messages = dialogue.messages(history, "mi tarjeta es 4111 1111 1111 1111, ¿sirve?")
    prompt = " ".join(m.content for m in messages)
    assert "1020345678" not in prompt and "4111" not in prompt
    assert "[tarjeta]" in prompt and "[documento]" in prompt


@pytest.mark.parametrize(
    ("digits", "national"),
    [("3151234567", "3151234567"), ("573151234567", "3151234567"), ("6015551234", "6015551234"),
     ("46345", None), ("2151234567", None), ("5731512345", None)],
)  # fmt: skip
def test_national_phone(digits: str, national: str | None) -> None:
    """One rule for a Colombian phone, shared by the redactor and the call back's number."""
    assert national_phone(digits) == national
