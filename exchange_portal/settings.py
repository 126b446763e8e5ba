"""Settings for the exchange portal.

Everything that differs between a laptop and production is read from the
environment (see `.env.example`); the defaults here are the development ones, so
that `make run` works on a fresh clone with SQLite and no LDAP server.
"""

import json
from datetime import timedelta
from pathlib import Path

import environ
import ldap
from celery.schedules import crontab
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _
from django_auth_ldap.config import GroupOfNamesType, GroupOfUniqueNamesType, LDAPSearch

from apps.accounts.cas_http import cas_origin, validation_session

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()
# A local `.env` is a convenience for development; real deployments set variables.
environ.Env.read_env(BASE_DIR / ".env", overwrite=False, parse_comments=True)


def env_json(name, default):
    """A JSON object from the environment (used for LDAP attribute maps)."""
    raw = env.str(name, default="")
    return json.loads(raw) if raw else default


# --- Core -------------------------------------------------------------------

DEBUG = env.bool("DEBUG", default=True)
DEV_SECRET_KEY = "dev-only-insecure-key-change-me"


def production_secret(name, value):
    """Fail closed: with DEBUG off a missing secret stops the process at start-up (gunicorn,
    manage.py, celery), instead of serving with a development value anyone can read."""
    if not DEBUG and not value:
        raise environ.ImproperlyConfigured(
            f"{name} must be set in the environment when DEBUG is off (see README, Deploy)."
        )
    return value


# The development key is only accepted while DEBUG is on.
SECRET_KEY = production_secret("SECRET_KEY", env.str("SECRET_KEY", default="").strip())
if not DEBUG and SECRET_KEY == DEV_SECRET_KEY:
    raise environ.ImproperlyConfigured(
        "SECRET_KEY is the public development key while DEBUG is off: set a secret one."
    )
SECRET_KEY = SECRET_KEY or DEV_SECRET_KEY
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

# Passport numbers are encrypted at rest (apps.core.crypto): comma-separated Fernet keys,
# the first encrypts, all decrypt. Development derives one from SECRET_KEY; production
# must set its own (system check portal.E002), kept apart from the database backups.
FIELD_ENCRYPTION_KEYS = production_secret(
    "FIELD_ENCRYPTION_KEYS", [k for k in env.list("FIELD_ENCRYPTION_KEYS", default=[]) if k]
)
if not FIELD_ENCRYPTION_KEYS and DEBUG:
    from apps.core.crypto import development_key

    FIELD_ENCRYPTION_KEYS = [development_key(SECRET_KEY)]

INSTALLED_APPS = [
    "apps.offices.apps.PortalAdminConfig",  # django.contrib.admin, with the portal's site
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "auditlog",
    "axes",
    "csp",
    "crispy_forms",
    "crispy_bootstrap5",
    "django_cas_ng",
    "apps.core",
    "apps.operations",
    "apps.accounts",
    "apps.programs",
    "apps.applications",
    "apps.attachments",
    "apps.scores",
    "apps.summaries",
    # The back-office, last: its audit-log admin unregisters auditlog's own LogEntry admin,
    # which must have been registered first.
    "apps.offices",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # After a POST, this browser's reads stay on the primary database for a while (a signed
    # cookie, so on every node); does nothing without DATABASE_REPLICA_URL.
    "apps.core.db_router.ReadYourWritesMiddleware",
    # Static files from the app server itself (in DEBUG straight from the apps' folders),
    # and the few files a browser asks for at the site's root (/favicon.ico): public/.
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "apps.core.middleware.ChineseFirstLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Who made a change: the signed-in user, recorded with every audit log entry (looked
    # up when an entry is written, not on every request).
    "apps.core.middleware.LazyActorAuditlogMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # django-csp, its policy built once (the same on every page).
    "apps.core.middleware.PortalCSPMiddleware",
    # Last, as django-axes asks: turns a lockout into the login page saying when to retry.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "exchange_portal.urls"
WSGI_APPLICATION = "exchange_portal.wsgi.application"

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

# --- Database -----------------------------------------------------------------
# SQLite under var/ for a newcomer; PostgreSQL in production and CI, e.g.
# DATABASE_URL=postgres://postgres@127.0.0.1:5432/exchange_portal

VAR_DIR.mkdir(exist_ok=True)
DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}"),
}
# An optional streaming replica of the primary: the catalog, statistics and exports read
# from it (apps.core.db_router), everything else and every write from the primary.
if DATABASE_REPLICA_URL := env.str("DATABASE_REPLICA_URL", default=""):
    DATABASES["replica"] = environ.Env.db_url_config(DATABASE_REPLICA_URL)
    DATABASE_ROUTERS = ["apps.core.db_router.ReplicaRouter"]
