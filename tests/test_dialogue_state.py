"""Issue 16's routes and dialogue state through `Dialogue.reply`: the trained intents, a
concierge on the sample store (SQLite), the Twilio stand-in for text messages and a scripted
language model that fails the test when a turn reaches it that must not."""

from __future__ import annotations

import asyncio
import functools
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import replace
from pathlib import Path

import pytest

from tests.conftest import make_settings
from tests.stores import open_backend
from voicebot.config import Settings
from voicebot.dialogue.intents import IntentModel
from voicebot.dialogue.llm import Message
from voicebot.dialogue.policy import Dialogue, EndCall, ReplyPart, ReplyStats, Say
from voicebot.dialogue.retail import Concierge, cop
from voicebot.dialogue.tools import Tools
from voicebot.dialogue.understanding import understand
from voicebot.governance.redaction import redact
from voicebot.handoff.twilio_rest import TwilioRest
from voicebot.store import Records, Store
from voicebot.store.search import Catalog
from voicebot.telephony.fake_cloud import FakeTwilioCloud
from voicebot.text import digits

CAROLINA, STRANGER = "+573205550101", "+573001234567"
CARD = "4111 1111 1111 1111"  # a test card number: passes Luhn


@functools.cache
def intents() -> IntentModel:
    return IntentModel.load()


class _Model:
    """A language model that answers free talk with a fixed sentence and counts its turns."""

    def __init__(self, answer: str = "Con gusto le ayudo.") -> None:
        self.answer = answer
        self.seen: list[list[Message]] = []

    async def stream(self, messages: list[Message]) -> AsyncIterator[str]:
        self.seen.append(messages)
        yield self.answer


Turn = Callable[[str], Awaitable[list[ReplyPart]]]


class Call:
    """One conversation: the dialogue with its concierge (or none), turn by turn."""

    def __init__(self, settings: Settings, concierge: Concierge | None) -> None:
        self.model = _Model()
        self.dialogue = Dialogue(settings, self.model, intents())
        self.concierge = concierge
        self.history: list[Message] = []

    async def __call__(self, text: str) -> list[ReplyPart]:
        turn = self.dialogue.understand(text)
        parts = [
            p
            async for p in self.dialogue.reply(
                self.history, text, ReplyStats(), self.concierge, turn
            )
        ]
        said = " ".join(p.text for p in parts if isinstance(p, Say))
        self.history += [Message("user", text), Message("assistant", said)]
        return parts


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[tuple[Store, Records]]:
    async with open_backend("sqlite", tmp_path, None) as pair:
        yield pair


@pytest.fixture
async def call(
    store: tuple[Store, Records], cloud: FakeTwilioCloud
) -> AsyncIterator[Callable[..., Call]]:
    shop, records = store
    settings = make_settings(twilio={"api_base_url": cloud.url})
    rest = TwilioRest(settings)
    catalog = Catalog(await shop.products())

    def new(phone: str = STRANGER) -> Call:
        tools = Tools(shop, records, catalog, rest, "test")
        return Call(settings, Concierge(settings, tools, phone, "voice"))

    yield new
    await rest.close()


def texts(parts: list[ReplyPart]) -> list[str]:
    return [p.text for p in parts if isinstance(p, Say)]


# ---- routes ----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "said",
    ["Páseme con alguien de carne y hueso, por favor", "Quiero que me atienda alguien de verdad"],
)
async def test_a_person_in_other_words_is_a_transfer(call, said: str) -> None:
    c = call()
    assert await c(said) == [EndCall("transfer_requested", "transfer")]
    assert c.model.seen == []


async def test_thanks_and_goodbye_end_the_call(call) -> None:
    c = call()
    assert await c("Muchas gracias, muy amable, eso era lo que necesitaba") == [
        EndCall("goodbye", "farewell")
    ]


async def test_data_rights_get_the_written_path_and_a_person(call, settings: Settings) -> None:
    c = call()
    parts = await c("Quiero que ustedes eliminen toda la información que tienen sobre mí")
    assert texts(parts) == [settings.phrase("data_rights")]
    assert "Ley 1581" in texts(parts)[0] and "por escrito" in texts(parts)[0]
    assert await c("Sí, por favor") == [EndCall("transfer_requested", "transfer")]
    assert c.concierge is not None and c.concierge.outcome.intents == ["data_rights"]


async def test_a_callback_in_other_words_books_a_ticket(call, store: tuple[Store, Records]) -> None:
    shop, _ = store
    c = call(CAROLINA)
    [ask] = texts(await c("Ahora estoy ocupada, ¿me pueden marcar en un rato?"))
    assert ask == "¿Confirma que un asesor le devuelva la llamada a este número?"
    before = await shop.tickets_for_phone(CAROLINA)
    created = texts(await c("Sí, confirmo"))
    [ticket] = [t for t in await shop.tickets_for_phone(CAROLINA) if t not in before]
    assert ticket.kind == "llamada" and f"número {ticket.id}" in created[0]


async def test_a_callback_from_a_hidden_number_asks_where_to_call(
    call, store: tuple[Store, Records]
) -> None:
    shop, _ = store
    c = call("")
    [ask] = texts(await c("Llámenme más tarde, por favor"))
    assert "qué número" in ask
    [confirm] = texts(await c("Al tres cero cero uno dos tres cuatro cinco seis siete"))
    assert confirm.endswith("terminado en 4567?")
    await c("Sí")
    assert [t.kind for t in await shop.tickets_for_phone(STRANGER)] == ["llamada"]


async def test_out_of_scope_is_redirected_without_the_model(call, settings: Settings) -> None:
    c = call()
    parts = await c("¿Usted sabe quién ganó el partido de fútbol anoche?")
    assert texts(parts) == [settings.phrase("out_of_scope")]
    assert c.model.seen == []


async def test_english_gets_an_english_answer_and_a_person(call, settings: Settings) -> None:
    c = call()
    [answer] = texts(await c("Hello, do you speak English? I need help with my order"))
    assert answer == settings.phrase("other_language") and "Spanish" in answer
    assert await c("Yes, please") == [EndCall("transfer_requested", "transfer")]


async def test_payment_gets_the_methods_and_the_payment_link(
    call, cloud: FakeTwilioCloud, settings: Settings
) -> None:
    c = call(CAROLINA)
    methods, offer = texts(await c("¿Ustedes aceptan tarjeta de crédito?"))
    assert "Nequi" in methods and "enlace de pago" in offer
    sent = texts(await c("Sí, mándemelo"))
    assert sent[0].endswith("terminado en 0101.")
    assert settings.store.payment_url in cloud.messages[-1]["Body"]


@pytest.mark.parametrize(
    "said",
    [
        f"Mi tarjeta es la {CARD}",
        "cuatro uno uno uno, uno uno uno uno, uno uno uno uno, uno uno uno uno",
        "Le doy el código de seguridad, es el tres cuatro cinco",
    ],
)
async def test_card_data_is_never_taken_echoed_or_stored(
    call, store: tuple[Store, Records], settings: Settings, said: str
) -> None:
    _, records = store
    c = call(CAROLINA)
    await c.concierge.greeting()
    said_back = texts(await c(said))
    assert said_back[0] == settings.phrase("card_data") and "enlace de pago" in said_back[1]
    assert not any(ch.isdigit() for ch in " ".join(said_back))  # nothing read back
    assert "order_status" not in [t.name for t in c.concierge.tools.calls]  # not an order
    assert c.model.seen == []  # never in a prompt
    memory = c.concierge.interaction()
    assert memory is None or "1111" not in memory.summary
    audit = await records.audit_entries(50)
    # what was audited, not the chain's hashes and times (random hex holds "345" at times)
    logged = [str((e["actor"], e["action"], e["detail"], e["result"])) for e in audit]
    assert all("1111" not in e and "345" not in e for e in logged)
    assert "1111" not in redact(said) and "[tarjeta]" in redact(f"Mi tarjeta es la {CARD}")


async def test_card_data_without_the_store_is_still_refused() -> None:
    settings = make_settings()
    c = Call(settings, None)
    parts = await c(f"Para pagar le doy mi tarjeta, {CARD}")
    assert texts(parts) == [settings.phrase("card_data"), settings.phrase("offer_person")]
    assert c.model.seen == []


# ---- dialogue state ----------------------------------------------------------------------------
async def test_price_and_colour_after_a_product_refer_to_it(call) -> None:
    c = call()
    found, _offer = texts(await c("¿Tienen tenis Adidas Runfalcon talla cuarenta y dos?"))
    assert found.startswith("Sí, tenemos zapatillas Adidas Runfalcon")
    product = c.concierge.tools.catalog.by_sku[c.concierge.refs[0].split(":")[1]]
    price, offer = texts(await c("¿Y cuánto cuesta?"))
    assert price.startswith("El precio de zapatillas Adidas Runfalcon es $")
    assert f"{product.price:,}".replace(",", ".") in price and "enlace" in offer
    black = texts(await c("¿Y en negro?"))
    assert "negro" in black[0] and "zapatillas" in black[0]


async def test_an_order_number_after_the_question_is_an_order_not_the_faq(call) -> None:
    c = call()
    [ask] = texts(await c("Quiero saber de mi pedido"))
    assert "número de su pedido" in ask
    answer = texts(await c("Es el cuatro cinco siete dos uno, el del envío a Medellín"))
    assert answer[0].startswith("Su pedido 45721")


async def test_a_number_after_the_models_question_is_an_order(call) -> None:
    c = call()
    c.concierge.expect_order_number()  # the guard phrase asked for the number
    answer = texts(await c("45721, y cuánto cuesta el envío"))
    assert answer[0].startswith("Su pedido 45721")


async def test_an_uncertain_number_is_read_back_first(call) -> None:
    c = call()
    await c("¿Dónde está mi pedido?")
    [back] = texts(await c("cuatro cinco siete dos uno uno"))
    assert back == "Entendí el número 4 5 7 2 1 1. ¿Es correcto?"
    assert "order_status" not in [t.name for t in c.concierge.tools.calls]
    [fixed] = texts(await c("No, es el cuatro cinco siete dos uno"))[:1]
    assert fixed.startswith("Su pedido 45721")


async def test_one_re_ask_for_the_number_then_a_person(call) -> None:
    c = call("")
    await c("¿Dónde está mi pedido?")
    # "déjeme ver": the caller looks for it, and the question stays asked
    assert texts(await c("Eh, pues, déjeme ver")) == ["Claro, aquí le espero."]
    [again] = texts(await c("mmm, es que, este"))
    assert again.startswith("Disculpe, no le entendí el número")
    [offer] = texts(await c("mmm, es que, este"))
    assert "asesor" in offer
    assert await c("Sí") == [EndCall("transfer_requested", "transfer")]


async def test_two_unknown_numbers_then_a_person(call) -> None:
    c = call()
    [missing] = texts(await c("Mi pedido es el 45000"))
    assert missing.startswith("No encuentro un pedido con el número 45000")
    second = texts(await c("Es el 45001"))
    assert second[0] == "Tampoco encuentro un pedido con el número 45001."
    assert "asesor" in second[1]


async def test_a_product_question_instead_of_the_greetings_yes_is_answered(call) -> None:
    # regression: a stock question after "¿Llama por su pedido de…?" repeated the question
    c = call(CAROLINA)
    assert "pedido" in (await c.concierge.greeting() or "")
    found = texts(await c("¿Tienen la licuadora Oster de vaso de vidrio?"))
    assert found[0].startswith("Sí, tenemos licuadora Oster de vaso de vidrio")


# ---- an answer with a request after it (regressions from the conversation bench) ---------
ANDRES = "+573205550102"  # greeted about his cart


async def test_a_no_to_the_greetings_question_with_a_request_answers_the_request(call) -> None:
    # regression: "No, …" followed by the real request got "¿Le puedo ayudar con algo más?"
    c = call(ANDRES)
    assert "carrito" in (await c.concierge.greeting() or "")
    told = texts(await c("No señor, le llamo más bien por el estado del pedido 30277"))
    assert told[0].startswith("Su pedido 30277") and "entregado" in told[0]
    c = call(ANDRES)
    await c.concierge.greeting()
    rights = texts(await c("No, no es por eso, quiero que eliminen mi información personal"))
    assert "1581" in rights[0]


async def test_a_price_question_after_an_offer_is_no_yes_to_it(call, cloud) -> None:
    # regression: "okey, ¿y cuánto valen?" and "sí, pero…" sent the link nobody asked for
    for said in ("Okey, ¿y ese qué precio tiene?", "Sí, pero antes dígame cuánto vale"):
        c = call()
        found = texts(await c("¿Tienen la licuadora Oster de vaso de vidrio?"))
        assert "enlace" in found[-1]
        price = texts(await c(said))
        assert "$" in price[0] and "le envié" not in " ".join(price), price
    assert not cloud.messages


async def test_a_plain_yes_with_more_words_on_the_topic_still_takes_the_offer(call) -> None:
    c = call(CAROLINA)
    await c.concierge.greeting()
    told = texts(await c("Sí, precisamente por ese, ¿cuándo me llega?"))
    assert told[0].startswith("Su pedido 45721")


async def test_a_store_question_during_an_offer_is_answered(call) -> None:
    c = call()
    await c("¿Cómo puedo pagar?")
    again = texts(await c("¿Y contraentrega también?"))
    assert "contraentrega" in again[0].lower() and "anything" not in again[0]


async def test_an_order_number_dictated_over_two_turns_is_joined(call) -> None:
    c = call()
    asked = texts(await c("Quiero saber de un pedido, es el cuatro cinco"))
    assert "número" in asked[0]
    told = texts(await c("siete dos uno"))
    assert told[0].startswith("Su pedido 45721")


async def test_short_digits_without_an_order_topic_are_not_kept(call) -> None:
    c = call()
    await c("Busco tenis talla 42")
    await c("¿Hay en talla 38?")
    # "42" and "38" are sizes: nothing joins them into an order number
    assert c.concierge._partial_number == ""


async def test_a_yes_to_the_person_offered_after_an_expired_return_transfers(call) -> None:
    c = call()
    expired = texts(await c("Necesito devolver lo del pedido 30277"))
    assert "plazo" in expired[0] and "asesor" in expired[0]
    assert await c("Sí, por favor") == [EndCall("transfer_requested", "transfer")]


async def test_a_return_asked_as_a_question_hears_the_policy_then_the_order_question(
    call, settings: Settings
) -> None:
    # regression: "si no me gusta, ¿hasta cuándo lo puedo devolver?" got only "¿Me dice el
    # número del pedido?", never the 30 days it asked about
    c = call()
    policy, ask = texts(await c("Oiga, y si una prenda no me queda, ¿la puedo devolver después?"))
    assert "30 días" in policy and "número del pedido" in ask
    c = call()
    assert texts(await c("Quiero devolver unas botas")) == [
        settings.retail.return_ask_order  # a request, not a question: straight to the order
    ]


@pytest.mark.parametrize(
    "said", ["Aló, buenas tardes", "Buenos días, una pregunta", "Hola, ¿qué tal?"]
)
async def test_a_turn_that_only_greets_hears_it_is_heard_without_the_model(
    call, settings: Settings, said: str
) -> None:
    # regression: "aló, buenas" split from the request went to the model, which answered the
    # greeting with the greeting or timed out under load (and the call went to a person)
    c = call()
    assert texts(await c(said)) == [settings.phrase("go_ahead")]
    assert c.model.seen == []


async def test_a_yes_to_the_greetings_question_is_no_mere_greeting(call) -> None:
    c = call(CAROLINA)
    await c.concierge.greeting()
    told = texts(await c("Sí, buenas"))
    assert told[0].startswith("Su pedido 45721")


async def test_a_frustrated_callers_first_complaint_is_taken_before_a_person(
    call, store: tuple[Store, Records]
) -> None:
    # regression: "qué rabia, me llegó … partido" went straight to a person (the frustration
    # rule) although the store can register the complaint at once
    shop, _ = store
    c = call(CAROLINA)
    [ask] = texts(await c("Qué rabia, me llegó la licuadora con el vaso partido"))
    assert ask.startswith("Lamento") and "queja" in ask
    done = texts(await c("Sí, regístrela, por favor"))
    assert "registrada" in done[0]
    assert [t.kind for t in await shop.tickets_for_phone(CAROLINA)] == ["queja"]
    # frustration again is a person's
    assert await c("Esto es pésimo, ya le dije") == [EndCall("frustration", "transfer_upset")]


async def test_frustration_without_a_complaint_or_when_ops_say_so_transfers(
    store: tuple[Store, Records], cloud: FakeTwilioCloud
) -> None:
    shop, records = store
    catalog = Catalog(await shop.products())
    for transfer_at_once, said in [
        (False, "Esto es pésimo, qué rabia, ya le dije que no sirve"),
        (True, "Qué rabia, me llegó la licuadora con el vaso partido"),
    ]:
        handoff = {"complaint_before_transfer": not transfer_at_once}
        settings = make_settings(twilio={"api_base_url": cloud.url}, handoff=handoff)
        rest = TwilioRest(settings)
        tools = Tools(shop, records, catalog, rest, "test")
        c = Call(settings, Concierge(settings, tools, CAROLINA, "voice"))
        assert await c(said) == [EndCall("frustration", "transfer_upset")]
        await rest.close()


async def test_a_product_above_the_callers_ceiling_is_told_with_its_price(
    call, settings: Settings
) -> None:
    # regression: an item in stock but over the caller's budget was "no nos quedan"
    c = call()
    told = " ".join(texts(await c("¿Tienen la cafetera Imusa de goteo que no pase de cien mil?")))
    assert "no tenemos unidades" not in told
    assert "323.900" in told and "más de lo que busca" in told


async def test_yes_but_call_me_to_a_complaint_offer_books_the_callback(call) -> None:
    # regression: "sí, pero lo que yo quiero es que alguien me llame" registered the complaint
    # (the yes) and never heard the callback it asked for
    c = call(CAROLINA)
    [ask] = texts(await c("Me llegó la licuadora con el vaso partido"))
    assert "queja" in ask
    [callback] = texts(await c("Sí, pero lo que yo quiero es que alguien me llame hoy mismo"))
    assert callback == "¿Confirma que un asesor le devuelva la llamada a este número?"


class _BusyModel(_Model):
    """A shared local model with other callers' replies queued on it."""

    jobs = 2

    async def prefill(self, messages: list[Message]) -> None:
        return None

    async def stream(self, messages: list[Message]) -> AsyncIterator[str]:
        for piece in ["Sí, tenemos pago contraentrega en ciudades ", "principales; también ",
                      "envío a todo el país."]:  # fmt: skip
            yield piece


async def test_a_reply_cut_short_for_waiting_callers_says_no_half_sentence(
    settings: Settings,
) -> None:
    # regression: with other calls waiting, the reply stopped after its first clause and then
    # said the words already generated after it ("también") as a sentence of their own
    dialogue = Dialogue(settings, _BusyModel(), intents())
    parts = [p async for p in dialogue.reply([], "¿Ustedes venden por internet?", ReplyStats())]
    assert texts(parts) == ["Sí, tenemos pago contraentrega en ciudades principales;"]


class _SlowModel(_BusyModel):
    """No first word within the limit: behind other calls' replies (`jobs`), or alone."""

    def __init__(self, jobs: int, finally_jobs: int | None = None) -> None:
        super().__init__()
        self.jobs = jobs
        self.finally_jobs = jobs if finally_jobs is None else finally_jobs
        self.closed = False

    async def stream(self, messages: list[Message]) -> AsyncIterator[str]:
        self.jobs = self.finally_jobs  # the replies ahead may end while this one waits
        try:
            await asyncio.sleep(3600)
            yield ""
        finally:
            self.closed = True


async def test_a_model_too_busy_to_answer_in_time_keeps_the_call(
    store: tuple[Store, Records], cloud: FakeTwilioCloud
) -> None:
    # regression: six calls' model turns at once on two cores: the last ones waited past the
    # first-token limit and their calls were ended as a technical failure
    shop, records = store
    settings = make_settings(
        twilio={"api_base_url": cloud.url}, llm={"first_token_timeout_s": 0.05}
    )
    rest = TwilioRest(settings)
    tools = Tools(shop, records, Catalog(await shop.products()), rest, "test")
    c = Call(settings, Concierge(settings, tools, STRANGER, "voice"))
    c.dialogue = Dialogue(settings, busy := _SlowModel(jobs=3), intents())
    assert await c("¿Me pueden facturar a nombre de mi empresa?") == [
        Say(settings.phrase("model_busy"), "model_busy")
    ]
    assert busy.closed  # the reply given up on left the model
    assert await c("Sí, por favor") == [EndCall("transfer_requested", "transfer")]
    # regression: the replies ahead of it had ended by the time it gave up: still busy, not
    # a broken model (the last of six coinciding model turns ended its call)
    c = Call(settings, Concierge(settings, tools, STRANGER, "voice"))
    c.dialogue = Dialogue(settings, _SlowModel(jobs=2, finally_jobs=0), intents())
    assert await c("¿Me pueden facturar a nombre de mi empresa?") == [
        Say(settings.phrase("model_busy"), "model_busy")
    ]
    # the same silence from a model with nothing else to do: it is broken
    c = Call(settings, Concierge(settings, tools, STRANGER, "voice"))
    c.dialogue = Dialogue(settings, _SlowModel(jobs=0), intents())
    assert await c("¿Me pueden facturar a nombre de mi empresa?") == [
        EndCall("model_failure", "technical_problem")
    ]
    await rest.close()


async def test_an_unproven_caller_gets_the_cart_link_by_text_to_the_number_on_file(
    store: tuple[Store, Records], cloud: FakeTwilioCloud
) -> None:
    # issue 18: a caller ID without attestation hears nothing of the cart; its link may still
    # go by text to the customer's own number, which only the customer receives
    shop, records = store
    settings = make_settings(
        twilio={"api_base_url": cloud.url}, governance={"verify_order_identity": True}
    )
    rest = TwilioRest(settings)
    tools = Tools(shop, records, Catalog(await shop.products()), rest, "test")
    said: list[str] = []
    for phone in (ANDRES, CAROLINA):  # Andrés has an open cart, Carolina none
        c = Call(settings, Concierge(settings, tools, phone, "voice", verstat=""))
        assert c.concierge is not None and await c.concierge.greeting() is None
        before = len(cloud.messages)
        ask = texts(await c("Quiero terminar la compra de mi carrito"))
        assert ask == [settings.retail.cart_unverified]
        said.append(" ".join(ask + texts(await c("Sí, mándelo"))))
        sent = cloud.messages[before:]
        if phone == ANDRES:
            assert [m["To"] for m in sent] == [ANDRES] and "/carrito/9001" in sent[0]["Body"]
        else:
            assert sent == []
    assert said[0] == said[1]  # the caller cannot tell whether there was a cart
    assert settings.retail.cart_link_on_file in said[0] and "$" not in said[0]
    await rest.close()


