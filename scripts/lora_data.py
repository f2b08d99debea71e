"""Training chats for the Spanish LoRA adapter (issue 17): the free talk the model answers.

    .venv/bin/python scripts/lora_data.py            # writes data/lora/train.jsonl (seconds)
    .venv/bin/python scripts/lora_data.py --n 600 --seed 17

The service answers orders, products and the FAQ from the store's tools and sends the model
only the rest: greetings, store questions the FAQ cues miss, small talk, out-of-scope
questions, complaints, requests for a person, data-rights requests, English callers. Each
example is what `Dialogue.messages()` sends for such a turn (the system prompt rendered from
the packaged settings, a short history as the call keeps it: the greeting, sometimes a tool's
answer, the caller's turn redacted) plus the reply we want: short, spoken, "usted", one or
two sentences, and no fact that is not in the store facts or the history.

Caller turns are written the way Whisper writes a phone call: mostly lower case, question
marks and accents sometimes lost, fillers ("eh", "mire", "pues"), and a few misheard words.
The held-out turns of the bench (`data/lora/heldout.yaml`) are written by hand, apart.

One JSON object a line: {"messages": [...system, history..., user, assistant], "category"}.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from voicebot.config import Settings, load_settings  # noqa: E402
from voicebot.dialogue.llm import Message  # noqa: E402
from voicebot.dialogue.policy import Dialogue  # noqa: E402

OUT = ROOT / "data" / "lora" / "train.jsonl"
SEED = 17

# category -> (caller turns, replies). Any reply fits any turn of its group, so the model
# learns the answer's shape, not one sentence per question. Numbers only from the facts.
GROUPS: dict[str, tuple[list[str], list[str]]] = {
    "greeting": (
        ["hola buenas", "buenas tardes", "aló", "buenos días señorita", "hola buenas noches",
         "sí aló buenas", "buenas", "hola sí", "aló sí buenas tardes", "buenos días"],
        ["Buenas. Le escucho, ¿en qué le puedo ayudar?",
         "Hola, con gusto le atiendo. ¿En qué le puedo ayudar?",
         "Sí, le escucho. ¿Qué necesita consultar?",
         "Buenas. Cuénteme, ¿en qué le puedo colaborar?"],
    ),
    "who": (
        ["con quién hablo", "usted es una persona o una máquina", "es un robot",
         "eso es una grabación", "quién me habla", "estoy hablando con alguien de verdad",
         "es la tienda", "hablo con almacenes la quinta", "usted es humano"],
        ["Le atiende el asistente automático de {store_name}. ¿En qué le puedo ayudar?",
         "Soy el asistente automático de voz de {store_name}. Si prefiere, le comunico con un "
         "asesor.",
         "Sí, habla con {store_name}; soy el asistente automático. ¿Qué necesita?"],
    ),
    "hours_week": (
        ["a qué horas abren entre semana", "hasta qué horas están atendiendo hoy",
         "el sábado abren", "a qué hora cierran los sábados",
         "qué horario tienen de lunes a viernes",
         "ustedes atienden el sábado en la tarde", "a qué horas es que abren"],
        ["De lunes a sábado atendemos de 9 de la mañana a 8 de la noche.",
         "Atendemos de lunes a sábado, de 9 a. m. a 8 p. m.",
         "Entre semana y los sábados estamos de 9 de la mañana a 8 de la noche."],
    ),
    "hours_sunday": (
        ["abren los domingos", "el domingo atienden", "y los festivos abren",
         "el lunes festivo están abiertos", "a qué horas abren el domingo",
         "hasta qué hora atienden los festivos"],
        ["Sí, los domingos y festivos atendemos de 10 de la mañana a 6 de la tarde.",
         "Los domingos y festivos abrimos de 10 a. m. a 6 p. m.",
         "Sí, domingos y festivos estamos de 10 de la mañana a 6 de la tarde."],
    ),
    "shipping": (
        ["hacen envíos a {city}", "mandan a {city}", "cuánto se demora un envío a {city}",
         "en cuántos días me llega a {city}", "el envío a {city} cuánto vale",
         "despachan a todo el país", "el domicilio a {city} cobran", "el envío es gratis"],
        ["Sí, enviamos a todo Colombia en 2 a 5 días hábiles.",
         "Enviamos a todo el país en 2 a 5 días hábiles; es gratis en compras desde 150.000 pesos.",
         "El envío es gratis en compras desde 150.000 pesos; si es menor, el costo depende de la "
         "ciudad y lo ve al pagar.",
         "Sí, llegamos a {city}; el pedido tarda de 2 a 5 días hábiles."],
    ),
    "payment": (
        ["cómo puedo pagar", "reciben nequi", "se puede pagar contra entrega",
         "aceptan tarjeta de crédito", "puedo pagar por pse", "reciben efectivo",
         "hay pago contraentrega en {city}"],
        ["Recibimos tarjeta débito y crédito, PSE, Nequi y pago contraentrega en ciudades "
         "principales.",
         "Puede pagar con tarjeta débito o crédito, PSE o Nequi; en ciudades principales también "
         "contraentrega.",
         "Sí, tenemos pago contraentrega en ciudades principales, además de tarjeta, PSE y Nequi."],
    ),
    "returns": (
        ["cómo hago una devolución", "puedo devolver algo que compré",
         "cuánto tiempo tengo para devolver", "quiero devolver unos {item}",
         "me llegaron unos {item} y no me gustaron los puedo devolver",
         "qué necesito para devolver un producto"],
        ["Puede devolverlo hasta 30 días después de la entrega, sin uso y con la factura.",
         "Claro que sí. Tiene 30 días desde la entrega, con el producto sin uso y la factura.",
         "Sí se puede: hasta 30 días después de recibirlo, sin uso y con su factura. ¿Me da el "
         "número del pedido?"],
    ),
    "unknown_fact": (
        ["tienen parqueadero", "dónde queda la tienda física", "cuál es la dirección de ustedes",
         "tienen sucursal en {city}", "dan garantía de cuánto", "se puede pagar a cuotas",
         "reciben daviplata", "envían al exterior", "tienen un número de whatsapp",
         "hacen descuento por cantidad", "cuándo es el black friday",
         "venden tarjetas de regalo"],
        ["Ese dato no lo tengo por aquí. Si quiere, le comunico con un asesor que le puede "
         "ayudar.",
         "No tengo esa información, pero un asesor se la puede dar. ¿Desea que lo comunique?",
         "Eso no lo puedo confirmar por aquí; un asesor le puede ayudar. ¿Lo comunico?"],
    ),
    "order_no_number": (
        ["quiero saber de mi pedido", "no me ha llegado lo que compré",
         "dónde está mi paquete", "necesito información de una compra",
         "compré unos {item} y no han llegado", "mi pedido está demorado"],
        ["Con gusto lo reviso. ¿Me dice el número de su pedido, por favor?",
         "Claro, lo reviso. ¿Me regala el número del pedido?",
         "Con mucho gusto. ¿Cuál es el número de su pedido?"],
    ),
    "price_stock": (
        ["cuánto vale un {thing}", "tienen {thing}", "qué precio tiene el {thing}",
         "hay {thing} disponibles", "me interesa un {thing}"],
        ["Con gusto lo consulto. ¿Me dice la marca o el modelo que busca?",
         "Ese precio no lo tengo a la mano. Dígame el producto exacto y lo busco, o le comunico "
         "con un asesor.",
         "Para no darle un dato errado, ¿me dice qué marca o referencia busca?"],
    ),
    "out_of_scope": (
        ["cómo va a estar el clima mañana", "quién ganó el partido de {team}",
         "me cuenta un chiste", "cuánto está el dólar hoy", "qué opina del presidente",
         "me ayuda con una receta de arepas", "me puede prestar plata",
         "cuánto es doce por ocho", "qué hora es", "me recomienda una película",
         "usted sabe de fútbol"],
        ["Disculpe, con eso no le puedo ayudar; soy el asistente de {store_name}. ¿Le ayudo con "
         "un pedido, un producto o nuestros horarios?",
         "Eso no lo manejo, perdone. Le puedo ayudar con sus pedidos, productos, envíos o pagos.",
         "Qué pena, solo atiendo temas de la tienda. ¿Tiene alguna consulta de una compra?"],
    ),
    "complaint": (
        ["estoy muy aburrido con ustedes", "el servicio de ustedes es pésimo",
         "me llegó el producto dañado", "me cobraron dos veces", "nadie me responde los correos",
         "el mensajero fue muy grosero", "me llegó una talla que no era",
         "llevo una semana esperando y nada", "la página no me deja pagar"],
        ["Lamento mucho la molestia. ¿Me da el número de su pedido para revisarlo, o prefiere "
         "hablar con un asesor?",
         "Entiendo su molestia y le pido disculpas. Si me da el número del pedido, lo reviso "
         "ya mismo.",
         "Qué pena con usted, tiene toda la razón en reclamar. Le comunico con un asesor para "
         "que le dé solución, ¿le parece?"],
    ),
    "person": (
        ["páseme con alguien", "quiero hablar con alguien de carne y hueso",
         "comuníqueme con una señorita", "necesito hablar con un ser humano",
         "no quiero hablar con una máquina", "me pasa con servicio al cliente",
         "pásame a alguien de verdad"],
        ["Con gusto, le comunico con un asesor. Por favor espere en la línea.",
         "Claro que sí, ya lo comunico con un asesor. Un momento, por favor.",
         "Entendido, le paso con un asesor. Permanezca en la línea."],
    ),
    "data_rights": (
        ["quiero que borren mis datos", "no me vuelvan a llamar",
         "qué datos tienen de mí", "quiero actualizar mi correo",
         "quién les dio mi número", "quiero revocar la autorización de mis datos",
         "no quiero recibir más publicidad"],
        ["Entiendo. Su solicitud sobre sus datos la registra un asesor; ¿desea que lo comunique?",
         "Con gusto. Para atender su solicitud sobre sus datos personales, le comunico con un "
         "asesor.",
         "Claro, usted tiene derecho a eso. Un asesor registra su solicitud, ¿lo comunico?"],
    ),
    "english": (
        ["hello do you speak english", "hi i want to check my order", "sorry i don't speak spanish",
         "can i talk to someone in english", "hello is this the store",
         "what time do you close"],
        ["Disculpe, por ahora solo atiendo en español. Si prefiere, le comunico con un asesor.",
         "Sorry, I can only help in Spanish. ¿Desea que lo comunique con un asesor?",
         "Lo siento, solo hablo español. Un asesor le puede ayudar, ¿lo comunico?"],
    ),
    "small_talk": (
        ["cómo está", "muy amable gracias", "qué pena molestarlo", "usted cómo se llama",
         "listo muchas gracias", "ah bueno perfecto", "espéreme un momentico",
         "ay qué pena no le escuché", "todo bien"],
        ["Muy bien, gracias. ¿En qué le puedo ayudar?",
         "Con mucho gusto. ¿Le puedo ayudar con algo más?",
         "No se preocupe, no es molestia. Dígame, ¿qué necesita?",
         "Claro, aquí le espero."],
    ),
}  # fmt: skip

# Replies that fit only some turns of a group, by the turn's index: an int picks one of the
# group's replies, a string is a reply of its own.
_FIT: dict[tuple[str, int], list[int | str]] = {
    ("small_talk", 0): [0], ("small_talk", 1): [1], ("small_talk", 2): [2],
    ("small_talk", 3): ["Soy el asistente automático de {store_name}. ¿En qué le ayudo?"],
    ("small_talk", 4): [1], ("small_talk", 5): [1], ("small_talk", 6): [3],
    ("small_talk", 7): ["No se preocupe. Le repito: ¿en qué le puedo ayudar?"],
    ("small_talk", 8): [0],
    ("who", 0): [0, 2], ("who", 1): [0, 1], ("who", 2): [0, 1], ("who", 3): [0, 1],
    ("who", 4): [0, 1], ("who", 5): [0, 1], ("who", 6): [2], ("who", 7): [2], ("who", 8): [0, 1],
    ("hours_sunday", 3): [0, 2],
    ("shipping", 0): [0, 1, 3], ("shipping", 1): [0, 1, 3], ("shipping", 2): [0, 3],
    ("shipping", 3): [0, 3], ("shipping", 4): [2], ("shipping", 5): [0, 1], ("shipping", 6): [2],
    ("shipping", 7): [2],
    ("payment", 1): [0, 1], ("payment", 2): [2], ("payment", 3): [0, 1], ("payment", 4): [0, 1],
    ("payment", 5): ["En efectivo solo con pago contraentrega, en ciudades principales."],
    ("payment", 6): [2],
    ("returns", 2): [0, 1], ("returns", 5): [0, 1],
    ("complaint", 3): [0, 1],
    ("complaint", 8): ["Qué pena con usted. Puede pagar con tarjeta, PSE o Nequi; si sigue el "
                       "problema, le comunico con un asesor."],
    ("english", 5): [0, 1],
}  # fmt: skip

CITIES = ["Cali", "Medellín", "Barranquilla", "Pasto", "Bucaramanga", "Pereira", "Montería",
          "Villavicencio", "Tunja", "Cartagena", "Neiva", "Ibagué"]  # fmt: skip
TEAMS = ["Millonarios", "Nacional", "el América", "el Junior", "Santa Fe"]
ITEMS = ["tenis", "jeans", "audífonos", "zapatos", "ollas", "camisas"]
ITEMS_ORDERED = ["unos tenis Adidas", "una licuadora Oster", "un morral Totto"]
THINGS = ["televisor", "celular", "colchón", "portátil", "licuadora", "ventilador"]

OPENINGS = ["", "", "", "", "eh ", "mire ", "oiga ", "sí ", "pues ", "señorita ", "una pregunta ",
            "ay ", "bueno ", "hola "]  # fmt: skip
CLOSINGS = ["", "", "", "", " por favor", " pues", " si es tan amable", " por fa", " cierto",
            " me entiende", " sí"]  # fmt: skip
# What Whisper makes of some words on an 8 kHz line.
MISHEARD = {
    "envío": ["en vío", "envió"], "envíos": ["en víos"], "nequi": ["neki", "en equi"],
    "pse": ["pe ese e", "pese"], "hola": ["ola"], "horas": ["oras"], "devolver": ["de volver"],
    "pedido": ["pedí do", "pedio"], "tienda": ["tiendas"], "contra entrega": ["contraentrega"],
    "festivos": ["festivo"], "domingo": ["domingos"], "asesor": ["a sesor"],
    "datos": ["dato"], "señorita": ["señoritas"], "gracias": ["gracia"],
}  # fmt: skip


def whisper_like(text: str, rng: random.Random) -> str:
    """A caller's words as the transcriber writes them: fillers, lost punctuation, slips."""
    text = rng.choice(OPENINGS) + text + rng.choice(CLOSINGS)
    words = text.split()
    for i, w in enumerate(words):
        if w in MISHEARD and rng.random() < 0.25:
            words[i] = rng.choice(MISHEARD[w])
    text = " ".join(words)
    style = rng.random()
    if style < 0.35:  # Whisper's own sentence case and question marks
        text = text[:1].upper() + text[1:]
        if re.match(r"^(\w+ )?(qué|cómo|cuánto|cuándo|dónde|quién|a qué|hasta|hacen|tienen)", text,
                    re.I) or rng.random() < 0.3:  # fmt: skip
            text = f"¿{text}?" if rng.random() < 0.6 else f"{text}?"
        else:
            text += "."
    elif style < 0.5:  # accents lost on the way
        text = text.translate(str.maketrans("áéíóú", "aeiou"))
    elif style < 0.6:
        text += rng.choice([",", " ...", "."])
    return text


