"""Slugs that can change: a live article's old address redirects to it for good (301),
straight to the current slug however many renames ago; never to an article readers cannot
see; an article taking an old slug wins; the sitemap, canonical links and every cache
follow the current slug."""

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

from explainers.models import Article, SlugRedirect
from explainers.services.articles import ArticleChange, save_article, transition
from tests.support.admin_forms import change_url, client_for, full_post, page_text
from tests.support.edge import RecordingPurger

SECTIONS = [
    (0, "What kind of film this is", "", "A thriller about a cello prodigy."),
    (2, "Charlotte drugged Lizzie", "What happened on the trip", "She drugged her."),
]


@pytest.fixture
def commit(django_capture_on_commit_callbacks):
    """Run a change as if its transaction committed (stored pages and caches wait for it)."""

    def run(change):
        with django_capture_on_commit_callbacks(execute=True):
            return change()

    return run


@pytest.fixture
def article(make_article):
    return make_article(sections=SECTIONS)


@pytest.fixture
def senior(senior_editor):
    return senior_editor


def rename(article, slug, user):
    """The slug changed on the article's change form, as a senior editor saves it."""
    editor = client_for(user)
    response = editor.post(change_url(article), full_post(article, slug=slug))
    assert response.status_code == 302, page_text(response)[:3000]
    article.refresh_from_db()
    assert article.slug == slug
    return editor.get(response["Location"])


def url(slug):
    return f"/articles/{slug}/"


def test_renaming_a_live_articles_slug_leaves_a_permanent_redirect(client, article, senior):
    old = article.slug
    response = rename(article, "what-the-ending-means", senior)
    moved = client.get(url(old))
    assert moved.status_code == 301
    assert moved["Location"] == url("what-the-ending-means")
    assert "no-cache" in moved["Cache-Control"]  # an article may take the old slug later
    assert client.get(url("what-the-ending-means")).status_code == 200
    # The editor is told, with the old address.
    assert f"{url(old)} now redirects" in page_text(response)


def test_renames_collapse_so_every_old_address_goes_straight_to_the_current_one(
    client, article, senior
):
    first = article.slug
    rename(article, "second-name", senior)
    rename(article, "third-name", senior)
    for old in (first, "second-name"):
        response = client.get(url(old))
        assert (response.status_code, response["Location"]) == (301, url("third-name"))
    assert set(SlugRedirect.objects.values_list("old_slug", flat=True)) == {first, "second-name"}


def test_renaming_back_to_an_old_slug_drops_its_redirect(client, article, senior):
    first = article.slug
    rename(article, "second-name", senior)
    rename(article, first, senior)
    assert client.get(url(first)).status_code == 200
    assert client.get(url("second-name"))["Location"] == url(first)
    assert not SlugRedirect.objects.filter(old_slug=first).exists()


def test_a_redirect_never_leads_to_an_unpublished_article_nor_tells_it_exists(
    client, article, senior
):
    old = article.slug
    rename(article, "renamed-then-retracted", senior)
    transition(article, Article.Status.RETRACTED, user=senior)
    response = client.get(url(old))
    never_was = client.get(url("no-article-was-ever-here"))
    assert response.status_code == 404
    assert not response.has_header("Location")
    assert article.title not in page_text(response)
    # The same answer as for an address that never existed.
    assert (
        response.content == never_was.content.replace(b"no-article-was-ever-here", old.encode())
        or response.content == never_was.content
    )
    # A draft again (reopened): still nothing at the old address.
    transition(article, Article.Status.DRAFT, user=senior)
    assert client.get(url(old)).status_code == 404


def test_a_drafts_or_a_scheduled_articles_old_slug_is_never_kept(client, make_article, senior):
    draft = make_article(sections=SECTIONS, status=Article.Status.DRAFT)
    scheduled = make_article(sections=SECTIONS, published_at=timezone.now() + timedelta(days=3))
    old_draft, old_scheduled = draft.slug, scheduled.slug
    rename(draft, "draft-renamed", senior)
    rename(scheduled, "scheduled-renamed", senior)
    assert not SlugRedirect.objects.exists()
    assert client.get(url(old_draft)).status_code == 404
    assert client.get(url(old_scheduled)).status_code == 404


def test_a_staff_member_is_not_redirected_to_a_draft_either(article, senior):
    old = article.slug
    rename(article, "renamed-once", senior)
    transition(article, Article.Status.RETRACTED, user=senior)
    transition(article, Article.Status.DRAFT, user=senior)
    assert client_for(senior).get(url(old)).status_code == 404


def test_a_new_article_taking_an_old_slug_wins_over_the_redirect(
    client, article, make_article, senior, work
):
    old = article.slug
    rename(article, "moved-away", senior)
    newcomer = make_article(sections=SECTIONS, title="A different explainer")
    change = ArticleChange(article=newcomer, opened_version=newcomer.version)
    newcomer.slug = old
    save_article(change, user=None)
    response = client.get(url(old))
    assert response.status_code == 200
    assert "A different explainer" in page_text(response)
    assert not SlugRedirect.objects.filter(old_slug=old).exists()


