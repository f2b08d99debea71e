"""Identity before order details (issue 18): a caller whose number is not the order's says the
last four digits of it first; a wrong answer twice gets a person, never the details."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest

from tests.conftest import make_settings
from tests.stores import open_backend
from tests.test_dialogue_state import CAROLINA, STRANGER, Call, texts
from voicebot.dialogue.retail import Concierge
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
    settings = make_settings(governance={"verify_order_identity": True})
    catalog = Catalog(await shop.products())

    def new(phone: str = STRANGER) -> Call:
        tools = Tools(shop, records, catalog, None, "test")
        return Call(settings, Concierge(settings, tools, phone, "voice"))

    return new


async def test_the_order_s_own_number_hears_the_details_at_once(call) -> None:
    said = texts(await call(CAROLINA)(f"quiero saber de mi pedido {ORDER}"))
    assert said[0].startswith(f"Su pedido {ORDER}")


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
