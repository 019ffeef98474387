"""The editorial admin, driven through its real views with real POST data.

Articles are written in one form with two inlines (sections and citations); the
section formset checks what readers will meet before anything is saved.
"""

import io
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth.models import Permission
from django.contrib.messages import WARNING
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image as PILImage

from explainers.models import Article, Citation, ContentWarning, Image, Section, Source
from tests.support.admin_forms import (
    ADD_URL,
    CHANGELIST_URL,
    IMAGE_ADD_URL,
    article_post,
    citation_row,
    errors_in,
    page_text,
    section_row,
)
from tests.support.images import image_bytes

CITE_RE = re.compile(r'<sup class="cite"[^>]*><a href="#note-(\d+)"[^>]*>(\d+)</a></sup>')


# --- building the admin's POST data ----------------------------------------------------


def media_files():
    root = Path(settings.MEDIA_ROOT)
    return {path for path in root.rglob("*") if path.is_file()}


def png_bytes_noisy(size=(200, 150), fmt="PNG"):
    """An image whose pixel data is large enough that cutting it short truncates it."""
    buffer = io.BytesIO()
    PILImage.effect_noise(size, 80).convert("RGB").save(buffer, fmt)
    return buffer.getvalue()


@pytest.fixture
def second_source(db):
    return Source.objects.create(
        kind=Source.Kind.REVIEW, title="A review of the film", author="A. Critic"
    )


@pytest.fixture
def warning(db):
    return ContentWarning.objects.create(name="Self-harm", slug="self-harm")


def three_sections(levels, warning=None):
    return [
        section_row(
            levels[0],
            "What kind of film this is",
            "A thriller about a cello prodigy [@film], as the director says [@interview].",
            order=1,
        ),
        section_row(
            levels[2],
            "Charlotte drugged Lizzie",
            "On the bus, ||Charlotte drugged Lizzie|| with her mother's pills [@interview].",
            safe_heading="What really happened on the trip",
            order=2,
            warnings=[warning] if warning else (),
        ),
        section_row(
            levels[3],
            "The two women share one cello",
            "They play together in the final image [@film].\n\n<script>alert('owned')</script>",
            safe_heading="What the final scene means",
            order=3,
        ),
    ]


# --- creating an article ------------------------------------------------------------


def test_editor_can_create_an_article_with_sections_and_citations_through_the_admin(
    senior_editor, senior_client, work, levels, source, second_source, warning
):
    assert not senior_editor.is_superuser
    data = article_post(
        work,
        status="published",
        published_at=("2024-05-01", "10:00:00"),
        sections=three_sections(levels, warning),
        # Listed in the inline as interview, film: numbers must follow first use instead.
        citations=[
            citation_row("interview", source, locator="00:12:30"),
            citation_row("film", second_source),
        ],
    )

    response = senior_client.post(ADD_URL, data, follow=True)

    assert response.status_code == 200
    assert response.redirect_chain, errors_in(response)
    assert response.redirect_chain[0][0] == CHANGELIST_URL
    article = Article.objects.get(slug="the-perfection-ending-explained")
    assert article.title == "The Perfection’s ending, explained"
    assert article.work == work
    assert article.status == Article.Status.PUBLISHED
    assert article.published_at.isoformat().startswith("2024-05-01T10:00:00")
    assert article.is_published()

    sections = list(article.sections.order_by("order"))
    assert [(s.order, s.spoiler_level.rank) for s in sections] == [(1, 0), (2, 2), (3, 3)]
    assert [s.safe_heading for s in sections] == [
        "",
        "What really happened on the trip",
        "What the final scene means",
    ]
    assert list(sections[1].content_warnings.all()) == [warning]

    citations = {c.key: c for c in article.citations.all()}
    assert set(citations) == {"interview", "film"}
    assert citations["interview"].source == source
    assert citations["interview"].locator == "00:12:30"
    # Numbered by first use: "film" is cited first in section 1.
    assert citations["film"].number == 1
    assert citations["interview"].number == 2
    # A note is as much a spoiler as the most revealing section citing it: "film" is
    # also cited from the Ending section.
    assert citations["film"].spoiler_rank == 3
    assert citations["interview"].spoiler_rank == 2  # also cited from the Twist section


