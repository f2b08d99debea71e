"""Scripted Spanish calls through the real service: the retail brain end to end by voice.

Caller turns are synthetic (espeak-ng) or real recorded Colombian digits; what the bot says is
checked against the store's own data, and text messages arrive at the Twilio stand-in.
"""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import aiohttp
import pytest

from tests.conftest import AUTH_TOKEN, ServiceFactory, make_settings
from tests.real_speech import digits_wav
from voicebot.config import Settings
from voicebot.dialogue.retail import cop, spoken_date
from voicebot.handoff.twilio_rest import TwilioRest
from voicebot.services import Services
from voicebot.simulate import place_call
from voicebot.store.sql import SAMPLE_STORE
from voicebot.telephony.fake_cloud import FakeTwilioCloud
from voicebot.tts.callers import synthesize_caller

Clip = Callable[[str], Path]
CAROLINA, CART_OWNER, STRANGER = "+573205550101", "+573205550102", "+573001234567"
CHAT_TOKEN = "chat-token-for-tests"
SAMPLE = json.loads(SAMPLE_STORE.read_text(encoding="utf-8"))


@pytest.fixture
async def cloud() -> AsyncIterator[FakeTwilioCloud]:
    async with FakeTwilioCloud(AUTH_TOKEN) as c:
        yield c


def retail_settings(cloud: FakeTwilioCloud) -> Settings:
    return make_settings(twilio={"api_base_url": cloud.url}, server={"chat_token": CHAT_TOKEN})


async def call(
    serve: ServiceFactory, cloud: FakeTwilioCloud, caller: str, turns: list[Path]
) -> dict:
    settings = retail_settings(cloud)
    async with serve(settings, rest=TwilioRest(settings)) as url:
        report = await place_call(url, AUTH_TOKEN, turns, cloud=cloud, caller=caller)
        async with aiohttp.ClientSession() as http, http.get(f"{url}/metrics") as resp:
            report["metrics"] = await resp.text()
        return report


async def test_known_caller_order_by_phone_and_cross_sell_by_sms(
    services: Services, serve: ServiceFactory, cloud: FakeTwilioCloud, clips: Clip
) -> None:
    assert services.store is not None and services.records is not None
    order = await services.store.order("45721")
    assert order is not None
    report = await call(serve, cloud, CAROLINA, [clips("Sí, claro."), clips("Claro que sí.")])
    assert "señora Martínez" in report["greeting"]
    assert "¿Llama por su pedido de zapatillas Adidas Runfalcon?" in report["greeting"]
    status, sent = report["turns"][0]["bot"], report["turns"][1]["bot"]
    assert f"Su pedido {order.number}" in status and order.carrier in status
    assert spoken_date(order.eta) in status  # the date is the store's, said in Spanish
    [sms] = cloud.messages
    assert sms["To"] == CAROLINA and "Cómprelo aquí" in sms["Body"]
    assert "terminado en 0101" in sent
    outcome = report["outcome"]
    assert outcome["cross_sell_accepted"] and outcome["revenue_cop"] > 0
    assert outcome["resolved"] and "order_status" not in outcome["intents"]  # by the greeting
    stored = await services.records.call(report["call_sid"])
    assert stored is not None and stored["outcome"] == outcome  # persisted, not only in memory
    [memory, *_] = await services.records.recall(CAROLINA)
    assert memory.channel == "voice" and "45721" in memory.summary


async def test_order_by_spoken_number_real_voice_and_an_unknown_one(
    serve: ServiceFactory, cloud: FakeTwilioCloud, clips: Clip, tmp_path: Path
) -> None:
    turns = [
        clips("Quiero saber el estado de mi orden."),
        digits_wav("45000", tmp_path),
        digits_wav("45721", tmp_path),
    ]
    report = await call(serve, cloud, STRANGER, turns)
    ask, missing, status = (t["bot"] for t in report["turns"])
    assert "número de su pedido" in ask
    # Whisper writes the digits spaced or with commas ("4, 5, 0, 0, 0, 0"): compare digits only
    assert re.sub(r"\D", "", report["turns"][1]["heard"]).startswith("45000")
    # not invented: reported as not found, or (Whisper sometimes hears this recording as
    # "450000", a number of the wrong length) read back to be confirmed first
    not_found = missing.startswith("No encuentro un pedido con el número 45000")
    assert not_found or missing.startswith("Entendí el número 4 5 0 0 0 0"), missing
    order = next(o for o in SAMPLE["orders"] if o["number"] == "45721")
    assert status.startswith("Su pedido 45721") and order["carrier"] in status


