"""The same picture uploaded twice is one image: matched by its decoded pixels (not the
file's bytes), on the admin's add form (offered, with the choice to upload anyway) and in
the Markdown editor's upload (the existing image is the answer)."""

import importlib
import io
import json
from types import SimpleNamespace

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from PIL import Image as PILImage
from PIL import ImageDraw
from PIL.PngImagePlugin import PngInfo

from explainers import imaging
from explainers.models import AuditEntry, Image
from explainers.services.images import upload_image

IMAGE_ADD_URL = "/admin/explainers/image/add/"
UPLOAD_URL = "/markdownx/upload/"
EXIF_ORIENTATION = 0x0112


def picture(size=(120, 80)):
    """A still with detail (so a JPEG's pixels are not one flat colour)."""
    image = PILImage.new("RGB", size, (30, 60, 90))
    draw = ImageDraw.Draw(image)
    draw.ellipse((10, 10, 70, 60), fill=(220, 180, 40))
    draw.line((0, 79, 119, 0), fill=(250, 250, 250), width=3)
    return image


def encoded(image, fmt, **options):
    buffer = io.BytesIO()
    image.save(buffer, fmt, **options)
    return buffer.getvalue()


def decoded(data):
    with PILImage.open(io.BytesIO(data)) as image:
        image.load()
        return image.copy()


def upload(data, name="still.jpg"):
    return SimpleUploadedFile(name, data, "image/jpeg")


def hash_of(data):
    return imaging.pixel_hash(upload(data))


# --- the hash --------------------------------------------------------------------------


def test_a_jpeg_and_a_png_of_the_same_pixels_have_the_same_hash():
    jpeg = encoded(picture(), "JPEG", quality=75)
    png = encoded(decoded(jpeg), "PNG")  # what the JPEG decodes to, lossless
    assert jpeg != png
    assert hash_of(jpeg) == hash_of(png)


def test_metadata_and_encoder_settings_do_not_change_the_hash():
    png = encoded(picture(), "PNG")
    info = PngInfo()
    info.add_text("Comment", "taken on set, final scene")
    tagged = encoded(picture(), "PNG", pnginfo=info, compress_level=1)
    palette_free_alpha = encoded(picture().convert("RGBA"), "PNG")  # an opaque alpha channel
    assert len({png, tagged, palette_free_alpha}) == 3
    assert hash_of(png) == hash_of(tagged) == hash_of(palette_free_alpha)


def test_a_photo_turned_by_its_exif_tag_matches_the_same_photo_saved_upright():
    upright = picture()
    sideways = upright.transpose(PILImage.Transpose.ROTATE_90)  # as the camera stored it
    exif = PILImage.Exif()
    exif[EXIF_ORIENTATION] = 6  # "turn a quarter clockwise to view"
    tagged = encoded(sideways, "PNG", exif=exif)
    assert hash_of(tagged) == hash_of(encoded(upright, "PNG"))


def test_one_changed_pixel_changes_the_hash():
    original = picture()
    changed = original.copy()
    changed.putpixel((5, 5), (31, 60, 90))
    assert hash_of(encoded(original, "PNG")) != hash_of(encoded(changed, "PNG"))


def test_the_same_pixels_at_another_size_do_not_match():
    a = PILImage.new("RGB", (40, 10), (1, 2, 3))
    b = PILImage.new("RGB", (20, 20), (1, 2, 3))  # as many pixels, the same bytes
    assert a.tobytes() == b.tobytes()
    assert hash_of(encoded(a, "PNG")) != hash_of(encoded(b, "PNG"))


def test_a_stored_image_records_the_hash_of_the_uploaded_pixels(levels):
    jpeg = encoded(picture(), "JPEG", quality=75)
    image = Image(alt_text="A still", credit="Tests", spoiler_level=levels[0])
    image.file.save("x.jpg", upload(jpeg), save=False)
    image.save()
    image.refresh_from_db()
    assert image.pixel_hash == hash_of(jpeg)


def test_a_copy_saved_from_the_site_matches_the_image_it_came_from(editor, levels):
    """A JPEG turned by its EXIF tag is stored upright, encoded again, so its stored
    pixels are not the uploaded ones; the file readers and editors can save from the site
    still finds its image."""
    exif = PILImage.Exif()
    exif[EXIF_ORIENTATION] = 3  # upside down
    jpeg = encoded(picture(), "JPEG", quality=75, exif=exif)
    image, _ = upload_image(upload(jpeg), user=editor)
    with image.file.open("rb") as handle:
        stored = handle.read()
    assert hash_of(stored) != hash_of(jpeg)
    again, created = upload_image(upload(stored), user=editor)
    assert (again, created) == (image, False)


# --- the editor's upload ---------------------------------------------------------------


