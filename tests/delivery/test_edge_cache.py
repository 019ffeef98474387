"""The HTTP cache in front: which keys each public page names, which keys each change
purges (once, after commit, never on a rollback), the purgers' requests, and that no
staff, draft or preview response carries keys or may be kept by a shared cache.
tests/delivery/test_edge_varnish.py runs the same against a real Varnish."""

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.core.cache import cache
from django.db import transaction

from explainers import edge_cache
from explainers.models import Article, Credit, Person, SpoilerLevel
from explainers.services.articles import transition
from tests.support.edge import RecordingPurger

SECTIONS = [
    (0, "What kind of film this is", "", "A thriller about a cello prodigy."),
    (2, "Charlotte drugged Lizzie", "What happened on the trip", "She drugged her."),
]


@pytest.fixture
def purged(settings, still_clock):
    settings.PAGE_CACHE_SECONDS = 300
    settings.EDGE_PURGER = "tests.support.edge.RecordingPurger"
    settings.EDGE_REPURGE_SECONDS = 0
    cache.clear()
    RecordingPurger.calls.clear()
    yield RecordingPurger.calls
    RecordingPurger.calls.clear()
    cache.clear()


@pytest.fixture
def commit(django_capture_on_commit_callbacks):
    def run(change):
        with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
            change()

    return run


@pytest.fixture
def article(make_article):
    return make_article(sections=SECTIONS)


def keys_of(response):
    return response["Surrogate-Key"].split()


def _publisher():
    from django.contrib.auth import get_user_model

    return get_user_model().objects.create_superuser("pub", password="pw")


# --- what pages say they show -----------------------------------------------------------


def test_an_article_page_names_the_article_on_a_miss_and_on_a_hit(client, purged, article):
    first = client.get(article.get_absolute_url())
    second = client.get(article.get_absolute_url())
    assert first["X-Page-Cache"] == "miss" and second["X-Page-Cache"] == "hit"
    for response in (first, second):
        assert set(keys_of(response)) == {"site", f"article-{article.pk}"}
        assert "public" in response["Cache-Control"]


def test_listing_work_and_person_pages_name_what_they_show(client, purged, article):
    person = Person.objects.create(name="Richard Shepard", slug="richard-shepard")
    Credit.objects.create(work=article.work, person=person, role=Credit.Role.DIRECTOR)
    assert set(keys_of(client.get("/"))) == {"site", "listing"}
    assert set(keys_of(client.get("/feed/"))) == {"site", "listing"}
    assert set(keys_of(client.get("/sitemap.xml"))) == {"site", "listing"}
    assert set(keys_of(client.get("/works/"))) == {"site", "listing"}
    work_page = client.get(article.work.get_absolute_url())
    assert set(keys_of(work_page)) == {"site", "listing", f"work-{article.work.pk}"}
    person_page = client.get(person.get_absolute_url())
    assert set(keys_of(person_page)) == {"site", "listing", f"person-{person.pk}"}


def test_without_a_purger_pages_carry_no_keys(client, settings, article):
    settings.PAGE_CACHE_SECONDS = 300
    cache.clear()
    response = client.get(article.get_absolute_url())
    assert response["X-Page-Cache"] == "miss"
    assert "Surrogate-Key" not in response and "Cache-Tag" not in response


def test_cloudflare_pages_carry_cache_tag(client, purged, settings, article):
    settings.EDGE_PURGER = "cloudflare"
    response = client.get(article.get_absolute_url())
    assert "Surrogate-Key" not in response
    assert set(response["Cache-Tag"].split(",")) == {"site", f"article-{article.pk}"}


def test_staff_drafts_previews_and_the_admin_carry_no_keys_and_are_private(
    client, purged, senior_client, make_article, article
):
    from django.test import Client

    draft = make_article(sections=SECTIONS, status=Article.Status.DRAFT)
    for url in (article.get_absolute_url(), draft.get_absolute_url(), "/", "/admin/"):
        response = senior_client.get(url)
        assert response.status_code == 200, url
        assert "Surrogate-Key" not in response, url
        control = response["Cache-Control"]
        assert "private" in control and "no-store" in control, (url, control)
    from explainers.previews import make_token

    preview = Client().get(f"/preview/{make_token(draft)}/")
    assert preview.status_code == 200
    assert "Surrogate-Key" not in preview and "no-store" in preview["Cache-Control"]


# --- what a change purges -----------------------------------------------------------------


def test_a_retraction_purges_the_article_and_the_listings_once_after_commit(
    purged, article, commit
):
    user = _publisher()
    commit(lambda: transition(article, Article.Status.RETRACTED, user=user))
    assert len(purged) == 1  # one request for the whole transaction
    assert {f"article-{article.pk}", f"work-{article.work_id}", "listing"} <= set(purged[0])
    assert "site" not in purged[0]


def test_a_raised_level_purges_the_articles_page(purged, article, levels, commit):
    section = article.sections.order_by("order").first()

    def raise_level():
        section.spoiler_level = levels[3]
        section.safe_heading = "What the opening sets up"
        section.save()
        article.render_sections()

    commit(raise_level)
    assert len(purged) == 1
    assert {f"article-{article.pk}", "listing"} <= set(purged[0])


