"""The Markdown editor's preview and upload endpoints: staff editors only, the same
render pipeline readers get, and the same image validation as the admin."""

import io
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth.models import Permission
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from PIL import Image as PILImage

from explainers.models import Image
from explainers.rendering import render_markdown
from tests.support.images import image_bytes

PREVIEW_URL = "/markdownx/markdownify/"
UPLOAD_URL = "/markdownx/upload/"
IMAGE_CODE_RE = re.compile(r"^!\[\]\(/media/(images/\d{4}/\d\d/[0-9a-f]{32}\.(\w+))\)$")

SVG = (
    b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">'
    b'<rect width="10" height="10"/><script>alert(document.cookie)</script></svg>'
)
HTML = b"<!doctype html><html><body><script>alert(document.cookie)</script></body></html>"


def media_files():
    return {path for path in Path(settings.MEDIA_ROOT).rglob("*") if path.is_file()}


def noisy_png(fmt="PNG"):
    buffer = io.BytesIO()
    PILImage.effect_noise((200, 150), 80).convert("RGB").save(buffer, fmt)
    return buffer.getvalue()


def upload(name, content, content_type):
    return {"image": SimpleUploadedFile(name, content, content_type)}


@pytest.fixture
def staff_without_article_permissions(db, django_user_model):
    user = django_user_model.objects.create_user("clerk", password="pw", is_staff=True)
    user.user_permissions.set(
        Permission.objects.filter(
            content_type__app_label="explainers", codename__in=["view_work", "change_work"]
        )
    )
    return user


@pytest.fixture
def reader(db, django_user_model):
    """Not staff, even though granted article permissions."""
    user = django_user_model.objects.create_user("reader", password="pw")
    user.user_permissions.set(
        Permission.objects.filter(
            content_type__app_label="explainers", codename__in=["add_article", "change_article"]
        )
    )
    return user


# --- who may use the endpoints ---------------------------------------------------------


@pytest.mark.parametrize("url", [PREVIEW_URL, UPLOAD_URL])
def test_anonymous_visitor_gets_403_from_the_editor_endpoints(client, url):
    assert client.post(url, {"content": "Hello"}).status_code == 403
    assert client.get(url).status_code == 403


def test_anonymous_upload_is_refused_and_stores_nothing(client, db):
    before = media_files()

    response = client.post(UPLOAD_URL, upload("still.png", image_bytes("PNG"), "image/png"))

    assert response.status_code == 403
    assert media_files() == before


@pytest.mark.parametrize("url", [PREVIEW_URL, UPLOAD_URL])
def test_staff_user_without_article_permissions_gets_403(
    client, staff_without_article_permissions, url
):
    client.force_login(staff_without_article_permissions)

    assert client.post(url, {"content": "Hello"}).status_code == 403
    assert client.get(url).status_code == 403


@pytest.mark.parametrize("url", [PREVIEW_URL, UPLOAD_URL])
def test_non_staff_user_gets_403_even_with_article_permissions(client, reader, url):
    client.force_login(reader)

    assert client.post(url, {"content": "Hello"}).status_code == 403
    assert client.get(url).status_code == 403


def test_inactive_editor_gets_403(client, senior_editor):
    client.force_login(senior_editor)
    senior_editor.is_active = False
    senior_editor.save()

    assert client.post(PREVIEW_URL, {"content": "Hello"}).status_code == 403


def test_staff_user_with_only_add_article_permission_may_preview(client, django_user_model):
    writer = django_user_model.objects.create_user("writer", password="pw", is_staff=True)
    writer.user_permissions.set(
        Permission.objects.filter(content_type__app_label="explainers", codename="add_article")
    )
    client.force_login(writer)

    response = client.post(PREVIEW_URL, {"content": "Hello"})

    assert response.status_code == 200
    assert response.content.decode() == render_markdown("Hello").html


@pytest.mark.parametrize("url", [PREVIEW_URL, UPLOAD_URL])
def test_editor_get_is_not_allowed(senior_client, url):
    assert senior_client.get(url).status_code == 405


# --- preview ---------------------------------------------------------------------------


