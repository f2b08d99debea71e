"""Store systems the bot acts on: products, customers, orders, carts and tickets.

`Store` is the one interface the dialogue's tools use. `SqlStore` (SQLite by default,
PostgreSQL for deployments; voicebot/store/sql.py) and `HttpStore` (a store's own REST API;
voicebot/store/http.py) implement it. `Records` holds what the bot itself keeps: customer memory,
the audit trail of automated actions and call outcomes; it always lives in our SQL database.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Protocol


@dataclass(frozen=True, slots=True)
class Variant:
    size: str
    color: str
    stock: int


@dataclass(frozen=True, slots=True)
class Product:
    sku: str
    name: str
    brand: str
    category: str
    price: int  # COP
    variants: tuple[Variant, ...] = ()
    related: tuple[str, ...] = ()  # skus offered as cross-sell

    def stock(self, size: str | None = None, color: str | None = None) -> int:
        return sum(
            v.stock
            for v in self.variants
            if (size is None or v.size.lower() == size.lower())
            and (color is None or v.color == color)
        )

    @property
    def sizes(self) -> list[str]:
        return list(dict.fromkeys(v.size for v in self.variants))

    @property
    def colors(self) -> list[str]:
        return list(dict.fromkeys(v.color for v in self.variants))


@dataclass(frozen=True, slots=True)
class Customer:
    id: int
    name: str
    salutation: str  # señor | señora
    last_name: str
    phone: str  # E.164
    email: str
    consent_data: bool
    consent_marketing: bool


@dataclass(frozen=True, slots=True)
class Line:
    sku: str
    size: str
    color: str
    qty: int
    price: int


@dataclass(frozen=True, slots=True)
class Order:
    number: str
    customer_id: int
    status: str  # en preparación | en camino | entregado | cancelado
    carrier: str
    tracking: str
    placed_on: date
    eta: date | None
    delivered_on: date | None
    total: int
    lines: tuple[Line, ...] = ()
    phone: str = ""  # E.164 of the customer who placed it: who may hear its details


@dataclass(frozen=True, slots=True)
class Cart:
    id: int
    customer_id: int
    updated_on: date
    status: str  # abierto | comprado | recuperado
    lines: tuple[Line, ...] = ()

    @property
    def total(self) -> int:
        return sum(line.price * line.qty for line in self.lines)


@dataclass(frozen=True, slots=True)
class NewTicket:
    kind: str  # devolución | queja | llamada
    phone: str
    detail: str
    order_number: str | None = None
    customer_id: int | None = None


@dataclass(frozen=True, slots=True)
class Ticket:
    id: int
    kind: str
    status: str
    order_number: str | None
    detail: str
    created_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class Interaction:
    """One remembered contact (a call or a chat) with its redacted summary."""

    phone: str
    channel: str  # voice | chat
    at: datetime
    summary: str
    intents: tuple[str, ...] = field(default_factory=tuple)


class Store(Protocol):
    """The store's commerce data, wherever it lives."""

    async def products(self) -> list[Product]: ...
    async def order(self, number: str) -> Order | None: ...
    async def orders_for_phone(self, phone: str) -> list[Order]: ...
    async def customer_by_phone(self, phone: str) -> Customer | None: ...
    async def open_cart(self, customer_id: int) -> Cart | None: ...
    async def mark_cart(self, cart_id: int, status: str) -> None: ...
    async def create_ticket(self, ticket: NewTicket) -> Ticket: ...
    async def tickets_for_phone(self, phone: str) -> list[Ticket]: ...
    async def close(self) -> None: ...


class Records(Protocol):
    """What the bot keeps itself: memory of contacts, the audit trail, call outcomes."""

    async def remember(self, interaction: Interaction) -> None: ...
    async def recall(self, phone: str, limit: int = 3) -> list[Interaction]: ...
    async def audit(self, actor: str, action: str, detail: dict[str, Any], result: str) -> None: ...
    async def audit_entries(self, limit: int = 100) -> list[dict[str, Any]]: ...
    async def verify_audit(self) -> int | None: ...
    async def save_consent(self, evidence: dict[str, Any]) -> None: ...
    async def consents(self, call_sid: str) -> list[dict[str, Any]]: ...
    async def export_customer(self, phone: str) -> dict[str, Any]: ...
    async def delete_customer(self, phone: str) -> dict[str, int]: ...
    async def purge(self, calls_days: int, memory_days: int) -> dict[str, int]: ...
    async def save_call(self, call_sid: str, phone: str, record: dict[str, Any]) -> None: ...
    async def call(self, call_sid: str) -> dict[str, Any] | None: ...
    async def calls_since(self, since: datetime) -> list[dict[str, Any]]: ...
    async def close(self) -> None: ...