async def test_a_size_asked_after_a_product_is_about_that_product(call) -> None:
    # regression: "¿y las tienen en talla 40?" after Nike Court answered with Nike Ultra, as
    # if it were the same shoe (the category's best match in that size)
    c = call()
    await c("¿Cuánto cuestan las zapatillas Nike Court?")
    told = texts(await c("¿Y las tienen en talla cuarenta?"))
    assert "Nike Court" in told[0] and "talla 40" in told[0]
    assert "Nike Ultra" not in " ".join(told)


async def test_send_me_the_link_answers_the_link_offer(call, cloud: FakeTwilioCloud) -> None:
    # regression: "Bueno, mándeme el enlace" (no bare yes in it) went to the model, and no
    # link was sent
    c = call()
    await c("Hola, ¿me regala el precio del reloj Casio deportivo?")
    sent = texts(await c("Bueno, mándeme el enlace."))
    assert sent[0].startswith("Listo, le envié el enlace") and c.model.seen == []
    assert "Casio" in cloud.messages[-1]["Body"]


@pytest.mark.parametrize(
    ("said", "reason"),
    [
        ("Me cobraron dos veces la misma compra.", "sensitive_topic"),
        ("Quiero cancelar mi pedido.", "transfer_requested"),
        ("Necesito cambiar la dirección de entrega de mi pedido.", "transfer_requested"),
    ],
)
async def test_what_only_a_person_can_do_goes_to_a_person(call, said: str, reason: str) -> None:
    # regression: a double charge got the payment methods and the payment link; a change of
    # address was taken for a return; a cancellation got the order's status
    assert await call()(said) == [EndCall(reason, "transfer")]


async def test_a_broken_purchase_is_a_complaint_not_a_product_search(call) -> None:
    # regression: "compré unas sandalias y se me rompieron" was offered new sandals
    [ask] = texts(
        await call()("Buenas, es que compré unas sandalias y se me rompieron a la semana.")
    )
    assert ask.startswith("Lamento lo sucedido") and "queja" in ask


@pytest.mark.parametrize(
    ("said", "words"),
    [
        ("¿Tienen promociones o descuentos para hoy?", "promociones vigentes"),
        ("¿Dónde queda la tienda física?", "no tenemos tienda física"),
    ],
)
async def test_store_questions_in_product_words_get_the_store_answer(
    call, said: str, words: str
) -> None:
    # regression: "¿tienen descuentos?" was "No encontré ese producto"; the store's location
    # went to the model, which invented a shop
    c = call()
    told = texts(await c(said))
    assert words in told[0] and c.model.seen == []


async def test_no_order_number_at_hand_hears_where_to_find_it(call, settings: Settings) -> None:
    # regression: "no me acuerdo del número" (taken for a data-rights request by the intent
    # model) got the Ley 1581 speech
    c = call()
    await c("Quiero saber de mi pedido")
    assert texts(await c("No me acuerdo del número")) == [settings.retail.order_number_unknown]
    assert await c("Sí, por favor") == [EndCall("transfer_requested", "transfer")]


async def test_a_no_with_another_brand_searches_that_brand(call) -> None:
    # regression: "No, mejor unas Puma" to the offer of Adidas shoes went to the model
    c = call()
    await c("¿Tienen zapatillas Adidas?")
    assert "Puma" in texts(await c("No, mejor unas Puma"))[0] and c.model.seen == []


async def test_the_caller_may_ask_to_hear_it_again_or_to_wait(
    call, settings: Settings, cloud: FakeTwilioCloud
) -> None:
    c = call()
    offer = texts(await c("¿Tienen gorras?"))
    assert texts(await c("¿Me puede repetir lo que dijo?")) == offer
    assert texts(await c("Espere un momento, ya le digo.")) == [settings.phrase("hold_on")]
    # the offer still stands after both
    assert texts(await c("Sí, mándemelo"))[0].startswith("Listo, le envié el enlace")
    assert c.model.seen == [] and "Gorra" in cloud.messages[-1]["Body"]


@pytest.mark.parametrize("said", ["¿Usted es un robot?", "¿Con quién tengo el gusto?"])
async def test_who_is_speaking_is_answered_the_bot_is_automated(call, said: str) -> None:
    # regression: "¿usted es un robot?" was out of scope ("con eso no le puedo ayudar")
    c = call()
    told = texts(await c(said))
    assert "asistente automático" in told[0] and c.model.seen == []


async def test_an_elliptical_follow_up_to_a_store_answer_gets_it_again(call) -> None:
    # regression: "¿y el domingo?" after the opening hours went to the model
    c = call()
    hours = texts(await c("¿Qué horario tienen el sábado?"))
    assert texts(await c("¿Y el domingo?")) == hours and c.model.seen == []
    await c("¿Tienen gorras?")
    assert "domingos" not in " ".join(texts(await c("¿Y el domingo?")))  # only right after


async def test_product_follow_ups_keep_what_was_asked(call) -> None:
    # regressions: "negras" after "talla 38" lost the size; "¿de qué marcas?" after a product
    # got its price again
    c = call()
    await c("Quiero comprar unas botas")
    await c("Talla treinta y ocho")
    told = texts(await c("Negras"))[0]
    assert "talla 38" in told and "negro" in told
    c = call()
    await c("¿Tienen chaquetas impermeables?")
    [brands] = texts(await c("¿De qué marcas?"))
    assert brands.startswith("En chaquetas manejamos") and "Columbia" in brands


async def test_a_refund_not_received_goes_to_a_person(call) -> None:
    # regression: it was taken for a new return ("¿confirma que abro la solicitud?")
    said = "Le hablo por una devolución que hice y todavía no me han devuelto la plata."
    assert await call()(said) == [EndCall("transfer_requested", "transfer")]


async def test_a_callback_asked_with_a_number_is_for_that_number(
    call, store: tuple[Store, Records]
) -> None:
    # regression (fresh2-callback-other-number): the number said with the request was dropped
    # and the callback confirmed to the caller's own number
    shop, _ = store
    c = call(CAROLINA)
    [ask] = texts(
        await c("¿Me devuelven la llamada al tres diez, cuatro cinco seis, siete ocho nueve cero?")
    )
    assert ask.endswith("terminado en 7890?")
    await c("Sí, correcto")
    [ticket] = await shop.tickets_for_phone("+573104567890")
    assert ticket.kind == "llamada"


@pytest.mark.parametrize(
    ("said", "words"),
    [
        ("¿Tienen garantía los relojes?", "garantía del fabricante"),
        ("¿Puedo recoger mi pedido en la tienda?", "no tenemos tienda física"),
        ("¿Ustedes tienen tiendas en Bogotá?", "no tenemos tienda física"),
    ],
)
async def test_store_questions_in_order_words_get_the_store_answer(
    call, said: str, words: str
) -> None:
    # regression: the warranty question opened a return on the caller's blender, the pickup
    # question read an order's status, the shops question went to the model
    c = call(CAROLINA)
    told = texts(await c(said))
    assert words in told[0] and c.model.seen == [] and c.concierge.outcome.tickets == []


async def test_a_return_is_about_the_order_holding_the_product_named(call) -> None:
    # regression: "cambiar unos tenis" offered to return Carolina's delivered blender; her
    # trainers are still on their way
    c = call(CAROLINA)
    told = texts(await c("Necesito cambiar unos tenis porque me quedaron pequeños"))
    assert "45721" in told[0] and "todavía no se ha entregado" in told[0]
    # a product none of her orders holds: which order is it?
    c = call(CAROLINA)
    told = texts(await c("Quiero devolver un reloj que compré"))
    assert "38150" not in " ".join(told) and told[-1].endswith("¿Me dice el número del pedido?")
    # nothing named: the delivered order, asked to confirm
    c = call(CAROLINA)
    told = texts(await c("Quiero hacer una devolución"))
    assert "38150" in told[0] and told[0].endswith("¿Confirma que abro la solicitud de devolución?")


async def test_a_wrong_number_is_a_polite_goodbye(call) -> None:
    assert await call()("Ay, qué pena, me equivoqué de número") == [EndCall("goodbye", "farewell")]


async def test_a_new_order_by_phone_is_a_purchase(call, settings: Settings) -> None:
    # regression: "hacer un pedido" read the status of the caller's open order
    c = call(CAROLINA)
    assert texts(await c("Quiero hacer un pedido por teléfono")) == [settings.retail.product_ask]
    told = texts(await c("Unas gorras negras"))
    assert told[0].startswith("Sí, tenemos gorra")


def test_an_amount_in_thousands_is_not_an_order_number(call) -> None:
    # regression: "ciento cincuenta mil" became order 150000 ("No encuentro un pedido…")
    c = call()
    said = "Me cobraron el envío y la compra era de más de ciento cincuenta mil"
    assert c.dialogue.understand(said).order_number is None
    assert c.dialogue.understand("Mi pedido es el cuatro cinco siete dos uno").order_number == (
        "45721"
    )


async def test_no_more_calls_is_a_data_request_not_a_callback(call, settings: Settings) -> None:
    # regression: "no me vuelvan a llamar" booked a callback ("me vuelvan a llamar")
    c = call(CAROLINA)
    said = "Por favor no me vuelvan a llamar para ofrecerme cosas"
    assert not c.dialogue.understand(said).callback
    assert texts(await c(said)) == [settings.phrase("data_rights")]


async def test_a_refund_status_goes_to_a_person_and_an_invoice_to_the_faq(call) -> None:
    # regressions: both offered to open a return on the caller's delivered order
    said = "Quiero saber si ya me hicieron el reembolso"
    assert await call(CAROLINA)(said) == [EndCall("transfer_requested", "transfer")]
    c = call(CAROLINA)
    told = texts(await c("Necesito la factura de mi compra"))
    assert told[0].startswith("La factura electrónica") and c.model.seen == []


def test_the_data_rights_path_names_no_shop_the_store_does_not_have(settings: Settings) -> None:
    # regression: it sent callers to "cualquiera de nuestras tiendas"; the store has none
    assert "tienda física" in settings.store.facts
    assert "tiendas" not in settings.phrase("data_rights")


async def test_follow_ups_on_a_product_colours_cheaper_and_another_brand(call) -> None:
    # regressions: "¿qué colores hay?" and "¿cuál es la más barata?" repeated the offer;
    # "mejor unos de Adidas" after leggings offered Adidas socks
    c = call()
    await c("Hola, ¿tienen chaquetas para el frío?")
    await c("¿Y en talla M?")
    [colors, offer] = texts(await c("¿Qué colores hay?"))
    assert colors.startswith("De chaqueta") and "talla M tenemos estos colores" in colors
    assert offer == "¿Le envío el enlace por mensaje de texto para comprarlo?"
    c = call()
    [first, _] = texts(await c("¿Tienen relojes Casio?"))
    cheaper = texts(await c("Uy, muy caro. ¿No tiene uno más barato?"))[0]
    price = lambda said: int(said.split("$")[1].rstrip(".").replace(".", ""))  # noqa: E731
    assert cheaper.startswith("Sí, tenemos reloj") and price(cheaper) < price(first)
    assert "Esa es la opción más económica" in texts(await c("¿Y uno más barato?"))[0]
    c = call()  # no question mark, no verb, with the link offer on the table
    await c("Quiero comprar una licuadora")
    assert texts(await c("La más barata"))[0].startswith(("Sí, tenemos licuadora", "Esa es"))
    c = call()
    await c("Quiero unos leggings deportivos")
    assert texts(await c("Mejor unos de Adidas"))[0].startswith("Sí, tenemos leggings Adidas")


async def test_a_visit_to_try_things_on_is_told_there_is_no_shop(call) -> None:
    # regression (fresh8): "¿dónde quedan? Quiero pasar a medirme unos zapatos" got a pair of
    # shoes: the store sells online and by phone only
    for said in ["¿Dónde están ubicadas? Quisiera ir a probarme unas botas.",
                 "Oiga, ¿yo puedo pasar a verlos antes de comprar el reloj?"]:  # fmt: skip
        [answer, _] = texts(await call()(said))
        assert "no tenemos tienda física" in answer, (said, answer)


@pytest.mark.parametrize(
    "said",
    ["¿Y el dinero que me descontaron de la tarjeta, qué pasa?",
     "Entonces, ¿qué hacen con la plata que ya consigné?"],
)  # fmt: skip
async def test_the_money_of_an_order_goes_to_a_person(call, said: str) -> None:
    # regression (fresh8): "Cancelado, ¿y la plata que yo pagué, qué pasó?" after a cancelled
    # order asked for an order number: the bot cannot see payments or refunds
    assert await call("+573094559640")(said) == [EndCall("transfer_requested", "transfer")]


@pytest.mark.parametrize(
    ("said", "intent"),
    [
        ("Creo que es el 4 5 7 2 1, si no me equivoco.", None),  # a hedge, not a complaint
        ("Estoy en el médico, ¿me podrían llamar en una hora?", "callback"),  # no socks
        ("Ese no, en el otro pedido me llegó otra chaqueta, yo la había pedido azul.", "complaint"),
        # an exchange with its order number (fresh9) was read as the order's status
        ("Me quedaron grandes, ¿me los cambian por un 40? El pedido es el 4 6 2 1 1.", "return"),
        ("¿Cómo va el cambio de mi pedido 4 6 2 1 1?", "order_status"),
    ],
)
def test_hedges_calls_back_and_wrong_items(settings: Settings, said: str, intent: str) -> None:
    # regressions (held-out fresh9): "8363 si no estoy mal" was a complaint; "me podrían
    # llamar… cita médica" offered Nike socks ("médica" ~ "medias"); a wrong item sent in
    # another order was read as that order's status
    dialogue = Dialogue(settings, model=None, intents=intents())  # type: ignore[arg-type]
    assert dialogue.understand(said).intent == intent


async def test_a_callback_said_around_a_doctors_visit_is_booked(call) -> None:
    said = "Estoy en el médico, ¿me podrían llamar en una hora?"
    assert "Nike" not in " ".join(texts(await call()(said)))


async def test_paying_from_a_wallet_misheard_as_a_brand_is_a_payment_question(call) -> None:
    # regression (fresh9): "¿se les puede pagar desde Nequi o por PSE?" heard "desde Nike o por
    # PSR" offered Nike socks
    [answer, *_] = texts(await call()("Oiga, ¿se puede pagar desde Nike?"))
    assert answer.startswith("Puede pagar con tarjeta"), answer


async def test_which_one_do_you_recommend_lists_the_others_of_the_kind(call) -> None:
    # regression: "¿cuál me recomienda?" after a product read that product's price again, and
    # "¿y qué otras tiene?" went to the model ("otras" was heard as the category "botas")
    c = call()
    [offer, _] = texts(await c("¿Tienen licuadoras?"))
    [options] = texts(await c("¿Cuál me recomienda?"))
    assert options.startswith("En licuadoras también tenemos") and options.count("$") == 3
    assert offer.split(",")[0].removeprefix("Sí, tenemos licuadora ") not in options
    brands = [b for b in ("Imusa", "Oster", "Black and Decker") if b in options]
    assert len(brands) == 3  # a choice of brands, not three of the cheapest one's
    assert texts(await c("La Oster"))[0].startswith("Sí, tenemos licuadora Oster")
    c = call()
    await c("¿Tienen zapatillas en talla 40?")
    [others] = texts(await c("No, ¿y qué otras tiene?"))
    assert others.startswith("En zapatillas también tenemos"), others
    c = call()  # the conditional and other verbs of advice
    await c("¿Tienen licuadoras?")
    [options] = texts(await c("Y usted, ¿cuál me recomendaría?"))
    assert options.startswith("En licuadoras también tenemos"), options


@pytest.mark.parametrize(
    "said",
    ["Quiero cancelar una compra que hice ayer",
     "Oiga, el paquete dice entregado pero yo no he recibido nada"],
)  # fmt: skip
async def test_what_only_a_person_can_follow_goes_to_a_person(call, said: str) -> None:
    assert await call(CAROLINA)(said) == [EndCall("transfer_requested", "transfer")]


async def test_the_brands_of_a_kind_and_then_one_of_them(call) -> None:
    # regressions: "¿qué marcas de zapatillas tienen?" offered one pair; "las Nike" after the
    # brands offered Nike socks
    c = call()
    [brands] = texts(await c("¿Qué marcas de zapatillas tienen?"))
    assert brands.startswith("En zapatillas manejamos") and "Nike" in brands
    assert texts(await c("Las Nike"))[0].startswith("Sí, tenemos zapatillas Nike")


async def test_a_sentence_opening_with_a_product_name_is_capitalised(call) -> None:
    # regression: "zapatillas Puma Street está a $218.900, más de lo que busca."
    said = "Necesito unas zapatillas para correr que no pasen de doscientos mil"
    assert all(s[0].isupper() or s[0] in "¿¡" for s in texts(await call()(said)))


async def test_the_stores_number_and_a_change_of_ones_own_number(call, settings: Settings) -> None:
    # regressions: "¿a qué número los puedo llamar?" booked a callback; "cambiar mi número de
    # teléfono" offered to return the caller's blender
    c = call(CAROLINA)
    told = texts(await c("¿A qué número los puedo llamar después?"))
    assert (
        told[0].startswith("Puede llamarnos a esta misma línea") and not c.concierge.outcome.tickets
    )
    said = "Quisiera cambiar mi número de teléfono en mi cuenta"
    assert texts(await call(CAROLINA)(said)) == [settings.phrase("data_rights")]


@pytest.mark.parametrize(
    ("said", "intent"),
    [("No me acuerdo del número", None), ("Quiero una licuadora", None),
     ("Necesito una licuadora", None),
     ("Quiero que borren mis datos de su base", "data_rights"),
     ("La licuadora no prende", "complaint"),
     ("Qué rabia, me llegó la licuadora con el vaso partido", "complaint")],
)  # fmt: skip
def test_data_rights_and_complaints_need_words_of_their_own(
    settings: Settings, said: str, intent: str | None
) -> None:
    # regressions: the model read data rights into a forgotten order number (the Ley 1581 path
    # then ended the topic) and a complaint into "quiero una licuadora" (a product search: the
    # product named routes it)
    turn = Dialogue(settings, _Model(), intents()).understand(said)
    if intent is None:
        assert turn.intent not in ("data_rights", "complaint")
    else:
        assert turn.intent == intent


async def test_a_products_details_the_catalogue_lacks_are_not_made_up(call) -> None:
    # regression: "¿cuánto pesa?" / "¿es resistente al agua?" after a product repeated its price
    for question in ["¿Y cuánto pesa?", "¿Es resistente al agua?", "¿Cuántos vatios tiene?"]:
        c = call()
        await c("¿Tienen relojes Casio?" if "vatios" not in question else "Quiero una licuadora")
        said, offer = texts(await c(question))
        assert said.startswith("No tengo ese detalle de") and "$" not in said
        assert offer == "¿Le envío el enlace por mensaje de texto para comprarlo?"
        assert c.model.seen == []


async def test_what_the_store_sells_and_a_kind_it_does_not(call) -> None:
    c = call()
    [answer, _] = texts(await c("Buenas, ¿qué productos manejan?"))
    assert answer.startswith("Tenemos ropa, calzado") and "licuadoras" in answer
    assert texts(await c("Bueno, busco una cafetera"))[0].startswith("Sí, tenemos cafetera")
    [none] = texts(await call()("¿Venden celulares?"))
    assert none.startswith("No encontré ese producto. Manejamos ropa")


@pytest.mark.parametrize(
    "said",
    ["Tengo un problema con un pago, me cobraron y no me aparece el pedido",
     "Me rechazaron la tarjeta en la página"],
)  # fmt: skip
async def test_a_payment_problem_goes_to_a_person(call, said: str) -> None:
    # regression: it was given the payment methods and the payment link
    assert await call(CAROLINA)(said) == [EndCall("sensitive_topic", "transfer")]


async def test_the_tracking_code_and_the_carrier_of_ones_own_order(call) -> None:
    # regressions: "¿me da el número de guía?" read the status without the tracking code;
    # "¿con qué transportadora viene mi envío?" got the shipping FAQ
    c = call(CAROLINA)
    status, guide, *_ = texts(await c("¿Me da el número de guía de mi pedido?"))
    assert status.startswith("Su pedido 45721")
    assert guide == "El número de guía de Servientrega es SER593837152."
    c = call(CAROLINA)
    told = texts(await c("¿Con qué transportadora viene mi envío?"))
    assert told[0].startswith("Su pedido 45721") and "Servientrega" in told[0]
    assert not any("número de guía" in s for s in told)  # not asked for: not said
    c = call()  # a stranger: the code once the order is found
    await c("Necesito el código de seguimiento de un pedido")
    status, guide, *_ = texts(await c("Cuatro cinco siete dos uno"))
    assert status.startswith("Su pedido 45721") and guide.startswith("El número de guía")
    c = call()  # asked after the order was told: that order, not its number again
    await c("Quiero saber dónde está mi pedido")
    await c("Es el cuatro cinco siete dos uno")
    guide, *_ = texts(await c("¿Y el número de guía?"))
    assert guide.startswith("El número de guía")  # its status was just said: not again


async def test_delivery_times_of_a_purchase_to_come_are_the_stores_answer(call) -> None:
    # regression: "si hago la compra hoy" read "la compra" as the caller's order and told its
    # status instead of the delivery times (a held-out fresh3 call found it; other words here)
    said = "Y si pido la compra mañana, ¿cuánto se demora en llegar a Barranquilla?"
    told = texts(await call(CAROLINA)(said))
    assert "2 a 5 días" in told[0]


