"""The llamacpp-server backend: the real llama-server (models/bin/, built by scripts/setup.sh)
started by the service with the embedded GGUF model and LoRA, two slots."""

from __future__ import annotations

import asyncio
import json
import os
import re
import signal
import time
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from tests.conftest import MODEL_QUESTION, make_settings
from voicebot.config import Settings
from voicebot.dialogue.llama_server import LlamaServerModel
from voicebot.dialogue.llm import Message, OpenAICompatModel
from voicebot.dialogue.policy import Dialogue, EndCall, ReplyStats
from voicebot.service import build_language_model

SPANISH = {"de", "la", "el", "en", "que", "y", "los", "las", "por", "para", "con", "su", "le",
           "es", "un", "una", "nuestra", "nuestro", "puede", "del", "al", "se", "lo", "está",
           "estamos", "tienda", "gracias", "ayudar", "usted", "horario", "tenemos"}  # fmt: skip
# shorter than the service's system prompt: less to compute before the replies start
SYSTEM = "Eres el asistente telefónico de una tienda en Colombia. Responde en español, breve."
ENGLISH = {"the", "and", "is", "you", "our", "we", "to", "of", "for", "are", "your", "store"}


def spanish(text: str) -> bool:
    words = re.findall(r"[a-záéíóúñü]+", text.lower())
    es, en = sum(w in SPANISH for w in words), sum(w in ENGLISH for w in words)
    return es >= 2 and es > en


@pytest.fixture(scope="module")
def server_settings() -> Settings:
    # short replies keep the test quick; two slots are enough to show replies generated
    # together; the time limits leave room for a machine busy with other jobs
    return make_settings(llm={"backend": "llamacpp-server", "max_new_tokens": 24,
                              "server": {"slots": 2}, "first_token_timeout_s": 90,
                              "timeout_s": 120})  # fmt: skip


@pytest.fixture(scope="module")
async def model(server_settings: Settings) -> AsyncIterator[LlamaServerModel]:
    llm = await asyncio.to_thread(build_language_model, server_settings)
    assert isinstance(llm, LlamaServerModel)
    await llm.start()
    yield llm
    await llm.close()


async def test_two_replies_generated_together_in_spanish(
    model: LlamaServerModel, server_settings: Settings
) -> None:
    cmd = model.server.command(model.server.port)
    assert cmd[cmd.index("--parallel") + 1] == "2" and "--cont-batching" in cmd
    assert cmd[cmd.index("--ctx-size") + 1] == str(2 * server_settings.llm.context_tokens)
    assert "--lora" in cmd  # llm.adapter (models/lora) is the default: its GGUF form
    dialogue = Dialogue(server_settings, model)
    queue_seen: list[int] = []

    async def reply(question: str) -> tuple[str, float, float]:
        first, text = 0.0, ""
        async for piece in model.stream([Message("system", SYSTEM), Message("user", question)]):
            if not text:
                first = time.perf_counter()
                queue_seen.append(dialogue.model_queue())
            text += piece
        return text, first, time.perf_counter()

    (a, a_first, a_end), (b, b_first, b_end) = await asyncio.gather(
        reply("¿Dónde queda la tienda?"), reply("¿Venden ropa para niños?")
    )
    assert spanish(a) and spanish(b), (a, b)
    # together, not one after the other: each reply began before the other ended
    assert a_first < b_end and b_first < a_end
    assert max(queue_seen) == 2  # the dialogue sees both replies on the model (brief answers)
    assert model.jobs == 0


