"""Whole-page caching for anonymous readers.

Every anonymous reader gets the same HTML (preferences apply in the browser), so a public
page is rendered once and then served from the cache (Redis when ``REDIS_URL`` is set,
shared by every app server) until anything it could show changes. Invalidation is by
generation: every saved or deleted row that a public page may show (``invalidation.py``
says which: an article, a section, a spoiler level or warning that many articles use, a
work, an image ..., not a reader report) bumps one counter after its transaction commits,
and every cached page carries the counter it was stored under (read in the same round trip
as the page, so a hit costs one request to Redis). A change can never leave a stale page
behind, whatever it touched; the price is that one edit re-renders pages it did not touch,
which on an editorial site (a few saves an hour, many reads a second) is the right trade.
``loaddata`` saves rows raw, without these signals: the
project's own ``loaddata`` (and ``manage.py resync``) invalidate once afterwards.

A page is keyed on what a reader asked for, as Django's own ``get_cache_key`` does: the
scheme and host with its port (or ``SITE_ORIGIN``, when the page is written for that), the
path, and only the query parameters the view declares (``query_params``). Other parameters
are taken off the request before the view sees it, so ``?utm_source=...`` neither makes a
new entry nor shows up in the page.

Never cached: a signed-in staff member's requests (previews, the admin), non-GET requests,
responses that are not 200, and responses marked private or no-cache. A session cookie
alone does not bypass the cache: anyone can make one up. A staff member's page is marked
private and no-store, so no cache in front (a CDN, Varnish) keeps it either.

With Redis, each app server process also keeps the pages it served last in its own memory
(``PAGE_CACHE_LOCAL_BYTES``, a few hundred pages), and the generation as it last read it,
for at most ``PAGE_CACHE_GENERATION_SECONDS`` (50 ms): a hit on a page it holds then costs
no round trip at all. The process that made a change sees it at once; every other process
within those 50 ms, since a held generation is read again once it is older than that
(a round trip to Redis, on this machine, costs a page-cache hit about a third of its speed,
bench/pages_bench.py). An HTTP cache in front is purged within the second anyway.

With an HTTP cache in front that purges by key (``EDGE_PURGER``, see ``edge_cache.py``),
each stored page names what it shows in a header (``Surrogate-Key: site article-12``),
kept with the page so a hit carries it too.
"""

import hashlib
import math
import re
import secrets
import threading
import time
from collections import OrderedDict
from functools import wraps

from django.conf import settings
from django.core.cache import cache
from django.http import QueryDict
from django.utils import timezone
from django.utils.cache import add_never_cache_headers, patch_cache_control

from . import edge_cache
from .origin import site_origin

GENERATION_KEY = "explainers:page-generation"
# A scheduled publication cuts cached pages short at the first whole minute at or after it
# (see _lifetime): the headers tell the minute an article goes live, never the second.
GO_LIVE_STEP = 60


def generation():
    value = cache.get(GENERATION_KEY)
    if value is None:
        # Start from the clock so a cache that lost the key never reuses old pages.
        value = int(timezone.now().timestamp() * 1000)
        cache.add(GENERATION_KEY, value, None)
        value = cache.get(GENERATION_KEY, value)
    return value


def invalidate():
    # A new value, not one counted up from the last: a cache of files has no atomic
    # increment, and two processes counting up at once would write the same number, so a
    # page stored between their two changes would outlive the second.
    cache.set(GENERATION_KEY, time.time_ns() + secrets.randbelow(1_000_000), None)
    near_pages.forget_generation()  # this process sees its own change at once


