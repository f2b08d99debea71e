"""The KPI page for managers (/ops) and its CSV export (/ops/calls.csv).

Who may see it: a desk agent marked `supervisor` (logged in at /agent), or a script with the
admin bearer token. The page lists calls, so each view is an audited data access.
"""

from __future__ import annotations

import html
from datetime import UTC, datetime, timedelta
from importlib import resources
from typing import Any
from zoneinfo import ZoneInfo

import pygal
import structlog
from aiohttp import web
from babel.dates import format_date
from pygal.style import Style

from voicebot.access import ACTOR, require_bearer, requires
from voicebot.config import OpsTexts
from voicebot.dialogue.retail import cop
from voicebot.handoff.web import OPS_CSP, current_agent, secure_pages
from voicebot.metrics.kpi import CallRow, Day, call_rows, daily, summarise, to_csv, turn_latencies
from voicebot.services import SERVICES, Services

log = structlog.get_logger(__name__)

FRICTION_ROWS = 20
# The page's HTML and CSS are package files (metrics/static/); the CSS is inlined because the
# page's Content-Security-Policy allows no stylesheet from elsewhere.
_STATIC = resources.files("voicebot.metrics") / "static"
OPS_PAGE = (_STATIC / "ops.html").read_text(encoding="utf-8")
OPS_CSS = (_STATIC / "ops.css").read_text(encoding="utf-8")
_STYLE = Style(
    background="white", plot_background="white", colors=("#1d3557", "#e63946"),
    font_family="system-ui, sans-serif", label_font_size=11, major_label_font_size=11,
    title_font_size=14, legend_font_size=11,
)  # fmt: skip


async def supervisor(request: web.Request) -> str:
    """The access check of the KPI pages: `admin` (bearer token) or a supervisor's id; else
    401/403/login."""
    services = request.config_dict[SERVICES]
    if request.headers.get("Authorization"):
        require_bearer(request, services.settings.governance.admin_token.get_secret_value())
        return "admin"
    found = await current_agent(request)
    if found is None:
        raise web.HTTPSeeOther("/agent?next=/ops")
    agent = found[0]
    if not agent.supervisor:
        raise web.HTTPForbidden(text="the KPI page is for supervisors")
    return agent.id


async def _period(request: web.Request) -> tuple[list[CallRow], list[Day], Day]:
    """The calls of the last `?days=` days (default `kpi.ops_days`): rows, each day's KPIs and
    the whole period's."""
    services = request.config_dict[SERVICES]
    if services.records is None:
        raise web.HTTPServiceUnavailable(text="no records database configured")
    settings = services.settings
    try:
        days = int(request.query.get("days", settings.kpi.ops_days))
    except ValueError:
        raise web.HTTPBadRequest(text="days must be a whole number") from None
    days = max(1, min(days, 400))
    zone = settings.handoff.business_hours.timezone
    today = datetime.now(ZoneInfo(zone)).date()
    first = today - timedelta(days=days - 1)
    since = datetime.combine(first, datetime.min.time(), ZoneInfo(zone)).astimezone(UTC)
    calls = await services.records.calls_since(since)
    rows = call_rows(calls, settings.kpi.fcr_window_days, settings.agent_text.risks)
    latencies = turn_latencies(calls)
    return rows, daily(rows, latencies, first, today, zone), summarise(first, rows, latencies)


async def _audit(services: Services, viewer: str, action: str, detail: dict[str, Any]) -> None:
    if services.records is not None:
        await services.records.audit(f"ops:{viewer}", action, detail, "shown")


@requires("supervisor")
async def ops_page(request: web.Request) -> web.Response:
    viewer = request[ACTOR]
    services = request.config_dict[SERVICES]
    rows, days, period = await _period(request)
    await _audit(services, viewer, "ops:view", {"calls": len(rows), "days": len(days)})
    settings = services.settings
    page = render_page(rows, days, period, settings.store.name, viewer,
                       settings.handoff.business_hours.timezone, settings.agent_text.ops)  # fmt: skip
    return web.Response(text=page, content_type="text/html")


