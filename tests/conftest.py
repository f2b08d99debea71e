"""Shared fixtures: real models loaded once per test session, real servers on 127.0.0.1."""

from __future__ import annotations

import dataclasses
import shutil
import tempfile
import warnings
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from pathlib import Path
from typing import Any

import pytest

from tests.stores import BACKENDS, open_backend, postgres_server, redis_server
from voicebot.config import Settings, load_settings
from voicebot.service import build_services, running_service
from voicebot.services import Services
from voicebot.store import Records, Store
from voicebot.store.sql import SqlStore
from voicebot.telephony.fake_cloud import FakeTwilioCloud
from voicebot.tts.callers import synthesize_caller

AUTH_TOKEN = "test-auth-token-0123456789abcdef"
# A store question that no FAQ entry or tool answers, so the model does (the synthetic caller's
# Whisper transcript: "donde queda la tienda.")
MODEL_QUESTION = "¿Me pueden facturar a nombre de mi empresa?"  # no FAQ entry, no tool: the model
ARTIFACTS = Path(__file__).parent / "artifacts"

warnings.filterwarnings("ignore", category=DeprecationWarning, module="audioop")


TEST_DB = Path(tempfile.mkdtemp(prefix="voicebot-test-")) / "voicebot.db"


def make_settings(**overrides: Any) -> Settings:
    # Handoff off unless a test turns it on: the spine's tests hear the plain transfer phrase.
    base: dict[str, Any] = {
        "twilio": {"auth_token": AUTH_TOKEN},
        "handoff": {"mode": "off"},
        # The consent question has its own tests; elsewhere it would answer the first turn.
        # Calls not asked are kept under an explicit legal basis (as a store with a contract
        # would), and call records are read back with the admin token.
        # Likewise identity checks before order details (tests/test_identity.py): elsewhere
        # callers ask about the sample store's orders from numbers that are not the order's.
        "governance": {
            "ask_consent": False,
            "legal_basis": "pruebas: contrato vigente",
            "admin_token": AUTH_TOKEN,
            "verify_order_identity": False,
        },
        "store": {"database_url": f"sqlite+aiosqlite:///{TEST_DB}"},
    }
    for section, values in overrides.items():
        base.setdefault(section, {}).update(values)
    return load_settings(overrides=base, environ={})


@pytest.fixture(scope="session")
def settings() -> Settings:
    return make_settings()


@pytest.fixture(scope="session")
async def services(settings: Settings) -> AsyncIterator[Services]:
    """The embedded default models, loaded once for the whole test session."""
    svc = await build_services(settings)
    yield svc
    await svc.close()


ServiceFactory = Callable[..., AbstractAsyncContextManager[str]]


@pytest.fixture
def serve(services: Services) -> ServiceFactory:
    """Start the real service on 127.0.0.1 (optionally with other settings or stages)."""

    apps: dict[str, Any] = {}  # base URL -> aiohttp app, for tests that drive the app

    @asynccontextmanager
    async def start(settings: Settings | None = None, **stages: Any) -> AsyncIterator[str]:
        svc = dataclasses.replace(services, settings=settings or services.settings, **stages)
        try:
            async with running_service(svc, on_app=apps.__setitem__) as url:
                yield url
        finally:
            if "rest" in stages and stages["rest"] is not None:  # a test's own REST client
                await stages["rest"].close()

    start.apps = apps  # type: ignore[attr-defined]
    return start


@pytest.fixture
async def base_url(serve: ServiceFactory) -> AsyncIterator[str]:
    async with serve() as url:
        yield url


@pytest.fixture(scope="session")
def clips(tmp_path_factory: pytest.TempPathFactory) -> Callable[[str], Path]:
    """Synthetic Spanish caller turns (espeak-ng), cached per text."""
    folder = tmp_path_factory.mktemp("clips")
    cache: dict[str, Path] = {}

    def clip(text: str) -> Path:
        if text not in cache:
            cache[text] = synthesize_caller(text, folder / f"clip{len(cache)}.wav")
        return cache[text]

    return clip


@pytest.fixture(scope="session")
def redis() -> Iterator[Any]:
    """A real Redis server for the session (or the reason it cannot start)."""
    yield from redis_server()


@pytest.fixture(scope="session")
def pg_server() -> Iterator[Any]:
    """A real PostgreSQL server for the session (or the reason it cannot start)."""
    yield from postgres_server()


@pytest.fixture(params=BACKENDS)
async def backend(
    request: pytest.FixtureRequest, tmp_path: Path
) -> AsyncIterator[tuple[Store, Records]]:
    """Each store backend in turn, freshly seeded with the sample store."""
    pg = None
    if request.param == "postgresql":
        pg = request.getfixturevalue("pg_server")
        if isinstance(pg, str):
            pytest.skip(pg)
    async with open_backend(request.param, tmp_path, pg) as pair:
        yield pair


@pytest.fixture
async def own_records(tmp_path: Path) -> AsyncIterator[SqlStore]:
    """A records database of the test's own (pass it as `records=` to serve): other tests'
    calls neither move its figures nor hide what it must not contain."""
    store = await SqlStore.open(f"sqlite+aiosqlite:///{tmp_path / 'records.db'}", seed=None)
    yield store
    await store.close()


@pytest.fixture
async def cloud() -> AsyncIterator[FakeTwilioCloud]:
    """Twilio's REST API, stood in on 127.0.0.1, acting on the calls it tracks."""
    async with FakeTwilioCloud(AUTH_TOKEN) as c:
        yield c


CHROMIUM = shutil.which("chromium")


@pytest.fixture
async def browser() -> AsyncIterator[Any]:
    """Debian's headless Chromium, driven by Playwright (no browser download)."""
    from playwright.async_api import async_playwright

    async with async_playwright() as pw:
        browser = await pw.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        yield browser
        await browser.close()
