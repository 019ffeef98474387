"""Soak: the production server (gunicorn, 2 workers) under concurrent readers, with an
editor saving the demo article through the real admin form all along, and optionally
PostgreSQL restarted in the middle. Prints requests, errors, p50/p99 and worker memory;
exits non-zero if a reader got a 5xx or a connection error outside the outage, or if an
admin save was lost or half-written.

    python bench/soak.py --seconds 240 --concurrency 32 --restart-postgres
    python bench/soak.py --seconds 20 --concurrency 16 --restart-postgres   # CI's short form

Only loopback addresses are used; every loop is bounded in time and stops by itself.
"""

import argparse
import html
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.parse
from html.parser import HTMLParser
from http.client import HTTPConnection
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PORT = 8093
HOST = "127.0.0.1"


# --- the server ---------------------------------------------------------------------------


def server_env(database_url, media_root):
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE="editorial.settings",
        DEBUG="0",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS=HOST,
        DATABASE_URL=database_url,
        MEDIA_ROOT=str(media_root),
        SECURE_SSL_REDIRECT="0",
        SECURE_COOKIES="0",
        AXES_FAILURE_LIMIT="1000",
        STATIC_ROOT=str(media_root.parent / "static"),
    )
    return env


def manage(env, *args):
    subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=True, capture_output=True
    )


def prepare(env):
    """A fresh demo site with an editor who may edit any article."""
    manage(env, "migrate", "--noinput")
    manage(env, "collectstatic", "--noinput")
    demo_env = {**env, "DEBUG": "1"}  # the demo logins are created only with DEBUG on
    manage(demo_env, "demo")


def start_gunicorn(env, log_path):
    # The server's log goes to a file: a pipe nobody reads fills up during the outage
    # (every failed request logs a traceback) and then blocks the workers writing to it.
    log = open(log_path, "wb")  # noqa: SIM115 - lives as long as the server
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "editorial.wsgi:application",
            "--workers",
            "2",
            "--bind",
            f"{HOST}:{PORT}",
            "--access-logfile",
            "-" if os.environ.get("SOAK_ACCESS_LOG") else "/dev/null",
            "--timeout",
            "30",
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    deadline = time.time() + 30
    while time.time() < deadline:
        try:
            with socket.create_connection((HOST, PORT), timeout=1):
                return process
        except OSError:
            time.sleep(0.2)
    process.kill()
    raise SystemExit("gunicorn did not start: " + Path(log_path).read_text()[-2000:])


