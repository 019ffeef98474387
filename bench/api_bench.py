"""The read API beside the article page: requests a second and queries per request.

    .venv/bin/python bench/api_bench.py [--requests 2000]

Loads the demo into a throwaway SQLite database (or the PostgreSQL database named by
BENCH_DATABASE_URL, which it migrates and fills with the demo) and, in one process with
Django's test client (the whole middleware stack, no network), asks each address many
times: the article page (served from its stored document), the API's article detail by
default and with ``reveal=3``, the API's list and the oEmbed card. Each is measured with
the page cache off (every request does the real work) and on (anonymous answers served
from the in-memory cache), and its queries are counted once with the cache off. A
benchmark, not a test: it prints figures and asserts nothing.
"""

import argparse
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
WORK = tempfile.mkdtemp(prefix="api-bench-")
os.environ.update(
    DJANGO_SETTINGS_MODULE="editorial.settings",
    SECRET_KEY="bench-only",
    DEBUG="1",  # static files without collectstatic
    PAGE_CACHE_HEADER="0",
    DATABASE_URL=os.environ.get("BENCH_DATABASE_URL", f"sqlite:///{WORK}/bench.sqlite3"),
    MEDIA_ROOT=f"{WORK}/media",
    API_REQUESTS_PER_CLIENT="100000000",
    LOG_LEVEL="ERROR",
)

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.cache import cache  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402

SLUG = "the-perfection-ending-explained"
ADDRESSES = [
    ("article page", f"/articles/{SLUG}/"),
    ("API article", f"/api/v1/articles/{SLUG}"),
    ("API article ?reveal=3", f"/api/v1/articles/{SLUG}?reveal=3"),
    ("API list", "/api/v1/articles"),
    ("oEmbed card", f"/api/v1/oembed?url=/articles/{SLUG}/"),
]


def counting(queries):
    def wrapper(execute, sql, params, many, context):
        queries.append(sql)
        return execute(sql, params, many, context)

    return wrapper


def rate(client, url, count):
    start = time.perf_counter()
    for _ in range(count):
        response = client.get(url)
    elapsed = time.perf_counter() - start
    assert response.status_code == 200, (url, response.status_code)
    return count / elapsed


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=2000)
    count = parser.parse_args().requests
    try:
        call_command("migrate", verbosity=0)
        call_command("demo", stdout=open(os.devnull, "w"))  # noqa: SIM115
        client = Client(SERVER_NAME="localhost")
        print(f"database: {connection.vendor}; {count} requests each, one process")
        print(f"{'address':24} {'queries':>7} {'req/s, no cache':>16} {'req/s, page cache':>18}")
        for label, url in ADDRESSES:
            settings.PAGE_CACHE_SECONDS = 0
            client.get(url)  # warm: the stored document, imports, the ladder
            queries = []
            # Counted as they run: a request starts by emptying the query log, so
            # CaptureQueriesContext (which slices that log) could see none.
            with connection.execute_wrapper(counting(queries)):
                client.get(url)
            cold = rate(client, url, count)
            settings.PAGE_CACHE_SECONDS = 300
            cache.clear()
            client.get(url)
            warm = rate(client, url, count)
            print(f"{label:24} {len(queries):>7} {cold:>16.0f} {warm:>18.0f}")
    finally:
        shutil.rmtree(WORK, ignore_errors=True)


if __name__ == "__main__":
    main()