@requires("supervisor")
async def ops_csv(request: web.Request) -> web.Response:
    viewer = request[ACTOR]
    services = request.config_dict[SERVICES]
    rows, days, _period_kpis = await _period(request)
    await _audit(services, viewer, "ops:export", {"calls": len(rows), "days": len(days)})
    name = services.settings.agent_text.ops.csv_name.replace('"', "")
    return web.Response(
        text=to_csv(rows),
        content_type="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


def _chart(
    title: str, labels: list[str], series: dict[str, list[float | None]], no_data: str
) -> str:
    chart = pygal.Line(
        style=_STYLE, width=560, height=260, show_legend=len(series) > 1,
        legend_at_bottom=True, x_label_rotation=0, show_minor_x_labels=False,
        js=[], disable_xml_declaration=True, allow_interruptions=True, title=title,
        no_data_text=no_data, dots_size=3, truncate_label=-1,
    )  # fmt: skip
    chart.x_labels = labels
    chart.x_labels_major = labels[:: max(1, len(labels) // 7)]
    for name, values in series.items():
        chart.add(name, values)
    return str(chart.render(is_unicode=True))


def _fmt(value: float | None, suffix: str = "") -> str:
    return "—" if value is None else f"{value:g}{suffix}"


def render_page(
    rows: list[CallRow], days: list[Day], period: Day, store: str, viewer: str, tz: str,
    texts: OpsTexts,
) -> str:  # fmt: skip
    """The whole page: period totals, one plot per KPI, the calls with the most friction;
    its fixed text is in static/ops.html, what code words is `texts` (`agent_text.ops`)."""
    labels = [format_date(d.day, "d MMM", locale="es_CO") for d in days]
    t = texts
    charts: list[tuple[str, dict[str, list[float | None]]]] = [
        (t.aht_chart, {"AHT": [d.aht_s for d in days]}),
        (t.fcr_chart, {"FCR": [d.fcr_pct for d in days]}),
        (t.csat_chart, {"CSAT": [d.csat for d in days]}),
        (t.containment_chart, {t.containment: [d.containment_pct for d in days]}),
        (t.revenue_chart, {t.revenue: [d.revenue_cop for d in days]}),
        (t.latency_chart,
         {"p50": [d.latency_p50_ms for d in days], "p95": [d.latency_p95_ms for d in days]}),
    ]  # fmt: skip
    worst = sorted(rows, key=lambda r: (r.risk, r.friction), reverse=True)[:FRICTION_ROWS]
    worst = [r for r in worst if r.friction or r.risk]
    lines = (
        "".join(
            f'<tr class="{"risk" if r.risk else ""}"><td>{r.at.astimezone(ZoneInfo(tz)):%Y-%m-%d %H:%M}</td>'
            f"<td>{html.escape(r.customer)}</td><td>{r.duration_s:.0f} s</td>"
            f"<td>{html.escape(r.ended_by)}</td><td>{r.friction}</td>"
            f"<td>{html.escape(r.reasons) or '—'}</td><td><code>{html.escape(r.call_sid)}</code></td></tr>"
            for r in worst
        )
        or f'<tr><td colspan="7" class="empty">{html.escape(t.no_friction)}</td></tr>'
    )
    tiles = {
        "calls": str(period.calls),
        "aht": _fmt(period.aht_s, " s"),
        "fcr": _fmt(period.fcr_pct, " %"),
        "containment": _fmt(period.containment_pct, " %"),
        "csat": _fmt(period.csat, " / 5"),
        "revenue": cop(period.revenue_cop),
        "p50": _fmt(period.latency_p50_ms, " ms"),
        "p95": _fmt(period.latency_p95_ms, " ms"),
        "at_risk": str(period.at_risk),
    }
    plots = "".join(
        f'<figure class="plot">{_chart(title, labels, series, t.no_data)}</figure>'
        for title, series in charts
    )
    return OPS_PAGE.format(
        store=html.escape(store), viewer=html.escape(viewer), days=len(days),
        first=days[0].day.isoformat(), last=days[-1].day.isoformat(), plots=plots, lines=lines,
        css=OPS_CSS, **{name: html.escape(value) for name, value in tiles.items()},
    )  # fmt: skip


def ops_app() -> web.Application:
    """The KPI pages, mounted at `/ops`."""
    app = web.Application()
    secure_pages(app, OPS_CSP)
    app.router.add_get("", ops_page)
    app.router.add_get("/calls.csv", ops_csv)
    return app
