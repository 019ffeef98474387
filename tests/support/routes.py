"""The public URL patterns, each with a way to reach it, and the pinned query count of a
reader's article page."""


def credited_person(draft):
    """A person credited on the draft's work, whose page lists that work's explainers."""
    from explainers.models import Credit, Person

    person, _ = Person.objects.get_or_create(name="Draft Watcher", slug="draft-watcher")
    Credit.objects.get_or_create(work=draft.work, person=person, role=Credit.Role.DIRECTOR)
    return person.get_absolute_url()


# Each public route, and how to ask it for unpublished material. A new route that is not
# listed here fails test_every_public_route_is_listed: add it, with its check, on purpose.
PUBLIC_ROUTES = {
    "explainers:home": lambda draft: "/",
    "explainers:article": lambda draft: draft.get_absolute_url(),
    "explainers:work": lambda draft: draft.work.get_absolute_url(),
    "explainers:preview": lambda draft: "/preview/not-a-signed-token/",
    "explainers:report_spoiler": lambda draft: f"{draft.get_absolute_url()}report/",
    "explainers:report_thanks": lambda draft: f"{draft.get_absolute_url()}report/thanks/",
    # The results page repeats the query, so ask with the draft's other words.
    "explainers:search": lambda draft: "/search/?q=Unpublished+explainer+appears",
    "explainers:feed": lambda draft: "/feed/",
    "explainers:feed-rss": lambda draft: "/feed/rss/",
    "explainers:works": lambda draft: "/works/",
    "explainers:work-feed": lambda draft: f"/works/{draft.work.slug}/feed/",
    "explainers:work-feed-rss": lambda draft: f"/works/{draft.work.slug}/feed/rss/",
    "explainers:person": credited_person,
    "sitemap": lambda draft: "/sitemap.xml",
    "robots": lambda draft: "/robots.txt",
    "favicon": lambda draft: "/favicon.ico",
    # The read API (explainers/api), asked to reveal everything it may.
    "api:api-root": lambda draft: "/api/v1/",
    "api:openapi-json": lambda draft: "/api/v1/openapi.json",
    "api:openapi-view": lambda draft: "/api/v1/docs",
    "api:list_articles": lambda draft: "/api/v1/articles",
    "api:get_article": lambda draft: f"/api/v1/articles/{draft.slug}?reveal=3",
    "api:list_works": lambda draft: "/api/v1/works",
    "api:get_work": lambda draft: f"/api/v1/works/{draft.work.slug}",
    "api:list_people": lambda draft: "/api/v1/people",
    "api:get_person": lambda draft: "/api/v1" + credited_person(draft).rstrip("/"),
    "api:search_articles": lambda draft: "/api/v1/search?q=Unpublished+explainer+appears",
    "api:spoiler_levels": lambda draft: "/api/v1/levels",
    "api:oembed": lambda draft: f"/api/v1/oembed?url=http://testserver{draft.get_absolute_url()}",
}


# A reader's article page: its stored document (explainers/stored_pages.py), found by the
# article's slug with every condition for serving it checked in one query. Nothing grows
# with sections, citations, images, warnings or related reading.
ARTICLE_PAGE_QUERIES = 1