async def test_product_search_by_voice_states_store_prices_and_colour(
    services: Services, serve: ServiceFactory, cloud: FakeTwilioCloud, clips: Clip, tmp_path: Path
) -> None:
    assert services.catalog is not None
    by_name = {p.name.lower(): p for p in services.catalog.products}
    # The third question said more slowly: Whisper hears the synthetic voice's "gorras rojas"
    # as "flora frota" at 125 wpm and "flora rojas" at 110; with the colour heard, "flora" is
    # taken as the caps just talked about (a colour alone follows up on the last product).
    slow = synthesize_caller("¿Tienen gorras rojas?", tmp_path / "red.wav")
    turns = [clips("¿Cuánto vale un reloj?"), clips("¿Tienen gorras negras?"), slow]
    report = await call(serve, cloud, STRANGER, turns)
    watch, cap, red = (t["bot"] for t in report["turns"])
    assert watch.startswith("Sí, tenemos reloj"), report["turns"][0]
    product = by_name[watch.removeprefix("Sí, tenemos ").split(", a $")[0].lower()]
    assert product.category == "relojes" and product.stock() > 0
    assert f"a {cop(product.price)}." in watch and "enlace" in watch
    assert cap.startswith("Sí, tenemos gorra"), report["turns"][1]
    name, _, rest = cap.removeprefix("Sí, tenemos ").partition(" color negro, a $")
    product = by_name[name.lower()]
    assert product.category == "gorras" and product.stock(color="negro") > 0
    assert rest.startswith(cop(product.price)[1:] + ".")
    # sold out in red everywhere: said so, and the same cap offered in colours in stock
    assert red.startswith("En este momento no tenemos unidades de gorra"), report["turns"][2]
    name = red.removeprefix("En este momento no tenemos unidades de ").split(" color rojo.")[0]
    product = by_name[name.lower()]
    assert product.stock(color="rojo") == 0
    colors = re.split(r", | y ", red.split("La tenemos en ")[1].split(", a $")[0])
    assert colors and all(product.stock(color=c) > 0 for c in colors)
    assert f"a {cop(product.price)}." in red and "enlace" in red


async def test_abandoned_cart_is_recovered_by_sms(
    services: Services, serve: ServiceFactory, cloud: FakeTwilioCloud, clips: Clip
) -> None:
    cart = SAMPLE["carts"][0]
    report = await call(serve, cloud, CART_OWNER, [clips("Sí, claro."), clips("Claro que sí.")])
    assert "carrito" in report["greeting"]
    assert cop(cart["lines"][0]["price"]) in report["turns"][0]["bot"]
    [sms] = cloud.messages
    assert sms["To"] == CART_OWNER and f"/carrito/{cart['id']}" in sms["Body"]
    assert report["outcome"]["cart_recovered"]
    assert report["outcome"]["revenue_cop"] == cart["lines"][0]["price"]
    # the KPIs on /metrics: contained (no person needed), revenue, tool calls
    metrics = report["metrics"]
    assert "voicebot_calls_contained_total 1.0" in metrics
    assert f"voicebot_revenue_cop_total {float(cart['lines'][0]['price'])}" in metrics
    assert 'voicebot_tool_calls_total{ok="true",tool="send_sms"} 1.0' in metrics


