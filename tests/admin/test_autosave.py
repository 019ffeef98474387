"""The article form's autosave endpoint (``<id>/autosave/``, ``add/autosave/``): each
editor's own unsaved form, kept apart from the article, its revisions and everyone else;
and the merged form shown after a stale save."""

import json

import pytest
from django.test import Client

from explainers.models import Article, ArticleAutosave, AuditEntry
from explainers.services import autosave as autosaves
from tests.support.admin_forms import change_url, client_for, full_post, page_text


@pytest.fixture
def draft(make_article, people):
    article = make_article(
        sections=[
            (0, "What kind of film this is", "", "A thriller about a cello prodigy."),
            (2, "Charlotte drugged Lizzie", "What happened on the trip", "She drugged her."),
        ],
        status=Article.Status.DRAFT,
    )
    article.authors.add(people["editor"])
    return article


def url_of(article=None):
    if article is None:
        return "/admin/explainers/article/add/autosave/"
    return f"/admin/explainers/article/{article.pk}/autosave/"


FORM = [["title", "A title typed, not saved"], ["sections-0-body", "A body typed."]]


def post(client, url, payload=None, **extra):
    body = json.dumps(payload if payload is not None else {"data": FORM, "opened_version": 1})
    return client.post(url, body, content_type="application/json", **extra)


def test_an_autosave_is_kept_for_its_editor_without_touching_the_article(people, draft):
    editor = client_for(people["editor"])
    version, revisions_before = draft.version, draft.title
    entries = AuditEntry.objects.count()
    response = post(editor, url_of(draft))
    assert response.status_code == 200, response.content
    assert "no-store" in response["Cache-Control"]
    kept = ArticleAutosave.objects.get(user=people["editor"], article=draft)
    assert kept.data == FORM and kept.opened_version == 1
    draft.refresh_from_db()
    assert (draft.version, draft.title) == (version, revisions_before)
    assert AuditEntry.objects.count() == entries  # not an editorial act

    answer = editor.get(url_of(draft)).json()["autosave"]
    assert answer["data"] == FORM and answer["time"]


def test_a_second_autosave_replaces_the_first_rather_than_piling_up(people, draft):
    editor = client_for(people["editor"])
    post(editor, url_of(draft))
    post(editor, url_of(draft), {"data": [["title", "Later"]], "opened_version": 1})
    [kept] = ArticleAutosave.objects.filter(article=draft)
    assert kept.data == [["title", "Later"]]


def test_each_editor_reaches_only_their_own_autosave(people, draft):
    senior = client_for(people["senior"])
    post(client_for(people["editor"]), url_of(draft))
    assert senior.get(url_of(draft)).json() == {"autosave": None}
    post(senior, url_of(draft), {"data": [["title", "Sol's"]]})
    assert ArticleAutosave.objects.filter(article=draft).count() == 2
    senior.delete(url_of(draft))  # Sol discards his; Eda's stays
    assert list(ArticleAutosave.objects.filter(article=draft).values_list("user", flat=True)) == [
        people["editor"].pk
    ]


def test_an_editor_who_may_not_write_the_article_may_not_autosave_it(people, draft):
    other = client_for(people["other_editor"])
    response = post(other, url_of(draft))
    assert response.status_code in (403, 404)
    assert other.get(url_of(draft)).status_code in (403, 404)
    assert not ArticleAutosave.objects.exists()


def test_a_forged_article_id_is_refused(people, draft):
    editor = client_for(people["editor"])
    for forged in ("999999", "abc", "1;drop"):
        response = post(editor, f"/admin/explainers/article/{forged}/autosave/")
        assert response.status_code == 404, forged
    assert not ArticleAutosave.objects.exists()


def test_only_signed_in_staff_may_autosave(people, draft, django_user_model):
    assert post(Client(), url_of(draft)).status_code == 403
    reader = django_user_model.objects.create_user("reader", password="x")
    assert post(client_for(reader), url_of(draft)).status_code == 403


