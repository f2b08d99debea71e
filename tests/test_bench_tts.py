"""The TTS bench's "sounds" comparison: the listener's spelling and spacing are not lost words."""

from voicebot.bench import word_error_rate
from voicebot.bench_tts import heard_as_said


def wer_sounds(said: str, heard: str) -> float:
    return word_error_rate(*heard_as_said(said, heard))


def test_spaces_the_listener_put_elsewhere_are_no_error() -> None:
    said = "pago contraentrega en talla 36, si necesita hacerla válida"
    heard = "Pago contra entrega entalla 36, si necesita hacer la valida"
    assert wer_sounds(said, heard) == 0.0
    assert word_error_rate(said, heard) > 0.3  # as written, five words differ


def test_homophone_letters_are_the_same_sound() -> None:
    assert wer_sounds("va en camino de zapatillas y ollas", "ba en camino desapatillas y oyas") == 0
    assert wer_sounds("hola, gracias por llamar", "Ola, grasias por yamar") == 0.0


def test_a_word_lost_or_changed_still_counts() -> None:
    said = "Recibimos tarjeta débito y crédito"
    assert wer_sounds(said, "Presivimos tarjeta de bito y crédito") == 1 / 5
    assert wer_sounds("doscientos ochenta y nueve mil", "doscientos ochenta y novecientos") == 0.4
    # a pair said as two words is not joined when the listener also wrote them apart
    assert wer_sounds("si no diga no", "si no diga no") == 0.0
    assert wer_sounds("si no diga no", "sino diga no") == 0.0
    assert wer_sounds("sino que", "si no que") == 0.0
