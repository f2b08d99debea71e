"""llama.cpp's own server (`llama-server`) as a child process of the service.

The in-process llama.cpp backend generates one reply at a time: calls whose turns coincide
wait in line. llama-server keeps several slots (one KV cache each) and decodes the replies of
all busy slots in the same batch (continuous batching), so coinciding replies are generated
together. The service starts it on 127.0.0.1, talks to it with the OpenAI-compatible backend,
restarts it when it dies, and stops it on shutdown (llm.backend: llamacpp-server).
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import ctypes
import signal
import socket
import time
from collections.abc import AsyncIterator, Callable, Mapping
from pathlib import Path
from typing import Any

import aiohttp
import structlog

from voicebot.config import LlmSettings
from voicebot.dialogue.llm import Message, OpenAICompatModel

log = structlog.get_logger(__name__)

_RESTART_BACKOFF_S = (0.5, 1, 2, 5, 10, 30)  # between failed starts, then the last one repeats
_STABLE_S = 60  # a server up this long resets the back-off
_STOP_GRACE_S = 5  # SIGTERM, then SIGKILL
_DEATH_SEEN_S = 2  # a failed request: this long for the server's exit to show


def _free_port() -> int:
    """A port no one listens on now (the server binds it a moment later; a lost race only
    means a failed start, and the restart picks another)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _die_with_parent() -> Callable[[], None] | None:
    """A pre-exec hook asking Linux to SIGTERM the child when the service dies, even by
    SIGKILL or a crash: an orphaned server would keep the model in memory and the cores busy.
    prctl is looked up here, before the fork: the child then only makes the system call."""
    try:
        prctl = ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):  # not Linux (glibc): no such guarantee
        return None
    pr_set_pdeathsig = 1

    def hook() -> None:
        prctl(pr_set_pdeathsig, int(signal.SIGTERM), 0, 0, 0)

    return hook


