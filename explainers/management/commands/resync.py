from django.core.management.base import BaseCommand
from django.db import transaction

from explainers import edge_cache, page_cache, search, stored_pages
from explainers.models import Article


def resync(*, render=True):
    """Bring everything derived from the editorial rows back in step with them, after rows
    were written without the signals that usually do it (``loaddata`` saves raw,
    ``pg_restore`` sends nothing): every stored page marked out of date (and, with
    ``render``, rendered again), the search index recomputed, the page cache emptied (and
    the edge cache in front, when there is one).
    How many article pages were rendered."""
    stored_pages.mark_stale(stored_pages.EVERY_PAGE)
    search.refresh(Article.objects.values_list("pk", flat=True))
    # Now, and once more when the surrounding transaction commits: a reader in between
    # may have cached a page of the rows being replaced.
    page_cache.invalidate()
    transaction.on_commit(page_cache.invalidate)
    edge_cache.purge_after_commit({edge_cache.EVERY_PAGE_KEY})
    return stored_pages.build_stale() if render else 0


class Command(BaseCommand):
    help = (
        "After restoring a backup (loaddata does this by itself; pg_restore does not): mark "
        "every stored article page out of date and render it again, rebuild the search "
        "index and empty the page cache, so no reader is served the rows that were replaced."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--no-render",
            action="store_true",
            help="Only mark the pages out of date; readers (or build_pages) render them.",
        )

    def handle(self, *args, **options):
        count = resync(render=not options["no_render"])
        self.stdout.write(
            f"Search index and page cache refreshed; {count} article page"
            f"{'s' if count != 1 else ''} rendered."
        )
