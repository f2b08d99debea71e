"""The retail conversation on every store backend: facts spoken come from the store's data.

Text in, text out through the real Concierge, real tools and each real backend; text messages
go through the real Twilio client to the local Twilio stand-in.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from tests.conftest import AUTH_TOKEN, make_settings
from voicebot.config import Settings
from voicebot.dialogue.retail import Concierge, cop, spoken_date
from voicebot.dialogue.tools import Tools
from voicebot.handoff.twilio_rest import TwilioRest
from voicebot.store import Interaction, Records, Store
from voicebot.store.http import HttpStore
from voicebot.store.search import Catalog
from voicebot.telephony.fake_cloud import FakeTwilioCloud

CAROLINA, CART_OWNER, STRANGER = "+573205550101", "+573205550102", "+573001234567"


@pytest.fixture
async def cloud() -> AsyncIterator[FakeTwilioCloud]:
    async with FakeTwilioCloud(AUTH_TOKEN) as c:
        yield c


@pytest.fixture
async def talk(backend: tuple[Store, Records], cloud: FakeTwilioCloud) -> AsyncIterator[object]:
    store, records = backend
    settings = make_settings(twilio={"api_base_url": cloud.url})
    rest = TwilioRest(settings)
    catalog = Catalog(await store.products())

    def new(phone: str, channel: str = "voice", s: Settings = settings) -> Concierge:
        return Concierge(s, Tools(store, records, catalog, rest, "test"), phone, channel)

    yield new
    await rest.close()


async def test_known_caller_order_by_phone_then_cross_sell_by_sms(
    talk, backend: tuple[Store, Records], cloud: FakeTwilioCloud
) -> None:
    store, records = backend
    c = talk(CAROLINA)
    greeting = await c.greeting()
    assert greeting is not None
    assert "señora Martínez" in greeting and "zapatillas Adidas Runfalcon" in greeting
    order = await store.order("45721")
    assert order is not None
    status, offer = await c.handle("Sí, claro.")
    assert status.startswith(f"Su pedido {order.number}")
    assert order.carrier in status and spoken_date(order.eta) in status
    runfalcon = c.tools.catalog.by_sku[order.lines[0].sku]
    related = c.tools.catalog.by_sku[runfalcon.related[0]]
    assert cop(related.price) in offer and related.name[1:] in offer  # the store's price
    assert cloud.messages == []  # nothing is sent before the caller says yes
    sent, _ = await c.handle("Claro que sí.")
    assert sent.endswith("terminado en 0101.")
    [sms] = cloud.messages
    assert sms["To"] == CAROLINA and cop(related.price) in sms["Body"]
    assert f"/p/{related.sku}" in sms["Body"]
    assert c.outcome.cross_sell_accepted and c.outcome.revenue_cop == related.price
    # one cross-sell per call: a second status answer does not offer again
    again = await c.handle("¿Y el pedido 45721?")
    assert again[-1] == "¿Le puedo ayudar con algo más?"
    assert c.closing("No, gracias.")
    audit = await records.audit_entries(50)
    assert {"tool:order_status", "tool:send_sms", "tool:orders_by_phone"} <= {
        e["action"] for e in audit
    }
    assert all("3205550101" not in str(e["detail"]) for e in audit)  # phones redacted


async def test_order_by_a_stated_phone_number(talk) -> None:
    c = talk("")  # a hidden number
    [ask] = await c.handle("¿Dónde está mi pedido?")
    assert "número de su pedido" in ask
    answer = await c.handle(
        "No lo tengo, mi celular es tres dos cero cinco cinco cinco cero uno cero uno"
    )
    assert answer[0].startswith("Su pedido 45721")


async def test_order_by_number_and_an_unknown_number_is_not_invented(talk) -> None:
    c = talk(STRANGER)
    assert await c.greeting() is None  # not a customer: the standard greeting
    [ask] = await c.handle("Quiero saber el estado de mi orden.")
    assert "número de su pedido" in ask
    [missing] = await c.handle("4 5 0 0 0")
    assert missing.startswith("No encuentro un pedido con el número 45000")
    assert "asesor" in missing
    answer = await c.handle("cuatro cinco siete dos uno")
    assert answer[0].startswith("Su pedido 45721") and "en camino" in answer[0]


async def test_product_in_stock_with_size_and_colour(talk, backend: tuple[Store, Records]) -> None:
    store, _ = backend
    c = talk(STRANGER)
    found, offer = await c.handle("¿Tienen tenis Adidas Runfalcon talla cuarenta y dos en negro?")
    runfalcon = next(p for p in await store.products() if p.name == "Zapatillas Adidas Runfalcon")
    assert runfalcon.stock("42", "negro") > 0
    price = cop(runfalcon.price)
    assert found == f"Sí, tenemos zapatillas Adidas Runfalcon en talla 42 color negro, a {price}."
    assert "enlace" in offer


async def test_out_of_stock_offers_an_alternative_in_stock(
    talk, backend: tuple[Store, Records]
) -> None:
    store, _ = backend
    c = talk(STRANGER)
    out, alt, _ = await c.handle("¿Tienen tenis Adidas Runfalcon talla 42 en rojo?")
    assert "no tenemos unidades de zapatillas Adidas Runfalcon en talla 42 color rojo" in out
    products = {p.name[:1].lower() + p.name[1:]: p for p in await store.products()}
    name = alt.removeprefix("Le puedo ofrecer ").split(" en talla")[0]
    alternative = products[name]
    assert alternative.stock("42", "rojo") > 0 and cop(alternative.price) in alt


async def test_return_ticket_needs_a_yes_and_checks_the_window(
    talk, backend: tuple[Store, Records], cloud: FakeTwilioCloud
) -> None:
    store, _ = backend
    c = talk(CAROLINA)
    await c.greeting()
    [confirm] = await c.handle("Quiero devolver la licuadora del pedido tres ocho uno cinco cero")
    assert "38150" in confirm and "¿Confirma" in confirm
    before = await store.tickets_for_phone(CAROLINA)
    declined = await c.handle("No.")
    assert declined[0] == "Entendido, no hago ningún cambio."
    assert await store.tickets_for_phone(CAROLINA) == before  # no yes, no ticket
    await c.handle("Quiero devolver la licuadora del pedido tres ocho uno cinco cero")
    created, texted, _ = await c.handle("Sí, confirmo.")
    after = await store.tickets_for_phone(CAROLINA)
    assert len(after) == len(before) + 1
    ticket = after[-1]
    assert (ticket.kind, ticket.order_number) == ("devolución", "38150")
    assert f"número {ticket.id}" in created and "mensaje de texto" in texted
    assert f"número {ticket.id}" in cloud.messages[-1]["Body"]  # the promised message
    old = talk(CART_OWNER)
    await old.greeting()
    [expired] = await old.handle("Quiero devolver el pedido 30277")
    assert "ya pasó el plazo" in expired and "30 días" in expired
    [not_yet] = (await c.handle("Quiero devolver el pedido 45721"))[:1]
    assert "todavía no se ha entregado" in not_yet


async def test_abandoned_cart_reminder_and_link(
    talk, backend: tuple[Store, Records], cloud: FakeTwilioCloud
) -> None:
    store, _ = backend
    c = talk(CART_OWNER)
    greeting = await c.greeting()
    owner = await store.customer_by_phone(CART_OWNER)
    assert owner is not None
    cart = await store.open_cart(owner.id)
    assert greeting is not None and cart is not None
    assert f"señor {owner.last_name}" in greeting and "carrito" in greeting
    [reminder] = await c.handle("Sí, claro.")
    assert cop(cart.total) in reminder
    sent, _ = await c.handle("Dale.")
    assert "celular terminado en 0102" in sent
    assert f"/carrito/{cart.id}" in cloud.messages[-1]["Body"]
    assert c.outcome.cart_recovered and c.outcome.revenue_cop == cart.total


async def test_unclear_answer_is_asked_again_never_taken_as_yes(talk) -> None:
    c = talk(CART_OWNER)
    await c.greeting()
    await c.handle("Sí, claro.")  # the cart reminder: "¿Le envío el enlace…?"
    repeat, again = await c.handle("Eh, no sé.")
    assert repeat == "Le repito la pregunta." and again.startswith("En su carrito tiene")
    assert c.outcome.revenue_cop == 0 and not c.tools.calls[-1].name == "send_sms"


async def test_chat_links_are_written_not_texted(talk, cloud: FakeTwilioCloud) -> None:
    c = talk(STRANGER, "chat")
    await c.handle("¿Tienen la licuadora Oster de vaso de vidrio?")
    [link, _] = await c.handle("Sí")
    assert link.startswith("Aquí tiene el enlace: https://tienda.example.co/p/")
    assert cloud.messages == []


@pytest.mark.parametrize("fault", ["refused", "hangs"])
async def test_store_down_is_said_not_guessed(
    fault: str, backend: tuple[Store, Records], unused_tcp_port: int
) -> None:
    """The store's API refuses connections or hangs past the tool timeout."""
    _, records = backend
    settings = make_settings(store={"tool_timeout_s": 0.5})
    server = None
    if fault == "hangs":

        async def hang(request: web.Request) -> web.Response:
            await asyncio.sleep(30)
            return web.json_response({})

        app = web.Application()
        app.router.add_get("/{tail:.*}", hang)
        server = TestServer(app, host="127.0.0.1", port=unused_tcp_port)
        await server.start_server()
    api = HttpStore(f"http://127.0.0.1:{unused_tcp_port}", timeout_s=5)
    c = Concierge(settings, Tools(api, records, Catalog([]), None, "test", 0.5), STRANGER, "voice")
    try:
        answer = await c.handle("¿Dónde está mi pedido 45721?")
    finally:
        await api.close()
        if server is not None:
            await server.close()
    assert answer == [
        "En este momento no puedo consultar el sistema de la tienda. Si quiere, le comunico "
        "con un asesor."
    ]
    assert c.outcome.store_errors == 1
    [entry] = await records.audit_entries(1)
    assert entry["action"] == "tool:order_status" and entry["result"].startswith("error:")


