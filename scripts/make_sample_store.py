"""Generate the sample store that ships with voicebot (voicebot/store/sample_store.json).

Deterministic (fixed seed), so the committed file can be regenerated and reviewed:
    .venv/bin/python scripts/make_sample_store.py
Products are plausible for a Colombian department store; prices in COP end in 900.
The customers, orders and carts include the cases the tests and demos rely on (named in
comments below); everything else is random but fixed.
"""

from __future__ import annotations

import json
import random
from datetime import date, timedelta
from pathlib import Path

OUT = Path(__file__).resolve().parents[1] / "voicebot" / "store" / "sample_store.json"
TODAY = date(2026, 11, 20)  # the sample's "now": relative dates are computed from it at load

SHOE_SIZES = ["36", "37", "38", "39", "40", "41", "42", "43"]
CLOTH_SIZES = ["XS", "S", "M", "L", "XL"]
JEAN_SIZES = ["6", "8", "10", "12", "28", "30", "32", "34"]
COLOURS = ["negro", "blanco", "azul", "rojo", "gris", "verde", "beige", "rosado"]

# (category, noun, brands, models, sizes, price range in thousands, related categories)
LINES = [
    (
        "zapatillas",
        "Zapatillas",
        ["Adidas", "Nike", "Puma", "Reebok"],
        ["Runfalcon", "Revolution", "Court", "Ultra", "Flex", "Street", "Air Max", "Grand Court"],
        SHOE_SIZES,
        (189, 459),
        ["medias", "cuidado de calzado", "gorras"],
    ),
    (
        "botas",
        "Botas",
        ["Vélez", "Bosi", "Brahma"],
        ["Andina", "Urbana", "Chelsea", "Trekking"],
        SHOE_SIZES,
        (249, 529),
        ["medias", "cuidado de calzado"],
    ),
    (
        "sandalias",
        "Sandalias",
        ["Vélez", "Bata", "Crocs"],
        ["Playa", "Confort", "Clásica"],
        SHOE_SIZES,
        (59, 189),
        ["medias"],
    ),
    (
        "camisetas",
        "Camiseta",
        ["Arturo Calle", "Gef", "Tennis", "Adidas"],
        ["básica", "polo", "estampada", "deportiva", "cuello V"],
        CLOTH_SIZES,
        (39, 129),
        ["jeans", "gorras"],
    ),
    (
        "jeans",
        "Jean",
        ["Studio F", "Levi's", "Gef", "Americanino"],
        ["skinny", "recto", "mom", "bota ancha"],
        JEAN_SIZES,
        (119, 289),
        ["camisetas", "correas"],
    ),
    (
        "chaquetas",
        "Chaqueta",
        ["Tennis", "Columbia", "Arturo Calle"],
        ["impermeable", "de jean", "acolchada", "rompevientos"],
        CLOTH_SIZES,
        (159, 459),
        ["camisetas", "gorras"],
    ),
    (
        "vestidos",
        "Vestido",
        ["Studio F", "ELA", "Pat Primo"],
        ["midi", "corto", "largo", "camisero"],
        CLOTH_SIZES,
        (99, 259),
        ["sandalias"],
    ),
    (
        "medias",
        "Medias",
        ["Adidas", "Nike", "Punto Blanco"],
        ["tobilleras x3", "deportivas x3", "largas x2"],
        ["S", "M", "L"],
        (19, 49),
        [],
    ),
    (
        "gorras",
        "Gorra",
        ["Nike", "New Era", "Adidas"],
        ["clásica", "trucker", "plana"],
        ["única"],
        (49, 129),
        [],
    ),
    (
        "correas",
        "Correa",
        ["Vélez", "Arturo Calle"],
        ["de cuero", "reversible"],
        ["S", "M", "L"],
        (69, 159),
        [],
    ),
    (
        "cuidado de calzado",
        "Kit limpiador de calzado",
        ["Crep", "Jason Markk"],
        ["básico", "premium"],
        ["única"],
        (29, 79),
        [],
    ),
    (
        "morrales",
        "Morral",
        ["Totto", "Jansport", "Adidas"],
        ["escolar", "urbano", "para portátil"],
        ["única"],
        (99, 289),
        [],
    ),
    (
        "licuadoras",
        "Licuadora",
        ["Oster", "Imusa", "Black and Decker"],
        ["clásica", "de vaso de vidrio", "de alta potencia"],
        ["única"],
        (149, 599),
        ["ollas"],
    ),
    (
        "ollas",
        "Juego de ollas",
        ["Imusa", "Tramontina"],
        ["antiadherente x5", "de acero x3"],
        ["única"],
        (129, 399),
        ["licuadoras"],
    ),
    (
        "cafeteras",
        "Cafetera",
        ["Oster", "Imusa", "Universal"],
        ["de goteo", "italiana", "de cápsulas"],
        ["única"],
        (79, 499),
        [],
    ),
    (
        "leggings",
        "Leggings",
        ["Adidas", "Nike", "Gef"],
        ["deportivos", "de compresión", "térmicos", "básicos"],
        CLOTH_SIZES,
        (59, 159),
        ["camisetas", "medias"],
    ),
    (
        "relojes",
        "Reloj",
        ["Casio", "Q&Q", "Timex"],
        ["digital", "análogo", "deportivo"],
        ["única"],
        (89, 399),
        [],
    ),
    (
        "bolsos",
        "Bolso",
        ["Vélez", "Totto", "Mario Hernández"],
        ["de mano", "manos libres", "tote"],
        ["única"],
        (129, 499),
        ["correas"],
    ),
]

