"""The retail conversation: what a good store agent does on the phone, from the store's data.

A `Concierge` is one customer's conversation (a call or a chat). It reads the turn's
`Understanding` (voicebot/dialogue/understanding.py: intent and slots, computed once per turn),
acts through audited tools and answers from the `retail` templates in config, so every order
status, price, date and stock it states came from a tool. It asks for a missing slot instead of
guessing, asks before any action that changes data or sends a message, offers at most
`store.max_cross_sell_offers` cross-sells per call, and tracks the call's outcome (intents,
tools, resolved, revenue attributed). It returns None for a turn it has nothing to do with, and
the model answers that one.

Dialogue state: `Pending` is the question the bot asked (an order number, a confirmation, a
product, a number read back, a person offered) and what an answer to it does; the last product
talked about is what "¿cuánto cuesta?" or "¿y en negro?" refers to. A slot the caller could not
give is asked again once, in other words, then a person is offered. Card data said aloud is
never taken: the caller hears why and is offered the payment link.
"""

from __future__ import annotations

import copy
import re
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from itertools import pairwise
from typing import Any, Literal

import structlog
from babel.dates import format_date
from rapidfuzz import fuzz

from voicebot.config import FaqEntry, Settings
from voicebot.dialogue.tools import StoreUnavailable, Tools
from voicebot.dialogue.understanding import (
    ACKNOWLEDGED,
    COLORS,
    COST_WORDS,
    UNSURE,
    RetailIntent,
    Understanding,
    amount,
    asks_for_link,
    clock_hour,
    opens_with_statement,
    understand,
    weekday_named,
)
from voicebot.dialogue.understanding import color as colour_named
from voicebot.dialogue.understanding import size as size_named
from voicebot.governance.redaction import redact
from voicebot.handoff.rules import opening_span
from voicebot.store import Customer, Interaction, NewTicket, Order, Product
from voicebot.store.search import STOPWORDS, Hit, ProductQuery, sound
from voicebot.text import fold, has_phrase, numbers, only_digits

log = structlog.get_logger(__name__)

OPEN_STATUSES = ("en camino", "en preparación")
# Twilio's StirVerstat for a full STIR/SHAKEN attestation: the originating carrier vouches
# that the caller may use the number (B and C do not; most calls from Colombia carry none)
ATTESTED = "TN-Validation-Passed-A"


def caller_id_proven(trust: str, channel: str, verstat: str) -> bool:
    """The customer's number this conversation comes with is the caller's own: a chat's
    comes from its channel; a phone call's caller ID only with Twilio's "A" attestation, or
    when ops trust every caller ID (`governance.caller_id_trust: always`)."""
    return channel != "voice" or trust == "always" or verstat == ATTESTED


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
    "ask_phone",  # waiting for the number to call back
    "ask_when",  # waiting for a call back's time within business hours
    "confirm_topic",  # "¿llama por su pedido de…?"
    "confirm_link",  # send a product, cart or payment link
    "confirm_ticket",  # open a return, complaint or callback ticket
    "confirm_number",  # an uncertain order number read back
    "offer_person",  # "¿quiere que le comunique con un asesor?": a yes is a transfer
    "verify_phone",  # the last four digits of the order's phone, before its details
]


@dataclass(frozen=True, slots=True)
class Pending:
    """The question the bot asked and what a 'sí' to it does."""

    action: Action
    # order_status | return | complaint | product | cart (topics, order-number slots);
    # devolución | queja | llamada (tickets); product | cart | payment (links)
    kind: str = ""
    order_number: str | None = None
    phone: str | None = None  # the number a callback ticket is for, when not the caller's
    sku: str | None = None  # the product of a link offer or of a remembered topic
    cart_id: int | None = None
    revenue: int = 0  # attributed if the caller accepts (cross-sell, cart)
    question: str = ""  # said again when the answer is unclear
    asked: int = 0
    when: str | None = None  # a call back's time, as the caller asked it
    cross_sell: bool = False  # an offer the caller did not ask for: only a clear yes takes it


