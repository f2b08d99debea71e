"""Disclosure and consent (Decreto 1377 de 2013): no consent, nothing personal is kept."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.conftest import AUTH_TOKEN, ServiceFactory, make_settings
from voicebot.session import Services
from voicebot.simulate import fetch_record, place_call
from voicebot.store.sql import SqlStore, meta
from voicebot.telephony.server import CALLS

Clip = Callable[[str], Path]
STRANGER, CAROLINA = "+573001234567", "+573205550101"


def consent_settings():  # type: ignore[no-untyped-def]
    return make_settings(governance={"ask_consent": True, "notice_version": "v-test"})


async def dump_tables(records: SqlStore) -> str:
    """Every row of every table, as text."""
    async with records.engine.connect() as conn:
        rows = [(await conn.execute(sa.select(table))).all() for table in meta.sorted_tables]
    return repr(rows)


async def test_no_consent_keeps_no_words_and_no_number(
    services: Services,
    serve: ServiceFactory,
    clips: Clip,
    capfd: pytest.CaptureFixture[str],
    own_records: SqlStore,
) -> None:
    turns = [clips("No, gracias."), clips("Quiero saber el estado de mi orden.")]
    async with serve(consent_settings(), records=own_records) as url:
        report = await place_call(url, AUTH_TOKEN, turns, caller=STRANGER)
        shown = await fetch_record(url, AUTH_TOKEN, report["call_sid"])
        live = serve.apps[url][CALLS][report["call_sid"]]  # type: ignore[attr-defined]
    # what the caller heard (the process's own memory of the call, never stored as such)
    bot = [t["text"] for t in live.transcript if t["role"] == "bot"]
    assert bot[1] == services.settings.phrase("consent_question")
    assert "Diga sí o marque uno" in bot[1]
    assert bot[2] == "Entendido, no guardaremos sus datos. ¿En qué le puedo ayudar?"
    assert "número de su pedido" in bot[3]  # still served
    stored = await own_records.call(report["call_sid"])
    for record in (stored, shown):
        assert record is not None and record["consent"] == "no"
        assert record["transcript"] == [] and all(t["heard"] == "" for t in record["turns"])
        assert "3001234567" not in str(record)
    # regression: the calls table's phone column once kept the number without consent
    everything = await dump_tables(own_records)
    assert report["call_sid"] in everything and "3001234567" not in everything
    assert "estado de mi orden" not in everything
    [evidence] = await own_records.consents(report["call_sid"])
    assert (evidence["answer"], evidence["how"], evidence["notice_version"]) == (
        "no",
        "voice",
        "v-test",
    )
    assert "3001234567" not in evidence["phone"] and evidence["heard"] == ""
    assert await own_records.recall(STRANGER) == []
    logs = capfd.readouterr()
    assert "3001234567" not in logs.out + logs.err  # nor in any log line


async def test_dtmf_one_is_consent_and_its_evidence_is_kept(
    services: Services, serve: ServiceFactory
) -> None:
    assert services.records is not None
    async with serve(consent_settings()) as url:
        report = await place_call(url, AUTH_TOKEN, [], dtmf=["1"], caller=STRANGER)
    stored = await services.records.call(report["call_sid"])
    assert stored is not None and stored["consent"] == "yes" and stored["caller"] == STRANGER
    bot = [t["text"] for t in stored["transcript"] if t["role"] == "bot"]
    assert bot[-1] == "Gracias por su autorización. ¿En qué le puedo ayudar?"
    [evidence] = await services.records.consents(report["call_sid"])
    assert (evidence["answer"], evidence["how"], evidence["phone"]) == ("yes", "dtmf", STRANGER)


async def test_consent_on_file_is_not_asked_again(
    services: Services, serve: ServiceFactory
) -> None:
    assert services.records is not None
    async with serve(consent_settings()) as url:
        report = await place_call(url, AUTH_TOKEN, [], caller=CAROLINA)
    assert report["greeting"].startswith("Hola, señora Martínez")
    stored = await services.records.call(report["call_sid"])
    assert stored is not None and stored["consent"] == "on_file"
    assert all("autoriza" not in t["text"] for t in stored["transcript"])
    [evidence] = await services.records.consents(report["call_sid"])
    assert (evidence["answer"], evidence["how"]) == ("on_file", "record")