FIRST = [
    "Carolina",
    "Andrés",
    "Luz Marina",
    "Jorge",
    "Paola",
    "Camilo",
    "Natalia",
    "Felipe",
    "Diana",
    "Santiago",
    "Laura",
    "Julián",
    "Sandra",
    "Mauricio",
    "Valentina",
    "Óscar",
]
LAST = [
    "Martínez",
    "Gómez",
    "Rodríguez",
    "López",
    "Ramírez",
    "Castro",
    "Vargas",
    "Restrepo",
    "Ospina",
    "Moreno",
    "Cárdenas",
    "Henao",
    "Zapata",
    "Quintero",
    "Salazar",
    "Duarte",
]
FEMALE = {"Carolina", "Luz Marina", "Paola", "Natalia", "Diana", "Laura", "Sandra", "Valentina"}
CARRIERS = ["Servientrega", "Coordinadora", "Interrapidísimo", "Envía"]


def products(rng: random.Random) -> list[dict[str, object]]:
    out: list[dict[str, object]] = []
    for category, noun, brands, models, sizes, (lo, hi), _related in LINES:
        for brand in brands:
            for model in models:
                if len(out) >= 200:
                    break
                price = rng.randint(lo, hi) * 1000 + 900
                colours = rng.sample(COLOURS, k=min(len(COLOURS), rng.randint(2, 4)))
                variant_sizes = sizes if len(sizes) <= 5 else rng.sample(sizes, k=6)
                variants = [
                    {"size": s, "color": c, "stock": rng.choice([0, 0, 1, 2, 3, 5, 8, 12])}
                    for s in sorted(variant_sizes, key=sizes.index)
                    for c in colours
                ]
                out.append(
                    {
                        "sku": f"{category[:3].upper()}-{len(out) + 1:03d}",
                        "name": f"{noun} {brand} {model}",
                        "brand": brand,
                        "category": category,
                        "price": price,
                        "variants": variants,
                    }
                )
    by_category: dict[str, list[str]] = {}
    for p in out:
        by_category.setdefault(str(p["category"]), []).append(str(p["sku"]))
    related_of = {line[0]: line[6] for line in LINES}
    for p in out:
        cats = related_of[str(p["category"])]
        p["related"] = [rng.choice(by_category[c]) for c in cats if c in by_category][:3]
    return out


