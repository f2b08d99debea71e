"""Spanish understanding around the model: one caller turn, understood once.

`understand` reads a transcript into an `Understanding` (frozen): the folded words, the numbers
as digits, the intent with its confidence, the config's keyword rule, and the slots the retail
tools use (order number, phone, yes/no, product query with size, colour and price ceiling).
The dialogue (`policy.py`, `retail.py`) and the product search consume that result; nothing
downstream parses the words again.

Spoken numbers become digits with `text2num` ("cuatro cinco siete dos uno" -> 45721, "cuarenta
y dos" -> 42); phone numbers are parsed with `phonenumbers` for Colombia. Nothing here guesses:
a slot that is not clearly in the words is None and the dialogue asks for it.

The intent comes from an `IntentClassifier` passed to `understand`: the keyword cues
(`keyword_intent`), or the trained model (`TrainedIntents`, voicebot/dialogue/intents.py) with
the cues behind it when it is not sure. The keyword rules of the config (transfer, sensitive
topic, frustration, goodbye) stay rules: they never depend on a model, and they win.

Card data said aloud (`Understanding.card`) blanks the number slots: a card's digits are never
an order or phone number, so nothing downstream can look them up or read them back.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal, Protocol

import phonenumbers

from voicebot.governance.redaction import luhn_ok, national_phone
from voicebot.store.search import ProductQuery
from voicebot.text import (
    digits,
    fold,
    has_phrase,
    join_digit_groups,
    numbers,
    only_digits,
    spoken_numbers,
)

RetailIntent = Literal[
    "store_info",  # hours, address, policies: the store facts in config (FAQ, else the model)
    "order_status",
    "product_search",
    "return",
    "complaint",
    "callback",
    "cart",
    "send_link",
    "price",  # "¿cuánto cuesta?": of the product named, or of the one just talked about
    "stock",  # a size, colour or quantity: of the product named, or of the last one
    "payment",  # payment methods or problems: the FAQ and the payment link
    "shipping",  # shipping costs, coverage, times in general: the FAQ
    "data_rights",  # Ley 1581: see, correct or erase one's data
    "person",  # a person, in any words
    "goodbye",  # thanks and goodbye
    "out_of_scope",  # nothing a store answers
    "other_language",  # English (or another language): the line is in Spanish
]

# Ordered: the first intent whose cue appears wins ("quiero devolver el pedido" is a return).
INTENT_CUES: list[tuple[RetailIntent, list[str]]] = [
    ("data_rights", ["borren mis datos", "borrar mis datos", "eliminen mis datos",
                     "eliminar mis datos", "que datos tienen", "mis datos personales",
                     "habeas data", "proteccion de datos", "actualizar mis datos",
                     "dejen de mandarme", "no me manden mas", "no me vuelvan a escribir",
                     # "¿qué información tienen guardada de mí?"
                     "informacion tienen", "tienen guardada", "tienen guardado",
                     "tienen guardados", "tienen guardadas", "informacion mia", "mi informacion",
                     "datos mios", "que informacion"]),
    ("store_info", ["horario", "a que hora", "cuanto vale el envio", "cuanto cuesta el envio",
                    "costo del envio", "valor del envio", "envio gratis", "medios de pago",
                    "formas de pago", "como puedo pagar", "donde queda", "direccion de la tienda",
                    "politica de devolucion", "plazo para devolver", "plazo de devolucion",
                    "cuantos dias tengo", "cuanto tiempo tengo", "hacen envios",
                    "envian a"]),
    ("return", ["devolver", "devolucion", "devolverlo", "devolverla", "cambiar", "cambio de talla",
                "garantia", "reembolso", "me lo cambian", "me la cambian", "me los cambian",
                "me las cambian", "me lo cambia", "me la cambia", "me los cambia",
                "me las cambia", "cambiarlo", "cambiarla", "cambiarlos", "cambiarlas",
                "hacer un cambio", "hacerme un cambio", "lo devuelvo", "la devuelvo",
                "los devuelvo", "las devuelvo", "devolverlos", "devolverlas", "lo cambio",
                "la cambio", "los cambio", "las cambio",
                # the fit, the usual reason for an exchange ("me quedaron pequeñas")
                "me quedo pequeno", "me quedo pequena", "me quedaron pequenos",
                "me quedaron pequenas", "me quedo chiquito", "me quedo chiquita",
                "me quedaron chiquitos", "me quedaron chiquitas", "me quedo apretado",
                "me quedo apretada", "me quedaron apretados", "me quedaron apretadas",
                "me quedo grande", "me quedaron grandes", "me quedan pequenos",
                "me quedan pequenas", "me quedan chiquitos", "me quedan chiquitas",
                "me quedan apretados", "me quedan apretadas", "me queda pequeno",
                "me queda pequena", "me queda apretado", "me queda apretada", "las cambian",
                "los cambian", "lo cambian", "la cambian"]),
    ("complaint", ["queja", "reclamo", "poner una queja", "llego danado", "llego roto",
                   "llego incompleto", "se me rompio", "se me rompieron", "se rompio",
                   "se rompieron", "se me dano", "se me danaron", "vino danado", "vino danada",
                   "llego danada", "defectuoso", "defectuosa", "dejo de funcionar",
                   "no funciona", "se paro", "se me paro", "dejo de servir",
                   # the wrong item: "me mandaron la gorra rosada y yo la había pedido verde"
                   "me mandaron otro", "me mandaron otra", "me llego otro", "me llego otra",
                   "la habia pedido", "lo habia pedido", "las habia pedido", "los habia pedido",
                   "no es lo que pedi", "no es la que pedi", "no es el que pedi",
                   "producto equivocado", "pedido equivocado",
                   # wear that comes too soon: "se les abrió la costura", "se está pelando"
                   "se abrio la costura", "se les abrio", "se le abrio", "esta pelando",
                   "estan pelando", "se pelo", "se pelaron", "se despego", "se despegaron",
                   "se descosio", "se descosieron", "se desbarato", "se desbarataron",
                   "esta despegando", "estan despegando", "esta descosiendo",
                   "estan descosiendo", "esta rompiendo", "estan rompiendo",
                   # a leak: "la cafetera está botando agua por debajo"
                   "botando agua", "bota agua", "esta goteando", "se sale el agua",
                   "esta chorreando", "pierde agua", "echando agua", "se le sale el agua",
                   # "la hebilla está partida. Eso vino así"
                   "esta partida", "esta partido", "vino partida", "vino partido",
                   "llego partida", "llego partido", "esta rota", "esta roto", "vino rota",
                   "vino roto", "eso vino asi", "eso llego asi"]),
    ("callback", ["me llamen", "me llamen despues", "llamenme", "devuelvan la llamada",
                  "me devuelvan la llamada", "que me llame", "me pueden llamar",
                  "me vuelvan a llamar", "llamarme mas tarde", "me llame", "me marquen",
                  "me pueden marcar", "me podrian llamar", "me podria llamar",
                  "me puede llamar", "me llaman", "me devuelven la llamada",
                  "me vuelven a marcar", "me vuelvan a marcar", "me vuelven a llamar",
                  "me marcan", "me timbran"]),
    ("cart", ["carrito", "mi compra pendiente", "terminar la compra", "completar la compra"]),
    ("send_link", ["mandeme el enlace", "envieme el enlace", "mandeme el link", "envieme el link",
                   "me manda el enlace", "me envia el enlace", "me manda el link",
                   "me envia el link", "me pasa el enlace", "me pasa el link", "mandar el enlace",
                   "enviar el enlace", "mandar el link", "enviar el link", "pasar el enlace",
                   "pasar el link", "por mensaje", "por whatsapp", "mandemele el enlace",
                   "mandemele enlace", "mandeme enlace", "mande el enlace", "mande el link",
                   "mandemelo", "enviemelo", "mandemele", "mandemela", "mandemelos",
                   "mandemelas", "enviemela", "enviemele"]),
    ("order_status", ["pedido", "orden", "mi compra", "envio", "paquete", "domicilio", "guia",
                      "no ha llegado", "no me ha llegado", "cuando llega", "donde esta",
                      "lo que pedi", "lo que compre", "ya me llego", "ya llego",
                      "que encargue", "lo que encargue", "ya salio", "ya lo despacharon",
                      "ya me la mandaron", "ya me lo mandaron", "ya me las mandaron",
                      "ya me los mandaron", "ya la mandaron", "ya lo mandaron",
                      "ya la despacharon", "ya me la enviaron", "ya me lo enviaron",
                      "la que pedi", "el que pedi", "las que pedi", "los que pedi",
                      "misma empresa", "misma transportadora",
                      "ya lo enviaron", "ya la enviaron",
                      "por donde va", "por donde viene", "en que va", "como va"]),
    ("price", ["cuanto vale", "cuanto cuesta", "cuanto valen", "cuanto cuestan", "precio",
               "que precio", "en cuanto esta", "en cuanto estan"]),
    ("product_search", ["tienen", "busco", "buscando", "necesito", "quiero comprar",
                        "venden", "hay", "disponible", "quisiera comprar", "me interesa"]),
]  # fmt: skip

YES = ["si", "aja", "claro", "dale", "listo", "de acuerdo", "por favor", "bueno", "correcto",
       "exacto", "confirmo", "hagale", "perfecto", "eso", "ok", "okey", "sisas", "afirmativo",
       "me interesa", "yes", "yeah", "sure", "please", "de una", "proceda", "adelante",
       "por supuesto", "obvio", "sin problema", "dele", "hagalo",
       # the bot's own verb as an order: "¿Confirma que abro la solicitud?" "Sí, ábrala"
       "abrala", "abralo", "abranla", "abranlo", "registrela", "registrelo", "mandelo",
       "mandemelo", "envielo", "enviemelo", "mandemela", "enviemela"]  # fmt: skip
UNSURE = ["no se", "no estoy seguro", "no estoy segura", "no recuerdo", "tal vez", "quizas"]
NO = [
    "no",
    "todavia no",
    "ahora no",
    "nada",
    "negativo",
    "mejor no",
    "no gracias",
    "la verdad no",
    "creo que no",
    "por ahora no",
]

# Colour words by their canonical catalogue form; caller forms include gender and number.
COLORS: dict[str, list[str]] = {
    "negro": ["negro", "negra", "negros", "negras", "negrito", "negrita", "negritos", "negritas"],
    "blanco": ["blanco", "blanca", "blancos", "blancas", "blanquito", "blanquita"],
    "azul": ["azul", "azules", "azulito", "azulita", "azulitos", "azulitas"],
    "rojo": ["rojo", "roja", "rojos", "rojas", "rojito", "rojita"],
    "gris": ["gris", "grises", "grisecito"],
    "verde": ["verde", "verdes", "verdecito", "verdecita"],
    "beige": ["beige", "beis", "crema", "beich", "beiche", "baixa"],  # as Whisper writes it
    "rosado": ["rosado", "rosada", "rosados", "rosadas", "rosa", "rosadito", "rosadita"],
}
_LETTER_SIZES = {"xs": "XS", "s": "S", "m": "M", "l": "L", "xl": "XL", "ese": "S", "eme": "M",
                 "ele": "L", "equis ele": "XL", "extra grande": "XL", "grande": "L",
                 "mediana": "M", "pequena": "S", "extra pequena": "XS"}  # fmt: skip


_SHIPPING = ["envio", "envios", "domicilio"]
# What a question about a cost says ("¿cuánto me cobran el domicilio?", "¿el envío es gratis?")
COST_WORDS = ["costo", "cuesta", "vale", "valor", "gratis", "precio", "tarifa", "cobran", "cobrar",
              "pagar"]  # fmt: skip


# A call returned ("¿me pueden devolver la llamada otro día?", "regrésenme la llamada")
_CALL_RETURNED = re.compile(r"\b(?:devol|devuel|regres)\w* (?:la|una) llamada\b")


def keyword_intent(folded: str) -> tuple[RetailIntent | None, float]:
    """The retail intent of folded words by cue lists, with its confidence: 1.0 when a cue
    matched (rules are sure), (None, 0.0) when none did. An `IntentClassifier`."""
    # "¿cuánto (cuesta) el envío?" is shipping policy, even when ASR garbles the verb.
    if has_phrase(folded, _SHIPPING) and has_phrase(folded, [*COST_WORDS, "cuanto"]):
        return "store_info", 1.0
    if _CALL_RETURNED.search(folded):
        return "callback", 1.0  # "¿me pueden devolver la llamada?" returns no item
    found = next((intent for intent, cues in INTENT_CUES if has_phrase(folded, cues)), None)
    if found is None and _LINK_ASKED.search(folded):
        found = "send_link"
    return found, 1.0 if found else 0.0


# A link asked for in any verb ("regáleme el enlace", "me comparte ese link", "páseme por
# favor el link"), not refused ("no me mande el link")
_LINK_ASKED = re.compile(
    r"(?<!\bno )\b(?:\w+(?:me|nos)|me \w+)(?: por favor)? (?:el|ese|un|este) (?:enlace|link)\b"
)


def retail_intent(text: str) -> RetailIntent | None:
    """The turn's retail intent by keyword cues, or None."""
    return keyword_intent(fold(text))[0]


