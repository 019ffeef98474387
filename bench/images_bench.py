"""Bytes of the demo's images: what was uploaded, what is stored, what readers fetch.

    .venv/bin/python bench/images_bench.py

Loads the demo into a throwaway SQLite database and media folder (both deleted at the
end), then prints, per image, the size of the file as uploaded, of the clean stored
copy, and of each rendition; and what a reader's browser downloads for the image in
an article column (42rem, 672 CSS px): the WebP it picks at 1x and 2x pixel density,
against the original it would have fetched before renditions. Also times making the
renditions. A benchmark, not a test: it prints figures and asserts nothing.
"""

import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
WORK = tempfile.mkdtemp(prefix="images-bench-")
os.environ.update(
    DJANGO_SETTINGS_MODULE="editorial.settings",
    SECRET_KEY="bench-only",
    DEBUG="1",
    DATABASE_URL=f"sqlite:///{WORK}/bench.sqlite3",
    MEDIA_ROOT=f"{WORK}/media",
    TASKS_BACKEND="immediate",  # the demo's renditions made as it loads (no worker here)
)

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402

from explainers.demo import files, stills  # noqa: E402
from explainers.models import Image  # noqa: E402

COLUMN = 672  # CSS pixels: the article column (42rem)


def kb(size):
    return f"{size / 1024:7.1f} KB"


def chosen(renditions, needed):
    """The rendition a browser picks from a srcset for ``needed`` device pixels: the
    narrowest at least that wide, else the widest."""
    ordered = sorted(renditions, key=lambda r: r.width)
    return next((r for r in ordered if r.width >= needed), ordered[-1])


def main():
    try:
        call_command("migrate", verbosity=0)
        call_command("demo", stdout=open(os.devnull, "w"))  # noqa: SIM115
        uploaded = {
            spec["caption"]: len(stills.jpeg_bytes(key))
            for key, spec in files.read().images.items()
        }
        totals = {"uploaded": 0, "stored": 0, "1x": 0, "2x": 0}
        images = Image.objects.prefetch_related("renditions").order_by("pk")
        print(f"{'image':44} {'uploaded':>10} {'stored':>10} {'webp@1x':>10} {'webp@2x':>10}")
        for image in images:
            full = [r for r in image.renditions.all() if r.spec == "full"]
            webp = [r for r in full if r.format == "webp"]
            original = uploaded.get(image.caption, image.file.size)
            stored = image.file.size
            one, two = chosen(webp, COLUMN), chosen(webp, COLUMN * 2)
            totals["uploaded"] += original
            totals["stored"] += stored
            totals["1x"] += one.size
            totals["2x"] += two.size
            print(
                f"{image.caption[:44]:44} {kb(original)} {kb(stored)} {kb(one.size)} {kb(two.size)}"
            )
            for rendition in image.renditions.all():
                print(f"    {str(rendition):32} {kb(rendition.size)}")
        print()
        print(f"{len(images)} images, {image.width} × {image.height} each")
        print(f"  as uploaded (JPEG):             {kb(totals['uploaded'])}")
        print(f"  stored clean copies:            {kb(totals['stored'])}")
        for density in ("1x", "2x"):
            saved = 1 - totals[density] / totals["uploaded"]
            print(
                f"  a reader fetches at {density} (WebP):   {kb(totals[density])}"
                f"  ({saved:.0%} less than the originals)"
            )
        started = time.perf_counter()
        for image in images:
            image.make_renditions()
        elapsed = time.perf_counter() - started
        each = elapsed / len(images)
        print(f"  making every rendition again:   {elapsed:.2f} s ({each:.2f} s per image)")
    finally:
        shutil.rmtree(WORK, ignore_errors=True)


if __name__ == "__main__":
    main()
