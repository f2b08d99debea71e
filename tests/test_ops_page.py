"""The KPI page (/ops) after simulated calls, in a real headless Chromium; its CSV export."""

from __future__ import annotations

import asyncio
import csv
import io
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import aiohttp
import pytest
import sqlalchemy as sa

from tests.conftest import ARTIFACTS, AUTH_TOKEN, CHROMIUM, ServiceFactory, make_settings
from tests.test_handoff import AGENT
from voicebot.handoff.desk import Desk, hash_password
from voicebot.metrics.kpi import call_rows, daily, summarise, turn_latencies
from voicebot.metrics.page import render_page
from voicebot.simulate import place_call
from voicebot.store.sql import SqlStore, calls_t

Clip = Callable[[str], Path]
SUPERVISOR = {"id": "sofia", "name": "Sofía Ruiz", "phone": "+576015550109",
              "password_hash": hash_password("clave-sofia"), "supervisor": True}  # fmt: skip
ADMIN = {"Authorization": "Bearer admin-token"}


async def seed_history(records: SqlStore) -> list[str]:
    """Calls of earlier days, written as the service stores them (the plots need a past)."""
    now = datetime.now(UTC)
    sids = []
    async with records.engine.begin() as conn:
        for days_ago, (duration, csat, resolved, revenue, v2v) in enumerate(
            [(40, 5, True, 89900, 1800), (75, 4, True, 0, 2100), (120, 2, False, 0, 2600),
             (55, None, True, 159800, 1900), (65, 3, True, 0, 2300)], start=1,
        ):  # fmt: skip
            sid = f"CA{uuid.uuid4().hex}"
            sids.append(sid)
            record = {
                "duration_s": duration, "csat": csat, "ended_by": "caller",
                "outcome": {"resolved": resolved, "revenue_cop": revenue},
                "turns": [{"voice_to_voice_ms": v2v}, {"voice_to_voice_ms": v2v + 700}],
                "friction": {"score": 0 if resolved else 7, "risk": not resolved,
                             "reasons": [] if resolved else ["friction", "low_csat"]},
            }  # fmt: skip
            at = now - timedelta(days=days_ago)
            await conn.execute(
                sa.insert(calls_t).values(
                    call_sid=sid, phone="+57 *** *** 0000", at=at, record=record
                )
            )
    return sids


def ops_settings() -> Any:
    return make_settings(
        handoff={"agents": [AGENT, SUPERVISOR]}, governance={"admin_token": "admin-token"}
    )


@pytest.mark.skipif(CHROMIUM is None, reason="Debian chromium is not installed")
async def test_ops_page_after_simulated_calls(
    serve: ServiceFactory, clips: Clip, browser: Any, own_records: SqlStore
) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    history = await seed_history(own_records)
    settings = ops_settings()
    async with serve(settings, desk=Desk(settings.handoff.agents), records=own_records) as url:
        upset = await place_call(url, AUTH_TOKEN, [clips("Qué mal, nunca llega.")])
        calm = await place_call(url, AUTH_TOKEN, [clips("¿Cuánto vale un reloj?")])

        page = await browser.new_page(viewport={"width": 1280, "height": 900})
        await page.goto(url + "/ops")  # not logged in: the login form, which comes back here
        await page.fill("input[name=agent]", "sofia")
        await page.fill("input[name=password]", "clave-sofia")
        await page.click("button[type=submit]")
        await page.wait_for_selector("#friction")
        assert page.url == url + "/ops"
        assert await page.locator("figure.plot svg").count() == 6
        titles = await page.locator("figure.plot svg .title").all_text_contents()
        assert titles == ["AHT (s)", "FCR (%)", "CSAT (1-5)", "Contención (%)",
                          "Ingresos atribuidos (COP)", "Latencia voz a voz (ms)"]  # fmt: skip
        # each plot has a point per day with calls: today's simulated calls and the history
        assert await page.locator("figure.plot").first.locator(".dots").count() >= 6
        tiles = await page.locator(".tiles").inner_text()
        assert "Llamadas" in tiles and "Ingresos" in tiles and "$249.700" in tiles
        friction = await page.locator("#friction").inner_text()
        assert upset["call_sid"] in friction and "molesto y sin solución" in friction
        assert history[2] in friction  # the seeded low-rated, unresolved call
        assert calm["call_sid"] not in friction
        assert "3001234567" not in await page.content()  # callers appear masked or not at all
        await page.screenshot(path=str(ARTIFACTS / "ops.png"), full_page=True)

        # the CSV link on the page downloads the same calls
        async with page.expect_download() as info:
            await page.click("text=Exportar CSV")
        download = await info.value
        text = await asyncio.to_thread(Path(await download.path()).read_text)
        lines = list(csv.DictReader(io.StringIO(text)))
        assert {upset["call_sid"], calm["call_sid"], *history} <= {r["call_sid"] for r in lines}