RuleIntent = Literal["transfer_requested", "sensitive_topic", "frustration", "goodbye"]
# The config's keyword lists in priority order (`dialogue.transfer_keywords`, ...).
Rules = Sequence[tuple[RuleIntent, Sequence[str]]]


def rule_intent(folded: str, rules: Rules) -> RuleIntent | None:
    """The first keyword rule whose phrase the words contain (accent- and case-insensitive)."""
    return next((intent for intent, phrases in rules if has_phrase(folded, phrases)), None)


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


@lru_cache(maxsize=256)  # asked on every 20 ms frame of a pause while the transcript stands
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


# A note taken of what the bot said ("¿Ah? Bueno.", "¡Ah, ya!"), as Whisper writes it: no
# goodbye (the model reads "ah, ya" as one) and no yes to an offer nobody asked for
ACKNOWLEDGED = frozenset(["a bueno", "ah bueno", "a ok", "ah ok", "a okey", "ah okey", "a listo",
                          "ah listo", "a ya", "ah ya", "a vale", "ah vale", "ya veo",
                          "a bueno gracias", "ah bueno gracias"])  # fmt: skip
# Words a caller puts before an answer ("eh, sí", "pues no", "ay, no").
_LEAD_IN = frozenset("eh ah ay uy ehh mm mmm pues oiga mire bueno".split())


