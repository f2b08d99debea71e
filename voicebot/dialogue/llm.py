"""Language-model backends: local transformers on the CPU, or an OpenAI-compatible server."""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections.abc import AsyncIterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, Literal, Protocol, runtime_checkable

import aiohttp

from voicebot.config import LlmSettings


@dataclass(frozen=True, slots=True)
class Message:
    role: Literal["system", "user", "assistant"]
    content: str


class LanguageModel(Protocol):
    """Streams the assistant's reply to a chat as text pieces."""

    def stream(self, messages: list[Message]) -> AsyncIterator[str]: ...


@runtime_checkable
class SharedModel(Protocol):
    """A local model every call shares, one generation at a time (llama.cpp)."""

    jobs: int  # replies running or queued

    async def prefill(self, messages: list[Message]) -> None:
        """Compute a chat's prefix ahead of the turn that continues it."""
        ...


class TransformersModel:
    """A local causal LM through transformers, generating in one shared worker thread."""

    def __init__(self, model_ref: str, settings: LlmSettings, adapter: str = "") -> None:
        import torch
        from transformers import AutoModelForCausalLM, AutoTokenizer

        torch.set_num_threads(settings.cpu_threads)
        self._settings = settings
        self._tokenizer = AutoTokenizer.from_pretrained(model_ref)
        # bf16: a one-off check here gave about twice float32's tokens/s on this CPU;
        # `voicebot bench` prints the tokens/s of what is configured.
        self._model = AutoModelForCausalLM.from_pretrained(model_ref, dtype=torch.bfloat16)
        if adapter:  # a peft LoRA folder (llm.adapter), merged: no per-token cost afterwards
            try:
                from peft import PeftModel
            except ImportError:  # peft is the `train` extra: the llama.cpp default needs none
                raise RuntimeError(
                    "llm.adapter with the transformers backend needs peft: "
                    "pip install -e '.[train]' (or llm.adapter: \"\")"
                ) from None
            self._model = PeftModel.from_pretrained(self._model, adapter).merge_and_unload()
        self._model.eval()
        self._prefix: tuple[str, Any, Any] | None = None  # (system text, token ids, KV cache)
        # One generation at a time: the cores are shared, and queued calls wait their turn.
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="llm")
        self.tokens_generated = 0
        self.generation_seconds = 0.0

    def _generate(
        self,
        messages: list[Message],
        push: Any,
        cancelled: threading.Event,
    ) -> None:
        import torch
        from transformers import StoppingCriteria, StoppingCriteriaList
        from transformers.generation.streamers import BaseStreamer

        tokenizer = self._tokenizer
        prompt = tokenizer.apply_chat_template(
            [{"role": m.role, "content": m.content} for m in messages],
            tokenize=False,
            add_generation_prompt=True,
        )
        inputs = tokenizer(prompt, return_tensors="pt")
        past = self._prefix_cache(messages, inputs["input_ids"])

        class Stop(StoppingCriteria):
            def __call__(self, input_ids: Any, scores: Any, **kwargs: Any) -> Any:
                return torch.full((input_ids.shape[0],), cancelled.is_set(), dtype=torch.bool)

        owner = self

        class Streamer(BaseStreamer):
            """Decodes the growing reply and pushes only the new text."""

            def __init__(self) -> None:
                self.ids: list[int] = []
                self.text = ""
                self.skipped_prompt = False

            def put(self, value: Any) -> None:
                if not self.skipped_prompt:
                    self.skipped_prompt = True  # first call carries the prompt
                    return
                self.ids.extend(value.reshape(-1).tolist())
                owner.tokens_generated += value.numel()
                text = tokenizer.decode(self.ids, skip_special_tokens=True)
                if not text.endswith("\ufffd"):  # wait for a whole UTF-8 character
                    push(text[len(self.text) :])
                    self.text = text

            def end(self) -> None:
                pass

        start = time.perf_counter()
        with torch.inference_mode():
            self._model.generate(
                **inputs,
                max_new_tokens=self._settings.max_new_tokens,
                do_sample=False,
                streamer=Streamer(),
                stopping_criteria=StoppingCriteriaList([Stop()]),
                pad_token_id=tokenizer.eos_token_id,
                past_key_values=past,
            )
        self.generation_seconds += time.perf_counter() - start

    def _prefix_cache(self, messages: list[Message], input_ids: Any) -> Any:
        """A copy of the system prompt's KV cache when the prompt starts with it.

        The system prompt is the same for every turn of every call: computing its keys and
        values once took `voicebot bench`'s first-token p50 from 1083 ms to 390 ms.
        """
        import copy

        import torch
        from transformers import DynamicCache

        if not messages or messages[0].role != "system":
            return None
        system = messages[0].content
        if self._prefix is None or self._prefix[0] != system:
            text = self._tokenizer.apply_chat_template(
                [{"role": "system", "content": system}], tokenize=False
            )
            ids = self._tokenizer(text, return_tensors="pt")
            cache = DynamicCache()
            with torch.inference_mode():
                self._model(**ids, past_key_values=cache, use_cache=True)
            self._prefix = (system, ids["input_ids"][0], cache)
        _, prefix_ids, cache = self._prefix
        n = prefix_ids.shape[0]
        if input_ids.shape[1] <= n or not torch.equal(input_ids[0, :n], prefix_ids):
            return None
        return copy.deepcopy(cache)

    async def stream(self, messages: list[Message]) -> AsyncIterator[str]:
        async for piece in _threaded_stream(self._executor, self._generate, messages):
            yield piece


