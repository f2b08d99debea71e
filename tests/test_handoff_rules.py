from datetime import UTC, datetime
from typing import get_args

import pytest
from pydantic import SecretStr

from voicebot.config import Agent, BusinessHours, ReasonLabels, Suggestions, packaged_agent_text
from voicebot.handoff.desk import check_password, cookie_session, hash_password, session_cookie
from voicebot.handoff.rules import TransferReason, is_open
from voicebot.handoff.summary import summarize

HOURS = BusinessHours(
    timezone="America/Bogota",
    weekly={"mon": "09:00-20:00", "sun": "10:00-18:00"},
    holidays=["2026-12-08"],
    holiday_hours="",
)


def test_business_hours_in_bogota_time() -> None:
    # Monday 2026-11-30 14:30 UTC is 09:30 in Bogotá (UTC-5)
    assert is_open(HOURS, datetime(2026, 11, 30, 14, 30, tzinfo=UTC))
    assert not is_open(HOURS, datetime(2026, 11, 30, 13, 30, tzinfo=UTC))  # 08:30
    assert not is_open(HOURS, datetime(2026, 12, 1, 15, 0, tzinfo=UTC))  # Tuesday: closed
    assert not is_open(HOURS, datetime(2026, 12, 8, 15, 0, tzinfo=UTC))  # holiday, closed
    always = BusinessHours(weekly={"mon": "00:00-24:00"})
    assert is_open(always, datetime(2026, 12, 1, 4, 59, 59, tzinfo=UTC))  # Mon 23:59:59 local


def test_colombian_public_holidays_follow_ley_emiliani() -> None:
    # Independencia de Cartagena (11 Nov) moved to Monday 16 Nov 2026; Reyes to Mon 11 Jan 2027
    hours = BusinessHours(weekly={"mon": "09:00-20:00"}, country_holidays="co",
                          holiday_hours="10:00-14:00")  # fmt: skip
    assert hours.country_holidays == "CO"
    assert not is_open(hours, datetime(2026, 11, 16, 20, 0, tzinfo=UTC))  # 15:00: holiday hours
    assert is_open(hours, datetime(2026, 11, 16, 16, 0, tzinfo=UTC))  # 11:00
    assert not is_open(hours, datetime(2027, 1, 11, 20, 0, tzinfo=UTC))
    assert is_open(hours, datetime(2026, 11, 23, 20, 0, tzinfo=UTC))  # an ordinary Monday
    plain = BusinessHours(weekly={"mon": "09:00-20:00"})
    assert is_open(plain, datetime(2026, 11, 16, 20, 0, tzinfo=UTC))  # no country: no calendar


def test_summary_comes_from_the_transcript_redacted() -> None:
    transcript = [
        {"role": "bot", "text": "Hola, gracias por llamar."},
        {
            "role": "caller",
            "text": "Mi pedido 45721 no llega, esto es pésimo. Mi tarjeta 4111 1111 1111 1111",
        },
        {"role": "bot", "text": "Con gusto lo reviso."},
        {"role": "caller", "text": "Quiero hablar con un asesor"},
    ]
    s = summarize(transcript, "transfer_requested", "+573001234567", ["pésimo"])
    assert s.motive == (  # clean words
        "estado de un pedido: pedido 45721, dio datos personales que no se muestran: "
        "[tarjeta]; pide un asesor"
    )
    assert "4111" not in s.spoken()
    assert s.references == ["45721"]
    assert s.sentiment == "molesto" and s.customer == "llama desde +57 *** *** 4567"
    assert s.bot_actions == ["Respondió: «Con gusto lo reviso.»"]
    said = " ".join(t["text"] for t in transcript)
    import re

    assert all(n in said for n in re.findall(r"\d+", s.spoken()))  # no invented numbers


def test_passwords_and_session_cookies() -> None:
    stored = hash_password("clave-segura")
    assert check_password("clave-segura", stored) and not check_password("otra", stored)
    ana = Agent(id="ana", name="Ana", phone="+573001112233", password_hash=SecretStr(stored))
    bob = ana.model_copy(update={"id": "bob"})
    agents = {"ana": ana, "bob": bob}
    cookie = session_cookie(b"k", ana)
    found = cookie_session(b"k", cookie, agents)
    assert found is not None and found[0].id == "ana"
    assert cookie_session(b"other", cookie, agents) is None
    assert cookie_session(b"k", cookie.replace("ana", "bob"), agents) is None
    assert cookie_session(b"k", session_cookie(b"k", ana, ttl_s=-1), agents) is None
    # a new password (or the agent removed from config) ends the login
    changed = ana.model_copy(update={"password_hash": SecretStr(hash_password("nueva"))})
    assert cookie_session(b"k", cookie, {"ana": changed}) is None
    assert cookie_session(b"k", cookie, {}) is None


def test_a_week_in_config_replaces_the_default_week() -> None:
    from voicebot.config import load_settings

    s = load_settings(
        overrides={"handoff": {"business_hours": {"weekly": {"mon": "08:00-12:00"}}}}, environ={}
    )
    assert s.handoff.business_hours.weekly == {"mon": "08:00-12:00"}


@pytest.mark.fast
def test_every_transfer_reason_has_its_label_and_suggestion_in_config() -> None:
    texts = packaged_agent_text()
    reasons = set(get_args(TransferReason))
    assert set(ReasonLabels.model_fields) == reasons
    assert set(Suggestions.model_fields) == reasons | {"other"}
    s = summarize([], "model_failure", "", [])
    assert s.reason == "falla técnica del asistente" and s.customer == "número oculto"
    assert s.suggested_action == texts.suggestions.model_failure
    assert summarize([], "x", "", []).suggested_action == texts.suggestions.other  # unknown
    assert summarize([], "x", "", []).reason == "x"


@pytest.mark.fast
def test_the_summary_is_worded_by_the_running_config() -> None:
    from voicebot.config import load_settings

    settings = load_settings(
        overrides={"agent_text": {"reasons": {"frustration": "cliente enojado"},
                                  "summary": {"spoken": "{reason} / {suggestion}"}}},
        environ={},
    )  # fmt: skip
    texts = settings.agent_text
    s = summarize([{"role": "caller", "text": "Pésimo"}], "frustration", "", [], texts=texts)
    assert s.reason == "cliente enojado" and s.sentiment == "molesto"
    assert s.spoken(texts) == f"cliente enojado / {texts.suggestions.frustration}"
    assert s.spoken().startswith(
        "Motivo: sin motivo claro; dijo: «Pésimo». Razón: cliente enojado. Cliente molesto."
    )
