"""Atom and RSS feeds: title, the safe description and a link; never an article body.

Feed readers ignore <details> and our CSS, so a body would show every spoiler section
open. Items come through ``Article.objects.published()`` and ``project_article``.

Links are absolute from ``SITE_ORIGIN`` when it is set; otherwise Django completes them
with the request's host.

Each entry carries its spoiler scope in an extension element (docs/spoiler-scope.md),
``<spoilers:scope work="…" level="3" level-name="Ending" part="4" part-label="…"/>``: how
far the article goes (its highest section level) and the furthest part of the work its
spoiler sections reach (no ``part``: some section names none, so anywhere). Read in the
same single query as the entries.
"""

from dataclasses import dataclass

from django.contrib.syndication.views import Feed
from django.db.models import Exists, OuterRef, Subquery
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed, Rss201rev2Feed
from django.utils.html import escape

from .models import Article, Section, SpoilerLevel, Work
from .origin import absolute
from .projection import SCOPE_NAMESPACE, SpoilerScope, project_article

FEED_SIZE = 30


@dataclass(frozen=True)
class Entry:
    safe: object  # a SafeArticle
    scope: SpoilerScope


def with_reach(articles):
    """Articles annotated with what their spoiler scope needs, in the same query."""
    spoilers = Section.objects.filter(article=OuterRef("pk"), spoiler_level__rank__gt=0)
    furthest = spoilers.exclude(reveals_through=None).order_by("-reveals_through__position")
    return articles.annotate(
        reach_name=Subquery(
            SpoilerLevel.objects.filter(rank=OuterRef("spoiler_reach")).values("name")[:1]
        ),
        reach_unplaced=Exists(spoilers.filter(reveals_through=None)),
        reach_part=Subquery(furthest.values("reveals_through__position")[:1]),
        reach_part_label=Subquery(furthest.values("reveals_through__label")[:1]),
    )


def entry(article):
    placed = article.reach_part is not None and not article.reach_unplaced
    return Entry(
        safe=project_article(article),
        scope=SpoilerScope(
            work=article.work.slug,
            level=article.spoiler_reach,
            level_name=article.reach_name or "",
            part=article.reach_part if placed else None,
            part_label=article.reach_part_label if placed else "",
        ),
    )


class ScopeElements:
    """Adds the ``spoilers:scope`` element to each entry of an Atom or RSS feed."""

    def root_attributes(self):
        return {**super().root_attributes(), "xmlns:spoilers": SCOPE_NAMESPACE}

    def add_item_elements(self, handler, item):
        super().add_item_elements(handler, item)
        scope = item["spoiler_scope"]
        attrs = {"work": scope.work, "level": str(scope.level), "level-name": scope.level_name}
        if scope.part is not None:
            attrs.update({"part": str(scope.part), "part-label": scope.part_label})
        handler.addQuickElement("spoilers:scope", None, attrs)


class ScopedAtom1Feed(ScopeElements, Atom1Feed):
    pass


class ScopedRssFeed(ScopeElements, Rss201rev2Feed):
    pass


class LatestExplainersFeed(Feed):
    feed_type = ScopedAtom1Feed
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
        return with_reach(Article.objects.published().for_listing())

    def items(self, obj=None):
        return [entry(article) for article in self.articles()[:FEED_SIZE]]

    def item_title(self, item):
        return item.safe.title

    def item_description(self, item):
        # Readers treat a description as HTML: a dek is plain text, so escape it.
        return escape(item.safe.description)

    def item_link(self, item):
        return absolute(item.safe.url)

    def item_pubdate(self, item):
        return item.safe.published_at

    def item_updateddate(self, item):
        return item.safe.published_at

    def item_categories(self, item):
        return [item.safe.work_title]

    def item_extra_kwargs(self, item):
        return {"spoiler_scope": item.scope}


class LatestExplainersRss(LatestExplainersFeed):
    feed_type = ScopedRssFeed

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
        return [entry(article) for article in articles]


class WorkExplainersRss(WorkExplainersFeed):
    feed_type = ScopedRssFeed

    def feed_url(self, work):
        return absolute(reverse("explainers:work-feed-rss", kwargs={"slug": work.slug}))
