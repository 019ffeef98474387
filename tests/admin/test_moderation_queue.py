"""Moderators work reader reports in the admin: the queue and its filters, each resolving
action (its effect on the article and the public page, its audit entry), who may act,
and the dashboard."""

import re
from datetime import timedelta

import pytest
from django.contrib.auth.models import Group, Permission
from django.test import Client
from django.utils import timezone

from explainers import roles
from explainers.models import (
    Article,
    AuditEntry,
    ContentWarning,
    ReaderReport,
    SpoilerTerm,
    Work,
)
from tests.support.admin_forms import page_text

QUEUE = "/admin/explainers/readerreport/"
DASHBOARD = f"{QUEUE}dashboard/"
SECTIONS = [
    (0, "What kind of film this is", "", "A thriller about a cello prodigy."),
    (1, "Charlotte meets Lizzie", "Who is who", "Rivals, then lovers."),
    (2, "Charlotte drugged Lizzie", "What really happened on the trip", "She drugged her."),
]


@pytest.fixture
def article(make_article):
    return make_article(sections=SECTIONS)


@pytest.fixture
def file_report(article):
    def file(section_rank=None, *, on=None, days_ago=0, reason="unmarked", details="Spoiled!"):
        target = on or article
        section = None
        if section_rank is not None:
            section = target.sections.get(spoiler_level__rank=section_rank)
        return ReaderReport.objects.create(
            article=target,
            section=section,
            reason=reason,
            details=details,
            client_fingerprint="0" * 64,
            created_at=timezone.now() - timedelta(days=days_ago),
        )

    return file


@pytest.fixture
def mod_client(client, moderator):
    client.force_login(moderator)
    return client


def resolve(client, kind, reports, **data):
    """Pick the reports in the queue, choose the action, then fill in its page."""
    ids = [str(report.pk) for report in reports]
    chosen = client.post(QUEUE, {"action": f"resolve_{kind}", "_selected_action": ids})
    assert chosen.status_code == 302, chosen.content.decode()[:500]
    page = client.get(chosen["Location"])
    assert page.status_code == 200
    return client.post(chosen["Location"], {"ids": ",".join(ids), **data})


def public_html(client, article):
    response = Client().get(article.get_absolute_url())  # a reader, with no session
    assert response.status_code == 200
    return response.content.decode()


def changelist_ids(response):
    return sorted(
        int(pk)
        for pk in re.findall(r'name="_selected_action" value="(\d+)"', response.content.decode())
    )


# --- the queue -----------------------------------------------------------------------


def test_the_queue_lists_reports_oldest_first_with_where_and_why(mod_client, file_report):
    newer = file_report(2, days_ago=1, details="The trip section spoils it")
    older = file_report(None, days_ago=3, reason="warning")
    html = mod_client.get(QUEUE).content.decode()
    assert html.index(f"#{older.pk}") < html.index(f"#{newer.pk}")
    assert "What really happened on the trip" in html and "(Twist)" in html
    assert "The whole article" in html and "A content warning is missing" in html
    assert "Charlotte drugged Lizzie" not in html.split('id="result_list"', 1)[1]


def test_the_queue_filters_by_status_work_article_and_age(
    mod_client, file_report, make_article, levels
):
    other_work = Work.objects.create(kind=Work.Kind.FILM, title="Get Out", slug="get-out")
    other = make_article(sections=SECTIONS)
    other.work = other_work
    other.save()
    fresh = file_report(2, days_ago=0)
    week_old = file_report(1, days_ago=3)
    month_old = file_report(None, days_ago=20, on=other)
    ancient = file_report(None, days_ago=60)
    ancient.close(status="dismissed", resolution="dismissed", note="Old", user=None)

    def ids(query):
        return changelist_ids(mod_client.get(f"{QUEUE}?{query}"))

    assert ids("status__exact=open") == sorted([fresh.pk, week_old.pk, month_old.pk])
    assert ids("status__exact=dismissed") == [ancient.pk]
    assert ids(f"article__work__id__exact={other_work.pk}") == [month_old.pk]
    assert ids(f"article__id__exact={other.pk}") == [month_old.pk]
    assert ids("age=day") == [fresh.pk]
    assert ids("age=week") == [week_old.pk]
    assert ids("age=month") == [month_old.pk]
    assert ids("age=older") == [ancient.pk]


