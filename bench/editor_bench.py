"""The editors' desk: server time to open an article's change form, to save it, and an
autosave's round trip, beside the Wagtail anchor's page render in the same run.

    .venv/bin/python bench/editor_bench.py [--runs 20] [--skip-anchor]

Builds, in a throwaway in-memory SQLite database, articles of 6, 12 and 24 sections (the
Checks panel bench's article: about 150 words a section, two citations, every third
section a spoiler), signs a senior editor in with Django's test client and times, per
article, ``--runs`` requests of each kind through the whole middleware stack:

- open: GET of the change form;
- save: POST of the form as a browser sends it ("Save and continue editing"), with a new
  dek each time, through the one save path;
- autosave: POST of the same form to the autosave endpoint (JSON, as autosave.js sends
  it), when the site has one.

Prints the median and the slowest, the queries of one request of each kind (they should
not grow with the number of sections), and the median of 50 warm renders of the Wagtail
anchor's article page (``../shared/bench/anchor_wagtail``, run by its own script). The
issue's targets: open and save at most 250 ms, an autosave round trip at most 50 ms.
Asserts nothing.
"""

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
sys.path.insert(0, str(BENCH))

import checks_bench  # noqa: E402 - sets the environment the site is configured from

SIZES = (6, 12, 24)


def timed(runs, request):
    """``request`` is (prepare, send): what the browser would post is built by ``prepare``
    outside the clock, and only ``send`` (the request itself) is timed."""
    prepare, send = request
    times = []
    for index in range(runs):
        data = prepare(index)
        start = time.perf_counter()
        response = send(data)
        times.append((time.perf_counter() - start) * 1000)
        assert response.status_code in (200, 302), (response.status_code, response.content[:400])
    return statistics.median(times), max(times)


def count_queries(request):
    from django.db import connection

    prepare, send = request
    data = prepare(0)
    queries = []
    with connection.execute_wrapper(lambda run, sql, *rest: queries.append(sql) or run(sql, *rest)):
        send(data)
    return len(queries)


def autosave_url(article):
    from django.urls import NoReverseMatch, reverse

    try:
        return reverse("admin:explainers_article_autosave", args=[article.pk])
    except NoReverseMatch:
        return None


def measure(article, senior, runs):
    from django.test import Client

    from tests.support.admin_forms import change_url, full_post

    client = Client()
    client.force_login(senior)
    url = change_url(article)

    open_form = (lambda index: None, lambda _: client.get(url))
    save = (
        lambda index: full_post(article, dek=f"What the closing minutes mean, draft {index}."),
        lambda data: client.post(url, {**data, "_continue": "Save and continue editing"}),
    )

    figures = {}
    for name, request in (("open", open_form), ("save", save)):
        request[1](request[0](0))  # warm: imports, templates, the first query plans
        figures[name] = (*timed(runs, request), count_queries(request))
    target = autosave_url(article)
    if target:
        form = full_post(article)

        def typed(index):
            # As autosave.js posts it: JSON, the form's fields as [name, value] pairs.
            data = {**form, "dek": f"Typing, keystroke {index}."}
            pairs = [
                [name, str(one)]
                for name, value in data.items()
                for one in (value if isinstance(value, list) else [value])
            ]
            return json.dumps({"data": pairs, "opened_version": article.version})

        autosave = (
            typed,
            lambda body: client.post(target, body, content_type="application/json"),
        )
        autosave[1](typed(0))
        figures["autosave"] = (*timed(runs, autosave), count_queries(autosave))
    return figures


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--skip-anchor", action="store_true", help="no Wagtail render")
    args = parser.parse_args()
    checks_bench.setup()

    from django.conf import settings
    from django.test.utils import override_settings

    # The admin's pages name static files; without collectstatic's manifest, plain URLs.
    plain = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}
    override_settings(STORAGES={**settings.STORAGES, "staticfiles": plain}).enable()

    from django.contrib.auth import get_user_model

    from explainers.models import Article, Person, Source, SpoilerTerm, Work

    rows = []
    for sections in SIZES:
        # Each size on a fresh catalogue: build() makes its work, people and terms anew.
        for model in (Article, SpoilerTerm, Work, Person, Source, get_user_model()):
            model.objects.all().delete()
        article, senior = checks_bench.build(sections)
        rows.append((sections, measure(article, senior, args.runs)))

    wagtail = None
    if not args.skip_anchor:
        import anchor

        wagtail = anchor.render_median(Path(tempfile.gettempdir()) / "explainers-editor-bench")

    print(f"Editors' desk, SQLite in memory, {args.runs} requests each, server time (test client)")
    print(f"{'request':<10} {'sections':>8} {'median ms':>10} {'slowest ms':>11} {'queries':>8}")
    for sections, figures in rows:
        for name, (median, worst, queries) in figures.items():
            print(f"{name:<10} {sections:>8} {median:>10.1f} {worst:>11.1f} {queries:>8}")
    if not any("autosave" in figures for _, figures in rows):
        print("autosave   (no autosave endpoint on this site)")
    if wagtail is not None:
        print(f"Wagtail anchor, warm in-process page render, median of 50: {wagtail:.1f} ms")
    print("Targets: open <= 250 ms, save <= 250 ms, autosave <= 50 ms (12 sections);")
    print("queries the same at 6, 12 and 24 sections.")


if __name__ == "__main__":
    main()