def test_created_sections_are_rendered_with_numbered_citations_spoilers_and_no_script(
    senior_client, work, levels, source, second_source
):
    data = article_post(
        work,
        sections=three_sections(levels),
        citations=[citation_row("interview", source), citation_row("film", second_source)],
    )

    response = senior_client.post(ADD_URL, data)

    assert response.status_code == 302, errors_in(response)
    first, twist, ending = Article.objects.get().sections.order_by("order")
    # [@film] then [@interview] in section 1: 1 then 2.
    assert CITE_RE.findall(first.body_html) == [("1", "1"), ("2", "2")]
    # Reusing "interview" in section 2 reuses its number.
    assert CITE_RE.findall(twist.body_html) == [("2", "2")]
    assert 'id="cite-ref-2-2"' in twist.body_html
    # Reusing "film" in section 3 reuses number 1.
    assert CITE_RE.findall(ending.body_html) == [("1", "1")]
    assert 'id="cite-ref-1-2"' in ending.body_html
    assert '<span class="spoiler"' in twist.body_html
    assert ">Charlotte drugged Lizzie</span>" in twist.body_html
    assert "||" not in twist.body_html
    assert "They play together in the final image" in ending.body_html
    assert "<script" not in ending.body_html
    assert "alert(" not in ending.body_html
    assert "[@" not in first.body_html + twist.body_html + ending.body_html


def test_sections_left_at_order_zero_are_placed_in_the_order_they_are_listed(
    senior_client, work, levels
):
    rows = [
        section_row(levels[0], "First", "One.", order="0"),
        section_row(levels[1], "Second", "Two.", safe_heading="Safe two", order="0"),
    ]

    response = senior_client.post(ADD_URL, article_post(work, sections=rows))

    assert response.status_code == 302, errors_in(response)
    saved = Article.objects.get().sections.order_by("order")
    assert [(s.order, s.heading) for s in saved] == [(1, "First"), (2, "Second")]


# --- what the section formset refuses -------------------------------------------------


def test_section_marked_twist_without_safe_heading_is_refused_with_a_message_naming_it(
    senior_client, work, levels
):
    rows = [
        section_row(levels[0], "What kind of film this is", "A thriller.", order=1),
        section_row(levels[2], "Charlotte drugged Lizzie", "On the bus.", order=2),
    ]

    response = senior_client.post(ADD_URL, article_post(work, sections=rows))

    assert response.status_code == 200
    assert (
        "Section 2 (“Charlotte drugged Lizzie”) is marked Twist but has no safe heading"
        in page_text(response)
    )
    assert not Article.objects.exists()
    assert not Section.objects.exists()


def test_safe_heading_of_only_spaces_counts_as_missing(senior_client, work, levels):
    rows = [section_row(levels[3], "They share a cello", "End.", safe_heading="   ", order=1)]

    response = senior_client.post(ADD_URL, article_post(work, sections=rows))

    assert response.status_code == 200
    assert "Section 1 (“They share a cello”) is marked Ending but has no safe heading" in page_text(
        response
    )
    assert not Article.objects.exists()


def test_unknown_citation_key_is_refused_with_a_message_naming_key_and_section(
    senior_client, work, levels, source
):
    rows = [section_row(levels[0], "Intro", "As the director said [@shepard].", order=1)]

    response = senior_client.post(
        ADD_URL, article_post(work, sections=rows, citations=[citation_row("film", source)])
    )

    assert response.status_code == 200
    assert "Unknown citation key 'shepard' in section 1" in page_text(response)
    assert not Article.objects.exists()
    assert not Section.objects.exists()
    assert not Citation.objects.exists()


def test_citation_key_defined_in_the_same_submission_is_accepted(
    senior_client, work, levels, source
):
    rows = [section_row(levels[0], "Intro", "As the director said [@shepard].", order=1)]

    response = senior_client.post(
        ADD_URL, article_post(work, sections=rows, citations=[citation_row("shepard", source)])
    )

    assert response.status_code == 302, errors_in(response)
    article = Article.objects.get()
    assert article.citations.get().key == "shepard"
    assert CITE_RE.findall(article.sections.get().body_html) == [("1", "1")]


def test_new_citation_row_marked_delete_no_longer_counts_as_defined(
    senior_client, work, levels, source
):
    rows = [section_row(levels[0], "Intro", "As the director said [@shepard].", order=1)]
    citations = [citation_row("shepard", source, delete=True)]

    response = senior_client.post(ADD_URL, article_post(work, sections=rows, citations=citations))

    assert response.status_code == 200
    assert "Unknown citation key 'shepard' in section 1" in page_text(response)
    assert not Article.objects.exists()


