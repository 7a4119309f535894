"""Settings for every environment, read from environment variables (12-factor).

With no variable set, Atlante runs on its embedded default: SQLite under ``var/``, Celery
tasks executed inline, ``DEBUG`` on and development secrets generated once under ``var/``.
With ``DEBUG`` off it refuses to start without real secrets.
"""

from pathlib import Path

import environ
from celery.schedules import crontab
from cryptography.fernet import Fernet
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from config.dev_secrets import load_or_create

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(environ.Env().str("ATLANTE_VAR_DIR", default=str(BASE_DIR / "var")))

env = environ.Env()
if (BASE_DIR / ".env").exists():
    env.read_env(BASE_DIR / ".env")

DEBUG = env.bool("DEBUG", default=True)

_SECRET_NAMES = ("SECRET_KEY", "FIELD_ENCRYPTION_KEYS", "IDENTIFIER_HASH_KEY")
_missing = [name for name in _SECRET_NAMES if not env.str(name, default="")]
if _missing and not DEBUG:
    raise ImproperlyConfigured(
        "DEBUG is off but these secrets are not set: "
        + ", ".join(_missing)
        + ". Generate them with `DEBUG=true python manage.py generate_keys`."
    )
_dev = load_or_create(VAR_DIR / "dev-secrets.json") if _missing else {}

SECRET_KEY = env.str("SECRET_KEY", default="") or _dev["SECRET_KEY"]
SECRET_KEY_FALLBACKS = env.list("SECRET_KEY_FALLBACKS", default=[])
# Fernet keys (url-safe base64, 32 bytes), newest first: the first encrypts, all decrypt.
FIELD_ENCRYPTION_KEYS = env.list("FIELD_ENCRYPTION_KEYS", default=[]) or [
    _dev["FIELD_ENCRYPTION_KEYS"]
]
# Key of the HMAC that turns a normalised identifier into a look-up hash. It cannot be
# rotated without re-hashing every stored identifier, so it is kept apart from the rest.
IDENTIFIER_HASH_KEY = env.str("IDENTIFIER_HASH_KEY", default="") or _dev["IDENTIFIER_HASH_KEY"]
if not DEBUG and SECRET_KEY.startswith("django-insecure"):
    raise ImproperlyConfigured("SECRET_KEY is a development key; set a real one.")
