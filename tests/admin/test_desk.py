"""The newsroom desk on the admin's home, for each role: what each sees and does not see,
the counts, the scheduled calendar (a week, a month, in the site's time zone), the article
list's state and "mine" filters it links to, the one way into an article's history, and
what the desk costs in queries."""

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from explainers import page_cache
from explainers.models import Article, SpoilerTerm
from tests.support.admin_forms import change_url, client_for, page_text

HOME = "/admin/"
CHANGELIST = "/admin/explainers/article/"
SECTIONS = [(0, "What kind of film this is", "", "A thriller about a cello prodigy.")]
LEAKY = [
    (0, "What kind of film this is", "", "A thriller about two cellists on a trip."),
    (2, "The bus", "What happens on the trip", "Charlotte drugged Lizzie before the bus left."),
]


@pytest.fixture
def newsroom(make_article, people):
    """Two drafts of the editor's, one of a colleague's, two in review, two scheduled, two
    live (one a week and more ago), one retracted."""
    now = timezone.now()

    def article(title, status, published_at=None, author="editor"):
        made = make_article(
            sections=SECTIONS, title=title, status=status, published_at=published_at
        )
        if author:
            made.authors.add(people[author])
        return made

    return {
        "mine_1": article("Eda's first draft", "draft"),
        "mine_2": article("Eda's second draft", "draft"),
        "otto": article("Otto's draft", "draft", author="other_editor"),
        "review_1": article("Submitted by Eda", "in_review"),
        "review_2": article("Submitted by Otto", "in_review", author="other_editor"),
        "soon": article("Going live soon", "published", now + timedelta(days=1)),
        "later": article("Going live later", "published", now + timedelta(days=20)),
        "fresh": article("Live since yesterday", "published", now - timedelta(days=1)),
        "old": article("Live for a month", "published", now - timedelta(days=30)),
        "gone": article("Retracted piece", "retracted", now - timedelta(days=40)),
    }


def desk_of(response):
    """The desk's HTML only (not the app list or the recent actions)."""
    text = page_text(response)
    found = re.search(r'<section class="desk" id="desk".*?</section>\s*(?=<div|$)', text, re.S)
    return found.group(0) if found else ""


def panel(response, key):
    """(count, the panel's HTML) of one panel, or None when the user does not get it."""
    text = page_text(response)
    found = re.search(
        rf'<section class="desk-panel[^"]*" id="desk-{key}"[^>]*data-count="(\d+)">(.*?)</section>',
        text,
        re.S,
    )
    return (int(found.group(1)), found.group(2)) if found else None


def home(user, query=""):
    response = client_for(user).get(HOME + query)
    assert response.status_code == 200
    return response


# --- what each role sees -----------------------------------------------------------------


def test_an_editor_sees_their_own_drafts_and_no_review_queue(people, newsroom):
    response = home(people["editor"])
    count, mine = panel(response, "mine")
    assert count == 2
    assert "Eda's first draft" in mine and "Eda's second draft" in mine
    assert "Otto's draft" not in page_text(response)
    assert f"{CHANGELIST}?mine=drafts" in mine
    assert panel(response, "review") is None
    assert "Awaiting review" not in page_text(response)
    assert "Submitted by Otto" not in page_text(response)
    assert "Write an article" in desk_of(response)


def test_a_senior_editor_sees_what_awaits_review_the_longest_waiting_first(people, newsroom):
    Article.objects.filter(pk=newsroom["review_2"].pk).update(
        updated_at=timezone.now() - timedelta(days=3)
    )
    response = home(people["senior"])
    count, review = panel(response, "review")
    assert count == 2
    assert review.index("Submitted by Otto") < review.index("Submitted by Eda")
    assert f"{CHANGELIST}?state=in_review" in review
    assert change_url(newsroom["review_1"]) in review
    # Their own drafts: none; nobody else's are listed as theirs.
    assert panel(response, "mine")[0] == 0
    assert "Eda's first draft" not in page_text(response)


def test_a_moderator_sees_the_live_side_and_the_moderation_module_not_drafts_or_review(
    people, newsroom
):
    response = home(people["moderator"])
    assert panel(response, "mine") is None
    assert panel(response, "review") is None
    assert "Write an article" not in page_text(response)
    assert panel(response, "scheduled")[0] == 2
    assert panel(response, "recent")[0] == 2
    assert panel(response, "leaks") is not None
    assert 'id="moderation-module"' in page_text(response)


