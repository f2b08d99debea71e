"""The agent desk in a real headless Chromium: log in, see a live transfer, accept it."""

from __future__ import annotations

from importlib import resources
from typing import Any

import aiohttp
import pytest

from tests.conftest import ARTIFACTS, CHROMIUM, ServiceFactory
from tests.test_handoff import AGENT, desk_settings
from voicebot.handoff import web
from voicebot.handoff.desk import Desk
from voicebot.handoff.summary import summarize
from voicebot.services import Services
from voicebot.telephony.fake_cloud import FakeTwilioCloud

pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="Debian chromium is not installed")

TRANSCRIPT = [
    {"role": "bot", "text": "Hola, gracias por llamar."},
    {"role": "caller", "text": "Mi pedido 45721 no ha llegado y ya pasaron ocho días"},
    {"role": "bot", "text": "Con gusto lo reviso. ¿Me confirma el número?"},
    {"role": "caller", "text": "Quiero hablar con un asesor"},
]


async def test_agent_logs_in_sees_a_live_transfer_and_accepts_it(
    services: Services, serve: ServiceFactory, browser: Any
) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    async with FakeTwilioCloud("unused") as cloud:
        settings = desk_settings(cloud)
    desk = Desk(settings.handoff.agents)
    async with serve(settings, desk=desk) as url:
        page = await browser.new_page(viewport={"width": 1200, "height": 800})
        await page.goto(url + "/agent")
        await page.fill("input[name=agent]", "ana")
        await page.fill("input[name=password]", "wrong")
        await page.click("button[type=submit]")
        assert await page.locator(".error").is_visible()
        await page.fill("input[name=agent]", AGENT["id"])
        await page.fill("input[name=password]", "clave-ana")
        await page.click("button[type=submit]")
        await page.wait_for_selector("text=No hay transferencias por ahora.")
        await page.screenshot(path=str(ARTIFACTS / "desk_empty.png"))

        # a transfer arrives while the page is open: it appears live (server-sent events)
        summary = summarize(TRANSCRIPT, "transfer_requested", "+573001234567", [])
        transfer = await desk.create(
            call_sid="CA1",
            caller="+573001234567",
            reason="transfer_requested",
            summary=summary,
            transcript=TRANSCRIPT,
            agent_id="ana",
        )
        card = page.locator(f'section[data-id="{transfer.id}"]')
        await card.wait_for(timeout=10_000)
        text = await card.inner_text()
        assert "estado de un pedido: pedido 45721" in text  # the motive in clean words
        assert "el cliente pidió un asesor" in text and "+57 *** *** 4567" in text
        assert "3001234567" not in await page.content()  # only the masked number is shown
        await card.locator("summary").click()
        assert "Con gusto lo reviso" in await card.inner_text()
        await page.screenshot(path=str(ARTIFACTS / "desk_transfer.png"), full_page=True)

        await card.locator("button.accept").click()
        await card.locator(".status.accepted").wait_for(timeout=10_000)
        assert desk.transfers[transfer.id].status == "accepted"
        await card.locator("button.resolved").click()
        await card.locator(".outcome").wait_for(timeout=10_000)
        assert desk.transfers[transfer.id].outcome == "resolved"
        await page.screenshot(path=str(ARTIFACTS / "desk_accepted.png"), full_page=True)
    # an agent seeing and acting on a call's data is audited
    assert services.records is not None
    entries = await services.records.audit_entries(50)
    ours = [(e["actor"], e["action"]) for e in entries if e["detail"] == {"transfer": transfer.id}]
    assert ours[::-1] == [("agent:ana", a) for a in ("desk:shown", "desk:accept", "desk:outcome")]


async def test_desk_api_needs_a_login_and_csrf_header(
    services: Services, serve: ServiceFactory
) -> None:
    async with FakeTwilioCloud("unused") as cloud:
        settings = desk_settings(cloud)
    desk = Desk(settings.handoff.agents)
    jar = aiohttp.CookieJar(unsafe=True)  # cookies for 127.0.0.1
    async with serve(settings, desk=desk) as url, aiohttp.ClientSession(cookie_jar=jar) as http:
        async with http.get(url + "/agent/events") as resp:
            assert resp.status == 401
        async with http.post(url + "/agent/transfers/T1/accept") as resp:
            assert resp.status == 401
        form = {"agent": "ana", "password": "clave-ana"}
        async with http.post(url + "/agent/login", data=form, allow_redirects=False) as resp:
            assert resp.status == 303
        async with http.post(url + "/agent/transfers/T1/accept") as resp:
            assert resp.status == 403  # logged in, but not from the desk page


@pytest.mark.fast
def test_the_desk_page_is_package_files() -> None:
    """HTML, CSS and JS ship as package data (pyproject) and are read through importlib."""
    static = resources.files("voicebot.handoff") / "static"
    assert web.DESK_JS == (static / "desk.js").read_text(encoding="utf-8")
    assert "{error}" in web.LOGIN_PAGE and "{next}" in web.LOGIN_PAGE
    assert "{agent}" in web.DESK_PAGE and "/agent/static/desk.js" in web.DESK_PAGE
    assert "'X-Requested-With': 'voicebot-desk'" in web.DESK_JS  # the CSRF header the API wants
    assert ".card{" in web.DESK_CSS
