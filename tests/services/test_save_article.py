"""The save path as a function: ``services.articles.save_article`` and the services
beside it, called directly, as a command, the demo loader or a later API would."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command

from explainers.models import Article, AuditEntry, Citation, Image, Section, SpoilerTerm
from explainers.services import Refused
from explainers.services.articles import ArticleChange, SectionChange, save_article, transition
from explainers.services.images import upload_image
from tests.support.images import image_bytes


def change_of(article, **fields):
    """The article as saved, with ``fields`` changed, and its sections as they are."""
    article = Article.objects.get(pk=article.pk)
    for name, value in fields.items():
        setattr(article, name, value)
    sections = [SectionChange(s, changed=False) for s in article.sections.order_by("order")]
    return ArticleChange(article=article, opened_version=article.version, sections=sections)


def counts():
    return (
        Article.objects.count(),
        Section.objects.count(),
        Citation.objects.count(),
        AuditEntry.objects.count(),
    )


def test_a_save_writes_once_and_leaves_one_audit_entry(make_article, senior_editor):
    article = make_article(sections=[(0, "Intro", "", "Plain.")], status=Article.Status.DRAFT)
    change = change_of(article, dek="A dek rewritten through the service.")
    change.sections[0].section.body = "Rewritten."
    change.sections[0].changed = True

    saved = save_article(change, user=senior_editor)

    article.refresh_from_db()
    assert article.dek == "A dek rewritten through the service."
    assert article.sections.get().body_html.strip() == "<p>Rewritten.</p>"
    [entry] = AuditEntry.objects.filter(article=article)
    assert (entry.action, entry.actor) == ("explainers.article.saved", senior_editor)
    assert saved.transition is None and not saved.verdict.refused


def test_publishing_through_a_save_records_the_move_as_its_one_entry(make_article, senior_editor):
    article = make_article(sections=[(0, "Intro", "", "Plain.")], status=Article.Status.DRAFT)
    save_article(change_of(article, status=Article.Status.PUBLISHED), user=senior_editor)
    article.refresh_from_db()
    assert article.is_published()
    actions = list(AuditEntry.objects.filter(article=article).values_list("action", flat=True))
    assert actions == ["explainers.article.published"]


def test_a_refusal_names_each_problem_with_its_section_and_writes_nothing(
    make_article, senior_editor
):
    article = make_article(
        sections=[(0, "Intro", "", "Plain."), (1, "Setup", "Safe", "Fine.")],
        status=Article.Status.DRAFT,
    )
    change = change_of(article, title="A title that must not be saved")
    second = change.sections[1]
    second.section.body = "An ||unclosed spoiler and a [@ghost] note."
    second.changed = True
    before = counts()

    with pytest.raises(Refused) as refused:
        save_article(change, user=senior_editor)

    places = [(p.section, p.field) for p in refused.value.problems]
    assert places == [(1, "body"), (1, "body")]
    assert "inline spoiler that is not closed" in refused.value.problems[0].message
    assert "Unknown citation key 'ghost' in section 2" in refused.value.problems[1].message
    assert counts() == before
    article.refresh_from_db()
    assert article.title != "A title that must not be saved"
    assert article.sections.get(order=2).body == "Fine."


def test_a_leak_refuses_publishing_through_the_service_as_through_the_form(
    make_article, senior_editor, work, levels
):
    SpoilerTerm.objects.create(phrase="cuts off her hand", work=work, spoiler_level=levels[2])
    article = make_article(sections=[(0, "Intro", "", "Plain.")], status=Article.Status.DRAFT)
    change = change_of(article, status=Article.Status.PUBLISHED, dek="Charlotte cuts off her hand.")
    with pytest.raises(Refused) as refused:
        save_article(change, user=senior_editor)
    assert "cannot be published" in str(refused.value)
    places = {(p.field, p.section) for p in refused.value.problems if "Leak in" in p.message}
    assert places == {("dek", None)}  # shown by the dek, where the editor fixes it
    assert Article.objects.get(pk=article.pk).status == Article.Status.DRAFT
    # As a draft the same text is saved, and the leak is reported, not refused.
    saved = save_article(change_of(article, dek="Charlotte cuts off her hand."), user=senior_editor)
    assert saved.report.messages and not saved.verdict.refused


def test_a_change_made_on_an_older_version_is_refused_with_who_saved_since(
    make_article, senior_editor
):
    article = make_article(sections=[(0, "Intro", "", "Plain.")], status=Article.Status.DRAFT)
    stale = change_of(article, title="Mine")
    save_article(change_of(article, title="Theirs"), user=senior_editor)

    with pytest.raises(Refused) as refused:
        save_article(stale, user=senior_editor)

    assert refused.value.conflict is not None
    assert "saved by" in str(refused.value)
    assert Article.objects.get(pk=article.pk).title == "Theirs"


def test_the_service_asks_the_permission_policy_not_only_the_admin(make_article, editor):
    """An editor may not write someone else's live article, whoever calls the service."""
    article = make_article(sections=[(0, "Intro", "", "Plain.")])
    with pytest.raises(Refused):
        save_article(change_of(article, title="Taken over"), user=editor)
    with pytest.raises(Refused, match="Only a senior editor"):
        transition(article, Article.Status.RETRACTED, user=editor)
    assert Article.objects.get(pk=article.pk).title != "Taken over"


