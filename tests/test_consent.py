"""Disclosure and consent (Decreto 1377 de 2013): no consent, nothing personal is kept."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from tests.conftest import AUTH_TOKEN, ServiceFactory, make_settings
from tests.test_handoff import ScriptedAsr, desk_settings, handoff_stages, scripted
from voicebot.services import CALLS, Services
from voicebot.simulate import fetch_record, place_call
from voicebot.store.sql import SqlStore, calls_t, meta
from voicebot.telephony.fake_cloud import FakeTwilioCloud
from voicebot.telephony.fake_twilio import load_wav

Clip = Callable[[str], Path]
STRANGER, CAROLINA = "+573001234567", "+573205550101"


def consent_settings():  # type: ignore[no-untyped-def]
    return make_settings(
        governance={"ask_consent": True, "notice_version": "v-test", "admin_token": AUTH_TOKEN}
    )


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
        kept = serve.apps[url][CALLS][report["call_sid"]]  # type: ignore[attr-defined]
    # still served: the caller heard an answer to each turn (what was said is in the fast tier)
    assert all(t["latency_ms"]["voice_to_voice"] is not None for t in report["turns"])
    # the process's own memory of the finished call keeps no more than the database
    assert kept.transcript == [] and all(t.heard == "" and not t.bot for t in kept.turns)
    assert "3001234567" not in repr(kept)
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


async def test_a_caller_id_that_proves_nothing_is_asked_for_consent(
    services: Services, serve: ServiceFactory
) -> None:
    # regression: a spoofed caller ID inherited the customer's consent on file, so the words
    # of whoever called were stored as authorised under her number
    assert services.records is not None
    settings = consent_settings()
    governance = settings.governance.model_copy(
        update={"verify_order_identity": True, "caller_id_trust": "attested"}
    )
    settings = settings.model_copy(update={"governance": governance})
    async with serve(settings) as url:
        spoofed = await place_call(url, AUTH_TOKEN, [], caller=CAROLINA)
        attested = await place_call(
            url, AUTH_TOKEN, [], caller=CAROLINA, stir_verstat="TN-Validation-Passed-A"
        )
    asked = await services.records.call(spoofed["call_sid"])
    assert asked is not None and asked["consent"] != "on_file"
    assert not (spoofed["greeting"] or "").startswith("Hola, señora Martínez")
    kept = await services.records.call(attested["call_sid"])
    assert kept is not None and kept["consent"] == "on_file"


async def stored_when_finished(records: SqlStore, call_sid: str) -> dict[str, Any]:
    """The call's stored record once its last stream has ended (the caller hung up)."""
    for _ in range(100):
        stored = await records.call(call_sid)
        if stored is not None and stored["ended_by"] == "caller":
            return stored
        await asyncio.sleep(0.1)
    raise AssertionError("the resumed stream's record was never written")


async def test_a_refusal_holds_when_an_unanswered_transfer_brings_the_caller_back(
    services: Services, serve: ServiceFactory, cloud: FakeTwilioCloud, clips: Clip,
    own_records: SqlStore,
) -> None:  # fmt: skip
    """Regression: the resumed stream's record said `not_asked`, which counted as consent,
    so it kept the number and the words, while the calls.phone column stayed masked."""
    cloud.agent_answers = "no-answer"
    settings = desk_settings(cloud, governance={"ask_consent": True})
    stages = handoff_stages(services, settings, records=own_records)
    async with serve(settings, **stages) as url:
        report = await place_call(
            url, AUTH_TOKEN, [], dtmf=["0"], caller=STRANGER, consent_key="2", cloud=cloud
        )
        back = cloud.legs[report["call_sid"]].resumed
        assert back is not None, "no agent answered: the caller is back with the bot"
        await back.wait_bot_audio(back.stream_started_at, 10)
        await back.wait_bot_quiet(1.0)
        voiced = await back.speak(load_wav(clips("Quiero saber el estado de mi orden.")))
        await back.wait_bot_audio(voiced, 20)
        await back.wait_bot_quiet(1.0)
        await back.hangup()
        stored = await stored_when_finished(own_records, report["call_sid"])
    assert stored["consent"] == "no" and stored["transcript"] == []
    assert all(t["heard"] == "" for t in stored["turns"]) and stored["turns"]
    everything = await dump_tables(own_records)
    assert "3001234567" not in everything and "estado de mi orden" not in everything
    (transfer,) = stages["desk"].transfers.values()
    assert transfer.consent == "no" and transfer.transcript == []  # the desk got no words
    assert transfer.caller == "+57 *** *** 4567"
    async with own_records.engine.connect() as conn:
        (phone,) = (await conn.execute(sa.select(calls_t.c.phone))).scalars().all()
    assert phone == stored["caller"] == "+57 *** *** 4567"  # the column says what it holds


@pytest.mark.parametrize("basis", ["", "Ley 1581 art. 10: contrato vigente"])
async def test_a_call_not_asked_is_kept_only_under_an_explicit_legal_basis(
    serve: ServiceFactory, clips: Clip, own_records: SqlStore, basis: str
) -> None:
    settings = make_settings(
        governance={"ask_consent": False, "legal_basis": basis, "admin_token": AUTH_TOKEN}
    )
    async with serve(settings, records=own_records) as url:
        report = await place_call(
            url, AUTH_TOKEN, [clips("Quiero saber el estado de mi orden.")], caller=STRANGER
        )
    stored = await own_records.call(report["call_sid"])
    assert stored is not None and stored["consent"] == "not_asked"
    everything = await dump_tables(own_records)
    if basis:
        assert stored["caller"] == STRANGER and stored["legal_basis"] == basis
        assert "estado" in str(stored["transcript"])
        export = await own_records.export_customer(STRANGER)
        assert [c["call_sid"] for c in export["calls"]] == [report["call_sid"]]
    else:  # the default: no basis, so nothing personal is kept
        assert stored["transcript"] == [] and "3001234567" not in everything
        assert "estado de mi orden" not in everything


async def test_the_phone_column_follows_the_record(own_records: SqlStore) -> None:
    """A record first written masked and then with the number (consent given later in the
    call) is found by export and deletion for that number."""
    await own_records.save_call("CA-later", "+57 *** *** 4567", {"caller": "+57 *** *** 4567"})
    await own_records.save_call("CA-later", STRANGER, {"caller": STRANGER})
    export = await own_records.export_customer(STRANGER)
    assert [c["call_sid"] for c in export["calls"]] == ["CA-later"]
    assert (await own_records.delete_customer(STRANGER))["calls"] == 1


async def test_logs_of_a_caller_without_consent_carry_no_words(
    serve: ServiceFactory, clips: Clip, capfd: pytest.CaptureFixture[str], own_records: SqlStore
) -> None:
    """Regression: the logs of a caller who refused consent carried their (redacted) words;
    now only lengths, intents and timings."""
    settings = scripted(consent_settings())
    asr = ScriptedAsr("Quiero saber el estado de mi pedido, el cuatro cinco siete dos uno")
    async with serve(settings, records=own_records, asr=asr) as url:
        await place_call(url, AUTH_TOKEN, [clips("Hola.")], caller=STRANGER, consent_key="2")
    logs = capfd.readouterr()
    text = logs.out + logs.err
    assert "caller_said" in text and "chars=" in text and "order_status" in text
    assert "estado de mi pedido" not in text and "cuatro cinco" not in text
