"""What readers see: home, article and work pages, and what they must never see."""

import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.contrib.auth.models import Permission
from django.utils import timezone

from explainers.models import Article, Citation, ContentWarning, Section
from tests.support.routes import ARTICLE_PAGE_QUERIES

# A folded inline spoiler, or a note folded at its level (its level named on the bar).
SPOILER_SPAN = (
    r'<span class="spoiler(?: spoiler--held)?"[^>]*>'
    r'(?:<span class="spoiler__level">[^<]*</span>)?<span class="spoiler__text">'
)
TWIST_BODY = "Charlotte drugged Lizzie with her mother's medication on the bus [@film]."
ENDING_BODY = "The two women play one cello together in the final image [@interview]."

SPOILER_SECTIONS = [
    (0, "What kind of film this is", "", "A thriller about a cello prodigy [@interview]."),
    (2, "Charlotte drugged Lizzie", "What really happened on the trip", TWIST_BODY),
    (3, "The two women share one cello", "What the final scene means", ENDING_BODY),
]


@pytest.fixture
def article(make_article):
    return make_article(sections=SPOILER_SECTIONS, citations=["interview", "film"])


def head_of(response):
    html = response.content.decode()
    return html.split("</head>", 1)[0]


def summaries_of(response):
    html = response.content.decode()
    return re.findall(r"<summary.*?</summary>", html, flags=re.S)


def test_published_article_shows_title_dek_byline_and_spoiler_free_sections(client, article):
    response = client.get(article.get_absolute_url())
    assert response.status_code == 200
    html = response.content.decode()
    assert article.title in html
    assert article.dek in html
    assert "A thriller about a cello prodigy" in html
    assert "What kind of film this is" in html


def test_spoiler_text_is_absent_from_head(client, article):
    head = head_of(client.get(article.get_absolute_url()))
    for spoiler in ("drugged", "Charlotte drugged Lizzie", "final image", "share one cello"):
        assert spoiler not in head
    assert f'<meta name="description" content="{article.dek}">' in head
    assert f'<meta property="og:title" content="{article.title}">' in head


def test_collapsed_spoiler_sections_show_only_the_safe_heading_and_warning(client, article):
    summaries = summaries_of(client.get(article.get_absolute_url()))
    assert len(summaries) == 2
    twist, ending = summaries
    assert "What really happened on the trip" in twist
    assert "Reveals a twist from the middle of the story." in twist
    assert "Charlotte drugged Lizzie" not in twist
    assert "What the final scene means" in ending
    assert "share one cello" not in ending


def test_spoiler_sections_are_closed_details_marked_nosnippet(client, article):
    html = client.get(article.get_absolute_url()).content.decode()
    blocks = re.findall(r'<section class="section section--spoiler[^>]*>', html)
    assert len(blocks) == 2
    assert all("data-nosnippet" in block for block in blocks)
    assert "<details open" not in html
    # The real heading and body sit inside the closed <details>, after its summary.
    twist_block = html.split("What really happened on the trip", 1)[1].split("</details>", 1)[0]
    assert "Charlotte drugged Lizzie" in twist_block


def test_strongest_warning_stands_right_before_the_strongest_section(client, article):
    html = client.get(article.get_absolute_url()).content.decode()
    warning_at = html.index('class="final-warning"')
    ending_at = html.index("What the final scene means</span>")
    twist_at = html.index("What really happened on the trip</span>")
    assert twist_at < warning_at < ending_at
    assert "Reveals how it ends" in html[warning_at:ending_at]


def test_spoiler_map_lists_sections_by_level_with_safe_headings(client, article):
    html = client.get(article.get_absolute_url()).content.decode()
    spoiler_map = html.split('class="spoiler-map"', 1)[1].split("</nav>", 1)[0]
    assert "What kind of film this is" in spoiler_map
    assert "What really happened on the trip" in spoiler_map
    assert "Twist" in spoiler_map and "Ending" in spoiler_map
    assert "drugged" not in spoiler_map


