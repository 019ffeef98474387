"""Search timings on a corpus of 10,000 published explainers.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/explainers_bench \\
        .venv/bin/python bench/search_bench.py [--articles 10000] [--runs 25] [--rebuild]

It builds its corpus in the database DATABASE_URL names, and only there: on PostgreSQL
it creates that database if it does not exist, and it refuses to run against one that
holds anything it did not make itself (a work or article whose slug does not start with
"bench-"). The corpus is made with bulk_create and indexed with the same code that
indexes real articles (explainers.search.refresh). Then it runs each query the way the
search page does (count, one page of ranked results with snippets) and prints p50/p95.
Not a test: it asserts nothing about speed.
"""

import argparse
import os
import random
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "editorial.settings")
os.environ.setdefault("SECRET_KEY", "bench-only-not-secret")
os.environ.setdefault("DEBUG", "1")

PREFIX = "bench-"

ADJECTIVES = [
    "silent",
    "quiet",
    "last",
    "hidden",
    "broken",
    "golden",
    "hollow",
    "distant",
    "crimson",
    "northern",
    "frozen",
    "bright",
    "little",
    "lost",
    "secret",
    "burning",
    "endless",
    "pale",
    "wild",
    "lonely",
]
NOUNS = [
    "harbor",
    "academy",
    "island",
    "orchard",
    "house",
    "river",
    "garden",
    "letter",
    "mirror",
    "station",
    "winter",
    "summer",
    "kingdom",
    "signal",
    "chapel",
    "forest",
    "lighthouse",
    "symphony",
    "inheritance",
    "circus",
]
FIRST = [
    "Ana",
    "Ben",
    "Clara",
    "David",
    "Elena",
    "Farid",
    "Grace",
    "Hugo",
    "Ines",
    "Jonas",
    "Kira",
    "Leo",
    "Maya",
    "Nils",
    "Omar",
    "Paula",
    "Quinn",
    "Rosa",
    "Samir",
    "Tara",
    "Uma",
    "Victor",
    "Wen",
    "Yara",
    "Zoe",
]
LAST = [
    "Abbott",
    "Bauer",
    "Castillo",
    "Dunn",
    "Ekberg",
    "Fontaine",
    "Garcia",
    "Haddad",
    "Ito",
    "Jensen",
    "Kowalski",
    "Laurent",
    "Moreau",
    "Nakamura",
    "Okafor",
    "Petrov",
    "Quist",
    "Romero",
    "Silva",
    "Tanaka",
    "Ulrich",
    "Varga",
    "Weber",
    "Young",
    "Zhou",
]
SYLLABLES = [
    "ka",
    "lo",
    "mi",
    "ren",
    "ta",
    "vo",
    "sel",
    "an",
    "dra",
    "bel",
    "cor",
    "fin",
    "gal",
    "hest",
    "ir",
    "jun",
    "lu",
    "mar",
    "nor",
    "os",
    "pe",
]


class TextModel:
    """Realistic English for the corpus: a bigram chain trained on the demo articles and
    the README (so word frequencies look like real prose), plus invented names per work
    (characters and places) that make some queries selective, as they are in life."""

    def __init__(self, rng):
        import ast
        import re

        source = (ROOT / "explainers/management/commands/demo.py").read_text()
        texts = [
            node.value
            for node in ast.walk(ast.parse(source))
            if isinstance(node, ast.Constant)
            and isinstance(node.value, str)
            and len(node.value) > 60
        ]
        texts.append((ROOT / "README.md").read_text())
        self.rng = rng
        self.next = {}
        for text in texts:
            for piece in re.split(r"(?<=[.!?])\s+", text):
                words = re.findall(r"[A-Za-z][A-Za-z'’-]*", piece)
                for a, b in zip(["^", *words], [*words, "$"], strict=True):
                    self.next.setdefault(a.lower(), []).append(b)

    def name(self):
        return "".join(self.rng.choice(SYLLABLES) for _ in range(self.rng.randint(2, 3))).title()

    def sentence(self, names=(), most=24):
        words, word = [], "^"
        while len(words) < most:
            word = self.rng.choice(self.next.get(word.lower(), ["$"]))
            if word == "$":
                if len(words) >= 5:
                    break
                word = "^"
                continue
            if names and self.rng.random() < 0.04:
                words.append(self.rng.choice(names))
            words.append(word)
        return " ".join(words).capitalize() + "."

    def paragraph(self, names=(), sentences=(3, 6)):
        count = self.rng.randint(*sentences)
        return " ".join(self.sentence(names) for _ in range(count))


