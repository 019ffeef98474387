"""The whole-page cache for anonymous readers: hits, conditional GETs, headers a CDN can use,
never for staff or drafts, and invalidated by every change that alters a public page.
CI runs this file against a real Redis too (REDIS_URL)."""

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.utils import timezone

from explainers import workflow
from explainers.models import Article, ContentWarning, SpoilerLevel

SECTIONS = [
    (0, "What kind of film this is", "", "A thriller about a cello prodigy."),
    (2, "Charlotte drugged Lizzie", "What happened on the trip", "She drugged her."),
]


@pytest.fixture(autouse=True)
def page_cache(settings):
    settings.PAGE_CACHE_SECONDS = 300
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def commit(django_capture_on_commit_callbacks):
    """Run a change as if its transaction committed (the invalidation waits for that)."""

    def run(change):
        with django_capture_on_commit_callbacks(execute=True):
            change()

    return run


@pytest.fixture
def article(make_article):
    return make_article(sections=SECTIONS)


def test_a_second_anonymous_read_is_served_from_the_cache_without_a_query(
    client, article, django_assert_num_queries
):
    first = client.get(article.get_absolute_url())
    assert first["X-Page-Cache"] == "miss"
    with django_assert_num_queries(0):
        second = client.get(article.get_absolute_url())
    assert second["X-Page-Cache"] == "hit"
    assert second.content == first.content
    assert "public" in second["Cache-Control"] and "s-maxage=300" in second["Cache-Control"]
    assert "Cookie" not in second.get("Vary", "")


def test_a_conditional_get_with_the_etag_is_answered_304(client, article):
    etag = client.get(article.get_absolute_url())["ETag"]
    response = client.get(article.get_absolute_url(), HTTP_IF_NONE_MATCH=etag)
    assert response.status_code == 304
    assert response.content == b""
    stale = client.get(article.get_absolute_url(), HTTP_IF_NONE_MATCH='"something-else"')
    assert stale.status_code == 200


def test_staff_and_draft_previews_are_never_cached(editor_client, make_article):
    from django.test import Client

    client = Client()  # an anonymous reader (editor_client is the logged-in one)
    draft = make_article(sections=SECTIONS, status=Article.Status.DRAFT)
    for _ in range(2):
        response = editor_client.get(draft.get_absolute_url())
        assert response.status_code == 200
        assert "X-Page-Cache" not in response
        assert "no-cache" in response["Cache-Control"]
    assert client.get(draft.get_absolute_url()).status_code == 404
    # The staff member's visits left nothing behind for readers.
    assert client.get(draft.get_absolute_url()).status_code == 404


def test_the_admin_is_never_cached(admin_client):
    assert "X-Page-Cache" not in admin_client.get("/admin/")


def changes(client, url, change, commit):
    before = client.get(url).content.decode()
    assert client.get(url)["X-Page-Cache"] == "hit"
    commit(change)
    response = client.get(url)
    assert response["X-Page-Cache"] == "miss"
    return before, response


def test_an_edit_to_the_article_shows_at_once(client, article, commit):
    def edit():
        article.title = "A retitled explainer"
        article.save()

    before, after = changes(client, article.get_absolute_url(), edit, commit)
    assert "A retitled explainer" in after.content.decode()
    assert "A retitled explainer" not in before


def test_a_new_publication_shows_on_the_home_page(client, make_article, article, commit):
    draft = make_article(sections=SECTIONS, status=Article.Status.DRAFT, title="Fresh explainer")
    user = _publisher()
    _, after = changes(
        client, "/", lambda: workflow.apply(draft, Article.Status.PUBLISHED, user=user), commit
    )
    assert "Fresh explainer" in after.content.decode()


def test_a_retraction_takes_the_page_down_at_once(client, article, commit):
    user = _publisher()
    client.get(article.get_absolute_url())
    commit(lambda: workflow.apply(article, Article.Status.RETRACTED, user=user))
    assert client.get(article.get_absolute_url()).status_code == 410
    assert article.title not in client.get("/").content.decode()


def test_a_moderator_raising_a_sections_level_refolds_it(client, article, levels, commit):
    first = article.sections.order_by("order").first()

    def raise_level():
        first.spoiler_level = levels[3]
        first.safe_heading = "What the opening sets up"
        first.save()
        article.render_sections()

    before, after = changes(client, article.get_absolute_url(), raise_level, commit)
    assert "What the opening sets up" in after.content.decode()


def test_a_change_to_a_spoiler_level_used_by_many_articles_shows_on_each(
    client, make_article, commit
):
    articles = [make_article(sections=SECTIONS) for _ in range(3)]
    twist = SpoilerLevel.objects.get(rank=2)
    for each in articles:
        client.get(each.get_absolute_url())

    def reword():
        twist.reader_warning = "Reveals the twist on the bus trip."
        twist.save()

    commit(reword)
    for each in articles:
        response = client.get(each.get_absolute_url())
        assert response["X-Page-Cache"] == "miss"
        assert "Reveals the twist on the bus trip." in response.content.decode()


def test_a_renamed_content_warning_shows_at_once(client, article, commit):
    warning = ContentWarning.objects.create(name="Drugging", slug="drugging")
    section = article.sections.first()
    commit(lambda: section.content_warnings.add(warning))
    assert "Drugging" in client.get(article.get_absolute_url()).content.decode()

    def rename():
        warning.name = "Drugging (shown)"
        warning.save()

    _, after = changes(client, article.get_absolute_url(), rename, commit)
    assert "Drugging (shown)" in after.content.decode()


def test_a_work_edit_shows_on_its_page_and_its_articles(client, article, commit):
    work = article.work

    def rename():
        work.platform = "Netflix and a cinema near you"
        work.save()

    _, after = changes(client, work.get_absolute_url(), rename, commit)
    assert "Netflix and a cinema near you" in after.content.decode()
    assert (
        "Netflix and a cinema near you" in client.get(article.get_absolute_url()).content.decode()
    )


def test_a_scheduled_article_is_not_hidden_by_a_cached_home_page(client, make_article, article):
    make_article(
        sections=SECTIONS,
        title="Goes live soon",
        published_at=timezone.now() + timedelta(seconds=40),
    )
    response = client.get("/")
    assert "Goes live soon" not in response.content.decode()
    # The page may live only until the scheduled time, not the full five minutes.
    assert "s-maxage=41" in response["Cache-Control"] or "s-maxage=40" in response["Cache-Control"]


def test_a_page_that_looked_at_the_session_is_not_stored(client, article, django_user_model):
    client.cookies["sessionid"] = "not-a-real-session"
    response = client.get(article.get_absolute_url())
    assert "X-Page-Cache" not in response


def _publisher():
    from django.contrib.auth import get_user_model

    return get_user_model().objects.create_superuser("pub", password="pw")
