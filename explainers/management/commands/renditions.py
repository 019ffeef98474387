"""Make the renditions and placeholders that are missing or out of date.

Images get theirs when they are saved; this is for images stored before renditions
existed, or after the rendition sizes change. Readers' requests never make any.
"""

from django.core.management.base import BaseCommand

from explainers.models import Image


class Command(BaseCommand):
    help = "Make missing or out-of-date image renditions (add --all to remake every one)."

    def add_arguments(self, parser):
        parser.add_argument("--all", action="store_true", help="Remake even up-to-date ones.")

    def handle(self, *args, **options):
        made = 0
        for image in Image.objects.select_related("spoiler_level").iterator():
            if options["all"] or image.rendition_source_key() != image.renditions_made_from:
                image.make_renditions()
                made += 1
        self.stdout.write(f"Made renditions for {made} image(s).")
