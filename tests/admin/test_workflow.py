"""The newsroom's workflow through the real admin: each role against each action, state
moves and their audit entries, scheduling, retraction, revisions, conflicts, preview links."""

import html
import io
import re
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from explainers import permissions, roles
from explainers.models import Article, AuditEntry, LeakOverride, SpoilerTerm
from explainers.revisions import versions_of
from explainers.services.articles import transition
from tests.support.admin_forms import (
    article_post,
    change_url,
    client_for,
    errors_in,
    full_post,
    page_text,
    section_row,
)

EDITOR, SENIOR, MODERATOR = roles.EDITOR, roles.SENIOR_EDITOR, roles.MODERATOR
CHANGELIST = "/admin/explainers/article/"


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


def strip_readonly(data, names):
    return {key: value for key, value in data.items() if key not in names}


# --- the permission matrix -------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "allowed"),
    [("editor", True), ("other_editor", False), ("senior", True), ("moderator", False)],
)
def test_edit_body_of_a_draft(people, draft, who, allowed):
    client = client_for(people[who])
    first = draft.sections.order_by("order").first()
    data = full_post(draft)
    data["sections-0-body"] = "A thriller about a cellist, rewritten."
    client.post(change_url(draft), data)
    first.refresh_from_db()
    assert (first.body == "A thriller about a cellist, rewritten.") is allowed


@pytest.mark.parametrize("who", ["editor", "other_editor", "senior", "moderator"])
def test_view_a_draft_preview_on_the_site(people, draft, who):
    client = client_for(people[who])
    response = client.get(draft.get_absolute_url())
    # Everyone in the newsroom may read drafts (moderators review them before publication).
    assert response.status_code == 200
    assert "DRAFT" in response.content.decode()
    assert Client().get(draft.get_absolute_url()).status_code == 404


@pytest.mark.parametrize(
    ("who", "allowed"),
    [("editor", False), ("senior", True), ("moderator", True)],
)
def test_edit_a_sections_level_safe_heading_and_warnings(
    people, make_article, levels, who, allowed
):
    article = make_article(
        sections=[(0, "Intro", "", "Plain."), (1, "Setup part", "What happens", "Setup.")]
    )
    client = client_for(people[who])
    data = full_post(article)
    data["sections-1-spoiler_level"] = levels[2].pk
    data["sections-1-safe_heading"] = "What the trip hides"
    response = client.post(change_url(article), data)
    second = article.sections.order_by("order").last()
    if allowed:
        assert response.status_code == 302, errors_in(response)
        assert (second.spoiler_level.rank, second.safe_heading) == (2, "What the trip hides")
    else:
        assert response.status_code == 403
        assert second.spoiler_level.rank == 1


def test_a_moderator_cannot_change_a_body_title_or_dek_even_by_forging_the_post(
    people, make_article
):
    article = make_article(sections=[(0, "Intro", "", "Plain words.")])
    client = client_for(people["moderator"])
    page = client.get(change_url(article))
    assert page.status_code == 200
    form = page.context["adminform"].form
    assert "title" not in form.fields and "dek" not in form.fields
    data = full_post(article, title="Forged title", dek="Forged dek")
    data["sections-0-body"] = "Forged body."
    response = client.post(change_url(article), data)
    assert response.status_code == 302, errors_in(response)
    article.refresh_from_db()
    assert article.title != "Forged title" and article.dek != "Forged dek"
    assert article.sections.get().body == "Plain words."


@pytest.mark.parametrize(
    ("who", "allowed"),
    [("editor", False), ("other_editor", False), ("senior", True), ("moderator", False)],
)
def test_publish(people, draft, who, allowed):
    client = client_for(people[who])
    response = client.post(change_url(draft), full_post(draft, status="published"))
    draft.refresh_from_db()
    assert (draft.status == Article.Status.PUBLISHED) is allowed
    if not allowed and response.status_code == 200:
        assert "Only a senior editor can publish" in page_text(response)


@pytest.mark.parametrize(
    ("who", "allowed"),
    [("editor", False), ("senior", True), ("moderator", False)],
)
def test_schedule(people, draft, who, allowed):
    client = client_for(people[who])
    later = timezone.localtime() + timedelta(days=2)
    data = full_post(
        draft,
        status="published",
        published_at_0=f"{later:%Y-%m-%d}",
        published_at_1=f"{later:%H:%M:%S}",
    )
    client.post(change_url(draft), data)
    draft.refresh_from_db()
    assert draft.is_scheduled() is allowed


