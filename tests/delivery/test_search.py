"""Search: what it finds, what it shows, and what it never gives away."""

import html
import re
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from explainers import search
from explainers.models import Article, Credit, Person, Section, Work

LEVEL0 = (0, "What kind of film this is", "", "A chamber piece about a marimba virtuoso.")
TWIST = (2, "The quartet was a lie", "What really happened on the trip", "Zephyrine poisons them.")
ENDING = (3, "The final image", "What the final scene means", "Both play one instrument.")


def results(client, **params):
    response = client.get("/search/", params)
    assert response.status_code == 200
    return response


def found_titles(response):
    page = response.context["page_obj"]
    return [result.teaser.title for result in page.results] if page else []


def test_search_finds_an_article_by_a_word_of_its_spoiler_free_text(client, make_article):
    article = make_article(sections=[LEVEL0, TWIST])
    response = results(client, q="marimba")
    assert found_titles(response) == [article.title]
    page = response.content.decode()
    assert "<mark>marimba</mark>" in page.lower()


def test_title_matches_rank_above_body_matches(client, make_article):
    body_only = make_article(sections=[(0, "Intro", "", "The glockenspiel returns.")])
    titled = make_article(title="The glockenspiel, explained", sections=[LEVEL0])
    assert found_titles(results(client, q="glockenspiel")) == [titled.title, body_only.title]


def test_search_finds_the_work_and_its_people(client, make_article, work):
    article = make_article(sections=[LEVEL0])
    person = Person.objects.create(name="Wilhelmina Quartermaine", slug="wilhelmina-q")
    Credit.objects.create(work=work, person=person, role=Credit.Role.DIRECTOR)
    assert found_titles(results(client, q="Quartermaine")) == [article.title]
    assert found_titles(results(client, q="perfection")) == [article.title]


def test_spoiler_text_is_never_matched_or_quoted(client, make_article):
    """A result for a spoiler's words would confirm the spoiler: nothing comes back."""
    make_article(sections=[LEVEL0, TWIST, ENDING])
    for query in ("Zephyrine", "quartet lie", "poisons", "instrument"):
        response = results(client, q=query)
        assert found_titles(response) == [], query
    # The safe heading of a spoiler section is searchable, and shown as found.
    response = results(client, q="really happened trip")
    assert len(found_titles(response)) == 1
    assert "Zephyrine" not in response.content.decode()


def test_an_inline_spoiler_in_spoiler_free_text_is_neither_matched_nor_shown(client, make_article):
    make_article(sections=[(0, "Intro", "", "The marimba player ||betrays Hortensia|| later.")])
    assert found_titles(results(client, q="Hortensia")) == []
    response = results(client, q="marimba")
    assert len(found_titles(response)) == 1
    assert "Hortensia" not in response.content.decode()


def test_a_drafts_unique_words_find_nothing(client, make_article):
    make_article(
        title="Quixotic pangolin draft",
        status=Article.Status.DRAFT,
        sections=[(0, "Intro", "", "Pangolin text.")],
    )
    make_article(
        title="Quixotic pangolin scheduled",
        published_at=timezone.now() + timedelta(days=2),
        sections=[(0, "Intro", "", "Pangolin text.")],
    )
    for query in ("pangolin", "quixotic", "Quixotic pangolin"):
        response = results(client, q=query)
        assert found_titles(response) == []
        assert "/articles/" not in response.content.decode().split('id="search-heading"')[1]


def test_a_retracted_article_leaves_the_results(client, make_article):
    article = make_article(sections=[LEVEL0])
    assert found_titles(results(client, q="marimba")) == [article.title]
    article.status = Article.Status.RETRACTED
    article.save()
    assert found_titles(results(client, q="marimba")) == []


HOSTILE = [
    "",
    "   ",
    "&&&",
    "!()|:*",
    "'; DROP TABLE explainers_article; --",
    '"unclosed phrase',
    "-",
    "or or or",
    "a & ! b",
    "\x01\x7fmarimba",
    "%00",
    "<script>alert(1)</script>",
    "日本語 の 映画",
    "🎻🎻",
    "marimba " * 400,
    "x" * 5000,
]


@pytest.mark.parametrize("query", HOSTILE)
def test_odd_and_hostile_queries_get_a_helpful_page(client, make_article, query):
    make_article(sections=[LEVEL0])
    response = client.get("/search/", {"q": query})
    assert response.status_code == 200
    page = response.content.decode()
    assert "<script>alert" not in page
    assert "Search explainers" in page
    assert "Try" in page or "explainer" in page


def test_a_nul_byte_in_a_search_is_refused_with_a_page_that_says_so(client, make_article):
    # PostgreSQL refuses NUL in any string it compares: every URL holding one gets a 400.
    make_article(sections=[LEVEL0])
    response = client.get("/search/", {"q": "\x00\x01marimba"})
    assert response.status_code == 400
    assert "This address was not understood" in response.content.decode()


