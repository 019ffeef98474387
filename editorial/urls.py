from django.conf import settings
from django.contrib import admin
from django.contrib.sitemaps.views import sitemap
from django.urls import include, path, re_path
from django.views.static import serve

from explainers import api, editor_endpoints, views
from explainers.api import errors as api_errors
from explainers.page_cache import cache_public_page
from explainers.sitemaps import SITEMAPS

admin.site.site_header = "Explainers editorial"
admin.site.site_title = "Explainers editorial"
admin.site.index_title = "Newsroom"

urlpatterns = [
    path("admin/", admin.site.urls),
    # django-markdownx's own URLs are open to anyone; ours wrap them for staff editors.
    path("markdownx/", include(editor_endpoints.urlpatterns)),
    path(
        "sitemap.xml",
        cache_public_page(sitemap, query_params=("p",)),  # "p": the sitemap's page
        {"sitemaps": SITEMAPS},
        name="sitemap",
    ),
    # The read API (explainers/api): JSON, its OpenAPI document and docs.
    path("api/v1/", api.urls()),
    path("robots.txt", views.robots_txt, name="robots"),
    path("favicon.ico", views.favicon, name="favicon"),
    path("", include("explainers.urls")),
]

# Under /api/ errors are JSON; elsewhere the site's own pages.
handler400 = api_errors.bad_request
handler404 = api_errors.page_not_found
handler500 = api_errors.server_error

if settings.SERVE_MEDIA:
    # Development only (SERVE_MEDIA defaults to DEBUG); production serves media elsewhere.
    media_prefix = settings.MEDIA_URL.lstrip("/")
    urlpatterns += [
        re_path(rf"^{media_prefix}(?P<path>.*)$", serve, {"document_root": settings.MEDIA_ROOT})
    ]
