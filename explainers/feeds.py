"""Atom and RSS feeds: title, the safe description and a link; never an article body.

Feed readers ignore <details> and our CSS, so a body would show every spoiler section
open. Items come through ``Article.objects.published()`` and ``project_article``.

Links are absolute from ``SITE_ORIGIN`` when it is set; otherwise Django completes them
with the request's host.
"""

from django.contrib.syndication.views import Feed
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed, Rss201rev2Feed
from django.utils.html import escape

from .models import Article, Work
from .origin import absolute
from .projection import project_article

FEED_SIZE = 30


class LatestExplainersFeed(Feed):
    feed_type = Atom1Feed
    title = "Unspoiled: latest explainers"
    subtitle = description = (
        "New explainers for films, series, books and games. Each entry is a spoiler-free "
        "title and summary; the article itself keeps its spoilers folded."
    )

    def link(self):
        return absolute(reverse("explainers:home"))

    def feed_url(self):
        return absolute(reverse("explainers:feed"))

    def articles(self):
        return Article.objects.published().for_listing()

    def items(self, obj=None):
        return [project_article(article) for article in self.articles()[:FEED_SIZE]]

    def item_title(self, item):
        return item.title

    def item_description(self, item):
        # Readers treat a description as HTML: a dek is plain text, so escape it.
        return escape(item.description)

    def item_link(self, item):
        return absolute(item.url)

    def item_pubdate(self, item):
        return item.published_at

    def item_updateddate(self, item):
        return item.published_at

    def item_categories(self, item):
        return [item.work_title]


class LatestExplainersRss(LatestExplainersFeed):
    feed_type = Rss201rev2Feed

    def feed_url(self):
        return absolute(reverse("explainers:feed-rss"))


class WorkExplainersFeed(LatestExplainersFeed):
    def get_object(self, request, slug):
        return get_object_or_404(Work, slug=slug)

    def title(self, work):
        return f"Unspoiled: explainers about {work}"

    def subtitle(self, work):
        return f"New spoiler-safe explainers about {work}."

    description = subtitle

    def link(self, work):
        return absolute(work.get_absolute_url())

    def feed_url(self, work):
        return absolute(reverse("explainers:work-feed", kwargs={"slug": work.slug}))

    def items(self, work):
        articles = self.articles().filter(work=work)[:FEED_SIZE]
        return [project_article(article) for article in articles]


class WorkExplainersRss(WorkExplainersFeed):
    feed_type = Rss201rev2Feed

    def feed_url(self, work):
        return absolute(reverse("explainers:work-feed-rss", kwargs={"slug": work.slug}))
