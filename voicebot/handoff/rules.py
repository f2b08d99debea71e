"""When a call goes to a human, and whether humans are there: pure functions."""

from __future__ import annotations

import functools
from datetime import date, datetime, time
from typing import Literal
from zoneinfo import ZoneInfo

import holidays

from voicebot.config import BusinessHours

# What the agent reads for each reason (label, suggested action) is config: `agent_text.reasons`
# and `agent_text.suggestions`, one text per reason (tests/test_handoff_rules.py checks both).
TransferReason = Literal[
    "transfer_requested",
    "frustration",
    "sensitive_topic",
    "repeated_misunderstanding",
    "model_failure",
    "tts_failure",
    "service_draining",
]

_DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def opening_span(text: str) -> tuple[time, time]:
    """The start and end of a validated "HH:MM-HH:MM" span ("24:00" ends at `time.max`)."""
    start, end = text.split("-")
    return time.fromisoformat(start), time.max if end == "24:00" else time.fromisoformat(end)


@functools.cache
def _country_calendar(country: str) -> holidays.HolidayBase:
    return holidays.country_holidays(country)


def _public_holiday(hours: BusinessHours, day: date) -> bool:
    return bool(hours.country_holidays) and day in _country_calendar(hours.country_holidays)


def is_open(hours: BusinessHours, now: datetime) -> bool:
    """Whether agents work at `now` (any timezone-aware datetime), holidays included."""
    local = now.astimezone(ZoneInfo(hours.timezone))
    if local.date().isoformat() in hours.holidays or _public_holiday(hours, local.date()):
        span = hours.holiday_hours
    else:
        span = hours.weekly.get(_DAYS[local.weekday()], "")  # type: ignore[call-overload]
    if not span:
        return False
    start, end = opening_span(span)
    return start <= local.time() <= end if end == time.max else start <= local.time() < end