def test_existing_citation_marked_delete_while_still_cited_is_refused_and_kept(
    senior_client, make_article, work, levels, source
):
    article = make_article(sections=[(0, "Intro", "", "Quoted [@shepard].")], citations=["shepard"])
    section = article.sections.get()
    citation = article.citations.get()
    data = article_post(
        work,
        title=article.title,
        slug=article.slug,
        status=article.status,
        article=article,
        sections=[section_row(levels[0], "Intro", section.body, order=1, pk=section.pk)],
        citations=[citation_row("shepard", source, pk=citation.pk, delete=True)],
        initial_sections=1,
        initial_citations=1,
    )

    response = senior_client.post(f"/admin/explainers/article/{article.pk}/change/", data)

    assert response.status_code == 200
    assert "Unknown citation key 'shepard' in section 1" in page_text(response)
    assert Citation.objects.filter(pk=citation.pk).exists()
    article.refresh_from_db()
    assert article.status == Article.Status.PUBLISHED


def test_the_same_citation_key_twice_in_one_submission_is_refused_not_a_server_error(
    senior_client, work, levels, source, second_source
):
    rows = [section_row(levels[0], "Intro", "Cited [@film].", order=1)]
    citations = [citation_row("film", source), citation_row("film", second_source)]

    response = senior_client.post(ADD_URL, article_post(work, sections=rows, citations=citations))

    assert response.status_code == 200
    assert "Please correct the duplicate data for key" in page_text(response)
    assert not Article.objects.exists()
    assert not Citation.objects.exists()


def test_unused_citation_is_saved_with_a_warning_message(senior_client, work, levels, source):
    rows = [section_row(levels[0], "Intro", "Nothing cited here [@film].", order=1)]
    citations = [citation_row("film", source), citation_row("shepard", source)]

    response = senior_client.post(
        ADD_URL, article_post(work, sections=rows, citations=citations), follow=True
    )

    assert response.redirect_chain, errors_in(response)
    article = Article.objects.get()
    assert set(article.citations.values_list("key", flat=True)) == {"film", "shepard"}
    assert article.citations.get(key="shepard").number is None
    warnings = [str(m) for m in response.context["messages"] if m.level == WARNING]
    assert len(warnings) == 1
    assert warnings[0].startswith("Citation 'shepard' is not cited in any section")
    assert "Citation 'shepard' is not cited in any section" in page_text(response)
    assert "Citation 'film' is not cited" not in page_text(response)


def test_article_whose_citations_are_all_used_gets_no_unused_warning(
    senior_client, work, levels, source
):
    rows = [section_row(levels[0], "Intro", "Cited [@film].", order=1)]

    response = senior_client.post(
        ADD_URL,
        article_post(work, sections=rows, citations=[citation_row("film", source)]),
        follow=True,
    )

    assert response.redirect_chain
    assert "is not cited in any section" not in page_text(response)


def test_hero_image_above_level_zero_is_refused_and_nothing_is_saved(
    senior_client, work, levels, make_image
):
    twist_still = make_image(rank=2, alt="The bus scene")
    rows = [section_row(levels[0], "Intro", "Safe.", order=1)]

    response = senior_client.post(
        ADD_URL, article_post(work, hero_image=twist_still.pk, sections=rows)
    )

    assert response.status_code == 200
    # limit_choices_to (rank 0) takes the image out of the choices; the field's own
    # refusal says why.
    errors = response.context["adminform"].form.errors
    assert "hero_image" in errors
    assert "must be spoiler-free (level 0)" in errors["hero_image"][0]
    assert "must be spoiler-free (level 0)" in page_text(response)
    assert not Article.objects.exists()
    assert not Section.objects.exists()


def test_spoiler_free_hero_image_is_accepted(senior_client, work, levels, make_image):
    poster = make_image(rank=0, alt="A concert hall")
    rows = [section_row(levels[0], "Intro", "Safe.", order=1)]

    response = senior_client.post(ADD_URL, article_post(work, hero_image=poster.pk, sections=rows))

    assert response.status_code == 302, errors_in(response)
    assert Article.objects.get().hero_image == poster


