"""Media on object storage with its own domain (the README's S3 recipe: a custom domain,
``MEDIA_URL`` left at ``/media/``): images are recognised in bodies by the addresses the
storage gives them, never by ``MEDIA_URL``."""

import contextlib
import html
import io
import os
import uuid

import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command

from explainers.leaks import check_saved_article
from explainers.models import Image
from tests.support.images import image_bytes
from tests.support.storage import CDN


@pytest.fixture
def still(cdn, levels):
    """An Ending-level still, described and credited, stored on the CDN."""
    image = Image(
        alt_text="The sisters on stage together",
        credit="Image via Netflix",
        caption="The final bow",
        spoiler_level=levels[max(levels)],
    )
    image.file.save("still.png", ContentFile(image_bytes(size=(1200, 675))), save=False)
    image.save()
    assert image.file.url.startswith(cdn)
    assert image.renditions.exists()
    return image


def test_an_image_addressed_by_its_storage_url_is_recognised_by_its_original_or_a_rendition(
    still,
):
    rendition = still.renditions.first()
    assert rendition.file.url.startswith(CDN)

    assert list(Image.objects.in_markdown(f"![]({still.file.url})")) == [still]
    assert list(Image.objects.in_markdown(f"![]({rendition.file.url})")) == [still]
    assert Image.objects.by_address_in(f"x ![]({rendition.file.url}) y") == {
        rendition.file.url: still
    }


def test_an_image_pasted_from_object_storage_is_served_from_its_renditions_with_its_credit(
    client, still, make_article
):
    body = f"What the last shot shows.\n\n![]({still.file.url})\n"
    article = make_article(sections=[(0, "Premise", "", "Set up."), (3, "Ending", "Later", body)])

    page = html.unescape(client.get(article.get_absolute_url()).content.decode())

    assert "Image via Netflix" in page
    assert "The final bow" in page
    for rendition in still.renditions.all():
        assert rendition.file.url in page, rendition
    assert f'"{still.file.url}"' not in page  # the original is not what is served


def test_the_leak_check_reads_an_image_addressed_by_its_storage_url(still, make_article):
    Image.objects.filter(pk=still.pk).update(alt_text="", credit="")
    article = make_article(sections=[(0, "Premise", "", f"Set up.\n\n![]({still.file.url})")])

    report = check_saved_article(article)

    assert any(still.file.name in problem for problem in report.problems), report.problems


def test_an_address_written_another_way_that_fetches_the_same_file_is_recognised(make_image):
    from explainers.models.images import stored_addresses

    image = make_image(rank=2)
    name = image.file.name
    folder, rest = name.split("/", 1)
    same_file = [
        f"/media/{name}",
        f"https://unspoiled.example/media/{name}",  # copied from a page
        f"//unspoiled.example/media/{name}?v=2",
        f"/media/renditions/../{name}",
        f"/media/./{folder}//{rest}",
        f"/media/{folder}/{rest[:-4]}%2e{rest[-3:]}",
    ]
    for address in same_file:
        text = f"Before ![]({address}) after."
        assert [found for _, found in stored_addresses(text)] == [name], address
        assert list(Image.objects.in_markdown(text)) == [image], address
    # Keyed by the address as written: what the renderer finds in the image's src.
    for address in (f"https://unspoiled.example/media/{name}", f"/media/{name}?v=2#top"):
        assert Image.objects.by_address_in(f"![]({address})") == {address: image}
    # Leaving the media folders is not a way in.
    assert stored_addresses(f"/media/../{name}") == []
    assert stored_addresses("/media/images/../../settings.png") == []


def test_a_storage_domain_is_recognised_whatever_its_case_or_scheme(still):
    name = still.file.name
    for address in (
        f"HTTPS://CDN.Example.TEST/m/{name}",
        f"http://cdn.example.test/m/{name}",
        f"//cdn.example.test/m/{name}",
    ):
        assert list(Image.objects.in_markdown(f"![]({address})")) == [still], address
    # Another path on the same domain is another file.
    assert not Image.objects.in_markdown(f"![](https://cdn.example.test/other/{name})")


def test_a_credit_added_later_reaches_a_body_showing_the_image_by_a_rendition_address(
    client, admin_client, levels, make_article, make_image, django_capture_on_commit_callbacks
):
    image = make_image(rank=0, alt="A stage")
    rendition = image.renditions.get(spec="full", format="jpeg")
    article = make_article(sections=[(0, "Premise", "", f"![]({rendition.file.url})")])
    assert "Drawn for the tests" in client.get(article.get_absolute_url()).content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            f"/admin/explainers/image/{image.pk}/change/",
            {
                "alt_text": "A stage in a spotlight",
                "credit": "Image via Netflix",
                "caption": "",
                "spoiler_level": levels[0].pk,
                "_save": "Save",
            },
        )
    assert response.status_code == 302

    page = client.get(article.get_absolute_url()).content.decode()
    assert '<span class="credit">Image via Netflix</span>' in page
    assert 'alt="A stage in a spotlight"' in page