for _key in FIELD_ENCRYPTION_KEYS:
    try:
        Fernet(_key.encode())
    except ValueError:
        raise ImproperlyConfigured(
            "FIELD_ENCRYPTION_KEYS must hold url-safe base64 keys of 32 bytes "
            "(see `manage.py generate_keys`)."
        ) from None

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "dashboards.apps.AtlanteAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "oauth2_provider",
    # Before auditlog: core's ``auditlogflush`` (append-only access log) shadows auditlog's.
    "core",
    "auditlog",
    "pgtrigger",
    "csp",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "axes",
    "registry",
    "services",
    "security",
    "beneficiaries",
    "housing",
    "hsds",
    "partners",
    "gaps",
    "django_htmx",
    "workspace",
    "dashboards.apps.DashboardsConfig",
    # Last: the demo data stands on every app and nothing stands on it.
    "demo",
]
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_permissions_policy.PermissionsPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    # The second-factor gate: nothing opens on a password alone (security/mfa/).
    "security.mfa.middleware.MFARequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # Idle timeout and absolute limit of sessions; no-store on answers that may hold
    # personal data. After the user, second factor and messages are known.
    "security.sessions.SessionLimitsMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Which door a write came through, for the change audit (core/channel.py).
    "core.channel.ChannelMiddleware",
    # Last, as django-axes asks: it answers a locked-out login.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "workspace.context_processors.language_switch",
            ],
        },
    },
]

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'atlante.sqlite3'}"),
}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=0))
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # JIT compilation never pays for the short queries of a web request, and a query the
    # planner over-estimates pays hundreds of ms for it (docs/performance.md, API).
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault("options", "-c jit=off")
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the dev server read while a seed writes.
    DATABASES["default"].setdefault("OPTIONS", {})["init_command"] = "PRAGMA journal_mode=WAL;"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTHENTICATION_BACKENDS = [
    # First: refuses a locked-out username and address before the password is checked.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

# At least 12 characters, at most 128, not one of Django's 20,000 common passwords, not
# like the username or email, not all digits (ASVS 5.0 6.2; security/passwords.py).
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "security.passwords.MaximumLengthValidator", "OPTIONS": {"max_length": 128}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LOGIN_URL = "workspace:login"
LOGIN_REDIRECT_URL = "workspace:home"
LOGOUT_REDIRECT_URL = "workspace:login"

LANGUAGE_CODE = "it"
LANGUAGES = [("it", _("Italian")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Europe/Rome"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

# Celery: with no broker configured, tasks run inline (the embedded default).
REDIS_URL = env.str("REDIS_URL", default="")
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default=REDIS_URL)
CELERY_RESULT_BACKEND = env.str("CELERY_RESULT_BACKEND", default=REDIS_URL or None)
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
# How often the dashboards' facts are refreshed (their figures are as of the last refresh).
DASHBOARD_FACTS_REFRESH_SECONDS = env.int("DASHBOARD_FACTS_REFRESH_SECONDS", default=300)
CELERY_BEAT_SCHEDULE = {
    "clear-expired-partner-tokens": {
        "task": "partners.tasks.clear_expired_tokens",
        "schedule": 60 * 60,
    },
    # Coverage of all metropolitan cities, every night at 02:30 (Europe/Rome).
    "coverage-all-nightly": {
        "task": "gaps.tasks.compute_coverage",
        "schedule": crontab(hour=2, minute=30),
    },
    # The dashboards' facts on cases, referrals and services (dashboards/models.py).
    "dashboard-facts": {
        "task": "dashboards.tasks.refresh_dashboard_facts",
        "schedule": DASHBOARD_FACTS_REFRESH_SECONDS,
    },
}
# A coverage run still "running" after this long died with its process.
COVERAGE_RUN_TIMEOUT = env.int("COVERAGE_RUN_TIMEOUT", default=1800)
# Edits within this many seconds of the first one are covered by the same run.
COVERAGE_COALESCE_SECONDS = env.int("COVERAGE_COALESCE_SECONDS", default=30)
# With a broker, edits schedule a recomputation; inline (no broker) they would make every
# save wait for a whole run, so there coverage is computed by hand or on schedule.
COVERAGE_RECOMPUTE_ON_CHANGE = env.bool(
    "COVERAGE_RECOMPUTE_ON_CHANGE", default=not CELERY_TASK_ALWAYS_EAGER
)
CELERY_TIMEZONE = TIME_ZONE

# The shared cache holds the API rate-limit counters, so that every web process counts
# the same client together; without Redis (the embedded default) it is per process.
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
    if REDIS_URL
    else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
}

REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "core.api.base.AtlanteAutoSchema",
    # Partner systems present an OAuth2 bearer token; people in the browser their session.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "partners.authentication.PartnerTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["core.api.permissions.EndpointRule"],
    "DEFAULT_THROTTLE_CLASSES": ["core.api.throttling.ClientRateThrottle"],
    # JSON only: DRF's browsable pages style themselves inline, which the Content-Security-
    # Policy refuses; people read the API in Swagger UI (/api/v1/docs/) or Redoc.
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
}
# Who may call which endpoint: the roles' permissions, read by core.api.permissions.
API_ROLE_PERMISSIONS = "services.roles.role_permissions"
# Requests per minute and per client: an OAuth2 application, a signed-in user, or an
# anonymous caller's address. Above the limit the API answers 429 with Retry-After.
API_RATE_LIMITS = {
    "partner": env.int("API_RATE_LIMIT_PARTNER", default=1200),
    "user": env.int("API_RATE_LIMIT_USER", default=600),
    "anonymous": env.int("API_RATE_LIMIT_ANONYMOUS", default=120),
}

