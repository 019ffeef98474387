"""Readers report an unmarked spoiler: the form (its own page, so the article page stays
cacheable), CSRF, the honeypot, the length and rate limits, and what is never shown."""

import html
import re

import pytest
from django.core.cache import cache
from django.test import Client

from explainers.models import Article, ReaderReport, Section

SECTIONS = [
    (0, "What kind of film this is", "", "A thriller about a cello prodigy."),
    (2, "Charlotte drugged Lizzie", "What really happened on the trip", "She drugged her."),
    (3, "The two women share one cello", "What the final scene means", "One cello, two."),
]
HOSTILE = '<script>alert("x")</script><img src=x onerror=alert(1)> & "quotes"'


@pytest.fixture(autouse=True)
def fresh_rate_limit():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def article(make_article):
    return make_article(sections=SECTIONS)


def report_url(article, section=None):
    url = f"/articles/{article.slug}/report/"
    return f"{url}?section={section.pk}" if section else url


def twist(article):
    return article.sections.get(spoiler_level__rank=2)


def send(client, article, section=None, **fields):
    ip = fields.pop("ip", "203.0.113.7")
    data = {"reason": "unmarked", "details": "", "website": ""}
    if section is not None:
        data["section"] = str(section.pk)
    data.update(fields)
    return client.post(report_url(article), data, REMOTE_ADDR=ip)


def test_every_section_and_the_article_link_to_the_report_form(client, article):
    html = client.get(article.get_absolute_url()).content.decode()
    for section in article.sections.all():
        assert f'href="{report_url(article, section)}"' in html
    assert f'href="{report_url(article)}"' in html
    assert "Report an unmarked spoiler" in html


def test_article_page_carries_no_csrf_token_and_stays_one_page_for_everyone(client, article):
    response = client.get(article.get_absolute_url())
    html = response.content.decode()
    assert "csrfmiddlewaretoken" not in html
    assert "<form" not in html.split('class="explainer__body"', 1)[1]
    assert "Cookie" not in response.get("Vary", "") and "Set-Cookie" not in response


def test_report_form_names_a_spoiler_section_only_by_its_safe_heading(client, article):
    response = client.get(report_url(article, twist(article)))
    html = response.content.decode()
    assert response.status_code == 200
    assert "What really happened on the trip" in html
    assert "Charlotte drugged Lizzie" not in html
    assert "csrfmiddlewaretoken" in html
    assert "no-cache" in response["Cache-Control"] and "private" in response["Cache-Control"]
    assert response["X-Robots-Tag"] == "noindex, nofollow"


def test_a_report_is_stored_and_the_reader_is_thanked(client, article):
    section = twist(article)
    response = send(client, article, section, reason="heading", details="The heading hints.")
    assert response.status_code == 302
    thanks = client.get(response["Location"])
    assert thanks.status_code == 200
    assert "Thank you for your report" in thanks.content.decode()
    report = ReaderReport.objects.get()
    assert (report.article, report.section, report.reason) == (article, section, "heading")
    assert report.details == "The heading hints." and report.status == "open"


def test_the_client_is_kept_as_a_keyed_hash_never_the_address(client, article):
    send(client, article, ip="198.51.100.23")
    send(client, article, ip="198.51.100.24")
    first, second = ReaderReport.objects.order_by("pk")
    assert re.fullmatch(r"[0-9a-f]{64}", first.client_fingerprint)
    assert first.client_fingerprint != second.client_fingerprint
    for report in (first, second):
        stored = " ".join(str(value) for value in vars(report).values())
        assert "198.51.100" not in stored


def test_a_report_without_the_csrf_token_is_refused_and_with_it_accepted(article):
    browser = Client(enforce_csrf_checks=True)
    refused = browser.post(report_url(article), {"reason": "unmarked", "details": "x"})
    assert refused.status_code == 403
    assert not ReaderReport.objects.exists()
    form_page = browser.get(report_url(article)).content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form_page).group(1)
    accepted = browser.post(
        report_url(article),
        {"reason": "unmarked", "details": "x", "website": "", "csrfmiddlewaretoken": token},
    )
    assert accepted.status_code == 302
    assert ReaderReport.objects.count() == 1


def test_a_bot_filling_the_honeypot_is_thanked_and_nothing_is_kept(client, article):
    response = send(client, article, details="Buy things", website="http://spam.example")
    assert response.status_code == 302
    assert client.get(response["Location"]).status_code == 200
    assert not ReaderReport.objects.exists()


def test_the_honeypot_is_hidden_from_people_and_assistive_technology(client, article):
    html = client.get(report_url(article)).content.decode()
    trap = html.split('class="report__trap"', 1)[1].split("</div>", 1)[0]
    assert 'aria-hidden="true"' in html.split('class="report__trap"', 1)[1][:40]
    assert 'tabindex="-1"' in trap and 'autocomplete="off"' in trap


def test_a_note_over_the_limit_is_refused_with_its_length_and_kept_in_the_form(
    client, article, settings
):
    settings.READER_REPORT_MAX_CHARS = 50
    long_note = "a" * 40 + HOSTILE
    response = send(client, article, details=long_note)
    html = response.content.decode()
    assert response.status_code == 400
    assert f"Your note is {len(long_note)} characters long; at most 50 fit" in html
    assert not ReaderReport.objects.exists()
    # Kept for the reader to shorten, and escaped: never live markup.
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in html
    assert "<script>alert" not in html
    assert 'maxlength="50"' in html