def test_editor_preview_is_exactly_what_the_reader_pipeline_renders(senior_client):
    content = (
        "## A heading\n\nThe *final* scene [@shepard-interview] hides ||the duet||.\n\n"
        "| a | b |\n|---|---|\n| 1 | 2 |\n\n![still](/media/still.png)"
    )

    response = senior_client.post(PREVIEW_URL, {"content": content})

    assert response.status_code == 200
    assert response.content.decode() == render_markdown(content).html
    assert "<h3>A heading</h3>" in response.content.decode()


def test_editor_preview_strips_script_and_event_handlers(senior_client):
    content = (
        "Before <script>alert('owned')</script> after.\n\n"
        '<img src="/x.png" onerror="alert(2)"> <a href="javascript:alert(3)">link</a>'
    )

    response = senior_client.post(PREVIEW_URL, {"content": content})

    assert response.status_code == 200
    body = response.content.decode()
    assert "Before" in body
    assert "after." in body
    assert "<script" not in body
    assert "alert(" not in body
    assert "onerror" not in body
    assert "javascript:" not in body


def test_editor_preview_renders_an_inline_spoiler_as_a_spoiler_span(senior_client):
    response = senior_client.post(PREVIEW_URL, {"content": "They ||share one cello||."})

    assert response.status_code == 200
    assert (
        '<span class="spoiler" data-nosnippet="" tabindex="0">'
        '<span class="spoiler__text">share one cello</span></span>' in response.content.decode()
    )


def test_editor_preview_renders_a_citation_as_a_preview_marker_showing_its_key(senior_client):
    response = senior_client.post(PREVIEW_URL, {"content": "As he said [@shepard]."})

    assert response.status_code == 200
    body = response.content.decode()
    assert '<sup class="cite cite--preview">[shepard]</sup>' in body
    assert "[@shepard]" not in body


def test_editor_preview_without_content_is_a_400_not_a_500(senior_client):
    response = senior_client.post(PREVIEW_URL, {"text": "wrong field"})

    assert response.status_code == 400
    assert b"content" in response.content


def test_editor_preview_of_an_empty_body_is_empty(senior_client):
    response = senior_client.post(PREVIEW_URL, {"content": ""})

    assert response.status_code == 200
    assert response.content.decode() == render_markdown("").html


def test_editor_preview_of_an_overlong_body_is_a_400(senior_client):
    from explainers.rendering import MAX_MARKDOWN_CHARS

    response = senior_client.post(PREVIEW_URL, {"content": "a" * (MAX_MARKDOWN_CHARS + 1)})

    assert response.status_code == 400


# --- upload ----------------------------------------------------------------------------


def assert_stored(response, extension):
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == "application/json"
    image_code = response.json()["image_code"]
    match = IMAGE_CODE_RE.match(image_code)
    assert match, image_code
    name, stored_extension = match.groups()
    assert stored_extension == extension
    assert default_storage.exists(name)
    # The upload is an Image, waiting for its alt text and credit.
    image = Image.objects.get(file=name)
    assert image.missing_details() == ["alt text", "credit"]
    return name


@pytest.mark.parametrize(
    ("fmt", "name", "content_type", "extension"),
    [
        ("PNG", "still.png", "image/png", "png"),
        ("JPEG", "still.jpg", "image/jpeg", "jpg"),
        ("GIF", "still.gif", "image/gif", "gif"),
        ("WEBP", "still.webp", "image/webp", "webp"),
    ],
)
def test_editor_can_upload_a_real_image(senior_client, fmt, name, content_type, extension):
    before = media_files()
    content = image_bytes(fmt, size=(40, 30))

    response = senior_client.post(UPLOAD_URL, upload(name, content, content_type))

    stored = assert_stored(response, extension)
    renditions = Image.objects.get(file=stored).renditions.all()
    assert media_files() - before == {
        Path(settings.MEDIA_ROOT) / name for name in [stored, *(r.file.name for r in renditions)]
    }
    with default_storage.open(stored) as handle:
        saved = handle.read()
    # What is stored is a clean copy (decoded and encoded again), not the uploaded bytes.
    with PILImage.open(io.BytesIO(saved)) as decoded:
        assert decoded.format == fmt
        assert decoded.size == (40, 30)


def test_uploaded_png_named_jpg_is_stored_with_the_extension_of_what_it_really_is(
    senior_client,
):
    response = senior_client.post(UPLOAD_URL, upload("photo.jpg", image_bytes("PNG"), "image/jpeg"))

    stored = assert_stored(response, "png")
    assert "photo" not in stored


