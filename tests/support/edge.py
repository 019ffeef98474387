"""Test support for the edge: a purger that records what it was asked to purge, and the
harness that starts real servers (gunicorn with production settings, varnishd with
docs/deploy/varnish.vcl) on free loopback ports against the test database and a Redis,
and stops them whatever happens. Used by tests/delivery/test_edge_varnish.py (one app
server) and tests/delivery/test_two_servers.py (two behind one Varnish)."""

import contextlib
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
from dataclasses import dataclass, field
from http.client import HTTPConnection
from pathlib import Path

import pytest

from explainers.edge_cache import Purger

ROOT = Path(__file__).resolve().parents[2]
VCL = ROOT / "docs" / "deploy" / "varnish.vcl"
HOST = "127.0.0.1"

# An article with a spoiler-free section and a Twist section: what the edge tests change.
SECTIONS = [
    (0, "What kind of film this is", "", "A thriller about a cello prodigy."),
    (2, "Charlotte drugged Lizzie", "What happened on the trip", "She drugged her."),
]


class RecordingPurger(Purger):
    enabled = True
    calls = []  # each purge's keys, in order; tests clear it

    def purge(self, keys):
        type(self).calls.append(list(keys))


# -- what the servers need -----------------------------------------------------------------


def missing(what):
    """Skip locally; in CI (CI=true), where everything is installed, fail instead."""
    if os.environ.get("CI") == "true":
        pytest.fail(f"{what} (CI installs it: see .ci/run)")
    pytest.skip(what)


def varnishd_path():
    found = shutil.which("varnishd")
    if found:
        return found
    return "/usr/sbin/varnishd" if os.path.exists("/usr/sbin/varnishd") else None


def redis_answers(url):
    parts = urllib.parse.urlsplit(url)
    try:
        with socket.create_connection((parts.hostname, parts.port or 6379), timeout=1) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(16).startswith(b"+PONG")
    except OSError:
        return False


def require_stack(connection, redis_url, *, varnish=True):
    """Skip (fail in CI) unless PostgreSQL, Redis and, if asked, varnishd are there.
    Returns varnishd's path (or None when not asked for)."""
    if connection.vendor != "postgresql":
        pytest.skip("the edge tests run the app servers on PostgreSQL: set DATABASE_URL")
    varnishd = varnishd_path() if varnish else None
    if varnish and varnishd is None:
        missing("varnishd is not installed (apt-get install varnish varnish-modules)")
    if not redis_answers(redis_url):
        missing(f"no Redis at {redis_url}: the app servers and this test share it")
    return varnishd


def free_port():
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


def tail(path):
    try:
        return Path(path).read_text(errors="replace")[-3000:]
    except OSError:
        return ""


def wait_for_port(port, process, log, seconds=30):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"exited with {process.returncode}:\n{tail(log)}")
        try:
            with socket.create_connection((HOST, port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"not listening on {port} after {seconds} s:\n{tail(log)}")


def stop(process):
    """The process and everything it started (its own session), whatever state it is in."""
    if process is None or process.poll() is not None:
        return
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(10)
    except (ProcessLookupError, subprocess.TimeoutExpired):
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(5)


def database_url(settings_dict):
    user = urllib.parse.quote(settings_dict.get("USER") or "")
    password = settings_dict.get("PASSWORD") or ""
    auth = f"{user}:{urllib.parse.quote(password)}@" if password else (f"{user}@" if user else "")
    host = settings_dict.get("HOST") or "127.0.0.1"
    port = settings_dict.get("PORT") or "5432"
    return f"postgres://{auth}{host}:{port}/{settings_dict['NAME']}"


# -- the VCL -------------------------------------------------------------------------------

_BACKEND_BLOCK = re.compile(r"^backend app \{.*?^\}\n", re.S | re.M)


def vcl_for(app_ports, source=VCL):
    """docs/deploy/varnish.vcl with its backend pointed at ``app_ports``: the one ``app``
    backend for one port; for several, one backend each behind a round-robin director
    (vmod_directors), the form the VCL's comment describes. The rules are left as they are."""
    text = source.read_text()
    block = _BACKEND_BLOCK.search(text)
    assert block, f"no 'backend app {{ … }}' block in {source}"
    settings = re.search(r"\{(.*?)^\}", block.group(0), re.S | re.M).group(1)
    settings = re.sub(r'\.host = "[^"]*";', f'.host = "{HOST}";', settings)

    def backend(name, port):
        body = re.sub(r'\.port = "\d+";', f'.port = "{port}";', settings)
        return f"backend {name} {{{body}}}\n"

    if len(app_ports) == 1:
        generated = backend("app", app_ports[0])
    else:
        names = [f"app{n}" for n in range(1, len(app_ports) + 1)]
        generated = "import directors;\n\n"
        pairs = zip(names, app_ports, strict=True)
        generated += "".join(backend(name, port) for name, port in pairs)
        adds = "".join(f"    apps.add_backend({name});\n" for name in names)
        generated += (
            f"\nsub vcl_init {{\n    new apps = directors.round_robin();\n{adds}}}\n\n"
            # Varnish runs every definition of a sub in order: this one, then the rules'.
            "sub vcl_recv {\n    set req.backend_hint = apps.backend();\n}\n"
        )
    return text[: block.start()] + generated + text[block.end() :]


# -- the servers ---------------------------------------------------------------------------


@dataclass
class Stack:
    varnish_port: int | None
    app_ports: list
    workdir: Path
    logs: dict = field(default_factory=dict)

    def log(self, name):
        """All a server has written so far (gunicorn's access log included)."""
        return Path(self.logs[name]).read_text(errors="replace")


def app_env(connection, redis_url, *, site_port, workdir, extra=None):
    """What every app server gets: production settings (DEBUG off), the test's own secret
    key (so sessions and links the test makes are valid there), the test database and one
    Redis."""
    from django.conf import settings

    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "editorial.settings",
        "DEBUG": "0",
        "SECRET_KEY": settings.SECRET_KEY,
        "ALLOWED_HOSTS": HOST,
        "SITE_ORIGIN": f"http://{HOST}:{site_port}",
        "DATABASE_URL": database_url(connection.settings_dict),
        "CONN_MAX_AGE": "0",  # nothing left connected when the test database is dropped
        "REDIS_URL": redis_url,
        "PAGE_CACHE_SECONDS": "300",
        "MEDIA_ROOT": str(workdir / "media"),
        "STATIC_ROOT": str(workdir / "static"),
        "SECURE_SSL_REDIRECT": "0",
        "SECURE_COOKIES": "0",
        **(extra or {}),
    }


