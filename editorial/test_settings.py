"""Test settings: the real settings with a fast hasher, a throwaway media folder and
plain static storage (the manifest needs collectstatic, which tests do not run)."""

import atexit
import os
import shutil
import tempfile

os.environ.setdefault("SECRET_KEY", "test-only-key-not-secret")

from editorial.settings import *  # noqa: E402,F403
from editorial.settings import DATABASES, STORAGES, TASKS_MODULE  # noqa: E402

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
MEDIA_ROOT = tempfile.mkdtemp(prefix="explainers-test-media-")
atexit.register(shutil.rmtree, MEDIA_ROOT, ignore_errors=True)
STORAGES = {
    **STORAGES,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
if os.environ.get("REDIS_URL"):
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": os.environ["REDIS_URL"],
            "KEY_PREFIX": f"test-{os.getpid()}",
        }
    }
# Pages are cached only in the tests about the cache: elsewhere a test's rolled-back
# transaction never runs the invalidation, and a page would outlive its data.
PAGE_CACHE_SECONDS = 0
# The tests about the cache read whether a page was a hit.
PAGE_CACHE_HEADER = True
SERVE_MEDIA = True
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
# The test client and the live server speak plain HTTP.
SECURE_SSL_REDIRECT = False

# A second alias that mirrors the test database, so the replica router can be tested as it
# runs in production (tests/delivery/test_replicas.py turns the routing on).
DATABASES = {**DATABASES, "replica1": {**DATABASES["default"], "TEST": {"MIRROR": "default"}}}
DATABASE_ROUTERS = []
# Tasks run at once, inside the request (as without a worker); the tests about the queue
# switch to the database backend and run the real worker (tests/delivery/test_tasks.py).
TASKS = {"default": {"BACKEND": f"{TASKS_MODULE}.backends.immediate.ImmediateBackend"}}
# The crawl runs many searches from one client; the limit itself is tested on its own.
SEARCHES_PER_CLIENT = 1_000_000
API_REQUESTS_PER_CLIENT = 1_000_000
