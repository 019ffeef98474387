"""What the change form says after a save: what happened, with a link to where it shows,
never Django's generic "was changed successfully"."""

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from explainers.models import Article
from tests.support.admin_forms import (
    ADD_URL,
    article_post,
    change_url,
    client_for,
    full_post,
    page_text,
    section_row,
)

SECTIONS = [(0, "What kind of film this is", "", "A thriller about a cello prodigy.")]
GENERIC = "successfully"


@pytest.fixture
def draft(make_article, people):
    article = make_article(sections=SECTIONS, status=Article.Status.DRAFT, title="A quiet draft")
    article.authors.add(people["editor"])
    return article


def messages_after(user, url, data):
    """The messages on the page the save leads to, as sent (HTML kept, escaping too)."""
    client = client_for(user)
    response = client.post(url, data)
    assert response.status_code == 302, page_text(response)[:3000]
    page = client.get(response["Location"])
    found = re.findall(
        r'<li class="(\w+)">(.*?)</li>',
        page.content.decode().split('class="messagelist"')[1].split("</ul>")[0],
        re.S,
    )
    return response, found


def texts(found):
    return " | ".join(text for _, text in found)


def test_submitting_says_submitted_for_review(people, draft):
    _, found = messages_after(
        people["editor"], change_url(draft), full_post(draft, status="in_review")
    )
    assert found[0][0] == "success"
    assert found[0][1].startswith("Submitted for review: “A quiet draft”.")
    assert 'href="/admin/#desk-review"' in found[0][1]
    assert GENERIC not in texts(found)


def test_publishing_says_published_with_a_link_to_the_live_page(people, draft):
    _, found = messages_after(
        people["senior"], change_url(draft), full_post(draft, status="published")
    )
    draft.refresh_from_db()
    assert draft.is_published()
    first = found[0][1]
    assert first.startswith("Published: ")
    assert f'<a href="{draft.get_absolute_url()}">view live</a>' in first
    assert GENERIC not in texts(found)


def test_scheduling_says_when_in_the_sites_time_zone(people, draft, settings):
    settings.TIME_ZONE = "Europe/Berlin"
    berlin = ZoneInfo("Europe/Berlin")
    today = timezone.now().astimezone(berlin).date()
    friday = today + timedelta(days=(4 - today.weekday()) % 7 or 7)
    data = full_post(
        draft,
        status="published",
        published_at_0=f"{friday:%Y-%m-%d}",
        published_at_1="09:00:00",
    )
    _, found = messages_after(people["senior"], change_url(draft), data)
    draft.refresh_from_db()
    assert draft.published_at == datetime(friday.year, friday.month, friday.day, 9, tzinfo=berlin)
    first = found[0][1]
    assert first.startswith("Scheduled for Friday 09:00 (")
    assert f"{friday.day} {friday:%B %Y}, Europe/Berlin)" in first
    assert 'href="/admin/#desk-scheduled"' in first
    assert GENERIC not in texts(found)


def test_saving_a_draft_says_saved_with_a_preview_link(people, draft):
    _, found = messages_after(
        people["editor"], change_url(draft), full_post(draft, title="A quiet draft, again")
    )
    assert found[0][1].startswith("Saved “A quiet draft, again” (draft).")
    assert f'href="{draft.get_absolute_url()}">Preview it on the site' in found[0][1]
    assert GENERIC not in texts(found)


def test_saving_a_live_article_says_the_live_page_is_updated(people, make_article):
    live = make_article(sections=SECTIONS, title="Live piece")
    _, found = messages_after(people["senior"], change_url(live), full_post(live, dek="New dek."))
    assert found[0][1].startswith("Saved “Live piece”: the live page is updated.")
    assert f'<a href="{live.get_absolute_url()}">View live</a>' in found[0][1]


def test_retracting_and_unscheduling_say_so(people, make_article):
    live = make_article(sections=SECTIONS, title="Live piece")
    _, found = messages_after(
        people["senior"], change_url(live), full_post(live, status="retracted")
    )
    assert found[0][1].startswith("Retracted: readers of")
    later = make_article(
        sections=SECTIONS, title="Later piece", published_at=timezone.now() + timedelta(days=3)
    )
    _, found = messages_after(people["senior"], change_url(later), full_post(later, status="draft"))
    assert found[0][1].startswith("Unscheduled: “Later piece” is a draft again")


def test_a_new_article_says_created(people, work, levels):
    data = article_post(
        work,
        title="A brand-new explainer",
        slug="a-brand-new-explainer",
        sections=[section_row(levels[0], "Intro", "Plain.", order=1)],
    )
    response, found = messages_after(people["editor"], ADD_URL, data)
    assert found[0][1].startswith("Created “A brand-new explainer” (draft).")
    assert GENERIC not in texts(found)
    assert response["Location"] == "/admin/explainers/article/"


def test_save_and_continue_still_returns_to_the_form(people, draft):
    data = full_post(draft, status="in_review", _continue="Save and continue editing")
    response, found = messages_after(people["editor"], change_url(draft), data)
    assert response["Location"] == change_url(draft)
    assert found[0][1].startswith("Submitted for review")


def test_a_title_with_markup_is_shown_as_text(people, draft):
    _, found = messages_after(
        people["editor"], change_url(draft), full_post(draft, title="<b>Bold</b> & more")
    )
    assert found[0][1].startswith("Saved “&lt;b&gt;Bold&lt;/b&gt; &amp; more” (draft).")


def test_a_refused_save_shows_no_success(people, draft):
    client = client_for(people["editor"])
    response = client.post(change_url(draft), full_post(draft, status="published"))
    assert response.status_code == 200
    text = page_text(response)
    assert "Only a senior editor can publish" in text
    assert "Published:" not in text and GENERIC not in text
