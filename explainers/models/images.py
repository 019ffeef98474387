from pathlib import Path
from uuid import uuid4

from django.db import models
from django.utils import timezone

from explainers.imaging import ALLOWED_FORMATS, check_image_upload, validate_image_file


def image_upload_to(instance, filename):
    """A random name with the extension of what the file really is.

    The uploaded name is never kept: it could spoil ("lizzie-final-scene.jpg") or claim
    a type (.html, .svg) that the content is not.
    """
    extension = None
    upload = instance.file
    if upload and not getattr(upload, "_committed", True):
        extension = check_image_upload(upload.file).extension
    if extension is None:
        suffix = Path(filename).suffix.lower().lstrip(".")
        extension = "jpg" if suffix == "jpeg" else suffix
        if extension not in ALLOWED_FORMATS.values():
            extension = "img"
    return f"images/{timezone.now():%Y/%m}/{uuid4().hex}.{extension}"


class Image(models.Model):
    file = models.ImageField(
        upload_to=image_upload_to,
        width_field="width",
        height_field="height",
        validators=[validate_image_file],
        help_text="JPEG, PNG, WebP or GIF, at most 10 MB.",
    )
    width = models.PositiveIntegerField(editable=False, null=True)
    height = models.PositiveIntegerField(editable=False, null=True)
    alt_text = models.CharField(
        max_length=300,
        help_text="What the image shows, for readers who cannot see it. Keep it safe at "
        "the image's own spoiler level.",
    )
    credit = models.CharField(
        max_length=200, help_text="Shown under the image, e.g. “Image via Netflix”."
    )
    caption = models.CharField(max_length=300, blank=True)
    spoiler_level = models.ForeignKey(
        "explainers.SpoilerLevel",
        on_delete=models.PROTECT,
        related_name="images",
        help_text="A still can spoil as surely as a sentence. Above 0, the image is not "
        "loaded until the reader reveals it, and it cannot be a hero image.",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return self.alt_text[:80]
