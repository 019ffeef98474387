from django.apps import AppConfig


class ExplainersConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "explainers"
    verbose_name = "Explainers"

    def ready(self):
        from . import caching, pages, revisions, search

        revisions.register()
        search.connect_signals()
        caching.connect_signals()
        pages.connect_signals()
