"""The permission policy (``explainers.permissions``), tested as each newsroom role meets it
in the admin and the editor's endpoints: real groups, real pages, real POSTs."""

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from explainers import roles
from explainers.models import Article, AuditEntry, Credit, Image, Person, Work, WorkPart
from explainers.services.articles import transition
from tests.support.admin_forms import (
    ADD_URL,
    admin_url,
    article_post,
    errors_in,
    image_post,
    page_text,
    section_row,
)
from tests.support.formdata import form_data
from tests.support.images import image_bytes

EDITOR, SENIOR, MODERATOR = roles.EDITOR, roles.SENIOR_EDITOR, roles.MODERATOR


def client_for(user):
    client = Client()
    client.force_login(user)
    return client


# --- item 5: an editor's own article in review --------------------------------------


@pytest.fixture
def in_review(make_article, people):
    article = make_article(
        sections=[
            (0, "What kind of film this is", "", "A thriller about a cello prodigy [@film]."),
            (2, "Charlotte drugged Lizzie", "What happened on the trip", "She drugged her."),
        ],
        citations=["film"],
        status=Article.Status.DRAFT,
    )
    article.authors.add(people["editor"])
    transition(article, Article.Status.IN_REVIEW, user=people["editor"])
    return article


def test_an_editor_can_post_their_own_article_in_review_unchanged(people, in_review):
    client = client_for(people["editor"])
    page = client.get(admin_url(in_review))
    assert page.status_code == 200
    response = client.post(admin_url(in_review), form_data(page, "article_form"))
    assert response.status_code == 302, errors_in(response)
    in_review.refresh_from_db()
    assert in_review.status == Article.Status.IN_REVIEW
    assert in_review.sections.count() == 2 and in_review.citations.count() == 1


def test_an_editor_can_send_their_own_article_in_review_back_to_draft(people, in_review):
    client = client_for(people["editor"])
    page = client.get(admin_url(in_review))
    data = form_data(page, "article_form")
    data["status"] = Article.Status.DRAFT
    response = client.post(admin_url(in_review), data)
    assert response.status_code == 302, errors_in(response)
    in_review.refresh_from_db()
    assert in_review.status == Article.Status.DRAFT
    assert [s.spoiler_level.rank for s in in_review.sections.all()] == [0, 2]


# --- item 4: shared objects that live articles show ----------------------------------


@pytest.fixture
def live(make_article, make_image, work, people):
    """A live article by the other editor, with a hero image, a cited source and a cast
    credit on its work."""
    article = make_article(sections=[(0, "Intro", "", "Plain [@film].")], citations=["film"])
    article.hero_image = make_image(rank=0, alt="A concert hall")
    article.save()
    article.authors.add(people["other_editor"])
    lizzie = Person.objects.create(name="Logan Browning", slug="logan-browning")
    Credit.objects.create(work=work, person=lizzie, role="cast", character_name="Lizzie")
    WorkPart.objects.create(work=work, position=1, label="Part one")
    return article


def work_post(work, **changes):
    data = {
        "kind": work.kind,
        "title": work.title,
        "slug": work.slug,
        "year": work.year or "",
        "release_date": "",
        "platform": work.platform,
        "synopsis": work.synopsis,
        "poster": work.poster_id or "",
        "credits-TOTAL_FORMS": "0",
        "credits-INITIAL_FORMS": "0",
        "parts-TOTAL_FORMS": "0",
        "parts-INITIAL_FORMS": "0",
    }
    return {**data, **changes}


def source_post(source, **changes):
    data = {"kind": source.kind, "title": source.title, "author": source.author}
    return {**data, **changes}


def test_an_editor_may_view_but_not_change_the_hero_image_of_someone_elses_live_article(
    people, live
):
    client = client_for(people["editor"])
    image = live.hero_image
    page = client.get(admin_url(image))
    assert page.status_code == 200
    assert 'name="alt_text"' not in page.content.decode()  # shown read-only
    assert "only a senior editor may change it" in page_text(page)  # and says why
    refused = client.post(admin_url(image), image_post(image, alt_text="Lizzie's severed hand"))
    assert refused.status_code == 403
    swapped = client.post(
        admin_url(image),
        image_post(image, file=SimpleUploadedFile("other.png", image_bytes(color=(0, 0, 0)))),
    )
    assert swapped.status_code == 403
    name = image.file.name
    image.refresh_from_db()
    assert image.alt_text == "A concert hall" and image.file.name == name


@pytest.mark.parametrize("field", ["credit", "caption"])
def test_an_editor_cannot_rewrite_a_live_images_credit_or_caption(people, live, field):
    image = live.hero_image
    response = client_for(people["editor"]).post(
        admin_url(image), image_post(image, **{field: "The twist, spelled out"})
    )
    assert response.status_code == 403
    image.refresh_from_db()
    assert getattr(image, field) != "The twist, spelled out"


