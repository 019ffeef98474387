"""Settings for the editorial CMS, read from the environment.

SQLite is the default so a newcomer needs nothing; ``DATABASE_URL`` selects PostgreSQL.
With ``DEBUG`` off every secret must come from the environment, or start-up stops.
"""

import os
import re
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name, default=False):
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name, default=()):
    value = os.environ.get(name)
    if value is None:
        return list(default)
    return [item.strip() for item in value.split(",") if item.strip()]


DEBUG = env_bool("DEBUG", default=False)

SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY is not set. Set the SECRET_KEY environment variable to a long random "
            "string (for example: python -c 'import secrets; print(secrets.token_urlsafe(50))'), "
            "or set DEBUG=1 for local development, which uses a development key."
        )
    SECRET_KEY = "dev-only-insecure-key-do-not-use-in-production"  # noqa: S105

ALLOWED_HOSTS = env_list(
    "ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"] if DEBUG else []
)
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.sitemaps",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    # SearchVectorField (the search index on PostgreSQL); harmless on SQLite.
    "django.contrib.postgres",
    "markdownx",
    # django-ninja, the read API: in INSTALLED_APPS so its docs page loads Swagger UI from
    # our own static files (allowed by the CSP) rather than from a CDN.
    "ninja",
    "reversion",
    "axes",
    "explainers",
]

# Background work (explainers/tasks.py) on Django's Tasks framework: ``django.tasks`` from
# Django 6, the ``django_tasks`` backport before it. ``TASKS_BACKEND=database`` (the
# default) queues tasks in the database for ``manage.py db_worker`` to run;
# ``immediate`` runs each task at once, inside the request that asked for it (the tests).
try:
    import django.tasks  # noqa: F401
except ImportError:
    TASKS_MODULE = "django_tasks"
    INSTALLED_APPS.insert(INSTALLED_APPS.index("explainers"), "django_tasks")
else:
    TASKS_MODULE = "django.tasks"
INSTALLED_APPS.insert(INSTALLED_APPS.index("explainers"), "django_tasks_db")
TASKS_BACKEND = os.environ.get("TASKS_BACKEND", "database")
if TASKS_BACKEND not in ("database", "immediate"):
    raise ImproperlyConfigured("TASKS_BACKEND must be database or immediate.")
TASKS = {
    "default": {
        "BACKEND": "django_tasks_db.DatabaseBackend"
        if TASKS_BACKEND == "database"
        else f"{TASKS_MODULE}.backends.immediate.ImmediateBackend"
    }
}
# /readyz answers 503 once the oldest queued task has waited this many seconds (no worker
# running, or too few for the work). 0, the default, reports the backlog without failing on
# it: the queue is shared, so a threshold would take every app server out at once although
# readers can be served without a worker.
TASKS_BACKLOG_SECONDS = int(os.environ.get("TASKS_BACKLOG_SECONDS", 0))

MIDDLEWARE = [
    # First, so its headers are on every response: static files (which whitenoise answers
    # before anything below runs) and the 400 for a Host header not in ALLOWED_HOSTS.
    "editorial.security.SecurityHeadersMiddleware",
    # /healthz and /readyz for load balancers, before host validation, the HTTPS redirect,
    # sessions and the page cache (editorial/health.py).
    "editorial.health.HealthCheckMiddleware",
    "editorial.security.RejectNulBytesMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Answers If-None-Match / If-Modified-Since with 304 from the page's ETag.
    "django.middleware.http.ConditionalGetMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as django-axes asks: it turns a locked-out sign-in into its lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "editorial.urls"
WSGI_APPLICATION = "editorial.wsgi.application"
ASGI_APPLICATION = "editorial.asgi.application"

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
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=int(os.environ.get("CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
if DATABASES["default"].get("ENGINE", "").endswith("postgresql"):
    # A database that is restarting must not hold a worker for long: give up connecting
    # after a few seconds and answer an error (the next request tries again).
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault(
        "connect_timeout", int(os.environ.get("DB_CONNECT_TIMEOUT", 5))
    )
# Optional read replicas (comma-separated URLs): public reads go there, writes and anything
# in a transaction stay on the primary (editorial/db_router.py).
for _index, _url in enumerate(env_list("DATABASE_REPLICA_URLS"), start=1):
    DATABASES[f"replica{_index}"] = dj_database_url.parse(
        _url, conn_max_age=DATABASES["default"].get("CONN_MAX_AGE", 60), conn_health_checks=True
    )
DATABASE_ROUTERS = ["editorial.db_router.ReplicaRouter"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# The cache: Redis when REDIS_URL is set (shared by every app server: pages, presence,
# throttles). Without it, files in CACHE_DIR, shared by every process on this machine:
# gunicorn's workers and the task worker each make changes, and a change made in one must
# reach the pages the others cached (a retraction, a raised level). LOCAL_CACHE=memory keeps
# the cache in each process's own memory instead: only for a site served by one process.
# Public pages are cached whole for anonymous readers for up to PAGE_CACHE_SECONDS (0 turns
# the page cache off); every change invalidates.
REDIS_URL = os.environ.get("REDIS_URL", "")
CACHE_DIR = Path(os.environ.get("CACHE_DIR", BASE_DIR / ".cache"))
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "editorial.cache.RedisCache", "LOCATION": REDIS_URL}}
elif os.environ.get("LOCAL_CACHE", "files") == "memory":
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(CACHE_DIR),
            "OPTIONS": {"MAX_ENTRIES": 10_000},
        }
    }