# After a POST, that browser reads from the primary for this long (read-your-own-writes);
# longer than the replica's usual lag.
DATABASE_REPLICA_STICKY_SECONDS = env.int("DATABASE_REPLICA_STICKY_SECONDS", default=10)
for _alias, _db in DATABASES.items():
    if _db["ENGINE"] == "django.db.backends.sqlite3":
        _db.setdefault("OPTIONS", {}).update(
            {
                # Writers queue up instead of failing with "database is locked".
                "transaction_mode": "IMMEDIATE",
                "timeout": 5,
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            }
        )
        # Kept open too: opening the file and its PRAGMAs on every request cost more than
        # a small page's own queries (bench/RESULTS.md, issue 23).
        _db["CONN_MAX_AGE"] = env.int("DB_CONN_MAX_AGE", default=60)
    else:
        # Persistent connections (psycopg2 has no pool; Django's own pool needs psycopg 3):
        # each worker process keeps one connection per alias. Size it so that
        # nodes x workers per node x aliases <= PostgreSQL's max_connections (README).
        _db["CONN_MAX_AGE"] = env.int("DB_CONN_MAX_AGE", default=60)
        # A kept connection is checked before each request reuses it: after a database
        # restart the next request reconnects instead of failing (tests/faults).
        _db["CONN_HEALTH_CHECKS"] = True
        # A database host that drops packets must fail a request, not hang its worker.
        _db.setdefault("OPTIONS", {}).setdefault(
            "connect_timeout", env.int("DB_CONNECT_TIMEOUT", default=5)
        )
    if _alias == "replica":
        # In tests the replica is the test database itself (Django's test mirror).
        _db["TEST"] = {"MIRROR": "default"}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
# Where `manage.py backup`/`restore` look first for pg_dump/pg_restore of the server's
# version (then /usr/lib/postgresql/<version>/bin, then PATH).
PG_BIN_DIR = env.str("PG_BIN_DIR", default="")

# --- Cache ----------------------------------------------------------------------

# Local memory by default (per process); in production Redis, shared by every worker:
# CACHE_URL=redis://127.0.0.1:6379/1 (or REDIS_URL), Django's own RedisCache backend.
CACHES = {
    "default": env.cache("CACHE_URL", default=env.str("REDIS_URL", default="") or "locmemcache://")
}
if CACHES["default"]["BACKEND"] == "django.core.cache.backends.locmem.LocMemCache":
    # The same, an immutable value (a page cut at its marks) unpickled once per process,
    # and room for more than Django's 300 entries: a session, a list and a few rows per
    # student signed in, and a page per program shown, each culled a third at a time when
    # full (a 300-program catalog rendered its pages again and again, bench/RESULTS.md).
    # The processes of one machine (gunicorn's workers) tell each other the keys they
    # forget through a log in a shared file (apps/core/local_cache.py).
    CACHES["default"]["BACKEND"] = "apps.core.local_cache.LocMemCache"
    options = CACHES["default"].setdefault("OPTIONS", {})
    options.setdefault("MAX_ENTRIES", env.int("CACHE_MAX_ENTRIES", default=5000))
    options.setdefault("LOG", env.str("CACHE_LOCAL_LOG", default=str(VAR_DIR / "cache-log")))
