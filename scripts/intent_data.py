"""Training data for the intent model: Colombian Spanish caller turns, some through Whisper.

    .venv/bin/python scripts/intent_data.py                   # templates only (seconds)
    nice -n 19 .venv/bin/python scripts/intent_data.py --asr 400   # + 400 spoken turns

Each intent has templates (how callers of a Colombian store say it on the phone: "usted",
"mire", "regáleme", "por fa", "¿será que...?") filled with slot values taken from the store's
sample data (product names, brands, categories, colours, sizes, order numbers, carriers) and
the config's store name, with spoken openings and closings around them. `--asr N` speaks N of
them (stratified by intent) with the neural caller voices, through the mu-law phone codec at
8 kHz, into the service's own faster-whisper transcriber, and keeps what Whisper wrote: the
model learns Whisper's spellings, numbers and mistakes. Everything is seeded.

Writes `data/intents/train.jsonl`: one {"text", "intent", "source"} per line, source
"template" or "asr" (asr lines also carry "said" and "voice"). The spoken lines are also kept
in `data/intents/asr.jsonl`, which later runs without `--asr` merge back in as they are.
The held-out test set `data/intents/heldout.jsonl` is written by hand and never touched here,
except that `--speak-heldout` adds Whisper's version of the hand lines marked "speak"
(source "hand_asr" and "hand_blind_asr").
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import re
import sys
import tempfile
import time
import wave
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from voicebot.dialogue.intents import INTENTS, normalize  # noqa: E402

OUT = ROOT / "data" / "intents" / "train.jsonl"
ASR_OUT = ROOT / "data" / "intents" / "asr.jsonl"  # the spoken part, kept apart: costly to redo
HELDOUT = ROOT / "data" / "intents" / "heldout.jsonl"

# Openings and closings of a phone turn; empty strings weight "nothing" up.
OPENINGS = [
    "", "", "", "", "", "eh, ", "eh ", "pues ", "mire, ", "mire ", "oiga, ", "hola, ", "buenas, ",
    "buenas tardes, ", "buenos días, ", "aló, sí, ", "señorita, ", "una pregunta, ",
    "una preguntica, ", "qué pena, ", "disculpe, ", "bueno, ", "vea, ", "sumercé, ",
    "sí, mire, ", "hola, buenas, ", "ay, ", "eh, sí, ", "bueno, mire, ", "ah, ", "sí, ",
    "eh, buenas noches, ", "hola, qué tal, ", "buenas, le cuento que ", "es que ",
]  # fmt: skip
CLOSINGS = [
    "", "", "", "", "", "", " por favor", " por fa", " porfa", " pues", " si me hace el favor",
    ", gracias", ", ¿sí?", " señorita", ", ¿me entiende?", " eh", ", muy amable",
    " si es tan amable", ", ¿listo?", ", ¿cierto?",
]  # fmt: skip

SHORT_OPENINGS = {"eh, ", "eh ", "bueno, ", "sí, ", "ah, ", "ay, ", "pues ", "eh, sí, "}
EN_OPENINGS = ["", "", "", "hi, ", "hello, ", "um, ", "yes, ", "sorry, ", "excuse me, ", "oh, "]
EN_CLOSINGS = ["", "", "", " please", ", thanks", ", okay?", " thank you"]

CITIES = [
    "Bogotá", "Medellín", "Cali", "Barranquilla", "Cartagena", "Bucaramanga", "Pereira",
    "Manizales", "Pasto", "Cúcuta", "Ibagué", "Villavicencio", "Santa Marta", "Montería",
    "Neiva", "Armenia", "Popayán", "Tunja", "Sincelejo", "Valledupar", "Chía", "Envigado",
    "Soacha", "Rionegro", "Zipaquirá", "Leticia", "San Andrés",
]  # fmt: skip
RELATIVES = ["mamá", "papá", "esposa", "esposo", "hijo", "hija", "novia", "novio", "abuela",
             "sobrino", "hermana", "suegra", "jefe"]  # fmt: skip
PURPOSES = ["correr", "el colegio", "el trabajo", "el frío", "ir al gimnasio", "un matrimonio",
            "la oficina", "caminar", "la cocina", "un viaje", "diario", "un regalo",
            "la finca", "montañismo", "hacer ejercicio"]  # fmt: skip
WEEKDAYS = ["lunes", "martes", "miércoles", "jueves", "viernes", "sábado", "domingo"]
HOURS = ["las dos", "las tres de la tarde", "las 4", "las 10 de la mañana", "mediodía",
         "las seis", "las 5 y media", "la tarde", "la noche", "después del almuerzo"]  # fmt: skip
DAYS = ["dos", "tres", "4", "cinco", "8", "diez", "15", "quince", "una semana", "20"]
PRICES = ["100.000", "cien mil", "50 mil", "200.000", "ochenta mil", "300 mil", "150.000"]
DIGITS = "cero uno dos tres cuatro cinco seis siete ocho nueve".split()

TEMPLATES: dict[str, list[str]] = {
    "order_status": [
        "quisiera saber cómo va mi pedido",
        "¿será que me puede decir dónde está mi pedido {num}?",
        "hice una compra hace {days} días y todavía no me llega",
        "el pedido {num} no me ha llegado",
        "¿me colabora con el estado de mi orden?",
        "quiero rastrear mi paquete",
        "me dijeron que llegaba el {weekday} y nada",
        "¿en qué va mi compra? el número es {num}",
        "¿cuándo me llega {item} que pedí?",
        "regáleme el número de guía de mi pedido",
        "compré {item} por la página y no sé nada del pedido",
        "{carrier} no me ha entregado nada todavía",
        "mi pedido aparece como enviado pero no me ha llegado",
        "¿ya despacharon mi pedido?",
        "llamo por un pedido, el {num}",
        "quiero saber si mi orden ya salió",
        "¿ustedes me pueden decir en dónde va el paquete?",
        "estoy esperando un pedido desde el {weekday}",
        "el número de la orden es {num}",
        "es el pedido {num}",
        "¿me averigua qué pasó con mi compra?",
        "necesito saber cuándo me entregan el pedido",
        "hice un pedido por internet y no tengo razón de él",
        "¿me confirma si ya enviaron lo que compré?",
        "la guía de {carrier} no se mueve hace {days} días",
        "pedí {item} y no ha llegado",
        "quiero saber el estado de la orden {num}",
        "¿mi pedido ya va en camino?",
        "llevo {days} días esperando mi compra",
        "mi paquete dice que está en tránsito desde hace rato",
    ],
    "return_exchange": [
        "quiero devolver {item}",
        "necesito cambiar {item} por una talla {size}",
        "¿cómo hago para cambiar {item}?",
        "¿cómo es el proceso de devolución?",
        "¿cuántos días tengo para devolver algo?",
        "quiero que me devuelvan la plata de {item}",
        "necesito un reembolso del pedido {num}",
        "¿puedo cambiar un regalo que me dieron?",
        "compré {item} y la talla no me sirve, quiero otra",
        "la talla de {item} no me quedó, ¿la puedo cambiar?",
        "¿me devuelven el dinero si devuelvo {item}?",
        "quiero cambiar {item} por otro color",
        "no me gustó {item} y lo quiero devolver",
        "¿cuál es la política de devoluciones?",
        "quiero hacer un cambio",
        "¿puedo devolver algo que compré en promoción?",
        "quisiera cambiar {item} por el {color}",
        "me quedó pequeño y quiero cambiarlo por la {size}",
        "¿dónde llevo el producto para la devolución?",
        "¿el cambio lo puedo hacer en cualquier tienda?",
        "¿me reembolsan a la tarjeta o cómo es?",
        "¿ya procesaron mi reembolso?",
        "pedí la devolución hace {days} días y no me han devuelto la plata",
        "quiero devolver el pedido {num} completo",
        "¿necesito la factura para cambiar {item}?",
        "me arrepentí de la compra, ¿la puedo devolver?",
        "el color de {item} no era el que esperaba, lo quiero cambiar",
    ],
    "complaint_damaged": [
        "me llegó dañado el pedido",
        "el pedido llegó roto",
        "la caja llegó destruida y {item} venía dañado",
        "me llegó {item} con un defecto",
        "me mandaron una talla que no era",
        "me llegó otro producto, no el que pedí",
        "me llegó incompleto el pedido {num}",
        "quiero poner una queja",
        "estoy muy molesta con el servicio",
        "esto es el colmo, nadie me responde",
        "quiero hacer un reclamo",
        "la licuadora no prende",
        "la cafetera salió defectuosa",
        "el reloj dejó de funcionar a la semana",
        "a {item} se le despegó la suela",
        "me cobraron y el producto llegó malo",
        "pésimo servicio el de ustedes",
        "voy a poner la queja en la Superintendencia de Industria y Comercio",
        "el domiciliario fue grosero conmigo",
        "el pedido {num} llegó abierto y le faltan cosas",
        "quiero hacer válida la garantía de {item}",
        "{item} se rompió la primera vez que lo usé",
        "estoy muy aburrido, ya van {days} veces que llamo por lo mismo",
        "me llegó {item} manchado",
        "en la tienda me atendieron muy mal",
        "la olla llegó toda abollada",
        "la chaqueta vino descosida",
        "me llegó {item} en {color} y yo lo pedí en otro color",
        "esto es una falta de respeto, quiero hablar de una queja",
        "la cremallera del morral se dañó de una",
    ],
    "product_search": [
        "¿tienen {cat}?",
        "estoy buscando {prod}",
        "¿venden cosas de {brand}?",
        "necesito {cat} para {purpose}",
        "¿qué {cat} tienen?",
        "busco un regalo para mi {relative}",
        "¿manejan la marca {brand}?",
        "quiero comprar {prod}",
        "me interesa {prod}",
        "¿qué me recomienda para {purpose}?",
        "¿qué modelos de {cat} tienen?",
        "¿me puede contar qué hay de {cat}?",
        "ando buscando unos {cat}",
        "¿ustedes venden {cat}?",
        "quisiera ver {cat} de {brand}",
        "¿tienen algo de {brand}?",
        "necesito {prod}",
        "¿qué tienen de {cat} para {relative}?",
        "¿me ayuda a buscar {cat} {color}?",
        "¿cuáles {cat} me recomienda?",
        "¿tendrán {prod}?",
        "¿me puede buscar {prod}?",
        "quiero algo para {purpose}",
        "vi {prod} en la página y lo quiero",
        "¿qué marcas de {cat} manejan?",
        "busco {cat} de la marca {brand}",
    ],
    "price": [
        "¿cuánto cuesta {prod}?",
        "¿cuánto valen {cat}?",
        "¿qué precio tiene {prod}?",
        "¿en cuánto me sale {prod}?",
        "¿cuánto está {prod}?",
        "¿tienen descuentos?",
        "¿hay alguna promoción?",
        "¿{prod} está en oferta?",
        "¿cuál es el valor de {prod}?",
        "¿cuánto me cuestan dos {cat}?",
        "¿cuánto cuesta?",
        "¿y el precio?",
        "¿qué tan caro es {prod}?",
        "¿hay algo más económico?",
        "¿tienen {cat} por menos de {price}?",
        "¿por cuánto está?",
        "¿cuánto vale eso?",
        "regáleme el precio de {prod}",
        "¿qué valor tienen {cat} de {brand}?",
        "¿cuánto valen {cat} más baratos?",
        "¿hay descuento por pagar de contado?",
        "¿cuánto me queda {prod} con el descuento?",
        "¿manejan precios de black friday?",
        "¿en cuánto está {prod} en talla {size}?",
        "¿me dice el precio, por fa?",
        "¿y eso cuánto vale?",
    ],
    "stock": [
        "¿tienen {prod} en talla {size}?",
        "¿hay {prod} en color {color}?",
        "¿les queda {prod} en {color}?",
        "¿está disponible {prod}?",
        "¿todavía hay existencias de {prod}?",
        "¿cuántas unidades les quedan de {prod}?",
        "¿ya les llegó {prod} en talla {size}?",
        "¿está agotado {prod}?",
        "¿cuándo vuelven a tener {prod}?",
        "¿tienen la talla {size}?",
        "¿me confirma si hay en talla {size} y color {color}?",
        "¿en qué tallas tienen {prod}?",
        "¿en qué colores viene {prod}?",
        "¿hay en {color}?",
        "¿y en talla {size} hay?",
        "¿le quedan de la {size}?",
        "¿tienen inventario de {prod}?",
        "¿me revisa si hay {size} en {color}?",
        "¿hay disponibilidad en la {size}?",
        "¿sí hay de ese en {color} talla {size}?",
        "¿les quedan {cat} en {color}?",
        "¿todavía tienen {prod} o ya se acabó?",
        "¿hay unidades de {prod} en {city}?",
        "necesito saber si hay {prod} en {size}",
    ],
    "store_info": [
        "¿a qué hora abren?",
        "¿hasta qué hora atienden hoy?",
        "¿abren los domingos?",
        "¿atienden en festivo?",
        "¿dónde queda la tienda?",
        "¿cuál es la dirección de ustedes?",
        "¿tienen tienda en {city}?",
        "¿tienen tienda física?",
        "¿cuál es el horario?",
        "¿tienen WhatsApp?",
        "¿cuál es el correo de ustedes?",
        "¿qué sedes tienen en {city}?",
        "¿tienen parqueadero?",
        "¿cuál es la página web?",
        "¿están abiertos el {weekday}?",
        "¿a qué hora cierran?",
        "¿el {weekday} hasta qué hora trabajan?",
        "¿dónde los encuentro en {city}?",
        "¿cuál es el almacén más cercano en {city}?",
        "¿abren el festivo del lunes?",
        "¿qué horario manejan en diciembre?",
        "¿cómo los puedo contactar por internet?",
        "¿ustedes tienen redes sociales?",
        "¿en qué centro comercial quedan?",
        "¿el almacén de {city} abre los domingos?",
    ],
    "payment": [
        "¿qué medios de pago tienen?",
        "¿puedo pagar con Nequi?",
        "¿reciben tarjeta de crédito?",
        "¿aceptan PSE?",
        "¿se puede pagar contraentrega?",
        "¿puedo pagar a cuotas?",
        "me cobraron dos veces la compra",
        "el pago por PSE me salió rechazado",
        "quiero pagar con tarjeta, el número es {card}",
        "¿le dicto los números de la tarjeta?",
        "me rechazaron la tarjeta",
        "¿puedo pagar en efectivo?",
        "¿reciben Daviplata?",
        "no me deja pagar en la página",
        "regáleme el link de pago",
        "ya pagué pero no me aparece el pago",
        "me descontaron la plata y el pedido no quedó",
        "¿cómo puedo pagar?",
        "mi tarjeta es {card}, cobre ahí",
        "le doy los datos de la tarjeta, {card}, vence en el {cardexp}",
        "el código de seguridad es {cvv}",
        "¿puedo pagar con tarjeta débito?",
        "¿reciben Bancolombia a la mano?",
        "quiero pagar por transferencia",
        "¿aceptan tarjeta de Falabella?",
        "el pago con Nequi no pasó",
        "¿a cuántas cuotas puedo diferir?",
        "¿me pueden tomar el pago por teléfono?",
    ],
    "shipping": [
        "¿cuánto cuesta el envío a {city}?",
        "¿hacen envíos a {city}?",
        "¿cuánto se demora un envío a {city}?",
        "¿el envío es gratis?",
        "¿desde cuánto es el envío gratis?",
        "¿envían a la casa?",
        "¿hacen domicilios?",
        "¿con qué transportadora envían?",
        "¿mandan a pueblos?",
        "¿puedo recoger en la tienda?",
        "si compro hoy, ¿cuándo me llega?",
        "¿envían al exterior?",
        "¿cuánto vale el domicilio?",
        "¿llegan a zonas rurales?",
        "¿cuánto es el costo de envío?",
        "¿cuántos días se demoran en entregar?",
        "¿despachan los fines de semana?",
        "¿me lo pueden mandar a la oficina en {city}?",
        "¿el envío a {city} tiene costo?",
        "¿hacen entregas el mismo día?",
        "¿me lo mandan por {carrier}?",
        "¿cuánto me cobran por mandar {item} a {city}?",
        "¿a {city} cuánto tarda?",
        "¿tienen envío express?",
    ],
    "person_agent": [
        "páseme con un asesor",
        "quiero hablar con una persona",
        "¿me comunica con alguien de verdad?",
        "no quiero hablar con una máquina",
        "¿hay alguien con quien pueda hablar?",
        "comuníqueme con un humano",
        "¿me pasa con el encargado?",
        "quiero hablar con el gerente",
        "operadora",
        "asesor",
        "necesito un agente",
        "¿me transfiere con servicio al cliente?",
        "prefiero que me atienda una persona",
        "usted es un robot, páseme con alguien",
        "con una señorita, por favor",
        "¿puedo hablar con un supervisor?",
        "quiero que me atienda un ser humano",
        "¿me puede pasar a un asesor de carne y hueso?",
        "no le entiendo, mejor con una persona",
        "¿está la persona de ventas?",
        "comuníqueme con alguien que me ayude",
        "¿me puede pasar con la señora {lastname}?",
        "quiero hablar con alguien de la tienda",
        "páseme a un humano, ya",
        "¿no hay un asesor disponible?",
    ],
    "callback": [
        "¿me pueden llamar más tarde?",
        "llámenme después, ahora estoy ocupado",
        "¿me devuelven la llamada en una hora?",
        "ahorita no puedo hablar, ¿me llaman mañana?",
        "prefiero que me llamen a {hour}",
        "¿me pueden marcar a este número después?",
        "estoy manejando, llámeme luego",
        "¿me llama en la tarde?",
        "que me llame un asesor mañana",
        "me gustaría que me contacten más tarde",
        "¿me devuelven la llamada al {phone}?",
        "mejor llámenme el {weekday}",
        "estoy en una reunión, ¿me llaman en un rato?",
        "¿pueden llamarme a {hour}?",
        "no tengo tiempo ahora, me llaman después",
        "déjeme su número y ustedes me llaman, ¿sí?",
        "¿me pueden contactar mañana a {hour}?",
        "llámeme al celular {phone} más tarde",
        "¿me programan una llamada para el {weekday}?",
        "¿el asesor me puede devolver la llamada?",
        "no me puedo quedar en línea, que me llamen",
        "ahora no, mejor me marcan en la noche",
    ],
    "data_rights": [
        "quiero que borren mis datos",
        "eliminen mi información de su base de datos",
        "¿qué datos tienen de mí?",
        "no quiero que me vuelvan a llamar",
        "sáquenme de la lista de publicidad",
        "no autorizo el tratamiento de mis datos",
        "quiero revocar la autorización de datos",
        "¿de dónde sacaron mi número?",
        "quiero ejercer mi derecho de habeas data",
        "según la ley 1581 quiero que borren mis datos",
        "quiero actualizar mis datos personales",
        "necesito corregir mi correo en el sistema",
        "no me manden más mensajes",
        "dejen de mandarme promociones",
        "quiero saber qué hacen con mi información",
        "no quiero que guarden mi número",
        "quiero que me quiten de la base de datos",
        "¿me pueden mandar la información que tienen de mí?",
        "borre mi número, por favor",
        "no les di permiso de usar mis datos",
        "quiero que me eliminen como cliente",
        "les pido que supriman mis datos personales",
        "no quiero recibir más llamadas de ustedes",
        "¿con qué autorización tienen mis datos?",
    ],
    "goodbye_thanks": [
        "muchas gracias, eso era todo",
        "listo, gracias",
        "muy amable, hasta luego",
        "chao",
        "gracias por la ayuda",
        "perfecto, que tenga buen día",
        "no, nada más, gracias",
        "eso es todo",
        "bueno, hasta luego",
        "Dios le pague",
        "mil gracias, señorita",
        "ya me quedó claro, gracias",
        "que esté muy bien",
        "chao, chao",
        "listo, muy amable",
        "no, ya, eso era",
        "gracias, muy amable, feliz tarde",
        "bueno, listo, gracias por todo",
        "hasta luego, que le vaya bien",
        "ya está, gracias",
        "no señorita, eso era todo, gracias",
        "bueno, entonces quedamos así, chao",
    ],
    "greeting": [
        "aló",
        "hola, buenas tardes",
        "buenos días",
        "aló, ¿me escucha?",
        "¿hola? ¿quién habla?",
        "buenas, ¿con quién hablo?",
        "sí, aló",
        "buenas noches",
        "¿hablo con {store}?",
        "aló, ¿sí me oye?",
        "¿aló? ¿hay alguien?",
        "hola, ¿qué tal?",
        "¿es {store}?",
        "buenas, ¿me escucha bien?",
        "hola, hola",
        "aló, buenas",
        "¿sí? ¿aló?",
        "hola, ¿cómo está?",
    ],
    "out_of_scope": [
        "¿cómo va a estar el clima mañana?",
        "¿quién ganó el partido de {team}?",
        "cuénteme un chiste",
        "¿me ayuda con una tarea de matemáticas?",
        "¿cuál es la capital de Francia?",
        "¿esto es Claro? quiero pagar la factura del celular",
        "quiero pedir una pizza",
        "¿usted qué opina del presidente?",
        "¿me recomienda una película?",
        "¿qué hora es?",
        "¿a cómo está el dólar hoy?",
        "¿me puede prestar plata?",
        "quiero pedir una cita médica",
        "¿me da el número de la policía?",
        "¿cómo hago un arroz con pollo?",
        "¿cuándo es el próximo partido de la selección?",
        "necesito un taxi para {city}",
        "¿me puede decir el saldo de mi cuenta de ahorros?",
        "¿quién canta esa canción que suena?",
        "¿a qué hora sale el bus para {city}?",
        "quiero renovar el pasaporte",
        "¿cuánto cuesta un arriendo en {city}?",
        "¿usted sabe de política?",
        "¿cuál es el pico y placa de hoy?",
        "¿me ayuda a llenar la declaración de renta?",
        "¿qué número juega la lotería de hoy?",
        "quiero inscribirme a un curso de inglés",
        "¿usted está casada?",
    ],
    "other_language": [
        "hi, do you speak English?",
        "hello, I'd like to check on my order please",
        "can I talk to someone in English?",
        "what time do you close today?",
        "sorry, I don't speak Spanish",
        "I want to return a pair of shoes",
        "how much are the {brand} sneakers?",
        "excuse me, is there anyone who speaks English?",
        "my package hasn't arrived yet",
        "could you call me back later, please?",
        "I need help with my order number {num}",
        "do you ship to the United States?",
        "thank you, goodbye",
        "hello, can you hear me?",
        "I would like to speak to a manager",
        "olá, vocês falam português?",
        "eu queria saber do meu pedido",
        "bom dia, eu não falo espanhol",
        "bonjour, vous parlez français?",
        "English please",
        "I'm calling about a refund",
        "what payment methods do you accept?",
        "is this the store? I need some information",
        "I'd like to know if you have these in size {size}",
        "where is your store located?",
        "can you send me the payment link?",
        "my shoes arrived damaged",
        "please delete my personal information",
        "I'm looking for a jacket for my {relative_en}",
        "do you have any discounts right now?",
        "I don't understand, do you speak English?",
        "yes, hello, good afternoon",
        "could I get a person on the line?",
        "obrigado, tchau",
        "eu quero devolver um produto",
        "quanto custa o envio?",
        "a encomenda ainda não chegou",
        "sprechen Sie Englisch?",
        "hello? anyone there? I need help",
        "I placed an order last week and nothing yet",
        "what's the price of this one?",
    ],
}

# A second, broader round of wordings per intent (shorter turns, other verbs and structures),
# written after the first model generalised poorly beyond the first round's sentence shapes.
MORE: dict[str, list[str]] = {
    "order_status": [
        "no me ha llegado lo que pedí",
        "¿qué pasó con mi pedido?",
        "¿me puede revisar un pedido a nombre de {lastname}?",
        "tengo una compra pendiente por llegar",
        "quería preguntar por un pedido que hice la semana pasada",
        "¿ya salió mi paquete de la bodega?",
        "¿me dice cuándo llega la orden {num}?",
        "necesito saber qué pasó con el envío de mi pedido",
        "compré por internet y nunca me llegó nada",
        "el rastreo de la guía no dice nada",
        "¿cuándo me llega el domicilio que pedí?",
        "el mensajero no ha venido con mi pedido",
        "¿el pedido {num} ya lo entregaron?",
        "estoy pendiente de una compra que hice el {weekday}",
        "mi orden lleva {days} días en camino",
    ],
    "return_exchange": [
        "me quedó grande, ¿me lo cambian?",
        "quiero cambiarlo por una talla más pequeña",
        "necesito devolver una compra",
        "¿cómo solicito el reembolso?",
        "quiero la devolución de mi plata",
        "¿hay cambio si no me gusta?",
        "no me sirvió la talla",
        "quiero regresar un producto",
        "¿me pueden cambiar {item} por otro modelo?",
        "ya no lo quiero, ¿lo puedo devolver?",
        "me equivoqué de color, quiero cambiarlo",
        "¿en cuánto tiempo me devuelven el dinero?",
        "quiero anular la compra y que me reintegren el dinero",
        "¿tengo plazo para hacer un cambio?",
        "¿me aceptan el cambio sin factura?",
    ],
    "complaint_damaged": [
        "el producto vino con un defecto de fábrica",
        "me vendieron algo que no funciona",
        "el paquete llegó mojado y todo dañado",
        "esto no es lo que yo pedí",
        "me llegó roto {item}",
        "le faltan piezas a lo que me llegó",
        "estoy inconforme con la atención",
        "quiero presentar una queja formal",
        "la verdad estoy muy decepcionado con ustedes",
        "el producto salió malo",
        "{item} se dañó a los {days} días",
        "me mandaron {item} usado",
        "vino rayado y con la caja rota",
        "me atendieron pésimo en el almacén",
        "llevo días esperando respuesta a mi reclamo",
        "la licuadora echa humo",
    ],
    "product_search": [
        "¿qué tienen para {relative}?",
        "¿me muestra opciones de {cat}?",
        "quisiera saber si tienen {cat}",
        "¿venden {cat} de marca {brand}?",
        "¿qué hay en {cat} para hombre?",
        "¿qué tienen en {cat} para dama?",
        "¿trabajan la marca {brand}?",
        "estoy interesada en {prod}",
        "me gustaría ver qué {cat} tienen",
        "¿qué opciones hay de {cat}?",
        "¿tienen {cat} para niños?",
        "¿qué me ofrecen en {cat}?",
        "quiero mirar {cat}",
        "¿manejan {cat}?",
    ],
    "price": [
        "¿a cómo está {prod}?",
        "¿a cómo tienen {cat}?",
        "¿cuánta plata vale {prod}?",
        "¿qué tan costoso es {prod}?",
        "¿cuánto es lo que cuesta {prod}?",
        "¿hay rebajas en {cat}?",
        "¿tienen ofertas esta semana?",
        "¿cuál es el más barato?",
        "¿me da el valor total?",
        "¿cuánto me vale llevar dos?",
        "¿{prod} tiene descuento?",
        "¿qué precios manejan en {cat}?",
        "¿cuánto cuestan más o menos {cat}?",
        "¿el precio de {prod} incluye IVA?",
    ],
    "stock": [
        "¿hay en talla {size}?",
        "¿les quedan unidades?",
        "¿todavía hay de ese?",
        "¿ese modelo lo tienen en {color}?",
        "¿se agotó la talla {size}?",
        "¿me confirma si hay existencias?",
        "¿hay disponible en número {size}?",
        "¿cuántos les quedan?",
        "¿ese viene en otros colores?",
        "¿qué tallas le quedan de {prod}?",
        "¿lo tienen en tallas grandes?",
        "¿cuándo les llega más mercancía de {prod}?",
        "¿de {prod} tienen la {size}?",
    ],
    "store_info": [
        "¿en dónde están ubicados?",
        "¿cómo llego a la tienda?",
        "¿cuál es la dirección del almacén en {city}?",
        "¿qué días abren?",
        "¿a qué horas atienden?",
        "¿los domingos abren?",
        "¿tienen sucursales?",
        "¿hay un punto en {city}?",
        "¿hasta qué horas está abierto el almacén?",
        "¿ustedes abren en semana santa?",
        "¿cuál es el teléfono de la tienda de {city}?",
        "¿tienen local en el centro?",
        "¿me da el número de WhatsApp?",
    ],
    "payment": [
        "¿cómo se puede pagar?",
        "¿aceptan todas las tarjetas?",
        "¿reciben pago con tarjeta Visa?",
        "el banco me rechazó el pago",
        "me descontaron dos veces",
        "quiero pagar contra entrega",
        "¿puedo pagar por Bancolombia?",
        "no pude terminar el pago",
        "¿reciben efectivo?",
        "el pago me quedó en proceso",
        "¿me toman los datos de la tarjeta por teléfono?",
        "anote mi tarjeta: {card}",
        "¿el pago es seguro?",
        "¿puedo pagar con dos tarjetas?",
    ],
    "shipping": [
        "¿cuánto demora el envío?",
        "¿hacen envíos a todo el país?",
        "¿cuánto vale mandar un pedido a {city}?",
        "¿me lo mandan a la casa?",
        "¿el domicilio tiene costo?",
        "¿qué transportadora usan?",
        "¿envían a {city} gratis?",
        "¿en cuántos días llega a {city}?",
        "¿puedo recogerlo en el almacén?",
        "¿llegan a municipios pequeños?",
        "¿cuánto se cobra de envío?",
        "¿a partir de cuánto no se paga el envío?",
        "¿entregan los domingos?",
    ],
    "person_agent": [
        "quiero hablar con alguien",
        "páseme a una persona",
        "necesito hablar con un asesor",
        "¿me comunica con un asesor?",
        "¿hay un humano por ahí?",
        "no quiero un robot, quiero una persona",
        "con un asesor, por fa",
        "¿me puede transferir?",
        "comuníqueme con el área de servicio al cliente",
        "¿me atiende una persona de verdad?",
        "necesito que alguien me atienda",
        "¿me pasa con un agente?",
        "déjeme hablar con un empleado",
        "¿puedo hablar con la persona encargada?",
    ],
    "callback": [
        "¿me llaman más tarde?",
        "llámeme después",
        "ahora no puedo, llámenme",
        "¿pueden devolverme la llamada?",
        "prefiero que me llamen luego",
        "¿me contactan en otro momento?",
        "estoy ocupada, me llaman más tarde",
        "¿me vuelven a llamar mañana?",
        "márquenme después de las {hour}",
        "que me llamen en una hora",
        "¿me agendan una llamada?",
        "mejor llámeme en la tarde",
        "¿me timbran más tarde?",
    ],
    "data_rights": [
        "quiero que borren mi información",
        "elimine mis datos",
        "¿qué información tienen de mí?",
        "no me vuelvan a llamar",
        "no quiero más publicidad",
        "quiero retirar mi autorización",
        "saquen mis datos del sistema",
        "quiero que me borren de todo",
        "¿cómo sacaron mis datos?",
        "cancelen el envío de promociones a mi número",
        "quiero que corrijan mi nombre en la base de datos",
        "¿me envían una copia de mis datos?",
        "no autorizo que me llamen",
        "quiero desuscribirme",
    ],
    "goodbye_thanks": [
        "gracias",
        "muchas gracias",
        "listo, chao",
        "bueno, muchas gracias",
        "gracias, hasta luego",
        "eso sería todo",
        "nada más",
        "ya no necesito nada más",
        "le agradezco",
        "muy amable, chao",
        "muchísimas gracias",
        "adiós",
        "hasta pronto",
        "bueno, ya cuelgo",
        "mil gracias por la atención",
    ],
    "greeting": [
        "hola",
        "buenas",
        "aló, buenos días",
        "¿aló? ¿me oye?",
        "hola, ¿hablo con la tienda?",
        "sí, buenas tardes",
        "¿quién habla?",
        "hola, buenas noches",
        "aló, ¿con quién hablo?",
        "buenas, ¿está ahí?",
    ],
    "out_of_scope": [
        "¿usted sabe cómo está el tráfico?",
        "¿cuál es el resultado del partido?",
        "¿me recomienda un restaurante?",
        "¿dónde queda el hospital más cercano?",
        "¿me ayuda a hacer una tarea?",
        "¿cómo llego al centro de {city}?",
        "¿qué opina de la situación del país?",
        "¿de dónde es usted?",
        "necesito un abogado",
        "¿a cómo está el euro?",
        "¿me da el teléfono de un cerrajero?",
        "quiero pagar el recibo de la luz",
        "¿cuánto cuesta un tiquete a {city}?",
        "¿cuándo pagan la prima?",
        "¿usted es inteligencia artificial? ¿qué piensa de la vida?",
        "¿me puede escribir un poema?",
        "¿cómo se saca la licencia de conducción?",
        "¿cuánto está el pasaje de Transmilenio?",
        "¿qué día es hoy?",
        "quiero hablar de mi plan de celular",
    ],
    "other_language": [
        "good morning, I have a question about my order",
        "I want to change the size of my shoes",
        "do you have this in black?",
        "how much is shipping to {city}?",
        "can someone call me back tomorrow?",
        "the product I received is broken",
        "bye, thank you so much",
        "hello, is anybody there?",
        "I'm sorry, my Spanish is not very good",
        "where can I pick up my order?",
        "olá, tudo bem? quero comprar um tênis",
        "vocês entregam no Brasil?",
        "quero falar com uma pessoa",
    ],
}
# Eleventh session: a product asked for by its kind with an indefinite article ("quiero una
# licuadora" read as a complaint: blenders were named only in complaints), and an order number
# the caller cannot remember (read as a data-rights request: "no me acuerdo del número").
MORE["product_search"] += [
    "quiero {one}", "necesito {one}", "busco {one}", "¿tienen {one}?", "ando buscando {one}",
    "estoy buscando {one} para regalar", "me gustaría comprar {one}", "¿me vende {one}?",
]  # fmt: skip
MORE["order_status"] += [
    "no me acuerdo del número", "no me acuerdo del número del pedido",
    "no tengo el número a la mano, pero quiero saber de mi pedido",
    "no sé cuál es el número de la orden", "se me borró el número del pedido",
]  # fmt: skip
for _intent, _extra in MORE.items():
    TEMPLATES[_intent] += _extra

# Words callers use for the same thing (same gender and number, so a swap stays grammatical):
# one of them in a line is sometimes replaced by another, so no wording hangs on one word.
SYNONYMS = [
    ["pedido", "paquete", "encargo"],
    ["orden", "compra", "encomienda"],
    ["plata", "dinero"],
    ["devolver", "regresar"],
    ["zapatillas", "tenis"],
    ["precio", "valor", "costo"],
    ["barato", "económico"],
    ["quiero", "quisiera", "necesito", "me gustaría", "deseo"],
    ["llamar", "marcar", "contactar", "timbrar"],
    ["llamen", "marquen", "contacten", "timbren"],
    ["llámenme", "márquenme", "contáctenme"],
    ["tienda", "sede", "sucursal"],
    ["almacén", "local", "punto de venta"],
    ["borren", "eliminen", "supriman", "quiten"],
    ["asesor", "agente", "funcionario", "empleado", "operador"],
    ["dañado", "roto", "malo", "defectuoso", "averiado"],
    ["envío", "despacho"],
    ["mandan", "envían", "despachan", "llevan"],
    ["ahora", "ahorita", "en este momento"],
    ["gracias", "muchas gracias", "mil gracias"],
    ["mire", "vea", "oiga"],
    ["por favor", "por fa", "porfa", "hágame el favor"],
]
_SYNONYM_OF = {w: group for group in SYNONYMS for w in group}
_SYNONYM_RE = re.compile(
    r"\b(" + "|".join(sorted(map(re.escape, _SYNONYM_OF), key=len, reverse=True)) + r")\b"
)


def swap_synonym(text: str, rng: random.Random) -> str:
    """`text` with one of its words replaced by a synonym (unchanged if it has none)."""
    found = list(_SYNONYM_RE.finditer(text))
    if not found:
        return text
    match = rng.choice(found)
    other = rng.choice([w for w in _SYNONYM_OF[match.group(1)] if w != match.group(1)])
    return text[: match.start()] + other + text[match.end() :]


TEAMS = ["Millonarios", "Nacional", "el América", "el Junior", "Santa Fe", "el Cali"]
LASTNAMES = ["Martínez", "Restrepo", "Gómez", "Rodríguez", "López", "Ramírez", "Ospina"]


def store_slots() -> dict[str, list[str]]:
    """Slot values from the store's sample data and the packaged config."""
    from voicebot.config import load_settings
    from voicebot.store.sql import SAMPLE_STORE

    sample = json.loads(SAMPLE_STORE.read_text(encoding="utf-8"))
    products = sample["products"]
    names = sorted({p["name"] for p in products})
    # How callers name a product: its full name, or category + brand, lower-cased as said.
    prods = [n.lower() if random.random() < 0.5 else n for n in names]
    prods += [f"{p['category']} {p['brand']}" for p in products]
    items_article = {"zapatillas": "las", "camisetas": "la", "jeans": "el", "botas": "las",
                     "chaquetas": "la", "vestidos": "el", "leggings": "los", "sandalias": "las",
                     "medias": "las", "gorras": "la", "morrales": "el", "licuadoras": "la",
                     "cafeteras": "la", "relojes": "el", "bolsos": "el", "correas": "la",
                     "cuidado de calzado": "el", "ollas": "las"}  # fmt: skip
    singular = {"camisetas": "camiseta", "jeans": "jean", "chaquetas": "chaqueta",
                "vestidos": "vestido", "gorras": "gorra", "morrales": "morral",
                "licuadoras": "licuadora", "cafeteras": "cafetera", "relojes": "reloj",
                "bolsos": "bolso", "correas": "correa", "cuidado de calzado": "kit limpiador",
                "ollas": "ollas"}  # fmt: skip
    items = []
    ones = []
    for p in products:
        cat = p["category"]
        noun = singular.get(cat, cat)
        items.append(f"{items_article[cat]} {noun}")
        items.append(f"{items_article[cat]} {noun} {p['brand']}")
        article = {"la": "una", "el": "un", "las": "unas", "los": "unos"}[items_article[cat]]
        ones.append(f"{article} {noun}")
        ones.append(f"{article} {noun} {p['brand']}")
    orders = [o["number"] for o in sample["orders"]]
    settings = load_settings(environ={})
    return {
        "prod": prods,
        "item": sorted(set(items)),
        "one": sorted(set(ones)),
        "cat": sorted({p["category"] for p in products}),
        "brand": sorted({p["brand"] for p in products}),
        "color": sorted({v["color"] for p in products for v in p["variants"]}),
        "size": sorted({v["size"] for p in products for v in p["variants"]} - {"única"}),
        "carrier": sorted({o["carrier"] for o in sample["orders"]}),
        "orders": orders,
        "store": [settings.store.name, settings.store.name.split()[-1], "La Quinta"],
    }


