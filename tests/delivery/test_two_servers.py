"""Two app servers behind one Varnish, as CI runs the site: two gunicorn instances
(production settings) with a round-robin director over both in front
(docs/deploy/varnish.vcl, its backend generated for two), one PostgreSQL, one Redis.

Each test talks to the servers over real HTTP and checks that what one server does the
other sees at once: a save, a session, the sign-in and search throttles, presence, an autosave. Each
server runs one process, so anything a process kept to itself (a cache in its memory, a
session or a count held locally) would make these tests fail every time rather than now
and then.

Starts and stops every server itself, whatever happens. Skips without varnishd, Redis or
PostgreSQL (fails in CI, where CI=true). Run it alone:
    DATABASE_URL=postgres://… pytest -m edge -s tests/delivery/test_two_servers.py
"""

import json
import os
import re
import time
import urllib.parse

import pytest
from django.db import connection, transaction

from explainers.models import Article
from tests.support.edge import HOST, SECTIONS, get, running_stack

REDIS_URL = os.environ.get("TWO_SERVERS_TEST_REDIS_URL", "redis://127.0.0.1:6379/12")
SEARCHES_PER_CLIENT = 4  # the servers' search limit here, low so the test stays short
SEEN_LIMIT = 1.0  # seconds from a save until the other server (and Varnish) serve it
PASSWORD = "a long enough password for the test"

pytestmark = [pytest.mark.edge, pytest.mark.django_db(transaction=True)]


@pytest.fixture(scope="module")
def servers(django_db_setup, django_db_blocker):
    """The running stack: ``varnish_port`` and ``app_ports`` (A, then B)."""
    from django.conf import settings

    env = {
        # Sign-in throttling as configured (the servers and this test read the same limit).
        "AXES_FAILURE_LIMIT": str(settings.AXES_FAILURE_LIMIT),
        "SEARCHES_PER_CLIENT": str(SEARCHES_PER_CLIENT),
        # One long window, so the count cannot restart in the middle of the test.
        "SEARCH_WINDOW_SECONDS": "3600",
    }
    with running_stack(connection, REDIS_URL, app_servers=2, workers=1, env=env) as stack:
        yield stack


@pytest.fixture
def stack(servers, settings):
    """A clean start for each test: an empty Redis (page cache, presence, throttles) shared
    with this process, and nothing in Varnish."""
    settings.EDGE_PURGER = "varnish"
    settings.EDGE_CACHE_URL = [f"http://{HOST}:{servers.varnish_port}"]
    settings.EDGE_REPURGE_SECONDS = 0
    settings.PAGE_CACHE_SECONDS = 300
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
    }
    from django.core.cache import cache

    cache.clear()
    purge = get(servers.varnish_port, "/", method="PURGE", headers={"xkey-purge": "site"})
    assert purge.status == 200
    yield servers
    cache.clear()


# -- a browser of sorts: cookies kept per person, forms posted with their CSRF token -------


class Visitor:
    def __init__(self):
        self.cookies = {}

    def request(self, port, path, *, method="GET", form=None, data=None, token=None):
        """``form`` is posted as a browser form, ``data`` as JSON (as the admin's scripts
        send it, with the CSRF ``token`` in a header)."""
        headers = {}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if token:
            headers["X-CSRFToken"] = token
        body = None
        if form is not None:
            body = urllib.parse.urlencode(form, doseq=True)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        elif data is not None:
            body = json.dumps(data)
            headers["Content-Type"] = "application/json"
        response = get(port, path, method=method, headers=headers, body=body)
        for name, value in response.cookies.items():
            if value in ("", '""'):
                self.cookies.pop(name, None)
            else:
                self.cookies[name] = value
        return response

    def csrf_token(self, port, page):
        """Open ``page`` and return the CSRF token of its form."""
        opened = self.request(port, page)
        assert opened.status == 200, (page, opened.status, opened.text[:300])
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', opened.text)
        assert token, f"no CSRF token on {page}"
        return token.group(1)

    def post_form(self, port, page, action, fields, *, token=None):
        """Post ``fields`` to ``action`` with the CSRF token from ``page``."""
        form = {"csrfmiddlewaretoken": token or self.csrf_token(port, page), **fields}
        return self.request(port, action, method="POST", form=form)

    def sign_in(self, port, username, password=PASSWORD):
        path = "/admin/login/?next=/admin/"
        return self.post_form(
            port, path, path, {"username": username, "password": password, "next": "/admin/"}
        )


