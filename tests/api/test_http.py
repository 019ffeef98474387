"""The read API as HTTP: the same caching as the pages (Cache-Control, ETag, 304, the
same invalidation), CORS for GET, a rate limit, JSON errors everywhere under /api/, and
an OpenAPI document that validates and declares what each endpoint reads."""

import pytest
from django.core.cache import cache
from openapi_spec_validator import validate

from explainers.api import QUERY_PARAMS

SECTIONS = [
    (0, "Intro", "", "Plain words."),
    (2, "Charlotte drugged Lizzie", "The trip", "She did."),
]


@pytest.fixture
def article(make_article):
    return make_article(sections=SECTIONS)


@pytest.fixture
def page_cache(settings, still_clock):
    settings.PAGE_CACHE_SECONDS = 300
    cache.clear()
    yield
    cache.clear()


def test_answers_are_cached_like_the_pages_with_an_etag_and_a_304(
    client, article, page_cache, django_assert_num_queries
):
    url = f"/api/v1/articles/{article.slug}?reveal=2"
    first = client.get(url)
    assert first["X-Page-Cache"] == "miss"
    with django_assert_num_queries(0):
        second = client.get(url)
    assert second["X-Page-Cache"] == "hit" and second.content == first.content
    control = second["Cache-Control"]
    assert "public" in control and 0 < int(control.split("s-maxage=")[1].split(",")[0]) <= 300
    # reveal is part of the key: the safe answer is never served for a revealing one.
    assert "drugged" not in client.get(f"/api/v1/articles/{article.slug}").content.decode()
    response = client.get(url, HTTP_IF_NONE_MATCH=first["ETag"])
    assert response.status_code == 304 and response.content == b""


def test_an_etag_and_a_304_without_the_page_cache_too(client, article):
    first = client.get("/api/v1/articles")
    assert first["ETag"]
    assert client.get("/api/v1/articles", HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 304


def test_an_edit_shows_in_the_api_at_once(client, article, page_cache, commit_on_success):
    url = f"/api/v1/articles/{article.slug}"
    assert client.get(url)["X-Page-Cache"] == "miss"
    with commit_on_success():
        article.title = "A retitled explainer"
        article.save()
    assert client.get(url).json()["title"] == "A retitled explainer"


@pytest.fixture
def commit_on_success(django_capture_on_commit_callbacks):
    return lambda: django_capture_on_commit_callbacks(execute=True)


def test_any_origin_may_read_it_and_preflight_is_answered(client, article):
    response = client.get("/api/v1/articles", HTTP_ORIGIN="https://tracker.example")
    assert response["Access-Control-Allow-Origin"] == "*"
    assert "ETag" in response["Access-Control-Expose-Headers"]
    preflight = client.options(
        "/api/v1/articles",
        HTTP_ORIGIN="https://tracker.example",
        HTTP_ACCESS_CONTROL_REQUEST_METHOD="GET",
    )
    assert preflight.status_code == 204
    assert "GET" in preflight["Access-Control-Allow-Methods"]
    assert "If-None-Match" in preflight["Access-Control-Allow-Headers"]


def test_writes_are_refused_in_json(client, article):
    for method in (client.post, client.put, client.delete):
        response = method(f"/api/v1/articles/{article.slug}")
        assert response.status_code == 405
        assert response.json()["error"] == "method_not_allowed"
        assert response["Allow"] == "GET, HEAD, OPTIONS"


def test_head_gets_the_headers_without_a_body(client, article):
    response = client.head(f"/api/v1/articles/{article.slug}")
    assert response.status_code == 200 and response.content == b""
    assert response["Content-Type"] == "application/json; charset=utf-8"


def test_a_client_asking_too_often_gets_a_json_429_with_retry_after(client, article, settings):
    settings.API_REQUESTS_PER_CLIENT = 2
    cache.clear()
    assert client.get("/api/v1/articles").status_code == 200
    assert client.get("/api/v1/levels").status_code == 200
    response = client.get("/api/v1/works")
    assert response.status_code == 429
    assert 0 < int(response["Retry-After"]) <= settings.API_WINDOW_SECONDS
    assert "Too many requests" in response.json()["message"]
    # Another client is not held up by this one.
    assert client.get("/api/v1/works", REMOTE_ADDR="203.0.113.9").status_code == 200
    cache.clear()


@pytest.mark.parametrize(
    ("url", "status"),
    [
        ("/api/v1/no-such-endpoint", 404),
        ("/api/v1/articles/no-such-article", 404),
        ("/api/v1/works/no-such-work", 404),
        ("/api/v1/people/nobody", 404),
        ("/api/v1/articles?work=%00", 400),
        ("/api/v1/search?q=" + "x" * 3000, 400),
        ("/api/v1/articles?page=1e3", 400),
        ("/api/v1/articles?page=-1", 400),
        ("/api/v1/works?kind=%3Cscript%3E", 400),
        ("/api/v1/levels?utm_source=feed", 400),
    ],
)
def test_every_error_under_the_api_is_json_with_a_message(client, db, url, status):
    response = client.get(url)
    assert response.status_code == status
    assert response["Content-Type"].startswith("application/json")
    error = response.json()
    assert error["status"] == status and error["message"]
    assert "<script>" not in response.content.decode()


def test_pages_outside_the_api_keep_their_html_errors(client, db):
    response = client.get("/no-such-page/")
    assert response.status_code == 404 and "Nothing here" in response.content.decode()


def test_the_openapi_document_is_served_and_valid(client, db):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    schema = response.json()
    validate(schema)
    assert schema["info"]["title"] == "Unspoiled read API"
    reveal = schema["paths"]["/api/v1/articles/{slug}"]["get"]["parameters"]
    assert {"slug", "reveal", "through"} == {parameter["name"] for parameter in reveal}


def test_each_endpoint_reads_exactly_the_parameters_its_operation_declares(client, db):
    """The 400 for an unknown parameter and the cache key use QUERY_PARAMS; the OpenAPI
    document is built from the operations. They must agree."""
    from django.urls import reverse

    schema = client.get("/api/v1/openapi.json").json()
    declared = {}
    for path, operations in schema["paths"].items():
        parameters = operations["get"].get("parameters", [])
        declared[path] = {p["name"] for p in parameters if p["in"] == "query"}
    for name, params in QUERY_PARAMS.items():
        if name in ("openapi-json", "api-root"):
            continue
        kwargs = {"slug": "{slug}"} if name.startswith("get_") else {}
        path = reverse(f"api:{name}", kwargs=kwargs).replace("%7B", "{").replace("%7D", "}")
        assert declared[path] == set(params), name


def test_the_index_names_every_endpoint(client, db):
    index = client.get("/api/v1/").json()
    assert index["openapi"] == "http://testserver/api/v1/openapi.json"
    for url in index["endpoints"].values():
        assert client.get(url).status_code in (200, 400)  # oembed needs its url
