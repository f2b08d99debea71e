from tests.test_dialogue_state import *  # noqa

S = "+573001234567"
DIALOGUES = [
    (S, ["Buenas, quería preguntar si la licuadora Oster viene con garantía"]),
    (S, ["¿Cuánto se demora en llegar a Barranquilla?"]),
    (S, ["¿Me regala el precio de las botas Bosi?"]),
    (S, ["Necesito cambiar la dirección de envío de mi pedido"]),
    (S, ["Quiero cancelar un pedido que hice ayer"]),
    (S, ["¿Tienen el morral Totto en azul?"]),
    (S, ["Me llegó un producto que yo no pedí"]),
    (S, ["¿Puedo pagar en cuotas?"]),
    (S, ["¿Hacen envíos al exterior?"]),
    (S, ["¿Qué tallas hay de las Nike Revolution?"]),
    (S, ["Quiero hablar con el gerente"]),
    (S, ["Ustedes me llamaron hace un rato"]),
    (S, ["¿Ya empezó el Black Friday?"]),
    (S, ["Mi pedido dice entregado pero a mí no me ha llegado nada"]),
    (CAROLINA, ["No, ya me llegó, gracias. Más bien quería saber si tienen medias"]),
]


async def test_probe(call) -> None:
    for phone, turns in DIALOGUES:
        c = call(phone)
        print("\n==", phone)
        for said in turns:
            out = await c(said)
            print("  >", said, "\n   ", out)