def main() -> None:
    rng = random.Random(1581)
    prods = products(rng)
    by_sku = {p["sku"]: p for p in prods}
    shoes = [p for p in prods if p["category"] == "zapatillas"]

    # Fixed cases the tests rely on.
    runfalcon = next(p for p in shoes if p["name"] == "Zapatillas Adidas Runfalcon")
    runfalcon["price"] = 289900
    runfalcon["variants"] = [
        {"size": s, "color": c, "stock": 0 if (s, c) == ("42", "rojo") else 4}
        for s in ["38", "39", "40", "41", "42", "43"]
        for c in ["negro", "blanco", "rojo"]
    ]
    runfalcon["related"] = [next(p["sku"] for p in prods if p["category"] == "medias")]
    # No cap is left in red: "¿Tienen gorras rojas?" is sold out, offered in other colours.
    for cap in (p for p in prods if p["category"] == "gorras"):
        for v in cap["variants"]:
            if v["color"] == "rojo":
                v["stock"] = 0

    customers = []
    for i in range(40):
        first, last = FIRST[i % len(FIRST)], LAST[(i * 7) % len(LAST)]
        customers.append(
            {
                "id": i + 1,
                "name": f"{first} {last}",
                "salutation": "señora" if first in FEMALE else "señor",
                "last_name": last,
                "phone": f"+5730{rng.randint(10000000, 99999999)}",
                "email": f"{first.split()[0].lower()}.{last.lower()}{i}@example.com".replace(
                    "á", "a"
                )
                .replace("é", "e")
                .replace("í", "i")
                .replace("ó", "o")
                .replace("ú", "u"),
                "consent_data": rng.random() < 0.85,
                "consent_marketing": rng.random() < 0.6,
            }
        )
    # Customer 1 (Carolina Martínez) has one order on its way; customer 2 an abandoned cart and
    # no open order. The simulator's default caller (+573001234567) is not a customer.
    customers[0].update(phone="+573205550101", consent_data=True, consent_marketing=True)
    customers[1].update(phone="+573205550102", consent_data=True, consent_marketing=True)
    assert all(c["phone"] != "+573001234567" for c in customers)

    orders = []
    statuses = ["entregado", "entregado", "en camino", "en preparación", "cancelado"]
    for n in range(120):
        cust = customers[rng.randrange(2, len(customers))]
        placed = TODAY - timedelta(days=rng.randint(1, 90))
        status = rng.choice(statuses)
        lines = []
        for p in rng.sample(prods, k=rng.randint(1, 3)):
            v = rng.choice(p["variants"])
            lines.append(
                {
                    "sku": p["sku"],
                    "size": v["size"],
                    "color": v["color"],
                    "qty": 1,
                    "price": p["price"],
                }
            )
        orders.append(
            order(45000 + n * 17 + rng.randint(0, 9), cust["id"], status, placed, lines, rng)
        )
    # Fixed cases: Carolina's order 45721 of Runfalcon in transit; an older delivered one
    # within the return window; customer 2's delivered order outside it.
    orders.append(
        order(
            45721,
            1,
            "en camino",
            TODAY - timedelta(days=3),
            [{"sku": runfalcon["sku"], "size": "38", "color": "negro", "qty": 1, "price": 289900}],
            rng,
            carrier="Servientrega",
            eta=TODAY + timedelta(days=2),
        )
    )
    blender = next(p for p in prods if p["category"] == "licuadoras")
    orders.append(
        order(
            38150,
            1,
            "entregado",
            TODAY - timedelta(days=15),
            [
                {
                    "sku": blender["sku"],
                    "size": "única",
                    "color": blender["variants"][0]["color"],
                    "qty": 1,
                    "price": blender["price"],
                }
            ],
            rng,
            carrier="Coordinadora",
            delivered=TODAY - timedelta(days=12),
        )
    )
    orders.append(
        order(
            30277,
            2,
            "entregado",
            TODAY - timedelta(days=70),
            [
                {
                    "sku": shoes[3]["sku"],
                    "size": "40",
                    "color": shoes[3]["variants"][0]["color"],
                    "qty": 1,
                    "price": shoes[3]["price"],
                }
            ],
            rng,
            carrier="Envía",
            delivered=TODAY - timedelta(days=65),
        )
    )

    jean = next(p for p in prods if p["category"] == "jeans")
    carts = [
        {
            "id": 9001,
            "customer_id": 2,
            "updated_on": str(TODAY - timedelta(days=2)),
            "status": "abierto",
            "lines": [
                {
                    "sku": jean["sku"],
                    "size": jean["variants"][0]["size"],
                    "color": jean["variants"][0]["color"],
                    "qty": 1,
                    "price": jean["price"],
                }
            ],
        }
    ]
    for i in range(10):
        cust = customers[rng.randrange(3, len(customers))]
        p = rng.choice(prods)
        v = p["variants"][0]
        carts.append(
            {
                "id": 9002 + i,
                "customer_id": cust["id"],
                "updated_on": str(TODAY - timedelta(days=rng.randint(1, 20))),
                "status": rng.choice(["abierto", "abierto", "comprado"]),
                "lines": [
                    {
                        "sku": p["sku"],
                        "size": v["size"],
                        "color": v["color"],
                        "qty": 1,
                        "price": p["price"],
                    }
                ],
            }
        )

    tickets = [
        {
            "id": 700 + i,
            "customer_id": customers[rng.randrange(3, 40)]["id"],
            "kind": rng.choice(["devolución", "queja"]),
            "order_number": rng.choice(orders)["number"],
            "detail": "Registrado en tienda",
            "status": rng.choice(["abierto", "cerrado"]),
            "created_on": str(TODAY - timedelta(days=rng.randint(1, 40))),
        }
        for i in range(8)
    ]
    assert len({p["sku"] for p in prods}) == len(prods) and all(
        s in by_sku for p in prods for s in p["related"]
    )
    data = {
        "as_of": str(TODAY),
        "products": prods,
        "customers": customers,
        "orders": orders,
        "carts": carts,
        "tickets": tickets,
    }
    OUT.write_text(json.dumps(data, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    counts = {k: len(v) for k, v in data.items() if isinstance(v, list)}
    print(f"{OUT}: {counts}")


def order(
    number: int,
    customer_id: int,
    status: str,
    placed: date,
    lines: list[dict[str, object]],
    rng: random.Random,
    carrier: str | None = None,
    eta: date | None = None,
    delivered: date | None = None,
) -> dict[str, object]:
    carrier = carrier or rng.choice(CARRIERS)
    if status == "entregado" and delivered is None:
        delivered = placed + timedelta(days=rng.randint(2, 5))
    if status in ("en camino", "en preparación") and eta is None:
        eta = TODAY + timedelta(days=rng.randint(1, 5))
    return {
        "number": str(number),
        "customer_id": customer_id,
        "status": status,
        "carrier": carrier,
        "tracking": f"{carrier[:3].upper()}{rng.randint(100000000, 999999999)}",
        "placed_on": str(placed),
        "eta": str(eta) if eta else None,
        "delivered_on": str(delivered) if delivered else None,
        "total": sum(int(line["price"]) * int(line["qty"]) for line in lines),
        "lines": lines,
    }


if __name__ == "__main__":
    main()
