from django.core.management.base import BaseCommand

from explainers.pages import build_stale


class Command(BaseCommand):
    help = (
        "Render every stored article page that is out of date (after a deploy that changed "
        "the templates, or a change to a spoiler level or warning that every page shows), "
        "so readers do not pay for it. Safe to run at any time and on any number of servers."
    )

    def handle(self, *args, **options):
        count = build_stale()
        self.stdout.write(f"{count} article page{'s' if count != 1 else ''} rendered.")
