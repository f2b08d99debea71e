"""Guards on model sentences: a golden list of what the small model says (pure, no loop)."""

from __future__ import annotations

import pytest

from tests.conftest import make_settings
from voicebot.config import Settings
from voicebot.dialogue.guards import (
    GuardRules,
    check,
    clean_sentence,
    guard_rules,
    is_filler,
    offers_person,
    right_store_name,
    shortened,
    to_usted,
    tu_left,
)
from voicebot.dialogue.policy import Dialogue, ReplyStats, Say, render_system_prompt

pytestmark = pytest.mark.fast

SETTINGS = make_settings()
RULES = guard_rules(SETTINGS)
CALLER = "quiero saber cuánto vale el envío a cali, mi pedido es el 45721"
CONTEXT = " ".join([render_system_prompt(SETTINGS), CALLER])
REPLACED = SETTINGS.phrase("guarded_answer")
CANNOT = SETTINGS.phrase("cannot_confirm")


def said(sentence: str, caller: str = CALLER, rules: GuardRules = RULES) -> str | None:
    return check(sentence, caller, CONTEXT, rules).text


# What a store agent would say: it passes unchanged.
UNCHANGED = [
    "Con gusto le ayudo con su pedido.",
    "¿En qué le puedo ayudar?",
    "Los domingos abrimos de 10 a. m. a 6 p. m.",
    "Atendemos de lunes a sábado de 9 a. m. a 8 p. m.",
    "El envío es gratis en compras desde 150.000 pesos.",
    "El envío es gratis en compras desde ciento cincuenta mil pesos.",
    "Enviamos a todo Colombia en 2 a 5 días hábiles.",
    "Su pedido 45721 lo reviso con gusto.",
    "Con gusto, ¿me dice el número de su pedido?",
    "Puede pagar con tarjeta débito o crédito, PSE o Nequi.",
    "Si prefiere, le comunico con un asesor.",
    "La parte de arriba es de algodón.",
    "Le deseo buena suerte con su compra.",
    "Usted puede devolver el producto sin uso y con la factura.",
    "¿Le gustaría que un asesor le ayude con eso?",
    "Ese producto se llama igual en todas las tiendas.",
    "Abrimos a las 9 de la mañana.",
    "¿Hay algo más en lo que le pueda ayudar?",
    "¿Llama por su pedido de zapatillas?",
    "¿Confirma que un asesor le devuelva la llamada?",
    "¿Busca algo en especial?",
    "Si necesita cambiar la talla, con gusto le explico cómo.",
    "Las zapatillas que busca están en varias tallas.",
]


@pytest.mark.parametrize("sentence", UNCHANGED)
def test_a_good_sentence_passes_unchanged(sentence: str) -> None:
    checked = check(sentence, CALLER, CONTEXT, RULES)
    assert (checked.text, checked.guards) == (sentence, ())


# "tú" slips seen from the small model, and their usted form.
TU_REWRITES = [
    ("¿Tienes tu número de pedido a la mano?", "¿Tiene su número de pedido a la mano?"),
    ("Dime tu número de pedido, por favor.", "Dígame su número de pedido, por favor."),
    ("Claro, puedo ayudarte con eso.", "Claro, puedo ayudarle con eso."),
    ("Te lo envío por mensaje de texto.", "Se lo envío por mensaje de texto."),
    ("Escríbeme tu correo.", "Escríbame su correo."),
    ("Avísame si necesitas algo más.", "Avíseme si necesita algo más."),
    ("Llámanos cuando quieras.", "Llámenos cuando quiera."),
    ("Mira, los envíos tardan 2 a 5 días hábiles.", "Mire, los envíos tardan 2 a 5 días hábiles."),
    ("Si compras desde 150.000 pesos, el envío es gratis.",
     "Si compra desde 150.000 pesos, el envío es gratis."),
    ("No te preocupes, ya lo reviso.", "No se preocupe, ya lo reviso."),
    ("Para ti tenemos envíos a todo Colombia.", "Para usted tenemos envíos a todo Colombia."),
    ("Podrás ver el estado en la página.", "Podrá ver el estado en la página."),
    ("Recuerda que tienes 30 días para devolverlo.", "Recuerde que tiene 30 días para devolverlo."),
    ("¿Te gustaría hablar con un asesor?", "¿Le gustaría hablar con un asesor?"),
    ("¿Compraste en la tienda o en línea?", "¿Compró en la tienda o en línea?"),
    ("¿Qué talla quieres?", "¿Qué talla quiere?"),
    ("Cuéntame qué estás buscando.", "Cuénteme qué está buscando."),
    ("Estoy ayudándote con tu devolución.", "Estoy ayudándole con su devolución."),
    ("Tú puedes pagar con Nequi.", "Usted puede pagar con Nequi."),
    ("Regálame tu número de pedido.", "Regáleme su número de pedido."),
    ("llamame si quieres", "Llámeme si quiere"),
]  # fmt: skip


