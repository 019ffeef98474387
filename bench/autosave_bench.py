"""The article form's autosave: how long a round trip to ``<id>/autosave/`` takes.

    .venv/bin/python bench/autosave_bench.py [--runs 50] [--sections 12]

Builds, in a throwaway in-memory SQLite database, an article of ``--sections`` sections
(about 150 words each, citations; the same article as ``checks_bench.py``), signs a
senior editor in with Django's test client and posts the article's whole change form,
as ``autosave.js`` does (JSON: the fields as [name, value] pairs), ``--runs`` times, each
with a different dek; then reads it back once as a reopened form does. Prints the
median, p95 and worst wall-clock time of a post and of a read, the size of one autosave
and the queries of each; asserts nothing. The issue's target is 50 ms a round trip.
With ``DATABASE_URL`` set to a PostgreSQL database it runs there instead (``--pg``).
"""

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
if "--pg" not in sys.argv:
    os.environ["DATABASE_URL"] = "sqlite://:memory:"
os.environ.update(
    DJANGO_SETTINGS_MODULE="editorial.settings",
    DEBUG="0",
    SECRET_KEY=os.environ.get("SECRET_KEY") or "bench-only-not-secret",
    ALLOWED_HOSTS="testserver",
    SECURE_SSL_REDIRECT="0",
    PAGE_CACHE_SECONDS="0",
)
os.environ.setdefault("MEDIA_ROOT", tempfile.mkdtemp(prefix="autosave-bench-media-"))

PARAGRAPH = (
    "The second act turns on a trip Lizzie and Charlotte take together, and the film "
    "cuts it so that we read every glance twice [@director]. Shepard keeps the camera "
    "close, the score low, and the bus itself becomes a character: cramped, hot, with "
    "nowhere to go. What the two cellists say to each other matters less than what they "
    "leave out, and the editing rewinds more than once to show us what we missed "
    "[@review]. It is a film about teachers and pupils, about what a school asks of the "
    "children it picks, and about who gets to tell the story afterwards. The music is "
    "Bach and Mozart for the most part, played as if the players were being graded, and "
    "the academy's chapel, all wood and candles, is where the last movement plays out."
)


def setup():
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)


def build(n_sections):
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group

    from explainers import roles
    from explainers.models import (
        Article,
        Citation,
        Credit,
        Person,
        Section,
        Source,
        SpoilerLevel,
        SpoilerTerm,
        Work,
    )

    roles.sync_roles()
    levels = {level.rank: level for level in SpoilerLevel.objects.all()}
    work = Work.objects.create(
        kind=Work.Kind.FILM, title="The Perfection", slug="the-perfection", year=2019
    )
    for name, role in (("Allison Williams", "Charlotte"), ("Logan Browning", "Lizzie")):
        person = Person.objects.create(name=name, slug=name.lower().replace(" ", "-"))
        Credit.objects.create(work=work, person=person, role=Credit.Role.CAST, character_name=role)
    for phrase, rank in (
        ("cuts off her hand", 2),
        ("Duet", 3),
        ("loses her left arm", 3),
        ("Paloma is killed", 3),
        ("Anton drugs Lizzie", 2),
    ):
        SpoilerTerm.objects.create(work=work, phrase=phrase, spoiler_level=levels[rank])
    senior = get_user_model().objects.create_user("sol", password="x", is_staff=True)
    senior.groups.add(Group.objects.get(name=roles.SENIOR_EDITOR))
    article = Article.objects.create(
        title="The Perfection's ending, explained",
        slug="the-perfection-ending-explained",
        dek="What the closing minutes mean, without giving them away.",
        work=work,
        status=Article.Status.DRAFT,
    )
    for order in range(1, n_sections + 1):
        rank = [0, 1, 2, 3][order % 4] if order > 1 else 0
        Section.objects.create(
            article=article,
            order=order,
            spoiler_level=levels[rank],
            heading=f"Part {order}: the trip, seen again",
            safe_heading="" if rank == 0 else f"Part {order}",
            body=PARAGRAPH,
        )
    for key, title in (("director", "Interview with the director"), ("review", "A review")):
        source = Source.objects.create(kind=Source.Kind.INTERVIEW, title=title)
        Citation.objects.create(article=article, key=key, source=source)
    article.render_sections()
    return article, senior


def pairs(data):
    """The form as autosave.js sends it: [name, value] pairs, lists spread out."""
    found = []
    for name, value in data.items():
        for one in value if isinstance(value, list) else [value]:
            found.append([name, str(one)])
    return found


def timed(call, runs):
    times, cpu = [], []
    for i in range(runs):
        start, start_cpu = time.perf_counter(), time.process_time()
        response = call(i)
        times.append((time.perf_counter() - start) * 1000)
        cpu.append((time.process_time() - start_cpu) * 1000)
        assert response.status_code == 200, response.content[:300]
    times.sort()
    return times, cpu


def report(label, measured):
    times, cpu = measured
    p95 = times[min(len(times) - 1, round(0.95 * len(times)) - 1)]
    print(
        f"  {label:<16} median {statistics.median(times):6.1f} ms   p95 {p95:6.1f} ms   "
        f"worst {times[-1]:6.1f} ms   CPU median {statistics.median(cpu):5.1f} ms"
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument("--sections", type=int, default=12)
    parser.add_argument("--pg", action="store_true", help="use DATABASE_URL as it is")
    args = parser.parse_args()
    setup()

    from django.db import connection
    from django.test import Client

    from tests.support.admin_forms import full_post

    article, senior = build(args.sections)
    client = Client()
    client.force_login(senior)
    url = f"/admin/explainers/article/{article.pk}/autosave/"
    form = pairs(full_post(article))

    def body(i):
        data = [
            [n, f"Draft {i}: what the closing minutes mean." if n == "dek" else v] for n, v in form
        ]
        return json.dumps({"data": data, "opened_version": article.version})

    def store(i):
        return client.post(url, body(i), content_type="application/json")

    for i in range(3):  # warm up: imports, the first query plans
        store(i)
    queries = {"post": [], "get": []}
    for name, call in (("post", lambda: store(0)), ("get", lambda: client.get(url))):
        with connection.execute_wrapper(
            lambda run, sql, *rest, name=name: queries[name].append(sql) or run(sql, *rest)
        ):
            call()
    posts = timed(store, args.runs)
    gets = timed(lambda i: client.get(url), args.runs)
    engine = connection.vendor
    print(f"Autosave endpoint, {args.sections}-section article, {engine}")
    print(f"  one autosave     {len(body(0)) / 1024:6.1f} kB of JSON, {len(form)} fields")
    report("post (store)", posts)
    report("get (reopen)", gets)
    print(f"  queries          {len(queries['post'])} per post, {len(queries['get'])} per get")
    print("  target           50 ms a round trip")
    if os.environ.get("SHOW_QUERIES"):
        print("\n".join(q[:160] for q in queries["post"]))


if __name__ == "__main__":
    main()
