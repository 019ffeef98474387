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
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text()
    assert "dumpdata " + " ".join(DUMP_ARGS) in readme