class Concierge:
    """One customer's retail conversation; `channel` is voice or chat."""

    def __init__(
        self, settings: Settings, tools: Tools, phone: str, channel: str, verstat: str = ""
    ) -> None:
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
        self._opened: int | None = None  # the ticket the last answer registered
        # (kind, order number) -> the ticket this call opened for it: ("queja", "45345") -> 708
        self._filed: dict[tuple[str | None, str | None], int] = {}
        self._last_product: Product | None = None  # what "¿y en rojo?" refers to
        self._offered: Product | None = None  # the product of the link offer just answered
        # the kind of item talked about last (its brands may have been listed without a
        # product): what "las Nike" refers to
        self._kind: str | None = None
        self._kind_words: list[str] = []  # its type said with it ("de vaso de vidrio")
        self._last_query: ProductQuery | None = None  # its size and colour as last asked
        self._misses: dict[str, int] = {}  # per slot (order, product): answers that missed
        self._verified: set[str] = set()  # orders whose owner this caller proved to be
        self._partial_number = ""  # the first digits of an order number said in two turns
        self._frustrated = False  # the caller sounded frustrated once (`takes_complaint`)
        # the details of an order the caller asked for ("¿y la guía?", "¿qué trae?", "¿cuánto
        # fue?", "¿con qué empresa?"): said with the order once it is found
        self._details_asked: set[OrderDetail] = set()
        # "figura entregado pero no me ha llegado": a delivered status is no answer by itself
        self._not_received = False
        self._upset = False  # the call leaned to a complaint: no cross-sell after it
        self._waited = False  # this turn says an order is long awaited
        self._status_asked = False  # this turn asks how the order goes ("¿en qué va?")
        self._lapsed: Pending | None = None  # the last link offered, whatever came after it
        self._compared: Product | None = None  # the product talked about before the last one
        self._told_order: str | None = None  # the order told last: what "¿y la guía?" is about
        self._elsewhere = False  # the last answer was that the store does not handle that
        # the store question the last turn answered ("¿y el domingo?" after the hours)
        self._last_faq: FaqEntry | None = None
        self._faq_said = False
        self._spent: int | None = None  # the sum the last shipping answer was for
        self._in_sum: set[str] = set()  # the products whose price that sum holds
        # how many of a product the caller wants ("son cinco, pa' mis sobrinos"): what "¿cuánto
        # me salen en total?" and the shipping answer count
        self._wanted: tuple[str, int] | None = None
        gov = settings.governance
        # what the caller ID alone may open: the orders, cart and greeting of its customer
        self.phone_proven = not gov.verify_order_identity or caller_id_proven(
            gov.caller_id_trust, channel, verstat
        )

    # ---- a reply withdrawn unheard ----------------------------------------------------------
    def snapshot(self) -> dict[str, Any]:
        """The conversation's state (what was asked, what "it" is), to go back to when the
        reply that changed it is withdrawn before a word was heard (`restore`)."""
        return {name: copy.copy(getattr(self, name)) for name in _STATE}

    def restore(self, state: dict[str, Any]) -> None:
        """Back to a `snapshot`: the caller went on before hearing the reply ("¿trabajan con
        tarjeta de crédito?" … "quiero hacer una compra"), so its question, never heard, is
        not pending; both parts are answered together from here."""
        for name, value in state.items():
            setattr(self, name, copy.copy(value))

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
        if not self.phone_proven:
            self.context.append(self._note("caller_id_unverified"))
            return None  # a caller ID anyone could send: no name, order or cart said aloud
        if not c.consent_data:
            return None  # no authorisation on record: the standard greeting and the question
        recent = datetime.now(UTC) - timedelta(hours=self._s.store.recent_chat_hours)
        chat = next(
            (m for m in memory if m.channel == "chat" and m.at >= recent and m.intents), None
        )
        if chat is not None and self.channel == "voice":
            topic = _topic_of(chat.intents[0])
            text = self._say("greeting_chat", topic=self._topic(topic), **who)
            self._pending = replace(topic, question=_last_question(text))
            return text
        if len(open_orders) == 1:
            o = open_orders[0]
            text = self._say("greeting_order", item=self._item(o.lines), **who)
            self._pending = Pending(
                "confirm_topic",
                kind="order_status",
                order_number=o.number,
                question=_last_question(text),
            )
            return text
        if cart is not None and cart.lines:
            text = self._say("greeting_cart", item=self._item(cart.lines), **who)
            self._pending = Pending(
                "confirm_topic", kind="cart", cart_id=cart.id, question=_last_question(text)
            )
            return text
        return self._say("greeting_known", **who)

    def _topic(self, topic: Pending) -> str:
        if topic.kind == "product":
            return self._say("topic_product", name=self._product_name(topic.sku or ""))
        template = "topic_return" if topic.kind == "return" else "topic_order"
        return self._say(template, number=topic.order_number)

    # ---- turns -------------------------------------------------------------------------
    def closing(self, turn: Understanding | str) -> bool:
        """'No, gracias' right after '¿algo más?', or thanks and goodbye when no question is
        open (or only an offer, which thanks declines): the caller is done."""
        t = _understood(turn)
        p = self._pending
        offer = p is None or p.action in ("confirm_link", "offer_person")
        if t.intent == "goodbye" and t.order_number is None:
            # "bueno, ya, y eso lo trae qué empresa" after an order's status: a question about
            # it, though the model hears "bueno, ya" as a goodbye
            about_order = self._told_order is not None and t.says(_ORDER_DETAILS)
            return offer and not about_order
        # "entonces le digo a ella que llame con el número. Muchas gracias.": a plan of the
        # caller's own, then thanks to end it (not "sí, gracias" to the offer)
        asked = [q for q in re.findall(r"([^¿?.!]*)\?", t.text) if len(q.split()) > 2]
        thanked = re.search(r"\bgracias\W*$", t.text.lower()) is not None and not asked
        # "y de paso, ya no quiero que me manden publicidad. Gracias.": a request, thanked
        errand = t.intent == "complaint" or (
            t.intent == "data_rights" and t.says([*_ADVERTISING, "datos", "informacion"])
        )
        if thanked and offer and t.answer is None and len(t.folded.split()) > 4 and not errand:
            return t.order_number is None and p is not None
        if not self._asked_more:
            return False
        return t.answer is False and t.intent is None and t.order_number is None

    def accepts_person(self, turn: Understanding | str) -> bool:
        """A yes to the bot's offer of a person: the dialogue transfers the call."""
        p = self._pending
        t = _understood(turn)
        if t.order_number is not None or (
            p and p.order_number and _same_number(t.digits, p.order_number)
        ):
            # "sí, el pedido es el 45731": a yes that carries an order is an answer about it,
            # not consent to a transfer
            return False
        return p is not None and p.action == "offer_person" and t.answer is True

    def takes_complaint(self, turn: Understanding) -> bool:
        """A frustrated caller's first concrete complaint ("qué rabia, me llegó la licuadora
        con el vaso partido") is the complaint path's (an apology, then the ticket) rather
        than a transfer: the store can act on it now. Frustration again, or with no concrete
        complaint, is a person's."""
        if turn.rule != "frustration":
            return False
        first, self._frustrated = not self._frustrated, True
        if not (first and turn.intent == "complaint" and self._s.handoff.complaint_before_transfer):
            return False
        # concrete: it names the item or the order, or follows the order just told ("¡tres
        # meses!"): something the ticket can hold
        return (
            turn.order_number is not None
            or self._told_order is not None
            or self.tools.catalog.mentions_product(turn.folded)
        )

    async def confirmed_on_leaving(self, turn: Understanding) -> list[str]:
        """A yes to an open confirmation said with goodbye ("sí, ese es. Bueno, muchas
        gracias, hasta luego"): what it confirms is done and said, without asking for more."""
        p = self._pending
        if (
            turn.answer is not True
            or p is None
            or p.action not in ("confirm_link", "confirm_ticket")
        ):
            return []
        answer = await self.handle(turn) or []
        return [s for s in answer if s != self._say("anything_else")]

    @property
    def asking(self) -> bool:
        """The bot asked something the next turn may answer."""
        return self._pending is not None

    def offered_person(self, question: str) -> None:
        """The bot offered a person in a phrase of its own (`model_busy`): a yes transfers."""
        self._pending = Pending("offer_person", question=question)

    def expect_order_number(self) -> None:
        """The bot asked for an order number in its own words (the model's guard phrase): the
        next turn's number is answered as an order, not as whatever else it mentions."""
        self._pending = Pending("ask_order_number", kind="order_status", asked=1)

    async def handle(self, turn: Understanding | str) -> list[str] | None:
        """The answer to one caller turn, or None when the model should answer it. Takes the
        turn's `Understanding` (the dialogue builds it once); a string is understood here."""
        t = _understood(turn)
        self._faq_said = False
        # a ticket still to confirm ("¿confirma que registro su queja?") stays on the table
        pending = self._pending
        unsettled = pending if pending and pending.action == "confirm_ticket" else None
        before = self._last_product
        try:
            answer = self._still_to_confirm(unsettled, await self._handle(t))
            if before is not None and self._last_product not in (None, before):
                self._compared = before  # "¿cuánto más caro que el deportivo?" next
            if (count := _quantity(t.digits)) and self._last_product is not None:
                self._wanted = (self._last_product.sku, count)
            if answer is not None:
                answer = self._and_also(t, answer)
            if not self._faq_said:
                self._last_faq = None  # only the next turn may follow a store answer up
            # only the next turn may ask where else ("¿y dónde lo puedo pagar?")
            self._elsewhere = answer is not None and answer[:1] == [self._s.phrase("out_of_scope")]
        except StoreUnavailable:
            self.outcome.store_errors += 1
            self._pending = None
            answer = [self._say("store_unavailable")]
        self.outcome.tool_calls = [
            {"name": c.name, "ok": not c.result.startswith("error"), "ms": c.ms}
            for c in self.tools.calls
        ]
        self._asked_more = answer is not None and answer[-1:] == [self._say("anything_else")]
        # a sentence may open with a product's name, lower-cased to sit mid-sentence
        return None if answer is None else [s[:1].upper() + s[1:] for s in answer]

    def _still_to_confirm(
        self, unsettled: Pending | None, answer: list[str] | None
    ) -> list[str] | None:
        """ "¿Y sí tienen la verde todavía?" before the complaint is confirmed: the stock, then
        the ticket's question again instead of a link offer (no sale over an open ticket)."""
        offer = self._pending
        if unsettled is None or not answer or offer is None or offer.action != "confirm_link":
            return answer
        if answer[-1] != offer.question or (unsettled.kind, unsettled.order_number) in self._filed:
            return answer  # the ticket was registered by this very turn
        self._pending = unsettled
        return [*answer[:-1], _last_question(unsettled.question)]  # said once: "Lamento…"

    async def _handle(self, t: Understanding) -> list[str] | None:
        pending, self._pending = self._pending, None
        # the product whose link was just offered (an alternative, maybe): what "¿y el envío
        # cuánto me vale?" is about; not a cross-sell's ("¿y por mandarla allá me cobran?" is
        # about the order told)
        link = pending is not None and pending.action == "confirm_link"
        offered = pending.sku if pending and link and not pending.cross_sell else None
        self._offered = self.tools.catalog.by_sku.get(offered or "")
        if pending is not None and pending.action == "confirm_link":
            self._lapsed = pending  # "mándeme el link" later, once the talk moved on: this one
        opened, self._opened = self._opened, None
        if opened is not None and t.answer is True and t.says(_CONFIRMING) and t.intent is None:
            # "sí, confirmo" after "quedó registrada… ¿algo más?": the caller confirms what
            # is done already, not something new; it is said again with its number
            return [self._say("ticket_confirmed", ticket=opened), self._say("anything_else")]
        if t.card:
            self._partial_number = ""
            return self._card_refused()  # before any follow-up: the digits are no answer
        t = self._joined_number(t, pending)
        # (a number being read back is no order found: "no, es el 45721" corrects it)
        found = pending.order_number if pending and pending.action != "confirm_number" else None
        for number in (self._told_order, found):
            if number and t.order_number not in (None, number) and _same_number(t.digits, number):
                # "ya, aquí está: 466400": the order just told, or the one being confirmed
                t = replace(t, order_number=number)
        t = await self._own_number(t)
        t = self._bare_size(self._brand_colour_dropped(t))
        self._details_asked |= {d for d, cues in _DETAIL_CUES.items() if t.says(cues)}
        self._not_received = self._not_received or t.says(_NOT_RECEIVED)
        # no sale offered to a caller who leans to a complaint ("hace tres meses y nada")
        # an open order the caller says is long awaited: sorry for the wait with its status
        self._waited = t.says(_STILL_WAITING) or t.says(_NOT_RECEIVED)
        self._status_asked = t.says(_STATUS_ASKED)
        # once upset, the caller hears no sales pitch for the rest of the call either
        self._upset = self._upset or t.leaning == "complaint" or self._waited
        if pending is not None and pending.action == "confirm_ticket":
            # "¿y sí tienen la verde todavía?" before a complaint or return is confirmed: the
            # order's item, whose name the ASR may have lost, is what it asks about
            t = await self._item_of_told_order(t)
        if pending is not None:
            answer = await self._follow_up(pending, t)
            if answer is not None and pending.action.startswith("confirm"):
                # "Sí, déjela tramitada. ¿Y necesito la factura?": the question answered too
                return self._with_store_answer(_added_question(t.text), answer)
            if answer is not None:
                return answer
        if t.folded in ACKNOWLEDGED:
            # "¡Ah, ya!" after an answer: noted; the caller may go on (no search, no goodbye)
            return [self._say("anything_else")]
        if t.says(_PRAISE) and t.order_number is None and not t.says(_BUT):
            # "no, nada, solo llamaba a darles las gracias, llegó rapidísimo": thanks for the
            # thanks ("no, nada" reads as trouble to the complaint rule)
            self._upset = False
            return [self._say("praise_thanks"), self._say("anything_else")]
        if t.intent == "other_language":
            return self._offer_person_with("other_language")
        t = await self._item_of_told_order(t)
        if (built_on := self._on_the_shipping_answer(t)) is not None:
            return built_on
        last = self._last_product
        if last is not None and self._compared is not None and t.says(_PRICE_GAP):
            return self._price_gap(last, self._compared)
        # "¿y la de alta potencia?" names another model of that kind: its own route below
        other = last is not None and self.tools.catalog.sibling(last, t.folded) is not None
        if last is not None and self._about_it(t) and t.says(_OPTIONS):
            # "¿cuál me recomienda?"; "que sea de alta potencia, ¿cuáles tiene?" (a model word)
            return self._options(last, t)
        if last is not None and not other and self._about_it(t):
            # about the product just talked about: "¿qué colores hay?", "la más barata"
            if t.says(_COLOR_QUESTION):
                # "¿y en qué otro color hay dos?": those with as many left
                return self._in_stock(last, "colors", least=_quantity(t.digits) or 1)
            if t.says(_SIZE_QUESTION):
                return self._in_stock(last, "sizes", least=_quantity(t.digits) or 1)
            if t.says(_CHEAPER):
                return await self._cheaper(last, t.product, among=t.says(_AMONG_THOSE))
            if _asks_units(t):
                return self._units(last, t)
            if t.says(_DETAILS):
                # the catalogue knows price, sizes, colours and stock: nothing else is made up
                said = self._say("product_details", name=_lower_first(last.name))
                return [said, self._offer_link(last)]
        if last is not None and other and t.says(_CHEAPER) and t.order_number is None:
            # "mejor uno escolar, ¿cuál es el escolar más económico?" after the laptop backpack:
            # the cheapest of that model word in the same kind
            if t.intent in _LOOSE and (
                cheapest := self._cheapest_in_stock(last.category, t.product)
            ):
                return await self._product(replace(t.product, terms=cheapest.name), same=cheapest)
        names_product = self.tools.catalog.mentions_product(t.folded)
        if t.says(_UNKNOWABLE) and (names_product or last is not None):
            # "¿me cobran la instalación de la licuadora?": about an item, not a search for
            # one, and nothing the store's data answers: said so, with a person to confirm
            return self._offer_person(self._say("detail_unknown"))
        called_back = t.callback and t.when is not None  # "¿me pueden llamar el sábado a las 10?"
        if names_product and t.order_number is None and self._asks_fate(t) and not called_back:
            # "¿qué pasó con la licuadora Oster?" from a customer who ordered one: that order
            held = await self._order_holding(t.product)
            if held is not None:
                self._intent("order_status")
                if not self._may_disclose(held):
                    return self._ask_identity("order_status", held)
                return self._order_told(held)
        if names_product and self._told_order and t.says(_SAME_ORDER):
            # "¿y la gorra New Era también va en ese mismo pedido, o me llega aparte?"
            together = await self._together(self._told_order, t.product)
            if together is not None:
                return together
        if names_product and self._told_order and not _asks(t) and not t.says(_WANTS):
            # "Es una correa Arturo Calle blanca" after that order's status: which item it is,
            # not a wish for another one
            told = await self.tools.order_status(self._told_order)
            hits = self.tools.catalog.search(t.product)
            best = hits[0].product.sku if hits else None
            if told is not None and not t.says(_OTHER_ONES):
                if any(ln.sku == best for ln in told.lines):
                    return self._order_told(told)
            # "y las otras botas, las Vélez de trekking": another order of the caller's
            held = await self._own_order_holding(t.product)
            if held is not None and held.number != self._told_order:
                return self._order_told(held)
        twin = self._told_order and t.says(_ANOTHER_ORDER) and not names_product
        if twin and t.intent in _LOOSE_ORDER and (t.product.size or t.product.color):
            # "¿y la otra, la talla S? Esa la pedí aparte" after the XL one's order
            if (twin_order := await self._twin_order(t)) is not None:
                self._intent("order_status")
                return self._order_told(twin_order)
        if self._elsewhere and t.says(_WHERE_ELSE) and not names_product and t.order_number is None:
            # "¿y usted no sabe dónde lo puedo pagar?" after "con eso no le puedo ayudar"
            return [self._say("out_of_scope_elsewhere"), self._say("anything_else")]
        if t.says(_OTHER_GOODS) and not names_product:
            # "¿ustedes venden celulares? se me dañó el mío": goods the store does not sell,
            # said with what it does sell (no complaint, no search)
            self._intent("product_search")
            return [self._say("product_none")]
        if t.says(_NOTHING_NEEDED) and t.order_number is None:
            # "mi hija ya las pidió por la página, entonces ya no necesito nada": fine
            return [self._say("nothing_needed"), self._say("anything_else")]
        intent = self._route(t, names_product)
        if names_product and intent in ("store_info", "shipping", "payment") and t.says(_BUYING):
            # "quiero comprar un morral Totto escolar, ¿se puede pagar contraentrega?": the
            # store's answer, and the morral is what "¿cuánto me sale con el envío?" is about
            hits = self.tools.catalog.search(t.product)
            self._last_product = hits[0].product if hits else self._last_product
        if intent == "out_of_scope" and self._sure_elsewhere(t):
            self._intent("out_of_scope")
            return [self._s.phrase("out_of_scope")]
        if intent in (None, "store_info", "shipping", "out_of_scope"):
            # the ops' own words for a known store question; otherwise the model answers from
            # the store facts in its prompt, or the caller hears what the store can do
            answer = self._faq(t, intent)
            if answer is None and intent == "out_of_scope":
                self._intent("out_of_scope")
                return [self._s.phrase("out_of_scope")]
            return answer
        if intent in ("person", "goodbye"):
            return None  # the dialogue's: a transfer or the farewell
        self._intent(intent)
        if intent == "order_status" and t.order_number is None and t.says(_NEW_ORDER):
            # "quiero hacer un pedido por teléfono": a purchase; which product, unless named
            self._intent("product_search")
            return await self._product(t.product if names_product else ProductQuery(""))
        if intent == "order_status":
            # "¿y el número de guía?" after an order was told: that order, unless another
            another = t.says(_ANOTHER_ORDER)
            same = None if another else self._told_order
            # "un bolsobel es negro de esos manos libres que había pedido aparte": another
            # order's item, named too loosely to count as a product, still picks the order
            named = another or self.tools.catalog.mentions_product(t.folded)
            item = t.product if named else None
            if same is not None and item is not None and not await self._holds(same, item):
                same = None  # "¿y la chaqueta Columbia?": an item the order told does not hold
            return await self._order_status(t.order_number or same, item=item)
        if intent == "product_search":
            return await self._product_search(t, names_product)
        if intent in ("price", "stock"):
            return await self._about_product(intent, t)
        if intent == "payment":
            return self._payment(t)
        if intent == "data_rights":
            # "ya no quiero que me manden publicidad": the way out of advertising
            no_ads = t.says(_ADVERTISING) and (t.says(_REFUSING) or t.answer is False)
            return self._offer_person_with("data_rights_no_ads" if no_ads else "data_rights")
        if intent == "return":
            # "¿hasta cuándo puedo devolver…?" asks for the policy as much as for a return;
            # "¿cuánto tiempo tiene uno para devolver algo?", naming nothing, asks only for it:
            # the policy, then which order (not the caller's last delivery, unasked)
            rule = self._faq_entry(t, None)  # a cue said, not the intent's fallback entry
            general = rule is not None and rule.intent == "return"
            policy = _asks(t)
            only = policy and general and not self.tools.catalog.mentions_product(t.folded)
            alike = t.says(_ALIKE) and (t.product.size or t.product.color) and not names_product
            if alike and self._last_product is not None and t.order_number is None:
                # "¿y si tiene otra igualita, gris, talla S, para que me la cambien?": the
                # stock of that item (no sale offered), then the exchange
                stock = await self._about_product("stock", t)
                if self._pending is not None and self._pending.action == "confirm_link":
                    stock = stock[:-1]
                return [*stock, *await self._return(None, said=t)]
            return await self._return(t.order_number, by_phone=not only, policy=policy, said=t)
        if intent == "complaint":
            # "¡tres meses! quiero poner una queja" right after an order's status: that order;
            # "la cafetera Imusa que me llegó vino partida": the caller's order holding it
            number = t.order_number or self._told_order
            if number is None and names_product:
                held = await self._own_order_holding(t.product)
                if held is not None and held.status == "cancelado":
                    # "nunca me llegó, ¿qué pasó con eso?" of a cancelled order: what became
                    # of it comes first (a complaint on it is the caller's next step)
                    return self._order_told(held)
                number = held.number if held is not None else None
                if held is not None:
                    self._named_in(held, t)  # "quiero otro igualito, en 32" next is about it
            return self._complaint(number)
        if intent == "callback":
            # "llámenme al 310…": that number; "…pero a otro número": asked for
            return self._callback(t.phone, elsewhere=t.says(_ANOTHER_PHONE), when=t.when)
        if intent == "cart":
            return await self._cart_asked(t)
        if intent == "send_link" and self._lapsed is not None and t.answer is not False:
            # "listo, entonces mándeme el link pa' pagar" after a store question let the cart's
            # offer lapse: the link of the last offer made
            offer, self._lapsed = self._lapsed, None
            return await self._send_link(offer)
        return None  # send_link without an offer made: the model answers

    def _about_it(self, t: Understanding) -> bool:
        """Words that may follow up the product just talked about: no order number, no other
        kind of item named, and an intent a product question can be taken for."""
        kinds = self.tools.catalog.categories_named(t.folded)
        last = self._last_product
        # "¿y ese bolso es de cuero?": the kind of the item just talked about, pointed at
        pointed = last is not None and kinds == {last.category} and t.says(_POINTING)
        return t.order_number is None and t.intent in _LOOSE and (not kinds or pointed)

    def _route(self, t: Understanding, names_product: bool) -> RetailIntent | None:
        """The turn's intent as the store's flows take it: the classifier's, corrected by
        what the words hold (an order number, a product, a store topic) and by context."""
        intent = t.intent
        if t.says(_OTHERS_BILLS + _NOT_SOLD) and t.order_number is None and not names_product:
            return "out_of_scope"  # "¿ahí se puede pagar el recibo del gas?": not the store's
        if t.order_number is not None and intent not in _NUMBERED:
            # a number after "¿me da su número de pedido?" (the bot's or the model's), even
            # when the words around it sound like a shipping or price question
            return "order_status"
        if t.callback and t.when and intent in _ORDER_TOPICS and t.order_number is None:
            # "es por un pedido que no me llega, ¿me pueden llamar el sábado a las 10?": the
            # call back asked for, not the order's status
            return "callback"
        told = self._told_order is not None and t.order_number is None
        if told and t.says(_CARRIER + _TRACKING) and intent in (*_LOOSE_ORDER, "goodbye"):
            # "¿y con qué transportadora lo mandan?" after its status ("bueno, ya, y eso lo
            # trae qué empresa" too, which the model hears as a goodbye)
            return "order_status"
        if told and t.says(_ORDER_TOTAL) and intent in (*_LOOSE_ORDER, "price"):
            return "order_status"  # "¿y cuánto fue que pagamos por todo eso?" after it
        if self._follows_faq(t) or self._adds_to_sum(t) or self._short_of(t) or self._sum_said(t):
            return "store_info"  # "y hasta Pereira, ¿cuánto me sale?" after the shipping answer
        vague = intent in _VAGUE and t.answer is None
        entry = self._faq_entry(t, None)
        if entry is not None and entry.over_products and t.answer is None and intent in _LOOSE:
            return "store_info"  # "¿hasta cuándo va la promoción de zapatillas?"
        again = entry is not None and entry is self._last_faq
        if intent == "out_of_scope" and self._sure_elsewhere(t):
            return "out_of_scope"
        if intent == "send_link" and entry is not None and not asks_for_link(t.folded):
            return "store_info"  # "¿y la factura me llega por mensaje?": a channel, no link
        item = self.tools.catalog.names_category(t.folded)
        if vague and entry is not None and (again or not item):
            # "¿desde qué hora están atendiendo?": the ops' own cue, not a product that one of
            # the words sounds like (a belt, for that one); and after that answer, "¿y si le
            # sumo una camiseta, en cuántos días llega?" asks about it again, not for a shirt
            return "store_info"
        if intent in _LOOSE and self.tools.catalog.brand_not_carried(t.text) is not None:
            return "product_search"  # "¿manejan Skechers?": a brand, though not ours
        bought = re.search(_ORDER_FATE, t.folded) is not None
        if intent is None and t.leaning == "complaint" and names_product and bought:
            # "unas botas que compré se les despegó la suela": trouble with an item bought, no
            # search for another (the model leans to a complaint; no cue word said it)
            return "complaint"
        if intent == "cart" and names_product and t.says(_STILL_HAVE):
            # "en el carrito tengo unas Reebok beige en 37, ¿todavía las tienen?": the stock
            return "stock"
        if intent in (*_VAGUE, "product_search") and self._same_item(t):
            return "stock"  # "¿y sí tienen ese mismo vestido en S?" after that dress
        if intent in _VAGUE and self._last_product is not None and t.says(_OTHER_BRAND):
            return "product_search"  # "no me gusta; ¿y de otra marca, un mom en talla 10?"
        if names_product and intent in (*_VAGUE, "send_link"):
            # also after a no: "No, mejor unas Puma" to the offer of another product; and
            # "¿me manda el link de las Runfalcon?": that product, then its link
            return "product_search"  # "un reloj Casio": ASR often drops the "busco"
        # "¿y sí hay en verde?" reads as a search ("hay") for no product: the last one's
        about_last = intent == "product_search" and not names_product and t.answer is None
        about_last = about_last and not t.says(_OTHER_BRAND + _BRAND_WORDS)  # "¿de otra marca?"
        if (vague or about_last) and self._about_last_product(t):
            return "stock"  # "¿y en rojo?" after a product
        if intent in ("price", "stock", "product_search") and not names_product:
            # "¿tienen descuentos?", "¿tienen tienda física?": a store question in the words
            # of a product search, with no product in it
            return "store_info" if self._faq_entry(t, None) is not None else intent
        own_shipment = t.says(_MY_SHIPMENT) and not t.says(COST_WORDS)
        general = t.order_number is None and self._told_order is None and not t.says(_MY_ORDER)
        shipping_cue = entry is not None and entry.intent == "shipping"
        if intent == "order_status" and t.order_number is None and entry is not None:
            if entry.intent == "payment" and _asks(t):
                return "payment"  # "¿se puede pagar en efectivo cuando llega el pedido?"
        if intent == "order_status" and general and shipping_cue:
            return "store_info"  # "¿cuántos días tarda un pedido en llegar a Yopal?": in general
        phrase = entry is not None and any(" " in c and t.says([c]) for c in entry.cues)
        if intent == "order_status" and general and phrase:
            return "store_info"  # "yo nunca he comprado por internet y me da miedito": trust
        if intent == "shipping" and own_shipment and not self._store_question(t):
            # "¿con qué transportadora viene mi envío?": about the caller's own order
            return "order_status"
        if intent == "callback" and t.says(_I_CALL) and entry is not None:
            return "store_info"  # "¿y entre semana desde qué hora puedo llamar?": the hours
        if intent in (*_ORDER_TOPICS, "callback") and self._store_question(t):
            # "¿tienen garantía los relojes?", "¿puedo recoger mi pedido en la tienda?": asked
            # about the store, not about one of the caller's orders
            return "store_info"
        return intent

    def _sure_elsewhere(self, t: Understanding) -> bool:
        """The model is sure the turn is out of scope and no store cue of several words is
        said: "¿me saca una cita con el médico? en la EPS no me contestan" is no question
        about the store's hours, though "contestan" is one of their cues."""
        if t.says(_OTHERS_BILLS + _NOT_SOLD):
            return True  # "dos almuerzos a domicilio": no shipping question of ours
        if t.intent != "out_of_scope" or t.confidence < _SURE_ELSEWHERE:
            return False
        return all(len(c.split()) == 1 for e in self._s.store.faq for c in e.cues if t.says([c]))

    async def _own_number(self, t: Understanding) -> Understanding:
        """A number heard with a digit too many or too few ("3850, 381500" for 38150) that is
        one of the caller's own orders that way: that order, not a read-back of digits the
        caller never said. Only for a caller who may hear of their orders."""
        expected = self._s.store.order_number_digits
        heard = t.order_number
        if heard is None or not expected or len(heard) == expected or not self.phone_proven:
            return t
        own = [o.number for o in await self.tools.orders_by_phone(self.phone)] if self.phone else []
        near = [number for number in own if _same_number(t.digits, number)]
        return replace(t, order_number=near[0]) if len(near) == 1 else t

    def _joined_number(self, t: Understanding, pending: Pending | None) -> Understanding:
        """An order number dictated across turns ("empieza por cuatro, cinco…" then "…uno,
        siete, tres"): the start is kept while an order number is the topic, and joined to
        the next turn's digits when together they make an order number's length."""
        partial, self._partial_number = self._partial_number, ""
        asking = pending is not None and pending.action in ("ask_order_number", "confirm_number")
        on_topic = asking or t.intent in _ORDER_TOPICS
        # "Ya, listo. Siete, uno.": the rest of the number, whatever the bot said meanwhile
        if t.order_number is not None or not (on_topic or (partial and _only_a_number(t))):
            return t
        runs = _digits_said(t.digits)
        if not runs:
            return t
        expected = self._s.store.order_number_digits
        wanted = range(expected, expected + 1) if expected else range(5, 9)
        if partial and len(partial + runs) in wanted:
            return replace(t, order_number=partial + runs)
        if on_topic and len(runs) < wanted.start:
            self._partial_number = runs  # the start of a number: wait for the rest
        return t

    def _intent(self, intent: str) -> None:
        if intent not in self.outcome.intents:
            self.outcome.intents.append(intent)

    def _miss(self, slot: str) -> bool:
        """Count an answer that did not give `slot`; True once it was asked again already (a
        person is offered then, not the same question a third time)."""
        self._misses[slot] = self._misses.get(slot, 0) + 1
        return self._misses[slot] >= 2

    def _offer_person(self, sentence: str | None = None) -> list[str]:
        # after a sentence that says why ("no puedo darle los detalles…"), not "no lo logro
        # entender": the bot understood
        q = self._say("offer_person_after" if sentence else "offer_person")
        self._pending = Pending("offer_person", question=q)
        return [sentence, q] if sentence else [q]

    def _offer_person_with(self, phrase: str) -> list[str]:
        """A fixed phrase that ends by offering a person (data rights, English)."""
        q = self._s.phrase(phrase)
        self._pending = Pending("offer_person", question=q)
        return [q]

    def _card_refused(self) -> list[str]:
        """Card data said aloud: why it is not taken, then the payment link. Nothing of the
        turn is noted, looked up or repeated."""
        self._intent("payment")
        q = self._say("payment_link_offer")
        self._pending = Pending("confirm_link", kind="payment", question=q)
        return [self._s.phrase("card_data"), q]

    def _payment(self, t: Understanding) -> list[str]:
        """Payment methods in the ops' words, then the offer of the payment link."""
        entry = self._faq_entry(t, "payment")
        # "¿y allá también?" next asks about these words
        self._last_faq, self._faq_said = entry, entry is not None
        q = self._say("payment_link_offer")
        self._pending = Pending("confirm_link", kind="payment", question=q)
        return [" ".join(entry.answer.split()), q] if entry else [q]

    def _callback(
        self, phone: str | None, elsewhere: bool = False, when: str | None = None
    ) -> list[str]:
        """A call back booked once the number is confirmed: the number said, else the one
        calling; asked for when it is hidden or the caller wants another one. `when`: the
        time asked ("mañana tipo 5"), kept for the ticket and said back once it is booked."""
        phone = phone or (None if elsewhere else self.phone)
        if not phone:  # a hidden number, or "a otro número": ask where to call
            q = self._say("callback_ask_phone")
            self._pending = Pending("ask_phone", kind="llamada", question=q, when=when)
            return [q]
        if self._outside_hours(when):
            # "el jueves a las 9 de la noche": nobody works then; another time is asked for
            q = self._say("callback_out_of_hours")
            self._pending = Pending("ask_when", kind="llamada", phone=phone, question=q)
            return [q]
        q = (self._say("callback_confirm") if phone == self.phone
             else self._say("callback_confirm_phone", last4=phone[-4:]))  # fmt: skip
        self._pending = Pending(
            "confirm_ticket", kind="llamada", phone=phone, question=q, when=when
        )
        return [q]

    def _outside_hours(self, when: str | None) -> bool:
        """Whether a call back at `when` falls where the desk's business hours (of the day
        named, else of any day) have no agent at work; False when no hour is said."""
        hour = clock_hour(when) if when else None
        weekly = self._s.handoff.business_hours.weekly
        if hour is None or not weekly:
            return False
        day = weekday_named(when or "")
        spans = list(weekly.values()) if day is None else [weekly[day]] if day in weekly else []
        at = time(hour)
        return not any(start <= at < end for start, end in map(opening_span, spans))

    def _faq_entry(self, t: Understanding, intent: str | None) -> Any:
        """The FAQ entry whose cue the words contain (the longest cue said: "las políticas de
        devolución que manejan" is about returns, not about what the store sells), else the
        one for the turn's intent."""
        faq = self._s.store.faq
        said = [(len(c), -i) for i, e in enumerate(faq) for c in e.cues if t.says([c])]
        if said:
            return faq[-max(said)[1]]  # on a tie, the entry first in the file
        return next((e for e in faq if intent and e.intent == intent), None)

    def _store_question(self, t: Understanding) -> bool:
        """A turn with no order number about a store topic of the FAQ (one not tied to an
        intent: those entries are said on their intent's own route): a cue that names the
        order itself ("recoger mi pedido"), or a question not about the caller's order
        ("¿tienen garantía?", but not "¿dónde queda mi pedido?")."""
        if t.order_number is not None:
            return False
        cues = [fold(c) for e in self._s.store.faq if e.intent is None for c in e.cues]
        said = [c for c in cues if t.says([c])]
        if any(has_phrase(c, _ORDER_WORDS) for c in said):
            return True
        return bool(said) and _asks(t) and not t.says(_MY_ORDER)

    def _faq(self, t: Understanding, intent: str | None = None) -> list[str] | None:
        entry = self._faq_entry(t, intent)
        adding = self._adds_to_sum(t)
        if (
            adding
            or self._short_of(t)
            or self._sum_said(t)
            or (entry is None and self._follows_faq(t))
        ):
            entry = self._last_faq  # "¿y el domingo?" after the hours: the same answer holds it
        if entry is None:
            return None
        self._last_faq, self._faq_said = entry, True
        self._intent("store_info")
        free = self._s.store.free_shipping_from
        spent = amount(t.text)
        if spent is None and self._short_of(t):
            spent = self._spent  # "¿y cuánto me falta?" after the shipping answer for a sum
        if adding and spent is not None and self._spent is not None:
            spent += self._spent  # "¿y si le agrego unas medias de 30 mil?" to that sum
        self._spent = spent if entry.intent == "shipping" else None
        self._in_sum = set()
        if entry.intent == "shipping" and free and spent is not None:
            if (item := self._priced_about(t, spent)) is not None:
                # "una gorra Nike de las planas, la que vale como 72 mil, ¿cuánto me cobran el
                # envío?": that item at the store's price, which "¿y si mando dos?" builds on
                self._last_product = item
                return [self._shipping_with(item), self._say("anything_else")]
            # "lo que voy a pedir da como 200 mil, ¿me cobran el domicilio?": for that sum
            return [self._shipping_for(spent, self._short_of(t)), self._say("anything_else")]
        answers = [self._store_answer(t, e) for e in self._entries_asked(t, entry)]
        return [*answers, self._say("anything_else")]

    def _entries_asked(self, t: Understanding, entry: Any) -> list[Any]:
        """The entry, and a second store topic the same turn asks by a cue of its own of two
        words or more, in the order said ("¿se lo pueden mandar a Bucaramanga y pagar cuando
        le llegue?": shipping, then payment)."""
        padded = f" {fold(t.folded)} "  # as `Understanding.says` matches: every cue said is found

        def where(cues: list[str], phrases_only: bool = False) -> list[int]:
            found = (padded.find(f" {fold(c)} ") for c in cues if " " in c or not phrases_only)
            return [at for at in found if at >= 0]

        at: dict[int, Any] = {}
        for e in self._s.store.faq:
            said = where(e.cues, phrases_only=True)
            if e is not entry and said and e.answer != entry.answer:
                at.setdefault(min(said), e)
        if not at:
            return [entry]
        first = min(at)
        mine = where(entry.cues)
        return [entry, at[first]] if not mine or min(mine) <= first else [at[first], entry]

    def _store_answer(self, t: Understanding, entry: Any) -> str:
        """The entry's answer; for shipping asked with the price of an item in view ("¿y el
        envío cuánto me vale?" after the product, "¿en total cuánto me sale el morral con el
        envío?"), that price against the free-shipping threshold."""
        free = self._s.store.free_shipping_from
        priced = entry.intent == "shipping" and free and t.says(_COST_WORDS)
        item = self._priced_item(t) if priced and amount(t.text) is None else None
        if item is not None and t.says(_ADDING):
            item = None  # "¿y si le sumo una camiseta?": a sum, not that item's price
        if item is None:
            return " ".join(entry.answer.split())
        # "¿y si le agrego unas medias?" next adds to this price
        self._last_faq, self._faq_said = entry, True
        return self._shipping_with(item)

    def _shipping_with(self, item: Product) -> str:
        """The shipping answer for the price of the item (of as many as the caller wants)
        against the free-shipping threshold."""
        free = self._s.store.free_shipping_from or 0
        count = self._count_of(item)
        name, price, total = _lower_first(item.name), cop(item.price), item.price * count
        self._spent, self._in_sum = total, {item.sku}
        key = "shipping_free_with" if total >= free else "shipping_paid_with"
        key = f"{key}_many" if count > 1 else key
        return self._say(key, item=name, price=price, threshold=cop(free), count=count,
                         total=cop(total))  # fmt: skip

    def _count_of(self, item: Product) -> int:
        """How many of the item the caller said they want; one unless said."""
        return self._wanted[1] if self._wanted and self._wanted[0] == item.sku else 1

    def _priced_about(self, t: Understanding, said: int) -> Product | None:
        """The one item the turn names when the sum said is about its price (a caller's
        guess, within a tenth): "la gorra Nike plana, la que vale como 72 mil"."""
        if not self.tools.catalog.mentions_product(t.folded) or t.says(_ADDING):
            return None
        # the item on the table first ("una sola camiseta de 126.000" of the cart's one)
        near = [*([self._last_product] if self._last_product else []),
                *(h.product for h in self.tools.catalog.search(t.product))]  # fmt: skip
        return next((p for p in near if abs(p.price - said) <= p.price / 10), None)

    def _priced_item(self, t: Understanding) -> Product | None:
        """The product the turn names (the one last talked about when of its kind: "el
        morral" after the Totto one), else the one last talked about."""
        last = self._last_product
        if not self.tools.catalog.mentions_product(t.folded):
            return self._offered or last
        if not t.says(_WITH_SHIPPING):
            return None  # "¿cuánto vale el envío? es para unas gorras": no one item priced
        if last is not None and last.category in self.tools.catalog.categories_named(t.folded):
            return last
        hits = self.tools.catalog.search(t.product)
        return hits[0].product if hits else None

    def _and_also(self, t: Understanding, answer: list[str]) -> list[str]:
        """The answer, with the store's answer to a second question the caller added ("¿con
        qué empresa la mandan? Y de paso, la factura, ¿me la envían?") before its closing
        question, when that part names an FAQ topic the answer did not cover."""
        if t.intent == "data_rights":
            return answer  # "y de paso, no me manden más promociones": no store question
        padded = f" {t.folded} "
        cut = max((padded.rfind(f" {m} ") + len(m) + 1 for m in _ALSO if f" {m} " in padded),
                  default=-1)  # fmt: skip
        return answer if cut < 0 else self._with_store_answer(padded[cut:], answer)

    def _with_store_answer(self, part: str, answer: list[str]) -> list[str]:
        """The answer, with the FAQ's answer to `part` of the turn (a second question) before
        its closing question, when `part` names an FAQ topic the answer did not cover."""
        asked = understand(part)
        entry = self._faq_entry(asked, None) if part else None
        said = None if entry is None else self._store_answer(asked, entry)
        if said is None or said in answer:
            return answer
        if answer[-1].endswith("?"):
            return [*answer[:-1], said, answer[-1]]
        return [*answer, said]

    def _after_shipping(self) -> bool:
        """The last answer was the shipping one."""
        return self._last_faq is not None and self._last_faq.intent == "shipping"

    def _on_the_shipping_answer(self, t: Understanding) -> list[str] | None:
        """A turn that builds on the shipping answer just given for an item or a sum: more of
        the item ("¿y si pido dos pares, ya no me cobran?"), something to complete the sum
        ("¿y qué me recomienda de unos 30, 40 mil para completar?", where "unos 30, 40" reads
        as the digits 13040), or a kind of item added ("¿y si le agrego unas medias?")."""
        last = self._last_product
        if last is not None and self._more_of_it(t):
            self._wanted = (last.sku, _quantity(t.digits) or 1)
            self._faq_said = True  # "¿y con tres?" next follows it up again
            return [self._shipping_with(last), self._say("anything_else")]
        if self._to_complete(t):
            return self._completing(t)
        if (added := self._adding_item(t)) is not None:
            return self._with_added(added)
        if last is not None and self._joined_to_sum(last, t):
            # "entonces el jean con esas medias, ¿cuánto me queda todo? ¿ya no pago envío?":
            # the sum with the item found since, against the free-shipping threshold
            total = (self._spent or 0) + last.price * self._count_of(last)
            self._spent = total
            self._in_sum.add(last.sku)
            self._intent("store_info")
            return [self._shipping_for(total), self._say("anything_else")]
        return None

    def _shipping_for(self, total: int, short: bool = False) -> str:
        """The shipping answer for a sum: free from the threshold, else paid (`short`: with
        what is missing, for "¿y cuánto me falta?")."""
        free = self._s.store.free_shipping_from or 0
        key = (
            "shipping_free_for"
            if total >= free
            else "shipping_short_of"
            if short
            else "shipping_paid_for"
        )
        return self._say(key, amount=cop(total), threshold=cop(free), missing=cop(free - total))

    def _joined_to_sum(self, last: Product, t: Understanding) -> bool:
        """An item found after the shipping answer for a sum, asked together with that sum
        ("el jean con esas medias, ¿cuánto me queda todo?"): not the item the sum is for."""
        if self._spent is None or last.sku in self._in_sum or t.order_number is not None:
            return False
        return t.says(_JOINED) and t.says([*_COST_WORDS, "envio", "todo"])

    def _more_of_it(self, t: Understanding) -> bool:
        """A number of the item the shipping answer was for, right after it ("¿y si pido dos
        pares, ya no me cobran?", "¿y con tres pares?"): not another item added."""
        if not self._after_shipping() or self._spent is None or _quantity(t.digits) is None:
            return False
        return not t.says(_ADDING + _ENOUGH) and not self.tools.catalog.mentions_product(t.folded)

    def _adds_to_sum(self, t: Understanding) -> bool:
        """Whether the turn adds an amount to the sum the shipping answer was just given for
        ("y si le agrego unas medias de unos 30 mil, ¿ahí sí me sale gratis?")."""
        adds = self._after_shipping() and self._spent is not None and t.says(_ADDING)
        return adds and t.order_number is None and amount(t.text) is not None

    def _adding_item(self, t: Understanding) -> Product | None:
        """ "¿Y si le agrego unas medias?" after the shipping answer for a sum, with no price
        said (or only "por mil pesitos", less than anything sold): the cheapest of that kind
        in stock."""
        if not (self._after_shipping() and self._spent is not None and t.says(_ADDING)):
            return None
        products = self.tools.catalog.products
        said = amount(t.text)
        if said is not None and said >= min((p.price for p in products), default=0):
            return None  # "¿y si le agrego unas medias de 30 mil?": `_adds_to_sum`
        if said is None and any(int(n) >= 100 for n in numbers(t.digits)):
            return None  # "¿y si le sumo una camiseta y paso de los ciento cincuenta?"
        kinds = self.tools.catalog.categories_named(t.folded)
        fits = [p for p in products if p.category in kinds and p.stock()]
        return min(fits, key=lambda p: p.price, default=None)

    def _with_added(self, item: Product) -> list[str]:
        """Whether the sum with the cheapest such item reaches free shipping, in the store's
        figures (the item's price and the threshold; the sum is not said)."""
        free = self._s.store.free_shipping_from or 0
        total = (self._spent or 0) + item.price
        self._spent = total
        self._in_sum.add(item.sku)
        self._intent("store_info")
        key = "shipping_free_adding" if total >= free else "shipping_paid_adding"
        said = self._say(key, item=_lower_first(item.name), price=cop(item.price),
                         threshold=cop(free))  # fmt: skip
        return [said, self._say("anything_else")]

    def _sum_said(self, t: Understanding) -> bool:
        """A sum said right after the shipping answer ("tengo 120 mil en el carrito, ¿cuánto
        me falta pa' que no me cobren?"): the answer for that sum."""
        return self._after_shipping() and t.order_number is None and amount(t.text) is not None

    def _to_complete(self, t: Understanding) -> bool:
        """ "¿Y qué me recomienda de unos 30, 40 mil para completar?" after a sum short of free
        shipping: something to add."""
        free = self._s.store.free_shipping_from
        short = free is not None and self._spent is not None and self._spent < free
        return short and t.says(_RECOMMEND)

    def _completing(self, t: Understanding) -> list[str]:
        """Up to three items in stock that make the sum reach free shipping, the cheapest
        first, within the amount said (if any)."""
        free, spent = self._s.store.free_shipping_from or 0, self._spent or 0
        missing = free - spent
        ceiling = max(amount(t.text) or 0, missing + _COMPLETING_MARGIN)
        fits = sorted(
            (p for p in self.tools.catalog.products if missing <= p.price <= ceiling and p.stock()),
            key=lambda p: p.price,
        )
        cheapest: dict[str, Product] = {}
        for p in fits:
            cheapest.setdefault(p.category, p)  # one of each kind
        picks = list(cheapest.values())[:3]
        if not picks:
            return [self._say("shipping_short_of", missing=cop(missing), threshold=cop(free))]
        options = _listed([f"{_lower_first(p.name)} a {cop(p.price)}" for p in picks])
        return [self._say("to_complete", missing=cop(missing), options=options)]

    def _short_of(self, t: Understanding) -> bool:
        """ "¿Y cuánto me falta?" right after the shipping answer for a sum under the
        threshold: how much more makes it free."""
        return self._spent is not None and t.order_number is None and t.says(_SHORT_OF)

    def _follows_faq(self, t: Understanding) -> bool:
        """Whether the turn follows the store answer just given up ("¿y para Cali es lo
        mismo?", "y si vivo en Pasto, ¿también se demora eso?"): it opens with "y" or asks
        whether the same holds, names no product or order, and is one short question."""
        words = t.folded.split()
        if self._last_faq is None or t.order_number is not None or len(words) > 14:
            return False
        loose = (None, "out_of_scope", "store_info", "shipping", "price", "stock")
        # "¿y mañana?" after the hours reads as a callback to the classifier
        if t.intent not in loose and not (t.intent == "callback" and len(words) <= 3):
            return False
        if self.tools.catalog.mentions_product(t.folded):
            return False
        return words[:1] == ["y"] or t.says(_SAME_AGAIN)

    async def _follow_up(self, p: Pending, t: Understanding) -> list[str] | None:
        """The caller's answer to the bot's last question; None if they moved on."""
        # "¿cuánto cuesta?" about the product just offered, or words the model finds out of
        # scope, are no new request; a product named is one
        refers_back = self._last_product is not None and (
            t.intent in ("stock", "price") or t.says(_OPTIONS + _OTHER_BRAND)
        )
        # a product search needs a product: "¿y no hay otra forma?" asks for none
        moved_on = self.tools.catalog.mentions_product(t.folded) or (
            t.intent not in (None, "out_of_scope", "product_search") and not refers_back
        )
        # "¿y me puede hacer una recarga de minutos?": something the store does not do
        moved_on = moved_on or t.says(_OTHERS_BILLS + _NOT_SOLD)
        if (
            p.action == "confirm_link"
            and t.answer is not False
            and asks_for_link(t.folded)
            and not p.cross_sell
        ):
            # "mándemele el enlace a este celular, y el envío ¿me lo cobran aparte?": a yes,
            # and the question it adds is answered too
            return self._with_store_answer(t.text, await self._confirmed(p))
        many = (_quantity(t.digits) or 0) > 1 and t.says(["cuanto"]) and t.order_number is None
        if p.action == "confirm_link" and self._last_product is not None and many:
            # "listo, necesito seis, todas talla M, ¿cuánto me sale todo?" to the link offer:
            # the price of that many, not a yes
            return await self._about_product("price", t)
        if p.action == "confirm_link" and self._last_product is not None and _asks_units(t):
            # "necesito tres paquetes, ¿sí alcanza?" to the link offer: how many are left
            return self._units(self._last_product, t)
        if p.cross_sell and t.folded in ACKNOWLEDGED:
            # "¿Ah? Bueno." after an order's status and an offer: the status taken note of;
            # an offer the caller did not ask for is taken only with a clear yes
            return [self._say("anything_else")]
        if p.action == "confirm_ticket" and p.order_number and t.order_number is None:
            start = _digits_said(t.digits)
            reading = 3 <= len(start) < len(p.order_number) and p.order_number.startswith(start)
            if not _asks(t) and (reading or t.says(_NO_NUMBER)):
                # "el número del pedido es 4, 6, 8…" (the caller reads it out) or "no lo
                # tengo, pero es el único pedido": it was found already
                self._pending = p
                return [self._say("number_found", number=p.order_number), p.question]
        if t.says(_LEAVE_IT) and t.order_number is None and not _asks(t):
            # "ah, no, entonces déjelo así, la XL me la pongo con buzo": nothing to do, whatever
            # the words around it name (no search for a "buzo")
            if p.action == "confirm_ticket":
                return [self._say("declined"), self._say("anything_else")]
            return [self._say("anything_else")]
        if p.action == "confirm_ticket" and p.kind == "llamada" and t.phone not in (None, p.phone):
            # "no, al 300…" to "¿a este número?": that one
            return self._callback(t.phone, when=t.when or p.when)
        if p.action == "confirm_ticket" and p.kind == "llamada" and t.phone is None:
            if t.when not in (None, p.when) and t.answer is not False:
                # "entonces el jueves a las 7, a este mismo número": a yes, at that time
                if self._outside_hours(t.when):
                    return self._callback(p.phone, when=t.when)
                return await self._confirmed(replace(p, when=t.when))
            digits = sum(c.isdigit() for c in t.digits)
            if digits >= 6 or t.says(_ANOTHER_PHONE):
                # "que sea al celular de mi esposa: 315 208 40 al 4 71": another number, not
                # whole as heard (never an order to look up): asked for
                return self._callback(None, elsewhere=True, when=t.when or p.when)
        topic = _TICKET_TOPICS.get(p.kind or "") if p.action == "confirm_ticket" else None
        alike = t.says(_ALIKE + _SAME_ONE) and bool(t.product.color or t.product.size)
        if topic and alike and self._last_product is not None and t.order_number is None:
            # "¿no me la pueden cambiar por otra igualita, verde?" before the complaint is
            # confirmed: whether there is one, then the ticket (not a yes to it)
            return await self._stock_before_ticket(p, t)
        leans = {t.intent, t.leaning}
        # no other errand in the words ("sí, pero que alguien me llame" asks a callback)
        same_errand = t.intent in (None, *_PRESSING) and not (t.callback or t.data_rights)
        pressed = p.kind == "queja" and t.answer is not False and same_errand
        pressed = pressed and bool(leans & {*_PRESSING})
        if (
            topic is not None
            and t.order_number in (None, p.order_number)
            and (pressed or (t.answer is True and topic in leans and same_errand))
        ):
            # "¿Qué van a hacer? O me mandan el vestido o me devuelven la plata", "sí, pero
            # radíquelo ya": the same errand, pressed; it is registered
            return await self._confirmed(p)
        if p.action == "confirm_ticket" and t.answer is None and not _asks(t):
            if opens_with_statement(t.folded) and t.order_number is None:
                # "No, no lo he estrenado, tiene las etiquetas y la factura": the item
                # described for the ticket, no new request (not the invoice question)
                self._pending = p
                return [self._say("condition_noted"), p.question]
        if p.action == "confirm_ticket" and p.kind in _TICKET_TOPICS and not p.order_number:
            coming = t.says(_NUMBER_COMING + _NUMBER_WORDS) and not t.says(_NO_NUMBER)
            if t.order_number is None and t.answer is not False and coming and not _asks(t):
                # "sí, el número… a ver…", "sí, el número empieza por 46, déjeme miro" to a
                # complaint asked without its order: the digits come next, so the ticket
                # waits for them (never registered without its order); a start is kept
                self._partial_number = _digits_said(t.digits)
                q = self._say("order_number_go_on")
                self._pending = Pending("ask_order_number", kind=_TICKET_TOPICS[p.kind], question=q)
                return [q]
        if p.action == "confirm_ticket" and p.kind == "queja" and not p.order_number:
            if t.order_number is not None and t.answer is not False and "?" not in t.text:
                # "lo que quiero es que me la cambien; el pedido es el 45649" to a complaint
                # asked without its order: the complaint's order, not a status to tell
                return await self._numbered("complaint", t.order_number)
        if p.action == "confirm_ticket" and p.order_number and t.order_number is None:
            if _same_number(t.digits, p.order_number):
                # "el pedido es el 4, 5, 3, un momentico, 4, 5", or "el 4696" for 46196 (a
                # digit lost): the order being confirmed
                t = replace(t, order_number=p.order_number)
        if p.action == "confirm_ticket" and p.order_number and t.order_number is not None:
            if t.order_number == p.order_number and t.answer is not False:
                return await self._confirmed(p)  # "sí, el 38150", or the number alone: a yes
            # another order: for the same errand ("no, es el pedido 45721"), unless the words
            # ask for another ("mejor dígame dónde va el 45721")
            same = _only_a_number(t) or t.intent not in _ORDER_TOPICS
            topic = _TICKET_TOPICS.get(p.kind or "") if same else t.intent
            if topic is not None:
                return await self._numbered(topic, t.order_number)
        if p.action in ("ask_order_number", "confirm_number"):
            if t.order_number is not None:
                return await self._numbered(p.kind, t.order_number)
            if p.action == "confirm_number" and t.answer is True:
                return await self._by_kind(p.kind, p.order_number)
            if t.phone is not None and p.kind == "order_status":  # "mi número es 320…"
                return await self._order_status(None, phone=t.phone)
            named = p.kind == "return" and self.tools.catalog.mentions_product(t.folded)
            if named and self.phone and self.phone_proven:
                # "es un vestido Studio F rojo que no le gustó": the order holding it, not a
                # new search for dresses
                return await self._return(None, said=t)
            if t.answer is False and p.asked == 0 and self.phone and self.phone_proven:
                # "no lo tengo a mano": the caller's orders by this phone, when it finds one
                answer = await self._by_kind(p.kind, None, by_phone=True)
                again = self._pending is not None and self._pending.action == "ask_order_number"
                if not again:
                    return answer
            if p.kind == "return" and self._about_last_product(t) and t.says(_IN_STOCK):
                # "el número no lo tengo, pero ¿por lo menos hay en 41 blancas?": the stock of
                # the item to exchange, with no sale offered, then the number again
                said = await self._about_product("stock", t)
                offered = self._pending is not None and self._pending.action == "confirm_link"
                if offered or said[-1:] == [self._say("anything_else")]:
                    said = said[:-1]
                if not (t.answer is False or t.says(_NO_NUMBER)):
                    self._pending = p
                    return [*said, p.question]
                q = self._say("order_number_unknown")
                self._pending = Pending("offer_person", question=q)
                return [*said, q]
            if t.answer is False or t.says(_NO_NUMBER):
                # where to find it, or a person; never the same question again
                q = self._say("order_number_unknown")
                self._pending = Pending("offer_person", question=q)
                return [q]
            if moved_on or self._faq_entry(t, None) is not None:
                return None  # "¿y dónde es que quedan?" instead of the number: answered
            return self._ask_number_again(p)
        if p.action == "verify_phone":
            return await self._verify(p, t, moved_on)
        if p.action == "ask_product":
            return None if moved_on else await self._product(t.product)
        if p.action == "ask_when":
            if t.when is not None and not self._outside_hours(t.when):
                # "entonces el jueves a las 7": booked, the caller asked for it already
                return await self._confirmed(replace(p, action="confirm_ticket", when=t.when))
            if t.when is not None:
                return self._callback(p.phone, when=t.when)
            if moved_on or t.answer is False:
                return None
            if self._miss("when"):
                return self._offer_person()
            self._pending = replace(p, asked=p.asked + 1)
            return [p.question]
        if p.action == "ask_phone":
            if t.phone is not None:
                return self._callback(t.phone, when=t.when or p.when)
            if moved_on:
                return None
            if self._miss("phone"):
                return self._offer_person()
            self._pending = replace(p, asked=p.asked + 1)
            return [p.question]
        if (
            p.action == "confirm_link"
            and t.intent == "send_link"
            and t.answer is not False
            and (asks_for_link(t.folded) or not _asks(t))
        ):
            # "mándeme el enlace" or "por WhatsApp, por favor" to the link offer: a yes (not
            # "¿y la factura me llega por mensaje?")
            return await self._confirmed(p)
        question = _added_question(t.text)
        asked = understand(question) if question else None
        if (
            p.action == "confirm_link"
            and asked is not None
            and (asked.answer is None or self._faq_entry(asked, None) is not None)
        ):
            # "Ah, listo. ¿Y esa la despacharon por cuál mensajería?": "listo" took note of
            # the answer; the question asks something else, and the offer lapses ("bueno, si
            # no, pago por Nequi. ¿Sí reciben Nequi?" too: a store question, not a yes)
            return None
        if p.action == "offer_person" and p.order_number:
            if _same_number(t.digits, p.order_number):
                # "4, 5, 3, 2, 3" after "ya pasó el plazo… ¿le comunico?": the order just
                # answered for, so the same answer, not its status
                return await self._by_kind(p.kind, p.order_number)
            if t.order_number is None and t.says(_NUMBER_COMING) and not _asks(t):
                # "el número es…" (the digits in the next turn): for the same errand
                q = self._say("order_number_go_on")
                self._pending = Pending("ask_order_number", kind=p.kind, question=q)
                return [q]
        # "¿no hay forma de que me lo reciban?" opens with "no" and asks; no refusal
        pleads = t.says(_PLEA) and (t.answer is None or (t.answer is False and _asks(t)))
        if p.action == "offer_person" and pleads:
            # "está nuevecito, ¿no me pueden hacer el favorcito por esta vez?" after a "no"
            # of the policy: no product search; only a person may make an exception
            return self._offer_person(self._say("exception_person"))
        if t.answer is None:
            carrier = self._told_order is not None and t.says(_CARRIER + _TRACKING)
            if moved_on or t.order_number is not None or self._faq_entry(t, None) is not None:
                return None  # a new request or a store question ("¿y por PSE?"): moved on
            if carrier or (self._told_order is not None and t.says(_ANOTHER_ORDER)):
                # "¿y quién se lo lleva, qué mensajería?" after its status; "¿y la otra, que
                # pedí aparte?"
                return None
            if self._follows_faq(t):
                return None  # "yo vivo en Sopetrán, ¿allá también?" after the payment methods
            about_last = t.intent in ("price", "stock") and self._last_product is not None
            follow = _BRAND_WORDS + _COLOR_QUESTION + _SIZE_QUESTION + _CHEAPER + _OPTIONS
            follow += _DETAILS
            exchange = p.action == "confirm_ticket" and p.kind in _TICKET_TOPICS
            if exchange and (about_last or self._about_last_product(t)):
                # "¿y sí hay la 37 en blanco?" before a return or a complaint is confirmed
                return await self._stock_before_ticket(p, t)
            if about_last or self._about_last_product(t) or t.says(follow):
                # "¿y en rojo?", "¿cuánto cuesta?", "¿de qué marcas?", "la más barata"
                return None
            if p.asked >= 1:
                return self._offer_person() if p.action != "offer_person" else None
            self._pending = replace(p, asked=p.asked + 1)
            return self._asked_again(p)
        if (
            t.answer is not None
            and p.action != "offer_person"
            and (t.order_number is not None or refers_back or moved_on)
        ):
            # "No, es por otra cosa: …", "sí, pero …", "okey, ¿y cuánto vale?": the words
            # after the answer are the request. A plain yes with more words on the same topic
            # ("sí, por ese mismo, ¿ya viene?") still takes the offer.
            if p.action == "confirm_link" and t.order_number is not None:
                return None  # "bueno, dos, uno": the rest of an order number, no yes to a link
            hedged = t.answer is False or refers_back or t.says(["pero"])
            if hedged or (p.action == "confirm_topic" and not _on_topic(p, t)):
                return None
            if p.action == "confirm_link" and p.sku and self._names_another_product(t, p.sku):
                return None  # "listo, ¿y la chaqueta Columbia que pedí aparte?": moved on
        if t.answer is False:
            if p.action == "confirm_ticket":
                return [self._say("declined"), self._say("anything_else")]
            return [self._say("anything_else")]
        if p.action == "offer_person":
            return None  # a yes: the dialogue transfers (`accepts_person`)
        if (p.action, p.kind) == ("confirm_topic", "cart"):
            return await self._cart_asked(t)  # "sí, ¿lo tienen en negro?": in that colour
        said = await self._confirmed(p)
        if p.action == "confirm_ticket" and p.kind != "llamada" and t.callback:
            # "sí, regístrela, y que me llame alguien": the call back asked for next, instead
            # of "¿algo más?"
            return [*said[:-1], *self._callback(t.phone, when=t.when)]
        return said

    async def _stock_before_ticket(self, p: Pending, t: Understanding) -> list[str]:
        """The stock of the item on the table in the size or colour asked, with no sale
        offered, then the ticket still to confirm (`p`) asked again."""
        said = await self._about_product("stock", t)
        if self._pending is not None and self._pending.action == "confirm_link":
            said = said[:-1]
        self._pending = p
        return [*said, _last_question(p.question)]  # its opening ("Lamento…") said once

    def _asks_fate(self, t: Understanding) -> bool:
        """Words about what became of an item ("¿ya me la despacharon?", "nunca me llegó",
        "¿qué pasó con…?"), not a complaint about it or a new purchase."""
        missing = t.says(_NOT_RECEIVED) or t.says(_STILL_WAITING)
        if t.intent is None and t.leaning == "complaint" and not missing:
            return False  # "unas botas que compré se les despegó la suela": a complaint
        fate = re.search(_ORDER_FATE, t.folded) is not None or missing
        return fate and t.intent in (None, "order_status", "stock", "product_search")

    async def _order_holding(self, item: ProductQuery) -> Order | None:
        """The caller's own order (by the caller ID) holding one of the catalogue's best
        matches for the item named, an open one first; None when none or no caller ID to go by."""
        found = self.tools.catalog.search(item, limit=12)
        if not self.phone or not found:
            return None
        # the three best, and any as good as the best ("los tenis Puma": every Puma shoe)
        hits = [h for i, h in enumerate(found) if i < 3 or h.score >= found[0].score - 0.01]
        orders = await self.tools.orders_by_phone(self.phone)
        # the order this call is about first, when it holds that kind of item ("dos meses
        # alistando unos tenis" after the complaint about the Puma ones); then, of the best
        # matches ("el bolsito de manos libres": three such bags), the first one the caller
        # ordered, an open order first
        kinds = {h.product.category for h in hits}
        # only the kind said ("unos tenis"): the best matches are of several brands
        generic = len({h.product.brand for h in hits if h.score >= hits[0].score - 0.01}) > 1
        for order in (o for o in orders if generic and o.number == self._told_order):
            by_sku = self.tools.catalog.by_sku
            same = [
                ln for ln in order.lines if ln.sku in by_sku and by_sku[ln.sku].category in kinds
            ]
            if same:
                return replace(
                    order, lines=tuple(sorted(order.lines, key=lambda ln: ln not in same))
                )
        opened = [o for o in orders if o.status in OPEN_STATUSES]
        for sku, group in [(h.product.sku, g) for h in hits for g in (opened, orders)]:
            holding = [o for o in group if any(ln.sku == sku for ln in o.lines)]
            if len(holding) == 1:
                # the item asked about named first (an order of three names two)
                lines = sorted(holding[0].lines, key=lambda ln: ln.sku != sku)
                return replace(holding[0], lines=tuple(lines))
        return None

    async def _own_order_holding(self, item: ProductQuery) -> Order | None:
        """`_order_holding`, when the caller may hear of that order (`_may_disclose`)."""
        held = await self._order_holding(item)
        return held if held is not None and self._may_disclose(held) else None

    async def _twin_order(self, t: Understanding) -> Order | None:
        """ "¿Y la otra, la talla S? Esa la pedí aparte." after an order's status: the caller's
        one other order holding an item of the order told (in the size or colour said)."""
        told = await self.tools.order_status(self._told_order) if self._told_order else None
        if told is None or not (self.phone and self.phone_proven):
            return None
        size, color = t.product.size, t.product.color
        skus = {ln.sku for ln in told.lines}
        twins = [
            o
            for o in await self.tools.orders_by_phone(self.phone)
            if o.number != told.number
            and any(
                ln.sku in skus
                and (size is None or ln.size.lower() == size.lower())
                and (color is None or ln.color == color)
                for ln in o.lines
            )
        ]
        return twins[0] if len(twins) == 1 else None

    async def _together(self, number: str, item: ProductQuery) -> list[str] | None:
        """Whether the item goes in the order told, and if not, the caller's order that holds
        it; None when the order or the item is not found."""
        order = await self.tools.order_status(number)
        hits = self.tools.catalog.search(item, limit=12)
        if order is None or not hits:
            return None
        # any match as good as the best ("la gorra New Era": the plain one and the classic)
        best = [h.product for h in hits if h.score >= hits[0].score - 0.01]
        inside = [p for p in best if any(ln.sku == p.sku for ln in order.lines)]
        if inside:
            name = _lower_first(inside[0].name)
            return [
                self._say("item_in_order", item=name, number=number),
                self._say("anything_else"),
            ]
        said = self._say("item_not_in_order", item=_lower_first(best[0].name), number=number)
        held = await self._own_order_holding(item)
        if held is not None and held.number != number:
            return [said, *self._order_told(held)]
        return [said, self._say("anything_else")]

    async def _holds(self, number: str, item: ProductQuery) -> bool:
        """Whether the order holds the catalogue's best match for the item named."""
        order = await self.tools.order_status(number)
        hits = self.tools.catalog.search(item)
        return order is None or not hits or any(ln.sku == hits[0].product.sku for ln in order.lines)

    def _names_another_product(self, t: Understanding, sku: str) -> bool:
        """The turn names an item of the catalogue, and the offered one (`sku`) is not the
        best match for its words."""
        if not self.tools.catalog.mentions_product(t.folded):
            return False
        hits = self.tools.catalog.search(t.product)
        return bool(hits) and hits[0].product.sku != sku

    def _ask_number_again(self, p: Pending) -> list[str]:
        """No number in the answer: asked once more in other words, then a person."""
        if self._miss("order"):
            return self._offer_person()
        q = self._say("order_ask_again")
        self._pending = Pending("ask_order_number", kind=p.kind, question=q, asked=1)
        return [q]

    async def _numbered(self, kind: str, number: str) -> list[str]:
        """An order number given for `kind`: looked up, or read back first when its length
        is not the store's (a digit misheard or missed)."""
        expected = self._s.store.order_number_digits
        if expected and len(number) != expected:
            q = self._say("order_confirm_number", digits=" ".join(number))
            self._pending = Pending("confirm_number", kind=kind, order_number=number, question=q)
            return [q]
        return await self._by_kind(kind, number)

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
        if p.action == "confirm_number":
            return await self._by_kind(p.kind, p.order_number)
        return await self._open_ticket(p)

    # ---- orders --------------------------------------------------------------------------
    async def _order_status(
        self,
        number: str | None,
        by_phone: bool = True,
        phone: str | None = None,
        item: ProductQuery | None = None,
    ) -> list[str]:
        """An order's status: the number's, else the caller's only open order (or the one
        with the `item` named, "lo de los tenis Reebok que encargué"), else the number asked."""
        phone = phone or self.phone
        # a number the caller says, or an unattested caller ID, is no proof: the order number
        proven = phone == self.phone and self.phone_proven
        if number is None:
            found = (
                await self._single_open_order(phone, item)
                if by_phone and phone and (proven or not self._s.governance.verify_order_identity)
                else None
            )
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
                self.notes.append(self._note("order_not_found", number=number))
                return self._not_found("order_status", number)
            order = looked_up
            if not self._may_disclose(order):
                return self._ask_identity("order_status", order)
        return self._order_told(order)

    def _may_disclose(self, order: Order) -> bool:
        """The caller may hear this order's details: the call comes from the order's number
        (a caller ID that counts as proof: `phone_proven`), or the caller said the last four
        digits of it."""
        if not self._s.governance.verify_order_identity or not order.phone:
            return True
        own = (
            self.phone_proven
            and bool(self.phone)
            and only_digits(self.phone)[-10:] == only_digits(order.phone)[-10:]
        )
        return own or order.number in self._verified

    def _ask_identity(self, kind: str, order: Order) -> list[str]:
        """The last four digits of the order's phone, before anything of the order is said."""
        q = self._say("verify_ask")
        self._pending = Pending("verify_phone", kind=kind, order_number=order.number, question=q)
        return [q]

    async def _verify(self, p: Pending, t: Understanding, moved_on: bool) -> list[str] | None:
        """The caller's answer to "the last four digits of the order's phone"."""
        said = only_digits(t.digits)
        order = await self.tools.order_status(p.order_number) if p.order_number else None
        # "no me acuerdo, el pedido lo hizo mi esposo" names the order, yet moves nowhere
        unsure = not said and (t.says(UNSURE) or t.says(_NO_NUMBER))
        if len(said) >= 4 and order is not None:
            if only_digits(order.phone).endswith(said[-4:]):
                self._verified.add(order.number)
                if p.kind == "return":
                    return await self._return(order.number)
                return self._order_told(order)
        elif moved_on and not unsure:
            return None
        if not said and (unsure or t.answer is False):
            # "no sé, lo hizo mi hija": no digits to come; a person, never the details
            self.notes.append(self._note("identity_not_verified", number=p.order_number or ""))
            return self._offer_person(self._say("verify_failed"))
        if not said and p.asked == 0:  # "¿para qué necesita eso?": why, then the question
            q = self._say("verify_why")
            self._pending = replace(p, asked=1, question=q)
            return [q]
        if self._miss("identity"):
            self.notes.append(self._note("identity_not_verified", number=p.order_number or ""))
            return self._offer_person(self._say("verify_failed"))
        q = self._say("verify_again")
        self._pending = replace(p, asked=p.asked + 1, question=q)
        return [q]

    def _order_told(self, order: Order) -> list[str]:
        """The order's status and what follows it."""
        self._ref(f"order:{order.number}")
        told_before = self._told_order == order.number
        self._told_order = order.number
        self._misses.pop("order", None)
        self.outcome.resolved = True
        self.notes.append(self._note("order_checked", number=order.number, status=order.status))
        said = [self._status_sentence(order)]
        if self._waited and order.status in ("en camino", "en preparación"):
            # "hace tres meses y nada que me llegan": the wait is owned before the status
            said.insert(0, self._say("order_late"))
        if order.status == "entregado" and self._not_received:
            # shown as delivered, never received: sorry, and the claim offered at once
            self._not_received = False
            q = self._say("complaint_confirm_order", number=order.number)
            self._pending = Pending("confirm_ticket", kind="queja", order_number=order.number,
                                    question=q)  # fmt: skip
            return [*said, q]
        # the carrier asked for and not in the status (an order being prepared): the guide
        # line names it
        wants = self._details_asked
        carrier = "carrier" in wants and (told_before or order.carrier not in said[0])
        asked: list[str] = []  # the details asked for, said after the status
        if ("tracking" in wants or carrier) and order.tracking and order.status != "cancelado":
            wants.difference_update({"tracking", "carrier"})
            asked.append(
                self._say("order_tracking", carrier=order.carrier, tracking=order.tracking)
            )
        if "items" in wants:
            # "¿qué es lo que va en ese pedido? Ya ni me acuerdo": every item, not two
            wants.discard("items")
            names = [self._product_name(line.sku) for line in order.lines]
            asked.append(self._say("order_items", number=order.number, items=_listed(names)))
        if "total" in wants and order.total:
            # "¿y cuánto fue que pagamos por todo eso?": the order's total, as the store has it
            wants.discard("total")
            asked.append(self._say("order_total", number=order.number, total=cop(order.total)))
        # "¿y con qué empresa la mandan?" after its status: the status is not said again,
        # unless the turn asks it too ("¿y eso en qué va, con quién lo mandan?")
        said = asked if told_before and asked and not self._status_asked else [*said, *asked]
        return [*said, *self._after_order(order)]

    def _not_found(self, kind: str, number: str) -> list[str]:
        """No order with that number: asked to repeat it once, then a person is offered."""
        if self._miss("order"):
            return self._offer_person(self._say("order_not_found_again", number=number))
        q = self._say("order_not_found", number=number)
        self._pending = Pending("ask_order_number", kind=kind, question=q, asked=1)
        return [q]

    async def _single_open_order(
        self, phone: str, item: ProductQuery | None = None
    ) -> Order | int | None:
        """The only open order for a phone, the count when several, None when none. Of
        several, the one holding the `item` the caller named, when only one does."""
        orders = await self.tools.orders_by_phone(phone)
        open_orders = [o for o in orders if o.status in OPEN_STATUSES]
        if item is not None and phone == self.phone:
            # "el bolso que había pedido aparte, ¿en qué quedó?": the order holding it, open
            # or not (a cancelled one is told as such)
            held = await self._order_holding(item)
            if held is not None:
                return held
        if len(open_orders) > 1 and item is not None:
            # the catalogue's best matches for the words, first one held by an order
            for hit in self.tools.catalog.search(item):
                holding = [o for o in open_orders if any(ln.sku == hit.product.sku
                                                         for ln in o.lines)]  # fmt: skip
                if len(holding) == 1:
                    return holding[0]
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
        if (
            self.outcome.cross_sell_offers >= self._s.store.max_cross_sell_offers
            or self._upset
            or not order.lines
            or order.status == "cancelado"  # nothing to go with: no sale on a cancelled order
        ):
            return [self._say("anything_else")]
        bought = self.tools.catalog.by_sku.get(order.lines[0].sku)
        offer = self.tools.catalog.related(bought) if bought else None
        if offer is None or bought is None:
            return [self._say("anything_else")]
        self.outcome.cross_sell_offers += 1
        q = self._say("cross_sell", item=_possessive(bought.name),
                      name=_lower_first(offer.name), price=cop(offer.price))  # fmt: skip
        self._pending = Pending("confirm_link", kind="product", sku=offer.sku,
                                revenue=offer.price, question=q, cross_sell=True)  # fmt: skip
        return [q]

    # ---- products ------------------------------------------------------------------------
    def _brand_colour_dropped(self, t: Understanding) -> Understanding:
        """ "Medias Punto Blanco largas, verdes": a colour word in a brand's name said is the
        brand, not the colour asked; the colour is read from the other words, and the brand
        stays in the search terms."""
        asked = t.product.color
        if asked is None:
            return t
        named = [fold(b) for b in self.tools.catalog.brands if t.says([b])]
        inside = [b for b in named if set(b.split()) & set(map(fold, COLORS[asked]))]
        if not inside:
            return t
        rest = f" {t.folded} "
        for brand in inside:
            rest = rest.replace(f" {brand} ", " ")
        other = colour_named(rest)
        terms = " ".join([t.product.terms, *inside])
        for form in COLORS[other] if other else []:
            terms = re.sub(rf"\b{fold(form)}\b", " ", terms)
        return replace(t, product=replace(t.product, terms=terms, color=other))

    def _bare_size(self, t: Understanding) -> Understanding:
        """ "¿Y en 34, también negro?" after a product sold in size 34: that size. A bare
        number is a size only when the item just talked about comes in it. A size said
        before the turn's question gives way to a bare one the question asks for ("el skinny
        talla seis, pero mejor en ocho. ¿Lo tienen en ocho?")."""
        question = _added_question(t.digits) if t.product.size is not None else ""
        if t.order_number is not None or (t.product.size is not None and not question):
            return t
        if question and size_named(question) is not None:
            return t  # "¿lo tienen en talla 8?": read by the understanding already
        # "¿y unos Puma negros en 42?": the sizes of the items named (any of the best
        # matches: the first may not come in 42), else of the last one
        named = self.tools.catalog.mentions_product(t.folded) and t.product.terms.strip()
        hits = self.tools.catalog.search(t.product) if named and not self._same_item(t) else []
        last = [self._last_product] if self._last_product is not None else []
        items = [h.product for h in hits] or last
        sizes = {size.lower() for item in items for size in item.sizes}
        # "en 40 mil" (digits: "en 40 1000", or "40.000") is a price, not size 40
        price = r"(?![.,]?\d)(?!\s*(?:mil|pesos|1000)\b)"
        # "¿y en 34?", "la 30", "me los cambian por un 42", "a 42, el mismo rosado"
        said = re.findall(rf"\b(?:en|la|el|a|por una?) (\d{{1,3}}){price}", question or t.digits)
        bare = next((n for n in said if n in sizes), None)
        return t if bare is None else replace(t, product=replace(t.product, size=bare))

    async def _item_of_told_order(self, t: Understanding) -> Understanding:
        """ "Quiero otro igualito, negro, talla 32", "¿y sí tienen la verde todavía? Yo les
        devuelvo la rosada" after a return or a complaint about an order whose item the ASR
        lost: the order's item becomes the product on the table. It is the one line in the
        size and colour asked, else the one line whose colour is said (the one to give back),
        else the order's only line. The turn comes back with a bare size read against it."""
        still = t.says(_STILL_HAVE) or (t.says(["todavia"]) and t.says(["tienen", "hay"]))
        asks = t.says(_ALIKE + _SAME_ONE) or t.intent == "stock" or still
        if self._last_product is not None or self._told_order is None or not asks:
            return t
        # "¿y esa misma licuadora, la roja, la tienen todavía?": only the kind, pointed at
        kinds = self.tools.catalog.categories_named(t.folded)
        pointed = bool(kinds) and t.says(_SAME_ONE + _POINTING)
        if self.tools.catalog.mentions_product(t.folded) and not pointed:
            return t
        order = await self.tools.order_status(self._told_order)
        by_sku = self.tools.catalog.by_sku
        lines = [
            line
            for line in (order.lines if order is not None else [])
            if not kinds or (line.sku in by_sku and by_sku[line.sku].category in kinds)
        ]
        q = t.product
        fits = [
            line
            for line in lines
            if (q.size is None or line.size.lower() == q.size.lower())
            and (q.color is None or line.color == q.color)
        ]
        if len(fits) != 1:
            fits = [ln for ln in lines if t.says(COLORS.get(ln.color, [ln.color]))]
        if len(fits) == 1 or len(lines) == 1:
            self._last_product = self.tools.catalog.by_sku.get((fits or lines)[0].sku)
        return self._bare_size(t)

    def _same_item(self, t: Understanding) -> bool:
        """The kind of the item on the table, said to be the same one: "¿y sí tienen ese
        mismo vestido en S?" after the dress on its way is that dress, not a new search."""
        last = self._last_product
        kinds = self.tools.catalog.categories_named(t.folded)
        if last is None or t.order_number is not None:
            return False
        # "quiero otro igualito, negro, en 32" after the jean of a complaint, "¿sí tienen esos
        # mismos en 42?" after the sneakers: no kind needed
        pointed = t.says(_ALIKE) or (t.says(_SAME_ONE) and t.says(_POINTING))
        if (kinds == {last.category} and t.says(_SAME_ONE)) or (not kinds and pointed):
            return True
        # "¿y ese Casio lo tiene negro?" (heard "ese caso") after the Casio deportivo: its brand
        return not kinds and any(
            a in _POINTING and self.tools.catalog.sounds_like(b, last.brand)
            for a, b in pairwise(t.folded.split())
        )

    def _about_last_product(self, t: Understanding) -> bool:
        """A colour, size or price ceiling alone, after a product: the same kind of item in
        that variant."""
        asked = t.product.color or t.product.size or t.product.max_price  # "que no pase de 200"
        return self._last_product is not None and bool(asked)

    async def _about_product(self, intent: str, t: Understanding) -> list[str]:
        """A price or a size/colour question: about the product it names, else about the
        one just talked about ("¿cuánto cuesta?", "¿y en negro?"), else asked which."""
        last = self._last_product
        named = self.tools.catalog.mentions_product(t.folded) and not self._same_item(t)
        if named or last is None:
            said = await self._product(t.product)
            found = self._last_product
            if found is not None and found is not last and _asks_how_many(t):
                return self._units(found, t)  # "¿cuántas cafeteras de goteo grises le quedan?"
            return said
        if (other := self.tools.catalog.sibling(last, t.folded)) is not None:
            last = self._last_product = other  # "¿y la trucker?": that model, not the last one
        # "entonces las cinco beige, ¿cuánto me salen en total?": as many as said before
        count = _quantity(t.digits) or (self._count_of(last) if t.says(_IN_TOTAL) else None)
        count = count if count and count > 1 else None
        # (a size is no count: "¿cuánto vale en talla 10?")
        if (intent == "price" or t.says(["cuanto"])) and count and str(count) != t.product.size:
            # "listo, en gris entonces, ¿cuánto me salen las dos?": that many, in that colour
            if t.product.color or t.product.size:
                before = self._last_query or t.product
                self._last_query = replace(before, color=t.product.color or before.color,
                                           size=t.product.size or before.size)  # fmt: skip
            return self._priced_many(last, count)
        if intent == "price" and not (t.product.color or t.product.size):
            self._ref(f"product:{last.sku}")
            return [
                self._say("product_price", name=_lower_first(last.name), price=cop(last.price)),
                self._offer_link(last),
            ]
        # "¿y en talla 40?": that product in that size, else its alternative (not the
        # category's best match, which answered with another product as if it were this one)
        # the size or colour asked before stays asked: "talla 38", then "¿y negras?"
        prior = self._last_query
        size = t.product.size or (prior.size if prior else None)
        color = t.product.color or (prior.color if prior else None)
        query = replace(t.product, terms=last.name, size=size, color=color)
        return await self._product(query, same=last)

    def _priced_many(self, product: Product, count: int) -> list[str]:
        """What `count` of the product cost ("¿cuánto me salen las dos?"), and its link."""
        self._ref(f"product:{product.sku}")
        total, each = cop(product.price * count), cop(product.price)
        said = self._say("product_price_many", count=count, name=_lower_first(product.name),
                         total=total, price=each)  # fmt: skip
        return [said, self._offer_link(product)]

    async def _product_search(self, t: Understanding, names_product: bool) -> list[str]:
        """A product asked for, or the brands of a kind of item."""
        foreign = self.tools.catalog.brand_not_carried(t.text)
        if foreign is not None:
            # "¿tienen zapatillas New Balance?": said so, then the brands of that kind
            said = self._say("brand_not_carried", brand=foreign)
            kinds = self.tools.catalog.categories_named(t.folded)
            if len(kinds) == 1:
                return [said, *self._brands(next(iter(kinds)))]
            q = self._say("product_ask")
            self._pending = Pending("ask_product", question=q)
            return [said, q]
        last = self._last_product
        if last is not None and t.says(_OTHER_BRAND) and not t.says(self.tools.catalog.brands):
            return await self._another_brand(last, t.product)
        kinds = self.tools.catalog.categories_named(t.folded)
        if t.says(_CHEAPER) and len(kinds) == 1 and not t.says(self.tools.catalog.brands):
            # "¿cuál es la licuadora más económica que tengan?": the kind's cheapest in stock
            # (in the size and colour asked), not the best match for the other words
            asked = t.product
            cheapest = self._cheapest_in_stock(next(iter(kinds)), asked)
            if cheapest is not None:
                return await self._product(replace(asked, terms=cheapest.name), same=cheapest)
        if last is not None and not names_product and t.says(_BRAND_WORDS):
            return self._brands(last.category)  # "¿de qué marcas?" after a product
        if t.says(_BRAND_WORDS) and len(kinds) == 1 and not t.says(self.tools.catalog.brands):
            # "¿qué marcas de zapatillas tienen?"
            return self._brands(next(iter(kinds)), t.product.terms)
        query = self._in_last_category(t.product) if self._kind and names_product else t.product
        query = self._asked_before(query)
        before = self._last_product
        found = await self._product(query)
        named = self._last_product
        if named is not None and named is not before:
            # "¿qué tallas hay de las Nike Revolution?": the product named, and what was asked
            if t.says(_SIZE_QUESTION):
                return self._in_stock(named, "sizes")
            if t.says(_COLOR_QUESTION):
                return self._in_stock(named, "colors")
            query = self._last_query or ProductQuery("")
            count, stock = _quantity(t.digits) or 0, named.stock(query.size, query.color)
            if count > stock > 0 or (stock and _asks_how_many(t)):
                # "son cinco, ¿sí hay las cinco?" of a colour with three left, "¿cuántas
                # cafeteras de goteo grises le quedan?": how many are
                return self._units(named, t)
            if count and stock and t.says(["cuanto"]):
                # "quiero tres paquetes de medias… ¿cuánto me sale?": the three
                return self._priced_many(named, count)
            offer = self._pending
            if t.intent == "send_link" and offer is not None and offer.sku == named.sku:
                # the link was asked for: sent, not offered
                self._pending = None
                return [*found[:-1], *await self._send_link(offer)]
        return found

    async def _another_brand(self, last: Product, said: ProductQuery) -> list[str]:
        """ "¿Y de otra marca, uno negro?" after a product: the same kind of item by another
        brand, in the colour and size now asked (else those asked before); the brands of the
        kind when no other brand makes one."""
        before = self._last_query or ProductQuery("")
        brand = set(fold(last.brand).split())
        terms = " ".join(w for w in fold(last.name).split() if w not in brand)
        query = replace(
            said, terms=terms, color=said.color or before.color, size=said.size or before.size
        )
        hits = [
            h for h in self.tools.catalog.search(query, limit=12) if h.product.brand != last.brand
        ]
        if not hits:
            return self._brands(last.category)
        best = min(hits, key=lambda h: (-h.score, h.available == 0))
        return await self._product(replace(query, terms=best.product.name), same=best.product)

    def _asked_before(self, query: ProductQuery) -> ProductQuery:
        """Another item of the kind just talked about, named with no size or colour ("¿y los
        Nike Court no los tiene?" after white sneakers in 40): in the size and colour asked
        before, as a shop assistant keeps them in mind."""
        prior, last = self._last_query, self._last_product
        if prior is None or last is None or query.size or query.color:
            return query
        hits = self.tools.catalog.search(query)
        if not hits or hits[0].product.category != last.category or hits[0].product is last:
            return query
        ceiling = query.max_price or prior.max_price  # and within the budget said
        return replace(query, size=prior.size, color=prior.color, max_price=ceiling)

    def _in_last_category(self, query: ProductQuery) -> ProductQuery:
        """A brand alone after a product ("mejor unos de Adidas" after leggings) is that brand
        in the same kind of item, when the catalogue has it; anything else stays as said."""
        kind = self._kind
        catalog = self.tools.catalog
        if kind is None or catalog.names_category(query.terms):
            return query
        kept = self._kept_words() or self._kind_words
        for words in ([*kept, query.terms], [query.terms]) if kept else ([query.terms],):
            joined = replace(query, terms=" ".join([fold(kind), *words]))
            hits = catalog.search(joined)
            if (
                hits
                and hits[0].product.category == kind
                and query.terms
                and _brand_said(query.terms, hits[0].product.brand)
            ):
                return joined
        return query

    def _kept_words(self) -> list[str]:
        """The words of the last product's name the caller said for it, its brand aside
        ("portátil" of "un morral para el portátil"): "¿y el Totto en negro?" next is the
        Totto for laptops, not any Totto backpack."""
        last, before = self._last_product, self._last_query
        if last is None or before is None:
            return []
        said = set(before.terms.split())
        brand = set(fold(last.brand).split())
        return [w for w in fold(last.name).split() if w in said and w not in brand | STOPWORDS]

    def _units(self, product: Product, t: Understanding) -> list[str]:
        """How many of the product are left in the size and colour said, else those asked
        before: enough for the number wanted ("necesito tres paquetes, ¿sí alcanza?") or
        not, or how many ("¿cuántas quedan en blanco?")."""
        prior = self._last_query or ProductQuery("")
        asked = replace(
            prior, size=t.product.size or prior.size, color=t.product.color or prior.color
        )
        self._last_query = asked
        stock = product.stock(asked.size, asked.color)
        wanted = _quantity(t.digits)
        name, variant = _lower_first(product.name), self._variant(asked)
        if stock == 0:
            return [self._say("product_out_of_stock", name=name, variant=variant)]
        key = "product_count" if wanted is None else "product_enough"
        key = "product_short" if wanted is not None and stock < wanted else key
        key = "product_last_one" if stock == 1 else key
        return [self._say(key, stock=stock, name=name, variant=variant), self._offer_link(product)]

    def _in_stock(
        self, product: Product, asked: Literal["sizes", "colors"], least: int = 1
    ) -> list[str]:
        """The sizes or the colours of a product in stock (in the colour or the size asked
        before, if one was), with at least `least` left: "¿qué tallas hay?", "¿qué colores
        tiene?", "¿en qué otro color hay dos?"."""
        prior = self._last_query or ProductQuery("")
        if asked == "colors":
            kept = ProductQuery("", size=prior.size)
            options = [c for c in product.colors if product.stock(prior.size, c) >= least]
        else:
            kept = ProductQuery("", color=prior.color)
            options = [z for z in product.sizes if product.stock(z, prior.color) >= least]
        name, variant = _lower_first(product.name), self._variant(kept)
        if not options:
            out = self._say("product_out_of_stock", name=name, variant=variant)
            return [out, self._say("anything_else")]
        if options == ["única"]:
            return [self._say("product_one_size", name=product.name), self._offer_link(product)]
        phrase = "product_colors" if asked == "colors" else "product_sizes"
        said = self._say(phrase, name=name, variant=variant, **{asked: _listed(options)})
        return [said, self._offer_link(product)]

    def _cheapest_in_stock(
        self, category: str, asked: ProductQuery, brand: str | None = None
    ) -> Product | None:
        """The cheapest product of the kind (and brand) in stock in the size and colour asked,
        of the type asked too: "una cafetera de goteo", then "¿cuál es la más económica?" is
        the cheapest drip one, not a capsule one (a word of the asked terms that some of the
        kind's names have and others lack, not a brand)."""
        typed = self._typed(category, asked.terms)
        stocked = [p for p in self.tools.catalog.products
                   if p.category == category and brand in (None, p.brand)
                   and typed <= set(fold(p.name).split())
                   and p.stock(asked.size, asked.color) > 0]  # fmt: skip
        return min(stocked, key=lambda p: p.price, default=None)

    def _typed(self, category: str, terms: str) -> set[str]:
        """The words of `terms` that tell a type of the kind of item ("goteo", "vidrio"): some
        of the kind's names have them and others lack them; no brand."""
        names = [set(fold(p.name).split()) for p in self.tools.catalog.products
                 if p.category == category]  # fmt: skip
        brands = {w for b in self.tools.catalog.brands for w in b.split()}
        shared = set.intersection(*names) if names else set()
        said = {w for w in fold(terms).split() if w not in shared | brands | STOPWORDS}
        return {w for w in said if any(w in n for n in names)}

    async def _cheaper(
        self, product: Product, asked: ProductQuery, among: bool = False
    ) -> list[str]:
        """The cheapest item of the same kind in stock (in the size and colour asked, now or
        before: "¿los más baratos en talla 42?"), when it costs less than the one just offered;
        else that one is the cheapest, said with its price. `among` those just asked for
        ("¿cuál de esos es el más barato?"): of the brand asked for, if one was."""
        prior = self._last_query or ProductQuery("")
        prior = replace(prior, size=asked.size or prior.size, color=asked.color or prior.color)
        # "unos Puma negros en 42", then "¿cuál de esos es el más barato?": of that brand
        brand = product.brand if among and _brand_said(prior.terms, product.brand) else None
        cheapest = self._cheapest_in_stock(product.category, prior, brand)
        if cheapest is None or cheapest.price >= product.price:
            variant = self._variant(replace(prior, color=None))
            return [
                self._say(
                    "product_cheapest",
                    category=" ".join([product.category, *([brand] if brand else [])]),
                    variant=variant,
                    name=_lower_first(product.name),
                    price=cop(product.price),
                ),
                self._say("anything_else"),
            ]
        query = replace(prior, terms=cheapest.name, max_price=None)
        return await self._product(query, same=cheapest)

    def _price_gap(self, last: Product, other: Product) -> list[str]:
        """ "O sea que el digital sale… ¿cuánto más caro que el deportivo?": the difference of
        the two products just talked about, with both prices."""
        dearer, cheaper = sorted((last, other), key=lambda p: p.price, reverse=True)
        gap = cop(dearer.price - cheaper.price)
        said = self._say("price_gap", dearer=_lower_first(dearer.name), gap=gap,
                         cheaper=_lower_first(cheaper.name), dearer_price=cop(dearer.price),
                         cheaper_price=cop(cheaper.price))  # fmt: skip
        return [said, self._offer_link(last)]

    def _options(self, product: Product, t: Understanding | None = None) -> list[str]:
        """ "¿Cuál me recomienda?", "¿qué opciones hay?" after a product: a few items of its
        kind in stock (in the size and colour asked), cheapest first, for the caller to choose.
        The bot has no opinion to give, and no sales figures to rank by. "Que sean
        antiadherentes, ¿cuáles tiene?": those of the kind whose name holds the word said,
        the one just talked about included."""
        prior = self._last_query or ProductQuery("")
        kind = [
            p
            for p in self.tools.catalog.products
            if p.category == product.category and p.stock(prior.size, prior.color) > 0
        ]
        named = [p for p in kind if t is not None and _named_by(t, p, kind)]
        others = [p for p in kind if p.sku != product.sku]
        in_stock = sorted(named or others, key=lambda p: p.price)
        # the cheapest of each brand first: three choices, not three of one brand
        by_brand = {p.brand: p for p in reversed(in_stock)}
        same_kind = sorted(by_brand.values(), key=lambda p: p.price)[:3]
        same_kind += [p for p in in_stock if p not in same_kind][: 3 - len(same_kind)]
        if not same_kind:
            return [
                self._say("product_only_one", category=product.category),
                self._offer_link(product),
            ]
        self._kind = product.category  # "la Oster" next: that one of this kind
        options = [f"{_without_kind(p)} a {cop(p.price)}" for p in same_kind]
        return [self._say("product_options", category=product.category, options=_listed(options))]

    def _brands(self, category: str, terms: str = "") -> list[str]:
        """The brands of a kind of item in stock ("¿de qué marcas?" after a product); the
        type said with the kind (`terms`: "una licuadora de vaso de vidrio") is kept for the
        brand named next."""
        products = self.tools.catalog.products
        brands = sorted({p.brand for p in products if p.category == category and p.stock() > 0})
        self._kind = category  # "las Nike" next: Nike in this kind of item
        self._kind_words = sorted(self._typed(category, terms))
        return [self._say("product_brands", category=category, brands=_listed(brands))]

    async def _product(self, query: ProductQuery, same: Product | None = None) -> list[str]:
        hits = await self.tools.search(query) if query.terms.strip() else []
        if same is not None:
            hits = [h for h in hits if h.product.sku == same.sku] or hits
        if not hits and self._last_product is not None and (query.color or query.size):
            # "¿y en rojo?", or the noun lost by ASR: the kind of item just talked about
            query = replace(query, terms=self._last_product.category)
            hits = await self.tools.search(query)
        if not hits:
            if query.terms.strip() and self._miss("product"):
                return self._offer_person()
            q = self._say("product_none" if query.terms.strip() else "product_ask")
            self._pending = Pending("ask_product", question=q)
            return [q]
        best = hits[0]
        self._misses.pop("product", None)
        self._last_product, self._last_query = best.product, query
        self._kind = best.product.category
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
        # in stock but above the caller's ceiling: its price, not "no tenemos unidades"
        why = "product_over_budget" if best.available > 0 else "product_out_of_stock"
        name = _lower_first(best.product.name)
        out = self._say(why, name=name, variant=variant, price=cop(best.product.price))
        alternative = self.tools.catalog.alternative(best.product, query)
        self.notes.append(
            self._note(why, name=best.product.name, variant=variant, price=cop(best.product.price))
        )
        if alternative is None:
            others = [c for c in best.product.colors if best.product.stock(query.size, c) > 0]
            if not (query.color and others):
                return [out, self._say("anything_else")]
            self.outcome.resolved = True  # the same item in the colours that are in stock
            colors = _listed(others[:3])
            return [
                out,
                self._say("product_other_colors", colors=colors, price=cop(best.product.price)),
                self._offer_link(best.product),
            ]
        self.outcome.resolved = True
        alt = self._say("product_alternative", name=_lower_first(alternative.name), variant=variant,
                        price=cop(alternative.price))  # fmt: skip
        return [out, alt, self._offer_link(alternative)]

    def _asked_again(self, p: Pending) -> list[str]:
        """The bot's question once more, introduced as a repeat (the same words alone sound
        like a machine stuck); a product link offer says again which product and
        its price, since the caller who did not answer may not have heard them (they spoke
        over the answer: "¿qué tiene?")."""
        product = self.tools.catalog.by_sku.get(p.sku or "") if p.kind == "product" else None
        if p.action != "confirm_link" or product is None or p.question != self._say("offer_link"):
            return [self._say("asked_again"), p.question]  # a cross-sell names its product
        name = _lower_first(product.name)
        return [self._say("product_price", name=name, price=cop(product.price)), p.question]

    def _offer_link(self, product: Product) -> str:
        q = self._say("offer_link")
        self._pending = Pending("confirm_link", kind="product", sku=product.sku, question=q)
        return q

    # ---- cart, links -----------------------------------------------------------------------
    async def _cart_asked(self, t: Understanding) -> list[str]:
        """The cart as the turn asks about it (its item in a size or colour), with the store's
        answer to a question it adds ("…en el carrito, ¿la puedo pagar con Nequi?")."""
        return self._with_store_answer(t.text, await self._cart(t.product))

    async def _cart(self, asked: ProductQuery | None = None) -> list[str]:
        """The caller's open cart; `asked`: a size or colour the caller wants the cart's one
        item in instead ("tengo el skinny talla seis… ¿lo hay en diez?"), whose stock is said."""
        cart = await self.tools.open_cart(self.customer.id) if self.customer else None
        if self.customer is not None and not self.phone_proven:
            # The caller ID may be another's: nothing of the cart is said, not even whether
            # there is one; its link may go by text to the customer's own number, which only
            # the customer receives.
            q = self._say("cart_unverified")
            open_cart = cart is not None and bool(cart.lines)
            self._pending = Pending("confirm_link", kind="cart", question=q,
                                    cart_id=cart.id if cart and open_cart else None,
                                    phone=self.customer.phone)  # fmt: skip
            return [q]
        if cart is None or not cart.lines:
            return [self._say("cart_none")]
        first = cart.lines[0]
        product = self.tools.catalog.by_sku.get(first.sku)
        if product is not None and len(cart.lines) == 1:
            # "¿en qué color sí las tiene?", "¿y el envío?" next are about the cart's item
            size = asked.size if asked and asked.size else first.size
            color = asked.color if asked and asked.color else first.color
            other = (fold(size or ""), color) != (fold(first.size or ""), first.color)
            wanted = ProductQuery(product.name, size=size, color=color)
            if other or product.stock(first.size, first.color) == 0:
                # another size or colour asked for, or its own sold out since: that stock,
                # with what there is instead
                return await self._product(wanted, same=product)
            self._last_product, self._last_query = product, wanted
        q = self._say("cart_reminder", item=self._item(cart.lines), price=cop(cart.total))
        self._pending = Pending(
            "confirm_link", kind="cart", cart_id=cart.id, revenue=cart.total, question=q
        )
        return [q]

    async def _send_link(self, p: Pending) -> list[str]:
        shop = self._s.store.shop_url.rstrip("/")
        if p.kind == "cart" and p.phone:  # an unproven caller: the same words, cart or none
            if p.cart_id is not None:
                url = f"{shop}/carrito/{p.cart_id}"
                try:
                    await self.tools.send_sms(p.phone, self._say("sms_cart", url=url))
                except (StoreUnavailable, ValueError):
                    return [self._say("link_failed")]
            return [self._say("cart_link_on_file"), self._say("anything_else")]
        if p.kind == "cart":
            url = f"{shop}/carrito/{p.cart_id}"
            body = self._say("sms_cart", url=url)
        elif p.kind == "payment":
            url = self._s.store.payment_url
            body = self._say("sms_payment", url=url)
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
    async def _order_to_return(self, said: Understanding | None) -> Order | None:
        """The caller's order a return is about: the one holding the product they named
        ("cambiar unos tenis": not the blender delivered last week), else the delivered one.
        None when they named a product none of their orders holds: the bot asks the number."""
        orders = await self.tools.orders_by_phone(self.phone or "")
        delivered = [o for o in orders if o.status == "entregado"]
        if said is None or not self.tools.catalog.mentions_product(said.folded):
            # "mejor lo devuelvo": the order this call was about, else the last delivered
            talked = [o for o in delivered if f"return:{o.number}" in self.refs]
            talked += [o for o in delivered if f"order:{o.number}" in self.refs]
            return next(iter(talked or delivered), None)
        # the words alone (a size or colour said is the new one wanted, not the one bought);
        # every match: "unos tenis" fits every pair of trainers equally
        hits = self.tools.catalog.search(ProductQuery(said.product.terms), limit=10_000)
        named = {h.product.sku for h in hits}
        holding = [o for o in orders if any(line.sku in named for line in o.lines)]
        # a delivered one first; one still on its way hears that it cannot be returned yet
        order = next((o for o in holding if o.status == "entregado"), None) or next(
            iter(holding), None
        )
        if order is not None:
            self._named_in(order, said, hits)
        return order

    def _named_in(self, order: Order, said: Understanding, hits: list[Hit] | None = None) -> None:
        """The item of `order` the caller named becomes the product on the table: "¿y hay
        ese mismo en talla S?" next is about it, not a new search. `hits`: the search for the
        words, when the caller already made it."""
        if hits is None:
            if not self.tools.catalog.mentions_product(said.folded):
                return
            hits = self.tools.catalog.search(ProductQuery(said.product.terms), limit=10_000)
        bought = {ln.sku for ln in order.lines}
        held = next((h.product for h in hits if h.product.sku in bought), None)
        if held is not None:
            self._last_product = held
            # "…en XL, pero yo soy talla L": the size or colour said is the one wanted, and
            # "¿y sí hay en verde?" next asks for it in that size
            self._last_query = said.product

    async def _return(
        self,
        number: str | None,
        by_phone: bool = True,
        policy: bool = False,
        said: Understanding | None = None,
    ) -> list[str]:
        order: Order | None = None
        if number is not None:
            order = await self.tools.order_status(number)
            if order is None:
                return self._not_found("return", number)
            if not self._may_disclose(order):  # its item and delivery are the customer's
                return self._ask_identity("return", order)
            if said is not None:
                self._named_in(order, said)
        elif by_phone and self.phone and self.phone_proven:
            order = await self._order_to_return(said)
        if order is None:
            if said is not None and self.tools.catalog.mentions_product(said.folded):
                # "unas Nike Court blancas que me regalaron": what "¿y en 41?" is about next
                hits = self.tools.catalog.search(said.product)
                if hits:
                    self._last_product, self._last_query = hits[0].product, said.product
            rule = next((e for e in self._s.store.faq if e.intent == "return"), None)
            if policy and rule is not None:
                q = self._say("return_ask_order_after_policy")
                self._pending = Pending("ask_order_number", kind="return", question=q)
                return [" ".join(rule.answer.split()), q]
            q = self._say("return_ask_order")
            self._pending = Pending("ask_order_number", kind="return", question=q)
            return [q]
        self._ref(f"return:{order.number}")
        self._told_order = order.number  # "¿y sí tienen la 30 en negro?" next: its item
        if order.status == "en preparación":
            # not sent yet: a person can still change or cancel it, no need to wait for it
            q = self._say("exchange_before_dispatch", number=order.number)
            self._pending = Pending("offer_person", question=q)
            return [q]
        if order.delivered_on is None:
            self._told_order = order.number  # "¿y ya salió?" next is about it
            days = self._s.store.return_days
            return [
                self._say("return_not_delivered", number=order.number, days=days),
                self._say("anything_else"),
            ]
        if (date.today() - order.delivered_on).days > self._s.store.return_days:
            self.notes.append(self._note("return_expired", number=order.number))
            # the sentence ends by offering a person: a "sí" to it is a transfer
            q = self._say("return_expired", number=order.number, days=self._s.store.return_days)
            self._pending = Pending(
                "offer_person", kind="return", order_number=order.number, question=q
            )
            return [q]
        q = self._say("return_confirm", number=order.number, item=self._item(order.lines))
        self._pending = Pending(
            "confirm_ticket", kind="devolución", order_number=order.number, question=q
        )
        return [q]

    def _complaint(self, number: str | None) -> list[str]:
        self._told_order = number or self._told_order  # "¿y con qué transportadora?" next
        if number and (filed := self._filed.get(("queja", number))):
            # "¿y entonces ustedes me ayudan con el reclamo?" after it was registered: its
            # number again, not a second ticket
            return [self._say("ticket_confirmed", ticket=filed), self._say("anything_else")]
        q = (self._say("complaint_confirm_order", number=number) if number
             else self._say("complaint_confirm"))  # fmt: skip
        self._pending = Pending("confirm_ticket", kind="queja", order_number=number, question=q)
        return [q]

    async def _open_ticket(self, p: Pending) -> list[str]:
        detail = [self._note("ticket_detail", channel=self.channel)]
        if p.when:
            detail.append(self._note("ticket_when", when=p.when))
        ticket = await self.tools.create_ticket(
            NewTicket(
                kind=p.kind, phone=p.phone or self.phone or "desconocido",
                order_number=p.order_number,
                customer_id=self.customer.id if self.customer else None,
                detail=redact(" ".join(detail)),
            )
        )  # fmt: skip
        self.outcome.tickets.append(ticket.id)
        self.outcome.resolved = True
        self._opened = ticket.id
        self._filed[(p.kind, p.order_number)] = ticket.id
        self.notes.append(self._note("ticket_opened", ticket=ticket.id, kind=p.kind))
        said = [self._say("ticket_created", ticket=ticket.id)]
        if p.when:
            said.append(self._say("callback_when", when=p.when))
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


