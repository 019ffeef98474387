"""The whole-page cache for anonymous readers: hits, conditional GETs, headers a CDN can use,
never for staff or drafts, and invalidated by every change that alters a public page.
CI runs this file against a real Redis too (REDIS_URL)."""

import json
import os
import subprocess
import sys
from datetime import timedelta

import pytest
from django.conf import settings as django_settings
from django.core.cache import cache
from django.test import RequestFactory
from django.utils import timezone

from explainers import page_cache as page_cache_module
from explainers.models import Article, ContentWarning, SpoilerLevel
from explainers.page_cache import near_pages
from explainers.services.articles import transition

SECTIONS = [
    (0, "What kind of film this is", "", "A thriller about a cello prodigy."),
    (2, "Charlotte drugged Lizzie", "What happened on the trip", "She drugged her."),
]


@pytest.fixture(autouse=True, params=[0, 4 * 1024 * 1024], ids=["shared-cache", "with-near-pages"])
def page_cache(request, settings, still_clock):
    """Every test twice: with the shared cache alone, and with each process keeping the
    pages it served (``page_cache.near_pages``), which must change nothing a reader sees."""
    settings.PAGE_CACHE_SECONDS = 300
    settings.PAGE_CACHE_LOCAL_BYTES = request.param
    cache.clear()
    near_pages.clear()
    yield
    cache.clear()
    near_pages.clear()


@pytest.fixture
def commit(django_capture_on_commit_callbacks):
    """Run a change as if its transaction committed (the invalidation waits for that)."""

    def run(change):
        with django_capture_on_commit_callbacks(execute=True):
            change()

    return run


@pytest.fixture
def article(make_article):
    return make_article(sections=SECTIONS)


def test_a_second_anonymous_read_is_served_from_the_cache_without_a_query(
    client, article, django_assert_num_queries
):
    first = client.get(article.get_absolute_url())
    assert first["X-Page-Cache"] == "miss"
    with django_assert_num_queries(0):
        second = client.get(article.get_absolute_url())
    assert second["X-Page-Cache"] == "hit"
    assert second.content == first.content
    control = second["Cache-Control"]
    assert "public" in control
    # Until the next five-minute line on the clock (see page_cache._lifetime), at most 300 s.
    assert 0 < int(control.split("s-maxage=")[1].split(",")[0]) <= 300
    assert "Cookie" not in second.get("Vary", "")


def test_a_conditional_get_with_the_etag_is_answered_304(client, article):
    etag = client.get(article.get_absolute_url())["ETag"]
    response = client.get(article.get_absolute_url(), HTTP_IF_NONE_MATCH=etag)
    assert response.status_code == 304
    assert response.content == b""
    stale = client.get(article.get_absolute_url(), HTTP_IF_NONE_MATCH='"something-else"')
    assert stale.status_code == 200


def test_staff_and_draft_previews_are_never_cached(senior_client, make_article):
    from django.test import Client

    client = Client()  # an anonymous reader (editor_client is the logged-in one)
    draft = make_article(sections=SECTIONS, status=Article.Status.DRAFT)
    for _ in range(2):
        response = senior_client.get(draft.get_absolute_url())
        assert response.status_code == 200
        assert "X-Page-Cache" not in response
        assert "no-cache" in response["Cache-Control"]
    assert client.get(draft.get_absolute_url()).status_code == 404
    # The staff member's visits left nothing behind for readers.
    assert client.get(draft.get_absolute_url()).status_code == 404


def test_the_admin_is_never_cached(admin_client):
    assert "X-Page-Cache" not in admin_client.get("/admin/")


def changes(client, url, change, commit):
    before = client.get(url).content.decode()
    assert client.get(url)["X-Page-Cache"] == "hit"
    commit(change)
    response = client.get(url)
    assert response["X-Page-Cache"] == "miss"
    return before, response


