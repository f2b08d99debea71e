"""The retail conversation: what a good store agent does on the phone, from the store's data.

A `Concierge` is one customer's conversation (a call or a chat). It reads the turn's
`Understanding` (voicebot/dialogue/understanding.py: intent and slots, computed once per turn),
acts through audited tools and answers from the `retail` templates in config, so every order
status, price, date and stock it states came from a tool. It asks for a missing slot instead of
guessing, asks before any action that changes data or sends a message, offers at most
`store.max_cross_sell_offers` cross-sells per call, and tracks the call's outcome (intents,
tools, resolved, revenue attributed). It returns None for a turn it has nothing to do with, and
the model answers that one.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from typing import Any, Literal

import structlog
from babel.dates import format_date

from voicebot.config import Settings
from voicebot.dialogue.tools import StoreUnavailable, Tools
from voicebot.dialogue.understanding import Understanding, understand
from voicebot.governance.redaction import redact
from voicebot.store import Customer, Interaction, NewTicket, Order, Product
from voicebot.store.search import ProductQuery

log = structlog.get_logger(__name__)

OPEN_STATUSES = ("en camino", "en preparación")
LOCALE = "es_CO"


def cop(value: int) -> str:
    """$289.900: Colombian thousands separator; speech turns it into words."""
    return f"${value:,}".replace(",", ".")


def spoken_date(day: date | None) -> str:
    return format_date(day, "EEEE d 'de' MMMM", locale=LOCALE) if day else ""


@dataclass
class Outcome:
    """What the conversation achieved, kept with the call record for the KPIs."""

    intents: list[str] = field(default_factory=list)
    resolved: bool = False
    revenue_cop: int = 0
    cross_sell_offers: int = 0
    cross_sell_accepted: bool = False
    cart_recovered: bool = False
    tickets: list[int] = field(default_factory=list)
    store_errors: int = 0
    tool_calls: list[dict[str, Any]] = field(default_factory=list)  # name, ok, ms

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


Action = Literal[
    "ask_order_number",  # waiting for an order number (kind says what for)
    "ask_product",  # waiting for a product description
    "confirm_topic",  # "¿llama por su pedido de…?"
    "confirm_link",  # send a product or cart link
    "confirm_ticket",  # open a return, complaint or callback ticket
]


@dataclass(frozen=True, slots=True)
class Pending:
    """The question the bot asked and what a 'sí' to it does."""

    action: Action
    # order_status | return | product | cart (topics); devolución | queja | llamada (tickets)
    kind: str = ""
    order_number: str | None = None
    sku: str | None = None  # the product of a link offer or of a remembered topic
    cart_id: int | None = None
    revenue: int = 0  # attributed if the caller accepts (cross-sell, cart)
    question: str = ""  # said again when the answer is unclear
    asked: int = 0


class Concierge:
    """One customer's retail conversation; `channel` is voice or chat."""

    def __init__(self, settings: Settings, tools: Tools, phone: str, channel: str) -> None:
        self._s = settings
        self._t = settings.retail
        self.tools = tools
        self.phone = phone
        self.channel = channel
        self.customer: Customer | None = None
        self.outcome = Outcome()
        self.notes: list[str] = []  # redacted lines for memory and the agent's context
        self.refs: list[str] = []  # order:N, product:SKU, return:N; the topic of a later contact
        self.context: list[str] = []  # what the agent sees about this customer
        self._pending: Pending | None = None
        self._asked_more = False  # the last answer ended with "¿algo más?"
        self._last_product: Product | None = None  # what "¿y en rojo?" refers to

    # ---- templates ---------------------------------------------------------------------
    def _say(self, template: str, /, **fields: Any) -> str:
        text: str = getattr(self._t, template)
        values = {"store_name": self._s.store.name, **fields}
        return " ".join(text.format(**values).split())

    def _note(self, template: str, /, **fields: Any) -> str:
        """A line for the agent's context or the customer's memory (`agent_text.memory`)."""
        text: str = getattr(self._s.agent_text.memory, template)
        return " ".join(text.format(**fields).split())

    def _item(self, lines: Any) -> str:
        names = [self._product_name(line.sku) for line in lines][:2]
        return " y ".join(n for n in names if n) or "su compra"

    def _product_name(self, sku: str) -> str:
        p = self.tools.catalog.by_sku.get(sku)
        return _lower_first(p.name) if p else ""

    def _variant(self, query: ProductQuery) -> str:
        size = self._say("variant_size", size=query.size) if query.size else ""
        color = self._say("variant_color", color=query.color) if query.color else ""
        return f"{' ' + size if size else ''}{' ' + color if color else ''}".replace("  ", " ")

    # ---- start -------------------------------------------------------------------------
    async def greeting(self) -> str | None:
        """A greeting for a known customer (by name, about their open order, cart or recent
        chat), or None for the standard one. Remembers what it asked."""
        if not self.phone:
            return None
        try:
            self.customer = await self.tools.customer(self.phone)
            if self.customer is None:
                return None
            c = self.customer
            who = {"salutation": c.salutation, "last_name": c.last_name}
            orders = await self.tools.orders_by_phone(self.phone)
            open_orders = [o for o in orders if o.status in OPEN_STATUSES]
            cart = await self.tools.open_cart(c.id)
            memory = await self.tools.records.recall(self.phone, self._s.store.memory_contacts)
        except StoreUnavailable:
            self.outcome.store_errors += 1
            return None
        consented = "customer_consented" if c.consent_data else "customer_not_consented"
        self.context = [self._note(consented, name=c.name)]
        self.context += [self._note("order", number=o.number, status=o.status) for o in orders[:3]]
        if cart:
            self.context.append(
                self._note("cart", item=self._item(cart.lines), total=cop(cart.total))
            )
        self.context += [
            self._note(
                "previous_contact", channel=m.channel, date=f"{m.at:%Y-%m-%d}", summary=m.summary
            )
            for m in memory
        ]
        if not c.consent_data:
            return None  # no authorisation on record: the standard greeting and the question
        recent = datetime.now(UTC) - timedelta(hours=self._s.store.recent_chat_hours)
        chat = next(
            (m for m in memory if m.channel == "chat" and m.at >= recent and m.intents), None
        )
        if chat is not None and self.channel == "voice":
            topic = _topic_of(chat.intents[0])
            text = self._say("greeting_chat", topic=self._topic(topic), **who)
            self._pending = replace(topic, question=text)
            return text
        if len(open_orders) == 1:
            o = open_orders[0]
            text = self._say("greeting_order", item=self._item(o.lines), **who)
            self._pending = Pending(
                "confirm_topic", kind="order_status", order_number=o.number, question=text
            )
            return text
        if cart is not None and cart.lines:
            text = self._say("greeting_cart", item=self._item(cart.lines), **who)
            self._pending = Pending("confirm_topic", kind="cart", cart_id=cart.id, question=text)
            return text
        return self._say("greeting_known", **who)

    def _topic(self, topic: Pending) -> str:
        if topic.kind == "product":
            return self._say("topic_product", name=self._product_name(topic.sku or ""))
        template = "topic_return" if topic.kind == "return" else "topic_order"
        return self._say(template, number=topic.order_number)

    # ---- turns -------------------------------------------------------------------------
    def closing(self, turn: Understanding | str) -> bool:
        """'No, gracias' right after '¿algo más?': the caller is done."""
        if not self._asked_more:
            return False
        t = _understood(turn)
        return t.answer is False and t.intent is None and t.order_number is None

    async def handle(self, turn: Understanding | str) -> list[str] | None:
        """The answer to one caller turn, or None when the model should answer it. Takes the
        turn's `Understanding` (the dialogue builds it once); a string is understood here."""
        t = _understood(turn)
        try:
            answer = await self._handle(t)
        except StoreUnavailable:
            self.outcome.store_errors += 1
            self._pending = None
            answer = [self._say("store_unavailable")]
        self.outcome.tool_calls = [
            {"name": c.name, "ok": not c.result.startswith("error"), "ms": c.ms}
            for c in self.tools.calls
        ]
        self._asked_more = answer is not None and answer[-1:] == [self._say("anything_else")]
        return answer

    async def _handle(self, t: Understanding) -> list[str] | None:
        pending, self._pending = self._pending, None
        if pending is not None:
            answer = await self._follow_up(pending, t)
            if answer is not None:
                return answer
        intent = t.intent
        if intent is None and t.order_number is not None:
            intent = "order_status"  # a bare number after "¿me da su número de pedido?"
        if intent is None and t.answer is None and self.tools.catalog.mentions_product(t.folded):
            intent = "product_search"  # "un reloj Casio": ASR often drops the "busco"
        if intent is None and t.answer is None and self._about_last_product(t):
            intent = "product_search"  # "¿y en rojo?" after a product
        if intent is None or intent == "store_info":
            # the ops' own words for a known store question; otherwise the model answers
            # from the store facts in its prompt
            return self._faq(t)
        if intent not in self.outcome.intents:
            self.outcome.intents.append(intent)
        if intent == "order_status":
            return await self._order_status(t.order_number)
        if intent == "product_search":
            return await self._product(t.product)
        if intent == "return":
            return await self._return(t.order_number)
        if intent == "complaint":
            return self._complaint(t.order_number)
        if intent == "callback":
            q = self._say("callback_confirm")
            self._pending = Pending("confirm_ticket", kind="llamada", question=q)
            return [q]
        if intent == "cart":
            return await self._cart()
        return None  # send_link without an offer on the table: the model answers

    def _faq(self, t: Understanding) -> list[str] | None:
        entry = next((e for e in self._s.store.faq if t.says(e.cues)), None)
        if entry is None:
            return None
        if "store_info" not in self.outcome.intents:
            self.outcome.intents.append("store_info")
        return [" ".join(entry.answer.split()), self._say("anything_else")]

    async def _follow_up(self, p: Pending, t: Understanding) -> list[str] | None:
        """The caller's answer to the bot's last question; None if they moved on."""
        if p.action == "ask_order_number":
            if t.order_number is not None:
                return await self._by_kind(p.kind, t.order_number)
            if t.phone is not None and p.kind == "order_status":  # "mi número es 320…"
                return await self._order_status(None, phone=t.phone)
            if t.answer is False and p.asked == 0 and self.phone:  # "no lo tengo a mano"
                return await self._by_kind(p.kind, None, by_phone=True)
            return None
        if p.action == "ask_product":
            if t.intent is None:
                return await self._product(t.product)
            return None
        if t.answer is None:
            if t.intent is not None or t.order_number is not None or p.asked >= 1:
                return None  # a new request, or still unclear: the caller moved on
            if self._about_last_product(t):
                return None  # "¿y en rojo?" instead of answering the link offer
            self._pending = replace(p, asked=p.asked + 1)
            return [p.question]
        if t.answer is False:
            if p.action == "confirm_ticket":
                return [self._say("declined"), self._say("anything_else")]
            return [self._say("anything_else")]
        return await self._confirmed(p)

    async def _by_kind(self, kind: str, number: str | None, by_phone: bool = False) -> list[str]:
        if kind == "return":
            return await self._return(number, by_phone=by_phone)
        if kind == "complaint":
            return self._complaint(number)
        return await self._order_status(number, by_phone=by_phone)

    async def _confirmed(self, p: Pending) -> list[str]:
        if p.action == "confirm_topic":
            if p.kind == "cart":
                return await self._cart()
            if p.kind == "product":
                product = self.tools.catalog.by_sku.get(p.sku or "")
                # a product no longer sold: the caller is asked what they are looking for
                return await self._product(ProductQuery(product.name if product else ""))
            return await self._by_kind(p.kind, p.order_number)
        if p.action == "confirm_link":
            return await self._send_link(p)
        return await self._open_ticket(p)

    # ---- orders --------------------------------------------------------------------------
    async def _order_status(
        self, number: str | None, by_phone: bool = True, phone: str | None = None
    ) -> list[str]:
        phone = phone or self.phone
        if number is None:
            found = await self._single_open_order(phone) if by_phone and phone else None
            if isinstance(found, int):
                q = self._say("order_several", count=found)
                self._pending = Pending("ask_order_number", kind="order_status", question=q)
                return [q]
            if found is None:
                q = self._say("order_ask_number")
                self._pending = Pending(
                    "ask_order_number", kind="order_status", question=q, asked=int(by_phone)
                )
                return [q]
            order = found
        else:
            looked_up = await self.tools.order_status(number)
            if looked_up is None:
                q = self._say("order_not_found", number=number)
                self._pending = Pending(
                    "ask_order_number", kind="order_status", question=q, asked=1
                )
                self.notes.append(self._note("order_not_found", number=number))
                return [q]
            order = looked_up
        self._ref(f"order:{order.number}")
        self.outcome.resolved = True
        self.notes.append(self._note("order_checked", number=order.number, status=order.status))
        return [self._status_sentence(order), *self._after_order(order)]

    async def _single_open_order(self, phone: str) -> Order | int | None:
        """The only open order for a phone, the count when several, None when none."""
        orders = await self.tools.orders_by_phone(phone)
        open_orders = [o for o in orders if o.status in OPEN_STATUSES]
        if len(open_orders) == 1:
            return open_orders[0]
        return len(open_orders) if open_orders else None

    def _status_sentence(self, o: Order) -> str:
        fields = {"number": o.number, "item": self._item(o.lines), "carrier": o.carrier,
                  "eta": spoken_date(o.eta), "delivered": spoken_date(o.delivered_on)}  # fmt: skip
        template = {
            "en camino": "order_in_transit",
            "en preparación": "order_preparing",
            "entregado": "order_delivered",
        }.get(o.status, "order_cancelled")
        return self._say(template, **fields)

    def _after_order(self, order: Order) -> list[str]:
        """Cross-sell after a post-sale answer: one related item in stock, once per call."""
        if self.outcome.cross_sell_offers >= self._s.store.max_cross_sell_offers or not order.lines:
            return [self._say("anything_else")]
        bought = self.tools.catalog.by_sku.get(order.lines[0].sku)
        offer = self.tools.catalog.related(bought) if bought else None
        if offer is None or bought is None:
            return [self._say("anything_else")]
        self.outcome.cross_sell_offers += 1
        q = self._say("cross_sell", item=_lower_first(bought.name), name=_lower_first(offer.name),
                      price=cop(offer.price))  # fmt: skip
        self._pending = Pending(
            "confirm_link", kind="product", sku=offer.sku, revenue=offer.price, question=q
        )
        return [q]

    # ---- products ------------------------------------------------------------------------
    def _about_last_product(self, t: Understanding) -> bool:
        """A colour or size alone, after a product: the same kind of item in that variant."""
        return self._last_product is not None and bool(t.product.color or t.product.size)

    async def _product(self, query: ProductQuery) -> list[str]:
        hits = await self.tools.search(query) if query.terms.strip() else []
        if not hits and self._last_product is not None and (query.color or query.size):
            # "¿y en rojo?", or the noun lost by ASR: the kind of item just talked about
            query = replace(query, terms=self._last_product.category)
            hits = await self.tools.search(query)
        if not hits:
            q = self._say("product_none" if query.terms.strip() else "product_ask")
            self._pending = Pending("ask_product", question=q)
            return [q]
        best = hits[0]
        self._last_product = best.product
        self._ref(f"product:{best.product.sku}")
        variant = self._variant(query)
        if best.available > 0 and best.within_budget:
            self.outcome.resolved = True
            self.notes.append(self._note("product_available", name=best.product.name))
            return [
                self._say("product_found", name=_lower_first(best.product.name), variant=variant,
                          price=cop(best.product.price)),
                self._offer_link(best.product),
            ]  # fmt: skip
        out = self._say(
            "product_out_of_stock", name=_lower_first(best.product.name), variant=variant
        )
        alternative = self.tools.catalog.alternative(best.product, query)
        self.notes.append(
            self._note("product_out_of_stock", name=best.product.name, variant=variant)
        )
        if alternative is None:
            others = [c for c in best.product.colors if best.product.stock(query.size, c) > 0]
            if not (query.color and others):
                return [out, self._say("anything_else")]
            self.outcome.resolved = True  # the same item in the colours that are in stock
            colors = " y ".join(others[:3])
            return [
                out,
                self._say("product_other_colors", colors=colors, price=cop(best.product.price)),
                self._offer_link(best.product),
            ]
        self.outcome.resolved = True
        alt = self._say("product_alternative", name=_lower_first(alternative.name), variant=variant,
                        price=cop(alternative.price))  # fmt: skip
        return [out, alt, self._offer_link(alternative)]

    def _offer_link(self, product: Product) -> str:
        q = self._say("offer_link")
        self._pending = Pending("confirm_link", kind="product", sku=product.sku, question=q)
        return q

    # ---- cart, links -----------------------------------------------------------------------
    async def _cart(self) -> list[str]:
        cart = await self.tools.open_cart(self.customer.id) if self.customer else None
        if cart is None or not cart.lines:
            return [self._say("cart_none")]
        q = self._say("cart_reminder", item=self._item(cart.lines), price=cop(cart.total))
        self._pending = Pending(
            "confirm_link", kind="cart", cart_id=cart.id, revenue=cart.total, question=q
        )
        return [q]

    async def _send_link(self, p: Pending) -> list[str]:
        shop = self._s.store.shop_url.rstrip("/")
        if p.kind == "cart":
            url = f"{shop}/carrito/{p.cart_id}"
            body = self._say("sms_cart", url=url)
        else:
            product = self.tools.catalog.by_sku[p.sku or ""]
            url = f"{shop}/p/{product.sku}"
            body = self._say("sms_product", name=product.name, price=cop(product.price), url=url)
        if self.channel == "chat":
            reply = self._say("link_chat", url=url)
        else:
            try:
                await self.tools.send_sms(self.phone, body)
            except (StoreUnavailable, ValueError):
                return [self._say("link_failed")]
            reply = self._say("link_sent", last4=self.phone[-4:])
        self.outcome.resolved = True
        if p.kind == "cart":
            self.outcome.cart_recovered = True
            self.notes.append(self._note("cart_link_sent"))
        elif p.revenue:
            self.outcome.cross_sell_accepted = True
            self.notes.append(self._note("cross_sell_accepted"))
        self.outcome.revenue_cop += p.revenue
        return [reply, self._say("anything_else")]

    # ---- tickets -------------------------------------------------------------------------------
    async def _return(self, number: str | None, by_phone: bool = True) -> list[str]:
        order: Order | None = None
        if number is not None:
            order = await self.tools.order_status(number)
            if order is None:
                q = self._say("order_not_found", number=number)
                self._pending = Pending("ask_order_number", kind="return", question=q, asked=1)
                return [q]
        elif by_phone and self.phone:
            delivered = [
                o for o in await self.tools.orders_by_phone(self.phone) if o.status == "entregado"
            ]
            order = delivered[0] if delivered else None
        if order is None:
            q = self._say("return_ask_order")
            self._pending = Pending("ask_order_number", kind="return", question=q)
            return [q]
        self._ref(f"return:{order.number}")
        if order.delivered_on is None:
            return [
                self._say("return_not_delivered", number=order.number),
                self._say("anything_else"),
            ]
        if (date.today() - order.delivered_on).days > self._s.store.return_days:
            self.notes.append(self._note("return_expired", number=order.number))
            return [
                self._say("return_expired", number=order.number, days=self._s.store.return_days)
            ]
        q = self._say("return_confirm", number=order.number, item=self._item(order.lines))
        self._pending = Pending(
            "confirm_ticket", kind="devolución", order_number=order.number, question=q
        )
        return [q]

    def _complaint(self, number: str | None) -> list[str]:
        q = (self._say("complaint_confirm_order", number=number) if number
             else self._say("complaint_confirm"))  # fmt: skip
        self._pending = Pending("confirm_ticket", kind="queja", order_number=number, question=q)
        return [q]

    async def _open_ticket(self, p: Pending) -> list[str]:
        ticket = await self.tools.create_ticket(
            NewTicket(
                kind=p.kind, phone=self.phone or "desconocido", order_number=p.order_number,
                customer_id=self.customer.id if self.customer else None,
                detail=redact(self._note("ticket_detail", channel=self.channel)),
            )
        )  # fmt: skip
        self.outcome.tickets.append(ticket.id)
        self.outcome.resolved = True
        self.notes.append(self._note("ticket_opened", ticket=ticket.id, kind=p.kind))
        said = [self._say("ticket_created", ticket=ticket.id)]
        if self.channel == "voice" and self.phone and self.tools.sms is not None:
            body = self._say("sms_ticket", ticket=ticket.id, kind=p.kind)
            try:
                await self.tools.send_sms(self.phone, body)
                said.append(self._say("ticket_sms_sent"))
            except (StoreUnavailable, ValueError):
                pass  # the caller has the number; no promise of a message
        return [*said, self._say("anything_else")]

    # ---- memory --------------------------------------------------------------------------------
    def _ref(self, ref: str) -> None:
        if ref in self.refs:
            self.refs.remove(ref)
        self.refs.insert(0, ref)

    def interaction(self) -> Interaction | None:
        """What to remember of this contact; None when there is nothing or no consent
        (only customers who authorised data processing are remembered)."""
        if not self.notes or self.customer is None or not self.customer.consent_data:
            return None
        summary = redact(" ".join(self.notes[-4:]))
        return Interaction(
            self.phone, self.channel, datetime.now(UTC), summary, tuple(self.refs[:3])
        )


def _understood(turn: Understanding | str) -> Understanding:
    return turn if isinstance(turn, Understanding) else understand(turn)


def _topic_of(ref: str) -> Pending:
    """The question about a remembered reference (order:N, return:N, product:SKU)."""
    kind, _, value = ref.partition(":")
    if kind == "product":
        return Pending("confirm_topic", kind="product", sku=value)
    kind = "return" if kind == "return" else "order_status"
    return Pending("confirm_topic", kind=kind, order_number=value or None)


def _lower_first(name: str) -> str:
    """'Zapatillas Adidas Runfalcon' -> 'zapatillas Adidas Runfalcon' inside a sentence."""
    return name[:1].lower() + name[1:] if name else name
