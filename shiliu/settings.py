"""shiliu settings, read from the environment.

SQLite under var/ is the embedded default; DATABASE_URL switches to PostgreSQL.
With SHILIU_ENV=production every required variable must be present.
"""

import os
import sys
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("SHILIU_VAR_DIR", BASE_DIR / "var"))
PRODUCTION = os.environ.get("SHILIU_ENV", "development") == "production"


def env(name: str, default: str | None = None) -> str | None:
    """Read a setting; in production a missing required variable stops start-up."""
    value = os.environ.get(name)
    if value:
        return value
    if PRODUCTION and default is None:
        raise ImproperlyConfigured(f"Environment variable {name} is required in production")
    return default


SECRET_KEY = env("SHILIU_SECRET_KEY", None if PRODUCTION else "dev-only-insecure-key-change-me-0123456789")
DEBUG = os.environ.get("SHILIU_DEBUG", "0" if PRODUCTION else "1") == "1"
ALLOWED_HOSTS = (env("SHILIU_ALLOWED_HOSTS") or "").split(",") if PRODUCTION else ["*"]
CSRF_TRUSTED_ORIGINS = [o for o in os.environ.get("SHILIU_CSRF_TRUSTED_ORIGINS", "").split(",") if o]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_htmx",
    "django_tasks",
    "django_tasks_db",
    "ninja",
    "shiliu.core",
    "shiliu.accounts",
    "shiliu.orgs",
    "shiliu.people",
    "shiliu.rosters",
    "shiliu.pairings",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "shiliu.core.context.ChineseByDefaultMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "shiliu.core.context.RequestContextMiddleware",
]

ROOT_URLCONF = "shiliu.urls"
WSGI_APPLICATION = "shiliu.wsgi.application"
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "shiliu" / "templates"],
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

VAR_DIR.mkdir(parents=True, exist_ok=True)
_default_db = f"sqlite:///{VAR_DIR / 'shiliu.sqlite3'}"
DATABASES = {"default": dj_database_url.parse(env("DATABASE_URL", None if PRODUCTION else _default_db))}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
elif os.environ.get("SHILIU_DB_POOL") == "1":
    DATABASES["default"]["OPTIONS"] = {"pool": {"min_size": 2, "max_size": 8}}
    DATABASES["default"]["CONN_MAX_AGE"] = 0
DATABASES["default"]["TEST"] = (
    {"NAME": os.environ.get("SHILIU_TEST_DB_NAME")} if os.environ.get("SHILIU_TEST_DB_NAME") else {}
)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "shiliu.accounts.validators.CharacterClassValidator"},
]

# Login lockout (GB/T 22239 level 3): 5 failures lock the account for 15 minutes.
SHILIU_LOCKOUT_FAILURES = 5
SHILIU_LOCKOUT_MINUTES = 15
# Idle session timeout: 30 minutes, renewed on every request.
SESSION_COOKIE_AGE = 30 * 60
SESSION_SAVE_EVERY_REQUEST = True
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
API_TOKEN_HOURS = 12

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("简体中文")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "shiliu" / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)
WHITENOISE_USE_FINDERS = DEBUG
# Front-end packages come from npm (package.json + lock) and are served locally: no CDN.
_VENDOR = {"htmx": "htmx.org/dist", "echarts": "echarts/dist"}
STATICFILES_DIRS = [
    (f"vendor/{name}", BASE_DIR / "node_modules" / sub)
    for name, sub in _VENDOR.items()
    if (BASE_DIR / "node_modules" / sub).exists()
]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": VAR_DIR / "media"}},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

# Background work runs on django-tasks' database backend (worker: `manage.py db_worker`);
# the test suite runs tasks inline.
TESTING = "pytest" in sys.modules
TASKS = {
    "default": {
        "BACKEND": os.environ.get(
            "SHILIU_TASKS_BACKEND",
            "django_tasks.backends.immediate.ImmediateBackend" if TESTING else "django_tasks_db.DatabaseBackend",
        ),
    }
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
}

if PRODUCTION:
    SECURE_SSL_REDIRECT = os.environ.get("SHILIU_SSL_REDIRECT", "1") == "1"
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = 31536000
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SECURE_CONTENT_TYPE_NOSNIFF = True
    X_FRAME_OPTIONS = "DENY"
