"""Django's Redis cache, with one client object per connection pool.

Django's ``RedisCacheClient.get_client`` builds a new ``redis.Redis`` for every cache call.
The connection comes from a pool either way, but redis-py's constructor fills a table of
some 170 response callbacks each time: on a page-cache hit, which is one ``get_many``, that
was the largest cost of our own code (bench/pages_bench.py). A ``redis.Redis`` holds no
connection of its own and is safe to share between threads, and its pool notices a fork
(gunicorn's workers) by itself, so one per pool is kept and reused.
"""

from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from django.core.cache.backends.redis import RedisCacheClient


class ReusedClients(RedisCacheClient):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}

    def get_client(self, key=None, *, write=False):
        index = self._get_connection_pool_index(write)
        client = self._clients.get(index)
        if client is None:
            client = self._client(connection_pool=self._get_connection_pool(write))
            self._clients[index] = client
        return client


class RedisCache(DjangoRedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = ReusedClients
