"""Hostile and odd query strings: every API endpoint answers 200, 400 (naming the
parameter) or 404, always in JSON, never a 500, and never a spoiler it was not asked for."""

from urllib.parse import urlencode

import pytest
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from explainers.api import QUERY_PARAMS

SECTIONS = [(0, "Intro", "", "Plain words."), (3, "Zanzibarquux ending", "The end", "Quuxly.")]

ODD = st.one_of(
    st.text(st.characters(exclude_categories=["Cs"]), max_size=12),
    st.integers(min_value=-(10**30), max_value=10**30).map(str),
    st.sampled_from(
        ["\x00", "0", "-1", "1e9", "²", "٣", " 1", "9" * 40, "ending", "3 ", "../", "%00"]
    ),
)


@pytest.fixture
def article(make_article):
    return make_article(sections=SECTIONS)


@pytest.mark.django_db
@settings(
    max_examples=200,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_no_query_string_breaks_an_endpoint_or_reveals_anything(article, data):
    name = data.draw(st.sampled_from(sorted(n for n, p in QUERY_PARAMS.items() if p)))
    path = {
        "get_article": f"/api/v1/articles/{article.slug}",
        "list_articles": "/api/v1/articles",
        "list_works": "/api/v1/works",
        "list_people": "/api/v1/people",
        "search_articles": "/api/v1/search",
        "oembed": "/api/v1/oembed",
    }[name]
    names = [*QUERY_PARAMS[name], "utm_source"]
    chosen = data.draw(st.lists(st.sampled_from(names), min_size=1, max_size=3, unique=True))
    query = urlencode([(param, data.draw(ODD, label=param)) for param in chosen])
    response = Client(raise_request_exception=False).get(f"{path}?{query}")
    assert response.status_code in (200, 400, 404, 501), f"{path}?{query}"
    assert response["Content-Type"].startswith("application/json"), f"{path}?{query}"
    if response.status_code == 400:
        assert response.json()["message"]
    if "reveal" not in chosen:
        assert "Zanzibarquux" not in response.content.decode()
