"""An HTTP cache in front of the app (Varnish, Fastly, Cloudflare), purged by surrogate key.

Each public page the page cache serves names what it shows in a header (``Surrogate-Key``
for Varnish and Fastly, ``Cache-Tag`` for Cloudflare), one key per thing:

    article-12            an article's own page
    work-3, person-7      a work's page (and its feeds), a person's page
    listing               every page that lists articles: home, works, work and person
                          pages, feeds, the sitemap, search
    site                  every page (a spoiler level, a warning, a term: see invalidation.py)

After a change commits, the keys it affects are purged, once for the whole transaction:
``invalidation.py`` (the one map of what a change affects) gives the articles whose pages
show the row and the row's own key; every public change also purges ``listing``, as the
page cache drops every page. Nothing is sent, and no header written, while ``EDGE_PURGER``
is ``none`` (the default).

A page a reader asked for while the change was committing may reach the cache just after
the purge, rendered from the data before it (or from a replica that had not caught up): the
keys are purged a second time ``EDGE_REPURGE_SECONDS`` later (2 by default) to drop it.

Settings (from the environment):
    EDGE_PURGER         none | varnish | fastly | cloudflare | a dotted path to a class
    EDGE_CACHE_URL      varnish: each Varnish's address (comma-separated), sent a PURGE;
                        fastly: https://api.fastly.com/service/<service id>/purge;
                        cloudflare: https://api.cloudflare.com/client/v4/zones/<zone>/purge_cache
    EDGE_CACHE_TOKEN    the API token (Fastly-Key, or Cloudflare's bearer token)
"""

import json
import logging
import threading
import urllib.parse
from functools import lru_cache
from http.client import HTTPConnection, HTTPSConnection

from django.conf import settings
from django.db import transaction
from django.utils.module_loading import import_string

logger = logging.getLogger(__name__)

EVERY_PAGE_KEY = "site"
LISTING_KEY = "listing"
TIMEOUT = 3  # seconds for one purge request: the change has committed, the editor waits


def article_key(pk):
    return f"article-{pk}"


def work_key(pk):
    return f"work-{pk}"


def person_key(pk):
    return f"person-{pk}"


# --- purgers ------------------------------------------------------------------------------


class Purger:
    """Says which header carries a page's keys, and purges keys. The base purges nothing."""

    header = "Surrogate-Key"
    separator = " "
    enabled = False

    def __init__(self, urls=(), token=""):
        self.urls = list(urls)
        self.token = token

    def purge(self, keys):
        """Drop every cached response carrying any of ``keys`` (a sorted list)."""


class NoPurger(Purger):
    pass


def _send(url, method, *, headers, body=None):
    parts = urllib.parse.urlsplit(url)
    connection_class = HTTPSConnection if parts.scheme == "https" else HTTPConnection
    connection = connection_class(parts.hostname, parts.port, timeout=TIMEOUT)
    try:
        connection.request(method, parts.path or "/", body=body, headers=headers)
        response = connection.getresponse()
        text = response.read(2000)
        if response.status >= 300:
            raise OSError(f"{method} {url}: {response.status} {text[:200]!r}")
        return response.status
    finally:
        connection.close()


class VarnishPurger(Purger):
    """``PURGE /`` to each Varnish with the keys in ``xkey-purge`` (deploy/varnish/default.vcl
    hands them to varnish-modules' ``xkey.purge``). The page's keys travel in
    ``Surrogate-Key``, which the VCL copies to ``xkey`` and takes off before delivery."""

    enabled = True

    def purge(self, keys):
        for url in self.urls:
            host = urllib.parse.urlsplit(url).netloc
            _send(url, "PURGE", headers={"Host": host, "xkey-purge": " ".join(keys)})


class FastlyPurger(Purger):
    """Fastly's purge by surrogate key: ``POST`` to the service's ``/purge`` with the keys in
    ``Surrogate-Key`` (at most 256 a request) and the API token in ``Fastly-Key``."""

    enabled = True
    batch = 256

    def purge(self, keys):
        for start in range(0, len(keys), self.batch):
            chunk = keys[start : start + self.batch]
            for url in self.urls:
                _send(
                    url,
                    "POST",
                    headers={"Fastly-Key": self.token, "Surrogate-Key": " ".join(chunk)},
                )