@pytest.mark.parametrize(("slip", "usted"), TU_REWRITES)
def test_tu_is_rewritten_to_usted(slip: str, usted: str) -> None:
    checked = check(slip, CALLER, CONTEXT, RULES)
    assert checked.text is not None and checked.text.lower() == usted.lower()
    assert checked.guards == ("usted",) and not tu_left(checked.text)


@pytest.mark.parametrize(
    "slip",
    ["¿Consumiste el producto?", "Vos podés pagar con Nequi.", "Fijate en la etiqueta.",
     "¿Oíste bien el número?", "¿Sabés tu talla?"],
)  # fmt: skip
def test_tu_without_a_safe_rewrite_is_replaced(slip: str) -> None:
    assert to_usted(slip) is None
    checked = check(slip, CALLER, CONTEXT, RULES)
    assert (checked.text, checked.phrase) == (REPLACED, "guarded_answer")
    assert checked.guards == ("usted_replaced",)


def test_an_ar_preterite_is_rewritten() -> None:
    checked = check("¿Ya llegaste a la tienda?", CALLER, CONTEXT, RULES)
    assert checked.text == "¿Ya llegó a la tienda?"  # every -ar preterite is regular


# Generic fillers: dropped.
FILLERS = [
    "¡Por supuesto!",
    "Si tienes alguna otra pregunta, no dudes en preguntar.",
    "Siempre estoy aquí para ayudarte.",
    "Estoy aquí para ayudarle en lo que necesite.",
    "Es un placer ayudarte.",
    "¡Claro!",
    "Gracias por tu paciencia.",
    "Que tengas un excelente día.",
    "Espero haberte ayudado.",
    "¡Excelente pregunta!",
    "Como asistente virtual, no tengo acceso a esa información.",
    "No dude en contactarnos si necesita algo más.",
]


@pytest.mark.parametrize("sentence", FILLERS)
def test_generic_fillers_are_dropped(sentence: str) -> None:
    assert is_filler(sentence)
    checked = check(sentence, CALLER, CONTEXT, RULES)
    assert checked.text is None and checked.guards[-1] == "filler"


# Parroting: the greeting, the consent notice, the caller's words.
PARROTS = [
    "Hola, gracias por llamar a Almacenes La Quinta.",
    "Gracias por llamar a Go Lat.",
    "Hola, gracias por llamar a Go Lat. Le atiende un asistente automático.",
    "Le atiende un asistente automático.",
    "Para atenderle, esta llamada se graba y sus datos se tratan según nuestra política de "
    "privacidad.",
    "Esta llamada se graba y sus datos se tratan según la política de privacidad.",
    "Diga sí o marque uno.",
    "Gracias por su autorización.",
    "Entendido, no guardaremos sus datos.",
]


@pytest.mark.parametrize("sentence", PARROTS)
def test_greeting_and_consent_are_not_said_again(sentence: str) -> None:
    checked = check(sentence, "hola buenas", CONTEXT, RULES)
    assert checked.text is None and checked.guards == ("parrot",)


