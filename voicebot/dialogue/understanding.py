"""Spanish understanding around the model: numbers, phones, sizes, colours, yes/no, intents.

Pure functions over the caller's transcript. Spoken numbers become digits with `text2num`
("cuatro cinco siete dos uno" -> 45721, "cuarenta y dos" -> 42); phone numbers are parsed with
`phonenumbers` for Colombia. Nothing here guesses: a slot that is not clearly in the words is None
and the dialogue asks for it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

import phonenumbers
from text_to_num import alpha2digit

from voicebot.store.search import ProductQuery, fold

RetailIntent = Literal[
    "store_info",  # hours, shipping costs, payment: the store facts in config (model answers)
    "order_status",
    "product_search",
    "return",
    "complaint",
    "callback",
    "cart",
    "send_link",
]

# Ordered: the first intent whose cue appears wins ("quiero devolver el pedido" is a return).
INTENT_CUES: list[tuple[RetailIntent, list[str]]] = [
    ("store_info", ["horario", "a que hora", "cuanto vale el envio", "cuanto cuesta el envio",
                    "costo del envio", "valor del envio", "envio gratis", "medios de pago",
                    "formas de pago", "como puedo pagar", "donde queda", "direccion de la tienda",
                    "politica de devolucion", "plazo para devolver", "plazo de devolucion",
                    "cuantos dias tengo", "cuanto tiempo tengo", "hacen envios",
                    "envian a"]),
    ("return", ["devolver", "devolucion", "devolverlo", "devolverla", "cambiar", "cambio de talla",
                "garantia", "reembolso"]),
    ("complaint", ["queja", "reclamo", "poner una queja", "llego danado", "llego roto",
                   "llego incompleto"]),
    ("callback", ["me llamen", "me llamen despues", "llamenme", "devuelvan la llamada",
                  "me devuelvan la llamada", "que me llame"]),
    ("cart", ["carrito", "mi compra pendiente", "terminar la compra", "completar la compra"]),
    ("send_link", ["mandeme el enlace", "envieme el enlace", "mandeme el link", "envieme el link",
                   "por mensaje", "por whatsapp"]),
    ("order_status", ["pedido", "orden", "mi compra", "envio", "paquete", "domicilio", "guia",
                      "no ha llegado", "no me ha llegado", "cuando llega", "donde esta"]),
    ("product_search", ["tienen", "busco", "buscando", "necesito", "quiero comprar",
                        "cuanto vale", "cuanto cuesta", "cuanto valen", "cuanto cuestan", "precio",
                        "venden", "hay", "disponible", "quisiera comprar", "me interesa"]),
]  # fmt: skip

YES = ["si", "claro", "dale", "listo", "de acuerdo", "por favor", "bueno", "correcto", "exacto",
       "confirmo", "hagale", "perfecto", "eso", "ok", "okey", "sisas", "afirmativo",
       "me interesa"]  # fmt: skip
UNSURE = ["no se", "no estoy seguro", "no estoy segura", "no recuerdo", "tal vez", "quizas"]
NO = ["no", "todavia no", "ahora no", "nada", "negativo", "mejor no", "no gracias"]

# Colour words by their canonical catalogue form; caller forms include gender and number.
COLORS: dict[str, list[str]] = {
    "negro": ["negro", "negra", "negros", "negras"],
    "blanco": ["blanco", "blanca", "blancos", "blancas"],
    "azul": ["azul", "azules"],
    "rojo": ["rojo", "roja", "rojos", "rojas"],
    "gris": ["gris", "grises"],
    "verde": ["verde", "verdes"],
    "beige": ["beige", "beis", "crema"],
    "rosado": ["rosado", "rosada", "rosados", "rosadas", "rosa"],
}
_LETTER_SIZES = {"xs": "XS", "s": "S", "m": "M", "l": "L", "xl": "XL", "ese": "S", "eme": "M",
                 "ele": "L", "equis ele": "XL", "extra grande": "XL", "grande": "L",
                 "mediana": "M", "pequena": "S", "extra pequena": "XS"}  # fmt: skip


def digits(text: str) -> str:
    """The transcript with spoken numbers as digits; spaced single digits are joined."""
    out = alpha2digit(text, "es")
    # "4 5 7 2 1", "4, 5, 7, 2, 1" or "45 721" (how Whisper writes digits said one by one)
    # is one number when it is a run of short groups.
    return re.sub(
        r"\b\d{1,3}(?:(?:[ -]|, )\d{1,3}){1,}\b", lambda m: re.sub(r"[ ,-]", "", m.group(0)), out
    )


def words(text: str) -> str:
    """Folded words (no accents, lower case), padded for whole-word tests."""
    return f" {fold(text)} "


def has_any(text: str, cues: list[str]) -> bool:
    padded = words(text)
    return any(f" {fold(c)} " in padded for c in cues)


_SHIPPING_COST = ["cuanto", "costo", "cuesta", "vale", "gratis", "precio", "tarifa", "cobran"]


def retail_intent(text: str) -> RetailIntent | None:
    # "¿cuánto (cuesta) el envío?" is shipping policy, even when ASR garbles the verb.
    if has_any(text, ["envio", "envios", "domicilio"]) and has_any(text, _SHIPPING_COST):
        return "store_info"
    return next((intent for intent, cues in INTENT_CUES if has_any(text, cues)), None)


# A turn whose last word is one of these is not over: "quiero saber el estado de...".
_DANGLING = frozenset(
    """y o u e ni pero que porque pues entonces como cuando donde cual cuanto cuanta el la los
    las un una unos unas lo al del de a en con para por sin sobre desde hasta entre mi mis su sus
    tu tus este esta ese esa es son estoy tengo quiero quisiera necesito busco me se le les nos
    te muy mas eh em mm mmm ehh aja sea digamos""".split()
)
_WANTING = frozenset("quiero quisiera queria necesito puedo podria gustaria voy va vamos".split())
_NUMBER_WORDS = frozenset(
    """cero uno una dos tres cuatro cinco seis siete ocho nueve diez once doce trece catorce
    quince veinte treinta cuarenta cincuenta sesenta setenta ochenta noventa cien ciento mil
    millon millones""".split()
)


def sounds_finished(text: str) -> bool:
    """Whether a transcript reads as a whole turn, so the bot may answer before the full
    end-of-turn silence: not when it trails off ("...", ",") or ends on a connector, an article,
    a hesitation or a number (callers dictate order and phone numbers in groups)."""
    stripped = text.strip()
    folded = fold(stripped).split()
    if not folded or stripped.endswith(("...", "…", ",", "-", ";", ":")):
        return False
    last = folded[-1]
    number = last in _NUMBER_WORDS or any(c.isdigit() for c in last)
    # "quiero saber", "necesito cambiar": an infinitive still waiting for its object
    wants = len(folded) > 1 and folded[-2] in _WANTING and last.endswith(("ar", "er", "ir"))
    return last not in _DANGLING and not number and not wants


def yes_no(text: str) -> bool | None:
    """True for a clear yes, False for a clear no, None otherwise (unclear is not consent)."""
    folded = fold(text).split()
    if not folded:
        return None
    head = " ".join(folded[:3])
    if has_any(head, UNSURE):
        return None
    if has_any(head, NO) or head.startswith("no "):
        return False
    if has_any(head, YES):
        return True
    return None


def order_number(text: str, length: tuple[int, int] = (5, 8)) -> str | None:
    """A run of 5 to 8 digits (order numbers here); phone numbers are longer, so not taken."""
    spoken = re.sub(_PRICE, " ", fold(digits(text).replace(".", "")))
    candidates = re.findall(r"\d+", spoken)
    found = [c for c in candidates if length[0] <= len(c) <= length[1]]
    return found[-1] if found else None


_PRICE = r"\b(?:menos de|hasta|maximo|no mas de|por debajo de)?\s*\d+\s*(?:mil|pesos)\b"


def e164(phone: str) -> str:
    """A Colombian or international number as typed, in E.164, or ValueError."""
    try:
        number = phonenumbers.parse(phone, "CO")
    except phonenumbers.NumberParseException as exc:
        raise ValueError(f"not a phone number: {phone!r}") from exc
    if not phonenumbers.is_valid_number(number):
        raise ValueError(f"not a valid phone number: {phone!r}")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def phone_number(text: str) -> str | None:
    """An E.164 Colombian phone number said in the turn, if any."""
    for match in phonenumbers.PhoneNumberMatcher(digits(text), "CO"):
        if phonenumbers.is_valid_number(match.number):
            return phonenumbers.format_number(match.number, phonenumbers.PhoneNumberFormat.E164)
    return None


def size(text: str) -> str | None:
    folded = fold(digits(text))
    m = re.search(
        r"\b(?:talla|numero|size)\s+(\d{1,2}|xs|xl|s|m|l|ese|eme|ele|equis ele)\b", folded
    )
    if m:
        return _LETTER_SIZES.get(m.group(1), m.group(1).upper())
    m = re.search(r"\btalla\s+(extra grande|extra pequena|grande|mediana|pequena)\b", folded)
    return _LETTER_SIZES[m.group(1)] if m else None


def color(text: str) -> str | None:
    padded = words(text)
    return next(
        (canon for canon, forms in COLORS.items() if any(f" {f} " in padded for f in forms)), None
    )


def max_price(text: str) -> int | None:
    """'menos de doscientos mil', 'hasta 150.000 pesos', 'máximo 300 mil'."""
    folded = fold(digits(text).replace(".", ""))
    m = re.search(r"\b(?:menos de|hasta|maximo|no mas de|por debajo de)\s+(\d+)(\s+mil)?", folded)
    if not m:
        return None
    value = int(m.group(1)) * (1000 if m.group(2) else 1)
    return value if value >= 1000 else value * 1000  # "hasta 200" means 200 mil here


def product_query(text: str) -> ProductQuery:
    """The caller's words as a catalogue query with its filters."""
    found_color = color(text)
    found_size = size(text)
    terms = re.sub(r"\btalla\s+\S+", " ", fold(digits(text)))
    if found_color:
        for form in COLORS[found_color]:
            terms = re.sub(rf"\b{form}\b", " ", terms)
    return ProductQuery(terms, found_size, found_color, max_price(text))


@dataclass(frozen=True, slots=True)
class Slots:
    """Everything a turn carried that the retail tools can use."""

    intent: RetailIntent | None
    order_number: str | None
    phone: str | None
    answer: bool | None


def understand(text: str) -> Slots:
    return Slots(retail_intent(text), order_number(text), phone_number(text), yes_no(text))
