"""The change form's preview: the reader's page built from the form as it stands, unsaved.
Inline spoilers stay covered, notes carry the numbers they will be published with,
spoiler sections are folded behind their safe headings; nothing is written; only staff
who may change the article reach it, by POST, with a CSRF token. And the change form's
own layout: errors listed at the top with links, authors by name."""

import json
import re

import pytest
from django.test import Client
from reversion.models import Version

from explainers.models import Article, AuditEntry, Section, StoredPage
from tests.support.admin_forms import (
    ADD_URL,
    article_post,
    change_url,
    client_for,
    full_post,
    page_text,
    section_row,
)

pytestmark = pytest.mark.django_db

ADD_PREVIEW_URL = f"{ADD_URL}preview/"


def preview_url(article):
    return f"/admin/explainers/article/{article.pk}/preview/"


@pytest.fixture
def draft(make_article, people):
    """An editor's own draft: a spoiler-free section citing a source, a Twist section."""
    article = make_article(
        status=Article.Status.DRAFT,
        sections=[
            (0, "What kind of film this is", "", "A thriller about two cellists [@shepard]."),
            (2, "The bus", "What happens on the trip", "Lizzie gets sick on the bus."),
        ],
        citations=["shepard", "duet"],
    )
    article.authors.add(people["editor"])
    return article


def with_bodies(article, *bodies, **overrides):
    data = full_post(article, **overrides)
    for index, body in enumerate(bodies):
        data[f"sections-{index}-body"] = body
    return data


def section_html(document, anchor):
    """The <section> with this id, from its opening tag to its own closing tag."""
    start = document.index(f'id="{anchor}"')
    start = document.rindex("<section", 0, start)
    depth, position = 0, start
    for tag in re.finditer(r"<(/?)section\b", document[start:]):
        depth += -1 if tag.group(1) else 1
        if depth == 0:
            position = start + tag.end()
            break
    return document[start : document.index(">", position) + 1]


def state(article):
    article.refresh_from_db()
    return (
        article.title,
        article.version,
        article.updated_at,
        list(Section.objects.filter(article=article).values_list("pk", "body", "body_html")),
        AuditEntry.objects.count(),
        Version.objects.count(),
        list(StoredPage.objects.values_list("article_id", "wanted", "built")),
    )


def test_the_preview_shows_what_was_typed_as_readers_will_get_it_and_saves_nothing(people, draft):
    before = state(draft)
    typed = with_bodies(
        draft,
        "Two cellists meet [@duet]; ||one of them is not who she seems|| [@shepard].",
        "Lizzie gets sick on the bus [@shepard].",
    )
    response = client_for(people["editor"]).post(preview_url(draft), typed)

    assert response.status_code == 200, response.content
    assert response["X-Robots-Tag"] == "noindex, nofollow"
    assert "no-cache" in response["Cache-Control"]
    result = response.json()
    first, second = draft.sections.order_by("order")
    html = section_html(result["html"], first.anchor)
    # The inline spoiler is covered, as reveal.js and site.css expect it.
    assert (
        '<span class="spoiler" data-nosnippet="" tabindex="0"><span class="spoiler__text">'
        "one of them is not who she seems</span></span>" in html
    )
    # Notes numbered by first use across the article, as a save numbers them.
    assert '<sup class="cite" id="cite-ref-1-1"><a href="#note-1" ' in html
    assert '<sup class="cite" id="cite-ref-2-1"><a href="#note-2" ' in html
    assert "[duet]" not in result["html"] and "[@duet]" not in result["html"]
    assert 'id="note-1"' in result["html"] and 'id="note-2"' in result["html"]
    # The Twist section is folded behind its safe heading.
    folded = section_html(result["html"], second.anchor)
    assert '<details class="spoiler-gate">' in folded
    assert '<span class="spoiler-gate__heading">What happens on the trip</span>' in folded
    # The site's own page: its stylesheet and reveal script, no admin styles.
    assert "/static/explainers/site.css" in result["html"]
    assert "/static/explainers/reveal.js" in result["html"]
    assert "/static/admin/" not in result["html"]
    assert state(draft) == before


