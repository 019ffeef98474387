from django.core.management.base import BaseCommand

from explainers.services.articles import record_go_lives


class Command(BaseCommand):
    help = (
        "Record in the audit log the scheduled articles whose publication time has come "
        "and that no background task recorded yet. The worker does this at each article's "
        "time (the go_live task); this command is the catch-up for what it missed (no "
        "worker running then), safe to run from cron as a safety net. Visibility never "
        "waits for either (the published gate compares times)."
    )

    def handle(self, *args, **options):
        articles = record_go_lives()
        for article in articles:
            self.stdout.write(f"Went live: {article.title} ({article.published_at:%Y-%m-%d %H:%M})")
        self.stdout.write(self.style.SUCCESS(f"{len(articles)} scheduled article(s) recorded."))