@pytest.mark.parametrize(
    ("who", "allowed"),
    [("editor", False), ("senior", True), ("moderator", False)],
)
def test_retract(people, make_article, who, allowed):
    article = make_article(sections=[(0, "Intro", "", "Plain.")])
    article.authors.add(people["editor"])
    client = client_for(people[who])
    client.post(CHANGELIST, {"action": "retract", "_selected_action": [article.pk]})
    client.post(change_url(article), full_post(article, status="retracted"))
    article.refresh_from_db()
    assert (article.status == Article.Status.RETRACTED) is allowed


@pytest.mark.parametrize(
    ("who", "allowed"),
    [("editor", False), ("senior", False), ("moderator", True)],
)
def test_manage_spoiler_terms(people, work, levels, who, allowed):
    client = client_for(people[who])
    client.post(
        "/admin/explainers/spoilerterm/add/",
        {"phrase": "plays one cello", "work": work.pk, "spoiler_level": levels[3].pk},
    )
    assert SpoilerTerm.objects.filter(phrase="plays one cello").exists() is allowed


def test_an_editor_cannot_open_another_editors_draft_for_editing(people, draft):
    client = client_for(people["other_editor"])
    page = client.get(change_url(draft))
    # Read-only view: no form fields to change the content.
    assert page.status_code == 200
    assert "title" not in page.context["adminform"].form.fields
    assert client.post(change_url(draft), full_post(draft)).status_code == 403


def test_an_editors_new_article_is_theirs_and_starts_as_a_draft(people, work, levels):
    client = client_for(people["editor"])
    data = article_post(work, sections=[section_row(levels[0], "Intro", "Plain.", order=1)])
    response = client.post("/admin/explainers/article/add/", data)
    assert response.status_code == 302, errors_in(response)
    article = Article.objects.get()
    assert article.status == Article.Status.DRAFT
    assert list(article.authors.all()) == [people["editor"]]


def test_an_editor_cannot_create_an_article_already_published(people, work, levels):
    client = client_for(people["editor"])
    data = article_post(
        work, status="published", sections=[section_row(levels[0], "Intro", "Plain.", order=1)]
    )
    response = client.post("/admin/explainers/article/add/", data)
    assert response.status_code == 200
    assert "Only a senior editor can publish" in page_text(response)
    assert not Article.objects.exists()


def test_the_status_menu_offers_only_the_moves_the_role_allows(people, draft):
    editor_form = client_for(people["editor"]).get(change_url(draft)).context["adminform"].form
    offered = [value for value, _ in editor_form.fields["status"].widget.choices]
    assert offered == ["draft", "in_review"]
    senior_form = client_for(people["senior"]).get(change_url(draft)).context["adminform"].form
    offered = [value for value, _ in senior_form.fields["status"].widget.choices]
    assert offered == ["draft", "in_review", "published"]


# --- transitions and the audit log -----------------------------------------------------


def test_submit_approve_retract_reopen_are_each_recorded_with_who_and_comment(people, draft):
    editor, senior = client_for(people["editor"]), client_for(people["senior"])
    response = editor.post(
        change_url(draft), full_post(draft, status="in_review", workflow_comment="Ready")
    )
    assert response.status_code == 302, errors_in(response)
    # Once submitted, the editor can no longer change the body, only withdraw it.
    draft.refresh_from_db()
    assert not permissions.can_edit_content(people["editor"], draft)
    response = senior.post(
        change_url(draft), full_post(draft, status="published", workflow_comment="Approved")
    )
    assert response.status_code == 302, errors_in(response)
    senior.post(CHANGELIST, {"action": "retract", "_selected_action": [draft.pk]})
    senior.post(change_url(draft), full_post(draft, status="draft", workflow_comment="Fixing"))

    entries = list(AuditEntry.objects.filter(article=draft).order_by("created_at", "id"))
    assert [
        (e.action, e.actor, e.data["from_state"], e.data["to_state"], e.comment) for e in entries
    ] == [
        ("explainers.article.submitted", people["editor"], "draft", "in_review", "Ready"),
        ("explainers.article.published", people["senior"], "in_review", "published", "Approved"),
        ("explainers.article.retracted", people["senior"], "published", "retracted", ""),
        ("explainers.article.reopened", people["senior"], "retracted", "draft", "Fixing"),
    ]
    # The article's admin page shows the log.
    page = page_text(senior.get(change_url(draft)))
    assert "submitted by Eda Tester: “Ready”" in page
    assert "retracted by Sol Tester" in page