def test_an_editor_cannot_delete_an_image_a_live_article_shows_one_by_one_or_in_bulk(people, live):
    client = client_for(people["editor"])
    image = live.hero_image
    assert client.post(admin_url(image, "delete"), {"post": "yes"}).status_code == 403
    bulk = client.post(
        "/admin/explainers/image/",
        {"action": "delete_selected", "_selected_action": [image.pk], "post": "yes"},
    )
    assert bulk.status_code == 403
    assert Image.objects.filter(pk=image.pk).exists()


def test_an_editor_cannot_retitle_the_work_of_a_live_article_nor_its_cast_or_parts(
    people, live, work
):
    client = client_for(people["editor"])
    assert client.get(admin_url(work)).status_code == 200
    response = client.post(admin_url(work), work_post(work, title="The Perfection: Lizzie dies"))
    assert response.status_code == 403
    work.refresh_from_db()
    assert work.title == "The Perfection"
    credit = work.credits.get()
    forged = work_post(
        work,
        **{
            "credits-TOTAL_FORMS": "1",
            "credits-INITIAL_FORMS": "1",
            "credits-0-id": credit.pk,
            "credits-0-work": work.pk,
            "credits-0-role": "cast",
            "credits-0-person": credit.person_id,
            "credits-0-character_name": "Lizzie, who loses a hand",
            "credits-0-order": "0",
        },
    )
    assert client.post(admin_url(work), forged).status_code == 403
    credit.refresh_from_db()
    assert credit.character_name == "Lizzie"


def test_an_editor_cannot_change_a_source_or_a_person_a_live_article_shows(people, live):
    client = client_for(people["editor"])
    source = live.citations.get().source
    response = client.post(admin_url(source), source_post(source, author="Spoiler Author"))
    assert response.status_code == 403
    source.refresh_from_db()
    assert source.author == "R. Shepard"
    person = Person.objects.get()
    response = client.post(admin_url(person), {"name": "Renamed", "slug": person.slug})
    assert response.status_code == 403
    assert Person.objects.get().name == "Logan Browning"


def test_an_editor_may_change_a_work_and_image_only_their_own_draft_uses(
    people, make_image, levels
):
    editor = people["editor"]
    work = Work.objects.create(kind="film", title="Us", slug="us", year=2019)
    image = make_image(rank=0, alt="A hall of mirrors")
    draft = Article.objects.create(
        title="Us, explained", slug="us-explained", dek="d", work=work, hero_image=image
    )
    draft.authors.add(editor)
    client = client_for(editor)
    response = client.post(admin_url(work), work_post(work, title="Us (2019)"))
    assert response.status_code == 302, errors_in(response)
    response = client.post(admin_url(image), image_post(image, alt_text="Mirrors in a hall"))
    assert response.status_code == 302, errors_in(response)
    # Once a colleague's draft uses them too, they are no longer the editor's alone.
    other = Article.objects.create(title="Us again", slug="us-again", dek="d", work=work)
    other.authors.add(people["other_editor"])
    assert client.post(admin_url(work), work_post(work, title="Us!")).status_code == 403
    # A brand-new work or image of their own stays theirs to fix.
    fresh = Work.objects.create(kind="film", title="Nope", slug="nope", year=2022)
    assert client.post(admin_url(fresh), work_post(fresh, title="Nope (2022)")).status_code == 302


def test_a_senior_editor_may_change_and_delete_what_live_articles_show(people, live, work):
    client = client_for(people["senior"])
    image = live.hero_image
    response = client.post(admin_url(image), image_post(image, alt_text="A bright hall"))
    assert response.status_code == 302, errors_in(response)
    response = client.post(admin_url(work), work_post(work, title="The Perfection (2018)"))
    assert response.status_code == 302, errors_in(response)
    assert client.post(admin_url(image, "delete"), {"post": "yes"}).status_code == 302
    assert not Image.objects.filter(pk=image.pk).exists()


def test_a_moderator_may_set_a_live_works_spoiler_window_but_not_retitle_it(people, live, work):
    client = client_for(people["moderator"])
    page = client.get(admin_url(work))
    assert page.status_code == 200
    text = page.content.decode()
    assert 'name="spoiler_window_days"' in text and 'name="title"' not in text
    data = form_data(page, "work_form")
    data.update(spoiler_window_days="30", title="The Perfection: Lizzie dies")
    response = client.post(admin_url(work), data)
    assert response.status_code == 302, errors_in(response)
    work.refresh_from_db()
    assert work.spoiler_window_days == 30 and work.title == "The Perfection"


# --- item 6: one rule for adding images ------------------------------------------------


def upload_png():
    return {"image": SimpleUploadedFile("still.png", image_bytes(), content_type="image/png")}


def test_a_moderator_cannot_create_an_image_through_the_editor_upload(people, levels):
    client = client_for(people["moderator"])
    assert client.get("/admin/explainers/image/add/").status_code == 403
    response = client.post("/markdownx/upload/", upload_png())
    assert response.status_code == 403
    assert not Image.objects.exists()


@pytest.mark.parametrize("who", ["editor", "senior", "moderator"])
def test_the_upload_endpoint_and_the_admin_add_page_agree_on_who_adds_images(people, levels, who):
    client = client_for(people[who])
    add_page = client.get("/admin/explainers/image/add/").status_code
    upload = client.post("/markdownx/upload/", upload_png()).status_code
    assert (add_page == 200) == (upload == 200), (add_page, upload)