# "¿Sí tienen?", "sí hay de esa": a question about stock (Whisper drops the marks), no yes
_ASKS_STOCK = re.compile(
    r"^si (?:(?:la|lo|las|los|les|le|me) )?(?:tienen|tiene|hay|queda|quedan)\b(?! razon)"
)


def _yes_no(folded: str) -> bool | None:
    words = folded.split()
    opening = list(words)
    while opening and opening[0] in _LEAD_IN:
        opening = opening[1:]
    if _ASKS_STOCK.match(" ".join(opening)):
        return None
    if len(words) > 3:
        # A longer turn answers only when it opens with the answer: the "no" of "pero yo no
        # he recibido nada" or "¿y no hay otra forma?" and the "si" of "pero si yo pagué"
        # are no reply to the bot's question.
        while words and words[0] in _LEAD_IN:
            words = words[1:]
        if words[:1] == ["es"] and words[1:2] in (["si"], ["no"]):
            words = words[1:]  # "Eh, sí" as Whisper writes it: "es si por eso mismo…"
    head = " ".join(words[:3])
    if not head or has_phrase(head, UNSURE) or opens_with_statement(folded):
        return None
    opens = len(words) <= 3 or any(head == p or head.startswith(p + " ") for p in NO)
    if opens and (has_phrase(head, NO) or head.startswith("no ")):
        return False
    if len(words) > 3:
        return True if any(head == p or head.startswith(p + " ") for p in YES) else None
    return True if has_phrase(head, YES) else None


def yes_no(text: str) -> bool | None:
    """True for a clear yes, False for a clear no, None otherwise (unclear is not consent)."""
    return _yes_no(fold(text))


# "No, no lo he estrenado": a "no" that agrees with what the caller then states of the item
# (unused, unopened) refuses nothing; the answer, if any, comes after it ("… Sí, hágale")
_NO_STATEMENT = re.compile(r"^(?:no )+(?:lo |la |los |las |me |le |se )?(?:he|hemos|ha|han) \w+")


def opens_with_statement(folded: str) -> bool:
    """Whether the turn opens with a "no" that agrees with a statement ("No, no lo he
    estrenado"): no refusal of what the bot asked."""
    words = folded.split()
    while words and words[0] in _LEAD_IN:
        words = words[1:]
    return _NO_STATEMENT.match(" ".join(words)) is not None


def _answer(heard: str) -> bool | None:
    """The turn's yes or no: its opening's; when it opens with a statement ("No, no lo he
    usado, tiene las etiquetas. Sí, hágale"), its last sentence's."""
    whole = fold(heard)
    if not opens_with_statement(whole):
        return _yes_no(whole)
    sentences = [fold(s) for s in re.split(r"[.!?]+", heard) if fold(s)]
    return _yes_no(sentences[-1]) if len(sentences) > 1 else None


_PRICE = r"\b(?:menos de|hasta|maximo|no mas de|por debajo de)?\s*\d+\s*(?:mil|pesos)\b"


# Data-rights wishes whatever else the words resemble (`understand` sets the intent): to be
# left out of calls (not a callback: "no me vuelvan a llamar"), to correct one's contact data
# (not a return: "cambiar")
_NO_CALLS = ["no me vuelvan a llamar", "no me llamen mas", "dejen de llamarme",
             "no me sigan llamando", "no quiero que me llamen"]  # fmt: skip
# The caller looking something up while on the line ("déjeme ver el correo"), not a wish
# about their data, though the words name one
_LOOKS_UP = ["dejeme ver", "dejeme mirar", "dejeme buscar", "dejeme revisar", "deje veo",
             "deje miro", "deje busco", "ver el correo", "mirar el correo", "revisar el correo",
             "reviso el correo", "miro el correo", "busco en el correo",
             "buscar en el correo"]  # fmt: skip
_MY_DATA = ["cambiar mi numero", "cambiar mi telefono", "cambiar mi celular", "cambiar mi correo",
            "actualizar mi numero", "actualizar mi telefono", "actualizar mi celular",
            "actualizar mi correo", "corregir mis datos", "cambiar mis datos",
            "corregir mi nombre", "cambiar mi nombre"]  # fmt: skip


