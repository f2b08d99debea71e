"""The optional post-call CSAT survey: a 1-5 rating by keypad, kept with the call."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import aiohttp

from tests.conftest import AUTH_TOKEN, ServiceFactory, make_settings
from voicebot.services import Services
from voicebot.simulate import fetch_record, place_call

Clip = Callable[[str], Path]


async def test_goodbye_then_rating_by_keypad(
    services: Services, serve: ServiceFactory, clips: Clip
) -> None:
    settings = make_settings(dialogue={"csat_survey": True, "csat_wait_s": 6})
    async with serve(settings) as url:
        report = await place_call(url, AUTH_TOKEN, [clips("Hasta luego.")], dtmf=["4"])
        record = await fetch_record(url, AUTH_TOKEN, report["call_sid"])
        async with aiohttp.ClientSession() as http, http.get(f"{url}/metrics") as resp:
            metrics = await resp.text()
    assert record is not None and record["csat"] == 4 and record["end_reason"] == "goodbye"
    bot = [t["text"] for t in record["transcript"] if t["role"] == "bot"]
    phrase = services.settings.phrase
    assert bot[-3:] == [phrase("csat_question"), phrase("csat_thanks"), phrase("farewell")]
    assert 'voicebot_csat_total{score="4"} 1.0' in metrics