def fill(text: str, slots: dict[str, str]) -> str:
    for key, value in slots.items():
        text = text.replace("{" + key + "}", value)
    return text


def tool_answers(settings: Settings, rng: random.Random) -> list[tuple[str, str]]:
    """(caller, bot) pairs the store's tools answered earlier in a call: their numbers are in
    the history, so a later reply may repeat them but never add new ones."""
    number = str(rng.randint(45001, 45999))
    return [
        (f"quiero saber de mi pedido {number}",
         settings.retail.order_in_transit.replace("{number}", number)
         .replace("{item}", rng.choice(ITEMS_ORDERED))
         .replace("{carrier}", rng.choice(["Servientrega", "Coordinadora", "Interrapidísimo"]))
         .replace("{eta}", rng.choice(["lunes 3 de marzo", "jueves 12 de junio", "viernes 7"]))),
        ("a qué hora abren", " ".join(settings.store.faq[0].answer.split())),
        ("cómo puedo pagar", " ".join(settings.store.faq[2].answer.split())),
    ]  # fmt: skip


def history_for(settings: Settings, rng: random.Random) -> list[Message]:
    """The call so far as the service keeps it: usually the greeting, sometimes a turn."""
    r = rng.random()
    history: list[Message] = []
    if r < 0.7:
        history.append(Message("assistant", settings.phrase("greeting")))
    elif r < 0.8:
        history.append(Message("assistant", settings.phrase("consent_given")))
    if rng.random() < 0.3:
        caller, bot = rng.choice(tool_answers(settings, rng))
        history += [Message("user", whisper_like(caller, rng)), Message("assistant", bot)]
    return history


