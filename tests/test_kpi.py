"""KPIs as pure functions: friction signals, the risk flag, FCR, daily series, CSV."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime, timedelta
from typing import Any

import numpy as np
import pytest

from voicebot.call.record import CallRecord, TurnRecord
from voicebot.config import KpiSettings, load_settings
from voicebot.metrics.kpi import call_rows, daily, friction, percentile, to_csv, turn_latencies

KPI = load_settings(environ={}).kpi


def record(*heard: str, **fields: Any) -> CallRecord:
    r = CallRecord("CA1", "MZ1", "+573001234567")
    r.turns = [TurnRecord(h, voice_to_voice_ms=900) for h in heard]
    for key, value in fields.items():
        setattr(r, key, value)
    return r


def test_a_smooth_call_has_no_friction() -> None:
    f = friction(record("¿Tienen gorras negras?", "Sí, claro.", outcome={"resolved": True}), KPI)
    assert f == {
        "repeats": 0, "misunderstood": 0, "interruptions": 0, "negative": 0, "silences": 0,
        "score": 0, "risk": False, "reasons": [],
    }  # fmt: skip


def test_repeats_negative_words_silences_and_interruptions_are_counted() -> None:
    r = record(
        "Quiero saber dónde está mi pedido.",
        "Quiero saber donde esta mi pedido",  # said again (ASR punctuation differs)
        "Esto es pésimo, nunca llega.",
        "Sí.",  # too short to be a repeat
        "Sí.",
        barge_ins=2,
        reprompts=1,
        misunderstood=1,
    )
    r.turns[2].voice_to_voice_ms = 5200  # slower than kpi.slow_turn_s: a long silence
    f = friction(r, KPI)
    assert (f["repeats"], f["negative"], f["silences"], f["interruptions"]) == (1, 1, 2, 2)
    assert f["score"] == 2 * 1 + 2 * 1 + 1 * 2 + 3 * 1 + 1 * 2  # kpi.weights
    assert f["risk"] and f["reasons"] == ["friction", "unresolved_upset"]


def test_risk_reasons_low_rating_complaint_callback() -> None:
    r = record("Hola", csat=2, callback=True, outcome={"intents": ["complaint"], "resolved": True})
    assert friction(r, KPI)["reasons"] == ["low_csat", "complaint", "callback"]
    calm = KpiSettings(negative_words=["pésimo"])
    assert friction(record("El servicio es bueno"), calm)["risk"] is False


def stored(sid: str, phone: str, at: datetime, **record: Any) -> dict[str, Any]:
    base = {"duration_s": 60, "ended_by": "caller", "outcome": {"resolved": True}, "turns": []}
    return {"call_sid": sid, "phone": phone, "at": at, "record": base | record}


T0 = datetime(2026, 11, 20, 15, 0, tzinfo=UTC)  # 10:00 in Bogotá


def test_fcr_needs_no_repeat_call_within_the_window() -> None:
    calls = [
        stored("A", "+573001111111", T0),
        stored("B", "+573001111111", T0 + timedelta(days=3)),  # A was not a first-call fix
        stored("C", "+573002222222", T0),
        stored("D", "+573002222222", T0 + timedelta(days=9)),  # outside 7 days: C was
        stored("E", "+57 *** *** 3333", T0),  # no consent: masked, repeats unknowable
        stored("F", "+57 *** *** 3333", T0 + timedelta(days=1)),
        stored("G", "+573004444444", T0, ended_by="transfer"),  # a person took it
        stored("H", "+573005555555", T0, outcome={"resolved": False}),
    ]
    rows = {r.call_sid: r for r in call_rows(calls, fcr_window_days=7)}
    assert sorted(sid for sid, r in rows.items() if r.fcr) == ["B", "C", "D", "E", "F"]
    assert sorted(sid for sid, r in rows.items() if not r.contained) == ["G", "H"]


def test_daily_series_keep_empty_days_and_measure_each_day() -> None:
    calls = [
        stored("A", "+573001111111", T0, duration_s=30, csat=5,
               turns=[{"voice_to_voice_ms": 1000}, {"voice_to_voice_ms": 3000}],
               outcome={"resolved": True, "revenue_cop": 89900}),
        stored("B", "+573002222222", T0 + timedelta(hours=1), duration_s=90, csat=3,
               ended_by="transfer", turns=[{"voice_to_voice_ms": 2000}]),
        stored("C", "+573003333333", T0 + timedelta(days=2), friction={"score": 9, "risk": True,
               "reasons": ["friction"]}),
    ]  # fmt: skip
    rows = call_rows(calls, 7)
    days = daily(
        rows, turn_latencies(calls), date(2026, 11, 19), date(2026, 11, 23), "America/Bogota"
    )
    assert [d.calls for d in days] == [0, 2, 0, 1, 0]
    d = days[1]
    assert (d.aht_s, d.fcr_pct, d.containment_pct, d.csat, d.revenue_cop) == (60, 50, 50, 4, 89900)
    assert (d.latency_p50_ms, d.latency_p95_ms) == (2000, 2900)
    assert days[0].aht_s is None and days[0].csat is None and days[0].latency_p50_ms is None
    assert days[3].at_risk == 1
    # a call late in the evening in Bogotá belongs to that local day, not to UTC's next day
    late = call_rows([stored("L", "+573001", datetime(2026, 11, 21, 3, 0, tzinfo=UTC))], 7)
    assert daily(late, {}, date(2026, 11, 20), date(2026, 11, 21), "America/Bogota")[0].calls == 1


def test_csv_export_has_a_header_and_one_line_per_call() -> None:
    rows = call_rows([stored("A", "+573001111111", T0, csat=4)], 7)
    lines = list(csv.DictReader(io.StringIO(to_csv(rows))))
    assert len(lines) == 1
    assert lines[0]["call_sid"] == "A" and lines[0]["csat"] == "4" and lines[0]["fcr"] == "True"
    assert lines[0]["at"] == "2026-11-20T15:00:00+00:00"


@pytest.mark.fast
def test_percentile_interpolates_as_numpy_does() -> None:
    assert percentile([], 50) is None
    assert percentile([7], 95) == 7
    assert percentile([5, 1, 3], 50) == 3
    assert percentile([1, 2, 3, 4], 50) == 2.5  # the median
    assert percentile(list(range(1, 101)), 95) == 95.05
    values = [1800.0, 2100, 2600, 1900, 2300, 4100, 950]
    for q in (0, 5, 50, 90, 95, 99, 100):
        assert percentile(values, q) == pytest.approx(float(np.percentile(values, q)))


@pytest.mark.fast
def test_risk_reasons_read_as_the_configured_labels() -> None:
    reasons = ["friction", "low_csat", "complaint", "unresolved_upset", "callback", "later"]
    call = stored("A", "+573001111111", T0, friction={"score": 9, "risk": True,
                                                      "reasons": reasons})  # fmt: skip
    (row,) = call_rows([call], 7)
    assert row.reasons == (
        "mucha fricción, calificación baja, reclamo, molesto y sin solución, "
        "espera que le devuelvan la llamada, later"  # a code this version has no label for
    )
    labels = load_settings(overrides={"agent_text": {"risks": {"complaint": "queja"}}},
                           environ={}).agent_text.risks  # fmt: skip
    complaint = call | {"record": call["record"] | {"friction": {"reasons": ["complaint"]}}}
    (row,) = call_rows([complaint], 7, labels)
    assert row.reasons == "queja"
