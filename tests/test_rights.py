"""The customer's rights and retention on a real database: export, delete, purge, audit chain."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import aiohttp

from tests.conftest import ServiceFactory, make_settings
from voicebot.session import Services
from voicebot.store import Interaction, NewTicket
from voicebot.store.sql import SqlStore

PHONE = "+573205550101"


def cli(db: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = os.environ | {"VOICEBOT_STORE__DATABASE_URL": f"sqlite+aiosqlite:///{db}"}
    return subprocess.run(
        [sys.executable, "-m", "voicebot", *args], capture_output=True, text=True, timeout=60,
        env=env,
    )  # fmt: skip


async def test_export_delete_purge_and_audit_from_the_command_line(tmp_path: Path) -> None:
    db = tmp_path / "v.db"
    store = await SqlStore.open(f"sqlite+aiosqlite:///{db}")
    now = datetime.now(UTC)
    await store.remember(Interaction(PHONE, "voice", now, "Consultó el pedido 45721.", ()))
    await store.remember(Interaction(PHONE, "chat", now - timedelta(days=400), "Antiguo", ()))
    await store.save_call("CA1", PHONE, {"transcript": [{"role": "caller", "text": "hola"}]})
    await store.save_call("CA2", "+573001234567", {"transcript": []})
    await store.create_ticket(NewTicket("devolución", PHONE, "Registrado", "38150", 1))
    await store.close()

    exported = cli(db, "customer", "export", "--phone", "320 555 0101")
    assert exported.returncode == 0, exported.stderr
    data = json.loads(exported.stdout)
    assert data["phone"] == PHONE and len(data["memory"]) == 2
    assert [c["call_sid"] for c in data["calls"]] == ["CA1"]  # only this customer's
    assert [t["order_number"] for t in data["tickets"]] == ["38150"]

    purged = cli(db, "purge")
    assert json.loads(purged.stdout) == {"purged": {"calls": 0, "memory": 1}}  # 400 days > 365

    deleted = cli(db, "customer", "delete", "--phone", PHONE)
    assert json.loads(deleted.stdout)["deleted"]["calls"] == 1
    again = json.loads(cli(db, "customer", "export", "--phone", PHONE).stdout)
    assert again["memory"] == [] and again["calls"] == [] and again["tickets"] == []
    assert cli(db, "customer", "export", "--phone", "12").returncode == 1

    store = await SqlStore.open(f"sqlite+aiosqlite:///{db}")
    actions = [e["action"] for e in await store.audit_entries(10)]
    assert actions[:4] == ["data:export", "data:delete", "data:purge", "data:export"]
    assert all("3205550101" not in str(e["detail"]) for e in await store.audit_entries(10))
    await store.close()
    verified = cli(db, "audit", "verify")
    assert verified.returncode == 0 and "intact" in verified.stdout

    import sqlite3

    with sqlite3.connect(db) as conn:  # an entry altered after the fact
        conn.execute("UPDATE audit SET result = 'nada' WHERE action = 'data:delete'")
    broken = cli(db, "audit", "verify")
    assert broken.returncode == 1 and "broken" in broken.stdout


async def test_admin_api_export_and_delete(services: Services, serve: ServiceFactory) -> None:
    assert services.records is not None
    phone = "+573205550177"  # a number only this test uses
    await services.records.remember(
        Interaction(phone, "voice", datetime.now(UTC), "Preguntó por un reloj.", ())
    )
    settings = make_settings(governance={"admin_token": "admin-secret"})
    auth = {"Authorization": "Bearer admin-secret"}
    async with serve(settings) as url, aiohttp.ClientSession() as http:
        async with http.get(f"{url}/admin/customers/{phone}") as resp:
            assert resp.status == 401
        async with http.get(f"{url}/admin/customers/12", headers=auth) as resp:
            assert resp.status == 400
        async with http.get(f"{url}/admin/customers/{phone}", headers=auth) as resp:
            assert resp.status == 200
            assert (await resp.json())["memory"][0]["summary"] == "Preguntó por un reloj."
        async with http.delete(f"{url}/admin/customers/{phone}", headers=auth) as resp:
            assert (await resp.json())["deleted"]["memory"] == 1
    assert await services.records.recall(phone) == []
    [entry] = await services.records.audit_entries(1)
    assert entry["action"] == "data:delete" and entry["actor"].startswith("admin:")