@pytest.mark.parametrize(
    "sentence",
    [
        "Quiero saber cuánto vale el envío a Cali, mi pedido es el 45721.",
        "Usted quiere saber cuánto vale el envío a Cali, su pedido es el 45721.",
        "Entiendo, quiere saber cuánto vale el envío a Cali.",
    ],
)
def test_the_callers_words_said_back_are_not_an_answer(sentence: str) -> None:
    checked = check(sentence, CALLER, CONTEXT, RULES)
    assert checked.text is None and checked.guards == ("echo",)


# Facts that neither the store facts nor the caller gave: the fixed phrase instead.
INVENTED = [
    "Su pedido llega el martes.",
    "El envío a Cali cuesta 12.000 pesos.",
    "El envío cuesta doce mil pesos.",
    "Mañana le llega el pedido.",
    "Abrimos a las 7 de la mañana.",
    "Su pedido 88123 va en camino.",
    "Tenemos un descuento del 20 % esta semana.",
    "Llega el 27 de noviembre.",
    "Tenemos una promoción en zapatillas.",
    "Atendemos los domingos hasta las once de la noche.",
]


@pytest.mark.parametrize("sentence", INVENTED)
def test_invented_facts_are_replaced(sentence: str) -> None:
    checked = check(sentence, CALLER, CONTEXT, RULES)
    assert (checked.text, checked.phrase) == (CANNOT, "cannot_confirm")
    assert checked.guards == ("ungrounded",)


def test_the_store_name_is_never_a_misheard_word() -> None:
    name = SETTINGS.store.name
    assert right_store_name("Soy el asistente de Go Lat.", name) == f"Soy el asistente de {name}."
    assert right_store_name("Bienvenido a Gol At, ¿qué busca?", name) == (
        f"Bienvenido a {name}, ¿qué busca?"
    )
    assert right_store_name("Soy el asistente de La Quinta.", name) == (
        "Soy el asistente de La Quinta."  # part of the name: fine
    )
    checked = check("Soy el asistente virtual de Go Lat y le ayudo.", "", CONTEXT, RULES)
    assert checked.text == f"Soy el asistente virtual de {name} y le ayudo."
    assert checked.guards == ("store_name",)


def test_spoken_not_written() -> None:
    assert clean_sentence("Visite www.tienda.com para más información.") is None
    assert clean_sentence("Escríbanos a ventas@tienda.co.") is None
    assert clean_sentence("Vea https://tienda.example.co/p/1") is None
    assert clean_sentence('{"tool": "order_status"}') is None
    assert clean_sentence("1. Zapatillas deportivas.") == "Zapatillas deportivas."
    assert clean_sentence("- Tenis Nike 👟") == "Tenis Nike"
    assert clean_sentence("**Con gusto** le ayudo 😊.") == "Con gusto le ayudo."
    checked = check("* **Nequi** y PSE.", "", CONTEXT, RULES)
    assert (checked.text, checked.guards) == ("Nequi y PSE.", ("cleaned",))


def test_a_long_sentence_is_cut_at_a_clause_or_dropped() -> None:
    long = (
        "Con gusto le ayudo, pero para eso necesito el número de su pedido, que aparece en el "
        "correo de confirmación que le enviamos cuando hizo la compra en nuestra tienda en "
        "línea, y también su nombre completo."
    )
    checked = check(long, "", CONTEXT, RULES)
    assert checked.text == "Con gusto le ayudo, pero para eso necesito el número de su pedido."
    assert checked.guards == ("trimmed",)
    assert shortened("¿Me dice " + "muy " * 40 + "despacio?", 10) is None
    assert shortened("¿Me dice el número de su pedido, " + "por favor " * 20 + "?", 12) == (
        "¿Me dice el número de su pedido?"
    )
    assert check("palabra " * 40, "", CONTEXT, RULES).guards == ("too_long",)
    assert shortened("Corto.", 5) == "Corto."