def test_notes_are_numbered_by_first_use_and_link_back_only_from_spoiler_free_text(
    client, make_article
):
    article = make_article(
        sections=[
            (0, "Intro", "", "Said in an interview [@interview]."),
            (2, "Twist", "Safe", "Shown in the film [@film]."),
        ],
        citations=["film", "interview"],  # listed in another order than they are cited
    )
    html = client.get(article.get_absolute_url()).content.decode()
    notes = html.split('class="notes__list"', 1)[1].split("</ol>", 1)[0]
    assert notes.index('id="note-1"') < notes.index('id="note-2"')
    numbers = dict(Citation.objects.filter(article=article).values_list("key", "number"))
    assert numbers == {"interview": 1, "film": 2}
    # Note 1 links back to its reference; note 2's only reference sits in a folded
    # section, and following a link there would unfold it.
    assert 'href="#cite-ref-1-1"' in notes
    assert 'href="#cite-ref-2-1"' not in notes


def test_citations_of_one_source_share_one_note(client, make_article, source):
    article = make_article(
        sections=[(0, "Intro", "", "First [@a], then [@b], then [@a] again.")],
        citations=["a"],
    )
    Citation.objects.create(article=article, source=source, key="b", locator="p. 12")
    article.render_sections()
    html = client.get(article.get_absolute_url()).content.decode()
    assert html.count('href="#note-1"') == 3
    assert 'id="note-2"' not in html
    notes = html.split('class="notes__list"', 1)[1].split("</ol>", 1)[0]
    assert notes.count("<li") == 1 and "p. 12" in notes


def test_note_quotation_is_hidden_when_any_citing_place_is_a_spoiler(client, make_article):
    article = make_article(
        sections=[
            (0, "Intro", "", "The director spoke about it [@interview]."),
            (3, "Ending", "Safe", "And about the end [@interview]."),
            (0, "More", "", "A hidden aside ||with a note [@aside]||."),
        ],
        citations=["interview", "aside"],
    )
    Citation.objects.filter(article=article, key="interview").update(
        quotation="They finish the duet together"
    )
    Citation.objects.filter(article=article, key="aside").update(locator="Chapter: Duet")
    html = client.get(article.get_absolute_url()).content.decode()
    notes = html.split('class="notes__list"', 1)[1]
    assert re.search(
        SPOILER_SPAN + " — “They finish the duet together",
        notes,
    )
    assert "<q>They finish" not in notes
    assert re.search(SPOILER_SPAN + "Chapter: Duet", notes)


def test_note_details_first_cited_in_a_spoiler_section_are_hidden(client, make_article):
    article = make_article(
        sections=[(2, "Twist", "Safe", "It happens [@film].")], citations=["film"]
    )
    Citation.objects.filter(article=article).update(locator="Chapter: Duet")
    html = client.get(article.get_absolute_url()).content.decode()
    notes = html.split('class="notes__list"', 1)[1]
    assert re.search(SPOILER_SPAN + "Chapter: Duet", notes)


def test_content_warnings_show_names_and_count_the_ones_that_spoil(client, article):
    abuse = ContentWarning.objects.create(name="Sexual abuse", slug="abuse", is_spoiler=True)
    violence = ContentWarning.objects.create(name="Graphic violence", slug="violence")
    twist, ending = article.sections.filter(spoiler_level__rank__gt=0)
    twist.content_warnings.add(abuse)
    ending.content_warnings.add(violence)
    html = client.get(article.get_absolute_url()).content.decode()
    warnings = html.split('class="warnings"', 1)[1].split("</section>", 1)[0]
    assert "Graphic violence" in warnings
    assert "and 1 more that reveals a plot point" in warnings
    visible_part, withheld = warnings.split("<details", 1)
    assert "Sexual abuse" not in visible_part
    assert "Sexual abuse" in withheld.split("</summary>", 1)[1]
    # Content warnings come before any section.
    assert html.index('class="warnings"') < html.index('class="section')


