from django.apps import AppConfig


class ExplainersConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "explainers"
    verbose_name = "Explainers"

    def ready(self):
        from . import invalidation, revisions

        revisions.register()
        invalidation.connect_signals()
