"""The article page against the Wagtail anchor, the framework floor and a static file.

    .venv/bin/python bench/pages_bench.py            # about 6 minutes; PostgreSQL
    .venv/bin/python bench/pages_bench.py --skip-anchor --articles 2000   # a quicker look
    .venv/bin/python bench/pages_bench.py --caches-only  # the served rows only (2 minutes)

Runs on PostgreSQL (DATABASE_URL, default postgres://postgres@127.0.0.1:5432/
explainers_pages_bench, created if missing and refused if it holds anything the benchmark
did not make). One run measures, side by side and on loopback:

1. Wagtail: ``../shared/bench/anchor_wagtail`` copied to /tmp and run by its own scripts
   (gunicorn 2 sync workers, ``wrk -t2 -c8 -d10s --latency`` after a 3 s warm-up), which
   also measure its framework floor and nginx serving its page as a static file.
2. Ours, with the same method: the measured article (12 sections, 8 citations, 3 images,
   related reading) served by gunicorn with 2 sync workers and production settings,
   uncached and with the page cache (each process's memory, files, then Redis); our own floor
   (the same HTML from memory through our settings and middleware, bench/floor_urls.py);
   nginx serving our HTML as a file; p50 and p99 at concurrency 16; worker memory before
   and after 10,000 requests over many pages.
3. In process: the article page's queries and warm render time, an admin save of the
   12-section article through the real change form, and a scale table as the site grows
   from 100 to 10,000 articles (120,000 sections): article page, home page and search.

It prints figures and asserts nothing: benchmarks are not tests.
"""

import argparse
import atexit
import contextlib
import json
import os
import random
import re
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from io import BytesIO
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(BENCH))
DEFAULT_DB = "postgres://postgres@127.0.0.1:5432/explainers_pages_bench"
os.environ.setdefault("DATABASE_URL", DEFAULT_DB)
os.environ.update(
    DJANGO_SETTINGS_MODULE="editorial.settings",
    DEBUG="0",  # no query log, no debug templates: production behaviour in process too
    SECRET_KEY=os.environ.get("SECRET_KEY") or secrets.token_urlsafe(50),
    ALLOWED_HOSTS="127.0.0.1,testserver",
    SECURE_SSL_REDIRECT="0",
    SECURE_COOKIES="0",
    PAGE_CACHE_SECONDS="0",
    AXES_FAILURE_LIMIT="1000",
    SEARCHES_PER_CLIENT="100000000",
    TASKS_BACKEND="immediate",  # background work done at once, as these figures always had it
)
WORK_DIR = Path(tempfile.gettempdir()) / "explainers-pages-bench"
# Issue 7's reference figure: a warm in-process render of the Wagtail page on our machines.
REFERENCE_WAGTAIL_MS = 9.0
os.environ.setdefault("MEDIA_ROOT", str(WORK_DIR / "media"))
os.environ.setdefault("STATIC_ROOT", str(WORK_DIR / "static"))
os.environ.setdefault("CACHE_DIR", str(WORK_DIR / "cache"))  # the cache without Redis

import anchor  # noqa: E402
from search_bench import (  # noqa: E402 - after the environment above
    PREFIX,
    TextModel,
    ensure_database,
    maintenance_connection,
    refuse_real_content,
)

HOST = "127.0.0.1"
SLUG = f"{PREFIX}measured-the-last-door-explained"
WRK_THREADS, WRK_CONC, WRK_SECONDS, WRK_WARMUP = 2, 8, 10, 3


# --- seeding --------------------------------------------------------------------------------


def jpeg(width, height, seed):
    from PIL import Image as PILImage
    from PIL import ImageDraw

    rng = random.Random(seed)
    picture = PILImage.new("RGB", (width, height), (rng.randrange(256), 60, 90))
    draw = ImageDraw.Draw(picture)
    for _ in range(40):
        x, y = rng.randrange(width), rng.randrange(height)
        colour = (rng.randrange(256), rng.randrange(256), rng.randrange(256))
        draw.ellipse((x, y, x + rng.randrange(40, 300), y + rng.randrange(40, 200)), colour)
    out = BytesIO()
    picture.save(out, "JPEG", quality=85)
    return out.getvalue()


