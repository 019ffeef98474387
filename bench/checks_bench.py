"""The Checks panel's endpoint: how long the article form's live check takes.

    .venv/bin/python bench/checks_bench.py [--runs 30] [--sections 12]

Builds, in a throwaway in-memory SQLite database (migrated, so the starter word families
are there), a work with spoiler terms and an article of ``--sections`` sections (about
150 words each, citations, every third section a spoiler), signs a senior editor in with
Django's test client and posts the article's change form to ``<id>/checks/`` ``--runs``
times, each with a different dek (one with a leak), as the panel does while an editor
types. Prints the median, p95 and worst wall-clock time and the queries of one check;
asserts nothing. The issue's target is under 100 ms for 12 sections.
"""

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ["DATABASE_URL"] = "sqlite://:memory:"
os.environ.update(
    DJANGO_SETTINGS_MODULE="editorial.settings",
    DEBUG="0",
    SECRET_KEY=os.environ.get("SECRET_KEY") or "bench-only-not-secret",
    ALLOWED_HOSTS="testserver",
    SECURE_SSL_REDIRECT="0",
    PAGE_CACHE_SECONDS="0",
    TASKS_BACKEND="immediate",  # background work done at once, as these figures always had it
)
os.environ.setdefault("MEDIA_ROOT", tempfile.mkdtemp(prefix="checks-bench-media-"))

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


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--sections", type=int, default=12)
    args = parser.parse_args()
    setup()

    from django.db import connection
    from django.test import Client

    from tests.support.admin_forms import full_post

    article, senior = build(args.sections)
    client = Client()
    client.force_login(senior)
    url = f"/admin/explainers/article/{article.pk}/checks/"
    base = full_post(article)
    deks = [
        f"What the closing minutes mean, draft {i}, without giving them away."
        if i % 2
        else f"Draft {i}: on the bus Charlotte cuts off her hand, and then what?"
        for i in range(args.runs)
    ]
    for _ in range(3):  # warm up: imports, compiled patterns, the first query plans
        client.post(url, {**base, "dek": "Warming up."})
    queries = []
    with connection.execute_wrapper(lambda run, sql, *rest: queries.append(sql) or run(sql, *rest)):
        first = client.post(url, {**base, "dek": deks[0]})
    found = first.json()
    times, cpu = [], []
    for dek in deks:
        start, start_cpu = time.perf_counter(), time.process_time()
        response = client.post(url, {**base, "dek": dek})
        times.append((time.perf_counter() - start) * 1000)
        cpu.append((time.process_time() - start_cpu) * 1000)
        assert response.status_code == 200, response.content[:300]
    times.sort()
    p95 = times[min(len(times) - 1, round(0.95 * len(times)) - 1)]
    words = found["words"]
    print(f"Checks endpoint, {args.sections}-section article ({words} words), SQLite in memory")
    print(f"  requests         {len(times)}")
    print(f"  median           {statistics.median(times):6.1f} ms")
    print(f"  p95              {p95:6.1f} ms")
    print(f"  worst            {times[-1]:6.1f} ms")
    print(f"  CPU median       {statistics.median(cpu):6.1f} ms (differs when cores are shared)")
    print(f"  queries          {len(queries)} per check (the session's included)")
    print(f"  leaks found      {len(found['leaks'])} (dek with a leak), target 100 ms")


if __name__ == "__main__":
    main()
