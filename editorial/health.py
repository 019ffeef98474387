"""Health checks for load balancers and orchestrators, answered before anything else runs.

- ``/healthz``: the process answers (liveness). Touches nothing: no database, no cache, so a
  database outage never gets every app server restarted.
- ``/readyz``: this server can serve readers now (readiness): each database it reads
  (the primary and any replica), the cache (Redis in production), the media storage, and,
  with the database task backend, the task backlog: how many tasks wait for a worker and
  how long the oldest has waited (not ready past ``TASKS_BACKLOG_SECONDS``: no worker runs,
  or too few keep up, and renditions and page rebuilds wait; 0 only reports it).
  200 with ``{"status": "ready", ...}``, or 503 naming what failed (``"failed":
  ["database"]``): a load balancer then sends readers to a server that can answer them.

Both are answered by this middleware, placed before host validation, the HTTPS redirect,
sessions and the page cache: a load balancer probing by IP address over plain HTTP gets the
answer, not a 400 or a 301, and no cached page can stand in for a database that is down.
Every answer is ``Cache-Control: no-store``; the Varnish configuration passes them too.
Only what this deployment has is checked: there is no entry for a part it does not run.
"""

import os
import time
import uuid

from django.core.cache import cache
from django.core.files.storage import FileSystemStorage, storages
from django.db import connections
from django.http import HttpResponse, JsonResponse
from django.utils.cache import add_never_cache_headers

PATHS = ("/healthz", "/readyz")


def check_databases():
    """SELECT 1 on every configured database (a replica that is down fails reads too)."""
    for alias in connections:
        with connections[alias].cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()


def check_cache():
    """A value written and read back (Redis round trips, or this process's memory)."""
    key = f"explainers:readyz:{uuid.uuid4().hex}"
    cache.set(key, "1", 10)
    found = cache.get(key)
    cache.delete(key)
    if found != "1":
        raise RuntimeError("the cache did not return what was written")


def check_storage():
    """The media storage is there: its folder exists and may be written (on disk), or the
    bucket answers a lookup (object storage: one HEAD request, no listing)."""
    storage = storages["default"]
    if isinstance(storage, FileSystemStorage):
        location = storage.location
        if not os.path.isdir(location) or not os.access(location, os.W_OK | os.X_OK):
            raise RuntimeError("the media folder is missing or not writable")
        return
    storage.exists("readyz-probe")


class Backlogged(RuntimeError):
    pass


def check_tasks():
    """The queue of background tasks (explainers/tasks.py): how many are ready to run and
    the age in seconds of the one that has waited longest. One query (the ready tasks are
    an index of their own)."""
    from django.conf import settings
    from django.db.models import Count, Min, Q
    from django.utils import timezone
    from django_tasks_db.models import DBTaskResult, get_date_max

    now = timezone.now()
    never = get_date_max()
    found = DBTaskResult.objects.ready().aggregate(
        queued=Count("pk"),
        enqueued=Min("enqueued_at", filter=Q(run_after=never)),
        due=Min("run_after", filter=~Q(run_after=never)),  # retries, due since
    )
    waiting = [time for time in (found["enqueued"], found["due"]) if time is not None]
    oldest = round((now - min(waiting)).total_seconds(), 1) if waiting else 0
    details = {"queued": found["queued"], "oldest_seconds": max(oldest, 0)}
    if settings.TASKS_BACKLOG_SECONDS and oldest > settings.TASKS_BACKLOG_SECONDS:
        raise Backlogged(details)
    return details


CHECKS = {"database": check_databases, "cache": check_cache, "storage": check_storage}


def checks():
    """What this deployment has: the task backlog only with the database task backend."""
    from django.conf import settings

    found = dict(CHECKS)
    backend = settings.TASKS.get("default", {}).get("BACKEND", "")
    if backend.startswith("django_tasks_db."):
        found["tasks"] = check_tasks
    return found


def readiness():
    """(ready, {name: {"ok": bool, "ms": float, "error": str}}): every check, in order."""
    results = {}
    for name, check in checks().items():
        started = time.perf_counter()
        try:
            details = check()
        except Backlogged as error:
            results[name] = {"ok": False, "error": "backlog", **error.args[0]}
        except Exception as error:  # anything a check raises means "not ready"
            # The kind of error, not its message: messages can name hosts and users.
            results[name] = {"ok": False, "error": type(error).__name__}
        else:
            results[name] = {"ok": True, **(details or {})}
        results[name]["ms"] = round((time.perf_counter() - started) * 1000, 1)
    return all(result["ok"] for result in results.values()), results


def _respond(request):
    if request.path == "/healthz":
        response = HttpResponse("ok\n", content_type="text/plain; charset=utf-8")
    else:
        ready, results = readiness()
        response = JsonResponse(
            {
                "status": "ready" if ready else "unavailable",
                "failed": [name for name, result in results.items() if not result["ok"]],
                "checks": results,
            },
            status=200 if ready else 503,
        )
    add_never_cache_headers(response)
    return response


class HealthCheckMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path in PATHS and request.method in ("GET", "HEAD"):
            response = _respond(request)
            if request.method == "HEAD":
                response.content = b""
            return response
        return self.get_response(request)
