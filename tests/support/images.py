"""Real image files for tests, made with Pillow."""

import io

from PIL import Image as PILImage


def image_bytes(fmt="PNG", size=(64, 36), color=(120, 40, 30)):
    """A real image file made with Pillow."""
    buffer = io.BytesIO()
    PILImage.new("RGB", size, color).save(buffer, fmt)
    return buffer.getvalue()