class LlamaCppModel:
    """A GGUF model through llama.cpp (`llama-cpp-python`), generating in one worker thread.

    llama.cpp keeps the previous prompt's KV cache and re-evaluates only what differs, so the
    system prompt shared by every turn is computed once, as with TransformersModel's cache.
    """

    def __init__(self, model_path: str, settings: LlmSettings, adapter: str = "") -> None:
        from llama_cpp import Llama

        self._settings = settings
        self._llm = Llama(
            model_path=model_path,
            n_ctx=settings.context_tokens,
            n_threads=settings.cpu_threads,
            n_batch=256,
            lora_path=adapter or None,  # a GGUF LoRA (llm.adapter), applied at run time
            verbose=False,
        )
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="llm")
        self.jobs = 0  # replies running or queued (read and written on the event loop)
        self._prefilling = False
        self.tokens_generated = 0
        self.generation_seconds = 0.0

    async def prefill(self, messages: list[Message]) -> None:
        """Evaluate `messages` (the chat so far) into the KV cache while the caller is still
        talking, so the turn only pays for the caller's words (`voicebot bench` prints the
        first-token figures). Skipped when a reply is being generated: replies come first."""
        if self.jobs or self._prefilling:
            return
        # An empty user message after the history: the real turn's prompt shares everything
        # up to that message, and llama.cpp keeps the longest shared prefix.
        chat: Any = [{"role": m.role, "content": m.content} for m in messages]
        chat.append({"role": "user", "content": ""})
        loop = asyncio.get_running_loop()
        self._prefilling = True
        try:
            job = loop.run_in_executor(
                self._executor,
                lambda: self._llm.create_chat_completion(chat, max_tokens=1, temperature=0.0),
            )
            await asyncio.wait_for(job, self._settings.timeout_s)
        finally:
            self._prefilling = False

    def _generate(self, messages: list[Message], push: Any, cancelled: threading.Event) -> None:
        start = time.perf_counter()
        chat: Any = [{"role": m.role, "content": m.content} for m in messages]
        chunks: Any = self._llm.create_chat_completion(
            chat,
            max_tokens=self._settings.max_new_tokens,
            temperature=0.0,
            stream=True,
        )
        try:
            for chunk in chunks:
                if cancelled.is_set():
                    break
                piece = chunk["choices"][0]["delta"].get("content") or ""
                if piece:
                    self.tokens_generated += 1  # one streamed chunk per token
                    push(piece)
        finally:
            chunks.close()
            self.generation_seconds += time.perf_counter() - start

    async def stream(self, messages: list[Message]) -> AsyncIterator[str]:
        self.jobs += 1
        try:
            async for piece in _threaded_stream(self._executor, self._generate, messages):
                yield piece
        finally:
            self.jobs -= 1