@pytest.mark.parametrize(
    "said",
    ["Quiero hablar con la supervisora, por favor",
     "Llevo una semana esperando, comuníqueme con el encargado"],
)  # fmt: skip
async def test_a_supervisor_or_someone_in_charge_is_a_person(call, said: str) -> None:
    # regression: "páseme a un supervisor" after a complaint went to the model
    assert await call()(said) == [EndCall("transfer_requested", "transfer")]


async def test_hours_and_delivery_cost_in_other_words(call) -> None:
    # regressions: "¿hasta qué hora están atendiendo?" went to the model; "¿me toca pagar el
    # domicilio?" asked for an order number
    c = call()
    assert texts(await c("¿Desde qué hora están atendiendo mañana?"))[0].startswith("Atendemos")
    c = call()
    said = "Si pido unas medias de treinta mil, ¿hay que pagar domicilio?"
    assert "150.000" in texts(await c(said))[0] and c.model.seen == []


async def test_no_cross_sell_on_a_cancelled_order_and_its_item_in_good_spanish(call) -> None:
    # regressions: a cancelled order's status was followed by a recommendation, worded "para
    # sus licuadora Oster…"
    c = call()
    status, *rest = texts(await c("¿En qué va el pedido cuatro cinco cero cero tres?"))
    assert "cancelado" in status and rest == ["¿Le puedo ayudar con algo más?"]
    told = texts(await call(CAROLINA)("¿Cómo va mi pedido?"))
    assert told[-1].startswith("Por cierto, para sus zapatillas Adidas Runfalcon le recomiendo")


async def test_a_greetings_question_answered_as_whisper_writes_eh_si(call) -> None:
    # regressions: "Eh, sí, por eso mismo…" written "es si por eso mismo…" was no answer, and
    # the greeting's question asked again was the whole greeting (a parroted greeting)
    c = call("+573094559640")
    greeting = await c.concierge.greeting()
    assert greeting is not None and "¿Llama por su pedido" in greeting
    told = texts(await c("es si por eso mismo para cuando me llega."))
    assert "preparación" in told[0]
    c = call("+573094559640")
    await c.concierge.greeting()
    sorry, again = texts(await c("Mmm, a ver, déjeme pensar"))
    assert sorry == "Le repito la pregunta."
    assert again.startswith("¿Llama por su pedido") and "Hola" not in again


@pytest.mark.parametrize(
    "follow_up",
    ["Y si la mando para Cartagena, ¿me demora igual o más?", "y a Tunja cuánto me cobran"],
)
async def test_a_longer_follow_up_of_a_store_answer_gets_it_again(call, follow_up: str) -> None:
    # regression: a follow-up of the shipping answer longer than five words ("¿y para
    # Medellín es lo mismo?" as heard) went to the model or to the product search
    c = call()
    first = texts(await c("¿Cuántos días se demora un envío?"))[0]
    assert texts(await c(follow_up))[0] == first and c.model.seen == []


async def test_a_policy_question_without_a_question_mark_gets_the_policy(call) -> None:
    # regression: a return-policy question Whisper wrote without "?" opened a return (only
    # its number was asked for)
    told = texts(await call()("cuáles son las políticas de devolución que manejan"))
    assert told[0].startswith("Puede devolver un producto hasta 30 días")
    assert texts(await call()("qué pena, necesito devolver una licuadora")) == [
        "Con gusto le ayudo con la devolución. ¿Me dice el número del pedido?"
    ]


async def test_the_order_number_said_to_a_return_confirmation(call) -> None:
    # regression: the order number said to "¿Confirma que abro la solicitud de devolución?"
    # read that order's status; the same number is a yes, another one is that order's return
    c = call(CAROLINA)
    assert texts(await c("Necesito hacer una devolución"))[0].startswith("Su pedido 38150")
    assert texts(await c("Es el tres ocho uno cinco cero"))[0].startswith("Listo, quedó registrada")
    c = call(CAROLINA)
    await c("Necesito hacer una devolución")
    told = texts(await c("No, es el pedido cuatro cinco siete dos uno"))
    assert told[0].startswith("El pedido 45721 todavía no se ha entregado. Cuando lo reciba")


async def test_whispers_slips_in_a_product_follow_up(call) -> None:
    # regressions: "Ok, ¿quanto valen?" (Whisper's Italian spelling) was a yes to the link
    # offer; "¿y la hay en negro?" heard "y la llenegro" repeated the price; "azulito" was no
    # colour
    c = call()
    await c("¿Tienen licuadoras?")
    price, offer = texts(await c("Bueno, ¿y quanto cuesta?"))
    assert price == "El precio de licuadora Imusa clásica es $191.900." and "enlace" in offer
    c = call()
    await c("Busco zapatillas Nike talla 40")
    assert "color negro" in texts(await c("¿y las tiene en negro? y la enenegro"))[0]
    c = call()
    await c("Necesito una camiseta talla M")
    assert "color azul" in texts(await c("¿y de pronto en azulito?"))[0]


async def test_a_transfer_the_model_promises_is_an_offer_a_yes_takes(call) -> None:
    # regression: the model said "le comunico con un asesor" and no transfer followed (the
    # caller waited on a line that went nowhere)
    c = call()
    c.model.answer = "Entiendo su situación. Le comunico con un asesor de inmediato."
    said = texts(await c("Es que tengo un enredo con una vaina que me pasó"))
    assert said[-1] == "Si quiere, le comunico con un asesor."
    assert await c("Sí, por favor") == [EndCall("transfer_requested", "transfer")]
    c = call()  # an offer in the model's own words: a yes is a transfer too
    c.model.answer = "Si prefiere, una asesora le puede ayudar con eso."
    assert texts(await c("Es que tengo un enredo con una vaina que me pasó"))
    assert await c("Sí") == [EndCall("transfer_requested", "transfer")]


async def test_another_model_of_the_same_kind_named_after_a_product(call) -> None:
    # regression: "¿y cuánto vale la trucker?" after the New Era flat cap read the flat cap's
    # price again (a model word is neither a kind of item nor a brand)
    c = call()
    await c("Estoy buscando una gorra New Era")
    price, _offer = texts(await c("¿Y la trucker qué precio tiene?"))
    assert price == "El precio de gorra New Era trucker es $118.900."
    c = call()
    await c("¿Tienen licuadoras Oster?")
    told = texts(await c("¿Y cuánto cuesta la de alta potencia?"))[0]
    assert "Oster de alta potencia" in told and "$533.900" in told


@pytest.mark.parametrize(
    "said", ["¿Es confiable comprarles a ustedes?", "¿Cómo sé que esto no es una estafa?"]
)
async def test_a_shopper_who_doubts_the_store_hears_how_to_buy_safely(call, said: str) -> None:
    # regression: "¿ustedes sí son confiables?" was asked for an order number
    told = texts(await call()(said))
    assert told[0].startswith("Sí, puede comprar con tranquilidad") and "contraentrega" in told[0]


async def test_the_invoice_asked_by_mail_is_the_stores_answer(call) -> None:
    # regression: "¿me pueden enviar la factura al correo?" went to the model
    c = call()
    told = texts(await c("Necesito que me manden la factura de una compra"))
    assert told[0].startswith("La factura electrónica se envía al correo") and c.model.seen == []


@pytest.mark.parametrize(
    "said", ["Perdón, ¿quién me habla?", "¿Estoy hablando con un robot o con una persona?"]
)
async def test_who_answers_is_said_not_taken_for_a_person(call, said: str) -> None:
    # regression: "¿con quién hablo?" and "¿es una persona o una máquina?" were transfers
    # (the words hold "una persona"); a real request for a person still is one
    c = call()
    assert texts(await c(said)) == [c.dialogue._settings.phrase("who_am_i")]
    asked = await call()("No me ponga con una máquina, necesito una persona")
    assert asked == [EndCall("transfer_requested", "transfer")]


@pytest.mark.parametrize("said", ["Ay, no lo tengo a la mano", "No, no sé"])
async def test_no_order_number_at_hand_is_not_asked_the_same_again(call, said: str) -> None:
    # regression: "no tengo el número a la mano" to the return's question heard the same
    # question again (the lookup by the caller's phone found nothing)
    c = call()
    first = texts(await c("Es para devolver algo que compré"))
    told = texts(await c(said))
    assert told != first and told[0].startswith("No se preocupe. El número del pedido está")


async def test_the_stores_phone_number_is_the_stores_answer(call) -> None:
    # regression: "¿cuál es el teléfono de la tienda?" went to the model
    c = call()
    told = texts(await c("Me regala el número de la tienda, por favor"))
    assert told[0].startswith("Puede llamarnos a esta misma línea") and c.model.seen == []


async def test_an_arrival_asked_is_the_orders_status_not_a_complaint(call) -> None:
    # regression: "¿ya me llegó lo que pedí?" was filed as a complaint by the intent model
    # (0.95); a complaint names something wrong, and a stopped watch is one
    told = texts(await call(CAROLINA)("Oiga, ¿lo que compré ya me llegó?"))
    assert told[0].startswith("Su pedido 45721")
    said = texts(await call()("La licuadora se me paró a la semana de usarla"))
    assert said[0].startswith("Lamento lo sucedido")


async def test_shipping_asked_about_the_product_on_the_table(call) -> None:
    # regression: "¿y me la pueden mandar hasta Manizales?" after a product read its price
    # again (a held-out fresh5 call; other words here)
    c = call()
    await c("¿Qué vale el morral Jansport?")
    told = texts(await c("¿Y me lo mandan hasta Pasto?"))
    assert told[0].startswith("Enviamos a todo Colombia") and c.model.seen == []


async def test_where_it_goes_from_a_known_customer_is_her_order(call) -> None:
    # regression: "¿ya por dónde va?" (no order named) went to the model
    told = texts(await call(CAROLINA)("Buenas, ¿eso en qué va?"))
    assert told[0].startswith("Su pedido 45721")


async def test_a_colour_as_whisper_writes_it_and_no_product_from_filler_words(call) -> None:
    # regressions: beige heard "baixa" was no colour; "me cobran lo mismo si la compra…"
    # found leggings "de compresión" (a caller's "compra" is no product word)
    c = call()
    await c("¿Tienen sandalias en talla 38?")
    assert "color beige" in texts(await c("¿Y en beich?"))[0]
    c = call()
    await c("Quiero ver productos")
    told = texts(await c("Si la compra es grande, ¿me cobran lo mismo?"))
    assert not any("$" in s for s in told)


@pytest.mark.parametrize(
    "said", ["¿Hasta cuándo va la promoción de zapatillas?", "¿Las licuadoras tienen descuento?"]
)
async def test_a_promotion_asked_about_a_kind_of_item_gets_the_promotions_answer(
    call, said: str
) -> None:
    # regression: a kind of item named beat the FAQ cue: a pair of shoes was offered
    told = texts(await call()(said))
    assert told[0].startswith("Las promociones vigentes están publicadas"), told


@pytest.mark.parametrize(
    ("said", "answer"),
    [("¿Ustedes venden al por mayor?", "Vendemos al detal"),
     ("¿Manejan bonos de regalo?", "Por ahora no manejamos bonos"),
     ("¿Puedo comprar una tarjeta de regalo?", "Por ahora no manejamos bonos")],
)  # fmt: skip
async def test_wholesale_and_gift_cards_get_the_stores_answer(call, said: str, answer: str) -> None:
    # regression: "No encontré ese producto" to questions about how the store sells
    told = texts(await call()(said))
    assert told[0].startswith(answer), told


async def test_paying_by_card_is_the_payment_path_not_a_transfer(call) -> None:
    # regression: "pagar con tarjeta" was a sensitive topic: "¿es seguro pagar con tarjeta por
    # la página?" went straight to a person; the payment link is how the store takes cards
    told = texts(await call()("¿Es seguro pagar con tarjeta por la página?"))
    assert told[0].startswith("Sí, puede comprar con tranquilidad"), told
    c = call()
    told = texts(await c("Quiero pagar con tarjeta"))
    assert "tarjeta débito o crédito" in told[0], told
    assert told[-1] == "¿Le envío por mensaje de texto el enlace de pago seguro de la tienda?"


async def test_aja_answers_the_greetings_question(call) -> None:
    # regression: "Ajá, eso, ¿para cuándo me llega?" to "¿Llama por su pedido…?" heard the
    # question again: "ajá" was no yes
    c = call("+573094559640")
    await c.concierge.greeting()
    told = texts(await c("Ajá, ese. ¿Y cuándo lo tendría?"))
    assert "preparación" in told[0], told


async def test_a_confirmation_not_understood_is_asked_again_in_other_words(call) -> None:
    # regression: a callback confirmation misheard ("SIDA-S") got the very same question
    c = call()
    [question] = texts(await c("Llámenme más tarde al 311 222 3344, por favor"))
    assert question.endswith("terminado en 3344?")
    assert texts(await c("Ehh, pues, a ver")) == ["Le repito la pregunta.", question]


async def test_a_warranty_question_worded_as_what_one_wanted_to_ask(call) -> None:
    # regression: "quería preguntar si … viene con garantía" was no question: a complaint
    told = texts(await call()("Oiga, le quería preguntar si la cafetera Imusa trae garantía"))
    assert told[0].startswith("Todos nuestros productos tienen la garantía del fabricante"), told
    # regression (fresh7): "traen garantía" glued by Whisper got the Oster blender's price
    told = texts(await call()("Una consulta las licuadoras Oster Trangarantía."))
    assert told[0].startswith("Todos nuestros productos tienen la garantía del fabricante"), told


async def test_the_sizes_of_a_product_are_said_when_asked(call) -> None:
    # regression: "¿qué tallas hay de…?" got the product and its price, not its sizes
    told = texts(await call()("¿En qué tallas manejan las botas Bosi Urbana?"))
    assert told[0].startswith("De botas Bosi Urbana tenemos las tallas "), told
    c = call()
    await c("¿Tienen morrales Jansport para portátil?")
    told = texts(await c("¿Y qué tallas hay?"))
    assert told[0] == "Morral Jansport para portátil viene en talla única.", told


async def test_the_request_after_mas_bien_is_the_one_answered(call) -> None:
    # regression: "No, ya me llegó, gracias. Más bien quería saber si tienen medias" to the
    # greeting's question about an order was answered with that order's status
    c = call(CAROLINA)
    await c.concierge.greeting()
    told = texts(await c("No, eso ya lo recibí. Más bien necesito saber si venden gorras"))
    assert told[0].startswith("Sí, tenemos gorra"), told


async def test_a_link_asked_for_a_product_named_is_sent(call, cloud: FakeTwilioCloud) -> None:
    # regression: "¿me puede mandar el link de las Runfalcon?" went to the model
    c = call(CAROLINA)
    told = texts(await c("Hágame un favor y me envía el enlace de la licuadora Imusa clásica"))
    assert told[0].startswith("Sí, tenemos licuadora Imusa clásica"), told
    assert told[1].startswith("Listo, le envié el enlace por mensaje de texto"), told
    [sms] = cloud.messages
    assert sms["To"] == CAROLINA and "Licuadora Imusa clásica" in sms["Body"]


async def test_a_caller_who_checks_the_store_they_called_hears_who_answers(call) -> None:
    # regression: "¿hablo con Almacenes La Quinta?" went to the model
    told = texts(await call()("Aló, ¿hablo con Almacenes La Quinta?"))
    assert told[0].startswith("Le atiende el asistente automático de Almacenes La Quinta"), told


async def test_the_carrier_asked_after_an_order_being_prepared_is_named(call) -> None:
    # regression: "¿y con qué transportadora va?" heard the status again, which for an order
    # being prepared names no carrier
    c = call()
    status = texts(await c("Quiero saber de mi pedido cuatro cinco ocho siete cuatro"))[0]
    assert "preparación" in status and "Coordinadora" not in status
    told = texts(await c("¿Y eso con qué empresa de envíos lo van a mandar?"))
    assert "El número de guía de Coordinadora es COO242010124." in told, told


async def test_a_material_asked_after_a_product_is_no_price(call) -> None:
    # regression: "¿es de cuero?" after a bag read the bag's price again
    c = call()
    await c("Estoy buscando un bolso Mario Hernández")
    told = texts(await c("¿Y ese bolso sí es de cuero?"))
    assert told[0].startswith("No tengo ese detalle de bolso Mario Hernández"), told


async def test_a_day_asked_after_the_hours_is_no_callback(call) -> None:
    # regression: "¿y mañana?" after the hours was taken as a callback request
    c = call()
    hours = texts(await c("¿Hasta qué hora atienden hoy?"))[0]
    assert texts(await c("¿Y el sábado?"))[0] == hours
    c = call()
    await c("¿Hasta qué hora atienden hoy?")
    assert texts(await c("¿Y mañana?"))[0] == hours


async def test_a_call_back_to_another_number_asks_for_it_and_takes_it(call) -> None:
    # regression: "que me llamen, pero a otro número" was asked to confirm this number, and
    # the number said next got the same question again
    c = call()
    told = texts(await c("¿Me pueden devolver la llamada a otro celular?"))
    assert told == ["Con gusto. ¿A qué número celular le devolvemos la llamada?"]
    told = texts(await c("Al tres uno cinco, cuatro cuatro cuatro, dos dos uno uno"))
    assert told == ["¿Confirma que un asesor le devuelva la llamada al número terminado en 2211?"]
    c = call()
    await c("Llámenme más tarde, por favor")
    told = texts(await c("No, mejor al tres uno cinco, cuatro cuatro cuatro, dos dos uno uno"))
    assert told == ["¿Confirma que un asesor le devuelva la llamada al número terminado en 2211?"]


async def test_an_order_of_someone_elses_is_an_order_question_not_data_rights(call) -> None:
    # regression: "información de un pedido que hizo mi esposa" got the Ley 1581 path
    told = texts(await call()("Quiero información de un pedido que hizo mi hermano"))
    assert told == ["Con gusto lo reviso. ¿Me dice el número de su pedido, por favor?"], told


async def test_a_caller_checking_the_line_hears_they_are_heard(call) -> None:
    # regression: "¿Aló? ¿Me escucha?" went to the model
    told = await call()("¿Aló? ¿Sí me oye?")
    assert [p.phrase for p in told] == ["go_ahead"], told


async def test_a_return_in_progress_goes_to_a_person(call) -> None:
    # regression: "el estado de la devolución que hice" heard the return policy and was asked
    # for an order to open another return
    told = await call()("¿Me puede decir cómo va la devolución que solicité la semana pasada?")
    assert told == [EndCall("transfer_requested", "transfer")]


async def test_a_brand_the_store_does_not_carry_is_said_so(call) -> None:
    # regression: "¿tienen zapatillas New Balance?" offered another brand's shoes as if asked
    told = texts(await call()("Buenas, ¿ustedes tienen tenis New Balance?"))
    assert told[0] == "No manejamos la marca New Balance.", told
    assert told[1].startswith("En zapatillas manejamos Adidas"), told
    c = call()
    told = texts(await c("¿Manejan Skechers?"))
    ask = "¿Qué producto busca? Dígame el tipo, la marca, la talla o el color."
    assert told == ["No manejamos la marca Skechers.", ask]


async def test_a_call_back_from_a_person_is_booked_not_a_transfer_now(call) -> None:
    # regression: "que un asesor me llame…" named a person: the call went to one at once
    c = call()
    told = texts(await c("Quisiera que una asesora me llame a otro celular más tarde"))
    assert told == ["Con gusto. ¿A qué número celular le devolvemos la llamada?"], told
    assert await call()("Páseme con un asesor, por favor") == [
        EndCall("transfer_requested", "transfer")
    ]


async def test_an_exchange_said_with_its_order_number_checks_the_policy(call) -> None:
    # regression (fresh9): "¿me las cambian por una 38? El pedido es el 46211" read the order's
    # status (and offered socks) instead of checking the return window
    c = call()
    said = "Me quedaron grandes, ¿me los cambian por un 40? El pedido es el 4 6 2 1 1."
    [policy] = texts(await c(said))
    assert "dentro del plazo" in policy and "Confirma" in policy, policy


@pytest.mark.parametrize(
    "said",
    ["¿Me cobran la instalación de la licuadora?",
     "¿Tienen servicio técnico para las cafeteras?",
     "¿Los zapatos son originales?"],
)  # fmt: skip
async def test_what_no_data_answers_about_an_item_is_said_so_and_a_person_offered(
    call, said: str
) -> None:
    # regression: a question about an item the catalogue cannot answer was read as a search
    # ("Sí, tenemos licuadora Imusa clásica…")
    c = call()
    assert texts(await c(said)) == [
        "Ese dato no lo tengo en mi sistema, pero un asesor se lo puede confirmar.",
        "¿Quiere que le comunique con un asesor?",
    ]
    assert await c("Sí, por favor") == [EndCall("transfer_requested", "transfer")]


# ---- regressions from the held-out set fresh10 (its first run: 7/16) ---------------------


@pytest.mark.parametrize(
    "said",
    ["Oiga, ¿no habrá por ahí alguien de servicio al cliente que me coja la llamada? Con este "
     "sistema automático, yo no me voy a entender.",
     "¿Cómo así que todavía? Eso ya es muchísimo tiempo, yo necesito que alguien me dé razón."],
)  # fmt: skip
async def test_a_person_asked_for_in_other_words_is_a_transfer(call, said: str) -> None:
    assert await call()(said) == [EndCall("transfer_requested", "transfer")]


async def test_the_carrier_and_a_second_store_question_are_both_answered(call) -> None:
    c = call("+573055425944")
    await c("Es por lo de la correa que pedí, el pedido cuatro cinco tres seis uno.")
    told = texts(await c("¿Y con qué empresa me la van a mandar? Y de paso, la factura, ¿la "
                         "tengo que descargar de algún lado o ustedes me la envían?"))  # fmt: skip
    assert told[0] == "El número de guía de Servientrega es SER308355949.", told  # no status again
    assert told[-2].startswith("La factura electrónica se envía al correo"), told
    assert told[-1] == "¿Le puedo ayudar con algo más?"


async def test_parking_and_the_lines_sunday_hours_are_store_answers(call) -> None:
    c = call()
    [shop, _] = texts(await c("¿Allá tienen parqueadero? Es que pensaba ir el sábado en el carro."))
    assert "no tenemos tienda física" in shop, shop
    [hours, _] = texts(await c("Ah, bueno. ¿Y los domingos esta línea funciona? ¿Hasta cuándo "
                               "puedo llamar ese día?"))  # fmt: skip
    assert hours.startswith("Atendemos de lunes a sábado"), hours