# "¿y de otra marca?" after a product: that kind of item by another brand
_OTHER_BRAND = ["otra marca", "otras marcas"]
_BRAND_WORDS = ["marca", "marcas"]  # "¿de qué marcas?" after a product: the category's brands

# "I do not have the number" as callers put it: an answer to the bot's question, whatever
# else the words resemble (the intent model took "no me acuerdo del número" for data rights).
_NO_NUMBER = ["no me acuerdo", "no recuerdo", "no lo tengo", "no tengo el numero", "no lo se",
              "no se el numero", "no se cual es", "no lo encuentro", "se me olvido",
              "no lo tengo a la mano", "no lo tengo a mano", "a la mano", "no se"]  # fmt: skip

# Intents whose own flow reads the order number ("quiero devolver el pedido 45721").
_ORDER_TOPICS = ("order_status", "return", "complaint")
# intents a product question can be classified as: a turn with one of these may follow up the
# product just talked about, or ask a store question while naming a product
_LOOSE = (None, "out_of_scope", "store_info", "stock", "price", "product_search")
# another number than the one calling, for a call back
# Words that add a second question to a turn: "y de paso, la factura…"
_ALSO = ["de paso", "otra cosa", "otra pregunta", "ademas", "aprovecho", "y tambien",
         "una ultima cosa", "y lo otro", "y otra"]  # fmt: skip