def test_a_move_that_skips_a_step_is_refused_with_a_message(people, make_article):
    article = make_article(sections=[(0, "Intro", "", "Plain.")], status=Article.Status.RETRACTED)
    response = client_for(people["senior"]).post(
        change_url(article), full_post(article, status="published")
    )
    assert response.status_code == 200
    assert "cannot become published directly" in page_text(response)
    article.refresh_from_db()
    assert article.status == Article.Status.RETRACTED


def test_publishing_is_refused_while_a_leak_stands_until_a_moderator_records_an_override(
    people, draft, work, levels
):
    SpoilerTerm.objects.create(work=work, phrase="drugged", spoiler_level=levels[2])
    draft.sections.filter(order=1).update(body="Early on she is drugged.")
    senior, moderator = client_for(people["senior"]), client_for(people["moderator"])

    response = senior.post(change_url(draft), full_post(draft, status="published"))
    assert response.status_code == 200
    assert "cannot be published" in page_text(response)

    response = moderator.post(
        change_url(draft), full_post(draft, leak_override_reason="Named in the trailer.")
    )
    assert response.status_code == 302, errors_in(response)
    assert LeakOverride.objects.filter(article=draft, user=people["moderator"]).exists()

    response = senior.post(change_url(draft), full_post(draft, status="published"))
    assert response.status_code == 302, errors_in(response)
    draft.refresh_from_db()
    assert draft.is_published()


def test_a_scheduled_article_is_invisible_until_its_time_then_recorded_by_the_command(
    people, draft, client, monkeypatch
):
    from django.core.management import call_command

    later = timezone.localtime() + timedelta(hours=3)
    data = full_post(
        draft,
        status="published",
        published_at_0=f"{later:%Y-%m-%d}",
        published_at_1=f"{later:%H:%M:%S}",
    )
    response = client_for(people["senior"]).post(change_url(draft), data)
    assert response.status_code == 302, errors_in(response)
    draft.refresh_from_db()
    assert draft.is_scheduled() and draft.awaiting_go_live
    assert AuditEntry.objects.filter(action="explainers.article.scheduled").count() == 1
    assert client.get(draft.get_absolute_url()).status_code == 404
    assert draft.title not in client.get("/").content.decode()
    call_command("publish_scheduled", stdout=io.StringIO())
    assert not AuditEntry.objects.filter(action="explainers.article.went_live").exists()

    # Three hours and a minute later (time moved forward for the whole process).
    real_now = timezone.now
    monkeypatch.setattr(timezone, "now", lambda: real_now() + timedelta(hours=3, minutes=1))
    assert client.get(draft.get_absolute_url()).status_code == 200
    assert draft.title in client.get("/").content.decode()
    call_command("publish_scheduled", stdout=io.StringIO())
    call_command("publish_scheduled", stdout=io.StringIO())  # idempotent
    went_live = AuditEntry.objects.filter(action="explainers.article.went_live")
    assert went_live.count() == 1 and went_live.get().actor is None


def test_unscheduling_takes_an_article_back_to_draft(people, make_article):
    article = make_article(
        sections=[(0, "Intro", "", "Plain.")], published_at=timezone.now() + timedelta(days=1)
    )
    response = client_for(people["senior"]).post(
        change_url(article),
        full_post(article, status="draft", published_at_0="", published_at_1=""),
    )
    assert response.status_code == 302, errors_in(response)
    article.refresh_from_db()
    assert article.status == Article.Status.DRAFT and article.published_at is None


def test_a_live_article_cannot_be_sent_back_to_draft_only_retracted(people, make_article):
    article = make_article(sections=[(0, "Intro", "", "Plain.")])
    response = client_for(people["senior"]).post(
        change_url(article), full_post(article, status="draft")
    )
    assert response.status_code == 200
    assert "Allowed from here: Retract" in page_text(response)


def test_a_retracted_article_leaves_the_home_page_and_answers_410(people, make_article, client):
    article = make_article(sections=[(0, "Intro", "", "Plain.")])
    assert article.title in client.get("/").content.decode()
    transition(article, Article.Status.RETRACTED, user=people["senior"], comment="Wrong film")
    assert article.title not in client.get("/").content.decode()
    assert client.get(article.get_absolute_url()).status_code == 410


# --- revisions: history, compare, restore ----------------------------------------------


