"""When a new spoiler term finds a leak in a live article: the moderation dashboard lists
it with its places, the authors are emailed, and a senior editor retracts it from the
list."""

import re

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from explainers.models import Article, AuditEntry, ReaderReport, SpoilerTerm
from explainers.services import moderation
from tests.support.admin_forms import page_text

QUEUE = "/admin/explainers/readerreport/"
DASHBOARD = f"{QUEUE}dashboard/"
LIVE_LEAKS = f"{QUEUE}live-leaks/"
LEAKY_DEK = "Lizzie never suspects that Charlotte drugged her on the bus."
SECTIONS = [
    (0, "What kind of film this is", "", "A thriller about two cellists on a trip."),
    (2, "The bus", "What happens on the trip", "Charlotte drugged Lizzie before the bus left."),
]


@pytest.fixture
def author(django_user_model):
    return django_user_model.objects.create_user(
        "ana", email="ana@example.com", first_name="Ana", last_name="Writer"
    )


@pytest.fixture
def live(make_article, author):
    article = make_article(sections=SECTIONS, dek=LEAKY_DEK, title="The Perfection, explained")
    article.authors.add(author)
    return article


@pytest.fixture
def draft(make_article, author):
    article = make_article(
        sections=SECTIONS, dek=LEAKY_DEK, title="A draft about the bus", status="draft"
    )
    article.authors.add(author)
    return article


def visible(response):
    """The page's text without its tags, spaces collapsed."""
    return " ".join(re.sub(r"<[^>]+>", " ", page_text(response)).split())


def new_term(work, levels, phrase="Charlotte drugged Lizzie"):
    return SpoilerTerm.objects.create(phrase=phrase, work=work, spoiler_level=levels[2])


def change_url(article, anchor=""):
    return f"/admin/explainers/article/{article.pk}/change/{anchor}"


# --- the dashboard ---------------------------------------------------------------------


def test_the_dashboard_lists_a_live_article_a_new_term_finds_a_leak_in(
    client, moderator, live, draft, work, levels
):
    client.force_login(moderator)
    before = client.get(DASHBOARD).content.decode()
    assert f'data-live-leak="{live.pk}"' not in before
    assert "finds no leak in any live article" in before

    new_term(work, levels)
    html = client.get(DASHBOARD).content.decode()
    assert f'data-live-leak="{live.pk}"' in html
    assert f'href="{change_url(live, "#id_dek")}"' in html
    text = visible(client.get(DASHBOARD))
    assert "The dek : Leak in the dek" in text
    assert "matches the term “Charlotte drugged Lizzie” (Twist)" in text
    assert "Ana Writer" in text
    # A draft with the same dek is nobody's leak yet: not listed.
    assert f'data-live-leak="{draft.pk}"' not in html
    assert "A draft about the bus" not in html
    # A moderator sees where, but neither Edit nor Retract (a publisher's moves).
    assert "Retract</button>" not in html


def test_a_leak_in_a_lower_section_links_to_that_section(
    client, moderator, make_article, work, levels
):
    article = make_article(
        sections=[
            (0, "Setup", "", "Nothing yet."),
            (1, "The trip", "Where they go", "Charlotte drugged Lizzie, people say."),
            (3, "Ending", "The last scene", "Charlotte drugged Lizzie."),
        ]
    )
    new_term(work, levels, phrase="Charlotte drugged Lizzie")
    client.force_login(moderator)
    html = client.get(DASHBOARD).content.decode()
    assert f'href="{change_url(article, "#sections-1")}"' in html
    assert "#sections-2" not in html  # the Ending is above the term's level


def test_scheduled_articles_count_as_live(client, moderator, make_article, work, levels):
    from datetime import timedelta

    from django.utils import timezone

    scheduled = make_article(dek=LEAKY_DEK, published_at=timezone.now() + timedelta(days=2))
    new_term(work, levels)
    client.force_login(moderator)
    text = visible(client.get(DASHBOARD))
    assert scheduled.title in text and "Scheduled" in text