class CloudflarePurger(Purger):
    """Cloudflare's purge by cache tag: ``POST`` to the zone's ``purge_cache`` with
    ``{"tags": [...]}`` (30 a request). Pages carry their keys in ``Cache-Tag``."""

    enabled = True
    header = "Cache-Tag"
    separator = ","
    batch = 30

    def purge(self, keys):
        for start in range(0, len(keys), self.batch):
            body = json.dumps({"tags": keys[start : start + self.batch]})
            for url in self.urls:
                _send(
                    url,
                    "POST",
                    headers={
                        "Authorization": f"Bearer {self.token}",
                        "Content-Type": "application/json",
                    },
                    body=body,
                )


PURGERS = {
    "none": NoPurger,
    "": NoPurger,
    "varnish": VarnishPurger,
    "fastly": FastlyPurger,
    "cloudflare": CloudflarePurger,
}


@lru_cache(maxsize=8)
def _make(name, urls, token):
    cls = PURGERS.get(name.lower()) or import_string(name)
    return cls(urls=urls, token=token)


def purger():
    """The configured purger (settings are read each time, so tests can change them)."""
    return _make(
        getattr(settings, "EDGE_PURGER", "none") or "none",
        tuple(getattr(settings, "EDGE_CACHE_URL", ())),
        getattr(settings, "EDGE_CACHE_TOKEN", ""),
    )


def enabled():
    return purger().enabled


# --- purging after commit -----------------------------------------------------------------


def purge_now(keys):
    """Purge these keys at once; a failure is logged (the change itself has committed)."""
    keys = sorted(set(keys))
    if not keys:
        return
    try:
        purger().purge(keys)
    except Exception:
        logger.exception("Purging the edge cache failed for keys %s", " ".join(keys))


def _purge_twice(keys):
    purge_now(keys)
    delay = getattr(settings, "EDGE_REPURGE_SECONDS", 2)
    if delay > 0:
        timer = threading.Timer(delay, purge_now, args=(keys,))
        timer.daemon = True
        timer.start()


def _flush(using):
    connection = transaction.get_connection(using)
    keys = getattr(connection, "_edge_cache_pending", None)
    connection._edge_cache_pending = set()
    if keys:
        _purge_twice(keys)


def purge_after_commit(keys, using=None):
    """Purge ``keys`` once the current transaction commits (at once outside one).

    All the keys of one transaction go in one purge: each change registers a flush, and the
    first to run after the commit sends everything pending (a save of an article with its
    sections and citations sends one request, not one per row). Nothing is sent for a
    transaction that rolls back; keys it left pending go with the next commit's purge."""
    keys = set(keys)
    if not keys or not enabled():
        return
    connection = transaction.get_connection(using)
    pending = getattr(connection, "_edge_cache_pending", None)
    if pending is None:
        pending = connection._edge_cache_pending = set()
    pending |= keys
    transaction.on_commit(lambda: _flush(using), using=using)


# --- what a page shows --------------------------------------------------------------------


def page_keys(request, kwargs):
    """The keys of the public page answering this request (only called for a page the
    page cache stores): one small query by slug for an article, work or person page."""
    from .models import Article, Person, Work

    match = getattr(request, "resolver_match", None)
    name = match.view_name if match else ""
    slug = kwargs.get("slug", "")
    keys = [EVERY_PAGE_KEY]
    if name == "explainers:article":
        pk = Article.objects.filter(slug=slug).values_list("pk", flat=True).first()
        if pk is not None:
            keys.append(article_key(pk))
        return keys
    keys.append(LISTING_KEY)
    if name in ("explainers:work", "explainers:work-feed", "explainers:work-feed-rss"):
        pk = Work.objects.filter(slug=slug).values_list("pk", flat=True).first()
        if pk is not None:
            keys.append(work_key(pk))
    elif name == "explainers:person":
        pk = Person.objects.filter(slug=slug).values_list("pk", flat=True).first()
        if pk is not None:
            keys.append(person_key(pk))
    return keys


def tag(response, keys):
    chosen = purger()
    response[chosen.header] = chosen.separator.join(keys)


def untag(response):
    """A response no shared cache may keep carries no keys (a header from the view, say)."""
    for header in {"Surrogate-Key", "Cache-Tag", "xkey", purger().header}:
        if response.has_header(header):
            del response[header]
