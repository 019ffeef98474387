"""oEmbed: an article URL unfurls as a card with its title, dek and a spoiler-free image,
never more; the article page names the endpoint in its <head>."""

import html
import re

import pytest

from explainers.models import Article

SECTIONS = [(0, "Intro", "", "Plain words."), (3, "They play one cello", "The end", "Together.")]


@pytest.fixture
def article(make_article, make_image):
    article = make_article(sections=SECTIONS)
    article.hero_image = make_image(rank=0, alt="An empty concert hall")
    article.save()
    return article


def oembed(client, url, **params):
    return client.get("/api/v1/oembed", {"url": url, **params})


def test_an_article_url_gives_a_link_card_with_title_dek_and_a_level_0_image(client, article):
    response = oembed(client, f"http://testserver{article.get_absolute_url()}")
    assert response.status_code == 200
    card = response.json()
    assert card["version"] == "1.0" and card["type"] == "link"
    assert card["title"] == article.title and card["description"] == article.dek
    assert card["thumbnail_url"].startswith("http://testserver/media/")
    assert card["thumbnail_width"] and card["thumbnail_height"]
    assert "html" not in card
    assert "cello" not in response.content.decode().lower()


def test_a_relative_article_path_is_accepted_too(client, article):
    assert oembed(client, article.get_absolute_url()).json()["title"] == article.title


def test_an_image_raised_above_level_0_is_left_out_of_the_card(client, article, levels):
    image = article.hero_image
    type(image).objects.filter(pk=image.pk).update(spoiler_level=levels[2])
    card = oembed(client, article.get_absolute_url()).json()
    assert card.get("thumbnail_url") is None


def test_maxwidth_picks_a_smaller_thumbnail_or_none(client, article):
    full = oembed(client, article.get_absolute_url()).json()
    small = oembed(client, article.get_absolute_url(), maxwidth=full["thumbnail_width"] - 1)
    small = small.json()
    if small.get("thumbnail_url"):
        assert small["thumbnail_width"] < full["thumbnail_width"]
    tiny = oembed(client, article.get_absolute_url(), maxwidth=1, maxheight=1).json()
    assert tiny.get("thumbnail_url") is None


@pytest.mark.parametrize(
    "url",
    [
        "https://elsewhere.example/articles/{slug}/",
        "/works/the-perfection/",
        "/articles/no-such-article/",
        "javascript:alert(1)",
        "",
    ],
)
def test_anything_but_a_published_article_of_this_site_is_a_404(client, article, url):
    response = oembed(client, url.format(slug=article.slug))
    assert response.status_code == 404
    assert response.json()["error"] == "not_found"


def test_a_draft_gives_no_card(client, make_article):
    draft = make_article(status=Article.Status.DRAFT, title="Draft Zanzibarquux")
    response = oembed(client, draft.get_absolute_url())
    assert response.status_code == 404 and "Zanzibarquux" not in response.content.decode()


def test_xml_is_not_offered_and_the_url_is_required(client, article):
    assert oembed(client, article.get_absolute_url(), format="xml").status_code == 501
    assert oembed(client, article.get_absolute_url(), format="yaml").status_code == 400
    missing = client.get("/api/v1/oembed")
    assert missing.status_code == 400 and missing.json()["parameter"] == "url"


def test_the_article_page_names_its_oembed_endpoint(client, article):
    page = client.get(article.get_absolute_url()).content.decode()
    link = re.search(r'<link rel="alternate" type="application/json\+oembed" href="([^"]+)"', page)
    assert link, "no oEmbed discovery link"
    href = html.unescape(link.group(1))
    assert href.startswith("http://testserver/api/v1/oembed?url=http://testserver/articles/")
    assert client.get(href).json()["title"] == article.title


def test_oembed_query_count_is_pinned(client, article, django_assert_num_queries):
    with django_assert_num_queries(3):  # the article with work and hero, renditions, authors
        oembed(client, article.get_absolute_url())