async def _threaded_stream(
    executor: ThreadPoolExecutor, generate: Any, messages: list[Message]
) -> AsyncIterator[str]:
    """Run `generate(messages, push, cancelled)` in `executor`, yielding what it pushes;
    leaving early (barge-in, timeout) sets `cancelled` so it stops at the next token."""
    loop = asyncio.get_running_loop()
    queue: asyncio.Queue[str | None] = asyncio.Queue(maxsize=1024)
    cancelled = threading.Event()

    def push(piece: str) -> None:
        loop.call_soon_threadsafe(queue.put_nowait, piece)

    def run() -> None:
        try:
            generate(messages, push, cancelled)
        finally:
            loop.call_soon_threadsafe(queue.put_nowait, None)

    future = loop.run_in_executor(executor, run)
    try:
        while True:
            piece = await queue.get()
            if piece is None:
                break
            if piece:
                yield piece
        await future  # re-raise a failure inside generate
    finally:
        cancelled.set()


class OpenAICompatModel:
    """Any OpenAI-compatible chat server (vLLM, llama.cpp server, Ollama), streamed by SSE."""

    def __init__(self, settings: LlmSettings, model_name: str) -> None:
        self._settings = settings
        self._model = model_name
        self.base_url = settings.base_url  # a managed server sets its own (llama_server.py)
        self._session: aiohttp.ClientSession | None = None

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()

    def _timeout(self) -> aiohttp.ClientTimeout:
        """A remote server's whole reply gets llm.timeout_s."""
        return aiohttp.ClientTimeout(total=self._settings.timeout_s)

    async def stream(
        self,
        messages: list[Message],
        max_tokens: int | None = None,
        options: Mapping[str, Any] | None = None,
    ) -> AsyncIterator[str]:
        """The reply's text pieces as the server streams them (at most `max_tokens`, by
        default llm.max_new_tokens; `options`: more request fields, such as llama-server's
        `id_slot`). A stream cut before its `[DONE]` (the server died mid-reply) raises
        rather than passing for a short reply."""
        if self._session is None:
            self._session = aiohttp.ClientSession()
        headers = {}
        key = self._settings.api_key.get_secret_value()
        if key:
            headers["Authorization"] = f"Bearer {key}"
        body = {
            "model": self._model,
            "messages": [{"role": m.role, "content": m.content} for m in messages],
            "stream": True,
            "max_tokens": max_tokens or self._settings.max_new_tokens,
            "temperature": 0,
            **(options or {}),
        }
        url = self.base_url.rstrip("/") + "/chat/completions"
        timeout = self._timeout()
        async with self._session.post(url, json=body, headers=headers, timeout=timeout) as resp:
            if resp.status != 200:
                detail = (await resp.text())[:200]
                raise RuntimeError(f"LLM server answered {resp.status}: {detail}")
            async for raw in resp.content:
                line = raw.decode("utf-8", "replace").strip()
                if not line.startswith("data:"):
                    continue
                data = line[5:].strip()
                if data == "[DONE]":
                    return
                try:
                    chunk = json.loads(data)
                    piece = chunk["choices"][0].get("delta", {}).get("content") or ""
                except (json.JSONDecodeError, KeyError, IndexError, TypeError):
                    raise RuntimeError(f"bad chunk from LLM server: {data[:100]}") from None
                if piece:
                    yield piece
            raise RuntimeError("LLM server closed the stream before [DONE]")
