from django.urls import path

from . import feeds, views
from .page_cache import cache_public_page

app_name = "explainers"

urlpatterns = [
    path("", cache_public_page(views.HomeView.as_view()), name="home"),
    path("search/", cache_public_page(views.SearchView.as_view()), name="search"),
    path("feed/", cache_public_page(feeds.LatestExplainersFeed()), name="feed"),
    path("feed/rss/", cache_public_page(feeds.LatestExplainersRss()), name="feed-rss"),
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
    path("works/", cache_public_page(views.WorkListView.as_view()), name="works"),
    path("works/<slug:slug>/", cache_public_page(views.WorkDetailView.as_view()), name="work"),
    path(
        "works/<slug:slug>/feed/",
        cache_public_page(feeds.WorkExplainersFeed()),
        name="work-feed",
    ),
    path(
        "works/<slug:slug>/feed/rss/",
        cache_public_page(feeds.WorkExplainersRss()),
        name="work-feed-rss",
    ),
    path(
        "people/<slug:slug>/",
        cache_public_page(views.PersonDetailView.as_view()),
        name="person",
    ),
    path("preview/<str:token>/", views.PreviewLinkView.as_view(), name="preview"),
]