def test_every_save_stores_a_revision_and_two_can_be_compared_per_field_and_section(people, draft):
    senior = client_for(people["senior"])
    senior.post(change_url(draft), full_post(draft, title="The Perfection, explained again"))
    data = full_post(draft)
    data["sections-1-body"] = "She drugged her with her mother's pills."
    senior.post(change_url(draft), data)
    versions = list(versions_of(draft))
    assert len(versions) == 2

    history = senior.get(f"/admin/explainers/article/{draft.pk}/revisions/")
    assert history.status_code == 200
    page = page_text(history)
    assert "Sol Tester" in page

    compare = senior.get(
        f"/admin/explainers/article/{draft.pk}/revisions/compare/",
        {"a": versions[1].pk, "b": versions[0].pk},
    )
    assert compare.status_code == 200
    body = html.unescape(compare.content.decode())
    assert "She drugged <del>her.</del><ins>her with her mother's pills.</ins>" in body
    assert "Section “Charlotte drugged Lizzie”: changed" in body
    assert "Title" not in body.split('<div class="diff">', 1)[1]  # unchanged between these


def test_restore_brings_back_content_as_a_new_revision_and_keeps_the_state(people, draft):
    senior = client_for(people["senior"])
    senior.post(change_url(draft), full_post(draft))  # revision 1: as created
    data = full_post(draft, title="A worse title")
    data["sections-0-body"] = "Rewritten badly."
    data["sections-1-DELETE"] = "on"
    senior.post(change_url(draft), data)
    transition(draft, Article.Status.PUBLISHED, user=people["senior"])
    draft.refresh_from_db()
    assert draft.sections.count() == 1

    first = list(versions_of(draft))[-1]
    confirm = senior.get(f"/admin/explainers/article/{draft.pk}/revisions/{first.pk}/restore/")
    assert confirm.status_code == 200 and "A worse title" in page_text(confirm)
    response = senior.post(f"/admin/explainers/article/{draft.pk}/revisions/{first.pk}/restore/")
    assert response.status_code == 302

    draft.refresh_from_db()
    assert draft.title.startswith("The Perfection explained")
    assert [s.heading for s in draft.sections.order_by("order")] == [
        "What kind of film this is",
        "Charlotte drugged Lizzie",
    ]
    assert "cello prodigy" in draft.sections.order_by("order").first().body_html
    assert draft.status == Article.Status.PUBLISHED  # the state is not part of a restore
    assert len(versions_of(draft)) == 4  # nothing was overwritten
    assert AuditEntry.objects.filter(action="explainers.article.restored").count() == 1


def test_an_editor_may_not_restore_someone_elses_article(people, draft):
    senior = client_for(people["senior"])
    senior.post(change_url(draft), full_post(draft))
    version = list(versions_of(draft))[0]
    other = client_for(people["other_editor"])
    url = f"/admin/explainers/article/{draft.pk}/revisions/{version.pk}/restore/"
    assert other.post(url).status_code == 403


def test_compare_with_a_foreign_or_garbage_revision_id_is_a_clean_error(
    people, draft, make_article
):
    senior = client_for(people["senior"])
    senior.post(change_url(draft), full_post(draft))
    other = make_article(sections=[(0, "Intro", "", "Plain.")])
    senior.post(change_url(other), full_post(other))
    mine, theirs = versions_of(draft)[0], versions_of(other)[0]
    url = f"/admin/explainers/article/{draft.pk}/revisions/compare/"
    assert senior.get(url, {"a": mine.pk, "b": theirs.pk}).status_code == 404
    assert senior.get(url, {"a": "x", "b": "1"}).status_code == 400


# --- two editors, one article ------------------------------------------------------------


def test_a_save_from_a_stale_form_is_refused_naming_who_changed_what(people, draft):
    senior, editor = client_for(people["senior"]), client_for(people["editor"])
    assert editor.get(change_url(draft)).status_code == 200
    editor_form = full_post(draft)  # Eda opens the form
    senior_form = full_post(draft)  # Sol opens it too
    senior_form["sections-1-body"] = "Sol's careful rewrite of the trip."
    assert senior.post(change_url(draft), senior_form).status_code == 302

    editor_form["title"] = "Eda's new title"
    response = editor.post(change_url(draft), editor_form)
    assert response.status_code == 200
    page = page_text(response)
    assert "saved by Sol Tester" in page
    assert "section “Charlotte drugged Lizzie” (body)" in page
    assert "Their version" in page and "careful rewrite" in page
    # Eda's text is still in her form, and nothing of Sol's was overwritten.
    assert "Eda&#x27;s new title" in response.content.decode() or "Eda's new title" in page
    draft.refresh_from_db()
    assert draft.title != "Eda's new title"
    assert "careful rewrite" in draft.sections.get(order=2).body
    # The history lists both: the revision recorded when the form was first opened (by
    # nobody in particular) and Sol's.
    history = page_text(senior.get(f"/admin/explainers/article/{draft.pk}/revisions/"))
    assert "First recorded revision." in history and "Sol Tester" in history