def maintenance_connection(config):
    """A connection to the server's ``postgres`` database, for creating and dropping."""
    import psycopg

    return psycopg.connect(
        host=config.get("HOST") or None,
        port=config.get("PORT") or None,
        user=config.get("USER") or None,
        password=config.get("PASSWORD") or None,
        dbname="postgres",
        autocommit=True,
    )


def ensure_database():
    """On PostgreSQL, create the named database if it is missing."""
    import dj_database_url

    config = dj_database_url.config()
    if "postgresql" not in config.get("ENGINE", ""):
        return config
    name = config["NAME"]
    with maintenance_connection(config) as admin:
        exists = admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            admin.execute(f'CREATE DATABASE "{name}"')
            print(f"created database {name}")
    return config


def refuse_real_content():
    from explainers.models import Article, Work

    foreign = (
        Article.objects.exclude(slug__startswith=PREFIX).count()
        + Work.objects.exclude(slug__startswith=PREFIX).count()
    )
    if foreign:
        sys.exit(
            f"Refusing to run: this database holds {foreign} work(s) or article(s) that the "
            "benchmark did not make. Point DATABASE_URL at a database of its own, e.g. "
            "postgres://postgres@127.0.0.1:5432/explainers_bench (it is created if missing)."
        )


def build(n_articles, seed=6):
    from django.db import transaction
    from django.utils import timezone

    from explainers import search
    from explainers.models import Article, Credit, Person, Section, SpoilerLevel, Work

    rng = random.Random(seed)
    text = TextModel(rng)
    levels = {level.rank: level for level in SpoilerLevel.objects.all()}
    started = time.perf_counter()
    with transaction.atomic():
        Article.objects.filter(slug__startswith=PREFIX).delete()
        Credit.objects.filter(work__slug__startswith=PREFIX).delete()
        Work.objects.filter(slug__startswith=PREFIX).delete()
        Person.objects.filter(slug__startswith=PREFIX).delete()

        people = Person.objects.bulk_create(
            Person(name=f"{first} {last}", slug=f"{PREFIX}{first}-{last}".lower())
            for first in FIRST
            for last in LAST
        )
        kinds = [Work.Kind.FILM] * 5 + [Work.Kind.SERIES] * 2 + [Work.Kind.BOOK, Work.Kind.GAME]
        works = Work.objects.bulk_create(
            Work(
                kind=rng.choice(kinds),
                title=f"The {rng.choice(ADJECTIVES).title()} {rng.choice(NOUNS).title()}",
                slug=f"{PREFIX}work-{n}",
                year=rng.randint(1970, 2025),
                synopsis=text.paragraph(sentences=(2, 3)),
            )
            for n in range(max(1, n_articles // 8))
        )
        names = {work.pk: [text.name() for _ in range(6)] for work in works}
        credits = []
        for work in works:
            for order, person in enumerate(rng.sample(people, 6)):
                role = Credit.Role.DIRECTOR if order == 0 else Credit.Role.CAST
                character = names[work.pk][order] if role == Credit.Role.CAST else ""
                credits.append(
                    Credit(
                        work=work,
                        person=person,
                        role=role,
                        order=order,
                        character_name=character,
                    )
                )
        Credit.objects.bulk_create(credits)

        now = timezone.now()
        patterns = [
            "{w}: the ending, explained",
            "What the final scene of {w} means",
            "Why the twist in {w} works",
            "{w}: every clue you missed",
            "The director of {w} on its last chapter",
            "Who is really behind it all in {w}?",
        ]
        articles = Article.objects.bulk_create(
            Article(
                title=rng.choice(patterns).format(w=work.title)[:200],
                slug=f"{PREFIX}article-{n}",
                dek=text.paragraph(names[work.pk], (1, 2))[:400],
                work=work,
                status=Article.Status.PUBLISHED,
                published_at=now - timedelta(minutes=n * 37),
            )
            for n, work in enumerate(rng.choice(works) for _ in range(n_articles))
        )
        sections = []
        for article in articles:
            for order, rank in enumerate((0, 0, 1, 2, 3)[: rng.randint(2, 5)], start=1):
                cast = names[article.work_id]
                paragraphs = [text.paragraph(cast) for _ in range(rng.randint(2, 5))]
                html = "".join(f"<p>{part}</p>\n" for part in paragraphs)
                sections.append(
                    Section(
                        article=article,
                        order=order,
                        heading=text.sentence(most=7)[:-1],
                        safe_heading="" if rank == 0 else text.sentence(most=6)[:-1],
                        spoiler_level=levels[rank],
                        body="\n\n".join(paragraphs),
                        body_html=html,
                    )
                )
        Section.objects.bulk_create(sections, batch_size=2000)
    built = time.perf_counter() - started
    started = time.perf_counter()
    search.refresh([article.pk for article in articles], batch_size=1000)
    indexed = time.perf_counter() - started
    print(
        f"built {len(works)} works, {len(people)} people, {len(articles)} articles, "
        f"{len(sections)} sections in {built:.1f}s; indexed in {indexed:.1f}s"
    )


QUERIES = [
    ("common word", "ending", {}),
    ("two words", "final scene", {}),
    ("phrase", '"the ending"', {}),
    ("websearch with exclusion", "twist -murder", {}),
    ("person", "Kira Okafor", {}),
    ("work title", "Golden Lighthouse", {}),
    ("character name", None, {}),
    ("no match", "xylophonist", {}),
    ("filter: kind=book", "memory", {"kind": "book"}),
    ("filter: spoiler-free only", "mother", {"reach": 0}),
    ("page 20 of a common word", "ending", {"page": 20}),
]


def run(runs):
    from django.db import connection, reset_queries

    from explainers import search

    print(f"\ndatabase: {connection.vendor}, {runs} runs per query (ms)")
    print(f"{'query':<28} {'matches':>8} {'p50':>8} {'p95':>8} {'max':>8}")
    from explainers.models import Credit

    character = (
        Credit.objects.filter(work__slug__startswith=PREFIX)
        .exclude(character_name="")
        .order_by("pk")
        .values_list("character_name", flat=True)
        .first()
    )
    for label, text, options in QUERIES:
        text = text or character
        options = dict(options)
        page_number = options.pop("page", 1)
        filters = search.Filters(**options)
        query = search.clean_query(text)
        timings = []
        for _ in range(runs):
            reset_queries()
            started = time.perf_counter()
            page = search.results_page(search.search(query, filters), query, page_number)
            count = page.paginator.count
            timings.append((time.perf_counter() - started) * 1000)
        timings.sort()
        p95 = timings[max(0, int(round(0.95 * len(timings))) - 1)]
        print(
            f"{label:<28} {count:>8} {statistics.median(timings):>8.1f} {p95:>8.1f} "
            f"{timings[-1]:>8.1f}"
        )
    if connection.vendor == "postgresql":
        plan = search.search(search.clean_query(character)).explain()
        uses = "explainers_article_search_gin" in plan
        print(f"\nthe plan for a character-name search uses the GIN index: {uses}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=25)
    parser.add_argument("--rebuild", action="store_true", help="rebuild the corpus")
    args = parser.parse_args()

    ensure_database()
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from explainers.models import Article

    # Look before migrating: a database with real content is left exactly as it was.
    if "explainers_article" in connection.introspection.table_names():
        refuse_real_content()
    call_command("migrate", verbosity=0)
    refuse_real_content()
    have = Article.objects.filter(slug__startswith="bench-").count()
    if args.rebuild or have != args.articles:
        build(args.articles)
    else:
        print(f"reusing the corpus of {have} articles (--rebuild to make it again)")
    if connection.vendor == "postgresql":
        # What autovacuum would have done on a live site after such a bulk load.
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
    run(args.runs)


if __name__ == "__main__":
    main()
