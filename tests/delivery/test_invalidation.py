"""The invalidation map (explainers/invalidation.py): one declaration of what a change
affects, heard by the stored pages, the page cache and the search index alike."""

import pytest
from django.contrib.auth.models import Group
from django.core.cache import cache

from explainers import roles
from explainers.models import Article, AuditEntry, ReaderReport, Section, StoredPage

SECTIONS = [
    (0, "What kind of film this is", "", "A thriller about a cello prodigy."),
    (2, "Charlotte drugged Lizzie", "What happened on the trip", "She drugged her."),
]


@pytest.fixture(autouse=True)
def page_cache(settings, still_clock):
    settings.PAGE_CACHE_SECONDS = 300
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def commit(django_capture_on_commit_callbacks):
    """Run a change as if its transaction committed."""

    def run(change):
        with django_capture_on_commit_callbacks(execute=True):
            change()

    return run


@pytest.fixture
def article(make_article):
    return make_article(sections=SECTIONS)


def read(client, article):
    response = client.get(article.get_absolute_url())
    assert response.status_code == 200
    return response


def is_current(article):
    stored = StoredPage.objects.get(article=article)
    return stored.built == stored.wanted


def test_rows_no_public_page_shows_leave_the_cached_pages_alone(client, article, commit):
    read(client, article)
    commit(lambda: ReaderReport.objects.create(article=article, details="It spoiled me"))
    commit(lambda: AuditEntry.objects.create(article=article, action="note", comment="x"))
    assert read(client, article)["X-Page-Cache"] == "hit"
    assert is_current(article)


def test_bodies_rendered_again_without_a_save_reach_the_cached_page(client, article, commit):
    """``build_pages --bodies`` and an image's new renditions render bodies in bulk,
    without saving any row: the page readers get must still follow."""
    read(client, article)
    Section.objects.filter(article=article, order=1).update(body="Rewritten without a save.")
    commit(article.render_sections)
    assert "Rewritten without a save." in read(client, article).content.decode()


def test_renaming_an_author_reaches_the_cached_page(client, article, commit, django_user_model):
    author = django_user_model.objects.create_user("ruth", first_name="Ruth", last_name="Old")
    commit(lambda: article.authors.add(author))
    assert "Ruth Old" in read(client, article).content.decode()

    def rename():
        author.last_name = "Newname"
        author.save()

    commit(rename)
    assert "Ruth Newname" in read(client, article).content.decode()


def test_a_users_groups_show_on_no_page(client, article, commit, django_user_model):
    user = django_user_model.objects.create_user("gus")
    read(client, article)
    commit(lambda: user.groups.add(Group.objects.get(name=roles.EDITOR)))
    assert is_current(article)
    assert read(client, article)["X-Page-Cache"] == "hit"


def test_an_article_save_counts_against_its_own_page_and_its_listers(make_article, article):
    other = make_article(sections=SECTIONS)  # same work: lists the first in related reading
    before = {page.article_id: page.wanted for page in StoredPage.objects.all()}
    Article.objects.get(pk=article.pk).save()
    after = {page.article_id: page.wanted for page in StoredPage.objects.all()}
    assert after[article.pk] > before[article.pk]
    assert after[other.pk] > before[other.pk]