# --- the README's recipe itself: django-storages' S3Storage on a mocked bucket ----------


@pytest.fixture
def bucket(settings, monkeypatch):
    """The README's S3 settings (a custom domain, public URLs, MEDIA_URL untouched) on a
    bucket that moto keeps in memory, or, with ``S3_TEST_ENDPOINT`` set (CI does), on an S3
    API server over HTTP (moto's server mode). Skipped without the ``s3`` and test extras."""
    moto = pytest.importorskip("moto")
    boto3 = pytest.importorskip("boto3")
    pytest.importorskip("storages.backends.s3")
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
        monkeypatch.setenv(name, "testing")
    endpoint = os.environ.get("S3_TEST_ENDPOINT")
    # A bucket of its own per test: parallel workers share one server.
    name = f"unspoiled-media-{uuid.uuid4().hex[:12]}"
    with contextlib.ExitStack() as stack:
        if not endpoint:
            stack.enter_context(moto.mock_aws())
        s3 = boto3.client("s3", region_name="us-east-1", endpoint_url=endpoint)
        s3.create_bucket(Bucket=name)
        options = {
            "bucket_name": name,
            "region_name": "us-east-1",
            "custom_domain": "media.example.test",
            "querystring_auth": False,
            "file_overwrite": False,
        }
        if endpoint:
            options["endpoint_url"] = endpoint
        settings.STORAGES = {
            **settings.STORAGES,
            "default": {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": options},
        }
        yield "https://media.example.test/"


def test_the_bucket_is_the_server_ci_names(bucket):
    """When CI names an S3 API server, files really travel to it over HTTP."""
    endpoint = os.environ.get("S3_TEST_ENDPOINT")
    if not endpoint:
        pytest.skip("S3_TEST_ENDPOINT is not set: the bucket is moto's in-memory one")
    import boto3
    from django.core.files.storage import default_storage

    stored = default_storage.save("probe.txt", ContentFile(b"over the wire"))
    bucket_name = default_storage.bucket_name
    body = (
        boto3.client("s3", region_name="us-east-1", endpoint_url=endpoint)
        .get_object(Bucket=bucket_name, Key=stored)["Body"]
        .read()
    )
    assert body == b"over the wire"


def test_with_the_readme_s3_recipe_a_pasted_image_gets_its_renditions_credit_and_leak_check(
    client, senior_client, bucket, make_article
):
    response = senior_client.post(
        "/markdownx/upload/",
        {"image": SimpleUploadedFile("still.png", image_bytes(size=(1200, 675)), "image/png")},
    )
    assert response.status_code == 200, response.content
    image_code = response.json()["image_code"]
    image = Image.objects.get()
    assert image_code == f"![]({bucket}{image.file.name})"
    assert image.renditions.exists()

    article = make_article(sections=[(0, "Premise", "", f"Set up.\n\n{image_code}")])
    # Pasted without alt text or credit: the leak check sees the image and says so.
    assert any(image.file.name in problem for problem in check_saved_article(article).problems)

    Image.objects.filter(pk=image.pk).update(
        alt_text="An empty stage", credit="Image via Netflix", spoiler_level=image.spoiler_level
    )
    article.render_sections()
    page = client.get(article.get_absolute_url()).content.decode()
    assert '<span class="credit">Image via Netflix</span>' in page
    for rendition in image.renditions.all():
        assert f"{bucket}{rendition.file.name}" in page


def test_orphaned_media_lists_and_removes_orphans_in_a_bucket(bucket, make_image):
    from django.core.files.storage import default_storage

    image = make_image(rank=1)
    orphan = default_storage.save("renditions/left-behind-full-64.webp", ContentFile(b"RIFF"))
    out = io.StringIO()
    call_command("orphaned_media", "--min-age", "0", stdout=out)
    assert orphan in out.getvalue() and image.file.name not in out.getvalue()

    call_command("orphaned_media", "--min-age", "0", "--delete", stdout=io.StringIO())

    assert not default_storage.exists(orphan)
    assert default_storage.exists(image.file.name)


def test_an_image_copied_from_a_page_with_its_full_address_is_served_like_a_pasted_one(
    client, make_article, make_image
):
    image = make_image(rank=0, alt="A stage")
    copied = f"https://unspoiled.example{image.file.url}?v=2"
    article = make_article(sections=[(0, "Premise", "", f"![]({copied})")])

    page = client.get(article.get_absolute_url()).content.decode()

    assert '<span class="credit">Drawn for the tests</span>' in page
    assert 'alt="A stage"' in page
    assert copied not in page
    for rendition in image.renditions.filter(spec="full"):
        assert rendition.file.url in page