_ANOTHER_PHONE = ["otro numero", "otro celular", "otro telefono", "numero diferente",
                  "numero distinto", "a un fijo", "celular de mi", "numero de mi",
                  "telefono de mi"]  # fmt: skip
# words that point at the item just talked about
# How much more a sum needs for free shipping
_SHORT_OF = ["cuanto me falta", "cuanto falta", "cuanto le falta", "que tanto me falta",
             "cuanto me faltaria", "cuanto mas tengo que", "cuanto mas le tengo que"]  # fmt: skip
# How many are left: "¿sí alcanza?", "¿cuántas quedan?"
_ENOUGH = ["alcanza", "alcanzan", "alcanzaria", "hay suficientes", "cuantas quedan",
           "cuantos quedan", "cuantas unidades", "cuantos hay", "cuantas hay", "cuantos tienen",
           "cuantas tienen", "cuantas le quedan", "cuantos le quedan", "cuantas les quedan",
           "cuantos les quedan", "cuantas me quedan", "cuantas tiene", "cuantos tiene"]  # fmt: skip
# A number of items wanted: "necesito 3 paquetes", "¿tiene 5 pares?" (not "mis 2 muchachos")
# "necesito dos" (a small number Whisper leaves in words), "necesito 3", "12 pares"
_SMALL = {"dos": 2, "tres": 3, "cuatro": 4, "cinco": 5, "seis": 6, "siete": 7, "ocho": 8,
          "nueve": 9, "diez": 10}  # fmt: skip