def test_a_sections_preview_equals_the_readers_page_once_published(people, draft):
    typed = with_bodies(
        draft,
        "Two cellists meet [@duet]; ||one of them is not who she seems|| [@shepard].",
        "Lizzie gets sick on the bus [@duet].",
    )
    senior = client_for(people["senior"])
    preview = senior.post(preview_url(draft), typed).json()["html"]

    published = {**typed, "status": Article.Status.PUBLISHED}
    response = senior.post(change_url(draft), published)
    assert response.status_code == 302, page_text(response)
    draft.refresh_from_db()
    assert draft.is_published()
    page = Client().get(draft.get_absolute_url()).content.decode()
    for section in draft.sections.all():
        assert section_html(preview, section.anchor) == section_html(page, section.anchor)
    notes = re.search(r'<section class="notes".*?</section>', page, re.S).group()
    assert notes in preview


def test_a_new_section_gets_an_anchor_of_its_own(people, draft):
    data = full_post(draft)
    rows = int(data["sections-TOTAL_FORMS"])
    level = draft.sections.first().spoiler_level
    for name, value in section_row(level, "Added now", "Typed, ||not saved||.").items():
        data[f"sections-{rows}-{name}"] = value
    data[f"sections-{rows}-article"] = draft.pk
    data["sections-TOTAL_FORMS"] = str(rows + 1)
    result = client_for(people["editor"]).post(preview_url(draft), data).json()
    assert 'id="section-new-3"' in result["html"]
    assert "section-None" not in result["html"]
    assert draft.sections.count() == 2


def test_a_new_article_is_previewed_from_the_add_form(people, work, levels):
    data = article_post(
        work,
        title="Fresh",
        slug="fresh",
        sections=[section_row(levels[0], "Opening", "It starts ||quietly||.")],
    )
    result = client_for(people["editor"]).post(ADD_PREVIEW_URL, data).json()
    assert "Fresh" in result["html"]
    assert "section-new-1" in result["html"]
    assert "By Eda" in result["html"] or "By eda" in result["html"]  # the save's author
    assert not Article.objects.filter(slug="fresh").exists()


def test_without_a_work_the_preview_says_what_it_needs(people, work, levels):
    data = article_post(work, sections=[section_row(levels[0], "Opening", "Text.")])
    data["work"] = ""
    response = client_for(people["editor"]).post(ADD_PREVIEW_URL, data)
    assert response.status_code == 422
    assert "Choose the work" in response.json()["message"]


def test_read_as_a_reader_who_chose_a_level_hands_the_shield_that_level(people, draft):
    data = {**full_post(draft), "preview_read_as": "level:2"}
    result = client_for(people["editor"]).post(preview_url(draft), data).json()
    assert result["read_as"] == "level"
    meta = re.search(r'<meta name="unspoiled-preview-shield" content="([^"]*)"', result["html"])
    assert json.loads(meta.group(1).replace("&quot;", '"')) == {"tolerance": 2}
    assert [level["rank"] for level in result["levels"]] == [0, 1, 2, 3]


def test_read_as_a_reader_up_to_a_part_opens_through_that_part_only(people, draft, work):
    work.parts.create(position=1, label="Chapter one")
    data = {**full_post(draft), "preview_read_as": "part:1"}
    result = client_for(people["editor"]).post(preview_url(draft), data).json()
    part = work.parts.get()
    assert result["parts"] == [
        {"id": part.pk, "position": 1, "label": "Chapter one", "name": str(part)}
    ]
    meta = re.search(r'name="unspoiled-preview-shield" content="([^"]*)"', result["html"])
    shield = json.loads(meta.group(1).replace("&quot;", '"'))
    assert shield == {"tolerance": 3, "progress": 1, "progressLabel": "Chapter one"}


@pytest.mark.parametrize("value", ["level:9", "part:4", "everything", "level:", "part:-1"])
def test_an_unknown_reader_is_refused_with_a_message(people, draft, value):
    data = {**full_post(draft), "preview_read_as": value}
    response = client_for(people["editor"]).post(preview_url(draft), data)
    assert response.status_code == 400
    assert "Read as" in response.json()["message"]


def test_read_as_a_search_engine_shows_only_the_safe_projection(people, draft):
    data = {**full_post(draft), "preview_read_as": "search"}
    result = client_for(people["editor"]).post(preview_url(draft), data).json()
    html = result["html"]
    assert draft.dek in html
    assert "What happens on the trip" in html  # the safe heading
    assert "Lizzie gets sick" not in html  # the Twist section's text
    assert "The bus" not in html  # its real heading
    assert "A thriller about two cellists" in html
    assert "reveal.js" not in html


