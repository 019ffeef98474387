"""The other doors in: feeds, sitemap, robots.txt, the works index, person pages, related
reading, canonical and feed links. Each shows published articles only, and safe text only."""

import xml.etree.ElementTree as ET
from datetime import timedelta

import pytest
from django.utils import timezone

from explainers.models import Article, Credit, Person, Work

LEVEL0 = (0, "What kind of film this is", "", "Level-zero body sentence about the cello.")
TWIST = (2, "Charlotte drugged Lizzie", "What really happened", "Spoiler body sentence here.")
ATOM = "{http://www.w3.org/2005/Atom}"


@pytest.fixture
def published(make_article):
    return make_article(sections=[LEVEL0, TWIST])


@pytest.fixture
def draft(make_article):
    return make_article(
        title="Unreleased draft explainer",
        status=Article.Status.DRAFT,
        sections=[LEVEL0],
    )


@pytest.fixture
def scheduled(make_article):
    return make_article(
        title="Scheduled explainer", published_at=timezone.now() + timedelta(days=1)
    )


def make_work(slug, title, kind=Work.Kind.FILM, year=2020):
    return Work.objects.create(kind=kind, title=title, slug=slug, year=year)


def publish(work, title, slug, days_ago=1, **extra):
    return Article.objects.create(
        title=title,
        slug=slug,
        dek=f"A safe dek for {title}.",
        work=work,
        status=Article.Status.PUBLISHED,
        published_at=timezone.now() - timedelta(days=days_ago),
        **extra,
    )


# -- feeds -------------------------------------------------------------------------------


@pytest.mark.parametrize("url", ["/feed/", "/feed/rss/"])
def test_site_feeds_carry_title_dek_and_link_only(client, published, draft, scheduled, url):
    response = client.get(url)
    assert response.status_code == 200
    text = response.content.decode()
    ET.fromstring(response.content)  # well-formed XML
    assert published.title in text
    assert published.dek in text
    assert "http://testserver" + published.get_absolute_url() in text
    for never in (
        draft.title,
        draft.slug,
        scheduled.title,
        scheduled.slug,
        "Spoiler body sentence",
        "Charlotte drugged Lizzie",
        "Level-zero body sentence",  # no body at all, not even the safe part
    ):
        assert never not in text, never


def test_the_atom_feed_has_one_entry_per_published_article(client, make_article):
    articles = [make_article(sections=[LEVEL0]) for _ in range(3)]
    feed = ET.fromstring(client.get("/feed/").content)
    entries = feed.findall(f"{ATOM}entry")
    assert [entry.find(f"{ATOM}title").text for entry in entries] == [
        article.title for article in sorted(articles, key=lambda a: -a.pk)
    ]
    assert all(entry.find(f"{ATOM}content") is None for entry in entries)


def test_a_work_feed_lists_only_that_works_explainers(client, published, draft):
    other = publish(make_work("other", "Other Film"), "Other film explained", "other-explained")
    for url in ("/works/the-perfection/feed/", "/works/the-perfection/feed/rss/"):
        text = client.get(url).content.decode()
        assert published.title in text
        assert other.title not in text
        assert draft.title not in text
    assert client.get("/works/no-such-work/feed/").status_code == 404


def test_feed_query_count_does_not_grow(client, make_article, django_assert_num_queries):
    make_article()
    with django_assert_num_queries(1):
        client.get("/feed/")
    for _ in range(6):
        make_article()
    with django_assert_num_queries(1):
        client.get("/feed/")


# -- sitemap and robots -------------------------------------------------------------------


def test_sitemap_lists_published_articles_works_and_people_with_lastmod(
    client, published, draft, scheduled, work
):
    person = Person.objects.create(name="Richard Shepard", slug="richard-shepard")
    Credit.objects.create(work=work, person=person, role=Credit.Role.DIRECTOR)
    response = client.get("/sitemap.xml")
    assert response.status_code == 200
    root = ET.fromstring(response.content)
    ns = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
    entries = {
        url.find(f"{ns}loc").text: getattr(url.find(f"{ns}lastmod"), "text", None)
        for url in root.findall(f"{ns}url")
    }
    base = "http://testserver"
    assert entries[base + published.get_absolute_url()] == published.updated_at.date().isoformat()
    assert entries[base + work.get_absolute_url()] == published.published_at.date().isoformat()
    assert base + "/people/richard-shepard/" in entries
    assert base + "/works/" in entries
    text = response.content.decode()
    for hidden in (draft, scheduled):
        assert hidden.get_absolute_url() not in text