def test_a_long_query_is_cut_and_the_reader_is_told(client, make_article):
    article = make_article(sections=[LEVEL0])
    response = results(client, q="marimba " + "virtuoso " * 100)
    assert response.context["query"].truncated
    assert len(response.context["query"].text) <= search.MAX_QUERY_CHARS
    assert "we looked for its first 200 characters" in response.content.decode()
    assert found_titles(response) == [article.title]


def test_an_empty_search_explains_what_can_be_searched(client, db):
    response = results(client)
    assert "Spoiler sections are never searched" in response.content.decode()
    assert "page_obj" not in response.context


def test_a_search_with_no_results_says_so_and_offers_a_way_on(client, make_article):
    make_article(sections=[LEVEL0])
    page = html.unescape(results(client, q="bagpipes").content.decode())
    assert "No explainers match “bagpipes”." in page
    assert "Try fewer words" in page
    assert "has no words to look for" not in page
    page = html.unescape(results(client, q="bagpipes", kind="book").content.decode())
    assert "No explainers match “bagpipes” with these filters." in page
    assert "search without filters" in page


def test_a_query_of_punctuation_only_is_told_it_has_no_words(client, db):
    page = html.unescape(results(client, q="&&& !!!").content.decode())
    assert "“&&& !!!” has no words to look for" in page


def test_filters_by_work_kind_and_spoiler_reach(client, make_article, levels):
    film = make_article(sections=[LEVEL0, TWIST])
    gentle = make_article(sections=[LEVEL0])
    book = Work.objects.create(kind=Work.Kind.BOOK, title="Marimba Nights", slug="marimba-nights")
    novel = Article.objects.create(
        title="Marimba Nights explained",
        slug="marimba-nights-explained",
        dek="A safe dek about the marimba book.",
        work=book,
        status=Article.Status.PUBLISHED,
        published_at=timezone.now() - timedelta(hours=3),
    )
    assert set(found_titles(results(client, q="marimba"))) == {
        film.title,
        gentle.title,
        novel.title,
    }
    assert found_titles(results(client, q="marimba", work="marimba-nights")) == [novel.title]
    assert found_titles(results(client, q="marimba", kind="book")) == [novel.title]
    assert set(found_titles(results(client, q="marimba", reach="0"))) == {
        gentle.title,
        novel.title,
    }
    assert len(found_titles(results(client, q="marimba", reach="2"))) == 3


def test_filters_alone_list_explainers_newest_first(client, make_article):
    older = make_article(sections=[LEVEL0], published_at=timezone.now() - timedelta(days=3))
    newer = make_article(sections=[LEVEL0], published_at=timezone.now() - timedelta(days=1))
    assert found_titles(results(client, work="the-perfection")) == [newer.title, older.title]


def test_unknown_filter_values_are_ignored_and_said_so(client, make_article):
    article = make_article(sections=[LEVEL0])
    response = results(client, q="marimba", work="no-such-work", kind="opera", reach="99")
    assert found_titles(response) == [article.title]
    assert "We did not recognise the work or kind or spoiler level" in html.unescape(
        response.content.decode()
    )


def test_results_are_paginated_and_odd_page_numbers_land_on_a_real_page(client, make_article):
    for _ in range(search.PAGE_SIZE + 2):
        make_article(sections=[LEVEL0])
    first = results(client, q="marimba")
    assert len(found_titles(first)) == search.PAGE_SIZE
    assert 'rel="next" href="?q=marimba&amp;page=2"' in first.content.decode()
    assert len(found_titles(results(client, q="marimba", page="2"))) == 2
    assert len(found_titles(results(client, q="marimba", page="999"))) == 2
    assert len(found_titles(results(client, q="marimba", page="abc"))) == search.PAGE_SIZE


def test_search_query_count_does_not_grow_with_results(
    client, make_article, django_assert_num_queries
):
    for _ in range(3):
        make_article(sections=[LEVEL0, TWIST])
    # Levels for the filter, the count, one page of results, its snippets.
    with django_assert_num_queries(4):
        assert len(found_titles(results(client, q="marimba"))) == 3
    for _ in range(9):
        make_article(sections=[LEVEL0, TWIST])
    with django_assert_num_queries(4):
        assert len(found_titles(results(client, q="marimba"))) == 10


def test_the_index_follows_edits_to_the_article_its_sections_and_its_work(
    client, make_article, work, levels
):
    article = make_article(sections=[LEVEL0])
    article.title = "Why the ocarina matters"
    article.save()
    assert found_titles(results(client, q="ocarina")) == [article.title]

    section = article.sections.get()
    section.body = "Now about a theremin."
    section.save()
    article.render_sections()
    assert found_titles(results(client, q="theremin")) == [article.title]
    assert found_titles(results(client, q="marimba")) == []

    # Raising the section to a spoiler level takes its text out of the index.
    section.spoiler_level = levels[1]
    section.safe_heading = "Safe setup"
    section.save()
    article.render_sections()
    assert found_titles(results(client, q="theremin")) == []

    work.title = "The Harpsichord Affair"
    work.save()
    assert found_titles(results(client, q="harpsichord")) == [article.title]

    person = Person.objects.create(name="Octavia Bellweather", slug="octavia-bellweather")
    Credit.objects.create(work=work, person=person, role=Credit.Role.CAST)
    assert found_titles(results(client, q="Bellweather")) == [article.title]
    person.name = "Octavia Brightwater"
    person.save()
    assert found_titles(results(client, q="Brightwater")) == [article.title]
    Credit.objects.filter(person=person).delete()
    assert found_titles(results(client, q="Brightwater")) == []


