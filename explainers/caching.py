"""Whole-page caching for anonymous readers.

Every anonymous reader gets the same HTML (preferences apply in the browser), so a public
page is rendered once and then served from the cache (Redis when ``REDIS_URL`` is set,
shared by every app server) until anything it could show changes. Invalidation is by
generation: every saved or deleted row of the explainers app (an article, a section, a
spoiler level or warning that many articles use, a work, an image ...) bumps one counter
after its transaction commits, and every cached page carries the counter it was stored
under (read in the same round trip as the page, so a hit costs one request to Redis). A change can
never leave a stale page behind, whatever it touched; the price is that one edit re-renders
pages it did not touch, which on an editorial site (a few saves an hour, many reads a
second) is the right trade.

A scheduled article goes live by the clock, not by a save: cached pages therefore live at
most until the next scheduled publication time (and ``PAGE_CACHE_SECONDS`` at most).

Never cached: anything with a session cookie (staff previews, the admin), non-GET requests,
responses that are not 200, and responses marked private or no-cache.
"""

import hashlib
from functools import wraps

from django.apps import apps
from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.utils import timezone
from django.utils.cache import patch_cache_control
from django.utils.http import http_date

GENERATION_KEY = "explainers:page-generation"


def generation():
    value = cache.get(GENERATION_KEY)
    if value is None:
        # Start from the clock so a cache that lost the key never reuses old pages.
        value = int(timezone.now().timestamp() * 1000)
        cache.add(GENERATION_KEY, value, None)
        value = cache.get(GENERATION_KEY, value)
    return value


def invalidate():
    try:
        cache.incr(GENERATION_KEY)
    except ValueError:  # the key is gone (evicted, or a fresh cache): start it anew
        cache.set(GENERATION_KEY, int(timezone.now().timestamp() * 1000), None)


def _changed(sender, **kwargs):
    if kwargs.get("raw"):
        return  # loaddata: invalidate once afterwards instead (the command does not)
    transaction.on_commit(invalidate)


def connect_signals():
    """Any write to the explainers app's tables may change a public page."""
    for model in apps.get_app_config("explainers").get_models():
        if not getattr(model, "shown_on_public_pages", True):
            continue  # e.g. reader reports: filing one must not flush every cached page
        uid = f"explainers-page-cache-{model._meta.label_lower}"
        post_save.connect(_changed, sender=model, dispatch_uid=uid + "-save")
        post_delete.connect(_changed, sender=model, dispatch_uid=uid + "-delete")
        for field in model._meta.many_to_many:
            m2m_changed.connect(
                _changed, sender=field.remote_field.through, dispatch_uid=uid + field.name
            )


def _ttl():
    """Seconds a page may live: the setting, cut short by the next scheduled publication."""
    from .models import Article

    ttl = settings.PAGE_CACHE_SECONDS
    upcoming = (
        Article.objects.filter(status=Article.Status.PUBLISHED, published_at__gt=timezone.now())
        .order_by("published_at")
        .values_list("published_at", flat=True)
        .first()
    )
    if upcoming is not None:
        ttl = max(1, min(ttl, int((upcoming - timezone.now()).total_seconds()) + 1))
    return ttl


def _cacheable_request(request):
    return (
        settings.PAGE_CACHE_SECONDS > 0
        and request.method in ("GET", "HEAD")
        and settings.SESSION_COOKIE_NAME not in request.COOKIES
    )


def _key(request):
    path = hashlib.sha256(request.get_full_path().encode()).hexdigest()
    return f"explainers:page:{path}"


def _lookup(key):
    """(the current generation, the stored page if it is of that generation): one round
    trip to the cache, so a hit on Redis costs one request, not two."""
    found = cache.get_many([GENERATION_KEY, key])
    current = found.get(GENERATION_KEY)
    if current is None:
        return generation(), None
    stored = found.get(key)
    if stored is None or stored.get("generation") != current:
        return current, None
    return current, stored


def cache_public_page(view):
    """Serve the anonymous reader's page from the cache, with an ETag and Cache-Control a
    CDN can use; render and store it on a miss."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not _cacheable_request(request):
            return view(request, *args, **kwargs)
        key = _key(request)
        current, stored = _lookup(key)
        if stored is not None:
            response = _rebuild(stored)
            response["X-Page-Cache"] = "hit"
            return response
        response = view(request, *args, **kwargs)
        if hasattr(response, "render") and callable(response.render):
            response = response.render()
        control = response.get("Cache-Control", "")
        if response.status_code != 200 or "private" in control or "no-cache" in control:
            return response
        if response.has_header("Vary") and "Cookie" in response["Vary"]:
            return response  # the page looked at the session: not the same for everyone
        ttl = _ttl()
        response["ETag"] = '"' + hashlib.sha256(response.content).hexdigest()[:32] + '"'
        response["Last-Modified"] = http_date()
        patch_cache_control(response, public=True, max_age=min(ttl, 60), s_maxage=ttl)
        cache.set(key, {**_freeze(response), "generation": current}, ttl)
        response["X-Page-Cache"] = "miss"
        return response

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
