"""Config files: typed, validated, every error with its line and a hint."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from pydantic import BaseModel

from voicebot.config import DEFAULTS_FILE, Settings, load_settings
from voicebot.config_check import check

BAD = """\
server:
  port: 99999
audio:
  end_of_turn_silence_ms: 20
  barge_in_mss: 300
tts:
  backend: festival
handoff:
  agents:
    - id: ana
      name: Ana
      phone: "3001234567"
      password_hash: x
  business_hours:
    country_holidays: XX
kpi:
  risk_score: 0
"""


def test_every_error_has_path_line_and_hint(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(BAD)
    problems = check(path)
    assert [p.split(": ")[0:2] for p in problems] == [
        [f"{path}:2", "server.port"],
        [f"{path}:4", "audio.end_of_turn_silence_ms"],
        [f"{path}:5", "audio.barge_in_mss"],
        [f"{path}:7", "tts.backend"],
        [f"{path}:12", "handoff.agents.0.phone"],
        [f"{path}:15", "handoff.business_hours.country_holidays"],
        [f"{path}:17", "kpi.risk_score"],
    ]
    assert "'XX' is not a country python-holidays knows (try CO)" in problems[5]
    assert all("(hint: " in p for p in problems)


def test_broken_yaml_and_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "broken.yaml"
    path.write_text("server:\n  port: [1, 2\n")
    (problem,) = check(path)
    assert problem.startswith(f"{path}:") and "not valid YAML" in problem
    assert "cannot read" in check(tmp_path / "missing.yaml")[0]


def test_a_good_file_and_environment_secrets(tmp_path: Path) -> None:
    path = tmp_path / "good.yaml"
    path.write_text("store:\n  name: Tienda X\n")
    assert check(path) == []
    settings = load_settings(path, environ={"VOICEBOT_TWILIO__AUTH_TOKEN": "s3cret"})
    assert settings.store.name == "Tienda X"
    assert settings.twilio.auth_token.get_secret_value() == "s3cret"
    assert "s3cret" not in repr(settings)  # secrets never print


def test_secrets_from_files_as_docker_and_kubernetes_mount_them(tmp_path: Path) -> None:
    secret = tmp_path / "twilio_token"
    secret.write_text("from-a-file\n")
    env = {"VOICEBOT_TWILIO__AUTH_TOKEN_FILE": str(secret),
           "VOICEBOT_TWILIO__PREVIOUS_AUTH_TOKEN": "old-one"}  # fmt: skip
    settings = load_settings(environ=env)
    assert settings.twilio.accepted_tokens() == ["from-a-file", "old-one"]
    with pytest.raises(ValueError, match="VOICEBOT_TWILIO__AUTH_TOKEN_FILE: cannot read"):
        load_settings(environ={"VOICEBOT_TWILIO__AUTH_TOKEN_FILE": str(tmp_path / "none")})


def test_the_service_refuses_to_start_on_a_bad_file(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(BAD)
    out = subprocess.run(
        [sys.executable, "-m", "voicebot", "--config", str(path), "serve"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert out.returncode == 1 and "server.port" in out.stderr


def _disagreements(model: type[BaseModel], data: dict[str, Any], path: str) -> list[str]:
    """Keys of defaults.yaml whose code default says something else (recursing into sections)."""
    out = []
    for key, value in data.items():
        field = model.model_fields[key]
        sub = field.annotation
        if isinstance(sub, type) and issubclass(sub, BaseModel) and isinstance(value, dict):
            out += _disagreements(sub, value, f"{path}{key}.")
        elif not field.is_required():
            default = field.get_default(call_default_factory=True)
            # An empty code default means "none until configured" (no holidays, no keyword
            # lists, no FAQ): the packaged file's value is then the one source of that content.
            if default != value and default not in ("", [], {}):
                out.append(f"{path}{key}: code {default!r}, defaults.yaml {value!r}")
    return out


@pytest.mark.fast
def test_code_defaults_agree_with_the_packaged_defaults_file() -> None:
    """One source of defaults: a knob the packaged file sets has the same default in code (or
    none, or an empty one), so a section built in code behaves as the running service does."""
    data = yaml.safe_load(DEFAULTS_FILE.read_text(encoding="utf-8"))
    assert _disagreements(Settings, data, "") == []
    # and the checker does see a disagreement
    assert _disagreements(Settings, {"audio": {"barge_in_ms": 1}}, "") == [
        "audio.barge_in_ms: code 600, defaults.yaml 1"
    ]
