"""Spanish understanding around the model: pure functions, no event loop."""

from __future__ import annotations

import dataclasses

import pytest

from voicebot.dialogue import understanding as nlu
from voicebot.dialogue.intents import DEFAULT_MODEL, INTENTS, IntentModel
from voicebot.dialogue.understanding import (
    RetailIntent,
    Understanding,
    amount,
    clock_hour,
    is_hesitation,
    request_part,
    understand,
    weekday_named,
    when_said,
)
from voicebot.governance.redaction import redact
from voicebot.store.search import ProductQuery
from voicebot.text import digits, fold

pytestmark = pytest.mark.fast  # pure functions: the fast tier


@pytest.mark.parametrize(
    ("text", "number"),
    [
        ("Mi pedido es el cuatro cinco siete dos uno", "45721"),
        ("es el cuarenta y cinco mil setecientos veintiuno", "45721"),
        ("4 5 7 2 1", "45721"),  # Whisper on digits said one by one
        ("4, 5, 7, 2, 1", "45721"),  # ...or with commas (regression: real recorded digits)
        ("el 45.721", "45721"),
        ("45-721", "45721"),
        ("la orden treinta y ocho mil ciento cincuenta", "38150"),
        ("busco algo de menos de doscientos mil pesos", None),  # a price, not an order
        ("talla cuarenta y dos", None),
        ("mi celular es 3205550101", None),  # a phone is too long for an order number
        ("no lo tengo", None),
    ],
)
def test_order_numbers_from_speech(text: str, number: str | None) -> None:
    assert nlu.order_number(text) == number


@pytest.mark.parametrize(
    ("text", "phone"),
    [
        ("mi número es tres dos cero cinco cinco cinco cero uno cero uno", "+573205550101"),
        ("320 555 0101", "+573205550101"),
        ("+57 320 555 0101", "+573205550101"),
        ("el pedido 45721", None),
        # regression (fresh22, fresh23): groups the redactor took for a phone and we did not
        ("anote el otro, 3, 15, 4, 42, 1870.", "+573154421870"),
        ("a note 3154, 4218, 70", "+573154421870"),
        ("mis pedidos son 46571, 45239", None),
    ],
)
def test_phone_numbers(text: str, phone: str | None) -> None:
    assert nlu.phone_number(text) == phone


def test_a_phone_read_in_groups_is_no_order_number() -> None:
    """Regression (fresh22): "3, 15, 4, 42, 1870" joined to "315442, 1870" was order 315442."""
    turn = nlu.understand("Pero no a este número, anote el otro, 3, 15, 4, 42, 1870.")
    assert (turn.phone, turn.order_number) == ("+573154421870", None)


@pytest.mark.parametrize(
    ("text", "answer"),
    [
        ("Sí, por favor", True),
        ("claro que sí", True),
        ("Dale", True),
        ("bueno, listo", True),
        ("No, gracias", False),
        ("no", False),
        ("ahora no", False),
        ("Eh, no sé", None),  # unclear is not a yes (nor consent)
        ("tal vez", None),
        ("¿cuánto vale?", None),
        ("", None),
        # a longer turn answers only when it opens with the answer (regressions: the "no"
        # of a complaint and the "si" of "pero si…" were taken as answers to the offer)
        ("Pues no, la verdad prefiero averiguar otra cosa", False),
        ("Eh, sí, mándemelo a este mismo número", True),
        ("Pero yo no he visto ningún paquete en la casa", None),
        ("¿Y no tienen algún otro modelo parecido?", None),
        ("Oiga, pero si yo ya había pagado eso", None),
        ("creo que no", False),
        # regression (fresh9): "Sí, de una, ábrala" heard "Side una abrala" was asked again
        ("Side una abrala.", True),
        ("De una, proceda.", True),
        ("No, no la abra todavía", False),
    ],
)
def test_yes_no(text: str, answer: bool | None) -> None:
    assert nlu.yes_no(text) is answer


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("¿Dónde está mi pedido?", "order_status"),
        ("Quiero saber el estado de mi orden", "order_status"),
        ("Quiero devolver la licuadora", "return"),
        ("necesito un cambio de talla", "return"),
        ("¿Tienen tenis Adidas?", "product_search"),
        ("¿Cuánto vale la licuadora Oster?", "price"),  # a price question: of that product
        ("¿Cuánto vale el envío a Cali?", "store_info"),  # policy: from the facts, not a tool
        ("Quiero saber cuánto tueta el envío.", "store_info"),  # regression: ASR slip
        ("¿Hacen envíos a Pasto?", "store_info"),
        ("¿Cuántos días tengo para devolver un producto?", "store_info"),  # policy, not a ticket
        ("¿Cuándo llega mi envío?", "order_status"),
        ("¿A qué hora abren?", "store_info"),
        ("Tengo productos en el carrito", "cart"),
        ("que me llamen más tarde", "callback"),
        ("buenas tardes", None),
    ],
)
def test_intents(text: str, intent: str | None) -> None:
    assert nlu.retail_intent(text) == intent


