import pytest

from voicebot.governance.redaction import luhn_ok, mask_phone, redact


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
