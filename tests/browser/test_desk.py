"""The newsroom desk in a real browser: no horizontal scroll at 1,280 and 390 px for an
editor, a senior editor and a moderator, in the week and the month calendar, long titles
included; axe finds nothing on it."""

from datetime import timedelta

import pytest

from tests.support.browser import sign_in

pytestmark = pytest.mark.browser

LONG = (
    "What the Chapel scenes owe to Park Chan-wook's films and the documentary series The "
    "Keepers, scene by scene"
)
PASSWORDS = {"eda": "eda-pass", "sol": "sol-pass", "mo": "mo-pass"}


@pytest.fixture
def newsroom(demo_site, django_user_model):
    from django.contrib.auth.models import Group
    from django.utils import timezone

    from explainers import roles
    from explainers.models import Article, Work

    roles.sync_roles()  # an earlier transactional test may have flushed the groups
    users = {}
    for username, role in (
        ("eda", roles.EDITOR),
        ("sol", roles.SENIOR_EDITOR),
        ("mo", roles.MODERATOR),
    ):
        user = django_user_model.objects.create_user(
            username, password=PASSWORDS[username], is_staff=True, first_name=username.title()
        )
        user.groups.add(Group.objects.get(name=role))
        users[username] = user
    work = Work.objects.first()
    now = timezone.now()
    for n, (status, when) in enumerate(
        [
            ("draft", None),
            ("draft", None),
            ("in_review", None),
            ("published", now + timedelta(days=1)),
            ("published", now + timedelta(days=1, hours=2)),
            ("published", now + timedelta(days=9)),
        ]
    ):
        article = Article.objects.create(
            title=f"{LONG} ({n})",
            slug=f"desk-browser-{n}",
            dek="A spoiler-free summary.",
            work=work,
            status=status,
            published_at=when,
        )
        article.authors.add(users["eda"])
    return demo_site


def signed_in(browser, base_url, username, width):
    return sign_in(browser, base_url, username, PASSWORDS[username], width)


OVERFLOW = "document.documentElement.scrollWidth - document.documentElement.clientWidth"


@pytest.mark.parametrize("width", [1280, 390])
@pytest.mark.parametrize("username", ["eda", "sol", "mo"])
def test_the_desk_fits_the_window_without_scrolling_sideways(browser, newsroom, username, width):
    context, page = signed_in(browser, newsroom.url, username, width)
    try:
        for query in ("", "?calendar=month"):
            page.goto(f"{newsroom.url}/admin/{query}")
            assert page.locator("#desk").is_visible()
            assert page.evaluate(OVERFLOW) == 0, (username, width, query)
            # A long title keeps to one line in a panel: its box is no taller than a line.
            title = page.locator("#desk-scheduled .desk-title").first
            box = title.bounding_box()
            line = page.evaluate(
                "e => parseFloat(getComputedStyle(e).lineHeight) || 20", title.element_handle()
            )
            assert box["height"] <= line * 1.5
            assert title.get_attribute("title").startswith(LONG)
        if username == "sol":
            assert page.locator("#desk-review").is_visible()
        else:
            assert page.locator("#desk-review").count() == 0
    finally:
        context.close()


@pytest.mark.parametrize("width", [1280, 390])
def test_axe_finds_nothing_on_the_desk(browser, newsroom, width):
    from axe_playwright_python.sync_playwright import Axe

    context, page = signed_in(browser, newsroom.url, "sol", width)
    try:
        for query in ("", "?calendar=month"):
            page.goto(f"{newsroom.url}/admin/{query}")
            results = Axe().run(page, context={"include": [["#desk"]]})
            found = [
                (
                    v["id"],
                    [(n["target"], n.get("failureSummary", "")[:200]) for n in v["nodes"][:3]],
                )
                for v in results.response["violations"]
            ]
            assert found == [], (width, query)
    finally:
        context.close()