def _staff(username, first_name):
    """A superuser (a transactional test has no role groups), committed for the servers."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import PBKDF2PasswordHasher

    user = get_user_model().objects.create_superuser(
        username, password=None, first_name=first_name, last_name="Tester"
    )
    # Hashed as the servers check it: the test settings' fast hasher is unknown to them.
    hasher = PBKDF2PasswordHasher()
    user.password = hasher.encode(PASSWORD, hasher.salt())
    user.save(update_fields=["password"])
    return user


def _signed_in(port, username):
    visitor = Visitor()
    response = visitor.sign_in(port, username)
    assert response.status == 302 and response.header("Location") == "/admin/", (
        response.status,
        response.text[:300],
    )
    assert "sessionid" in visitor.cookies
    return visitor


def _first_change(port, path, still_old, started, *, limit=SEEN_LIMIT):
    """Poll ``path`` on ``port`` until ``still_old`` is false: (seconds since ``started``,
    the response)."""
    while True:
        response = get(port, path)
        elapsed = time.perf_counter() - started
        if not still_old(response):
            return elapsed, response
        if elapsed > limit * 5:
            pytest.fail(f"{path} on port {port} still as before {elapsed:.1f} s after the save")
        time.sleep(0.005)


def _warm(varnish_port, app_b, path):
    """The page in B's page cache (Redis) and in Varnish before the change."""
    for _ in range(2):
        assert get(app_b, path).status == 200
    assert get(varnish_port, path).status == 200
    cached = get(varnish_port, path)
    assert cached.status == 200 and cached.from_varnish_cache, cached.headers


# -- the tests ---------------------------------------------------------------------------


def test_varnish_spreads_requests_over_both_servers(stack):
    """The director is round robin: requests Varnish passes on reach A and B alike (each
    server's access log counts them)."""
    path = "/healthz?spread"
    for _ in range(6):
        assert get(stack.varnish_port, path).status == 200
    time.sleep(0.2)  # the access log lines written
    counts = [stack.log(f"app{n}").count(f"GET {path} ") for n in (1, 2)]
    assert counts == [3, 3], counts


def test_a_retraction_saved_in_a_admin_is_served_by_b_at_once(stack, make_article):
    """A publisher retracts an article through server A's admin (the changelist action);
    server B, which had the page cached, answers 410 on the next request, and so does
    Varnish."""
    app_a, app_b = stack.app_ports
    article = make_article(sections=SECTIONS)
    path = article.get_absolute_url()
    _warm(stack.varnish_port, app_b, path)
    _staff("publisher", "Pat")
    publisher = _signed_in(app_a, "publisher")
    changelist = "/admin/explainers/article/"
    token = publisher.csrf_token(app_a, changelist)
    started = time.perf_counter()
    saved = publisher.post_form(
        app_a,
        changelist,
        changelist,
        {"action": "retract", "_selected_action": str(article.pk), "index": "0"},
        token=token,
    )
    answered = time.perf_counter()
    assert saved.status == 302, (saved.status, saved.text[:500])
    article.refresh_from_db()
    assert article.status == Article.Status.RETRACTED  # A wrote it to the shared database
    on_b, response_b = _first_change(app_b, path, lambda r: r.status == 200, answered)
    on_edge, response_edge = _first_change(
        stack.varnish_port, path, lambda r: r.status == 200, answered
    )
    assert response_b.status == 410 and response_edge.status == 410
    print(
        f"\nretraction saved on A (its changelist POST took {(answered - started) * 1000:.1f} "
        f"ms, the commit and Varnish purge included): B answered 410 "
        f"{on_b * 1000:.1f} ms after A's answer, then Varnish 410 {on_edge * 1000:.1f} ms after it"
    )
    assert on_b < SEEN_LIMIT and on_edge < SEEN_LIMIT


def test_a_commit_is_served_by_b_and_varnish_from_the_commit(stack, make_article, levels):
    """The same from a commit whose moment is known (the service, as a third server would
    run it): a raised spoiler level folds the section on B and through Varnish."""
    app_a, app_b = stack.app_ports
    article = make_article(sections=SECTIONS)
    path = article.get_absolute_url()
    safe_heading = "What the opening sets up"
    _warm(stack.varnish_port, app_b, path)
    assert safe_heading not in get(app_a, path).text
    section = article.sections.order_by("order").first()
    with transaction.atomic():
        section.spoiler_level = levels[3]
        section.safe_heading = safe_heading
        section.save()
        article.render_sections()
        committing = time.perf_counter()  # the COMMIT, then the purge, as the block ends
    committed = time.perf_counter() - committing

    def old(response):
        return safe_heading not in response.text

    on_b, response_b = _first_change(app_b, path, old, committing)
    on_edge, response_edge = _first_change(stack.varnish_port, path, old, committing)
    on_a, _ = _first_change(app_a, path, old, committing)
    assert response_b.status == 200 and response_edge.status == 200
    print(
        f"\nraised level committed (the commit with the purge after it took "
        f"{committed * 1000:.1f} ms): B served the folded section {on_b * 1000:.1f} ms "
        f"after the commit began, then (asked in turn) Varnish {on_edge * 1000:.1f} ms, "
        f"A {on_a * 1000:.1f} ms"
    )
    assert on_b < SEEN_LIMIT and on_edge < SEEN_LIMIT


