"""The site's origin ("https://host") for absolute URLs: canonical links, og:url and
og:image, JSON-LD, feeds, the sitemap, robots.txt.

``SITE_ORIGIN`` when it is configured; otherwise the request's own scheme and host, which
Django has checked against ``ALLOWED_HOSTS`` (a port is not checked, so the page cache keys
on the host as given)."""

from django.conf import settings


def site_origin(request=None):
    """The configured origin, else this request's; "" with neither (a path stays relative)."""
    if settings.SITE_ORIGIN:
        return settings.SITE_ORIGIN
    if request is None:
        return ""
    return f"{request.scheme}://{request.get_host()}"


def absolute(path, request=None):
    return site_origin(request) + path
