"""The customer's rights and retention on a real database: export, delete, purge, audit chain."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from tests.conftest import ServiceFactory, make_settings
from tests.test_handoff import redis_contents
from voicebot.call.record import CallRecord
from voicebot.cluster import RedisShared
from voicebot.governance.redaction import mask_phone
from voicebot.handoff.desk import Desk
from voicebot.handoff.summary import summarize
from voicebot.services import CALLS, Services
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
    export, delete = "/admin/customers/export", "/admin/customers/delete"
    async with serve(settings) as url, aiohttp.ClientSession() as http:
        async with http.post(url + export, json={"phone": phone}) as resp:
            assert resp.status == 401
        async with http.post(url + export, json={"phone": "12"}, headers=auth) as resp:
            assert resp.status == 400
        async with http.get(f"{url}/admin/customers/{phone}", headers=auth) as resp:
            assert resp.status in (404, 405)  # the number never goes in the URL (access logs)
        async with http.post(url + export, json={"phone": phone}, headers=auth) as resp:
            assert resp.status == 200
            assert (await resp.json())["memory"][0]["summary"] == "Preguntó por un reloj."
        async with http.post(url + delete, json={"phone": phone}, headers=auth) as resp:
            assert (await resp.json())["deleted"]["memory"] == 1
    assert await services.records.recall(phone) == []
    [entry] = await services.records.audit_entries(1)
    assert entry["action"] == "data:delete" and entry["actor"].startswith("admin:")


async def test_export_and_delete_reach_consents_redis_the_desk_and_memory(
    serve: ServiceFactory, own_records: SqlStore, redis: Any
) -> None:
    """Regression: export and deletion missed the consent table (full number and the words of
    a yes), Redis transfers and callback tickets (which never expired), the process's
    in-memory call records and desk lists."""
    if isinstance(redis, str):
        pytest.skip(redis)
    phone, sid = "+573205550188", "CA" + "8" * 32
    await own_records.save_call(sid, phone, {"caller": phone, "transcript": []})
    evidence = {"call_sid": sid, "phone": phone, "notice_version": "v1", "answer": "yes",
                "how": "voice", "heard": "Sí, claro."}  # fmt: skip
    await own_records.save_consent(evidence)
    shared = RedisShared(redis.url, prefix="t-rights")
    desk = Desk([], shared)
    summary = summarize([{"role": "caller", "text": "Quiero un asesor"}], "x", phone, [])
    await desk.create(call_sid=sid, caller=mask_phone(phone), reason="x", summary=summary,
                      transcript=[], agent_id=None)  # fmt: skip
    ticket = await desk.add_callback(sid, phone, "x", summary)
    ttl = await shared._redis.ttl(f"t-rights:callback:{ticket['id']}")
    assert 0 < ttl <= 96 * 3600  # callback tickets expire (governance.callback_retention_hours)
    settings = make_settings(governance={"admin_token": "admin-secret"})
    auth = {"Authorization": "Bearer admin-secret"}
    try:
        async with serve(settings, records=own_records, desk=desk, shared=shared) as url:
            calls = serve.apps[url][CALLS]  # type: ignore[attr-defined]
            calls[sid] = CallRecord(sid, "MZ1", phone)
            calls["CA-other"] = CallRecord("CA-other", "MZ2", "+573001112233")
            async with aiohttp.ClientSession() as http:
                async with http.post(url + "/admin/customers/export", json={"phone": phone},
                                     headers=auth) as resp:  # fmt: skip
                    exported = await resp.json()
                async with http.post(url + "/admin/customers/delete", json={"phone": phone},
                                     headers=auth) as resp:  # fmt: skip
                    deleted = (await resp.json())["deleted"]
            remaining = set(calls)
        # this test's own keys: other tests' random call ids may hold "0188" (a CI failure)
        held = await redis_contents(redis.url, "t-rights")
    finally:
        await shared.close()
    assert [c["heard"] for c in exported["consents"]] == ["Sí, claro."]
    assert [t["call_sid"] for t in exported["desk"]] == [sid]
    assert [c["id"] for c in exported["callbacks"]] == [ticket["id"]]
    assert deleted["calls"] == 1 and deleted["consents_masked"] == 1
    assert deleted["desk"] == 2 and deleted["in_memory_calls"] == 1
    assert remaining == {"CA-other"} and not desk.transfers and not desk.callbacks
    # "0188" as a number of its own (also "+57 *** *** 0188"), not inside a timestamp
    assert sid not in held and re.search(r"(?<!\d)0188(?!\d)", held) is None
    # kept as evidence that the caller authorised processing: no number, no words
    [evidence] = await own_records.consents(sid)
    assert (evidence["answer"], evidence["phone"], evidence["heard"]) == (
        "yes", "+57 *** *** 0188", "",
    )  # fmt: skip


async def test_the_audit_chain_is_keyed_and_a_cut_off_tail_is_found(tmp_path: Path) -> None:
    """Regression: the chain was plain sha256, so a database writer could rewrite an entry and
    recompute the hashes after it; and deleting the newest entries left a valid chain."""
    import sqlalchemy as sa

    from voicebot.store.sql import GENESIS, audit_t, chain_hash

    url = f"sqlite+aiosqlite:///{tmp_path / 'audit.db'}"
    store = await SqlStore.open(url, seed=None, audit_key=b"held-by-ops-only")
    for n in range(4):
        await store.audit("admin:x", "data:export", {"n": n}, "ok")
    assert await store.verify_audit() is None
    try:
        async with store.engine.begin() as conn:  # a writer rewrites entry 2, then the chain
            rows = (await conn.execute(sa.select(audit_t).order_by(audit_t.c.id))).all()
            prev = GENESIS
            for r in rows:
                result = "nada" if r.id == 2 else r.result
                entry = {"at": r.at, "actor": r.actor, "action": r.action,
                         "detail": r.detail, "result": result}  # fmt: skip
                digest = chain_hash(prev, entry)  # all they can compute without the key
                await conn.execute(
                    sa.update(audit_t).where(audit_t.c.id == r.id)
                    .values(result=entry["result"], prev_hash=prev, hash=digest)
                )  # fmt: skip
                prev = digest
        assert await store.verify_audit() == 1
    finally:
        await store.close()

    store = await SqlStore.open(f"sqlite+aiosqlite:///{tmp_path / 'cut.db'}", seed=None)
    try:
        for n in range(3):
            await store.audit("admin:x", "data:delete", {"n": n}, "ok")
        assert await store.verify_audit() is None
        async with store.engine.begin() as conn:  # the newest entry is cut off
            await conn.execute(sa.delete(audit_t).where(audit_t.c.id == 3))
        assert await store.verify_audit() == 3  # the first missing entry
    finally:
        await store.close()
