"""Background tasks (explainers/tasks.py) on the database backend, as production runs
them: the slow work a save asks for is queued once the save commits, requests meanwhile are
served correctly, and each task is safe to run twice. The queue is run here, in the test's
transaction (tests/support/tasks.py); tests/delivery/test_worker.py runs the real worker."""

import io
import re
from datetime import timedelta

import pytest
from django.core import mail
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.mail import EmailMessage
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone
from django_tasks_db.models import DBTaskResult
from PIL import Image as PILImage

from explainers import page_cache, roles, stored_pages, tasks
from explainers.models import Article, AuditEntry, Image, Rendition, Section, StoredPage
from explainers.services import moderation
from explainers.services.articles import save_article, transition
from tests.services.test_save_article import change_of
from tests.support.admin_forms import page_text
from tests.support.edge import RecordingPurger
from tests.support.tasks import QUEUE, queued, run, run_queue

GREY_PIXEL = "data:image/gif;base64,"


@pytest.fixture(autouse=True)
def queue(settings):
    settings.TASKS = QUEUE


def photo(size=(2000, 1000)):
    buffer = io.BytesIO()
    PILImage.effect_noise(size, 40).convert("RGB").save(buffer, "JPEG", quality=80)
    return buffer.getvalue()


def admin_upload(client, levels, rank=0, name="still.jpg"):
    return client.post(
        "/admin/explainers/image/add/",
        {
            "file": SimpleUploadedFile(name, photo(), "image/jpeg"),
            "alt_text": "A concert hall",
            "credit": "Drawn for the tests",
            "caption": "",
            "spoiler_level": levels[rank].pk,
            "_save": "Save",
        },
    )


def rendition_files(image):
    """The files in the renditions folder made for ``image`` (named after its file)."""
    stem = image.file.name.rsplit("/", 1)[-1].split(".")[0]
    try:
        names = default_storage.listdir("renditions")[1]
    except FileNotFoundError:
        return set()
    return {f"renditions/{name}" for name in names if name.startswith(stem)}


# --- renditions -------------------------------------------------------------------------


