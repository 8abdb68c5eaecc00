"""Settings for the publishing backend: every knob comes from the environment.

Development defaults are safe to run on a laptop (`DJANGO_DEBUG=1`). With debug off
(production), what production needs has no fallback and start-up fails loudly.
"""

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from articles.languages import check_settings as check_content_languages

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name, default=False):
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name, default=""):
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DJANGO_DEBUG", False)

SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "DJANGO_SECRET_KEY is not set. Set it to a long random string in production, "
            "or set DJANGO_DEBUG=1 for local development."
        )
    SECRET_KEY = "dev-only-insecure-key-never-used-in-production-0123456789abcdef"

ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost" if DEBUG else "")
if not DEBUG and not ALLOWED_HOSTS:
    raise ImproperlyConfigured("DJANGO_ALLOWED_HOSTS must list the site's host names.")

SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000").rstrip("/")
SITE_NAME = os.environ.get("SITE_NAME", "Caspian Policy Review")
DEFAULT_REPUBLICATION_LICENCE = os.environ.get("DEFAULT_REPUBLICATION_LICENCE", "CC BY-ND 4.0")
# Newsletter sign-up (newsletter/): double opt-in links and rate limits.
NEWSLETTER_CONFIRM_DAYS = int(os.environ.get("NEWSLETTER_CONFIRM_DAYS", "7"))
NEWSLETTER_SIGNUPS_PER_HOUR_PER_ADDRESS = int(
    os.environ.get("NEWSLETTER_SIGNUPS_PER_HOUR_PER_ADDRESS", "5")
)
NEWSLETTER_SIGNUPS_PER_HOUR_PER_EMAIL = int(
    os.environ.get("NEWSLETTER_SIGNUPS_PER_HOUR_PER_EMAIL", "3")
)
# The publisher's logo in structured data (an absolute URL or a static path), with its size.
PUBLISHER_LOGO = os.environ.get("PUBLISHER_LOGO", "img/publisher-logo.png")
PUBLISHER_LOGO_WIDTH = int(os.environ.get("PUBLISHER_LOGO_WIDTH", "512"))
PUBLISHER_LOGO_HEIGHT = int(os.environ.get("PUBLISHER_LOGO_HEIGHT", "512"))

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.sitemaps",
    "django.contrib.postgres",
    "django_tasks",
    "django_tasks_db",
    "rest_framework",
    "rest_framework_api_key",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "corsheaders",
    "simple_history",
    "django_prose_editor",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "articles",
    "related",
    "cpc_site.apps.SiteConfig",
    "partners",
    "webhooks",
    "newsletter",
]

