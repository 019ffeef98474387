"""List, and with --delete remove, what rolled-back or interrupted changes left in media
storage: files under the images and renditions folders that no row points at, and
rendition rows whose file is gone.

Files are deleted only after the change that stops using them commits, so a rolled-back
change keeps every file its rows point at; what it can leave are new files nothing uses
(an upload or a re-rendition whose transaction failed). A file newer than --min-age may
belong to an upload still being saved, and is left alone. An image whose original is
missing is listed but never removed: articles show it, and its file should come back
from a backup.
"""

from datetime import timedelta

from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from explainers.models import Image, Rendition
from explainers.models.images import IMAGE_FOLDER, RENDITION_FOLDER


def stored_files(storage, folder):
    """Every file name under ``folder`` (ending in "/") in ``storage``, recursively."""
    try:
        directories, files = storage.listdir(folder)
    except FileNotFoundError:
        return
    for name in files:
        yield f"{folder}{name}"
    for directory in directories:
        yield from stored_files(storage, f"{folder}{directory}/")


class Command(BaseCommand):
    help = (
        "List files in media storage that no image or rendition uses, and rendition rows "
        "whose file is missing; remove them with --delete."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--delete", action="store_true", help="Remove what is listed (default: list only)."
        )
        parser.add_argument(
            "--min-age",
            type=int,
            default=60,
            metavar="MINUTES",
            help="Leave files younger than this alone: they may belong to an upload whose "
            "transaction has not committed yet (default: 60).",
        )

    def handle(self, *args, delete, min_age, **options):
        cutoff = timezone.now() - timedelta(minutes=min_age)
        places = [
            (Image._meta.get_field("file").storage, IMAGE_FOLDER),
            (Rendition._meta.get_field("file").storage, RENDITION_FOLDER),
        ]
        # Listed before the rows are read: a file written in between is newer than the
        # cutoff, so nothing in use is ever taken for an orphan.
        listed = [
            (storage, name) for storage, folder in places for name in stored_files(storage, folder)
        ]
        existing = {name for _, name in listed}
        used = set(Image.objects.values_list("file", flat=True))
        used |= set(Rendition.objects.values_list("file", flat=True))

        orphans, recent = [], 0
        for storage, name in listed:
            if name in used:
                continue
            if self._modified(storage, name) > cutoff:
                recent += 1
            else:
                orphans.append((storage, name))

        def missing(row):
            if row.file.name.startswith((IMAGE_FOLDER, RENDITION_FOLDER)):
                return row.file.name not in existing
            return not row.file.storage.exists(row.file.name)

        lost = [r for r in Rendition.objects.only("pk", "image_id", "file") if missing(r)]
        no_original = [i for i in Image.objects.only("pk", "file") if i.file and missing(i)]

        self._report(orphans, lost, no_original, recent, min_age)
        if not (orphans or lost):
            return
        if not delete:
            self.stdout.write(
                "Dry run: no files or rows were removed. Run again with --delete to remove "
                f"the {len(orphans)} file(s) and {len(lost)} rendition row(s) listed."
            )
            return

        removed = 0
        for storage, name in orphans:
            # Looked up again: a row may have taken the name since the list was made.
            if Image.objects.filter(file=name).exists():
                continue
            if Rendition.objects.filter(file=name).exists():
                continue
            storage.delete(name)
            removed += 1
        with transaction.atomic():
            Rendition.objects.filter(pk__in=[r.pk for r in lost]).delete()
            # Out of date now: the renditions command makes them again.
            Image.objects.filter(pk__in={r.image_id for r in lost}).update(renditions_made_from="")
        self.stdout.write(
            f"Removed {removed} file(s) and {len(lost)} rendition row(s)."
            + (" Run `manage.py renditions` to make the missing renditions again." if lost else "")
        )

    def _modified(self, storage, name):
        try:
            return storage.get_modified_time(name)
        except NotImplementedError:
            # A storage that cannot tell: every file counts as old enough.
            return timezone.now() - timedelta(days=36500)

    def _report(self, orphans, lost, no_original, recent, min_age):
        write = self.stdout.write
        if orphans:
            write("Files that no image or rendition uses:")
            for _, name in orphans:
                write(f"  {name}")
        if lost:
            write("Rendition rows whose file is missing:")
            for rendition in lost:
                write(f"  {rendition.file.name} (image {rendition.image_id})")
        if no_original:
            write("Images whose original file is missing (not removed: restore it from a backup):")
            for image in no_original:
                write(f"  {image.file.name} (image {image.pk})")
        if not (orphans or lost or no_original):
            write("Nothing orphaned in media storage.")
        if recent:
            write(f"{recent} unused file(s) newer than {min_age} minutes were left alone.")
