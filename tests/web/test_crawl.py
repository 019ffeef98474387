"""Crawl every public page of the demo site as an anonymous reader and prove that no
spoiler reaches a safe surface (<head>, listings, work pages, JSON-LD) or any collapsed
state of an article (summaries, the map, notes, the warnings box) and that no draft
shows anywhere."""

import html
import json
import re

import pytest

from explainers.models import Article, Section
from tests.support.crawl import (
    NOT_HTML,
    perceived,
    public_urls,
    search_forms,
    sentences,
    spoiler_material,
)
from tests.support.demo import load_demo


@pytest.fixture
def demo(db):
    load_demo()


def test_the_demo_has_spoiler_material_to_hunt_for(demo):
    kinds = {kind for kind, _ in spoiler_material()}
    assert kinds == {
        "heading",
        "sentence",
        "image url",
        "image rendition",
        "image alt",
        "withheld warning",
        "inline spoiler",
    }
    assert len(spoiler_material()) > 60


def test_no_spoiler_reaches_any_public_page_before_a_reveal(client, demo):
    material = spoiler_material()
    checked = 0
    for url in public_urls(client):
        response = client.get(url)
        assert response.status_code == 200, url
        visible, head = perceived(response.content.decode())
        assert len(visible) > 200 or url.endswith(NOT_HTML), url
        for kind, text in material:
            needle = re.sub(r"\s+", " ", text)
            assert needle not in visible, f"{kind} {text!r} is perceivable on {url}"
            assert needle not in head, f"{kind} {text!r} is in <head> of {url}"
            checked += 1
    assert checked > 500


def test_the_crawl_reaches_every_door(client, demo):
    urls = public_urls(client)
    for door in ("/feed/", "/feed/rss/", "/sitemap.xml", "/robots.txt", "/works/"):
        assert door in urls
    assert any(url.startswith("/people/") for url in urls)
    assert any(url.endswith("/feed/rss/") and url.startswith("/works/") for url in urls)
    searches = [url for url in urls if url.startswith("/search/")]
    with_results = [url for url in searches if client.get(url).context["page_obj"]]
    assert len(with_results) > 20
    assert any(client.get(url).context["page_obj"].results for url in with_results)
    sitemap = client.get("/sitemap.xml").content.decode()
    assert all(f"http://testserver{url}</loc>" in sitemap for url in urls if "/articles/" in url)


def test_no_draft_shows_anywhere_public(client, demo):
    drafts = Article.objects.exclude(pk__in=Article.objects.published())
    assert drafts.exists()
    pages = [client.get(url).content.decode() for url in public_urls(client)]
    for draft in drafts:
        assert client.get(draft.get_absolute_url()).status_code == 404
        for page in pages:
            assert draft.title not in html.unescape(page)
            assert draft.get_absolute_url() not in page
        # Searching for the draft by its own title and dek finds other articles at most.
        for query in (draft.title, draft.dek[:120], f'"{draft.title}"'):
            page = client.get("/search/", {"q": query}).context["page_obj"]
            assert draft.title not in [result.teaser.title for result in page.results]
            for number in range(2, page.paginator.num_pages + 1):
                more = client.get("/search/", {"q": query, "page": number}).context["page_obj"]
                assert draft.title not in [result.teaser.title for result in more.results]


def test_a_search_for_spoiler_text_finds_nothing(client, demo):
    """Spoiler text is not searchable at all: a result would confirm the guess.

    A spoiler sentence shares common words with safe text, so we search with the words
    of it that no reader can see anywhere without revealing something: not even their
    stem (PostgreSQL stems) or inside another word (SQLite matches substrings)."""
    from explainers.models import SpoilerTerm

    seen = " ".join(
        perceived(client.get(url).content.decode())[0].lower()
        for url in public_urls(client)
        if not url.startswith("/search/")
    )
    material = [text for kind, text in spoiler_material() if kind in ("heading", "sentence")]
    material += list(SpoilerTerm.objects.values_list("phrase", flat=True))
    seen_forms = search_forms(seen)

    def unseen(word):
        if seen_forms is None:
            return word not in seen
        return not (search_forms(word) & seen_forms)

    searched = 0
    for text in material:
        words = set(re.findall(r"\w{4,}", text.lower()))
        for word in sorted(w for w in words if unseen(w)):
            page = client.get("/search/", {"q": word}).context["page_obj"]
            assert not page.results, f"{word!r} (from {text!r}) finds an explainer"
            searched += 1
    assert searched > 20