def test_an_upload_goes_through_the_image_checks_and_the_policy(editor, moderator, levels):
    jpeg_bytes = image_bytes("JPEG")
    with pytest.raises(Refused, match="may add images"):
        upload_image(SimpleUploadedFile("a.jpg", jpeg_bytes), user=moderator)
    with pytest.raises(Refused) as refused:
        upload_image(SimpleUploadedFile("a.jpg", b"not a picture"), user=editor)
    assert refused.value.problems[0].field == "image"
    assert not Image.objects.exists()

    image, created = upload_image(SimpleUploadedFile("a.jpg", jpeg_bytes), user=editor)
    assert created
    assert image.spoiler_level == levels[3]  # the top of the ladder until someone says
    assert AuditEntry.objects.get().action == "explainers.image.uploaded"


def test_the_demo_loader_saves_through_the_service_and_is_refused_a_leak(tmp_path, db):
    from tests.test_demo_content import edited_copy

    call_command("demo", stdout=io.StringIO())
    created = AuditEntry.objects.filter(action__startswith="explainers.article.")
    assert created.count() >= Article.objects.count()  # one entry a save, at least one save each

    root, _ = edited_copy(
        tmp_path,
        "articles/the-perfection-ending-explained.md",
        "changes course more than once",
        "cuts off her hand",
    )
    with pytest.raises(CommandError, match="cuts off her hand"):
        call_command("demo", content=str(root), stdout=io.StringIO())
    dek = Article.objects.get(slug="the-perfection-ending-explained").dek
    assert "cuts off her hand" not in dek


def test_a_moderation_service_asks_the_policy_whoever_calls_it(
    make_article, editor, moderator, levels
):
    from explainers.models import ReaderReport
    from explainers.services import moderation

    article = make_article(sections=[(0, "Intro", "", "Plain.")])
    section = article.sections.get()
    report = ReaderReport.objects.create(
        article=article,
        section=section,
        reason=ReaderReport.Reason.UNMARKED,
        details="The intro gives the ending away.",
        client_fingerprint="0" * 64,
    )
    with pytest.raises(Refused, match="may not resolve"):
        moderation.raise_level(
            [report], section=section, level=levels[2], note="", actor=editor, safe_heading="Safe"
        )
    section.refresh_from_db()
    assert section.spoiler_level == levels[0] and ReaderReport.objects.get().is_open

    moderation.raise_level(
        [report], section=section, level=levels[2], note="", actor=moderator, safe_heading="Safe"
    )
    section.refresh_from_db()
    assert section.spoiler_level == levels[2]


def test_the_form_shows_a_leak_by_its_field_and_at_the_top(
    senior_client, make_article, work, levels
):
    from tests.support.admin_forms import change_url, full_post, page_text

    SpoilerTerm.objects.create(phrase="cuts off her hand", work=work, spoiler_level=levels[2])
    article = make_article(
        sections=[(0, "Intro", "", "Plain."), (1, "Setup", "Safe", "Fine.")],
        status=Article.Status.DRAFT,
    )
    data = full_post(article, status="published")
    data["sections-0-body"] = "Early on, Charlotte cuts off her hand."
    response = senior_client.post(change_url(article), data)
    assert response.status_code == 200
    text = page_text(response)
    message = "Leak in section 1 body"
    # In the admin's list at the top, in the error list above the form (a link to the
    # field), and under section 1's body.
    assert text.count(message) == 3
    assert 'href="#id_sections-0-body"' in text
    section_form = response.context["inline_admin_formsets"][0].formset.forms[0]
    assert any(message in error for error in section_form.errors["body"])
    assert Article.objects.get(pk=article.pk).status == Article.Status.DRAFT