def test_a_report_page_is_read_only_and_offers_the_ways_to_resolve_it(mod_client, file_report):
    report = file_report(2)
    html = mod_client.get(f"{QUEUE}{report.pk}/change/").content.decode()
    assert 'name="details"' not in html  # nothing to edit: reports are what readers sent
    for kind in ["level", "heading", "warning", "term", "dismiss"]:
        assert f"resolve/{kind}/?ids={report.pk}" in html


# --- resolving -----------------------------------------------------------------------


def test_raising_the_level_folds_the_section_for_readers_and_is_audited(
    mod_client,
    article,
    file_report,
    levels,
    moderator,
):
    first, second = file_report(1), file_report(1, details="Same here")
    section = first.section
    version = article.version
    response = resolve(
        mod_client,
        "level",
        [first, second],
        section=section.pk,
        level=levels[3].pk,
        note="The romance is a twist, not setup.",
    )
    assert response.status_code == 302
    section.refresh_from_db()
    assert section.spoiler_level == levels[3]
    article.refresh_from_db()
    assert article.version > version  # an editor's stale form is refused, not obeyed
    for report in (first, second):
        report.refresh_from_db()
        assert (report.status, report.resolution) == ("resolved", "level_raised")
        assert report.resolved_by == moderator and report.resolution_note.startswith("The romance")
    entry = AuditEntry.objects.get(action="explainers.report.level_raised")
    assert entry.actor == moderator and entry.article == article
    assert entry.comment == "The romance is a twist, not setup."
    assert entry.data == {
        "reports": [first.pk, second.pk],
        "section": section.pk,
        "before": "Setup",
        "after": "Ending",
    }
    html = public_html(mod_client, article)
    block = html.split(f'id="section-{section.pk}"', 1)[1].split("</section>", 1)[0]
    assert 'data-level="3"' in block and "<details" in block


def test_raising_a_spoiler_free_section_asks_for_a_safe_heading(
    mod_client, article, file_report, levels
):
    report = file_report(0)
    section = report.section
    refused = resolve(
        mod_client, "level", [report], section=section.pk, level=levels[2].pk, note="n"
    )
    assert refused.status_code == 200
    assert "needs a safe heading" in refused.content.decode()
    section.refresh_from_db()
    report.refresh_from_db()
    assert section.spoiler_level == levels[0] and report.is_open
    assert not AuditEntry.objects.exists()
    done = resolve(
        mod_client,
        "level",
        [report],
        section=section.pk,
        level=levels[2].pk,
        safe_heading="What the film is about",
        note="Gives the premise away",
    )
    assert done.status_code == 302
    html = public_html(mod_client, article)
    assert "What the film is about" in html.split("<details", 1)[1].split("</summary>", 1)[0]


def test_a_level_can_only_go_up(mod_client, file_report, levels):
    report = file_report(2)
    response = resolve(
        mod_client, "level", [report], section=report.section.pk, level=levels[1].pk, note="n"
    )
    assert response.status_code == 200
    assert "pick a higher level" in response.content.decode()
    report.refresh_from_db()
    assert report.is_open


def test_rewriting_a_safe_heading_shows_the_new_one_to_readers(mod_client, article, file_report):
    report = file_report(2, reason="heading")
    response = resolve(
        mod_client,
        "heading",
        [report],
        section=report.section.pk,
        safe_heading="A turn on the road",
        note="The old heading hinted at drugs.",
    )
    assert response.status_code == 302
    html = public_html(mod_client, article)
    assert "A turn on the road" in html and "What really happened on the trip" not in html
    entry = AuditEntry.objects.get(action="explainers.report.heading_rewritten")
    assert entry.data["before"] == "What really happened on the trip"
    assert entry.data["after"] == "A turn on the road"