def test_an_autosave_without_the_csrf_token_is_refused(people, draft):
    client = Client(enforce_csrf_checks=True)
    client.force_login(people["editor"])
    assert post(client, url_of(draft)).status_code == 403
    client.get(change_url(draft))  # the form sets the token
    token = client.cookies["csrftoken"].value
    assert post(client, url_of(draft), HTTP_X_CSRFTOKEN=token).status_code == 200


@pytest.mark.parametrize(
    "payload",
    [
        {"data": "title=x"},
        {"data": [["title"]]},
        {"data": [[1, "x"]]},
        {"data": [["", "x"]]},
        {"data": FORM, "opened_version": "seven"},
        {"data": FORM, "labels": ["not", "a", "map"]},
        ["not", "an", "object"],
    ],
)
def test_what_is_not_a_form_is_refused_with_a_message(people, draft, payload):
    response = post(client_for(people["editor"]), url_of(draft), payload)
    assert response.status_code == 400
    assert response.json()["message"]
    assert not ArticleAutosave.objects.exists()


def test_a_body_that_is_not_json_is_refused(people, draft):
    response = client_for(people["editor"]).post(
        url_of(draft), "title=x", content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 400


def test_an_autosave_too_large_is_refused(people, draft, monkeypatch):
    monkeypatch.setattr(autosaves, "MAX_BYTES", 1000)
    response = post(client_for(people["editor"]), url_of(draft), {"data": [["body", "x" * 2000]]})
    assert response.status_code == 413
    assert "too large" in response.json()["message"]
    assert not ArticleAutosave.objects.exists()


def test_the_csrf_token_itself_is_not_kept(people, draft):
    post(client_for(people["editor"]), url_of(draft), {"data": [["csrfmiddlewaretoken", "s"]]})
    assert ArticleAutosave.objects.get().data == []


def test_other_methods_are_refused(people, draft):
    assert client_for(people["editor"]).put(url_of(draft)).status_code == 405


def test_the_add_form_keeps_one_autosave_per_editor(people):
    editor = client_for(people["editor"])
    assert post(editor, url_of(), {"data": [["title", "A new one"]]}).status_code == 200
    assert post(editor, url_of(), {"data": [["title", "A new one, longer"]]}).status_code == 200
    [kept] = ArticleAutosave.objects.filter(article=None)
    assert kept.user == people["editor"] and kept.data == [["title", "A new one, longer"]]
    assert post(client_for(people["moderator"]), url_of()).status_code == 403


def test_a_real_save_clears_the_editors_autosave_and_no_one_elses(people, draft):
    editor, senior = client_for(people["editor"]), client_for(people["senior"])
    post(editor, url_of(draft))
    post(senior, url_of(draft))
    response = editor.post(change_url(draft), full_post(draft, dek="Saved for real."))
    assert response.status_code == 302
    assert list(ArticleAutosave.objects.values_list("user", flat=True)) == [people["senior"].pk]


def test_saving_a_new_article_clears_the_add_forms_autosave(people, work, levels):
    from tests.support.admin_forms import ADD_URL, article_post, section_row

    editor = client_for(people["editor"])
    post(editor, url_of(), {"data": [["title", "A new one"]]})
    data = article_post(work, sections=[section_row(levels[0], "Intro", "Plain.", order=1)])
    response = editor.post(ADD_URL, data)
    from tests.support.admin_forms import errors_in

    assert response.status_code == 302, errors_in(response)
    assert not ArticleAutosave.objects.exists()


def test_the_change_form_carries_the_autosave_box_and_its_script(people, draft):
    page = page_text(client_for(people["editor"]).get(change_url(draft)))
    assert 'id="autosave"' in page and url_of(draft) in page
    assert f"unspoiled:autosave:{people['editor'].pk}:{draft.pk}" in page
    assert "explainers/admin/autosave.js" in page


def test_an_autosave_does_not_count_the_articles_page_out_of_date(people, draft):
    from explainers import invalidation

    row = ArticleAutosave(user=people["editor"], article=draft, data=[])
    assert invalidation.reach(row).public is False


# --- the merged form after a stale save -------------------------------------------------


def test_after_a_stale_save_the_form_holds_both_changes_and_saves_on_the_next_try(people, draft):
    senior, editor = client_for(people["senior"]), client_for(people["editor"])
    editor.get(change_url(draft))  # the first revision: the version Eda opens
    editor_form = full_post(draft)
    senior_form = full_post(draft)
    senior_form["sections-1-body"] = "Sol's careful rewrite of the trip."
    assert senior.post(change_url(draft), senior_form).status_code == 302

    editor_form["title"] = "Eda's new title"
    response = editor.post(change_url(draft), editor_form)
    assert response.status_code == 200
    page = page_text(response)
    assert "merged in the form below" in page
    assert "nothing to choose" in page
    form = response.context["adminform"].form
    assert form["title"].value() == "Eda's new title"
    formsets = {fs.formset.prefix: fs.formset for fs in response.context["inline_admin_formsets"]}
    bodies = [f["body"].value() for f in formsets["sections"].forms]
    assert "Sol's careful rewrite of the trip." in bodies  # theirs, kept

    # Saving again, as the merged form posts, is an ordinary save: no retyping.
    again = dict(form.data.lists())  # what the merged form posts as shown
    assert editor.post(change_url(draft), again).status_code == 302
    draft.refresh_from_db()
    assert draft.title == "Eda's new title"
    assert draft.sections.get(order=2).body == "Sol's careful rewrite of the trip."


def test_a_field_both_changed_is_offered_side_by_side_with_a_choice(people, draft):
    senior, editor = client_for(people["senior"]), client_for(people["editor"])
    editor.get(change_url(draft))
    editor_form, senior_form = full_post(draft), full_post(draft)
    senior_form["dek"] = "Sol's dek."
    senior.post(change_url(draft), senior_form)
    editor_form["dek"] = "Eda's dek."
    response = editor.post(change_url(draft), editor_form)
    page = page_text(response)
    assert 'id="merge-choices"' in page
    assert "Sol's dek." in page and "Eda's dek." in page
    assert page.count('name="merge-choice-1"') == 2
    assert "1 place where you both changed the same thing" in page
    assert response.context["adminform"].form["dek"].value() == "Eda's dek."  # yours for now


def test_sections_added_by_both_editors_are_both_in_the_merged_form(people, draft, levels):
    senior, editor = client_for(people["senior"]), client_for(people["editor"])
    editor.get(change_url(draft))
    editor_form, senior_form = full_post(draft), full_post(draft)
    for form, heading in ((senior_form, "Sol's section"), (editor_form, "Eda's section")):
        form["sections-TOTAL_FORMS"] = "3"
        form["sections-2-article"] = draft.pk
        form["sections-2-id"] = ""
        form["sections-2-order"] = "3"
        form["sections-2-spoiler_level"] = levels[0].pk
        form["sections-2-heading"] = heading
        form["sections-2-safe_heading"] = ""
        form["sections-2-body"] = f"Body of {heading}."
    assert senior.post(change_url(draft), senior_form).status_code == 302
    response = editor.post(change_url(draft), editor_form)
    formsets = {fs.formset.prefix: fs.formset for fs in response.context["inline_admin_formsets"]}
    headings = [f["heading"].value() for f in formsets["sections"].forms]
    assert "Sol's section" in headings and "Eda's section" in headings


def test_a_clash_on_a_sections_level_names_the_levels(people, draft, levels):
    senior, editor = client_for(people["senior"]), client_for(people["editor"])
    editor.get(change_url(draft))
    editor_form, senior_form = full_post(draft), full_post(draft)
    senior_form["sections-1-spoiler_level"] = levels[3].pk
    senior.post(change_url(draft), senior_form)
    editor_form["sections-1-spoiler_level"] = levels[1].pk
    response = editor.post(change_url(draft), editor_form)
    page = page_text(response)
    assert "Section 2 (“Charlotte drugged Lizzie”): spoiler level" in page
    assert levels[3].name in page and levels[1].name in page
    raw = response.content.decode()
    assert f'data-name="sections-1-spoiler_level" data-values="[&quot;{levels[3].pk}&quot;]"' in raw
