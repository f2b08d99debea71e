"""A round-robin load balancer on 127.0.0.1 for HTTP and websockets: the "one public URL"
in front of several service processes. It logs which backend served each request."""

from __future__ import annotations

import asyncio
import itertools

import aiohttp
from aiohttp import web
from aiohttp.test_utils import TestServer

HOP_HEADERS = {"host", "connection", "upgrade", "transfer-encoding", "content-length",
               "keep-alive", "sec-websocket-key", "sec-websocket-version",
               "sec-websocket-extensions"}  # fmt: skip


Socket = web.WebSocketResponse | aiohttp.ClientWebSocketResponse


class RoundRobin:
    """Each request (or websocket) goes to the next backend in turn."""

    def __init__(self) -> None:
        self.backends: list[str] = []
        self.served: list[tuple[str, str, int]] = []  # (method, path, backend index)
        self._turn = itertools.count()
        self._server: TestServer | None = None
        self._http: aiohttp.ClientSession | None = None

    async def start(self) -> str:
        app = web.Application(client_max_size=1 << 20)
        app.router.add_route("*", "/{tail:.*}", self._handle)
        self._server = TestServer(app, host="127.0.0.1")
        await self._server.start_server()
        self._http = aiohttp.ClientSession()
        return str(self._server.make_url("")).rstrip("/")

    async def close(self) -> None:
        if self._http is not None:
            await self._http.close()
        if self._server is not None:
            await self._server.close()

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        assert self._http is not None
        index = next(self._turn) % len(self.backends)
        self.served.append((request.method, request.path, index))
        target = self.backends[index] + request.path_qs
        headers = {k: v for k, v in request.headers.items() if k.lower() not in HOP_HEADERS}
        if request.headers.get("Upgrade", "").lower() == "websocket":
            return await self._websocket(request, target.replace("http", "ws", 1), headers)
        async with self._http.request(
            request.method, target, headers=headers, data=await request.read(),
            allow_redirects=False,
        ) as resp:  # fmt: skip
            body = await resp.read()
            out = {k: v for k, v in resp.headers.items() if k.lower() not in HOP_HEADERS}
            return web.Response(status=resp.status, body=body, headers=out)

    async def _websocket(
        self, request: web.Request, target: str, headers: dict[str, str]
    ) -> web.WebSocketResponse:
        assert self._http is not None
        async with self._http.ws_connect(target, headers=headers, max_msg_size=1 << 20) as up:
            down = web.WebSocketResponse(max_msg_size=1 << 20)
            await down.prepare(request)

            async def pump(src: Socket, dst: Socket) -> None:
                async for msg in src:
                    if msg.type == aiohttp.WSMsgType.TEXT:
                        await dst.send_str(msg.data)
                    elif msg.type == aiohttp.WSMsgType.BINARY:
                        await dst.send_bytes(msg.data)
                await dst.close()

            tasks = [asyncio.create_task(pump(down, up)), asyncio.create_task(pump(up, down))]
            await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            return down