def make_image(levels, rank, seed, alt):
    from django.core.files.base import ContentFile

    from explainers.models import Image

    image = Image(alt_text=alt, credit="Still made for the benchmark", spoiler_level=levels[rank])
    image.file.save(f"{PREFIX}still-{seed}.jpg", ContentFile(jpeg(1600, 900, seed)), save=False)
    image.save()
    return image


def seed_measured(text):
    """The measured explainer, made through the models as an editor's save would: 12
    Markdown sections (7 of them spoilers) of about 150 words, 8 cited sources, a hero and
    two section stills, two authors, a director, and three related explainers."""
    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from explainers import stored_pages
    from explainers.models import (
        Article,
        Citation,
        Credit,
        Person,
        Section,
        Source,
        SpoilerLevel,
        Work,
    )

    levels = {level.rank: level for level in SpoilerLevel.objects.all()}
    work = Work.objects.create(
        kind=Work.Kind.FILM,
        title="The Last Door",
        slug=f"{PREFIX}the-last-door",
        year=2024,
        platform="Cinemas",
        synopsis=text.paragraph(sentences=(2, 3)),
    )
    director = Person.objects.create(name="Ines Marlow", slug=f"{PREFIX}ines-marlow")
    Credit.objects.create(work=work, person=director, role=Credit.Role.DIRECTOR)
    users = get_user_model().objects
    authors = [
        users.get_or_create(username=f"{PREFIX}{name.lower()}", defaults={"first_name": name})[0]
        for name in ("Ruth", "Kim")
    ]
    now = timezone.now()
    article = Article.objects.create(
        title="The Last Door: the ending, explained",
        slug=SLUG,
        dek="What the final corridor means, and why the door stays shut, without giving "
        "anything away up here.",
        work=work,
        status=Article.Status.PUBLISHED,
        published_at=now - timedelta(hours=2),
        hero_image=make_image(levels, 0, 1, "A corridor lit from one end"),
    )
    article.authors.set(authors)
    keys = [f"note-{n}" for n in range(1, 9)]
    for n, key in enumerate(keys, start=1):
        source = Source.objects.create(
            kind=Source.Kind.INTERVIEW if n % 2 else Source.Kind.ARTICLE,
            title=f"Conversation number {n} about the film",
            author="A. Critic",
            publisher="The Film Weekly",
            url=f"https://example.org/interviews/{n}",
        )
        Citation.objects.create(article=article, source=source, key=key, locator=f"at {n}:0{n}")
    ranks = [0, 0, 1, 0, 1, 2, 0, 2, 3, 0, 3, 3]  # 7 spoiler sections
    stills = {2: make_image(levels, 0, 2, "The house at dawn"), 9: make_image(levels, 3, 3, "x")}
    for order, rank in enumerate(ranks, start=1):
        paragraphs = []
        for part in range(2):
            words = text.paragraph(sentences=(5, 6))
            key = keys[(order + part) % len(keys)]
            paragraphs.append(
                f"**{words[:40]}** {words[40:]} *as the film has it* "
                f"([more](https://example.org/{order}/{part})) [@{key}]"
            )
        Section.objects.create(
            article=article,
            order=order,
            heading=text.sentence(most=7)[:-1],
            safe_heading="" if rank == 0 else f"Part {order}, spoiler-free heading",
            spoiler_level=levels[rank],
            body="\n\n".join(paragraphs),
            image=stills.get(order),
        )
    article.render_sections()
    for n in range(3):
        Article.objects.create(
            title=f"The Last Door: clue {n + 1} you missed",
            slug=f"{PREFIX}the-last-door-clue-{n}",
            dek=text.paragraph(sentences=(1, 2))[:400],
            work=work,
            status=Article.Status.PUBLISHED,
            published_at=now - timedelta(days=n + 1),
        )
    stored_pages.build_stale([article.pk])
    return article