def test_an_editor_upload_of_the_same_pixels_returns_the_existing_image(editor, levels):
    jpeg = encoded(picture(), "JPEG", quality=75)
    first, created = upload_image(upload(jpeg), user=editor)
    assert created
    again, created = upload_image(upload(encoded(decoded(jpeg), "PNG"), "copy.png"), user=editor)
    assert not created
    assert again == first
    assert Image.objects.count() == 1
    assert AuditEntry.objects.filter(action="explainers.image.uploaded").count() == 1

    changed = decoded(jpeg)
    changed.putpixel((0, 0), (0, 0, 0))
    other, created = upload_image(upload(encoded(changed, "PNG"), "other.png"), user=editor)
    assert created and other != first
    assert Image.objects.count() == 2


def test_the_upload_endpoint_says_the_existing_image_was_used(senior_client, levels):
    jpeg = encoded(picture(), "JPEG", quality=75)
    first = senior_client.post(UPLOAD_URL, {"image": upload(jpeg)})
    assert first.status_code == 200
    assert json.loads(first.content)["existing"] is False

    second = senior_client.post(UPLOAD_URL, {"image": upload(encoded(decoded(jpeg), "PNG"))})
    answer = json.loads(second.content)
    assert second.status_code == 200
    assert answer["existing"] is True
    assert answer["image_id"] == json.loads(first.content)["image_id"]
    assert answer["image_code"] == json.loads(first.content)["image_code"]
    assert Image.objects.count() == 1


# --- the admin's add form --------------------------------------------------------------


def add_form_post(levels, data, **extra):
    return {
        "file": upload(data),
        "alt_text": "The hall at night",
        "credit": "Drawn for the tests",
        "caption": "",
        "spoiler_level": levels[0].pk,
        "_save": "Save",
        **extra,
    }


def test_the_add_form_offers_the_existing_image_and_keeps_what_was_typed(senior_client, levels):
    jpeg = encoded(picture(), "JPEG", quality=75)
    assert senior_client.post(IMAGE_ADD_URL, add_form_post(levels, jpeg)).status_code == 302
    existing = Image.objects.get()

    response = senior_client.post(IMAGE_ADD_URL, add_form_post(levels, jpeg))
    assert response.status_code == 200
    page = response.content.decode()
    assert "This picture is already in the library" in page
    assert f'href="/admin/explainers/image/{existing.pk}/change/"' in page
    assert "Use the existing image" in page
    assert 'name="upload_anyway"' in page
    # Its thumbnail: the smallest rendition.
    smallest = min(
        (r for r in existing.renditions.all() if r.spec == "full" and r.format == "webp"),
        key=lambda r: r.width,
    )
    assert smallest.file.url in page
    assert 'value="The hall at night"' in page  # nothing typed is lost
    assert Image.objects.count() == 1


def test_upload_anyway_adds_a_second_image(senior_client, levels):
    jpeg = encoded(picture(), "JPEG", quality=75)
    senior_client.post(IMAGE_ADD_URL, add_form_post(levels, jpeg))
    response = senior_client.post(IMAGE_ADD_URL, add_form_post(levels, jpeg, upload_anyway="on"))
    assert response.status_code == 302
    assert Image.objects.count() == 2
    assert len(set(Image.objects.values_list("pixel_hash", flat=True))) == 1


def test_a_different_picture_is_added_without_a_question(senior_client, levels):
    senior_client.post(IMAGE_ADD_URL, add_form_post(levels, encoded(picture(), "PNG")))
    changed = picture()
    changed.putpixel((1, 1), (0, 0, 0))
    response = senior_client.post(IMAGE_ADD_URL, add_form_post(levels, encoded(changed, "PNG")))
    assert response.status_code == 302
    assert Image.objects.count() == 2


# --- images stored before the hash -----------------------------------------------------


def test_the_migration_fills_the_hash_of_images_stored_before_it(levels):
    png = encoded(picture(), "PNG")
    image = Image(alt_text="Old", credit="Tests", spoiler_level=levels[0])
    image.file.save("old.png", upload(png, "old.png"), save=False)
    image.save()
    Image.objects.filter(pk=image.pk).update(pixel_hash="", stored_pixel_hash="")
    lost = Image(alt_text="Gone", credit="Tests", spoiler_level=levels[0])
    lost.file.save("gone.png", upload(png, "gone.png"), save=False)
    lost.save()
    lost.file.storage.delete(lost.file.name)
    Image.objects.filter(pk=lost.pk).update(pixel_hash="", stored_pixel_hash="")

    state = MigrationExecutor(connection).loader.project_state(
        ("explainers", "0019_image_pixel_hash")
    )
    migration = importlib.import_module("explainers.migrations.0019_image_pixel_hash")
    migration.fill_pixel_hashes(state.apps, SimpleNamespace(connection=connection))

    image.refresh_from_db()
    lost.refresh_from_db()
    assert image.pixel_hash == image.stored_pixel_hash == hash_of(png)
    assert (
        lost.pixel_hash == lost.stored_pixel_hash == ""
    )  # unreadable: left alone, matching nothing
