from django.core.management.base import BaseCommand

from explainers.models import Article
from explainers.stored_pages import build_stale


class Command(BaseCommand):
    help = (
        "Render every stored article page that is out of date (after a deploy that changed "
        "the templates, or a change to a spoiler level or warning that every page shows), "
        "so readers do not pay for it. Safe to run at any time and on any number of servers. "
        "With --bodies, first render every article's section bodies again (after a deploy "
        "that changed the Markdown pipeline: bodies are otherwise rendered only on save)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--bodies",
            action="store_true",
            help="Render every article's section bodies again first.",
        )

    def handle(self, *args, **options):
        if options["bodies"]:
            bodies = 0
            for article in Article.objects.order_by("pk").iterator():
                article.render_sections()
                bodies += 1
            self.stdout.write(f"Bodies of {bodies} article{'s' if bodies != 1 else ''} rendered.")
        count = build_stale()
        self.stdout.write(f"{count} article page{'s' if count != 1 else ''} rendered.")