# a count after a verb is small ("¿sí las tiene en 36?" asks a size, not 36 of them)
_COUNT = rf"([2-9]|1[0-2]|{'|'.join(_SMALL)})"
_QUANTITY = re.compile(
    rf"\b(?:necesito|ocupo|quiero|llevo|llevaria|serian|son|somos|pido|mando|compro|tiene|tienen|hay|"
    rf"haya|quedan|"
    rf"alcanzan?(?: los| las| para)?|"
    rf"(?:salen|cuestan|valen)(?: los| las)?)\s+{_COUNT}\b"
    rf"|\b(\d{{1,2}}|{'|'.join(_SMALL)})\s+(?:paquetes|pares|unidades|cajas)\b"
)


def _quantity(spoken: str) -> int | None:
    """The number of items the caller wants, from the transcript with digits, if said."""
    # "necesito cuatro, no, espere, somos seis": the last count said is the one meant
    m = next(reversed(list(_QUANTITY.finditer(fold(spoken)))), None)
    said = (m[1] or m[2]) if m else "0"
    count = _SMALL.get(said) or int(said)
    return count if count > 1 else None


# "¿cuántas cafeteras Oster de goteo grises le quedan?": how many, with the item in between
_HOW_MANY = re.compile(
    r"\bcuant[oa]s\b(?:\s+\S+){0,6}?\s+(?:(?:le|les|me)\s+)?(?:quedan|queda|hay)\b"
)