def test_the_rate_limit_answers_429_with_a_friendly_page(client, article, settings):
    settings.READER_REPORTS_PER_CLIENT = 2
    settings.READER_REPORT_WINDOW_SECONDS = 600
    assert send(client, article).status_code == 302
    assert send(client, article).status_code == 302
    limited = send(client, article)
    assert limited.status_code == 429
    assert "try again in about" in limited.content.decode()
    assert 0 < int(limited["Retry-After"]) <= 600
    assert ReaderReport.objects.count() == 2
    # Another reader is not held back by the first.
    assert send(client, article, ip="192.0.2.99").status_code == 302


def test_behind_proxies_the_limit_counts_the_address_the_outermost_proxy_saw(
    client, article, settings
):
    settings.READER_REPORTS_PER_CLIENT = 1
    settings.PROXY_COUNT = 2

    def post(forwarded):
        return client.post(
            report_url(article),
            {"reason": "other", "website": ""},
            REMOTE_ADDR="10.0.0.2",
            HTTP_X_FORWARDED_FOR=forwarded,
        )

    # The client, then the first proxy, as the second proxy (REMOTE_ADDR) forwards it.
    assert post("203.0.113.5, 10.0.0.1").status_code == 302
    # A made-up entry in front does not make the same client someone else.
    assert post("9.9.9.9, 203.0.113.5, 10.0.0.1").status_code == 429
    assert post("203.0.113.6, 10.0.0.1").status_code == 302
    # A header too short to hold the client falls back to the connection.
    assert post("10.0.0.1").status_code == 302
    assert post("").status_code == 429


@pytest.mark.parametrize("status", [Article.Status.DRAFT, Article.Status.IN_REVIEW])
def test_reports_are_only_taken_for_published_articles(client, make_article, status):
    draft = make_article(sections=SECTIONS, status=status)
    assert client.get(report_url(draft)).status_code == 404
    assert send(client, draft).status_code == 404
    assert client.get("/articles/no-such-article/report/").status_code == 404
    assert not ReaderReport.objects.exists()


def test_a_forged_section_gets_a_clear_answer_never_a_server_error(client, article, make_article):
    other = make_article(sections=SECTIONS)
    elsewhere = other.sections.first()
    for query, status in [(elsewhere.pk, 404), (999999, 404), ("abc", 400), ("1;drop", 400)]:
        response = client.get(f"{report_url(article)}?section={query}")
        assert response.status_code == status
        assert "That section is not part of this article" in response.content.decode()
    for forged in [str(elsewhere.pk), "999999", "abc"]:
        response = client.post(
            report_url(article), {"reason": "unmarked", "section": forged, "website": ""}
        )
        assert response.status_code == 400
        assert "That section is not part of this article" in response.content.decode()
    assert not ReaderReport.objects.exists()


def test_an_unknown_reason_is_refused_and_nothing_kept(client, article):
    response = send(client, article, reason="free-text-goes-here")
    assert response.status_code == 400
    assert not ReaderReport.objects.exists()


def test_no_reason_is_chosen_until_the_reader_picks_one(client, article):
    page = client.get(report_url(article, twist(article))).content.decode()
    radios = re.findall(r'<input type="radio"[^>]*name="reason"[^>]*>', page)
    assert len(radios) == len(ReaderReport.Reason.choices)
    assert not [radio for radio in radios if "checked" in radio]


def test_a_report_without_a_reason_is_refused_clearly_keeping_what_was_typed(client, article):
    response = client.post(
        report_url(article),
        {
            "section": twist(article).pk,
            "details": "The bus scene, second paragraph.",
            "website": "",
        },
    )
    assert response.status_code == 400
    text = html.unescape(response.content.decode())
    assert "Pick what is wrong" in text
    assert "The bus scene, second paragraph." in text
    assert not ReaderReport.objects.exists()


def test_hostile_text_is_stored_as_typed_and_shown_nowhere_public(client, article):
    send(client, article, twist(article), details=HOSTILE)
    report = ReaderReport.objects.get()
    assert report.details == HOSTILE
    for url in [
        article.get_absolute_url(),
        "/",
        report_url(article),
        f"{report_url(article)}thanks/",
    ]:
        html = client.get(url).content.decode()
        assert "onerror" not in html and "alert(" not in html


def test_hostile_text_is_escaped_in_the_admin(client, article, moderator):
    send(client, article, twist(article), details=HOSTILE)
    report = ReaderReport.objects.get()
    client.force_login(moderator)
    for url in [
        "/admin/explainers/readerreport/",
        f"/admin/explainers/readerreport/{report.pk}/change/",
        f"/admin/explainers/readerreport/resolve/dismiss/?ids={report.pk}",
    ]:
        html = client.get(url).content.decode()
        assert "&lt;script&gt;" in html, url
        assert "<script>alert" not in html and "<img src=x" not in html, url


def test_a_deleted_section_leaves_its_report_on_the_article(client, article):
    section = twist(article)
    send(client, article, section)
    Section.objects.filter(pk=section.pk).delete()
    report = ReaderReport.objects.get()
    assert report.article == article and report.section is None


def test_report_pages_query_counts_are_pinned(client, article, django_assert_num_queries):
    url = report_url(article, twist(article))
    with django_assert_num_queries(2):  # the article, the section
        assert client.get(url).status_code == 200
    with django_assert_num_queries(1):
        assert client.get(f"{report_url(article)}thanks/").status_code == 200
    with django_assert_num_queries(2):  # the article and its section, checked; then stored
        send(client, article)
    assert ReaderReport.objects.count() == 1
