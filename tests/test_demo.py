"""The ``demo`` management command: the content it promises, and that it is idempotent."""

import io
import re

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.management import call_command
from PIL import Image as PILImage

from explainers import permissions
from explainers.models import (
    Article,
    Citation,
    ContentWarning,
    Image,
    Section,
    Source,
    SpoilerLevel,
    Work,
)

pytestmark = pytest.mark.django_db

PERFECTION = "the-perfection"


def run_demo():
    out = io.StringIO()
    call_command("demo", stdout=out)
    return out.getvalue()


def perfection_explainers():
    return Article.objects.filter(work__slug=PERFECTION, status=Article.Status.PUBLISHED)


def row_counts():
    """Rows in every table of our app and of auth, including many-to-many tables."""
    models = [
        model
        for model in apps.get_models(include_auto_created=True)
        if model._meta.app_label in {"explainers", "auth"}
    ]
    return {model._meta.label: model.objects.count() for model in models}


def test_the_perfection_gets_two_published_explainers_with_ten_sections_on_every_level():
    run_demo()
    work = Work.objects.get(slug=PERFECTION)
    assert work.kind == Work.Kind.FILM
    assert work.year == 2019
    assert str(work.release_date) == "2019-05-24"
    assert work.platform == "Netflix"
    assert perfection_explainers().count() == 2
    sections = Section.objects.filter(article__in=perfection_explainers())
    assert sections.count() >= 10
    assert set(sections.values_list("spoiler_level__rank", flat=True)) == {0, 1, 2, 3}


def test_the_perfection_has_its_credits_and_ends_with_the_duet_chapter():
    run_demo()
    work = Work.objects.get(slug=PERFECTION)
    assert [credit.person.name for credit in work.directors] == ["Richard Shepard"]
    assert [credit.person.name for credit in work.writers] == [
        "Richard Shepard",
        "Eric C. Charmelo",
        "Nicole Snyder",
    ]
    cast = {credit.person.name: credit.character_name for credit in work.cast}
    assert cast["Allison Williams"] == "Charlotte Willmore"
    assert cast["Steven Weber"] == "Anton"
    assert work.parts.order_by("position").last().label == "The final chapter"


def test_every_spoiler_section_has_a_safe_heading_and_says_how_far_it_reveals():
    run_demo()
    spoilers = Section.objects.filter(spoiler_level__rank__gt=0)
    assert spoilers.exists()
    for section in spoilers:
        assert section.safe_heading.strip(), section.heading
        assert section.safe_heading != section.heading
    perfection_spoilers = spoilers.filter(article__in=perfection_explainers())
    assert all(section.reveals_through_id for section in perfection_spoilers)


def test_sections_are_rendered_with_numbered_citations_and_inline_spoilers():
    run_demo()
    for section in Section.objects.all():
        assert section.body_html, section.heading
        assert '<sup class="cite"' in section.body_html, section.heading
        assert "cite--unknown" not in section.body_html
    lower_level_with_inline_spoiler = Section.objects.filter(
        article__in=perfection_explainers(),
        spoiler_level__rank__lt=3,
        body_html__contains='<span class="spoiler"',
    )
    assert lower_level_with_inline_spoiler.exists()
    assert not Citation.objects.filter(number__isnull=True).exists()


def test_the_perfection_explainers_cite_six_sources_including_the_film_at_its_duet_chapter():
    run_demo()
    citations = Citation.objects.filter(article__in=perfection_explainers())
    assert citations.count() >= 6
    kinds = set(citations.values_list("source__kind", flat=True))
    assert {Source.Kind.INTERVIEW, Source.Kind.ARTICLE, Source.Kind.WORK} <= kinds
    duet = citations.filter(source__kind=Source.Kind.WORK, locator__icontains="Duet")
    assert duet.exists()
    assert all(citation.source.work.slug == PERFECTION for citation in duet)
    # cited only from Ending sections, so its note stays hidden until revealed
    assert set(duet.values_list("spoiler_rank", flat=True)) == {3}


def test_no_demo_source_pretends_to_be_a_real_outlet_or_a_verbatim_quote():
    run_demo()
    for source in Source.objects.exclude(url=""):
        assert source.url.startswith("https://example.org/"), source.url
    for citation in Citation.objects.exclude(quotation=""):
        assert citation.quotation.lower().startswith("paraphrase"), citation.quotation


def test_the_demo_draws_at_least_three_images_and_only_spoiler_free_ones_lead():
    run_demo()
    images = Image.objects.all()
    assert images.count() >= 3
    assert images.filter(spoiler_level__rank__gt=0).exists()
    for image in images:
        assert image.alt_text and image.credit and image.caption
        with image.file.open("rb") as handle, PILImage.open(handle) as picture:
            assert picture.format == "JPEG"
            assert picture.size == (1600, 900)
    for article in Article.objects.all():
        assert article.hero_image is not None, article.slug
        assert article.hero_image.spoiler_level.rank == 0, article.slug
    for work in Work.objects.all():
        assert work.poster.spoiler_level.rank == 0, work.slug


def test_section_images_never_spoil_more_than_their_section():
    run_demo()
    with_images = Section.objects.exclude(image=None).select_related(
        "image__spoiler_level", "spoiler_level"
    )
    assert with_images.filter(image__spoiler_level__rank__gt=0).exists()
    for section in with_images:
        assert section.image.spoiler_level.rank <= section.spoiler_level.rank


