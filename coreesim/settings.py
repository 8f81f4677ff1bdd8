"""The one settings module. It reads the environment once, here, and nowhere else.

With nothing set, the project runs in development mode on the embedded PostgreSQL and Redis
(see ``coreesim.runtime``). With ``DEBUG`` off it refuses to start on development secrets.
"""

from __future__ import annotations

import environ
from django.core.exceptions import ImproperlyConfigured
from kombu import Exchange, Queue

from coreesim.client_address import networks_parse
from coreesim.crypto import parse_keys
from coreesim.runtime import (
    BASE_DIR,
    VAR_DIR,
    WEB_PORT,
    default_database_url,
    default_redis_url,
)

env = environ.Env()

# Publicly known development values: usable only while DEBUG is on.
DEV_SECRET_KEY = "dev-insecure-coreesim-secret-key-change-me-in-production"
DEV_FIELD_ENCRYPTION_KEYS = ["dev:Y29yZWVzaW0tZGV2LWtleS0tbm90LWZvci1wcm9kISE="]

DEBUG = env.bool("DEBUG", default=True)
SECRET_KEY = env.str("SECRET_KEY", default=DEV_SECRET_KEY)
FIELD_ENCRYPTION_KEYS: list[str] = env.list(
    "FIELD_ENCRYPTION_KEYS", default=DEV_FIELD_ENCRYPTION_KEYS
)
API_KEY_HASH_KEY = env.str("API_KEY_HASH_KEY", default=SECRET_KEY)

if not DEBUG:
    if SECRET_KEY == DEV_SECRET_KEY or len(SECRET_KEY) < 50:
        raise ImproperlyConfigured(
            "SECRET_KEY must be set to a random value of at least 50 characters when DEBUG is off."
        )
    if not FIELD_ENCRYPTION_KEYS or set(FIELD_ENCRYPTION_KEYS) & set(DEV_FIELD_ENCRYPTION_KEYS):
        raise ImproperlyConfigured(
            "FIELD_ENCRYPTION_KEYS must be set to your own keys (not the development key) "
            "when DEBUG is off. Generate one with: python manage.py generate_encryption_key"
        )
# A malformed key stops the start here, not at the first save of a secret.
parse_keys(FIELD_ENCRYPTION_KEYS)

ALLOWED_HOSTS = env.list(
    "ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]", "testserver"] if DEBUG else []
)
PUBLIC_BASE_URL = env.str("PUBLIC_BASE_URL", default=f"http://127.0.0.1:{WEB_PORT}").rstrip("/")
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[PUBLIC_BASE_URL])

INSTALLED_APPS = [
    "coreesim.staff.admin_site.StaffAdminConfig",  # django.contrib.admin, second factor required
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_filters",
    "guardian",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "axes",
    "coreesim",
    "coreesim.staff",
    "profiles",
    "partners",
    "smdp_client",
    "orders",
    "orders.api",
    "orders.portal.apps.PortalConfig",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "coreesim.staff.middleware.StaffAccessMiddleware",
    "coreesim.staff.session_age.StaffSessionAgeMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "coreesim.urls"
WSGI_APPLICATION = "coreesim.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

DATABASES = {"default": env.db_url("DATABASE_URL", default=default_database_url())}
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DB_CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
# Plan for SSD storage (PostgreSQL's default of 4 assumes spinning disks): with it, the
# planner walks a partner's own (partner, -id) index for "their newest eSIMs" instead of the
# whole primary key backwards. An ``options`` in DATABASE_URL's query string wins.
DATABASES["default"].setdefault("OPTIONS", {}).setdefault("options", "-c random_page_cost=1.1")
# The ORM binds parameters client-side and never prepares. Only statements run on a server-bound
# cursor (the ES2+ call log) are prepared, at their first use on each connection. Turn off behind
# a transaction-pooling PgBouncer older than 1.21, which loses prepared statements.
DATABASES["default"]["OPTIONS"]["prepare_threshold"] = (
    0 if env.bool("DB_PREPARED_STATEMENTS", default=True) else None
)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env.str("REDIS_URL", default=default_redis_url())
CACHES = {
    "default": {
        "BACKEND": "django_redis.cache.RedisCache",
        "LOCATION": REDIS_URL,
        "OPTIONS": {"SOCKET_CONNECT_TIMEOUT": 2, "SOCKET_TIMEOUT": 2},
    }
}

AUTHENTICATION_BACKENDS = [
    "coreesim.staff.backends.LoginLockoutBackend",
    "django.contrib.auth.backends.ModelBackend",
    "guardian.backends.ObjectPermissionBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
ANONYMOUS_USER_NAME = None  # guardian: no anonymous user row

# --- Staff back office (coreesim.staff): 2FA, login lockout, idle expiry ---------------------
LOGIN_URL = "staff:login"
LOGIN_REDIRECT_URL = "/staff/"
OTP_TOTP_ISSUER = "CoreESIM"
# The admin never shows anyone's authenticator key, QR code or recovery codes.
OTP_ADMIN_HIDE_SENSITIVE_DATA = True
STAFF_IDLE_TIMEOUT_SECONDS = env.int("STAFF_IDLE_TIMEOUT_SECONDS", default=30 * 60)
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = env.float("AXES_COOLOFF_HOURS", default=0.25)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "staff/auth/locked_out.html"
AXES_VERBOSE = False
AXES_CLIENT_IP_CALLABLE = "coreesim.client_address.client_address"

LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("es", "Español"), ("fr", "Français"), ("de", "Deutsch")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
MEDIA_ROOT = VAR_DIR / "media"

EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="CoreESIM <no-reply@coreesim.test>")

# --- Security -------------------------------------------------------------------------------
# Reverse proxies (addresses or CIDRs) whose X-Forwarded-For and X-Client-Cert-Fingerprint we
# believe; see coreesim.client_address. Empty: every peer is the client itself.
TRUSTED_PROXIES: list[str] = env.list("TRUSTED_PROXIES", default=[])
try:
    networks_parse(TRUSTED_PROXIES)
except ValueError as exc:
    raise ImproperlyConfigured(f"TRUSTED_PROXIES: {exc}.") from None
# The old switch trusted the first X-Forwarded-For entry, which the client writes; refuse to
# start on it rather than quietly change which address allowlists and limits see.
if env.bool("API_TRUST_X_FORWARDED_FOR", default=False):
    raise ImproperlyConfigured(
        "API_TRUST_X_FORWARDED_FOR is replaced by TRUSTED_PROXIES: list the addresses of your "
        "reverse proxies there and unset API_TRUST_X_FORWARDED_FOR."
    )
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=8 * 3600)
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
CSRF_COOKIE_HTTPONLY = True
if not DEBUG:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31_536_000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
    }
}

