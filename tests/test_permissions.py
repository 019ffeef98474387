"""The permission policy (``explainers.permissions``), tested as each newsroom role meets it
in the admin and the editor's endpoints: real groups, real pages, real POSTs."""

import pytest
from django.test import Client

from explainers import roles, workflow
from explainers.models import (
    Article,
)

from .formdata import form_data
from .test_admin import errors_in

EDITOR, SENIOR, MODERATOR = roles.EDITOR, roles.SENIOR_EDITOR, roles.MODERATOR


def client_for(user):
    client = Client()
    client.force_login(user)
    return client


def admin_url(obj, view="change"):
    return f"/admin/explainers/{obj._meta.model_name}/{obj.pk}/{view}/"


@pytest.fixture
def people(role_user):
    return {
        "editor": role_user(EDITOR, "eda"),
        "other_editor": role_user(EDITOR, "otto"),
        "senior": role_user(SENIOR, "sol"),
        "moderator": role_user(MODERATOR, "mo"),
    }


# --- item 5: an editor's own article in review --------------------------------------


@pytest.fixture
def in_review(make_article, people):
    article = make_article(
        sections=[
            (0, "What kind of film this is", "", "A thriller about a cello prodigy [@film]."),
            (2, "Charlotte drugged Lizzie", "What happened on the trip", "She drugged her."),
        ],
        citations=["film"],
        status=Article.Status.DRAFT,
    )
    article.authors.add(people["editor"])
    workflow.apply(article, Article.Status.IN_REVIEW, user=people["editor"])
    return article


def test_an_editor_can_post_their_own_article_in_review_unchanged(people, in_review):
    client = client_for(people["editor"])
    page = client.get(admin_url(in_review))
    assert page.status_code == 200
    response = client.post(admin_url(in_review), form_data(page, "article_form"))
    assert response.status_code == 302, errors_in(response)
    in_review.refresh_from_db()
    assert in_review.status == Article.Status.IN_REVIEW
    assert in_review.sections.count() == 2 and in_review.citations.count() == 1


def test_an_editor_can_send_their_own_article_in_review_back_to_draft(people, in_review):
    client = client_for(people["editor"])
    page = client.get(admin_url(in_review))
    data = form_data(page, "article_form")
    data["status"] = Article.Status.DRAFT
    response = client.post(admin_url(in_review), data)
    assert response.status_code == 302, errors_in(response)
    in_review.refresh_from_db()
    assert in_review.status == Article.Status.DRAFT
    assert [s.spoiler_level.rank for s in in_review.sections.all()] == [0, 2]
