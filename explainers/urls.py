from django.urls import path

from . import views
from .caching import cache_public_page

app_name = "explainers"

urlpatterns = [
    path("", cache_public_page(views.HomeView.as_view()), name="home"),
    path(
        "articles/<slug:slug>/",
        cache_public_page(views.ArticleDetailView.as_view()),
        name="article",
    ),
    # Not cached: the form carries a CSRF token, the thank-you is one reader's outcome.
    path("articles/<slug:slug>/report/", views.ReportSpoilerView.as_view(), name="report_spoiler"),
    path(
        "articles/<slug:slug>/report/thanks/",
        views.ReportThanksView.as_view(),
        name="report_thanks",
    ),
    path("works/<slug:slug>/", cache_public_page(views.WorkDetailView.as_view()), name="work"),
    path("preview/<str:token>/", views.PreviewLinkView.as_view(), name="preview"),
]
