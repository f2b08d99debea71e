"""One test suite for every store backend: SQLite, PostgreSQL and the HTTP adapter."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta

from voicebot.store import Interaction, NewTicket, Records, Store
from voicebot.store.sql import SAMPLE_STORE

SAMPLE = json.loads(SAMPLE_STORE.read_text(encoding="utf-8"))
CAROLINA, CART_OWNER = "+573205550101", "+573205550102"


def sample_order(number: str) -> dict:
    return next(o for o in SAMPLE["orders"] if o["number"] == number)


async def test_products_and_variants_as_in_the_sample(backend: tuple[Store, Records]) -> None:
    store, _ = backend
    products = await store.products()
    assert len(products) == len(SAMPLE["products"]) == 200
    runfalcon = next(p for p in products if p.name == "Zapatillas Adidas Runfalcon")
    assert runfalcon.price == 289900
    assert runfalcon.stock("42", "rojo") == 0 and runfalcon.stock("42", "negro") == 4
    assert runfalcon.related and all(isinstance(s, str) for s in runfalcon.related)


async def test_order_by_number_with_lines_and_moved_dates(backend: tuple[Store, Records]) -> None:
    store, _ = backend
    order = await store.order("45721")
    expected = sample_order("45721")
    assert order is not None and order.status == expected["status"] == "en camino"
    assert order.carrier == expected["carrier"]
    # the sample's dates move together, by the days between its "as_of" and the seeding day
    shift = order.eta - date.fromisoformat(expected["eta"])
    assert order.placed_on == date.fromisoformat(expected["placed_on"]) + shift
    seeded = date.fromisoformat(SAMPLE["as_of"]) + shift
    # seeded today, or yesterday when the suite crossed midnight after the fixture ran
    assert date.today() - timedelta(days=1) <= seeded <= date.today()
    assert [(line.sku, line.size, line.price) for line in order.lines] == [
        (line["sku"], line["size"], line["price"]) for line in expected["lines"]
    ]
    assert await store.order("99999") is None


async def test_customer_orders_and_cart_by_phone(backend: tuple[Store, Records]) -> None:
    store, _ = backend
    customer = await store.customer_by_phone(CAROLINA)
    assert customer is not None and customer.name == "Carolina Martínez"
    assert customer.salutation == "señora" and customer.consent_data
    orders = await store.orders_for_phone(CAROLINA)
    assert [o.number for o in orders] == ["45721", "38150"]  # newest first
    assert await store.customer_by_phone("+573001234567") is None
    assert await store.orders_for_phone("+573001234567") == []
    owner = await store.customer_by_phone(CART_OWNER)
    assert owner is not None
    cart = await store.open_cart(owner.id)
    assert cart is not None and cart.total == SAMPLE["carts"][0]["lines"][0]["price"]
    assert await store.open_cart(customer.id) is None
    await store.mark_cart(cart.id, "recuperado")
    assert await store.open_cart(owner.id) is None


async def test_tickets_get_new_ids_and_are_listed(backend: tuple[Store, Records]) -> None:
    store, _ = backend
    first = await store.create_ticket(
        NewTicket("devolución", CAROLINA, "Registrado por el asistente", "38150", 1)
    )
    second = await store.create_ticket(NewTicket("llamada", CAROLINA, "Devolver la llamada"))
    assert first.id > max(t["id"] for t in SAMPLE["tickets"])  # after the sample's own
    assert second.id == first.id + 1
    listed = await store.tickets_for_phone(CAROLINA)
    assert [(t.id, t.kind, t.order_number) for t in listed][-2:] == [
        (first.id, "devolución", "38150"),
        (second.id, "llamada", None),
    ]


async def test_records_memory_audit_and_call_records(backend: tuple[Store, Records]) -> None:
    _, records = backend
    now = datetime.now(UTC)
    await records.remember(Interaction(CAROLINA, "chat", now - timedelta(hours=2), "Antes", ()))
    await records.remember(Interaction(CAROLINA, "voice", now, "Después", ("order:45721",)))
    recalled = await records.recall(CAROLINA)
    assert [(m.channel, m.summary, m.intents) for m in recalled] == [
        ("voice", "Después", ("order:45721",)),
        ("chat", "Antes", ()),
    ]
    assert recalled[0].at.tzinfo is not None
    await records.audit("bot:CA1", "tool:order_status", {"number": "45721"}, "en camino")
    [entry] = await records.audit_entries(1)
    assert entry["action"] == "tool:order_status" and entry["detail"] == {"number": "45721"}
    await records.save_call("CA1", CAROLINA, {"turns": 1})
    await records.save_call("CA1", CAROLINA, {"turns": 2})  # per turn: replaced, not duplicated
    assert await records.call("CA1") == {"turns": 2}
    assert await records.call("CA2") is None


async def test_audit_chain_detects_tampering(backend: tuple[Store, Records]) -> None:
    import sqlalchemy as sa

    from voicebot.store.sql import SqlStore, audit_t

    _, records = backend
    assert isinstance(records, SqlStore)
    for n in range(4):
        await records.audit("bot:CA1", "tool:order_status", {"number": f"4572{n}"}, "en camino")
    assert await records.verify_audit() is None
    entries = await records.audit_entries(4)
    second = entries[2]["id"]  # newest first
    async with records.engine.begin() as conn:  # someone edits a result after the fact
        await conn.execute(
            sa.update(audit_t).where(audit_t.c.id == second).values(result="entregado")
        )
    assert await records.verify_audit() == second
    async with records.engine.begin() as conn:  # ...or deletes the entry altogether
        await conn.execute(sa.delete(audit_t).where(audit_t.c.id == second))
    assert await records.verify_audit() == second + 1


def test_no_sample_order_was_delivered_after_the_sample_was_taken() -> None:
    """Regression (fresh25): five orders were delivered after the sample's "as_of" day, so the
    bot told a caller that an order "fue entregado el lunes 7 de diciembre" on 3 December."""
    as_of = SAMPLE["as_of"]
    late = [o["number"] for o in SAMPLE["orders"] if (o["delivered_on"] or "") > as_of]
    assert late == []
    assert all(o["placed_on"] <= (o["delivered_on"] or as_of) for o in SAMPLE["orders"])