def spoken_number(number: str, rng: random.Random) -> str:
    """An order number as callers say it: digits, digit by digit, or in pairs."""
    roll = rng.random()
    if roll < 0.55:
        return number
    if roll < 0.8:
        return " ".join(DIGITS[int(d)] for d in number)
    return f"{number[:2]} {number[2:]}"


def card_number(rng: random.Random) -> str:
    """A made-up card number as a caller dictates it (never a real one)."""
    groups = [f"{rng.randrange(10000):04d}" for _ in range(4)]
    if rng.random() < 0.5:
        return " ".join(groups)
    return " ".join(DIGITS[int(d)] for d in "".join(groups[:2]))


def phone_number(rng: random.Random) -> str:
    number = f"3{rng.randrange(10, 25)}{rng.randrange(10**7):07d}"
    return number if rng.random() < 0.6 else " ".join(DIGITS[int(d)] for d in number)


def fill(
    template: str, slots: dict[str, list[str]], rng: random.Random, english: bool = False
) -> str:
    """A template with every {slot} replaced by a random value."""
    values: dict[str, Any] = {
        "prod": rng.choice(slots["prod"]),
        "item": rng.choice(slots["item"]),
        "cat": rng.choice(slots["cat"]),
        "brand": rng.choice(slots["brand"]),
        "color": rng.choice(slots["color"]),
        "size": rng.choice(slots["size"]),
        "carrier": rng.choice(slots["carrier"]),
        "store": rng.choice(slots["store"]),
        "num": spoken_number(rng.choice(slots["orders"]), rng),
        "city": rng.choice(CITIES),
        "relative": rng.choice(RELATIVES),
        "purpose": rng.choice(PURPOSES),
        "weekday": rng.choice(WEEKDAYS),
        "hour": rng.choice(HOURS),
        "days": rng.choice(DAYS),
        "price": rng.choice(PRICES),
        "team": rng.choice(TEAMS),
        "lastname": rng.choice(LASTNAMES),
        "card": card_number(rng),
        "cardexp": f"{rng.randrange(1, 13):02d} del {rng.randrange(26, 31)}",
        "cvv": f"{rng.randrange(1000):03d}",
        "phone": phone_number(rng),
        "relative_en": rng.choice(["wife", "husband", "son", "daughter", "mom", "dad"]),
    }
    if english:  # no Spanish number words inside an English sentence
        values["num"] = rng.choice(slots["orders"])
    if "{one}" in template:  # drawn only here: the other templates' draws stay as they were
        values["one"] = rng.choice(slots["one"])
    text = template.format(**values)
    return text.replace(" de el ", " del ").replace(" a el ", " al ")