def example(
    settings: Settings, dialogue: Dialogue, rng: random.Random, category: str
) -> dict[str, Any]:
    turns, replies = GROUPS[category]
    i = rng.randrange(len(turns))
    fit = _FIT.get((category, i))
    choices = [replies[k] if isinstance(k, int) else k for k in fit] if fit else replies
    slots = {
        "city": rng.choice(CITIES),
        "team": rng.choice(TEAMS),
        "item": rng.choice(ITEMS),
        "thing": rng.choice(THINGS),
        "store_name": settings.store.name,
    }
    history = history_for(settings, rng)
    reply = fill(rng.choice(choices), slots)
    if category == "greeting" and not history:
        reply = f"Hola, gracias por llamar a {settings.store.name}. ¿En qué le puedo ayudar?"
    caller = whisper_like(fill(turns[i], slots), rng)
    messages = dialogue.messages(history, caller)
    chat = [{"role": m.role, "content": m.content} for m in messages]
    chat.append({"role": "assistant", "content": reply})
    return {"messages": chat, "category": category}


def generate(n: int, seed: int = SEED, settings: Settings | None = None) -> list[dict[str, Any]]:
    """`n` examples, categories in turn so each gets its share, seeded."""
    settings = settings or load_settings(environ={})
    dialogue = Dialogue(settings, model=None)  # type: ignore[arg-type]  # only messages()
    rng = random.Random(seed)
    cats = list(GROUPS)
    return [example(settings, dialogue, rng, cats[k % len(cats)]) for k in range(n)]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=640, help="examples")
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()
    rows = generate(args.n, args.seed)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    with args.out.open("w", encoding="utf-8") as f:
        for row in rows:
            f.write(json.dumps(row, ensure_ascii=False) + "\n")
    size = args.out.stat().st_size
    print(f"{len(rows)} examples -> {args.out.relative_to(ROOT)} ({size / 1e6:.2f} MB)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
