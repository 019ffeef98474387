"""Images keep a sketch of their pixels (an 8 × 8 grey thumbnail, ``imaging.sketch_of``),
so that the duplicate check hashes every pixel of an upload only when an image of its size
looks like it. Existing images get their stored file's sketch here (a JPEG is read at an
eighth of its size); one whose file cannot be read keeps an empty sketch, which the check
treats as "may be the same" (it then hashes, as before sketches)."""

import logging

from django.db import migrations, models

logger = logging.getLogger(__name__)


def fill_sketches(apps, schema_editor):
    from explainers.imaging import stored_sketch

    Image = apps.get_model("explainers", "Image")
    images = Image.objects.using(schema_editor.connection.alias).filter(pixel_sketch="")
    for image in images.exclude(file="").iterator():
        try:
            with image.file.open("rb") as handle:
                sketch = stored_sketch(handle)
        except (OSError, ValueError, MemoryError):
            logger.warning("Could not read image %s to sketch it", image.pk)
            continue
        Image.objects.using(schema_editor.connection.alias).filter(pk=image.pk).update(
            pixel_sketch=sketch
        )


class Migration(migrations.Migration):
    dependencies = [
        ("explainers", "0021_slug_redirect"),
    ]

    operations = [
        migrations.AddField(
            model_name="image",
            name="pixel_sketch",
            field=models.CharField(
                blank=True,
                editable=False,
                help_text="An 8 × 8 grey thumbnail, upright (imaging.sketch_of): only an "
                "upload of the same size and a close sketch has its pixels hashed for the "
                "duplicate check.",
                max_length=128,
            ),
        ),
        migrations.RunPython(fill_sketches, migrations.RunPython.noop, elidable=True),
    ]