def dress(text: str, intent: str, rng: random.Random) -> str:
    """Openings and closings of spoken Spanish; English and the like keep their own."""
    if intent == "other_language":
        return f"{rng.choice(EN_OPENINGS)}{text}{rng.choice(EN_CLOSINGS)}".strip()
    opening = rng.choice(OPENINGS)
    closing = rng.choice(CLOSINGS)
    if intent in ("greeting", "goodbye_thanks"):  # "es que chao por favor" is no one's speech
        opening = opening if opening in SHORT_OPENINGS else ""
        closing = ""
    if opening and text[:1] in "¿¡":  # "mire, ¿tienen...?" keeps the question mark
        return f"{opening}{text}{closing}".strip()
    if opening and text[:1].isupper() and not text.startswith(("Dios", "WhatsApp")):
        text = text[0].lower() + text[1:]
    return f"{opening}{text}{closing}".strip()


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def write_jsonl(path: Path, rows: list[dict[str, Any]]) -> None:
    path.write_text(
        "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8"
    )


def held_out_keys() -> set[str]:
    """The held-out lines, normalised. Short turns ("sí, buenas") can come out word for word as
    a held-out line: those are left out of training (the only use of the held-out set here)."""
    if not HELDOUT.exists():
        return set()
    return {normalize(json.loads(line)["text"]) for line in HELDOUT.open(encoding="utf-8")}


