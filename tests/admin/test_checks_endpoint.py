"""The Checks panel's endpoint: the change form as it stands, unsaved, checked as a save
would check it, answered in JSON with where each finding is edited. Nothing is written;
only staff who may change the article reach it, by POST, with a CSRF token."""

import json

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from explainers.models import Article, AuditEntry, Section, SpoilerTerm
from tests.support.admin_forms import ADD_URL, article_post, client_for, full_post, section_row

pytestmark = pytest.mark.django_db

LEAKY_DEK = "Charlotte cuts off her hand on the bus, and what that means."


def checks_url(article):
    return f"/admin/explainers/article/{article.pk}/checks/"


ADD_CHECKS_URL = f"{ADD_URL}checks/"


@pytest.fixture
def term(work, levels):
    return SpoilerTerm.objects.create(
        phrase="cuts off her hand", work=work, spoiler_level=levels[2]
    )


@pytest.fixture
def draft(make_article, people, term):
    """An editor's own draft, with a spoiler-free and a Twist section."""
    article = make_article(
        status=Article.Status.DRAFT,
        sections=[
            (0, "What kind of film this is", "", "A thriller about two cellists."),
            (2, "The bus", "What happens on the trip", "Lizzie gets sick on the bus."),
        ],
    )
    article.authors.add(people["editor"])
    return article


def state(article):
    """Everything a save would change, to compare before and after a check."""
    article.refresh_from_db()
    return (
        article.dek,
        article.version,
        article.updated_at,
        list(Section.objects.filter(article=article).values_list("pk", "body", "order")),
        AuditEntry.objects.count(),
    )


def test_a_leak_typed_into_the_dek_is_found_before_saving_and_nothing_is_written(people, draft):
    before = state(draft)
    from reversion.models import Version

    versions = Version.objects.count()
    response = client_for(people["editor"]).post(checks_url(draft), full_post(draft, dek=LEAKY_DEK))

    assert response.status_code == 200, response.content
    result = response.json()
    assert [leak["target"] for leak in result["leaks"]] == ["id_dek"]
    assert "cuts off her hand" in result["leaks"][0]["message"]
    assert result["leaks"][0]["place"] == "the dek"
    assert result["complete"] is True
    assert result["errors"] == []
    assert result["words"] > 10 and result["reading_minutes"] == 1
    assert state(draft) == before
    assert Version.objects.count() == versions


def test_a_clean_form_finds_no_leaks(people, draft):
    response = client_for(people["editor"]).post(checks_url(draft), full_post(draft))
    assert response.status_code == 200
    assert response.json()["leaks"] == []


def test_a_leak_in_a_section_links_to_that_sections_field_in_reading_order(people, draft):
    data = full_post(draft)
    # The form lists the Twist section second; its safe heading gives the twist away.
    data["sections-1-safe_heading"] = "Why she cuts off her hand"
    result = client_for(people["editor"]).post(checks_url(draft), data).json()
    assert [leak["target"] for leak in result["leaks"]] == ["id_sections-1-safe_heading"]


def test_field_errors_are_listed_by_their_field_and_the_rest_is_still_checked(people, draft):
    data = full_post(draft, dek=LEAKY_DEK, title="")
    data["sections-1-safe_heading"] = ""  # a Twist section without its safe heading
    response = client_for(people["editor"]).post(checks_url(draft), data)
    assert response.status_code == 200
    result = response.json()
    assert result["complete"] is False
    targets = {error["target"] for error in result["errors"]}
    assert {"id_title", "id_sections-1-safe_heading"} <= targets
    assert [leak["target"] for leak in result["leaks"]] == ["id_dek"]


def test_a_new_article_is_checked_on_the_add_form(people, work, levels, term):
    data = article_post(
        work,
        dek=LEAKY_DEK,
        sections=[section_row(levels[0], "Setup", "Two cellists meet.", order=1)],
    )
    articles = Article.objects.count()
    response = client_for(people["editor"]).post(ADD_CHECKS_URL, data)
    assert response.status_code == 200, response.content
    assert [leak["target"] for leak in response.json()["leaks"]] == ["id_dek"]
    assert Article.objects.count() == articles


def test_images_missing_alt_text_or_credit_are_listed(people, draft, make_image):
    bare = make_image(alt="")
    data = full_post(draft)
    data["sections-0-image"] = bare.pk
    result = client_for(people["editor"]).post(checks_url(draft), data).json()
    assert [image["target"] for image in result["images"]] == ["id_sections-0-image"]
    assert "alt text" in result["images"][0]["message"]


