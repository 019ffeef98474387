"""The sitemap: published articles, works and the people credited on them.

Every list goes through ``Article.objects.published()``; a draft's URL never appears.
"""

from urllib.parse import urlsplit

from django.conf import settings
from django.contrib import sitemaps
from django.db.models import Exists, OuterRef, Subquery
from django.urls import reverse

from .models import Article, Person, Work


def latest_published(**lookup):
    return Subquery(
        Article.objects.published()
        .filter(**lookup)
        .order_by("-published_at")
        .values("published_at")[:1]
    )


class Sitemap(sitemaps.Sitemap):
    """Locations on ``SITE_ORIGIN`` when it is set, else on the request's scheme and host."""

    def get_protocol(self, protocol=None):
        if settings.SITE_ORIGIN:
            return urlsplit(settings.SITE_ORIGIN).scheme
        return super().get_protocol(protocol)

    def get_domain(self, site=None):
        if settings.SITE_ORIGIN:
            return urlsplit(settings.SITE_ORIGIN).netloc
        return super().get_domain(site)


class ArticleSitemap(Sitemap):
    changefreq = "weekly"
    priority = 0.8
    limit = 5000

    def items(self):
        return Article.objects.published().only("slug", "updated_at", "published_at")

    def lastmod(self, article):
        return max(article.updated_at, article.published_at)


class WorkSitemap(Sitemap):
    changefreq = "weekly"
    priority = 0.6
    limit = 5000

    def items(self):
        return (
            Work.objects.annotate(latest=latest_published(work=OuterRef("pk")))
            .only("slug")
            .order_by("title", "pk")
        )

    def lastmod(self, work):
        return work.latest


class PersonSitemap(Sitemap):
    changefreq = "monthly"
    priority = 0.4
    limit = 5000

    def items(self):
        return (
            Person.objects.filter(Exists(Work.objects.filter(credits__person=OuterRef("pk"))))
            .annotate(latest=latest_published(work__credits__person=OuterRef("pk")))
            .only("slug")
            .order_by("name", "pk")
        )

    def lastmod(self, person):
        return person.latest


class PagesSitemap(Sitemap):
    changefreq = "daily"
    priority = 1.0

    def items(self):
        return ["explainers:home", "explainers:works"]

    def location(self, name):
        return reverse(name)


SITEMAPS = {
    "pages": PagesSitemap,
    "articles": ArticleSitemap,
    "works": WorkSitemap,
    "people": PersonSitemap,
}