def _money(folded: str) -> bool:
    """The words speak of an amount: "ciento cincuenta mil" becomes 150000 with no "mil"
    left after it for `_PRICE` to see; "una compra como de 50.000, ¿cuánto me sale el
    envío?" asks what something costs."""
    return has_phrase(folded, ["mil", "pesos", "millon", "millones", "plata", *_COST_ASKED])


# How a caller asks what something costs (a round thousand said with it is an amount)
_COST_ASKED = ["cuanto", "cuesta", "cuestan", "vale", "valen", "precio", "costo", "me sale",
               "me cobran", "cobran", "cobra", "compra de", "compras de", "recarga", "recargar",
               "recargue", "le agrego", "le meto", "le sumo", "si agrego"]  # fmt: skip


_AMOUNT = re.compile(r"(\d{1,3}(?:\.\d{3})+|\d+)\s*(mil|millones|millon|millón)?\b", re.I)


# ("70 y 2000" too: "setenta y dos mil")
_SPLIT_THOUSANDS = re.compile(r"\b(\d{0,2}[1-9]0) y (\d\.?\d{3})\b")


# "84 900": thousands Whisper set apart with a space
_SPACED_THOUSANDS = re.compile(r"\b(\d{1,3}) (\d{3})\b(?! ?\d)")


def amount(text: str) -> int | None:
    """A sum of money said in the turn, in pesos ("200 mil pesos", "$120.000", "doscientos
    mil"), or None: only in words about money or a shipping cost, and at least a thousand.
    Items priced one by one add up: "unas sandalias de 84.900 y unas Crocs de 59.900"."""
    folded = fold(text)
    if "$" not in text and not _money(folded) and not has_phrase(folded, ["gratis", "envio"]):
        return None
    said = text if any(c.isdigit() for c in text) else spoken_numbers(text)
    said = _SPACED_THOUSANDS.sub(r"\1.\2", said)
    # "140 y 8.900": Whisper's "ciento cuarenta y ocho mil novecientos" (148.900)
    said = _SPLIT_THOUSANDS.sub(lambda m: str(int(m[1]) * 1000 + int(m[2].replace(".", ""))), said)
    found: list[tuple[int, bool]] = []  # each amount, and whether it prices an item ("de …")
    for m in _AMOUNT.finditer(said):
        value = int(m.group(1).replace(".", ""))
        scale = (m.group(2) or "").lower()
        value *= 1000 if scale == "mil" else 1_000_000 if scale else 1
        if value >= 1000:
            found.append((value, re.search(r"(?:^|\s)de $", said[: m.start()]) is not None))
    items = [value for value, priced in found if priced]
    return sum(items) if len(items) > 1 else found[-1][0] if found else None


def _order_number(plain: str, length: tuple[int, int] = (5, 8), money: bool = False) -> str | None:
    found = [c for c in numbers(re.sub(_PRICE, " ", plain)) if length[0] <= len(c) <= length[1]]
    if money:  # a round hundred among words about money is the amount ("140 y 8.900"), not an
        found = [c for c in found if not c.endswith("00")]  # order
    return found[-1] if found else None


def order_number(text: str, length: tuple[int, int] = (5, 8)) -> str | None:
    """A run of 5 to 8 digits (order numbers here); phone numbers are longer, so not taken."""
    return _order_number(_plain(digits(text)), length, money=_money(fold(text)))


def e164(phone: str) -> str:
    """A Colombian or international number as typed, in E.164, or ValueError."""
    try:
        number = phonenumbers.parse(phone, "CO")
    except phonenumbers.NumberParseException as exc:
        raise ValueError(f"not a phone number: {phone!r}") from exc
    if not phonenumbers.is_valid_number(number):
        raise ValueError(f"not a valid phone number: {phone!r}")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


# Digits read in groups, whatever the groups: "3, 15, 4, 42, 1870" ("315442, 1870" once the
# small ones are joined) is one phone to the caller, and to the redactor
_DIGIT_RUN = re.compile(r"\d(?:[\d\s,.\-]*\d)?")


def _phone(spoken: str) -> str | None:
    for match in phonenumbers.PhoneNumberMatcher(spoken, "CO"):
        if phonenumbers.is_valid_number(match.number):
            return phonenumbers.format_number(match.number, phonenumbers.PhoneNumberFormat.E164)
    for run in _DIGIT_RUN.findall(spoken):
        said = national_phone(only_digits(run))
        if said:
            number = phonenumbers.parse(said, "CO")
            if phonenumbers.is_valid_number(number):
                return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    return None


def phone_number(text: str) -> str | None:
    """An E.164 Colombian phone number said in the turn, if any."""
    return _phone(digits(text))


# "talla" as Whisper may write it, glued to the "en" before it ("entalla", "en taya",
# "negra centaya 41" for "negra, en talla 41")
_TALLA = r"(?:[cs]?en|la)?(?:talla|talya|taya|talia)"


def _size(numbered: str) -> str | None:
    m = re.search(
        rf"\b(?:{_TALLA}|numero|size)\s+(\d{{1,2}}|xs|xl|s|m|l|ese|eme|ele|equis ele)\b",
        numbered,
    )
    if m:
        return _LETTER_SIZES.get(m.group(1), m.group(1).upper())
    m = re.search(rf"\b{_TALLA}\s+(extra grande|extra pequena|grande|mediana|pequena)\b", numbered)
    return _LETTER_SIZES[m.group(1)] if m else None


def size(text: str) -> str | None:
    """A size after "talla"/"número" ("talla eme" -> "M", "talla cuarenta y dos" -> "42")."""
    return _size(fold(digits(text)))


def _color(folded: str) -> str | None:
    padded = f" {folded} "
    return next(
        (canon for canon, forms in COLORS.items() if any(f" {f} " in padded for f in forms)), None
    )