def test_an_article_holding_an_old_slug_by_other_means_still_wins(client, article, senior):
    """Even a row written outside the save path (an import) is never shadowed, and while it
    is a draft the old address answers 404, not a redirect to the other article."""
    old = article.slug
    rename(article, "moved-away", senior)
    Article.objects.create(title="An unannounced draft", slug=old, dek="Draft.", work=article.work)
    response = client.get(url(old))
    assert response.status_code == 404
    assert not response.has_header("Location")


def test_the_sitemap_and_the_canonical_link_follow_the_current_slug(
    client, article, senior, commit
):
    old = article.slug
    commit(lambda: rename(article, "the-current-address", senior))
    sitemap = client.get("/sitemap.xml").content.decode()
    assert "/articles/the-current-address/" in sitemap
    assert url(old) not in sitemap
    page = client.get(url("the-current-address"))
    assert 'rel="canonical"' in page_text(page)
    assert '/articles/the-current-address/"' in page_text(page).split("</head>")[0]
    assert url(old) not in page_text(page)


def test_a_restore_that_brings_back_an_earlier_slug_keeps_the_newer_address(
    client, article, senior
):
    from explainers.revisions import versions_of
    from explainers.services.articles import restore

    first = article.slug
    client_for(senior).get(change_url(article))  # the first recorded revision
    rename(article, "renamed-for-a-while", senior)
    oldest = list(versions_of(article))[-1]
    restore(oldest, user=senior)
    article.refresh_from_db()
    assert article.slug == first
    assert client.get(url(first)).status_code == 200
    assert client.get(url("renamed-for-a-while"))["Location"] == url(first)


def test_an_old_address_costs_a_fixed_handful_of_queries(
    client, article, senior, django_assert_num_queries
):
    old = article.slug
    rename(article, "counted", senior)
    # The stored page by slug, the gate, the redirect.
    with django_assert_num_queries(3):
        assert client.get(url(old)).status_code == 301


# --- caches --------------------------------------------------------------------------------


@pytest.fixture
def page_cache(settings, still_clock):
    settings.PAGE_CACHE_SECONDS = 300
    settings.EDGE_PURGER = "tests.support.edge.RecordingPurger"
    settings.EDGE_REPURGE_SECONDS = 0
    cache.clear()
    RecordingPurger.calls.clear()
    yield RecordingPurger.calls
    RecordingPurger.calls.clear()
    cache.clear()


def test_no_cache_serves_the_old_page_at_the_old_address_after_a_rename(
    client, article, senior, commit, page_cache
):
    old = article.slug
    commit(lambda: client.get(url(old)))  # stored page built, page cached
    cached = client.get(url(old))
    assert (cached.status_code, cached["X-Page-Cache"]) == (200, "hit")
    # The edge cache keeps the page under the article's key.
    assert f"article-{article.pk}" in cached["Surrogate-Key"].split()

    def rename_in_a_transaction():
        with transaction.atomic():
            rename(article, "renamed-while-cached", senior)

    commit(rename_in_a_transaction)
    response = client.get(url(old))
    assert response.status_code == 301
    assert response["Location"] == url("renamed-while-cached")
    assert not response.has_header("Surrogate-Key")  # no shared cache keeps the redirect
    # The old page was purged from the edge by the article's key.
    assert any(f"article-{article.pk}" in keys for keys in page_cache)
    new = client.get(url("renamed-while-cached"))
    assert new.status_code == 200 and url(old) not in page_text(new)


def test_the_stored_page_is_never_served_at_the_old_slug(client, article, senior, commit):
    from explainers import stored_pages

    old = article.slug
    commit(lambda: client.get(url(old)))  # rendered once, and stored for the next reader
    assert stored_pages.served_document(old) is not None
    commit(lambda: rename(article, "stored-anew", senior))
    assert stored_pages.served_document(old) is None
    commit(lambda: client.get(url("stored-anew")))
    assert stored_pages.served_document("stored-anew") is not None


def test_the_newsroom_lists_old_addresses_and_a_publisher_removes_one(
    client, article, senior, editor
):
    """A slug renamed because it gave something away keeps redirecting until a publisher
    removes its old address in the admin; then it is a 404 like any unknown address."""
    old = article.slug
    rename(article, "what-the-ending-means", senior)
    redirect = SlugRedirect.objects.get(old_slug=old)
    listing = "/admin/explainers/slugredirect/"

    seen = client_for(editor).get(listing)
    assert seen.status_code == 200 and url(old) in page_text(seen)
    assert (
        client_for(editor).post(f"{listing}{redirect.pk}/delete/", {"post": "yes"}).status_code
        == 403
    )
    assert client_for(editor).get(f"{listing}add/").status_code == 403
    assert SlugRedirect.objects.filter(pk=redirect.pk).exists()

    removed = client_for(senior).post(f"{listing}{redirect.pk}/delete/", {"post": "yes"})
    assert removed.status_code == 302
    assert client.get(url(old)).status_code == 404
    assert client.get(url("what-the-ending-means")).status_code == 200