PAGE_CACHE_SECONDS = int(os.environ.get("PAGE_CACHE_SECONDS", 300))
# With Redis, each process keeps the pages it served last, up to this many bytes of HTML, and
# asks Redis only whether they are current (explainers/page_cache.py). 0 turns it off.
PAGE_CACHE_LOCAL_BYTES = int(
    os.environ.get("PAGE_CACHE_LOCAL_BYTES", 16 * 1024 * 1024 if REDIS_URL else 0)
)
# ... and reads the shared generation again once what it read is this old: another server's
# change reaches this one's readers within it (the server that made it, at once). 0: every hit.
PAGE_CACHE_GENERATION_SECONDS = float(os.environ.get("PAGE_CACHE_GENERATION_SECONDS", 0.05))
# "X-Page-Cache: hit/miss" on cached pages: for development only, since it tells anyone
# whether someone else asked for the same page (a search, say) a moment ago.
PAGE_CACHE_HEADER = env_bool("PAGE_CACHE_HEADER", default=DEBUG)

# An HTTP cache in front (Varnish, Fastly, Cloudflare) that keeps public pages by their
# Cache-Control and is purged by surrogate key after every change (explainers/edge_cache.py,
# docs/deploy.md). "none" sends nothing and writes no keys on pages.
EDGE_PURGER = os.environ.get("EDGE_PURGER", "none").strip()
EDGE_CACHE_URL = env_list("EDGE_CACHE_URL")
EDGE_CACHE_TOKEN = os.environ.get("EDGE_CACHE_TOKEN", "")
# The keys are purged again this many seconds later, for a page rendered from the data before
# the change by a request that was under way as it committed (0: once only).
EDGE_REPURGE_SECONDS = float(os.environ.get("EDGE_REPURGE_SECONDS", 2))

# The site's public origin ("https://unspoiled.example"): canonical links, og:url and
# og:image, JSON-LD, feeds, the sitemap and robots.txt use it rather than the Host header
# of whoever asked. Unset, they use the request's own scheme and host.
SITE_ORIGIN = os.environ.get("SITE_ORIGIN", "").strip().rstrip("/")
if SITE_ORIGIN and not re.fullmatch(r"https?://[A-Za-z0-9.\-\[\]:]+", SITE_ORIGIN):
    raise ImproperlyConfigured(
        "SITE_ORIGIN must be a scheme and a host, like https://unspoiled.example "
        f"(no path), not {SITE_ORIGIN!r}."
    )

# Email (authors are told when a new spoiler term finds a leak in their live article):
# printed to the console unless EMAIL_BACKEND names another backend (SMTP in production,
# with EMAIL_HOST and friends).
EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", 25))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS")
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "Unspoiled <editors@localhost>")

# Fresh (uncached) searches one client may make per window before a friendly 429.
SEARCHES_PER_CLIENT = int(os.environ.get("SEARCHES_PER_CLIENT", 30))
SEARCH_WINDOW_SECONDS = int(os.environ.get("SEARCH_WINDOW_SECONDS", 60))
# The read API (/api/v1/): answers not served from the page cache, per client and window.
API_REQUESTS_PER_CLIENT = int(os.environ.get("API_REQUESTS_PER_CLIENT", 300))
API_WINDOW_SECONDS = int(os.environ.get("API_WINDOW_SECONDS", 60))

LANGUAGE_CODE = "en-gb"
TIME_ZONE = os.environ.get("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", BASE_DIR / "staticfiles"))
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", BASE_DIR / "media"))
# Django serves uploads itself only for development; production puts media on a web
# server or object storage.
SERVE_MEDIA = env_bool("SERVE_MEDIA", default=DEBUG)

STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

LOGIN_URL = "admin:login"

# Uploaded images: one limit for the admin and the Markdown editor alike.
IMAGE_UPLOAD_MAX_BYTES = int(os.environ.get("IMAGE_UPLOAD_MAX_BYTES", 10 * 1024 * 1024))
IMAGE_MAX_PIXELS = int(os.environ.get("IMAGE_MAX_PIXELS", 40_000_000))
# An animation costs a decode and an object per frame, however small: a 10 MB GIF can hold
# 430,000 one-pixel frames. Counting stops at the limit; decoding stops at the deadline.
IMAGE_MAX_FRAMES = int(os.environ.get("IMAGE_MAX_FRAMES", 1000))
IMAGE_DECODE_SECONDS = float(os.environ.get("IMAGE_DECODE_SECONDS", 5))
DATA_UPLOAD_MAX_MEMORY_SIZE = 12 * 1024 * 1024