# Whisper's foreign spellings of Spanish question words ("Ok, ¿quanto valen?")
_RESPELLED = {"quanto": "cuánto", "quanta": "cuánta", "quantos": "cuántos", "quantas": "cuántas",
              "quando": "cuándo", "qual": "cuál", "quales": "cuáles",
              # words it glues: "¿esa cómo va?" → "esa comoba", "que pedí en otra compra" →
              # "que pedían otra compra" (callers speak of their own orders in the first person)
              "comoba": "cómo va", "comova": "cómo va", "comoban": "cómo van",
              "comovan": "cómo van", "pedian": "pedí en",
              # "listo" heard with a d: "Disto, regáleme el enlace" (no Spanish word)
              "disto": "listo",
              # Nike as Colombians say it ("naik"), as Whisper writes it
              "nick": "nike", "naik": "nike", "naiki": "nike", "naique": "nike",
              # "¿y si mando tres?" glued: "y simando tres"
              "simando": "si mando", "sipido": "si pido", "sillevo": "si llevo",
              # "¿hasta qué hora atienden?" heard "hasta que ahora tienden": the a is taken
              "tienden": "atienden"}  # fmt: skip
# Colour words long enough to be told apart inside a word Whisper glued to its neighbour, and
# the topic words it glues ("Oster Trangarantía" for "Oster traen garantía")
_GLUABLE = sorted(
    [*(f for forms in COLORS.values() for f in forms if len(f) >= 5), "garantia", "devolucion"],
    key=len,
)[::-1]


def _unglued(word: str) -> str | None:
    """A colour or topic word glued to the word before it, or a colour to a yes/no after it,
    split ("y la llenegro" for "y la hay en negro", "negrosía" for "negro, sí",
    "trangarantia"); None when there is none."""
    for form in _GLUABLE:
        if word != form and word.endswith(form) and len(word) - len(form) >= 2:
            return f"{word[: -len(form)]} {form}"
        if word.startswith(form) and word[len(form) :] in ("si", "sia", "no"):
            return f"{form}, {'no' if word.endswith('no') else 'sí'}"
    return None


def respelled(text: str) -> str:
    """The transcript with Whisper's word-level slips mended before it is read: foreign
    spellings of question words, "nb" for "nv", and colour words glued to another word."""

    def word(m: re.Match[str]) -> str:
        folded = fold(m.group(0))
        if "nb" in folded:
            # Spanish writes "nv", never "nb": "enbío" is Whisper's "envío" (b and v sound alike)
            folded = folded.replace("nb", "nv")
            return _RESPELLED.get(folded) or folded
        return _RESPELLED.get(folded) or _unglued(folded) or m.group(0)

    # "lo de vuelvo", "de volverlo": a return's verb Whisper cut in two; "en bio": "envío"
    text = _CUT_SHIPPING.sub("envío", _CUT_RETURN.sub(r"\1de\2", text))
    return re.sub(r"\w+", word, text)


_CUT_SHIPPING = re.compile(r"\ben (?:[bv]io|vivo)\b", re.IGNORECASE)  # "en vivo" too
_CUT_RETURN = re.compile(r"\b((?:l[oa]s?|me) )?de (vuelv\w*|volverl[oa]s?)\b", re.IGNORECASE)


def color(text: str) -> str | None:
    """The catalogue colour named in any gender or number ("rojas" -> "rojo")."""
    return _color(fold(text))


# A price ceiling as callers put it: "hasta", "que no pase de", "mi presupuesto es de".
_CEILING = (
    r"\b(?:menos de|hasta|maximo|no mas de|por debajo de|no (?:pase|pasen|supere|superen|"
    r"exceda|excedan) de|presupuesto (?:es )?de|tope de)\s+(\d+)(\s+mil)?"
)


def _max_price(plain: str) -> int | None:
    m = re.search(_CEILING, plain)
    if not m:
        return None
    value = int(m.group(1)) * (1000 if m.group(2) else 1)
    return value if value >= 1000 else value * 1000  # "hasta 200" means 200 mil here


def max_price(text: str) -> int | None:
    """'menos de doscientos mil', 'hasta 150.000 pesos', 'máximo 300 mil'."""
    return _max_price(_plain(digits(text)))


# "46,941": Whisper's thousands comma in a number said whole ("cuarenta y seis mil
# novecientos cuarenta y uno"); not "4, 6, 9" (digits read one by one, a space after the comma)
_THOUSANDS_COMMA = re.compile(r"\b(\d{1,3}),(\d{3})\b")


def _plain(spoken: str) -> str:
    """Folded digits view without thousands dots or commas ("45.721" -> "45721", "46,941" ->
    "46941", "150.000" -> "150000")."""
    return fold(_THOUSANDS_COMMA.sub(r"\1\2", spoken.replace(".", "")))


# "a veces pido media talla más grande": the fit, not socks ("medias"); "dos meses y medio",
# "una hora y media": time
_HALF_SIZE = re.compile(r"\b(?:medi[ao] (?:talla|numero|punto)|y medi[ao])\b")


# "¿lo tienen en S?": a letter size without "talla", as Whisper writes one (a capital)
_BARE_LETTER_SIZE = re.compile(r"\b(?:en|una|la|el|un)\s+(XS|S|M|L|XL)\b")


def _product_query(folded: str, spoken: str) -> ProductQuery:
    numbered = _HALF_SIZE.sub(" ", fold(spoken))
    found_color = _color(folded)
    terms = re.sub(rf"\b{_TALLA}\s+\S+", " ", _ADDRESS.sub(" ", numbered))
    if found_color:
        for form in COLORS[found_color]:
            terms = re.sub(rf"\b{form}\b", " ", terms)
    bare = _BARE_LETTER_SIZE.search(spoken)
    found_size = _size(numbered) or (bare[1] if bare else None)
    return ProductQuery(terms, found_size, found_color, _max_price(_plain(spoken)))


def product_query(text: str) -> ProductQuery:
    """The caller's words as a catalogue query with its filters."""
    return _product_query(fold(text), digits(text))


class IntentClassifier(Protocol):
    """What decides a turn's retail intent from its folded words: the keyword cues
    (`keyword_intent`) or the trained model (`TrainedIntents`). Returns the intent (None: no
    retail intent, or not sure enough) and a confidence in [0, 1]."""

    def __call__(self, folded: str, /) -> tuple[RetailIntent | None, float]: ...


class LabelModel(Protocol):
    """A trained text classifier: its most probable label for a transcript and the
    probability (`voicebot.dialogue.intents.IntentModel`)."""

    def predict(self, text: str, /) -> tuple[str, float]: ...


