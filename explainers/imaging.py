"""Everything Pillow does for us: one validation path for every uploaded image (admin
forms and the Markdown editor), the clean copy that is stored, and the renditions and
placeholders that readers are served.

A file is accepted only if Pillow decodes it, completely, as one of the allowed raster
formats, within the size, pixel and frame limits, and carries no markup a browser could run
(a polyglot). The name and declared content type are never trusted: an SVG, an HTML
page or a truncated JPEG named ``still.jpg`` is refused.

What is stored never carries what the camera or the editor's machine wrote (no EXIF, GPS,
XMP, comments or text chunks). A camera's upright RGB or greyscale JPEG keeps its
compressed pixels as they are, with every other segment dropped (``lossless_jpeg_copy``:
no loss, and milliseconds for a 24-megapixel still); anything else is decoded, turned
upright (EXIF orientation) and encoded again.
"""

import base64
import contextlib
import hashlib
import io
import re
import time
import warnings
from dataclasses import dataclass, replace

from django.conf import settings
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from PIL import Image as PILImage
from PIL import ImageFilter, ImageOps, UnidentifiedImageError

ALLOWED_FORMATS = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp", "GIF": "gif"}
EXIF_ORIENTATION = 0x0112

# Markup a browser would run if the file were ever served as HTML or SVG. Looked for at
# both ends of the file, where polyglots put it (a JPEG comment, a PNG text chunk, bytes
# appended after the image); long enough not to turn up by chance in compressed pixels.
_MARKUP_RE = re.compile(
    rb"<(?:script|html|body|iframe|object|embed|svg[\s>/]|!doctype|\?php|\?xml)"
    rb"|javascript:",
    re.I,
)
_SNIFF_BYTES = 64 * 1024


@dataclass(frozen=True)
class CheckedImage:
    format: str
    extension: str
    width: int
    height: int
    pixel_hash: str = ""  # of the pixels as uploaded
    stored_pixel_hash: str = ""  # of the stored copy's (differ when encoded again)
    mode: str = ""
    orientation: int = 1  # the EXIF tag: 1 is upright; 5 to 8 swap width and height

    sketch: str = ""  # ``sketch_of`` the first frame, upright

    @property
    def upright_size(self):
        """Width and height as seen, once turned by its EXIF orientation."""
        if self.orientation in (5, 6, 7, 8):
            return self.height, self.width
        return self.width, self.height


def check_image_upload(upload):
    """Decode ``upload`` (a Django File) and return what it is, or raise ValidationError.

    An upload is checked once: the form field, the model's validator and the clean copy
    each ask, and the answer for the same file object of the same size is kept on it."""
    # A model field's file wraps the upload the form checked: the answer is kept on that.
    holder = getattr(upload, "_file", None) or upload
    known = getattr(holder, "_explainers_checked", None)
    if known is not None and known[0] == getattr(upload, "size", None):
        return known[1]
    checked = _check_image_upload(upload)
    # An object that takes no attributes is simply checked again next time.
    with contextlib.suppress(AttributeError):
        holder._explainers_checked = (getattr(upload, "size", None), checked)
    return checked


def _check_image_upload(upload):
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
                mode = probe.mode
                orientation = probe.getexif().get(EXIF_ORIENTATION, 1)
                orientation = orientation if orientation in _TURNS else 1
                decode_large_jpeg_small(probe)
                # Decodes every byte (of every frame): truncated files fail here.
                for index in frames_within_limits(probe):
                    probe.load()
                    if index == 0:
                        sketch = sketch_of(probe, orientation)
        # A whole image can still carry a page or script (a polyglot).
        upload.seek(0)
        _refuse_markup(upload)
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
    return CheckedImage(
        image_format,
        ALLOWED_FORMATS[image_format],
        width,
        height,
        mode=mode,
        orientation=orientation,
        sketch=sketch,
    )