def generate(seed: int, per_intent: int) -> list[dict[str, Any]]:
    """`per_intent` distinct (after normalisation) template lines per intent."""
    rng = random.Random(seed)
    random.seed(seed)  # store_slots' own choices
    slots = store_slots()
    held = held_out_keys()
    rows: list[dict[str, Any]] = []
    for intent in INTENTS:
        templates = TEMPLATES[intent]
        seen: set[str] = set(held)
        tries = 0
        # Every template first, then random ones: rare wordings are all represented.
        order = list(templates)
        while len(seen) - len(held) < per_intent and tries < per_intent * 30:
            template = order[tries] if tries < len(order) else rng.choice(templates)
            tries += 1
            text = fill(template, slots, rng, intent == "other_language")
            if intent != "other_language" and rng.random() < 0.4:
                text = swap_synonym(text, rng)
            text = dress(text, intent, rng)
            key = normalize(text)
            if key in seen:
                continue
            seen.add(key)
            rows.append(
                {"text": text, "intent": intent, "source": "template", "template": template}
            )
    return rows


def phone_line(wav_path: Path) -> np.ndarray:
    """A voice's WAV as the service hears it: 8 kHz, mu-law encoded and decoded."""
    from voicebot.audio.codec import TELEPHONY_RATE, resample, ulaw_decode, ulaw_encode

    with wave.open(str(wav_path), "rb") as wav:
        rate = wav.getframerate()
        pcm = np.frombuffer(wav.readframes(wav.getnframes()), dtype=np.int16)
    return ulaw_decode(ulaw_encode(resample(pcm, rate, TELEPHONY_RATE)))


