"""Config reload on a running service: the next calls change, calls in progress do not."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path

import aiohttp
import yaml

from tests.conftest import AUTH_TOKEN, TEST_DB, ServiceFactory
from voicebot.config import load_settings
from voicebot.services import SERVICES, Services
from voicebot.simulate import fetch_record, place_call

Clip = Callable[[str], Path]
# the simulated caller reads its call's record back with the admin token (`/calls/{sid}`)
ADMIN = {"Authorization": f"Bearer {AUTH_TOKEN}"}


def write_config(path: Path, greeting: str, **more: object) -> None:
    config = {
        "twilio": {"auth_token": AUTH_TOKEN},
        "server": {"watch_config": False},  # reloads here are the endpoint's
        "handoff": {"mode": "off"},
        "governance": {
            "ask_consent": False,
            "legal_basis": "pruebas: contrato vigente",
            "admin_token": AUTH_TOKEN,
        },
        "store": {"database_url": f"sqlite+aiosqlite:///{TEST_DB}"},
        "phrases": {"greeting": greeting},
        **more,
    }
    path.write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")


async def test_reload_changes_the_next_call_only(
    services: Services, serve: ServiceFactory, clips: Clip, tmp_path: Path
) -> None:
    path = tmp_path / "voicebot.yaml"
    write_config(path, "Hola, le habla la versión uno.")
    first = load_settings(path, environ={})
    async with serve(first) as url, aiohttp.ClientSession() as http:
        during = asyncio.create_task(
            place_call(
                url, AUTH_TOKEN, [clips("Buenas tardes, quisiera saber el horario de la tienda.")]
            )
        )
        await asyncio.sleep(2.5)  # the first call is under way
        write_config(path, "Hola, le habla la versión dos.")
        async with http.post(f"{url}/admin/reload", headers=ADMIN) as resp:
            assert resp.status == 200
            versions = await resp.json()
        assert versions["previous"] == first.config_version != versions["version"]
        a = await during
        b = await place_call(url, AUTH_TOKEN, [])  # regression: the reload kept public_url

        # a broken file changes nothing: the last good config stays
        path.write_text("audio:\n  barge_in_ms: -5\n", encoding="utf-8")
        async with http.post(f"{url}/admin/reload", headers=ADMIN) as resp:
            assert resp.status == 400
            assert "barge_in_ms" in (await resp.json())["detail"]
        # models are not reloaded: changing one needs a restart
        write_config(path, "Hola.", llm={"max_new_tokens": 5})
        async with http.post(f"{url}/admin/reload", headers=ADMIN) as resp:
            assert resp.status == 400 and "restart" in (await resp.json())["detail"]
        async with http.post(f"{url}/admin/reload") as resp:
            assert resp.status == 401
        c = await place_call(url, AUTH_TOKEN, [])
        records = [await fetch_record(url, AUTH_TOKEN, r["call_sid"]) for r in (a, b, c)]
    assert a["greeting"] == "Hola, le habla la versión uno."
    assert a["turns"][0]["bot"]  # the call in progress went on
    assert b["greeting"] == c["greeting"] == "Hola, le habla la versión dos."
    assert records[0] is not None and records[0]["config_version"] == versions["previous"]
    assert records[1] is not None and records[1]["config_version"] == versions["version"]
    assert records[2] is not None and records[2]["config_version"] == versions["version"]
    assert services.records is not None
    actions = [e["action"] for e in await services.records.audit_entries(20)]
    assert actions.index("config:refused") < actions.index("config:reload")  # newest first


async def test_editing_the_file_reloads_it_and_a_broken_edit_changes_nothing(
    services: Services, serve: ServiceFactory, tmp_path: Path
) -> None:
    path = tmp_path / "voicebot.yaml"
    watched = {"server": {"watch_config": True}}
    write_config(path, "Hola, le habla la versión uno.", **watched)
    first = load_settings(path, environ={})
    async with serve(first) as url:
        app_services = serve.apps[url][SERVICES]  # type: ignore[attr-defined]
        await asyncio.sleep(1)  # the watcher is set up
        write_config(path, "Hola, le habla la versión dos.", **watched)
        for _ in range(100):
            if app_services.settings.config_version != first.config_version:
                break
            await asyncio.sleep(0.1)
        second = app_services.settings.config_version
        assert second != first.config_version, "the edit was not picked up"
        report = await place_call(url, AUTH_TOKEN, [])
        # an editor saving a half-written file: refused, the last good config stays
        path.write_text("audio:\n  barge_in_ms: -5\n", encoding="utf-8")
        await asyncio.sleep(2)
        assert app_services.settings.config_version == second
    assert report["greeting"] == "Hola, le habla la versión dos."
    assert services.records is not None
    entries = [(e["actor"], e["action"]) for e in await services.records.audit_entries(20)]
    assert ("file-watch", "config:reload") in entries
    assert ("file-watch", "config:refused") in entries