async def test_server_killed_mid_reply_fails_the_turn_and_is_restarted(
    model: LlamaServerModel, server_settings: Settings
) -> None:
    server = model.server
    pid = server.pid
    assert pid is not None

    class KillsTheServer:
        """The real backend; the server is SIGKILLed when the reply's first token arrives."""

        async def stream(self, messages: list[Message]) -> AsyncIterator[str]:
            async for piece in model.stream(messages):
                if server.pid == pid:
                    os.kill(pid, signal.SIGKILL)
                yield piece

    dialogue = Dialogue(server_settings, KillsTheServer())
    parts = [p async for p in dialogue.reply([], MODEL_QUESTION, ReplyStats())]
    assert parts[-1] == EndCall("model_failure", "technical_problem")
    # the next turn waits for the restarted server and is answered
    text = "".join([p async for p in model.stream(dialogue.messages([], MODEL_QUESTION))])
    assert spanish(text), text
    assert server.pid != pid and server.restarts == 1


async def test_prefill_then_close_stops_the_server(server_settings: Settings) -> None:
    llm = await asyncio.to_thread(build_language_model, server_settings)
    assert isinstance(llm, LlamaServerModel)
    dialogue = Dialogue(server_settings, llm)
    await dialogue.prepare([])  # starts the server on first use; computes the system prompt
    pid = llm.server.pid
    assert pid is not None
    text = "".join([p async for p in llm.stream(dialogue.messages([], MODEL_QUESTION))])
    assert spanish(text), text
    await llm.close()
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)


async def test_warm_up_computes_the_prompt_in_every_slot(server_settings: Settings) -> None:
    # regression: six calls' first replies on cold slots computed six system prompts at
    # once and all missed the first-token limit; the warm-up had filled one slot only
    llm = await asyncio.to_thread(build_language_model, server_settings)
    assert isinstance(llm, LlamaServerModel)
    await llm.start()
    try:
        await llm.warm([Message("system", SYSTEM), Message("user", "Hola")])
        url = llm.server.base_url.removesuffix("/v1") + "/slots"
        async with aiohttp.ClientSession() as http, http.get(url) as resp:
            slots = await resp.json()
        assert len(slots) == 2
        assert all(slot.get("n_prompt_tokens", 0) > 0 for slot in slots), slots
    finally:
        await llm.close()


@pytest.mark.fast
def test_a_missing_binary_stops_start_up(tmp_path: Path) -> None:
    settings = make_settings(
        llm={"backend": "llamacpp-server", "server": {"binary": str(tmp_path / "none")}}
    )
    with pytest.raises(FileNotFoundError, match="builds it into models"):
        build_language_model(settings)


@pytest.mark.fast
async def test_a_server_that_exits_at_start_fails_start_up_and_replies() -> None:
    settings = make_settings(llm={"backend": "llamacpp-server", "server": {"binary": "/bin/false"}})
    llm = build_language_model(settings)
    assert isinstance(llm, LlamaServerModel)
    with pytest.raises(RuntimeError, match="exited"):
        await llm.start()
    with pytest.raises(RuntimeError, match="could not start"):  # at once, not after a timeout
        async with asyncio.timeout(1):
            [p async for p in llm.stream([Message("user", "Hola")])]
    await llm.close()


@pytest.mark.fast
async def test_a_stream_cut_before_done_raises() -> None:
    """A server that dies mid-reply must not pass for a short reply (OpenAI-compatible)."""

    async def cut(request: web.Request) -> web.StreamResponse:
        resp = web.StreamResponse(headers={"Content-Type": "text/event-stream"})
        await resp.prepare(request)
        chunk = {"choices": [{"index": 0, "delta": {"content": "Nuestra tienda"}}]}
        await resp.write(f"data: {json.dumps(chunk)}\n\n".encode())
        return resp  # no [DONE]

    app = web.Application()
    app.router.add_post("/v1/chat/completions", cut)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    settings = make_settings(llm={"backend": "openai", "base_url": str(server.make_url("/v1"))})
    model = OpenAICompatModel(settings.llm, "m")
    pieces: list[str] = []
    with pytest.raises(RuntimeError, match=r"before \[DONE\]"):
        async for piece in model.stream([Message("user", "Hola")]):
            pieces.append(piece)
    assert pieces == ["Nuestra tienda"]
    await model.close()
    await server.close()
