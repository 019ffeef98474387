"""One validation path for every uploaded image (admin forms and the Markdown editor).

A file is accepted only if Pillow decodes it, completely, as one of the allowed raster
formats, within the size and pixel limits. The name and declared content type are never
trusted: an SVG, an HTML page or a truncated JPEG named ``still.jpg`` is refused.
"""

import warnings
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from PIL import Image as PILImage
from PIL import UnidentifiedImageError

ALLOWED_FORMATS = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp", "GIF": "gif"}


@dataclass(frozen=True)
class CheckedImage:
    format: str
    extension: str
    width: int
    height: int


def check_image_upload(upload):
    """Decode ``upload`` (a Django File) and return what it is, or raise ValidationError."""
    max_bytes = settings.IMAGE_UPLOAD_MAX_BYTES
    max_pixels = settings.IMAGE_MAX_PIXELS
    size = getattr(upload, "size", None)
    if size is not None and size > max_bytes:
        raise ValidationError(
            "This file is %(size)s; images may be at most %(limit)s. "
            "Export a smaller JPEG, PNG or WebP and upload that.",
            code="too_large",
            params={"size": filesizeformat(size), "limit": filesizeformat(max_bytes)},
        )
    position = upload.tell() if hasattr(upload, "tell") else 0
    try:
        upload.seek(0)
        with warnings.catch_warnings():
            warnings.simplefilter("error", PILImage.DecompressionBombWarning)
            with PILImage.open(upload) as probe:
                image_format = probe.format
                width, height = probe.size
                if image_format not in ALLOWED_FORMATS:
                    raise ValidationError(
                        "This is a %(format)s file; upload a JPEG, PNG, WebP or GIF image.",
                        code="format",
                        params={"format": image_format or "unknown"},
                    )
                if width * height > max_pixels:
                    raise ValidationError(
                        "This image is %(width)s × %(height)s pixels, more than the limit "
                        "of %(limit)s megapixels. Resize it and upload it again.",
                        code="too_many_pixels",
                        params={
                            "width": width,
                            "height": height,
                            "limit": max_pixels // 1_000_000,
                        },
                    )
                probe.load()  # decodes every byte: truncated files fail here
    except ValidationError:
        raise
    except (PILImage.DecompressionBombError, PILImage.DecompressionBombWarning) as exc:
        raise ValidationError(
            "This image's dimensions are too large to process safely.", code="bomb"
        ) from exc
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise ValidationError(
            "This file is not a readable image (it may be damaged, truncated, or another "
            "kind of file renamed). Upload a JPEG, PNG, WebP or GIF image.",
            code="unreadable",
        ) from exc
    finally:
        upload.seek(position)
    return CheckedImage(image_format, ALLOWED_FORMATS[image_format], width, height)


def validate_image_file(value):
    """Model field validator wrapping ``check_image_upload``.

    Only a new upload is checked: a file already in storage passed when it arrived, and
    editing an image's credit must not need the file re-read (or re-uploaded).
    """
    if getattr(value, "_committed", False):
        return
    check_image_upload(value)
