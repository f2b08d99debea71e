"""Prometheus metrics of one service process (served at /metrics)."""

from __future__ import annotations

from collections import Counter as Tally
from collections.abc import Iterator
from typing import TYPE_CHECKING

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily
from prometheus_client.registry import Collector

if TYPE_CHECKING:
    from voicebot.call.record import CallRecord

STAGES = ("voice_to_voice", "endpoint", "asr", "llm_first_token", "tts_first_audio")
_BUCKETS = (0.05, 0.1, 0.2, 0.3, 0.5, 0.7, 1.0, 1.5, 2.0, 3.0, 5.0, 8.0)


class Metrics:
    """Counters and histograms; a registry per app so test servers do not collide."""

    def __init__(self, tts_counts: Tally[tuple[str, str]] | None = None) -> None:
        self.registry = r = CollectorRegistry()
        if tts_counts is not None:
            r.register(_VoiceChoices(tts_counts))

        def counter(name: str, doc: str, labels: tuple[str, ...] = ()) -> Counter:
            return Counter(name, doc, labels, registry=r)

        self.calls = counter("voicebot_calls", "Calls answered")
        self.active = Gauge("voicebot_active_calls", "Calls in progress", registry=r)
        self.ended = counter(
            "voicebot_calls_ended", "Calls ended, by who and why", ("ended_by", "reason")
        )
        self.barge_ins = counter("voicebot_barge_ins", "Caller interruptions")
        self.turns = counter("voicebot_turns", "Caller turns answered")
        self.protocol_errors = counter(
            "voicebot_protocol_errors", "Malformed or unexpected stream messages"
        )
        self.rejected = counter("voicebot_rejected_requests", "Requests refused", ("reason",))
        self.contained = counter(
            "voicebot_calls_contained", "Calls the bot resolved without a person (containment)"
        )
        self.revenue = counter(
            "voicebot_revenue_cop", "Revenue attributed to calls (cart links, cross-sell)"
        )
        self.tool_calls = counter("voicebot_tool_calls", "Store tool calls", ("tool", "ok"))
        self.csat = counter("voicebot_csat", "Post-call survey ratings (1-5)", ("score",))
        self.consent = counter("voicebot_consent_answers", "Consent answers", ("answer",))
        self.desk_drops = counter(
            "voicebot_desk_streams_dropped",
            "Agent desk pages dropped for not reading their updates (bounded queues)",
        )
        self.latency = Histogram(
            "voicebot_stage_seconds",
            "Per-turn latency by stage",
            ["stage"],
            buckets=_BUCKETS,
            registry=r,
        )

    def call_finished(self, record: CallRecord) -> None:
        self.ended.labels(record.ended_by or "caller", record.end_reason or "hangup").inc()
        self.barge_ins.inc(record.barge_ins)
        outcome = record.outcome
        if outcome.get("resolved") and record.ended_by != "transfer":
            self.contained.inc()
        self.revenue.inc(outcome.get("revenue_cop", 0))
        for tool in outcome.get("tool_calls", []):
            self.tool_calls.labels(tool["name"], str(tool["ok"]).lower()).inc()
        if record.csat is not None:
            self.csat.labels(str(record.csat)).inc()
        if record.consent != "not_asked":
            self.consent.labels(record.consent).inc()
        for turn in record.turns:
            self.turns.inc()
            for stage in STAGES:
                value = getattr(turn, f"{stage}_ms")
                if value is not None:
                    self.latency.labels(stage).observe(value / 1000)

    def render(self) -> bytes:
        return generate_latest(self.registry)


class _VoiceChoices(Collector):
    """The voice chain's tally (shared by every app of the process), read at each scrape."""

    def __init__(self, counts: Tally[tuple[str, str]]) -> None:
        self._counts = counts

    def collect(self) -> Iterator[CounterMetricFamily]:
        family = CounterMetricFamily(
            "voicebot_tts_choices",
            "Clauses said per voice and why (default, cached, budget, fallback), voice failures "
            "(failed) and voices that could not load (unavailable)",
            labels=("voice", "reason"),
        )
        for (voice, reason), n in sorted(self._counts.items()):
            family.add_metric([voice, reason], n)
        yield family
