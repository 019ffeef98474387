"""The image chooser's endpoint (who may use it, search, filters, paging, what it costs
in queries) and the image fields of the article form it serves (a thumbnail beside the
number, which still works without JavaScript)."""

import json

import pytest
from django.contrib.auth.models import Permission

from explainers.admin import image_chooser
from explainers.models import Article, Section, Work
from tests.support.admin_forms import article_post, section_row

CHOOSER_URL = "/admin/explainers/image/choose/"


@pytest.fixture
def library(make_image, levels, work, make_article):
    """Four images: a poster, a hero and a section still of one work, and one of none."""
    poster = make_image(rank=0, alt="A cello on an empty stage")
    poster.credit, poster.caption = "Image via Netflix", "The academy's hall"
    poster.save()
    hero = make_image(rank=0, alt="Two cellists bowing")
    ending = make_image(rank=2, alt="A bloodied bow")
    loose = make_image(rank=0, alt="A rainy street")
    loose.credit = "Photo by Ana Ruiz"
    loose.save()
    work.poster = poster
    work.save()
    article = make_article(sections=[(2, "The ending", "What the last scene means", "Text.")])
    Article.objects.filter(pk=article.pk).update(hero_image=hero)
    Section.objects.filter(article=article).update(image=ending)
    return {"poster": poster, "hero": hero, "ending": ending, "loose": loose}


def ids(response):
    assert response.status_code == 200, response.content
    return [row["id"] for row in json.loads(response.content)["results"]]


def get_json(client, **params):
    return client.get(CHOOSER_URL, {"format": "json", **params})


# --- who may use it --------------------------------------------------------------------


def test_anonymous_visitors_are_sent_to_sign_in_and_see_no_image(client, library):
    response = client.get(CHOOSER_URL, {"format": "json"})
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


def test_signed_in_non_staff_are_sent_to_sign_in(client, django_user_model, library):
    user = django_user_model.objects.create_user("reader", password="pw-for-tests")
    client.force_login(user)
    assert client.get(CHOOSER_URL, {"format": "json"}).status_code == 302


def test_staff_without_permission_to_view_images_are_refused(client, django_user_model, library):
    user = django_user_model.objects.create_user("intern", password="pw", is_staff=True)
    user.user_permissions.add(Permission.objects.get(codename="view_article"))
    client.force_login(user)
    response = client.get(CHOOSER_URL, {"format": "json"})
    assert response.status_code == 403
    assert b"cello" not in response.content


@pytest.mark.parametrize("role", ["editor", "senior_editor", "moderator"])
def test_each_newsroom_role_may_browse_the_library(client, request, role, library):
    client.force_login(request.getfixturevalue(role))
    assert len(ids(get_json(client))) == 4


# --- what it lists ---------------------------------------------------------------------


def test_search_reads_alt_text_credit_caption_and_the_work(editor_client, library, work):
    by = {name: image.pk for name, image in library.items()}
    assert ids(get_json(editor_client, q="cello")) == [by["poster"]]  # alt text
    assert ids(get_json(editor_client, q="ana ruiz")) == [by["loose"]]  # credit, two words
    assert ids(get_json(editor_client, q="academy's")) == [by["poster"]]  # caption
    shown_with_the_work = {by["poster"], by["hero"], by["ending"]}
    assert set(ids(get_json(editor_client, q="perfection"))) == shown_with_the_work
    assert ids(get_json(editor_client, q="perfection rainy")) == []  # every word must match


def test_filters_by_work_and_spoiler_level(editor_client, library, work, levels):
    by = {name: image.pk for name, image in library.items()}
    assert set(ids(get_json(editor_client, work=work.pk))) == {
        by["poster"],
        by["hero"],
        by["ending"],
    }
    assert ids(get_json(editor_client, level=levels[2].pk)) == [by["ending"]]
    assert ids(get_json(editor_client, work=work.pk, level=levels[0].pk, q="bowing")) == [
        by["hero"]
    ]


def test_a_hero_images_chooser_lists_spoiler_free_images_only(editor_client, library):
    listed = ids(get_json(editor_client, max_rank=0))
    assert library["ending"].pk not in listed
    assert len(listed) == 3


def test_the_results_carry_what_the_dialog_and_the_field_show(editor_client, library):
    row = json.loads(get_json(editor_client, id=library["poster"].pk).content)["results"][0]
    poster = library["poster"]
    smallest = min(
        (r for r in poster.renditions.all() if r.spec == "full" and r.format == "webp"),
        key=lambda r: r.width,
    )
    assert row["thumbnail"] == smallest.file.url
    assert row["label"] == "A cello on an empty stage"
    assert row["credit"] == "Image via Netflix"
    assert row["level"] == poster.spoiler_level.name
    assert row["change_url"] == f"/admin/explainers/image/{poster.pk}/change/"


def test_pages_of_results(editor_client, library, monkeypatch):
    monkeypatch.setattr(image_chooser, "PAGE_SIZE", 3)
    first = json.loads(get_json(editor_client).content)
    second = json.loads(get_json(editor_client, page=2).content)
    assert (first["count"], first["pages"], len(first["results"])) == (4, 2, 3)
    assert len(second["results"]) == 1
    all_ids = {row["id"] for row in first["results"] + second["results"]}
    assert all_ids == {image.pk for image in library.values()}
    # A page past the end, or not a number, is the nearest page, not an error.
    assert json.loads(get_json(editor_client, page=99).content)["page"] == 2
    assert json.loads(get_json(editor_client, page="x").content)["page"] == 1

    html = editor_client.get(CHOOSER_URL, {"q": "a"}).content.decode()
    assert "Page 1 of 2" in html
    assert 'data-page="2"' in html and "q=a&amp;page=2" in html