async def test_a_shipping_question_again_with_an_item_added_is_no_search(call) -> None:
    c = call()
    await c("Si pido unas medias de treinta mil, ¿cuánto me vale el envío hasta Montería?")
    said = ("¿Y si le sumo una camiseta y paso de los ciento cincuenta, ya no me cobran nada? "
            "¿En cuántos días me estaría llegando?")  # fmt: skip
    [again, _] = texts(await c(said))
    assert again.startswith("Enviamos a todo Colombia"), again


async def test_buying_in_quantity_to_resell_is_the_wholesale_answer(call) -> None:
    said = "Quisiera comprarles en cantidad para revender, unas veinte docenas de medias."
    [answer, _] = texts(await call()(said))
    assert answer.startswith("Vendemos al detal"), answer


async def test_a_call_back_to_a_number_heard_broken_asks_for_it_again(call) -> None:
    c = call()
    [confirm] = texts(await c("¿Será que me vuelven a marcar como a las siete de la noche?"))
    assert confirm == "¿Confirma que un asesor le devuelva la llamada a este número?"
    [ask] = texts(await c("Que sea al celular de mi esposa. Anote 315 208 40 al 4 71"))
    assert ask == "Con gusto. ¿A qué número celular le devolvemos la llamada?"  # no order read


async def test_a_bare_size_after_a_product_sold_in_it_is_that_size(call) -> None:
    c = call()
    await c("¿Les queda el jean Americanino mom, el negro, en talla treinta y dos?")
    [found, _] = texts(await c("Uy, qué mala suerte. ¿Y en 34, también negro, sí hay?"))
    assert found.startswith("Sí, tenemos jean Americanino mom en talla 34"), found


# ---- regressions from the held-out set fresh11 (its first run: 10/16) --------------------


async def test_a_reply_withdrawn_unheard_leaves_no_question_pending(call) -> None:
    # regression: "¿Ustedes trabajan con tarjeta de crédito?" [pause] "Quiero hacer una compra
    # ya mismo por teléfono": the first part's reply (the payment link offer) was cut before a
    # word was heard, yet its question stayed pending and the joined turn heard "Le repito la
    # pregunta". The session restores the state from before the first part.
    c = call()
    state = c.concierge.snapshot()
    offer = texts(await c("¿Ustedes trabajan con tarjeta de crédito?"))
    assert offer[-1].startswith("¿Le envío por mensaje de texto el enlace de pago")
    c.concierge.restore(state)
    joined = "¿Ustedes trabajan con tarjeta de crédito? Quiero hacer una compra ya mismo."
    told = texts(await c(joined))
    assert told[0].startswith("Puede pagar con tarjeta débito o crédito"), told
    assert "Le repito la pregunta." not in told


async def test_a_known_customer_names_the_item_of_one_of_two_orders(call) -> None:
    c = call("+573038096196")  # two orders on their way: 45616 (Reebok), 45498 (Columbia)
    told = texts(await c("Le pregunto por lo de los tenis Reebok que encargué, ¿eso ya salió?"))
    assert told[0].startswith("Su pedido 45616") and "Servientrega" in told[0], told
    told = texts(await c("Listo. ¿Y la chaqueta Columbia blanca, la que pedí aparte, esa sí va "
                         "por la misma empresa?"))  # fmt: skip
    assert told[0].startswith("Su pedido 45498") and "Envía" in told[0], told  # no link sent


async def test_the_shop_the_lines_hours_and_a_warranty_asked_ahead(call) -> None:
    c = call()
    [shop, _] = texts(await c("¿Dónde es que queda el local de ustedes? Quería ir en persona a "
                              "probarme unas botas."))  # fmt: skip
    assert "no tenemos tienda física" in shop, shop
    [hours, _] = texts(await c("Y de lunes a sábado, ¿hasta qué horas contestan en esta línea?"))
    assert hours.startswith("Atendemos de lunes a sábado"), hours
    [warranty, _] = texts(await c("Si el reloj que compre se daña, ¿quién me responde por la "
                                  "garantía?"))  # fmt: skip
    assert warranty.startswith("Todos nuestros productos tienen la garantía"), warranty


async def test_shipping_days_in_general_and_for_a_sum(call) -> None:
    c = call()
    [days, _] = texts(await c("Yo vivo en Yopal, ¿cuántos días tarda un pedido en llegar?"))
    assert days.startswith("Enviamos a todo Colombia en 2 a 5 días"), days
    [free, _] = texts(await c("¿Y el domicilio me lo cobran aparte? Lo que voy a pedir da como "
                              "doscientos mil pesos."))  # fmt: skip
    assert free.startswith("Con una compra de $200.000 el envío le sale gratis"), free
    [paid, _] = texts(await call()("Si compro 90 mil pesos, ¿me cobran el envío?"))
    assert paid.startswith("Con una compra de $90.000 el envío tiene costo"), paid


async def test_a_person_asked_for_around_the_machines_and_a_goodbye_in_other_words(call) -> None:
    said = ("Mire, yo con estas máquinas que contestan no me la llevo bien. ¿No habrá alguien de "
            "los que trabajan ahí en la oficina que me pueda atender?")  # fmt: skip
    assert await call()(said) == [EndCall("transfer_requested", "transfer")]
    bye = "Bueno, tocará buscarla en internet. Era eso no más, gracias, que le rinda el día."
    assert await call()(bye) == [EndCall("goodbye", "farewell")]


# ---- fifteenth session: fresh12's failures -------------------------------------------------
CAMILO, JORGE, CAROLINA_M = "+573018172543", "+573088555053", "+573034616244"


async def test_a_customer_asks_by_item_what_became_of_it(call, cloud: FakeTwilioCloud) -> None:
    c = call(CAMILO)
    status = texts(await c("Mire, quería saber qué ha pasado con la licuadora Oster, la del "
                           "vaso de vidrio. ¿Eso ya me lo despacharon o todavía no?"))  # fmt: skip
    assert status[0].startswith("Su pedido 46723") and "en camino" in status[0], status
    # "listo" takes note; the question is the carrier, not a yes to the link offered
    carrier = texts(await c("Ah, listo. ¿Y esa la despacharon por cuál mensajería?"))
    assert "Envía" in carrier[0] and cloud.messages == [], carrier
    [cancelled, _] = texts(await c("Vale. Otra cosa: la chaqueta Columbia negra, la impermeable, "
                                   "esa nunca me llegó. ¿Qué pasó con esa?"))  # fmt: skip
    assert cancelled.startswith("Su pedido 46072") and "cancelado" in cancelled, cancelled
    # the same item asked for its price is a price question, not the order again
    price = texts(await call(CAMILO)("¿Cuánto cuesta la licuadora Oster de vaso de vidrio?"))
    assert "$552.900" in price[0], price


async def test_an_item_asked_after_by_a_stranger_is_not_someone_elses_order(call) -> None:
    said = "¿Qué pasó con la licuadora Oster de vaso de vidrio? ¿Ya la despacharon?"
    assert not any("46723" in t for t in texts(await call()(said)))


async def test_delivered_but_never_received_is_a_claim_offered_at_once(
    call, store: tuple[Store, Records]
) -> None:
    shop, _ = store
    c = call()
    told = texts(await c("En el rastreo figura que mi compra, la cuatro seis, tres seis, "
                         "nueve, ya fue entregada, pero a mí no me han traído nada."))  # fmt: skip
    assert told[0].startswith("Su pedido 46369") and "entregado" in told[0], told
    assert told[1] == "Lamento lo sucedido. ¿Confirma que registro su queja sobre el pedido 46369?"
    # "sí, pero…" pressing for the same claim registers it
    done = texts(await c("Pues sí, pero es que yo pagué esa correa y no la tengo en la mano. "
                         "Déjeme el reclamo radicado ya mismo, por favor."))  # fmt: skip
    [ticket] = await shop.tickets_for_phone(STRANGER)
    assert ticket.kind == "queja" and ticket.order_number == "46369"
    assert f"número {ticket.id}" in done[0], done


async def test_a_complaint_pressed_without_a_yes_is_registered(
    call, store: tuple[Store, Records]
) -> None:
    shop, _ = store
    c = call(JORGE)
    [ask] = texts(await c("Vea, me llegó la caja con la cafetera y los leggings, pero el "
                          "vestido blanco de Studio F no venía, y lo pagué."))  # fmt: skip
    assert ask.startswith("Lamento lo sucedido. ¿Confirma que registro su queja"), ask
    done = texts(await c("Es que uno ya se cansa. ¿Qué van a hacer? O me mandan el vestido o me "
                         "devuelven la plata."))  # fmt: skip
    [ticket] = await shop.tickets_for_phone(JORGE)
    assert ticket.kind == "queja" and f"número {ticket.id}" in done[0], done
    # a no to the same question registers nothing
    c = call(JORGE)
    await c("Me llegó el pedido incompleto, faltaba el vestido.")
    await c("No, todavía no, primero lo hablo con mi esposa.")
    assert len(await shop.tickets_for_phone(JORGE)) == 1


async def test_a_question_after_a_confirmation_is_answered_too(call) -> None:
    c = call(CAROLINA_M)
    [ask] = texts(await c("Quiero devolver unos tenis Adidas rojos que me llegaron hace unas tres "
                          "semanas, no me gustó cómo me quedan."))  # fmt: skip
    assert ask.endswith("¿Confirma que abro la solicitud de devolución?"), ask
    done = texts(await c("Sí, déjela tramitada, por favor. ¿Y para eso necesito tener la factura "
                         "a la mano?"))  # fmt: skip
    assert done[0].startswith("Listo, quedó registrada"), done
    assert any(t.startswith("La factura electrónica") for t in done), done
    assert done[-1] == "¿Le puedo ayudar con algo más?"


async def test_a_sure_out_of_scope_turn_outweighs_a_one_word_store_cue(
    call, settings: Settings
) -> None:
    said = ("Oiga, ¿usted me puede ayudar a sacar una cita con el médico general? Es que en la EPS "
            "no me contestan.")  # fmt: skip
    assert texts(await call()(said)) == [settings.phrase("out_of_scope")]
    # a store cue of several words still is the store's answer
    [hours, _] = texts(await call()("¿Hasta qué hora contestan?"))
    assert hours.startswith("Atendemos de lunes a sábado"), hours


async def test_gift_cards_in_other_words_and_an_appliance_not_sold(call) -> None:
    c = call()
    [gift, _] = texts(await c("¿Tienen bonos o tarjetas para regalar? Es para mi sobrina."))
    assert gift.startswith("Por ahora no manejamos bonos ni tarjetas de regalo"), gift
    # "estoy" sounds like "vestido": it named dresses once
    fryer = texts(await c("¿Ustedes venden freidoras de aire? Estoy buscando una grandecita."))
    assert fryer[0].startswith("No encontré ese producto"), fryer


# ---- fifteenth session: fresh13's failures (in other words) --------------------------------
HENAO, DUARTE = "+573062945892", "+573094174218"
CARDENAS = "+573027205117"  # 45445: Puma Grand Court sneakers, in preparation for months


async def test_data_rights_the_model_leans_to_over_a_store_cue(call, settings: Settings) -> None:
    said = ("Por favor, que mi número y mi nombre desaparezcan de esa base que ustedes tienen, y "
            "no más mensajitos con ofertas.")  # fmt: skip
    assert texts(await call()(said)) == [settings.phrase("data_rights")]


async def test_a_plea_for_an_exception_goes_to_a_person(call, settings: Settings) -> None:
    c = call(DUARTE)
    [late] = texts(await c("Necesito devolver el vestido del pedido 46802, no le sirvió."))
    assert "ya pasó el plazo" in late, late
    plea = texts(await c("Pero si está sin estrenar. ¿No me pueden colaborar por esta vez?"))
    assert plea == [settings.retail.exception_person, settings.retail.offer_person_after]


async def test_another_orders_item_named_loosely_picks_that_order(call) -> None:
    c = call(HENAO)
    [first, _] = texts(await c("¿Cómo va lo de la cafetera italiana que pedí?"))
    assert first.startswith("Su pedido 46858"), first
    [other, _] = texts(await c("¿Y el bolsito negro de manos libres que encargué por separado?"))
    assert other.startswith("Su pedido 46740") and "cancelado" in other, other


async def test_the_cheapest_in_a_size_is_said_with_its_price(call) -> None:
    c = call()
    await c("¿Tienen relojes Casio?")
    await c("¿No tiene uno más barato?")
    [cheapest, _] = texts(await c("¿Y otro todavía más económico?"))
    assert cheapest.startswith("Esa es la opción más económica") and "$" in cheapest, cheapest


async def test_a_shop_to_look_around_and_delivery_time_in_other_words(call) -> None:
    [shop, _] = texts(await call()("¿Tienen almacén en Cali? Quisiera ir a mirar primero."))
    assert "no tenemos tienda física" in shop, shop
    [days, _] = texts(await call()("¿En cuánto tiempo me estaría llegando un pedido a Pasto?"))
    assert "2 a 5 días" in days, days


def test_tens_and_a_unit_as_whisper_writes_them_are_one_number(call) -> None:
    from voicebot.text import digits

    assert digits("es el pedido 45, 720 y 1, señorita") == "es el pedido 45721, señorita"
    assert digits("tengo 2 y 3 pares") == "tengo 2 y 3 pares"  # no tens: two numbers


def test_a_well_known_brand_one_sound_off_is_not_carried() -> None:
    from voicebot.store.search import Catalog

    catalog = Catalog([])
    assert catalog.brand_not_carried("¿tienen tenis niu balance?") == "New Balance"
    assert catalog.brand_not_carried("¿tienen tenis net balance?") == "New Balance"


# ---- sixteenth session: fresh13's last failures (in other words) ----------------------------
async def test_a_long_awaited_order_is_apologised_for_and_nothing_is_sold(call) -> None:
    c = call(CARDENAS)
    said = texts(await c("Oiga, los tenis Puma que encargué hace dos meses todavía no me llegan."))
    assert said[0] == "Lamento la demora." and said[1].startswith("Su pedido 45445"), said
    assert said[-1] == "¿Le puedo ayudar con algo más?", said  # no cross-sell to her


async def test_an_angry_complaint_after_an_orders_status_is_about_that_order(call) -> None:
    """Regression: "¡tres meses! … una queja" after the status went to a person with "Con
    gusto", no apology and no complaint registered; the order just told is the concrete
    complaint, and a yes that also asks for a call books it."""
    c = call(CARDENAS)
    await c("¿Me averigua qué pasó con mis tenis Puma? Ya van dos meses.")
    [ask] = texts(await c("¿Dos meses? Esto es inaceptable, quiero dejar una queja formal."))
    assert ask.startswith("Lamento") and "45445" in ask, ask
    done = texts(await c("Claro que sí, regístrela, y que alguien me llame para darme razón."))
    assert "registrada" in done[0] and "llamada" in done[-1], done
    # upset again, with nothing new to register: a person, and sorry first
    assert await c("Qué rabia, pésimo servicio") == [EndCall("frustration", "transfer_upset")]


def test_the_upset_transfer_phrase_apologises() -> None:
    phrase = make_settings().phrase("transfer_upset")
    assert phrase.startswith("Lamento") and "asesor" in phrase and "Con gusto" not in phrase


# ---- sixteenth session: fresh14's failures (in other words) ---------------------------------
QUINTERO, RAMIREZ, CASTRO = "+573094559640", "+573088638363", "+573088555053"


def test_a_number_mended_at_once_or_written_in_pairs_is_read_as_meant() -> None:
    from voicebot.text import digits

    assert digits("es el 46, 670, no, perdón, 607") == "es el 46607"  # the group said again
    assert digits("el 46583, no, mentiras, el 46538") == "el 46538"
    assert digits("talla 38, no, perdón, 40") == "talla 40"
    assert digits("el 45, no, perdón, el 46721") == "el 45, no, perdón, el 46721"  # not a slip
    assert digits("termina en 31x07") == "termina en 3107"  # "treinta y uno, cero siete"
    assert digits("la promo 2x1") == "la promo 2x1"


async def test_an_item_nobody_told_about_since_is_its_orders_fate(call) -> None:
    c = call(RAMIREZ)
    [told, _] = texts(await c("¿Y qué hubo del bolso tote gris? De eso nadie me ha dicho nada."))
    assert told.startswith("Su pedido 46769") and "cancelado" in told, told
    c = call(CASTRO)
    [told, _] = texts(await c("¿Y la cafetera italiana que pedí en otra compra, comoba eso?"))
    assert told.startswith("Su pedido 46243") and "en camino" in told, told


async def test_the_returned_items_stock_then_a_return_after_all(call) -> None:
    """Regression: "¿hay ese mismo en talla S?" after a return about a dress found a watch,
    and "mejor lo devuelvo" then went to the model."""
    c = call(QUINTERO)
    [ask] = texts(await c("El vestido corto Studio F que compré me quedó apretado, ¿lo cambian?"))
    assert ask.startswith("Su pedido 46670"), ask
    stock = texts(await c("Un momento, ¿y ese mismo en rojo sí lo tienen en talla S?"))
    assert "vestido Studio F corto" in stock[0], stock
    [again] = texts(await c("Ah bueno, entonces mejor la de vuelvo, ya veremos qué se compra."))
    assert again.startswith("Su pedido 46670") and "devolución" in again, again


async def test_the_same_kind_of_item_by_another_brand(call) -> None:
    c = call()
    await c("¿Tienen el morral Totto para portátil en color negro?")
    [found, _] = texts(await c("¿Y no hay de otra marca? Lo necesito negro."))
    assert "Jansport" in found and "negro" in found, found
    [price, _] = texts(await c("¿Y cuánto sale ese?"))
    assert "Jansport" in price and "102.900" in price, price


async def test_a_branch_to_try_on_or_pick_up_and_days_to_arrive(call) -> None:
    shop = "no tenemos tienda física"
    [said, _] = texts(await call()("¿Tienen alguna sede en Pereira? Quiero probármelos antes."))
    assert shop in said, said
    [said, _] = texts(await call()("¿Hay una bodega o algo así donde uno pueda ir a recoger?"))
    assert shop in said, said
    [said, _] = texts(await call()("¿Y en cuántos días lo tendría en Cartagena más o menos?"))
    assert "2 a 5" in said, said


async def test_ciao_ends_the_call(call) -> None:
    bye = await call()("Bueno, yo lo averiguo por mi cuenta. Ciao.")
    assert bye == [EndCall("goodbye", "farewell")]


async def test_a_call_back_at_the_time_asked_is_booked_and_said_back(
    call, store: tuple[Store, Records]
) -> None:
    shop, _ = store
    c = call(CASTRO)
    [ask] = texts(await c("Ahora no puedo hablar, ¿me pueden llamar el jueves como a las 4?"))
    assert ask == "¿Confirma que un asesor le devuelva la llamada a este número?", ask
    done = texts(await c("Sí, a este mismo."))
    assert done[1] == "Quedó anotado que le llamen el jueves como a las 4.", done
    *_, ticket = [t for t in await shop.tickets_for_phone(CASTRO) if t.kind == "llamada"]
    assert "el jueves como a las 4" in ticket.detail, ticket


async def test_the_item_asked_about_is_named_first_and_its_carrier_told_once(call) -> None:
    c = call(RAMIREZ)
    [told, *_] = texts(await c("¿Ya despacharon el reloj Q&Q digital rosado que pedí?"))
    assert told.startswith("Su pedido 45960, de reloj Q&Q"), told
    [guide, _] = texts(await c("¿Y ese con qué transportadora viene?"))
    assert guide.startswith("El número de guía de Interrapidísimo"), guide


async def test_the_stock_asked_mid_exchange_then_the_exchange_goes_on(call) -> None:
    """Regression (fresh13): "¿y sí hay la 37 en blanco?" before an exchange was confirmed
    was asked the return again without an answer; then the answer offered a link, and the
    caller's "hágale con el cambio" took the link."""
    c = call("+573033184273")
    [ask] = texts(await c("Las Puma Street del pedido 46379 me quedaron pequeñas, ¿las cambio?"))
    assert ask.startswith("Su pedido 46379") and ask.endswith("devolución?"), ask
    [stock, again] = texts(await c("¿Y sí tienen la 38 en blanco?"))
    assert stock.startswith("Sí, tenemos zapatillas Puma Street en talla 38"), stock
    assert again == "¿Confirma que abro la solicitud de devolución?"  # the status said once
    done = texts(await c("Bueno, dele, hagamos el cambio."))
    assert done[0].startswith("Listo, quedó registrada"), done


async def test_the_carrier_asked_after_a_cross_sell_offer_is_told(call) -> None:
    """Regression (fresh14): "¿y quién se lo va a llevar, qué mensajería es?" after a status
    and its cross-sell offer was "Le repito la pregunta" and the offer again."""
    c = call(RAMIREZ)
    said = texts(await c("¿Cómo va mi pedido 45960?"))
    assert "le recomiendo" in said[-1], said  # the cross-sell offer is pending
    [guide, _] = texts(await c("Ya veo, y eso quién me lo va a llevar, qué mensajería es."))
    assert guide.startswith("El número de guía de Interrapidísimo"), guide


# ---- seventeenth session: fresh15's failures (in other words) -------------------------------


async def test_an_item_ordered_asked_as_comoban_is_that_order(call) -> None:
    """Regression (fresh15): "las botas Vélez grises, ¿esas cómo van?", written "esas
    comoban" by Whisper, was a sale of the boots instead of the customer's order."""
    [told, *_] = texts(await call(CASTRO)("Oiga, ¿y la gorra Adidas negra? Eso comoban."))
    assert told.startswith("Su pedido 46539"), told


async def test_a_plea_after_a_late_return_is_an_exception_for_a_person(call) -> None:
    """Regression (fresh15): "¿Cómo así? Pero si están nuevecitas, solo me las medí" after
    the bot said the return window had passed searched the catalogue (a pot set)."""
    c = call("+573077469927")
    [late] = texts(await c("Necesito devolver lo del pedido 45106, no me gustaron."))
    assert "ya pasó el plazo" in late, late
    said = texts(await c("¿Cómo así? Si solo me los medí una vez y ya."))
    assert said[0] == "Entiendo. Una excepción solo la puede autorizar un asesor.", said


