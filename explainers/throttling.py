"""Who a client is, and how often it may ask for something costly: a fresh search, a
reader report. Sign-in throttling (django-axes) uses the same client address.

Limits count in the cache (Redis in production, shared by every app server), per client
fingerprint and fixed window.
"""

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone


def client_address(request):
    """The reader's address. Behind ``PROXY_COUNT`` proxies, each appends the address it
    was reached from to X-Forwarded-For, so the client is that many entries from the
    right; anything further left is whatever the client claimed and cannot be trusted."""
    proxies = settings.PROXY_COUNT
    if proxies > 0:
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
        forwarded = [part.strip() for part in forwarded if part.strip()]
        if len(forwarded) >= proxies:
            return forwarded[-proxies]
    return request.META.get("REMOTE_ADDR", "")


def take_slot(kind, fingerprint, *, limit, window):
    """Count one request of ``kind`` for this client; False once it has used up the
    window's quota.

    A fixed window in the cache: ``add`` then ``incr`` are atomic on memcached and Redis,
    so parallel requests cannot both slip under the limit.
    """
    bucket = int(timezone.now().timestamp()) // max(window, 1)
    key = f"{kind}:{fingerprint}:{bucket}"
    cache.add(key, 0, timeout=window)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=window)
        count = 1
    return count <= limit


def take_report_slot(fingerprint):
    return take_slot(
        "reader-report",
        fingerprint,
        limit=settings.READER_REPORTS_PER_CLIENT,
        window=settings.READER_REPORT_WINDOW_SECONDS,
    )


def retry_after_seconds(window=None):
    window = max(window or settings.READER_REPORT_WINDOW_SECONDS, 1)
    return window - int(timezone.now().timestamp()) % window