def test_a_new_safe_heading_holding_a_spoiler_term_is_refused(
    mod_client, article, file_report, levels
):
    SpoilerTerm.objects.create(phrase="drugged", work=article.work, spoiler_level=levels[2])
    report = file_report(2, reason="heading")
    response = resolve(
        mod_client,
        "heading",
        [report],
        section=report.section.pk,
        safe_heading="Who was drugged",
        note="n",
    )
    assert response.status_code == 200
    assert (
        "drugged" in response.content.decode()
        and "shown to every reader" in response.content.decode()
    )
    report.section.refresh_from_db()
    assert report.section.safe_heading == "What really happened on the trip"


def test_raising_a_level_refuses_a_safe_heading_holding_a_spoiler_term_as_a_rewrite_does(
    mod_client, article, file_report, levels
):
    SpoilerTerm.objects.create(phrase="drugged", work=article.work, spoiler_level=levels[2])
    report = file_report(1)
    section = report.section
    refusals = []
    for kind, extra in (("level", {"level": levels[3].pk}), ("heading", {})):
        response = resolve(
            mod_client,
            kind,
            [report],
            section=section.pk,
            safe_heading="Who was drugged",
            note="n",
            **extra,
        )
        assert response.status_code == 200, kind
        found = re.search(r"[^>]*“drugged”[^<]*shown to every reader\.", page_text(response))
        assert found, kind
        refusals.append(found.group(0))
        section.refresh_from_db()
        report.refresh_from_db()
        assert (section.spoiler_level, section.safe_heading) == (levels[1], "Who is who")
        assert report.is_open
    assert refusals[0] == refusals[1]  # one check, one message
    assert not AuditEntry.objects.exists()


def test_raising_a_level_checks_the_stored_safe_heading_it_starts_to_show(
    mod_client, article, file_report, levels
):
    SpoilerTerm.objects.create(phrase="drugged", work=article.work, spoiler_level=levels[2])
    report = file_report(0)
    section = report.section
    section.safe_heading = "Who was drugged"  # unused while the section is Spoiler-free
    section.save()
    response = resolve(
        mod_client, "level", [report], section=section.pk, level=levels[2].pk, note="n"
    )
    assert response.status_code == 200
    assert "shown to every reader" in page_text(response)
    section.refresh_from_db()
    assert section.spoiler_level == levels[0]


def test_a_spoiler_free_sections_safe_heading_is_not_offered_as_a_fix(mod_client, file_report):
    report = file_report(0, reason="heading")
    response = resolve(
        mod_client, "heading", [report], section=report.section.pk, safe_heading="X", note="n"
    )
    assert response.status_code == 200
    assert "Raise its level instead" in response.content.decode()


def test_adding_a_content_warning_puts_it_before_the_article(mod_client, article, file_report):
    warning = ContentWarning.objects.create(name="Body horror", slug="body-horror")
    report = file_report(None, reason="warning")  # the whole article: the moderator picks
    section = article.sections.get(spoiler_level__rank=2)
    response = resolve(
        mod_client,
        "warning",
        [report],
        section=section.pk,
        warning=warning.pk,
        note="Insects under the skin.",
    )
    assert response.status_code == 302
    assert list(section.content_warnings.all()) == [warning]
    html = public_html(mod_client, article)
    assert "Body horror" in html.split('class="warnings"', 1)[1].split("</section>", 1)[0]
    entry = AuditEntry.objects.get(action="explainers.report.warning_added")
    assert entry.data["warning"] == "Body horror" and entry.data["section"] == section.pk
    again = resolve(
        mod_client, "warning", [file_report(2)], section=section.pk, warning=warning.pk, note="n"
    )
    assert "already carries" in again.content.decode()


def test_adding_a_spoiler_term_teaches_the_leak_check_and_names_the_new_leak(
    mod_client, article, file_report, levels
):
    report = file_report(1, reason="unmarked")
    response = resolve(
        mod_client,
        "term",
        [report],
        phrase="Lizzie",
        variants="",
        level=levels[2].pk,
        note="Her name is the twist.",
    )
    assert response.status_code == 302
    term = SpoilerTerm.objects.get(phrase="Lizzie")
    assert term.work == article.work and term.spoiler_level == levels[2]
    queue = mod_client.get(response["Location"]).content.decode()
    assert f"“{article.title}” now has a leak" in queue
    entry = AuditEntry.objects.get(action="explainers.report.term_added")
    assert entry.data["phrase"] == "Lizzie" and entry.data["level"] == "Twist"