async def test_a_link_asked_for_in_other_verbs_is_sent(call, cloud: FakeTwilioCloud) -> None:
    """Regression (fresh15): "Disto, regáleme el enlace al celular" (Whisper's "listo") to a
    link offer gave the price again."""
    c = call()
    await c("¿Cuánto vale el reloj Casio deportivo?")
    sent = texts(await c("Bueno, compártame ese link por favor."))
    assert sent[0].startswith("Listo, le envié el enlace"), sent
    assert "Casio" in cloud.messages[-1]["Body"]
    assert understand("Disto.").answer is True


async def test_a_round_amount_with_a_cost_question_is_no_order_number(call) -> None:
    """Regression (fresh15): "una compra como de 50.000, ¿cuánto me sale el envío?" looked up
    order 50000."""
    [said, *_] = texts(await call()("Si compro algo de 80.000, ¿el envío cuánto vale?"))
    assert "$80.000" in said and "gratis desde $150.000" in said, said


async def test_a_bill_of_another_business_is_out_of_scope_and_so_is_where_else(
    call, settings: Settings
) -> None:
    """Regression (fresh15): "¿se puede pagar el recibo del gas?" got the store's payment
    methods, twice (also for "¿y dónde lo puedo pagar?")."""
    c = call()
    said = texts(await c("Buenas, ¿con ustedes puedo pagar la factura de la luz?"))
    assert said == [settings.phrase("out_of_scope")], said
    [where, _] = texts(await c("Ah, ¿y no sabe a quién le pueden recibir eso?"))
    assert where.startswith("Qué pena con usted, eso no lo sé."), where
    [pay, *_] = texts(await c("Bueno, y aquí ¿cómo se les puede pagar?"))
    assert "Nequi" in pay, pay  # the store's own payments still answered after that


async def test_a_confirmation_after_the_ticket_is_registered_says_it_again(call) -> None:
    """Regression (fresh15): "Sí, confirmo" right after "quedó registrada… ¿algo más?" went
    to the model, which once answered "¿Le ayudo con un pedido, un producto…?"."""
    c = call(CASTRO)
    await c("¿Me podrían llamar más tarde? Ahora estoy ocupado.")
    done = texts(await c("Sí, a este número."))
    number = done[0].removeprefix("Listo, quedó registrada con el número ").rstrip(".")
    assert number.isdigit(), done
    again = texts(await c("Sí, confirmado."))
    assert again == [f"Sí, ya quedó registrada con el número {number}.", done[-1]], again
    assert c.model.seen == []


# ---- eighteenth session: fresh16's failures (in other words) --------------------------------
CAMILO_L = "+573033184273"  # 46259: Columbia windbreaker and Pat Primo dress, in preparation


async def test_who_brings_an_order_just_told_is_its_carrier(call) -> None:
    """Regression (fresh16): "¿Y esas con quién vienen?" after an order's status asked for
    the order number again."""
    c = call(CAROLINA)
    await c("¿Cómo va mi pedido 45721?")
    [said, *_] = texts(await c("Ah bueno, ¿y eso con quién llega?"))
    assert "Servientrega" in said, said


async def test_a_general_return_question_gets_the_policy_not_the_last_delivery(call) -> None:
    """Regression (fresh16): "¿cuánto tiempo tiene uno para devolver algo?" from a known
    customer opened a return of her last delivery, unasked; the policy is the answer, then
    which order, and the item named next finds it."""
    c = call(CAROLINA)
    said = texts(await c("Una consulta, ¿cuántos días tiene uno para devolver una compra?"))
    assert said[0].startswith("Puede devolver un producto hasta 30 días"), said
    assert "38150" not in " ".join(said) and said[-1].endswith("número del pedido?"), said
    [found] = texts(await c("Pues es una licuadora Oster que me llegó hace poco."))
    assert "38150" in found, found


async def test_an_order_number_split_by_a_dash_is_one_number(call) -> None:
    """Regression (fresh16): "El pedido es 4667-0" (Whisper's dash inside a dictated
    number) was not read as 46670."""
    assert digits("Es el 4572-1.") == "Es el 45721."
    assert digits("talla 38") == "talla 38"
    [told, *_] = texts(await call(CAROLINA)("Y el otro pedido, el 3815-0, ¿ya llegó?"))
    assert told.startswith("Su pedido 38150"), told


async def test_naming_the_item_of_the_order_just_told_repeats_its_status(call) -> None:
    """Regression (fresh16): "Es una correa Arturo Calle blanca" after that order's status
    offered to sell the belt."""
    c = call(CAMILO_L)
    [first, *_] = texts(await c("¿Me dice cómo va mi pedido 46259?"))
    [again, *_] = texts(await c("Es la chaqueta Columbia, la rompevientos."))
    assert again == first and again.startswith("Su pedido 46259"), again
    [sale, *_] = texts(await c("¿Y tienen otra chaqueta Columbia en negro?"))
    assert not sale.startswith("Su pedido"), sale  # a wish for another is still a search


async def test_what_the_store_sells_is_its_range_even_when_items_are_named(call) -> None:
    """Regression (fresh16): "¿y qué cosas venden, solo ropa y zapatos?" offered Nike
    trainers instead of the store's range."""
    [said, *_] = texts(await call()("¿Qué es lo que venden, pura ropa y tenis?"))
    assert said.startswith("Tenemos ropa, calzado, accesorios"), said


async def test_a_new_question_after_listo_lets_a_link_offer_lapse(
    call, cloud: FakeTwilioCloud
) -> None:
    """Regression (fresh16): "Listo y los sábados hasta qué hora atienden" (Whisper, "hasta
    que ahora tienden") to "¿le envío el enlace?" sent the link."""
    c = call()
    await c("¿Tienen relojes Casio?")
    [hours, *_] = texts(await c("Listo y los domingos hasta que ahora tienden."))
    assert hours.startswith("Atendemos de lunes a sábado"), hours
    await c("¿Tienen relojes Casio?")
    [ship, *_] = texts(await c("Bueno, ¿y hacen envíos hasta Leticia?"))
    assert ship.startswith("Enviamos a todo Colombia"), ship
    assert cloud.messages == []


async def test_a_follow_up_of_the_payment_methods_is_answered_from_them(call) -> None:
    """Regression (fresh16): "yo vivo en un pueblo, ¿allá también?" after the payment
    methods heard "Le repito la pregunta" and the link offer again."""
    c = call()
    [methods, _] = texts(await c("¿Se puede pagar en efectivo cuando llega el pedido?"))
    assert "Nequi" in methods, methods  # no order asked for: a question about paying
    [said, *_] = texts(await c("Pero yo vivo en una vereda de Rionegro, ¿allá también?"))
    assert "ciudades principales también puede pagar contraentrega" in said, said


async def test_tickets_are_no_boots(call) -> None:
    """Regression (fresh16): "¿venden boletas para el partido?" offered Bosi boots."""
    said = " ".join(texts(await call()("¿Ustedes venden boletas para el concierto del sábado?")))
    assert "botas" not in said.lower(), said


async def test_a_brand_after_a_product_keeps_what_the_caller_asked_it_for(call) -> None:
    """Regression (fresh16): "¿y el Totto lo tiene en negro?" after a laptop backpack was
    asked for offered the Totto school backpack as if it were the one asked."""
    for brand in ("Totto", "toto"):  # the second as Whisper writes it
        c = call()
        await c("Necesito un morral para el portátil.")
        [said, *_] = texts(await c(f"¿Y el {brand} en negro?"))
        assert "Totto para portátil" in said, said


# ---- nineteenth session: fresh17's failures (in other words) --------------------------------
DIANA = "+573029418205"  # 46571 Bosi Andina boots en camino; 45264 Vélez Trekking in preparation


async def test_a_no_that_describes_the_item_refuses_no_return(call) -> None:
    """Regression (fresh17): "No, no lo he estrenado, tiene las etiquetas y la factura la
    tengo en el correo" to "¿Confirma que abro la solicitud de devolución?" was taken as a
    no ("no hago ningún cambio"), or answered with the invoice question."""
    c = call(CAROLINA)
    await c("Quiero devolver la licuadora Oster del pedido 38150.")
    said = texts(await c("No, no la he usado, la tengo en la caja con la factura."))
    assert "no hago ningún cambio" not in " ".join(said), said
    assert said[-1].startswith("Su pedido 38150") and said[-1].endswith("devolución?"), said
    [done, *_] = texts(await c("Sí, ábrala."))
    assert done.startswith("Listo, quedó registrada"), done
    c = call(CAROLINA)
    await c("Quiero devolver la licuadora Oster del pedido 38150.")
    [done, *_] = texts(await c("Pues no, no la hemos sacado de la caja. Sí, hágale pues."))
    assert done.startswith("Listo, quedó registrada"), done  # the yes after the statement


async def test_the_rest_of_a_number_after_the_order_was_told_repeats_its_status(
    call, cloud: FakeTwilioCloud
) -> None:
    """Regression (fresh17): "Ya, listo. Siete, uno." (the end of the number begun in the
    turn before) heard "Le repito la pregunta" and the cross-sell offer again."""
    c = call(CAROLINA)
    [first, *_] = texts(await c("¿Cómo va mi pedido? El número es cuatro, cinco, siete..."))
    assert first.startswith("Su pedido 45721"), first  # her only open order
    said = texts(await c("Bueno, dos, uno."))
    assert said[0] == first and said[-1] == "¿Le puedo ayudar con algo más?", said
    assert cloud.messages == []


async def test_a_note_taken_of_an_orders_status_is_no_yes_to_an_offer(
    call, cloud: FakeTwilioCloud
) -> None:
    """Regression (fresh17): "¿Ah? Bueno." after an order's status and the cross-sell offer
    sent the link the caller had not asked for."""
    c = call(CAROLINA)
    said = texts(await c("¿Cómo va mi pedido 45721?"))
    assert "le recomiendo" in said[-1], said  # the offer the caller did not ask for
    assert texts(await c("Ah, ok.")) == ["¿Le puedo ayudar con algo más?"]
    assert cloud.messages == []


async def test_the_other_items_the_caller_ordered_pick_their_order(call) -> None:
    """Regression (fresh17): "y las otras botas, las Vélez de trekking, esas las pedí"
    (Whisper: "las pedidas") after an order's status offered to sell the boots."""
    c = call(DIANA)
    [first, *_] = texts(await c("¿Cómo van las botas Bosi que pedí?"))
    assert first.startswith("Su pedido 46571"), first
    [other, *_] = texts(await c("Y unas Vélez de trekking, esas las tengo pedidas también."))
    assert other.startswith("Su pedido 45264") and "preparación" in other, other
    [carrier, *_] = texts(await c("¿Y esas con quién me las mandan?"))
    assert "Interrapidísimo" in carrier, carrier


async def test_a_change_to_an_order_not_sent_yet_goes_to_a_person(call) -> None:
    """Regression (fresh17): "pedí la chaqueta en XL, pero soy talla L, ¿me la cambian?" of
    an order still in preparation heard "todavía no se ha entregado", then "¿y sí hay en
    verde?" offered another jacket, and "no, entonces déjelo así… con buzo" a T-shirt."""
    c = call(CAMILO_L)
    [said] = texts(await c("Pedí la chaqueta Columbia en M, pero soy talla XL. ¿Me la cambian?"))
    assert said.startswith("Su pedido 46259 todavía está en preparación"), said
    assert said.endswith("¿Quiere que le comunique?"), said
    [stock, *_] = texts(await c("¿Y sí hay en beige?"))
    assert "Columbia rompevientos" in stock and "talla XL" in stock, stock  # the size wanted
    left = texts(await c("No, entonces mejor lo dejo así, me la pongo con un saco, gracias."))
    assert left == ["¿Le puedo ayudar con algo más?"], left


async def test_a_complaint_about_an_item_names_the_order_holding_it(call) -> None:
    """Regression (fresh17): "la cafetera Imusa que me llegó vino con el tanque partido"
    asked to register a complaint with no order, and the order number given next was told
    as a status with a cross-sell (and "sí, regístrelo, por favor" took the offer)."""
    c = call(CAROLINA)
    [said] = texts(await c("La licuadora Oster que me llegó vino con la tapa partida."))
    assert said.endswith("¿Confirma que registro su queja sobre el pedido 38150?"), said
    c = call(CAROLINA)
    [said] = texts(await c("Me llegó un producto dañado y estoy muy molesta."))
    assert said.endswith("registro su queja para que un asesor la revise?"), said
    again = texts(await c("Lo que quiero es que me lo reemplacen. Es el pedido 38150."))
    assert again[-1].endswith("¿Confirma que registro su queja sobre el pedido 38150?"), again
    [done, *_] = texts(await c("Sí, regístrela."))
    assert done.startswith("Listo, quedó registrada con el número"), done
    [repeat, *_] = texts(await c("Sí señor, por favor."))
    assert repeat.startswith("Sí, ya quedó registrada con el número"), repeat


async def test_a_bare_size_with_a_brand_named_and_the_cheapest_of_that_brand(call) -> None:
    """Regression (fresh17): "y unos Puma negros en 42" offered Puma trainers that do not
    come in 42 (the best match's sizes only), and "¿cuál de esos es el más barato?" then
    offered a Reebok."""
    c = call()
    [found, _] = texts(await c("¿Tienen unas Puma en 36 para mi hija?"))
    assert "Puma" in found and "talla 36" in found, found
    [cheapest, _] = texts(await c("¿Y cuál de esas es la más barata?"))
    assert "zapatillas Puma en talla 36: zapatillas Puma Flex, a $285.900" in cheapest, cheapest


async def test_going_to_see_the_goods_asks_for_a_shop(call) -> None:
    """Regression (fresh17): "¿tienen almacén en Bucaramanga? Quería pasar a mirar unos
    bolsos" (Whisper: "almas en") offered a handbag."""
    [said, *_] = texts(
        await call()("¿Ustedes tienen algo en Tunja? Quisiera pasar a ver unas chaquetas.")
    )
    assert "no tenemos tienda física" in said, said


async def test_nb_is_whispers_nv(call) -> None:
    """Regression (fresh17): "¿Cuánto me cobran de enbío para Ipiales?" (Whisper's "nb")
    offered socks instead of the shipping answer."""
    [said, *_] = texts(await call()("¿Cuánto vale el enbío a Mocoa? Es para unas gorras."))
    assert said.startswith("Enviamos a todo Colombia"), said


# ---- nineteenth session: fresh18's failures (in other words) --------------------------------
@pytest.mark.parametrize("said", ["Es el tres, ocho, uno... espere... cinco, cero.", "Es el 3850."])
async def test_the_order_number_said_again_confirms_the_order_being_confirmed(
    call, said: str
) -> None:
    """Regression (fresh18): "el pedido es el 4, 5, 3, un momentico, 4, 5" (45345, split) or
    "el 4696" (46196, a digit lost) to "¿Confirma que abro la solicitud…?" was asked for the
    number again."""
    c = call(CAROLINA)
    await c("Quiero devolver la licuadora Oster del pedido 38150.")
    [done, *_] = texts(await c(said))
    assert done.startswith("Listo, quedó registrada"), done


async def test_trouble_with_an_item_bought_is_a_complaint_about_its_order(call) -> None:
    """Regression (fresh18): "unas botas Brahma que compré se les despegó la suela" offered
    boots for sale ("vea, le" sounded like Vélez), then told the order's status with a
    cross-sell; no sale is offered for the rest of a call that complained."""
    c = call(CAROLINA)
    [said] = texts(
        await c("Vea, le cuento que la licuadora Oster que compré se le zafó la cuchilla.")
    )
    assert said.endswith("¿Confirma que registro su queja sobre el pedido 38150?"), said
    [done, *_] = texts(await c("Sí."))
    assert done.startswith("Listo, quedó registrada"), done
    later = " ".join(texts(await c("¿Y cómo va mi otro pedido, el 45721?")))
    assert "45721" in later and "le recomiendo" not in later, later


async def test_well_known_brands_the_store_does_not_carry(call) -> None:
    """Regression (fresh18): "¿manejan licuadoras samurai?" offered an Imusa blender as if it
    were one."""
    [said, *_] = texts(await call()("¿Ustedes manejan botas timberland?"))
    assert said == "No manejamos la marca Timberland.", said


async def test_what_an_item_is_for_counts_less_than_its_own_name(call) -> None:
    """Regression (fresh18): "el morral Totto para portátil, es para mi hija que entra a la
    universidad" offered the Totto school backpack ("universidad" is what it is for)."""
    said = texts(
        await call()("¿Qué precio tiene el morral Totto de portátil? Es para la universidad.")
    )
    assert "morral Totto para portátil" in said[0], said


async def test_ah_ya_after_an_answer_is_no_goodbye(call) -> None:
    """Regression (fresh18): "¡Ah, ya!" (the caller about to ask more) after the hours was
    taken as a goodbye and the call ended."""
    c = call()
    await c("¿A qué hora abren los sábados?")
    assert texts(await c("Ah, ya.")) == ["¿Le puedo ayudar con algo más?"]


async def test_the_cheapest_of_a_kind_asked_with_no_product_before(call) -> None:
    """Regression (fresh18): "¿cuál es la licuadora más económica que tenga disponible?"
    offered a Black and Decker at $343.900 (the best match for the other words)."""
    c = call()
    [said, _] = texts(await c("Y la licuadora más económica que tengan en bodega, ¿cuál es?"))
    stocked = [p for p in c.concierge.tools.catalog.products
               if p.category == "licuadoras" and p.stock(None, None) > 0]  # fmt: skip
    cheapest = min(stocked, key=lambda p: p.price)
    assert (
        said
        == f"Sí, tenemos {cheapest.name[0].lower()}{cheapest.name[1:]}, a {cop(cheapest.price)}."
    ), said


async def test_a_street_address_names_no_product(call) -> None:
    """Regression (fresh18): "…para la carrera 20 con calle 15" offered a handbag ("carrera"
    sounds like "cartera"; "calle" is Arturo Calle's)."""
    said = " ".join(
        texts(await call()("Me trae una hamburguesa a la carrera 30 con calle 10, por favor."))
    )
    assert "bolso" not in said.lower() and "Arturo Calle" not in said, said


async def test_the_other_ones_after_an_orders_status_are_the_callers_other_order(call) -> None:
    """Regression (fresh17, re-run): "y las otras votas, las veles de trekking, esas las
    pedides" (Whisper's words changed between runs) offered the boots for sale: "the other
    ones" named after an order's status are another order of the caller's."""
    c = call(DIANA)
    await c("¿Cómo van las botas Bosi que pedí?")
    [other, *_] = texts(await c("Ah, y las otras, las Vélez de trekking."))
    assert other.startswith("Su pedido 45264") and "preparación" in other, other


async def test_a_price_in_thousands_is_no_size(call) -> None:
    """Review of the bare size (nineteenth session): "en 40 mil" after an item named is a
    price, never size 40."""
    said = " ".join(texts(await call()("¿Tienen unas Puma negras en 40 mil?")))
    assert "talla 40" not in said, said


async def test_wear_that_comes_too_soon_is_a_complaint_on_the_order(call) -> None:
    """Regression (fresh19): "las zapatillas Adidas que les compré se les abrió la costura y
    se está pelando el material" was told as the order's status with a cross-sell; then "el
    número no lo tengo" to the complaint's confirmation asked for the number again."""
    c = call(ANDRES)
    await c.concierge.greeting()
    [sorry] = texts(await c("Los tenis Adidas que les compré se están pelando por todos lados."))
    assert sorry.startswith("Lamento") and "30277" in sorry and "entregado" not in sorry, sorry
    found = texts(await c("Ay, pero el número de pedido no lo tengo aquí."))
    assert found == ["No se preocupe, ya lo tengo, es su pedido 30277.", sorry], found


async def test_a_sum_said_in_two_parts_and_an_item_added_for_shipping(call) -> None:
    """Regression (fresh19): "si compro algo de 140 y 8.900, ¿me cobran el envío?" was taken
    for order 148900, and "¿y si le agrego unas medias de 30 mil, ya me sale gratis?" offered
    socks instead of the shipping for the new sum."""
    c = call()
    [paid, _] = texts(await c("Si yo compro algo de 120 y 5.900, ¿me cobran el envío a Tunja?"))
    assert "$125.900" in paid and "gratis desde $150.000" in paid, paid
    [free, _] = texts(await c("Y si le agrego una gorra de unos 40 mil, ¿ahí ya no me lo cobran?"))
    assert "$165.900" in free and "gratis" in free, free


async def test_a_top_up_amount_is_no_order_number(call) -> None:
    """Regression (fresh19): "una recarga de Claro de 20.000" was looked up as order 20000."""
    said = " ".join(
        texts(await call()("¿Me pueden hacer una recarga de Tigo de 10.000 a mi celular?"))
    )
    assert "No encuentro un pedido" not in said and "10000" not in said, said


@pytest.mark.parametrize(
    ("said", "wrong"),
    [
        ("¿Tienen las Nike Court blancas en 41? Es que uso media talla más.", "medias"),
        ("¿Cuál es la más barata de Adidas en talla 42?", "Bata"),
        ("¿Hay Reebok en talla 42? Es que yo calzo grande.", "limpiador"),
    ],
)
async def test_words_around_a_shoe_search_name_no_other_item(call, said: str, wrong: str) -> None:
    """Regression (fresh19): "media talla más grande" offered socks, "la más barata de Puma"
    Bata sandals, "yo calso grande" a shoe-cleaning kit ("calzado")."""
    answer = " ".join(texts(await call()(said)))
    assert wrong not in answer and "Zapatillas" in answer.title(), answer


async def test_a_plural_names_the_catalogues_singular(call) -> None:
    """Regression (fresh19): "¿y el Timex digitales, cuánto vale?" after a Casio deportivo
    was the Timex deportivo (the plural heard as unlike "digital")."""
    c = call()
    await c("¿A cómo tiene el reloj Casio deportivo?")
    [said, _] = texts(await c("¿Y los Timex digitales cuánto valen?"))
    assert "Timex digital" in said, said