if CACHES["default"]["BACKEND"] == "django.core.cache.backends.redis.RedisCache":
    # The same backend, making one redis-py client per pool instead of one per call, with
    # a near cache in each process that every write anywhere clears (apps/core/cache.py).
    CACHES["default"]["BACKEND"] = "apps.core.cache.RedisCache"
    CACHES["default"].setdefault("OPTIONS", {}).update(
        near_seconds=env.int("CACHE_NEAR_SECONDS", default=60)
        if env.bool("CACHE_NEAR", True)
        else 0,
        near_max_bytes=env.int("CACHE_NEAR_MAX_BYTES", default=32 << 20),
    )

# --- Authentication: the university's CAS and/or LDAP, local accounts last ---------
# AUTH_METHODS: which campus sign-ins the portal offers, comma-separated: `ldap` (学号 +
# password checked against the directory), `cas` (统一身份认证 single sign-on), or both.
# Local accounts (the office's break-glass administrator) always work. README "Sign-in".
AUTH_METHODS = [m.strip().lower() for m in env.list("AUTH_METHODS", default=["ldap"]) if m.strip()]
if unknown_methods := set(AUTH_METHODS) - {"ldap", "cas"}:
    raise ImproperlyConfigured(f"AUTH_METHODS: unknown sign-in method(s) {sorted(unknown_methods)}")


AUTH_LDAP_SERVER_URI = env.str("AUTH_LDAP_SERVER_URI", default="")
AUTH_LDAP_BIND_DN = env.str("AUTH_LDAP_BIND_DN", default="")
AUTH_LDAP_BIND_PASSWORD = env.str("AUTH_LDAP_BIND_PASSWORD", default="")
AUTH_LDAP_USER_DN_TEMPLATE = env.str("AUTH_LDAP_USER_DN_TEMPLATE", default="") or None
AUTH_LDAP_USER_SEARCH_BASE = env.str("AUTH_LDAP_USER_SEARCH_BASE", default="")
AUTH_LDAP_USER_SEARCH_FILTER = env.str("AUTH_LDAP_USER_SEARCH_FILTER", default="(uid=%(user)s)")
if AUTH_LDAP_USER_SEARCH_BASE and not AUTH_LDAP_USER_DN_TEMPLATE:
    AUTH_LDAP_USER_SEARCH = LDAPSearch(
        AUTH_LDAP_USER_SEARCH_BASE, ldap.SCOPE_SUBTREE, AUTH_LDAP_USER_SEARCH_FILTER
    )
# With a DN template there is no service account: bind as the student.
AUTH_LDAP_BIND_AS_AUTHENTICATING_USER = bool(AUTH_LDAP_USER_DN_TEMPLATE)
AUTH_LDAP_USER_ATTR_MAP = env_json("AUTH_LDAP_USER_ATTR_MAP", {"email": "mail"})
# The ONE map from campus-identity attributes (LDAP entry or CAS attribute release) to
# student-profile fields (apps.accounts.identity); the fields it fills are locked.
PROFILE_ATTR_MAP = env_json(
    "PROFILE_ATTR_MAP",
    env_json("AUTH_LDAP_PROFILE_ATTR_MAP", None)
    or {
        "name": "cn",
        "name_en": "displayName",
        "email": "mail",
        "phone": "mobile",
        "school": "ou",
        "major": "departmentNumber",
        "degree_level": "employeeType",
    },
)
AUTH_LDAP_ALWAYS_UPDATE_USER = True
# Office rights from directory groups (apps.accounts.identity.sync_office_groups): the
# groups a clerk belongs to are found with django-auth-ldap's group search.
if AUTH_LDAP_GROUP_SEARCH_BASE := env.str("AUTH_LDAP_GROUP_SEARCH_BASE", default=""):
    AUTH_LDAP_GROUP_SEARCH = LDAPSearch(
        AUTH_LDAP_GROUP_SEARCH_BASE,
        ldap.SCOPE_SUBTREE,
        env.str("AUTH_LDAP_GROUP_SEARCH_FILTER", default="(objectClass=groupOfNames)"),
    )
    AUTH_LDAP_GROUP_TYPE = {
        "groupOfNames": GroupOfNamesType,
        "groupOfUniqueNames": GroupOfUniqueNamesType,
    }[env.str("AUTH_LDAP_GROUP_TYPE", default="groupOfNames")]()