def test_sitemap_query_count_does_not_grow(
    client, make_article, shepard, django_assert_num_queries
):
    # A count and a page of rows for each of articles, works and people.
    make_article()
    with django_assert_num_queries(6):
        client.get("/sitemap.xml")
    for n in range(5):
        make_article()
        Credit.objects.create(
            work=make_work(f"s{n}", f"S {n}"), person=shepard, role=Credit.Role.WRITER
        )
    with django_assert_num_queries(6):
        client.get("/sitemap.xml")


def test_robots_points_at_the_sitemap_and_keeps_private_paths_out(client, db):
    response = client.get("/robots.txt")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    lines = response.content.decode().splitlines()
    assert "Sitemap: http://testserver/sitemap.xml" in lines
    for path in ("/admin/", "/markdownx/", "/preview/", "/search/"):
        assert f"Disallow: {path}" in lines


def test_a_draft_preview_tells_robots_to_stay_away(client, senior_client, draft):
    response = senior_client.get(draft.get_absolute_url())
    assert response.status_code == 200
    assert response["X-Robots-Tag"] == "noindex, nofollow"


# -- canonical and autodiscovery ------------------------------------------------------------


def head(response):
    return response.content.decode().split("</head>", 1)[0]


def test_pages_name_their_canonical_url_and_offer_the_feeds(client, published, work):
    for url, canonical in [
        ("/?utm_source=x", "http://testserver/"),
        ("/works/?sort=newest&utm_source=x", "http://testserver/works/"),
        ("/works/?kind=film&sort=newest", "http://testserver/works/?kind=film"),
        (work.get_absolute_url() + "?ref=1", "http://testserver" + work.get_absolute_url()),
        (published.get_absolute_url(), "http://testserver" + published.get_absolute_url()),
    ]:
        page = head(client.get(url))
        assert f'<link rel="canonical" href="{canonical}">' in page, url
        assert 'type="application/atom+xml"' in page and 'href="/feed/"' in page
        assert 'type="application/rss+xml"' in page
    work_head = head(client.get(work.get_absolute_url()))
    assert f'href="/works/{work.slug}/feed/"' in work_head


# -- works index -----------------------------------------------------------------------