def _asks_how_many(t: Understanding) -> bool:
    """Whether the turn asks how many are left ("¿cuántas quedan?", "¿sí alcanzan?")."""
    return t.says(_ENOUGH) or _HOW_MANY.search(t.folded) is not None


def _asks_units(t: Understanding) -> bool:
    """Whether the turn asks how many are left, or for a number of items."""
    if t.order_number is not None or t.says(_COLOR_QUESTION + _SIZE_QUESTION + ["cuanto"]):
        return False  # "¿en qué otro color hay dos?", "¿cuánto me salen las dos?"
    return _asks_how_many(t) or _quantity(t.digits) is not None


# Whether an item is still sold or in stock
_STILL_HAVE = ["todavia los tienen", "todavia las tienen", "todavia lo tienen", "todavia la tienen",
               "todavia tienen", "todavia hay", "aun los tienen", "aun las tienen", "aun hay",
               "siguen teniendo", "los tienen todavia", "las tienen todavia", "hay todavia",
               "todavia estan"]  # fmt: skip
_VAGUE = (None, "out_of_scope", "stock", "price")
_ALIKE = ["igualito", "igualita", "igualitos", "igualitas", "otro igual", "otra igual"]
_SAME_ONE = ["mismo", "misma", "mismos", "mismas"]
_POINTING = ["ese", "esa", "esos", "esas", "este", "esta", "estos", "estas", "el mismo", "la misma"]
# intents a question about the order just told may be classified as
_LOOSE_ORDER = (None, "out_of_scope", "store_info", "shipping", "order_status")
_NUMBERED = ("order_status", "return", "complaint", "callback", "product_search")


