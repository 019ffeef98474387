from django.core.management.base import BaseCommand

from explainers.services.articles import record_go_lives


class Command(BaseCommand):
    help = (
        "Record in the audit log the scheduled articles whose publication time has come. "
        "Visibility never waits for this command (the published gate compares times); run "
        "it from cron every few minutes so the log says when each article went live."
    )

    def handle(self, *args, **options):
        articles = record_go_lives()
        for article in articles:
            self.stdout.write(f"Went live: {article.title} ({article.published_at:%Y-%m-%d %H:%M})")
        self.stdout.write(self.style.SUCCESS(f"{len(articles)} scheduled article(s) recorded."))