# A directory that hangs must not hang the login page (or every worker with it).
AUTH_LDAP_TIMEOUT = env.int("AUTH_LDAP_TIMEOUT", default=3)
AUTH_LDAP_CONNECTION_OPTIONS = {
    ldap.OPT_NETWORK_TIMEOUT: AUTH_LDAP_TIMEOUT,
    ldap.OPT_TIMEOUT: AUTH_LDAP_TIMEOUT,
    ldap.OPT_REFERRALS: 0,
}
AUTH_LDAP_START_TLS = env.bool("AUTH_LDAP_START_TLS", default=False)
# The university's CA for ldaps:// or StartTLS, when the system store does not have it.
if AUTH_LDAP_CA_CERT_FILE := env.str("AUTH_LDAP_CA_CERT_FILE", default=""):
    AUTH_LDAP_GLOBAL_OPTIONS = {
        ldap.OPT_X_TLS_CACERTFILE: AUTH_LDAP_CA_CERT_FILE,
        ldap.OPT_X_TLS_REQUIRE_CERT: ldap.OPT_X_TLS_DEMAND,
    }

# --- CAS single sign-on (django-cas-ng), AUTH_METHODS containing `cas` ---
CAS_SERVER_URL = env.str("CAS_SERVER_URL", default="")  # e.g. https://cas.example.edu.cn/cas/
if "cas" in AUTH_METHODS and not CAS_SERVER_URL:
    raise ImproperlyConfigured("AUTH_METHODS contains cas but CAS_SERVER_URL is not set.")
# "3" (p3/serviceValidate, attributes released) or "2" (serviceValidate; many CAS servers
# release attributes there too).
CAS_VERSION = env.str("CAS_VERSION", default="3")
# Seconds the ticket validation may take: a CAS server that is down or hung gives the
# login page's message instead of a hung worker (apps.accounts.cas).
CAS_TIMEOUT = env.float("CAS_TIMEOUT", default=5)
CAS_SESSION_FACTORY = validation_session
CAS_CREATE_USER = True
CAS_LOGOUT_COMPLETELY = True  # 退出 also ends the CAS session (single sign-out)
CAS_CHECK_NEXT = True
CAS_IGNORE_REFERER = True
CAS_REDIRECT_URL = "/"
# After 退出 the CAS server sends the browser back to the login page.
CAS_LOGOUT_NEXT_PAGE = "/accounts/login/"
CAS_LOGIN_MSG = None
CAS_LOGGED_MSG = None
CAS_RETRY_LOGIN = False
CAS_VERIFY_SSL_CERTIFICATE = True
# The public address of the portal when a proxy rewrites it (the service URL CAS sees).
CAS_ROOT_PROXIED_AS = env.str("CAS_ROOT_PROXIED_AS", default="")
# CAS attribute holding the person's groups (e.g. memberOf with LDAP DNs); matched
# against OFFICE_GROUP_MAP like the directory's groups.
CAS_GROUP_ATTRIBUTE = env.str("CAS_GROUP_ATTRIBUTE", default="memberOf")

# Office rights from campus identity: office group name -> directory group DNs (LDAP) or
# values of CAS_GROUP_ATTRIBUTE (CAS). At each campus sign-in the person gets exactly
# the office groups they are a member of, and is_staff with any. Empty: nobody is made
# staff by the directory (local staff accounts only). README "Sign-in".
OFFICE_GROUP_MAP = {
    office: [values] if isinstance(values, str) else list(values)
    for office, values in env_json("OFFICE_GROUP_MAP", {}).items()
}

