"""Store backends for the shared store test suite: SQLite, a real PostgreSQL server started
for the test session, and the HTTP adapter against a local commerce API stand-in."""

from __future__ import annotations

import asyncio
import glob
import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path

from aiohttp.test_utils import TestServer

from tests.commerce_standin import TOKEN, commerce_app
from voicebot.store import Records, Store
from voicebot.store.http import HttpStore
from voicebot.store.sql import SqlStore

BACKENDS = ["sqlite", "postgresql", "http"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class PostgresServer:
    """A throwaway PostgreSQL cluster on 127.0.0.1 (Debian's binaries), trust auth."""

    def __init__(self) -> None:
        found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
        if not found:
            raise RuntimeError("PostgreSQL server binaries not found (apt-get install postgresql)")
        self.bin = Path(found[-1]).parent
        self.dir = Path(tempfile.mkdtemp(prefix="voicebot-pg-"))
        self.port = _free_port()
        self._as_postgres = os.geteuid() == 0  # postgres refuses to run as root
        self._counter = 0

    def _run(self, *args: str) -> None:
        cmd = list(args)
        if self._as_postgres:
            cmd = ["runuser", "-u", "postgres", "--", *cmd]
        subprocess.run(cmd, check=True, capture_output=True, timeout=60)

    def start(self) -> None:
        if self._as_postgres:
            shutil.chown(self.dir, "postgres")
        data = str(self.dir / "data")
        self._run(str(self.bin / "initdb"), "-D", data, "-A", "trust", "-U", "voicebot")
        opts = f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._run(str(self.bin / "pg_ctl"), "-D", data, "-o", opts, "-w", "-l",
                  str(self.dir / "log"), "start")  # fmt: skip

    def stop(self) -> None:
        try:
            self._run(str(self.bin / "pg_ctl"), "-D", str(self.dir / "data"), "-m", "fast", "stop")
        finally:
            shutil.rmtree(self.dir, ignore_errors=True)

    async def new_database(self) -> str:
        """A fresh, empty database per test: the suites never see each other's writes."""
        import asyncpg

        self._counter += 1
        name = f"t{self._counter}"
        conn = await asyncpg.connect(
            host="127.0.0.1", port=self.port, user="voicebot", database="postgres"
        )
        try:
            await conn.execute(f'CREATE DATABASE "{name}"')
        finally:
            await conn.close()
        return f"postgresql+asyncpg://voicebot@127.0.0.1:{self.port}/{name}"


def postgres_server() -> Iterator[PostgresServer | str]:
    """The server, or the reason it cannot run here (the tests then skip with it)."""
    try:
        server = PostgresServer()
        server.start()
    except (RuntimeError, subprocess.SubprocessError, OSError) as exc:
        yield f"PostgreSQL cannot start here: {exc}"
        return
    try:
        yield server
    finally:
        server.stop()


@asynccontextmanager
async def open_backend(
    kind: str, tmp: Path, pg: PostgresServer | None
) -> AsyncIterator[tuple[Store, Records]]:
    """A freshly seeded sample store of the given kind, and the records database beside it."""
    if kind == "postgresql":
        assert pg is not None
        sql = await SqlStore.open(await pg.new_database())
        try:
            yield sql, sql
        finally:
            await sql.close()
        return
    sql = await SqlStore.open(f"sqlite+aiosqlite:///{tmp / 'store.db'}")
    if kind == "sqlite":
        try:
            yield sql, sql
        finally:
            await sql.close()
        return
    server = TestServer(commerce_app(sql), host="127.0.0.1")
    await server.start_server()
    api = HttpStore(str(server.make_url("")), TOKEN, timeout_s=3)
    try:
        yield api, sql
    finally:
        await api.close()
        await server.close()
        await asyncio.sleep(0)
        await sql.close()


class RedisServer:
    """A throwaway Redis on 127.0.0.1 (Debian's redis-server), no persistence."""

    def __init__(self) -> None:
        binary = shutil.which("redis-server")
        if binary is None:
            raise RuntimeError("redis-server not found (apt-get install redis-server)")
        self.port = _free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self._proc = subprocess.Popen(
            [binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        for _ in range(100):
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", self.port)) == 0:
                    return
            time.sleep(0.05)
        self.stop()
        raise RuntimeError("redis-server did not start")

    def stop(self) -> None:
        self._proc.terminate()
        self._proc.wait(10)


def redis_server() -> Iterator[RedisServer | str]:
    """The server, or the reason it cannot run here (the tests then skip with it)."""
    try:
        server = RedisServer()
    except (RuntimeError, OSError) as exc:
        yield f"Redis cannot start here: {exc}"
        return
    try:
        yield server
    finally:
        server.stop()