def test_rules_follow_the_running_settings() -> None:
    other: Settings = make_settings(
        store={"name": "Tienda Sol"},
        phrases={"guarded_answer": "Con gusto. ¿Qué necesita?"},
        llm={"max_sentence_words": 8},
    )
    rules = guard_rules(other)
    assert rules.store_name == "Tienda Sol" and rules.max_words == 8
    assert check("Vos sabés.", "", CONTEXT, rules).text == "Con gusto. ¿Qué necesita?"
    assert check("Gracias por llamar a Tienda Sol.", "", CONTEXT, rules).guards == ("parrot",)
    assert check("Soy el asistente de Go Lat.", "", CONTEXT, rules).text == (
        "Soy el asistente de Tienda Sol."
    )


def test_the_dialogue_counts_each_guard_decision_and_says_the_replacement_once() -> None:
    dialogue = Dialogue(SETTINGS, model=None)  # type: ignore[arg-type]  # _checked only
    stats = ReplyStats()
    assert dialogue._checked("¡Por supuesto!", CALLER, CONTEXT, stats) is None
    assert stats.guarded == 1
    part = dialogue._checked("Dime tu talla.", CALLER, CONTEXT, stats)
    assert part is not None and part.text == "Dígame su talla." and stats.guarded == 2
    part = dialogue._checked("Vos sabés.", CALLER, CONTEXT, stats)
    assert part is None and stats.guarded == 3  # a replacement after other guards: dropped
    fresh = ReplyStats()
    part = dialogue._checked("Vos sabés.", CALLER, CONTEXT, fresh)
    assert part is not None and part.phrase == "guarded_answer" and fresh.guarded == 1
    part = dialogue._checked("Con gusto le ayudo.", CALLER, CONTEXT, fresh)
    assert part is not None and part.phrase is None and fresh.guarded == 1


@pytest.mark.parametrize(
    "promise",
    ["Le comunico con un asesor de inmediato.", "Permítame transferirla con una agente.",
     "Ya mismo lo voy a pasar con una asesora.", "Un asesor se comunicará con usted."],
)  # fmt: skip
def test_a_promised_transfer_becomes_an_offer(promise: str) -> None:
    # regression: the model said "le comunico con un asesor" and no transfer followed
    checked = check(promise, CALLER, CONTEXT, RULES)
    assert checked.text == SETTINGS.phrase("offer_person") and "promise" in checked.guards


@pytest.mark.parametrize(
    ("sentence", "offers"),
    [("Si prefiere, le comunico con un asesor.", True),
     ("¿Le gustaría que un asesor le ayude con eso?", True),
     ("Le comunico que su pedido ya salió.", False),
     ("Claro, le paso el enlace por mensaje.", False),
     ("Un asesor le puede ayudar en la tienda.", False)],
)  # fmt: skip
def test_an_offer_of_a_person_is_told_from_other_sentences(sentence: str, offers: bool) -> None:
    assert offers_person(sentence) is offers
    assert check(sentence, CALLER, CONTEXT, RULES).text == sentence  # said as it is


def test_a_sentence_said_twice_in_one_reply_is_said_once() -> None:
    """Regression (fresh21): the model said "Entiendo su molestia y le pido disculpas." twice
    in one reply."""
    dialogue = Dialogue(SETTINGS, model=None)  # type: ignore[arg-type]  # _checked only
    stats = ReplyStats()
    sorry = "Entiendo su molestia y le pido disculpas."
    assert dialogue._checked(sorry, CALLER, CONTEXT, stats) == Say(sorry)
    assert (
        dialogue._checked("Entiendo su molestia, y le pido disculpas.", CALLER, CONTEXT, stats)
        is None
    )
    assert stats.guarded == 1
    assert dialogue._checked(sorry, CALLER, CONTEXT, ReplyStats()) == Say(sorry)  # next reply