def test_update_search_index_rebuilds_rows_saved_without_signals(client, make_article, work):
    article = make_article(sections=[LEVEL0])
    Article.objects.filter(pk=article.pk).update(
        search_body="", search_context="", search_vector=None
    )
    assert found_titles(results(client, q="marimba")) == []
    out = StringIO()
    call_command("update_search_index", stdout=out)
    assert "Indexed 1 article" in out.getvalue()
    assert found_titles(results(client, q="marimba")) == [article.title]


def test_snippets_are_escaped_text_from_spoiler_free_sections(client, make_article):
    make_article(sections=[(0, "Intro", "", "The marimba & the `<b>bold</b>` tag.")])
    page = results(client, q="marimba").content.decode()
    snippet = re.search(r'<p class="result__snippet">(.*?)</p>', page, re.S).group(1)
    # The text's own markup-like characters come out as text, never as tags.
    assert "<b>" not in snippet
    assert "&amp;" in snippet
    assert re.search(r"<mark>marimba</mark>", snippet, re.I)


def test_the_header_search_box_is_on_every_page(client, make_article):
    article = make_article(sections=[LEVEL0])
    for url in ("/", article.get_absolute_url(), "/works/"):
        assert 'role="search"' in client.get(url).content.decode()


def test_search_pages_are_kept_out_of_search_engines(client, db):
    response = results(client, q="anything")
    assert response["X-Robots-Tag"] == "noindex, follow"
    assert '<meta name="robots" content="noindex, follow">' in response.content.decode()


def test_section_deletion_updates_the_index(client, make_article):
    article = make_article(sections=[LEVEL0, (0, "More", "", "A bandoneon appears.")])
    assert found_titles(results(client, q="bandoneon")) == [article.title]
    Section.objects.filter(article=article, heading="More").delete()
    assert found_titles(results(client, q="bandoneon")) == []


def test_a_client_running_many_fresh_searches_is_slowed_down_politely(client, db, settings):
    settings.SEARCHES_PER_CLIENT = 3
    from django.core.cache import cache

    cache.clear()
    for word in ("cello", "academy", "chapel"):
        assert client.get("/search/", {"q": word}).status_code == 200
    response = client.get("/search/", {"q": "duet"})
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    assert "Lots of searching" in response.content.decode()
    assert "duet" not in response.content.decode()  # nothing typed is echoed back
    # Another client is not affected; an empty search box is never counted.
    assert client.get("/search/").status_code == 200
    other = client.get("/search/", {"q": "cello"}, REMOTE_ADDR="203.0.113.9")
    assert other.status_code == 200
    cache.clear()


@pytest.mark.skipif(not search.on_postgres(), reason="the ranking window is PostgreSQL's")
def test_a_very_common_word_is_ranked_over_the_newest_matches_and_says_so(
    client, make_article, monkeypatch
):
    monkeypatch.setattr(search, "RANK_WINDOW", 3)
    now = timezone.now()
    oldest = make_article(title="Marimba marimba marimba", published_at=now - timedelta(days=9))
    for days in (3, 2, 1):
        make_article(title=f"A marimba recital {days}", published_at=now - timedelta(days=days))
    response = results(client, q="marimba")
    titles = found_titles(response)
    # The oldest would rank first on its title, but it is outside the newest three.
    assert oldest.title not in titles and len(titles) == 3
    assert "More than 3 explainers for “marimba”" in response.content.decode()
    # Under the window, a query is ranked in full and counted exactly.
    monkeypatch.setattr(search, "RANK_WINDOW", 10)
    response = results(client, q="marimba")
    assert found_titles(response)[0] == oldest.title
    assert "4 explainers for “marimba”" in response.content.decode()


def test_a_search_within_one_work_starts_from_the_works_page(client, make_article, work):
    article = make_article(sections=[LEVEL0])
    page = client.get(work.get_absolute_url()).content.decode()
    assert 'name="work" value="the-perfection"' in page
    response = results(client, q="marimba", work="the-perfection")
    html = response.content.decode()
    assert found_titles(response) == [article.title]
    assert "Within <strong>The Perfection (2019)</strong>" in html
    assert 'href="?q=marimba">search every work</a>' in html
    # The form lists no works: the page does not grow with the site.
    assert '<option value="the-perfection"' not in html