def transcriber() -> Any:
    """The service's own faster-whisper transcriber, on one thread (others use the CPU too)."""
    from voicebot.asr import WhisperTranscriber
    from voicebot.config import load_settings

    settings = load_settings(overrides={"asr": {"cpu_threads": 1, "workers": 1}}, environ={})
    return WhisperTranscriber(settings.model_ref(settings.asr.model), settings.asr)


VOICES = ("kokoro:em_alex", "kokoro:ef_dora", "kokoro:em_santa", "pico")
ENGLISH_VOICE = "espeak:en-us"  # our Spanish voices cannot say English; espeak can
PORTUGUESE_VOICE = "espeak:pt-br"


def voice_for(text: str, intent: str, index: int) -> str:
    if intent == "other_language":
        portuguese = re.search(r"\b(olá|eu|bom dia|vocês)\b", text)
        return PORTUGUESE_VOICE if portuguese else ENGLISH_VOICE
    return VOICES[index % len(VOICES)]


def speak(
    rows: list[dict[str, Any]], budget_s: float, sink: Path | None = None
) -> list[dict[str, Any]]:
    """Whisper's transcript of each row spoken by a caller voice over the phone codec.

    Stops when this process has used `budget_s` of CPU. With `sink`, each turn is appended
    to it as it is heard and turns already there are skipped: a stopped run resumes.
    """
    from voicebot.tts.callers import synthesize_caller

    done: list[dict[str, Any]] = []
    if sink is not None and sink.exists():
        done = read_jsonl(sink)
    said = {r["said"] for r in done}
    asr = transcriber()
    out = list(done)
    start = time.process_time()
    with tempfile.TemporaryDirectory() as tmp:
        for i, row in enumerate(rows):
            if row["text"] in said:
                continue
            if time.process_time() - start > budget_s:
                print(f"CPU budget reached after {i} turns", file=sys.stderr)
                break
            voice = voice_for(row["text"], row["intent"], i)
            wav = synthesize_caller(row["text"], Path(tmp) / "turn.wav", voice)
            heard = asyncio.run(asr.transcribe(phone_line(wav))).text.strip()
            if not heard:  # Whisper dropped it (e.g. a lone "gracias."): nothing to learn
                continue
            line = {**row, "text": heard, "said": row["text"], "voice": voice}
            out.append(line)
            if sink is not None:
                with sink.open("a", encoding="utf-8") as f:
                    f.write(json.dumps(line, ensure_ascii=False) + "\n")
            if i % 20 == 0:
                cpu = time.process_time() - start
                print(f"{i}/{len(rows)} cpu {cpu:.0f}s {voice}: {heard}", file=sys.stderr)
    return out