AUTHENTICATION_BACKENDS = [
    # First: refuses a locked-out username + address before the directory is asked.
    "axes.backends.AxesStandaloneBackend",
    *(["apps.accounts.cas.PortalCASBackend"] if "cas" in AUTH_METHODS else []),
    *(
        ["apps.accounts.ldap.PortalLDAPBackend"]
        if "ldap" in AUTH_METHODS and AUTH_LDAP_SERVER_URI
        else []
    ),
    # Django's ModelBackend, fetching the profile with the user (apps.accounts.backends).
    "apps.accounts.backends.PortalModelBackend",
]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "programs:home"
LOGOUT_REDIRECT_URL = "accounts:login"
SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=8 * 3600)
# Sessions are read from the cache (written through to the database, so a cache restart
# signs nobody out): a signed-in page costs no session query.
SESSION_ENGINE = env.str("SESSION_ENGINE", default="django.contrib.sessions.backends.cached_db")

# --- Internationalisation: Chinese first, English complete ----------------------

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
# 2026-12-07 14:30 in admin and portal alike, in both languages (exchange_portal/formats/).
FORMAT_MODULE_PATH = ["exchange_portal.formats"]
USE_I18N = True
USE_TZ = True

# --- Static files and private uploads --------------------------------------------

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = env.path("STATIC_ROOT", default=BASE_DIR / "staticfiles")
# Served at "/" by WhiteNoise: browsers ask every site for /favicon.ico, admin pages too.
WHITENOISE_ROOT = BASE_DIR / "public"

# Uploads hold transcripts and passports: they live outside any web root and are
# only ever streamed by views that check who is asking (no MEDIA_URL is served).
MEDIA_ROOT = env.path("MEDIA_ROOT", default=VAR_DIR / "media")
# STORAGE_BACKEND=s3 puts the uploads and cached PDFs in an S3-compatible bucket (shared by
# every app node; django-storages), still private: no ACL, no URL, streamed by the views.
STORAGE_BACKEND = env.str("STORAGE_BACKEND", default="local")
if STORAGE_BACKEND == "s3":
    DEFAULT_STORAGE = {
        "BACKEND": "apps.core.storage.PrivateS3Storage",
        "OPTIONS": {
            "bucket_name": env.str("AWS_STORAGE_BUCKET_NAME"),
            # Empty: Amazon S3 itself; else MinIO, Ceph, a cloud's S3-compatible service.
            "endpoint_url": env.str("AWS_S3_ENDPOINT_URL", default="") or None,
            # Empty: boto3's own chain (an instance role, ~/.aws); set both otherwise.
            "access_key": env.str("AWS_ACCESS_KEY_ID", default="") or None,
            "secret_key": env.str("AWS_SECRET_ACCESS_KEY", default="") or None,
            "region_name": env.str("AWS_S3_REGION_NAME", default="us-east-1"),
        },
    }
elif STORAGE_BACKEND == "local":
    DEFAULT_STORAGE = {
        "BACKEND": "apps.core.storage.PrivateFileSystemStorage",
        "OPTIONS": {"location": MEDIA_ROOT},
    }
else:
    raise environ.ImproperlyConfigured(
        f"STORAGE_BACKEND must be local or s3, not {STORAGE_BACKEND!r}."
    )