def test_an_edit_to_the_article_shows_at_once(client, article, commit):
    def edit():
        article.title = "A retitled explainer"
        article.save()

    before, after = changes(client, article.get_absolute_url(), edit, commit)
    assert "A retitled explainer" in after.content.decode()
    assert "A retitled explainer" not in before


def test_a_new_publication_shows_on_the_home_page(client, make_article, article, commit):
    draft = make_article(sections=SECTIONS, status=Article.Status.DRAFT, title="Fresh explainer")
    user = _publisher()
    _, after = changes(
        client, "/", lambda: transition(draft, Article.Status.PUBLISHED, user=user), commit
    )
    assert "Fresh explainer" in after.content.decode()


def test_a_retraction_takes_the_page_down_at_once(client, article, commit):
    user = _publisher()
    client.get(article.get_absolute_url())
    commit(lambda: transition(article, Article.Status.RETRACTED, user=user))
    assert client.get(article.get_absolute_url()).status_code == 410
    assert article.title not in client.get("/").content.decode()


def test_a_moderator_raising_a_sections_level_refolds_it(client, article, levels, commit):
    first = article.sections.order_by("order").first()

    def raise_level():
        first.spoiler_level = levels[3]
        first.safe_heading = "What the opening sets up"
        first.save()
        article.render_sections()

    before, after = changes(client, article.get_absolute_url(), raise_level, commit)
    assert "What the opening sets up" in after.content.decode()


def test_a_change_to_a_spoiler_level_used_by_many_articles_shows_on_each(
    client, make_article, commit
):
    articles = [make_article(sections=SECTIONS) for _ in range(3)]
    twist = SpoilerLevel.objects.get(rank=2)
    for each in articles:
        client.get(each.get_absolute_url())

    def reword():
        twist.reader_warning = "Reveals the twist on the bus trip."
        twist.save()

    commit(reword)
    for each in articles:
        response = client.get(each.get_absolute_url())
        assert response["X-Page-Cache"] == "miss"
        assert "Reveals the twist on the bus trip." in response.content.decode()


def test_a_renamed_content_warning_shows_at_once(client, article, commit):
    warning = ContentWarning.objects.create(name="Drugging", slug="drugging")
    section = article.sections.first()
    commit(lambda: section.content_warnings.add(warning))
    assert "Drugging" in client.get(article.get_absolute_url()).content.decode()

    def rename():
        warning.name = "Drugging (shown)"
        warning.save()

    _, after = changes(client, article.get_absolute_url(), rename, commit)
    assert "Drugging (shown)" in after.content.decode()


def test_a_work_edit_shows_on_its_page_and_its_articles(client, article, commit):
    work = article.work

    def rename():
        work.platform = "Netflix and a cinema near you"
        work.save()

    _, after = changes(client, work.get_absolute_url(), rename, commit)
    assert "Netflix and a cinema near you" in after.content.decode()
    assert (
        "Netflix and a cinema near you" in client.get(article.get_absolute_url()).content.decode()
    )


def _publisher():
    from django.contrib.auth import get_user_model

    return get_user_model().objects.create_superuser("pub", password="pw")


# --- hardening (issue 13) -------------------------------------------------------------------


def _frozen_clock(monkeypatch, moment):
    """Every reader of the clock (the cache, the published() gate) sees ``moment``."""
    monkeypatch.setattr(timezone, "now", lambda: moment)


def test_the_cache_headers_do_not_tell_a_scheduled_articles_go_live_second(
    client, make_article, article, monkeypatch
):
    minute = timezone.now().replace(second=0, microsecond=0)
    _frozen_clock(monkeypatch, minute + timedelta(seconds=7))
    headers = set()
    for seconds in (95, 101, 113):
        scheduled = make_article(
            sections=SECTIONS, published_at=minute + timedelta(seconds=seconds)
        )
        cache.clear()
        headers.add(client.get("/")["Cache-Control"])
        scheduled.delete()
    # Three go-live times a few seconds apart look the same from outside.
    assert len(headers) == 1, headers


