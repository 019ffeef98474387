"""Images remember the hash of their pixels, so that an upload of the same picture is
offered the image already there: of the pixels as uploaded, and of the stored copy's
(which differ for a JPEG or WebP, encoded again when stored). Existing images get their
stored file's hash in both: a copy saved from the site matches; the original upload of a
JPEG may not. An image whose file cannot be read keeps empty hashes and matches nothing."""

import logging

from django.db import migrations, models

logger = logging.getLogger(__name__)


def fill_pixel_hashes(apps, schema_editor):
    from django.core.exceptions import ValidationError

    from explainers.imaging import pixel_hash

    Image = apps.get_model("explainers", "Image")
    images = Image.objects.using(schema_editor.connection.alias).filter(pixel_hash="")
    for image in images.exclude(file="").iterator():
        try:
            with image.file.open("rb") as handle:
                found = pixel_hash(handle)
        except (OSError, ValueError, ValidationError):
            logger.warning("Could not read image %s to hash its pixels", image.pk)
            continue
        Image.objects.using(schema_editor.connection.alias).filter(pk=image.pk).update(
            pixel_hash=found, stored_pixel_hash=found
        )


class Migration(migrations.Migration):
    dependencies = [
        ("explainers", "0018_starter_word_families"),
    ]

    operations = [
        migrations.AddField(
            model_name="image",
            name="pixel_hash",
            field=models.CharField(
                blank=True,
                db_index=True,
                editable=False,
                help_text="SHA-256 of the decoded pixels as uploaded (imaging.pixel_hash): an "
                "upload of the same picture, whatever its format or metadata, is offered this "
                "image instead.",
                max_length=64,
            ),
        ),
        migrations.AddField(
            model_name="image",
            name="stored_pixel_hash",
            field=models.CharField(
                blank=True,
                db_index=True,
                editable=False,
                help_text="The same of the stored file, whose pixels differ from the upload's "
                "when it was encoded again (JPEG, WebP): a copy saved from the site matches too.",
                max_length=64,
            ),
        ),
        migrations.RunPython(fill_pixel_hashes, migrations.RunPython.noop, elidable=True),
    ]