def test_hero_image_autocomplete_offers_only_spoiler_free_images(senior_client, make_image):
    poster = make_image(rank=0, alt="Concert hall at night")
    make_image(rank=3, alt="Concert hall at the end")

    response = senior_client.get(
        "/admin/autocomplete/",
        {
            "app_label": "explainers",
            "model_name": "article",
            "field_name": "hero_image",
            "term": "Concert hall",
        },
    )

    assert response.status_code == 200
    ids = [result["id"] for result in response.json()["results"]]
    assert ids == [str(poster.pk)]


def test_section_image_above_the_sections_level_is_refused_with_a_message_naming_it(
    senior_client, work, levels, make_image
):
    ending_still = make_image(rank=3, alt="The final image")
    rows = [
        section_row(levels[0], "Intro", "Safe.", order=1),
        section_row(
            levels[2],
            "The bus",
            "On the bus.",
            safe_heading="What happened on the trip",
            image=ending_still.pk,
            order=2,
        ),
    ]

    response = senior_client.post(ADD_URL, article_post(work, sections=rows))

    assert response.status_code == 200
    text = page_text(response)
    assert "The image in section 2" in text
    assert "is marked Ending, above the section's level (Twist)" in text
    assert not Article.objects.exists()
    assert not Section.objects.exists()


def test_section_image_error_quotes_the_heading_as_the_editor_typed_it(
    senior_client, work, levels, make_image
):
    ending_still = make_image(rank=3, alt="The final image")
    rows = [
        section_row(
            levels[1],
            "Lizzie At The Academy",
            "Setup.",
            safe_heading="The premise",
            image=ending_still.pk,
            order=1,
        ),
    ]

    response = senior_client.post(ADD_URL, article_post(work, sections=rows))

    assert response.status_code == 200
    found = set(re.findall(r"The image in section 1 [^<]*", page_text(response)))
    assert found, errors_in(response)
    for message in found:
        assert message.startswith("The image in section 1 (“Lizzie At The Academy”) is marked"), (
            message
        )


def test_section_image_at_or_below_the_sections_level_is_accepted(
    senior_client, work, levels, make_image
):
    setup_still = make_image(rank=1, alt="The academy")
    rows = [
        section_row(
            levels[2],
            "The bus",
            "On the bus.",
            safe_heading="The trip",
            image=setup_still.pk,
            order=1,
        )
    ]

    response = senior_client.post(ADD_URL, article_post(work, sections=rows))

    assert response.status_code == 302, errors_in(response)
    assert Section.objects.get().image == setup_still


# --- editing ---------------------------------------------------------------------------


def test_editing_an_article_in_the_change_view_re_renders_its_sections(
    senior_client, make_article, work, levels, source
):
    article = make_article(
        sections=[
            (0, "What kind of film this is", "", "A thriller [@interview]."),
            (2, "The bus", "What happened on the trip", "A twist [@film]."),
        ],
        citations=["interview", "film"],
    )
    first, second = article.sections.order_by("order")
    interview, film = (article.citations.get(key=key) for key in ("interview", "film"))
    assert film.number == 2
    data = article_post(
        work,
        title=article.title,
        slug=article.slug,
        dek=article.dek,
        status="published",
        published_at=(
            article.published_at.strftime("%Y-%m-%d"),
            article.published_at.strftime("%H:%M:%S"),
        ),
        article=article,
        sections=[
            section_row(
                levels[0],
                first.heading,
                "A **cello** thriller, says ||the twist|| [@film].",
                order=1,
                pk=first.pk,
            ),
            section_row(
                levels[2],
                second.heading,
                second.body,
                safe_heading=second.safe_heading,
                order=2,
                pk=second.pk,
            ),
        ],
        citations=[
            citation_row("interview", source, pk=interview.pk),
            citation_row("film", film.source, pk=film.pk),
        ],
        initial_sections=2,
        initial_citations=2,
    )

    response = senior_client.post(
        f"/admin/explainers/article/{article.pk}/change/", data, follow=True
    )

    assert response.redirect_chain, errors_in(response)
    first.refresh_from_db()
    assert first.body == "A **cello** thriller, says ||the twist|| [@film]."
    assert "<strong>cello</strong>" in first.body_html
    assert '<span class="spoiler"' in first.body_html
    assert "[@interview]" not in first.body
    # "film" is now cited first, so it is renumbered 1; "interview" is no longer cited.
    assert CITE_RE.findall(first.body_html) == [("1", "1")]
    film.refresh_from_db()
    interview.refresh_from_db()
    assert film.number == 1
    assert interview.number is None
    assert "Citation 'interview' is not cited in any section" in page_text(response)