def test_spoiler_section_image_is_not_requested_before_reveal(client, article, make_image):
    still = make_image(rank=3, alt="Two women share one cello")
    section = article.sections.get(spoiler_level__rank=3)
    section.image = still
    section.save()
    html = client.get(article.get_absolute_url()).content.decode()
    urls = [still.file.url, *(r.file.url for r in still.renditions.all())]
    assert len(urls) == 3  # the original, a WebP and a PNG rendition at its own width
    figure = html.split('class="still still--deferred"', 1)[1].split("</figure>", 1)[0]
    for url in urls:
        # No src or srcset the browser would fetch; only data- attributes hold them.
        assert not re.search(rf'(?<![\w-])(?:src|srcset)="[^"]*{re.escape(url)}', html), url
    assert re.search(r'<img class="deferred-media" src="data:image/jpeg;base64,[\w+/=]+"', figure)
    fallback = still.renditions.exclude(format="webp").get()
    assert f'data-src="{fallback.file.url}"' in figure
    assert 'data-srcset="' in figure
    # The alt text arrives with the image: until then the placeholder is decorative.
    assert 'data-alt="Two women share one cello" alt=""' in figure
    assert "Two women share one cello" not in head_of(client.get(article.get_absolute_url()))


def test_hero_image_in_head_only_when_spoiler_free(client, article, make_image):
    article.hero_image = make_image(rank=0, alt="A concert hall")
    article.save()
    head = head_of(client.get(article.get_absolute_url()))
    assert 'property="og:image"' in head
    # The card is the largest hero-shaped fallback rendition (JPEG or PNG), not the
    # original.
    card = article.hero_image.renditions.exclude(format="webp").order_by("-width").first()
    assert card.file.url in head
    assert f'<meta property="og:image:width" content="{card.width}">' in head
    assert f'<meta property="og:image:height" content="{card.height}">' in head


def test_spoiler_hero_saved_behind_the_admins_back_is_shown_nowhere(client, article, make_image):
    # The admin refuses it; a later level change or a script could still put it there.
    hero = make_image(rank=3, alt="Two women share one cello")
    Article.objects.filter(pk=article.pk).update(hero_image=hero)
    for url in (article.get_absolute_url(), "/", article.work.get_absolute_url()):
        html = client.get(url).content.decode()
        assert hero.file.url not in html
        assert hero.renditions.exists()
        for rendition in hero.renditions.all():
            assert rendition.file.url not in html
        assert "Two women share one cello" not in html


def test_spoiler_image_in_a_spoiler_free_section_is_left_out(client, article, make_image):
    still = make_image(rank=3, alt="Two women share one cello")
    intro = article.sections.get(spoiler_level__rank=0)
    intro.image = still
    intro.save()
    html = client.get(article.get_absolute_url()).content.decode()
    assert still.file.url not in html
    assert "Two women share one cello" not in html


def test_work_box_names_director_year_and_platform(client, article):
    from explainers.models import Credit, Person

    shepard = Person.objects.create(name="Richard Shepard", slug="richard-shepard")
    Credit.objects.create(work=article.work, person=shepard, role=Credit.Role.DIRECTOR)
    html = client.get(article.get_absolute_url()).content.decode()
    box = html.split('class="workbox"', 1)[1].split("</aside>", 1)[0]
    assert "Richard Shepard" in box and "2019" in box and "Netflix" in box


@pytest.mark.parametrize("status", [Article.Status.DRAFT, Article.Status.IN_REVIEW])
def test_unpublished_articles_are_404_to_the_public(client, make_article, status):
    article = make_article(sections=SPOILER_SECTIONS[:1], status=status)
    assert client.get(article.get_absolute_url()).status_code == 404


def test_a_retracted_article_is_gone_with_a_short_notice_and_no_content(client, make_article):
    article = make_article(sections=SPOILER_SECTIONS[:1], status=Article.Status.RETRACTED)
    response = client.get(article.get_absolute_url())
    assert response.status_code == 410
    page = response.content.decode()
    assert "has been withdrawn" in page and article.title in page
    assert article.dek not in page
    assert SPOILER_SECTIONS[0][3] not in page


def test_scheduled_article_is_404_until_its_time(client, make_article):
    article = make_article(
        sections=SPOILER_SECTIONS[:1], published_at=timezone.now() + timedelta(hours=2)
    )
    assert client.get(article.get_absolute_url()).status_code == 404
    assert not article.is_published()


