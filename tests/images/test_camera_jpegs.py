"""A camera's upright JPEG is stored without being encoded again: its compressed pixels
byte for byte, every metadata segment gone (``imaging.lossless_jpeg_copy``), and its pixel
hash worked out by the renditions task rather than in the editor's request, unless an
image of its size is already in the library (the duplicate check needs it then)."""

import io
import struct

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image as PILImage
from PIL import ImageCms, ImageFilter

from explainers import imaging
from explainers.models import Image
from tests.support.admin_forms import page_text
from tests.support.tasks import QUEUE, queued, run_queue

IMAGE_ADD_URL = "/admin/explainers/image/add/"
UPLOAD_URL = "/markdownx/upload/"
GPS_IFD = 0x8825
SECRET = b"Camera that knows where you live"


def scene(size=(320, 200)):
    """A layout of light and dark (as every photo has), soft detail and grain: a JPEG of
    it is far from flat colour, and two scenes differ as two photos do."""
    layout = PILImage.effect_noise((12, 8), 120).convert("RGB").resize(size, PILImage.BICUBIC)
    detail = PILImage.effect_noise((size[0] // 8, size[1] // 8), 90).convert("RGB")
    detail = detail.resize(size, PILImage.BICUBIC).filter(ImageFilter.GaussianBlur(2))
    base = PILImage.blend(layout, detail, 0.4)
    return PILImage.blend(base, PILImage.effect_noise(size, 20).convert("RGB"), 0.2)


def segment(marker, payload):
    return bytes((0xFF, marker)) + struct.pack(">H", len(payload) + 2) + payload


def camera_jpeg(size=(320, 200), **options):
    """What a camera or phone writes: EXIF with GPS and the maker (orientation 1), an
    sRGB ICC profile, XMP, a comment, a JFIF thumbnail and bytes after the image."""
    exif = PILImage.Exif()
    exif[0x0112] = 1
    exif[0x010F] = SECRET.decode()
    exif[GPS_IFD] = {1: "N", 2: (51.0, 30.0, 26.0), 3: "W", 4: (0.0, 7.0, 39.0)}
    icc = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    buffer = io.BytesIO()
    scene(size).save(
        buffer, "JPEG", quality=90, exif=exif, icc_profile=icc, comment=SECRET, **options
    )
    data = buffer.getvalue()
    assert data[2:4] == b"\xff\xe0"  # Pillow writes JFIF first: give it a 2 × 1 thumbnail
    jfif_length = struct.unpack(">H", data[4:6])[0]
    jfif = data[6 : 4 + jfif_length][:12] + b"\x02\x01" + b"\xff\x00\x00" * 2
    xmp = b"http://ns.adobe.com/xap/1.0/\x00<x:xmpmeta>" + SECRET + b"</x:xmpmeta>"
    head = data[:2] + segment(0xE0, jfif) + segment(0xE1, xmp)
    return head + data[4 + jfif_length :] + b"trailing bytes a camera left: " + SECRET


def pixels(data):
    with PILImage.open(io.BytesIO(data)) as image:
        image.load()
        return image.mode, image.size, image.tobytes()


def stored_bytes(image):
    with image.file.open("rb") as handle:
        return handle.read()


def admin_post(levels, data, name="still.jpg", **extra):
    return {
        "file": SimpleUploadedFile(name, data, "image/jpeg"),
        "alt_text": "A concert hall",
        "credit": "Made for the tests",
        "caption": "",
        "spoiler_level": levels[0].pk,
        "_save": "Save",
        **extra,
    }


# --- the copy ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "options",
    [{}, {"progressive": True}, {"restart_marker_blocks": 4}, {"subsampling": 0}],
    ids=["baseline", "progressive", "restart-markers", "no-subsampling"],
)
def test_a_cameras_upright_jpeg_is_stored_with_its_very_pixels_and_no_metadata(
    senior_client, levels, options
):
    upload = camera_jpeg(**options)
    response = senior_client.post(IMAGE_ADD_URL, admin_post(levels, upload))
    assert response.status_code == 302, page_text(response)
    stored = stored_bytes(Image.objects.get())

    assert pixels(stored) == pixels(upload)  # encoded again, a JPEG's pixels would move
    assert SECRET not in stored and b"xmpmeta" not in stored and b"Exif" not in stored
    assert stored.endswith(b"\xff\xd9")  # nothing after the image
    with PILImage.open(io.BytesIO(stored)) as image:
        assert not image.getexif()
        assert "comment" not in image.info and "xmp" not in image.info
        assert image.info["jfif"] and "jfif_thumbnail" not in image.info
        assert image.info["icc_profile"]  # colours drawn as the camera meant
    jfif = stored[6:20]
    assert jfif.startswith(b"JFIF\x00") and jfif[12:14] == b"\x00\x00"  # no thumbnail


def test_the_editors_upload_keeps_a_cameras_jpeg_the_same_way(senior_client):
    upload = camera_jpeg()
    response = senior_client.post(UPLOAD_URL, {"image": SimpleUploadedFile("a.jpg", upload)})
    assert response.status_code == 200, response.content
    stored = stored_bytes(Image.objects.get())
    assert pixels(stored) == pixels(upload)
    assert SECRET not in stored


def test_a_turned_or_cmyk_jpeg_is_still_encoded_again_upright(senior_client, levels):
    sideways = scene((200, 320))
    exif = PILImage.Exif()
    exif[0x0112] = 6  # turn a quarter clockwise to view
    turned = io.BytesIO()
    sideways.save(turned, "JPEG", quality=90, exif=exif)
    cmyk = io.BytesIO()
    scene().convert("CMYK").save(cmyk, "JPEG", quality=90)

    for name, data in (("turned.jpg", turned.getvalue()), ("cmyk.jpg", cmyk.getvalue())):
        response = senior_client.post(IMAGE_ADD_URL, admin_post(levels, data, name))
        assert response.status_code == 302, page_text(response)
    turned_image, cmyk_image = Image.objects.order_by("pk")
    mode, size, _ = pixels(stored_bytes(turned_image))
    assert (mode, size) == ("RGB", (320, 200))  # upright
    assert (turned_image.width, turned_image.height) == (320, 200)
    assert pixels(stored_bytes(cmyk_image))[0] == "RGB"


@pytest.mark.parametrize(
    "data",
    [
        b"\xff\xd8\xff\xdb\x00",  # a segment cut short
        b"\xff\xd8\x00\x01",  # no marker where one must be
        b"\xff\xd8\xff\xd0\x00\x02\xff\xd9",  # a restart marker outside a scan
        b"\xff\xd8\xff\xda\x00\x02\x01\x02\x03",  # a scan with no end of image
        b"\x89PNG\r\n\x1a\n",
    ],
    ids=["cut-short", "no-marker", "stray-restart", "no-end", "not-a-jpeg"],
)
def test_a_jpeg_not_laid_out_as_the_standard_says_gets_no_lossless_copy(data):
    assert imaging.lossless_jpeg_copy(data) is None


# --- the hash, off the request ---------------------------------------------------------


def test_a_still_of_a_new_size_is_hashed_by_the_renditions_task_not_the_request(
    senior_client, levels, settings, monkeypatch, django_capture_on_commit_callbacks
):
    settings.TASKS = QUEUE
    upload = camera_jpeg()
    digests = []
    real_digest = imaging._pixel_digest
    monkeypatch.setattr(imaging, "_pixel_digest", lambda s: digests.append(1) or real_digest(s))

    with django_capture_on_commit_callbacks(execute=True):
        response = senior_client.post(IMAGE_ADD_URL, admin_post(levels, upload))
    assert response.status_code == 302, page_text(response)
    image = Image.objects.get()
    assert digests == [] and image.pixel_hash == ""  # no decode of every pixel in the request
    assert queued("make_renditions")

    ran = run_queue(django_capture_on_commit_callbacks)
    assert ran["make_renditions"] == ["made"]
    image.refresh_from_db()
    expected = imaging.pixel_hash(SimpleUploadedFile("again.jpg", upload))
    assert image.pixel_hash == image.stored_pixel_hash == expected

    # Filled, it finds the same picture in another format.
    png = io.BytesIO()
    PILImage.open(io.BytesIO(upload)).save(png, "PNG")
    response = senior_client.post(IMAGE_ADD_URL, admin_post(levels, png.getvalue(), "copy.png"))
    assert response.status_code == 200
    assert "already in the library" in page_text(response)
    assert Image.objects.count() == 1


def test_only_a_still_that_looks_like_one_in_the_library_is_hashed_in_the_request(
    senior_client, levels, settings, monkeypatch, django_capture_on_commit_callbacks
):
    """A camera's photos are all one size: the sketch tells its next photo from the last
    without hashing every pixel; the same picture again is hashed, and refused."""
    settings.TASKS = QUEUE
    first = camera_jpeg()
    with django_capture_on_commit_callbacks(execute=True):
        senior_client.post(IMAGE_ADD_URL, admin_post(levels, first))
    run_queue(django_capture_on_commit_callbacks)
    digests = []
    real_digest = imaging._pixel_digest
    monkeypatch.setattr(imaging, "_pixel_digest", lambda s: digests.append(1) or real_digest(s))

    other = camera_jpeg()  # new noise: another photo, the same size
    with django_capture_on_commit_callbacks(execute=True):
        response = senior_client.post(IMAGE_ADD_URL, admin_post(levels, other, "other.jpg"))
    assert response.status_code == 302, page_text(response)
    assert digests == []

    png = io.BytesIO()
    PILImage.open(io.BytesIO(first)).save(png, "PNG")
    response = senior_client.post(IMAGE_ADD_URL, admin_post(levels, png.getvalue(), "copy.png"))
    assert "already in the library" in page_text(response)
    assert digests  # this one was hashed
    assert Image.objects.count() == 2


@pytest.mark.parametrize(
    "size", [(320, 200), (2600, 1600)], ids=["decoded-whole", "decoded-at-an-eighth"]
)
def test_sketches_agree_across_formats_and_turns_and_differ_between_photos(size):
    jpeg = camera_jpeg(size)
    with PILImage.open(io.BytesIO(jpeg)) as image:
        image.load()
        decoded = image.copy()
    png = io.BytesIO()
    decoded.save(png, "PNG")
    turned = io.BytesIO()
    exif = PILImage.Exif()
    exif[0x0112] = 8  # turn a quarter anticlockwise to view
    decoded.transpose(PILImage.Transpose.ROTATE_270).save(turned, "PNG", exif=exif)

    def sketch(data):
        return imaging.check_image_upload(SimpleUploadedFile("x", data)).sketch

    assert imaging.sketches_close(sketch(jpeg), sketch(png.getvalue()))
    assert imaging.sketches_close(sketch(jpeg), sketch(turned.getvalue()))
    assert not imaging.sketches_close(sketch(jpeg), sketch(camera_jpeg(size)))