@contextlib.contextmanager
def running_stack(connection, redis_url, *, app_servers=1, workers=2, varnish=True, env=None):
    """Start ``app_servers`` gunicorn instances (``workers`` each, production settings) and,
    if asked, one varnishd with the project's VCL in front of them all; yield a ``Stack``;
    stop everything and remove the working directory however the block ends."""
    varnishd = require_stack(connection, redis_url, varnish=varnish)
    workdir = Path(tempfile.mkdtemp(prefix="explainers-edge-"))
    varnish_port = free_port() if varnish else None
    app_ports = [free_port() for _ in range(app_servers)]
    edge_env = (
        {"EDGE_PURGER": "varnish", "EDGE_CACHE_URL": f"http://{HOST}:{varnish_port}"}
        if varnish
        else {}
    )
    environment = app_env(
        connection,
        redis_url,
        site_port=varnish_port or app_ports[0],
        workdir=workdir,
        extra={**edge_env, **(env or {})},
    )
    (workdir / "media").mkdir()
    stack = Stack(varnish_port, app_ports, workdir)
    started = []
    try:
        subprocess.run(
            [sys.executable, "manage.py", "collectstatic", "--noinput"],
            cwd=ROOT,
            env=environment,
            check=True,
            capture_output=True,
        )
        for number, port in enumerate(app_ports, start=1):
            log_path = stack.logs[f"app{number}"] = workdir / f"gunicorn-{number}.log"
            with open(log_path, "wb") as log:
                process = subprocess.Popen(
                    [
                        *(sys.executable, "-m", "gunicorn", "editorial.wsgi:application"),
                        *("--workers", str(workers), "--bind", f"{HOST}:{port}"),
                        *("--timeout", "30", "--access-logfile", "-"),  # into its log
                        "--preload",  # the app imported once, before the workers fork
                    ],
                    cwd=ROOT,
                    env=environment,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,
                )
            started.append(process)
            wait_for_port(port, process, log_path)
        if varnish:
            vcl = workdir / "default.vcl"
            vcl.write_text(vcl_for(app_ports))
            log_path = stack.logs["varnish"] = workdir / "varnishd.log"
            with open(log_path, "wb") as log:
                process = subprocess.Popen(
                    [
                        *(varnishd, "-F", "-n", str(workdir / "varnish"), "-f", str(vcl)),
                        *("-a", f"{HOST}:{varnish_port}", "-s", "malloc,64m", "-T", "none"),
                        *("-j", "none"),
                    ],
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,
                )
            started.append(process)
            wait_for_port(varnish_port, process, log_path)
        yield stack
    finally:
        for process in reversed(started):
            stop(process)
        shutil.rmtree(workdir, ignore_errors=True)


# -- requests over real HTTP ---------------------------------------------------------------


class Response:
    def __init__(self, status, headers, body, cookies=None):
        self.status, self.headers, self.body = status, headers, body
        self.cookies = cookies or {}

    def header(self, name):
        return self.headers.get(name.lower(), "")

    @property
    def from_varnish_cache(self):
        # X-Varnish holds this request's id, and on a hit the id of the request that stored it.
        return len(self.header("X-Varnish").split()) == 2

    @property
    def text(self):
        return self.body.decode(errors="replace")


def get(port, path, *, method="GET", headers=None, body=None):
    client = HTTPConnection(HOST, port, timeout=10)
    try:
        client.request(
            method, path, body=body, headers={"Host": f"{HOST}:{port}", **(headers or {})}
        )
        response = client.getresponse()
        cookies = {}
        for name, value in response.getheaders():
            if name.lower() == "set-cookie":
                key, _, rest = value.partition("=")
                cookies[key.strip()] = rest.split(";", 1)[0]
        return Response(
            response.status,
            {k.lower(): v for k, v in response.getheaders()},
            response.read(),
            cookies,
        )
    finally:
        client.close()
