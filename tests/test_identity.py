"""Identity before order details (issue 18): a caller whose number is not the order's says the
last four digits of it first; a wrong answer twice gets a person, never the details. A caller ID
counts as the caller's own number only with Twilio's "A" attestation (StirVerstat), or when ops
trust every caller ID: a spoofed one hears no name, order or cart."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest

from tests.conftest import make_settings
from tests.stores import open_backend
from tests.test_dialogue_state import CAROLINA, STRANGER, Call, texts
from voicebot.dialogue.retail import ATTESTED, Concierge
from voicebot.dialogue.tools import Tools
from voicebot.store import Records, Store
from voicebot.store.search import Catalog

ORDER = "45721"  # Carolina's, in the sample store


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[tuple[Store, Records]]:
    async with open_backend("sqlite", tmp_path, None) as pair:
        yield pair


@pytest.fixture
async def call(store: tuple[Store, Records]) -> Callable[..., Call]:
    shop, records = store
    catalog = Catalog(await shop.products())

    def new(phone: str = STRANGER, verstat: str = "", trust: str = "attested") -> Call:
        settings = make_settings(
            governance={"verify_order_identity": True, "caller_id_trust": trust}
        )
        tools = Tools(shop, records, catalog, None, "test")
        return Call(settings, Concierge(settings, tools, phone, "voice", verstat=verstat))

    return new


async def test_the_order_s_own_attested_number_hears_the_details_at_once(call) -> None:
    said = texts(await call(CAROLINA, ATTESTED)(f"quiero saber de mi pedido {ORDER}"))
    assert said[0].startswith(f"Su pedido {ORDER}")
    c = call(CAROLINA, ATTESTED)  # and by the caller ID alone: her one open order
    assert texts(await c("quiero saber de mi pedido"))[0].startswith(f"Su pedido {ORDER}")


@pytest.mark.parametrize(
    "verstat", ["", "TN-Validation-Passed-B", "TN-Validation-Passed-C", "TN-Validation-Failed-A",
                "No-TN-Validation"],
)  # fmt: skip
async def test_a_caller_id_without_full_attestation_hears_no_order_name_or_cart(
    call, verstat: str
) -> None:
    """Regression: anyone who sent a customer's number as caller ID heard her name, her open
    order's items and her cart, and any order of hers by number."""
    c = call(CAROLINA, verstat)
    assert c.concierge is not None
    assert await c.concierge.greeting() is None  # the standard greeting: no name, no order
    assert any("no verificado" in line for line in c.concierge.context)  # the agent is told
    retail = c.dialogue._settings.retail
    # the order by number: the last four digits first, as for any other number
    assert texts(await c(f"quiero saber de mi pedido {ORDER}")) == [retail.verify_ask]
    # by the caller ID alone: the order number is asked, nothing of the order is said
    c = call(CAROLINA, verstat)
    said = " ".join(texts(await c("quiero saber de mi pedido")))
    assert ORDER not in said and "Su pedido" not in said and "Servientrega" not in said
    # nor by a number the caller says
    c = call(STRANGER, verstat)
    await c("quiero saber de mi pedido")
    said = " ".join(texts(await c("mi número es 320 555 0101")))
    assert ORDER not in said and "Su pedido" not in said
    c = call(CAROLINA, verstat)
    assert c.concierge is not None
    await c.concierge.greeting()
    assert texts(await c("quiero ver mi carrito")) == [retail.cart_unverified]


async def test_ops_may_trust_every_caller_id(call) -> None:
    c = call(CAROLINA, "", trust="always")
    assert texts(await c(f"quiero saber de mi pedido {ORDER}"))[0].startswith(f"Su pedido {ORDER}")
    assert c.concierge is not None and "Martínez" in (await c.concierge.greeting() or "")


async def test_another_number_says_the_last_four_digits_first(call) -> None:
    c = call()
    asked = texts(await c(f"quiero saber de mi pedido {ORDER}"))
    assert asked == [c.dialogue._settings.retail.verify_ask]
    assert ORDER not in " ".join(asked[1:])
    told = texts(await c("cero uno cero uno"))  # Carolina's number ends in 0101
    assert told[0].startswith(f"Su pedido {ORDER}")
    # proved once, the same order is told again without asking
    assert texts(await c(f"y el pedido {ORDER} cuándo llega"))[0].startswith(f"Su pedido {ORDER}")


async def test_wrong_digits_twice_get_a_person_never_the_details(call) -> None:
    c = call()
    retail = c.dialogue._settings.retail
    await c(f"el estado del pedido {ORDER}")
    assert texts(await c("1234")) == [retail.verify_again]
    last = texts(await c("5678"))
    assert last[0] == retail.verify_failed and len(last) == 2  # and the offer of a person
    assert not any(t.startswith("Su pedido") for t in last)
    assert c.concierge is not None and any("no se verificó" in n for n in c.concierge.notes)


async def test_moving_on_leaves_the_question(call) -> None:
    c = call()
    await c(f"mi pedido {ORDER}")
    moved = texts(await c("mejor dígame el horario de la tienda"))
    assert moved and moved[0] != c.dialogue._settings.retail.verify_again


async def test_a_return_by_order_number_is_proved_before_its_items_are_said(call) -> None:
    # regression: a return by number read the order's items and delivery to any caller, and
    # opened the return on it
    c = call()
    retail = c.dialogue._settings.retail
    asked = texts(await c(f"quiero devolver el pedido {ORDER}"))
    assert asked == [retail.verify_ask]
    assert texts(await c("uno dos tres cuatro")) == [retail.verify_again]
    last = texts(await c("cinco seis siete ocho"))
    assert last[0] == retail.verify_failed and "entregado" not in " ".join(last)
    c = call()
    await c("quiero hacer una devolución")
    assert texts(await c(f"es el {ORDER}")) == [retail.verify_ask]
    told = " ".join(texts(await c("cero uno cero uno")))  # Carolina's number ends in 0101
    assert told.startswith(f"El pedido {ORDER} todavía no se ha entregado")  # in transit


async def test_words_instead_of_the_digits_are_no_wrong_digits(call) -> None:
    # regression: "no sé, lo hizo mi hija" and "¿para qué necesita eso?" were both told
    # "Esos dígitos no coinciden"
    c = call()
    retail = c.dialogue._settings.retail
    await c(f"quiero saber de mi pedido {ORDER}")
    assert texts(await c("¿Para qué necesita eso?")) == [retail.verify_why]
    assert texts(await c("cero uno cero uno"))[0].startswith(f"Su pedido {ORDER}")
    c = call()
    await c(f"quiero saber de mi pedido {ORDER}")
    assert texts(await c("No sé, lo hizo mi hija")) == [
        retail.verify_failed,
        retail.offer_person_after,
    ]


async def test_not_remembering_the_digits_of_an_order_someone_else_placed(call) -> None:
    # regression: "no me acuerdo, el pedido lo hizo mi esposo" named "el pedido" and was taken
    # for a new order question: the order number was asked again
    c = call()
    retail = c.dialogue._settings.retail
    await c(f"quiero saber de mi pedido {ORDER}")
    assert texts(await c("No me acuerdo, el pedido lo hizo mi esposo")) == [
        retail.verify_failed,
        retail.offer_person_after,
    ]
