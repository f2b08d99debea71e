from collections.abc import AsyncIterator
from dataclasses import replace

import pytest

from tests.conftest import make_settings
from voicebot.config import Settings
from voicebot.dialogue.intents import IntentModel
from voicebot.dialogue.llm import Message
from voicebot.dialogue.policy import (
    Dialogue,
    EndCall,
    ReplyStats,
    Say,
    SentenceSplitter,
    clean_sentence,
    detect_intent,
    echoes,
    grounded,
    is_aside,
    is_backchannel,
    relevant_fact,
    render_system_prompt,
)

pytestmark = pytest.mark.fast  # pure rules and a scripted model: the fast tier


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("Quiero hablar con un asesor", "transfer_requested"),
        ("¿Me pasa con una persona, por favor?", "transfer_requested"),
        ("Comuníqueme con un agente.", "transfer_requested"),
        ("Esto es pésimo, ya le dije tres veces", "frustration"),
        ("Me cobraron dos veces la misma compra", "sensitive_topic"),
        ("Voy a poner una demanda", "sensitive_topic"),
        ("Eso es todo, gracias", "goodbye"),
        ("Chao, hasta luego", "goodbye"),
        ("¿Dónde está mi pedido?", None),
        ("Personalizado", None),  # a word that merely contains "persona"
    ],
)
def test_rule_intents(settings: Settings, text: str, intent: str | None) -> None:
    assert detect_intent(text, settings) == intent


@pytest.mark.parametrize("text", ["Ajá.", "Sí", "mhm", "sí, sí", "ok claro", "", "y"])
def test_backchannels(settings: Settings, text: str) -> None:
    assert is_backchannel(text, settings)


@pytest.mark.parametrize(
    "text", ["Espere", "No", "No, eso no es lo que pedí", "sí pero quiero otra"]
)
def test_real_interruptions_are_not_backchannels(settings: Settings, text: str) -> None:
    assert not is_backchannel(text, settings)


def test_splitter_cuts_sentences_and_an_early_first_clause() -> None:
    s = SentenceSplitter()
    out = []
    for piece in [
        "Claro que sí, con mucho gusto le ",
        "ayudo. Nuestro horario ",
        "es amplio. ¿Algo",
        " más?",
    ]:
        out += s.feed(piece)
    out += s.flush()
    assert out == [
        "Claro que sí, con mucho gusto le ayudo.",
        "Nuestro horario es amplio.",
        "¿Algo más?",
    ]
    s = SentenceSplitter()
    assert s.feed("Abrimos a las 9 a. m. y cerramos a las 8 p. m. ") == []
    assert s.feed("¿Algo más?") == ["Abrimos a las 9 a. m. y cerramos a las 8 p. m."]
    s = SentenceSplitter()
    first = s.feed("Con mucho gusto le cuento que la tienda, ")
    assert first == ["Con mucho gusto le cuento que la tienda,"]
    # regression: a short opening ("Sí,") kept the whole first sentence waiting for its end
    s = SentenceSplitter()
    assert s.feed("Sí, tenemos pago contraentrega en ciudades principales; también ") == [
        "Sí, tenemos pago contraentrega en ciudades principales;"
    ]
    assert s.feed("envío. Y más.") == ["también envío."]


def test_clean_sentence_rejects_json_and_markdown() -> None:
    assert clean_sentence('{"tool": "order_status"}') is None
    assert clean_sentence("**Hola**, con gusto.") == "Hola , con gusto."
    assert clean_sentence("...") is None


def test_echo_of_the_caller_is_not_an_answer() -> None:
    caller = "¡Buenas tardes! ¡Quiere la caberra de la viola de la tienda!"
    assert echoes("¡Buenas tardes! ¡Quiero la caberra de la viola de la tienda!", caller)
    assert not echoes("Buenas tardes, ¿en qué le puedo ayudar?", caller)


def test_grounded_numbers_only(settings: Settings) -> None:
    context = render_system_prompt(settings) + " mi pedido es el 4572"
    assert grounded("Abrimos a las 9 a. m.", context)
    assert grounded("Su pedido 4572 está en camino.", context)
    assert not grounded("Su pedido 8812 llega el martes.", context)
    assert not grounded("El envío cuesta 12.000 pesos.", context)


def test_system_prompt_has_the_store_facts_and_usted(settings: Settings) -> None:
    prompt = render_system_prompt(settings)
    assert settings.store.name in prompt and "8 p. m." in prompt and "usted" in prompt
    assert "{" not in prompt


@pytest.mark.parametrize(
    ("said", "topic"),
    [
        # the topic before ":" counts twice: not the returns line "…y la factura."
        ("¿Me pueden facturar a nombre de mi empresa?", "Factura electrónica:"),
        ("¿Ustedes venden al por mayor para mi negocio?", "Vendemos al detal"),
        ("La garantía de la licuadora, ¿cuánto dura?", "Garantía:"),
        ("¿Y ollas también venden?", "Vendemos ropa"),
        ("¿Con quién hablo?", ""),  # no telling word any fact has
        ("¿Cómo va el partido de fútbol?", ""),
    ],
)
def test_the_fact_nearest_the_callers_words(settings: Settings, said: str, topic: str) -> None:
    fact = relevant_fact(settings.store.facts, said)
    assert fact.startswith(topic) and (fact in settings.store.facts) and bool(fact) == bool(topic)