def test_works_index_lists_every_work_with_its_published_explainer_count(
    client, published, draft, work
):
    make_work("quiet-book", "A Quiet Book", kind=Work.Kind.BOOK)
    response = client.get("/works/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "The Perfection" in page and "A Quiet Book" in page
    assert "1 explainer ·" in page  # the draft is not counted
    assert "No explainers yet" in page
    assert draft.title not in page


def test_works_index_filters_by_kind_and_sorts(client, db):
    older = make_work("aardvark", "Aardvark", year=2001)
    newer = make_work("zebra", "Zebra", year=2002)
    make_work("novel", "Middle Novel", kind=Work.Kind.BOOK)
    publish(older, "Aardvark explained", "aardvark-explained", days_ago=5)
    publish(newer, "Zebra explained", "zebra-explained", days_ago=1)

    def titles(**params):
        return [work.title for work in client.get("/works/", params).context["works"]]

    assert titles() == ["Aardvark", "Middle Novel", "Zebra"]
    assert titles(sort="newest") == ["Zebra", "Aardvark", "Middle Novel"]
    assert titles(kind="book") == ["Middle Novel"]
    assert titles(kind="opera", sort="sideways") == ["Aardvark", "Middle Novel", "Zebra"]


def test_works_index_is_paginated_and_its_query_count_is_pinned(
    client, db, django_assert_num_queries
):
    for n in range(3):
        publish(make_work(f"w{n}", f"Work {n:02d}"), f"Explainer {n}", f"e-{n}")
    with django_assert_num_queries(2):
        assert client.get("/works/").status_code == 200
    for n in range(3, 30):
        publish(make_work(f"w{n}", f"Work {n:02d}"), f"Explainer {n}", f"e-{n}")
    with django_assert_num_queries(2):
        response = client.get("/works/")
    assert len(response.context["works"]) == 24
    assert 'href="?page=2"' in response.content.decode()
    assert len(client.get("/works/?page=2").context["works"]) == 6


# -- person pages ------------------------------------------------------------------------


@pytest.fixture
def shepard(work):
    person = Person.objects.create(name="Richard Shepard", slug="richard-shepard")
    Credit.objects.create(work=work, person=person, role=Credit.Role.DIRECTOR)
    Credit.objects.create(work=work, person=person, role=Credit.Role.WRITER)
    return person


def test_person_page_lists_credits_and_explainers_about_their_works(
    client, shepard, published, draft
):
    other = make_work("dead-zone", "Dead Zone", year=2010)
    Credit.objects.create(work=other, person=shepard, role=Credit.Role.CAST, character_name="Jo")
    response = client.get("/people/richard-shepard/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "Director, Writer" in page
    assert "Dead Zone" in page and "as Jo" in page
    assert published.title in page and published.dek in page
    assert draft.title not in page
    assert "Charlotte drugged Lizzie" not in page
    assert client.get("/people/nobody/").status_code == 404


def test_work_page_and_article_work_box_link_to_people(client, shepard, published, work):
    assert 'href="/people/richard-shepard/"' in client.get(work.get_absolute_url()).content.decode()
    article_page = client.get(published.get_absolute_url()).content.decode()
    workbox = article_page.split('class="workbox"', 1)[1].split("</aside>", 1)[0]
    assert '<a href="/people/richard-shepard/">Richard Shepard</a>' in workbox


def test_person_page_query_count_does_not_grow(
    client, shepard, make_article, django_assert_num_queries
):
    make_article()
    with django_assert_num_queries(4):
        client.get("/people/richard-shepard/")
    for n in range(5):
        make_article()
        Credit.objects.create(
            work=make_work(f"x{n}", f"X {n}"), person=shepard, role=Credit.Role.WRITER
        )
    with django_assert_num_queries(4):
        client.get("/people/richard-shepard/")


def test_work_page_paginates_its_explainers(client, make_article, work):
    articles = [make_article() for _ in range(14)]
    first = client.get(work.get_absolute_url())
    assert len(first.context["teasers"]) == 12
    second = client.get(work.get_absolute_url() + "?page=2").content.decode()
    assert articles[0].title in second


# -- related reading ---------------------------------------------------------------------


def related_titles(client, article):
    return [teaser.title for teaser in client.get(article.get_absolute_url()).context["related"]]


def test_related_reading_puts_picks_first_then_the_same_work_then_shared_people(
    client, make_article, work, shepard
):
    article = make_article()
    same_work = make_article()
    kin_work = make_work("kin", "Kin Film")
    Credit.objects.create(work=kin_work, person=shepard, role=Credit.Role.DIRECTOR)
    kin = publish(kin_work, "Kin film explained", "kin-explained", days_ago=0)
    stranger_work = make_work("stranger", "Stranger Film")
    pick = publish(stranger_work, "An editor's pick", "pick", days_ago=9)
    publish(stranger_work, "Unrelated explainer", "unrelated")
    hidden_pick = make_article(status=Article.Status.DRAFT, title="A draft pick")
    article.related.set([pick, hidden_pick])

    titles = related_titles(client, article)
    assert titles == [pick.title, same_work.title, kin.title]
    assert article.title not in titles
    assert hidden_pick.title not in titles


def test_related_reading_shows_only_safe_teasers(client, make_article):
    article = make_article()
    make_article(sections=[LEVEL0, TWIST])
    page = client.get(article.get_absolute_url()).content.decode()
    related = page.split('id="related-heading"', 1)[1]
    assert "What kind of film this is" not in related
    assert "Charlotte drugged Lizzie" not in related
    assert "What the closing minutes mean" in related  # the dek


def test_related_reading_costs_two_queries_however_many_candidates(
    client, make_article, make_image, django_assert_num_queries
):
    from tests.support.routes import ARTICLE_PAGE_QUERIES

    article = make_article(sections=[LEVEL0])
    make_article()
    with django_assert_num_queries(2):  # the ids, then the teasers
        assert len(article.related_reading()) == 1
    picks = [make_article() for _ in range(6)]
    article.related.set(picks)
    with django_assert_num_queries(2):
        assert len(article.related_reading()) == 4
    # Teasers with images: one prefetch of their renditions, not one query each.
    for pick in picks:
        pick.hero_image = make_image(rank=0)
        pick.save()
    with django_assert_num_queries(3):
        assert len(article.related_reading()) == 4
    # On the page, the related reading is stored with it: a reader's page is one query.
    client.get(article.get_absolute_url())
    with django_assert_num_queries(ARTICLE_PAGE_QUERIES):
        response = client.get(article.get_absolute_url())
    assert response.content.decode().count('<figure class="teaser__image">') == 4


def test_a_persons_roles_on_one_work_follow_the_credits_order_not_when_entered(client, work):
    """Credited as writer first and director later, a person still reads "Director,
    Writer", as the work's own credits list them (the rows' storage order decided it)."""
    person = Person.objects.create(name="Richard Shepard", slug="richard-shepard")
    Credit.objects.create(work=work, person=person, role=Credit.Role.WRITER)
    Credit.objects.create(work=work, person=person, role=Credit.Role.DIRECTOR)
    assert "Director, Writer" in client.get("/people/richard-shepard/").content.decode()