def frames_within_limits(image):
    """Seek ``image`` to each of its frames in turn, yielding the frame's index, and
    refuse it (ValidationError) as soon as it has more frames than ``IMAGE_MAX_FRAMES``,
    more pixels in all its frames than ``IMAGE_MAX_PIXELS``, or is an animation that has
    been decoding for longer than ``IMAGE_DECODE_SECONDS`` (the caller decodes each frame
    as it gets it).

    The frames are never counted first: Pillow counts a GIF's frames by reading the
    whole file, which for 430,000 one-pixel frames is most of the work of an attack.
    Here reading stops at the first frame past the limit.
    """
    max_frames = settings.IMAGE_MAX_FRAMES
    max_pixels = settings.IMAGE_MAX_PIXELS
    deadline = time.monotonic() + settings.IMAGE_DECODE_SECONDS
    pixels = 0
    index = 0
    while True:
        if index:
            try:
                image.seek(index)
            except EOFError:
                return
            if index >= max_frames:
                raise ValidationError(
                    "This animation has more than %(limit)s frames, the most an image may "
                    "have. Shorten it or drop frames, and upload it again.",
                    code="too_many_frames",
                    params={"limit": max_frames},
                )
        width, height = image.size  # a GIF's canvas can grow from one frame to the next
        pixels += width * height
        if pixels > max_pixels:
            raise ValidationError(
                "This animation's frames of %(width)s × %(height)s pixels come to more "
                "than the limit of %(limit)s megapixels in all. Shorten or shrink it and "
                "upload it again.",
                code="too_many_pixels",
                params={"width": width, "height": height, "limit": max_pixels // 1_000_000},
            )
        yield index
        # A still's one decode is bounded by the pixel limit; frames add up.
        if index and time.monotonic() >= deadline:
            raise ValidationError(
                "This animation took too long to read (more than %(limit)s seconds): it has "
                "too many frames, or too large. Shorten or shrink it and upload it again.",
                code="too_slow",
                params={"limit": settings.IMAGE_DECODE_SECONDS},
            )
        index += 1


# From this many pixels a JPEG is checked (and sketched) at an eighth of its size.
SMALL_DECODE_PIXELS = 4_000_000


def decode_large_jpeg_small(image):
    """Have a large JPEG decode at an eighth of its width and height (``Image.draft``),
    before it loads: every byte is still read and entropy-decoded, so a truncated or
    damaged file fails as surely, in a third of the time for a camera's still. Smaller
    images decode whole: quick anyway, and at 16 pixels per sketch cell an eighth-size
    decode can differ from a whole one by tens of levels at a sharp edge."""
    width, height = image.size
    if image.format == "JPEG" and width * height >= SMALL_DECODE_PIXELS:
        image.draft(image.mode, (max(1, width // 8), max(1, height // 8)))


def _refuse_markup(upload):
    head = upload.read(_SNIFF_BYTES)
    tail = b""
    size = getattr(upload, "size", None)
    if size is not None and size > 2 * _SNIFF_BYTES:
        upload.seek(size - _SNIFF_BYTES)
        tail = upload.read(_SNIFF_BYTES)
    elif size is None or size > _SNIFF_BYTES:
        tail = upload.read()
    if _MARKUP_RE.search(head) or _MARKUP_RE.search(tail):
        raise ValidationError(
            "This file contains web page or script code as well as (or instead of) an "
            "image, so it cannot be accepted. Open it in an image editor, export it again "
            "as JPEG, PNG, WebP or GIF, and upload that.",
            code="markup",
        )


def validate_image_file(value):
    """Model field validator wrapping ``check_image_upload``.

    Only a new upload is checked: a file already in storage passed when it arrived, and
    editing an image's credit must not need the file re-read (or re-uploaded).
    """
    if getattr(value, "_committed", False):
        return
    check_image_upload(value)


# --- the stored copy -------------------------------------------------------------------

# What survives from the decoded file's info: only what is needed to draw it right.
_KEPT_INFO = {"transparency", "duration", "loop", "background", "disposal", "icc_profile"}
_SAVE_OPTIONS = {
    "JPEG": {"quality": 88, "optimize": True, "progressive": True},
    "PNG": {"optimize": True},
    "WEBP": {"quality": 88, "method": 4},
    "GIF": {},
}


def _bare(image):
    image.info = {key: value for key, value in image.info.items() if key in _KEPT_INFO}
    return image


def clean_image_bytes(upload):
    """Check ``upload`` and return (bytes to store, CheckedImage of them).

    The bytes are the decoded pixels, turned upright and encoded again in the same format
    with no metadata. A CMYK JPEG becomes RGB (browsers disagree on drawing CMYK); a
    palette PNG keeps its palette and transparency; an animation keeps every frame.
    """
    checked = check_image_upload(upload)
    if checked.format == "JPEG" and checked.mode in ("RGB", "L") and checked.orientation == 1:
        upload.seek(0)
        data = lossless_jpeg_copy(upload.read())
        if data is not None:
            # The same compressed pixels: the upload's hash is the stored copy's. Known
            # now only if the duplicate check asked for it; else the renditions task
            # works it out (``Image.fill_pixel_hashes``), a whole decode off the request.
            known = known_pixel_hash(upload)
            return data, replace(checked, pixel_hash=known, stored_pixel_hash=known)
    upload.seek(0)
    out = io.BytesIO()
    with PILImage.open(upload) as source:
        fmt = source.format
        digest = _pixel_digest(source)
        source.seek(0)
        options = dict(_SAVE_OPTIONS[fmt])
        if is_animated(source):
            # Cameras do not write animations: nothing to turn, only metadata to drop.
            # The same limits again: this is the copy that holds every frame in memory.
            sequence = [_bare(source.copy()) for _ in frames_within_limits(source)]
            first = sequence[0]
            options.update(
                save_all=True,
                append_images=sequence[1:],
                duration=[frame.info.get("duration", 100) for frame in sequence],
                loop=source.info.get("loop", 0),
            )
            first.save(out, fmt, **options)
        else:
            image = _bare(ImageOps.exif_transpose(source))
            if fmt == "JPEG" and image.mode not in ("RGB", "L"):
                image = image.convert("RGB")
            if image.info.get("icc_profile") and fmt != "GIF":
                options["icc_profile"] = image.info["icc_profile"]
            if "transparency" in image.info and fmt in ("PNG", "GIF"):
                options["transparency"] = image.info["transparency"]
            image.save(out, fmt, **options)
    data = out.getvalue()
    with PILImage.open(io.BytesIO(data)) as stored:
        width, height = stored.size
        stored_digest = digest if fmt == "PNG" else _pixel_digest(stored)  # PNG: lossless
    return data, replace(
        checked,
        width=width,
        height=height,
        pixel_hash=digest,
        stored_pixel_hash=stored_digest,
        orientation=1,  # turned upright
    )


# JPEG markers (ITU T.81, table B.1) whose segments say how to decode the pixels: frame
# headers (SOF0 to SOF15 but for DHT, JPG and DAC, which share the range), Huffman and
# arithmetic-coding tables, quantisation tables, restart interval, line count, expansion.
_JPEG_DECODING = {0xC4, 0xCC, 0xDB, 0xDC, 0xDD, 0xDF} | (
    set(range(0xC0, 0xD0)) - {0xC4, 0xC8, 0xCC}
)
_JPEG_SOS, _JPEG_EOI = 0xDA, 0xD9
_JPEG_APP0, _JPEG_APP2, _JPEG_APP14 = 0xE0, 0xE2, 0xEE
# In the entropy-coded data after a scan header, 0xFF is followed by 0x00 (a stuffed byte)
# or a restart marker; anything else (but more 0xFF fill) is the next segment.
_JPEG_NEXT_MARKER = re.compile(rb"\xff[^\x00\xd0-\xd7\xff]")


def lossless_jpeg_copy(data):
    """``data``, a JPEG, with only what decoding needs: the frame and scan headers, the
    tables and every scan's compressed data byte for byte (so it decodes to the very same
    pixels), the JFIF header without its thumbnail, the ICC colour profile and Adobe's
    colour-transform flag. Gone: EXIF (and GPS, maker notes, its own thumbnail), XMP,
    IPTC, comments, FlashPix, JFXX thumbnails, and anything after the end of the image.
    None when the file is not laid out as T.81 says (the caller encodes it again)."""
    if data[:2] != b"\xff\xd8":
        return None
    out = [b"\xff\xd8"]
    size = len(data)
    at = 2
    while at < size:
        if data[at] != 0xFF:
            return None
        while at < size and data[at] == 0xFF:  # fill bytes may come before a marker
            at += 1
        if at >= size:
            return None
        marker = data[at]
        if marker == _JPEG_EOI:
            out.append(b"\xff\xd9")
            return b"".join(out)
        if at + 3 > size:
            return None
        length = int.from_bytes(data[at + 1 : at + 3], "big")
        if marker in (0x01, 0xD8) or 0xD0 <= marker <= 0xD7 or length < 2:
            return None  # no segment of these belongs between segments
        payload = data[at + 3 : at + 1 + length]
        if len(payload) != length - 2:
            return None
        at += 1 + length
        if marker == _JPEG_APP0 and payload.startswith(b"JFIF\x00") and len(payload) >= 14:
            payload = payload[:12] + b"\x00\x00"  # no thumbnail: it may show the uncut frame
        elif not (
            marker in _JPEG_DECODING
            or marker == _JPEG_SOS
            or (marker == _JPEG_APP2 and payload.startswith(b"ICC_PROFILE\x00"))
            or (marker == _JPEG_APP14 and payload.startswith(b"Adobe"))
        ):
            continue
        out.append(bytes((0xFF, marker)) + (len(payload) + 2).to_bytes(2, "big") + payload)
        if marker == _JPEG_SOS:
            found = _JPEG_NEXT_MARKER.search(data, at)
            if found is None:
                return None  # no end of image
            out.append(data[at : found.start()])
            at = found.start()
    return None


# --- the same picture ------------------------------------------------------------------


def pixel_hash(upload):
    """What an upload looks like, as a hash: the same for every file of the same pixels
    (a JPEG and a PNG of what it decodes to, a copy with its metadata stripped, a photo
    turned upright by its EXIF tag and one saved upright), different when one pixel
    differs. ``upload`` is checked first (``check_image_upload``)."""
    check_image_upload(upload)
    known = known_pixel_hash(upload)
    if known:
        return known
    position = upload.tell() if hasattr(upload, "tell") else 0
    try:
        upload.seek(0)
        with PILImage.open(upload) as source:
            digest = _pixel_digest(source)
    finally:
        upload.seek(position)
    holder = getattr(upload, "_file", None) or upload
    with contextlib.suppress(AttributeError):
        holder._explainers_pixel_hash = (getattr(upload, "size", None), digest)
    return digest


# How Pillow turns an image upright for each EXIF orientation (2 to 8; 1 is upright).
_TURNS = {
    1: None,
    2: PILImage.Transpose.FLIP_LEFT_RIGHT,
    3: PILImage.Transpose.ROTATE_180,
    4: PILImage.Transpose.FLIP_TOP_BOTTOM,
    5: PILImage.Transpose.TRANSPOSE,
    6: PILImage.Transpose.ROTATE_270,
    7: PILImage.Transpose.TRANSVERSE,
    8: PILImage.Transpose.ROTATE_90,
}
SKETCH_SIDE = 8
# Two decodes of one picture (a JPEG read at an eighth of its size and the PNG of its
# pixels, say) give sketches a level or two apart; two photos, tens of levels.
SKETCH_TOLERANCE = 10


def sketch_of(image, orientation=1):
    """An 8 × 8 grey thumbnail of ``image`` as seen upright, as 128 hex digits: a cheap
    first look for the duplicate check. Only an image of the same size whose sketch is
    close (``sketches_close``) can hold the same pixels, and only then are every pixel
    hashed (``pixel_hash``), which takes hundreds of milliseconds for a camera's still."""
    tiny = image.convert("L").resize((SKETCH_SIDE, SKETCH_SIDE), PILImage.BOX)
    if _TURNS.get(orientation):
        tiny = tiny.transpose(_TURNS[orientation])
    return tiny.tobytes().hex()


def sketches_close(first, second):
    """Whether two sketches may be of the same picture (an empty one always may)."""
    if not first or not second:
        return True
    a, b = bytes.fromhex(first), bytes.fromhex(second)
    return (
        len(a) == len(b) and max(abs(x - y) for x, y in zip(a, b, strict=True)) <= SKETCH_TOLERANCE
    )


def stored_sketch(handle):
    """``sketch_of`` a stored file (checked when it arrived), opened by the caller."""
    with PILImage.open(handle) as source:
        orientation = source.getexif().get(EXIF_ORIENTATION, 1)
        decode_large_jpeg_small(source)
        source.load()
        return sketch_of(source, orientation if orientation in _TURNS else 1)


def known_pixel_hash(upload):
    """The pixel hash ``pixel_hash`` worked out for this upload already, or ""."""
    holder = getattr(upload, "_file", None) or upload
    known = getattr(holder, "_explainers_pixel_hash", None)
    if known is not None and known[0] == getattr(upload, "size", None):
        return known[1]
    return ""


def stored_pixel_hash(handle):
    """``pixel_hash`` of a stored file (checked when it arrived), opened by the caller."""
    with PILImage.open(handle) as source:
        return _pixel_digest(source)


def _pixel_digest(source):
    """SHA-256 of the decoded pixels as 8-bit RGBA (so an opaque PNG with an alpha
    channel, a palette PNG and an RGB JPEG of the same picture agree), with the size;
    every frame of an animation, in order. Not of the file's bytes: the encoder, its
    settings and the metadata change those, never what a reader sees."""
    digest = hashlib.sha256()
    if is_animated(source):
        frames = (source for _ in frames_within_limits(source))
    else:
        frames = [ImageOps.exif_transpose(source)]
    for frame in frames:
        rgba = frame.convert("RGBA")
        digest.update(f"{rgba.width}x{rgba.height};".encode())
        digest.update(rgba.tobytes())
    return digest.hexdigest()


# --- renditions ------------------------------------------------------------------------

# name -> (aspect ratio or None for the image's own, widths). Hero and teaser crops are
# only made for spoiler-free images: only those can be heroes, posters or teasers.
RENDITION_SPECS = {
    "full": (None, (480, 960, 1600)),
    "hero": ((16, 9), (480, 960, 1600)),
    "teaser": ((4, 3), (240, 480)),
}
CROPPED_SPECS = ("hero", "teaser")
# A crop this close to the image's own shape is not worth separate files.
_SAME_SHAPE = 0.02
PLACEHOLDER_WIDTH = 16


def has_alpha(image):
    return image.mode in ("RGBA", "LA", "PA") or (
        image.mode == "P" and "transparency" in image.info
    )


def is_animated(image):
    # Pillow's is_animated looks for a second frame; n_frames would read them all.
    return getattr(image, "is_animated", False)


def focal_crop(size, ratio, focus=(0.5, 0.5)):
    """The largest box of shape ``ratio`` inside ``size``, as centred on ``focus`` (x, y
    in 0..1, the subject) as the edges allow."""
    width, height = size
    target = ratio[0] / ratio[1]
    if width / height > target:
        crop_w, crop_h = max(1, round(height * target)), height
    else:
        crop_w, crop_h = width, max(1, round(width / target))
    fx, fy = focus
    left = min(max(round(fx * width - crop_w / 2), 0), width - crop_w)
    top = min(max(round(fy * height - crop_h / 2), 0), height - crop_h)
    return (left, top, left + crop_w, top + crop_h)


def needs_own_crop(size, ratio):
    width, height = size
    return abs(width / height - ratio[0] / ratio[1]) / (ratio[0] / ratio[1]) > _SAME_SHAPE


@dataclass(frozen=True)
class RenditionData:
    spec: str
    format: str  # "webp", "jpeg" or "png"
    width: int
    height: int
    data: bytes

    @property
    def extension(self):
        return "jpg" if self.format == "jpeg" else self.format


def _encode(image, fmt):
    out = io.BytesIO()
    if fmt == "jpeg":
        image.convert("RGB").save(out, "JPEG", quality=82, optimize=True, progressive=True)
    elif fmt == "png":
        image.save(out, "PNG", optimize=True)
    else:
        image.save(out, "WEBP", quality=80, method=4)
    return out.getvalue()


def make_renditions(source, *, specs=("full",), focus=(0.5, 0.5)):
    """Every rendition of ``source`` (an upright, clean ``PIL.Image``) for ``specs``.

    Widths are never upscaled: an image narrower than a width gets one rendition at its
    own width instead. Each size comes as WebP and as a JPEG (PNG when transparent).
    """
    working = source.convert("RGBA" if has_alpha(source) else "RGB")
    fallback = "png" if has_alpha(source) else "jpeg"
    made = []
    for spec in specs:
        ratio, widths = RENDITION_SPECS[spec]
        base = working if ratio is None else working.crop(focal_crop(working.size, ratio, focus))
        sizes = sorted({min(width, base.width) for width in widths}, reverse=True)
        larger = base
        for width in sizes:
            height = max(1, round(base.height * width / base.width))
            # Each size from the next larger one: a fraction of the pixels to filter.
            resized = (
                base if width == base.width else larger.resize((width, height), PILImage.LANCZOS)
            )
            larger = resized
            for fmt in ("webp", fallback):
                made.append(RenditionData(spec, fmt, width, height, _encode(resized, fmt)))
    return sorted(made, key=lambda data: (list(specs).index(data.spec), data.width))


def decode_size_for_renditions(size):
    """The smallest size to decode an image of ``size`` at and still make every rendition
    as from the whole image: wide enough for the widest rendition, tall enough for the
    widest of each crop. JPEG decodes at 1/2, 1/4 or 1/8 of its size when asked
    (``Image.draft``), which for a 24-megapixel still saves most of the work."""
    widest = max(max(widths) for _, widths in RENDITION_SPECS.values())
    tallest = max(
        max(widths) * ratio[1] / ratio[0] for ratio, widths in RENDITION_SPECS.values() if ratio
    )
    width, height = size
    return (min(width, widest), min(height, max(round(tallest), round(widest * height / width))))


def placeholder_data_uri(source):
    """A tiny, blurred stand-in (16 px wide) for a spoiler still: its colours, nothing
    recognisable, inlined so that showing it costs no request."""
    working = source.convert("RGB")
    height = max(1, round(working.height * PLACEHOLDER_WIDTH / working.width))
    tiny = working.resize((PLACEHOLDER_WIDTH, height), PILImage.BILINEAR)
    tiny = tiny.filter(ImageFilter.GaussianBlur(1.2))
    out = io.BytesIO()
    tiny.save(out, "JPEG", quality=40)
    return "data:image/jpeg;base64," + base64.b64encode(out.getvalue()).decode("ascii")
