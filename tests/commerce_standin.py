"""A store's own commerce REST API, as `HttpStore` expects it, serving a real SQLite store.

Only the test's stand-in for the external system; the HTTP adapter under test is the real one.
"""

from __future__ import annotations

from aiohttp import web

from voicebot.store import NewTicket
from voicebot.store.http import encode
from voicebot.store.sql import SqlStore

TOKEN = "store-api-token"
STORE = web.AppKey("store", SqlStore)


@web.middleware
async def bearer(request: web.Request, handler: web.Handler) -> web.StreamResponse:
    if request.headers.get("Authorization") != f"Bearer {TOKEN}":
        raise web.HTTPUnauthorized()
    return await handler(request)


def _json(obj: object) -> web.Response:
    if obj is None:
        raise web.HTTPNotFound()
    return web.json_response(encode(obj))


async def products(request: web.Request) -> web.Response:
    return _json(await request.app[STORE].products())


async def order(request: web.Request) -> web.Response:
    return _json(await request.app[STORE].order(request.match_info["number"]))


async def orders(request: web.Request) -> web.Response:
    return _json(await request.app[STORE].orders_for_phone(request.query["phone"]))


async def customer(request: web.Request) -> web.Response:
    return _json(await request.app[STORE].customer_by_phone(request.query["phone"]))


async def cart(request: web.Request) -> web.Response:
    return _json(await request.app[STORE].open_cart(int(request.match_info["id"])))


async def patch_cart(request: web.Request) -> web.Response:
    body = await request.json()
    await request.app[STORE].mark_cart(int(request.match_info["id"]), body["status"])
    return web.json_response({"ok": True})


async def create_ticket(request: web.Request) -> web.Response:
    return _json(await request.app[STORE].create_ticket(NewTicket(**await request.json())))


async def tickets(request: web.Request) -> web.Response:
    return _json(await request.app[STORE].tickets_for_phone(request.query["phone"]))


def commerce_app(store: SqlStore) -> web.Application:
    app = web.Application(middlewares=[bearer])
    app[STORE] = store
    app.router.add_get("/products", products)
    app.router.add_get("/orders/{number}", order)
    app.router.add_get("/orders", orders)
    app.router.add_get("/customers", customer)
    app.router.add_get("/customers/{id}/cart", cart)
    app.router.add_patch("/carts/{id}", patch_cart)
    app.router.add_post("/tickets", create_ticket)
    app.router.add_get("/tickets", tickets)
    return app
