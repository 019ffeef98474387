from django.urls import path

from . import views

app_name = "explainers"

urlpatterns = [
    path("", views.HomeView.as_view(), name="home"),
    path("articles/<slug:slug>/", views.ArticleDetailView.as_view(), name="article"),
    path("articles/<slug:slug>/report/", views.ReportSpoilerView.as_view(), name="report_spoiler"),
    path(
        "articles/<slug:slug>/report/thanks/",
        views.ReportThanksView.as_view(),
        name="report_thanks",
    ),
    path("works/<slug:slug>/", views.WorkDetailView.as_view(), name="work"),
    path("preview/<str:token>/", views.PreviewLinkView.as_view(), name="preview"),
]