# The trained model's labels as the intents the dialogue handles; "greeting" ("aló, buenas")
# asks for nothing.
MODEL_INTENTS: dict[str, RetailIntent | None] = {
    "order_status": "order_status",
    "return_exchange": "return",
    "complaint_damaged": "complaint",
    "product_search": "product_search",
    "price": "price",
    "stock": "stock",
    "store_info": "store_info",
    "payment": "payment",
    "shipping": "shipping",
    "person_agent": "person",
    "callback": "callback",
    "data_rights": "data_rights",
    "goodbye_thanks": "goodbye",
    "greeting": None,
    "out_of_scope": "out_of_scope",
    "other_language": "other_language",
}


def _cue_wins(cue: RetailIntent | None, learnt: RetailIntent | None) -> bool:
    """Where a keyword cue knows better than the model: intents it has no label for (cart,
    link), the return policy, which the model files under returns ("¿cuántos días tengo
    para devolver?" is a store question, not a return to open), and a complaint's or an
    exchange's own words in a turn about an order ("en el otro pedido me mandaron la gorra
    rosada", "¿me las cambian por una 38? El pedido es...")."""
    # a complaint or an exchange about an order: "¿me las cambian por una 38? El pedido es..."
    about_order = cue in ("complaint", "return") and learnt == "order_status"
    return (
        cue in ("cart", "send_link") or (cue == "store_info" and learnt == "return") or about_order
    )


# Below this probability, a data-rights request or a complaint needs words of its own.
_SURE = 0.9

# A data-rights request names what it is about: data, a record, contact, the law. The model
# alone read one into "no me acuerdo del número" (a forgotten order number), and the Ley 1581
# path ends the topic, so unless the model is sure, without such a word the cues decide.
_DATA_STEMS = ("dato", "informacion", "habeas", "1581", "borr", "elimin", "supriman", "suprim",
               "registr", "correo", "publicidad", "llam", "contact", "privacidad",
               "autoriz", "cuenta", "ley", "promocion", "suscri", "desuscri", "guard",
               "sacaron", "mensaj", "base", "desaparez")  # fmt: skip


# A complaint names something wrong. The model filed "quiero una licuadora" under complaints
# (blenders appear there in its training data, "la licuadora no prende") and "¿ya me llegó lo
# que pedí?" (0.95: "me llegó" opens most complaints), so without a word of trouble the cues
# decide, however sure the model is (every complaint it was trained on has one).
_TROUBLE_STEMS = ("dan", "romp", "roto", "rota", "funcion", "prend", "sirv", "defect", "queja",
                  "reclam", "mal", "equivoc", "incomplet", "falt", "humo", "garant", "problema",
                  "sucio", "usad", "rayad", "manch", "descos", "quebr", "calent", "quem", "peor",
                  "pesim", "terrible", "horrible", "abiert", "fall", "rasg", "huec", "despeg",
                  "golpe", "aboll", "vencid", "olor", "inconform", "insatisf", "molest", "estafa",
                  "demor", "distint", "diferent", "error", "decepcion", "colmo",
                  "groser", "aburrid", "veces", "cobr", "partid", "rajad", "agriet", "rabia",
                  "brav", "indign", "furios", "enoj", "averi", "aboy", "paro")  # fmt: skip
_NEGATIONS = frozenset({"no", "ni", "nunca", "tampoco", "nadie", "nada", "otro", "otra"})


def _names_data(words: list[str]) -> bool:
    return any(w.startswith(_DATA_STEMS) for w in words)


def _names_trouble(words: list[str]) -> bool:
    # "llegó tarde" is trouble, "buenas tardes" is not
    return any(w in _NEGATIONS or w == "tarde" or w.startswith(_TROUBLE_STEMS) for w in words)


@dataclass(frozen=True, slots=True)
class TrainedIntents:
    """The trained model as an `IntentClassifier`: its intent when its probability reaches
    `threshold` (config `dialogue.intent_threshold`), else the keyword cues'."""

    model: LabelModel
    threshold: float = 0.7

    def __call__(self, folded: str, /) -> tuple[RetailIntent | None, float]:
        cue = keyword_intent(folded)
        words = folded.split()
        short_answer = len(words) <= 3 and _yes_no(folded) is not None and "gracias" not in words
        if short_answer or folded in ACKNOWLEDGED or not any(w.isalpha() for w in words):
            # A bare number or a short yes/no answers the bot's question; the model reads
            # intents into such turns ("no" looks like a data-rights request to it, "ok" like
            # English), so they are left to the dialogue state.
            return cue
        label, probability = self.model.predict(folded)
        learnt = MODEL_INTENTS.get(label)
        if learnt is None or probability < self.threshold or _cue_wins(cue[0], learnt):
            return cue  # a greeting asks for nothing: whatever the cues find
        unsure = probability < _SURE
        # "información de un pedido que hizo mi esposa" is about the order: a data-rights
        # request about orders says so in the cues' words ("borrar mis datos")
        about_order = learnt == "data_rights" and cue[0] == "order_status"
        if (unsure and learnt == "data_rights" and not _names_data(words)) or (
            learnt == "complaint" and not _names_trouble(words)
        ):
            return cue
        if about_order and not has_phrase(folded, _CUES["data_rights"]):
            return cue
        return learnt, probability

    def best(self, folded: str, /) -> RetailIntent | None:
        """The model's most likely intent, however unsure (`Understanding.leaning`)."""
        return MODEL_INTENTS.get(self.model.predict(folded)[0])


# Card data said aloud: a security code or expiry date by its wording, a card by its number.
_CARD_SECRETS = ["cvv", "cvc", "codigo de seguridad", "codigo de verificacion",
                 "codigo de atras", "numeros de atras", "digitos de atras", "numeritos de atras",
                 "fecha de vencimiento", "fecha de expiracion", "clave de la tarjeta"]  # fmt: skip
_CARD_WORDS = ["tarjeta", "credito", "debito", "visa", "mastercard", "master card"]