def test_a_form_without_its_version_marker_is_refused(people, draft):
    data = full_post(draft)
    data.pop("opened_version")
    response = client_for(people["senior"]).post(change_url(draft), data)
    assert response.status_code == 200
    assert "no version marker" in page_text(response)


def test_presence_names_who_else_has_it_open_and_who_saved_since(people, draft):
    senior, editor = client_for(people["senior"]), client_for(people["editor"])
    url = f"/admin/explainers/article/{draft.pk}/presence/"
    opened = draft.version
    assert editor.get(url, {"opened": opened}).json()["others"] == []
    assert senior.get(url, {"opened": opened}).json()["others"] == ["Eda Tester"]
    senior.post(change_url(draft), full_post(draft, dek="A dek changed by Sol."))
    state = editor.get(url, {"opened": opened}).json()
    assert state["others"] == ["Sol Tester"]
    assert [s["name"] for s in state["saved_since"]] == ["Sol Tester"]
    assert Client().get(url).status_code == 302  # to the login page


# --- preview links ---------------------------------------------------------------------


def preview_link_for(client, article):
    response = client.post(f"/admin/explainers/article/{article.pk}/preview-link/")
    assert response.status_code == 200
    return re.search(r'value="https?://[^/]+(/preview/[^"]+)"', response.content.decode()).group(1)


def test_a_preview_link_shows_only_that_draft_uncached_and_dies_on_retraction(
    people, draft, settings
):
    path = preview_link_for(client_for(people["editor"]), draft)
    reader = Client()
    response = reader.get(path)
    assert response.status_code == 200
    assert "PREVIEW" in response.content.decode() and draft.title in response.content.decode()
    assert "no-cache" in response["Cache-Control"] and "private" in response["Cache-Control"]
    assert response["X-Robots-Tag"] == "noindex, nofollow"
    # The token names this article only: tampering gives a clear refusal.
    assert reader.get(path[:-3] + "abc/").status_code == 404
    assert "not valid" in reader.get(path[:-3] + "abc/").content.decode()

    transition(draft, Article.Status.PUBLISHED, user=people["senior"])
    transition(draft, Article.Status.RETRACTED, user=people["senior"])
    gone = reader.get(path)
    assert gone.status_code == 404 and "withdrawn" in gone.content.decode()


def test_a_preview_link_expires(people, draft, settings, monkeypatch):
    import time

    path = preview_link_for(client_for(people["editor"]), draft)
    real = time.time
    monkeypatch.setattr(time, "time", lambda: real() + settings.PREVIEW_LINK_MAX_AGE + 60)
    response = Client().get(path)
    assert response.status_code == 404
    assert "expired" in response.content.decode()


def test_only_staff_who_may_preview_can_make_a_link(people, draft, client):
    url = f"/admin/explainers/article/{draft.pk}/preview-link/"
    assert client.post(url).status_code == 302  # anonymous: to the login page
    assert client_for(people["editor"]).get(url).status_code == 405


# --- roles are documented --------------------------------------------------------------


def test_every_role_is_in_the_readme():
    from pathlib import Path

    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    for name in roles.ROLES:
        assert f"| {name} |" in readme, name


def test_the_audit_log_is_readable_by_seniors_and_moderators_and_writable_by_nobody(people, draft):
    transition(draft, Article.Status.IN_REVIEW, user=people["editor"], comment="Please look")
    entry = AuditEntry.objects.get()
    for who in ("senior", "moderator"):
        client = client_for(people[who])
        listing = client.get("/admin/explainers/auditentry/")
        assert listing.status_code == 200 and "Please look" in page_text(listing)
        url = f"/admin/explainers/auditentry/{entry.pk}/change/"
        assert client.post(url, {"comment": "rewritten"}).status_code == 403
        delete = f"/admin/explainers/auditentry/{entry.pk}/delete/"
        assert client.post(delete, {"post": "yes"}).status_code == 403
    assert client_for(people["editor"]).get("/admin/explainers/auditentry/").status_code == 403
    entry.refresh_from_db()
    assert entry.comment == "Please look"