async def test_memory_only_with_consent_and_redacted(talk) -> None:
    c = talk(CAROLINA)
    await c.greeting()
    await c.handle("¿Dónde está mi pedido 45721? mi correo es caro@example.com")
    memory = c.interaction()
    assert memory is not None and "45721" in memory.summary
    assert "caro@example.com" not in memory.summary and memory.intents == ("order:45721",)
    stranger = talk(STRANGER)
    await stranger.handle("¿Dónde está mi pedido 45721?")
    assert stranger.interaction() is None  # not a known customer who authorised it


def test_prices_and_dates_are_spoken_in_colombian_spanish() -> None:
    assert cop(289900) == "$289.900"
    assert spoken_date(date(2026, 11, 27)) == "viernes 27 de noviembre"


async def test_sold_out_colour_everywhere_offers_the_colours_in_stock(
    talk, backend: tuple[Store, Records]
) -> None:
    store, _ = backend
    c = talk(STRANGER)
    out, other, offer = await c.handle("¿Tienen gorras rojas?")
    products = {p.name: p for p in await store.products()}
    cap = products["G" + out.split(" no tenemos unidades de g")[1].split(" color rojo")[0]]
    assert cap.category == "gorras" and cap.stock(color="rojo") == 0
    colors = re.split(r", | y ", other.removeprefix("La tenemos en ").split(", a $")[0])
    assert all(cap.stock(color=col) > 0 for col in colors)
    assert other.endswith(f"a {cop(cap.price)}.") and "enlace" in offer


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
async def test_store_questions_get_the_ops_words_and_others_the_model(talk) -> None:
    c = talk("")
    faq = {e.cues[0]: e.answer for e in make_settings().store.faq}
    shipping = await c.handle("Quiero saber cuánto cuesta el envío a Medellín.")
    assert shipping == [" ".join(faq["envío"].split()), "¿Le puedo ayudar con algo más?"]
    hours = await c.handle("¿A qué hora abren el domingo?")
    assert hours is not None and "domingos" in hours[0]
    paying = await c.handle("¿Puedo pagar con Nequi?")
    assert paying is not None and "Nequi" in paying[0]
    assert c.outcome.intents == ["store_info"]
    # a store question no entry covers is the model's, from the facts in its prompt
    assert await c.handle("¿Me pueden facturar a nombre de mi empresa?") is None
    # a return is the return tool's, not the policy answer
    assert "número del pedido" in " ".join(await c.handle("Quiero devolver unos zapatos") or [])