def test_a_spoiler_term_needs_words_and_is_not_added_twice(
    mod_client, article, file_report, levels
):
    report = file_report(1)
    blank = resolve(mod_client, "term", [report], phrase="!!!", level=levels[2].pk, note="n")
    assert "needs at least one word" in blank.content.decode()
    SpoilerTerm.objects.create(phrase="the bus", work=article.work, spoiler_level=levels[2])
    twice = resolve(mod_client, "term", [report], phrase="The Bus", level=levels[2].pk, note="n")
    assert "already a spoiler term" in twice.content.decode()
    assert SpoilerTerm.objects.count() == 1


def test_dismissing_closes_reports_across_articles_without_touching_them(
    mod_client,
    article,
    file_report,
    make_article,
    moderator,
):
    other = make_article(sections=SECTIONS)
    reports = [file_report(2), file_report(None, on=other)]
    before = article.version
    response = resolve(mod_client, "dismiss", reports, note="Spam.")
    assert response.status_code == 302
    for report in reports:
        report.refresh_from_db()
        assert report.status == "dismissed" and report.resolved_by == moderator
    article.refresh_from_db()
    assert article.version == before
    entry = AuditEntry.objects.get(action="explainers.report.dismissed")
    assert entry.comment == "Spam." and entry.data["reports"] == sorted(r.pk for r in reports)


def test_every_resolution_needs_a_note(mod_client, file_report):
    report = file_report(2)
    response = resolve(mod_client, "dismiss", [report], note="  ")
    assert response.status_code == 200 and "This field is required" in response.content.decode()
    report.refresh_from_db()
    assert report.is_open


def test_a_closed_report_cannot_be_resolved_again(mod_client, file_report):
    report = file_report(2)
    assert resolve(mod_client, "dismiss", [report], note="Not a spoiler").status_code == 302
    url = f"{QUEUE}resolve/level/?ids={report.pk}"
    response = mod_client.get(url, follow=True)
    assert "is already closed" in response.content.decode()
    assert AuditEntry.objects.count() == 1


def test_section_fixes_are_one_articles_reports_at_a_time(
    mod_client, file_report, make_article, levels
):
    other = make_article(sections=SECTIONS)
    reports = [file_report(1), file_report(1, on=other)]
    response = mod_client.get(
        f"{QUEUE}resolve/level/?ids={reports[0].pk},{reports[1].pk}", follow=True
    )
    assert "different articles" in response.content.decode()


def test_a_section_of_another_article_is_refused(mod_client, file_report, make_article, levels):
    other = make_article(sections=SECTIONS)
    report = file_report(1)
    foreign = other.sections.get(spoiler_level__rank=1)
    response = resolve(
        mod_client, "level", [report], section=foreign.pk, level=levels[3].pk, note="n"
    )
    assert response.status_code == 200
    foreign.refresh_from_db()
    assert foreign.spoiler_level == levels[1]


def test_an_unknown_resolution_or_no_reports_go_back_to_the_queue_with_a_message(mod_client, db):
    unknown = mod_client.get(f"{QUEUE}resolve/burn/?ids=1", follow=True)
    assert "no such way to resolve" in unknown.content.decode()
    nothing = mod_client.get(f"{QUEUE}resolve/dismiss/?ids=", follow=True)
    assert "Pick one or more reports" in nothing.content.decode()


# --- who may act ---------------------------------------------------------------------