async def test_a_yes_that_goes_on_to_the_return_window(call) -> None:
    """Regression (fresh19): "Listo, otra cosa, si a ella no le gusta, ¿cuántos días tiene para
    devolverlo?" sent the link and left the question unanswered."""
    c = call()
    await c("¿Cuánto vale el bolso Totto manos libres?")
    said = texts(
        await c("Listo, hay otra cosa, si a él no le gusta, cuántos días tiene para devolverlo")
    )
    assert any("30 días" in s for s in said), said


async def test_a_call_back_out_of_hours_asks_another_time_then_books_it(call) -> None:
    """Regression (fresh19): "¿me pueden devolver la llamada el jueves como a las nueve de la
    noche?" was booked for a time nobody works; then "entonces el jueves a las siete, a este
    mismo número" was asked the confirmation again and the call ended with no ticket."""
    c = call()
    [q] = texts(await c("¿Me pueden llamar el sábado a eso de las 10 de la noche? Ahora no puedo."))
    assert q.startswith("A esa hora no tenemos asesores") and "8 de la noche" in q, q
    booked = texts(await c("Ah bueno, entonces el sábado a las 11 de la mañana."))
    assert booked[0].startswith("Listo, quedó registrada"), booked
    assert "el sábado a las 11 de la mañana" in booked[1], booked


async def test_a_time_given_to_the_call_backs_confirmation_is_a_yes(call) -> None:
    """Regression (fresh19): a time said in answer to "¿Confirma que un asesor le devuelva la
    llamada a este número?" was asked the same question again."""
    c = call()
    await c("¿Me pueden devolver la llamada más tarde?")
    booked = texts(await c("Mejor el viernes a las 4 de la tarde, a este mismo número."))
    assert booked[0].startswith("Listo, quedó registrada"), booked
    assert "el viernes a las 4 de la tarde" in booked[1], booked


async def test_a_plan_of_the_callers_own_then_thanks_ends_the_call(call) -> None:
    """Regression (fresh19): "¿Pisto? Entonces le digo a ella que llame con el número del
    pedido. Muchas gracias." to the offer of a person asked for the order number."""
    c = call()
    await c("Quiero cambiar unos tenis que me regalaron por una talla más.")
    await c("No, el número del pedido no lo tengo.")
    said = await c("Entonces le pido el número a mi hermano y vuelvo a llamar. Gracias.")
    assert said == [EndCall("goodbye", "farewell")], said
    c = call()
    await c("Quiero cambiar unos tenis que me regalaron por una talla más.")
    await c("No, el número del pedido no lo tengo.")
    said = await c("Bueno, y entonces ¿cómo hago para saber el número de pedido? Gracias.")
    assert said != [EndCall("goodbye", "farewell")], said


async def test_the_cheapest_keeps_the_type_asked(call) -> None:
    """Regression (fresh19): "una cafetera de goteo", then "¿cuál es la más económica?"
    offered a capsule coffee maker: the cheapest of the kind, not of the type asked."""
    c = call()
    await c("Necesito una cafetera italiana, de esas de estufa.")
    said = " ".join(texts(await c("¿Y cuál es la más barata que tenga?")))
    italian = [p for p in c.concierge.tools.catalog.products
               if "italiana" in p.name and p.stock(None, None) > 0]  # fmt: skip
    cheapest = min(italian, key=lambda p: p.price)
    assert cheapest.name.lower() in said.lower() and cop(cheapest.price) in said, said


async def test_the_stock_asked_while_the_exchanges_order_number_is_missing(call) -> None:
    """Regression (fresh19): "unas ni que corte blancas" (Nike Court) that were a present and
    are tight; "el número no lo tengo, pero ¿por lo menos hay en 41 blancas?" heard only where
    to find the number (and "ni que corte" was a belt: "corte" sounds like "correa")."""
    c = call()
    await c("Me regalaron unas ni que corte blancas talla 43 y me quedan pequeñas, ¿las cambian?")
    said = texts(await c("Uy, el número de pedido no lo tengo, pero ¿sí hay en talla 42 blancas?"))
    court = c.concierge.tools.catalog.by_sku["ZAP-011"]
    assert court.name == "Zapatillas Nike Court" and court.stock("42", "blanco") > 0
    assert (
        said[0]
        == f"Sí, tenemos zapatillas Nike Court en talla 42 color blanco, a {cop(court.price)}."
    )
    assert said[1:] == [c.concierge._say("order_number_unknown")], said


LAURA = "+573022427184"  # 46640: Totto bag and Bata sandals, en camino with Servientrega
FELIPE_G = "+573066544837"  # 45345: Adidas Revolution and a Crep cleaning kit, delivered
LUZ_MARINA = "+573052048687"  # 45323: Q&Q watch and Totto tote, delivered in October


async def test_the_told_orders_number_said_again_with_a_digit_more(call) -> None:
    """Regression (fresh20): "Ya, aquí está: 466400" ("466, 40") after order 46640 was told
    was looked up as order 466400; "¿con cuál transportador?" next was not understood."""
    c = call(LAURA)
    await c.concierge.greeting()
    await c("Quiero saber de mi pedido 46640.")
    [told, *_] = texts(await c("Ah no, espere, se lo leo bien: 466400."))
    assert told.startswith("Su pedido 46640,") and "Servientrega" in told, told
    [carrier, _] = texts(await c("¿Y con qué transportador me lo mandaron?"))
    assert "Servientrega" in carrier, carrier


async def test_the_order_being_confirmed_said_among_restarts(call) -> None:
    """Regression (fresh20): "El pedido es el 453, 45, 453, 455" (45345 with restarts) to a
    complaint's confirmation on 45345 asked for the number again."""
    c = call(FELIPE_G)
    await c.concierge.greeting()
    [q] = texts(await c("El kit limpiador de calzado me llegó roto y manchó todo."))
    assert "45345" in q, q
    said = texts(await c("El pedido es el 453, 45, 453, 455."))  # as Whisper wrote it
    assert said[0].startswith("Listo, quedó registrada"), said


async def test_an_expired_returns_number_given_again_and_a_plea(call) -> None:
    """Regression (fresh20): after "ya pasó el plazo de devolución… ¿le comunico?", "el
    número es…" asked for the number as for a status, "4, 5, 3, 2, 3" was told as a status,
    and "¿No hay forma de que me lo reciban?" (a "no" that asks) heard "¿algo más?"."""
    c = call(LUZ_MARINA)
    await c.concierge.greeting()
    [late] = texts(await c("Quiero devolver el bolso Totto tote que me llegó en octubre."))
    assert "ya pasó el plazo" in late, late
    assert texts(await c("El número del pedido es")) == [c.concierge._say("order_number_go_on")]
    assert texts(await c("45323")) == [late]
    [plea, _] = texts(await c("¿No hay manera de que me lo cambien por otra cosa?"))
    assert plea == c.concierge._say("exception_person"), plea


async def test_praise_is_thanked_not_taken_for_a_complaint(call) -> None:
    """Regression (fresh20): "No, nada, yo solo llamaba a darles las gracias, la licuadora
    llegó rapidísimo" was asked to confirm a complaint."""
    c = call()
    said = texts(
        await c("No, nada malo, solo quería agradecerles: llegó rapidísimo y quedó feliz.")
    )
    assert said == [c.concierge._say("praise_thanks"), c.concierge._say("anything_else")], said
    assert await c("No, eso era todo, gracias.") == [EndCall("goodbye", "farewell")]


async def test_food_is_not_ours_and_a_wrong_number_ends_the_call(call) -> None:
    """Regression (fresh20): "¿hablo con el restaurante? dos almuerzos a domicilio" got the
    shipping answer; "me dieron mal el número, disculpe la molestia" asked for an order."""
    c = call()
    said = texts(await c("¿Es la pizzería? Quiero dos pizzas hawaianas a domicilio."))
    assert said == [c.concierge._s.phrase("out_of_scope")], said
    assert await c("Ay, perdón, me equivoqué, disculpe la molestia.") == [
        EndCall("goodbye", "farewell")
    ]


async def test_what_data_is_kept_and_whether_paying_is_safe(call) -> None:
    """Regression (fresh20): "¿qué información tienen guardada ahí?" offered leggings
    ("compré" sounds like "compresión"); "¿es seguro pagarles? uno oye de estafas" was a
    complaint."""
    said = " ".join(texts(await call()("¿Qué información tienen guardada de mí en el sistema?")))
    assert "1581" in said, said
    said = " ".join(texts(await call()("¿Es seguro pagarles por internet? Uno oye de estafas.")))
    assert "con tranquilidad" in said, said


async def test_weeks_and_a_half_waiting_for_the_kind_of_item_of_the_complaint(call) -> None:
    """Regression (fresh20): after a complaint about her Puma order (45445), "dos meses y medio
    alistando unos tenis" offered socks ("medio"), then another order with sneakers."""
    c = call(CARDENAS)
    await c.concierge.greeting()
    [q] = texts(
        await c("Estoy muy molesta, los tenis Puma rosados que pedí en septiembre no llegan.")
    )
    assert "45445" in q, q
    said = " ".join(
        texts(await c("Ya van dos meses y medio alistando unos tenis, eso no es serio."))
    )
    assert "45445" in said and "preparación" in said and "Medias" not in said.title(), said


async def test_a_brand_named_after_the_kinds_brands_keeps_the_type_asked(call) -> None:
    """Regression (fresh20): "una licuadora de vaso de vidrio, ¿qué marca tiene?", then "¿y
    la inmusa?" (Imusa) offered an Imusa coffee maker."""
    c = call()
    [brands] = texts(await c("¿Qué marcas de licuadoras con vaso de vidrio tienen?"))
    assert "Imusa" in brands, brands
    [said, _] = texts(await c("¿Y la inmusa cuánto cuesta?"))
    assert said.startswith("Sí, tenemos licuadora Imusa de vaso de vidrio"), said


async def test_the_cheapest_of_another_model_of_the_same_kind(call) -> None:
    """Regression (fresh20): after the laptop backpack, "mejor uno escolar, ¿cuál es el escolar
    más económico?" went to the model."""
    c = call()
    await c("Busco un morral para el portátil.")
    [said, _] = texts(await c("Mejor uno escolar. ¿Cuál es el escolar más barato que tenga?"))
    school = [p for p in c.concierge.tools.catalog.products
              if "escolar" in p.name and p.stock(None, None) > 0]  # fmt: skip
    cheapest = min(school, key=lambda p: p.price)
    assert cheapest.name.lower() in said.lower() and cop(cheapest.price) in said, said


async def test_a_brand_heard_whole_with_a_word_of_its_own_names(call) -> None:
    """Regression (fresh20): "el jean Levi's bota ancha" (Whisper: "chea en levis bota
    encha") was boots: "bota" names boots, but it is a word of a Levi's jean's name."""
    said = " ".join(texts(await call()("¿Tiene el levis bota ancha en blanco talla 12?")))
    assert said.startswith("Sí, tenemos jean Levi's bota ancha"), said


CAMILO_CANCELLED = "+573036573897"  # 45003: a red Oster blender, cancelled
PAOLA_Z = "+573032771385"  # 46891: Adidas Grand Court and Reebok, delivered in October


async def test_a_cancelled_order_never_received_is_told_before_a_complaint(call) -> None:
    """Regression (fresh21): "pedí una licuadora roja y nunca me llegó, ¿qué pasó?" about a
    cancelled order was asked to confirm a complaint, and its number then registered it."""
    c = call(CAMILO_CANCELLED)
    await c.concierge.greeting()
    [told, _] = texts(await c("La licuadora Oster roja que pedí nunca me llegó, ¿qué pasó?"))
    assert told.startswith("Su pedido 45003") and "cancelado" in told, told


async def test_the_order_being_confirmed_read_out_from_its_start(call) -> None:
    """Regression (fresh21): "se les está despegando la suela" was told as the order's status
    with a cross-sell; "el número del pedido es 4, 6, 8…" to the complaint's confirmation was
    told the status again."""
    c = call(PAOLA_Z)
    await c.concierge.greeting()
    [q] = texts(await c("Las Adidas Grand Court que compré ya se les están despegando las suelas."))
    assert q.startswith("Lamento") and "46891" in q, q
    said = texts(await c("Eh, el pedido es el 4, 6, 8"))
    assert said == ["No se preocupe, ya lo tengo, es su pedido 46891.", q], said


async def test_the_link_asked_for_with_a_question_added(call) -> None:
    """Regression (fresh21): "mándemele el enlace a este celular y el envío, ¿me lo cobran
    aparte?" to the cart's link offer got only the shipping answer: no link was sent."""
    c = call(CAMILO_L)
    await c.concierge.greeting()
    await c("Tengo una cafetera en el carrito y quiero pagarla por aquí.")
    said = texts(
        await c("Bueno, mándeme el enlace a este celular, ¿y el envío me lo cobran aparte?")
    )
    assert said[0].startswith("Listo, le envié el enlace"), said
    # the cart's coffee maker passes the threshold: free for it (twenty-second session)
    assert any("el envío le sale gratis" in s for s in said), said


async def test_a_channel_named_in_a_question_is_no_ask_for_the_link(call) -> None:
    """Regression (review of 3563d04): "¿y la factura me llega por mensaje?" to the cart's
    link offer sent the link: "por mensaje" was taken as asking for it."""
    c = call(CAMILO_L)
    await c.concierge.greeting()
    await c("Tengo una cafetera en el carrito y quiero pagarla por aquí.")
    said = texts(await c("¿Y la factura me llega por mensaje?"))
    assert said[0].startswith("La factura electrónica se envía al correo"), said
    assert not any("le envié el enlace" in s for s in said), said
    c = call(CAMILO_L)
    await c.concierge.greeting()
    await c("Tengo una cafetera en el carrito y quiero pagarla por aquí.")
    [sent, _] = texts(await c("Ah, bueno. ¿Me lo puede mandar por WhatsApp?"))
    assert sent.startswith("Listo, le envié el enlace"), sent


async def test_an_item_added_to_the_shipping_sum_without_money_words(call) -> None:
    """Regression (fresh21): "¿y si le meto unas medias de 30.000?" after the shipping answer
    for 130 mil was looked up as order 30000."""
    c = call()
    await c("Unos leggings de 130 mil para Tunja, ¿cuánto me cobran de envío?")
    [free, _] = texts(await c("¿Y si le meto unas medias de 25.000?"))
    assert "$155.000" in free and "gratis" in free, free


LUZ_MARINA_S = "+573087573077"  # 46997: Pat Primo corto dress M, on its way


async def test_an_exchange_asked_of_an_order_on_its_way_then_the_same_item(call) -> None:
    """Regression (fresh21): "si me queda grande, ¿lo puedo cambiar por una S?" of a dress on
    its way heard only that a return waits for the delivery; "¿y sí tienen ese mismo vestido
    en S, negro?" next was searched anew and offered another dress (in the size said before)."""
    c = call(LUZ_MARINA_S)
    await c.concierge.greeting()
    [told, _] = texts(
        await c(
            "Tengo un vestido Pat Primo corto que viene en camino. Si me queda grande, "
            "¿lo puedo cambiar por una S?"
        )
    )
    assert "46997" in told and "cambiar" in told and "30 días" in told, told
    [found, _] = texts(await c("Listo. ¿Y sí tienen ese mismo vestido en S, negro?"))
    assert found.startswith("Sí, tenemos vestido Pat Primo corto en talla S color negro"), found


async def test_how_many_are_left_of_the_product_on_the_table(call) -> None:
    """Regression (fresh21): "necesito tres paquetes, ¿sí alcanza?" to the link offer was told
    the price, and nothing said how many were left."""
    c = call()
    await c("¿Tiene las medias Adidas tobilleras en azul, talla M?")
    [enough, offer] = texts(await c("Es que necesito tres paquetes, pa' mí y mis dos muchachos. "
                                    "¿Sí alcanza?"))  # fmt: skip
    assert enough.startswith("Sí, alcanza: nos quedan 5 unidades"), enough
    assert "azul" in enough and offer.startswith("¿Le envío el enlace"), offer
    [left, _] = texts(await c("¿Y cuántas quedan en blanco?"))
    assert left.startswith("Nos quedan 2 unidades") and "blanco" in left, left
    [short, _] = texts(await c("Necesito seis pares."))
    assert short.startswith("Solo nos quedan 2 unidades"), short


async def test_a_repair_asked_for_an_item_bought_elsewhere(call) -> None:
    """Regression (fresh21): "¿ustedes arreglan licuadoras? a la mía se le quemó el motor, pero
    la compré en otro lado" was offered a complaint."""
    c = call()
    [said, _] = texts(
        await c(
            "Buenas. ¿Ustedes arreglan licuadoras? Es que a la mía se le quemó el motor, "
            "pero no se la compré a ustedes, la compré en otro lado."
        )
    )
    assert said.startswith("No tenemos servicio de reparación"), said


# ---- fresh22 --------------------------------------------------------------------------------
FELIPE_GOMEZ = "+573034660933"  # 46518: a backpack, in preparation
DIANA_O = "+573029418205"  # 46571 (raincoat XL, on its way) and 45239 (raincoat S)
PAOLA_D = "+573025593060"  # 46704: Imusa coffee maker and a bag, delivered
NATALIA_E = "+573041953317"  # 45477: Studio F jean, delivered
JORGE_C = "+573092333202"  # cart: Reebok Grand Court


async def test_a_yes_said_with_goodbye_is_taken_before_the_farewell(call) -> None:
    """Regression (fresh22): "sí, ese es. Bueno, muchas gracias, hasta luego" to the call
    back's confirmation ended the call with no call back booked."""
    c = call(FELIPE_GOMEZ)
    await c.concierge.greeting()
    await c("Es por un morral que pedí. ¿Me pueden llamar el jueves por la tarde, tipo 4?")
    [q] = texts(await c("Pero no a este número, anote el otro, 3, 15, 4, 42, 1870."))
    assert q.endswith("terminado en 1870?"), q
    said = await c("Sí, ese es. Bueno, muchas gracias, hasta luego.")
    assert texts(said)[0].startswith("Listo, quedó registrada"), said
    assert said[-1] == EndCall("goodbye", "farewell"), said
    assert "¿Le puedo ayudar con algo más?" not in texts(said)


async def test_a_greeting_as_whisper_writes_it_then_a_doctors_appointment(call) -> None:
    """Regression (fresh22): "A lo buenos días" was answered by the model (with a data-rights
    answer); "necesito sacar una cita con medicina general" was searched as a product."""
    c = call()
    assert texts(await c("A lo buenos días.")) == ["Sí, le escucho. ¿En qué le puedo ayudar?"]
    [said] = texts(await c("Es que necesito sacar una cita con medicina general pa mi mamá."))
    assert said.startswith("Disculpe, con eso no le puedo ayudar"), said


@pytest.mark.parametrize(
    ("said", "answer"),
    [
        ("Y lo puedo pagar cuando me llegue, yo vivo en Barranquilla.", "Puede pagar con tarjeta"),
        ("¿Y a qué número los llamos y necesito algo?", "Puede llamarnos a esta misma línea"),
        ("Listo, ¿y hasta San Andrés sí mandan? Es que yo vivo allá.", "Enviamos a todo"),
    ],
)
async def test_store_questions_in_other_words(call, said: str, answer: str) -> None:
    """Regression (fresh22): these were told a price, searched as a product, or taken as a
    complaint."""
    c = call()
    await c("¿En cuánto está el juego de ollas Imusa antiadherente?")
    assert texts(await c(said))[0].startswith(answer)


async def test_items_priced_one_by_one_add_up_for_free_shipping(call) -> None:
    """Regression (fresh22): "unas sandalias de 84 900 y unas Crocs de 59 900, ¿con eso ya me
    sale el envío gratis?" got the general answer; "¿cuánto me falta?" offered a blender and
    the socks added were searched."""
    c = call()
    [paid, _] = texts(
        await c(
            "Voy a pedir unas sandalias Vélez de playa de 84 900 y unas Crocs confort de "
            "59 900. ¿Con eso ya me sale el envío gratis?"
        )
    )
    assert "$144.800" in paid and "le faltan $5.200" in paid, paid
    [short, _] = texts(await c("Ay no, ¿y cuánto me falta pues?"))
    assert short.startswith("Le faltan $5.200"), short
    [free, _] = texts(await c("Ah, entonces le agrego unas medias Nike deportivas de 21.900."))
    assert "$166.700" in free and "gratis" in free, free


async def test_whether_it_was_sent_is_no_complaint(call) -> None:
    """Regression (fresh22): "quería preguntar por la chaqueta impermeable rosada, ya me la
    mandaron" was offered a complaint."""
    c = call(DIANA_O)
    await c.concierge.greeting()
    said = texts(await c("Hola, quería preguntar por la chaqueta impermeable rosada, la Arturo "
                         "Calle, ya me la mandaron."))  # fmt: skip
    assert not said[0].startswith("Lamento"), said
    [told, _] = texts(await c("La talla XL, la que pedí con unas botas, el número es el 46 571."))
    assert told.startswith("Su pedido 46571") and "en camino" in told, told


async def test_good_afternoon_is_no_trouble_in_a_return(call) -> None:
    """Regression (fresh22): "Buenas tardes… me llegó una cafetera… mi hermana me regaló una
    igualita. La puedo devolver" was a complaint: "tardes" read as "llegó tarde"."""
    c = call(PAOLA_D)
    await c.concierge.greeting()
    heard = ("Buenas tardes, vea en el último pedido me llegó una cafetera inmusa, la de Greca, "
             "roja y resulta que mi hermana me regaló una igualita. La puedo devolver está "
             "sellada.")  # fmt: skip
    [q] = texts(await c(heard))
    assert "46704" in q and "devolución" in q, q


@pytest.mark.parametrize(
    "complaint",
    [
        "Me llegó un jean Studio F negro y la cremallera vino dañada, no sube.",
        # the run again: the jean lost by the ASR, found from the order's size and colour
        "Me llegó un geantudio a fenegro y la crema hierra vino dañada, no sube.",
    ],
)
async def test_one_alike_after_a_complaint_is_that_item(call, complaint: str) -> None:
    """Regression (fresh22): "yo lo que quiero es otro igualito, negro, talla 32" after a
    complaint about a jean was no product found."""
    c = call(NATALIA_E)
    await c.concierge.greeting()
    await c(complaint)
    await c("Es el pedido 45 477")
    [found, _] = texts(await c("Yo lo que quiero es otro igualito, negro, talla 32, si tienen."))
    assert found.startswith("Sí, tenemos jean Studio F") and "talla 32" in found, found


