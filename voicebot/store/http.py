"""`Store` over a store's own commerce REST API (JSON), configured by `store.api_url`.

The contract (documented in README): GET /products, GET /orders/{number}, GET /orders?phone=,
GET /customers?phone=, GET /customers/{id}/cart, PATCH /carts/{id}, POST /tickets,
GET /tickets?phone=; 404 means "no such thing"; a bearer token if `store.api_token` is set.
Field names are those of the dataclasses in voicebot/store/__init__.py, dates ISO 8601.
"""

from __future__ import annotations

import dataclasses
from datetime import date, datetime
from typing import Any

import aiohttp

from voicebot.store import Cart, Customer, Line, NewTicket, Order, Product, Ticket, Variant


def encode(obj: Any) -> Any:
    """A store dataclass (or a list of them) as JSON-ready data."""
    if isinstance(obj, list | tuple):
        return [encode(o) for o in obj]
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return {f.name: encode(getattr(obj, f.name)) for f in dataclasses.fields(obj)}
    if isinstance(obj, date | datetime):
        return obj.isoformat()
    return obj


def _day(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


def _lines(items: list[dict[str, Any]]) -> tuple[Line, ...]:
    return tuple(Line(**item) for item in items)


def decode_product(d: dict[str, Any]) -> Product:
    return Product(
        d["sku"], d["name"], d["brand"], d["category"], int(d["price"]),
        tuple(Variant(**v) for v in d.get("variants", [])), tuple(d.get("related", [])),
    )  # fmt: skip


def decode_order(d: dict[str, Any]) -> Order:
    return Order(
        str(d["number"]), d["customer_id"], d["status"], d["carrier"], d["tracking"],
        date.fromisoformat(d["placed_on"]), _day(d.get("eta")), _day(d.get("delivered_on")),
        int(d["total"]), _lines(d.get("lines", [])), str(d.get("phone") or ""),
    )  # fmt: skip


def decode_cart(d: dict[str, Any]) -> Cart:
    return Cart(d["id"], d["customer_id"], date.fromisoformat(d["updated_on"]), d["status"],
                _lines(d.get("lines", [])))  # fmt: skip


def decode_ticket(d: dict[str, Any]) -> Ticket:
    at = d.get("created_at")
    return Ticket(d["id"], d["kind"], d["status"], d.get("order_number"), d["detail"],
                  datetime.fromisoformat(at) if at else None)  # fmt: skip


class HttpStore:
    """The store's REST API; every request has a timeout and 5xx/timeouts raise."""

    def __init__(self, base_url: str, token: str = "", timeout_s: float = 3.0) -> None:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        self._base = base_url.rstrip("/")
        self._http = aiohttp.ClientSession(
            headers=headers, timeout=aiohttp.ClientTimeout(total=timeout_s)
        )

    async def _get(self, path: str, **params: str) -> Any | None:
        async with self._http.get(self._base + path, params=params or None) as resp:
            if resp.status == 404:
                return None
            resp.raise_for_status()
            return await resp.json()

    async def _send(self, method: str, path: str, body: dict[str, Any]) -> Any:
        async with self._http.request(method, self._base + path, json=body) as resp:
            resp.raise_for_status()
            return await resp.json()

    async def products(self) -> list[Product]:
        return [decode_product(d) for d in await self._get("/products") or []]

    async def order(self, number: str) -> Order | None:
        d = await self._get(f"/orders/{number}")
        return decode_order(d) if d else None

    async def orders_for_phone(self, phone: str) -> list[Order]:
        return [decode_order(d) for d in await self._get("/orders", phone=phone) or []]

    async def customer_by_phone(self, phone: str) -> Customer | None:
        d = await self._get("/customers", phone=phone)
        return Customer(**d) if d else None

    async def open_cart(self, customer_id: int) -> Cart | None:
        d = await self._get(f"/customers/{customer_id}/cart")
        return decode_cart(d) if d else None

    async def mark_cart(self, cart_id: int, status: str) -> None:
        await self._send("PATCH", f"/carts/{cart_id}", {"status": status})

    async def create_ticket(self, ticket: NewTicket) -> Ticket:
        return decode_ticket(await self._send("POST", "/tickets", encode(ticket)))

    async def tickets_for_phone(self, phone: str) -> list[Ticket]:
        return [decode_ticket(d) for d in await self._get("/tickets", phone=phone) or []]

    async def close(self) -> None:
        await self._http.close()