STORAGES = {
    "default": DEFAULT_STORAGE,
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
ATTACHMENT_MAX_BYTES = env.int("ATTACHMENT_MAX_BYTES", default=10 * 1024 * 1024)
ATTACHMENT_MAX_FILES_PER_SLOT = env.int("ATTACHMENT_MAX_FILES_PER_SLOT", default=5)
# Images above this many pixels are refused before they are decoded (decompression bombs).
ATTACHMENT_MAX_PIXELS = env.int("ATTACHMENT_MAX_PIXELS", default=40_000_000)
# Big uploads go to a temporary file instead of memory from this size on.
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024

# --- Email ---------------------------------------------------------------------------

EMAIL_BACKEND = env.str("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = env.str("EMAIL_HOST", default="localhost")
EMAIL_PORT = env.int("EMAIL_PORT", default=25)
EMAIL_HOST_USER = env.str("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env.str("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=False)
# Seconds: decisions are emailed right after the clerk's request commits, so a mail server
# that accepts the connection and never answers must not hold the request (or the worker).
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=10)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="exchange-portal@localhost")
# Links in emails point here (emails are sent outside any request).
PORTAL_BASE_URL = env.str("PORTAL_BASE_URL", default="http://127.0.0.1:8000").rstrip("/")

# --- Background tasks (Celery; exchange_portal/celery.py) -------------------------------
# Emails, the daily draft reminders and PDF warming are Celery tasks, enqueued when the
# request's transaction commits. The broker is CELERY_BROKER_URL, else REDIS_URL; with
# neither the tasks run eagerly in the process that enqueued them (no worker to run).
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="") or env.str("REDIS_URL", default="")
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=not CELERY_BROKER_URL)
# An eager task that fails is logged (by Celery and by the task), never raised into the
# request that enqueued it: the decision or submission is committed by then.
CELERY_TASK_EAGER_PROPAGATES = False
# A task is acknowledged when it has finished, not when it was received: a worker that
# dies mid-task (killed, out of memory) leaves it to another worker.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
# One task at a time per worker process: a PDF render must not hold up emails behind it.
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# Seconds. A render takes ~0.5 s and a send at most EMAIL_TIMEOUT; anything far longer is
# stuck. The soft limit raises in the task (which logs it), the hard one kills its process.
CELERY_TASK_SOFT_TIME_LIMIT = env.int("CELERY_TASK_SOFT_TIME_LIMIT", default=120)
CELERY_TASK_TIME_LIMIT = CELERY_TASK_SOFT_TIME_LIMIT + 30
# Ids only, as JSON: nothing pickled, no personal data in the broker.
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_RESULT_SERIALIZER = "json"
# Nobody waits for a task's return value: no result backend.
CELERY_TASK_IGNORE_RESULT = True
CELERY_RESULT_BACKEND = None
CELERY_TIMEZONE = TIME_ZONE
# Redis redelivers a task not acknowledged within this many seconds: it must be longer
# than the longest retry delay (TASK_RETRY_BACKOFF_MAX), or a retry would run twice.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": 3600,
    "socket_connect_timeout": 3,
    "socket_timeout": 5,
}
# A broker that is down must not hold a request: a few quick tries, then the enqueue is
# logged as failed (apps.core.tasks.enqueue).
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 2,
    "interval_start": 0,
    "interval_step": 0.2,
    "interval_max": 0.5,
}
CELERY_BROKER_CONNECTION_TIMEOUT = 3
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# WeasyPrint leaves memory behind: a worker process is replaced after this many tasks or
# this many kilobytes resident.
CELERY_WORKER_MAX_TASKS_PER_CHILD = env.int("CELERY_WORKER_MAX_TASKS_PER_CHILD", default=200)
CELERY_WORKER_MAX_MEMORY_PER_CHILD = env.int("CELERY_WORKER_MAX_MEMORY_PER_CHILD", default=400_000)
# The worker logs through Django's LOGGING below, like the web processes.
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
CELERY_BEAT_SCHEDULE_FILENAME = env.str(
    "CELERY_BEAT_SCHEDULE_FILENAME", default=str(VAR_DIR / "celerybeat-schedule")
)
# A failed send or render is tried again TASK_MAX_RETRIES times, after 1, 2, 4, ... times
# TASK_RETRY_BACKOFF seconds (with jitter, at most TASK_RETRY_BACKOFF_MAX apart).
TASK_MAX_RETRIES = env.int("TASK_MAX_RETRIES", default=5)
TASK_RETRY_BACKOFF = env.int("TASK_RETRY_BACKOFF", default=60)
TASK_RETRY_BACKOFF_MAX = env.int("TASK_RETRY_BACKOFF_MAX", default=600)
# The draft reminders (apps.applications.tasks.remind_drafts): every day at this local
# time (TIME_ZONE), for programs closing within DRAFT_REMINDER_DAYS days.
DRAFT_REMINDER_DAYS = env.int("DRAFT_REMINDER_DAYS", default=3)
DRAFT_REMINDER_TIME = env.str("DRAFT_REMINDER_TIME", default="08:00")
_hour, _minute = (int(part) for part in DRAFT_REMINDER_TIME.split(":"))
# The sign-in log (axes' AccessLog) is kept this many days (apps.accounts.tasks).
LOGIN_LOG_DAYS = env.int("LOGIN_LOG_DAYS", default=180)
CELERY_BEAT_SCHEDULE = {
    "remind-drafts": {
        "task": "apps.applications.tasks.remind_drafts",
        "schedule": crontab(hour=_hour, minute=_minute),
    },
    "prune-login-log": {
        "task": "apps.accounts.tasks.prune_login_log",
        "schedule": crontab(hour=3, minute=30),
    },
}