# --- changelist and pages --------------------------------------------------------------


@pytest.fixture
def listed_articles(make_article):
    published = make_article(
        title="Why the cello matters",
        sections=[(0, "Intro", "", "Safe."), (3, "The end", "The final scene", "End.")],
    )
    draft = make_article(
        title="The bus trip, explained",
        status=Article.Status.DRAFT,
        sections=[(0, "Intro", "", "Safe."), (2, "The bus", "The trip", "Twist.")],
    )
    return published, draft


def changelist_results(response):
    assert response.status_code == 200
    return {article.pk for article in response.context["cl"].result_list}


def test_editor_sees_the_article_changelist(senior_client, listed_articles):
    published, draft = listed_articles

    response = senior_client.get(CHANGELIST_URL)

    assert changelist_results(response) == {published.pk, draft.pk}
    assert "Why the cello matters" in page_text(response)


def test_changelist_filters_by_status(senior_client, listed_articles):
    published, _draft = listed_articles

    response = senior_client.get(CHANGELIST_URL, {"status": "published"})

    assert changelist_results(response) == {published.pk}


def test_changelist_filters_by_section_spoiler_level(senior_client, listed_articles, levels):
    published, draft = listed_articles

    ending = senior_client.get(CHANGELIST_URL, {"sections__spoiler_level__id__exact": levels[3].pk})
    spoiler_free = senior_client.get(
        CHANGELIST_URL, {"sections__spoiler_level__id__exact": levels[0].pk}
    )

    assert changelist_results(ending) == {published.pk}
    # Both articles have a level-0 section; each is listed once.
    assert changelist_results(spoiler_free) == {published.pk, draft.pk}
    assert len(spoiler_free.context["cl"].result_list) == 2


def test_changelist_search_finds_titles_and_section_headings(senior_client, listed_articles):
    published, draft = listed_articles

    by_title = senior_client.get(CHANGELIST_URL, {"q": "cello"})
    by_heading = senior_client.get(CHANGELIST_URL, {"q": "The bus"})
    nothing = senior_client.get(CHANGELIST_URL, {"q": "zzz-no-such-article"})

    assert changelist_results(by_title) == {published.pk}
    assert changelist_results(by_heading) == {draft.pk}
    assert changelist_results(nothing) == set()


def test_add_form_renders_the_markdown_editor_and_citation_help(senior_client, levels):
    response = senior_client.get(ADD_URL)

    assert response.status_code == 200
    text = page_text(response)
    assert 'class="markdownx"' in text
    assert "markdownx-editor" in text
    assert 'data-markdownx-urls-path="/markdownx/markdownify/"' in text
    assert 'data-markdownx-upload-urls-path="/markdownx/upload/"' in text
    assert "Cite a source with its key in brackets, e.g. [@shepard-interview]" in text
    assert 'name="sections-TOTAL_FORMS"' in text
    assert 'name="citations-TOTAL_FORMS"' in text
    assert 'name="published_at_0"' in text
    assert "explainers/admin/markdownx-inlines.js" in text


def test_staff_user_without_article_permissions_gets_403_on_the_add_page(
    client, django_user_model, work, levels
):
    clerk = django_user_model.objects.create_user("clerk", password="pw", is_staff=True)
    clerk.user_permissions.set(
        Permission.objects.filter(content_type__app_label="explainers", codename="view_work")
    )
    client.force_login(clerk)

    assert client.get(ADD_URL).status_code == 403
    data = article_post(work, sections=[section_row(levels[0], "Intro", "Safe.", order=1)])
    assert client.post(ADD_URL, data).status_code == 403
    assert not Article.objects.exists()


def test_anonymous_visitor_is_sent_to_the_admin_login(client):
    response = client.get(ADD_URL)

    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


@pytest.mark.parametrize(
    "model", ["work", "source", "spoilerlevel", "contentwarning", "image", "person"]
)
@pytest.mark.parametrize("page", ["", "add/"])
def test_superuser_can_open_the_other_admin_pages(admin_client, levels, work, source, model, page):
    response = admin_client.get(f"/admin/explainers/{model}/{page}")

    assert response.status_code == 200