@pytest.mark.parametrize(
    ("said", "size"),
    [("¿Y sí tienen ese mismo vestido en S, negro?", "S"), ("¿Lo tienen en XL?", "XL"),
     ("Quiero una M", "M"), ("Me da miedo que me quede grande", None),
     ("Lo mandan a Pasto en Servientrega", None)],
)  # fmt: skip
def test_a_letter_size_said_without_talla(said: str, size: str | None) -> None:
    """Regression (fresh21): "¿…ese mismo vestido en S, negro?" kept the size asked before."""
    assert nlu.product_query(said).size == size


def test_product_query_filters() -> None:
    q = nlu.product_query("¿Tienen tenis Adidas talla cuarenta y dos en rojo?")
    assert (q.size, q.color, q.max_price) == ("42", "rojo", None)
    assert "adidas" in q.terms and "rojo" not in q.terms and "42" not in q.terms
    q = nlu.product_query("Busco una chaqueta talla eme por menos de doscientos mil pesos")
    assert (q.size, q.color, q.max_price) == ("M", None, 200000)
    assert nlu.product_query("unas sandalias blancas").color == "blanco"
    assert nlu.size("talla XL") == "XL"
    assert nlu.max_price("hasta 150.000 pesos") == 150000


@pytest.mark.parametrize(
    "text",
    [
        "Sí, claro.",
        "No",
        "¿Cuánto vale un reloj?",
        "Hasta luego",
        "Quiero saber el estado de mi orden.",
        "Necesito hablar con un asesor",
    ],
)
def test_whole_turns_sound_finished(text: str) -> None:
    assert nlu.sounds_finished(text)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "Quiero saber el estado de",
        "Quiero saber",  # an infinitive waiting for its object
        "Mi número de pedido es el 7, 2",  # dictating a number in groups
        "siete dos uno",
        "El envío a Medellín y",
        "Eh...",
        "Pues este,",
        "Busco unos zapatos para",
    ],
)
def test_turns_that_trail_off_do_not(text: str) -> None:
    assert not nlu.sounds_finished(text)


@pytest.mark.parametrize(
    "text",
    [
        "Quiero devolver el pedido cuatro cinco siete dos uno",
        "¿Tienen tenis Adidas talla cuarenta y dos en rojo por menos de doscientos mil?",
        "mi número es tres dos cero cinco cinco cinco cero uno cero uno",
        "Sí, por favor",
        "buenas tardes",
    ],
)
def test_the_understanding_has_what_each_reader_finds(text: str) -> None:
    turn = understand(text)
    assert turn.text == text and turn.folded == fold(text) and turn.digits == digits(text)
    assert turn.intent == nlu.retail_intent(text)
    assert turn.confidence == (1.0 if turn.intent else 0.0)
    assert turn.order_number == nlu.order_number(text)
    assert turn.phone == nlu.phone_number(text)
    assert turn.answer == nlu.yes_no(text)
    assert turn.product == nlu.product_query(text)
    assert turn.rule is None  # no keyword rules given