# --- API ------------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "coreesim.problems.problem_exception_handler",
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_AUTHENTICATION_CLASSES": [],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "UNAUTHENTICATED_USER": None,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "CoreESIM Partner API",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "DESCRIPTION": "Catalogue, orders, eSIMs, top-ups, balance and signed webhooks for partners.",
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "ENUM_NAME_OVERRIDES": {
        "WebhookEventTypeEnum": "partners.webhooks.choices.WebhookEventType",
        "SubscribableEventTypeEnum": "partners.api.webhook_serializers.SUBSCRIBABLE",
        "DeliveryStatusEnum": "partners.webhooks.choices.DeliveryStatus",
        "EndpointStatusEnum": "partners.webhooks.choices.EndpointStatus",
        "OrderStatusEnum": "orders.choices.OrderStatus",
        "EsimStatusEnum": "orders.choices.EsimStatus",
        "ProblemCodeEnum": "coreesim.problems.ErrorCode",
    },
}
# Partner API building blocks (coreesim.api) and webhooks (partners.webhooks).
API_KEY_AUTHENTICATOR = "partners.api.authentication.authenticate_api_key"
API_RATE_LIMIT_PER_MINUTE = env.int("API_RATE_LIMIT_PER_MINUTE", default=600)
IDEMPOTENCY_TTL_SECONDS = 24 * 3600
# Webhook targets must be public https addresses; only development may aim at this machine.
WEBHOOK_ALLOW_PRIVATE_TARGETS = env.bool("WEBHOOK_ALLOW_PRIVATE_TARGETS", default=False)
WEBHOOK_ALLOW_HTTP = env.bool("WEBHOOK_ALLOW_HTTP", default=False)
WEBHOOK_TIMEOUT_SECONDS = env.float("WEBHOOK_TIMEOUT_SECONDS", default=10.0)
# balance.low fires when balance plus credit limit falls below this (in the partner's currency).
WEBHOOK_BALANCE_LOW_THRESHOLD = env.str("WEBHOOK_BALANCE_LOW_THRESHOLD", default="50.00")

