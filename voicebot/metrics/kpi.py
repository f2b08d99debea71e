"""Business KPIs from stored call records: pure functions, no I/O.

Definitions (also on the /ops page):
- AHT: average handling time of the bot, answer to hang-up or transfer (seconds).
- Containment: calls the bot resolved without a person (no transfer, no callback ticket).
- FCR: contained calls whose customer did not call again within `kpi.fcr_window_days`. A caller
  who did not consent is stored without their number, so their repeat calls cannot be seen:
  their contained calls count as first-call fixes.
- CSAT: mean 1-5 rating of the optional post-call survey.
- Friction: repeats, misunderstood turns, interruptions, negative words and long silences,
  weighted by `kpi.weights`; the risk flag marks calls for a follow-up (churn risk).
"""

from __future__ import annotations

import csv
import io
import math
import re
import statistics
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from rapidfuzz import fuzz

from voicebot.config import KpiSettings, RiskLabels, packaged_agent_text
from voicebot.governance.redaction import mask_phone
from voicebot.text import normalize

if TYPE_CHECKING:
    from voicebot.call.record import CallRecord


def friction(record: CallRecord, cfg: KpiSettings) -> dict[str, Any]:
    """The call's friction signals, weighted score and risk flag (computed before redaction,
    so the words are read but only counts are kept)."""
    said = [normalize(t.heard) for t in record.turns if t.heard.strip()]
    repeats = sum(
        1
        for i, text in enumerate(said)
        if len(text) >= 6
        and any(fuzz.ratio(text, earlier) >= cfg.repeat_similarity for earlier in said[:i])
    )
    words = [normalize(w) for w in cfg.negative_words if normalize(w)]
    negative = sum(
        1 for text in said if any(re.search(rf"\b{re.escape(w)}\b", text) for w in words)
    )
    slow = sum(
        1
        for t in record.turns
        if t.voice_to_voice_ms is not None and t.voice_to_voice_ms > cfg.slow_turn_s * 1000
    )
    signals = {
        "repeats": repeats,
        "misunderstood": record.misunderstood,
        "interruptions": record.barge_ins,
        "negative": negative,
        "silences": record.reprompts + slow,
    }
    score = sum(cfg.weights.get(name, 0) * count for name, count in signals.items())  # type: ignore[call-overload]
    outcome = record.outcome
    checks = {
        "friction": score >= cfg.risk_score,
        "low_csat": record.csat is not None and record.csat <= 2,
        "complaint": "complaint" in outcome.get("intents", []),
        "unresolved_upset": negative > 0 and not outcome.get("resolved", False),
        "callback": record.callback,
    }
    reasons = [name for name, hit in checks.items() if hit]
    return signals | {"score": score, "risk": bool(reasons), "reasons": reasons}


@dataclass(frozen=True)
class CallRow:
    """One stored call as the KPIs see it (a CSV line)."""

    call_sid: str
    at: datetime
    customer: str  # masked: the page and its CSV are for trends, not for contacting people
    duration_s: float
    ended_by: str
    contained: bool
    fcr: bool
    csat: int | None
    revenue_cop: int
    turns: int
    v2v_p50_ms: float | None
    friction: int
    risk: bool
    reasons: str


def _contained(record: dict[str, Any]) -> bool:
    return bool(
        record.get("outcome", {}).get("resolved")
        and record.get("ended_by") != "transfer"
        and not record.get("callback")
    )


def _known(phone: str) -> bool:
    return phone.startswith("+") and "*" not in phone


def call_rows(
    calls: list[dict[str, Any]], fcr_window_days: int, risk_labels: RiskLabels | None = None
) -> list[CallRow]:
    """Rows of stored calls ({call_sid, phone, at, record}), oldest first; FCR looks ahead
    for the same customer calling again within the window. Risk reasons read as
    `risk_labels` (`agent_text.risks`; the packaged wording when not given)."""
    labels = risk_labels or packaged_agent_text().risks
    calls = sorted(calls, key=lambda c: c["at"])
    window = timedelta(days=fcr_window_days)
    later: dict[str, list[datetime]] = defaultdict(list)
    for c in calls:
        if _known(c["phone"]):
            later[c["phone"]].append(c["at"])
    latencies = turn_latencies(calls)
    rows = []
    for c in calls:
        record, at = c["record"], c["at"]
        contained = _contained(record)
        again = _known(c["phone"]) and any(at < t <= at + window for t in later[c["phone"]])
        v2v = latencies[c["call_sid"]]
        fr = record.get("friction") or {}
        rows.append(
            CallRow(
                call_sid=c["call_sid"],
                at=at,
                customer=mask_phone(c["phone"]) if _known(c["phone"]) else c["phone"],
                duration_s=float(record.get("duration_s") or 0),
                ended_by=str(record.get("ended_by") or ""),
                contained=contained,
                fcr=contained and not again,
                csat=record.get("csat"),
                revenue_cop=int(record.get("outcome", {}).get("revenue_cop", 0)),
                turns=len(record.get("turns", [])),
                v2v_p50_ms=percentile(v2v, 50),
                friction=int(fr.get("score", 0)),
                risk=bool(fr.get("risk", False)),
                reasons=", ".join(labels.label(r) for r in fr.get("reasons", [])),
            )
        )
    return rows