# --- Security (production switches; see README "Deploy") ------------------------------

# Production defaults follow DEBUG: with DEBUG=false everything below is on unless
# turned off explicitly, so that `check --deploy --fail-level WARNING` passes.
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=not DEBUG)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=not DEBUG)
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not DEBUG)
# A load balancer's health probe may come over plain HTTP from inside the network.
SECURE_REDIRECT_EXEMPT = [r"^healthz/$"]
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 31536000)
# The portal has its own host name: its subdomains (if any) are the portal's too.
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=not DEBUG)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=not DEBUG)
# A TLS-terminating proxy in front (nginx): it sets X-Forwarded-Proto, and appends the
# client's address to X-Forwarded-For (the login lockout counts by that address).
BEHIND_TLS_PROXY = env.bool("BEHIND_TLS_PROXY", default=False)
if BEHIND_TLS_PROXY:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# deploy/nginx passes the browser's Host header itself; only a proxy that cannot (and sets
# X-Forwarded-Host instead) needs this, and then ALLOWED_HOSTS still checks the value.
USE_X_FORWARDED_HOST = env.bool("USE_X_FORWARDED_HOST", default=False)
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
# The language cookie (django_language) goes with the session cookie: HTTPS only in
# production, not sent by other sites' requests, not readable by scripts (none reads it).
LANGUAGE_COOKIE_SECURE = SESSION_COOKIE_SECURE
LANGUAGE_COOKIE_SAMESITE = "Lax"
LANGUAGE_COOKIE_HTTPONLY = True
CSRF_FAILURE_VIEW = "apps.core.views.csrf_failure"

# Content-Security-Policy (django-csp 4): scripts and styles only from our own static
# files, never inline; Bootstrap's icons are data: SVGs in its CSS.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        # 退出 after a CAS sign-in redirects the header's form to the CAS server's
        # logout, and browsers hold form redirects to form-action too.
        "form-action": [SELF, *([cas_origin(CAS_SERVER_URL)] if "cas" in AUTH_METHODS else [])],
        "frame-ancestors": [NONE],
    },
}

# --- Login abuse (django-axes) ----------------------------------------------------------
# Five wrong passwords for one 学号 from one address lock that pair for a while. Not by
# 学号 alone: anyone could then lock any student out by typing their ID five times. Not
# by address alone: a whole dormitory or campus NAT shares one address.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False
# Shown in admin as accounts.LoginLockout (in the portal's words), not axes' English pages.
AXES_ENABLE_ADMIN = False
# Trying again while locked does not push the retry time back: the page can say when.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_LOCKOUT_CALLABLE = "apps.accounts.lockout.lockout_response"
AXES_CLIENT_IP_CALLABLE = "apps.accounts.lockout.client_ip"
# A directory outage (or a CAS ticket refused) is not the student's failed attempt.
AXES_WHITELIST_CALLABLE = "apps.accounts.lockout.not_a_password_failure"