def test_logged_in_reader_without_permission_cannot_see_a_draft(
    client, make_article, django_user_model
):
    article = make_article(sections=SPOILER_SECTIONS[:1], status=Article.Status.DRAFT)
    reader = django_user_model.objects.create_user("reader", password="x")
    client.force_login(reader)
    assert client.get(article.get_absolute_url()).status_code == 404


def test_staff_without_change_permission_cannot_see_unpublished_article(
    client, make_article, django_user_model
):
    article = make_article(sections=SPOILER_SECTIONS[:1], status=Article.Status.DRAFT)
    staff = django_user_model.objects.create_user("intern", password="x", is_staff=True)
    staff.user_permissions.add(Permission.objects.get(codename="view_article"))
    client.force_login(staff)
    assert client.get(article.get_absolute_url()).status_code == 404


def test_staff_editor_previews_a_draft_with_banner_never_cached_and_noindex(
    senior_client, make_article
):
    article = make_article(sections=SPOILER_SECTIONS, status=Article.Status.DRAFT)
    response = senior_client.get(article.get_absolute_url())
    assert response.status_code == 200
    html = response.content.decode()
    assert 'class="draft-banner"' in html and "DRAFT" in html
    assert "no-cache" in response["Cache-Control"] and "no-store" in response["Cache-Control"]
    assert response["X-Robots-Tag"] == "noindex, nofollow"
    assert '<meta name="robots" content="noindex, nofollow">' in head_of(response)


def test_published_article_seen_by_staff_has_no_draft_banner(senior_client, article):
    response = senior_client.get(article.get_absolute_url())
    assert 'class="draft-banner"' not in response.content.decode()
    assert "X-Robots-Tag" not in response


def test_published_gate_and_instance_predicate_agree(make_article):
    now = timezone.now()
    cases = [
        make_article(status=Article.Status.PUBLISHED, published_at=now - timedelta(minutes=1)),
        make_article(status=Article.Status.PUBLISHED, published_at=now + timedelta(days=1)),
        make_article(status=Article.Status.DRAFT, published_at=now - timedelta(days=1)),
        make_article(status=Article.Status.IN_REVIEW),
        make_article(status=Article.Status.RETRACTED, published_at=now - timedelta(days=3)),
    ]
    gated = set(Article.objects.published().values_list("pk", flat=True))
    assert gated == {article.pk for article in cases if article.is_published()}
    assert gated == {cases[0].pk}


def test_home_lists_published_teasers_only(client, make_article):
    live = make_article(sections=SPOILER_SECTIONS, title="Live explainer")
    draft = make_article(
        sections=SPOILER_SECTIONS, status=Article.Status.DRAFT, title="Secret draft"
    )
    html = client.get("/").content.decode()
    assert live.title in html and live.dek in html
    assert draft.title not in html
    for spoiler in ("drugged", "final image", "Charlotte drugged Lizzie"):
        assert spoiler not in html


def test_work_page_lists_published_explainers_only(client, make_article):
    live = make_article(sections=SPOILER_SECTIONS, title="Live explainer")
    draft = make_article(
        sections=SPOILER_SECTIONS, status=Article.Status.DRAFT, title="Secret draft"
    )
    response = client.get(live.work.get_absolute_url())
    html = response.content.decode()
    assert response.status_code == 200
    assert "A former cello prodigy returns" in html
    assert live.title in html and draft.title not in html
    assert "drugged" not in html


def test_unknown_article_and_work_are_404(client, db):
    assert client.get("/articles/no-such-article/").status_code == 404
    assert client.get("/works/no-such-work/").status_code == 404


# When no stored document may be served: the article and its stored page, then the whole
# article, related reading (ids, teasers and their heroes' renditions), when it next
# changes by the clock, and storing the document.
DOCUMENT_RENDER_QUERIES = 7
PAGE_RENDER_QUERIES = 11


def _grow(article, levels, times):
    base = article.sections.count()
    for n in range(times):
        Section.objects.create(
            article=article,
            order=base + n + 1,
            heading=f"Extra {n}",
            safe_heading=f"Safe extra {n}",
            spoiler_level=levels[n % 4],
            body=f"More [@extra-{n}] and [@interview].",
        )
        Citation.objects.create(
            article=article, source=article.citations.first().source, key=f"extra-{n}"
        )
    article.render_sections()


