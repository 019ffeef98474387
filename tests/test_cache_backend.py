"""editorial/cache.py: the Redis cache keeps one client per connection pool instead of
building one per call, and still behaves as Django's cache does. Needs a Redis (REDIS_URL,
else 127.0.0.1:6379, database 15): skipped without one, failed in CI."""

import os
import pickle

import pytest

from editorial.cache import RedisCache
from tests.support.edge import missing, redis_answers

URL = os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/15"
KEYS = ["page", "generation", "before-fork", "from-child"]


@pytest.fixture
def redis_cache():
    if not redis_answers(URL):
        missing(f"no Redis at {URL}")
    # Its own keys only: other tests may share this Redis database at the same time.
    backend = RedisCache(URL, {"KEY_PREFIX": f"cache-backend-test-{os.getpid()}"})
    yield backend
    backend.delete_many(KEYS)


def test_one_client_per_pool_is_reused_across_calls(redis_cache):
    client = redis_cache._cache
    reader = client.get_client("a")
    assert client.get_client("b") is reader
    assert client.get_client("a", write=True) is client.get_client("c", write=True)


def test_values_survive_a_round_trip_and_many_at_once(redis_cache):
    page = {"status": 200, "content": b"<p>x</p>" * 1000, "headers": {"ETag": '"a"'}}
    redis_cache.set("page", page, 30)
    redis_cache.set("generation", 7, None)
    assert redis_cache.get_many(["generation", "page", "gone"]) == {"generation": 7, "page": page}
    assert redis_cache.incr("generation") == 8
    redis_cache.delete("page")
    assert redis_cache.get("page") is None


def test_the_backend_pickles_and_a_fork_gets_its_own_connections(redis_cache):
    """gunicorn forks its workers after the app is loaded: a child reusing the parent's
    client must not share its sockets (redis-py's pool checks the process id)."""
    redis_cache.set("before-fork", 1, 30)
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: a worker
        try:
            value = redis_cache.get("before-fork")
            redis_cache.set("from-child", value + 1, 30)
            os.write(write, pickle.dumps(value))
        finally:
            os._exit(0)
    os.waitpid(pid, 0)
    assert pickle.loads(os.read(read, 1024)) == 1
    assert redis_cache.get("from-child") == 2
    assert redis_cache.get("before-fork") == 1
