"""The demo's content files: every one parses and names only what exists, a broken one is
refused with its file and line, and the running site never imports the demo package."""

import io
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from explainers.demo import files
from explainers.models import SpoilerLevel, Work

ROOT = Path(__file__).resolve().parent.parent


def test_every_content_file_is_read_and_every_name_in_it_resolves():
    content = files.read()
    on_disk = {
        path.relative_to(files.CONTENT_DIR).as_posix()
        for path in files.CONTENT_DIR.rglob("*")
        if path.is_file()
    }
    read = {f"works/{slug}.toml" for slug in content.works} | {
        f"articles/{slug}.md" for slug in content.articles
    }
    assert {name for name in on_disk if "/" in name} == read
    assert len(content.articles) == 8 and len(content.works) == 6
    for slug, article in content.articles.items():
        work = content.works[article["work"]]
        assert article["hero_image"] in content.images, slug
        for citation in article["citations"]:
            assert citation["source"] == "work" or citation["source"] in content.sources
        for section in article["sections"]:
            assert section["level"] in content.levels, (slug, section["heading"])
            assert set(section["warnings"]) <= set(content.warnings)
            assert section["part"] is None or section["part"] <= len(work["parts"])
            assert section["image"] is None or section["image"] in content.images
        assert set(article["authors"]) <= set(content.logins)
        assert set(article["related"]) <= set(content.articles)


@pytest.mark.django_db
def test_the_levels_the_files_name_are_the_ladder_the_migrations_make():
    assert set(files.read().levels.values()) == set(
        SpoilerLevel.objects.values_list("rank", flat=True)
    )


def edited_copy(tmp_path, name, old, new):
    """A copy of the content folder with one replacement made in one file."""
    root = tmp_path / "content"
    shutil.copytree(files.CONTENT_DIR, root)
    path = root / name
    text = path.read_text()
    assert old in text, (name, old)
    path.write_text(text.replace(old, new, 1))
    line = text[: text.index(old)].count("\n") + 1
    return root, line


SHEPARD = "articles/richard-shepard-on-the-perfection.md"
BREAKAGES = {
    "invalid TOML": (SHEPARD, 'status = "published"', "status = published", "not valid TOML"),
    "unknown work": (SHEPARD, 'work = "the-perfection"', 'work = "the-perfektion"', "work"),
    "unknown key": (SHEPARD, "safe_heading = ", "safe_headng = ", "unknown key 'safe_headng'"),
    "unknown level": (SHEPARD, 'level = "twist"', 'level = "midpoint"', "'midpoint' is not"),
    "unknown source": (
        SHEPARD,
        'source = "shepard-interview"',
        'source = "shepard-intervew"',
        "'shepard-intervew'",
    ),
    "part past the end": (SHEPARD, "part = 4", "part = 5", "part 5 is not one of the 4"),
    "image spoils more": (
        "articles/the-perfection-ending-explained.md",
        'image = "rehearsal-room"',
        'image = "shared-cello"',
        "spoils more",
    ),
    "uncited key": (SHEPARD, "[@film-opening]", "[@film-openin]", "[@film-openin] names no"),
    "unknown warning": (SHEPARD, '"drugging", ', '"drugs", ', "'drugs'"),
    "kind of work": ("works/severance.toml", 'kind = "series"', 'kind = "show"', "'show'"),
    "image level": ("images.toml", 'level = "spoiler-free"', 'level = "none"', "'none'"),
    "no safe heading": (
        SHEPARD,
        'safe_heading = "Where the story begins"',
        'safe_heading = ""',
        "needs a safe_heading",
    ),
    "stray text": (SHEPARD, "+++\n\n+++ section", "+++\nHello\n+++ section", "text before"),
}


@pytest.mark.parametrize("case", BREAKAGES, ids=list(BREAKAGES))
def test_a_broken_file_is_refused_with_its_name_and_line(tmp_path, case):
    name, old, new, says = BREAKAGES[case]
    root, line = edited_copy(tmp_path, name, old, new)
    if case == "stray text":
        line += 1  # the text sits on the line after the front matter closes
    with pytest.raises(files.DemoContentError) as refused:
        files.read(root)
    assert refused.value.path == root / name
    assert refused.value.line == line, str(refused.value)
    assert f"{name}:{line}: " in str(refused.value)
    assert says in str(refused.value)


def test_a_missing_file_is_named(tmp_path):
    root, _ = edited_copy(tmp_path, "sources.toml", "[source.", "[source.")
    (root / "sources.toml").unlink()
    with pytest.raises(files.DemoContentError, match=r"sources.toml:1: this file is missing"):
        files.read(root)


@pytest.mark.django_db
def test_the_command_refuses_a_broken_file_before_writing_anything(tmp_path):
    root, line = edited_copy(tmp_path, SHEPARD, "part = 4", "part = 7")
    with pytest.raises(CommandError, match=rf"{SHEPARD}:{line}: part 7 is not one"):
        call_command("demo", content=str(root), stdout=io.StringIO())
    assert not Work.objects.exists()


def test_from_the_command_line_a_broken_file_gives_a_message_not_a_traceback(tmp_path):
    root, line = edited_copy(tmp_path, "works/get-out.toml", "year = 2017", "year = 2017x")
    environment = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "editorial.test_settings",
        "DATABASE_URL": f"sqlite:///{tmp_path}/db.sqlite3",
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "demo", "--content", str(root)],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert f"CommandError: {root / 'works/get-out.toml'}:{line}: not valid TOML" in result.stderr


def test_the_running_site_never_imports_the_demo_package():
    """The site, its admin and its URLs load without the demo loader or its drawings."""
    script = (
        "import sys\n"
        "from editorial.wsgi import application\n"
        "from django.conf import settings\n"
        "from django.urls import get_resolver\n"
        "get_resolver(settings.ROOT_URLCONF).url_patterns\n"
        "print(sorted(m for m in sys.modules if m.startswith('explainers.demo')"
        " or m.endswith('commands.demo')))\n"
    )
    environment = {**os.environ, "DJANGO_SETTINGS_MODULE": "editorial.test_settings"}
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


@pytest.mark.django_db
def test_an_edited_file_rewrites_only_its_explainer_and_adds_one_revision(tmp_path):
    from explainers.models import Article, Section
    from explainers.revisions import versions_of

    call_command("demo", stdout=io.StringIO())
    revisions = {article.slug: len(versions_of(article)) for article in Article.objects.all()}
    assert set(revisions.values()) == {1}  # each explainer's history starts with the load
    old = "Two voices"
    root, _ = edited_copy(tmp_path, "articles/gone-girl-twist-explained.md", old, "Two narrators")

    output = io.StringIO()
    call_command("demo", content=str(root), stdout=output)

    assert "Section: 0 created, 1 updated" in output.getvalue()
    assert Section.objects.filter(heading="Two narrators").count() == 1
    assert not Section.objects.filter(heading=old).exists()
    for article in Article.objects.all():
        expected = revisions[article.slug] + (article.slug == "gone-girl-twist-explained")
        assert len(versions_of(article)) == expected, article.slug