def test_superuser_can_open_change_pages_of_the_seeded_ladder_and_a_work(
    admin_client, levels, work
):
    level_url = f"/admin/explainers/spoilerlevel/{levels[2].pk}/change/"
    assert admin_client.get(level_url).status_code == 200
    assert admin_client.get(f"/admin/explainers/work/{work.pk}/change/").status_code == 200


# --- images ----------------------------------------------------------------------------


def image_post(levels, upload, rank=0):
    return {
        "file": upload,
        "alt_text": "A concert hall",
        "credit": "Drawn for the tests",
        "caption": "",
        "spoiler_level": levels[rank].pk,
        "_save": "Save",
    }


def test_editor_can_upload_a_real_png_in_the_image_admin(senior_client, levels):
    before = media_files()
    upload = SimpleUploadedFile("hall.png", image_bytes("PNG", size=(64, 36)), "image/png")

    response = senior_client.post(IMAGE_ADD_URL, image_post(levels, upload, rank=1))

    assert response.status_code == 302, errors_in(response)
    image = Image.objects.get()
    assert (image.width, image.height) == (64, 36)
    assert image.spoiler_level == levels[1]
    assert image.file.name.startswith("images/")
    assert image.file.name.endswith(".png")
    assert default_storage.exists(image.file.name)
    # The clean original and its renditions (WebP and JPEG at its own width, 64 px).
    renditions = sorted(image.renditions.values_list("format", "width"))
    assert renditions == [("jpeg", 64), ("webp", 64)]
    assert len(media_files() - before) == 3


@pytest.mark.parametrize(
    ("name", "content", "content_type"),
    [
        (
            "still.svg",
            b'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">'
            b"<script>alert(1)</script></svg>",
            "image/svg+xml",
        ),
        (
            "still.jpg",
            b"<!doctype html><html><body><script>alert(1)</script></body></html>",
            "image/jpeg",
        ),
        ("still.png", png_bytes_noisy()[:4000], "image/png"),
    ],
    ids=["svg", "html-named-jpg", "truncated-png"],
)
def test_image_admin_refuses_files_that_are_not_whole_raster_images(
    senior_client, levels, name, content, content_type
):
    before = media_files()
    upload = SimpleUploadedFile(name, content, content_type)

    response = senior_client.post(IMAGE_ADD_URL, image_post(levels, upload))

    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert "file" in errors
    message = errors["file"][0]
    assert (
        "Upload a valid image" in message  # Django's ImageField
        or "not a readable image" in message  # explainers.imaging
    )
    assert message in page_text(response)
    assert not Image.objects.exists()
    assert media_files() == before


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        # Django's own ImageField check passes these; explainers.imaging refuses them.
        ("still.jpg", png_bytes_noisy(fmt="JPEG")[:3000], "This file is not a readable image"),
        ("still.bmp", image_bytes("BMP"), "This is a BMP file; upload a JPEG, PNG, WebP or GIF"),
    ],
    ids=["truncated-jpeg", "bmp"],
)
def test_image_admin_refuses_what_only_the_decoding_check_can_catch(
    senior_client, levels, name, content, expected
):
    before = media_files()
    upload = SimpleUploadedFile(name, content, "image/jpeg")

    response = senior_client.post(IMAGE_ADD_URL, image_post(levels, upload))

    assert response.status_code == 200
    assert expected in page_text(response), errors_in(response)
    assert not Image.objects.exists()
    assert media_files() == before


def test_image_admin_refuses_a_file_over_the_size_limit(senior_client, levels, settings):
    settings.IMAGE_UPLOAD_MAX_BYTES = 100
    before = media_files()
    upload = SimpleUploadedFile("hall.png", png_bytes_noisy(), "image/png")

    response = senior_client.post(IMAGE_ADD_URL, image_post(levels, upload))

    assert response.status_code == 200
    assert "images may be at most 100\xa0bytes" in page_text(response)
    assert not Image.objects.exists()
    assert media_files() == before


def test_the_article_form_gives_the_models_sidebar_s_width_to_the_form_and_preview(
    senior_client, make_article
):
    """At 1,280 px the admin's list of models took 300 px beside a form and a preview
    that need them; the other admin pages keep it."""
    article = make_article(sections=[(0, "Setup", "", "A thriller.")])
    form = senior_client.get(f"/admin/explainers/article/{article.pk}/change/").content.decode()
    assert 'id="nav-sidebar"' not in form
    assert 'id="checks-panel"' in form
    assert 'id="nav-sidebar"' in senior_client.get(CHANGELIST_URL).content.decode()