def test_a_scheduled_article_is_not_hidden_by_a_cached_home_page(
    client, make_article, article, monkeypatch
):
    minute = timezone.now().replace(second=0, microsecond=0)
    now = minute + timedelta(seconds=20)
    _frozen_clock(monkeypatch, now)
    make_article(
        sections=SECTIONS, title="Goes live soon", published_at=now + timedelta(seconds=40)
    )
    response = client.get("/")
    assert "Goes live soon" not in response.content.decode()
    # Kept no longer than the minute in which the article goes live, not the full five.
    control = dict(
        part.strip().partition("=")[::2] for part in response["Cache-Control"].split(",")
    )
    assert 0 < int(control["s-maxage"]) <= 60 - 20 + 60

    _frozen_clock(monkeypatch, minute + timedelta(seconds=120))
    assert "Goes live soon" in client.get("/").content.decode()


def test_a_port_in_the_host_header_does_not_reach_a_later_readers_page(client, article, settings):
    settings.ALLOWED_HOSTS = ["testserver", "127.0.0.1"]
    url = article.get_absolute_url()
    client.get(url, HTTP_HOST="127.0.0.1:6666")
    client.get("/feed/", HTTP_HOST="127.0.0.1:6666")
    client.get("/sitemap.xml", HTTP_HOST="127.0.0.1:6666")
    for path in (url, "/feed/", "/sitemap.xml"):
        page = client.get(path).content.decode()
        assert ":6666" not in page, path
        assert "http://testserver/" in page, path


def test_two_allowed_hosts_do_not_share_cached_pages(client, article, settings):
    settings.ALLOWED_HOSTS = ["one.example", "two.example"]
    url = article.get_absolute_url()
    assert "http://one.example/" in client.get(url, HTTP_HOST="one.example").content.decode()
    second = client.get(url, HTTP_HOST="two.example").content.decode()
    assert "one.example" not in second and "http://two.example/" in second


def test_absolute_urls_come_from_the_configured_site_origin(client, make_article, settings):
    settings.ALLOWED_HOSTS = ["127.0.0.1"]
    settings.SITE_ORIGIN = "https://unspoiled.example"
    article = make_article(sections=SECTIONS)
    expected = f"https://unspoiled.example{article.get_absolute_url()}"
    page = client.get(article.get_absolute_url(), HTTP_HOST="127.0.0.1:6666").content.decode()
    assert f'<link rel="canonical" href="{expected}">' in page
    assert f'<meta property="og:url" content="{expected}">' in page
    assert f'"url": "{expected}"' in page or f'"url":"{expected}"' in page
    for path in ("/", "/feed/", "/feed/rss/", "/sitemap.xml", "/robots.txt"):
        body = client.get(path, HTTP_HOST="127.0.0.1:6666").content.decode()
        assert ":6666" not in body, path  # (a timestamp's microseconds may read 6666)
        assert "https://unspoiled.example/" in body, path


def test_with_a_site_origin_made_up_ports_share_one_cached_page(client, article, settings):
    settings.ALLOWED_HOSTS = ["127.0.0.1"]
    settings.SITE_ORIGIN = "https://unspoiled.example"
    url = article.get_absolute_url()
    assert client.get(url, HTTP_HOST="127.0.0.1:6666")["X-Page-Cache"] == "miss"
    assert client.get(url, HTTP_HOST="127.0.0.1:6667")["X-Page-Cache"] == "hit"


def test_a_made_up_session_cookie_is_served_from_the_cache(
    client, article, django_assert_max_num_queries
):
    from django.test import Client

    url = article.get_absolute_url()
    fake = Client()
    fake.cookies["sessionid"] = "not-a-real-session"
    first = fake.get(url)
    assert first.status_code == 200
    fake.cookies["sessionid"] = "another-made-up-session"
    with django_assert_max_num_queries(1):  # looking the session up, nothing more
        second = fake.get(url)
    assert second["X-Page-Cache"] == "hit"
    assert second.content == first.content
    # What the made-up cookies left in the cache is every reader's page.
    shared = client.get(url)
    assert shared["X-Page-Cache"] == "hit"
    assert "Cookie" not in shared.get("Vary", "")


