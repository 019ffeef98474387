from django.core.management.base import BaseCommand

from explainers import search
from explainers.models import Article


class Command(BaseCommand):
    help = (
        "Rebuild every article's search index from its spoiler-safe text. Saving keeps it "
        "current; run this once after upgrading, or after changing the search settings."
    )

    def handle(self, *args, **options):
        ids = list(Article.objects.values_list("pk", flat=True))
        search.refresh(ids)
        self.stdout.write(f"Indexed {len(ids)} article(s).")
