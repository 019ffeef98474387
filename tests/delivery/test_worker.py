"""The real worker: ``manage.py db_worker`` as a process of its own, against PostgreSQL,
running what the site's real code paths queued (an image uploaded in the admin, an article
saved, a spoiler term added) and then two workers at once on the same work.

A worker cannot see an in-memory SQLite test database, so this runs on PostgreSQL only
(CI runs it in its own step of .ci/run):
    DATABASE_URL=postgres://… pytest tests/delivery/test_worker.py
"""

import email
import email.policy
import io
import os
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.utils import timezone
from django_tasks_db.models import DBTaskResult
from PIL import Image as PILImage

from explainers import stored_pages, tasks
from explainers.models import Article, AuditEntry, Image, Rendition, StoredPage
from explainers.services.articles import save_article
from tests.services.test_save_article import change_of
from tests.support.edge import database_url
from tests.support.tasks import QUEUE, queued

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def on_postgresql(settings):
    if connection.vendor != "postgresql":
        pytest.skip(
            "the real worker is a process of its own and cannot see an in-memory SQLite "
            "test database: run with DATABASE_URL=postgres://… (CI does)"
        )
    settings.TASKS = QUEUE


@pytest.fixture(autouse=True)
def outbox(tmp_path, monkeypatch):
    """Where the worker writes the emails it sends."""
    folder = tmp_path / "outbox"
    folder.mkdir()
    monkeypatch.setenv("EMAIL_FILE_PATH", str(folder))
    return folder


def sent(folder):
    """The emails written to ``folder``: (recipients, subject, body)."""
    found = []
    for path in sorted(folder.iterdir()):
        for chunk in path.read_bytes().split(b"-" * 79):
            if chunk.strip():
                message = email.message_from_bytes(chunk.strip(), policy=email.policy.default)
                found.append((message["To"], message["Subject"].strip(), message.get_content()))
    return found


