"""Test settings: the real PostgreSQL and Redis of the machine unless told otherwise."""

import os

os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/atlante")
os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/15")

from config.settings import *  # noqa: F403

# Tests compare exact messages in English; the Italian catalogue has its own tests.
LANGUAGE_CODE = "en"
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# Fixed keys so that tests are reproducible; never used outside tests.
FIELD_ENCRYPTION_KEYS = ["0mMOgI1S6e4qWZ6b7mzj9Wwq0m5Qm8a7qzqW5m3hH0o="]
IDENTIFIER_HASH_KEY = "test-identifier-hash-key"
# Unit tests run jobs inline; the job tests start a real worker against REDIS_URL.
CELERY_TASK_ALWAYS_EAGER = True
# Static files are served from the finders in tests; there is no collectstatic output.
WHITENOISE_AUTOREFRESH = True
# Rate limits are tested on their own (tests/api/test_rate_limits.py) with small numbers.
API_RATE_LIMITS = {"partner": 1_000_000, "user": 1_000_000, "anonymous": 1_000_000}
# Edits do not schedule coverage runs, except in the test that starts a real worker.
COVERAGE_RECOMPUTE_ON_CHANGE = False