async def test_a_price_ceiling_is_no_order_number(call) -> None:
    """Regression (fresh22): "algo que no pase de 200.000" after a watch was looked up as
    order 200000."""
    c = call()
    await c("Estoy buscando un reloj deportivo pa' regalarle a mi esposo.")
    [said, _] = texts(await c("Algo que no pase de 200.000, más o menos."))
    assert "200000" not in said and "$163.900" in said, said


async def test_the_stock_of_an_item_in_the_cart(call) -> None:
    """Regression (fresh22): "en el carrito tengo unas Reebok Grand Court beige talla 37,
    ¿todavía las tienen?" was told the cart, not the stock."""
    c = call(JORGE_C)
    await c.concierge.greeting()
    said = texts(await c("En el carrito tengo unas Reebok Grand Court beige talla 37, "
                         "¿todavía las tienen?"))  # fmt: skip
    assert said[0].startswith("En este momento no tenemos unidades de zapatillas Reebok"), said


async def test_the_order_being_confirmed_said_with_a_digit_more(call) -> None:
    """Regression (fresh22, run again): "Sí, claro, es el 466704" to the return's confirmation
    on 46704 was read back as another number, then looked up as 466704."""
    c = call(PAOLA_D)
    await c.concierge.greeting()
    await c("En el último pedido me llegó una cafetera Imusa de greca y la quiero devolver.")
    said = texts(await c("Sí, claro, es el 466704, me llegó hace poquito."))
    assert said[0].startswith("Listo, quedó registrada"), said


async def test_a_price_ceiling_said_to_the_link_offer(call) -> None:
    """Regression (fresh22, run again): "algo que no pase de 200.000" to the link offer of a
    watch was not understood (and a person offered)."""
    c = call()
    await c("Estoy buscando un reloj deportivo pa' regalarle a mi esposo.")
    await c("¿Qué tiene?")
    [said, _] = texts(await c("Algo que no pase de 200.000, más o menos."))
    assert "$163.900" in said, said


# ---- twenty-second session: fresh23's failures (in other words) -----------------------------
SANTIAGO_D = "+573094174218"  # 46345: Casio watch, New Era cap, Black and Decker blender
MAURICIO_H = "+573094584213"  # 45634: Imusa capsule and Italian coffee makers, delivered
NATALIA_C = "+573019569292"


async def test_looking_up_the_number_in_the_mail_is_no_data_request(call) -> None:
    """Regression (fresh23): "el número es 4, 6, 3, eh, déjeme ver el correo" got the Ley
    1581 answer ("correo" names data to the model); the caller is looking it up."""
    c = call()
    await c("¿Me ayuda con el estado de mi pedido?")
    said = texts(await c("Es el cuatro, cinco... eh, déjeme revisar el correo."))
    assert said == ["Claro, aquí le espero."], said


@pytest.mark.parametrize(
    ("asked", "answer"),
    [("¿Y el reloj Casio viene junto en ese pedido?", "Sí, va en ese mismo pedido"),
     ("¿Y la licuadora Oster también va en ese mismo pedido?", "No, el pedido 46345 no incluye"),
     # Whisper's period for the question mark (fresh23, run again)
     ("Y la gorra New Era también va en ese pedido, o me llega aparte.", "Sí, va en ese mismo")],
)  # fmt: skip
async def test_whether_an_item_goes_in_the_order_told(call, asked: str, answer: str) -> None:
    """Regression (fresh23): "¿y la gorra New Era también va en ese mismo pedido, o me llega
    aparte?" was told the order's status again, not whether the cap is in it."""
    c = call(SANTIAGO_D)
    await c.concierge.greeting()
    await c("¿Me dice cómo va el pedido 46345?")
    said = texts(await c(asked))
    assert said[0].startswith(answer), said


async def test_a_leaking_item_is_a_complaint(call) -> None:
    """Regression (fresh23): "la cafetera de cápsulas que les compré está botando agua por
    debajo" was told the order's status, no complaint."""
    c = call(MAURICIO_H)
    await c.concierge.greeting()
    said = " ".join(
        texts(await c("La cafetera italiana que les compré está chorreando por el lado."))
    )
    assert "Lamento" in said and "queja" in said, said


async def test_shipping_and_pay_on_delivery_in_one_question(call) -> None:
    """Regression (fresh23): "¿se lo pueden mandar a Bucaramanga y pagar cuando le llegue?"
    got only the shipping answer."""
    said = texts(await call()("¿Me lo pueden mandar hasta Pasto y lo pago cuando me llegue?"))
    assert said[0].startswith("Enviamos a todo Colombia"), said
    assert "contraentrega" in said[1], said


@pytest.mark.parametrize(
    ("product", "free"),
    [("Busco un reloj Casio deportivo.", True), ("¿Tienen la gorra New Era clásica?", False)],
)
async def test_the_shipping_of_the_product_in_view(call, product: str, free: bool) -> None:
    """Regression (fresh23): "¿y el envío cuánto me vale?" after a watch of 163.900 got the
    general shipping answer, not that it is free for it."""
    c = call()
    await c(product)
    said = texts(await c("¿Y cuánto me cobran por el envío?"))
    assert ("le sale gratis" in said[0]) is free and said[0].startswith("El precio de"), said


async def test_the_total_with_shipping_of_an_item_named_before(call) -> None:
    """Regression (fresh23): "quiero comprar un morral Totto escolar, ¿se puede pagar
    contraentrega?", then "¿en total cuánto me sale el morral con el envío?" got the general
    shipping answer; the morral's price decides."""
    c = call()
    await c("Quiero comprar el morral Totto escolar. ¿Reciben Nequi?")
    said = texts(await c("¿Y en total cuánto me sale el morral con el envío?"))
    assert "$214.900" in said[0] and "gratis" in said[0], said


async def test_another_brand_after_declining_the_offer(call) -> None:
    """Regression (fresh23): "no me gusta; ¿y de otra marca, un mom en talla 10?" to the link
    offer was taken as a no, then "¿y ese cuánto vale?" priced the Levi's."""
    c = call()
    await c("¿Tienen el jean Levi's mom azul en talla 10?")
    said = texts(await c("No, ese no me convence. ¿Y de otra marca, un mom en talla 10?"))
    assert "Americanino" in said[0], said
    [price, _] = texts(await c("¿Y ese cuánto cuesta?"))
    assert "Americanino" in price and "$141.900" in price, price


async def test_no_more_advertising_thanked_is_answered(call) -> None:
    """Regression (fresh23): "y de paso, ya no quiero que me manden publicidad ni promociones.
    Gracias." after the data-rights answer ended the call."""
    c = call(NATALIA_C)
    await c.concierge.greeting()
    await c("Quiero saber qué datos personales míos tienen guardados.")
    said = texts(
        await c("Y otra cosa, que no me manden más ofertas por correo, por favor. Gracias.")
    )
    assert said and "publicidad" in said[0], said


async def test_the_motorbike_insurance_is_out_of_scope(call) -> None:
    """Regression (fresh23): "¿ahí venden el SOAT? el de la moto se me vence mañana" (SOAT
    heard "ECO-T") offered a tote bag."""
    said = texts(await call()("Buenas, ¿ahí venden el seguro para la moto? Se me vence el lunes."))
    assert said[0].startswith("Disculpe, con eso no le puedo ayudar"), said


async def test_that_one_by_its_brand_misheard_is_the_product_in_view(call) -> None:
    """Regression (fresh22): "¿y ese caso lo tiene negro?" (Casio heard "caso") after the Casio
    deportivo gave the Casio digital as if it were the one asked about."""
    c = call()
    await c("Busco un reloj Casio deportivo.")
    said = texts(await c("¿Y ese caso viene en negro?"))
    assert said[0].startswith("En este momento no tenemos unidades de reloj Casio deportivo"), said


async def test_the_same_item_in_the_callers_other_order(call) -> None:
    """Regression (fresh22): "y la otra, la talla S, esa la pedí aparte" after the order of
    the XL raincoat asked for an order number; it is her other order with that raincoat."""
    c = call(DIANA_O)
    await c.concierge.greeting()
    await c("¿Cómo va el pedido 46571?")
    said = texts(await c("¿Y la otra, la de latalla S, que pedí por separado?"))
    assert said[0].startswith("Su pedido 45239"), said


# ---- twenty-second session: fresh24's failures (in other words) -----------------------------
JORGE_CASTRO = "+573092333202"  # 46941: New Era trucker cap and Studio F midi dress, on its way
NATALIA_CAR = "+573041953317"  # 45731: Pat Primo dress, delivered long ago
SANDRA_R = "+573088638363"  # cart 9008: Brahma Chelsea boots 36 azul (sold out; beige left)
ANDRES_R = "+573205550102"  # cart 9001: Studio F skinny jean, 148.900
JULIAN_Q = "+573094559640"  # 46670: Arturo Calle reversible belt and a dress, delivered


async def test_an_order_number_with_whispers_thousands_comma(call) -> None:
    """Regression (fresh24): "ya, aquí está: 941, o sea 46,941" was no order number (the
    comma), and went to the model."""
    c = call(JORGE_CASTRO)
    assert c.dialogue.understand("Ya, aquí está: 941, o sea, 46,941.").order_number == "46941"
    await c("Llamo por el pedido del vestido rojo y la gorra, empieza por 46, ya se lo busco.")
    said = texts(await c("Listo, lo encontré, es el 46,941."))
    assert said[0].startswith("Su pedido 46941"), said


async def test_yes_with_the_order_number_to_the_offer_of_a_person_is_no_transfer(call) -> None:
    """Regression (fresh24): "Sí, el pedido es el 4, 5, 7, 3, 1" after "ya pasó el plazo… si
    quiere, le comunico con un asesor" transferred the call; the caller was giving the number."""
    c = call(NATALIA_CAR)
    await c.concierge.greeting()
    await c("Quiero devolver un vestido Pat Primo que me llegó en octubre, no lo he usado.")
    said = await c("Sí, mire, el número es el 45731.")
    assert EndCall("transfer_requested", "transfer") not in said, said
    assert "plazo" in texts(said)[0], said


async def test_a_sold_out_cart_item_is_said_and_its_colours_follow(call) -> None:
    """Regression (fresh24): the cart's boots in a sold-out size and colour were offered by
    link, and "¿y en qué color sí las tiene en 36?" found no product."""
    c = call(SANDRA_R)
    await c.concierge.greeting()
    said = texts(await c("Quiero comprar lo que tengo en el carrito, unas botas Brahma."))
    assert said[0].startswith("En este momento no tenemos unidades de botas Brahma Chelsea"), said
    [colours, _] = texts(await c("¿Y en qué colores sí las tiene en 36?"))
    assert "beige" in colours, colours


async def test_the_link_and_shipping_for_the_cart_then_socks_added(call) -> None:
    """Regression (fresh24): "bueno, mándemele entonces, ¿y el envío me sale gratis?" to the
    payment link offer sent no link and got the general answer; then "por mil pesitos, ¿y si
    le agrego unas medias?" was read as a purchase of 1.000 pesos."""
    c = call(ANDRES_R)
    await c.concierge.greeting()
    await c("Tengo un jean en el carrito y lo quiero pagar ya con tarjeta.")
    said = texts(await c("Bueno, mándemela entonces. ¿Y me cobran el envío?"))
    assert said[0].startswith("Listo, le envié el enlace"), said
    assert "$148.900" in said[1] and "tiene costo" in said[1], said
    [more, _] = texts(await c("Uy, por mil pesitos. ¿Y si le agrego unas medias?"))
    assert "le sale gratis" in more and "$1.000" not in more, more


async def test_a_broken_buckle_is_a_complaint_then_the_same_item_for_the_exchange(call) -> None:
    """Regression (fresh24): "la hebilla está partida, eso vino así" was told the order's
    status; then "¿y tiene otra igualita, gris, en S, para que me la cambien?" got only the
    return question, not whether there is one."""
    c = call(JULIAN_Q)
    await c.concierge.greeting()
    first = " ".join(texts(await c("Compré una correa Arturo Calle y la hebilla está rota.")))
    assert "queja" in first, first
    await c("Sí, por favor.")
    said = texts(await c("¿Y tiene otra igualita, gris, en talla S, para que me la cambien?"))
    assert said[0].startswith("Sí, tenemos correa Arturo Calle reversible"), said


async def test_a_brand_with_its_second_word_misheard_is_ours(call) -> None:
    """Regression (fresh24): "la chaqueta de jean Arturo Kai" was a brand we do not carry."""
    said = texts(await call()("¿Tienen la chaqueta de jean Arturo Cae en blanco, talla L?"))
    assert said[0].startswith("Sí, tenemos chaqueta Arturo Calle de jean"), said


async def test_two_wanted_then_colours_with_two_then_the_price_of_two(call) -> None:
    """Regression (fresh24): "necesito dos" (in words) of a jacket with one left, "¿en qué
    otro color hay dos?" and "¿cuánto me salen las dos?" were not understood."""
    c = call()
    await c("¿Tienen la chaqueta de jean Arturo Calle blanca en talla L?")
    [short, _] = texts(await c("Es que necesito tres, para mis hijas."))
    assert short.startswith("Solo nos queda una unidad"), short
    [colours, _] = texts(await c("¿Y en qué otro color en L hay tres?"))
    assert "gris" in colours and "blanco" not in colours, colours
    [price, _] = texts(await c("Bueno, en gris entonces. ¿Cuánto me salen las tres?"))
    assert price.startswith("3 unidades") and "$527.700" in price, price


async def test_calling_the_store_is_no_call_back(call) -> None:
    """Regression (fresh24): "¿y entre semana desde qué hora puedo llamar?" booked a call
    back; it asks the hours."""
    said = texts(await call()("Y entre semana, desde qué hora puedo volver a llamar."))
    assert said[0].startswith("Atendemos de lunes a sábado"), said


async def test_a_sum_said_after_the_shipping_answer_then_items_to_complete(call) -> None:
    """Regression (fresh24): "tengo 120 mil en el carrito, ¿cuánto me falta?" after the
    shipping answer was told the (empty) cart; "¿qué me recomienda de unos 30, 40 mil para
    completar?" was an unknown product."""
    c = call()
    await c("¿Desde cuánto es gratis el envío?")
    [short, _] = texts(await c("Tengo 110 mil en el carrito. ¿Cuánto me falta?"))
    assert "$40.000" in short, short
    [tips] = texts(await c("¿Y qué me recomienda para completar?"))
    assert tips.startswith("Para completar los $40.000"), tips


async def test_no_more_machine_put_me_through_is_a_transfer(call) -> None:
    """Regression (fresh24): "no quiero seguir hablando con una máquina, comuníqueme con un
    empleado" got the bot's identity ("es una máquina"), not a person."""
    said = await call()("No quiero seguir hablando con una máquina, comuníqueme con alguien.")
    assert said == [EndCall("transfer_requested", "transfer")], said


async def test_an_airtime_top_up_after_a_product_question_is_out_of_scope(call) -> None:
    """Regression (fresh24): "¿me puede hacer una recarga de minutos?" while a product was
    asked for got "no lo logro entender" and a person."""
    c = call()
    await c("Estoy buscando un celular Samsung.")
    said = texts(await c("Bueno, ¿y me hace una recarga a este número?"))
    assert said[0].startswith("Disculpe, con eso no le puedo ayudar"), said


async def test_the_shipping_of_the_product_whose_link_was_offered(call) -> None:
    """Regression (fresh23, run again): "¿y el envío cuánto me vale?" after the link offer of
    an alternative watch was priced for the watch first asked about."""
    c = call()
    await c("¿Tienen el reloj Q&Q deportivo en azul?")
    said = texts(await c("¿Y el envío cuánto me vale?"))
    assert "reloj Timex deportivo" in said[0] and "gratis" in said[0], said


async def test_an_hour_said_to_the_link_offer_is_no_quantity(call) -> None:
    """Regression (review of bbb6468): "salen las dos" counts two; "a las tres" is an hour,
    not three units, so the link offer's answer is not a stock count."""
    c = call()
    await c("¿Tienen la chaqueta de jean Arturo Calle blanca en talla L?")
    said = texts(await c("¿Y me la pueden traer mañana a las tres?"))
    assert not any("unidad" in s for s in said), said


CAROLINA_M = "+573034616244"  # 45579: Levi's jean, ELA midi dress, Arturo Calle tee, on its way


async def test_what_an_order_holds_is_every_item(call) -> None:
    """Regression (fresh25): "confirme qué es lo que va en ese pedido, ya ni me acuerdo" after
    the order's status got the status again, naming two of its three items."""
    c = call(CAROLINA_M)
    await c("¿Me dice cómo va el pedido 45579?")
    [items, _] = texts(await c("¿Y me recuerda qué productos van en ese pedido? No me acuerdo."))
    for name in ("jean Levi's bota ancha", "vestido ELA midi", "camiseta Arturo Calle básica"):
        assert name in items, items


async def test_the_item_of_a_complaint_asked_in_stock_then_its_question_again(call) -> None:
    """Regression (fresh25): "¿y sí tienen la verde todavía?" after a complaint about an order
    whose item the ASR lost searched for nothing ("No encontré ese producto"); the stock of
    the order's item in that colour is said, then the complaint's question again."""
    c = call(PAOLA_D)
    await c("Oiga, lo que me llegó no es lo que yo pedí, vino de otro color.")
    [q] = texts(await c("Es el pedido 46704."))
    assert "46704" in q, q
    said = texts(await c("¿Y ustedes todavía tienen la roja? Pa' que me la cambien."))
    assert "cafetera Imusa italiana" in said[0] and "rojo" in said[0], said
    assert said[-1] == "¿Confirma que registro su queja sobre el pedido 46704?", said


async def test_a_complaint_registered_is_not_asked_again(call) -> None:
    """Regression (fresh25): "¿y entonces ustedes me ayudan con el reclamo?" after the
    complaint was registered asked to register it again; its number is said."""
    c = call(PAOLA_D)
    await c("Me llegó la cafetera Imusa italiana con el mango partido.")
    [done, *_] = texts(await c("Sí, el pedido es el 46704, regístrela."))
    ticket = done.split()[-1].rstrip(".")
    [said, _] = texts(await c("Bueno, ¿y con la queja entonces me ayudan o qué hago?"))
    assert said == f"Sí, ya quedó registrada con el número {ticket}.", said


async def test_the_item_of_a_return_asked_in_a_bare_size(call) -> None:
    """Regression (fresh25): "¿y sí tienen la 30 en negro?" after the return of an order whose
    item the ASR lost searched for nothing; it is the order's jean in 30."""
    c = call(NATALIA_E)
    await c("Buenas, quiero hacer una devolución, me quedó grande.")
    [said, _] = texts(await c("¿Y de casualidad tienen la 28 en negro?"))
    assert "jean Studio F bota ancha" in said and "talla 28" in said, said


async def test_a_number_wanted_short_of_stock_then_priced_and_shipped_for_all(call) -> None:
    """Regression (fresh25): "son cinco, ¿sí hay las cinco?" of a colour with fewer left was
    "sí, tenemos"; "las cinco, ¿cuánto me salen en total?" got one's price, and the shipping
    was answered for one."""
    c = call()
    [short, _] = texts(await c("Busco la gorra Adidas plana verde. Son tres, pa' mis hijos."))
    assert short.startswith("Solo nos queda una unidad"), short
    await c("¿Y en rosado?")
    [total, _] = texts(await c("Listo, las rosadas. ¿Por todas cuánto me salen?"))
    assert total.startswith("3 unidades") and "$203.700" in total, total
    [ship, _] = texts(await c("¿Y el domicilio me lo cobran?"))
    assert "$203.700" in ship and "gratis" in ship, ship


async def test_the_shipping_for_more_of_the_item_just_priced(call) -> None:
    """Regression (fresh25): "¿y si pido dos pares, ya no me cobran?" after the shipping
    answer for an item said how many were left, not the shipping for that many."""
    c = call()
    await c("¿Cuánto vale el kit limpiador Jason Markk básico?")
    [paid, _] = texts(await c("¿Y el envío cuánto me vale?"))
    assert "$43.900" in paid and "costo" in paid, paid
    [three, _] = texts(await c("¿Y si pido tres, ya no pago envío?"))
    assert "$131.700" in three and "costo" in three, three
    [four, _] = texts(await c("¿Y con cuatro unidades?"))
    assert "$175.600" in four and "gratis" in four, four


async def test_yes_with_another_order_to_the_offer_of_a_person_is_that_order(call) -> None:
    """A yes that carries an order number is an answer about that order, not consent to a
    transfer: before, only the number the offer was about was (review of bbb6468)."""
    c = call(NATALIA_CAR)
    await c.concierge.greeting()
    await c("Quiero devolver un vestido Pat Primo que me llegó en octubre, no lo he usado.")
    said = await c("Sí, pero es por el otro pedido, el 45477.")
    assert EndCall("transfer_requested", "transfer") not in said, said
    assert any("45477" in s for s in texts(said)), said


VALENTINA_R = "+573023048750"  # 46785: Oster high-power blender, socks, sandals, delivered


async def test_what_we_ordered_asked_before_the_number_then_its_total(call) -> None:
    """Regression (fresh26): "¿qué fue lo que pedimos…? ¿me dice qué trae?" got two of the
    order's three items; "¿cuánto nos costó todo eso?" got the shipping
    answer, not the order's total."""
    c = call(CAROLINA_M)  # one open order: the one told
    said = texts(await c("Buenas, mi hija pregunta qué fue lo que pedimos en una compra."))
    items = next((s for s in said if s.startswith("En su pedido 45579 van")), "")
    assert "vestido ELA midi" in items and "camiseta Arturo Calle básica" in items, said
    [total, _] = texts(await c("Listo. ¿Y cuánto nos costó todo eso?"))
    assert total == "El total de su pedido 45579 fue de $344.700.", total


async def test_a_plea_opened_with_no_and_no_question_mark_is_a_plea(call) -> None:
    """Regression (fresh26): "No me pueden hacer el favor así sea esta vez." (Whisper's
    period) after the return window had passed was a "no": "¿algo más?"."""
    c = call(NATALIA_CAR)
    await c.concierge.greeting()
    await c("Quiero devolver el vestido Pat Primo del pedido 45731.")
    said = texts(await c("No me pueden colaborar aunque sea esta vez."))
    assert said[0].startswith("Entiendo. Una excepción solo la puede autorizar"), said