class LlamaServer:
    """One managed `llama-server` process: started, watched, restarted, stopped.

    `base_url` is its OpenAI-compatible API while it is ready; `ready()` waits for that
    (at start-up and while a dead server is being restarted).
    """

    def __init__(
        self, binary: str, model_path: str, settings: LlmSettings, adapter: str = ""
    ) -> None:
        if not Path(binary).is_file():  # said now, not as a failed start
            raise FileNotFoundError(
                f"llm.server.binary: no llama-server at {binary} "
                "(scripts/setup.sh builds it into models/bin/)"
            )
        self._binary = binary
        self._model_path = model_path
        self._adapter = adapter
        self._settings = settings
        self._proc: asyncio.subprocess.Process | None = None
        self._ready = asyncio.Event()
        self._supervisor: asyncio.Task[None] | None = None
        self._failed: BaseException | None = None  # why the first start failed
        self._stderr: collections.deque[str] = collections.deque(maxlen=30)
        self._drain: asyncio.Task[None] | None = None
        self.port = 0
        self.restarts = 0  # starts after the first: the server died and came back

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    @property
    def pid(self) -> int | None:
        """The running server's process id (None before the first start)."""
        return self._proc.pid if self._proc is not None else None

    def command(self, port: int) -> list[str]:
        """The server's command line: the same GGUF (and LoRA) as the in-process backend,
        `slots` parallel sequences with `context_tokens` each, bound to loopback."""
        s, srv = self._settings, self._settings.server
        cmd = [
            self._binary,
            "--model", self._model_path,
            "--host", "127.0.0.1",
            "--port", str(port),
            "--parallel", str(srv.slots),
            "--cont-batching",
            # -c is the whole KV cache; without a unified cache each slot gets c / slots
            "--ctx-size", str(srv.slots * s.context_tokens),
            "--threads", str(s.cpu_threads),
            "--threads-batch", str(s.cpu_threads),
            "--cache-ram", str(srv.cache_ram_mib),
            "--no-webui",
        ]  # fmt: skip
        if self._adapter:
            cmd += ["--lora", self._adapter]
        return cmd

    async def start(self) -> None:
        """Start the server and wait until it answers /health; raises (with the server's last
        log lines) when it cannot start. From then on a server that dies is restarted."""
        if self._supervisor is None:
            first: asyncio.Future[None] = asyncio.get_running_loop().create_future()
            self._supervisor = asyncio.create_task(self._supervise(first), name="llama-server")
            await first
        await self.ready()

    async def ready(self) -> None:
        """Wait while the server is starting or restarting (at most llm.server.start_timeout_s)."""
        if self._failed is not None:
            raise RuntimeError("llama-server could not start") from self._failed
        if self._supervisor is None:
            await self.start()
            return
        async with asyncio.timeout(self._settings.server.start_timeout_s):
            await self._ready.wait()
        if self._failed is not None:
            raise RuntimeError("llama-server could not start") from self._failed

    async def restarted(self, pid: int | None) -> bool:
        """After a failed request to server `pid`: whether it had died, and another one is
        now ready (the reply may be asked again: nothing of it was generated). A reply can
        come between the server's death and the supervisor seeing it."""
        proc = self._proc
        if proc is None or proc.pid != pid:
            await self.ready()
            return True
        try:
            await asyncio.wait_for(proc.wait(), _DEATH_SEEN_S)
        except TimeoutError:
            return False  # alive: the refusal is something else
        # dead: not ready, whether or not the supervisor has seen it yet (it may not have run
        # since the exit); ready() then waits for its next process's /health
        if self._proc is proc:
            self._ready.clear()
        await self.ready()
        return self.pid != pid

    async def close(self) -> None:
        """Stop the server (SIGTERM, then SIGKILL) and its supervision."""
        if self._supervisor is not None:
            self._supervisor.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._supervisor
            self._supervisor = None

    async def _supervise(self, first: asyncio.Future[None]) -> None:
        """Run the server; when it exits on its own, log why and start it again."""
        failures = 0
        try:
            while True:
                started = time.monotonic()
                try:
                    await self._spawn()
                except Exception as exc:
                    if not first.done():  # at start-up: the service does not start either
                        self._failed = exc
                        self._ready.set()  # wakes replies waiting for it, to fail at once
                        first.set_exception(exc)
                        return
                    log.error("llama_server_start_failed", error=repr(exc)[:300])
                else:
                    if not first.done():
                        first.set_result(None)
                    assert self._proc is not None
                    code = await self._proc.wait()
                    self._ready.clear()
                    log.error(
                        "llama_server_died",
                        code=code,
                        uptime_s=round(time.monotonic() - started, 1),
                        log="\n".join(self._stderr)[-1500:],
                    )
                if time.monotonic() - started > _STABLE_S:
                    failures = 0
                await asyncio.sleep(_RESTART_BACKOFF_S[min(failures, len(_RESTART_BACKOFF_S) - 1)])
                failures += 1
                self.restarts += 1
        finally:  # cancelled (close(), or the event loop ending): the server goes too
            if self._failed is None:  # (a failed start leaves waiters woken, to fail)
                self._ready.clear()
            await self._stop()

    async def _spawn(self) -> None:
        """Start one server process on a free port and wait for its /health."""
        self.port = _free_port()
        self._stderr.clear()
        self._proc = await asyncio.create_subprocess_exec(
            *self.command(self.port),
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.PIPE,
            preexec_fn=_die_with_parent(),
        )
        # its log is kept (the last lines) to say why it failed; reading it also keeps the
        # pipe from filling up and blocking the server
        self._drain = asyncio.create_task(self._keep_log(self._proc))
        try:
            await self._wait_healthy(self._proc)
        except BaseException:
            await self._stop()
            await self._drain
            raise
        log.info("llama_server_ready", port=self.port, pid=self._proc.pid)
        self._ready.set()

    async def _keep_log(self, proc: asyncio.subprocess.Process) -> None:
        assert proc.stderr is not None
        async for raw in proc.stderr:
            self._stderr.append(raw.decode("utf-8", "replace").rstrip())

    async def _wait_healthy(self, proc: asyncio.subprocess.Process) -> None:
        """Poll /health until it answers 200 (503 while the model loads)."""
        url = f"http://127.0.0.1:{self.port}/health"
        deadline = time.monotonic() + self._settings.server.start_timeout_s
        async with aiohttp.ClientSession() as session:
            while True:
                if proc.returncode is not None:
                    tail = "\n".join(self._stderr)[-1500:]
                    raise RuntimeError(f"llama-server exited ({proc.returncode}) at start:\n{tail}")
                if time.monotonic() > deadline:
                    raise TimeoutError(
                        f"llama-server not ready after {self._settings.server.start_timeout_s} s"
                    )
                with contextlib.suppress(aiohttp.ClientError, OSError, TimeoutError):
                    timeout = aiohttp.ClientTimeout(total=2)
                    async with session.get(url, timeout=timeout) as resp:
                        if resp.status == 200:
                            return
                await asyncio.sleep(0.1)

    async def _stop(self) -> None:
        proc = self._proc
        if proc is None or proc.returncode is not None:
            return
        proc.terminate()
        try:
            await asyncio.wait_for(proc.wait(), _STOP_GRACE_S)
        except TimeoutError:
            proc.kill()
            await proc.wait()


