"""Images remember the hash of their pixels, so that an upload of the same picture is
offered the image already there. Existing images get the hash of their stored file's
pixels: a copy downloaded from the site (or re-saved from it) matches; the original upload
of a JPEG may not, since the stored copy was encoded again. An image whose file cannot be
read keeps an empty hash and matches nothing."""

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
            pixel_hash=found
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
                help_text="SHA-256 of the decoded pixels (imaging.pixel_hash): an upload of "
                "the same picture, whatever its format or metadata, is offered this image "
                "instead.",
                max_length=64,
            ),
        ),
        migrations.RunPython(fill_pixel_hashes, migrations.RunPython.noop, elidable=True),
    ]