MIDDLEWARE = [
    # First: load balancers ask by address over plain HTTP (no host check, no redirect).
    "cpc_site.health.HealthCheckMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "cpc_site.middleware.PermissionsPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Before the response cache and every view: `?q=%00` is a 400, never a 500.
    "cpc_site.middleware.QueryControlCharactersMiddleware",
    "corsheaders.middleware.CorsMiddleware",
    # Above sessions and auth: an anonymous hit costs no SQL.
    "cpc_site.caching.ResponseCacheMiddleware",
    # Below the response cache: a response is compressed once and stored compressed, with
    # its policy (which reads the uncompressed page, hence below compression).
    "django.middleware.gzip.GZipMiddleware",
    "cpc_site.middleware.ContentSecurityPolicyMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "cpc_site.middleware.ConditionalGetMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "cpc_site.two_factor.TwoFactorRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "articles.middleware.LegacyPathRedirectMiddleware",
    # Last: it answers the login attempts of a locked-out username or address (429).
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "cpc_site.urls"
WSGI_APPLICATION = "cpc_site.wsgi.application"

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
                "django.template.context_processors.i18n",
                "cpc_site.context_processors.site",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=int(os.environ.get("DATABASE_CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}

REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CACHES = {
        "default": {
            # Django's Redis backend that degrades to uncached on any Redis error, with a
            # circuit breaker (cpc_site.cache_backend): Redis down = slower, never down.
            "BACKEND": "cpc_site.cache_backend.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": os.environ.get("CACHE_KEY_PREFIX", "cpc"),
            "OPTIONS": {
                # RESP2: redis-py 8 speaks RESP3 by default, whose pure-Python parser costs
                # more per call than the bytes we read (every cached hit is one call).
                "protocol": 2,
                # A hung Redis costs a request at most this long, once per breaker period.
                "socket_connect_timeout": float(
                    os.environ.get("REDIS_CONNECT_TIMEOUT_SECONDS", "0.25")
                ),
                "socket_timeout": float(os.environ.get("REDIS_TIMEOUT_SECONDS", "0.5")),
                "retry_seconds": float(os.environ.get("REDIS_RETRY_SECONDS", "5")),
            },
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# Whole-response cache for anonymous GETs (cpc_site.caching). On by default only with a
# shared cache: local memory is per process, so another worker's edit could not retire it.
RESPONSE_CACHE_ALIAS = "default"
# The apps' rules the response cache asks (cpc_site.caching imports no app): when the next
# scheduled publication happens, and what a partner key's request may share.
RESPONSE_CACHE_NEXT_PUBLICATION = "articles.changes.next_scheduled_publication"
RESPONSE_CACHE_AUDIENCE = "partners.access.cache_audience"
RESPONSE_CACHE_SECONDS = int(os.environ.get("RESPONSE_CACHE_SECONDS", "600" if REDIS_URL else "0"))
# Fragments of pages ({% cachedfragment %}) under the same rules, also with the page cache off.
FRAGMENT_CACHE_SECONDS = int(os.environ.get("FRAGMENT_CACHE_SECONDS", "600" if REDIS_URL else "0"))
# Live articles' pages and API representations rendered once after each change (see
# articles.prerender); off: every request renders them.
PRERENDERED_ARTICLES = os.environ.get("PRERENDERED_ARTICLES", "1") == "1"
# With the Redis backend, each worker also keeps recent hits in its own memory (at most this
# many bytes of content), served with no Redis round trip; kept fresh by pub/sub and trusted
# for at most RESPONSE_CACHE_LOCAL_TRUST_SECONDS after the last read from Redis. 0 turns it off.
RESPONSE_CACHE_LOCAL_BYTES = int(os.environ.get("RESPONSE_CACHE_LOCAL_BYTES", str(32 * 1024**2)))
RESPONSE_CACHE_LOCAL_TRUST_SECONDS = float(
    os.environ.get("RESPONSE_CACHE_LOCAL_TRUST_SECONDS", "1")
)
# /health/ready/ reuses its storage check this long (an object store is a network call).
HEALTH_STORAGE_CHECK_SECONDS = int(os.environ.get("HEALTH_STORAGE_CHECK_SECONDS", "30"))
RESPONSE_CACHE_SKIP_PATHS = ["/static/", "/media/", "/_bench/"]
RESPONSE_CACHE_PRIVATE_PATHS = ["/admin/", "/preview/"]
# Headers for browsers and a CDN in front: short, because only this server sees edits.
CACHE_CONTROL_MAX_AGE = int(os.environ.get("CACHE_CONTROL_MAX_AGE", "30"))
CACHE_CONTROL_S_MAXAGE = int(os.environ.get("CACHE_CONTROL_S_MAXAGE", "60"))

# A read replica: reads go there, writes (and reads inside a write) to the primary.
DATABASE_REPLICA_URL = os.environ.get("DATABASE_REPLICA_URL", "")
if DATABASE_REPLICA_URL:
    DATABASES["replica"] = dj_database_url.parse(
        DATABASE_REPLICA_URL,
        conn_max_age=int(os.environ.get("DATABASE_CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
    DATABASE_ROUTERS = ["cpc_site.db_router.PrimaryReplicaRouter"]
    MIDDLEWARE.insert(
        MIDDLEWARE.index("cpc_site.caching.ResponseCacheMiddleware") + 1,
        "cpc_site.db_router.PrimaryAfterWriteMiddleware",
    )
# Responses rendered this soon after a change are not stored: the replica may lag behind.
RESPONSE_CACHE_SETTLE_SECONDS = float(
    os.environ.get("RESPONSE_CACHE_SETTLE_SECONDS", "2" if DATABASE_REPLICA_URL else "0")
)

# The benchmark's floor: a constant view, routed only when the benchmark asks for it.
BENCH_FLOOR_VIEW = env_bool("BENCH_FLOOR_VIEW", False)
if BENCH_FLOOR_VIEW:
    ROOT_URLCONF = "bench.urls"

# Background jobs: Django's tasks API with the database backend (jobs are rows committed with
# the change that needs them; `manage.py worker` runs them). See README, Background work.
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
# Duties `manage.py worker` runs periodically: (task or function, every N seconds).
WORKER_PERIODIC_TASKS = [
    ("articles.tasks.publish_due", 5),
    ("articles.tasks.stamp_commit_times", 60),
    ("webhooks.tasks.dispatch_and_deliver", 1),
    ("partners.tasks.flush_usage", 60),
]

# Partner webhooks (webhooks/): see README, "Webhooks".
# Loopback and private addresses (and plain http to them) only when this is on: development
# and tests. Never in production: a webhook must not reach the site's own network.
WEBHOOK_ALLOW_PRIVATE_ADDRESSES = env_bool("WEBHOOK_ALLOW_PRIVATE_ADDRESSES", False)
WEBHOOK_TIMEOUT_SECONDS = float(os.environ.get("WEBHOOK_TIMEOUT_SECONDS", "10"))
# A worker that dies mid-delivery leaves it to another after this long (> the timeout).
WEBHOOK_LEASE_SECONDS = int(os.environ.get("WEBHOOK_LEASE_SECONDS", "60"))
WEBHOOK_RETRY_FIRST_DELAY_SECONDS = int(os.environ.get("WEBHOOK_RETRY_FIRST_DELAY_SECONDS", "30"))
WEBHOOK_RETRY_MAX_DELAY_SECONDS = int(os.environ.get("WEBHOOK_RETRY_MAX_DELAY_SECONDS", "14400"))
WEBHOOK_RETRY_FOR_SECONDS = int(os.environ.get("WEBHOOK_RETRY_FOR_SECONDS", str(24 * 3600)))
WEBHOOK_CONCURRENCY = int(os.environ.get("WEBHOOK_CONCURRENCY", "4"))
WEBHOOK_SECRET_ROTATION_HOURS = int(os.environ.get("WEBHOOK_SECRET_ROTATION_HOURS", "24"))

# E-mail (webhook owners are told when their endpoint is disabled). Printed to the console in
# development; an SMTP server in production.
EMAIL_BACKEND = os.environ.get(
    "EMAIL_BACKEND",
    "django.core.mail.backends.console.EmailBackend"
    if DEBUG
    else "django.core.mail.backends.smtp.EmailBackend",
)
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "webmaster@localhost")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# The reader interface (navigation, "Related Articles", dates) ships in these languages
# (locale/); pages take the language of their content or of their language section.
LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("ru", "Русский")]
LOCALE_PATHS = [BASE_DIR / "locale"]
# The languages articles are written in (BCP 47 codes), and the one new articles get.
CONTENT_LANGUAGES = env_list("CONTENT_LANGUAGES", "en,ru,az,kk")
DEFAULT_CONTENT_LANGUAGE = os.environ.get("DEFAULT_CONTENT_LANGUAGE", CONTENT_LANGUAGES[0])
try:
    check_content_languages(CONTENT_LANGUAGES, DEFAULT_CONTENT_LANGUAGE)
except ValueError as error:
    raise ImproperlyConfigured(str(error)) from None
TIME_ZONE = os.environ.get("DJANGO_TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", BASE_DIR / "staticfiles"))
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = os.environ.get("MEDIA_URL", "/media/")
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", BASE_DIR / "media"))

# Media on S3-compatible object storage when a bucket is configured, local files otherwise.
AWS_STORAGE_BUCKET_NAME = os.environ.get("AWS_STORAGE_BUCKET_NAME", "")
if AWS_STORAGE_BUCKET_NAME:
    AWS_S3_ENDPOINT_URL = os.environ.get("AWS_S3_ENDPOINT_URL") or None
    AWS_S3_CUSTOM_DOMAIN = os.environ.get("AWS_S3_CUSTOM_DOMAIN") or None
    AWS_QUERYSTRING_AUTH = False
    media_storage = {"BACKEND": "storages.backends.s3.S3Storage"}
else:
    media_storage = {"BACKEND": "django.core.files.storage.FileSystemStorage"}
# Without a bucket, the app serves MEDIA_ROOT itself (cpc_site.media), debug on or off.
SERVE_MEDIA = env_bool("SERVE_MEDIA", not AWS_STORAGE_BUCKET_NAME and MEDIA_URL.startswith("/"))
MEDIA_CACHE_SECONDS = int(os.environ.get("MEDIA_CACHE_SECONDS", str(365 * 24 * 3600)))
STORAGES = {
    "default": media_storage,
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Uploads: images are validated in articles.images; these cap what reaches Python at all.
DOCUMENT_MAX_UPLOAD_BYTES = int(os.environ.get("DOCUMENT_MAX_UPLOAD_BYTES", str(50 * 1024 * 1024)))
IMAGE_MAX_UPLOAD_BYTES = int(os.environ.get("IMAGE_MAX_UPLOAD_BYTES", str(15 * 1024 * 1024)))
IMAGE_MAX_PIXELS = int(os.environ.get("IMAGE_MAX_PIXELS", str(40_000_000)))
IMAGE_RENDITION_WIDTHS = [320, 640, 960, 1280, 1920]
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

# Security. Development keeps plain HTTP; production gets the full set.
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "strict-origin-when-cross-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True
if not DEBUG:
    SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = int(os.environ.get("DJANGO_HSTS_SECONDS", str(365 * 24 * 3600)))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS")
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; img-src 'self' data: https:; style-src 'self' 'unsafe-inline'; "
    "script-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; "
    "frame-ancestors 'none'"
)

PERMISSIONS_POLICY = (
    "accelerometer=(), autoplay=(), browsing-topics=(), camera=(), display-capture=(), "
    "geolocation=(), gyroscope=(), magnetometer=(), microphone=(), payment=(), usb=()"
)

CORS_ALLOW_METHODS = ["GET", "HEAD", "OPTIONS"]
CORS_URLS_REGEX = r"^/api/.*$"
CORS_ALLOW_ALL_ORIGINS = True
CORS_ALLOW_HEADERS = ["authorization", "x-api-key", "if-none-match", "if-modified-since"]
CORS_EXPOSE_HEADERS = ["etag", "last-modified", "ratelimit", "ratelimit-policy", "retry-after"]

# History: 64-bit ids and change notes of any length (see articles.history).
SIMPLE_HISTORY_HISTORY_CHANGE_REASON_USE_TEXT_FIELD = True

LOGIN_URL = "admin:login"

# Login limits (django-axes): after AXES_FAILURE_LIMIT wrong passwords for one username, or
# from one address, further attempts are refused (429) for AXES_COOLOFF_MINUTES. A Publisher
# unlocks early by deleting the attempts in the admin (Axes > Access attempts).
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = int(os.environ.get("AXES_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = timedelta(minutes=int(os.environ.get("AXES_COOLOFF_MINUTES", "15")))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]  # either one locks
AXES_RESET_ON_SUCCESS = True
AXES_CLIENT_IP_CALLABLE = "cpc_site.addresses.client_address"
AXES_LOCKOUT_TEMPLATE = "admin/locked_out.html"

# Two-factor (django-otp, TOTP with recovery codes): staff may enrol at /admin/two-factor/;
# whoever can publish must, when this is on (default: on in production, off with debug).
OTP_REQUIRED_FOR_PUBLISHERS = env_bool("OTP_REQUIRED_FOR_PUBLISHERS", not DEBUG)
OTP_TOTP_ISSUER = SITE_NAME


LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("DJANGO_LOG_LEVEL", "WARNING")},
    # WeasyPrint warns about every screen-only CSS rule of the page it prints (article PDFs).
    "loggers": {"weasyprint": {"level": "ERROR"}},
}
RELATED_BLOCK_SIZE = int(os.environ.get("RELATED_BLOCK_SIZE", "3"))

# Partner API (/api/v1/): anonymous reads at a modest rate, partners by key at their key's rate.
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["partners.authentication.PartnerKeyAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.AllowAny"],
    "DEFAULT_THROTTLE_CLASSES": [
        "partners.throttles.AnonymousRateThrottle",
        "partners.throttles.PartnerKeyRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": os.environ.get("API_ANON_THROTTLE_RATE", "120/hour"),
        "partner": os.environ.get("API_PARTNER_THROTTLE_RATE", "5000/hour"),
    },
    "DEFAULT_RENDERER_CLASSES": ["cpc_site.api_renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_SCHEMA_CLASS": "cpc_site.api_errors.ProblemAutoSchema",
    "EXCEPTION_HANDLER": "cpc_site.api_errors.problem_exception_handler",
    "DEFAULT_METADATA_CLASS": None,
    "NUM_PROXIES": int(os.environ.get("API_NUM_PROXIES") or 0) or None,
}
# Count partner requests in the shared cache, moved into the database every minute by the
# worker (a keyed answer from the response cache then writes nothing to the database).
# Wrong API keys: an address that sent this many in a window gets 429 until the window ends.
API_REFUSED_KEY_LIMIT = int(os.environ.get("API_REFUSED_KEY_LIMIT", "10"))
API_REFUSED_KEY_WINDOW_SECONDS = int(os.environ.get("API_REFUSED_KEY_WINDOW_SECONDS", "300"))
PARTNER_USAGE_IN_CACHE = env_bool("PARTNER_USAGE_IN_CACHE", bool(REDIS_URL))
API_PAGE_SIZE = 20
API_PAGE_SIZE_MAX = 100
API_CACHE_MAX_AGE = int(os.environ.get("API_CACHE_MAX_AGE", "60"))

SPECTACULAR_SETTINGS = {
    "TITLE": f"{SITE_NAME} partner API",
    "DESCRIPTION": (
        "Read-only JSON API of the published analysis. Anonymous reads are allowed at a "
        "modest rate; partners send `Authorization: Api-Key <key>`. Errors are RFC 7807 "
        "problem details (`application/problem+json`). Every GET answers with `ETag` and "
        "`Last-Modified` and honours `If-None-Match` / `If-Modified-Since` with 304."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "ArticleTypeEnum": "articles.models.Article.Type",
        "TopicKindEnum": "articles.models.Topic.Kind",
        "RelatedKindEnum": ["curated", "suggested"],
    },
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "cpc_site.api_errors.postprocess_schema",
    ],
}
# End of partner API settings.