class LlamaServerModel(OpenAICompatModel):
    """The model served by a managed llama-server: several replies generated together.

    Streaming is the OpenAI-compatible backend's; a server that dies mid-reply makes the
    stream raise (the dialogue's model-failure path), and the next reply waits for the
    restarted server. Like the in-process backend it counts its replies (`jobs`, the
    dialogue's `model_queue()`) and computes a chat's prefix while the caller talks.
    """

    def __init__(
        self, model_path: str, binary: str, settings: LlmSettings, adapter: str = ""
    ) -> None:
        super().__init__(settings, Path(model_path).name)
        self.server = LlamaServer(binary, model_path, settings, adapter)
        self.jobs = 0  # replies running or waiting for a slot (read and written on the loop)
        self._prefilling = False

    async def start(self) -> None:
        """Start the server now (at service start-up) rather than at the first reply."""
        await self.server.start()

    async def warm(self, messages: list[Message]) -> None:
        """At start-up, compute `messages` (the system prompt) in every slot at once: each
        call's first reply then pays only for its own words. Six calls' first replies on cold
        slots computed six system prompts together and all missed the first-token limit."""

        async def one(slot: int) -> None:
            # by slot number: unnamed, every request would reuse the slot just warmed
            async for _ in self.stream(messages, max_tokens=1, options={"id_slot": slot}):
                pass

        await asyncio.gather(*(one(slot) for slot in range(self._settings.server.slots)))

    async def close(self) -> None:
        """Stop the server and close the HTTP session."""
        await self.server.close()
        await super().close()

    async def stream(
        self,
        messages: list[Message],
        max_tokens: int | None = None,
        options: Mapping[str, Any] | None = None,
    ) -> AsyncIterator[str]:
        self.jobs += 1
        try:
            await self.server.ready()
            self.base_url = self.server.base_url  # a restarted server has another port
            self._new_session()
            pid, said = self.server.pid, False
            try:
                async for piece in super().stream(messages, max_tokens, options):
                    said = True
                    yield piece
            except aiohttp.ClientError:
                # refused or reset before any of the reply: a server that died just before (its
                # supervisor had not seen it yet) is asked again once restarted
                if said or not await self.server.restarted(pid):
                    raise
                self.base_url = self.server.base_url
                async for piece in super().stream(messages, max_tokens, options):
                    yield piece
        finally:
            self.jobs -= 1

    def _timeout(self) -> aiohttp.ClientTimeout:
        """No limit on the whole reply, only on silence: a call's turn has the dialogue's own
        limits (first token, whole reply), and the start-up warm-up must not fail because a
        busy machine computes the system prompt slowly; a hung server still fails."""
        return aiohttp.ClientTimeout(total=None, sock_read=self._settings.timeout_s)

    def _new_session(self) -> None:
        if self._session is None:
            # a new connection per request (on loopback, a fraction of a millisecond): none is
            # kept that the server has closed since (it does, after a reply), or that leads to
            # a dead server
            self._session = aiohttp.ClientSession(connector=aiohttp.TCPConnector(force_close=True))

    async def prefill(self, messages: list[Message]) -> None:
        """Evaluate the chat so far in a free slot while the caller talks: llama-server gives
        the turn's request the idle slot whose cached prompt matches it best, so the turn
        only pays for the caller's words. Skipped while replies run (they come first)."""
        if self.jobs or self._prefilling:
            return
        self._prefilling = True
        try:
            await self.server.ready()
            self.base_url = self.server.base_url
            self._new_session()
            # an empty user message after the history, as the in-process backend does: the
            # real turn's prompt shares everything up to that message
            chat = [*messages, Message("user", "")]
            async for _ in super().stream(chat, max_tokens=1):
                pass
        finally:
            self._prefilling = False
