"""The read API's articles: only published ones, spoiler-safe unless the client asks, and
only as far as it asks (``reveal`` up to a level, ``through`` up to a part)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from explainers.models import Article, Section, WorkPart

SECTIONS = [
    (0, "What kind of film this is", "", "A thriller about a cello ||prodigy's secret past||."),
    (1, "Charlotte comes back", "How it starts", "Charlotte returns to the academy."),
    (2, "Charlotte drugged Lizzie", "What happened on the trip", "She drugged her on the bus."),
    (3, "They play one cello", "The final image", "The two women play one cello together."),
]


@pytest.fixture
def article(make_article, work):
    article = make_article(sections=SECTIONS)
    parts = [
        WorkPart.objects.create(work=work, position=position, label=f"Chapter {position}")
        for position in (1, 2, 3)
    ]
    sections = list(article.sections.order_by("order"))
    # Setup reaches chapter 1, the twist chapter 2; the ending names no part.
    Section.objects.filter(pk=sections[1].pk).update(reveals_through=parts[0])
    Section.objects.filter(pk=sections[2].pk).update(reveals_through=parts[1])
    return article


def detail(client, article, **params):
    response = client.get(f"/api/v1/articles/{article.slug}", params)
    assert response.status_code == 200, response.content
    return response.json()


def by_level(data):
    return {section["level"]["rank"]: section for section in data["sections"]}


def test_by_default_a_spoiler_section_gives_only_its_level_safe_heading_and_part(client, article):
    data = detail(client, article)
    body = str(data)
    for hidden in ("Charlotte comes back", "drugged", "play one cello", "returns to the academy"):
        assert hidden not in body
    sections = by_level(data)
    assert sections[2]["safe_heading"] == "What happened on the trip"
    assert sections[2]["part"] == {"position": 2, "label": "Chapter 2"}
    assert sections[2]["scope"] == {
        "work": "the-perfection",
        "level": 2,
        "level_name": "Twist",
        "part": 2,
        "part_label": "Chapter 2",
    }
    assert sections[2]["revealed"] is False
    assert sections[2]["heading"] is None and sections[2]["body_html"] is None
    assert sections[0]["revealed"] is True
    assert sections[0]["heading"] == "What kind of film this is"
    assert data["reveal"] == {"level": 0, "through": None}


def test_an_inline_spoiler_in_a_spoiler_free_section_stays_empty_until_asked(client, article):
    plain = by_level(detail(client, article))[0]["body_html"]
    assert "secret past" not in plain
    assert '<span class="spoiler" data-level="1"></span>' in plain
    assert "secret past" in by_level(detail(client, article, reveal=1))[0]["body_html"]


def test_reveal_opens_sections_up_to_that_level_and_no_further(client, article):
    sections = by_level(detail(client, article, reveal=2))
    assert sections[1]["heading"] == "Charlotte comes back"
    assert "drugged her" in sections[2]["body_html"]
    assert sections[3]["revealed"] is False and sections[3]["body_html"] is None
    assert "play one cello" not in str(sections)


def test_reveal_takes_a_level_by_its_slug(client, article):
    assert by_level(detail(client, article, reveal="twist"))[2]["revealed"]
    assert not by_level(detail(client, article, reveal="setup"))[2]["revealed"]


def test_through_opens_sections_up_to_that_part_and_never_one_naming_no_part(client, article):
    sections = by_level(detail(client, article, through=1))
    assert sections[1]["revealed"] and not sections[2]["revealed"]
    sections = by_level(detail(client, article, through=3))
    assert sections[1]["revealed"] and sections[2]["revealed"]
    # The ending names no part: it may be anywhere in the work, so no progress opens it.
    assert not sections[3]["revealed"]
    assert by_level(detail(client, article, through=3, reveal=3))[3]["revealed"]


@pytest.mark.parametrize(
    ("query", "parameter"),
    [
        ("reveal=9", "reveal"),
        ("reveal=ending-ish", "reveal"),
        ("reveal=", "reveal"),
        ("through=0", "through"),
        ("through=7", "through"),
        ("through=two", "through"),
        ("through=99999999999999999999999", "through"),
        ("through=%C2%B2", "through"),
        ("revea=3", "revea"),
        ("callback=x", "callback"),
    ],
)
def test_a_bad_parameter_is_a_400_naming_it(client, article, query, parameter):
    response = client.get(f"/api/v1/articles/{article.slug}?{query}")
    assert response.status_code == 400
    error = response.json()
    assert error["parameter"] == parameter
    assert error["status"] == 400 and parameter in error["message"]
    assert response["Content-Type"].startswith("application/json")


def test_a_part_the_work_lacks_is_named_in_the_error(client, article):
    message = client.get(f"/api/v1/articles/{article.slug}?through=7").json()["message"]
    assert message == "through: the work has no part 7 (its parts are numbered 1 to 3)."


def test_drafts_scheduled_and_retracted_articles_are_not_found(client, make_article):
    later = timezone.now() + timedelta(days=2)
    hidden = [
        make_article(status=Article.Status.DRAFT, title="Draft Zanzibarquux"),
        make_article(published_at=later, title="Scheduled Zanzibarquux"),
        make_article(status=Article.Status.RETRACTED, title="Retracted Zanzibarquux"),
    ]
    for article in hidden:
        response = client.get(f"/api/v1/articles/{article.slug}?reveal=3")
        assert response.status_code == 404
        assert response.json()["error"] == "not_found"
    listing = client.get("/api/v1/articles").content.decode()
    assert "Zanzibarquux" not in listing


def test_the_list_filters_by_work_kind_and_highest_level(client, article, make_article):
    mild = make_article(sections=[(0, "Intro", "", "Plain."), (1, "Setup", "Safe", "More.")])
    slugs = lambda **params: [  # noqa: E731
        item["slug"] for item in client.get("/api/v1/articles", params).json()["results"]
    ]
    assert set(slugs()) == {article.slug, mild.slug}
    assert slugs(max_level=1) == [mild.slug]
    assert slugs(max_level="setup") == [mild.slug]
    assert set(slugs(work="the-perfection", kind="film")) == {article.slug, mild.slug}
    assert slugs(kind="book") == []
    item = client.get("/api/v1/articles", {"max_level": 1}).json()["results"][0]
    assert item["reach"] == {"rank": 1, "name": "Setup"}
    for bad, parameter in (("work=nope", "work"), ("kind=opera", "kind"), ("page=0", "page")):
        response = client.get(f"/api/v1/articles?{bad}")
        assert response.status_code == 400 and response.json()["parameter"] == parameter


def test_the_list_is_paginated_without_counting(client, make_article):
    for _ in range(21):
        make_article(sections=[(0, "Intro", "", "Plain.")])
    first = client.get("/api/v1/articles").json()
    assert len(first["results"]) == 20 and first["previous"] is None
    assert first["next"] == "http://testserver/api/v1/articles?page=2"
    second = client.get(first["next"]).json()
    assert len(second["results"]) == 1 and second["next"] is None
    assert client.get("/api/v1/articles?page=3").status_code == 404


# The article detail reads: the article with its work and hero, the hero's renditions,
# authors, sections (with level, image and part), their warnings, their images'
# renditions, notes with sources, the work's parts, the ladder. However many sections.
API_ARTICLE_QUERIES = 9
API_LIST_QUERIES = 3  # the page of articles, their heroes' renditions, the ladder


def test_query_counts_are_pinned(client, article, make_image, django_assert_num_queries):
    article.hero_image = make_image(rank=0)
    article.save()
    for section in article.sections.all():
        section.image = make_image(rank=section.spoiler_level.rank)
        section.save()
    with django_assert_num_queries(API_ARTICLE_QUERIES):
        client.get(f"/api/v1/articles/{article.slug}?reveal=3")
    with django_assert_num_queries(API_LIST_QUERIES):
        client.get("/api/v1/articles")


def test_a_revealed_body_holds_back_what_lies_above_the_level_asked():
    from explainers.projection import revealed_body

    body = (
        '<p>Before <span class="spoiler">the secret</span> and '
        '<span class="spoiler spoiler--held" data-nosnippet="" tabindex="0" data-level="3" '
        'data-level-name="Ending"><span class="spoiler__level">Ending</span>'
        '<span class="spoiler__text"><img data-src="/media/end.jpg" alt="" '
        'data-alt="The last scene" class="deferred-media"></span></span> after &amp; more.</p>'
        '<p><img class="deferred-media" data-src="/media/twist.jpg" data-srcset="/media/'
        'twist-480.jpg 480w" data-alt="The bus" alt=""></p>'
    )
    shown = revealed_body(body, 2)
    assert "the secret" in shown and "after &amp; more." in shown
    assert "end.jpg" not in shown and "The last scene" not in shown
    assert '<span class="spoiler" data-level="3"></span>' in shown
    # A deferred image the client asked for gets its real source and alt text.
    assert '<img src="/media/twist.jpg" srcset="/media/twist-480.jpg 480w" alt="The bus">' in shown
    assert "data-src" not in shown
    everything = revealed_body(body, 3)
    assert 'src="/media/end.jpg"' in everything and 'alt="The last scene"' in everything
    nothing = revealed_body(body, 0)
    assert "the secret" not in nothing and '<span class="spoiler" data-level="1"></span>' in nothing
