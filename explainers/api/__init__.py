"""The read API, /api/v1/: published explainers, works, people and search as JSON, with an
OpenAPI document (/api/v1/openapi.json) and interactive docs (/api/v1/docs).

django-ninja: the pydantic schemas in ``schemas.py`` are the one declaration of each
answer, from which the OpenAPI document is built and against which answers are checked;
there is no serializer layer to keep in step with them.
"""

from ninja import NinjaAPI
from ninja.openapi.docs import Swagger

from . import errors
from .http import api_endpoint
from .views import router

api = NinjaAPI(
    title="Unspoiled read API",
    version="1",
    description=(
        "Read-only, spoiler-safe by default: a spoiler section gives its level, safe "
        "heading, the part of the work it reaches and its spoiler scope; its heading, body "
        "and image only when asked for with `reveal=<level>` or `through=<part>`. "
        "Only published explainers, ever. Errors are JSON "
        '(`{"status", "error", "message", "parameter"}`); an unknown query parameter is a '
        "400. See docs/spoiler-scope.md for the scope format."
    ),
    urls_namespace="api",
    openapi_url="/openapi.json",
    docs_url="/docs",
    docs=Swagger(settings={"defaultModelsExpandDepth": 0}),
)
api.add_router("", router)
errors.install(api)

# The query parameters each endpoint reads (by URL name); any other is a 400. Kept beside
# the operations' own declarations: tests/api check the two agree.
QUERY_PARAMS = {
    "list_articles": ("work", "kind", "max_level", "page"),
    "get_article": ("reveal", "through"),
    "list_works": ("kind", "page"),
    "get_work": (),
    "list_people": ("page",),
    "get_person": (),
    "search_articles": ("q", "work", "kind", "max_level", "page"),
    "spoiler_levels": (),
    "oembed": ("url", "format", "maxwidth", "maxheight"),
    "openapi-json": (),
    "api-root": (),
}


def index(request):
    """/api/v1/: where everything is (ninja's own root only redirects to the docs)."""
    from django.http import JsonResponse

    from ..origin import site_origin

    base = site_origin(request) + request.path
    return JsonResponse(
        {
            "name": api.title,
            "version": api.version,
            "openapi": base + "openapi.json",
            "docs": base + "docs",
            "spoiler_scope": "docs/spoiler-scope.md",
            "endpoints": {
                "articles": base + "articles",
                "works": base + "works",
                "people": base + "people",
                "search": base + "search",
                "levels": base + "levels",
                "oembed": base + "oembed",
            },
        }
    )


def urls():
    """The API's URL patterns for ``path("api/v1/", ...)``, each endpoint wrapped."""
    patterns, app_name, namespace = api.urls
    for pattern in patterns:
        if pattern.name == "api-root":
            pattern.callback = index
        if pattern.name in QUERY_PARAMS:
            pattern.callback = api_endpoint(pattern.callback, QUERY_PARAMS[pattern.name])
    return patterns, app_name, namespace
