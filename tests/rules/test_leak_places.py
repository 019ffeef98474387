"""Every place a public page shows is checked at its own level, and nothing is served
openly above it: a spoiler image pasted into a lower section, the texts of shared objects
(citations, sources, image credits, the work and its cast), and the notes."""

import re

import pytest

from explainers.models import Article
from tests.support.admin_forms import ADD_URL, article_post, page_text, section_row
from tests.support.leaks import leak_check, section, wheres


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
    senior_client, work, levels, ending_still
):
    rows = [section_row(levels[0], "Intro", f"A still.\n\n![]({ending_still.file.url})", order=1)]

    response = senior_client.post(ADD_URL, article_post(work, status="published", sections=rows))

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


# --- item 2: the shared objects' texts a page shows ------------------------------------


def _citation(key, source, locator="", quotation=""):
    return {"key": key, "source": source, "locator": locator, "quotation": quotation}


def test_a_quotation_cited_from_a_spoiler_free_section_is_checked_as_spoiler_free(
    terms, levels, source
):
    report = leak_check(
        terms,
        sections=[section(levels[0], "The director explains [@shepard].")],
        citations=[_citation("shepard", source, quotation="Lizzie cuts off her hand.")],
    )

    assert wheres(report) == [("the quotation of citation [@shepard]", "cuts off her hand")]


def test_a_locator_is_checked_at_the_level_of_the_sections_citing_it(terms, levels, source):
    cited = [_citation("film", source, locator="chapter Duet")]
    from_setup = leak_check(
        terms, sections=[section(levels[1], "See [@film].", safe_heading="S")], citations=cited
    )
    from_ending = leak_check(
        terms, sections=[section(levels[3], "See [@film].", safe_heading="E")], citations=cited
    )
    uncited = leak_check(terms, sections=[section(levels[0], "No marker.")], citations=cited)

    assert wheres(from_setup) == [("the locator of citation [@film]", "Duet")]
    assert from_setup.leaks[0].message.endswith("above the note's level (Setup)")
    assert from_ending.leaks == [] and uncited.leaks == []


@pytest.mark.parametrize("field", ["title", "author", "publisher"])
def test_a_cited_sources_title_author_and_publisher_are_checked_as_spoiler_free(
    terms, levels, source, field
):
    setattr(source, field, "Why she cuts off her hand")
    report = leak_check(
        terms,
        sections=[section(levels[3], "As said [@shepard].", safe_heading="End")],
        citations=[_citation("shepard", source)],
    )

    where = f"the {field} of the source cited as [@shepard]"
    assert wheres(report) == [(where, "cuts off her hand")]


def test_an_images_credit_is_checked_and_the_heros_as_spoiler_free(terms, levels, make_image):
    hero = make_image(rank=0, alt="The academy")
    hero.credit = "Still from the Duet chapter, via Netflix"

    report = leak_check(terms, hero_image=hero)

    assert wheres(report) == [("the credit of the hero image", "Duet")]


def test_the_works_title_people_and_cast_are_checked_as_spoiler_free(terms, levels):
    from explainers.leaks import SharedWork

    report = leak_check(
        terms,
        work=SharedWork(
            title="The Perfection: Duet",
            people=("Richard Shepard",),
            cast=("The woman who cuts off her hand",),
        ),
    )

    assert wheres(report) == [
        ("the title of the work", "Duet"),
        ("the cast of the work", "cuts off her hand"),
    ]


def test_the_saved_check_reads_the_works_cast_and_the_articles_citations(
    terms, make_article, work, source
):
    from explainers.leaks import check_saved_article
    from explainers.models import Credit, Person

    article = make_article(sections=[(0, "Intro", "", "Said [@shepard].")], citations=["shepard"])
    person = Person.objects.create(name="Logan Browning", slug="logan-browning")
    Credit.objects.create(
        work=work, person=person, role=Credit.Role.CAST, character_name="Lizzie of the Chapel"
    )
    source.publisher = "Duet Magazine"
    source.save()

    report = check_saved_article(article)

    assert wheres(report) == [
        ("the cast of the work", "the Chapel"),
        ("the publisher of the source cited as [@shepard]", "Duet"),
    ]


def test_publishing_with_a_spoiler_quotation_in_a_spoiler_free_note_is_refused_naming_it(
    senior_client, work, levels, terms, source
):
    from tests.support.admin_forms import citation_row

    rows = [section_row(levels[0], "Intro", "The director speaks [@shepard].", order=1)]
    data = article_post(
        work,
        status="published",
        sections=rows,
        citations=[citation_row("shepard", source, quotation="She cuts off her hand.")],
    )

    response = senior_client.post(ADD_URL, data)

    assert response.status_code == 200
    text = page_text(response)
    assert "This article cannot be published" in text
    assert "Leak in the quotation of citation [@shepard]: “She cuts off her hand.”" in text
    assert not Article.objects.exists()