def test_a_related_article_is_purged_with_the_one_that_lists_it(purged, make_article, commit):
    first, second = make_article(sections=SECTIONS), make_article(sections=SECTIONS)
    purged.clear()

    def retitle():
        first.title = "A new title"
        first.save()

    commit(retitle)
    # The second lists the first in its related reading (same work).
    assert {f"article-{first.pk}", f"article-{second.pk}"} <= set(purged[0])


def test_a_spoiler_level_edit_purges_every_page(purged, article, commit):
    twist = SpoilerLevel.objects.get(rank=2)

    def reword():
        twist.reader_warning = "Reveals the twist."
        twist.save()

    commit(reword)
    assert len(purged) == 1 and "site" in purged[0]


def test_a_person_edit_purges_their_page_and_the_articles_crediting_them(purged, article, commit):
    person = Person.objects.create(name="Richard Shepard", slug="richard-shepard")
    Credit.objects.create(work=article.work, person=person, role=Credit.Role.DIRECTOR)
    purged.clear()

    def rename():
        person.name = "R. Shepard"
        person.save()

    commit(rename)
    assert {f"person-{person.pk}", f"article-{article.pk}", "listing"} <= set(purged[0])


def test_resync_after_a_restore_purges_every_page(purged, article, commit):
    from explainers.management.commands.resync import resync

    purged.clear()
    commit(lambda: resync(render=False))
    assert len(purged) == 1 and "site" in purged[0]


def test_a_rolled_back_change_purges_nothing(purged, article, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        try:
            with transaction.atomic():
                article.title = "Never committed"
                article.save()
                raise RuntimeError("roll back")
        except RuntimeError:
            pass
    assert purged == []


def test_rows_no_page_shows_purge_nothing(purged, article, commit):
    from explainers.models import AuditEntry

    commit(lambda: AuditEntry.objects.create(action="explainers.test", subject="nothing shown"))
    assert purged == []


def test_nothing_is_sent_without_a_purger(settings, article, commit):
    settings.EDGE_PURGER = "none"
    RecordingPurger.calls.clear()
    commit(lambda: article.save())
    assert RecordingPurger.calls == []


def test_the_keys_are_purged_again_after_a_moment(purged, settings, article, commit):
    settings.EDGE_REPURGE_SECONDS = 0.2
    done = threading.Event()
    original = edge_cache.purge_now

    def purge_now(keys):
        original(keys)
        if len(RecordingPurger.calls) == 2:
            done.set()

    from unittest import mock

    with mock.patch.object(edge_cache, "purge_now", purge_now):
        commit(lambda: article.save())
        assert len(purged) == 1
        assert done.wait(5)
    assert purged[0] == purged[1]


def test_a_failed_purge_is_logged_and_the_change_stands(settings, article, commit, caplog):
    settings.EDGE_PURGER = "varnish"
    settings.EDGE_CACHE_URL = [f"http://127.0.0.1:{_closed_port()}"]
    settings.EDGE_REPURGE_SECONDS = 0

    def retitle():
        article.title = "Saved anyway"
        article.save()

    commit(retitle)
    assert Article.objects.get(pk=article.pk).title == "Saved anyway"
    assert "Purging the edge cache failed" in caplog.text


# --- the purgers' requests ----------------------------------------------------------------


def _closed_port():
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def fake_edge():
    """A local HTTP server recording each request's method, path, headers and body."""
    seen = []

    class Handler(BaseHTTPRequestHandler):
        def _record(self):
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            seen.append((self.command, self.path, dict(self.headers), body))
            self.send_response(200)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

        do_PURGE = do_POST = _record

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", seen
    server.shutdown()
    server.server_close()


def test_the_varnish_purger_sends_purge_with_the_keys(fake_edge):
    url, seen = fake_edge
    edge_cache.VarnishPurger(urls=[url, url]).purge(["article-1", "listing"])
    assert len(seen) == 2  # each Varnish
    method, path, headers, _ = seen[0]
    assert (method, path) == ("PURGE", "/")
    assert headers["xkey-purge"] == "article-1 listing"


def test_the_fastly_purger_posts_surrogate_keys_in_batches(fake_edge):
    url, seen = fake_edge
    keys = [f"article-{n}" for n in range(300)]
    edge_cache.FastlyPurger(urls=[url + "/service/SVC/purge"], token="tok").purge(keys)
    assert [request[1] for request in seen] == ["/service/SVC/purge"] * 2
    assert seen[0][2]["Fastly-Key"] == "tok"
    assert len(seen[0][2]["Surrogate-Key"].split()) == 256
    assert len(seen[1][2]["Surrogate-Key"].split()) == 44


def test_the_cloudflare_purger_posts_tags(fake_edge):
    import json

    url, seen = fake_edge
    edge_cache.CloudflarePurger(urls=[url + "/zones/Z/purge_cache"], token="tok").purge(
        ["article-1", "listing"]
    )
    method, path, headers, body = seen[0]
    assert (method, path) == ("POST", "/zones/Z/purge_cache")
    assert headers["Authorization"] == "Bearer tok"
    assert json.loads(body) == {"tags": ["article-1", "listing"]}