@pytest.mark.parametrize("who", ["editor", "senior_editor"])
def test_editors_are_refused_the_queue_every_action_and_the_dashboard(
    request, client, who, file_report, levels
):
    report = file_report(2)
    client.force_login(request.getfixturevalue(who))
    assert client.get(QUEUE).status_code == 403
    assert client.get(DASHBOARD).status_code == 403
    for kind, data in [
        ("level", {"section": report.section.pk, "level": levels[3].pk}),
        ("heading", {"section": report.section.pk, "safe_heading": "Safe"}),
        ("dismiss", {}),
    ]:
        url = f"{QUEUE}resolve/{kind}/?ids={report.pk}"
        assert client.get(url).status_code == 403
        assert client.post(url, {"ids": str(report.pk), "note": "n", **data}).status_code == 403
    refused = client.post(QUEUE, {"action": "resolve_dismiss", "_selected_action": [report.pk]})
    assert refused.status_code == 403
    report.refresh_from_db()
    assert report.is_open and not AuditEntry.objects.exists()


def test_anonymous_visitors_are_sent_to_log_in(client, file_report):
    report = file_report(2)
    for url in [QUEUE, DASHBOARD, f"{QUEUE}resolve/dismiss/?ids={report.pk}"]:
        response = client.get(url)
        assert response.status_code == 302 and "/admin/login/" in response["Location"]
    response = client.post(f"{QUEUE}resolve/dismiss/", {"ids": str(report.pk), "note": "n"})
    assert response.status_code == 302
    report.refresh_from_db()
    assert report.is_open