def test_article_page_query_count_is_pinned_and_constant(
    client, article, levels, make_article, django_assert_num_queries, make_image
):
    warning = ContentWarning.objects.create(name="Graphic violence", slug="violence")
    article.hero_image = make_image(rank=0)
    article.save()
    for section in article.sections.all():
        section.content_warnings.add(warning)
        section.image = make_image(rank=section.spoiler_level.rank)
        section.save()
    kin = make_article(title="Another explainer of the same film")
    kin.hero_image = make_image(rank=0)
    kin.save()
    # The first read after a change renders the page and stores it (in production the
    # save has already done so, after its transaction committed) ...
    with django_assert_num_queries(
        PAGE_RENDER_QUERIES + ARTICLE_PAGE_QUERIES + DOCUMENT_RENDER_QUERIES
    ):
        first = client.get(article.get_absolute_url()).content.decode()
    # ... and every read after that is served from the stored copy.
    with django_assert_num_queries(ARTICLE_PAGE_QUERIES):
        html = client.get(article.get_absolute_url()).content.decode()
    assert html == first
    # Every still is served from its renditions (a <picture>), none from its original.
    assert html.count("<picture") == article.sections.count() + 1 + 1  # + the related hero
    _grow(article, levels, times=article.sections.count())
    for section in article.sections.filter(image__isnull=True):
        section.image = make_image(rank=section.spoiler_level.rank)
        section.save()
    assert article.sections.count() == 6 and article.citations.count() == 5
    with django_assert_num_queries(
        PAGE_RENDER_QUERIES + ARTICLE_PAGE_QUERIES + DOCUMENT_RENDER_QUERIES
    ):
        first = client.get(article.get_absolute_url()).content.decode()
    with django_assert_num_queries(ARTICLE_PAGE_QUERIES):
        assert client.get(article.get_absolute_url()).content.decode() == first
    assert first.count("<picture") == 6 + 1 + 1


# The work, its credits, and a page of teasers (its count and its rows).
WORK_PAGE_QUERIES = 4


def test_home_and_work_page_query_counts_do_not_grow_with_articles(
    client, make_article, make_image, django_assert_num_queries
):
    def with_hero(article):
        article.hero_image = make_image(rank=0)
        article.save()
        return article

    # The home page: one page of teasers (never a count of them all) and their heroes'
    # renditions; the work page as before, plus those renditions.
    first = with_hero(make_article(sections=SPOILER_SECTIONS))
    with django_assert_num_queries(2):
        client.get("/")
    with django_assert_num_queries(WORK_PAGE_QUERIES + 1):
        client.get(first.work.get_absolute_url())
    for _ in range(5):
        with_hero(make_article(sections=SPOILER_SECTIONS))
    with django_assert_num_queries(2):
        home = client.get("/").content.decode()
    with django_assert_num_queries(WORK_PAGE_QUERIES + 1):
        client.get(first.work.get_absolute_url())
    # Each teaser shows its own crop, with the credit.
    assert home.count('<figure class="teaser__image">') == 6
    assert home.count('<figcaption class="credit">Drawn for the tests</figcaption>') == 6


def test_missing_page_gets_the_styled_not_found_page(client, db):
    response = client.get("/articles/no-such-article/")
    assert response.status_code == 404
    assert "Nothing here" in response.content.decode()


def test_each_spoiler_section_names_its_own_plain_warnings_and_counts_the_rest(client, article):
    abuse = ContentWarning.objects.create(name="Sexual abuse", slug="abuse", is_spoiler=True)
    violence = ContentWarning.objects.create(name="Graphic violence", slug="violence")
    twist = article.sections.get(spoiler_level__rank=2)
    twist.content_warnings.add(abuse, violence)
    summaries = summaries_of(client.get(article.get_absolute_url()))
    twist_summary = next(s for s in summaries if "What really happened on the trip" in s)
    assert "graphic violence" in twist_summary
    assert "and 1 more that reveals a plot point" in twist_summary
    assert "abuse" not in twist_summary.lower()