def test_renaming_a_person_re_checks_the_live_articles_that_show_them(
    admin_client, terms, make_article, work
):
    from explainers.models import Credit, Person

    person = Person.objects.create(name="Richard Shepard", slug="richard-shepard")
    Credit.objects.create(work=work, person=person, role=Credit.Role.DIRECTOR)
    article = make_article(sections=[(0, "Intro", "", "Text.")])

    response = admin_client.post(
        f"/admin/explainers/person/{person.pk}/change/",
        {"name": "Richard “Duet” Shepard", "slug": person.slug},
        follow=True,
    )

    text = page_text(response)
    assert f"Published article “{article.title}” now has a leak" in text
    assert "Leak in the credits of the work" in text


def test_a_new_image_credit_re_checks_the_live_articles_showing_the_image(
    admin_client, terms, make_article, make_image, levels
):
    image = make_image(rank=0, alt="The academy")
    article = make_article(sections=[(0, "Intro", "", "Text.")])
    Article.objects.filter(pk=article.pk).update(hero_image=image)

    response = admin_client.post(
        f"/admin/explainers/image/{image.pk}/change/",
        {
            "alt_text": image.alt_text,
            "credit": "Netflix, from the Duet chapter",
            "caption": "",
            "spoiler_level": levels[0].pk,
        },
        follow=True,
    )

    text = page_text(response)
    assert f"Published article “{article.title}” now has a leak" in text
    assert "Leak in the credit of the hero image" in text


def _work_post(work, **changes):
    data = {
        "kind": work.kind,
        "title": work.title,
        "slug": work.slug,
        "platform": work.platform,
        "synopsis": work.synopsis,
        "credits-TOTAL_FORMS": "0",
        "credits-INITIAL_FORMS": "0",
        "parts-TOTAL_FORMS": "0",
        "parts-INITIAL_FORMS": "0",
    }
    data.update(changes)
    return data


def test_a_works_title_or_a_cast_name_with_a_spoiler_term_is_refused(admin_client, work, terms):
    from explainers.models import Credit, Person

    person = Person.objects.create(name="Logan Browning", slug="logan-browning")
    response = admin_client.post(
        f"/admin/explainers/work/{work.pk}/change/",
        _work_post(
            work,
            title="The Perfection: Duet",
            **{
                "credits-TOTAL_FORMS": "1",
                "credits-0-role": "cast",
                "credits-0-person": person.pk,
                "credits-0-character_name": "Lizzie, who cuts off her hand",
                "credits-0-order": "0",
                "credits-0-work": work.pk,
            },
        ),
    )

    assert response.status_code == 200
    text = page_text(response)
    assert "Leak in the title: “The Perfection: Duet”" in text
    assert "the work page lists the cast" in text
    work.refresh_from_db()
    assert work.title == "The Perfection"
    assert not Credit.objects.exists()


@pytest.mark.parametrize("field", ["author", "publisher"])
def test_a_sources_author_or_publisher_with_a_spoiler_term_is_refused(
    admin_client, work, terms, field
):
    from explainers.models import Source

    response = admin_client.post(
        "/admin/explainers/source/add/",
        {"kind": "article", "title": "An interview", field: "The Duet Review", "work": work.pk},
    )

    assert response.status_code == 200
    assert "every visitor sees this field" in page_text(response)
    assert not Source.objects.exists()


# --- item 21: notes name their level and open with the sections citing them -------------


def _notes_of(page):
    notes = re.search(r'<ol class="notes__list">(.*?)</ol>', page, re.S).group(1)
    return {
        int(number): item
        for number, item in re.findall(r'<li id="note-(\d+)"[^>]*>(.*?)</li>', notes, re.S)
    }


def test_a_note_cited_from_an_ending_section_names_its_level_and_opens_with_that_section(
    client, make_article
):
    from explainers.models import Citation

    article = make_article(
        sections=[
            (0, "Intro", "", "Plainly [@plain]."),
            (1, "Trip", "The trip", "On the bus [@setup]."),
            (3, "End", "The last scene", "At the end [@ending]."),
        ],
        citations=["plain", "setup", "ending"],
    )
    for key in ("plain", "setup", "ending"):
        Citation.objects.filter(article=article, key=key).update(quotation=f"Quoted {key}")
    article.render_sections()
    setup, ending = (article.sections.get(order=order).anchor for order in (2, 3))

    notes = _notes_of(anonymous_page(client, article))

    assert "<q>Quoted plain</q>" in notes[1] and "spoiler" not in notes[1]
    assert 'data-level="1" data-level-name="Setup"' in notes[2]
    assert f'data-opens-with="{setup}"' in notes[2]
    assert 'data-level="3" data-level-name="Ending"' in notes[3]
    assert f'data-opens-with="{ending}"' in notes[3]
    assert '<span class="spoiler__level">Ending</span>' in notes[3]