def test_the_crawler_does_see_what_a_reveal_shows(client, demo):
    """The collapsed view must not be blind: once the <details> is ignored, the spoiler
    text is there (so the test above can fail)."""
    section = Section.objects.filter(
        article__in=Article.objects.published(), spoiler_level__rank=3
    ).first()
    page = client.get(section.article.get_absolute_url()).content.decode()
    opened = page.replace('<details class="spoiler-gate"', '<div class="spoiler-gate"')
    opened = opened.replace("</details>", "</div>")
    visible, _ = perceived(opened)
    assert section.heading in visible
    assert sentences(section.body_html)[0] in visible


def test_no_spoiler_term_is_perceivable_on_the_demo_site(client, demo):
    from explainers.leaks import fold
    from explainers.models import SpoilerTerm

    terms = list(SpoilerTerm.objects.all())
    assert terms, "the demo should keep spoiler terms"
    for url in public_urls(client):
        visible = fold(perceived(client.get(url).content.decode())[0])[0]
        for term in terms:
            for phrase in [term.phrase, *term.variant_list()]:
                pattern = rf"\b{re.escape(fold(phrase)[0])}\b"
                assert not re.search(pattern, visible), f"{phrase!r} perceivable on {url}"


def test_withheld_warnings_sit_in_an_element_search_engines_keep_out_of_snippets(client, demo):
    article = Article.objects.published().get(slug="the-perfection-ending-explained")
    page = client.get(article.get_absolute_url()).content.decode()
    assert re.search(r'<div data-nosnippet>\s*<details class="warnings__withheld"', page)


# -- the read API and oEmbed ------------------------------------------------------------


@pytest.fixture(params=["site defaults", "every work past its window, relaxed to the top"])
def any_default(request, settings):
    """The API never applies a work's relaxed default: a client asks for what it wants."""
    if request.param != "site defaults":
        settings.SPOILER_WINDOW_DAYS = 0
        settings.SPOILER_RELAXED_RANK = 3
    return request.param


def test_no_spoiler_reaches_any_api_answer_or_oembed_card(client, demo, any_default):
    from tests.support.crawl import api_text, api_urls

    material = spoiler_material()
    checked = 0
    urls = api_urls(client)
    assert any("/oembed?" in url for url in urls)
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        said = re.sub(r"\s+", " ", api_text(response.json()))
        for kind, text in material:
            needle = re.sub(r"\s+", " ", text)
            assert needle not in said, f"{kind} {text!r} is in {url}"
            checked += 1
    assert checked > 5000


def test_the_api_crawler_does_see_what_a_reveal_shows(client, demo):
    from tests.support.crawl import api_text

    section = Section.objects.filter(
        article__in=Article.objects.published(), spoiler_level__rank=3
    ).first()
    url = f"/api/v1/articles/{section.article.slug}"
    said = api_text(client.get(url, {"reveal": 3}).json())
    assert section.heading in said
    assert sentences(section.body_html)[0] in re.sub(r"\s+", " ", said)
    assert section.heading not in api_text(client.get(url).json())


def test_no_draft_shows_anywhere_in_the_api(client, demo):
    from tests.support.crawl import api_urls

    drafts = Article.objects.exclude(pk__in=Article.objects.published())
    assert drafts.exists()
    answers = [client.get(url).content.decode() for url in api_urls(client)]
    for draft in drafts:
        detail = client.get(f"/api/v1/articles/{draft.slug}", {"reveal": 3})
        assert detail.status_code == 404
        card = client.get("/api/v1/oembed", {"url": draft.get_absolute_url()})
        assert card.status_code == 404
        for answer in answers:
            assert draft.slug not in answer
            assert json.dumps(draft.title)[1:-1] not in answer
        found = client.get("/api/v1/search", {"q": draft.title}).json()["results"]
        assert draft.slug not in [result["article"]["slug"] for result in found]
