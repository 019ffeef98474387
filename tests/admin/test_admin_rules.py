"""Editorial rules the admin enforces beyond single fields: parts of the right work,
ladder changes, posters, stored file names, section length, missing inlines."""

import re

import pytest
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile

from explainers.models import Article, Image, SpoilerLevel, Work, WorkPart
from explainers.rendering import MAX_MARKDOWN_CHARS
from tests.support.admin_forms import ADD_URL, article_post, errors_in, page_text, section_row
from tests.support.images import image_bytes


def test_reveals_through_must_be_a_part_of_the_articles_work(senior_client, work, levels):
    other = Work.objects.create(title="Get Out", slug="get-out", year=2017)
    wrong = WorkPart.objects.create(work=other, label="The auction", position=3)
    row = section_row(levels[2], "Twist", "Body.", safe_heading="Safe", order=1)
    row["reveals_through"] = wrong.pk
    response = senior_client.post(ADD_URL, article_post(work, sections=[row]))
    assert response.status_code == 200
    assert "a part of another work" in page_text(response)
    assert not Article.objects.exists()

    right = WorkPart.objects.create(work=work, label="Duet (final chapter)", position=4)
    row["reveals_through"] = right.pk
    response = senior_client.post(ADD_URL, article_post(work, sections=[row]))
    assert response.status_code == 302, errors_in(response)
    assert Article.objects.get().sections.get().reveals_through == right


def test_a_body_longer_than_the_limit_is_refused_not_truncated(senior_client, work, levels):
    body = "x" * (MAX_MARKDOWN_CHARS + 1)
    response = senior_client.post(
        ADD_URL, article_post(work, sections=[section_row(levels[0], "Long", body, order=1)])
    )
    assert response.status_code == 200
    assert "This section is too long" in page_text(response)
    assert not Article.objects.exists()


def test_article_form_without_citation_permissions_still_validates(
    client, work, levels, django_user_model
):
    # A user who may edit articles and sections but not citations gets no citation
    # inline; the section checks must not crash on an article that has no id yet.
    user = django_user_model.objects.create_user("sectioner", password="x", is_staff=True)
    user.user_permissions.set(
        Permission.objects.filter(
            codename__in=["add_article", "change_article", "view_article", "add_section"]
        )
    )
    client.force_login(user)
    data = article_post(work, sections=[section_row(levels[0], "Intro", "See [@ghost].", order=1)])
    data.pop("citations-TOTAL_FORMS")
    response = client.post(ADD_URL, data)
    assert response.status_code == 200
    assert "Unknown citation key 'ghost' in section 1" in page_text(response)


def test_raising_a_levels_rank_re_renders_the_articles_that_use_it(
    admin_client, make_article, levels
):
    article = make_article(sections=[(1, "Setup", "Safe setup", "![A still](/media/s.jpg)")])
    section = article.sections.get()
    assert 'data-src="/media/s.jpg"' in section.body_html
    SpoilerLevel.objects.filter(rank=0).delete()  # free rank 0 for the move
    setup = levels[1]
    response = admin_client.post(
        f"/admin/explainers/spoilerlevel/{setup.pk}/change/",
        {
            "name": setup.name,
            "slug": setup.slug,
            "rank": 0,
            "reader_warning": "",
            "editor_guidance": "",
        },
        follow=True,
    )
    assert "Re-rendered 1 article(s)" in page_text(response), errors_in(response)
    section.refresh_from_db()
    assert 'src="/media/s.jpg"' in section.body_html
    assert "data-src" not in section.body_html


def test_a_spoiler_image_cannot_be_a_works_poster(admin_client, work, make_image):
    still = make_image(rank=3)
    response = admin_client.post(
        f"/admin/explainers/work/{work.pk}/change/",
        {
            "kind": work.kind,
            "title": work.title,
            "slug": work.slug,
            "year": work.year,
            "platform": work.platform,
            "synopsis": work.synopsis,
            "poster": still.pk,
            "credits-TOTAL_FORMS": "0",
            "credits-INITIAL_FORMS": "0",
            "parts-TOTAL_FORMS": "0",
            "parts-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 200
    assert "The poster is shown to every visitor" in page_text(response)
    work.refresh_from_db()
    assert work.poster is None


@pytest.mark.parametrize("name", ["lizzie-cuts-off-her-hand.jpg", "still.pdf"])
def test_uploaded_images_get_a_random_name_with_their_real_extension(admin_client, levels, name):
    upload = SimpleUploadedFile(name, image_bytes("PNG"), content_type="image/jpeg")
    response = admin_client.post(
        "/admin/explainers/image/add/",
        {
            "file": upload,
            "alt_text": "A hall",
            "credit": "Ours",
            "caption": "",
            "spoiler_level": levels[0].pk,
        },
    )
    assert response.status_code == 302, errors_in(response)
    stored = Image.objects.get().file.name
    assert re.fullmatch(r"images/\d{4}/\d{2}/[0-9a-f]{32}\.png", stored), stored


def test_an_unclosed_inline_spoiler_is_refused_before_it_can_show(senior_client, work, levels):
    body = "Everyone remembers the recital. And this ||never closes."
    response = senior_client.post(
        ADD_URL, article_post(work, sections=[section_row(levels[0], "Intro", body, order=1)])
    )
    assert response.status_code == 200
    assert "Section 1 (“Intro”) has an inline spoiler that is not closed" in page_text(response)
    # What the editor typed is still in the form.
    assert "And this ||never closes." in page_text(response)
    assert not Article.objects.exists()


def test_editing_an_existing_images_credit_does_not_need_the_file_again(admin_client, make_image):
    image = make_image(rank=0)
    response = admin_client.post(
        f"/admin/explainers/image/{image.pk}/change/",
        {
            "alt_text": image.alt_text,
            "credit": "Image via the studio",
            "caption": "",
            "spoiler_level": image.spoiler_level.pk,
        },
    )
    assert response.status_code == 302, errors_in(response)
    image.refresh_from_db()
    assert image.credit == "Image via the studio"


def test_missing_safe_heading_is_reported_once_with_the_section_number(senior_client, work, levels):
    rows = [
        section_row(levels[0], "Intro", "Body.", order=1),
        section_row(levels[2], "The bus", "Twist body.", order=2),
    ]
    response = senior_client.post(ADD_URL, article_post(work, sections=rows))
    text = page_text(response)
    field_errors = re.findall(r"is marked Twist but has no safe heading", text)
    # Once at the field, once in the summary above the inline and once in the list at
    # the top of the form (a link to the field): never the model's unnumbered twin.
    assert len(field_errors) == 3, field_errors
    assert 'href="#id_sections-1-safe_heading"' in text
    assert "Section 2 (“The bus”) is marked Twist" in text
    assert "This section is marked Twist" not in text