def test_work_box_names_a_books_author_and_publisher(client, make_article, work):
    from explainers.models import Credit, Person

    Work = type(work)
    book = Work.objects.create(
        kind=Work.Kind.BOOK, title="Gone Girl", slug="gone-girl", year=2012, platform="Crown"
    )
    author = Person.objects.create(name="Gillian Flynn", slug="gillian-flynn")
    Credit.objects.create(work=book, person=author, role=Credit.Role.AUTHOR)
    article = make_article(sections=SPOILER_SECTIONS[:1])
    Article.objects.filter(pk=article.pk).update(work=book)
    html = client.get(article.get_absolute_url()).content.decode()
    box = html.split('class="workbox"', 1)[1].split("</aside>", 1)[0]
    assert '<dt>Written by</dt><dd><a href="/people/gillian-flynn/">Gillian Flynn</a></dd>' in box
    assert "<dt>Publisher</dt><dd>Crown</dd>" in box
    work_page = client.get(book.get_absolute_url()).content.decode()
    assert "Gillian Flynn" in work_page


def test_anonymous_article_page_does_not_vary_on_cookies(client, article):
    response = client.get(article.get_absolute_url())
    assert "Cookie" not in response.get("Vary", "")
    assert "Set-Cookie" not in response


def test_json_ld_describes_the_article_and_its_work_from_safe_fields_only(client, article):
    import json

    from explainers.models import Credit, Person

    shepard = Person.objects.create(name="Richard Shepard", slug="richard-shepard")
    Credit.objects.create(work=article.work, person=shepard, role=Credit.Role.DIRECTOR)
    head = head_of(client.get(article.get_absolute_url()))
    raw = re.search(r'<script type="application/ld\+json">(.*?)</script>', head, re.S).group(1)
    data = json.loads(raw)
    assert data["@type"] == "Article"
    assert data["headline"] == article.title
    assert data["description"] == article.dek
    assert data["about"] == {
        "@type": "Movie",
        "name": "The Perfection",
        "dateCreated": "2019",
        "director": [{"@type": "Person", "name": "Richard Shepard"}],
    }
    assert "drugged" not in raw and "cello together" not in raw


def test_json_ld_cannot_be_broken_out_of_by_a_title(client, make_article):
    article = make_article(
        sections=SPOILER_SECTIONS[:1], title="</script><script>alert(1)</script>"
    )
    head = head_of(client.get(article.get_absolute_url()))
    assert "<script>alert(1)" not in head
    assert "\\u003C/script\\u003E" in head


def test_content_warnings_come_before_the_hero_and_the_work_box(client, article, make_image):
    violence = ContentWarning.objects.create(name="Graphic violence", slug="violence")
    article.sections.first().content_warnings.add(violence)
    article.hero_image = make_image(rank=0, alt="A concert hall")
    article.save()
    html = client.get(article.get_absolute_url()).content.decode()
    assert html.index('class="warnings"') < html.index('class="hero"')
    assert html.index('class="warnings"') < html.index('class="workbox"')


def test_the_home_page_pages_back_without_counting_everything(client, make_article):
    articles = [make_article(title=f"Explainer number {n:02}.") for n in range(14)]
    first = client.get("/").content.decode()
    assert "Page 1</span>" in first and 'rel="next" href="?page=2"' in first
    assert articles[-1].title in first and articles[1].title not in first
    second = client.get("/?page=2").content.decode()
    assert articles[1].title in second and articles[0].title in second
    assert 'rel="prev"' in second and 'rel="next"' not in second
    assert client.get("/?page=3").status_code == 404
    assert "Explainer number 13." in client.get("/?page=nonsense").content.decode()


def test_every_page_links_the_site_icon_and_favicon_ico_leads_to_it(client, db):
    page = client.get("/").content.decode()
    icon = re.search(r'<link rel="icon" href="([^"]+)" type="image/svg\+xml">', page)
    assert icon, "no icon link on the home page"
    response = client.get("/favicon.ico")
    assert response.status_code == 301
    assert response["Location"] == icon.group(1)
    assert "max-age=86400" in response["Cache-Control"]
    from django.contrib.staticfiles import finders

    found = finders.find("explainers/icon.svg")
    assert found and Path(found).read_text().startswith("<svg")