def test_the_dashboard_costs_the_same_queries_for_each_live_article(
    client, moderator, make_article, work, levels
):
    new_term(work, levels)
    client.force_login(moderator)
    client.get(DASHBOARD)  # the session, the content types: read once

    def queries_with(count):
        while Article.objects.live_or_scheduled().count() < count:
            make_article(dek=LEAKY_DEK)
        with CaptureQueriesContext(connection) as queries:
            assert client.get(DASHBOARD).status_code == 200
        return len(queries)

    three, ten = queries_with(3), queries_with(10)
    per_article = (ten - three) / 7
    assert per_article == int(per_article) and per_article <= 12
    # Pinned: what the leak check costs an article today, and the page's own queries.
    assert (three - 3 * per_article, per_article) == (PAGE_QUERIES, ARTICLE_QUERIES)


PAGE_QUERIES = 11
# The work's terms, its cast twice (the terms' names, the characters), its credits and
# parts, the word families, the article's sections and citations.
ARTICLE_QUERIES = 8


def test_no_more_than_the_limit_of_live_articles_is_checked(
    client, moderator, make_article, work, levels, monkeypatch
):
    new_term(work, levels)
    for _ in range(4):
        make_article(dek=LEAKY_DEK)
    client.force_login(moderator)
    monkeypatch.setattr(moderation, "LIVE_LEAK_LIMIT", 2)
    html = client.get(DASHBOARD).content.decode()
    assert html.count("data-live-leak=") == 2


# --- the authors are told --------------------------------------------------------------


def test_a_term_added_in_the_admin_emails_the_authors_and_names_the_articles(
    client, moderator, live, draft, work, levels, mailoutbox, django_capture_on_commit_callbacks
):
    client.force_login(moderator)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/admin/explainers/spoilerterm/add/",
            {
                "phrase": "Charlotte drugged Lizzie",
                "variants": "",
                "work": work.pk,
                "spoiler_level": levels[2].pk,
                "notes": "",
            },
            follow=True,
        )
    text = page_text(response)
    assert "“The Perfection, explained” now has a leak" in text
    assert "Emailed the authors of “The Perfection, explained” (Ana Writer)" in text
    assert len(mailoutbox) == 1  # the draft's leak tells nobody
    email = mailoutbox[0]
    assert email.to == ["ana@example.com"]
    assert "The Perfection, explained" in email.subject
    assert "Leak in the dek" in email.body and "Charlotte drugged Lizzie" in email.body
    assert change_url(live, "#id_dek") in email.body


def test_authors_hear_only_of_what_the_new_term_finds(
    client, moderator, live, work, levels, mailoutbox, django_capture_on_commit_callbacks
):
    new_term(work, levels)  # an older term, already leaking in the dek
    client.force_login(moderator)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            "/admin/explainers/spoilerterm/add/",
            {"phrase": "the cello case", "work": work.pk, "spoiler_level": levels[3].pk},
        )
    assert SpoilerTerm.objects.filter(phrase="the cello case").exists()
    assert mailoutbox == []


def test_a_term_added_from_a_reader_report_emails_the_authors_after_commit(
    live, work, levels, moderator, author, mailoutbox, django_capture_on_commit_callbacks
):
    report = ReaderReport.objects.create(
        article=live, reason="unmarked", details="The dek!", client_fingerprint="0" * 64
    )
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        term, found = moderation.add_spoiler_term(
            [report],
            phrase="Charlotte drugged Lizzie",
            variants="",
            level=levels[2],
            note="Spoils the bus.",
            actor=moderator,
        )
    assert list(found) == [live] and "Leak in the dek" in found[live][0]
    assert mailoutbox == []  # nothing is sent before the change is committed
    for callback in callbacks:
        callback()
    assert [email.to for email in mailoutbox] == [[author.email]]
    assert "the new spoiler term “Charlotte drugged Lizzie”" in mailoutbox[0].body


def test_a_term_added_in_a_change_rolled_back_emails_nobody(
    live, work, levels, moderator, mailoutbox, django_capture_on_commit_callbacks
):
    report = ReaderReport.objects.create(
        article=live, reason="unmarked", details="", client_fingerprint="0" * 64
    )
    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        moderation.add_spoiler_term(
            [report],
            phrase="Charlotte drugged Lizzie",
            variants="",
            level=levels[2],
            note="n",
            actor=moderator,
        )
        raise RuntimeError("the moderator's request failed after the term")
    assert mailoutbox == []
    assert not SpoilerTerm.objects.filter(phrase="Charlotte drugged Lizzie").exists()