# --- Third-party ---------------------------------------------------------------------

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# Audit log (django-auditlog): every change to these models, by whom, field by field.
# `updated_at` changes with every save and says nothing; reverse relations are not fields.
AUDITLOG_INCLUDE_TRACKING_MODELS = (
    {"model": "programs.program", "exclude_fields": ["updated_at", "applications"]},
    {
        "model": "applications.application",
        "exclude_fields": ["updated_at", "attachments", "events"],
        # The log says that the passport number changed, never the number.
        "mask_fields": ["passport_number"],
        "mask_callable": "apps.core.crypto.mask_all",
    },
    {"model": "attachments.attachment"},
    # The student's 回复说明 to a 退回修改 item; the kept old value is personal data.
    {
        "model": "applications.returnitem",
        "mask_fields": ["old_value"],
        "mask_callable": "apps.core.crypto.mask_all",
    },
    {"model": "scores.scoresupplement"},
    {"model": "summaries.returnsummary", "exclude_fields": ["updated_at"]},
    # 日历订阅 made, replaced (重新生成) or revoked: that it changed, never the digest.
    {
        "model": "accounts.calendarfeed",
        "mask_fields": ["key_hash"],
        "mask_callable": "apps.core.crypto.mask_all",
    },
)

# --- Portal ----------------------------------------------------------------------------

PORTAL_NAME = _("学生交流管理系统")
PROGRAMS_PER_PAGE = env.int("PROGRAMS_PER_PAGE", default=20)
# The printed form's CJK font: Debian's fonts-noto-cjk, and the cut-down copies that
# `manage.py build_pdf_fonts` writes (apps/applications/pdf_fonts.py).
PDF_FONT_SOURCE_DIR = env.path("PDF_FONT_SOURCE_DIR", default="/usr/share/fonts/opentype/noto")
PDF_FONT_DIR = env.path("PDF_FONT_DIR", default=VAR_DIR / "pdf-fonts")

# Whom a student is told to contact when the portal cannot help (locked account, sign-in
# failure, refused page), e.g. "学生出国事务办公室（电话 027-6875xxxx）"; empty: each track's
# office by name (apps/accounts/helpdesk.py).
HELPDESK_CONTACT = env.str("HELPDESK_CONTACT", default="")

# Printed at the top of the 申请表 PDF.
UNIVERSITY_NAME = env.str("UNIVERSITY_NAME", default="示范大学")
# The name on the English 申请表 (empty: UNIVERSITY_NAME there too).
UNIVERSITY_NAME_EN = env.str("UNIVERSITY_NAME_EN", default="Demonstration University")
# Admission-result files (CSV/XLSX) imported in admin: size and row caps.
ADMISSION_IMPORT_MAX_BYTES = env.int("ADMISSION_IMPORT_MAX_BYTES", default=2 * 1024 * 1024)
ADMISSION_IMPORT_MAX_ROWS = env.int("ADMISSION_IMPORT_MAX_ROWS", default=5000)
# The registrar's roster (apps.accounts.roster): the whole university in one file.
ROSTER_IMPORT_MAX_BYTES = env.int("ROSTER_IMPORT_MAX_BYTES", default=20 * 1024 * 1024)
ROSTER_IMPORT_MAX_ROWS = env.int("ROSTER_IMPORT_MAX_ROWS", default=100_000)
# purge_attachments removes uploaded files older than this many years (kept as rows).
ATTACHMENT_RETENTION_YEARS = env.int("ATTACHMENT_RETENTION_YEARS", default=5)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django_auth_ldap": {"level": env.str("LDAP_LOG_LEVEL", default="WARNING")},
        # WeasyPrint logs every layout step at INFO; its warnings (a refused URL) stay.
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
    },
}