def test_the_moderation_module_stays_for_moderators_only(people, newsroom):
    for who in ("editor", "senior"):
        assert 'id="moderation-module"' not in page_text(home(people[who]))


def test_staff_who_may_not_see_articles_get_no_desk(django_user_model, newsroom):
    clerk = django_user_model.objects.create_user("clerk", password="pw", is_staff=True)
    response = home(clerk)
    assert 'id="desk"' not in page_text(response)
    assert "Going live soon" not in page_text(response)


def test_the_counts_and_links_of_scheduled_and_recently_published(people, newsroom):
    response = home(people["editor"])
    count, scheduled = panel(response, "scheduled")
    assert count == 2
    assert scheduled.index("Going live soon") < scheduled.index("Going live later")
    assert "Live since yesterday" not in scheduled
    assert f"{CHANGELIST}?state=scheduled" in scheduled
    count, recent = panel(response, "recent")
    assert count == 2  # live now: not the scheduled, not the retracted
    assert "1 in the last 7 days" in recent
    assert recent.index("Live since yesterday") < recent.index("Live for a month")
    assert newsroom["fresh"].get_absolute_url() in recent  # "view live"
    assert "Retracted piece" not in recent and "Going live" not in recent


def test_a_long_title_keeps_to_one_line_with_the_whole_title_in_its_tooltip(people, newsroom):
    long_title = "A very long title " * 8
    Article.objects.filter(pk=newsroom["mine_1"].pk).update(title=long_title.strip())
    _, mine = panel(home(people["editor"]), "mine")
    assert f'title="{long_title.strip()}"' in mine


def test_live_articles_with_leaks_are_counted_and_linked(people, make_article, work, levels):
    make_article(sections=LEAKY, title="Leaky live article")
    make_article(sections=LEAKY, title="Leaky draft", status="draft")
    SpoilerTerm.objects.create(
        phrase="Charlotte drugged Lizzie", work=work, spoiler_level=levels[3]
    )
    for who in ("editor", "senior", "moderator"):
        count, leaks = panel(home(people[who]), "leaks")
        assert count == 1, who
        assert "Leaky live article" in leaks and "Leaky draft" not in leaks
        assert "/admin/explainers/readerreport/live-leaks/" in leaks


# --- the calendar ------------------------------------------------------------------------


@pytest.fixture
def berlin(settings):
    settings.TIME_ZONE = "Europe/Berlin"
    timezone.activate(ZoneInfo("Europe/Berlin"))
    yield ZoneInfo("Europe/Berlin")
    timezone.deactivate()


def at(zone, *args):
    return datetime(*args, tzinfo=zone)


@pytest.fixture
def frozen(monkeypatch):
    def freeze(moment):
        monkeypatch.setattr(timezone, "now", lambda: moment)
        return moment

    return freeze


def calendar_days(response):
    """{date: [text of each entry]} of the calendar's days."""
    text = page_text(response)
    days = {}
    for day, body in re.findall(
        r'data-day="([\d-]+)">(.*?)</li>\s*(?=<li class="desk-day|</ol>)', text, re.S
    ):
        days[day] = [
            " ".join(re.sub(r"<[^>]+>", " ", a).split())
            for a in re.findall(r"<a [^>]*>(.*?)</a>", body, re.S)
        ]
    return days


def test_the_week_shows_each_scheduled_article_on_its_day_at_its_local_time(
    people, make_article, berlin, frozen
):
    frozen(at(berlin, 2026, 12, 2, 12, 0))  # a Wednesday
    # 08:00 UTC is 09:00 in Berlin on Friday.
    make_article(
        sections=SECTIONS, title="Friday piece", published_at=at(ZoneInfo("UTC"), 2026, 12, 4, 8, 0)
    )
    make_article(
        sections=SECTIONS, title="Next week's piece", published_at=at(berlin, 2026, 12, 10, 9, 0)
    )
    make_article(
        sections=SECTIONS, title="Already live", published_at=at(berlin, 2026, 12, 1, 9, 0)
    )
    response = home(people["senior"])
    days = calendar_days(response)
    assert list(days)[0] == "2026-12-02" and len(days) == 7
    assert days["2026-12-04"] == ["09:00 Friday piece"]
    assert not any("Already live" in e for entries in days.values() for e in entries)
    assert "Next week's piece" not in desk_of(response).split('id="desk-calendar"')[1]
    assert "Europe/Berlin" in page_text(response)
    following = home(people["senior"], "?calendar=week&from=2026-12-09")
    assert calendar_days(following)["2026-12-10"] == ["09:00 Next week's piece"]


