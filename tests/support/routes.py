"""The public URL patterns, each with a way to reach it, and the pinned query count of a
reader's article page."""


def credited_person(draft):
    """A person credited on the draft's work, whose page lists that work's explainers."""
    from explainers.models import Credit, Person

    person = Person.objects.create(name="Draft Watcher", slug="draft-watcher")
    Credit.objects.create(work=draft.work, person=person, role=Credit.Role.DIRECTOR)
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
}


# A reader's article page: its stored document (explainers/stored_pages.py), found by the
# article's slug with every condition for serving it checked in one query. Nothing grows
# with sections, citations, images, warnings or related reading.
ARTICLE_PAGE_QUERIES = 1