# Spoiler window: for this many days after a work's release the page reveals nothing by
# default; afterwards it opens sections up to SPOILER_RELAXED_RANK (0 = still nothing)
# unless a moderator set a level for the work. A reader's own choice always wins.
SPOILER_WINDOW_DAYS = int(os.environ.get("SPOILER_WINDOW_DAYS", 3 * 365))
SPOILER_RELAXED_RANK = int(os.environ.get("SPOILER_RELAXED_RANK", 0))

# Reader reports ("Report an unmarked spoiler"): each client may file this many in a
# window of this many seconds, counted in the default cache (give several processes a
# shared cache, or each counts alone). A report's note is held to READER_REPORT_MAX_CHARS.
READER_REPORTS_PER_CLIENT = int(os.environ.get("READER_REPORTS_PER_CLIENT", 5))
READER_REPORT_WINDOW_SECONDS = int(os.environ.get("READER_REPORT_WINDOW_SECONDS", 600))
READER_REPORT_MAX_CHARS = int(os.environ.get("READER_REPORT_MAX_CHARS", 2000))
# Proxies in front of the app, each appending to X-Forwarded-For: the reader is the
# address the outermost one saw. 0: the connection's own address.
PROXY_COUNT = int(os.environ.get("PROXY_COUNT", 0))
# Shareable preview links for reviewers without an account stop working after this many
# days (and at once when the article is retracted).
PREVIEW_LINK_DAYS = int(os.environ.get("PREVIEW_LINK_DAYS", 3))
PREVIEW_LINK_MAX_AGE = PREVIEW_LINK_DAYS * 24 * 3600

# django-markdownx: the live preview calls the very function that renders for readers.
MARKDOWNX_MARKDOWNIFY_FUNCTION = "explainers.rendering.markdownify_preview"
MARKDOWNX_URLS_PATH = "/markdownx/markdownify/"
MARKDOWNX_UPLOAD_URLS_PATH = "/markdownx/upload/"
MARKDOWNX_UPLOAD_MAX_SIZE = IMAGE_UPLOAD_MAX_BYTES
MARKDOWNX_UPLOAD_CONTENT_TYPES = ["image/jpeg", "image/png", "image/gif", "image/webp"]
MARKDOWNX_SERVER_CALL_LATENCY = 400

# --- hardening ----------------------------------------------------------------------------
# Cookies over HTTPS only in production; HSTS and the HTTPS redirect likewise (a proxy that
# terminates TLS must say so with X-Forwarded-Proto, see SECURE_PROXY_SSL_HEADER).
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = env_bool("SECURE_COOKIES", default=not DEBUG)
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
# Staff sessions end after SESSION_HOURS (8: a working day) and when the browser closes.
SESSION_COOKIE_AGE = int(os.environ.get("SESSION_HOURS", 8)) * 3600
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", default=not DEBUG)
SECURE_HSTS_SECONDS = int(os.environ.get("HSTS_SECONDS", 0 if DEBUG else 31_536_000))
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("HSTS_INCLUDE_SUBDOMAINS", default=not DEBUG)
SECURE_HSTS_PRELOAD = env_bool("HSTS_PRELOAD", default=not DEBUG)
if env_bool("BEHIND_TLS_PROXY", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_REFERRER_POLICY = "strict-origin-when-cross-origin"
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
# No inline script anywhere (the reveal, shield and admin scripts are static files); inline
# styles are allowed (the admin uses style attributes). Extra image hosts (object storage,
# a CDN) come from CSP_IMG_HOSTS.
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self' 'unsafe-inline'",
        " ".join(["img-src 'self' data:", *env_list("CSP_IMG_HOSTS")]),
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)
PERMISSIONS_POLICY = "camera=(), microphone=(), geolocation=()"

# Admin sign-in is throttled (django-axes): after AXES_FAILURE_LIMIT failures for one
# username from one address, that pair is locked out for AXES_COOLOFF_MINUTES.
AXES_FAILURE_LIMIT = int(os.environ.get("AXES_FAILURE_LIMIT", 5))
AXES_COOLOFF_TIME = int(os.environ.get("AXES_COOLOFF_MINUTES", 15)) / 60  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "admin/locked_out.html"
# The client's address as the rest of the site reads it (PROXY_COUNT above). django-ipware,
# which axes uses otherwise, looked only at REMOTE_ADDR and found no client behind a proxy:
# every failure then counted against one address, None, shared by everyone.
AXES_CLIENT_IP_CALLABLE = "explainers.throttling.client_address"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

# Errors reported to Sentry, only when SENTRY_DSN is set (pip install '.[sentry]'): the
# SDK is neither imported nor started otherwise. No personal data is sent (no user names,
# addresses or cookies); SENTRY_TRACES_SAMPLE_RATE (0 by default) turns on tracing.
SENTRY_DSN = os.environ.get("SENTRY_DSN", "").strip()
if SENTRY_DSN:
    import sentry_sdk

    sentry_sdk.init(
        dsn=SENTRY_DSN,
        environment=os.environ.get("SENTRY_ENVIRONMENT", "production"),
        send_default_pii=False,
        traces_sample_rate=float(os.environ.get("SENTRY_TRACES_SAMPLE_RATE", 0)),
    )

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
}
