"""The leak check against reworded leaks and clean text, and its speed.

    .venv/bin/python bench/leak_bench.py [--runs 50] [--verbose]

Runs the real check (``explainers.leaks.check_article``) with the starter word families
of the migrations, in a throwaway in-memory SQLite database:

- every leak of ``bench/leak_corpus.py`` is written as a dek (shown at level 0) and must
  be found as its term; recall per category of rewording;
- every clean sentence of the corpus, as a dek, must raise no leak at all (any term of
  its work); false alarms per kind of sentence;
- the demo's spoiler-free text (``explainers/demo/content``: every title, dek, level-0
  section heading and body, and safe heading) is checked against the demo's own terms
  and the corpus's terms for the same work: false alarms;
- the time to check a 12-section article (median and worst of ``--runs``, each on text
  the check has not read before), wall-clock and CPU time (the two differ when other
  processes share the cores).

Prints figures in a table; asserts nothing.
"""

import argparse
import os
import statistics
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
os.environ["DATABASE_URL"] = "sqlite://:memory:"
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "editorial.settings")
os.environ.setdefault("SECRET_KEY", "bench-only-not-secret")
os.environ.setdefault("DEBUG", "1")


class Level:
    def __init__(self, rank, name):
        self.rank, self.name = rank, name


LEVELS = {
    rank: Level(rank, name)
    for rank, name in enumerate(["Spoiler-free", "Setup", "Twist", "Ending"])
}


def setup():
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)


def work_terms(slug, extra=()):
    """The corpus's terms for a work (and ``extra`` (phrase, rank, variants)), as the
    check gets them, with the work's cast; and the cast names to watch."""
    from leak_corpus import WORKS

    from explainers.leaks import Term, character_names

    work = WORKS.get(slug, {"cast": [], "terms": []})
    names = tuple(tuple(pair) for pair in work["cast"])
    terms = [Term(phrase, LEVELS[rank], (), names) for phrase, rank in work["terms"]]
    terms += [
        Term(phrase, LEVELS[rank], tuple(variants), names) for phrase, rank, variants in extra
    ]
    characters = character_names([character for character, _ in work["cast"]])
    return terms, characters


def check_dek(text, terms, characters):
    from explainers.leaks import check_article

    return check_article(dek=text, terms=terms, characters=characters)


def table(title, header, rows):
    widths = [max(len(str(row[i])) for row in [header, *rows]) for i in range(len(header))]
    line = "  ".join("-" * width for width in widths)
    print(f"\n{title}\n{line}")
    print("  ".join(str(h).ljust(w) for h, w in zip(header, widths, strict=True)))
    print(line)
    for row in rows:
        print("  ".join(str(c).ljust(w) for c, w in zip(row, widths, strict=True)))
    print(line)


def bench_leaks(verbose):
    from leak_corpus import LEAKS

    by_category = defaultdict(lambda: [0, 0])
    misses, example = [], {}
    cases = [(slug, term, *case) for (slug, term), found in LEAKS.items() for case in found]
    for slug, term, category, text in cases:
        terms, characters = work_terms(slug)
        assert term in {t.phrase for t in terms}, (slug, term)
        report = check_dek(text, terms, characters)
        found = [leak for leak in report.leaks if leak.term == term]
        by_category[category][1] += 1
        if found:
            by_category[category][0] += 1
            example.setdefault(category, found[0].message)
        else:
            misses.append((category, term, text))
    rows = []
    caught = total = 0
    for category, (hit, count) in by_category.items():
        caught, total = caught + hit, total + count
        rows.append((category, count, hit, f"{100 * hit / count:.1f}%"))
    rows.append(("all", total, caught, f"{100 * caught / total:.1f}%"))
    table("Reworded leaks (each written as a dek)", ("category", "cases", "caught", "recall"), rows)
    if misses:
        print("Missed:")
        for category, term, text in misses:
            print(f"  [{category}] “{term}” not found in: {text}")
    if verbose:
        print("\nHow a match explains itself, one per category:")
        for category, message in example.items():
            print(f"  [{category}] {message}")
    return caught, total


def bench_clean():
    from leak_corpus import CLEAN

    by_category = Counter()
    alarms = Counter()
    raised = []
    cases = [
        (slug, kind, text)
        for slug, kinds in CLEAN.items()
        for kind, texts in kinds.items()
        for text in texts
    ]
    for slug, category, text in cases:
        terms, characters = work_terms(slug)
        report = check_dek(text, terms, characters)
        by_category[category] += 1
        if report.leaks:
            alarms[category] += 1
            raised.append(report.leaks[0].message)
    rows = [(category, count, alarms[category]) for category, count in by_category.items()]
    rows.append(("all", sum(by_category.values()), sum(alarms.values())))
    table("Clean sentences (each written as a dek)", ("kind", "sentences", "false alarms"), rows)
    for message in raised:
        print(f"  False alarm: {message}")
    return sum(alarms.values()), sum(by_category.values())