async def test_chat_then_call_is_recognised(
    serve: ServiceFactory, cloud: FakeTwilioCloud, clips: Clip
) -> None:
    customer = next(c for c in SAMPLE["customers"][2:] if c["consent_data"])
    phone = customer["phone"]
    settings = retail_settings(cloud)
    headers = {"Authorization": f"Bearer {CHAT_TOKEN}"}
    async with serve(settings, rest=TwilioRest(settings)) as url, aiohttp.ClientSession() as http:
        body = {"phone": phone, "text": "¿Tienen la licuadora Oster de vaso de vidrio?"}
        async with http.post(f"{url}/channels/chat", json=body, headers=headers) as resp:
            assert resp.status == 200
            chat = await resp.json()
        assert chat["reply"][0].startswith("Sí, tenemos licuadora Oster de vaso de vidrio")
        assert [t["name"] for t in chat["tools"]][-1] == "search_products"
        report = await place_call(
            url, AUTH_TOKEN, [clips("Claro que sí.")], cloud=cloud, caller=phone
        )
    assert "nos escribió por el chat sobre licuadora Oster de vaso de vidrio" in report["greeting"]
    assert report["turns"][0]["bot"].startswith("Sí, tenemos licuadora Oster de vaso de vidrio")


async def test_chat_channel_return_ticket_and_bad_input(
    services: Services, serve: ServiceFactory, cloud: FakeTwilioCloud
) -> None:
    assert services.store is not None
    settings = retail_settings(cloud)
    headers = {"Authorization": f"Bearer {CHAT_TOKEN}"}
    async with serve(settings, rest=TwilioRest(settings)) as url, aiohttp.ClientSession() as http:

        async def say(body: object, auth: dict[str, str] = headers) -> tuple[int, dict]:
            async with http.post(f"{url}/channels/chat", json=body, headers=auth) as resp:
                text = await resp.text()
                return resp.status, (json.loads(text) if resp.status == 200 else {"error": text})

        assert (await say({"text": "hola"}, {}))[0] == 401
        assert (await say({"text": "hola"}, {"Authorization": "Bearer nope"}))[0] == 401
        assert (await say({"phone": "12", "text": "hola"}))[0] == 400
        assert (await say({"phone": CAROLINA, "text": ""}))[0] == 400
        status, first = await say({"phone": CAROLINA, "text": "Quiero devolver el pedido 38150"})
        assert status == 200 and "¿Confirma" in first["reply"][0]
        before = len(await services.store.tickets_for_phone(CAROLINA))
        cid = first["conversation_id"]
        _, done = await say({"conversation_id": cid, "phone": CAROLINA, "text": "Sí, confirmo"})
        tickets = await services.store.tickets_for_phone(CAROLINA)
        assert len(tickets) == before + 1 and tickets[-1].order_number == "38150"
        assert f"número {tickets[-1].id}" in done["reply"][0]
        _, bye = await say({"conversation_id": cid, "phone": CAROLINA, "text": "No, gracias"})
        assert bye["end"] == "goodbye"
        _, human = await say({"phone": CAROLINA, "text": "Quiero hablar con un asesor"})
        assert human["end"] == "transfer_requested"


async def test_stock_changes_reach_the_answers(services: Services, serve: ServiceFactory) -> None:
    """The catalogue in memory is reloaded every `store.catalog_refresh_s`."""
    import sqlalchemy as sa

    from voicebot.handoff.web import SERVICES
    from voicebot.store.sql import SqlStore, variants_t

    assert isinstance(services.store, SqlStore)
    sku = "ZAP-001"
    before = services.store
    settings = make_settings(store={"catalog_refresh_s": 0.2})

    async def set_stock(value: int) -> None:
        async with before.engine.begin() as conn:
            await conn.execute(
                sa.update(variants_t)
                .where(variants_t.c.sku == sku, variants_t.c.size == "38")
                .values(stock=value)
            )

    async with serve(settings) as url:
        running = serve.apps[url][SERVICES]  # type: ignore[attr-defined]
        try:
            await set_stock(0)
            await asyncio.sleep(0.8)
            assert running.catalog.by_sku[sku].stock("38") == 0
        finally:
            await set_stock(4)
        await asyncio.sleep(0.8)
        assert running.catalog.by_sku[sku].stock("38") > 0