def test_a_session_made_on_a_is_signed_in_on_b(stack):
    app_a, app_b = stack.app_ports
    _staff("editor", "Eda")
    visitor = _signed_in(app_a, "editor")
    for port in (app_b, app_a, stack.varnish_port):
        admin = visitor.request(port, "/admin/")
        assert admin.status == 200, (port, admin.status, admin.header("Location"))
        assert "Eda" in admin.text or "editor" in admin.text
    # Signing out on B ends the session on A too.
    signed_out = visitor.post_form(app_b, "/admin/", "/admin/logout/", {})
    assert signed_out.status in (200, 302)
    after = visitor.request(app_a, "/admin/")
    assert after.status == 302 and "/admin/login/" in after.header("Location")


def test_failed_sign_ins_spread_over_both_servers_lock_the_account(stack, settings):
    """django-axes counts failures in the database, so A and B count together: the
    configured number of failures, alternating between them (neither reaching the limit
    alone), locks the account on both, even with the right password."""
    app_a, app_b = stack.app_ports
    limit = settings.AXES_FAILURE_LIMIT
    _staff("target", "Tia")
    ports = [app_a if n % 2 == 0 else app_b for n in range(limit)]
    assert max(ports.count(app_a), ports.count(app_b)) < limit
    statuses = [Visitor().sign_in(port, "target", "wrong password").status for port in ports]
    assert statuses[:-1] == [200] * (limit - 1), statuses  # the form again, with an error
    assert statuses[-1] == 429, statuses  # the limit reached: locked out
    for port in (app_b, app_a):
        locked = Visitor().sign_in(port, "target")  # the right password, too late
        assert locked.status == 429, (port, locked.status)
        assert "sessionid" not in locked.cookies


def test_fresh_searches_spread_over_both_servers_share_one_quota(stack):
    """Search throttling counts in Redis: the quota is the client's, not each server's."""
    app_a, app_b = stack.app_ports
    statuses = []
    for n in range(SEARCHES_PER_CLIENT + 2):
        port = app_a if n % 2 == 0 else app_b
        statuses.append(get(port, f"/search/?q=cello{n}").status)
    assert statuses[:SEARCHES_PER_CLIENT] == [200] * SEARCHES_PER_CLIENT, statuses
    assert statuses[SEARCHES_PER_CLIENT:] == [429, 429], statuses


def test_presence_on_a_is_seen_on_b(stack, make_article):
    """Two editors open the same article, one on each server: each heartbeat reports the
    other."""
    app_a, app_b = stack.app_ports
    article = make_article(sections=SECTIONS)
    _staff("ada", "Ada")
    _staff("ben", "Ben")
    ada, ben = _signed_in(app_a, "ada"), _signed_in(app_b, "ben")
    presence = f"/admin/explainers/article/{article.pk}/presence/?opened={article.version}"

    def beat(visitor, port):
        response = visitor.request(port, presence)
        assert response.status == 200, (port, response.status, response.text[:300])
        assert "no-store" in response.header("Cache-Control")
        return json.loads(response.body)

    assert beat(ada, app_a)["others"] == []
    assert beat(ben, app_b)["others"] == ["Ada Tester"]
    assert beat(ada, app_a)["others"] == ["Ben Tester"]


def test_an_autosave_kept_through_a_is_offered_on_b(stack, make_article):
    """The form's autosave posted to one server is what the other offers to restore when
    the editor's next request lands there; discarding it on B is seen on A."""
    app_a, app_b = stack.app_ports
    article = make_article(sections=SECTIONS)
    _staff("ada", "Ada")
    ada = _signed_in(app_a, "ada")
    autosave = f"/admin/explainers/article/{article.pk}/autosave/"
    # The token from the admin's home (its sign-out form): the article's form would record
    # a first revision, whose content type the servers, started once for the module, know
    # by an id that an earlier test's flush has since renumbered.
    token = ada.csrf_token(app_a, "/admin/")
    typed = [["title", article.title], ["dek", "Typed on A, never saved."]]
    kept = ada.request(
        app_a,
        autosave,
        method="POST",
        data={"data": typed, "opened_version": article.version},
        token=token,
    )
    assert kept.status == 200, (kept.status, kept.text[:300])

    offered = ada.request(app_b, autosave)
    assert offered.status == 200 and "no-store" in offered.header("Cache-Control")
    found = json.loads(offered.body)["autosave"]
    assert ["dek", "Typed on A, never saved."] in found["data"], found

    gone = ada.request(app_b, autosave, method="DELETE", token=token)
    assert gone.status == 200, (gone.status, gone.text[:300])
    assert json.loads(ada.request(app_a, autosave).body)["autosave"] is None