# The caller's own order, in the words of a question ("¿dónde queda mi pedido?"), and the
# words that make an FAQ cue one about orders ("recoger mi pedido")
_MY_ORDER = ["mi pedido", "mi compra", "mi orden", "mi paquete", "el pedido", "la compra"]
_ORDER_WORDS = ["pedido", "compra", "orden", "paquete"]
# Advertising, and not wanting it any more ("ya no quiero que me manden publicidad")
_ADVERTISING = ["publicidad", "promociones", "ofertas", "mensajes promocionales", "propaganda"]
_REFUSING = ["no quiero", "no me manden", "no me envien", "dejen de", "que no me", "ya no",
             "no me sigan", "quitarme", "sacarme", "me quiten", "me saquen"]  # fmt: skip
# Items suggested to reach free shipping cost what is missing, or up to this much more (pesos)
# when the caller names no amount: a sock pack or a cleaning kit, not a second pair of shoes
_COMPLETING_MARGIN = 15_000
# Asking for a suggestion: "¿qué me recomienda para completar?"
_RECOMMEND = ["que me recomienda", "que me aconseja", "que me sugiere", "que le puedo agregar",
              "que puedo agregar", "que le agrego", "para completar",
              "que me sirve para"]  # fmt: skip
# The caller calling the store, not a call back
_I_CALL = ["puedo llamar", "puedo volver a llamar", "los puedo llamar", "vuelvo a llamar",
           "puedo marcar", "los llamo", "yo llamo", "llamo de nuevo"]  # fmt: skip
# A purchase the caller means to make
_BUYING = ["quiero comprar", "quisiera comprar", "voy a comprar", "quiero pedir", "voy a pedir",
           "quiero llevar", "me voy a llevar", "me quiero llevar", "necesito comprar"]  # fmt: skip
# A cost asked: "¿y el envío cuánto me vale?", "¿en total cuánto me sale?"
_COST_WORDS = ["cuanto", "vale", "cuesta", "cobran", "me sale", "costo", "precio", "gratis",
               "en total"]  # fmt: skip
# Items asked together: "el jean con esas medias, ¿cuánto me queda todo?"
_JOINED = ["con esas", "con esos", "con esa", "con ese", "todo junto", "todo eso", "me queda todo",
           "sale todo", "junto con", "mas esas", "mas esos", "las dos cosas"]  # fmt: skip
# The price of all the items wanted, not of one
_IN_TOTAL = ["en total", "todas", "todos", "todo", "por todas", "por todos", "todo junto",
             "toditas"]  # fmt: skip
# An item's price with the shipping: "¿en total cuánto me sale el morral con el envío?"
_WITH_SHIPPING = ["en total", "con el envio", "con envio", "con todo y envio", "mas el envio",
                  "incluido el envio", "con el domicilio", "mas el domicilio"]  # fmt: skip
# Whether an item goes with the order just told
_SAME_ORDER = ["mismo pedido", "misma orden", "ese pedido", "esa orden", "en ese mismo", "va junto",
               "van juntos", "viene junto", "vienen juntos", "llega aparte", "llegan aparte",
               "viene aparte", "vienen aparte", "va aparte", "van aparte", "por separado",
               "tambien va", "tambien viene", "tambien venia", "tambien iba"]  # fmt: skip
_ANOTHER_ORDER = ["otro pedido", "otra compra", "otra orden", "otro paquete", "el otro",
                  "la otra", "aparte", "a parte", "por separado"]  # fmt: skip
# About the product just talked about: its colours, something cheaper of the same kind
_COLOR_QUESTION = ["que colores", "en que colores", "que color", "cuales colores",
                   "colores tiene", "colores hay", "colores tienen", "otros colores",
                   "que otro color", "en que otro color"]  # fmt: skip
_SIZE_QUESTION = ["que tallas", "en que tallas", "cuales tallas", "tallas tiene", "tallas hay",
                  "tallas tienen", "tallas manejan", "otras tallas", "que numeros",
                  "hasta que talla", "desde que talla"]  # fmt: skip
_CHEAPER = ["mas barato", "mas barata", "mas baratos", "mas baratas", "mas economico",
            "mas economica", "menos costoso", "menos costosa", "mas bajo de precio"]  # fmt: skip
# The other items of the kind just talked about, to choose from
_OPTIONS = ["cual me recomienda", "cual recomienda", "que me recomienda", "cual me recomendaria",
            "que me recomendaria", "cual recomendaria", "cual me aconseja", "que me aconseja",
            "cual me sugiere", "que me sugiere", "cual es la mejor",
            "cual es el mejor", "cual es mejor", "que opciones", "cuales opciones",
            "otras opciones", "que otras tiene", "que otros tiene", "que otras hay",
            "que otros hay", "cuales tiene", "cuales hay", "cuales tienen",
            "cuales manejan", "cual tiene", "cual tienen", "cual hay"]  # fmt: skip
# How much dearer or cheaper one item is than the other just talked about
_PRICE_GAP = ["cuanto mas caro", "cuanto mas cara", "cuanto mas barato", "cuanto mas barata",
              "cuanto mas cuesta", "cuanto mas vale", "que diferencia", "cuanta diferencia",
              "cuanto de diferencia", "diferencia de precio"]  # fmt: skip
# What is asked about an item that neither the catalogue nor the store's facts hold: its
# installation, technical service, spare parts, whether it is original
_UNKNOWABLE = ["instalacion", "instalan", "instalar", "instalarla", "instalarlo", "instalado",
               "servicio tecnico", "tecnico", "repuesto", "repuestos", "originales", "original",
               "replica", "replicas", "imitacion", "manual de instrucciones", "armado",
               "la arman", "lo arman", "hecho en", "hechos en", "hecha en", "hechas en",
               "fabricado en", "fabricados en", "importados", "importado"]  # fmt: skip
# A product's details the catalogue does not hold: its weight, size, material, power...
_DETAILS = ["cuanto pesa", "que peso", "el peso", "cuanto mide", "medidas", "dimensiones",
            "que tamano", "material", "de que esta hecho", "de que esta hecha", "que tela",
            "resistente", "sumergible", "impermeable", "contra el agua", "vatios", "watts",
            "potencia", "bateria", "capacidad", "litros", "velocidades", "voltaje", "trae",
            "viene con", "incluye", "pantalla", "que modelo", "horma", "suela", "se puede lavar",
            "pilas", "cargador", "caracteristicas", "especificaciones", "ficha tecnica",
            "de que es", "como es", "de cuero", "es cuero", "algodon", "de tela", "sintetico",
            "sintetica", "es original", "son originales"]  # fmt: skip
# The tracking code of a shipment ("¿me da el número de guía?")
_CARRIER = ["transportadora", "transportador", "empresa de envios", "empresa de mensajeria",
            "con quien lo mandan",
            "con quien lo enviaron", "con quien lo mandaron", "que empresa lo lleva",
            "con que empresa", "que empresa", "con quien me lo", "con quien me la",
            "con quien me los", "con quien me las", "quien me lo lleva", "quien me la lleva",
            "quien lo trae", "quien la trae", "quien los trae", "quien las trae",
            "con quien viene", "con quien vienen", "con quien llega", "con quien llegan",
            "mensajeria", "cual empresa", "por cual empresa"]  # fmt: skip
# What an order cost: "¿y cuánto fue que pagamos por todo eso?"
_ORDER_TOTAL = ["cuanto pagamos", "cuanto pague", "cuanto fue que pagamos", "cuanto fue que pague",
                "cuanto costo el pedido", "cuanto fue el pedido", "cuanto fue todo",
                "cuanto fue en total", "cuanto fue eso", "cuanto costo todo", "cuanto costo eso",
                "total del pedido", "valor del pedido", "cuanto nos costo", "cuanto me costo",
                "cuanto salio el pedido", "cuanto salio todo"]  # fmt: skip