def test_content_warnings_that_give_away_the_twist_are_marked_as_spoilers():
    run_demo()
    assert ContentWarning.objects.count() >= 7
    spoiler_warnings = set(
        ContentWarning.objects.filter(is_spoiler=True).values_list("slug", flat=True)
    )
    assert {"sexual-abuse", "self-mutilation", "drugging"} <= spoiler_warnings
    abuse_sections = Section.objects.filter(content_warnings__slug="sexual-abuse")
    assert abuse_sections.exists()
    assert all(section.spoiler_level.rank >= 2 for section in abuse_sections)


def test_titles_and_deks_stay_spoiler_free():
    run_demo()
    giveaways = re.compile(
        r"\b(duet|abuse|raped?|tattoo|poison\w*|drugg\w*|her hand|cuts? off|bunker)\b"
    )
    for article in Article.objects.all():
        safe_text = f"{article.title} {article.dek}".lower()
        assert not giveaways.search(safe_text), (article.slug, giveaways.search(safe_text))


def test_other_works_get_a_short_explainer_and_the_perfection_a_draft():
    run_demo()
    others = Work.objects.exclude(slug=PERFECTION)
    assert others.count() >= 3
    for work in others:
        article = work.articles.get()
        assert article.is_published()
        assert 2 <= article.sections.count() <= 4
        assert article.sections.filter(spoiler_level__rank__gt=0).exists()
    draft = Article.objects.get(work__slug=PERFECTION, status=Article.Status.DRAFT)
    assert draft.published_at is None
    assert draft not in Article.objects.published()


def test_published_dates_are_in_the_past_and_a_few_days_apart():
    run_demo()
    dates = list(perfection_explainers().values_list("published_at", flat=True))
    assert all(Article.objects.published().filter(published_at=date) for date in dates)
    assert len(set(dates)) == 2


def test_running_the_demo_twice_creates_no_duplicates_and_changes_nothing(settings):
    settings.DEBUG = True
    run_demo()
    first = row_counts()
    updated_at = dict(Article.objects.values_list("slug", "updated_at"))
    second_output = run_demo()
    assert row_counts() == first
    assert dict(Article.objects.values_list("slug", "updated_at")) == updated_at
    assert "nothing to change" in second_output


def test_with_debug_on_the_demo_creates_logins_with_the_right_permissions(settings):
    settings.DEBUG = True
    output = run_demo()
    assert "Demo logins" in output
    User = get_user_model()
    editor = User.objects.get(username="editor")
    moderator = User.objects.get(username="moderator")
    admin = User.objects.get(username="admin")
    assert editor.check_password("editor-demo-pass")
    assert moderator.check_password("moderator-demo-pass")
    assert admin.check_password("admin-demo-pass")
    assert editor.is_staff and not editor.is_superuser
    assert editor.has_perms(
        ["explainers.add_article", "explainers.delete_citation", "explainers.change_image"]
    )
    assert editor.has_perm("explainers.view_spoilerlevel")
    assert not editor.has_perm("explainers.change_spoilerlevel")
    assert moderator.has_perms(["explainers.add_spoilerlevel", "explainers.change_contentwarning"])
    assert moderator.has_perms(["explainers.change_article", "explainers.override_leak_check"])
    assert not moderator.has_perm("explainers.delete_article")
    assert admin.is_superuser and admin.is_staff
    assert permissions.may_preview(editor)
    for article in perfection_explainers():
        assert editor in article.authors.all()
    assert editor.get_full_name()


def test_a_second_run_resets_a_changed_demo_password(settings):
    settings.DEBUG = True
    run_demo()
    editor = get_user_model().objects.get(username="editor")
    editor.set_password("something-else-entirely")
    editor.save()
    run_demo()
    editor.refresh_from_db()
    assert editor.check_password("editor-demo-pass")


def test_with_debug_off_the_demo_creates_no_logins(settings):
    settings.DEBUG = False
    output = run_demo()
    assert not get_user_model().objects.exists()
    assert "no demo logins" in output
    assert Article.objects.exists()


def test_a_flushed_ladder_is_reseeded_without_overwriting_a_moderators_wording():
    SpoilerLevel.objects.filter(rank__gte=2).delete()
    SpoilerLevel.objects.filter(rank=1).update(name="Premise")
    run_demo()
    ladder = dict(SpoilerLevel.objects.values_list("rank", "name"))
    assert ladder == {0: "Spoiler-free", 1: "Premise", 2: "Twist", 3: "Ending"}


def test_demo_keeps_spoiler_terms_for_the_perfection_and_its_articles_leak_none(db):
    from explainers.leaks import check_saved_article
    from explainers.models import SpoilerTerm

    call_command("demo", stdout=io.StringIO())
    phrases = set(
        SpoilerTerm.objects.filter(work__slug="the-perfection").values_list("phrase", flat=True)
    )
    assert {"cuts off her hand", "Duet"} <= phrases
    for article in Article.objects.all():
        report = check_saved_article(article)
        assert not report.leaks, (article.slug, report.messages)


def test_demo_leaves_open_reader_reports_on_published_articles_for_the_queue(settings):
    from explainers.models import ReaderReport

    settings.DEBUG = True
    run_demo()
    open_reports = ReaderReport.objects.open()
    assert open_reports.count() >= 3
    assert all(report.article.is_published() for report in ReaderReport.objects.all())
    assert all(
        report.section is None or report.section.article_id == report.article_id
        for report in ReaderReport.objects.all()
    )
    closed = ReaderReport.objects.exclude(status=ReaderReport.Status.OPEN)
    assert closed.exists() and all(report.resolved_by for report in closed)