def _lifetime(now):
    """(until when we may serve the stored page, until when caches outside may keep it),
    both as timestamps.

    Outside caches are told to keep a page until the next line of a fixed grid on the clock
    (multiples of PAGE_CACHE_SECONDS), or, when an article is scheduled to go live before
    that, until the first whole minute at or after its go-live time. The ``s-maxage`` of
    any response is that line minus now, so it says nothing about when the page was stored
    (a hit looks like a miss) and never counts down to a go-live second. Counting down to
    the exact second (or rounding the seconds left, whose jumps fall on that second) told
    anyone when an unannounced article would appear. Our own cache is not seen from outside:
    it drops the page at the go-live second itself, so the site is never late; a CDN may be,
    by less than a minute.
    """
    from .models import Article

    period = settings.PAGE_CACHE_SECONDS
    stamp = now.timestamp()
    shared_until = (stamp // period + 1) * period
    fresh_until = shared_until
    upcoming = (
        Article.objects.filter(status=Article.Status.PUBLISHED, published_at__gt=now)
        .order_by("published_at")
        .values_list("published_at", flat=True)
        .first()
    )
    if upcoming is not None and upcoming.timestamp() < shared_until:
        fresh_until = upcoming.timestamp()
        shared_until = min(shared_until, math.ceil(fresh_until / GO_LIVE_STEP) * GO_LIVE_STEP)
    return fresh_until, shared_until


def staff_user(request):
    """The signed-in, active staff member making this request, or None.

    Looks the session up only when there is a session cookie. For anyone else (a made-up
    cookie, an expired session) the session is left as if never read, so the response does
    not vary on the cookie and the page stays the one page every reader shares.
    """
    if settings.SESSION_COOKIE_NAME not in request.COOKIES:
        return None
    session = getattr(request, "session", None)
    if session is None:
        return None
    accessed = session.accessed
    user = request.user
    if user.is_authenticated and user.is_active and user.is_staff:
        return user
    session.accessed = accessed
    return None


def _cacheable_request(request):
    return (
        settings.PAGE_CACHE_SECONDS > 0
        and request.method in ("GET", "HEAD")
        and staff_user(request) is None
    )


def _declared_query(query, names):
    """Only the parameters the page reads, one value each (the last, which ``get`` reads)."""
    kept = QueryDict(mutable=True)
    for name in names:
        value = query.get(name)
        if value is not None:
            kept[name] = value
    kept._mutable = False
    return kept


# What a stored page's query may hold: a value outside these is answered (the view shows
# its default) but not stored, so made-up values cannot fill the cache one entry each.
_PAGE_NUMBER = re.compile(r"[1-9][0-9]{0,5}")
_SLUG = re.compile(r"[-a-z0-9_]{1,100}")


def _known_kind(value):
    from .models import Work

    return value in Work.Kind.values


def _existing_work(value):
    from .models import Work

    return bool(_SLUG.fullmatch(value)) and Work.objects.filter(slug=value).exists()


_STORED_VALUES = {
    "page": _PAGE_NUMBER.fullmatch,
    "section": re.compile(r"[1-9][0-9]{0,17}").fullmatch,
    "reach": re.compile(r"[0-9]{1,2}").fullmatch,
    "sort": {"az", "newest"}.__contains__,
    "kind": _known_kind,
    "work": _existing_work,
}


def _storable(request):
    """Whether the page answering this request may be kept for the next reader: its
    query's values are ones the page uses as they are, and its Host carries no port
    other than the one the request came in on (ALLOWED_HOSTS checks no port, and
    without SITE_ORIGIN every made-up port would be an entry of its own)."""
    for name, value in request.GET.items():
        check = _STORED_VALUES.get(name)
        if check is not None and not check(value):
            return False
    if not settings.SITE_ORIGIN:
        host = request.get_host()
        port = host.rpartition(":")[2] if not host.endswith("]") and ":" in host else ""
        if port and port != str(request.get_port()):
            return False
    return True


def _key(request):
    # The origin a page's absolute URLs are written with: SITE_ORIGIN when set (then every
    # host shares one entry, and made-up ports cannot multiply them), else the request's
    # scheme and host with its port, which ALLOWED_HOSTS does not check: a page rendered
    # for "host:6666" is then only ever served to "host:6666".
    url = f"{site_origin(request)}{request.path}?{request.GET.urlencode()}"
    return "explainers:page:" + hashlib.sha256(url.encode()).hexdigest()


class NearPages:
    """The pages this process served last, newest kept, up to ``PAGE_CACHE_LOCAL_BYTES`` of
    content in all: a copy of what is in the shared cache, each with the generation it was
    stored under, checked against the shared one on every hit."""

    def __init__(self):
        self._pages = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()  # gunicorn's threaded workers share one
        self._generation = None  # (the shared generation, time.monotonic() when read)

    def generation(self):
        """The shared generation: as this process read it, if less than
        ``PAGE_CACHE_GENERATION_SECONDS`` ago; else read now. None if the cache has none."""
        held = self._generation
        window = getattr(settings, "PAGE_CACHE_GENERATION_SECONDS", 0)
        if held is not None and time.monotonic() - held[1] < window:
            return held[0]
        return self.saw_generation(cache.get(GENERATION_KEY))

    def saw_generation(self, value):
        """Remember ``value``, the generation just read from the shared cache."""
        self._generation = None if value is None else (value, time.monotonic())
        return value

    def forget_generation(self):
        self._generation = None

    @staticmethod
    def limit():
        return getattr(settings, "PAGE_CACHE_LOCAL_BYTES", 0)

    def get(self, key):
        with self._lock:
            stored = self._pages.get(key)
            if stored is not None:
                self._pages.move_to_end(key)
            return stored

    def put(self, key, stored):
        size = len(stored["content"])
        limit = self.limit()
        if size > limit:
            return
        with self._lock:
            self._forget(key)
            self._pages[key] = stored
            self._bytes += size
            while self._bytes > limit:
                self._forget(next(iter(self._pages)))

    def drop(self, key):
        with self._lock:
            self._forget(key)

    def clear(self):
        with self._lock:
            self._pages.clear()
            self._bytes = 0
        self._generation = None

    def _forget(self, key):
        stored = self._pages.pop(key, None)
        if stored is not None:
            self._bytes -= len(stored["content"])


near_pages = NearPages()


def _usable(stored, current, now):
    return (
        stored is not None
        and stored.get("generation") == current
        and stored.get("fresh_until", 0) > now.timestamp()
    )


def _lookup(key, now):
    """(the current generation, the stored page if it is of that generation and still
    fresh): one round trip to the cache, so a hit on Redis costs one request, not two. A
    page this process holds (``near_pages``) needs only the generation, read at most every
    ``PAGE_CACHE_GENERATION_SECONDS``."""
    if NearPages.limit():
        near = near_pages.get(key)
        if near is not None:
            current = near_pages.generation()
            if current is not None and _usable(near, current, now):
                return current, near
            near_pages.drop(key)
    found = cache.get_many([GENERATION_KEY, key])
    current = near_pages.saw_generation(found.get(GENERATION_KEY))
    if current is None:
        return generation(), None
    stored = found.get(key)
    if not _usable(stored, current, now):
        return current, None
    if NearPages.limit():
        near_pages.put(key, stored)
    return current, stored


def _mark(response, outcome):
    # Whether a page was cached tells who else asked for it (a search, say): only in
    # development and tests, where PAGE_CACHE_HEADER defaults to on.
    if getattr(settings, "PAGE_CACHE_HEADER", False):
        response["X-Page-Cache"] = outcome


def _cache_control(response, shared_until, now):
    seconds = max(1, math.ceil(shared_until - now.timestamp()))
    patch_cache_control(response, public=True, max_age=min(seconds, 60), s_maxage=seconds)


def cache_public_page(view, query_params=None):
    """Serve the anonymous reader's page from the cache, with an ETag and Cache-Control a
    CDN can use; render and store it on a miss.

    ``query_params`` names the query parameters the page reads (by default the view's
    ``query_params``); any other is dropped before the view runs."""
    if query_params is None:
        query_params = getattr(getattr(view, "view_class", view), "query_params", ())
    query_params = tuple(query_params)

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not _cacheable_request(request):
            response = view(request, *args, **kwargs)
            if staff_user(request) is not None:
                # What a signed-in staff member sees may hold a draft's title or a
                # "preview" banner: no cache in front may keep it for the next reader.
                add_never_cache_headers(response)
                edge_cache.untag(response)
            return response
        request.GET = _declared_query(request.GET, query_params)
        key = _key(request)
        now = timezone.now()
        current, stored = _lookup(key, now)
        if stored is not None:
            response = _rebuild(stored)
            _cache_control(response, stored["shared_until"], now)
            _mark(response, "hit")
            return response
        response = view(request, *args, **kwargs)
        if hasattr(response, "render") and callable(response.render):
            response = response.render()
        control = response.get("Cache-Control", "")
        if response.status_code != 200 or "private" in control or "no-cache" in control:
            return response
        if response.has_header("Vary") and "Cookie" in response["Vary"]:
            return response  # the page looked at the session: not the same for everyone
        if not _storable(request):
            _mark(response, "not stored")
            return response
        if edge_cache.enabled():
            edge_cache.tag(response, edge_cache.page_keys(request, kwargs))
        fresh_until, shared_until = _lifetime(now)
        response["ETag"] = '"' + hashlib.sha256(response.content).hexdigest()[:32] + '"'
        # No Last-Modified: the time a page was stored is when someone first asked for it.
        _cache_control(response, shared_until, now)
        entry = {
            **_freeze(response),
            "generation": current,
            "fresh_until": fresh_until,
            "shared_until": shared_until,
        }
        cache.set(key, entry, max(1, math.ceil(fresh_until - now.timestamp())))
        if NearPages.limit():
            near_pages.put(key, entry)
        _mark(response, "miss")
        return response

    wrapper.query_params = query_params
    return wrapper


def _freeze(response):
    return {
        "status": response.status_code,
        "content": response.content,
        "headers": {k: v for k, v in response.items() if k.lower() != "set-cookie"},
    }


def _rebuild(stored):
    from django.http import HttpResponse

    response = HttpResponse(stored["content"], status=stored["status"])
    for name, value in stored["headers"].items():
        response[name] = value
    return response
