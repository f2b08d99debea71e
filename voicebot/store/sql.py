"""The store and the bot's records in SQL: SQLite (aiosqlite) embedded, PostgreSQL (asyncpg).

One SQLAlchemy Core schema serves both databases, so both pass the same test suite. An empty
database is filled from the sample store (voicebot/store/sample_store.json, or any file of that
shape), its dates moved so that the sample is as recent today as on the day it was made.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine

from voicebot.store import (
    Cart,
    Customer,
    Interaction,
    Line,
    NewTicket,
    Order,
    Product,
    Ticket,
    Variant,
)

SAMPLE_STORE = Path(__file__).with_name("sample_store.json")

meta = sa.MetaData()
products_t = sa.Table(
    "products", meta,
    sa.Column("sku", sa.String(32), primary_key=True),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("brand", sa.String(100), nullable=False),
    sa.Column("category", sa.String(100), nullable=False),
    sa.Column("price", sa.Integer, nullable=False),
    sa.Column("related", sa.JSON, nullable=False),
)  # fmt: skip
variants_t = sa.Table(
    "variants", meta,
    sa.Column("sku", sa.String(32), sa.ForeignKey("products.sku"), primary_key=True),
    sa.Column("size", sa.String(20), primary_key=True),
    sa.Column("color", sa.String(40), primary_key=True),
    sa.Column("stock", sa.Integer, nullable=False),
)  # fmt: skip
customers_t = sa.Table(
    "customers", meta,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("salutation", sa.String(20), nullable=False),
    sa.Column("last_name", sa.String(100), nullable=False),
    sa.Column("phone", sa.String(20), nullable=False, unique=True),
    sa.Column("email", sa.String(200), nullable=False),
    sa.Column("consent_data", sa.Boolean, nullable=False),
    sa.Column("consent_marketing", sa.Boolean, nullable=False),
)  # fmt: skip
orders_t = sa.Table(
    "orders", meta,
    sa.Column("number", sa.String(20), primary_key=True),
    sa.Column("customer_id", sa.Integer, sa.ForeignKey("customers.id"), nullable=False, index=True),
    sa.Column("status", sa.String(40), nullable=False),
    sa.Column("carrier", sa.String(60), nullable=False),
    sa.Column("tracking", sa.String(60), nullable=False),
    sa.Column("placed_on", sa.Date, nullable=False),
    sa.Column("eta", sa.Date),
    sa.Column("delivered_on", sa.Date),
    sa.Column("total", sa.Integer, nullable=False),
)  # fmt: skip
order_lines_t = sa.Table(
    "order_lines", meta,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("order_number", sa.String(20), sa.ForeignKey("orders.number"), index=True),
    sa.Column("sku", sa.String(32), nullable=False),
    sa.Column("size", sa.String(20), nullable=False),
    sa.Column("color", sa.String(40), nullable=False),
    sa.Column("qty", sa.Integer, nullable=False),
    sa.Column("price", sa.Integer, nullable=False),
)  # fmt: skip
carts_t = sa.Table(
    "carts", meta,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("customer_id", sa.Integer, sa.ForeignKey("customers.id"), index=True),
    sa.Column("updated_on", sa.Date, nullable=False),
    sa.Column("status", sa.String(20), nullable=False),
)  # fmt: skip
cart_lines_t = sa.Table(
    "cart_lines", meta,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("cart_id", sa.Integer, sa.ForeignKey("carts.id"), index=True),
    sa.Column("sku", sa.String(32), nullable=False),
    sa.Column("size", sa.String(20), nullable=False),
    sa.Column("color", sa.String(40), nullable=False),
    sa.Column("qty", sa.Integer, nullable=False),
    sa.Column("price", sa.Integer, nullable=False),
)  # fmt: skip
tickets_t = sa.Table(
    "tickets", meta,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("customer_id", sa.Integer),
    sa.Column("phone", sa.String(20), nullable=False, index=True),
    sa.Column("kind", sa.String(20), nullable=False),
    sa.Column("order_number", sa.String(20)),
    sa.Column("detail", sa.Text, nullable=False),
    sa.Column("status", sa.String(20), nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
)  # fmt: skip
interactions_t = sa.Table(
    "interactions", meta,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("phone", sa.String(20), nullable=False, index=True),
    sa.Column("channel", sa.String(10), nullable=False),
    sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("summary", sa.Text, nullable=False),
    sa.Column("intents", sa.JSON, nullable=False),
)  # fmt: skip
audit_t = sa.Table(
    "audit", meta,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("actor", sa.String(100), nullable=False),
    sa.Column("action", sa.String(60), nullable=False),
    sa.Column("detail", sa.JSON, nullable=False),
    sa.Column("result", sa.Text, nullable=False),
    sa.Column("prev_hash", sa.String(64), nullable=False),
    sa.Column("hash", sa.String(64), nullable=False),
)  # fmt: skip
consents_t = sa.Table(
    "consents", meta,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("call_sid", sa.String(64), nullable=False, index=True),
    sa.Column("phone", sa.String(32), nullable=False),  # masked unless the answer is yes
    sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("notice_version", sa.String(40), nullable=False),
    sa.Column("answer", sa.String(10), nullable=False),  # yes | no | on_file
    sa.Column("how", sa.String(20), nullable=False),  # voice | dtmf | unclear | silence | record
    sa.Column("heard", sa.Text, nullable=False),  # what the caller said, when it was yes
)  # fmt: skip
audit_head_t = sa.Table(
    "audit_head", meta,  # the chain's last entry, sealed: a cut-off tail no longer matches it
    sa.Column("id", sa.Integer, primary_key=True),  # always 1
    sa.Column("last_id", sa.Integer, nullable=False),
    sa.Column("hash", sa.String(64), nullable=False),
    sa.Column("seal", sa.String(64), nullable=False),
)  # fmt: skip
calls_t = sa.Table(
    "calls", meta,
    sa.Column("call_sid", sa.String(64), primary_key=True),
    sa.Column("phone", sa.String(20), nullable=False, index=True),
    sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("record", sa.JSON, nullable=False),
)  # fmt: skip


def _now() -> datetime:
    return datetime.now(UTC)


GENESIS = "0" * 64


def chain_hash(prev: str, entry: dict[str, Any], key: bytes = b"") -> str:
    """HMAC-SHA256 with `governance.audit_key` (sha256 without one) over the previous hash
    and the entry's canonical JSON: with a key, a database writer who does not hold it
    cannot rewrite the chain so that it verifies."""
    canonical = json.dumps(
        {**entry, "at": _aware(entry["at"]).astimezone(UTC).isoformat(timespec="microseconds")},
        sort_keys=True,
        ensure_ascii=False,
        separators=(",", ":"),
    )
    return _digest(key, f"{prev}{canonical}")


def _digest(key: bytes, text: str) -> str:
    if key:
        return hmac.new(key, text.encode(), hashlib.sha256).hexdigest()
    return hashlib.sha256(text.encode()).hexdigest()


def _seal(key: bytes, last_id: int, last_hash: str) -> str:
    return _digest(key, f"head|{last_id}|{last_hash}")


def _masked(phone: str) -> str:
    from voicebot.governance.redaction import mask_phone

    return mask_phone(phone)


async def _seal_existing_chain(conn: AsyncConnection, key: bytes) -> None:
    """A chain written before the head was sealed gets its head (when the table is new)."""
    last = (
        await conn.execute(sa.select(audit_t.c.id, audit_t.c.hash).order_by(audit_t.c.id.desc()))
    ).first()
    if last is not None:
        seal = _seal(key, int(last.id), last.hash)
        await conn.execute(
            sa.insert(audit_head_t).values(id=1, last_id=last.id, hash=last.hash, seal=seal)
        )


def _lines(rows: list[sa.Row[Any]]) -> tuple[Line, ...]:
    return tuple(Line(r.sku, r.size, r.color, r.qty, r.price) for r in rows)


def _aware(at: datetime) -> datetime:
    return at if at.tzinfo else at.replace(tzinfo=UTC)  # SQLite drops the zone


class SqlStore:
    """`Store` and `Records` over one SQLAlchemy async engine (SQLite or PostgreSQL)."""

    def __init__(self, engine: AsyncEngine, audit_key: bytes = b"") -> None:
        self.engine = engine
        self.audit_key = audit_key  # governance.audit_key: the chain's HMAC key
        self._audit_lock = asyncio.Lock()  # one chain: appends never interleave

    @classmethod
    async def open(
        cls, url: str, seed: Path | None = SAMPLE_STORE, audit_key: bytes = b""
    ) -> SqlStore:
        """Connect, create the schema if missing and fill an empty store from `seed`."""
        if url.startswith("sqlite") and ":///" in url and not url.endswith(":memory:"):
            Path(url.split(":///", 1)[1]).parent.mkdir(parents=True, exist_ok=True)
        store = cls(create_async_engine(url), audit_key)
        async with store.engine.begin() as conn:
            if store.engine.dialect.name == "postgresql":
                # replicas starting together: one creates and seeds, the others then see it
                await conn.execute(sa.text("SELECT pg_advisory_xact_lock(1377)"))
            sealed = await conn.run_sync(lambda c: sa.inspect(c).has_table("audit_head"))
            await conn.run_sync(meta.create_all)
            if not sealed:  # a database from before the sealed head: seal its chain once
                await _seal_existing_chain(conn, audit_key)
            empty = (
                await conn.execute(sa.select(sa.func.count()).select_from(products_t))
            ).scalar()
            if not empty and seed is not None:
                data = await asyncio.to_thread(seed.read_text, encoding="utf-8")
                await _load(conn, json.loads(data))
        return store

    async def close(self) -> None:
        await self.engine.dispose()

    # ---- Store -------------------------------------------------------------------------
    async def products(self) -> list[Product]:
        async with self.engine.connect() as conn:
            rows = (await conn.execute(sa.select(products_t).order_by(products_t.c.sku))).all()
            variants = (await conn.execute(sa.select(variants_t))).all()
        by_sku: dict[str, list[Variant]] = {}
        for v in variants:
            by_sku.setdefault(v.sku, []).append(Variant(v.size, v.color, v.stock))
        return [
            Product(r.sku, r.name, r.brand, r.category, r.price, tuple(by_sku.get(r.sku, [])),
                    tuple(r.related))
            for r in rows
        ]  # fmt: skip

    async def order(self, number: str) -> Order | None:
        async with self.engine.connect() as conn:
            query = (
                sa.select(orders_t, customers_t.c.phone.label("customer_phone"))
                .outerjoin(customers_t, customers_t.c.id == orders_t.c.customer_id)
                .where(orders_t.c.number == number)
            )
            row = (await conn.execute(query)).first()
            if row is None:
                return None
            lines = (
                await conn.execute(
                    sa.select(order_lines_t)
                    .where(order_lines_t.c.order_number == number)
                    .order_by(order_lines_t.c.id)
                )
            ).all()
        return Order(
            row.number, row.customer_id, row.status, row.carrier, row.tracking, row.placed_on,
            row.eta, row.delivered_on, row.total, _lines(list(lines)), row.customer_phone or "",
        )  # fmt: skip

    async def orders_for_phone(self, phone: str) -> list[Order]:
        async with self.engine.connect() as conn:
            numbers = (
                await conn.execute(
                    sa.select(orders_t.c.number)
                    .join(customers_t, customers_t.c.id == orders_t.c.customer_id)
                    .where(customers_t.c.phone == phone)
                    .order_by(orders_t.c.placed_on.desc())
                )
            ).scalars().all()  # fmt: skip
        return [o for n in numbers if (o := await self.order(n)) is not None]

    async def customer_by_phone(self, phone: str) -> Customer | None:
        async with self.engine.connect() as conn:
            r = (
                await conn.execute(sa.select(customers_t).where(customers_t.c.phone == phone))
            ).first()
        if r is None:
            return None
        return Customer(
            r.id, r.name, r.salutation, r.last_name, r.phone, r.email, r.consent_data,
            r.consent_marketing,
        )  # fmt: skip

    async def open_cart(self, customer_id: int) -> Cart | None:
        async with self.engine.connect() as conn:
            r = (
                await conn.execute(
                    sa.select(carts_t)
                    .where(carts_t.c.customer_id == customer_id, carts_t.c.status == "abierto")
                    .order_by(carts_t.c.updated_on.desc())
                )
            ).first()
            if r is None:
                return None
            lines = (
                await conn.execute(
                    sa.select(cart_lines_t)
                    .where(cart_lines_t.c.cart_id == r.id)
                    .order_by(cart_lines_t.c.id)
                )
            ).all()
        return Cart(r.id, r.customer_id, r.updated_on, r.status, _lines(list(lines)))

    async def mark_cart(self, cart_id: int, status: str) -> None:
        async with self.engine.begin() as conn:
            await conn.execute(
                sa.update(carts_t).where(carts_t.c.id == cart_id).values(status=status)
            )

    async def create_ticket(self, ticket: NewTicket) -> Ticket:
        at = _now()
        async with self.engine.begin() as conn:
            result = await conn.execute(
                sa.insert(tickets_t)
                .values(
                    customer_id=ticket.customer_id, phone=ticket.phone, kind=ticket.kind,
                    order_number=ticket.order_number, detail=ticket.detail, status="abierto",
                    created_at=at,
                )
                .returning(tickets_t.c.id)
            )  # fmt: skip
            ticket_id = result.scalar_one()
        return Ticket(ticket_id, ticket.kind, "abierto", ticket.order_number, ticket.detail, at)

    async def tickets_for_phone(self, phone: str) -> list[Ticket]:
        async with self.engine.connect() as conn:
            rows = (
                await conn.execute(
                    sa.select(tickets_t).where(tickets_t.c.phone == phone).order_by(tickets_t.c.id)
                )
            ).all()
        return [
            Ticket(r.id, r.kind, r.status, r.order_number, r.detail, _aware(r.created_at))
            for r in rows
        ]

    # ---- Records -----------------------------------------------------------------------
    async def remember(self, interaction: Interaction) -> None:
        async with self.engine.begin() as conn:
            await conn.execute(
                sa.insert(interactions_t).values(
                    phone=interaction.phone, channel=interaction.channel, at=interaction.at,
                    summary=interaction.summary, intents=list(interaction.intents),
                )
            )  # fmt: skip

    async def recall(self, phone: str, limit: int = 3) -> list[Interaction]:
        async with self.engine.connect() as conn:
            rows = (
                await conn.execute(
                    sa.select(interactions_t)
                    .where(interactions_t.c.phone == phone)
                    .order_by(interactions_t.c.at.desc(), interactions_t.c.id.desc())
                    .limit(limit)
                )
            ).all()
        return [
            Interaction(r.phone, r.channel, _aware(r.at), r.summary, tuple(r.intents)) for r in rows
        ]

    async def audit(self, actor: str, action: str, detail: dict[str, Any], result: str) -> None:
        """Append an entry chained to the previous one by its hash (tamper-evident)."""
        at = _now()
        async with self._audit_lock, self.engine.begin() as conn:
            if conn.dialect.name == "postgresql":  # other processes append to the same chain
                await conn.execute(sa.text("SELECT pg_advisory_xact_lock(1581)"))
            last = (
                await conn.execute(sa.select(audit_t.c.hash).order_by(audit_t.c.id.desc()).limit(1))
            ).scalar()
            prev = last or GENESIS
            entry = {"at": at, "actor": actor, "action": action, "detail": detail, "result": result}
            digest = chain_hash(prev, entry, self.audit_key)
            new_id = (
                await conn.execute(
                    sa.insert(audit_t)
                    .values(**entry, prev_hash=prev, hash=digest)
                    .returning(audit_t.c.id)
                )
            ).scalar_one()
            head = {
                "last_id": new_id,
                "hash": digest,
                "seal": _seal(self.audit_key, new_id, digest),
            }
            moved = await conn.execute(sa.update(audit_head_t).where(audit_head_t.c.id == 1)
                                       .values(**head))  # fmt: skip
            if moved.rowcount == 0:
                await conn.execute(sa.insert(audit_head_t).values(id=1, **head))

    async def verify_audit(self) -> int | None:
        """The id of the first entry that was altered, removed or reordered, or None. Entries
        cut off the end are found by the sealed head: the id of the first missing entry (0
        when the head itself was removed)."""
        prev, last_id = GENESIS, 0
        async with self.engine.connect() as conn:
            rows = await conn.stream(sa.select(audit_t).order_by(audit_t.c.id))
            async for r in rows:
                entry = {"at": _aware(r.at), "actor": r.actor, "action": r.action,
                         "detail": r.detail, "result": r.result}  # fmt: skip
                if r.prev_hash != prev or r.hash != chain_hash(prev, entry, self.audit_key):
                    return int(r.id)
                prev, last_id = r.hash, int(r.id)
            head = (await conn.execute(sa.select(audit_head_t))).first()
        if head is None:
            return 0 if last_id else None
        if head.seal != _seal(self.audit_key, head.last_id, head.hash):
            return int(head.last_id)
        if (head.last_id, head.hash) != (last_id, prev):
            return last_id + 1  # the tail from here on is gone
        return None

    async def audit_entries(self, limit: int = 100) -> list[dict[str, Any]]:
        async with self.engine.connect() as conn:
            rows = (
                await conn.execute(sa.select(audit_t).order_by(audit_t.c.id.desc()).limit(limit))
            ).all()
        return [dict(r._mapping) | {"at": _aware(r.at).isoformat()} for r in rows]

    async def save_consent(self, evidence: dict[str, Any]) -> None:
        """Keep the evidence of a consent answer (call id, time, notice version, answer)."""
        async with self.engine.begin() as conn:
            await conn.execute(sa.insert(consents_t).values(at=_now(), **evidence))

    async def consents(self, call_sid: str) -> list[dict[str, Any]]:
        async with self.engine.connect() as conn:
            rows = (
                await conn.execute(sa.select(consents_t).where(consents_t.c.call_sid == call_sid))
            ).all()
        return [dict(r._mapping) | {"at": _aware(r.at).isoformat()} for r in rows]

    # ---- the customer's rights (Ley 1581 de 2012) and retention -------------------------
    async def export_customer(self, phone: str) -> dict[str, Any]:
        """Everything voicebot keeps about a phone number: memory, calls, tickets."""
        async with self.engine.connect() as conn:
            memory = (await conn.execute(
                sa.select(interactions_t).where(interactions_t.c.phone == phone)
                .order_by(interactions_t.c.id)
            )).all()  # fmt: skip
            calls = (await conn.execute(
                sa.select(calls_t).where(calls_t.c.phone == phone).order_by(calls_t.c.at)
            )).all()  # fmt: skip
            tickets = (await conn.execute(
                sa.select(tickets_t).where(tickets_t.c.phone == phone).order_by(tickets_t.c.id)
            )).all()  # fmt: skip
            consents = (await conn.execute(
                sa.select(consents_t).where(consents_t.c.phone == phone)
                .order_by(consents_t.c.id)
            )).all()  # fmt: skip
        return {
            "phone": phone,
            "memory": [
                {"channel": r.channel, "at": _aware(r.at).isoformat(), "summary": r.summary,
                 "references": r.intents} for r in memory
            ],
            "calls": [
                {"call_sid": r.call_sid, "at": _aware(r.at).isoformat(), "record": r.record}
                for r in calls
            ],
            "tickets": [
                {"id": r.id, "kind": r.kind, "status": r.status, "order_number": r.order_number,
                 "detail": r.detail, "created_at": _aware(r.created_at).isoformat()}
                for r in tickets
            ],
            "consents": [
                {"call_sid": r.call_sid, "at": _aware(r.at).isoformat(),
                 "notice_version": r.notice_version, "answer": r.answer, "how": r.how,
                 "heard": r.heard}
                for r in consents
            ],
        }  # fmt: skip

    async def delete_customer(self, phone: str) -> dict[str, int]:
        """Delete memory and call records; tickets stay for the store but lose the number;
        consent evidence stays as the proof of authorisation the law asks for (call, time,
        notice version, answer, how) with the number masked and without the words."""
        async with self.engine.begin() as conn:
            consents = await conn.execute(
                sa.update(consents_t)
                .where(consents_t.c.phone == phone)
                .values(phone=_masked(phone), heard="")
            )
            memory = await conn.execute(
                sa.delete(interactions_t).where(interactions_t.c.phone == phone)
            )
            calls = await conn.execute(sa.delete(calls_t).where(calls_t.c.phone == phone))
            tickets = await conn.execute(
                sa.update(tickets_t).where(tickets_t.c.phone == phone).values(phone="eliminado")
            )
        return {"memory": memory.rowcount, "calls": calls.rowcount, "tickets": tickets.rowcount,
                "consents_masked": consents.rowcount}  # fmt: skip

    async def purge(self, calls_days: int, memory_days: int) -> dict[str, int]:
        """Delete call records and remembered contacts older than their retention period."""
        now = _now()
        async with self.engine.begin() as conn:
            calls = await conn.execute(
                sa.delete(calls_t).where(calls_t.c.at < now - timedelta(days=calls_days))
            )
            memory = await conn.execute(
                sa.delete(interactions_t).where(
                    interactions_t.c.at < now - timedelta(days=memory_days)
                )
            )
        return {"calls": calls.rowcount, "memory": memory.rowcount}

    async def save_call(self, call_sid: str, phone: str, record: dict[str, Any]) -> None:
        """Insert or replace the call's record (written per turn, so a crash loses little)."""
        async with self.engine.begin() as conn:
            # the phone column follows the record (masked without consent, full with it),
            # so export and deletion by number find exactly the records that hold it
            done = await conn.execute(
                sa.update(calls_t)
                .where(calls_t.c.call_sid == call_sid)
                .values(record=record, phone=phone)
            )
            if done.rowcount == 0:
                await conn.execute(
                    sa.insert(calls_t).values(
                        call_sid=call_sid, phone=phone, at=_now(), record=record
                    )
                )

    async def calls_since(self, since: datetime) -> list[dict[str, Any]]:
        """Stored calls from `since` on, oldest first: {call_sid, phone, at, record}."""
        async with self.engine.connect() as conn:
            rows = (
                await conn.execute(
                    sa.select(calls_t).where(calls_t.c.at >= since).order_by(calls_t.c.at)
                )
            ).all()
        return [
            {"call_sid": r.call_sid, "phone": r.phone, "at": _aware(r.at), "record": r.record}
            for r in rows
        ]

    async def call(self, call_sid: str) -> dict[str, Any] | None:
        async with self.engine.connect() as conn:
            r = (
                await conn.execute(
                    sa.select(calls_t.c.record).where(calls_t.c.call_sid == call_sid)
                )
            ).first()
        return dict(r.record) if r is not None else None


