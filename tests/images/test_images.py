"""Images end to end: a corpus of good and bad files made here with Pillow (and by hand),
each sent through the real admin form and the Markdown editor's upload endpoint; what
is stored and served (no metadata, upright); renditions; publishing with pasted images."""

import functools
import html
import io
import re
import struct
import zlib
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image as PILImage
from PIL import ImageDraw
from PIL.PngImagePlugin import PngInfo

from explainers.models import Article, Image, Rendition, Section
from tests.support.admin_forms import article_post as admin_article_post
from tests.support.admin_forms import section_row
from tests.support.images import image_bytes

IMAGE_ADD_URL = "/admin/explainers/image/add/"
UPLOAD_URL = "/markdownx/upload/"

GPS_IFD = 0x8825
ORIENTATION = 0x0112


# --- the corpus ------------------------------------------------------------------------


def noisy(fmt="JPEG", size=(200, 150)):
    buffer = io.BytesIO()
    PILImage.effect_noise(size, 80).convert("RGB").save(buffer, fmt)
    return buffer.getvalue()


def rotated_photo_with_gps():
    """A 60 × 40 JPEG, red on the left and blue on the right, that the camera says must
    be turned 90° clockwise to be seen upright (orientation 6), with GPS and a maker."""
    photo = PILImage.new("RGB", (60, 40), (220, 20, 20))
    ImageDraw.Draw(photo).rectangle((30, 0, 59, 39), fill=(20, 20, 220))
    exif = PILImage.Exif()
    exif[ORIENTATION] = 6
    exif[0x010F] = "Camera that knows where you live"
    exif[GPS_IFD] = {1: "N", 2: (51.0, 30.0, 26.0), 3: "W", 4: (0.0, 7.0, 39.0)}
    buffer = io.BytesIO()
    photo.save(buffer, "JPEG", quality=95, exif=exif)
    return buffer.getvalue()


def cmyk_jpeg():
    buffer = io.BytesIO()
    PILImage.new("CMYK", (80, 50), (0, 200, 200, 30)).save(buffer, "JPEG")
    return buffer.getvalue()


def palette_png_with_transparency():
    image = PILImage.new("P", (40, 30), 0)
    image.putpalette([255, 255, 255, 200, 30, 30] + [0, 0, 0] * 254)
    ImageDraw.Draw(image).rectangle((10, 5, 29, 24), fill=1)
    text = PngInfo()
    text.add_text("Comment", "Shot at home, 51.5N 0.1W")
    buffer = io.BytesIO()
    image.save(buffer, "PNG", transparency=0, pnginfo=text)
    return buffer.getvalue()


def animated_gif():
    frames = [PILImage.new("RGB", (30, 20), color) for color in ("red", "green", "blue")]
    buffer = io.BytesIO()
    frames[0].save(
        buffer, "GIF", save_all=True, append_images=frames[1:], duration=120, loop=0,
        comment=b"made by a tool that signs its work",
    )  # fmt: skip
    return buffer.getvalue()


def decompression_bomb():
    """A real, small file that decodes to 100 megapixels."""
    buffer = io.BytesIO()
    PILImage.new("1", (10_000, 10_000)).save(buffer, "PNG")
    return buffer.getvalue()


def huge_dimension_png():
    """A PNG header claiming 100 000 × 100 000 pixels, with hardly any data behind it."""

    def chunk(kind, data):
        return (
            struct.pack(">I", len(data))
            + kind
            + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
        )

    header = struct.pack(">IIBBBBB", 100_000, 100_000, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00" * 64))
        + chunk(b"IEND", b"")
    )


def jpeg_with_script_in_a_comment():
    """A polyglot: a whole, valid JPEG that is also a web page."""
    buffer = io.BytesIO()
    PILImage.new("RGB", (20, 20), "gray").save(
        buffer, "JPEG", comment=b"<html><script>alert(document.cookie)</script></html>"
    )
    return buffer.getvalue()


def gif_with_a_page_appended():
    return image_bytes("GIF", size=(20, 20)) + b"<!doctype html><script>alert(1)</script>"