def test_the_understanding_is_frozen() -> None:
    turn = understand("¿Dónde está mi pedido 45721?")
    assert (turn.intent, turn.order_number) == ("order_status", "45721")
    with pytest.raises(dataclasses.FrozenInstanceError):
        turn.intent = "return"  # type: ignore[misc]


def test_keyword_rules_come_first_in_their_order() -> None:
    rules: nlu.Rules = [("transfer_requested", ["asesor"]), ("goodbye", ["chao", "gracias"])]
    assert understand("Chao, gracias", rules).rule == "goodbye"
    assert understand("Gracias, páseme a un asesór", rules).rule == "transfer_requested"
    assert understand("Hola", rules).rule is None


def test_a_classifier_fills_the_intent_slot() -> None:
    seen: list[str] = []

    def classifier(folded: str) -> tuple[RetailIntent | None, float]:
        seen.append(folded)
        return ("complaint", 0.83) if "roto" in folded else (None, 0.4)

    turn = understand("¡Me llegó ROTO el pedido 45721!", classify=classifier)
    assert seen == ["me llego roto el pedido 45721"]  # folded words, once
    assert (turn.intent, turn.confidence, turn.order_number) == ("complaint", 0.83, "45721")
    assert understand("hola", classify=classifier).intent is None


def test_says_matches_phrases_without_accents() -> None:
    turn = understand("¿Cuánto cuesta el envío?")
    assert turn.says(["cuanto cuesta"]) and turn.says(["envío"]) and not turn.says(["costo"])
    assert isinstance(turn, Understanding) and isinstance(turn.product, ProductQuery)


class _Labels:
    """A trained model stand-in: fixed labels and probabilities by a word of the turn."""

    def __init__(self, table: dict[str, tuple[str, float]]) -> None:
        self.table = table
        self.seen: list[str] = []

    def predict(self, text: str) -> tuple[str, float]:
        self.seen.append(text)
        return next((v for k, v in self.table.items() if k in text), ("greeting", 0.99))


def test_trained_intents_map_labels_and_fall_back_to_the_cues_below_the_threshold() -> None:
    model = _Labels(
        {
            "alguien": ("person_agent", 0.95),
            "pedido": ("payment", 0.5),
            "carrito": ("product_search", 0.9),
            "aburrido": ("out_of_scope", 0.8),
        }
    )
    classify = nlu.TrainedIntents(model, threshold=0.7)
    assert classify("paseme con alguien") == ("person", 0.95)
    assert classify("donde esta mi pedido") == ("order_status", 1.0)  # unsure: the cues
    assert classify("tengo cosas en el carrito") == ("cart", 1.0)  # a cue the model lacks
    assert classify("estoy aburrido") == ("out_of_scope", 0.8)
    assert classify("alo buenas") == (None, 0.0)  # a greeting asks for nothing
    assert set(nlu.MODEL_INTENTS) == set(INTENTS)


@pytest.mark.parametrize("text", ["no", "ok", "si claro", "45721", "4 5 7 2 1"])
def test_short_answers_and_bare_numbers_are_not_sent_to_the_model(text: str) -> None:
    model = _Labels({"": ("data_rights", 0.99)})
    assert nlu.TrainedIntents(model)(fold(text)) == nlu.keyword_intent(fold(text))
    assert model.seen == []


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("Páseme con alguien de carne y hueso", "person"),
        ("Quiero que borren toda mi información de su sistema", "data_rights"),
        ("¿Qué datos tienen guardados de mí?", "data_rights"),
        ("Ahora no puedo hablar, llámenme en una hora", "callback"),
        ("Muchas gracias, muy amable", "goodbye"),
        ("¿Quién ganó el partido ayer?", "out_of_scope"),
        ("¿Ustedes aceptan tarjeta de crédito?", "payment"),
        ("¿Cuánto cuesta?", "price"),
        ("¿Cuántos días tengo para devolver un producto?", "store_info"),  # policy, cue wins
        ("Sí", None),
    ],
)
def test_the_real_model_in_the_understanding(text: str, intent: str | None) -> None:
    classify = nlu.TrainedIntents(IntentModel.load(DEFAULT_MODEL), threshold=0.7)
    assert understand(text, classify=classify).intent == intent


