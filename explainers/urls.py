from django.urls import path

from . import feeds, views

app_name = "explainers"

urlpatterns = [
    path("", views.HomeView.as_view(), name="home"),
    path("search/", views.SearchView.as_view(), name="search"),
    path("feed/", feeds.LatestExplainersFeed(), name="feed"),
    path("feed/rss/", feeds.LatestExplainersRss(), name="feed-rss"),
    path("articles/<slug:slug>/", views.ArticleDetailView.as_view(), name="article"),
    path("works/", views.WorkListView.as_view(), name="works"),
    path("works/<slug:slug>/", views.WorkDetailView.as_view(), name="work"),
    path("works/<slug:slug>/feed/", feeds.WorkExplainersFeed(), name="work-feed"),
    path("works/<slug:slug>/feed/rss/", feeds.WorkExplainersRss(), name="work-feed-rss"),
    path("people/<slug:slug>/", views.PersonDetailView.as_view(), name="person"),
    path("preview/<str:token>/", views.PreviewLinkView.as_view(), name="preview"),
]