def test_authors_without_an_address_are_skipped(
    live, work, levels, moderator, author, mailoutbox, django_capture_on_commit_callbacks
):
    author.email = ""
    author.save()
    report = ReaderReport.objects.create(
        article=live, reason="unmarked", details="", client_fingerprint="0" * 64
    )
    with django_capture_on_commit_callbacks(execute=True):
        moderation.add_spoiler_term(
            [report],
            phrase="Charlotte drugged Lizzie",
            variants="",
            level=levels[2],
            note="n",
            actor=moderator,
        )
    assert mailoutbox == []


# --- fixing from the list --------------------------------------------------------------


def test_a_senior_editor_retracts_a_leaking_article_from_the_list(
    client, senior_editor, live, work, levels
):
    new_term(work, levels)
    client.force_login(senior_editor)
    page = client.get(LIVE_LEAKS)
    assert page.status_code == 200
    html = page.content.decode()
    assert f'action="{QUEUE}live-leaks/{live.pk}/retract/"' in html
    assert "csrfmiddlewaretoken" in html
    assert f'class="button" href="{change_url(live)}">Edit</a>' in html

    response = client.post(f"{QUEUE}live-leaks/{live.pk}/retract/", {"back": "list"})
    assert response.status_code == 302 and response["Location"] == LIVE_LEAKS
    live.refresh_from_db()
    assert live.status == Article.Status.RETRACTED
    assert AuditEntry.objects.filter(action__endswith="retracted").exists()
    after = client.get(LIVE_LEAKS)
    assert "Retracted “The Perfection, explained”" in page_text(after)
    assert f'data-live-leak="{live.pk}"' not in after.content.decode()


@pytest.mark.parametrize("who", ["editor", "moderator"])
def test_retracting_from_the_list_needs_a_publisher(request, client, who, live, work, levels):
    new_term(work, levels)
    client.force_login(request.getfixturevalue(who))
    response = client.post(f"{QUEUE}live-leaks/{live.pk}/retract/", {"back": "list"})
    assert response.status_code == 403
    live.refresh_from_db()
    assert live.status == Article.Status.PUBLISHED


def test_editors_see_the_list_they_are_emailed_about_without_a_retract_button(
    client, editor, live, work, levels
):
    new_term(work, levels)
    client.force_login(editor)
    page = client.get(LIVE_LEAKS)
    assert page.status_code == 200
    text = page.content.decode()
    assert live.title in text
    assert "/retract/" not in text
    assert client.post(f"{QUEUE}live-leaks/{live.pk}/retract/").status_code == 403


def test_the_retract_button_posts_with_a_csrf_token(senior_editor, live, work, levels):
    from django.test import Client

    new_term(work, levels)
    checked = Client(enforce_csrf_checks=True)
    checked.force_login(senior_editor)
    refused = checked.post(f"{QUEUE}live-leaks/{live.pk}/retract/", {"back": "list"})
    assert refused.status_code == 403
    live.refresh_from_db()
    assert live.status == Article.Status.PUBLISHED


def test_a_word_family_added_in_the_admin_emails_the_authors_of_what_it_now_finds(
    client,
    moderator,
    make_article,
    author,
    work,
    levels,
    mailoutbox,
    django_capture_on_commit_callbacks,
):
    from explainers import leaks

    article = make_article(dek="On the bus, Charlotte roofies Lizzie.", title="The bus, explained")
    article.authors.add(author)
    new_term(work, levels)
    assert not leaks.check_saved_article(article).leaks
    client.force_login(moderator)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/admin/explainers/wordfamily/add/",
            {"name": "Slipping a drug", "category": "other", "words": "drug, roofie", "notes": ""},
            follow=True,
        )
    assert "“The bus, explained” now has a leak" in page_text(response)
    assert [email.to for email in mailoutbox] == [["ana@example.com"]]
    assert "the word family “Slipping a drug”" in mailoutbox[0].body
    assert "roofies" in mailoutbox[0].body