def worker(*extra):
    """Start ``manage.py db_worker`` on the test database; the Popen."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.support.worker_settings",
        "DATABASE_URL": database_url(connection.settings_dict),
        "CONN_MAX_AGE": "0",  # nothing left connected when the test database is dropped
        "MEDIA_ROOT": str(settings.MEDIA_ROOT),
    }
    command = [sys.executable, "manage.py", "db_worker", "--no-reload", "--no-startup-delay"]
    return subprocess.Popen(
        [*command, *extra],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def run_worker(*extra, timeout=120):
    """Run a worker until the queue is empty (``--batch``); its output."""
    process = worker("--batch", *extra)
    try:
        output, _ = process.communicate(timeout=timeout)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert process.returncode == 0, output
    return output


def photo(size=(2400, 1200)):
    buffer = io.BytesIO()
    PILImage.effect_noise(size, 40).convert("RGB").save(buffer, "JPEG", quality=80)
    return buffer.getvalue()


def files_of(image):
    stem = Path(image.file.name).stem
    folder = Path(settings.MEDIA_ROOT) / "renditions"
    return {f"renditions/{p.name}" for p in folder.glob(f"{stem}*")} if folder.exists() else set()


def test_the_worker_makes_renditions_rebuilds_pages_and_rechecks_live_articles(
    client, role_user, levels, make_article, work, django_user_model, outbox
):
    chief = role_user(None)
    client.force_login(chief)
    # An image uploaded through the admin's form: saved at once, renditions queued.
    response = client.post(
        "/admin/explainers/image/add/",
        {
            "file": SimpleUploadedFile("still.jpg", photo(), "image/jpeg"),
            "alt_text": "A concert hall",
            "credit": "Drawn for the tests",
            "caption": "",
            "spoiler_level": levels[0].pk,
            "_save": "Save",
        },
    )
    assert response.status_code == 302
    image = Image.objects.get()
    assert not image.renditions.exists()
    # A live article with a leaky dek, saved (its page rebuild queued)...
    author = django_user_model.objects.create_user(
        "ana", email="ana@example.com", first_name="Ana", last_name="Writer"
    )
    article = make_article(
        sections=[(0, "Intro", "", "Text.")],
        dek="Lizzie never suspects that Charlotte drugged her on the bus.",
        title="Live one",
    )
    article.authors.add(author)
    article.hero_image = image
    article.save()
    # ... and a moderator's new term that finds the leak (its re-check queued).
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
    assert "in the background" in response.content.decode()
    names = {row.task_path.rsplit(".", 1)[1] for row in queued()}
    assert names == {"make_renditions", "rebuild_pages", "recheck_live_articles"}
    assert not AuditEntry.objects.filter(action=tasks.RECHECKED).exists()

    output = run_worker()

    assert not queued()
    assert set(DBTaskResult.objects.values_list("status", flat=True)) == {"SUCCESSFUL"}, output
    image.refresh_from_db()
    assert image.placeholder and image.renditions_made_from == image.rendition_source_key()
    assert {"full", "hero", "teaser"} == set(image.renditions.values_list("spec", flat=True))
    assert files_of(image) == set(image.renditions.values_list("file", flat=True))
    page = StoredPage.objects.get(article=article)
    assert page.is_current(stored_pages.page_format())  # rebuilt by the worker
    hero = image.renditions.get(spec="hero", format="webp", width=960)
    assert hero.file.url in client.get(article.get_absolute_url()).content.decode()
    entry = AuditEntry.objects.get(action=tasks.RECHECKED)
    assert entry.data["found"][0]["article"] == article.pk
    assert entry.data["told"] == {str(article.pk): ["Ana Writer"]}
    [(to, subject, body)] = sent(outbox)
    assert to == "ana@example.com"
    assert subject == "Leak found in your live article “Live one”"
    assert "Charlotte drugged Lizzie" in body


def test_two_workers_at_once_on_the_same_renditions_leave_one_set(levels):
    image = Image(alt_text="A hall", credit="Drawn", spoiler_level=levels[0])
    image.file.save("hall.jpg", io.BytesIO(photo()), save=False)
    image.save()  # queues its renditions (no transaction here: at once)
    key = image.rendition_source_key()
    for _ in range(3):  # the same work asked for again: a retry, a double click
        tasks.make_renditions.enqueue(image.pk, key)
    assert len(queued("make_renditions")) == 4

    first, second = worker("--batch"), worker("--batch")
    outputs = [process.communicate(timeout=180)[0] for process in (first, second)]
    assert first.returncode == 0 and second.returncode == 0, outputs

    results = DBTaskResult.objects.values_list("status", "return_value")
    assert {status for status, _ in results} == {"SUCCESSFUL"}, outputs
    assert [value for _, value in results].count("made") == 1
    made = set(Rendition.objects.filter(image=image).values_list("file", flat=True))
    assert made and files_of(image) == made  # no rendition file left over


def test_the_worker_records_a_scheduled_article_going_live_at_its_time(
    client, role_user, make_article
):
    chief = role_user(None)  # (a transactional test: the groups went with the last flush)
    draft = Article.Status.DRAFT
    soon = make_article(sections=[(0, "Intro", "", "Plain.")], status=draft, title="Soon")
    later = make_article(sections=[(0, "Intro", "", "Plain.")], status=draft, title="Later")
    soon_at = timezone.now() + timedelta(seconds=2)
    for article, at in ((soon, soon_at), (later, timezone.now() + timedelta(days=1))):
        change = change_of(article, status=Article.Status.PUBLISHED, published_at=at)
        save_article(change, user=chief)
    assert len(DBTaskResult.objects.filter(task_path="explainers.tasks.go_live")) == 2
    while timezone.now() <= soon_at:  # the clock, not the worker: wait for the time
        time.sleep(0.2)

    output = run_worker()

    went_live = AuditEntry.objects.filter(action="explainers.article.went_live")
    assert [entry.article_id for entry in went_live] == [soon.pk], output
    assert client.get(soon.get_absolute_url()).status_code == 200
    [waiting] = DBTaskResult.objects.filter(status="READY")  # tomorrow's, for tomorrow
    assert waiting.args_kwargs["args"][0] == later.pk