def stratified(rows: list[dict[str, Any]], n: int, rng: random.Random) -> list[dict[str, Any]]:
    """`n` rows spread evenly over the intents, interleaved so a cut-off run stays balanced."""
    by_intent = {i: [r for r in rows if r["intent"] == i] for i in INTENTS}
    for group in by_intent.values():
        rng.shuffle(group)
    per = -(-n // len(INTENTS))
    picked: list[dict[str, Any]] = []
    for k in range(per):
        picked += [g[k] for g in by_intent.values() if k < len(g)]
    return picked[:n]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seed", type=int, default=16)
    parser.add_argument("--per-intent", type=int, default=400)
    parser.add_argument("--asr", type=int, default=0, help="turns spoken through Whisper")
    parser.add_argument("--cpu-budget", type=float, default=1200, help="seconds of CPU for --asr")
    parser.add_argument("--speak-heldout", action="store_true")
    args = parser.parse_args()

    if args.speak_heldout:
        hand = read_jsonl(HELDOUT)
        hand = [r for r in hand if not r["source"].endswith("_asr")]  # a re-run replaces them
        todo = [{"text": r["text"], "intent": r["intent"], "from": r["source"]} for r in hand]
        spoken = speak([r for r, h in zip(todo, hand, strict=True) if h.get("speak")], 600)
        lines = hand + [{**r, "source": f"{r.pop('from')}_asr"} for r in spoken]
        write_jsonl(HELDOUT, lines)
        print(f"{len(spoken)} hand lines through Whisper added to {HELDOUT}")
        return

    rows = generate(args.seed, args.per_intent)
    if args.asr:
        # Spoken turns are generated apart (another seed) so Whisper's versions are new lines;
        # they are kept in their own file, so template changes do not cost the audio again.
        pool = generate(args.seed + 1, args.per_intent)
        rng_asr = random.Random(args.seed)
        t0 = time.perf_counter()
        cpu0 = time.process_time()
        picked = [{**r, "source": "asr"} for r in stratified(pool, args.asr, rng_asr)]
        ASR_OUT.parent.mkdir(parents=True, exist_ok=True)
        spoken = speak(picked, args.cpu_budget, sink=ASR_OUT)
        print(
            f"audio step: {len(spoken)} turns in {ASR_OUT.name}; this run "
            f"{time.perf_counter() - t0:.0f} s wall, {time.process_time() - cpu0:.0f} s CPU"
        )
    if ASR_OUT.exists():
        held = held_out_keys()
        rows += [r for r in read_jsonl(ASR_OUT) if normalize(r["text"]) not in held]
    OUT.parent.mkdir(parents=True, exist_ok=True)
    write_jsonl(OUT, rows)
    counts = {s: sum(r["source"] == s for r in rows) for s in ("template", "asr")}
    print(f"{len(rows)} lines ({counts}) -> {OUT}")


if __name__ == "__main__":
    main()
