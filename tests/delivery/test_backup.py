"""Backup and restore as the README describes it: dumpdata, a fresh database, loaddata; the
demo site comes back whole, pages and media references included."""

import io
import json
from pathlib import Path

from django.core.files.storage import default_storage
from django.core.management import call_command

from explainers.models import Article, Citation, Image, Section, Work

# The same command the README gives (keep the two in step).
DUMP_ARGS = [
    "--natural-foreign",
    "--natural-primary",
    "--exclude=contenttypes",
    "--exclude=auth.permission",
    "--exclude=sessions",
    "--exclude=admin.logentry",
    "--exclude=axes",
]


def counts():
    return {
        model.__name__: model.objects.count() for model in (Work, Article, Section, Citation, Image)
    }


def test_dump_and_load_round_trips_the_demo_site(transactional_db, client, settings, tmp_path):
    settings.DEBUG = True  # the demo logins too
    call_command("demo", stdout=io.StringIO())
    article = Article.objects.published().get(slug="the-perfection-ending-explained")
    before_counts = counts()
    before_page = client.get(article.get_absolute_url()).content.decode()
    dump = tmp_path / "backup.json"
    call_command("dumpdata", *DUMP_ARGS, output=str(dump), stdout=io.StringIO())
    assert json.loads(dump.read_text())  # a real, parseable dump

    call_command("flush", interactive=False, stdout=io.StringIO())
    assert counts()["Article"] == 0
    call_command("loaddata", str(dump), stdout=io.StringIO())

    assert counts() == before_counts
    after_page = client.get(article.get_absolute_url()).content.decode()
    assert after_page == before_page
    for image in Image.objects.all():
        assert default_storage.exists(image.file.name), image.file.name
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    assert "dumpdata " + " ".join(DUMP_ARGS) in readme


def test_restoring_a_backup_in_which_an_article_is_retracted_takes_it_down(
    transactional_db, client, settings, make_article, tmp_path, django_capture_on_commit_callbacks
):
    from django.core.cache import cache

    settings.PAGE_CACHE_SECONDS = 300
    cache.clear()
    article = make_article(
        sections=[(0, "Setup", "", "A plain start."), (2, "Twist", "Safe", "The twist.")],
        title="Soon to be withdrawn",
    )
    Article.objects.filter(pk=article.pk).update(status=Article.Status.RETRACTED)
    dump = tmp_path / "backup.json"
    call_command("dumpdata", *DUMP_ARGS, output=str(dump), stdout=io.StringIO())
    with django_capture_on_commit_callbacks(execute=True):
        article.status = Article.Status.PUBLISHED
        article.save()
    # Readers have the live article in every cache: the page, its stored document, the list.
    for _ in range(2):
        assert client.get(article.get_absolute_url()).status_code == 200
        assert "Soon to be withdrawn" in client.get("/").content.decode()

    call_command("loaddata", str(dump), stdout=io.StringIO())

    assert client.get(article.get_absolute_url()).status_code == 410  # gone, as retracted
    assert "Soon to be withdrawn" not in client.get("/").content.decode()
    cache.clear()


def test_resync_after_a_restore_that_sent_no_signals_takes_a_retracted_article_down(
    client, settings, make_article
):
    from django.core.cache import cache

    settings.PAGE_CACHE_SECONDS = 300
    cache.clear()
    article = make_article(sections=[(0, "Setup", "", "A plain start.")], title="Withdrawn later")
    assert "Withdrawn later" in client.get("/").content.decode()
    # What pg_restore does: rows change, no model code runs.
    Article.objects.filter(pk=article.pk).update(status=Article.Status.RETRACTED)
    assert "Withdrawn later" in client.get("/").content.decode()  # the cached list

    call_command("resync", stdout=io.StringIO())

    assert "Withdrawn later" not in client.get("/").content.decode()
    assert client.get(article.get_absolute_url()).status_code == 410
    cache.clear()