def seed_bulk(count, text, rng, offset):
    """``count`` more published explainers of 12 sections each, with bulk_create (no signals),
    their search index refreshed by the same code the site uses."""
    from django.utils import timezone

    from explainers import search
    from explainers.models import Article, Section, SpoilerLevel, Work

    levels = {level.rank: level for level in SpoilerLevel.objects.all()}
    works = Work.objects.bulk_create(
        Work(
            kind=Work.Kind.FILM,
            title=f"Work {offset + n}",
            slug=f"{PREFIX}work-{offset + n}",
            year=rng.randint(1970, 2025),
            synopsis=text.paragraph(sentences=(1, 2)),
        )
        for n in range(max(1, count // 8))
    )
    now = timezone.now()
    articles = Article.objects.bulk_create(
        (
            Article(
                title=f"{text.sentence(most=6)[:-1]}: the ending, explained"[:200],
                slug=f"{PREFIX}article-{offset + n}",
                dek=text.paragraph(sentences=(1, 2))[:400],
                work=rng.choice(works),
                status=Article.Status.PUBLISHED,
                published_at=now - timedelta(days=1, minutes=(offset + n) * 7),
            )
            for n in range(count)
        ),
        batch_size=2000,
    )
    batch = []
    for article in articles:
        for order, rank in enumerate([0, 0, 1, 0, 1, 2, 0, 2, 3, 0, 3, 3], start=1):
            body = text.paragraph(sentences=(3, 5))
            batch.append(
                Section(
                    article=article,
                    order=order,
                    heading=text.sentence(most=7)[:-1],
                    safe_heading="" if rank == 0 else "A spoiler-free heading",
                    spoiler_level=levels[rank],
                    body=body,
                    body_html=f"<p>{body}</p>",
                )
            )
        if len(batch) >= 12000:
            Section.objects.bulk_create(batch, batch_size=4000)
            batch = []
    Section.objects.bulk_create(batch, batch_size=4000)
    search.refresh([article.pk for article in articles], batch_size=1000)


# --- in process -----------------------------------------------------------------------------


def timed(fn, runs, warm=5):
    for _ in range(warm):
        fn()
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def in_process_page(client, path, runs=50):
    from django.db import connection

    response = client.get(path)
    assert response.status_code == 200, (path, response.status_code)
    queries = []

    def count(execute, sql, params, many, context):
        queries.append(sql)
        return execute(sql, params, many, context)

    # (CaptureQueriesContext reads the query log, which each request empties with DEBUG off.)
    with connection.execute_wrapper(count):
        client.get(path)
    return timed(lambda: client.get(path), runs), len(queries)


def admin_save_ms(article, runs=25):
    """Save the 12-section article through the real admin change form, as an editor does:
    open the form, change a section's body, post it all; the time of the post (renders,
    revisions, checks, the stored page rendered after commit)."""
    from django.contrib.auth import get_user_model
    from django.test import Client
    from soak import form_fields

    user, _ = get_user_model().objects.get_or_create(
        username=f"{PREFIX}admin", defaults={"is_staff": True, "is_superuser": True}
    )
    client = Client()
    client.force_login(user)
    url = f"/admin/explainers/article/{article.pk}/change/"
    times = []
    for n in range(runs + 2):
        page = client.get(url).content.decode()
        fields = {}
        for name, value in form_fields(page):
            fields.setdefault(name, []).append(value)
        body = next(k for k in fields if re.fullmatch(r"sections-\d+-body", k))
        fields[body] = [fields[body][0] + f"\n\nAn added sentence, save {n}."]
        fields["_continue"] = ["Save and continue editing"]
        started = time.perf_counter()
        response = client.post(url, fields)
        elapsed = (time.perf_counter() - started) * 1000
        if response.status_code != 302:
            errors = re.findall(r'class="errorlist[^"]*">(.*?)</ul>', response.content.decode())
            raise SystemExit(f"admin save refused ({response.status_code}): {errors[:3]}")
        if n >= 2:
            times.append(elapsed)
    times.sort()
    return statistics.median(times), times[int(len(times) * 0.9)], times[-1]


def scale_row(client, label, article_path):
    from explainers.models import Article, Section

    article_ms, article_q = in_process_page(client, article_path, runs=30)
    home_ms, home_q = in_process_page(client, "/", runs=30)
    rows = [label, Article.objects.count(), Section.objects.count(), article_ms, article_q]
    rows += [home_ms, home_q]
    for term in ("ending", "corridor door"):
        ms, q = in_process_page(client, f"/search/?q={term.replace(' ', '+')}", runs=15)
        rows += [ms, q]
    return rows


# --- over HTTP ------------------------------------------------------------------------------


def free_port():
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


# Every server the bench starts, stopped at exit whatever happens (an error, Ctrl-C, a
# SIGTERM): nothing is left listening after the bench ends.
STARTED = []


def started(process):
    STARTED.append(process)
    return process


def stop_all():
    for process in reversed(STARTED):
        if process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGKILL)
                process.wait(5)
    STARTED.clear()


atexit.register(stop_all)
signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))


