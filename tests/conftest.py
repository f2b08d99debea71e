"""Shared fixtures: real models loaded once per test session, real servers on 127.0.0.1."""

from __future__ import annotations

import dataclasses
import warnings
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager
from pathlib import Path
from typing import Any

import pytest

from voicebot.config import Settings, load_settings
from voicebot.service import build_services, running_service
from voicebot.session import Services
from voicebot.telephony.fake_twilio import synthesize_caller

AUTH_TOKEN = "test-auth-token-0123456789abcdef"
ARTIFACTS = Path(__file__).parent / "artifacts"

warnings.filterwarnings("ignore", category=DeprecationWarning, module="audioop")


def make_settings(**overrides: Any) -> Settings:
    # Handoff off unless a test turns it on: the spine's tests hear the plain transfer phrase.
    base: dict[str, Any] = {"twilio": {"auth_token": AUTH_TOKEN}, "handoff": {"mode": "off"}}
    for section, values in overrides.items():
        base.setdefault(section, {}).update(values)
    return load_settings(overrides=base, environ={})


@pytest.fixture(scope="session")
def settings() -> Settings:
    return make_settings()


@pytest.fixture(scope="session")
async def services(settings: Settings) -> Services:
    """The embedded default models, loaded once for the whole test session."""
    return await build_services(settings)


ServiceFactory = Callable[..., AbstractAsyncContextManager[str]]


@pytest.fixture
def serve(services: Services) -> ServiceFactory:
    """Start the real service on 127.0.0.1 (optionally with other settings or stages)."""

    apps: dict[str, Any] = {}  # base URL -> aiohttp app, for tests that drive the app

    def start(settings: Settings | None = None, **stages: Any) -> AbstractAsyncContextManager[str]:
        svc = dataclasses.replace(services, settings=settings or services.settings, **stages)
        return running_service(svc, on_app=apps.__setitem__)

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