def test_a_note_cited_from_setup_and_ending_opens_only_with_the_ending_section(
    client, make_article
):
    from explainers.models import Citation

    article = make_article(
        sections=[
            (1, "Trip", "The trip", "First [@both]."),
            (3, "End", "The last scene", "Again [@both]."),
        ],
        citations=["both"],
    )
    Citation.objects.filter(article=article).update(locator="01:20:00")
    article.render_sections()
    ending = article.sections.get(order=2).anchor

    notes = _notes_of(anonymous_page(client, article))

    assert 'data-level="3" data-level-name="Ending"' in notes[1]
    assert f'data-opens-with="{ending}"' in notes[1]


def test_build_pages_with_bodies_folds_a_spoiler_image_in_a_body_rendered_by_an_older_release(
    client, make_article, ending_still
):
    from django.core.management import call_command

    from explainers.models import Section

    article = make_article(sections=[(0, "Intro", "", f"![]({ending_still.file.url})")])
    # As an older release stored it: the image served openly.
    Section.objects.filter(article=article).update(
        body_html=f'<p><img alt="Old" src="{ending_still.file.url}"></p>'
    )

    call_command("build_pages", bodies=True, stdout=open("/dev/null", "w"))  # noqa: SIM115

    page = anonymous_page(client, article)
    assert ending_still.file.url not in served_addresses(page)
    assert 'data-level-name="Ending"' in page


def test_a_setup_still_inside_an_inline_spoiler_of_a_spoiler_free_section_is_no_leak(
    levels, make_image
):
    setup_still = make_image(rank=1, alt="The bus")
    twist_still = make_image(rank=2, alt="The bus at night")

    report = leak_check(
        {},
        sections=[
            section(
                levels[0],
                f"Hidden: ||![]({setup_still.file.url})|| and ||![]({twist_still.file.url})||",
            )
        ],
    )

    assert [(leak.where, leak.snippet) for leak in report.leaks] == [
        ("section 1 body", "The bus at night")
    ]


def test_a_works_new_poster_re_checks_its_live_articles_and_names_the_leak(
    admin_client, terms, make_article, make_image, work
):
    poster = make_image(rank=0, alt="The academy at dusk")
    poster.credit = "Netflix, from the Duet chapter"
    poster.save()
    article = make_article(sections=[(0, "Intro", "", "Text.")])

    response = admin_client.post(
        f"/admin/explainers/work/{work.pk}/change/", _work_post(work, poster=poster.pk), follow=True
    )

    text = page_text(response)
    assert f"Published article “{article.title}” now has a leak" in text
    assert "Leak in the credit of the work's poster" in text


def test_raising_the_level_of_a_pasted_image_names_the_section_of_each_live_article(
    admin_client, make_article, make_image, levels
):
    still = make_image(rank=0, alt="The academy")
    article = make_article(sections=[(0, "Intro", "", f"![]({still.file.url})")])

    response = admin_client.post(
        f"/admin/explainers/image/{still.pk}/change/",
        {
            "alt_text": still.alt_text,
            "credit": still.credit,
            "caption": "",
            "spoiler_level": levels[3].pk,
        },
        follow=True,
    )

    text = page_text(response)
    assert f"Published article “{article.title}” now has a leak" in text
    assert "Leak in section 1 body: an image marked Ending" in text
    assert 'data-level-name="Ending"' in anonymous_page(admin_client, article)


def test_an_ending_image_written_with_escapes_is_a_leak_of_its_section(levels, ending_still):
    """The renderer reads ``%``-escapes and ``./`` as a browser does; the leak check must
    attribute such an address to its section just the same, not only find it somewhere."""
    name = ending_still.file.name
    escaped = ending_still.file.url.replace(name, name.replace("images/", "images/./", 1))
    head, _, tail = escaped.rpartition("/")
    escaped = f"{head}/%{ord(tail[0]):02X}{tail[1:]}"

    report = leak_check(
        {}, sections=[section(levels[0], "Plain."), section(levels[1], f"![]({escaped})")]
    )

    assert [(leak.where, leak.kind) for leak in report.leaks] == [
        ("section 2 body", "spoiler image")
    ]
