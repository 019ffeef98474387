"""Stored article pages (explainers/pages.py): rendered on save, served on read, and never
served out of date, whatever changed. The page cache is off here (test settings), so
every read below goes through the stored page."""

import json
import re

import pytest
from django.core.management import call_command

from explainers import stored_pages
from explainers.models import (
    Article,
    AuditEntry,
    ContentWarning,
    Credit,
    Person,
    ReaderReport,
    Section,
    SpoilerLevel,
    StoredPage,
    WorkPart,
)

SECTIONS = [
    (0, "What kind of film this is", "", "A thriller about a cello prodigy [@interview]."),
    (2, "Charlotte drugged Lizzie", "What happened on the trip", "She drugged her."),
]


@pytest.fixture
def article(make_article):
    return make_article(sections=SECTIONS, citations=["interview"])


def read(client, article):
    response = client.get(article.get_absolute_url())
    assert response.status_code == 200
    return response.content.decode()


def stored(article):
    return StoredPage.objects.get(article=article)


def is_current(article):
    return stored(article).is_current(stored_pages.page_format())


def test_a_page_is_stored_by_its_first_render_and_served_from_then_on(client, article):
    assert not is_current(article)  # made by saves inside a transaction that never commits
    first = read(client, article)
    assert is_current(article)
    page = stored(article)
    assert "Charlotte drugged Lizzie" in page.body and json.loads(page.linked_data)["url"] == (
        article.get_absolute_url()
    )
    # The stored copy is what readers get: change it behind the app's back and see it.
    assert page.document.count("cello prodigy") == 1
    StoredPage.objects.filter(pk=page.pk).update(document=page.document.replace("cello", "oboe"))
    assert "oboe prodigy" in read(client, article)
    assert "cello prodigy" in first


def test_absolute_urls_take_the_readers_origin_not_the_one_it_was_rendered_for(
    client, article, settings
):
    settings.ALLOWED_HOSTS = ["testserver", "mirror.example"]
    read(client, article)
    html = client.get(article.get_absolute_url(), HTTP_HOST="mirror.example").content.decode()
    url = article.get_absolute_url()
    assert f'<link rel="canonical" href="http://mirror.example{url}">' in html
    assert f'"url": "http://mirror.example{url}"' in html
    assert "<origin>" not in html and "testserver" not in html