@dataclass(frozen=True)
class Day:
    """The KPIs of one local day; None where there was nothing to measure."""

    day: date
    calls: int
    aht_s: float | None
    fcr_pct: float | None
    containment_pct: float | None
    csat: float | None
    revenue_cop: int
    latency_p50_ms: float | None
    latency_p95_ms: float | None
    at_risk: int


def _pct(hits: int, total: int) -> float | None:
    return round(100 * hits / total, 1) if total else None


def percentile(values: Sequence[float], q: float) -> float | None:
    """The q-th percentile (q in 0..100, as numpy takes it), linearly interpolated between the
    two nearest values; None for no values. The one definition of /ops and `voicebot bench`:
    numpy's default and spreadsheets' PERCENTILE.INC, so a p95 recomputed from the CSV export
    matches the page, and p50 is the median."""
    if not values:
        return None
    ordered = sorted(values)
    rank = q / 100 * (len(ordered) - 1)
    low = math.floor(rank)
    high = min(low + 1, len(ordered) - 1)
    return float(ordered[low] + (ordered[high] - ordered[low]) * (rank - low))


def daily(
    rows: list[CallRow], latencies: dict[str, list[float]], first: date, last: date, tz: str
) -> list[Day]:
    """One Day per local date from `first` to `last`, empty days included (so plots keep
    their time axis); `latencies` maps call_sid to its turns' voice-to-voice ms."""
    zone = ZoneInfo(tz)
    by_day: dict[date, list[CallRow]] = defaultdict(list)
    for row in rows:
        by_day[row.at.astimezone(zone).date()].append(row)
    days = []
    day = first
    while day <= last:
        days.append(summarise(day, by_day.get(day, []), latencies))
        day += timedelta(days=1)
    return days


def summarise(day: date, group: list[CallRow], latencies: dict[str, list[float]]) -> Day:
    """The KPIs of a group of calls: one day's, or a whole period's (labelled by `day`)."""
    ratings = [r.csat for r in group if r.csat is not None]
    v2v = [ms for r in group for ms in latencies.get(r.call_sid, [])]
    return Day(
        day=day,
        calls=len(group),
        aht_s=round(statistics.fmean(r.duration_s for r in group), 1) if group else None,
        fcr_pct=_pct(sum(r.fcr for r in group), len(group)),
        containment_pct=_pct(sum(r.contained for r in group), len(group)),
        csat=round(statistics.fmean(ratings), 2) if ratings else None,
        revenue_cop=sum(r.revenue_cop for r in group),
        latency_p50_ms=percentile(v2v, 50),
        latency_p95_ms=percentile(v2v, 95),
        at_risk=sum(r.risk for r in group),
    )


def turn_latencies(calls: list[dict[str, Any]]) -> dict[str, list[float]]:
    """call_sid -> voice-to-voice ms of each answered turn."""
    return {
        c["call_sid"]: [
            float(t["voice_to_voice_ms"])
            for t in c["record"].get("turns", [])
            if t.get("voice_to_voice_ms") is not None
        ]
        for c in calls
    }


def to_csv(rows: list[CallRow]) -> str:
    """The rows as CSV (UTF-8, comma separated, ISO times), for spreadsheets."""
    out = io.StringIO()
    fields = list(CallRow.__dataclass_fields__)
    writer = csv.DictWriter(out, fieldnames=fields)
    writer.writeheader()
    for row in rows:
        data = asdict(row)
        data["at"] = row.at.isoformat(timespec="seconds")
        writer.writerow(data)
    return out.getvalue()