@pytest.mark.parametrize(
    "text",
    [
        "Mi tarjeta es 4111 1111 1111 1111",
        "cuatro uno uno uno, uno uno uno uno, uno uno uno uno, uno uno uno uno",
        "el número es 4111-1111-1111-1112",  # misheard: fails Luhn, still a card's length
        "el código de seguridad es 123",
        "los números de atrás son tres cuatro cinco",
        "mi tarjeta de crédito empieza por 4111 1111",  # part of a card, next to "tarjeta"
    ],
)
def test_card_data_is_a_slot_that_blanks_the_numbers(text: str) -> None:
    turn = understand(text)
    assert turn.card and nlu.card_data(text)
    assert (turn.intent, turn.order_number, turn.phone) == ("payment", None, None)


@pytest.mark.parametrize(
    "text",
    ["Pagué con tarjeta el pedido 45721", "mi celular es 3205550101", "talla 42 por 150.000 pesos"],
)
def test_order_numbers_phones_and_prices_are_not_card_data(text: str) -> None:
    assert not understand(text).card


def test_card_numbers_are_redacted_from_what_is_kept() -> None:
    for text in ["Mi tarjeta es 4111 1111 1111 1111",
                 "cuatro uno uno uno, uno uno uno uno, uno uno uno uno, uno uno uno uno",
                 "el código de seguridad es 123"]:  # fmt: skip
        kept = redact(text)
        assert "1111" not in kept and "123" not in kept and "uno uno uno" not in kept, kept
    assert nlu.is_card_number("4111111111111111") and not nlu.is_card_number("4111111111111112")


def test_language_and_request_slots() -> None:
    assert nlu.language("Hello, do you speak English?") == "en"
    assert nlu.language("Hola, ¿tienen tenis Adidas?") == "es"
    english = understand("Can you help me with my order please")
    assert (english.language, english.intent) == ("en", "other_language")
    assert understand("Por favor borren mis datos").data_rights
    assert understand("Que me llamen más tarde").callback
    assert not understand("¿Dónde está mi pedido?").callback


@pytest.mark.parametrize(
    ("heard", "meant"),
    [("¿y la tienen en aenegro?", "¿y la tienen en ae negro?"),
     ("blancosí", "blanco, sí"),
     ("Ok, ¿quantos quedan?", "Ok, ¿cuántos quedan?"),
     ("¿Tienen cafeteras negras?", "¿Tienen cafeteras negras?"),
     ("Vivo en Montenegro", "Vivo en monte negro"),
     # regression (fresh7): "¿las licuadoras Oster traen garantía?" was read as the blender
     ("las licuadoras Oster Trangarantía.", "las licuadoras Oster tran garantia."),
     ("¿Cómo pido la garantía?", "¿Cómo pido la garantía?")],
)  # fmt: skip
def test_whispers_word_slips_are_mended_before_reading(heard: str, meant: str) -> None:
    # regressions: glued colour words ("llenegro", "negrosía") and "quanto" for "cuánto"
    # (the last case shows the price of the rule: a place name split, harmless to the store)
    assert nlu.respelled(heard) == meant


def test_colour_diminutives_are_colours() -> None:
    assert understand("¿la tiene en rojito?").product.color == "rojo"
    assert understand("una negrita talla S").product.color == "negro"


@pytest.mark.parametrize(
    ("said", "wanted"),
    [
        ("No, ya me llegó, gracias. Más bien quería saber si tienen medias",
         "queria saber si tienen medias"),
        ("no, lo que necesito es que me devuelvan la plata", "que me devuelvan la plata"),
        ("más bien grande", "mas bien grande"),  # two words after it: no request of its own
        ("¿Dónde está mi pedido?", "donde esta mi pedido"),
    ],
)  # fmt: skip
def test_the_request_is_what_follows_a_redirect(said: str, wanted: str) -> None:
    assert request_part(fold(said)) == wanted
    turn = understand(said)
    assert turn.folded == wanted
    if said.startswith("No"):
        assert turn.answer is False  # the answer is still read from the whole turn


