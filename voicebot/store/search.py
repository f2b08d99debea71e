"""Product search over the catalogue: Spanish keywords, fuzzy names and brands, filters, stock.

The catalogue is small (hundreds of products), so it is held in memory and scored per query
with rapidfuzz. Each query word, and each pair of neighbouring words joined ("run falcon",
"ni que" for Nike), is matched against the product's words by how they sound in Spanish
(`sound`: "kasio" is "casio", "toto" is "totto", "veles" is "vélez"), which tolerates the
spellings Whisper writes. A word counts by how rare it is in the catalogue, so a brand or a
model the caller names outranks the category word every product of the kind shares; a
category the caller names is a requirement ("reloj" keeps a fuzzy "caso" from pulling in
anything but watches). Filters (size, colour, price ceiling) decide availability, not
relevance: an item out of stock in the asked size is still found, so the bot can say so and
offer an alternative.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from itertools import pairwise

from rapidfuzz import fuzz, process

from voicebot.store import Product
from voicebot.text import fold, has_phrase

# Words callers use for a category (normalised, singular and plural).
CATEGORY_WORDS: dict[str, list[str]] = {
    "zapatillas": ["zapatilla", "zapatillas", "tenis", "deportivos", "zapatos"],
    "botas": ["bota", "botas", "botines"],
    "sandalias": ["sandalia", "sandalias", "chanclas", "crocs"],
    "camisetas": ["camiseta", "camisetas", "camisa", "polo", "buso"],
    "jeans": ["jean", "jeans", "pantalon", "pantalones", "blue"],
    "chaquetas": ["chaqueta", "chaquetas", "chamarra", "abrigo", "impermeable"],
    "vestidos": ["vestido", "vestidos"],
    "medias": ["media", "medias", "calcetines"],
    "gorras": ["gorra", "gorras", "cachucha", "cachuchas"],
    "correas": ["correa", "correas", "cinturon"],
    "cuidado de calzado": ["limpiador", "limpiar", "kit"],
    "morrales": ["morral", "morrales", "mochila", "maleta", "maletin"],
    "licuadoras": ["licuadora", "licuadoras"],
    "ollas": ["olla", "ollas", "sarten"],
    "cafeteras": ["cafetera", "cafeteras", "greca"],
    "leggings": ["leggings", "legging", "licra", "licras", "lycra"],
    "relojes": ["reloj", "relojes"],
    "bolsos": ["bolso", "bolsos", "cartera", "carteras"],
}
# How much a word for what a product is for tells, against its own name's word
_DESCRIBED = 0.8
# Words callers use for what a product is for, by the word its name uses for it: "para el
# colegio" is the "escolar" one, "para el computador" the "portátil" one.
DESCRIPTOR_WORDS: dict[str, list[str]] = {
    "escolar": ["colegio", "escuela", "estudiante", "estudio", "universidad"],
    "portatil": ["computador", "computadora", "laptop", "pc"],
    "deportivo": ["deporte", "deportes", "gimnasio", "gym", "correr", "ejercicio", "entrenar"],
    "deportiva": ["deporte", "deportes", "gimnasio", "gym", "correr", "ejercicio", "entrenar"],
    "deportivos": ["deporte", "deportes", "gimnasio", "gym", "correr", "ejercicio"],
    "deportivas": ["deporte", "deportes", "gimnasio", "gym", "correr", "ejercicio"],
    "impermeable": ["lluvia", "agua"],
    "acolchada": ["frio", "invierno"],
    "termicos": ["frio", "invierno"],
    "analogo": ["agujas", "manecillas"],
    "trekking": ["montana", "caminata", "caminar", "senderismo"],
    "playa": ["piscina", "mar"],
    "antiadherente": ["teflon"],
}
STOPWORDS = set(
    "a al algo alguna alguno busco buscando cuanto cuesta cuestan de del el en es esta estan "
    "hay la las lo los me mi necesito para por precio que quiero quisiera saber se si son su "
    "tiene tienen tienes un una unas unos vale valen venden y ustedes hola buenas buenos tardes "
    "dias noches favor comprar color talla numero tallas colores disponible disponibles menos "
    "pesos mil mas hasta maximo debajo como otra otro otras otros algun ver marca marcas modelo "
    "referencia costo costos compra compras cobran cobrar mismo medica medico cita "
    # everyday words that sound like an item's ("estoy" like "vestido"): never one
    "estoy estamos estaba esto este eso ese esa esos esas pues mire oiga vea queria tengo "
    "tenia cosa boleta boletas le les nos "
    # how cheap it is ("barata" sounds like Bata) and the size one wears ("calzo" like calzado)
    "barato barata baratos baratas economico economica economicos economicas calzo calso "
    # money ("que me devuelvan la plata"): "plata" sounds like a kind of item's word
    "plata platica dinero"
    .split()
)  # fmt: skip

# Spanish spelling by sound, in order: what Whisper may write for the same sounds.
_SOUNDS = [
    (re.compile(r"ph"), "f"),
    (re.compile(r"ch"), "\u0109"),  # kept apart from c and h below
    (re.compile(r"qu?"), "k"),
    (re.compile(r"c(?=[ei])"), "s"),
    (re.compile(r"c"), "k"),
    (re.compile(r"z"), "s"),
    (re.compile(r"v"), "b"),
    (re.compile(r"w"), "u"),
    (re.compile(r"g(?=[ei])"), "j"),
    (re.compile(r"ll"), "y"),
    (re.compile(r"h"), ""),
    (re.compile(r"y$"), "i"),
    (re.compile(r"m(?=[pb])"), "n"),  # "rumpal" for "run fal": n and m sound alike there
    (re.compile(r"(.)\1+"), r"\1"),  # "totto", "morral", "markk": one letter heard
]


# words after which a capitalized name is a brand asked for ("¿manejan Skechers?")
_BRAND_LEAD = {"tienen", "venden", "manejan", "marca", "hay", "consigo"}
# Brands Colombian shoppers ask for by name, found however Whisper writes them: in lower
# case or split ("con verse"). Those the catalogue carries are dropped at construction.
_WELL_KNOWN_BRANDS = ("converse", "new balance", "skechers", "asics", "under armour",
                      "tommy hilfiger", "lacoste", "samsung", "xiaomi", "huawei", "motorola",
                      "lenovo", "philips", "kalley", "haceb", "whirlpool", "hamilton beach",
                      "nespresso", "rolex", "swatch", "north face", "chevignon", "diesel",
                      "guess", "calvin klein", "oakley", "ray ban", "samurai", "mabe",
                      "challenger", "electrolux", "panasonic", "umbro", "timberland")  # fmt: skip


@lru_cache(maxsize=8192)
def sound(word: str) -> str:
    """A folded word as it sounds in Spanish ("kasio" and "casio", "veles" and "velez",
    "nique" and "nike", "toto" and "totto" are the same), so ASR spellings compare equal."""
    for pattern, repl in _SOUNDS:
        word = pattern.sub(repl, word)
    return word


@lru_cache(maxsize=65536)
def _likeness(heard: str, known: str, whole: bool = False) -> float:
    """How well a heard word (its `sound`) matches a catalogue word's sound, 0 below the bar.
    `whole`: the catalogue word is two joined ("calledeportiva"), whose start is no word."""
    best = fuzz.ratio(heard, known)
    if "d" in heard and "t" in known:
        # "todo" for "Totto": a d heard for a t is nearly the word (0.95), never the word
        best = max(best, 0.95 * fuzz.ratio(heard.replace("d", "t"), known))
    if len(heard) >= 5 and not whole:  # a clipped word ("camife", "licuado") against the start
        best = max(best, fuzz.ratio(heard, known[: len(heard)]))
    # A short word is only itself or one letter more ("toto" is "totto", "caso" may be
    # "casio"); three letters or fewer, on either side, must be exact ("gef", "era", "ela").
    shorter = min(len(heard), len(known))
    bar = 100 if shorter <= 3 else 85 if len(heard) == 4 else 80
    return best / 100 if best >= bar else 0.0


def _weak(heard: str, likeness: float) -> bool:
    """A short word heard only nearly ("caso", "mora"): it may be the brand one letter away or
    an ordinary word, so it can rank products another word found, not find them itself."""
    return likeness < 1 and len(sound(heard)) <= 4


@dataclass(frozen=True, slots=True)
class ProductQuery:
    """What the caller asked for; filters are optional."""

    terms: str  # folded words when it comes from an Understanding; any text otherwise
    size: str | None = None
    color: str | None = None
    max_price: int | None = None


@dataclass(frozen=True, slots=True)
class Hit:
    product: Product
    score: float  # share of what the best possible product would match, in [0, 1]
    available: int  # units in stock matching the query's size/colour
    within_budget: bool


class Catalog:
    """The products in memory with a fuzzy index; rebuilt whenever the store's list changes."""

    def __init__(self, products: list[Product]) -> None:
        self.products = products
        self.by_sku = {p.sku: p for p in products}
        self._mentions: dict[str, bool] = {}
        names = {p.sku: self._name_words(p) for p in products}
        own = {p.sku: [*names[p.sku], *fold(p.category).split()] for p in products}
        counts = Counter(w for words in own.values() for w in set(words))
        n = max(len(products), 1)

        def rarity(word: str) -> float:
            # A word in every product still counts a little; a brand or model in a few, a lot.
            return math.log(1 + n / counts[word])

        # Per product: the sound of each word it answers to and how much that word tells.
        self._weights: dict[str, dict[str, float]] = {}
        joined: set[str] = set()
        for p in products:
            weights: dict[str, float] = {}
            for w in own[p.sku]:
                weights[sound(w)] = max(weights.get(sound(w), 0.0), rarity(w))
            name = names[p.sku]
            for first, second in pairwise(name):
                # two name words heard as one ("nevera" for New Era, "airmax"): they tell
                # what the rarer of them tells
                pair = sound(first + second)
                joined.add(pair)
                weights.setdefault(pair, max(rarity(first), rarity(second)))
            kind = rarity(fold(p.category).split()[0])
            for w in CATEGORY_WORDS.get(p.category, []):  # a synonym says the category only
                weights.setdefault(sound(w), kind)
            for w in own[p.sku]:
                for said in DESCRIPTOR_WORDS.get(w, []):
                    # what it is for tells a little less than its own word: "el morral para
                    # portátil, es para la universidad" is the laptop one, not the school one
                    weights.setdefault(sound(said), rarity(w) * _DESCRIBED)
            self._weights[p.sku] = weights
        self._category_sounds = {
            category: {sound(w) for w in [*fold(category).split(), *words] if w not in STOPWORDS}
            for category, words in CATEGORY_WORDS.items()
        }
        self._sounds = sorted({s for weights in self._weights.values() for s in weights})
        self._most = {s: max(w.get(s, 0.0) for w in self._weights.values()) for s in self._sounds}
        single = {sound(w) for words in own.values() for w in words}
        # what an item is for ("correr"): heard whole or not at all ("corte" is no "correr")
        self._described = {sound(d) for ds in DESCRIPTOR_WORDS.values() for d in ds} - single
        self._joined = joined - single
        self.brands = sorted({fold(p.brand) for p in products})  # folded, as callers' words are
        self._long_brands = [b.split() for b in self.brands if len(b.split()) > 1]
        # our brands as one word ("levi s" is said "levis"), long enough not to open others
        self._glued = [b.replace(" ", "") for b in self.brands if len(b.replace(" ", "")) >= 4]
        # a brand's sound, its words together ("levis", "arturocalle"): its kinds of item and
        # the sounds of its products' names
        self._brand_kinds: dict[str, set[str]] = {}
        self._brand_words: dict[str, set[str]] = {}
        for p in products:
            key = sound(fold(p.brand).replace(" ", ""))
            self._brand_kinds.setdefault(key, set()).add(p.category)
            self._brand_words.setdefault(key, set()).update(sound(w) for w in fold(p.name).split())
        self.vocabulary = set(self.brands) | {w for ws in CATEGORY_WORDS.values() for w in ws}
        # a two-word brand said as one ("nevera" for New Era) is still the brand
        self._vocabulary_sounds = {sound(v.replace(" ", "")) for v in self.vocabulary}
        ours = {sound(b.replace(" ", "")) for b in self.brands}
        self._others = {
            sound(b.replace(" ", "")): b.title()
            for b in _WELL_KNOWN_BRANDS
            if sound(b.replace(" ", "")) not in ours
        }
        # long enough to be told by a near sound ("net balance"): short ones collide
        self._long_others = [b for b in self._others if len(b) >= 8]

    @staticmethod
    def _name_words(p: Product) -> list[str]:
        """The product's name words and its brand's (when the name does not say it)."""
        name = fold(p.name).split()
        brand = fold(p.brand)
        if f" {brand} " not in f" {' '.join(name)} ":
            name += brand.split()
        return [w for w in name if w not in STOPWORDS]

    def _matches(self, heard: str) -> dict[str, float]:
        """Catalogue sounds like `heard`, with the likeness of each."""
        key = sound(heard)
        found = {s: _likeness(key, s, s in self._joined) for s in self._sounds}
        if found.get(key) == 1:
            return {key: 1.0}  # a word the catalogue has ("reebok") is that word, no slip
        for single in (key[:-2], key[:-1]) if key.endswith("s") else ():
            if len(single) > 2 and single in self._sounds:
                return {single: 1.0}  # "digitales": the plural of the catalogue's "digital"
        return {s: v for s, v in found.items() if v}

    def sounds_like(self, heard: str, words: str) -> bool:
        """Whether the word heard sounds like one of `words` (a brand: "caso" for Casio)."""
        found = self._matches(heard)
        return any(sound(w) in found for w in fold(words).split())

    def brand_not_carried(self, text: str) -> str | None:
        """A brand the caller asked for that no product has: a name Whisper wrote capitalized
        right after a kind of item, "tienen", "venden", "manejan" or "marca" ("¿tienen
        zapatillas New Balance?", "¿manejan Skechers?"), with a word that sounds like no word
        of the catalogue, or a well-known brand we do not carry however it is written ("con
        verse"); None when there is none."""
        tokens = re.findall(r"[\w&']+|[.?!¿¡]", text)
        # a sentence's first word is capitalized whatever it is: marked by a None before it
        words = [None if t in ".?!¿¡" else t for t in tokens]
        for i, word in enumerate(words[1:], start=1):
            prior = words[i - 1]
            if word is None or prior is None or not word[0].isupper():
                continue
            before = fold(prior)
            if not (before in _BRAND_LEAD or self.categories_named(before)):
                continue
            name = [word]
            for nxt in words[i + 1 :]:
                if nxt is None or not nxt[0].isupper():
                    break
                name.append(nxt)
            folded = [fold(w) for w in name]
            unknown = [
                w for w in folded if len(w) > 2 and w not in STOPWORDS and not self._matches(w)
            ]
            # one of our brands whole in the name ("Oster Trangarantía": Oster, and "traen
            # garantía" glued by the ASR) is ours; "New" alone is not New Era
            ours = any(has_phrase(" ".join(folded), [b]) for b in self.brands)
            # "Levismom": one of ours glued by the ASR to the next word (Levi's mom)
            ours = ours or any(self._glued_brand(w) for w in folded)
            # "Arturo Kai": the first word of one of ours, the rest misheard ("New" is too short
            # to tell New Era from New Balance)
            ours = ours or any(
                len(b.split()) > 1 and len(b.split()[0]) > 3 and folded[0] == b.split()[0]
                for b in self.brands
            )
            if unknown and not ours and not self.categories_named(" ".join(folded)):
                return " ".join(name)
        return self._well_known(fold(text).split())

    def _well_known(self, said: list[str]) -> str | None:
        """A well-known brand the store does not carry, in one word or two glued ("con
        verse"), as it sounds."""
        for i in range(len(said)):
            for n in (1, 2):
                heard = sound("".join(said[i : i + n]))
                if i + n > len(said):
                    break
                if heard in self._others:
                    return self._others[heard]
                # "net balance": a long name one sound off, never a word of our catalogue
                if len(heard) >= 8 and heard not in self._sounds:
                    near = process.extractOne(
                        heard, self._long_others, scorer=fuzz.ratio, score_cutoff=88
                    )
                    if near is not None:
                        return self._others[near[0]]
        return None

    def _other_brand(self, said: list[str], i: int) -> bool:
        """Whether `said[i]` opens another brand than ours that starts the same: "new" in
        "new balance" is not New Era (a two-word brand of ours, followed by another word)."""
        for brand in self._long_brands:
            first, second = brand[0], brand[1]
            if said[i] != first or i + 1 >= len(said) or said[i + 1] in STOPWORDS:
                continue
            if fuzz.ratio(sound(said[i + 1]), sound(second)) < 85:
                return True
        return False

    def categories_named(self, terms: str) -> set[str]:
        """The kinds of item the words (folded, or any text) name ("chaquetas", "unos
        tenis"); none for a brand or a colour alone."""
        return self._categories([w for w in fold(terms).split() if w not in STOPWORDS])

    def names_category(self, terms: str) -> bool:
        """The words name a kind of item, not only a brand or a colour."""
        return bool(self.categories_named(terms))

    def _categories(self, words: list[str]) -> set[str]:
        """Categories the caller names: a word most like a category word ("camife" is as
        near "camiseta" as "camisero": callers name kinds of things more than models)."""
        named: set[str] = set()
        for w in words:
            found = self._matches(w)
            best = max(found.values(), default=0.0)
            if not best or _weak(w, best):
                continue
            named |= {
                category
                for category, sounds in self._category_sounds.items()
                if any(found.get(s) == best for s in sounds)
            }
        return named

    def _whole(self, word: str) -> bool:
        """The word is one of the catalogue's, as heard (no near sound)."""
        return self._matches(word).get(sound(word)) == 1

    def _unglued(self, folded: str) -> str:
        """The words with one of our brands split off the word the ASR glued it to
        ("levismom": "levis mom")."""
        words = []
        for w in folded.split():
            brand = self._glued_brand(w)
            words += [brand, w[len(brand) :]] if brand else [w]
        return " ".join(words)

    def _glued_brand(self, word: str) -> str | None:
        """One of our brands the word starts with, glued to more than a letter, if any."""
        return next((b for b in self._glued if word.startswith(b) and len(word) > len(b) + 1), None)

    def search(self, query: ProductQuery, limit: int = 3) -> list[Hit]:
        """Best matches first; ties prefer items available in the asked size and colour, then
        within the price ceiling, then the cheaper."""
        # Terms from an Understanding are folded already (fold is idempotent and cached, so
        # this is a lookup for them); a product name or category the concierge passes is not.
        said = [w for w in self._unglued(fold(query.terms)).split() if not w.isdigit()]
        content = [w not in STOPWORDS for w in said]
        singles = [
            {s: v for s, v in self._matches(w).items() if v == 1 or s not in self._described}
            if c and not self._other_brand(said, i) else {}
            for i, (w, c) in enumerate(zip(said, content, strict=True))
        ]  # fmt: skip
        # "run falcon", "ni que": two words heard for one; two filler words, or a lone letter
        # ("o", "y"), are not, nor a word the catalogue has whole with the next ("court no"
        # is no "corto")
        whole = [1 in found.values() for found in singles]
        pairs = [
            self._matches(a + b)
            if (content[i] or content[i + 1])
            and min(len(a), len(b)) > 1
            and not (whole[i] or whole[i + 1])
            else {}
            for i, (a, b) in enumerate(pairwise(said))
        ]
        weak = [
            {s for s, v in found.items() if _weak(w, v)}
            for w, found in zip(said, singles, strict=True)
        ]
        if not any(singles) and not any(pairs):
            return []  # no word any product has ("quisiera", the opening hours)
        named = self._categories([w for w, c in zip(said, content, strict=True) if c])
        # "unas ni que corte blancas": Nike heard whole, "corte" only near a word of belts
        # and bags; the brand's kinds, unless a kind was heard whole, and not as a word of
        # the brand's own names ("Levi's bota ancha" is a jean, not boots)
        brands = {s for f in [*singles, *pairs] for s, v in f.items() if v == 1}
        # a brand that sounds like a kind ("Tennis", "tenis") names the kind
        brands &= set(self._brand_kinds) - {s for k in self._category_sounds.values() for s in k}
        brand = {k for s in brands for k in self._brand_kinds[s]}
        if brand and named and not brand & named:
            own = {w for s in brands for w in self._brand_words[s]}
            exact = [w for w, c in zip(said, content, strict=True)
                     if c and self._whole(w) and sound(w) not in own]  # fmt: skip
            named = named if self._categories(exact) else brand
        relevance: dict[str, float] = {}
        for p in self.products:
            if named and p.category not in named:
                continue  # "reloj caso": watches only, whatever else "caso" sounds like
            weights = self._weights[p.sku]

            def value(found: dict[str, float], weights: dict[str, float] = weights) -> float:
                return max((v * weights[s] for s, v in found.items() if s in weights), default=0)

            found_by = [
                bool(set(f) & set(weights) - nearly)
                for f, nearly in zip([*singles, *pairs], [*weak, *[set()] * len(pairs)],
                                     strict=True)
            ]  # fmt: skip
            if any(found_by):
                relevance[p.sku] = _best_reading(
                    [value(f) for f in singles], [value(f) for f in pairs]
                )
        top = max(relevance.values(), default=0.0)
        if top <= 0:
            return []
        # the most any one product could match of each word: the scale of a hit's score
        most = [max((v * self._most[s] for s, v in f.items()), default=0.0) for f in singles]
        most_pairs = [max((v * self._most[s] for s, v in f.items()), default=0.0) for f in pairs]
        ceiling = _best_reading(most, most_pairs)
        hits: list[Hit] = []
        for p in self.products:
            score = relevance.get(p.sku, 0.0)
            if score < 0.5 * top:  # half of what the best match has: another thing
                continue
            available = p.stock(query.size, query.color)
            budget = query.max_price is None or p.price <= query.max_price
            hits.append(Hit(p, round(min(score / ceiling, 1.0), 3), available, budget))
        hits.sort(key=lambda h: (-h.score, h.available == 0, not h.within_budget, h.product.price))
        return hits[:limit]

    def mentions_product(self, folded: str) -> bool:
        """The folded words (`Understanding.folded`) name a product type or a brand of the
        catalogue (fuzzily, by sound: "kasio", "veles", "ni que"). Remembered per text: the
        dialogue asks it several times per turn, and each is a fuzzy pass over the
        catalogue's vocabulary."""
        known = self._mentions.get(folded)
        if known is None:
            if len(self._mentions) >= 512:  # turns, not a growing history
                self._mentions.clear()
            known = self._mentions[folded] = self._mentions_product(folded)
        return known

    def _mentions_product(self, folded: str) -> bool:
        said = folded.split()
        words = [w for w in said if len(w) > 3 and w not in STOPWORDS]
        words += [
            a + b
            for a, b in pairwise(said)
            if (a not in STOPWORDS or b not in STOPWORDS) and min(len(a), len(b)) > 1
        ]
        return any(
            fuzz.ratio(sound(w), v) >= 85 for w in words for v in self._vocabulary_sounds
            if len(v) > 3
        )  # fmt: skip

    def alternative(self, product: Product, query: ProductQuery) -> Product | None:
        """Same category, in stock in the asked size/colour, closest in price."""
        candidates = [
            p
            for p in self.products
            if p.category == product.category
            and p.sku != product.sku
            and p.stock(query.size, query.color) > 0
            and (query.max_price is None or p.price <= query.max_price)
        ]
        return min(
            candidates,
            key=lambda p: (p.brand != product.brand, abs(p.price - product.price)),
            default=None,
        )

    def sibling(self, product: Product, folded: str) -> Product | None:
        """Another product of the same kind whose own model word the caller said ("¿y la
        trucker?" after the New Era plana cap, "¿y las Air Max?" after the Nike Ultra): a word
        of its name that `product`'s name lacks, heard by sound; of the same brand first.
        None when the words name no sibling, or several equally."""
        said = {sound(w) for w in folded.split() if len(w) > 2 and w not in STOPWORDS}
        own = {sound(w) for w in self._name_words(product)}
        scores: dict[str, tuple[int, bool]] = {}
        for p in self.products:
            if p.category != product.category or p.sku == product.sku:
                continue
            distinct = {sound(w) for w in self._name_words(p) if len(w) > 2} - own
            if hits := len(distinct & said):
                scores[p.sku] = (hits, p.brand == product.brand)
        best = max(scores.values(), default=None)
        found = [sku for sku, score in scores.items() if score == best]
        return self.by_sku[found[0]] if len(found) == 1 else None

    def related(self, product: Product) -> Product | None:
        """The first related item in stock: the cross-sell offer."""
        return next(
            (
                self.by_sku[s]
                for s in product.related
                if s in self.by_sku and self.by_sku[s].stock() > 0
            ),
            None,
        )


def _best_reading(singles: list[float], pairs: list[float]) -> float:
    """The most a product matches of the words, each word read alone or joined with the next
    one (whichever matches more), never counting a word twice."""
    best = [0.0] * (len(singles) + 1)
    for i, single in enumerate(singles):
        best[i + 1] = best[i] + single
        if i > 0:
            best[i + 1] = max(best[i + 1], best[i - 1] + pairs[i - 1])
    return best[-1]