def _card(text: str, folded: str) -> bool:
    """Card digits (13-19 in a row, also misheard: a phone or an order number is shorter), a
    long run of digits next to the word "tarjeta", or a security code's wording."""
    if has_phrase(folded, _CARD_SECRETS):
        return True
    # Cards are read in groups of four ("cuatro mil ciento once, mil ciento once...")
    runs = numbers(join_digit_groups(spoken_numbers(text).replace(".", ""), longest=4))
    if any(13 <= len(r) <= 19 for r in runs):
        return True
    return has_phrase(folded, _CARD_WORDS) and any(len(r) >= 8 and _phone(r) is None for r in runs)


def card_data(text: str) -> bool:
    """Whether the turn says card data aloud (a card number, a security code)."""
    return _card(text, fold(text))


def is_card_number(digits_only: str) -> bool:
    """13 to 19 digits passing Luhn: a payment card's number."""
    return 13 <= len(digits_only) <= 19 and luhn_ok(digits_only)


_ENGLISH = frozenset(
    """the you your i i'm my me is are am do does can could would will please hello hi speak
    english order want need help with what where how this that it to of and for not have has
    there anyone someone sorry thanks thank""".split()
)


# Words that open a call without asking anything yet ("aló, buenas tardes", "una pregunta").
_PREAMBLE = frozenset(
    """alo hola buenas buenos buen dia dias tardes noches si oiga senorita senor senora una
    pregunta preguntica consulta que tal como esta mire disculpe pena pues eh ah a ver bueno
    muy vea hello hi me escucha escuchan oye oyen hay alguien ahi""".split()
)


def is_preamble(folded: str) -> bool:
    """Whether the folded words only greet or announce a question, asking nothing yet."""
    words = re.sub(r"^a lo\b", "alo", folded).split()  # "A lo, buenos días": Whisper's "aló"
    return 0 < len(words) <= 6 and all(w in _PREAMBLE for w in words)


_HESITATION = frozenset("a ver eh ah em mm mmm pues bueno este haber".split())


def is_hesitation(folded: str) -> bool:
    """Whether the folded words only hesitate ("a ver…", "eh, pues…"): the caller is
    looking for something, not asking."""
    words = folded.split()
    return 0 < len(words) <= 4 and all(w in _HESITATION for w in words)


def _language(folded: str) -> Literal["es", "en"]:
    words = folded.split()
    english = sum(w in _ENGLISH for w in words)
    return "en" if english >= 2 and 2 * english >= len(words) else "es"


def language(text: str) -> Literal["es", "en"]:
    """ "en" for a turn in English ("do you speak English?"), else "es"."""
    return _language(fold(text))


_CUES = dict(INTENT_CUES)
_CHANNELS = [cue for cue in _CUES["send_link"] if cue.startswith("por ")]
_SENDING = re.compile(r"\b(?:mand|envi|compart)\w*|\bpase(?:me|nos)?\b|\bpasar\b")


def asks_for_link(folded: str) -> bool:
    """Whether folded words ask for the link on the table, whatever else the turn asks
    ("mándeme el enlace", "¿me lo puede mandar por WhatsApp?"). A channel named without a
    verb of sending asks for nothing: "¿y la factura me llega por mensaje?"."""
    named = has_phrase(folded, [c for c in _CUES["send_link"] if c not in _CHANNELS])
    sent = has_phrase(folded, _CHANNELS) and _SENDING.search(folded) is not None
    return named or sent or _LINK_ASKED.search(folded) is not None


@dataclass(frozen=True, slots=True)
class Understanding:
    """One caller turn, understood once; everything downstream reads this, not the words."""

    text: str  # the transcript as heard
    folded: str  # the request's words (`request_part`), folded: lower case, no accents
    digits: str  # the transcript with spoken numbers as digits (`text.digits`)
    intent: RetailIntent | None  # the retail intent (`IntentClassifier`)
    confidence: float  # the classifier's confidence in `intent`
    rule: RuleIntent | None  # a config keyword rule that fired (transfer, goodbye...)
    order_number: str | None
    phone: str | None  # E.164
    answer: bool | None  # a clear yes / no to the bot's question
    product: ProductQuery  # the words as a catalogue query (size, colour, price ceiling)
    card: bool = False  # card data said aloud: never echoed, looked up or stored
    data_rights: bool = False  # a Ley 1581 request (see, correct, erase one's data)
    callback: bool = False  # the caller asks to be called back
    when: str | None = None  # a day or time said ("mañana tipo 5 de la tarde"), as said
    language: Literal["es", "en"] = "es"
    # the trained model's best label even below the threshold (`intent` otherwise): where
    # the dialogue expects a topic, a lean towards it is enough ("¿qué van a hacer?")
    leaning: RetailIntent | None = None

    def says(self, phrases: Sequence[str]) -> bool:
        """Whether the turn contains one of the phrases (whole words, accent-insensitive)."""
        return has_phrase(self.folded, phrases)


# A caller who turns to the real request mid-turn ("No, ya me llegó, gracias. Más bien quería
# saber si tienen medias"): what follows the marker is the request
_REDIRECT = ["mas bien", "lo que necesito es", "lo que quiero es", "lo que queria es",
             "lo que queria era", "en realidad lo que", "la verdad lo que"]  # fmt: skip


# "si no estoy mal": a caller unsure of what they say, not a complaint
# A trouble that has not happened: "si se daña", "en caso de que falle" (a warranty question)
_IF_EVER = [
    "si se dana",
    "si se llega a danar",
    "si se me dana",
    "si le sale",
    "si sale",
    "en caso de que",
    "si llega a fallar",
    "si falla",
    "si se rompe",
    "si se llega a",
]
_IF_IT_BREAKS = r"\bsi\b(?: \w+){0,5} (?:se|me|le) (?:dana|rompe|falla|descompone|sale|llega)\b"
_HEDGES = ["si no estoy mal", "si mal no estoy", "si no me equivoco", "si mal no recuerdo"]


def _unhedged(folded: str) -> str:
    for hedge in _HEDGES:
        folded = f" {folded} ".replace(f" {hedge} ", " ").strip()
    return folded


def request_part(folded: str) -> str:
    """The folded words of the request: after the last redirect marker when at least three
    words follow it, else all of them."""
    padded = f" {folded} "
    cut = max((padded.rfind(f" {m} ") + len(m) + 1 for m in _REDIRECT if f" {m} " in padded),
              default=-1)  # fmt: skip
    rest = padded[cut:].strip() if cut > 0 else ""
    return rest if len(rest.split()) >= 3 else folded


