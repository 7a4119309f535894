"""``config.settings`` read from the environment, imported in a clean subprocess each time."""

import json
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

BASE_DIR = Path(__file__).resolve().parent.parent
SECRETS = {
    "SECRET_KEY": "a-real-secret-key-for-the-settings-test-0123456789",
    "FIELD_ENCRYPTION_KEYS": "0mMOgI1S6e4qWZ6b7mzj9Wwq0m5Qm8a7qzqW5m3hH0o=",
    "IDENTIFIER_HASH_KEY": "a-real-identifier-hash-key",
}
PROBE = """
import json
try:
    import config.settings as s
except Exception as error:
    print(json.dumps({"error": type(error).__name__, "message": str(error)}))
else:
    print(json.dumps({
        "DEBUG": s.DEBUG,
        "ENGINE": s.DATABASES["default"]["ENGINE"],
        "NAME": str(s.DATABASES["default"]["NAME"]),
        "CELERY_TASK_ALWAYS_EAGER": s.CELERY_TASK_ALWAYS_EAGER,
        "SECRET_KEY": s.SECRET_KEY,
        "FIELD_ENCRYPTION_KEYS": s.FIELD_ENCRYPTION_KEYS,
        "IDENTIFIER_HASH_KEY": s.IDENTIFIER_HASH_KEY,
    }))
"""


def import_settings(tmp_path: Path, **variables: str) -> dict:
    """Import config.settings with only PATH, HOME, ATLANTE_VAR_DIR and ``variables`` set
    (like ``env -i``), and return what it exposes or the error it raised."""
    env = {
        "PATH": "/usr/local/bin:/usr/bin:/bin",
        "HOME": str(tmp_path),
        "ATLANTE_VAR_DIR": str(tmp_path / "var"),
        **variables,
    }
    result = subprocess.run(  # noqa: S603
        [sys.executable, "-c", PROBE],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize(
    "present",
    [
        pytest.param((), id="none"),
        pytest.param(("SECRET_KEY",), id="only-secret-key"),
        pytest.param(("SECRET_KEY", "FIELD_ENCRYPTION_KEYS"), id="no-hash-key"),
        pytest.param(("FIELD_ENCRYPTION_KEYS", "IDENTIFIER_HASH_KEY"), id="no-secret-key"),
    ],
)
def test_debug_off_without_secrets_refuses_to_start(tmp_path, present):
    result = import_settings(tmp_path, DEBUG="false", **{name: SECRETS[name] for name in present})

    missing = [name for name in SECRETS if name not in present]
    assert result["error"] == "ImproperlyConfigured"
    # Exactly the missing ones, in order, and no others.
    assert result["message"].startswith(
        f"DEBUG is off but these secrets are not set: {', '.join(missing)}."
    )
    assert not (tmp_path / "var").exists()


def test_debug_off_with_a_development_secret_key_refuses_to_start(tmp_path):
    result = import_settings(
        tmp_path, DEBUG="false", **{**SECRETS, "SECRET_KEY": "django-insecure-abc"}
    )
    assert result == {
        "error": "ImproperlyConfigured",
        "message": "SECRET_KEY is a development key; set a real one.",
    }


def test_invalid_encryption_key_refuses_to_start(tmp_path):
    result = import_settings(
        tmp_path, DEBUG="false", **{**SECRETS, "FIELD_ENCRYPTION_KEYS": "not-a-fernet-key"}
    )
    assert result["error"] == "ImproperlyConfigured"
    assert "FIELD_ENCRYPTION_KEYS" in result["message"]


def test_debug_off_with_secrets_starts(tmp_path):
    result = import_settings(tmp_path, DEBUG="false", **SECRETS)

    assert result["DEBUG"] is False
    assert result["SECRET_KEY"] == SECRETS["SECRET_KEY"]
    assert result["FIELD_ENCRYPTION_KEYS"] == [SECRETS["FIELD_ENCRYPTION_KEYS"]]
    assert result["IDENTIFIER_HASH_KEY"] == SECRETS["IDENTIFIER_HASH_KEY"]
    # No development secrets are generated when real ones are given.
    assert not (tmp_path / "var").exists()


def test_embedded_default_with_nothing_set(tmp_path):
    result = import_settings(tmp_path)

    var = tmp_path / "var"
    assert result["DEBUG"] is True
    assert result["ENGINE"] == "django.db.backends.sqlite3"
    assert result["NAME"] == str(var / "atlante.sqlite3")
    assert result["CELERY_TASK_ALWAYS_EAGER"] is True
    dev_secrets = json.loads((var / "dev-secrets.json").read_text())
    assert result["SECRET_KEY"] == dev_secrets["SECRET_KEY"]
    assert result["FIELD_ENCRYPTION_KEYS"] == [dev_secrets["FIELD_ENCRYPTION_KEYS"]]
    assert result["IDENTIFIER_HASH_KEY"] == dev_secrets["IDENTIFIER_HASH_KEY"]
    assert (var / "dev-secrets.json").stat().st_mode & 0o777 == 0o600
    # Stable across restarts: a second start reads the same secrets.
    assert import_settings(tmp_path) == result


def test_broker_configured_runs_tasks_on_workers(tmp_path):
    result = import_settings(tmp_path, REDIS_URL="redis://127.0.0.1:6379/0")
    assert result["CELERY_TASK_ALWAYS_EAGER"] is False


def production_environment(tmp_path: Path, **overrides: str) -> dict[str, str]:
    """What a production start is given: DEBUG off, fresh real secrets, the host name and
    the TLS proxy in front."""
    return {
        "PATH": "/usr/local/bin:/usr/bin:/bin",
        "HOME": str(tmp_path),
        "ATLANTE_VAR_DIR": str(tmp_path / "var"),
        "DEBUG": "false",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "FIELD_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
        "IDENTIFIER_HASH_KEY": secrets.token_urlsafe(32),
        "ALLOWED_HOSTS": "atlante.example.org",
        "BEHIND_TLS_PROXY": "true",
        **overrides,
    }


def check_deploy(env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_check_deploy_is_clean_with_production_settings(tmp_path):
    result = check_deploy(production_environment(tmp_path))

    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout
    assert "WARNING" not in result.stdout + result.stderr
    assert not (tmp_path / "var").exists()


def test_check_deploy_fails_on_a_weakened_setting(tmp_path):
    """The check is the real one: turning HSTS off is reported and fails the run."""
    result = check_deploy(production_environment(tmp_path, SECURE_HSTS_SECONDS="0"))

    assert result.returncode == 1
    assert "security.W004" in result.stderr