# What an order holds: "¿qué es lo que va en ese pedido?", "¿qué más pedí ahí?"
_ITEMS_ASKED = ["que va en", "que van en", "lo que va en", "que viene en", "que venia en",
                "que lleva el pedido", "que lleva ese pedido", "que trae", "que contiene",
                "que mas pedi", "que mas pedia", "que fue lo que pedi", "que fue lo que pedimos",
                "que pedimos", "que productos", "que articulos", "que cosas van",
                "que cosas pedi"]  # fmt: skip
# The order's progress asked for ("¿y eso en qué va?"): its status is said again with a detail
_STATUS_ASKED = ["en que va", "como va", "por donde va", "por donde viene", "donde esta",
                 "como vamos", "ya salio", "cuando llega", "cuando me llega"]  # fmt: skip
_TRACKING = ["numero de guia", "la guia", "codigo de guia", "numero de seguimiento",
             "codigo de seguimiento", "numero de rastreo", "codigo de rastreo",
             "tracking"]  # fmt: skip
# The details of an order a caller may ask for, by their cues
OrderDetail = Literal["tracking", "carrier", "items", "total"]
_DETAIL_CUES: dict[OrderDetail, list[str]] = {
    "tracking": _TRACKING, "carrier": _CARRIER, "items": _ITEMS_ASKED, "total": _ORDER_TOTAL,
}  # fmt: skip
_ORDER_DETAILS = [cue for cues in _DETAIL_CUES.values() for cue in cues]
# A shipment of the caller's own ("la compra" is not one: "si hago la compra hoy, ¿en cuántos
# días llega?" asks in general)
_MY_SHIPMENT = [c for c in _MY_ORDER if c.startswith("mi ")] + [
    "mi envio", "transportadora", *_TRACKING]  # fmt: skip
# Asking whether the same holds: "¿es lo mismo?", "¿aplica igual?", "¿también?"
_SAME_AGAIN = ["lo mismo", "eso mismo", "igual", "tambien", "aplica", "y si"]
# A question without Whisper's question mark: "cuál es la política de devoluciones"
_QUESTION_OPENERS = ("cual", "cuales", "cuanto", "cuantos", "cuanta", "cuantas", "como", "donde",
                     "cuando", "hasta", "quien", "que")  # fmt: skip
_ASKING = ["queria saber", "quisiera saber", "quiero saber", "me puede decir", "me podria decir",
           "me dice", "me informa", "una pregunta", "una consulta", "saber si", "preguntar",
           "preguntarle", "le pregunto",
           # a request is a question, even with Whisper's period: "ustedes me dejan pagar en
           # efectivo.", "no me pueden hacer el favor así sea esta vez."
           "me pueden", "nos pueden", "me dejan", "se puede"]  # fmt: skip
# The order errands a pending question is about, by their `Pending.kind` (ticket kinds are
# the store's Spanish words)
_TICKET_TOPICS = {"devolución": "return", "queja": "complaint"}
# The model's probability above which a turn is taken for out of scope over a one-word cue
_SURE_ELSEWHERE = 0.8
# Payments the store does not take, whatever its payment cues say ("¿se puede pagar el recibo
# del gas?"): bills, taxes, fines, top-ups and transfers are other businesses' errands
# The order number about to be said: "el número es…"
# The order's number named in a yes ("sí, el número…", "sí, el número empieza por 46")
_NUMBER_WORDS = ["el numero", "numero del pedido", "numero de pedido", "el numerito"]
_NUMBER_COMING = ["el numero es", "numero es el", "el numero del pedido es", "el pedido es el",
                  "el pedido es"]  # fmt: skip
# Praise for the store: thanked, nothing to look up ("no, nada" in it is no trouble)
_PRAISE = ["darles las gracias", "dar las gracias", "agradecerles", "a agradecer",
           "felicitarlos", "felicitarles", "quedo feliz", "quedo encantada", "quedo encantado",
           "quedamos felices", "excelente servicio", "muy buen servicio", "muy buena atencion",
           "excelente atencion"]  # fmt: skip
_BUT = ["pero", "sin embargo", "lastima", "aunque"]
# What others sell, not the store: food, medicine, rides ("hablo con el restaurante?")
_NOT_SOLD = ["restaurante", "almuerzo", "almuerzos", "comida", "pizza", "pizzas", "hamburguesa",
             "hamburguesas", "pollo asado", "drogueria", "farmacia", "medicamento",
             "acetaminofen", "ibuprofeno", "pastillas", "jarabe",
             "sales de rehidratacion", "sales de reidratacion", "droga", "drogas",
             "medicamentos", "un taxi", "recarga", "recargas", "una cita", "cita medica",
             "medicina general", "la eps", "el medico", "un medico", "odontologo",
             # a job, not an item: "¿están recibiendo hojas de vida?"
             "hoja de vida", "hojas de vida", "buscando trabajo", "buscando empleo", "vacante",
             "vacantes", "estan contratando", "curriculum"]  # fmt: skip
# Goods the store does not sell (electronics, large appliances), asked for by kind
_OTHER_GOODS = ["celulares", "un celular", "televisores", "un televisor", "televisor", "neveras",
                "una nevera", "lavadoras", "una lavadora", "computadores", "un computador",
                "una computadora", "tablets", "una tablet", "microondas", "estufas",
                "una estufa", "ventiladores", "un ventilador"]  # fmt: skip
# Nothing to do after all: "ya no necesito nada", "ya no hace falta"
_NOTHING_NEEDED = ["ya no necesito nada", "ya no necesito", "no necesito nada", "ya no hace falta",
                   "ya no es necesario", "ya no se necesita"]  # fmt: skip
_OTHERS_BILLS = ["recibo del gas", "recibo de gas", "recibo de la luz", "recibo de luz",
                 "recibo del agua", "recibo de agua", "recibo del internet", "recibo de internet",
                 "recibos de servicios", "recibo de servicios", "servicios publicos",
                 "factura de la luz", "factura del agua", "factura del gas", "factura de gas",
                 "factura de servicios", "pagar la luz", "pagar el agua", "pagar el gas",
                 "impuesto", "impuestos", "predial", "soat", "multa", "multas", "comparendo",
                 "comparendos", "recarga", "recargas", "giros", "chance", "loteria",
                 "la moto", "de la moto", "mi moto", "del carro", "tecnomecanica"]  # fmt: skip
# A confirmation in words ("sí, confirmo", "sí, regístrelo, por favor"; Whisper's "se
# confirmó": whole words, so "confirmo" covers it)
_CONFIRMING = ["confirmo", "confirmado", "confirmada", "confirmar", "registrelo", "registrela",
               "por favor"]  # fmt: skip
# Among the items just asked for: "¿cuál de esos es el más barato?"
_AMONG_THOSE = ["de esos", "de esas", "de ellos", "de ellas", "de los dos", "de las dos",
                "de esa marca", "de la misma marca"]  # fmt: skip
# Leaving things as they are, in answer to whatever the bot offered
_LEAVE_IT = ["dejelo asi", "dejemoslo asi", "dejemos asi", "dejela asi", "asi dejelo",
             "asi esta bien", "lo dejo asi", "la dejo asi", "asi lo dejo", "asi la dejo",
             "mejor lo dejo asi", "dejelo quieto", "dejelo como esta"]  # fmt: skip
# Asking where else, after the store said it does not handle that
_WHERE_ELSE = ["donde", "adonde", "a quien", "quien me", "que me recomienda", "sabe de algun",
               "conoce algun"]  # fmt: skip
# A plea for an exception to a policy the bot has just said
_PLEA = ["por esta vez", "excepcion", "favorcito", "hacer el favor", "hacerme el favor",
         "colaborar", "colaboren", "colaboracion", "no me pueden ayudar", "con la etiqueta",
         "sin estrenar", "nuevecito", "nuevecita", "nuevecitos", "nuevecitas",
         # Whisper splits the diminutive: "están nueve citas"
         "nueve citas", "nueve citos", "hace el favor", "haga el favor", "hagame el favor",
         "como asi", "no hay forma", "no hay manera", "no hay como", "aunque sea",
         "sin usar", "no las he usado", "no los he usado", "no lo he usado", "no la he usado",
         "solo me las medi", "solo me los medi", "solo me lo medi", "solo me la medi"]  # fmt: skip
# A complaint's ticket pressed for in words of complaint or of a refund
_PRESSING = ("complaint", "return")
# What became of an item ordered: past forms only ("¿me la despachan a Cali?" is a new sale)
_ORDER_FATE = (
    r"\b(?:despacharon|despachado|despachada|despacho|enviaron|enviado|enviada|"
    r"mandaron|llego|llegado|llegaron|pedi|pedidas?|compre|encargue|salio|entregaron|"
    r"entregado|entregada)\b|\b(?:que|ha) pas(?:o|ado) con\b|\bcomo van?\b|\ben que quedo\b|"
    # "de ese no me han vuelto a decir nada": nothing heard of it since it was ordered
    r"\b(?:no me han|nadie me ha) (?:vuelto a )?(?:decir|dicho|avisar|avisado) nada\b"
)
# A delivery the caller never got: a "delivered" status is then a claim to open
_NOT_RECEIVED = ["no me ha llegado", "no me llego", "nunca me llego", "nunca llego",
                 "no ha llegado", "no me han traido", "no me han entregado", "no he recibido",
                 "no recibi", "no me trajeron", "no me entregaron", "nadie ha timbrado",
                 "nadie vino", "no me ha llegado nada", "no lo he recibido",
                 "no la he recibido", "nunca lo recibi", "nunca la recibi"]  # fmt: skip
# An order long awaited, in the caller's words ("y nada que me llegan", "todavía no llega")
_STILL_WAITING = ["nada que me llega", "nada que me llegan", "nada que llega", "nada que llegan",
                  "y nada que", "todavia no llega", "todavia no me llega", "aun no llega",
                  "aun no me llega", "todavia no llegan", "todavia no me llegan", "aun no llegan",
                  "aun no me llegan", "sigo esperando", "llevo esperando", "llevo mucho esperando",
                  "no han llegado", "no me han llegado", "demorado", "demorados",
                  "demorada", "se demoro", "se han demorado", "se ha demorado", "tanta demora",
                  "no llega nunca", "no llegan nunca",
                  # "dos meses y medio alistando unos tenis": still being prepared
                  "alistando", "preparando", "meses esperando", "semanas esperando"]  # fmt: skip
# The words around an order number said alone: "no, es el pedido 45721", "sí, el de 38150"
_AROUND_A_NUMBER = frozenset(
    "si no es el la los de del pedido numero orden compra mi ese este perdon mejor ah eh ya "
    "listo bueno vea pues y".split()
)
# The other ones: after an order's status, another of the caller's orders, or another item
_OTHER_ONES = ["otra", "otro", "otras", "otros"]
# Whether there are some: "¿por lo menos hay en 41?", "¿sí tienen en blanco?"
_IN_STOCK = ["hay", "tienen", "tiene", "quedan", "queda", "manejan", "si en"]
# More to a purchase whose shipping was asked: "¿y si le agrego unas medias?"
_ADDING = ["agrego", "le agrego", "agregue", "le sumo", "sumo", "sumando", "anado", "le anado",
           "le pongo", "le meto", "tambien compro", "con otra", "con otro", "mas unas", "mas unos",
           "mas una", "mas un", "le agrega", "agregamos", "le agregamos", "le sumamos"]  # fmt: skip
# A wish for an item, not words about one already bought
_WANTS = ["quiero", "quisiera", "necesito", "busco", "buscando", "me interesa", "comprar", "pedir",
          "cuanto", "precio", "tienen", "hay", "manejan"]  # fmt: skip
# A new purchase, not an order placed: "hacer un pedido", "comprar por teléfono"
_NEW_ORDER = ["hacer un pedido", "hacer una compra", "hacer el pedido", "comprar por telefono",
              "pedir por telefono", "pedido por telefono"]  # fmt: skip


def _asks(t: Understanding) -> bool:
    """Whether the turn is a question, with Whisper's question mark or without it."""
    words = t.folded.split()
    opener = words[0] if words and words[:2] != ["que", "pena"] else ""  # "qué pena": sorry
    return "?" in t.text or opener in _QUESTION_OPENERS or t.says(_ASKING)


def _named_by(t: Understanding, product: Product, kind: list[Product]) -> bool:
    """Whether the turn says a word of the product's name that not every item of its kind
    has ("antiadherentes" for the non-stick pots, however Whisper spelled it)."""
    words = [w for w in t.folded.split() if len(w) >= 6 and w not in STOPWORDS]
    own = fold(product.name).split()
    return any(
        fuzz.ratio(w, n) >= 80 and not all(n in fold(p.name).split() for p in kind)
        for w in words
        for n in own
    )


def _brand_said(terms: str, brand: str) -> bool:
    """Whether the folded words name the brand, however Whisper spelled it ("toto", and a
    long name one sound off: "inmusa" for Imusa)."""
    heard = {sound(w) for w in terms.split()}
    return all(
        sound(w) in heard
        or (len(w) >= 5 and any(fuzz.ratio(sound(w), h) >= 85 for h in heard if len(h) >= 5))
        for w in fold(brand).split()
    )


def _added_question(text: str) -> str:
    """The turn's last question when other words come before it ("Sí, déjela tramitada. ¿Y
    necesito la factura?"), else nothing."""
    parts = [p.strip() for p in re.split(r"(?<=[.?!])\s+", text.strip()) if p.strip()]
    if len(parts) > 1 and parts[-1].endswith("?"):
        return parts[-1]
    opened = text.rfind("¿")
    if opened > 0 and text[:opened].strip(" ,"):
        return text[opened:].strip()  # "Listo, ¿y hacen envíos a Pasto?"
    # "Listo y los sábados hasta qué hora atienden": a note taken, then a new question
    # with no marks (Whisper's way when the caller runs on)
    ran_on = _NOTED_AND.match(text)
    return ran_on[1].strip() if ran_on and len(ran_on[1].split()) >= 3 else ""


_NOTED_AND = re.compile(
    r"^\W*(?:ah\W+)?(?:listo|bueno|ok|okey|okay|vale|perfecto|dale)\W+y\s+(.+)$", re.IGNORECASE
)


def _digits_said(spoken: str) -> str:
    """Every digit run of the turn together ("4, 5, 3, un momentico, 4, 5" -> "45345"); the
    dots of "45.721" are no separators."""
    return "".join(numbers(spoken.replace(".", "")))


def _same_number(spoken: str, number: str) -> bool:
    """Whether the digits said, all runs together, are `number`; or `number` with one digit
    lost or one more (Whisper drops or doubles one now and then: "4696" for 46196, "466400"
    for "466, 40"); or hold it whole among the caller's restarts ("453, 45, 453, 455")."""
    said = _digits_said(spoken)
    if len(said) == len(number):
        return said == number
    short, long = sorted((said, number), key=len)
    if len(long) - len(short) == 1 and len(short) >= 4:
        return any(long[:i] + long[i + 1 :] == short for i in range(len(long)))
    return len(said) > len(number) and number in said


def _only_a_number(t: Understanding) -> bool:
    """Whether the turn says an order number and nothing else of substance."""
    words = fold(t.digits).split()
    return all(w in _AROUND_A_NUMBER or w.isdigit() for w in words)


def _listed(items: list[str]) -> str:
    """Items as said aloud: "a, b y c"."""
    return " y ".join([", ".join(items[:-1]), items[-1]] if len(items) > 1 else items)


def _last_question(text: str) -> str:
    """The last question of a text ("…automático. ¿Llama por su pedido de…?" -> "¿Llama por
    su pedido de…?"); the whole text when it asks none in Spanish marks. A greeting keeps only
    its question as the one to ask again: said again whole it would be a parroted greeting."""
    start = text.rfind("¿")
    return text[start:] if start > 0 else text


def _possessive(name: str) -> str:
    """'Licuadora Oster' -> 'su licuadora Oster', 'Zapatillas Nike' -> 'sus zapatillas Nike':
    the number of a product's name is its first word's (Spanish plurals end in -s)."""
    first = fold(name.split()[0]) if name.split() else ""
    return f"{'sus' if first.endswith('s') else 'su'} {_lower_first(name)}"


# What `Concierge.snapshot` keeps: the dialogue's state, not the records of what was done.
_STATE = ("_pending", "_asked_more", "_last_product", "_kind", "_last_query", "_misses",
          "_verified", "_partial_number", "_frustrated", "_details_asked", "_wanted",
          "_not_received", "_told_order", "_last_faq", "_elsewhere", "_opened",
          "_upset", "_spent", "_in_sum", "_kind_words", "_lapsed", "_compared")  # fmt: skip


def _understood(turn: Understanding | str) -> Understanding:
    return turn if isinstance(turn, Understanding) else understand(turn)


# The intents that stay on the topic the bot asked about (its `Pending.kind`).
_TOPIC_INTENTS: dict[str, tuple[str, ...]] = {
    "order_status": ("order_status", "shipping"),
    "cart": ("cart", "send_link", "payment", "price", "stock", "product_search"),
    "product": ("product_search", "price", "stock", "send_link"),
    "payment": ("payment", "send_link"),
    "return": ("return", "order_status"),
    "llamada": ("callback",),
    "queja": ("complaint",),
    "complaint": ("complaint",),
    "devolución": ("return",),
}


def _on_topic(p: Pending, t: Understanding) -> bool:
    """Whether the turn's request is about what the bot asked (or asks nothing new)."""
    return t.intent is None or t.intent in _TOPIC_INTENTS.get(p.kind or "", ())


def _topic_of(ref: str) -> Pending:
    """The question about a remembered reference (order:N, return:N, product:SKU)."""
    kind, _, value = ref.partition(":")
    if kind == "product":
        return Pending("confirm_topic", kind="product", sku=value)
    kind = "return" if kind == "return" else "order_status"
    return Pending("confirm_topic", kind=kind, order_number=value or None)


def _without_kind(product: Product) -> str:
    """A product's name without the kind word it opens with, when that was just said ("En
    licuadoras tenemos Oster clásica…"), otherwise as said in a sentence."""
    first, _, rest = product.name.partition(" ")
    kind = fold(product.category)
    return rest if rest and fold(first)[:4] == kind[:4] else _lower_first(product.name)


def _lower_first(name: str) -> str:
    """'Zapatillas Adidas Runfalcon' -> 'zapatillas Adidas Runfalcon' inside a sentence."""
    return name[:1].lower() + name[1:] if name else name