async def test_paying_on_delivery_asked_with_a_period_is_the_payment_answer(call) -> None:
    """Regression (fresh26): "Ustedes me dejan pagar en efectivo cuando me llegue el
    paquete." (a question without its mark) asked for an order number."""
    said = texts(
        await call()(
            "Hola, yo vivo en Cali. Me dejan pagar en efectivo cuando me llegue el paquete."
        )
    )
    assert "contraentrega" in said[0], said


async def test_the_order_item_pointed_at_by_its_kind_and_a_bare_size(call) -> None:
    """Regression (fresh26): "¿y esa misma licuadora, la roja, la tienen?" after the order
    whose blender the ASR lost ("Osterroja") found another brand's red blender; "a 42" was no
    size."""
    c = call(VALENTINA_R)
    await c("El pedido 46785 me llegó y una cosa vino mala.")
    [said, *_] = texts(await c("¿Y esa misma licuadora todavía la tienen en rojo?"))
    assert "licuadora Oster de alta potencia" in said and "rojo" in said, said
    c = call(FELIPE_G)
    await c("Quiero cambiar unos tenis que me quedaron chiquitos.")
    await c("Sí, ábrala.")
    [size, *_] = texts(await c("¿Y los tienen a 43, el mismo color?"))
    assert "zapatillas Adidas Revolution en talla 43" in size, size


async def test_how_many_are_left_asked_with_le_and_a_count_reached_for_all(call) -> None:
    """Regression (fresh26): "¿cuántas le quedan?" got the product again; "¿alcanzan los
    tres?" kept no count, so "¿cuánto me sale todo?" priced one."""
    c = call()
    await c("¿Tienen la gorra Nike clásica en negro?")
    [left, _] = texts(await c("¿Y de esas cuántas le quedan?"))
    assert left.startswith("Nos quedan 3 unidades"), left
    c = call()
    await c("¿Tienen la gorra Adidas plana en rosado?")
    await c("¿Y alcanzan las cuatro?")
    [total, _] = texts(await c("¿Y cuánto me sale todo?"))
    assert total.startswith("4 unidades") and "$271.600" in total, total


async def test_a_count_with_a_size_and_a_count_with_the_search_are_priced(call) -> None:
    """Regression (fresh26): "si le llevo cuatro blancas, talla M, ¿cuánto sería todo?" and
    "quiero tres paquetes de…, ¿cuánto me sale?" were priced for one."""
    c = call()
    await c("¿Cuánto vale la camiseta Adidas básica?")
    [three, _] = texts(await c("¿Y si llevo tres verdes en talla M, cuánto me salen?"))
    assert three.startswith("3 unidades") and "$380.700" in three, three
    [two, _] = texts(await call()("Quiero dos relojes Casio deportivos azules, ¿cuánto me salen?"))
    assert two.startswith("2 unidades") and "$327.800" in two, two


async def test_a_colour_in_a_brand_name_is_the_brand(call) -> None:
    """Regression (fresh26): "medias Punto Blanco largas… verde" was searched in white."""
    said = texts(await call()("¿Tienen medias Punto Blanco deportivas, verdes, en talla M?"))
    assert "medias Punto Blanco deportivas" in said[0] and "verde" in said[0], said


async def test_an_item_found_after_the_shipping_answer_joins_the_sum(call) -> None:
    """Regression (fresh26): "el jean con esas medias, ¿cuánto me queda todo?" after the
    shipping answer for the jean and the cheapest socks got the general shipping answer."""
    c = call()
    await c("Tengo 130 mil en el carrito, ¿me cobran el envío?")
    await c("¿Cuál es la gorra más barata que tienen?")
    [said, _] = texts(await c("Y con esa gorra, ¿cuánto me queda todo? ¿Ya no pago envío?"))
    assert "$182.900" in said and "gratis" in said, said


async def test_job_applications_are_out_of_scope(call) -> None:
    """Regression (fresh26): "¿están recibiendo hojas de vida?" was a product search."""
    said = texts(await call()("¿Ustedes tienen vacantes? Es que estoy buscando empleo."))
    assert said[0].startswith("Disculpe, con eso no le puedo ayudar"), said


async def test_where_the_shop_is_asked_with_es_que(call) -> None:
    """Regression (fresh26): "¿dónde es que queda el almacén? pa' ahorrarme el domicilio" got
    the shipping answer."""
    said = texts(await call()("¿Y dónde es que queda el almacén? Así me ahorro el domicilio."))
    assert "no tenemos tienda física" in said[0], said


# ---- twenty-fourth session ----------------------------------------------------------------


async def test_the_status_asked_again_with_the_carrier_is_said_again(call) -> None:
    """Regression (fresh26): "¿y eso en qué va, con quién lo mandan?" after the order was told
    got only the guide line; the status asked again is said again, with the carrier."""
    c = call(RAMIREZ)
    [status, _] = texts(await c("Buenas, quiero saber del pedido 45960"))
    said = texts(await c("Bueno, ¿y eso ya por dónde va? ¿Con quién lo mandaron?"))
    assert said[0] == status and said[1].startswith("El número de guía de Inter"), said
    # the carrier alone is still only the guide line
    c = call(RAMIREZ)
    await c("Buenas, quiero saber del pedido 45960")
    said = texts(await c("¿Y con qué transportadora va?"))
    assert said[0].startswith("El número de guía de Inter"), said


async def test_a_complaint_waits_for_its_number_said_next(call) -> None:
    """Regression (fresh26): "sí, el número… a ver… cuatro, seis, siete…" to a complaint asked
    without its order registered it at "sí" without the order; the number said next was read
    as a status. The complaint now waits for its number, and "a ver" hears the bot wait."""
    c = call()
    [q] = texts(await c("Buenas, la cafetera que les compré llegó con la jarra quebrada."))
    assert q.endswith("¿Confirma que registro su queja para que un asesor la revise?"), q
    assert texts(await c("Sí, claro, el número de pedido...")) == [
        "Sí, dígame el número del pedido, por favor."
    ]
    assert texts(await c("A ver.")) == ["Claro, aquí le espero."]
    [q] = texts(await c("Eh, es el 4 6 7 0 4"))
    assert q.endswith("¿Confirma que registro su queja sobre el pedido 46704?"), q
    assert texts(await c("Sí"))[0].startswith("Listo, quedó registrada con el número")


async def test_a_hesitation_with_nothing_asked_is_heard(call) -> None:
    """ "A ver…" before any request is a preamble: the caller hears they are heard."""
    assert texts(await call()("A ver.")) == ["Sí, le escucho. ¿En qué le puedo ayudar?"]


async def test_the_cart_item_asked_in_another_size_or_colour_is_that_stock(call) -> None:
    """Regression (fresh25): "el skinny azul talla seis, pero… mejor en ocho. ¿Lo tienen en
    ocho, azul?" got the cart as it is (the first size said won); the question's size wins,
    and a colour asked with the yes to the greeting's question is that colour's stock."""
    c = call(ANDRES)
    await c.concierge.greeting()
    said = texts(await c("Tengo un jean en el carrito, el skinny talla seis, pero mi señora "
                         "dice que mejor en diez. ¿Lo hay en diez?"))  # fmt: skip
    assert said[0] == "Sí, tenemos jean Studio F skinny en talla 10 color azul, a $148.900.", said
    c = call(ANDRES)
    await c.concierge.greeting()
    said = texts(await c("Sí, por el jean del carrito. ¿Lo tienen en negro?"))
    assert said[0].startswith("En este momento no tenemos unidades de jean Studio F skinny en "
                              "talla 6 color negro"), said  # fmt: skip
    c = call(ANDRES)
    await c.concierge.greeting()
    said = texts(await c("Sí, por el jean. ¿Cuánto es?"))  # its own size: the cart as it is
    assert said[0].startswith("En su carrito tiene jean Studio F skinny, por $148.900."), said


# ---- twenty-fourth session: fresh27's failures (in other words) -----------------------------


async def test_the_total_and_the_carrier_asked_after_what_an_order_holds(call) -> None:
    """Regression (fresh27): "y todo eso cuánto fue en total" after an order's items searched
    for a product; "bueno, ya, y eso lo trae qué empresa", which the model took for a goodbye,
    ended the call."""
    c = call(RAMIREZ)
    await c("¿Me dice qué trae el pedido 45960?")
    [total, _] = texts(await c("Ay, ¿y eso cuánto fue en total?"))
    assert total.startswith("El total de su pedido 45960 fue de $"), total
    heard = c.dialogue.understand("Bueno, ya, y eso lo trae qué empresa.")
    as_goodbye = replace(heard, intent="goodbye")  # the trained model's guess in the bench
    assert not c.concierge.closing(as_goodbye)
    said = await c.concierge.handle(as_goodbye) or []
    assert said[0].startswith("El número de guía de Interrapidísimo"), said


async def test_how_many_are_left_asked_with_the_item_in_between(call) -> None:
    """Regression (fresh27): "¿cuántas cafeteras Oster de goteo grises le quedan?" got "Sí,
    tenemos…" without the count."""
    said = texts(await call()("Hola, ¿cuántas gorras Nike planas blancas les quedan?"))
    assert said[0] == "Nos quedan 12 unidades de gorra Nike plana color blanco.", said


async def test_medicine_is_out_of_scope(call) -> None:
    """Regression (fresh27): a drugstore order (acetaminofén, sales de rehidratación) got the
    shipping answer."""
    said = texts(await call()("¿Me pueden mandar un ibuprofeno y un jarabe para la tos a la casa?"))
    assert said[0].startswith("Disculpe, con eso no le puedo ayudar"), said


async def test_a_call_back_asked_at_la_hour_outside_the_hours(call) -> None:
    """Regression (fresh27): "el domingo a la 7 de la mañana" (Whisper's "a la") was booked
    without a word on the hours."""
    said = texts(await call()("¿Me pueden llamar el domingo a la 8 de la mañana?"))
    assert said[0].startswith("A esa hora no tenemos asesores"), said


async def test_a_complaint_waits_for_a_number_begun_in_the_yes(call) -> None:
    """Regression (fresh27): "sí, el número empieza por 46, déjeme miro el correo" to a
    complaint asked without its order registered it without the order."""
    c = call()
    await c("Me mandaron unos tenis de otro color, no los que yo pedí.")
    said = texts(await c("Sí, el número empieza por cuatro cinco, déjeme lo busco."))
    assert said == ["Sí, dígame el número del pedido, por favor."], said
    [q] = texts(await c("Tres cuatro cinco."))
    assert q.endswith("¿Confirma que registro su queja sobre el pedido 45345?"), q


async def test_an_own_order_heard_with_a_digit_too_many_is_that_order(call) -> None:
    """Regression (fresh27): "3850, 381500" for 38150 was read back as "3 8 1 5 0 0"; of a
    caller whose order it is, that order. A stranger still hears the number read back."""
    [told, *_] = texts(await call(CAROLINA)("¿Cómo va el pedido 381500?"))
    assert told.startswith("Su pedido 38150,"), told
    [read, *_] = texts(await call()("¿Cómo va el pedido 381500?"))
    assert "38150," not in read and "381500" in read, read


async def test_the_item_of_a_complaint_still_in_stock_with_money_back_in_the_words(call) -> None:
    """Regression (fresh27): "¿y sí tienen la verde todavía? Porque si no, que me devuelvan la
    plata" before a complaint was confirmed: "plata" read as a kind of item ("plana"), so the
    complaint's question was repeated with no answer."""
    c = call(QUINTERO)
    await c("Me mandaron la gorra de otro color, yo la había pedido verde.")
    [q] = texts(await c("El pedido es el 46670."))
    assert q.endswith("¿Confirma que registro su queja sobre el pedido 46670?"), q
    said = texts(await c("Oiga, ¿y todavía tienen de esa verde? Si no, que me regresen la plata."))
    assert said[0].startswith("Sí, tenemos gorra Adidas plana color verde"), said
    assert said[-1] == "¿Confirma que registro su queja sobre el pedido 46670?", said


async def test_one_alike_asked_before_a_complaint_is_confirmed_is_no_yes(call) -> None:
    """Regression (fresh27): "¿no me la pueden cambiar por otra igualita, verde?" to a
    complaint's confirmation registered it; whether there is one is said, then the question."""
    c = call(CAROLINA)
    await c("La licuadora del pedido 38150 me llegó con el vaso rajado.")
    said = texts(await c("¿Y me la pueden cambiar por una igualita pero azul?"))
    assert said[0].startswith("En este momento no tenemos unidades de licuadora Oster clásica"), (
        said
    )
    assert said[-1] == "¿Confirma que registro su queja sobre el pedido 38150?", said


async def test_the_same_ones_in_another_size_before_a_return_is_confirmed(call) -> None:
    """Regression (fresh27): "¿sí tienen esos mismos en 42?" before an exchange of sneakers
    was confirmed searched for socks ("esos mismos" is the order's item)."""
    c = call(FELIPE_G)
    await c("Quiero cambiar las Adidas Revolution del pedido 45345, me quedaron pequeñas.")
    said = texts(await c("¿Y tienen esas mismas en 43?"))
    assert said[0].startswith("Sí, tenemos zapatillas Adidas Revolution en talla 43"), said
    assert said[-1] == "¿Confirma que abro la solicitud de devolución?", said


async def test_another_item_of_the_kind_keeps_the_size_and_colour_asked(call) -> None:
    """Regression (fresh27): "¿y los Nike Court no los tiene?" after white sneakers in 40 was
    read as "corto" (a dress) and, found, was answered in no size: the size and colour asked
    before stay asked."""
    c = call()
    await c("Busco unos tenis blancos en talla 42.")
    said = texts(await c("¿Y los Nike Court no los tienen?"))
    assert said[0] == "Sí, tenemos zapatillas Nike Court en talla 42 color blanco, a $263.900.", (
        said
    )


async def test_shipping_asked_with_an_items_price_guessed(call) -> None:
    """Regression (fresh27): "una gorra Nike de las planas, la que vale como 70 y 2000"
    (Whisper's "setenta y dos mil") priced a purchase of $2.000; the item named at about
    that price is that item, and "¿y si compro tres?" is three of it."""
    c = call()
    said = texts(await c("Una gorra Nike plana, que está como en 70 y 1000, ¿cuánto es el envío?"))
    assert said[0].startswith("El precio de gorra Nike plana es $71.900; como es menos"), said
    [three, _] = texts(await c("¿Y si compro tres?"))
    assert three.startswith("3 unidades de gorra Nike plana le salen en $215.700"), three


async def test_the_last_count_said_is_the_one_priced(call) -> None:
    """Regression (fresh27): "listo, necesito cuatro, no, espere, somos seis…, ¿cuánto me
    sale todo?" to the link offer sent the link (the "listo") and priced four."""
    c = call()
    await c("¿Cuánto vale la camiseta básica Arturo Calle?")
    said = texts(await c("Listo, necesito tres, no, mejor somos cinco, ¿cuánto me sale todo?"))
    assert said[0].startswith("5 unidades de camiseta Arturo Calle básica le salen en $244.500"), (
        said
    )


# ---- twenty-fourth session: fresh28's failures (in other words) -----------------------------


async def test_goods_the_store_does_not_sell_are_said_so(call) -> None:
    """Regression (fresh28): "¿venden celulares? se me dañó el mío" was taken for a complaint
    (its question repeated next); electronics are not sold, and the store says what it sells."""
    c = call()
    [said] = texts(await c("¿Tienen lavadoras? Es que la mía se quemó."))
    assert said.startswith("No encontré ese producto. Manejamos ropa, calzado"), said
    [said] = texts(await c("¿Y computadores? ¿Tampoco?"))
    assert said.startswith("No encontré ese producto. Manejamos ropa, calzado"), said


async def test_nothing_needed_after_all_is_no_search(call) -> None:
    """Regression (fresh28): "llamaba por unas sandalias, pero mi hija ya las pidió, entonces
    ya no necesito nada" offered sandals."""
    said = texts(await call()("Iba a preguntar por unos tenis, pero mi esposo ya los compró, "
                              "así que ya no hace falta."))  # fmt: skip
    assert said == ["Listo, no se preocupe.", "¿Le puedo ayudar con algo más?"], said


async def test_a_first_online_buyer_hears_trust_and_where_the_store_is(call) -> None:
    """Regression (fresh28): "nunca he comprado por internet y me da miedito… ¿y dónde es que
    quedan?" was not understood (a person offered, then a transfer on "ah, bueno")."""
    said = texts(await call()("Es que me da miedo comprarles, y ¿dónde es que quedan ustedes?"))
    assert said[0].startswith("Sí, puede comprar con tranquilidad"), said
    assert "no tenemos tienda física" in said[1], said


async def test_si_tienen_to_a_link_offer_is_no_yes(call, cloud) -> None:
    """Regression (fresh28): "¿sí tienen?" (written "si tienen") to a link offer sent the link."""
    c = call()
    await c("¿Cuánto vale la gorra Nike plana?")
    said = texts(await c("sí tienen"))
    assert not said[0].startswith("Listo, le envié el enlace"), said


async def test_the_link_asked_after_the_offer_lapsed_is_sent(call) -> None:
    """Regression (fresh28): "listo, mándeme el link pa' pagar" after store questions let the
    cart's offer lapse went to the model ("Ese precio no lo tengo a la mano")."""
    c = call()
    await c("¿Cuánto vale la gorra Nike plana?")
    await c("¿Y a Pasto en cuántos días llega?")
    said = texts(await c("Bueno, entonces mándeme el link."))
    assert said[0].startswith("Listo, le envié el enlace por mensaje de texto"), said


async def test_a_call_back_with_its_time_beats_the_orders_status(call) -> None:
    """Regression (fresh28): "es por un pedido que no me llega, ¿me pueden llamar el sábado a
    las diez?" told an order's status and booked nothing."""
    c = call(RAMIREZ)
    said = texts(await c("Es por un pedido de un reloj que todavía no me llega, ¿me pueden "
                         "llamar el lunes como a las tres de la tarde?"))  # fmt: skip
    assert said == ["¿Confirma que un asesor le devuelva la llamada a este número?"], said


async def test_shipping_asked_after_a_cross_sell_is_not_priced_on_the_offer(call) -> None:
    """Regression (fresh28): "¿y por mandarla allá me cobran algo más de envío?" after an
    order's status and its cross-sell offer priced the shipping of the item offered."""
    c = call(RAMIREZ)
    said = texts(await c("¿Cómo va mi pedido 45960?"))
    assert "le recomiendo" in said[-1], said
    [said, _] = texts(await c("¿Y si me lo mandan a Ibagué me cobran envío?"))
    assert said.startswith("Enviamos a todo Colombia"), said


async def test_a_store_question_with_the_yes_to_the_cart_is_answered(call) -> None:
    """Regression (fresh28): "tengo una camiseta en el carrito y quería saber si la puedo
    pagar con Nequi" got the cart alone."""
    c = call(ANDRES)
    await c.concierge.greeting()
    said = texts(await c("Sí, tengo un jean en el carrito y quería saber si lo puedo pagar con "
                         "Nequi."))  # fmt: skip
    assert said[0].startswith("Puede pagar con tarjeta débito o crédito, por PSE o por Nequi"), said
    assert said[-1].startswith("En su carrito tiene jean Studio F skinny"), said


async def test_the_options_asked_with_a_model_word_are_those(call) -> None:
    """Regression (fresh28): "que sean antiadherentes, ¿cuál tiene y a cómo?" after a set of
    pots went to the model ("Ese precio no lo tengo a la mano"): the items of that kind whose
    name holds the word, with their prices."""
    c = call()
    await c("Busco una licuadora.")
    [said] = texts(await c("Que sea de alta potencia, ¿cuáles tiene?"))
    for name in ("Imusa de alta potencia a $198.900", "Oster de alta potencia a $533.900"):
        assert name in said, said
    assert "clásica" not in said, said


async def test_how_much_dearer_one_item_is_than_the_other(call) -> None:
    """Regression (fresh28): "¿cuánto más caro que el deportivo?" after two Casio watches
    searched for a third watch; the difference of the two is said."""
    c = call()
    await c("¿Cuánto vale la cafetera Oster de goteo?")
    await c("¿Y la Imusa italiana?")
    [said, _] = texts(await c("¿Y cuánto más cara es la Oster?"))
    assert said.startswith("Cafetera Oster de goteo cuesta $197.000 más que cafetera Imusa"), said


async def test_a_store_question_instead_of_the_number_asked_is_answered(call) -> None:
    """Regression (fresh28): "nunca he comprado por internet y me da miedito" (the trained
    model's order status) went to the model, which asked for an order number; "¿y dónde es que
    quedan?" then offered a person. The trust answer; a store question instead of the number
    asked is answered."""
    c = call()
    [trust, _] = texts(await c("Fíjese que yo nunca he comprado por internet, me da miedo."))
    assert trust.startswith("Sí, puede comprar con tranquilidad"), trust
    c = call()
    c.concierge.expect_order_number()  # the model's guard asked for the number
    [where, _] = texts(await c("Ah, ¿y dónde es que quedan?"))
    assert "no tenemos tienda física" in where, where


async def test_the_cart_item_priced_by_guess_is_that_item_for_shipping(call) -> None:
    """Regression (fresh28): "es una sola camiseta de 126.000, ¿me lo cobran?" of a cart's
    $126.900 shirt said "le faltan $24.000" (a figure of the caller's rounding)."""
    c = call(ANDRES)
    await c.concierge.greeting()
    await c("Sí, por el jean del carrito.")
    [said, _] = texts(await c("¿Y el envío sí me lo cobran? Es un solo jean de 150.000."))
    assert said.startswith("El precio de jean Studio F skinny es $148.900"), said


async def test_the_other_colours_in_stock_are_listed_as_said_aloud(call) -> None:
    """Regression: the colours of a sold-out item were joined "en azul y gris y rojo"."""
    c = call()
    await c("Necesito un juego de ollas antiadherentes, ¿cuáles tiene?")
    said = texts(await c("La Imusa. ¿La tiene en blanco?"))
    assert "La tenemos en azul, gris y rojo, a $243.900." in said, said