def worker_rss_kib(master_pid):
    """Resident memory of each worker (the master's children), from /proc."""
    sizes = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            ppid = int(stat.rsplit(")", 1)[1].split()[1])
            if ppid != master_pid:
                continue
            for line in (entry / "status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    sizes.append(int(line.split()[1]))
        except (OSError, ValueError, IndexError):
            continue
    return sorted(sizes)


# --- HTTP ---------------------------------------------------------------------------------


def request(method, path, *, body=None, headers=None, timeout=10):
    connection = HTTPConnection(HOST, PORT, timeout=timeout)
    try:
        connection.request(method, path, body=body, headers=headers or {})
        response = connection.getresponse()
        return response.status, response.getheaders(), response.read()
    finally:
        connection.close()


class Session:
    """Cookies and CSRF for the admin, enough to sign in and post a change form."""

    def __init__(self):
        self.cookies = {}

    def _headers(self, extra=None):
        headers = {"Host": HOST}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        headers.update(extra or {})
        return headers

    def _remember(self, headers):
        for name, value in headers:
            if name.lower() == "set-cookie":
                key, _, rest = value.partition("=")
                self.cookies[key] = rest.split(";", 1)[0]

    def get(self, path):
        status, headers, body = request("GET", path, headers=self._headers())
        self._remember(headers)
        return status, body.decode("utf-8", "replace")

    def post(self, path, fields):
        body = urllib.parse.urlencode(fields, doseq=True)
        status, headers, content = request(
            "POST",
            path,
            body=body,
            headers=self._headers(
                {
                    "Content-Type": "application/x-www-form-urlencoded",
                    "Referer": f"http://{HOST}:{PORT}{path}",
                }
            ),
        )
        self._remember(headers)
        return status, content.decode("utf-8", "replace")

    def sign_in(self, username, password):
        _, page = self.get("/admin/login/")
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
        status, _ = self.post(
            "/admin/login/?next=/admin/",
            {"csrfmiddlewaretoken": token, "username": username, "password": password},
        )
        if status != 302:
            raise SystemExit(f"could not sign in as {username} (HTTP {status})")


class FormReader(HTMLParser):
    """The fields a browser would submit from the article's change form."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.fields = []
        self.in_form = False
        self.textarea = None
        self.select = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form" and attrs.get("id") == "article_form":
            self.in_form = True
        if not self.in_form:
            return
        name = attrs.get("name")
        if tag == "input" and name:
            kind = attrs.get("type", "text")
            if kind in ("submit", "button", "file", "image"):
                return
            if kind in ("checkbox", "radio") and "checked" not in attrs:
                return
            self.fields.append((name, attrs.get("value", "on" if kind == "checkbox" else "")))
        elif tag == "textarea" and name:
            self.textarea = [name, ""]
        elif tag == "select" and name:
            self.select = name
        elif tag == "option" and self.select and "selected" in attrs:
            self.fields.append((self.select, attrs.get("value", "")))

    def handle_data(self, data):
        if self.textarea is not None:
            self.textarea[1] += data

    def handle_endtag(self, tag):
        if tag == "textarea" and self.textarea is not None:
            name, value = self.textarea
            self.fields.append((name, value[1:] if value.startswith("\n") else value))
            self.textarea = None
        elif tag == "select":
            self.select = None
        elif tag == "form":
            self.in_form = False


def form_fields(page):
    reader = FormReader()
    reader.feed(page)
    return reader.fields


# --- the load ----------------------------------------------------------------------------


class Tally:
    def __init__(self):
        self.lock = threading.Lock()
        self.latencies = []
        self.statuses = {}
        self.errors = []  # (time, what)

    def add(self, started, status):
        with self.lock:
            self.latencies.append(time.monotonic() - started)
            self.statuses[status] = self.statuses.get(status, 0) + 1

    def error(self, started, what):
        # Judged by when the request was made: one sent while the database was down may
        # only time out after it is back.
        with self.lock:
            self.errors.append((started, what))


def reader(paths, stop_at, tally):
    index = 0
    while time.monotonic() < stop_at:
        path = paths[index % len(paths)]
        index += 1
        started = time.monotonic()
        try:
            status, _, _ = request("GET", path, headers={"Host": HOST})
            tally.add(started, status)
            if status >= 500:
                tally.error(started, f"HTTP {status} {path}")
        except OSError as error:
            tally.error(started, f"{type(error).__name__} {path}")
            time.sleep(0.05)


def editor(article_id, stop_at, saves):
    """Save the article's dek again and again through the admin form. Each attempt has a
    unique marker; landed and failed markers are checked against the database after."""
    session = Session()
    session.sign_in("admin", "admin-demo-pass")
    url = f"/admin/explainers/article/{article_id}/change/"
    attempt = 0
    while time.monotonic() < stop_at:
        attempt += 1
        marker = f"soak-save-{attempt:05d}"
        try:
            status, page = session.get(url)
            if status != 200:
                saves.append((marker, "failed", f"GET {status}"))
                time.sleep(0.3)
                continue
            fields = [(k, v) for k, v in form_fields(page) if k != "dek"]
            dek = re.search(r'<textarea name="dek"[^>]*>\n?(.*?)</textarea>', page, re.S)
            base = html.unescape(dek.group(1)).split(" [soak-save-")[0]
            fields.append(("dek", f"{base} [{marker}]"))
            fields.append(("_continue", "Save and continue editing"))
            status, _ = session.post(url, fields)
            saves.append((marker, "landed" if status == 302 else "failed", f"POST {status}"))
        except OSError as error:
            saves.append((marker, "failed", type(error).__name__))
        time.sleep(0.2)


def restart_postgres(log):
    versions = sorted(os.listdir("/etc/postgresql"))
    version = versions[-1]
    down = time.monotonic()
    subprocess.run(
        ["pg_ctlcluster", "--skip-systemctl-redirect", version, "main", "stop", "-m", "fast"],
        check=True,
    )
    time.sleep(3)  # an outage long enough to be felt
    subprocess.run(
        ["pg_ctlcluster", "--skip-systemctl-redirect", version, "main", "start"], check=True
    )
    up = time.monotonic()
    log.append((down, up))


def percentile(values, fraction):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))] if ordered else 0.0


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=240)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--restart-postgres", action="store_true")
    parser.add_argument(
        "--database",
        default="postgres://postgres@127.0.0.1:5432/explainers_soak",
        help="a database of its own: it is emptied and filled with the demo",
    )
    args = parser.parse_args()
    if not args.database.startswith(("postgres://", "postgresql://")):
        raise SystemExit("The soak runs against PostgreSQL (give --database postgres://...).")
    name = urllib.parse.urlparse(args.database).path.lstrip("/")
    admin_url = args.database.rsplit("/", 1)[0] + "/postgres"
    subprocess.run(["psql", admin_url, "-qc", f'DROP DATABASE IF EXISTS "{name}"'], check=True)
    subprocess.run(["psql", admin_url, "-qc", f'CREATE DATABASE "{name}"'], check=True)

    workdir = Path(os.environ.get("SOAK_DIR", "/tmp/explainers-soak"))
    workdir.mkdir(parents=True, exist_ok=True)
    env = server_env(args.database, workdir / "media")
    print(f"Preparing the demo site in {name} ...", flush=True)
    prepare(env)
    sys.path.insert(0, str(ROOT))
    os.environ.update(env)
    import django

    django.setup()
    from explainers.models import Article, Work
    from explainers.revisions import versions_of

    article = Article.objects.get(slug="the-perfection-ending-explained")
    paths = ["/", article.get_absolute_url(), Work.objects.first().get_absolute_url()]
    paths += [a.get_absolute_url() for a in Article.objects.published()[:4]]

    server = start_gunicorn(env, workdir / "gunicorn.log")
    try:
        for path in paths:  # warm both workers a little
            request("GET", path, headers={"Host": HOST})
        rss_before = worker_rss_kib(server.pid)
        tally, saves, outages = Tally(), [], []
        started = time.monotonic()
        stop_at = started + args.seconds
        threads = [
            threading.Thread(target=reader, args=(paths, stop_at, tally), daemon=True)
            for _ in range(args.concurrency)
        ]
        threads.append(
            threading.Thread(target=editor, args=(article.pk, stop_at, saves), daemon=True)
        )
        for thread in threads:
            thread.start()
        if args.restart_postgres:
            time.sleep(args.seconds / 2)
            restart_postgres(outages)
        for thread in threads:
            thread.join(timeout=args.seconds + 60)
        elapsed = time.monotonic() - started
        rss_after = worker_rss_kib(server.pid)
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)

    # --- judge ---------------------------------------------------------------------------
    grace = 10.0  # seconds after PostgreSQL is back in which a request may still fail
    outside = [
        (at, what)
        for at, what in tally.errors
        if not any(down - 0.5 <= at <= up + grace for down, up in outages)
    ]
    recovered_after = None
    if outages:
        down, up = outages[0]
        during = [at for at, _ in tally.errors if at >= down]
        recovered_after = max(during) - up if during else 0.0
    from django.db import connection

    connection.close()
    article.refresh_from_db()
    history = " ".join(v.field_dict.get("dek", "") for v in versions_of(article))
    landed = [m for m, outcome, _ in saves if outcome == "landed"]
    failed = [m for m, outcome, _ in saves if outcome == "failed"]
    lost = [m for m in landed if m not in history]
    half_written = [m for m in failed if m in history]
    last_landed_is_current = not landed or landed[-1] in article.dek

    total = sum(tally.statuses.values())
    print()
    print(f"duration {elapsed:.1f} s, concurrency {args.concurrency}, gunicorn 2 workers")
    statuses = dict(sorted(tally.statuses.items()))
    print(f"requests {total} ({total / elapsed:.0f}/s), statuses {statuses}")
    print(
        f"latency p50 {percentile(tally.latencies, 0.5) * 1000:.1f} ms, "
        f"p99 {percentile(tally.latencies, 0.99) * 1000:.1f} ms"
    )
    print(f"reader errors {len(tally.errors)} (outside the outage: {len(outside)})")
    if outages:
        down, up = outages[0]
        print(
            f"PostgreSQL down for {up - down:.1f} s; the last failed request was sent "
            f"{recovered_after:.1f} s after it was back"
        )
    print(
        f"admin saves: {len(landed)} landed, {len(failed)} failed cleanly, "
        f"{len(lost)} lost, {len(half_written)} half-written"
    )
    print(f"worker RSS KiB before {rss_before} after {rss_after}")
    problems = []
    if outside:
        problems.append(f"errors outside the outage: {outside[:5]}")
    if lost or half_written:
        problems.append(f"lost {lost[:5]} half-written {half_written[:5]}")
    if not last_landed_is_current:
        problems.append("the article does not hold the last landed save")
    if not landed:
        problems.append("no admin save landed at all")
    if problems:
        print("FAILED: " + "; ".join(problems))
        return 1
    print("OK: no 5xx or connection error outside the outage, no admin save lost")
    return 0


if __name__ == "__main__":
    sys.exit(main())
