"""Configuration comes from the environment; production refuses to start without secrets."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

PROBE = (
    "import django; from django.conf import settings; django.setup(); "
    "print(settings.DATABASES['default']['ENGINE']); print(settings.DEBUG); "
    "print(settings.MEDIA_ROOT); print(settings.ALLOWED_HOSTS)"
)


def run_settings(**env):
    clean = {
        key: value
        for key, value in os.environ.items()
        if key not in {"SECRET_KEY", "DEBUG", "DATABASE_URL", "ALLOWED_HOSTS", "MEDIA_ROOT"}
    }
    clean["DJANGO_SETTINGS_MODULE"] = "editorial.settings"
    clean.update(env)
    return subprocess.run(
        [sys.executable, "-c", PROBE], cwd=ROOT, env=clean, capture_output=True, text=True
    )


def test_missing_secret_key_with_debug_off_stops_start_up_with_a_clear_message():
    result = run_settings(DEBUG="0")
    assert result.returncode != 0
    assert "SECRET_KEY is not set" in result.stderr


def test_debug_on_uses_a_development_key_and_sqlite_by_default():
    result = run_settings(DEBUG="1")
    assert result.returncode == 0, result.stderr
    engine, debug, _media, hosts = result.stdout.splitlines()
    assert engine == "django.db.backends.sqlite3"
    assert debug == "True"
    assert "127.0.0.1" in hosts


def test_database_url_selects_postgresql_and_env_sets_hosts_and_media(tmp_path):
    result = run_settings(
        SECRET_KEY="x" * 50,
        DATABASE_URL="postgres://user:pw@db.internal:5432/explainers",
        ALLOWED_HOSTS="explainers.example, www.explainers.example",
        MEDIA_ROOT=str(tmp_path),
    )
    assert result.returncode == 0, result.stderr
    engine, debug, media, hosts = result.stdout.splitlines()
    assert engine == "django.db.backends.postgresql"
    assert debug == "False"
    assert media == str(tmp_path)
    assert hosts == "['explainers.example', 'www.explainers.example']"


SENTRY_PROBE = (
    "import sys, django; from django.conf import settings; django.setup(); "
    "print('sentry_sdk' in sys.modules); "
    "import sentry_sdk; client = sentry_sdk.get_client(); "
    "print(client.is_active()); print(client.options['dsn']); "
    "print(client.options['send_default_pii'])"
)


def probe_sentry(**env):
    clean = {key: value for key, value in os.environ.items() if not key.startswith("SENTRY_")}
    clean.update(DJANGO_SETTINGS_MODULE="editorial.settings", DEBUG="1", **env)
    result = subprocess.run(
        [sys.executable, "-c", SENTRY_PROBE], cwd=ROOT, env=clean, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.splitlines()


def test_without_a_dsn_sentry_is_neither_imported_nor_started():
    import importlib.util

    assert importlib.util.find_spec("sentry_sdk") is not None  # installed: the test means it
    imported, active, *_ = probe_sentry()
    assert imported == "False"
    assert active == "False"


def test_with_a_dsn_sentry_starts_without_personal_data():
    dsn = "http://public-key@127.0.0.1:9/1"  # nothing is sent: no error happens
    imported, active, configured, pii = probe_sentry(SENTRY_DSN=dsn)
    assert (imported, active, configured, pii) == ("True", "True", dsn, "False")