def test_a_staff_session_still_bypasses_the_cache(client, senior_client, article):
    from django.test import Client

    url = article.get_absolute_url()
    Client().get(url)
    response = senior_client.get(url)
    assert response.status_code == 200
    assert "X-Page-Cache" not in response


def test_query_parameters_a_page_does_not_read_make_no_new_cache_entry(client, make_article):
    for _ in range(13):
        make_article(sections=SECTIONS)
    assert client.get("/?utm_source=a")["X-Page-Cache"] == "miss"
    for junk in ("/?utm_source=b", "/?fbclid=xyz", "/?utm_source=a&ref=1", "/"):
        assert client.get(junk)["X-Page-Cache"] == "hit", junk
    # A parameter the page reads still makes a page of its own.
    second = client.get("/?page=2&utm_source=c")
    assert second["X-Page-Cache"] == "miss"
    assert client.get("/?page=2")["X-Page-Cache"] == "hit"
    assert second.content != client.get("/").content


def test_no_cache_header_tells_a_reader_whether_a_page_was_cached(
    client, article, settings, monkeypatch
):
    settings.PAGE_CACHE_HEADER = False
    _frozen_clock(monkeypatch, timezone.now())
    url = "/search/?q=cello"
    first, second = client.get(url), client.get(url)
    assert "X-Page-Cache" not in first and "X-Page-Cache" not in second
    assert dict(first.items()) == dict(second.items())