def require_tools(skip_anchor):
    """What the bench needs on this machine, named before anything starts."""
    needed = {
        "wrk": "apt-get install wrk",
        "nginx": "apt-get install nginx-light",
        "curl": "apt-get install curl",
    }
    missing = [
        f"{tool} ({hint})"
        for tool, hint in needed.items()
        if not (shutil.which(tool) or os.path.exists(f"/usr/sbin/{tool}"))
    ]
    if missing:
        raise SystemExit("bench/pages_bench.py needs: " + ", ".join(missing))
    if not varnishd_path():
        print("varnishd not found (apt-get install varnish varnish-modules): no Varnish row")
    if not skip_anchor and not (ROOT.parent / "shared" / "bench" / "anchor_wagtail").is_dir():
        raise SystemExit("no ../shared/bench/anchor_wagtail beside the project: --skip-anchor")


def varnishd_path():
    found = shutil.which("varnishd")
    return found or ("/usr/sbin/varnishd" if os.path.exists("/usr/sbin/varnishd") else None)


def wait_http(port, path="/", seconds=30):
    import http.client

    deadline = time.time() + seconds
    while time.time() < deadline:
        try:
            conn = http.client.HTTPConnection(HOST, port, timeout=5)
            conn.request("GET", path)
            if conn.getresponse().status < 500:
                return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"nothing answered on port {port}")


class Gunicorn:
    def __init__(self, env, settings="editorial.settings"):
        self.port = free_port()
        self.log = open(WORK_DIR / f"gunicorn-{self.port}.log", "wb")  # noqa: SIM115
        self.process = started(
            subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "gunicorn",
                    "editorial.wsgi:application",
                    "--workers",
                    "2",
                    "--worker-class",
                    "sync",
                    "--bind",
                    f"{HOST}:{self.port}",
                    "--pythonpath",
                    str(BENCH),
                    "--access-logfile",
                    "/dev/null",
                    "--log-level",
                    "warning",
                ],
                cwd=ROOT,
                env={**env, "DJANGO_SETTINGS_MODULE": settings},
                stdout=self.log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        )
        wait_http(self.port)

    def url(self, path):
        return f"http://{HOST}:{self.port}{path}"

    def worker_rss_mib(self):
        from soak import worker_rss_kib

        return [round(kib / 1024, 1) for kib in worker_rss_kib(self.process.pid)]

    def stop(self):
        self.process.terminate()
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()
        self.log.close()


def wrk(url, conc=WRK_CONC, seconds=WRK_SECONDS, script=None, warmup=WRK_WARMUP):
    base = ["wrk", f"-t{WRK_THREADS}", f"-c{conc}"]
    extra = ["-s", str(script)] if script else []
    if warmup:
        subprocess.run([*base, f"-d{warmup}s", *extra, url], capture_output=True, timeout=60)
    out = subprocess.run(
        [*base, f"-d{seconds}s", "--latency", *extra, url],
        capture_output=True,
        text=True,
        timeout=seconds + 60,
    ).stdout
    return parse_wrk(out)


