"""What an admin save of an article costs, and that the shortcuts taken give the same
result as the long way: each body is rendered once, the foreign keys the forms name are
looked up once, and a save costs the same queries whatever the number of sections."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from explainers import leaks
from explainers.models import Article, Section
from explainers.models import articles as article_models
from tests.support.admin_forms import errors_in, full_post, page_text

pytestmark = pytest.mark.django_db

BODY = (
    "The **corridor** scene is cut like the opening one [@interview], and the door "
    "stays *shut* on purpose [@review]. See ![the hall]({url}) for the framing."
)


@pytest.fixture
def cited(make_article, make_image):
    """An article of ``n`` sections, each citing both notes; a stored image in a body."""
    hall = make_image(alt="The hall, lit from one end")

    def make(n):
        sections = [
            (rank, f"Heading {order}", "" if rank == 0 else f"Safe {order}", BODY)
            for order, rank in enumerate([0, 1, 3] * (n // 3) + [0] * (n % 3), start=1)
        ]
        sections = [(r, h, s, b.format(url=hall.file.url)) for r, h, s, b in sections]
        article = make_article(sections=sections, citations=["interview", "review"])
        return article

    return make


def resubmit(article, *, change=None, **fields):
    """The change form's data for ``article`` as saved, with section 1's body replaced by
    ``change`` (if given) and other fields overridden by ``fields``."""
    data = full_post(article, **fields)
    if change is not None:
        data["sections-0-body"] = change
    return data


def change_url(article):
    return f"/admin/explainers/article/{article.pk}/change/"


def test_a_save_renders_each_body_once_and_stores_what_a_fresh_render_gives(
    admin_client, cited, monkeypatch
):
    article = cited(6)
    calls = []
    real = article_models.render_markdown

    def counting(text, **kwargs):
        calls.append(text)
        return real(text, **kwargs)

    monkeypatch.setattr(article_models, "render_markdown", counting)
    data = resubmit(article, change="Changed [@review].")
    response = admin_client.post(change_url(article), data)
    assert response.status_code == 302, errors_in(response)
    assert len(calls) == 6  # validated and stored from one render each

    saved = {s.pk: s.body_html for s in article.sections.all()}
    citations = {c.key: (c.number, c.spoiler_rank) for c in article.citations.all()}
    monkeypatch.setattr(article_models, "render_markdown", real)
    article.render_sections()  # the long way, from the saved rows
    assert saved == {s.pk: s.body_html for s in article.sections.all()}
    assert citations == {c.key: (c.number, c.spoiler_rank) for c in article.citations.all()}
    first = article.sections.order_by("order").first()
    assert "Changed" in first.body_html and 'href="#note-' in first.body_html
    # The spoiler sections' image waits to be revealed; the spoiler-free one's does not.
    sections = article.sections.order_by("order")
    deferred = [s.is_spoiler for s in sections if "data-src" in s.body_html]
    assert deferred and all(deferred)


def test_a_render_made_from_other_bodies_is_not_stored(cited):
    article = cited(3)
    before = {s.pk: s.body_html for s in article.sections.all()}
    stale = article_models.render_bodies([("Something else entirely.", False)] * 3, {})
    article.render_sections(prepared=stale)
    assert {s.pk: s.body_html for s in article.sections.all()} == before
    assert all("Something else" not in html for html in before.values())


def test_saving_costs_the_same_queries_for_3_and_for_12_sections(admin_client, cited):
    counts = {}
    for n in (3, 12):
        article = cited(n)
        admin_client.get(change_url(article))  # its first revision, as an editor's visit
        data = resubmit(article, change=f"Now with {n} sections [@interview].")
        with CaptureQueriesContext(connection) as queries:
            response = admin_client.post(change_url(article), data)
        assert response.status_code == 302, errors_in(response)
        counts[n] = len(queries)
    assert counts[3] == counts[12], counts


@pytest.mark.parametrize("forged", ["999999", "not-a-number", "1 OR 1=1"])
def test_a_forged_spoiler_level_is_refused_with_djangos_message(
    admin_client, cited, levels, forged
):
    article = cited(3)
    data = resubmit(article, change="Should not be saved.")
    data["sections-1-spoiler_level"] = forged
    response = admin_client.post(change_url(article), data)
    assert response.status_code == 200
    assert "Select a valid choice" in page_text(response)
    # The form comes back with every level on offer and the other sections' kept.
    third = re.search(
        r'<select name="sections-2-spoiler_level".*?</select>', page_text(response), re.S
    )
    assert third and all(f'value="{level.pk}"' in third.group() for level in levels.values())
    assert f'value="{levels[3].pk}" selected' in third.group()
    assert not Section.objects.filter(body="Should not be saved.").exists()


def test_a_forged_citation_source_is_refused(admin_client, cited):
    article = cited(3)
    data = resubmit(article)
    data["citations-0-source"] = "424242"
    response = admin_client.post(change_url(article), data)
    assert response.status_code == 200
    assert "Select a valid choice" in page_text(response)


def test_a_moderator_save_without_content_fields_still_renders_the_saved_bodies(
    client, cited, moderator
):
    """A moderator sees bodies read-only: the save renders them from what is saved."""
    article = cited(3)
    client.force_login(moderator)
    page = client.get(change_url(article))
    assert page.status_code == 200
    before = {s.pk: s.body_html for s in article.sections.all()}
    data = resubmit(article)
    for key in [k for k in data if k.endswith(("-body", "-heading", "-image", "-order"))]:
        if key.startswith("sections-") and not key.endswith("safe_heading"):
            del data[key]
    response = client.post(change_url(article), data)
    assert response.status_code == 302, errors_in(response)
    assert {s.pk: s.body_html for s in article.sections.all()} == before


def test_the_change_form_says_when_no_suggestion_is_outstanding(admin_client, cited):
    article = cited(3)
    assert not leaks.check_saved_article(article).suggestions
    response = admin_client.get(change_url(article))
    assert "None outstanding." in page_text(response)


def test_a_save_without_dismissals_does_not_check_the_saved_article_again(
    admin_client, cited, monkeypatch
):
    article = cited(3)
    checked = []
    real = leaks.check_saved_article
    monkeypatch.setattr(leaks, "check_saved_article", lambda a: checked.append(a) or real(a))
    response = admin_client.post(change_url(article), resubmit(article, change="Again."))
    assert response.status_code == 302, errors_in(response)
    assert checked == []
    assert Article.objects.get(pk=article.pk).sections.filter(body="Again.").exists()


def test_the_change_form_reads_its_menus_once_and_shows_each_sections_own_values(
    admin_client, cited, levels
):
    from explainers.models import ContentWarning

    warning = ContentWarning.objects.create(name="Body horror", slug="body-horror")
    counts = {}
    for n in (3, 12):
        article = cited(n)
        admin_client.get(change_url(article))  # its first revision is stored on a first visit
        third = article.sections.get(order=3)
        third.content_warnings.add(warning)
        with CaptureQueriesContext(connection) as queries:
            response = admin_client.get(change_url(article))
        assert response.status_code == 200
        counts[n] = len(queries)
    assert counts[3] == counts[12], counts

    text = response.content.decode()
    form = response.context["inline_admin_formsets"][0].formset
    levels_shown = [f["spoiler_level"].value() for f in form.forms if f.instance.pk]
    assert levels_shown == [s.spoiler_level_id for s in article.sections.order_by("order")]
    boxes = re.findall(r'<input type="checkbox" name="(sections-\d+)-content_warnings"[^>]*>', text)
    ticked = re.findall(
        r'<input type="checkbox" name="(sections-\d+)-content_warnings"[^>]*checked[^>]*>', text
    )
    assert len(boxes) == 13  # the warning offered on 12 sections and the empty form
    assert ticked == ["sections-2"]  # and ticked on the third section only