def test_a_save_that_commits_renders_the_page_before_any_reader_asks(
    article, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        section = article.sections.get(order=1)
        section.heading = "What kind of thriller this is"
        section.save()
    assert is_current(article)
    assert "What kind of thriller this is" in stored(article).body


def test_a_render_racing_with_a_change_is_left_out_of_date(client, article, monkeypatch):
    real_render = stored_pages.render

    def render_then_change(loaded):
        result = real_render(loaded)
        # A moderator's change commits while this worker renders the old data.
        SpoilerLevel.objects.filter(rank=2).update(name="Big twist")
        stored_pages.mark_stale(stored_pages.EVERY_PAGE)
        return result

    monkeypatch.setattr(stored_pages, "render", render_then_change)
    read(client, article)
    assert not is_current(article)
    monkeypatch.setattr(stored_pages, "render", real_render)
    assert "Big twist" in read(client, article)


def test_a_new_release_of_the_templates_makes_every_stored_page_out_of_date(
    client, article, monkeypatch
):
    read(client, article)
    assert is_current(article)
    monkeypatch.setattr(stored_pages, "page_format", lambda: "next-release")
    assert not is_current(article)
    fresh = read(client, article)
    assert stored(article).format == "next-release" and "cello prodigy" in fresh


def _rename_level(article, levels, **_):
    level = levels[2]
    level.name = "Plot twist"
    level.save()
    return "Plot twist"


def _edit_article(article, **_):
    article.dek = "Why the last scene is not what it seems."
    article.save()
    return "Why the last scene is not what it seems."


def _edit_section(article, **_):
    section = article.sections.get(order=1)
    section.heading = "A thriller, then a horror film"
    section.save()
    return "A thriller, then a horror film"


def _add_section(article, levels, **_):
    Section.objects.create(
        article=article, order=3, heading="The last shot", spoiler_level=levels[0], body="x"
    )
    return "The last shot"


def _delete_section(article, **_):
    article.sections.get(order=2).delete()
    return "-Charlotte drugged Lizzie"


def _edit_source(article, **_):
    source = article.citations.get().source
    source.title = "A long talk with the director"
    source.save()
    return "A long talk with the director"


def _edit_citation(article, **_):
    citation = article.citations.get()
    citation.locator = "at 1:32:10"
    citation.save()
    return "at 1:32:10"


def _rename_author(article, **_):
    author = article.authors.get()
    author.last_name = "Ames-Fielding"
    author.save()
    return "Ruth Ames-Fielding"


def _add_author(article, django_user_model, **_):
    article.authors.add(django_user_model.objects.create_user("kh", first_name="Kim Hale"))
    return "Kim Hale"


def _edit_work(article, **_):
    work = article.work
    work.platform = "Cinemas"
    work.save()
    return "Cinemas"


def _add_credit(article, **_):
    person = Person.objects.create(name="Mira Sorvino", slug="mira-sorvino")
    Credit.objects.create(work=article.work, person=person, role=Credit.Role.DIRECTOR)
    return "Mira Sorvino"


def _rename_person(article, **_):
    person = Person.objects.get(slug="richard-shepard")
    person.name = "Richard J. Shepard"
    person.save()
    return "Richard J. Shepard"


def _add_part(article, **_):
    WorkPart.objects.create(work=article.work, label="Act two", position=2)
    return "Act two"


def _rename_warning(article, **_):
    warning = ContentWarning.objects.create(name="Self-harm", slug="self-harm")
    article.sections.get(order=1).content_warnings.add(warning)
    return "Self-harm"


def _warning_from_its_side(article, **_):
    warning = ContentWarning.objects.create(name="Body horror", slug="body-horror")
    warning.sections.add(article.sections.get(order=1))
    return "Body horror"


CHANGES = {
    "article edited": _edit_article,
    "section edited": _edit_section,
    "section added": _add_section,
    "section deleted": _delete_section,
    "source edited": _edit_source,
    "citation edited": _edit_citation,
    "author renamed": _rename_author,
    "author added": _add_author,
    "work edited": _edit_work,
    "credit added": _add_credit,
    "person renamed": _rename_person,
    "work part added": _add_part,
    "spoiler level renamed": _rename_level,
    "warning added to a section": _rename_warning,
    "warning added from its own side": _warning_from_its_side,
}


@pytest.fixture
def with_author_and_director(article, django_user_model):
    author = django_user_model.objects.create_user("ruth", first_name="Ruth", last_name="Ames")
    article.authors.add(author)
    person = Person.objects.create(name="Richard Shepard", slug="richard-shepard")
    Credit.objects.create(work=article.work, person=person, role=Credit.Role.DIRECTOR)
    return article


@pytest.mark.parametrize("change", CHANGES.values(), ids=CHANGES.keys())
def test_every_change_a_page_shows_makes_its_stored_copy_out_of_date(
    change, client, with_author_and_director, levels, django_user_model
):
    article = with_author_and_director
    before = read(client, article)
    assert is_current(article)
    expected = change(article, levels=levels, django_user_model=django_user_model)
    assert not is_current(article)
    after = read(client, article)
    if expected.startswith("-"):
        assert expected[1:] in before and expected[1:] not in after
    else:
        assert expected not in before and expected in after


def test_an_image_credit_and_new_renditions_reach_the_pages_showing_it(client, article, make_image):
    image = make_image(rank=0)
    article.hero_image = image
    article.save()
    read(client, article)
    image.credit = "Still courtesy of Netflix"
    image.save()
    assert "Still courtesy of Netflix" in read(client, article)
    old = {r.file.name for r in image.renditions.all()}
    image.focal_x, image.focal_y = 0.1, 0.9  # new crops, written without signals
    image.save()
    new = {r.file.name for r in image.renditions.all()}
    assert old != new
    html = read(client, article)
    assert any(name in html for name in new)
    assert not any(name in html for name in old)


def test_a_deleted_image_leaves_the_pages_that_showed_it(client, article, make_image):
    image = make_image(rank=0)
    article.hero_image = image
    article.save()
    names = [r.file.name for r in image.renditions.all()]
    assert any(name in read(client, article) for name in names)
    image.delete()  # the article's hero_image is emptied first, without a signal
    html = read(client, article)
    assert not any(name in html for name in names) and '<figure class="hero">' not in html


def test_a_sign_in_leaves_its_authors_pages_alone(client, article, django_user_model):
    author = django_user_model.objects.create_user("ruth")
    article.authors.add(author)
    read(client, article)
    client.force_login(author)  # writes last_login
    assert is_current(article)


def test_changes_no_page_shows_leave_stored_pages_alone(client, article, django_user_model):
    read(client, article)
    ReaderReport.objects.create(article=article, details="the heading spoiled it")
    AuditEntry.objects.create(article=article, action="note", comment="x")
    assert is_current(article)


def test_build_pages_renders_every_out_of_date_page(article, make_article, capsys):
    second = make_article(sections=SECTIONS)
    call_command("build_pages")
    assert "2 article pages rendered." in capsys.readouterr().out
    assert is_current(article) and is_current(second)
    call_command("build_pages")
    assert "0 article pages rendered." in capsys.readouterr().out


def test_a_deleted_article_takes_its_stored_page_with_it(client, article):
    read(client, article)
    article.delete()
    assert not StoredPage.objects.exists()
    assert client.get(article.get_absolute_url()).status_code == 404


def related_titles(html):
    if 'id="related-heading"' not in html:
        return []
    part = html.split('id="related-heading"', 1)[1]
    return re.findall(r'class="teaser__title"><a href="[^"]*">([^<]*)</a>', part)


def test_related_reading_in_a_stored_page_follows_other_articles(
    client, article, make_article, django_user_model
):
    assert related_titles(read(client, article)) == []
    sibling = make_article(title="Another look at the ending")
    assert related_titles(read(client, article)) == ["Another look at the ending"]
    sibling.title = "Another look at the last scene"
    sibling.save()
    assert related_titles(read(client, article)) == ["Another look at the last scene"]
    sibling.status = Article.Status.RETRACTED
    sibling.save()
    assert related_titles(read(client, article)) == []
    # Picked by the editors, from another work that shares nobody with this one.
    other = make_article(title="A different film entirely")
    other.work = _another_work()
    other.save()
    assert related_titles(read(client, article)) == []
    article.related.add(other)
    assert related_titles(read(client, article)) == ["A different film entirely"]
    # Sharing a person makes another work's explainers kin.
    article.related.clear()
    person = Person.objects.create(name="Mary Lynn Rajskub", slug="mlr")
    Credit.objects.create(work=article.work, person=person, role=Credit.Role.CAST)
    assert related_titles(read(client, article)) == []
    Credit.objects.create(work=other.work, person=person, role=Credit.Role.CAST)
    assert related_titles(read(client, article)) == ["A different film entirely"]


def _another_work():
    from explainers.models import Work

    return Work.objects.create(kind=Work.Kind.SERIES, title="Another", slug="another-work")


def test_a_stored_page_is_rendered_again_when_the_clock_changes_it(
    client, article, make_article, levels, monkeypatch
):
    from datetime import timedelta

    from django.utils import timezone

    # Noon today: run within two hours of midnight, "soon" fell after the window's end.
    noon = timezone.now().replace(hour=12, minute=0, second=0, microsecond=0)
    monkeypatch.setattr(timezone, "now", lambda: noon)
    monkeypatch.setattr(timezone, "localdate", lambda *a, **k: noon.date())
    soon = noon + timedelta(hours=2)
    make_article(title="Goes live in two hours", published_at=soon)
    work = article.work
    work.release_date = noon.date() - timedelta(days=10)
    work.spoiler_window_days = 11  # ends tomorrow; then sections open up to "Setup"
    work.relaxed_tolerance = levels[1]
    work.save()
    html = read(client, article)
    assert related_titles(html) == [] and 'data-default-tolerance="0"' in html
    assert stored(article).valid_until == soon
    later = timezone.now() + timedelta(days=2)
    monkeypatch.setattr(timezone, "now", lambda: later)
    monkeypatch.setattr(timezone, "localdate", lambda *a, **k: later.date())
    html = read(client, article)
    assert related_titles(html) == ["Goes live in two hours"]
    assert 'data-default-tolerance="1"' in html
    assert stored(article).valid_until is None