SVG = (
    b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">'
    b'<rect width="10" height="10"/><script>alert(document.cookie)</script></svg>'
)
HTML_PAGE = b"<!doctype html><html><body><script>alert(document.cookie)</script></body></html>"

NOT_READABLE = "This file is not a readable image"
TOO_LARGE = "dimensions are too large to process safely"
MARKUP = "contains web page or script code"

# name, file name, bytes (lazily), expected: a message fragment if refused, else the
# format stored.
CORPUS = [
    ("truncated", "still.jpg", lambda: noisy("JPEG")[:3000], NOT_READABLE),
    ("wrong-extension", "still.jpg", lambda: image_bytes("PNG", size=(50, 30)), "PNG"),
    ("svg-with-script", "still.svg", lambda: SVG, NOT_READABLE),
    ("html-named-jpg", "still.jpg", lambda: HTML_PAGE, NOT_READABLE),
    ("decompression-bomb", "still.png", decompression_bomb, TOO_LARGE),
    ("huge-dimension", "still.png", huge_dimension_png, TOO_LARGE),
    ("cmyk-jpeg", "still.jpg", cmyk_jpeg, "JPEG"),
    ("palette-png-transparent", "still.png", palette_png_with_transparency, "PNG"),
    ("animated-gif", "still.gif", animated_gif, "GIF"),
    ("exif-rotated-with-gps", "still.jpg", rotated_photo_with_gps, "JPEG"),
    ("polyglot-jpeg-html", "still.jpg", jpeg_with_script_in_a_comment, MARKUP),
    ("polyglot-gif-appended-page", "still.gif", gif_with_a_page_appended, MARKUP),
]
ACCEPTED = {"JPEG", "PNG", "GIF", "WEBP"}


def media_files():
    return {path for path in Path(settings.MEDIA_ROOT).rglob("*") if path.is_file()}


def admin_upload(client, levels, name, content, rank=0):
    return client.post(
        IMAGE_ADD_URL,
        {
            "file": SimpleUploadedFile(name, content, "image/jpeg"),
            "alt_text": "A concert hall",
            "credit": "Drawn for the tests",
            "caption": "",
            "spoiler_level": levels[rank].pk,
            "_save": "Save",
        },
    )


def editor_upload(client, name, content):
    return client.post(UPLOAD_URL, {"image": SimpleUploadedFile(name, content, "image/jpeg")})


def assert_clean(data):
    """No metadata a camera, an editor or an attacker could have written."""
    with PILImage.open(io.BytesIO(data)) as image:
        assert not image.getexif(), dict(image.getexif())
        for key in ("exif", "comment", "xmp", "XML:com.adobe.xmp", "Comment", "photoshop"):
            assert key not in image.info, (key, image.info.get(key))
        assert not getattr(image, "text", {}), image.text
    assert b"Exif" not in data[:4096]
    assert b"51.5N" not in data and b"knows where you live" not in data


@pytest.mark.parametrize(
    ("name", "filename", "make", "expected"), CORPUS, ids=[c[0] for c in CORPUS]
)
@pytest.mark.parametrize("channel", ["admin", "editor"])
def test_every_file_of_the_corpus_is_accepted_or_refused_the_same_way_by_both_doors(
    senior_client, levels, channel, name, filename, make, expected
):
    content = make()
    before = media_files()

    if channel == "admin":
        response = admin_upload(senior_client, levels, filename, content)
    else:
        response = editor_upload(senior_client, filename, content)

    if expected not in ACCEPTED:
        # Refused: a clear message where the editor is working, nothing stored.
        if channel == "admin":
            assert response.status_code == 200
            [message] = response.context["adminform"].form.errors["file"]
            assert message in html.unescape(response.content.decode())
        else:
            assert response.status_code == 400
            [message] = response.json()["image"]
        assert expected in message
        assert not Image.objects.exists()
        assert media_files() == before
        return

    assert response.status_code == (302 if channel == "admin" else 200), response.content[:2000]
    image = Image.objects.get()
    # Stored under a random name with the extension of what it really is.
    assert re.fullmatch(r"images/\d{4}/\d\d/[0-9a-f]{32}\.\w+", image.file.name)
    assert image.file.name.endswith("." + {"JPEG": "jpg"}.get(expected, expected.lower()))
    new = media_files() - before
    stored = {path.relative_to(settings.MEDIA_ROOT).as_posix() for path in new}
    assert stored == {image.file.name, *(r.file.name for r in image.renditions.all())}
    for path in new:
        assert_clean(path.read_bytes())
    with default_storage.open(image.file.name) as handle, PILImage.open(handle) as decoded:
        assert decoded.format == expected
        assert decoded.size == (image.width, image.height)
    assert image.placeholder.startswith("data:image/jpeg;base64,")