def _ms(value):
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", value).groups()
    return float(number) * {"us": 0.001, "ms": 1, "s": 1000, "m": 60000}[unit]


def parse_wrk(out):
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    p50 = _ms(re.search(r"^\s+50%\s+(\S+)", out, re.M).group(1))
    p99 = _ms(re.search(r"^\s+99%\s+(\S+)", out, re.M).group(1))
    total = int(re.search(r"(\d+) requests in", out).group(1))
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    errors = re.search(r"Socket errors: (.*)", out)
    return {
        "rps": rps,
        "p50": p50,
        "p99": p99,
        "requests": total,
        "non2xx": int(bad.group(1)) if bad else 0,
        "socket_errors": errors.group(1) if errors else "",
    }


def nginx_static(html, keepalive):
    """nginx (2 workers, sendfile, no access log) serving ``html`` as a file: wrk figures."""
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    home = WORK_DIR / "nginx"
    shutil.rmtree(home, ignore_errors=True)
    (home / "www").mkdir(parents=True)
    (home / "tmp").mkdir()
    (home / "www" / "article.html").write_bytes(html)
    port = free_port()
    (home / "nginx.conf").write_text(
        f"""worker_processes 2;
daemon off;
pid {home}/nginx.pid;
error_log {home}/error.log warn;
events {{ worker_connections 1024; }}
http {{
  access_log off;
  client_body_temp_path {home}/tmp/body;
  proxy_temp_path {home}/tmp/proxy;
  fastcgi_temp_path {home}/tmp/fastcgi;
  uwsgi_temp_path {home}/tmp/uwsgi;
  scgi_temp_path {home}/tmp/scgi;
  default_type text/html;
  sendfile on;
  keepalive_timeout {keepalive};
  keepalive_requests 100000;
  server {{ listen {HOST}:{port}; root {home}/www; }}
}}
"""
    )
    process = started(
        subprocess.Popen(
            [nginx, "-p", str(home), "-c", str(home / "nginx.conf")],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
    )
    try:
        wait_http(port, "/article.html")
        return wrk(f"http://{HOST}:{port}/article.html")
    finally:
        process.send_signal(3)  # QUIT: graceful
        process.wait(10)


def through_varnish(app_port, port):
    """varnishd with docs/deploy/varnish.vcl (its backend pointed at ``app_port``) in front
    of a running gunicorn, listening on ``port`` (the app was told to purge it there and to
    name its pages' keys, without which the VCL keeps nothing). Returns (port, process),
    or None when varnishd is not installed."""
    from tests.support.edge import vcl_for

    varnishd = varnishd_path()
    if not varnishd:
        return None
    home = WORK_DIR / "varnish"
    shutil.rmtree(home, ignore_errors=True)
    home.mkdir(parents=True)
    (home / "default.vcl").write_text(vcl_for([app_port]))
    process = started(
        subprocess.Popen(
            [
                *(varnishd, "-F", "-n", str(home / "state"), "-f", str(home / "default.vcl")),
                *("-a", f"{HOST}:{port}", "-s", "malloc,64m", "-T", "none", "-j", "none"),
            ],
            stdout=open(home / "varnishd.log", "wb"),  # noqa: SIM115 - closed with the process
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    )
    wait_http(port)
    return port, process


def run_anchor():
    """The Wagtail anchor, by its own scripts (bench/anchor.py): load tests and queries."""
    copy, env = anchor.prepare(WORK_DIR)
    data = Path(env["ANCHOR_DATA_DIR"])
    subprocess.run(["bash", "run.sh"], cwd=copy, env=env, check=True, capture_output=True)
    results = sorted((data / "results").iterdir())[-1]
    figures = {
        name: parse_wrk((results / f"wrk_{name}.txt").read_text())
        for name in ("wagtail", "floor", "nginx", "nginx_close")
    }
    queries = json.loads((results / "queries.json").read_text())
    # The warm page's figures (its first, cold requests make more queries).
    figures["queries"] = anchor.find_key(queries.get("warm", queries), ("queries", "num_queries"))
    figures["render_ms"] = anchor.find_key(queries, ("warm_inprocess_median_ms", "warm_median_ms"))
    return figures


def settle(connection):
    """After seeding: statistics and visibility as autovacuum would have left them, and the
    seeded rows written out now rather than by a checkpoint during the timings."""
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
        cursor.execute("CHECKPOINT")  # the benchmark's own server: it connects as a superuser
    time.sleep(2)


def recreate_database(config):
    with maintenance_connection(config) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{config["NAME"]}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{config["NAME"]}"')


# --- the run --------------------------------------------------------------------------------


def fmt_row(name, figures, queries="-"):
    return (
        f"| {name} | {figures['rps']:,.0f} | {figures['p50']:.2f} | {figures['p99']:.2f} | "
        f"{queries} |"
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=10_000, help="the large site")
    parser.add_argument("--skip-anchor", action="store_true", help="no Wagtail run")
    parser.add_argument(
        "--save-only", action="store_true", help="only the admin save, on the small site"
    )
    parser.add_argument(
        "--caches-only",
        action="store_true",
        help="only the served rows (caches, Varnish, floor, nginx), on the small site",
    )
    args = parser.parse_args()
    require_tools(args.skip_anchor)

    WORK_DIR.mkdir(parents=True, exist_ok=True)
    config = ensure_database()
    if "postgresql" not in config.get("ENGINE", ""):
        raise SystemExit("DATABASE_URL must name a PostgreSQL database (the figures to quote)")
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client

    from explainers.models import Article

    if "explainers_article" in connection.introspection.table_names():
        refuse_real_content()
    # A database of the benchmark's own (checked above): start it afresh rather than delete
    # 120,000 sections row by row.
    connection.close()
    recreate_database(config)
    call_command("migrate", verbosity=0)
    call_command("collectstatic", "--noinput", verbosity=0)
    rng = random.Random(7)
    text = TextModel(rng)

    started = time.perf_counter()
    article = seed_measured(text)
    seed_bulk(100 - Article.objects.count(), text, rng, offset=0)
    path = article.get_absolute_url()
    client = Client()
    settle(connection)
    scale = [scale_row(client, "small", path)]
    save = admin_save_ms(article)
    if args.save_only:
        print(
            "admin save of the 12-section article, ms: p50 {:.0f}, p90 {:.0f}, max {:.0f}".format(
                *save
            )
        )
        return
    render_ms, page_queries = in_process_page(client, path)
    if not args.caches_only:
        seed_bulk(args.articles - Article.objects.count(), text, rng, offset=1000)
        settle(connection)
        scale.append(scale_row(client, "large", path))
    print(f"seeded and measured in process in {time.perf_counter() - started:.0f} s")

    env = {**os.environ, "DATABASE_URL": os.environ["DATABASE_URL"]}
    server = Gunicorn(env)
    html = subprocess.run(["curl", "-fsS", server.url(path)], capture_output=True).stdout
    ours = wrk(server.url(path))
    ours16 = wrk(server.url(path), conc=16)
    server.stop()
    floor_file = WORK_DIR / "article.html"
    floor_file.write_bytes(html)
    floor_server = Gunicorn({**env, "FLOOR_HTML": str(floor_file)}, settings="floor_settings")
    floor = wrk(floor_server.url("/__floor__/"))
    floor_server.stop()
    cached_env = {**env, "PAGE_CACHE_SECONDS": "300"}
    server = Gunicorn({**cached_env, "LOCAL_CACHE": "memory"})
    cached = wrk(server.url(path))
    cached16 = wrk(server.url(path), conc=16)
    server.stop()
    server = Gunicorn(cached_env)  # without Redis: files, shared by the machine's processes
    cached_files = wrk(server.url(path))
    server.stop()
    redis_url = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/15")
    server = Gunicorn({**cached_env, "REDIS_URL": redis_url, "PAGE_CACHE_LOCAL_BYTES": "0"})
    cached_redis_shared = wrk(server.url(path))
    server.stop()
    server = Gunicorn({**cached_env, "REDIS_URL": redis_url})  # and the pages a process keeps
    cached_redis = wrk(server.url(path))
    server.stop()
    varnished = None
    if varnishd_path():
        edge_port = free_port()
        # SITE_ORIGIN as a deployment sets it: without it, a Host naming Varnish's port
        # (not the app's) marks the page as not to be stored anywhere.
        origin = f"http://{HOST}:{edge_port}"
        edge_env = {"EDGE_PURGER": "varnish", "EDGE_CACHE_URL": origin, "SITE_ORIGIN": origin}
        server = Gunicorn({**cached_env, "REDIS_URL": redis_url, **edge_env})
        _, varnish = through_varnish(server.port, edge_port)
        varnished = wrk(f"http://{HOST}:{edge_port}{path}")
        varnish.terminate()
        varnish.wait(10)
        server.stop()
    static_close = nginx_static(html, keepalive=0)
    static_keep = nginx_static(html, keepalive=65)

    # Memory: 10,000 requests and more over many pages (articles, home, works, search).
    slugs = list(Article.objects.published().order_by("?").values_list("slug", flat=True)[:400])
    paths = [f"/articles/{slug}/" for slug in slugs] + ["/", "/works/"]
    paths += [f"/search/?q={word}" for word in ("ending", "door", "final", "twist", "clue")]
    script = WORK_DIR / "paths.lua"
    lua_paths = ", ".join(json.dumps(p) for p in paths)
    script.write_text(
        f"local paths = {{{lua_paths}}}\nlocal n = 0\n"
        "request = function()\n  n = n + 1\n"
        "  return wrk.format('GET', paths[(n % #paths) + 1])\nend\n"
    )
    memory = []
    for label, server_env in (
        ()
        if args.caches_only
        else (
            ("uncached", env),
            ("page cache, Redis", {**cached_env, "REDIS_URL": redis_url}),
        )
    ):
        server = Gunicorn(server_env)
        wrk(server.url("/"), seconds=3, script=script, warmup=0)
        before = server.worker_rss_mib()
        served = 0
        while served < 10_000:
            served += wrk(server.url("/"), seconds=10, script=script, warmup=0)["requests"]
        memory.append((label, before, server.worker_rss_mib(), served))
        server.stop()

    anchor = None if args.skip_anchor or args.caches_only else run_anchor()

    print(f"\nPostgreSQL {connection.pg_version if connection.vendor == 'postgresql' else '-'}, ")
    print(f"Django {django.get_version()}, {os.cpu_count()} cores shared by wrk and the server;")
    print(
        f"load: wrk -t{WRK_THREADS} -c{WRK_CONC} -d{WRK_SECONDS}s --latency after a "
        f"{WRK_WARMUP} s warm-up; gunicorn 2 sync workers; page {len(html):,} bytes\n"
    )
    print("| target | req/s | p50 ms | p99 ms | queries |")
    print("|---|---|---|---|---|")
    if anchor:
        print(fmt_row("Wagtail page (anchor)", anchor["wagtail"], anchor["queries"] or "9"))
        print(fmt_row("Wagtail stack floor (anchor)", anchor["floor"], 0))
    print(fmt_row("ours, uncached (stored page)", ours, page_queries))
    print(fmt_row("ours, page cache (each process's memory)", cached, 0))
    print(fmt_row("ours, page cache (files, this machine's processes)", cached_files, 0))
    print(fmt_row("ours, page cache (Redis, every page from Redis)", cached_redis_shared, 0))
    print(fmt_row("ours, page cache (Redis, with the pages a process keeps)", cached_redis, 0))
    if varnished:
        print(fmt_row("ours, through Varnish (docs/deploy/varnish.vcl)", varnished, 0))
    print(fmt_row("our stack's floor (same HTML from memory)", floor, 0))
    print(fmt_row("static file, nginx, keep-alive off", static_close))
    print(fmt_row("static file, nginx, keep-alive on", static_keep))
    if anchor:
        print(fmt_row("anchor's static file, keep-alive off", anchor["nginx_close"]))
    print("\nratios")
    if anchor:
        print(f"  ours uncached / Wagtail          {ours['rps'] / anchor['wagtail']['rps']:.1f}x")
        print(f"  ours cached / Wagtail            {cached['rps'] / anchor['wagtail']['rps']:.1f}x")
        print(f"  ours cached / anchor's floor     {cached['rps'] / anchor['floor']['rps']:.0%}")
    print(f"  ours cached / our floor          {cached['rps'] / floor['rps']:.0%}")
    print(f"  ours cached (Redis) / our floor  {cached_redis['rps'] / floor['rps']:.0%}")
    print(f"  the same, every page from Redis  {cached_redis_shared['rps'] / floor['rps']:.0%}")
    if varnished:
        print(f"  Varnish / static (keep-alive on) {varnished['rps'] / static_keep['rps']:.0%}")
        print(f"  Varnish / static (no k-a)        {varnished['rps'] / static_close['rps']:.0%}")
    print(f"  ours uncached / static (no k-a)  {ours['rps'] / static_close['rps']:.1%}")
    print(f"  ours cached / static (no k-a)    {cached['rps'] / static_close['rps']:.0%}")
    print("\nconcurrency 16")
    for name, figures in (("uncached", ours16), ("page cache", cached16)):
        print(
            f"  {name:<11} {figures['rps']:,.0f} req/s, p50 {figures['p50']:.2f} ms, p99 "
            f"{figures['p99']:.2f} ms: p99/p50 = {figures['p99'] / figures['p50']:.1f}"
        )
    print("\nin process (Django test client, no HTTP), median")
    print(f"  warm article page: {render_ms:.2f} ms, {page_queries} queries")
    if anchor and anchor["render_ms"]:
        print(f"  Wagtail's warm page (anchor): {anchor['render_ms']:.2f} ms")
    print(
        "  admin save of the 12-section article (25 saves): p50 {:.0f} ms, p90 {:.0f} ms, "
        "max {:.0f} ms".format(*save)
    )
    if anchor and anchor["render_ms"]:
        # The reference machine renders the Wagtail page warm in about 9 ms: how
        # much slower this one is, and the save's figures on that machine's scale.
        factor = anchor["render_ms"] / REFERENCE_WAGTAIL_MS
        print(
            f"  this machine: Wagtail's warm page {anchor['render_ms']:.1f} ms against the "
            f"reference machines' {REFERENCE_WAGTAIL_MS:.0f} ms, x{factor:.1f}; the save on "
            "their scale: p50 {:.0f} ms, p90 {:.0f} ms, max {:.0f} ms".format(
                *(ms / factor for ms in save)
            )
        )
    print("\nscale (in process, median ms, queries in brackets)")
    print(
        "| site | articles | sections | article page | home | search 'ending' | "
        "search 'corridor door' |"
    )
    print("|---|---|---|---|---|---|---|")
    for row in scale:
        label, n_articles, n_sections, a_ms, a_q, h_ms, h_q, s1, q1, s2, q2 = row
        print(
            f"| {label} | {n_articles:,} | {n_sections:,} | {a_ms:.2f} ({a_q}) | "
            f"{h_ms:.2f} ({h_q}) | {s1:.1f} ({q1}) | {s2:.1f} ({q2}) |"
        )
    small, large = scale if len(scale) == 2 else (scale[0], None)
    if large:
        print(
            f"  growth x{large[1] / small[1]:.0f} in articles: article page "
            f"{large[3] / small[3] - 1:+.0%}, home {large[5] / small[5] - 1:+.0%}, search "
            f"'ending' x{large[7] / small[7]:.1f}, 'corridor door' x{large[9] / small[9]:.1f}"
        )
    print("\nworker memory (RSS MiB per worker)")
    for label, before, after, served in memory:
        print(f"  {label:<18} before {before}  after {served:,} requests {after}")
    print(f"\n(settings: CONN_MAX_AGE {settings.DATABASES['default'].get('CONN_MAX_AGE')})")


if __name__ == "__main__":
    main()