def test_the_month_is_whole_weeks_from_monday_with_every_scheduled_article(
    people, make_article, berlin, frozen
):
    frozen(at(berlin, 2026, 12, 2, 12, 0))
    make_article(
        sections=SECTIONS, title="Early December", published_at=at(berlin, 2026, 12, 4, 9, 0)
    )
    make_article(
        sections=SECTIONS, title="New Year's Eve", published_at=at(berlin, 2026, 12, 31, 23, 30)
    )
    make_article(sections=SECTIONS, title="January", published_at=at(berlin, 2027, 1, 8, 9, 0))
    response = home(people["editor"], "?calendar=month")
    days = calendar_days(response)
    assert list(days)[0] == "2026-11-30" and list(days)[-1] == "2027-01-03"  # Monday to Sunday
    assert len(days) % 7 == 0
    assert days["2026-12-04"] == ["09:00 Early December"]
    assert days["2026-12-31"] == ["23:30 New Year's Eve"]
    assert "Scheduled: December 2026" in page_text(response)
    january = home(people["editor"], "?calendar=month&from=2027-01-01")
    assert calendar_days(january)["2027-01-08"] == ["09:00 January"]
    # Its links move by a month and switch to the week.
    assert "calendar=month&amp;from=2027-01-01" in response.content.decode()
    assert "calendar=week&amp;from=2026-12-02" in response.content.decode()


@pytest.mark.parametrize(
    ("value", "said"),
    [
        ("tomorrow", "is not a date"),
        ("2026-02-30", "is not a date"),
        ("9999-01-01", "5 years either way"),
        ("<script>", "is not a date"),
    ],
)
def test_a_bad_calendar_date_shows_this_week_and_says_why(people, value, said):
    response = client_for(people["editor"]).get(HOME, {"calendar": "month", "from": value})
    assert response.status_code == 200
    assert said in page_text(response)
    assert "<script>" not in response.content.decode()


# --- the article list it links to ---------------------------------------------------------


def listed(response):
    assert response.status_code == 200
    return {article.title for article in response.context["cl"].result_list}


def test_the_article_list_filters_by_state_including_scheduled(people, newsroom):
    client = client_for(people["senior"])
    assert listed(client.get(CHANGELIST, {"state": "scheduled"})) == {
        "Going live soon",
        "Going live later",
    }
    assert listed(client.get(CHANGELIST, {"state": "published"})) == {
        "Live since yesterday",
        "Live for a month",
    }
    assert listed(client.get(CHANGELIST, {"state": "in_review"})) == {
        "Submitted by Eda",
        "Submitted by Otto",
    }
    assert "Scheduled" in page_text(client.get(CHANGELIST))  # offered in the filter
    # An unknown state filters nothing and breaks nothing.
    assert len(listed(client.get(CHANGELIST, {"state": "nonsense"}))) == 10


def test_my_drafts_in_the_article_list_are_the_users_own(people, newsroom):
    mine = client_for(people["editor"]).get(CHANGELIST, {"mine": "drafts"})
    assert listed(mine) == {"Eda's first draft", "Eda's second draft"}
    everything = client_for(people["editor"]).get(CHANGELIST, {"mine": "all"})
    assert listed(everything) == {
        "Eda's first draft",
        "Eda's second draft",
        "Submitted by Eda",
        "Going live soon",
        "Going live later",
        "Live since yesterday",
        "Live for a month",
        "Retracted piece",
    }


def test_the_list_cuts_long_titles_to_one_line_with_the_whole_title_in_a_tooltip(people, newsroom):
    long_title = "Why the last scene of the film recasts everything before it, " * 3
    Article.objects.filter(pk=newsroom["old"].pk).update(title=long_title.strip())
    text = page_text(client_for(people["senior"]).get(CHANGELIST))
    assert f'title="{long_title.strip()}"' in text
    titles = re.findall(r'<span class="article-title" title="([^"]*)">([^<]*)</span>', text)
    cut = dict(titles)[long_title.strip()]
    assert len(cut) <= 70 and cut.endswith("…")


