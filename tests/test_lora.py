"""The Spanish LoRA adapter (issue 17): the generator's chats are what the service sends,
`llm.adapter` is resolved or refused clearly, the held-out bench scores replies as documented,
and (not in the fast tier) llama.cpp loads the committed adapter and answers."""

from __future__ import annotations

import asyncio
import importlib.util
import json
import re
from pathlib import Path
from types import ModuleType

import pytest

from voicebot.bench_dialogue import TU, load_heldout, score_reply
from voicebot.config import Settings, load_settings
from voicebot.dialogue.llm import Message
from voicebot.dialogue.policy import render_system_prompt
from voicebot.service import adapter_file
from voicebot.text import fold

ROOT = Path(__file__).resolve().parents[1]
TRAIN = ROOT / "data" / "lora" / "train.jsonl"
ADAPTER = ROOT / "models" / "lora"
BASE_GGUF = ROOT / "models" / "qwen0.5b-q4_k_m.gguf"


def _script(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, ROOT / "scripts" / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _settings(tmp_path: Path, **llm: str) -> Settings:
    return load_settings(overrides={"models_dir": str(tmp_path), "llm": llm}, environ={})


@pytest.fixture(scope="module")
def generated() -> list[dict[str, object]]:
    rows: list[dict[str, object]] = _script("lora_data").generate(120, seed=5)
    return rows


@pytest.mark.fast
def test_generator_writes_the_services_chat_format(generated: list[dict[str, object]]) -> None:
    settings = load_settings(environ={})
    system = render_system_prompt(settings)
    for row in generated:
        messages = row["messages"]
        assert isinstance(messages, list)
        assert messages[0] == {"role": "system", "content": system}
        assert [m["role"] for m in messages[-2:]] == ["user", "assistant"]
        # after the history, only the store fact nearest the caller's words (fact_prompt)
        lead = settings.dialogue.fact_prompt.split("{fact}")[0]
        extra = [m for m in messages[1:] if m["role"] not in ("user", "assistant")]
        assert all(m["role"] == "system" and m["content"].startswith(lead) for m in extra)
        assert all(m is messages[-3] for m in extra)  # just before the caller's words
        reply = messages[-1]["content"]
        assert not TU.search(reply), reply
        sentences = re.split(r"(?<=[.!?])\s+(?=[¿¡A-ZÁÉÍÓÚÑ])", reply)  # "9 a. m." is one
        assert len(reply.split()) <= 30 and len(sentences) <= 2, reply


@pytest.mark.fast
def test_generator_is_seeded_and_covers_the_issues_cases() -> None:
    gen = _script("lora_data")
    assert gen.generate(30, seed=3) == gen.generate(30, seed=3)
    cats = {row["category"] for row in gen.generate(len(gen.GROUPS), seed=3)}
    for case in ("greeting", "out_of_scope", "complaint", "person", "data_rights", "english",
                 "small_talk", "shipping", "hours_week"):  # fmt: skip
        assert case in cats


@pytest.mark.fast
def test_replies_state_no_number_outside_the_facts(generated: list[dict[str, object]]) -> None:
    """What the adapter learns to say must pass the service's own fact guard."""
    held = {
        "greeting": [],
        "say": "",
        "expect": ["x"],
    }
    for row in generated:
        messages = row["messages"]
        assert isinstance(messages, list)
        history = [Message(m["role"], m["content"]) for m in messages[1:-2]]
        checks = score_reply(
            messages[-1]["content"],
            {**held, "say": messages[-2]["content"]},
            history,
            messages[0]["content"],
        )
        assert not checks["invented"] and not checks["tu"], messages[-1]["content"]


@pytest.mark.fast
def test_committed_training_data_is_well_formed() -> None:
    rows = [json.loads(line) for line in TRAIN.read_text(encoding="utf-8").splitlines()]
    assert len(rows) >= 400 and TRAIN.stat().st_size < 2_000_000
    assert all(r["messages"][-1]["role"] == "assistant" for r in rows)


@pytest.mark.fast
def test_heldout_turns_are_many_and_not_the_generators() -> None:
    turns = load_heldout()
    assert len(turns) >= 40
    gen = _script("lora_data")
    templates = {fold(t) for said, _ in gen.GROUPS.values() for t in said}
    for turn in turns:
        assert turn["say"] and turn["expect"]
        words = [*turn["expect"], *turn.get("also", [])]
        assert all(isinstance(w, str) for w in words), turn  # YAML reads a bare no as False
        assert fold(turn["say"]) not in templates, turn["say"]


@pytest.mark.fast
def test_score_reply_counts_slips_inventions_and_echoes() -> None:
    system = "Horario: lunes a sábado de 9 a. m. a 8 p. m."
    turn = {"say": "a qué hora abren el sábado", "expect": ["9", "nueve"]}
    good = score_reply("Abrimos de 9 de la mañana a 8 de la noche.", turn, [], system)
    assert good == {"right": True, "tu": False, "invented": False, "parrot": False}
    assert score_reply("Te cuento: abrimos a las 9.", turn, [], system)["tu"]
    assert score_reply("Abrimos a las 7 de la mañana.", turn, [], system)["invented"]
    assert score_reply("A qué hora abren el sábado.", turn, [], system)["parrot"]
    greeted = [Message("assistant", "Hola, gracias por llamar. ¿En qué le puedo ayudar?")]
    assert score_reply("¿En qué le puedo ayudar?", turn, greeted, system)["parrot"]


@pytest.mark.fast
def test_adapter_off_by_default_and_resolved_per_backend(tmp_path: Path) -> None:
    assert load_settings(environ={}).llm.adapter == "" or (ADAPTER / "adapter_config.json").exists()
    assert adapter_file(_settings(tmp_path, adapter="")) == ""
    folder = tmp_path / "lora"
    folder.mkdir()
    (folder / "a.gguf").write_bytes(b"GGUF")
    (folder / "adapter_config.json").write_text('{"base_model_name_or_path": "x/qwen0.5b-bf16"}')
    assert adapter_file(_settings(tmp_path, adapter="lora")) == str(folder / "a.gguf")
    tf = _settings(tmp_path, adapter="lora", backend="transformers", model="qwen0.5b-bf16")
    assert adapter_file(tf) == str(folder)


@pytest.mark.fast
def test_missing_adapter_is_refused_clearly(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match=r"llm\.adapter 'nope'.*GGUF LoRA"):
        adapter_file(_settings(tmp_path, adapter="nope"))
    (tmp_path / "empty").mkdir()
    with pytest.raises(FileNotFoundError, match="GGUF LoRA"):
        adapter_file(_settings(tmp_path, adapter="empty"))
    with pytest.raises(FileNotFoundError, match="peft adapter"):
        adapter_file(_settings(tmp_path, adapter="empty", backend="transformers"))
    # a server loads its own adapters: the setting does not apply there
    assert adapter_file(_settings(tmp_path, adapter="lora", backend="openai")) == ""


@pytest.mark.fast
def test_adapter_of_another_model_is_refused(tmp_path: Path) -> None:
    folder = tmp_path / "lora"
    folder.mkdir()
    (folder / "a.gguf").write_bytes(b"GGUF")
    config = {"base_model_name_or_path": "models/qwen0.5b-bf16"}
    (folder / "adapter_config.json").write_text(json.dumps(config))
    assert adapter_file(_settings(tmp_path, adapter="lora", model="qwen0.5b-q4_k_m.gguf"))
    with pytest.raises(ValueError, match=r"trained on qwen0\.5b, not llm\.model 'qwen1\.5b-bf16'"):
        adapter_file(_settings(tmp_path, adapter="lora", model="qwen1.5b-bf16"))


@pytest.mark.skipif(
    not BASE_GGUF.exists() or not list(ADAPTER.glob("*.gguf")),
    reason="needs set-up's GGUF and the committed adapter",
)
def test_llamacpp_loads_the_committed_adapter_and_answers() -> None:
    from voicebot.dialogue.policy import Dialogue
    from voicebot.service import build_language_model

    settings = load_settings(overrides={"llm": {"adapter": "lora"}}, environ={})
    model = build_language_model(settings)
    dialogue = Dialogue(settings, model)
    greeting = [Message("assistant", settings.phrase("greeting"))]

    async def reply() -> str:
        parts = [p async for p in model.stream(dialogue.messages(greeting, "quién me habla"))]
        return "".join(parts)

    text = asyncio.run(asyncio.wait_for(reply(), 60))
    assert text.strip() and not TU.search(text)
