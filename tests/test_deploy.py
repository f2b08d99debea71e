"""The production layout (scripts/deploy): its config passes our own check, the manifests
agree with it, and every secret they mount is one the settings read."""

from __future__ import annotations

from pathlib import Path

import yaml

from voicebot.config import load_settings
from voicebot.config_check import check

DEPLOY = Path(__file__).resolve().parent.parent / "scripts" / "deploy"


def manifests() -> dict[str, dict]:  # type: ignore[type-arg]
    docs = [d for f in sorted((DEPLOY / "k8s").glob("*.yaml"))
            for d in yaml.safe_load_all(f.read_text())]  # fmt: skip
    return {f"{d['kind']}/{d['metadata']['name']}": d for d in docs}


def test_the_deploy_config_is_valid_and_the_configmap_carries_it_verbatim() -> None:
    assert check(DEPLOY / "voicebot.yaml") == []
    configmap = manifests()["ConfigMap/voicebot-config"]
    assert configmap["data"]["voicebot.yaml"] == (DEPLOY / "voicebot.yaml").read_text()


def test_replicas_share_redis_and_postgresql_and_drain_before_they_are_killed() -> None:
    settings = load_settings(DEPLOY / "voicebot.yaml", environ={})
    assert settings.server.redis_url.startswith("redis://redis:")
    assert settings.store.database_url.startswith("postgresql+asyncpg://")
    k8s = manifests()
    pod = k8s["Deployment/voicebot"]["spec"]["template"]["spec"]
    assert pod["terminationGracePeriodSeconds"] > settings.server.drain_timeout_s
    (container,) = pod["containers"]
    assert container["readinessProbe"]["httpGet"]["path"] == "/readyz"
    assert container["livenessProbe"]["httpGet"]["path"] == "/healthz"
    assert {"Service/redis", "StatefulSet/postgres", "Deployment/vllm"} <= set(k8s)
    assert settings.llm.backend == "openai" and settings.llm.base_url.startswith("http://vllm:")
    compose = yaml.safe_load((DEPLOY / "docker-compose.yml").read_text())
    grace = int(compose["services"]["voicebot"]["stop_grace_period"].rstrip("s"))
    assert grace > settings.server.drain_timeout_s
    assert compose["services"]["voicebot"]["deploy"]["replicas"] >= 2
    assert "Upgrade $http_upgrade" in (DEPLOY / "nginx.conf").read_text()  # websockets


def test_every_mounted_secret_is_a_setting(tmp_path: Path) -> None:
    k8s = manifests()
    (container,) = k8s["Deployment/voicebot"]["spec"]["template"]["spec"]["containers"]
    compose = yaml.safe_load((DEPLOY / "docker-compose.yml").read_text())
    for env in ({e["name"]: e["value"] for e in container["env"]},
                compose["services"]["voicebot"]["environment"]):  # fmt: skip
        files = {}
        for i, name in enumerate(env):
            secret = tmp_path / f"secret{i}"
            secret.write_text(f"value-{i}\n")
            files[name] = str(secret)
        settings = load_settings(DEPLOY / "voicebot.yaml", environ=files)
        assert settings.twilio.auth_token.get_secret_value() == "value-0"
        assert settings.governance.admin_token.get_secret_value() == "value-1"
        assert settings.handoff.session_secret.get_secret_value() == "value-2"
        # the database and Redis URLs, with their passwords, come from secrets too
        assert settings.store.database_url == "value-3"
        assert settings.server.redis_url == "value-4"


def test_postgresql_and_redis_need_passwords_and_monitoring_is_not_public() -> None:
    k8s = manifests()
    (redis,) = k8s["Deployment/redis"]["spec"]["template"]["spec"]["containers"]
    assert "--requirepass" in redis["args"]
    (pg,) = k8s["StatefulSet/postgres"]["spec"]["template"]["spec"]["containers"]
    env = {e["name"]: e for e in pg["env"]}
    assert "POSTGRES_HOST_AUTH_METHOD" not in env and "secretKeyRef" in str(
        env["POSTGRES_PASSWORD"]
    )
    compose = yaml.safe_load((DEPLOY / "docker-compose.yml").read_text())
    assert "--requirepass" in str(compose["services"]["redis"])
    pg_env = compose["services"]["postgres"]["environment"]
    assert "POSTGRES_HOST_AUTH_METHOD" not in pg_env and "POSTGRES_PASSWORD_FILE" in pg_env
    # the public entry points route the service's public paths only
    rules = k8s["Ingress/voicebot"]["spec"]["rules"]
    paths = {p["path"] for rule in rules for p in rule["http"]["paths"]}
    assert "/" not in paths and not {"/metrics", "/readyz", "/healthz"} & paths
    assert {"/twilio", "/agent"} <= paths
    nginx = (DEPLOY / "nginx.conf").read_text()
    assert "location / { return 404; }" in nginx and "metrics" not in nginx.split("location ~")[1]