def test_an_uploaded_image_is_saved_at_once_and_its_renditions_made_by_the_queue(
    senior_client, client, levels, make_article, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = admin_upload(senior_client, levels)
        assert not queued()  # nothing queued before the save commits
    assert response.status_code == 302, page_text(response)
    assert callbacks
    image = Image.objects.get()
    assert not image.renditions.exists() and image.placeholder == ""
    [row] = queued("make_renditions")
    assert row.task_result.args == [image.pk, image.rendition_source_key()]

    # Meanwhile the article shows the original.
    article = make_article(sections=[(0, "Premise", "", "Set up.")])
    article.hero_image = image
    article.save()
    page = client.get(article.get_absolute_url()).content.decode()
    hero = page.split('class="hero"', 1)[1].split("</figure>", 1)[0]
    assert f'src="{image.file.url}"' in hero and "renditions/" not in hero

    ran = run_queue(django_capture_on_commit_callbacks)
    assert ran["make_renditions"] == ["made"]
    image.refresh_from_db()
    assert image.placeholder.startswith("data:image/jpeg;base64,")
    assert sorted(set(image.renditions.values_list("spec", flat=True))) == [
        "full",
        "hero",
        "teaser",
    ]
    page = client.get(article.get_absolute_url()).content.decode()
    hero = page.split('class="hero"', 1)[1].split("</figure>", 1)[0]
    assert image.renditions.get(spec="hero", format="webp", width=960).file.url in hero


def test_a_spoiler_still_waiting_for_its_renditions_fetches_nothing_before_it_is_revealed(
    client, levels, make_article, django_capture_on_commit_callbacks
):
    article = make_article(sections=[(0, "Premise", "", "Set up."), (2, "End", "After", "X.")])
    with django_capture_on_commit_callbacks(execute=True):
        image = Image(alt_text="The last scene", credit="Drawn", spoiler_level=levels[2])
        image.file.save("end.jpg", io.BytesIO(photo((800, 450))), save=False)
        image.save()
        Section.objects.filter(article=article, order=2).update(image=image)
        stored_pages.mark_stale([article.pk])
    assert queued("make_renditions") and image.placeholder == ""
    page = client.get(article.get_absolute_url()).content.decode()
    still = page.split('class="still still--deferred"', 1)[1].split("</figure>", 1)[0]
    # Only a grey pixel until the reader opens the section; the original only in data-*.
    assert f'src="{GREY_PIXEL}' in still
    assert f'data-src="{image.file.url}"' in still
    assert not re.search(rf'(?<!data-)src="{re.escape(image.file.url)}"', page)
    assert not re.search(r'(?<!data-)srcset="[^"]*' + re.escape(image.file.url), page)

    run_queue(django_capture_on_commit_callbacks)
    image.refresh_from_db()
    page = client.get(article.get_absolute_url()).content.decode()
    still = page.split('class="still still--deferred"', 1)[1].split("</figure>", 1)[0]
    assert f'src="{image.placeholder}"' in still  # the blurred stand-in, once made
    assert not re.search(r'(?<!data-)src="/media/', still)


def test_a_change_rolled_back_queues_nothing(levels, django_capture_on_commit_callbacks):
    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        image = Image(alt_text="A hall", credit="Drawn", spoiler_level=levels[0])
        image.file.save("hall.jpg", io.BytesIO(photo((300, 200))), save=False)
        image.save()
        raise RuntimeError("the editor's save failed after the image")
    assert not queued()


def test_renditions_twice_or_for_a_superseded_change_do_no_harm(
    levels, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        image = Image(alt_text="A hall", credit="Drawn", spoiler_level=levels[0])
        image.file.save("hall.jpg", io.BytesIO(photo((1200, 500))), save=False)
        image.save()
    [first] = queued("make_renditions")
    with django_capture_on_commit_callbacks(execute=True):
        image.focal_x, image.focal_y = 0.1, 0.5  # a new focal point: new crops
        image.save()
    assert len(queued("make_renditions")) == 2

    assert run(first) == "superseded"  # the later change's task makes them
    assert not image.renditions.exists()
    ran = run_queue(django_capture_on_commit_callbacks)
    assert ran["make_renditions"] == ["made"]
    made = set(Rendition.objects.values_list("file", flat=True))
    assert rendition_files(image) == made

    # The same task again (a worker retrying, a second worker): nothing changes.
    image.refresh_from_db()
    again = tasks.make_renditions.enqueue(image.pk, image.rendition_source_key())
    with django_capture_on_commit_callbacks(execute=True):
        assert run(queued("make_renditions")[0]) == "done already"
    assert again.id
    assert set(Rendition.objects.values_list("file", flat=True)) == made
    # Two workers that both made the files: the second records nothing and keeps nothing.
    with django_capture_on_commit_callbacks(execute=True):
        assert image.make_renditions(key=image.rendition_source_key()) is False
    assert set(Rendition.objects.values_list("file", flat=True)) == made
    assert rendition_files(image) == made


def test_a_pasted_image_is_shown_with_its_renditions_once_they_are_made(
    client, senior_client, levels, make_article, django_capture_on_commit_callbacks
):
    """A body shows the renditions it was rendered with: the task renders it again."""
    with django_capture_on_commit_callbacks(execute=True):
        image = Image(alt_text="A hall", credit="Drawn", spoiler_level=levels[0])
        image.file.save("hall.jpg", io.BytesIO(photo((1200, 600))), save=False)
        image.save()
        article = make_article(
            sections=[(0, "Premise", "", f"Look:\n\n![A hall]({image.file.url})")]
        )
    body = Section.objects.get(article=article).body_html
    assert image.file.url in body and "renditions/" not in body
    run_queue(django_capture_on_commit_callbacks)
    body = Section.objects.get(article=article).body_html
    assert "renditions/" in body
    assert "renditions/" in client.get(article.get_absolute_url()).content.decode()


# --- stored pages -----------------------------------------------------------------------


def test_a_page_whose_rebuild_is_queued_is_served_right_meanwhile(
    client, make_article, django_capture_on_commit_callbacks
):
    article = make_article(sections=[(0, "Premise", "", "Set up.")])
    with django_capture_on_commit_callbacks(execute=True):
        section = article.sections.get()
        section.heading = "What kind of thriller this is"
        section.save()
        article.dek = "A new dek for the page."
        article.save()
    [row] = queued("rebuild_pages")  # one task for the whole change
    assert row.task_result.args == [[article.pk]]
    page = StoredPage.objects.get(article=article)
    assert not page.is_current(stored_pages.page_format())
    html = client.get(article.get_absolute_url()).content.decode()
    assert "What kind of thriller this is" in html and "A new dek for the page." in html

    StoredPage.objects.filter(article=article).update(built=0)  # as before the reader
    assert run_queue(django_capture_on_commit_callbacks)["rebuild_pages"] == [1]
    page.refresh_from_db()
    assert page.is_current(stored_pages.page_format())
    tasks.rebuild_pages.enqueue([article.pk])  # the same again: a no-op
    assert run_queue(django_capture_on_commit_callbacks)["rebuild_pages"] == [0]


def test_a_failed_task_is_tried_again_later_and_shows_in_the_admin(
    client, role_user, monkeypatch, django_capture_on_commit_callbacks
):
    def broken(ids):
        raise RuntimeError("the database went away mid-render")

    monkeypatch.setattr(stored_pages, "build_stale", broken)
    tasks.rebuild_pages.enqueue([1])
    run_queue(django_capture_on_commit_callbacks)
    from django_tasks_db.models import DBTaskResult

    failed = DBTaskResult.objects.get(status="FAILED")
    assert failed.exception_class_path == "builtins.RuntimeError"
    retry = DBTaskResult.objects.get(status="READY")
    assert retry.args_kwargs == {"args": [[1]], "kwargs": {"attempt": 1}}
    assert retry.run_after > failed.finished_at  # later, not at once
    client.force_login(role_user(None))
    listing = client.get("/admin/django_tasks_database/dbtaskresult/?status=FAILED")
    assert listing.status_code == 200
    assert "rebuild_pages" in listing.content.decode()


# --- leak re-checks ---------------------------------------------------------------------

LEAKY_DEK = "Lizzie never suspects that Charlotte drugged her on the bus."


def test_a_new_term_rechecks_live_articles_in_the_background_and_emails_once(
    client, role_user, make_article, work, levels, django_user_model,
    django_capture_on_commit_callbacks,
):  # fmt: skip
    author = django_user_model.objects.create_user(
        "ana", email="ana@example.com", first_name="Ana", last_name="Writer"
    )
    live = make_article(sections=[(0, "Intro", "", "Text.")], dek=LEAKY_DEK, title="Live one")
    live.authors.add(author)
    client.force_login(role_user(roles.MODERATOR, "mod"))
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/admin/explainers/spoilerterm/add/",
            {
                "phrase": "Charlotte drugged Lizzie",
                "variants": "",
                "work": work.pk,
                "spoiler_level": levels[2].pk,
                "notes": "",
            },
            follow=True,
        )
    text = page_text(response)
    assert "in the background" in text and "now has a leak" not in text
    assert mail.outbox == []
    [row] = queued("recheck_live_articles")
    assert row.task_result.args[0] == [live.pk]

    outcome = run_queue(django_capture_on_commit_callbacks)["recheck_live_articles"][0]
    assert outcome["checked"] == 1 and outcome["found"][0]["article"] == live.pk
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["ana@example.com"]
    entry = AuditEntry.objects.get(action=tasks.RECHECKED)
    assert entry.data["found"][0]["title"] == "Live one"
    assert entry.data["told"] == {str(live.pk): ["Ana Writer"]}

    # Run again (a retry, a second worker): nobody is emailed twice.
    with django_capture_on_commit_callbacks(execute=True):
        again = tasks.recheck_live_articles.call(*row.task_result.args)
    assert again["done already"]
    assert len(mail.outbox) == 1
    assert AuditEntry.objects.filter(action=tasks.RECHECKED).count() == 1


# --- search after a shared change -------------------------------------------------------


def found(client, query):
    page = client.get("/search/", {"q": query}).context["page_obj"]
    return [result.teaser.title for result in page.results] if page else []


def test_a_work_renamed_is_found_by_its_new_name_once_the_search_task_has_run(
    client, make_article, work, django_capture_on_commit_callbacks
):
    article = make_article(sections=[(0, "Premise", "", "Set up.")])
    DBTaskResult.objects.all().delete()  # what making the article queued
    with django_capture_on_commit_callbacks(execute=True):
        work.title = "Quimby's Marmalade Orchestra"
        work.save()
    [row] = queued("refresh_search")  # one task, queued at the commit
    assert row.task_result.args == [[article.pk]]
    article.refresh_from_db()
    assert "Marmalade" not in article.search_context  # the request did not refresh it
    assert found(client, "Marmalade") == []

    assert run_queue(django_capture_on_commit_callbacks)["refresh_search"] == [1]
    assert found(client, "Marmalade") == [article.title]
    tasks.refresh_search.enqueue([article.pk, 10**6])  # again, and a gone article: harmless
    assert run_queue(django_capture_on_commit_callbacks)["refresh_search"] == [2]
    assert found(client, "Marmalade") == [article.title]


def test_a_section_whose_level_is_raised_leaves_the_search_index_at_the_commit(
    client, make_article, levels, senior_editor, django_capture_on_commit_callbacks
):
    article = make_article(sections=[(0, "Premise", "", "The zeppelin lands in Oslo.")])
    assert found(client, "zeppelin") == [article.title]
    change = change_of(article)
    change.sections[0].section.spoiler_level = levels[2]
    change.sections[0].section.safe_heading = "Where it lands"
    change.sections[0].changed = True
    with django_capture_on_commit_callbacks(execute=True):
        save_article(change, user=senior_editor)
    assert not queued("refresh_search")  # no worker needed for this one
    assert found(client, "zeppelin") == []


# --- scheduled go-lives -----------------------------------------------------------------


def waiting(name):
    """Tasks queued for later or now (``queued`` lists only those due)."""
    rows = DBTaskResult.objects.filter(status="READY", task_path=f"explainers.tasks.{name}")
    return list(rows.order_by("enqueued_at"))


def went_live(article):
    return AuditEntry.objects.filter(action="explainers.article.went_live", article_id=article.pk)


@pytest.fixture
def purged(settings):
    settings.EDGE_PURGER = "tests.support.edge.RecordingPurger"
    settings.EDGE_REPURGE_SECONDS = 0
    RecordingPurger.calls.clear()
    yield RecordingPurger.calls
    RecordingPurger.calls.clear()


@pytest.fixture
def clock(monkeypatch):
    """Moves the time forward for the whole process."""
    real_now = timezone.now

    def move(delta):
        monkeypatch.setattr(timezone, "now", lambda: real_now() + delta)

    return move


def schedule(article, at, user, capture):
    with capture(execute=True):
        save_article(
            change_of(article, status=Article.Status.PUBLISHED, published_at=at), user=user
        )


def test_a_scheduled_article_goes_live_by_a_task_at_its_time_once(
    client, make_article, senior_editor, purged, clock, django_capture_on_commit_callbacks
):
    article = make_article(sections=[(0, "Intro", "", "Plain.")], status=Article.Status.DRAFT)
    at = (timezone.now() + timedelta(hours=3)).replace(microsecond=0)
    schedule(article, at, senior_editor, django_capture_on_commit_callbacks)
    [row] = waiting("go_live")
    assert row.run_after == at
    assert row.task_result.args == [article.pk, at.isoformat()]
    assert not queued("go_live")  # a worker leaves it until its time
    assert client.get(article.get_absolute_url()).status_code == 404
    assert "go_live" not in run_queue(django_capture_on_commit_callbacks)  # the save's rebuild

    clock(timedelta(hours=3, seconds=1))
    assert [due.pk for due in queued("go_live")] == [row.pk]
    generation = page_cache.generation()
    purged.clear()
    ran = run_queue(django_capture_on_commit_callbacks)
    assert ran["go_live"] == ["went live"]
    assert went_live(article).count() == 1
    assert went_live(article).get().actor is None
    article.refresh_from_db()
    assert not article.awaiting_go_live
    # The copies told: the edge cache (its page, its work's, the listings), the page cache,
    # and its stored page, rendered again.
    assert {f"article-{article.pk}", f"work-{article.work_id}", "listing"} <= set(purged[0])
    assert page_cache.generation() != generation
    assert ran["rebuild_pages"] == [1]
    assert StoredPage.objects.get(article=article).is_current(stored_pages.page_format())
    assert client.get(article.get_absolute_url()).status_code == 200

    # Run twice (a retry, a second worker), then the cron catch-up: still one entry.
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.go_live.call(article.pk, at.isoformat()) == "done already"
    output = io.StringIO()
    call_command("publish_scheduled", stdout=output)
    assert "0 scheduled article(s) recorded" in output.getvalue()
    assert went_live(article).count() == 1


def test_rescheduling_queues_a_new_go_live_and_the_first_finds_itself_superseded(
    make_article, senior_editor, clock, django_capture_on_commit_callbacks
):
    article = make_article(sections=[(0, "Intro", "", "Plain.")], status=Article.Status.DRAFT)
    first_time = (timezone.now() + timedelta(hours=3)).replace(microsecond=0)
    schedule(article, first_time, senior_editor, django_capture_on_commit_callbacks)
    later = first_time + timedelta(hours=2)
    schedule(article, later, senior_editor, django_capture_on_commit_callbacks)
    first, second = waiting("go_live")
    assert second.run_after == later

    clock(timedelta(hours=3, seconds=1))  # the first time has come, not the new one
    with django_capture_on_commit_callbacks(execute=True):
        assert run(first) == "superseded"
    assert not went_live(article).exists()
    with django_capture_on_commit_callbacks(execute=True):
        assert run(second) == "not yet"  # run early by hand: queued again for its time
    [again] = waiting("go_live")
    assert again.run_after == later

    clock(timedelta(hours=5, seconds=1))
    assert run_queue(django_capture_on_commit_callbacks)["go_live"] == ["went live"]
    assert went_live(article).count() == 1


def test_a_live_article_given_a_later_time_goes_live_again_then(
    make_article, senior_editor, clock, django_capture_on_commit_callbacks
):
    article = make_article(sections=[(0, "Intro", "", "Plain.")])  # live since yesterday
    at = (timezone.now() + timedelta(hours=1)).replace(microsecond=0)
    schedule(article, at, senior_editor, django_capture_on_commit_callbacks)
    article.refresh_from_db()
    assert article.is_scheduled() and article.awaiting_go_live
    [row] = waiting("go_live")
    assert row.run_after == at
    clock(timedelta(hours=1, seconds=1))
    assert run_queue(django_capture_on_commit_callbacks)["go_live"] == ["went live"]
    assert went_live(article).count() == 1


def test_an_unscheduled_article_does_not_go_live(
    make_article, senior_editor, clock, django_capture_on_commit_callbacks
):
    article = make_article(sections=[(0, "Intro", "", "Plain.")], status=Article.Status.DRAFT)
    at = (timezone.now() + timedelta(hours=1)).replace(microsecond=0)
    schedule(article, at, senior_editor, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        transition(article, Article.Status.DRAFT, user=senior_editor)
    clock(timedelta(hours=2))
    assert run_queue(django_capture_on_commit_callbacks)["go_live"] == ["superseded"]
    assert not went_live(article).exists()


# --- emails -----------------------------------------------------------------------------


@pytest.fixture
def leaking(make_article, django_user_model):
    """A live article with two authors, whose dek a new term finds a leak in."""
    article = make_article(sections=[(0, "Intro", "", "Text.")], dek=LEAKY_DEK)
    for name in ("ana", "bo"):
        article.authors.add(
            django_user_model.objects.create_user(name, email=f"{name}@example.com")
        )
    return article


def add_term(report_on, moderator, levels):
    from explainers.models import ReaderReport

    report = ReaderReport.objects.create(
        article=report_on, reason="unmarked", details="", client_fingerprint="0" * 64
    )
    return moderation.add_spoiler_term(
        [report],
        phrase="Charlotte drugged Lizzie",
        variants="",
        level=levels[2],
        note="Spoils the bus.",
        actor=moderator,
    )


def test_emails_are_sent_by_a_task_queued_at_the_commit(
    leaking, moderator, levels, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        add_term(leaking, moderator, levels)
    assert mail.outbox == []
    [row] = queued("send_emails")
    messages = row.task_result.args[0]
    assert sorted(message["to"][0] for message in messages) == ["ana@example.com", "bo@example.com"]
    assert set(messages[0]) == {"subject", "body", "to"}
    assert run_queue(django_capture_on_commit_callbacks)["send_emails"] == [2]
    assert sorted(email.to[0] for email in mail.outbox) == ["ana@example.com", "bo@example.com"]


def test_emails_the_mail_server_refused_are_sent_again_later_and_the_others_not_twice(
    leaking, moderator, levels, monkeypatch, clock, django_capture_on_commit_callbacks
):
    real_send = EmailMessage.send

    def refusing_bo(message, *args, **kwargs):
        if message.to == ["bo@example.com"]:
            raise ConnectionRefusedError("the mail server is down")
        return real_send(message, *args, **kwargs)

    monkeypatch.setattr(EmailMessage, "send", refusing_bo)
    with django_capture_on_commit_callbacks(execute=True):
        add_term(leaking, moderator, levels)
    [row] = queued("send_emails")
    with django_capture_on_commit_callbacks(execute=True):
        assert isinstance(run(row), tasks.PartlyDone)
    assert [email.to for email in mail.outbox] == [["ana@example.com"]]
    [retry] = waiting("send_emails")
    assert [message["to"] for message in retry.task_result.args[0]] == [["bo@example.com"]]
    assert retry.task_result.kwargs == {"attempt": 1}

    monkeypatch.setattr(EmailMessage, "send", real_send)  # the server is back
    clock(tasks.RETRY_DELAY * 2)
    assert run_queue(django_capture_on_commit_callbacks)["send_emails"] == [1]
    assert sorted(email.to[0] for email in mail.outbox) == ["ana@example.com", "bo@example.com"]
