"""Files in media storage and the rows that point at them: a file is deleted only once
the change that stops using it has committed, and the ``orphaned_media`` command finds
(and, when asked, removes) what a rolled-back or interrupted change left behind."""

import io
import os
import time

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import transaction

from explainers.models import Image, Rendition
from tests.support.images import image_bytes


class Rollback(Exception):
    """A later step of the same save failed."""


def stored_names(image):
    return {image.file.name, *(r.file.name for r in image.renditions.all())}


def test_a_rolled_back_re_rendition_keeps_the_old_renditions_and_their_files(make_image):
    image = make_image(rank=0)
    before = stored_names(image)
    assert len(before) > 1

    with pytest.raises(Rollback), transaction.atomic():
        image.focal_x, image.focal_y = 0.1, 0.9  # new crops: the renditions are made again
        image.save()
        assert stored_names(image) != before
        raise Rollback

    image = Image.objects.get(pk=image.pk)
    assert stored_names(image) == before
    for name in before:
        assert default_storage.exists(name), name


def test_a_re_rendition_that_fails_halfway_keeps_the_old_renditions(make_image, monkeypatch):
    # The renditions command makes them outside any transaction of its own.
    image = make_image(rank=0)
    before = stored_names(image)

    def fail(*args, **kwargs):
        raise OSError("the database went away")

    monkeypatch.setattr(Rendition.objects, "bulk_create", fail)
    with pytest.raises(OSError):
        Image.objects.get(pk=image.pk).make_renditions()

    image = Image.objects.get(pk=image.pk)
    assert stored_names(image) == before
    for name in before:
        assert default_storage.exists(name), name


def test_a_rolled_back_image_deletion_keeps_its_files(make_image):
    image = make_image(rank=1)
    names = stored_names(image)

    with pytest.raises(Rollback), transaction.atomic():
        Image.objects.get(pk=image.pk).delete()
        raise Rollback

    assert Image.objects.filter(pk=image.pk).exists()
    for name in names:
        assert default_storage.exists(name), name


def test_a_deleted_image_loses_its_files_once_the_deletion_is_committed(
    make_image, django_capture_on_commit_callbacks
):
    image = make_image(rank=1)
    names = stored_names(image)

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        image.delete()
    for name in names:
        assert default_storage.exists(name), name
    for callback in callbacks:
        callback()

    for name in names:
        assert not default_storage.exists(name), name


def test_replacing_an_image_file_deletes_the_old_file_once_the_change_is_committed(
    admin_client, make_image, django_capture_on_commit_callbacks
):
    image = make_image(rank=1)
    old = stored_names(image)

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = admin_client.post(
            f"/admin/explainers/image/{image.pk}/change/",
            {
                "file": SimpleUploadedFile("new.png", image_bytes(size=(80, 60)), "image/png"),
                "alt_text": image.alt_text,
                "credit": image.credit,
                "caption": "",
                "spoiler_level": image.spoiler_level_id,
                "focal_x": "",
                "focal_y": "",
                "_save": "Save",
            },
        )
    assert response.status_code == 302, response.content[:2000]
    image.refresh_from_db()
    assert image.file.name not in old and (image.width, image.height) == (80, 60)
    # Until the change commits, the old files are still there (it could yet roll back).
    for name in old:
        assert default_storage.exists(name), name
    for callback in callbacks:
        callback()

    for name in old:
        assert not default_storage.exists(name), name
    for name in stored_names(image):
        assert default_storage.exists(name), name


def test_a_file_is_not_deleted_while_a_row_still_points_at_it(
    make_image, django_capture_on_commit_callbacks
):
    # A storage that overwrites (S3 with file_overwrite) can hand a remade rendition the
    # name of the one it replaces: deleting "the old file" would delete the new one.
    image = make_image(rank=1)
    rendition = image.renditions.first()
    twin = Rendition.objects.get(pk=rendition.pk)

    with django_capture_on_commit_callbacks(execute=True):
        rendition.delete()
        Rendition.objects.create(
            image=image,
            spec=twin.spec,
            format=twin.format,
            width=twin.width,
            height=twin.height,
            file=twin.file.name,
            size=twin.size,
        )

    assert default_storage.exists(twin.file.name)


# --- the orphaned_media command --------------------------------------------------------


def age(name, seconds=2 * 3600):
    """Make a stored file look as if it was written ``seconds`` ago."""
    path = default_storage.path(name)
    then = time.time() - seconds
    os.utime(path, (then, then))


@pytest.fixture
def leftovers(make_image):
    """An image in order, plus what a rolled-back upload and a lost file leave behind:
    a stored file no row points at, and a rendition row whose file is gone."""
    kept = make_image(rank=0)
    damaged = make_image(rank=1)
    orphan = default_storage.save("images/2026/01/orphan.png", ContentFile(image_bytes()))
    stray = default_storage.save("renditions/orphan-full-64.webp", ContentFile(b"RIFF"))
    fresh = default_storage.save("images/2026/01/in-flight.png", ContentFile(image_bytes()))
    for name in (orphan, stray, *stored_names(kept), *stored_names(damaged)):
        age(name)
    lost = damaged.renditions.first()
    default_storage.delete(lost.file.name)
    return {
        "kept": kept,
        "damaged": damaged,
        "orphans": {orphan, stray},
        "fresh": fresh,
        "lost": lost,
    }


def run(*args):
    out = io.StringIO()
    call_command("orphaned_media", *args, stdout=out)
    return out.getvalue()


def test_orphaned_media_lists_orphaned_files_and_rows_without_removing_anything(leftovers):
    report = run()

    for name in leftovers["orphans"]:
        assert name in report
        assert default_storage.exists(name)
    assert leftovers["lost"].file.name in report
    assert Rendition.objects.filter(pk=leftovers["lost"].pk).exists()
    # A file written in the last hour may belong to an upload still being saved.
    assert leftovers["fresh"] not in report
    for name in stored_names(leftovers["kept"]):
        assert name not in report
    assert "--delete" in report  # says how to remove them


def test_orphaned_media_removes_orphans_with_delete_and_leaves_what_is_in_use(
    leftovers, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        run("--delete")

    for name in leftovers["orphans"]:
        assert not default_storage.exists(name)
    assert default_storage.exists(leftovers["fresh"])
    assert not Rendition.objects.filter(pk=leftovers["lost"].pk).exists()
    for name in stored_names(leftovers["kept"]):
        assert default_storage.exists(name)
    # The image with a lost rendition is marked for the renditions command to remake.
    damaged = Image.objects.get(pk=leftovers["damaged"].pk)
    assert damaged.renditions_made_from == ""
    assert default_storage.exists(damaged.file.name)
    assert "Nothing orphaned" in run()