# OAuth2 for partner systems: client credentials only, short-lived tokens, one scope per
# purpose; client secrets are stored hashed (django-oauth-toolkit's default).
OAUTH2_PROVIDER = {
    "SCOPES": {
        "directory:read": _("Read the service directory"),
        "directory:write": _("Update the services of the partner's own organisation"),
        "capacity:write": _("Update free places and housing availability"),
        "referrals:write": _("Make referrals and update their status"),
        "cases:read": _("Read the people, cases, referrals and placements in scope"),
    },
    "DEFAULT_SCOPES": ["directory:read"],
    "SCOPES_BACKEND_CLASS": "partners.scopes.PartnerScopes",
    "ACCESS_TOKEN_EXPIRE_SECONDS": env.int("OAUTH2_TOKEN_SECONDS", default=600),
    # RFC 9700 (OAuth 2.0 Security BCP), which `check --deploy` holds us to: no implicit
    # or password grant, no "plain" PKCE, no token in a query string, the `iss` answer
    # parameter, tokens stored hashed (only a SHA-256 checksum is kept, never the token
    # itself), refresh-token replay revokes the family, https redirect URIs only. The
    # gates are on, so that a setting that drifts back is an error, not a warning.
    "COMPLIANT_BCP_RFC9700_IMPLICIT_GRANT": True,
    "COMPLIANT_BCP_RFC9700_PASSWORD_GRANT": True,
    "COMPLIANT_BCP_RFC9700_PKCE_METHOD": True,
    "COMPLIANT_BCP_RFC9700_ACCESS_TOKEN_TRANSPORT": True,
    "COMPLIANT_BCP_RFC9700_AUTHZ_RESPONSE_ISS": True,
    "COMPLIANT_BCP_RFC9700_TOKEN_STORAGE": True,
    "COMPLIANT_BCP_RFC9700_REFRESH_TOKEN": True,
    "COMPLIANT_BCP_RFC9700_REDIRECT_URI_SCHEME": True,
    "COMPLIANT_BCP_RFC9700_REDIRECT_URI_MATCHING": True,
    "COMPLIANT_BCP_RFC9700_PKCE_REQUIRED": True,
    "REFRESH_TOKEN_REUSE_PROTECTION": True,
    "ALLOWED_REDIRECT_URI_SCHEMES": ["https"],
}
# Named so that the partners app's migration can point at the (swappable) model.
OAUTH2_PROVIDER_APPLICATION_MODEL = "oauth2_provider.Application"

SPECTACULAR_SETTINGS = {
    "TITLE": "Atlante API",
    "DESCRIPTION": (
        "Metropolitan social-services registry: the public directory of services, "
        "providers and sites, and the territory they serve."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # Swagger UI and Redoc are served from this installation, never from a CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # Swagger UI would otherwise send the schema to validator.swagger.io.
    "SWAGGER_UI_SETTINGS": {"validatorUrl": None, "deepLinking": True},
    "ENUM_NAME_OVERRIDES": {
        "ServiceStatusEnum": "services.models.ServiceStatus",
        "CaseStatusEnum": "beneficiaries.models.CaseStatus",
        "ReferralStatusEnum": "beneficiaries.models.ReferralStatus",
        "HousingUnitStatusEnum": "housing.models.UnitStatus",
    },
}

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = not DEBUG
# Workspace sessions on shared office PCs and street-unit tablets: a working day from the
# login at most, and gone when the browser closes.
SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=8 * 60 * 60)
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
CSRF_COOKIE_SECURE = not DEBUG
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not DEBUG)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 31_536_000)
if env.bool("BEHIND_TLS_PROXY", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
X_FRAME_OPTIONS = "DENY"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
}

# --- Security (issue 13; docs/security.md) -------------------------------------------

# The client's address: REMOTE_ADDR, or behind this many trusted reverse proxies the
# address the outermost of them saw (core/client_ip.py). 0 trusts no forwarded header.
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)

# Content-Security-Policy (django-csp 4): no inline script or style anywhere (the one page
# that adds to it is Redoc's, config/api_urls.py). Workers and frames: none.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "worker-src": ["'none'"],
        "frame-src": ["'none'"],
        "base-uri": ["'none'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
        # Violations are logged, without personal data (core/csp_report.py).
        "report-uri": ["/csp-report/"],
    },
}
# Browser features the application never uses, switched off for every page.
PERMISSIONS_POLICY = {
    feature: []
    for feature in (
        "accelerometer",
        "camera",
        "display-capture",
        "geolocation",
        "gyroscope",
        "magnetometer",
        "microphone",
        "payment",
        "usb",
    )
}
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
# In production the header also consents to the browsers' preload list (which needs the
# year and includeSubDomains above); the domain is submitted by hand, if ever.
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=not DEBUG)
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"