# --- one way into the history -------------------------------------------------------------


def test_the_change_form_offers_one_way_into_the_history(people, newsroom):
    client = client_for(people["senior"])
    article = newsroom["fresh"]
    text = page_text(client.get(change_url(article)))
    assert text.count("History and revisions") == 1
    assert 'class="historylink"' not in text
    assert f"/admin/explainers/article/{article.pk}/history/" not in text
    old_door = client.get(f"/admin/explainers/article/{article.pk}/history/")
    assert old_door.status_code == 302
    assert old_door["Location"] == f"/admin/explainers/article/{article.pk}/revisions/"
    assert client.get("/admin/explainers/article/999999/history/").status_code == 404
    assert client.get("/admin/explainers/article/nonsense/history/").status_code == 404


# --- what the desk costs --------------------------------------------------------------------


def queries_for(user):
    client = client_for(user)
    client.get(HOME)  # the session and the content types warmed, as for a real editor
    with CaptureQueriesContext(connection) as captured:
        assert client.get(HOME).status_code == 200
    return len(captured)


def test_the_desk_costs_the_same_queries_however_many_articles_wait(people, newsroom, make_article):
    """Drafts and articles in review cost nothing more (scheduled and live ones cost the
    leak check's few queries each while the page cache is off: see the next tests)."""
    before = {who: queries_for(people[who]) for who in ("editor", "senior", "moderator")}
    for _ in range(6):
        make_article(sections=SECTIONS, status="draft").authors.add(people["editor"])
        make_article(sections=SECTIONS, status="in_review")
    after = {who: queries_for(people[who]) for who in ("editor", "senior", "moderator")}
    assert after == before


def test_the_desks_queries_are_pinned(people, newsroom, django_assert_num_queries):
    client = client_for(people["senior"])
    client.get(HOME)
    # The session and the user (2), the counts (1), four lists and their authors (8), the
    # calendar (1), the word families (1), the live and scheduled articles and their
    # authors (2) and the leak check of each of the 4 (7 each), the recent actions (1).
    with django_assert_num_queries(44):
        client.get(HOME)


@pytest.fixture
def page_cache_on(settings):
    settings.PAGE_CACHE_SECONDS = 300
    cache.clear()
    yield
    cache.clear()


def test_with_the_page_cache_on_the_leak_scan_is_kept_until_something_changes(
    people, make_article, work, levels, page_cache_on, django_capture_on_commit_callbacks
):
    make_article(sections=LEAKY, title="Leaky live article")
    few = queries_for(people["senior"])
    now = timezone.now()
    for n in range(5):  # more live and scheduled articles: the kept scan costs no more
        make_article(sections=SECTIONS, published_at=now - timedelta(days=n + 1))
    page_cache.invalidate()  # (their saves' commit would have done it)
    home(people["senior"])  # scanned once
    assert queries_for(people["senior"]) == few
    assert panel(home(people["senior"]), "leaks")[0] == 0
    with django_capture_on_commit_callbacks(execute=True):
        SpoilerTerm.objects.create(
            phrase="Charlotte drugged Lizzie", work=work, spoiler_level=levels[3]
        )
    assert panel(home(people["senior"]), "leaks")[0] == 1


def test_a_word_family_change_reaches_the_kept_leak_scan(
    people, make_article, work, levels, page_cache_on
):
    from explainers.models import WordFamily

    make_article(
        sections=[
            (0, "What kind of film this is", "", "Lizzie roofies Charlotte on the bus."),
            (2, "The bus", "What happens on the trip", "Lizzie drugs Charlotte on the bus."),
        ],
        title="Live with a family word",
    )
    SpoilerTerm.objects.create(phrase="Lizzie drugs Charlotte", work=work, spoiler_level=levels[2])
    page_cache.invalidate()
    before = panel(home(people["senior"]), "leaks")[0]
    family = WordFamily.objects.filter(words__icontains="drug").first()
    assert family is not None
    family.words = family.words + ", roofie"
    family.save()  # no page shows it: no generation moves
    after = panel(home(people["senior"]), "leaks")[0]
    assert (before, after) == (0, 1)