# --- Celery ---------------------------------------------------------------------------------
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default=REDIS_URL)
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SOFT_TIME_LIMIT = env.int("CELERY_TASK_SOFT_TIME_LIMIT", default=60)
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT", default=90)
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Task modules outside the apps' own tasks.py (autodiscovery finds only those).
CELERY_IMPORTS = ["profiles.staff.tasks"]
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
# Two queues, each with its own worker (Procfile): webhook deliveries wait on partners' receivers
# (up to WEBHOOK_TIMEOUT_SECONDS an attempt), so a dead or slow one must never hold up
# provisioning, ES2+ notifications or the heartbeat on the default queue.
CELERY_TASK_DEFAULT_QUEUE = "celery"
WEBHOOK_QUEUE = "webhooks"
WORKER_QUEUES = (CELERY_TASK_DEFAULT_QUEUE, WEBHOOK_QUEUE)
CELERY_TASK_QUEUES = tuple(Queue(name, Exchange(name), routing_key=name) for name in WORKER_QUEUES)
CELERY_TASK_ROUTES = {"partners.webhook_*": {"queue": WEBHOOK_QUEUE}}
CELERY_TIMEZONE = "UTC"
WORKER_HEARTBEAT_SECONDS = 30.0
WEBHOOK_SWEEP_SECONDS = 10.0
CELERY_BEAT_SCHEDULE = {
    # One per queue: proves end to end that beat, the broker and the worker serving that queue
    # all run; /readyz shows each one's age and fails naming a queue whose worker went quiet.
    **{
        f"worker-heartbeat-{queue}": {
            "task": "coreesim.heartbeat",
            "schedule": WORKER_HEARTBEAT_SECONDS,
            "args": (queue,),
            "options": {"queue": queue, "expires": WORKER_HEARTBEAT_SECONDS},
        }
        for queue in WORKER_QUEUES
    },
    # ES2+ notifications stored while the broker was unreachable get applied after all.
    "es2-notification-sweep": {
        "task": "smdp_client.apply_pending_notifications",
        "schedule": 60.0,
        "options": {"expires": 60.0},
    },
    # orders: re-ring provisioning jobs no worker took, finish stuck orders, expiry.
    "orders-outbox-resend": {"task": "orders.outbox_resend", "schedule": 30.0},
    "orders-resolve-stuck": {"task": "orders.resolve_stuck", "schedule": 300.0},
    "orders-expire-esims": {"task": "orders.expire_esims", "schedule": 600.0},
    "orders-expiry-notices": {"task": "orders.expiry_notices", "schedule": 3600.0},
    # portal: send traveler emails whose retry is due or whose first doorbell was lost; every
    # minute because the retry schedule starts at one minute (orders/portal/services.py).
    "portal-traveler-email-sweep": {
        "task": "portal.traveler_email_sweep",
        "schedule": 60.0,
        "options": {"expires": 60.0},
    },
    # partner API: send due webhook deliveries (new ones the doorbell missed, and retries).
    "webhook-deliveries-sweep": {
        "task": "partners.webhook_deliveries_sweep",
        "schedule": WEBHOOK_SWEEP_SECONDS,
        "options": {"expires": WEBHOOK_SWEEP_SECONDS},
    },
    "idempotency-purge": {"task": "coreesim.idempotency_purge", "schedule": 3600.0},
    # profiles: fold the stock counters' delta rows (exact without it, just more rows to sum).
    # profiles: staff uploads whose task was lost or whose worker died go to a worker again.
    "profiles-imports-resume": {"task": "staff.pool_imports_resume", "schedule": 300.0},
    "profiles-fold-state-counts": {
        "task": "profiles.fold_state_counts",
        "schedule": 60.0,
        "options": {"expires": 60.0},
    },
}
# Bearer token of the internal usage endpoint (orders); empty keeps the endpoint closed.
USAGE_INGEST_TOKEN = env.str("USAGE_INGEST_TOKEN", default="")
# How long a worker owns an eSIM it provisions; a worker that died frees it after this.
ORDERS_LEASE_SECONDS = env.int("ORDERS_LEASE_SECONDS", default=300)

# --- Logging --------------------------------------------------------------------------------
LOG_LEVEL = env.str("LOG_LEVEL", default="INFO")
LOG_FORMAT = env.str("LOG_FORMAT", default="keyvalue" if DEBUG else "json")
if LOG_FORMAT not in {"keyvalue", "json"}:
    raise ImproperlyConfigured(f"LOG_FORMAT must be 'keyvalue' or 'json', not {LOG_FORMAT!r}.")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"redact": {"()": "coreesim.logging.RedactSecretsFilter"}},
    "formatters": {
        "keyvalue": {"()": "coreesim.logging.KeyValueFormatter"},
        "json": {"()": "coreesim.logging.JsonFormatter"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": LOG_FORMAT,
            "filters": ["redact"],
        }
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        # Django's own handlers (a DEBUG console, mail to ADMINS) would print records without
        # the redacting filter; its records go to ours instead.
        "django": {"handlers": [], "level": "INFO", "propagate": True},
        "django.server": {"handlers": [], "level": "INFO", "propagate": True},
        "django.db.backends": {"level": "INFO"},
        "celery": {"level": "INFO"},
    },
}

WHITENOISE_USE_FINDERS = DEBUG

# Demo credentials printed by `make run`; the demo data loader creates this staff user.
DEMO_ADMIN_USERNAME = env.str("DEMO_ADMIN_USERNAME", default="admin")
DEMO_ADMIN_PASSWORD = env.str("DEMO_ADMIN_PASSWORD", default="coreesim-demo")
