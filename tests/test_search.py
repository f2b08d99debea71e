"""Product search on the sample store: recall on Spanish queries, filters, alternatives."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from voicebot.dialogue.understanding import product_query
from voicebot.store.search import Catalog, ProductQuery
from voicebot.store.sql import SqlStore
from voicebot.text import fold

EVAL = json.loads((Path("voicebot/store/search_eval.json")).read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
async def catalog(tmp_path_factory: pytest.TempPathFactory) -> Catalog:
    store = await SqlStore.open(f"sqlite+aiosqlite:///{tmp_path_factory.mktemp('s') / 's.db'}")
    try:
        return Catalog(await store.products())
    finally:
        await store.close()


def recall_at_3(catalog: Catalog) -> tuple[float, list[str]]:
    missed = []
    for item in EVAL["queries"]:
        # read as the bot reads a turn: a price ceiling, size or colour are filters
        names = [h.product.name for h in catalog.search(product_query(item["q"]))]
        if not set(names) & set(item["expect"]):
            missed.append(f"{item['q']} -> {names}")
    return 1 - len(missed) / len(EVAL["queries"]), missed


def top_1(catalog: Catalog) -> float:
    right = 0
    for item in EVAL["queries"]:
        hits = catalog.search(product_query(item["q"]))
        right += bool(hits) and hits[0].product.name in item["expect"]
    return right / len(EVAL["queries"])


def test_recall_at_3_on_spanish_queries(catalog: Catalog) -> None:
    recall, missed = recall_at_3(catalog)
    # 0.939 when measured (4 of the 66 queries, all garbled by ASR, miss; 0.870 of the first
    # 46 before brands and models were weighted by rarity and matched by sound): a floor
    assert recall >= 0.92, missed
    # the first hit is what the bot says: a named brand or model must come first (0.909)
    assert top_1(catalog) >= 0.87


def test_filters_decide_availability_not_relevance(catalog: Catalog) -> None:
    [best, *_] = catalog.search(ProductQuery("tenis adidas runfalcon", "42", "rojo"))
    assert best.product.name == "Zapatillas Adidas Runfalcon"  # still found when sold out
    assert best.available == 0
    alternative = catalog.alternative(best.product, ProductQuery("", "42", "rojo"))
    assert alternative is not None and alternative.category == "zapatillas"
    assert alternative.stock("42", "rojo") > 0
    [cheap, *_] = catalog.search(ProductQuery("chaqueta", "M", None, 200000))
    assert cheap.within_budget and cheap.product.price <= 200000


def test_nothing_for_words_no_product_has(catalog: Catalog) -> None:
    assert catalog.search(ProductQuery("quisiera saber el horario")) == []
    assert not catalog.mentions_product(fold("buenas tardes, quisiera hablar del horario"))
    assert catalog.mentions_product(fold("un reloj cacio"))


def test_a_brand_heard_with_a_d_for_its_t_ranks_first(catalog: Catalog) -> None:
    # regression: "el morral Totto escolar" heard as "el moral todo escolar" offered the
    # Jansport one; "todo" is near "Totto" but alone finds nothing
    [first, *_] = catalog.search(product_query("¿Cuánto vale el moral todo escolar?"))
    assert first.product.name == "Morral Totto escolar"
    assert catalog.search(product_query("¿y tienen todo eso?")) == []


def test_another_brand_that_starts_like_ours_is_not_ours(catalog: Catalog) -> None:
    # regression: "¿tienen las New Balance?" found a New Era cap
    assert catalog.search(product_query("¿ustedes tienen las new balance?")) == []
    [cap, *_] = catalog.search(product_query("una gorra new era"))
    assert cap.product.brand == "New Era"
    [cap, *_] = catalog.search(product_query("la new era trucker"))
    assert cap.product.name == "Gorra New Era trucker"


@pytest.mark.parametrize(
    ("said", "brand"),
    [
        ("¿Tienen zapatillas New Balance?", "New Balance"),
        ("¿Ustedes manejan Skechers?", "Skechers"),
        ("¿Hay relojes Apple?", "Apple"),
        ("¿Tienen zapatillas Nike Revolution?", None),  # ours
        ("¿Tienen gorras New Era?", None),
        ("¿Tienen la licuadora Oster?", None),
        ("¿Tienen zapatillas para enviar a Medellín?", None),  # a city, not after a lead
        ("Hola, soy Carlos, ¿tienen zapatillas?", None),
        ("Así me sale en el correo. ¿No me ayuda?", None),  # a sentence opens with "No"
        ("Una consulta las licuadoras Oster Trangarantía.", None),  # ours, a word glued on
        ("¿Venden Morrales Totto?", None),  # a kind capitalized by the ASR is no brand
        # regression (fresh7): a well-known brand in lower case, or split, offered Nike shoes
        ("¿Tienen tenis con verse?", "Converse"),
        ("quiero unas new balance", "New Balance"),
        ("¿tienen tenis en la calle 80?", None),
        # regression (fresh22): ours glued by the ASR to the next word
        ("me mira si tiene el Jeanne Levismom azul en talla 10", None),
    ],
)  # fmt: skip
def test_a_brand_the_store_does_not_carry(catalog: Catalog, said: str, brand: str | None) -> None:
    assert catalog.brand_not_carried(said) == brand


def test_a_brand_glued_to_the_next_word_is_found(catalog: Catalog) -> None:
    """Regression (fresh22): "el Jeanne Levismom azul" (Levi's mom) was a brand we do not
    carry, then another mom jean."""
    [hit, *_] = catalog.search(ProductQuery("jeanne levismom", size="8", color="azul"))
    assert hit.product.name == "Jean Levi's mom", hit


def test_a_brand_word_heard_whole_is_not_glued_to_the_next(catalog: Catalog) -> None:
    """Regression (fresh27): "los nick court no los tiene" matched "court no" to "corto" (a
    dress): a word the catalogue has whole is not half of a word heard in two."""
    hits = catalog.search(product_query("y los nick court no los tiene"))
    assert hits[0].product.name == "Zapatillas Nike Court", hits