async def test_ops_needs_a_supervisor_or_the_admin_token(
    serve: ServiceFactory, own_records: SqlStore
) -> None:
    settings = ops_settings()
    jar = aiohttp.CookieJar(unsafe=True)
    desk = Desk(settings.handoff.agents)
    async with (
        serve(settings, desk=desk, records=own_records) as url,
        aiohttp.ClientSession(cookie_jar=jar) as http,
    ):
        async with http.get(url + "/ops", allow_redirects=False) as resp:
            assert resp.status == 303 and resp.headers["Location"] == "/agent?next=/ops"
        async with http.get(url + "/ops/calls.csv", headers={"Authorization": "Bearer no"}) as resp:
            assert resp.status == 401
        async with http.get(url + "/ops/calls.csv?days=3", headers=ADMIN) as resp:
            assert resp.status == 200 and resp.content_type == "text/csv"
            header = (await resp.text()).splitlines()[0]
        assert header.startswith("call_sid,at,customer,duration_s,ended_by,contained,fcr,csat")
        async with http.get(url + "/ops?days=abc", headers=ADMIN) as resp:
            assert resp.status == 400
        # an agent who is not a supervisor is logged in, but may not see the KPIs
        form = {"agent": "ana", "password": "clave-ana", "next": "https://evil.example/"}
        async with http.post(url + "/agent/login", data=form, allow_redirects=False) as resp:
            assert resp.headers["Location"] == "/agent"  # never an open redirect
        async with http.get(url + "/ops") as resp:
            assert resp.status == 403
    actions = [(e["actor"], e["action"]) for e in await own_records.audit_entries(10)]
    assert ("ops:admin", "ops:export") in actions  # data access is audited


@pytest.mark.fast
def test_the_page_comes_from_its_template_and_the_configured_texts() -> None:
    """No browser, no calls: rows straight into the renderer."""
    at = datetime(2026, 11, 20, 15, 0, tzinfo=UTC)
    stored = [{"call_sid": "CA1", "phone": "+573001112233", "at": at,
               "record": {"duration_s": 40, "csat": 2, "ended_by": "caller",
                          "outcome": {"resolved": False, "revenue_cop": 89900},
                          "turns": [{"voice_to_voice_ms": 1800}, {"voice_to_voice_ms": 2600}],
                          "friction": {"score": 7, "risk": True,
                                       "reasons": ["friction"]}}}]  # fmt: skip
    texts = make_settings(agent_text={"ops": {"fcr_chart": "Resolución (%)"}}).agent_text
    rows = call_rows(stored, 7, texts.risks)
    latencies = turn_latencies(stored)
    days = daily(rows, latencies, at.date() - timedelta(days=1), at.date(), "America/Bogota")
    page = render_page(rows, days, summarise(days[0].day, rows, latencies), "La <Quinta>",
                       "admin", "America/Bogota", texts.ops)  # fmt: skip
    assert "<title>Indicadores · La &lt;Quinta&gt;</title>" in page
    assert "<span>Ingresos</span><b>$89.900</b>" in page
    assert "<span>Latencia p95</span><b>2560 ms</b>" in page  # interpolated, as bench does
    assert ">Resolución (%)<" in page and ">AHT (s)<" in page
    assert "mucha fricción" in page and "Sin llamadas" in page  # pygal keeps its no-data text
    empty = render_page([], days, summarise(days[0].day, [], {}), "X", "admin",
                        "America/Bogota", texts.ops)  # fmt: skip
    assert "Ninguna llamada con fricción en el periodo." in empty
    assert "{" not in empty.split("<style>")[0]  # every template field filled in