@pytest.mark.parametrize(
    ("name", "content", "content_type"),
    [
        ("still.svg", SVG, "image/svg+xml"),
        ("still.png", SVG, "image/png"),
        ("still.jpg", HTML, "image/jpeg"),
        ("still.png", noisy_png()[:4000], "image/png"),
        ("still.jpg", noisy_png("JPEG")[:3000], "image/jpeg"),
        ("still.png", b"", "image/png"),
    ],
    ids=["svg", "svg-claiming-png", "html-named-jpg", "truncated-png", "truncated-jpeg", "empty"],
)
def test_upload_of_something_that_is_not_a_whole_raster_image_is_refused(
    senior_client, name, content, content_type
):
    before = media_files()

    response = senior_client.post(UPLOAD_URL, upload(name, content, content_type))

    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    errors = response.json()
    assert list(errors) == ["image"]
    assert errors["image"], errors
    assert all(isinstance(message, str) and message for message in errors["image"])
    assert "image_code" not in errors
    assert media_files() == before


@pytest.mark.parametrize("content", [SVG, HTML, b"GIF89a not really"], ids=["svg", "html", "gif"])
def test_refused_upload_explains_what_to_upload_instead(senior_client, content):
    response = senior_client.post(UPLOAD_URL, upload("still.jpg", content, "image/jpeg"))

    assert response.status_code == 400
    [message] = response.json()["image"]
    assert "not a readable image" in message
    assert "JPEG, PNG, WebP or GIF" in message


def test_upload_of_an_allowed_looking_but_disallowed_format_names_the_format(senior_client):
    before = media_files()

    response = senior_client.post(UPLOAD_URL, upload("still.png", image_bytes("BMP"), "image/png"))

    assert response.status_code == 400
    [message] = response.json()["image"]
    assert message.startswith("This is a BMP file; upload a JPEG, PNG, WebP or GIF image.")
    assert media_files() == before


def test_upload_over_the_size_limit_is_refused_with_the_limit_in_the_message(
    senior_client, settings
):
    settings.IMAGE_UPLOAD_MAX_BYTES = 500
    content = noisy_png()
    assert len(content) > 500
    before = media_files()

    response = senior_client.post(UPLOAD_URL, upload("still.png", content, "image/png"))

    assert response.status_code == 400
    [message] = response.json()["image"]
    assert "images may be at most 500\xa0bytes" in message
    assert media_files() == before


def test_upload_with_too_many_pixels_is_refused(senior_client, settings):
    settings.IMAGE_MAX_PIXELS = 100
    before = media_files()

    response = senior_client.post(
        UPLOAD_URL, upload("still.png", image_bytes("PNG", size=(20, 20)), "image/png")
    )

    assert response.status_code == 400
    [message] = response.json()["image"]
    assert "20 × 20 pixels" in message
    assert media_files() == before


def test_upload_without_a_file_is_a_400_with_a_json_error(senior_client):
    before = media_files()

    response = senior_client.post(UPLOAD_URL, {})

    assert response.status_code == 400
    assert "image" in response.json()
    assert media_files() == before


# --- CSRF ------------------------------------------------------------------------------


@pytest.fixture
def csrf_client(senior_editor):
    client = Client(enforce_csrf_checks=True)
    client.force_login(senior_editor)
    return client


def csrf_token(client):
    client.get("/admin/")  # any page with a form sets the cookie
    return client.cookies["csrftoken"].value


@pytest.mark.parametrize("url", [PREVIEW_URL, UPLOAD_URL])
def test_editor_post_without_csrf_token_is_refused(csrf_client, url):
    before = media_files()
    data = {"content": "Hello", "image": SimpleUploadedFile("s.png", image_bytes(), "image/png")}

    response = csrf_client.post(url, data)

    assert response.status_code == 403
    assert b"CSRF" in response.content
    assert media_files() == before


def test_editor_post_with_csrf_token_is_accepted(csrf_client):
    token = csrf_token(csrf_client)

    preview = csrf_client.post(PREVIEW_URL, {"content": "Hello"}, headers={"X-CSRFToken": token})
    uploaded = csrf_client.post(
        UPLOAD_URL, upload("s.png", image_bytes(), "image/png"), headers={"X-CSRFToken": token}
    )

    assert preview.status_code == 200
    assert_stored(uploaded, "png")
