"""The tools the dialogue acts through: typed arguments, a time limit and an audit entry each.

Each tool's arguments are a pydantic model that checks what the rule-based dialogue passes.
Every call is audited (who, when, what, result; personal data redacted) and timed for the
outcome record.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from typing import Any, Protocol

import structlog
from pydantic import BaseModel, Field

from voicebot.governance.redaction import redact
from voicebot.store import Cart, Customer, NewTicket, Order, Records, Store, Ticket
from voicebot.store.search import Catalog, Hit, ProductQuery

log = structlog.get_logger(__name__)


class OrderStatusArgs(BaseModel):
    """Look up one order by its number."""

    number: str = Field(pattern=r"^\d{4,10}$")


class PhoneArgs(BaseModel):
    """The customer and their recent orders, by phone number (E.164)."""

    phone: str = Field(pattern=r"^\+\d{8,15}$")


class CustomerArgs(BaseModel):
    """The customer's open (abandoned) cart."""

    customer_id: int


class SearchArgs(BaseModel):
    """Search the catalogue; filters decide availability."""

    terms: str = Field(min_length=1)
    size: str | None = None
    color: str | None = None
    max_price: int | None = Field(None, gt=0)


class TicketArgs(BaseModel):
    """Open a return, complaint or callback ticket (changes data: confirm first)."""

    kind: str = Field(pattern=r"^(devolución|queja|llamada)$")
    phone: str
    detail: str
    order_number: str | None = None
    customer_id: int | None = None


class SmsArgs(BaseModel):
    """Send a text message with a link (changes nothing in the store: still confirmed first)."""

    to: str = Field(pattern=r"^\+\d{8,15}$")
    body: str = Field(min_length=1, max_length=320)


class SmsSender(Protocol):
    async def send_sms(self, to: str, body: str) -> str: ...


class StoreUnavailable(Exception):
    """The store's system failed or was too slow: the caller is told, never given a guess."""


@dataclass
class ToolCall:
    name: str
    args: dict[str, Any]
    result: str
    ms: float


@dataclass
class Tools:
    """The store's tools for one conversation (`actor` names it in the audit trail)."""

    store: Store
    records: Records
    catalog: Catalog
    sms: SmsSender | None
    actor: str
    timeout_s: float = 3.0
    calls: list[ToolCall] = field(default_factory=list)

    async def _run(self, name: str, args: BaseModel, work: Any, describe: Any) -> Any:
        started = time.perf_counter()
        payload = args.model_dump(exclude_none=True)
        try:
            async with asyncio.timeout(self.timeout_s):
                result = await work
        except Exception as exc:
            await self._record(name, payload, f"error: {type(exc).__name__}", started)
            log.warning("tool_failed", tool=name, error=repr(exc)[:200])
            raise StoreUnavailable(name) from exc
        await self._record(name, payload, describe(result), started)
        return result

    async def _record(
        self, name: str, payload: dict[str, Any], result: str, started: float
    ) -> None:
        ms = round((time.perf_counter() - started) * 1000, 2)
        safe = {k: redact(v) if isinstance(v, str) else v for k, v in payload.items()}
        self.calls.append(ToolCall(name, safe, redact(result), ms))
        try:
            await self.records.audit(self.actor, f"tool:{name}", safe, redact(result))
        except Exception as exc:  # the caller's answer must not wait on the audit database
            log.error("audit_write_failed", tool=name, error=repr(exc)[:200])

    async def order_status(self, number: str) -> Order | None:
        args = OrderStatusArgs(number=number)
        result: Order | None = await self._run(
            "order_status", args, self.store.order(args.number),
            lambda o: "not found" if o is None else o.status,
        )  # fmt: skip
        return result

    async def orders_by_phone(self, phone: str) -> list[Order]:
        args = PhoneArgs(phone=phone)
        result: list[Order] = await self._run(
            "orders_by_phone", args, self.store.orders_for_phone(args.phone),
            lambda os: f"{len(os)} orders",
        )  # fmt: skip
        return result

    async def customer(self, phone: str) -> Customer | None:
        result: Customer | None = await self._run(
            "customer_by_phone", PhoneArgs(phone=phone), self.store.customer_by_phone(phone),
            lambda c: "known" if c else "unknown",
        )  # fmt: skip
        return result

    async def open_cart(self, customer_id: int) -> Cart | None:
        result: Cart | None = await self._run(
            "open_cart", CustomerArgs(customer_id=customer_id), self.store.open_cart(customer_id),
            lambda c: f"cart {c.id}" if c else "none",
        )  # fmt: skip
        return result

    async def search(self, query: ProductQuery) -> list[Hit]:
        args = SearchArgs(
            terms=query.terms or "-", size=query.size, color=query.color, max_price=query.max_price
        )

        async def run() -> list[Hit]:
            return self.catalog.search(query)

        result: list[Hit] = await self._run(
            "search_products", args, run(),
            lambda hs: ", ".join(f"{h.product.sku}:{h.available}" for h in hs) or "none",
        )  # fmt: skip
        return result

    async def create_ticket(self, ticket: NewTicket) -> Ticket:
        args = TicketArgs(
            kind=ticket.kind, phone=ticket.phone, detail=ticket.detail,
            order_number=ticket.order_number, customer_id=ticket.customer_id,
        )  # fmt: skip
        result: Ticket = await self._run(
            "create_ticket", args, self.store.create_ticket(ticket), lambda t: f"ticket {t.id}"
        )
        return result

    async def send_sms(self, to: str, body: str) -> str:
        args = SmsArgs(to=to, body=body)
        if self.sms is None:
            raise StoreUnavailable("send_sms: no SMS channel configured")
        result: str = await self._run("send_sms", args, self.sms.send_sms(to, body), str)
        return result