def test_the_preview_refuses_those_who_may_not_change_the_article(people, draft):
    data = full_post(draft)
    other = client_for(people["other_editor"]).post(preview_url(draft), data)
    assert other.status_code == 403
    anonymous = Client().post(preview_url(draft), data)
    assert anonymous.status_code == 403
    assert "Sign in" in anonymous.json()["message"]
    missing = client_for(people["editor"]).post("/admin/explainers/article/999999/preview/", data)
    assert missing.status_code == 404


def test_the_preview_takes_posts_only_with_a_csrf_token(people, draft):
    editor = client_for(people["editor"])
    got = editor.get(preview_url(draft))
    assert got.status_code == 405
    assert got["Allow"] == "POST"
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(people["editor"])
    assert strict.post(preview_url(draft), full_post(draft)).status_code == 403


def test_a_form_without_its_counts_is_refused(people, draft):
    data = full_post(draft)
    del data["sections-TOTAL_FORMS"]
    response = client_for(people["editor"]).post(preview_url(draft), data)
    assert response.status_code == 400
    assert "Reload the page" in response.json()["message"]


def test_the_change_form_has_the_preview_panel(people, draft):
    page = page_text(client_for(people["editor"]).get(change_url(draft)))
    assert 'id="preview-panel"' in page
    assert f'data-url="{preview_url(draft)}"' in page
    assert 'sandbox="allow-scripts"' in page


# -- the form's layout ------------------------------------------------------------------


def test_every_error_is_listed_at_the_top_with_a_link_to_its_field(people, draft):
    data = full_post(draft, title="")
    data["sections-1-safe_heading"] = ""
    response = client_for(people["editor"]).post(change_url(draft), data)
    assert response.status_code == 200
    page = page_text(response)
    summary = re.search(r'<div id="error-summary".*?</div>', page, re.S).group()
    assert 'href="#id_title"' in summary
    assert "Title: This field is required." in summary
    assert 'href="#id_sections-1-safe_heading"' in summary
    assert "has no safe heading" in summary
    # Each message once: the safe heading's is not repeated without its link.
    assert summary.count("has no safe heading") == 1


def test_a_refused_save_lists_its_problems_at_the_top_with_links(people, draft):
    data = with_bodies(draft, "Never closed ||spoiler.", "Fine.")
    response = client_for(people["editor"]).post(change_url(draft), data)
    page = page_text(response)
    summary = re.search(r'<div id="error-summary".*?</div>', page, re.S).group()
    assert 'href="#id_sections-0-body"' in summary
    assert "not closed" in summary


def test_a_form_without_errors_has_no_error_list(people, draft):
    page = page_text(client_for(people["editor"]).get(change_url(draft)))
    assert 'id="error-summary"' not in page


def test_authors_are_picked_by_full_name(people, draft):
    page = page_text(client_for(people["senior"]).get(change_url(draft)))
    start = page.index('class="authors-choices"')
    authors = page[start : page.index("</fieldset>", start)]
    editor = people["editor"]
    assert editor.get_full_name() and editor.get_full_name() in authors
    assert f">{editor.get_username()}<" not in authors
    assert "checked" in authors


def test_the_previews_queries_do_not_grow_with_the_sections(make_article, people):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    counts = []
    for size in (2, 8):
        article = make_article(
            status=Article.Status.DRAFT,
            sections=[(i % 3, f"Part {i}", f"Safe {i}", f"Body {i} [@k]") for i in range(size)],
            citations=["k"],
        )
        article.authors.add(people["editor"])
        data = full_post(article)
        editor = client_for(people["editor"])
        with CaptureQueriesContext(connection) as queries:
            assert editor.post(preview_url(article), data).status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1], counts


def test_a_form_with_errors_is_still_previewed_and_says_so(people, draft):
    data = full_post(draft, title="")
    data["sections-1-safe_heading"] = ""
    data["sections-0-body"] = "Still shown ||while the form has errors||."
    result = client_for(people["editor"]).post(preview_url(draft), data).json()
    assert result["complete"] is False
    assert "while the form has errors" in result["html"]
