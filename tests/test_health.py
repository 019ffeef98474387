"""/healthz and /readyz: answered before anything else (host check, HTTPS redirect, the
page cache), never cacheable, and /readyz names what failed with a 503."""

import json
import socket
from contextlib import contextmanager

import pytest
from django.core.cache import cache
from django.db import connections
from django.db.utils import load_backend


@contextmanager
def unreachable_database():
    """The default database made unreachable for real: a connection to a closed port
    (PostgreSQL) or to a file in a folder that does not exist (SQLite)."""
    real = connections["default"]
    settings_dict = dict(real.settings_dict)
    if real.vendor == "postgresql":
        settings_dict.update(HOST="127.0.0.1", PORT=str(closed_port()))
    else:
        settings_dict["NAME"] = "/nonexistent-folder-for-readyz/db.sqlite3"
    broken = load_backend(settings_dict["ENGINE"]).DatabaseWrapper(settings_dict, "default")
    connections["default"] = broken
    try:
        yield
    finally:
        connections["default"] = real
        broken.close()


def closed_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


# /readyz asks every configured database (the tests' settings have a replica alias too).
every_database = pytest.mark.django_db(databases="__all__")


@pytest.fixture(autouse=True)
def close_replica_connections():
    """/readyz opens the replica alias's own connection: closed after each test, or the
    test database could not be dropped at the end (PostgreSQL)."""
    yield
    for alias in connections:
        if alias != "default":
            connections[alias].close()


def body(response):
    return json.loads(response.content)


def test_healthz_answers_without_the_database_and_is_never_cached(client, settings):
    # No database for this test: any query would raise.
    settings.SECURE_SSL_REDIRECT = True  # a load balancer probes over plain HTTP
    # Probed by IP address, which ALLOWED_HOSTS does not list.
    response = client.get("/healthz", HTTP_HOST="10.0.0.7")
    assert response.status_code == 200
    assert response.content == b"ok\n"
    assert "no-store" in response["Cache-Control"]


@every_database
def test_readyz_checks_the_database_the_cache_and_storage(client):
    response = client.get("/readyz", HTTP_HOST="10.0.0.7")
    assert response.status_code == 200, response.content
    found = body(response)
    assert found["status"] == "ready" and found["failed"] == []
    assert set(found["checks"]) == {"database", "cache", "storage"}
    assert all(check["ok"] for check in found["checks"].values())
    assert "no-store" in response["Cache-Control"]


@every_database
def test_with_the_database_down_readyz_says_so_though_cached_pages_still_answer(
    client, settings, still_clock
):
    settings.PAGE_CACHE_SECONDS = 300
    cache.clear()
    assert client.get("/")["X-Page-Cache"] == "miss"
    with unreachable_database():
        home = client.get("/")
        assert home.status_code == 200 and home["X-Page-Cache"] == "hit"  # what hid it
        for _ in range(2):  # and never from a cache
            response = client.get("/readyz")
            assert response.status_code == 503
            found = body(response)
            assert found["status"] == "unavailable"
            assert found["failed"] == ["database"]
            assert found["checks"]["database"]["error"] == "OperationalError"
            assert found["checks"]["cache"]["ok"] and found["checks"]["storage"]["ok"]
            assert "no-store" in response["Cache-Control"]
        assert client.get("/healthz").status_code == 200  # the process itself is fine
    cache.clear()


@every_database
def test_an_unreachable_cache_fails_readyz(client, settings):
    port = closed_port()
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": f"redis://127.0.0.1:{port}/0",
        }
    }
    response = client.get("/readyz")
    assert response.status_code == 503
    assert body(response)["failed"] == ["cache"]


@every_database
def test_a_missing_media_folder_fails_readyz(client, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "not-there")
    response = client.get("/readyz")
    assert response.status_code == 503
    assert body(response)["failed"] == ["storage"]


# -- the task backlog (the database task backend only) -------------------------------------

QUEUE = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


def queue_a_task(waited_seconds):
    """A real task queued through the database backend, as if ``waited_seconds`` ago."""
    from datetime import timedelta

    from django.utils import timezone
    from django_tasks_db.models import DBTaskResult

    from explainers import tasks

    result = tasks.rebuild_pages.enqueue([])
    DBTaskResult.objects.filter(pk=result.id).update(
        enqueued_at=timezone.now() - timedelta(seconds=waited_seconds)
    )


@every_database
def test_with_tasks_run_at_once_readyz_has_no_backlog_to_report(client):
    assert "tasks" not in body(client.get("/readyz"))["checks"]


@every_database
def test_readyz_reports_the_task_backlog(client, settings):
    settings.TASKS = QUEUE
    settings.TASKS_BACKLOG_SECONDS = 300
    found = body(client.get("/readyz"))
    assert found["checks"]["tasks"]["ok"]
    assert found["checks"]["tasks"]["queued"] == 0
    assert found["checks"]["tasks"]["oldest_seconds"] == 0
    queue_a_task(waited_seconds=40)
    queue_a_task(waited_seconds=5)
    response = client.get("/readyz")
    assert response.status_code == 200
    tasks = body(response)["checks"]["tasks"]
    assert tasks["ok"] and tasks["queued"] == 2
    assert 40 <= tasks["oldest_seconds"] < 60


@every_database
def test_a_task_waiting_past_the_limit_fails_readyz_with_the_figures(client, settings):
    settings.TASKS = QUEUE
    settings.TASKS_BACKLOG_SECONDS = 300
    queue_a_task(waited_seconds=900)  # no worker has run for a quarter of an hour
    response = client.get("/readyz")
    assert response.status_code == 503
    found = body(response)
    assert found["failed"] == ["tasks"]
    assert found["checks"]["tasks"]["error"] == "backlog"
    assert found["checks"]["tasks"]["queued"] == 1
    assert found["checks"]["tasks"]["oldest_seconds"] >= 900
    # With the limit off, the backlog is reported and readers still get this server.
    settings.TASKS_BACKLOG_SECONDS = 0
    response = client.get("/readyz")
    assert response.status_code == 200
    assert body(response)["checks"]["tasks"]["queued"] == 1
