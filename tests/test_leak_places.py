"""Every place a public page shows is checked at its own level, and nothing is served
openly above it: a spoiler image pasted into a lower section, the texts of shared objects
(citations, sources, image credits, the work and its cast), and the notes."""
# ruff: noqa: F811

import re

import pytest

from explainers.models import Article

from .test_admin import ADD_URL, article_post, page_text, section_row
from .test_leak_check import (  # noqa: F401 (fixtures used by name)
    leak_check,
    section,
    terms,
    wheres,
)


def anonymous_page(client, article):
    response = client.get(article.get_absolute_url())
    assert response.status_code == 200
    return response.content.decode()


def served_addresses(page):
    """Every address the browser would fetch at once: src and srcset values."""
    found = re.findall(r'\s(?:src|srcset)="([^"]*)"', page)
    return " ".join(found)


# --- item 1: a spoiler image in a lower section's body ----------------------------------


@pytest.fixture
def ending_still(make_image):
    image = make_image(rank=3, alt="The two women share one cello at the end")
    assert image.renditions.exists()
    return image


def test_an_ending_image_pasted_into_a_spoiler_free_section_is_a_leak_named_with_its_place(
    levels, ending_still
):
    report = leak_check({}, sections=[section(levels[0], f"A still: ![]({ending_still.file.url})")])

    assert [(leak.where, leak.kind) for leak in report.leaks] == [
        ("section 1 body", "spoiler image")
    ]
    assert report.leaks[0].message.startswith(
        "Leak in section 1 body: an image marked Ending (“The two women share one cello at "
        "the end”) is shown in a place of a lower level (Spoiler-free)"
    )


def test_a_rendition_address_of_an_ending_image_is_a_leak_too(levels, ending_still):
    rendition = ending_still.renditions.first()

    report = leak_check({}, sections=[section(levels[1], f"![]({rendition.file.url})")])

    assert [(leak.where, leak.kind) for leak in report.leaks] == [
        ("section 1 body", "spoiler image")
    ]


def test_publishing_an_article_with_an_ending_image_in_a_spoiler_free_section_is_refused(
    editor_client, work, levels, ending_still
):
    rows = [section_row(levels[0], "Intro", f"A still.\n\n![]({ending_still.file.url})", order=1)]

    response = editor_client.post(ADD_URL, article_post(work, status="published", sections=rows))

    assert response.status_code == 200
    text = page_text(response)
    assert "This article cannot be published" in text
    assert "Leak in section 1 body: an image marked Ending" in text
    assert not Article.objects.exists()


@pytest.mark.parametrize("address", ["original", "rendition"])
def test_an_ending_image_in_a_spoiler_free_body_is_served_folded_at_its_level(
    client, make_article, ending_still, address
):
    url = (
        ending_still.file.url
        if address == "original"
        else ending_still.renditions.order_by("width").last().file.url
    )
    article = make_article(sections=[(0, "Intro", "", f"A still:\n\n![]({url})\n\nMore text.")])

    page = anonymous_page(client, article)

    fetched = served_addresses(page)
    for rendition in ending_still.renditions.all():
        assert rendition.file.url not in fetched
    assert ending_still.file.url not in fetched
    # Its alt text is only in the data- attribute the reveal script copies in.
    assert not re.search(r'\salt="The two women', page)
    assert 'data-level="3"' in page and 'data-level-name="Ending"' in page
    assert '<span class="spoiler__level">Ending</span>' in page


def test_a_section_image_raised_above_its_sections_level_is_not_shown_with_the_section(
    client, make_article, make_image, levels
):
    from explainers.models import Image, Section

    still = make_image(rank=1, alt="The bus in the rain")
    article = make_article(sections=[(0, "Intro", "", "Text."), (1, "Trip", "The trip", "Bus.")])
    Section.objects.filter(article=article, order=2).update(image=still)
    Image.objects.filter(pk=still.pk).update(spoiler_level=levels[3])

    page = anonymous_page(client, article)

    assert "The bus in the rain" not in page
    assert [leak.kind for leak in leaks_of(article)] == ["spoiler image"]


def leaks_of(article):
    from explainers.leaks import check_saved_article

    return check_saved_article(Article.objects.get(pk=article.pk)).leaks