def demo_texts():
    """(article slug, work slug, field, text) of every spoiler-free place of the demo."""
    from explainers.demo import files

    content = files.read()
    for slug, article in content.articles.items():
        work = article["work"]
        yield slug, work, "title", article["title"]
        yield slug, work, "dek", article["dek"]
        for number, section in enumerate(article["sections"], start=1):
            if section["rank"] == 0:
                yield slug, work, f"section {number} heading", section["heading"]
                yield slug, work, f"section {number} body", section["body"]
            elif section["safe_heading"]:
                yield slug, work, f"section {number} safe heading", section["safe_heading"]
    # The works' synopses and part labels are shown to everyone too.
    for slug, work in content.works.items():
        yield "(work)", slug, "synopsis", work["synopsis"]
        for label in work["parts"]:
            yield "(work)", slug, "part label", label


def bench_demo():
    from explainers.demo import files
    from explainers.leaks import character_names, reader_text

    content = files.read()
    count = alarms = 0
    raised = []
    per_work = Counter()
    for article, work, field, text in demo_texts():
        demo_terms = content.works[work]["spoiler_terms"]
        extra = [
            (
                term["phrase"],
                term["rank"],
                [v.strip() for v in term["variants"].split(",") if v.strip()],
            )
            for term in demo_terms
        ]
        terms, characters = work_terms(work, extra)
        names = [c["character"] for c in content.works[work]["credits"] if c["character"]]
        characters = list(dict.fromkeys([*characters, *character_names(names)]))
        report = check_dek(reader_text(text), terms, characters)
        count += 1
        per_work[work] += 1
        if report.leaks:
            alarms += 1
            raised.append(f"{article} {field}: {report.leaks[0].message}")
    rows = [(work, texts) for work, texts in per_work.items()]
    table("Demo's spoiler-free places checked", ("work", "places"), rows)
    print(f"False alarms on the demo's spoiler-free text: {alarms} of {count} places")
    for message in raised:
        print(f"  False alarm: {message}")
    return alarms, count


def bench_speed(runs):
    """A 12-section article (3 at each level) of about 2,400 words, each section two
    different sections of the demo's articles about The Perfection, checked with the
    work's terms (the corpus's and the demo's), on fresh text each run so no cache of a
    text helps."""
    from explainers.demo import files
    from explainers.leaks import check_article, matcher_for

    content = files.read()
    article = content.articles["the-perfection-ending-explained"]
    bodies = [
        section["body"]
        for slug in (
            "the-perfection-ending-explained",
            "richard-shepard-on-the-perfection",
            "the-perfection-listening-guide",
        )
        for section in content.articles[slug]["sections"]
    ]
    demo_terms = content.works["the-perfection"]["spoiler_terms"]
    extra = [(term["phrase"], term["rank"], []) for term in demo_terms]
    terms, characters = work_terms("the-perfection", extra)
    timings, cpu = [], []
    for run in range(runs + 1):
        sections = []
        for number in range(12):
            body = f"{bodies[number]}\n\n{bodies[(number + 6) % len(bodies)]}"
            sections.append(
                {
                    "spoiler_level": LEVELS[number // 3],
                    "heading": f"Part {number} of run {run}",
                    "safe_heading": f"What part {number} covers" if number >= 3 else "",
                    "body": f"Run {run}, part {number}. {body}",
                    "image": None,
                }
            )
        matcher_for(terms, characters)._texts.clear()
        start, start_cpu = time.perf_counter(), time.process_time()
        check_article(
            title=f"The Perfection’s ending, explained ({run})",
            dek=article["dek"],
            slug="the-perfection-ending-explained",
            sections=sections,
            terms=terms,
            characters=characters,
        )
        elapsed = (time.perf_counter() - start) * 1000
        elapsed_cpu = (time.process_time() - start_cpu) * 1000
        if run:  # the first run reads the word families and warms the stemmer's cache
            timings.append(elapsed)
            cpu.append(elapsed_cpu)
    words = sum(len(s["body"].split()) for s in sections)
    return timings, cpu, words, len(terms)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument("--verbose", action="store_true", help="show how matches explain")
    args = parser.parse_args()
    setup()
    caught, leaks = bench_leaks(args.verbose)
    clean_alarms, clean = bench_clean()
    demo_alarms, places = bench_demo()
    timings, cpu, words, terms = bench_speed(args.runs)
    table(
        "Summary",
        ("measure", "figure", "target"),
        [
            (
                "recall on reworded leaks",
                f"{100 * caught / leaks:.1f}% ({caught}/{leaks})",
                ">= 95%",
            ),
            ("false alarms, clean sentences", f"{clean_alarms} of {clean}", "0"),
            ("false alarms, demo spoiler-free text", f"{demo_alarms} of {places}", "0"),
            (
                f"check of a 12-section article ({words} words, {terms} terms), median",
                f"{statistics.median(timings):.1f} ms",
                "< 50 ms",
            ),
            ("same, slowest of the runs", f"{max(timings):.1f} ms", ""),
            # CPU time: what the check costs when other work shares the cores.
            ("same, CPU time, median", f"{statistics.median(cpu):.1f} ms", "< 50 ms"),
        ],
    )


if __name__ == "__main__":
    main()