def test_staff_who_may_only_view_reports_cannot_resolve_them(
    client, django_user_model, file_report
):
    viewer = django_user_model.objects.create_user("viewer", password="pw", is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_readerreport"))
    report = file_report(2)
    client.force_login(viewer)
    queue = client.get(QUEUE)
    assert queue.status_code == 200
    assert "resolve_dismiss" not in queue.content.decode()
    assert client.get(f"{QUEUE}{report.pk}/change/").status_code == 200
    assert "resolve/dismiss/" not in client.get(f"{QUEUE}{report.pk}/change/").content.decode()
    assert (
        client.post(f"{QUEUE}resolve/dismiss/", {"ids": str(report.pk), "note": "n"}).status_code
        == 403
    )


def test_a_superuser_may_resolve(client, django_user_model, file_report):
    boss = django_user_model.objects.create_superuser("boss", password="pw")
    client.force_login(boss)
    report = file_report(2)
    assert resolve(client, "dismiss", [report], note="Fine.").status_code == 302


def test_the_moderator_role_carries_the_report_permissions_from_the_migrations(db):
    for name, role in roles.ROLES.items():
        granted = set(Group.objects.get(name=name).permissions.values_list("codename", flat=True))
        assert granted == set(role["permissions"]), name
    moderators = Group.objects.get(name=roles.MODERATOR).permissions
    assert moderators.filter(codename="resolve_readerreport").exists()
    assert (
        not Group.objects.get(name=roles.EDITOR)
        .permissions.filter(codename__endswith="readerreport")
        .exists()
    )


# --- the dashboard -------------------------------------------------------------------


def test_the_admin_index_links_moderators_to_the_queue_and_the_dashboard(
    client,
    moderator,
    editor,
    file_report,
):
    file_report(2)
    client.force_login(moderator)
    html = client.get("/admin/").content.decode()
    assert DASHBOARD in html and "1 open" in html
    client.force_login(editor)
    assert DASHBOARD not in client.get("/admin/").content.decode()


def test_the_dashboard_counts_open_reports_their_age_and_reports_per_article_and_week(
    mod_client, article, file_report, make_article
):
    other = make_article(sections=SECTIONS, title="Another explainer")
    file_report(2, days_ago=0)
    file_report(1, days_ago=15)
    file_report(None, on=other, days_ago=3)
    closed = file_report(None, on=other, days_ago=100)
    closed.close(status="dismissed", resolution="dismissed", note="n", user=None)
    response = mod_client.get(DASHBOARD)
    html = response.content.decode()
    assert re.search(r'data-figure="open">3<', html)
    assert re.search(r'data-figure="oldest">2\xa0weeks, 1\xa0day<', html)
    rows = re.findall(
        r"<tr><td><a [^>]+>([^<]+)</a></td><td>[^<]*</td><td>(\d+)</td><td>(\d+)</td>", html
    )
    assert rows == [(article.title, "2", "2"), ("Another explainer", "1", "2")]
    weeks = response.context["weeks"]
    assert len(weeks) == 12 and sum(week["count"] for week in weeks) == 3  # the 100-day one is out
    today = timezone.localdate()
    this_week = weeks[-1]["monday"]
    assert this_week == today - timedelta(days=today.weekday())
    assert weeks[-1]["count"] == 1 + (today.weekday() >= 3)
    # The chart: twelve bars, and a text alternative for those who cannot see it.
    svg = html.split('<svg class="report-chart"', 1)[1].split("</svg>", 1)[0]
    assert svg.count("<rect") == 12 and 'role="img"' in svg
    assert "3 reports in the last 12 weeks" in svg
    table = html.split("The same figures as a table", 1)[1].split("</table>", 1)[0]
    assert table.count("<tr>") == 13


def test_the_dashboard_with_no_reports_says_so(mod_client, db):
    html = mod_client.get(DASHBOARD).content.decode()
    assert "No reader has reported anything yet" in html
    assert "No reports in the last 12 weeks" in html


def test_a_retracted_articles_reports_stay_in_the_queue_and_can_be_closed(
    mod_client, article, file_report
):
    report = file_report(2)
    Article.objects.filter(pk=article.pk).update(status=Article.Status.RETRACTED)
    assert changelist_ids(mod_client.get(f"{QUEUE}?status__exact=open")) == [report.pk]
    assert resolve(mod_client, "dismiss", [report], note="Retracted.").status_code == 302


def test_after_raising_a_level_the_moderator_hears_of_leaks_still_standing(
    mod_client, article, file_report, levels
):
    SpoilerTerm.objects.create(phrase="rivals", work=article.work, spoiler_level=levels[2])
    report = file_report(0)
    response = resolve(
        mod_client,
        "level",
        [report],
        section=report.section.pk,
        level=levels[1].pk,
        safe_heading="How it begins",
        note="Premise beyond the trailer.",
    )
    queue = mod_client.get(response["Location"]).content.decode()
    assert "Raised “How it begins” to Setup." in queue
    assert f"“{article.title}” still has a leak" in queue and "rivals" in queue


def test_a_fix_from_a_report_is_kept_in_the_articles_history(
    mod_client, article, file_report, levels, moderator
):
    from explainers.revisions import versions_of

    before = len(list(versions_of(article)))
    report = file_report(1)
    resolve(
        mod_client,
        "level",
        [report],
        section=report.section.pk,
        level=levels[2].pk,
        note="A turn, not setup.",
    )
    versions = list(versions_of(article))
    assert len(versions) == before + 1
    newest = versions[0].revision
    assert newest.user == moderator
    assert newest.comment == "Reader report: raised to Twist. A turn, not setup."


def test_filing_a_report_keeps_cached_pages_and_a_fix_renews_them(
    client,
    settings,
    article,
    file_report,
    levels,
    moderator,
    django_capture_on_commit_callbacks,
    still_clock,
):
    from django.core.cache import cache

    settings.PAGE_CACHE_SECONDS = 300
    cache.clear()
    reader = Client()
    url = article.get_absolute_url()
    assert reader.get(url)["X-Page-Cache"] == "miss"
    with django_capture_on_commit_callbacks(execute=True):
        reader.post(f"{url}report/", {"reason": "unmarked", "website": ""})
        report = file_report(1)
    assert reader.get(url)["X-Page-Cache"] == "hit"
    client.force_login(moderator)
    with django_capture_on_commit_callbacks(execute=True):
        resolve(
            client,
            "level",
            [report],
            section=report.section.pk,
            level=levels[3].pk,
            note="Raised.",
        )
    fresh = reader.get(url)
    assert fresh["X-Page-Cache"] == "miss"
    block = fresh.content.decode().split(f'id="section-{report.section.pk}"', 1)[1]
    assert block.split(">", 1)[0].count('data-level="3"') == 1
    cache.clear()