# Login lockout (django-axes 8): failures are counted per username AND address, so a
# guesser is stopped without locking the account out for its owner elsewhere. After
# AXES_FAILURE_LIMIT failures that pair is refused, the right password included, for the
# cool-off; a success resets the count. The address is core.client_ip's.
AXES_FAILURE_LIMIT = env.int("LOGIN_FAILURE_LIMIT", default=30)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
LOGIN_COOLOFF_MINUTES = env.int("LOGIN_COOLOFF_MINUTES", default=30)
AXES_COOLOFF_TIME = LOGIN_COOLOFF_MINUTES / 60  # hours, as a float
AXES_RESET_ON_SUCCESS = True
# Its own start-up banner and per-login lines on stderr add nothing to the security events.
AXES_VERBOSE = False
AXES_CLIENT_IP_CALLABLE = "core.client_ip.client_ip"
# 429 with Retry-After and a translated page (security/lockout.py).
AXES_LOCKOUT_CALLABLE = "security.lockout.lockout_response"
# Successful logins are security events (security/signals.py): no second log of them.
AXES_DISABLE_ACCESS_LOG = True
AXES_SENSITIVE_PARAMETERS = ["username", "ip_address", "password", "otp_token", "token"]
# The OAuth2 token endpoint: failed client authentication per (client_id, address), in
# the shared cache (partners/token.py); same limit and cool-off as the login.
TOKEN_FAILURE_LIMIT = env.int("TOKEN_FAILURE_LIMIT", default=AXES_FAILURE_LIMIT)
TOKEN_COOLOFF_SECONDS = LOGIN_COOLOFF_MINUTES * 60
# Security events are kept at least 24 months (the database refuses to delete younger
# rows, security/models.py); a purge may keep them longer, never shorter.
SECURITY_EVENT_RETENTION_DAYS = max(env.int("SECURITY_EVENT_RETENTION_DAYS", default=730), 730)

# Password reset by email: the link holds one hour; the form answers the same page
# whether or not the address is known, and takes PASSWORD_RESET_RATE_LIMIT requests per
# address per hour.
PASSWORD_RESET_TIMEOUT = env.int("PASSWORD_RESET_TIMEOUT", default=3600)
PASSWORD_RESET_RATE_LIMIT = env.int("PASSWORD_RESET_RATE_LIMIT", default=5)
EMAIL_BACKEND = env.str("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = env.str("EMAIL_HOST", default="localhost")
EMAIL_PORT = env.int("EMAIL_PORT", default=25)
EMAIL_HOST_USER = env.str("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env.str("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=False)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Atlante <noreply@localhost>")

# Second factor (django-otp, security/mfa/): members in these roles, superusers and staff
# without a membership must enrol an authenticator app at their first sign-in; officials
# may (security/mfa/devices.py).
MFA_REQUIRED_ROLES = [
    "social_worker",
    "coordinator",
    "provider_staff",
    "administrator",
    "data_protection",
]
OTP_TOTP_ISSUER = "Atlante"
# Each wrong code doubles the wait before the next attempt (1, 2, 4 … s).
OTP_TOTP_THROTTLE_FACTOR = 1
OTP_STATIC_THROTTLE_FACTOR = 1
# Seconds a re-authentication holds before a sensitive step (security/reauth.py).
REAUTH_MAX_AGE = env.int("REAUTH_MAX_AGE", default=300)
# The re-authentication check, for apps below security (services' membership and user
# admin): told through a setting, as core is told the roles' permissions.
REAUTH_CHECK = "security.reauth.require_recent_auth"

# Access log and change audit (core/append_only.py): append-only in the database, kept at
# least 24 months (730 days, enforced by triggers); `auditlogflush --expired` purges what
# is older than ACCESS_LOG_RETENTION_DAYS, which may be longer, never shorter.
ACCESS_LOG_RETENTION_DAYS = max(env.int("ACCESS_LOG_RETENTION_DAYS", default=730), 730)
# Codice fiscale existence checks (intake search, API) per user per hour; beyond, refused
# with a message and nothing revealed (workspace/cf_lookup.py, counted in the cache).
CF_LOOKUP_RATE = env.int("CF_LOOKUP_RATE", default=30)

# Sessions (security/sessions.py): ended after SESSION_IDLE_TIMEOUT seconds unused, and
# SESSION_ABSOLUTE_LIMIT seconds after the login however active (a working day, as the
# cookie's age above).
SESSION_IDLE_TIMEOUT = env.int("SESSION_IDLE_TIMEOUT", default=30 * 60)
SESSION_ABSOLUTE_LIMIT = env.int("SESSION_ABSOLUTE_LIMIT", default=SESSION_COOKIE_AGE)