_DAY = (
    r"(?:hoy|pasado mañana|mañana|"
    r"el (?:lunes|martes|miércoles|miercoles|jueves|viernes|sábado|sabado|domingo))"
)
_PART = r"(?:en|por) la (?:mañana|tarde|noche)"
_HOUR = (
    # "a la 7": Whisper's "a las 7" (or "a la una")
    r"(?:tipo|como a las?|como tipo|a las?|a eso de las?|después de las|despues de las|"
    r"antes de las|por ahí a las?|por ahi a las?|tipo a las?)\s+\d{1,2}(?::\d\d)?(?:\s+y media)?"
    r"(?:\s+(?:de la (?:mañana|tarde|noche)|am|pm|a\.\s?m\.|p\.\s?m\.))?"
)
_WHEN = re.compile(
    rf"\b(?:{_DAY}(?:\s+{_PART})?(?:\s*,?\s*{_HOUR})?|{_PART}(?:\s*,?\s*{_HOUR})?|{_HOUR})(?!\w)",
    re.IGNORECASE,
)


_WEEKDAYS = {"lunes": "mon", "martes": "tue", "miercoles": "wed", "jueves": "thu",
             "viernes": "fri", "sabado": "sat", "domingo": "sun"}  # fmt: skip


def clock_hour(when: str) -> int | None:
    """The hour of a call back's time as said ("el jueves como a las 9 de la noche" -> 21),
    0-23; a bare "a las 3" is the afternoon (nobody asks for a call at 3 a.m.). None when no
    hour is said."""
    folded = fold(when)
    m = re.search(r"\b(\d{1,2})(?::\d\d)?\b", folded)
    if m is None or int(m[1]) > 23:
        return None
    hour = int(m[1])
    if re.search(r"\b(?:de la manana|am|a\. ?m)\b", folded):
        return hour % 12
    if re.search(r"\b(?:tarde|noche|pm|p\. ?m)\b", folded) or 1 <= hour <= 6:
        return hour % 12 + 12
    return hour


def weekday_named(when: str) -> str | None:
    """The weekday of a call back's time ("el jueves…" -> "thu"), None when none is named."""
    return next((key for day, key in _WEEKDAYS.items() if day in fold(when).split()), None)


def when_said(spoken: str) -> str | None:
    """A day and/or time in the caller's words ("mañana, tipo 5 de la tarde"), as said (in
    digits): a call back's time for the ticket and the reply. None when none is said; "hoy" or
    "mañana" alone count, a bare number does not (an order or a size)."""
    found = _WHEN.search(spoken)
    if found is None:
        return None
    said = " ".join(found.group(0).replace(",", " ").split())
    return said[:1].lower() + said[1:]  # "El jueves…" opened the turn: said back mid-sentence


# A Colombian street address ("carrera 20 con calle 15"): no product words ("carrera" sounds
# like "cartera", "calle" like Arturo Calle); the brand's own "Arturo Calle 32" is kept
_ADDRESS = re.compile(
    r"\b(?<!arturo )(?:calle|carrera|cra|kra|avenida|av|diagonal|transversal)\s+\d+\w*"
    r"(?:\s+(?:con|numero|no|n)\s+(?:(?:calle|carrera|avenida)\s+)?\d+\w*)?(?:\s+\d+\w*)*"
)


def understand(
    text: str,
    rules: Rules = (),
    classify: IntentClassifier = keyword_intent,
    lean: Callable[[str], RetailIntent | None] | None = None,
) -> Understanding:
    """Read one caller turn: fold it, turn its numbers into digits, classify its intent, check
    the keyword `rules` (none: `rule` is None) and fill the slots. `lean`: the trained model's
    best guess however unsure (`TrainedIntents.best`), for `Understanding.leaning`."""
    heard = respelled(text)
    whole = fold(heard)
    folded = request_part(whole)  # a yes/no, a card, the language: read from the whole turn
    folded = _ADDRESS.sub(" ", folded)
    spoken = digits(heard)
    intent, confidence = classify(_unhedged(folded))
    leaning = intent if lean is None else lean(_unhedged(folded))
    looks_up = has_phrase(folded, _LOOKS_UP)
    if intent is None and leaning == "data_rights" and _names_data(folded.split()) and not looks_up:
        # "que desaparezcan mi nombre y mi número de su base": the model leans to a data
        # request and the words name the data; no store cue ("ofertas") takes it elsewhere
        intent = "data_rights"
    card = _card(text, whole)
    lang = _language(whole)
    # "no me vuelvan a llamar": a wish to be left out of calls (Ley 1581), not a callback
    no_calls = has_phrase(folded, _NO_CALLS)
    warranty = intent in ("complaint", "return") and has_phrase(folded, ["garantia"])
    if warranty and (has_phrase(folded, _IF_EVER) or re.search(_IF_IT_BREAKS, folded)):
        intent = "store_info"  # "si el reloj que compre se daña, ¿quién responde por la garantía?"
    if card:
        intent = "payment"  # whatever else the words seemed to ask: the card is the topic
    elif lang == "en":
        intent = "other_language"
    elif no_calls or has_phrase(folded, _MY_DATA):
        intent = "data_rights"
    product = _product_query(folded, spoken)
    money = _money(folded) or product.max_price is not None
    order, phone = _order_number(_plain(spoken), money=money), _phone(spoken)
    return Understanding(
        text=text,
        folded=folded,
        digits=spoken,
        intent=intent,
        confidence=confidence,
        rule=rule_intent(folded, rules),
        # a card's digits are never an order or phone number: nothing looks them up; nor is
        # a price ceiling ("algo que no pase de 200.000"), nor a phone's first groups
        order_number=None if card or (order and phone and order in phone) else order,
        phone=None if card else phone,
        answer=_answer(heard),
        product=product,
        card=card,
        data_rights=intent == "data_rights" or has_phrase(folded, _CUES["data_rights"]),
        callback=not no_calls and (intent == "callback" or has_phrase(folded, _CUES["callback"])),
        when=when_said(spoken),
        language=lang,
        leaning=intent if card or lang == "en" else leaning,
    )