async def test_a_colour_alone_after_a_product_asks_about_the_same_kind_of_item(talk) -> None:
    c = talk("")
    [found, _offer] = await c.handle("¿Tienen gorras negras?")
    assert found.startswith("Sí, tenemos gorra")
    # instead of answering the link offer, the caller asks for another colour
    red = await c.handle("¿Y en rojo?")
    gone = "En este momento no tenemos unidades de gorra"
    assert red is not None and red[0].startswith(gone), red
    # the noun lost by ASR ("Tienen flora roja"), same thing
    again = await c.handle("Tienen flora roja")
    assert again is not None and again[0].startswith(gone)
    # without a product before, a colour alone is not a product search
    assert await talk("").handle("¿Y en rojo?") is None


@pytest.mark.parametrize(
    ("ref", "topic", "answer"),
    [
        ("product:ZAP-002", "zapatillas Adidas Revolution", "zapatillas Adidas Revolution"),
        ("order:45721", "su pedido 45721", "Su pedido 45721"),
        ("return:45721", "45721", "45721"),
    ],
)
async def test_a_recent_chat_topic_is_offered_on_the_phone(
    talk, backend: tuple[Store, Records], ref: str, topic: str, answer: str
) -> None:
    _, records = backend
    an_hour_ago = datetime.now(UTC) - timedelta(hours=1)
    await records.remember(Interaction(CAROLINA, "chat", an_hour_ago, "Escribió.", (ref,)))
    c = talk(CAROLINA)
    greeting = await c.greeting()
    assert greeting is not None and "chat" in greeting and topic in greeting
    pending = c._pending
    # regression: a product ref travelled in Pending.order_number as "product:SKU"
    assert pending is not None and ":" not in (pending.order_number or "")
    assert pending.sku == (ref.split(":")[1] if ref.startswith("product:") else None)
    said = await c.handle("Sí, por eso.")
    assert said is not None and answer in said[0]