def test_rotated_photo_is_stored_upright_without_gps_and_served_that_way(
    client, senior_client, levels, make_article
):
    response = admin_upload(senior_client, levels, "holiday.jpg", rotated_photo_with_gps())
    assert response.status_code == 302
    image = Image.objects.get()
    # Turned a quarter clockwise: 40 wide, 60 tall, the red (left) half now on top.
    assert (image.width, image.height) == (40, 60)
    article = make_article(sections=[(0, "Premise", "", "Set up.")])
    Section.objects.filter(article=article).update(image=image)
    article.hero_image = image
    article.save()

    page = client.get(article.get_absolute_url()).content.decode()

    served = set(re.findall(r"/media/([^\s\"',]+)", page))
    assert len(served) >= 4, served  # the hero's and the still's WebP and JPEG renditions
    for name in served:
        with default_storage.open(name) as handle:
            data = handle.read()
        assert_clean(data)
        with PILImage.open(io.BytesIO(data)) as shown:
            rgb = shown.convert("RGB")
            if shown.size[1] > shown.size[0]:  # uncropped: the whole photo, upright
                top = rgb.getpixel((shown.width // 2, shown.height // 6))
                bottom = rgb.getpixel((shown.width // 2, shown.height * 5 // 6))
                assert top[0] > 150 and top[2] < 100, top
                assert bottom[2] > 150 and bottom[0] < 100, bottom


def test_cmyk_jpeg_is_served_as_rgb(senior_client, levels):
    admin_upload(senior_client, levels, "poster.jpg", cmyk_jpeg())
    image = Image.objects.get()
    for name in [image.file.name, *(r.file.name for r in image.renditions.all())]:
        with default_storage.open(name) as handle, PILImage.open(handle) as stored:
            assert stored.mode == "RGB"


def test_transparent_png_keeps_its_transparency_and_falls_back_to_png(senior_client, levels):
    admin_upload(senior_client, levels, "logo.png", palette_png_with_transparency())
    image = Image.objects.get()
    with default_storage.open(image.file.name) as handle, PILImage.open(handle) as stored:
        assert stored.mode == "P" and "transparency" in stored.info
        assert stored.convert("RGBA").getpixel((0, 0))[3] == 0
    assert set(image.renditions.values_list("format", flat=True)) == {"png", "webp"}
    fallback = image.renditions.get(spec="full", format="png")
    with default_storage.open(fallback.file.name) as handle, PILImage.open(handle) as shown:
        assert shown.mode == "RGBA" and shown.getpixel((0, 0))[3] == 0


def test_animated_gif_keeps_every_frame_and_is_served_as_it_is(senior_client, levels):
    admin_upload(senior_client, levels, "loop.gif", animated_gif())
    image = Image.objects.get()
    with default_storage.open(image.file.name) as handle, PILImage.open(handle) as stored:
        assert stored.n_frames == 3
    # Resizing would freeze it: the (clean) original is what readers get.
    assert not image.renditions.exists()
    assert image.picture().src == image.file.url


def test_the_limits_come_from_settings(senior_client, levels, settings):
    settings.IMAGE_MAX_PIXELS = 1000
    response = admin_upload(senior_client, levels, "still.png", image_bytes(size=(50, 30)))
    assert "50 × 30 pixels, more than the limit" in html.unescape(response.content.decode())
    settings.IMAGE_MAX_PIXELS = 40_000_000
    settings.IMAGE_UPLOAD_MAX_BYTES = 1000
    response = editor_upload(senior_client, "still.jpg", noisy("JPEG"))
    assert "images may be at most 1000\xa0bytes" in response.json()["image"][0]
    assert not Image.objects.exists()


# --- animations that cost more to decode than they weigh --------------------------------


@functools.cache
def many_frame_gif(frames=8000):
    """A small GIF (about 300 KB) of thousands of one-pixel frames, black and white in
    turn (Pillow would merge identical neighbours). The attack's GIF had 430,000 of them
    in under 10 MB: each frame costs a Python object and a decode, whatever its size."""
    palette = [0, 0, 0, 255, 255, 255]
    sequence = []
    for index in range(frames):
        frame = PILImage.new("P", (1, 1), index % 2)
        frame.putpalette(palette)
        sequence.append(frame)
    buffer = io.BytesIO()
    sequence[0].save(buffer, "GIF", save_all=True, append_images=sequence[1:], duration=20, loop=0)
    return buffer.getvalue()


class FurthestRead(io.BytesIO):
    """An upload that remembers how far into the file anything read."""

    furthest = 0

    def read(self, size=-1):
        data = super().read(size)
        self.furthest = max(self.furthest, self.tell())
        return data


@pytest.mark.parametrize("channel", ["admin", "editor"])
def test_an_animation_with_thousands_of_frames_is_refused_by_both_doors_with_a_message(
    senior_client, levels, channel
):
    before = media_files()
    if channel == "admin":
        response = admin_upload(senior_client, levels, "loop.gif", many_frame_gif())
        assert response.status_code == 200
        [message] = response.context["adminform"].form.errors["file"]
        assert message in html.unescape(response.content.decode())
    else:
        response = editor_upload(senior_client, "loop.gif", many_frame_gif())
        assert response.status_code == 400
        [message] = response.json()["image"]
    assert f"more than {settings.IMAGE_MAX_FRAMES} frames" in message
    assert not Image.objects.exists()
    assert media_files() == before


def test_counting_frames_stops_at_the_limit_instead_of_reading_the_whole_animation():
    from django.core.exceptions import ValidationError
    from django.core.files import File

    from explainers.imaging import check_image_upload

    data = many_frame_gif()
    upload = FurthestRead(data)
    with pytest.raises(ValidationError) as refused:
        check_image_upload(File(upload, name="loop.gif"))
    assert refused.value.code == "too_many_frames"
    # The default limit is 1000 of the 8000 frames, and Pillow reads at most 64 KB ahead:
    # the frames beyond the limit were neither decoded nor counted.
    assert upload.furthest < len(data) // 2, (upload.furthest, len(data))


def test_the_frame_limit_and_the_decoding_deadline_come_from_settings(
    senior_client, levels, settings
):
    settings.IMAGE_MAX_FRAMES = 2
    response = editor_upload(senior_client, "loop.gif", animated_gif())
    assert "more than 2 frames" in response.json()["image"][0]
    settings.IMAGE_MAX_FRAMES = 1000
    settings.IMAGE_DECODE_SECONDS = 0
    response = editor_upload(senior_client, "loop.gif", animated_gif())
    assert "took too long to read" in response.json()["image"][0]
    assert not Image.objects.exists()


# --- renditions ------------------------------------------------------------------------


def big_photo(size=(2000, 1000)):
    buffer = io.BytesIO()
    PILImage.effect_noise(size, 40).convert("RGB").save(buffer, "JPEG", quality=80)
    return buffer.getvalue()


def test_renditions_are_made_once_in_webp_and_jpeg_at_widths_never_upscaled(senior_client, levels):
    admin_upload(senior_client, levels, "wide.jpg", big_photo((2000, 1000)), rank=1)
    image = Image.objects.get()
    full = image.renditions.filter(spec="full")
    assert sorted(full.values_list("width", "height", "format")) == [
        (480, 240, "jpeg"),
        (480, 240, "webp"),
        (960, 480, "jpeg"),
        (960, 480, "webp"),
        (1600, 800, "jpeg"),
        (1600, 800, "webp"),
    ]
    # A spoiler image can be neither hero nor teaser: no crops for it.
    assert not image.renditions.exclude(spec="full").exists()
    for rendition in full:
        with default_storage.open(rendition.file.name) as handle:
            data = handle.read()
        assert len(data) == rendition.size
        with PILImage.open(io.BytesIO(data)) as shown:
            assert shown.format == rendition.format.upper()
            assert shown.size == (rendition.width, rendition.height)
    # Saving again without changing the file does not make them again.
    ids = set(image.renditions.values_list("pk", flat=True))
    image.credit = "Another credit"
    image.save()
    assert set(image.renditions.values_list("pk", flat=True)) == ids


def test_small_image_gets_one_size_at_its_own_width(make_image):
    image = make_image(rank=2)  # 64 × 36
    assert sorted(image.renditions.values_list("width", "format")) == [(64, "jpeg"), (64, "webp")]


def test_spoiler_free_image_gets_hero_and_teaser_crops_around_its_focal_point(
    senior_client, levels, django_capture_on_commit_callbacks
):
    # A tall image, dark everywhere but a bright subject near the bottom.
    tall = PILImage.new("RGB", (1000, 2000), (10, 10, 10))
    ImageDraw.Draw(tall).rectangle((0, 1700, 999, 1999), fill=(250, 250, 250))
    buffer = io.BytesIO()
    tall.save(buffer, "PNG")
    admin_upload(senior_client, levels, "tall.png", buffer.getvalue(), rank=0)
    image = Image.objects.get()
    assert set(image.renditions.values_list("spec", flat=True)) == {
        "full",
        "hero",
        "teaser",
    }

    def hero_middle():
        rendition = image.renditions.get(spec="hero", format="jpeg", width=960)
        assert (rendition.width, rendition.height) == (960, 540)
        with default_storage.open(rendition.file.name) as handle, PILImage.open(handle) as shown:
            return shown.convert("L").getpixel((480, 270))

    assert hero_middle() < 50  # centred crop: the dark middle of the image
    old_files = set(image.renditions.values_list("file", flat=True))
    with django_capture_on_commit_callbacks(execute=True):  # old files go on commit
        response = senior_client.post(
            f"/admin/explainers/image/{image.pk}/change/",
            {
                "alt_text": "A bright strip",
                "credit": "Drawn for the tests",
                "caption": "",
                "spoiler_level": levels[0].pk,
                "focal_x": "0.5",
                "focal_y": "0.92",
                "_save": "Save",
            },
        )
    assert response.status_code == 302
    assert hero_middle() > 200  # the crop follows the subject
    for name in old_files:
        assert not default_storage.exists(name)  # replaced, not left behind


def test_focal_point_must_be_within_the_image_and_given_whole(senior_client, levels, make_image):
    image = make_image(rank=0)
    url = f"/admin/explainers/image/{image.pk}/change/"
    data = {
        "alt_text": "x",
        "credit": "y",
        "spoiler_level": levels[0].pk,
        "_save": "Save",
    }
    response = senior_client.post(url, {**data, "focal_x": "1.5", "focal_y": "0.5"})
    assert response.status_code == 200
    assert "less than or equal to 1" in html.unescape(response.content.decode())
    response = senior_client.post(url, {**data, "focal_x": "0.3", "focal_y": ""})
    assert "Give the focal point both across and down" in html.unescape(response.content.decode())


def test_public_pages_serve_pictures_with_sizes_and_lazy_loading_below_the_hero(
    client, make_article, make_image
):
    article = make_article(sections=[(0, "Premise", "", "Set up."), (3, "End", "Safe", "Done.")])
    article.hero_image = make_image(rank=0, alt="A concert hall")
    article.save()
    sections = list(article.sections.order_by("order"))
    Section.objects.filter(pk=sections[0].pk).update(image=make_image(rank=0, alt="A stage"))
    page = client.get(article.get_absolute_url()).content.decode()

    hero = page.split('class="hero"', 1)[1].split("</figure>", 1)[0]
    assert '<source type="image/webp" srcset="' in hero
    assert 'loading="eager" fetchpriority="high"' in hero
    assert re.search(r'width="\d+" height="\d+"', hero)
    still = page.split('class="still"', 1)[1].split("</figure>", 1)[0]
    assert 'loading="lazy"' in still and 'sizes="' in still
    assert "Drawn for the tests" in still  # the credit
    # Teasers on the home page use their own crop.
    home = client.get("/").content.decode()
    teaser = article.hero_image.renditions.get(spec="teaser", format="webp")
    assert (teaser.width, teaser.height) == (48, 36)  # 4:3 from 64 × 36, not upscaled
    assert teaser.file.url in home


# --- pasted images and publishing ------------------------------------------------------


def test_image_pasted_into_the_editor_becomes_an_image_waiting_for_alt_text_and_credit(
    senior_client, levels
):
    response = editor_upload(senior_client, "IMG_0042.png", image_bytes(size=(80, 45)))

    assert response.status_code == 200
    body = response.json()
    image = Image.objects.get(pk=body["image_id"])
    assert body["image_code"] == f"![]({image.file.url})"
    assert body["needs"] == ["alt text", "credit"]
    assert image.missing_details() == ["alt text", "credit"]
    # Cautious until an editor looks at it: it cannot be picked as a hero image.
    assert image.spoiler_level == levels[max(levels)]
    listing = senior_client.get("/admin/explainers/image/").content.decode()
    assert "needs alt text" in listing


def publish_post(article):
    """The admin's change form for ``article`` as saved, asking to publish it."""
    article.refresh_from_db()
    sections = [
        section_row(
            section.spoiler_level,
            section.heading,
            section.body,
            safe_heading=section.safe_heading,
            order=section.order,
            image=section.image_id or "",
            pk=section.pk,
        )
        for section in article.sections.select_related("spoiler_level")
    ]
    return admin_article_post(
        article.work,
        title=article.title,
        slug=article.slug,
        dek=article.dek,
        status=Article.Status.PUBLISHED,
        sections=sections,
        article=article,
        initial_sections=len(sections),
    )


def test_article_showing_a_pasted_image_without_alt_text_and_credit_cannot_be_published(
    client, senior_client, levels, make_article
):
    code = editor_upload(senior_client, "paste.png", image_bytes(size=(80, 45))).json()
    pasted = Image.objects.get(pk=code["image_id"])
    article = make_article(
        sections=[(0, "Premise", "", "Set up."), (2, "Twist", "What changes", "Look:\n\nX")],
        status=Article.Status.DRAFT,
    )
    twist = article.sections.get(order=2)
    twist.body = f"Look:\n\n{code['image_code']}\n\nThat is all."
    twist.save()
    change_url = f"/admin/explainers/article/{article.pk}/change/"

    response = senior_client.post(change_url, publish_post(article))

    assert response.status_code == 200
    text = html.unescape(response.content.decode())
    assert "cannot be published" in text
    assert (
        f"Section 2 (“Twist”) shows an image ({pasted.file.name}) with no alt text and no "
        "credit" in text
    )
    article.refresh_from_db()
    assert article.status == Article.Status.DRAFT

    # Described and credited in the image admin, it is published, and shown from its
    # renditions with the credit, deferred in its spoiler section.
    response = senior_client.post(
        f"/admin/explainers/image/{pasted.pk}/change/",
        {
            "alt_text": "A bus window at night",
            "credit": "Image via the tests",
            "caption": "",
            "spoiler_level": levels[2].pk,
            "_save": "Save",
        },
    )
    assert response.status_code == 302
    response = senior_client.post(change_url, publish_post(article))
    assert response.status_code == 302, re.findall(
        r"errorlist[^>]*>(.*?)</ul>", response.content.decode()
    )
    page = client.get(article.get_absolute_url()).content.decode()
    figure = page.split('<figure class="still still--deferred">', 1)[1].split("</figure>", 1)[0]
    assert 'alt=""' in figure and 'data-alt="A bus window at night"' in figure
    assert '<span class="credit">Image via the tests</span>' in figure
    webp = pasted.renditions.get(format="webp")
    assert f'data-srcset="{webp.file.url} 80w"' in figure
    assert not re.search(r'(?<![\w-])(?:src|srcset)="/media/', figure)


def test_credit_or_alt_text_added_later_is_shown_in_published_bodies(
    client, senior_client, levels, make_article, make_image
):
    image = make_image(rank=0, alt="A stage")
    article = make_article(sections=[(0, "Premise", "", f"![]({image.file.url})")])
    assert "Drawn for the tests" in client.get(article.get_absolute_url()).content.decode()
    senior_client.post(
        f"/admin/explainers/image/{image.pk}/change/",
        {
            "alt_text": "A stage in a spotlight",
            "credit": "Image via Netflix",
            "caption": "",
            "spoiler_level": levels[0].pk,
            "_save": "Save",
        },
    )
    page = client.get(article.get_absolute_url()).content.decode()
    assert '<span class="credit">Image via Netflix</span>' in page
    assert 'alt="A stage in a spotlight"' in page


def test_image_form_requires_alt_text_and_credit(senior_client, levels):
    response = senior_client.post(
        IMAGE_ADD_URL,
        {
            "file": SimpleUploadedFile("s.png", image_bytes(), "image/png"),
            "alt_text": "",
            "credit": "",
            "spoiler_level": levels[0].pk,
            "_save": "Save",
        },
    )
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert set(errors) == {"alt_text", "credit"}
    assert not Image.objects.exists() and not Rendition.objects.exists()


def test_renditions_command_makes_what_is_missing_and_leaves_the_rest(make_image):
    from django.core.management import call_command

    done, stale = make_image(rank=0), make_image(rank=1)
    kept = set(done.renditions.values_list("pk", flat=True))
    Image.objects.filter(pk=stale.pk).update(renditions_made_from="", placeholder="")
    stale.renditions.all().delete()
    out = io.StringIO()

    call_command("renditions", stdout=out)

    assert "for 1 image" in out.getvalue()
    assert set(done.renditions.values_list("pk", flat=True)) == kept
    stale.refresh_from_db()
    assert stale.renditions.count() == 2 and stale.placeholder.startswith("data:image/jpeg")


def test_raw_html_cannot_load_an_image_early_or_smuggle_a_script_through_srcset():
    from explainers.rendering import render_markdown

    raw = (
        '<picture><source type="image/webp" srcset="/media/a.webp 480w">'
        '<img src="/media/a.jpg" srcset="/media/a.jpg 480w" alt="The twist"></picture>'
    )
    deferred = render_markdown(raw, defer_media=True).html
    assert 'srcset="' not in deferred.replace('data-srcset="', "")
    assert not re.search(r'(?<![\w-])src="', deferred)
    shown = render_markdown(
        '<img src="/a.jpg" srcset="javascript:alert(1) 1w, /b.jpg 2w">'
        '<source type="text/html" srcset="/c.jpg 1w">'
    ).html
    assert "javascript" not in shown
    assert 'type="text/html"' not in shown


def test_an_image_records_its_dimensions_when_saved(make_image):
    image = make_image(rank=0)
    assert Image.objects.values_list("width", "height").get(pk=image.pk) == (64, 36)


def test_a_missing_image_file_does_not_take_a_page_down(client, make_article, make_image):
    article = make_article(sections=[(0, "Premise", "", "Words.")])
    article.hero_image = make_image(rank=0)
    article.save()
    Image.objects.filter(pk=article.hero_image_id).update(width=None, height=None)
    article.hero_image.file.storage.delete(article.hero_image.file.name)
    assert client.get("/").status_code == 200
    assert client.get(article.get_absolute_url()).status_code == 200
