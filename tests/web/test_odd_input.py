"""Odd input in a URL gets a clear 400 or 404, never a 500: NUL bytes (PostgreSQL refuses
them in any text it compares), numbers too large for a database integer, and digits that
are digits to Unicode but not to ``int()``. The fuzz test below runs every public route
with every query parameter its view declares (``query_params``), on SQLite and, in CI, on
PostgreSQL."""

from urllib.parse import urlencode, urlsplit

import pytest
from django.test import Client
from django.urls import resolve
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.support.routes import PUBLIC_ROUTES

SECTIONS = [
    (0, "What kind of film this is", "", "A thriller about a cello prodigy."),
    (2, "Charlotte drugged Lizzie", "What happened on the trip", "She drugged her."),
]


@pytest.fixture
def site(make_article):
    """A published article, and a path of every public route (the list in test_security.py,
    which fails when a new route is missing from it) with its query string taken off."""
    article = make_article(sections=SECTIONS)
    paths = sorted({urlsplit(url(article)).path for url in PUBLIC_ROUTES.values()})
    return article, paths


def declared_params(path):
    """The query parameters the view behind ``path`` says it reads."""
    view = resolve(path).func
    view = getattr(view, "view_class", view)
    return tuple(getattr(view, "query_params", ()))


def test_every_public_page_declares_the_query_parameters_it_reads(site):
    article, paths = site
    person = next(path for path in paths if path.startswith("/people/"))
    assert declared_params("/") == ("page",)
    assert set(declared_params("/search/")) == {"q", "work", "kind", "reach", "page"}
    assert declared_params(f"/articles/{article.slug}/report/") == ("section",)
    assert set(declared_params("/works/")) == {"kind", "sort", "page"}
    assert declared_params(f"/works/{article.work.slug}/") == ("page",)
    assert declared_params(person) == ("page",)
    assert declared_params("/sitemap.xml") == ("p",)
    assert declared_params(article.get_absolute_url()) == ()


def test_a_page_number_too_large_for_the_database_is_a_404(client, site):
    assert client.get("/?page=99999999999999999999").status_code == 404


def test_a_nul_byte_in_a_query_parameter_is_a_400(client, site):
    response = client.get("/search/?q=x&work=%00")
    assert response.status_code == 400
    assert "This address was not understood" in response.content.decode()


def test_a_unicode_digit_as_a_section_number_is_a_400(client, site):
    article, _ = site
    response = client.get(f"/articles/{article.slug}/report/?section=%C2%B2")
    assert response.status_code == 400


# Every character Unicode counts as numeric: ASCII digits, other scripts' digits (int()
# reads them), superscripts and circled digits ("²".isdigit() is true, int() refuses it),
# fractions and numerals.
NUMERIC = st.sampled_from([chr(code) for code in range(0x110000) if chr(code).isnumeric()])
ODD_VALUES = st.one_of(
    st.text(st.characters(exclude_categories=["Cs"]), max_size=12),
    st.text(NUMERIC | st.sampled_from("0123456789"), min_size=1, max_size=6),
    st.integers(min_value=-(10**30), max_value=10**30).map(str),
    st.sampled_from(["\x00", "1\x00", "0", "-1", "1e9", "²", "٣", " 1", "last", "9" * 40]),
)


@pytest.mark.django_db
@settings(
    max_examples=250,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_no_query_string_makes_a_public_page_fail(site, data):
    _, paths = site
    # Routes that read no parameter drop them all (or are not cached and read none): the
    # draws go where parameters are read, one made-up parameter among them.
    path = data.draw(st.sampled_from([p for p in paths if declared_params(p)]), label="path")
    names = list(declared_params(path)) + ["utm_source"]
    chosen = data.draw(st.lists(st.sampled_from(names), min_size=1, max_size=3), label="params")
    query = urlencode([(name, data.draw(ODD_VALUES, label=name)) for name in chosen])
    response = Client(raise_request_exception=False).get(f"{path}?{query}")
    assert response.status_code < 500, f"{path}?{query}"
