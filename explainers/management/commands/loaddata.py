from django.core.management.commands import loaddata

from .resync import resync


class Command(loaddata.Command):
    """Django's loaddata, then ``resync``: fixtures are saved raw, without the signals that
    keep stored pages, the search index and the page cache in step, so a restored backup
    would otherwise be served from the pages of the rows it replaced."""

    help = (
        loaddata.Command.help
        + " Afterwards marks every stored article page out of date, rebuilds the search index "
        "and empties the page cache (see manage.py resync)."
    )

    def handle(self, *fixture_labels, **options):
        super().handle(*fixture_labels, **options)
        if getattr(self, "loaded_object_count", 0):
            # Pages are rendered by their next reader, or ahead of them by build_pages.
            resync(render=False)