ORDER_FIELDS = ("number", "customer_id", "status", "carrier", "tracking", "total")
RESYNC_TICKET_IDS = (
    "SELECT setval(pg_get_serial_sequence('tickets', 'id'), (SELECT MAX(id) FROM tickets))"
)


async def _load(conn: AsyncConnection, data: dict[str, Any]) -> None:
    """Fill an empty store; the sample's dates move forward to keep it as recent as it was."""
    shift = date.today() - date.fromisoformat(data.get("as_of", date.today().isoformat()))

    def day(value: str | None) -> date | None:
        return date.fromisoformat(value) + shift if value else None

    await conn.execute(
        sa.insert(products_t),
        [
            {k: p[k] for k in ("sku", "name", "brand", "category", "price", "related")}
            for p in data["products"]
        ],
    )
    await conn.execute(
        sa.insert(variants_t),
        [{"sku": p["sku"], **v} for p in data["products"] for v in p["variants"]],
    )
    await conn.execute(sa.insert(customers_t), data["customers"])
    await conn.execute(
        sa.insert(orders_t),
        [
            {
                **{k: o[k] for k in ORDER_FIELDS},
                "placed_on": day(o["placed_on"]), "eta": day(o["eta"]),
                "delivered_on": day(o["delivered_on"]),
            }
            for o in data["orders"]
        ],
    )  # fmt: skip
    await conn.execute(
        sa.insert(order_lines_t),
        [{"order_number": o["number"], **line} for o in data["orders"] for line in o["lines"]],
    )
    if data.get("carts"):
        await conn.execute(
            sa.insert(carts_t),
            [
                {"id": c["id"], "customer_id": c["customer_id"], "status": c["status"],
                 "updated_on": day(c["updated_on"])}
                for c in data["carts"]
            ],
        )  # fmt: skip
        await conn.execute(
            sa.insert(cart_lines_t),
            [{"cart_id": c["id"], **line} for c in data["carts"] for line in c["lines"]],
        )
    phones = {c["id"]: c["phone"] for c in data["customers"]}
    for t in data.get("tickets", []):
        created = day(t["created_on"]) or date.today()
        await conn.execute(
            sa.insert(tickets_t).values(
                id=t["id"], customer_id=t["customer_id"], phone=phones[t["customer_id"]],
                kind=t["kind"], order_number=t["order_number"], detail=t["detail"],
                status=t["status"], created_at=datetime.combine(created, datetime.min.time(), UTC),
            )
        )  # fmt: skip
    if conn.dialect.name == "postgresql":  # explicit ids above do not advance the sequence
        await conn.execute(sa.text(RESYNC_TICKET_IDS))
