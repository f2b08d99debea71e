"""The agent's summary: motive in clean words, sentiment from the caller, what the tools did."""

from __future__ import annotations

import re

import pytest

from voicebot.config import packaged_agent_text
from voicebot.dialogue.retail import Outcome
from voicebot.handoff.summary import summarize

pytestmark = pytest.mark.fast

TEXTS = packaged_agent_text()
GREETING = {"role": "bot", "text": "Hola, gracias por llamar a Almacenes La Quinta."}
CONSENT = {"role": "bot", "text": "Para atenderle, esta llamada se graba. ¿Nos autoriza?"}


def caller(text: str) -> dict[str, str]:
    return {"role": "caller", "text": text}


def test_motive_is_intent_and_slots_in_clean_words() -> None:
    transcript = [
        GREETING, CONSENT, caller("Sí."),
        caller("quiero prescí a esperando un reembolso hace tres días"),
        {"role": "bot", "text": "Con gusto lo reviso."},
        caller("el pedido es cuatro cinco siete dos uno, páseme con un asesor"),
    ]  # fmt: skip
    s = summarize(transcript, "transfer_requested", "+573001234567", [])
    assert s.motive == (
        "devolución, cambio o reembolso: hace 3 días; estado de un pedido: pedido 45721; "
        "pide un asesor"
    )
    assert s.references == ["45721"]
    said = " ".join(t["text"] for t in transcript) + " 45721 3"
    assert all(n in said for n in re.findall(r"\d+", s.spoken()))  # nothing invented


def test_slots_size_and_colour_and_an_unclear_call() -> None:
    s = summarize([caller("busco unos tenis rojos talla cuarenta y dos")], "x", "", [])
    assert s.motive == "busca un producto: talla 42, color rojo"
    s = summarize([caller("eh, bueno, mire, es que")], "x", "", [])
    assert s.motive == "sin motivo claro; dijo: «eh, bueno, mire, es que»"
    assert summarize([], "x", "", []).motive == TEXTS.summary.no_motive


@pytest.mark.parametrize(
    ("said", "reason", "sentiment"),
    [
        ("Estoy muy molesta, el pedido no llega", "transfer_requested", "muy molesto"),
        ("estoy súper brava con ustedes", "transfer_requested", "muy molesto"),
        ("Esto es pésimo, qué rabia", "frustration", "muy molesto"),
        ("Estoy molesto con el envío", "transfer_requested", "molesto"),
        ("esto es pesimo", "transfer_requested", "molesto"),  # no accent, as Whisper writes
        ("No estoy molesta, solo quiero saber del pedido", "transfer_requested", "tranquilo"),
        ("¿Dónde está mi pedido?", "transfer_requested", "tranquilo"),
        ("¿Dónde está mi pedido?", "frustration", "molesto"),
    ],
)
def test_sentiment_comes_from_what_the_caller_said(said: str, reason: str, sentiment: str) -> None:
    s = summarize([caller(said)], reason, "", ["pésimo", "qué rabia"])
    assert s.sentiment == sentiment


def test_what_the_bot_did_is_its_tools_never_its_fixed_phrases() -> None:
    transcript = [GREETING, CONSENT, caller("Sí."), caller("¿Dónde está mi pedido 45721?")]
    outcome = Outcome(store_errors=1)
    notes = ["Consultó el pedido 45721: en camino.", "Se abrió la solicitud 812 (queja)."]
    s = summarize(transcript, "transfer_requested", "", [], ["Cliente: Ana"], actions=notes,
                  outcome=outcome)  # fmt: skip
    assert s.bot_actions == [*notes, TEXTS.summary.store_error]
    assert not any("autoriza" in a for a in s.bot_actions)
    assert s.context == ["Cliente: Ana"]
    assert summarize(transcript, "x", "", [], actions=[]).bot_actions == [
        TEXTS.summary.bot_only_greeted
    ]


def test_everything_is_redacted() -> None:
    transcript = [
        caller("Quiero pagar el pedido 45721 con la tarjeta 4111 1111 1111 1111"),
        caller("mi correo es ana@example.com y mi cédula 1020304050"),
    ]
    notes = ["Llamar a ana@example.com"]
    s = summarize(transcript, "sensitive_topic", "+573001234567", [], actions=notes)
    shown = " ".join([s.spoken(), *s.bot_actions, *s.context, *s.references])
    assert "4111" not in shown and "ana@example.com" not in shown and "1020304050" not in shown
    assert "pedido 45721" in s.motive and "4567" in s.customer and "300" not in s.customer
    # the agent knows card data was said, not what it was
    assert "pedido 45721, dio datos personales que no se muestran: [tarjeta]" in s.motive
