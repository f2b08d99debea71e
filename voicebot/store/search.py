"""Product search over the catalogue: Spanish keywords, fuzzy names and brands, filters, stock.

The catalogue is small (hundreds of products), so it is held in memory and scored per query
with rapidfuzz: each query word is matched against the product's words (name, brand,
category and its synonyms), which tolerates ASR slips ("adida", "runfalcon" heard as "run
falcon"). Filters (size, colour, price ceiling) decide availability, not relevance: an item
out of stock in the asked size is still found, so the bot can say so and offer an alternative.
"""

from __future__ import annotations

from dataclasses import dataclass

from rapidfuzz import fuzz

from voicebot.store import Product
from voicebot.text import fold

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
STOPWORDS = set(
    "a al algo alguna alguno busco buscando cuanto cuesta cuestan de del el en es esta estan "
    "hay la las lo los me mi necesito para por precio que quiero quisiera saber se si son su "
    "tiene tienen tienes un una unas unos vale valen venden y ustedes hola buenas buenos tardes "
    "dias noches favor comprar color talla numero tallas colores disponible disponibles menos "
    "pesos mil mas hasta maximo debajo como otra otro algun ver"
    .split()
)  # fmt: skip


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
    score: float
    available: int  # units in stock matching the query's size/colour
    within_budget: bool


class Catalog:
    """The products in memory with a fuzzy index; rebuilt whenever the store's list changes."""

    def __init__(self, products: list[Product]) -> None:
        self.products = products
        self.by_sku = {p.sku: p for p in products}
        self._words = {p.sku: self._index_words(p) for p in products}
        brands = {fold(p.brand) for p in products}
        self.vocabulary = brands | {w for ws in CATEGORY_WORDS.values() for w in ws}

    @staticmethod
    def _index_words(p: Product) -> list[str]:
        words = fold(f"{p.name} {p.brand} {p.category}").split()
        words += CATEGORY_WORDS.get(p.category, [])
        return list(dict.fromkeys(words))

    def search(self, query: ProductQuery, limit: int = 3) -> list[Hit]:
        """Best matches first; ties prefer items available in the asked size and colour."""
        # Terms from an Understanding are folded already (fold is idempotent and cached, so
        # this is a lookup for them); a product name or category the concierge passes is not.
        words = [w for w in fold(query.terms).split() if w not in STOPWORDS and not w.isdigit()]
        if not words:
            return []
        scores = {
            p.sku: [self._word_score(w, self._words[p.sku]) for w in words] for p in self.products
        }
        # A word no product matches ("quisiera", an ASR slip) is noise, not a requirement.
        useful = [i for i in range(len(words)) if any(s[i] for s in scores.values())]
        if not useful:
            return []
        hits: list[Hit] = []
        for p in self.products:
            score = sum(scores[p.sku][i] for i in useful) / len(useful)
            if score < 0.5:
                continue
            available = p.stock(query.size, query.color)
            budget = query.max_price is None or p.price <= query.max_price
            hits.append(Hit(p, round(score, 3), available, budget))
        hits.sort(key=lambda h: (-h.score, h.available == 0, not h.within_budget, h.product.price))
        return hits[:limit]

    @staticmethod
    def _word_score(word: str, product_words: list[str]) -> float:
        best = max(fuzz.ratio(word, pw) for pw in product_words)
        if len(word) >= 5:  # a clipped word ("camife", "licuado") against the start of one
            best = max(best, *(fuzz.ratio(word, pw[: len(word)]) for pw in product_words))
        # A short word is only itself: "mora" (an ASR slip) is not "morral".
        return best / 100 if best >= (90 if len(word) <= 4 else 80) else 0.0

    def mentions_product(self, folded: str) -> bool:
        """The folded words (`Understanding.folded`) name a product type or a brand of the
        catalogue (fuzzily)."""
        words = [w for w in folded.split() if len(w) > 3 and w not in STOPWORDS]
        return any(fuzz.ratio(w, v) >= 85 for w in words for v in self.vocabulary if len(v) > 3)

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