# --- who may ask, and how -------------------------------------------------------------


def test_anonymous_visitors_are_refused(client, draft):
    response = client.post(checks_url(draft), full_post(draft, dek=LEAKY_DEK))
    assert response.status_code == 403
    assert "leaks" not in response.json()


def test_an_editor_who_may_not_change_the_article_is_refused(people, draft):
    response = client_for(people["other_editor"]).post(
        checks_url(draft), full_post(draft, dek=LEAKY_DEK)
    )
    assert response.status_code == 403
    assert "leaks" not in response.json()


def test_get_is_not_allowed(people, draft):
    response = client_for(people["editor"]).get(checks_url(draft))
    assert response.status_code == 405
    assert response["Allow"] == "POST"


def test_a_post_without_the_csrf_token_is_refused_and_one_with_it_passes(people, draft):
    client = Client(enforce_csrf_checks=True)
    client.force_login(people["editor"])
    data = full_post(draft, dek=LEAKY_DEK)
    refused = client.post(checks_url(draft), data)
    assert refused.status_code == 403
    assert b"leaks" not in refused.content

    client.get(f"/admin/explainers/article/{draft.pk}/change/")  # sets the CSRF cookie
    token = client.cookies["csrftoken"].value
    response = client.post(checks_url(draft), data, HTTP_X_CSRFTOKEN=token)
    assert response.status_code == 200
    assert response.json()["leaks"]


@pytest.mark.parametrize(
    "data",
    [
        {},
        {"dek": "only a dek", "sections-TOTAL_FORMS": "many"},
        {"title": "x" * 10, "citations-TOTAL_FORMS": "-1", "sections-INITIAL_FORMS": "z"},
    ],
)
def test_garbage_gets_a_json_400(people, draft, data):
    response = client_for(people["editor"]).post(checks_url(draft), data)
    assert response.status_code == 400
    assert response.json()["message"]


def test_a_json_body_gets_a_json_400(people, draft):
    response = client_for(people["editor"]).post(
        checks_url(draft), json.dumps({"dek": LEAKY_DEK}), content_type="application/json"
    )
    assert response.status_code == 400
    assert response.json()["message"]


def test_forged_choices_are_field_errors_not_500s(people, draft):
    data = full_post(draft, dek=LEAKY_DEK, work="999999", hero_image="nope")
    data["sections-0-spoiler_level"] = "1 OR 1=1"
    data["sections-0-content_warnings"] = ["999999"]
    data["sections-1-order"] = "first"
    response = client_for(people["editor"]).post(checks_url(draft), data)
    assert response.status_code == 200, response.content
    result = response.json()
    targets = {error["target"] for error in result["errors"]}
    assert {"id_work", "id_sections-0-spoiler_level"} <= targets
    assert [leak["target"] for leak in result["leaks"]] == ["id_dek"]


def test_a_missing_article_is_404(people):
    response = client_for(people["editor"]).post("/admin/explainers/article/999999/checks/", {})
    assert response.status_code == 404


# --- what it costs --------------------------------------------------------------------


def test_a_check_costs_the_same_queries_for_3_and_for_12_sections(
    people, make_article, term, levels
):
    counts = {}
    client = client_for(people["editor"])
    for n in (3, 12):
        article = make_article(
            status=Article.Status.DRAFT,
            sections=[
                (rank, f"Heading {i}", "" if rank == 0 else f"Safe {i}", f"Body {i}.")
                for i, rank in enumerate([0, 1, 2] * (n // 3), start=1)
            ],
        )
        article.authors.add(people["editor"])
        data = full_post(article, dek=LEAKY_DEK)
        with CaptureQueriesContext(connection) as queries:
            response = client.post(checks_url(article), data)
        assert response.status_code == 200
        assert len(response.json()["leaks"]) == 1
        counts[n] = len(queries)
    assert counts[3] == counts[12], counts


def test_a_published_article_says_publishing_would_be_refused(people, make_article, term):
    article = make_article(sections=[(0, "Setup", "", "Two cellists meet.")])
    data = full_post(article, dek=LEAKY_DEK)
    data["sections-0-body"] = "Two cellists meet. ||Unclosed"
    response = client_for(people["senior"]).post(checks_url(article), data)
    assert response.status_code == 200, response.content
    result = response.json()
    assert [leak["target"] for leak in result["leaks"]] == ["id_dek"]
    assert "cannot be published" in result["publishing"]
    assert [problem["target"] for problem in result["problems"]] == ["id_sections-0-body"]
    assert "not closed" in result["problems"][0]["message"]