# --- items 7 and 8: preview links ------------------------------------------------------


@pytest.fixture
def draft(make_article, people):
    article = make_article(
        sections=[(0, "What kind of film this is", "", "A thriller about a cello prodigy.")],
        status=Article.Status.DRAFT,
    )
    article.authors.add(people["editor"])
    return article


def share_preview(client, article):
    return client.post(admin_url(article, "preview-link"))


def preview_path(response):
    assert response.status_code == 200
    return re.search(r'value="https?://[^/]+(/preview/[^"]+)"', response.content.decode()).group(1)


@pytest.mark.parametrize("who", ["other_editor", "moderator"])
def test_only_authors_and_senior_editors_may_share_a_preview_link(people, draft, who):
    client = client_for(people[who])
    page = client.get(admin_url(draft))
    assert page.status_code == 200
    assert "Share a preview link" not in page.content.decode()
    assert share_preview(client, draft).status_code == 403
    assert not AuditEntry.objects.filter(action="explainers.article.preview_link_shared").exists()


@pytest.mark.parametrize("who", ["editor", "senior"])
def test_the_author_and_a_senior_editor_may_share_a_preview_link(people, draft, who):
    client = client_for(people[who])
    assert "Share a preview link" in client.get(admin_url(draft)).content.decode()
    path = preview_path(share_preview(client, draft))
    assert Client().get(path).status_code == 200


def test_a_preview_link_killed_by_retraction_stays_dead_after_back_to_draft(people, draft):
    path = preview_path(share_preview(client_for(people["editor"]), draft))
    reader = Client()
    assert reader.get(path).status_code == 200
    senior = people["senior"]
    transition(draft, Article.Status.PUBLISHED, user=senior)
    transition(draft, Article.Status.RETRACTED, user=senior)
    assert reader.get(path).status_code == 404
    transition(draft, Article.Status.DRAFT, user=senior)
    dead = reader.get(path)
    assert dead.status_code == 404 and "no longer works" in dead.content.decode()
    # A link shared after the article came back works.
    fresh = preview_path(share_preview(client_for(people["editor"]), draft))
    assert reader.get(fresh).status_code == 200


# --- item 22: "Reveals through" offers the parts of the article's work ------------------


def part_menu(response, name="sections-0-reveals_through"):
    select = re.search(rf'<select name="{name}".*?</select>', response.content.decode(), re.S)
    assert select, name
    return [
        label
        for value, label in re.findall(r'<option value="(\d*)"[^>]*>([^<]*)<', select.group(0))
        if value
    ]


@pytest.fixture
def two_works(work):
    other = Work.objects.create(kind="series", title="Severance", slug="severance", year=2022)
    WorkPart.objects.create(work=work, position=1, label="Part one")
    WorkPart.objects.create(work=work, position=2, label="Part two")
    WorkPart.objects.create(work=other, position=1, label="Good News About Hell")
    return work, other


def test_reveals_through_lists_only_the_parts_of_the_articles_work(people, draft, two_works):
    page = client_for(people["editor"]).get(admin_url(draft))
    assert page.status_code == 200
    assert part_menu(page) == ["The Perfection: Part one", "The Perfection: Part two"]


def test_reveals_through_lists_no_parts_on_a_new_article_until_it_has_a_work(people, two_works):
    page = client_for(people["editor"]).get("/admin/explainers/article/add/")
    assert page.status_code == 200
    assert part_menu(page) == []


def test_a_part_of_another_work_is_refused_with_a_clear_message(people, draft, two_works):
    client = client_for(people["editor"])
    page = client.get(admin_url(draft))
    foreign = WorkPart.objects.get(label="Good News About Hell")
    data = form_data(page, "article_form")
    data["sections-0-reveals_through"] = foreign.pk
    response = client.post(admin_url(draft), data)
    assert response.status_code == 200
    assert "a chapter or episode of The Perfection" in page_text(response)
    assert draft.sections.get().reveals_through is None
    own = WorkPart.objects.get(label="Part two")
    data = form_data(client.get(admin_url(draft)), "article_form")
    data["sections-0-reveals_through"] = own.pk
    response = client.post(admin_url(draft), data)
    assert response.status_code == 302, errors_in(response)
    assert draft.sections.get().reveals_through == own


def test_a_new_article_may_reveal_through_a_part_of_the_work_chosen_in_the_same_post(
    people, levels, two_works
):
    work, other = two_works
    client = client_for(people["editor"])
    row = section_row(levels[0], "Intro", "Plain.", order=1)
    row["reveals_through"] = other.parts.get().pk
    refused = client.post(ADD_URL, article_post(work, sections=[row]))
    assert refused.status_code == 200
    assert "Pick a chapter or episode of The Perfection" in page_text(refused)
    assert not Article.objects.exists()
    row["reveals_through"] = work.parts.get(position=2).pk
    response = client.post(ADD_URL, article_post(work, sections=[row]))
    assert response.status_code == 302, errors_in(response)
    assert Article.objects.get().sections.get().reveals_through.label == "Part two"
