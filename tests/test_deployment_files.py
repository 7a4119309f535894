"""docker-compose.yml runs the whole stack from one image (no Docker engine runs here, so
the file is checked for what it must contain, and its commands against the project)."""

from pathlib import Path

import yaml

from config.celery import app as celery_app

ROOT = Path(__file__).resolve().parents[1]


def compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def test_the_stack_has_its_five_processes_from_one_image():
    services = compose()["services"]
    assert {"postgres", "redis", "web", "worker", "beat"} <= set(services)
    app_services = ["web", "worker", "beat", "migrate"]
    assert {services[name]["image"] for name in app_services} == {"atlante:latest"}
    assert {services[name]["build"] for name in app_services} == {"."}
    assert services["worker"]["command"][:4] == ["celery", "-A", "config", "worker"]
    assert services["beat"]["command"][:4] == ["celery", "-A", "config", "beat"]
    assert celery_app.main == "atlante"


def test_the_app_runs_with_debug_off_against_postgres_and_redis():
    for name in ("web", "worker", "beat"):
        environment = compose()["services"][name]["environment"]
        assert environment["DEBUG"] == "false"
        assert environment["DATABASE_URL"].startswith("postgres://")
        assert environment["REDIS_URL"].startswith("redis://redis:6379")


def test_no_secret_is_written_in_the_compose_file():
    text = (ROOT / "docker-compose.yml").read_text()
    for name in ("SECRET_KEY", "FIELD_ENCRYPTION_KEYS", "IDENTIFIER_HASH_KEY"):
        assert name not in text