def test_production_settings_do_not_send_the_cache_header(monkeypatch):
    import runpy
    from pathlib import Path

    for name in ("DEBUG", "PAGE_CACHE_HEADER"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("SECRET_KEY", "a-production-like-secret")
    path = Path(__file__).resolve().parents[2] / "editorial" / "settings.py"
    production = runpy.run_path(str(path))
    assert production.get("PAGE_CACHE_HEADER", True) is False


def test_pages_for_values_a_page_uses_are_stored_and_junk_values_are_not(client, make_article):
    for _ in range(14):  # two pages of the home page
        make_article(sections=SECTIONS)
    for url in ("/?page=2", "/works/?kind=film&sort=newest", "/search/?work=the-perfection"):
        assert client.get(url)["X-Page-Cache"] == "miss", url
        assert client.get(url)["X-Page-Cache"] == "hit", url
    for url in ("/?page=02", "/works/?sort=sideways", "/search/?work=no-such-work"):
        response = client.get(url)
        assert response.status_code == 200, url
        assert response["X-Page-Cache"] == "not stored", url


# --- the pages a process keeps (with Redis: PAGE_CACHE_LOCAL_BYTES) ----------------------


def page_key(path):
    return page_cache_module._key(RequestFactory().get(path))


def test_a_process_serves_a_page_it_holds_after_asking_only_whether_it_is_current(
    client, article, settings, commit
):
    settings.PAGE_CACHE_LOCAL_BYTES = 4 * 1024 * 1024
    path = article.get_absolute_url()
    assert client.get(path)["X-Page-Cache"] == "miss"
    cache.delete(page_key(path))  # the shared copy gone: only this process has the page
    held = client.get(path)
    assert held["X-Page-Cache"] == "hit"
    assert "A thriller about a cello prodigy." in held.content.decode()

    # A change anywhere (another server's, say) moves the shared generation on: the page
    # this process holds is no longer served.
    commit(lambda: Article.objects.filter(pk=article.pk).update(title="Renamed"))
    commit(page_cache_module.invalidate)
    again = client.get(path)
    assert again["X-Page-Cache"] == "miss"


def test_without_near_pages_a_page_gone_from_the_shared_cache_is_rendered_again(
    client, article, settings
):
    settings.PAGE_CACHE_LOCAL_BYTES = 0
    path = article.get_absolute_url()
    client.get(path)
    cache.delete(page_key(path))
    assert client.get(path)["X-Page-Cache"] == "miss"


def test_a_process_keeps_pages_up_to_its_limit_the_latest_served_first(
    client, make_article, settings
):
    first = make_article(sections=SECTIONS)
    second = make_article(title="Another", sections=SECTIONS)
    size = len(client.get(first.get_absolute_url()).content)
    settings.PAGE_CACHE_LOCAL_BYTES = size + size // 2  # room for one such page
    near_pages.clear()
    client.get(first.get_absolute_url())
    client.get(second.get_absolute_url())
    assert near_pages.get(page_key(second.get_absolute_url())) is not None
    assert near_pages.get(page_key(first.get_absolute_url())) is None


def test_another_servers_change_reaches_a_held_page_once_the_held_generation_is_old(
    client, article, settings, monkeypatch
):
    """Another server's change moves the shared generation on without this process
    hearing of it: a page this process holds is served while the generation it read is
    younger than PAGE_CACHE_GENERATION_SECONDS, and not after."""
    settings.PAGE_CACHE_LOCAL_BYTES = 4 * 1024 * 1024
    settings.PAGE_CACHE_GENERATION_SECONDS = 0.05
    clock = [1000.0]
    monkeypatch.setattr(page_cache_module.time, "monotonic", lambda: clock[0])
    path = article.get_absolute_url()
    assert client.get(path)["X-Page-Cache"] == "miss"
    assert client.get(path)["X-Page-Cache"] == "hit"

    cache.incr(page_cache_module.GENERATION_KEY)  # as another server's invalidate() does
    clock[0] += 0.04
    assert client.get(path)["X-Page-Cache"] == "hit"  # within the 50 ms
    clock[0] += 0.02
    assert client.get(path)["X-Page-Cache"] == "miss"  # read again: the change is seen


def test_with_no_window_every_hit_asks_for_the_generation(client, article, settings):
    settings.PAGE_CACHE_LOCAL_BYTES = 4 * 1024 * 1024
    settings.PAGE_CACHE_GENERATION_SECONDS = 0
    path = article.get_absolute_url()
    client.get(path)
    assert client.get(path)["X-Page-Cache"] == "hit"
    cache.incr(page_cache_module.GENERATION_KEY)
    assert client.get(path)["X-Page-Cache"] == "miss"


# --- without Redis: one cache for every process on the machine ----------------------------


def _other_process(code, cache_dir):
    """Run ``code`` in a process of its own, with the default settings and no Redis (as
    gunicorn's other worker, or the task worker beside it, runs); what it printed."""
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("REDIS_URL", "DJANGO_SETTINGS_MODULE", "LOCAL_CACHE")
    }
    env.update(DJANGO_SETTINGS_MODULE="editorial.settings", DEBUG="1", CACHE_DIR=str(cache_dir))
    setup = "import django, json; django.setup(); from django.conf import settings; "
    done = subprocess.run(
        [sys.executable, "-c", setup + code],
        cwd=django_settings.BASE_DIR,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    return done.stdout


def test_without_redis_a_change_in_another_process_reaches_the_pages_this_one_cached(
    client, article, settings, tmp_path
):
    """The default settings with no REDIS_URL: ``make serve`` runs two gunicorn workers and
    a task worker, each a process. A retraction saved through one must stop the others
    serving the page they cached."""
    settings.CACHES = json.loads(_other_process("print(json.dumps(settings.CACHES))", tmp_path))
    path = article.get_absolute_url()
    assert client.get(path)["X-Page-Cache"] == "miss"
    assert client.get(path)["X-Page-Cache"] == "hit"

    _other_process("from explainers import page_cache; page_cache.invalidate()", tmp_path)

    assert client.get(path)["X-Page-Cache"] == "miss"