@pytest.mark.parametrize(
    "params",
    [{"work": "not-a-number"}, {"level": "999999"}, {"max_rank": "-1"}, {"q": "x" * 201}],
)
def test_a_malformed_query_is_a_400_that_says_what_was_wrong(editor_client, library, params):
    response = get_json(editor_client, **params)
    assert response.status_code == 400
    errors = json.loads(response.content)["errors"]
    assert set(errors) == set(params)
    html = editor_client.get(CHOOSER_URL, params)
    assert html.status_code == 400
    assert b'class="errorlist"' in html.content


def test_the_html_answer_is_the_dialog_with_a_button_per_image(editor_client, library):
    html = editor_client.get(CHOOSER_URL).content.decode()
    assert 'role="search"' in html
    assert '<label for="image-chooser-q">Search:</label>' in html
    assert '<select name="work" id="image-chooser-work">' in html
    assert html.count('class="image-chooser-pick"') == 4
    results = editor_client.get(CHOOSER_URL, {"part": "results", "q": "rainy"}).content.decode()
    assert 'role="search"' not in results
    assert results.count('class="image-chooser-pick"') == 1
    assert "A rainy street" in results


# --- what it costs ---------------------------------------------------------------------


def test_queries_do_not_grow_with_the_images_listed(
    editor_client, library, make_image, django_assert_num_queries
):
    # Session, user, the user's permissions (two); then the count and the page, thumbnails
    # included.
    with django_assert_num_queries(6):
        assert len(ids(get_json(editor_client))) == 4
    for n in range(5):
        make_image(alt=f"More {n}")
    with django_assert_num_queries(6):
        assert len(ids(get_json(editor_client))) == 9
    # The dialog: the same, and the work and level menus (however many works); a filter
    # looks its value up.
    for n in range(3):
        Work.objects.create(kind=Work.Kind.FILM, title=f"Film {n}", slug=f"film-{n}", year=2000)
    with django_assert_num_queries(8):
        editor_client.get(CHOOSER_URL)
    with django_assert_num_queries(7):
        get_json(editor_client, level=library["loose"].spoiler_level_id)


# --- the article form's image fields ---------------------------------------------------


def test_the_article_form_shows_each_chosen_image_as_a_thumbnail_and_a_number(
    senior_client, library
):
    article = Article.objects.get()
    page = senior_client.get(f"/admin/explainers/article/{article.pk}/change/").content.decode()
    hero_url = library["hero"].picture().src
    assert 'name="hero_image"' in page and f'value="{library["hero"].pk}"' in page
    assert 'data-chooser-url="/admin/explainers/image/choose/?max_rank=0"' in page
    assert "Two cellists bowing" in page and "A bloodied bow" in page
    assert "image-chooser-thumb" in page
    assert hero_url.rsplit("/", 1)[0] in page  # a rendition of the hero
    assert "Choose an image" in page
    # Without JavaScript the lookup list opens in another tab: the form stays as typed.
    assert 'class="related-lookup"' in page and 'target="_blank"' in page


def test_the_form_looks_up_every_sections_image_at_once(
    senior_client, library, make_image, django_assert_max_num_queries
):
    article = Article.objects.get()
    url = f"/admin/explainers/article/{article.pk}/change/"
    senior_client.get(url)  # warm what is cached per process
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as one:
        senior_client.get(url)
    for order in range(2, 8):
        Section.objects.create(
            article=article,
            order=order,
            heading=f"Part {order}",
            safe_heading=f"Part {order}",
            spoiler_level=library["ending"].spoiler_level,
            body="Text.",
            image=make_image(rank=0, alt=f"Still {order}"),
        )
    with CaptureQueriesContext(connection) as seven:
        page = senior_client.get(url).content.decode()
    assert "Still 7" in page
    chooser_queries = [q["sql"] for q in seven.captured_queries if "thumbnail_name" in q["sql"]]
    # The hero's and all the sections' (one query for the formset), not one per section.
    assert len(chooser_queries) == 2, chooser_queries
    assert "IN (" in chooser_queries[0]
    assert len(seven.captured_queries) == len(one.captured_queries)


def test_without_javascript_a_typed_number_sets_the_hero_and_a_spoiler_image_is_refused(
    senior_client, library, work, levels
):
    post = article_post(
        work,
        hero_image=library["loose"].pk,
        sections=[section_row(levels[0], "Setup", "Plain.", order=1)],
    )
    response = senior_client.post("/admin/explainers/article/add/", post)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert Article.objects.get(slug=post["slug"]).hero_image == library["loose"]

    refused = article_post(
        work,
        slug="another",
        hero_image=library["ending"].pk,
        sections=[section_row(levels[0], "Setup", "Plain.", order=1)],
    )
    response = senior_client.post("/admin/explainers/article/add/", refused)
    assert response.status_code == 200
    assert "must be spoiler-free" in response.content.decode()
    assert not Article.objects.filter(slug="another").exists()