def test_the_fact_goes_to_the_model_just_before_the_callers_words(settings: Settings) -> None:
    on = make_settings(dialogue={"fact_prompt": "Dato de la tienda para esta pregunta: {fact}"})
    dialogue = Dialogue(on, model=None)  # type: ignore[arg-type]  # only messages()
    history = [Message("assistant", "Hola, ¿en qué le ayudo?")]
    *_, fact, user = dialogue.messages(history, "¿Me pueden facturar a nombre de mi empresa?")
    assert fact.role == "system" and "se envía al correo registrado" in fact.content
    assert fact.content.startswith("Dato de la tienda") and user.role == "user"
    assert settings.dialogue.fact_prompt == ""  # off by default: no gain measured
    chat = Dialogue(settings, model=None).messages(history, "¿Me facturan?")  # type: ignore[arg-type]
    assert [m.role for m in chat] == ["system", "assistant", "user"]


@pytest.mark.parametrize(
    ("keyword", "said"),
    [
        ("atención humana", "Quiero atencion humana"),  # the YAML has the accent, Whisper not
        ("comuniqueme", "Comuníqueme con alguien, por favor"),  # and the other way round
        ("ASESOR", "un asesor"),
    ],
)
def test_yaml_transfer_keywords_ignore_accents_and_case(keyword: str, said: str) -> None:
    # regression: policy matched keywords with their accents while retail cues folded them
    settings = make_settings(dialogue={"transfer_keywords": [keyword]})
    assert detect_intent(said, settings) == "transfer_requested"
    assert Dialogue(settings, _Scripted([])).understand(said).rule == "transfer_requested"


class _Scripted:
    """A language model that streams fixed pieces (no model loaded)."""

    def __init__(self, pieces: list[str]) -> None:
        self.pieces = pieces
        self.seen: list[list[Message]] = []

    async def stream(self, messages: list[Message]) -> AsyncIterator[str]:
        self.seen.append(messages)
        for piece in self.pieces:
            yield piece


async def test_reply_reads_the_understanding_it_is_given(settings: Settings) -> None:
    dialogue = Dialogue(settings, _Scripted(["Con gusto le ayudo."]))
    turn = dialogue.understand("Quiero saber algo")
    assert turn.rule is None and turn.intent is None and turn.confidence == 0.0
    parts = [p async for p in dialogue.reply([], turn.text, ReplyStats(), turn=turn)]
    assert parts == [Say("Con gusto le ayudo.")]
    # the rule decision comes from the turn, not from parsing the words again
    ended = [
        p
        async for p in dialogue.reply(
            [], turn.text, ReplyStats(), turn=replace(turn, rule="goodbye")
        )
    ]
    assert ended == [EndCall("goodbye", "farewell")]


async def test_without_the_store_the_new_routes_never_reach_the_model(settings: Settings) -> None:
    from voicebot.dialogue.intents import IntentModel

    model = _Scripted(["Claro que sí, le cuento."])
    dialogue = Dialogue(settings, model, IntentModel.load())

    async def reply(text: str) -> list[object]:
        return [p async for p in dialogue.reply([], text, ReplyStats())]

    assert await reply("Páseme con alguien de carne y hueso") == [
        EndCall("transfer_requested", "transfer")
    ]
    assert await reply("Muchas gracias, muy amable") == [EndCall("goodbye", "farewell")]
    out = settings.phrase("out_of_scope")
    assert await reply("¿Quién ganó el partido ayer?") == [Say(out, "out_of_scope")]
    english = settings.phrase("other_language")
    assert await reply("Hello, do you speak English?") == [Say(english, "other_language")]
    rights = settings.phrase("data_rights")
    assert await reply("¿Qué datos tienen guardados de mí?") == [Say(rights, "data_rights")]
    assert model.seen == []
    # a YAML keyword still wins over the trained intent
    assert await reply("Quiero borrar mis datos personales") == [
        EndCall("sensitive_topic", "transfer")
    ]


def test_the_intent_threshold_and_model_come_from_config() -> None:
    from voicebot.dialogue.policy import load_intent_model

    assert load_intent_model(make_settings(dialogue={"intent_model": ""})) is None
    assert load_intent_model(make_settings(dialogue={"intent_model": "nope.npz"})) is None
    model = load_intent_model(make_settings())
    assert model is not None
    strict = Dialogue(make_settings(dialogue={"intent_threshold": 1.0}), _Scripted([]), model)
    assert strict.understand("Páseme con alguien de carne y hueso").intent is None
    loose = Dialogue(make_settings(), _Scripted([]), model)
    assert loose.understand("Páseme con alguien de carne y hueso").intent == "person"


@pytest.mark.parametrize(
    ("text", "aside"),
    [
        ("¿Aciel?", True),  # a backchannel Whisper wrote as another word
        ("Marina", True),
        ("Espere", False),
        ("¿Cómo?", False),
        ("No", False),
        ("Sí, claro", False),  # an answer (a backchannel is let through before this check)
        ("asesor", False),  # a rule: a person
        ("45721", False),
        ("quiero saber de mi pedido", False),  # more than two words: a turn of its own
    ],
)
def test_asides_are_short_words_that_ask_for_nothing(
    settings: Settings, text: str, aside: bool
) -> None:
    dialogue = Dialogue(settings, None, IntentModel.load())  # type: ignore[arg-type]
    assert is_aside(dialogue.understand(text), settings) is aside


def test_a_product_named_over_the_bot_is_no_aside(settings: Settings) -> None:
    turn = Dialogue(settings, None, IntentModel.load()).understand("Zapatillas Adidas")  # type: ignore[arg-type]
    assert not is_aside(turn, settings, names_product=True)