@pytest.mark.parametrize(
    ("when", "hour", "day"),
    [
        ("el jueves como a las 9 de la noche", 21, "thu"),
        ("mañana tipo 5", 17, None),
        ("el sábado a las 10 de la mañana", 10, "sat"),
        ("a las 10", 10, None),
        ("el miércoles a las 12", 12, "wed"),
        ("en la tarde", None, None),
    ],
)
def test_a_call_backs_hour_and_day(when: str, hour: int | None, day: str | None) -> None:
    assert (clock_hour(when), weekday_named(when)) == (hour, day)


@pytest.mark.parametrize(
    ("said", "total"),
    [
        ("lo que voy a pedir da como 200 mil, ¿me cobran el envío?", 200_000),
        ("si compro un jean de 140 y 8.900, ¿me cobran el envío a Pasto?", 148_900),
        # regression (fresh22): items priced one by one, thousands set apart by a space
        ("unas sandalias de 84 900 y unas Crocs de 59 900, ¿me sale el envío gratis?", 144_800),
        ("es gratis desde 150.000, ¿no? Mi compra es de 120.000", 120_000),
        ("¿me cobran el envío del pedido?", None),
    ],
)
def test_the_sum_said_for_a_shipping_question(said: str, total: int | None) -> None:
    assert nlu.amount(said) == total


@pytest.mark.parametrize(
    "said",
    ["¿Será que me pueden devolver la llamada en la tarde?", "Regrésenme la llamada mañana."],
)
def test_a_call_returned_is_a_call_back_not_a_return(said: str) -> None:
    """Regression (fresh25): "¿me pueden devolver la llamada otro día?" was a return."""
    assert understand(said).intent == "callback"


def test_a_call_backs_time_opening_the_turn_is_said_mid_sentence() -> None:
    """Regression (fresh25): "El jueves…" was said back as "que le llamen El jueves…"."""
    assert understand("El viernes a las 3 de la tarde, por favor.").when == (
        "el viernes a las 3 de la tarde"
    )


def test_shipping_cut_in_two_is_shipping() -> None:
    """Regression (fresh26): "ya no me cobran en bio, ¿cierto?" (envío) was a payment turn."""
    assert "envío" in nlu.respelled("¿Y con eso ya no me cobran en bio, cierto?")


@pytest.mark.parametrize(
    ("said", "hesitates"),
    [
        ("a ver", True),
        ("eh pues", True),
        ("bueno a ver", True),
        ("a ver el 45", False),
        ("alo", False),
        ("", False),
    ],
)
def test_is_hesitation(said: str, hesitates: bool) -> None:
    assert is_hesitation(said) is hesitates


def test_a_call_back_at_la_hour() -> None:
    # Whisper's "a la 7" for "a las 7"
    assert when_said("el domingo a la 7 de la mañana") == "el domingo a la 7 de la mañana"


@pytest.mark.parametrize(("said", "pesos"), [("vale como 70 y 2000", 72000),
                                             ("de 140 y 8.900 pesos", 148900)])  # fmt: skip
def test_thousands_said_in_two_parts(said: str, pesos: int) -> None:
    assert amount(said) == pesos


@pytest.mark.parametrize(
    ("said", "answer"),
    [("si tienen", None), ("bueno, sí hay de esa", None), ("sí, tienen razón", True),
     ("sí, hágale", True)],
)  # fmt: skip
def test_si_tienen_is_a_question_not_a_yes(said: str, answer: bool | None) -> None:
    """Regression (fresh28): "¿sí tienen?" written "si tienen" was a yes to a link offer."""
    assert understand(said).answer is answer


def test_a_round_sum_said_with_a_charge_is_no_order_number() -> None:
    """Regression (fresh28): "el envío sí me lo cobran, es una sola camiseta de 126.000" looked
    up order 126000."""
    heard = understand("Y el envío sí me lo cobran, es una camiseta de 98.000.")
    assert heard.order_number is None and "envio" in heard.folded


def test_en_vivo_is_envio() -> None:
    # Regression (fresh28): "¿me cobran algo más de envío?" heard "algo más de en vivo"
    assert "envio" in understand("¿Me cobran algo más de en vivo?").folded
