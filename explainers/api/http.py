"""What every API endpoint does around its operation, in one wrapper:

- only GET and HEAD (and the CORS preflight, OPTIONS); anything else is a 405 in JSON;
- a query parameter the endpoint does not read is a 400 naming it (a misspelt ``reveal``
  would otherwise quietly answer less than was asked);
- the page cache (``page_cache.cache_public_page``) exactly as the pages have it: the
  same key, lifetimes, ``Cache-Control`` and ETag, the same invalidation on any change;
- fresh answers (not from the cache) are rate-limited per client, 429 with Retry-After;
- an ETag on every 200, so ``If-None-Match`` gets a 304 (ConditionalGetMiddleware);
- CORS for everyone: the data is public and no credentials are read.
"""

import hashlib
from functools import wraps

from django.conf import settings
from django.http import HttpResponse

from .. import throttling
from ..models.reports import client_fingerprint
from ..page_cache import cache_public_page
from .errors import json_error

CORS_HEADERS = {
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Expose-Headers": "ETag, Retry-After",
}


def _throttled(view):
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        fingerprint = client_fingerprint(throttling.client_address(request))
        window = settings.API_WINDOW_SECONDS
        if not throttling.take_slot(
            "api", fingerprint, limit=settings.API_REQUESTS_PER_CLIENT, window=window
        ):
            retry = throttling.retry_after_seconds(window)
            response = json_error(
                429,
                "rate_limited",
                f"Too many requests: at most {settings.API_REQUESTS_PER_CLIENT} every "
                f"{window} seconds from one client. Try again in {retry} seconds.",
            )
            response["Retry-After"] = str(retry)
            return response
        return view(request, *args, **kwargs)

    return wrapper


def api_endpoint(view, query_params):
    cached = cache_public_page(_throttled(view), query_params=query_params)
    known = set(query_params)

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if request.method == "OPTIONS":
            response = HttpResponse(status=204)
            response["Access-Control-Allow-Methods"] = "GET, HEAD, OPTIONS"
            response["Access-Control-Allow-Headers"] = "If-None-Match"
            response["Access-Control-Max-Age"] = "86400"
        elif request.method not in ("GET", "HEAD"):
            response = json_error(
                405,
                "method_not_allowed",
                f"{request.method} is not allowed: this API is read-only.",
            )
            response["Allow"] = "GET, HEAD, OPTIONS"
        else:
            unknown = sorted(set(request.GET) - known)
            if unknown:
                reads = ", ".join(query_params) or "no query parameters"
                response = json_error(
                    400,
                    "unknown_parameter",
                    f"Unknown query parameter {unknown[0]!r}: this endpoint reads {reads}.",
                    unknown[0],
                )
            else:
                head = request.method == "HEAD"
                if head:
                    request.method = "GET"  # the operations are declared for GET
                response = cached(request, *args, **kwargs)
                if response.status_code == 200 and not response.has_header("ETag"):
                    digest = hashlib.sha256(response.content).hexdigest()[:32]
                    response["ETag"] = f'"{digest}"'
                if head:
                    request.method = "HEAD"
                    response.content = b""
        for name, value in CORS_HEADERS.items():
            response[name] = value
        return response

    wrapper.query_params = tuple(query_params)
    return wrapper
