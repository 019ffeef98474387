"""The leak check against disguises, on the surfaces outside articles, and over time."""

import pytest

from explainers.models import Article, LeakOverride, Source
from tests.support.admin_forms import page_text
from tests.support.leaks import leak_check, leaky_post, section, wheres


@pytest.mark.parametrize(
    "body",
    [
        "Lizzie cuts off her [hand](https://example.org/).",
        "Lizzie cuts off her h&#97;nd.",
        "Lizzie cuts off her&nbsp;hand.",
        "Lizzie <b>cuts</b> off her hand.",
        "Lizzie cuts off her ha<!-- -->nd.",
        "Lizzie cuts off her ha\u200bnd.",
        "Lizzie cuts off her ha\u00adnd.",
    ],
)
def test_markup_and_invisible_characters_do_not_hide_a_term(terms, levels, body):
    report = leak_check(terms, sections=[section(levels[0], body)])
    assert wheres(report) == [("section 1 body", "cuts off her hand")], body


def test_a_term_hidden_in_the_title_with_a_zero_width_space_is_caught(terms, levels):
    report = leak_check(terms, title="Why she cuts off her ha\u200bnd")
    assert wheres(report) == [("the title", "cuts off her hand")]


def test_a_later_save_of_an_overridden_article_is_not_refused_for_the_same_leaks(
    moderator_client, senior_editor, work, levels, terms
):
    from django.test import Client

    editor_client = Client()
    editor_client.force_login(senior_editor)
    published = leaky_post(work, levels, status="published", published_at=("2024-05-01", "10:00"))
    published["leak_override_reason"] = "The interview itself names it in its headline."
    response = moderator_client.post("/admin/explainers/article/add/", published)
    assert response.status_code == 302, page_text(response)
    article = Article.objects.get()
    assert LeakOverride.objects.filter(article=article).count() == 1

    # An editor fixes a typo in the dek: the accepted leak does not block the save.
    again = leaky_post(
        work,
        levels,
        status="published",
        published_at=("2024-05-01", "10:00"),
        dek="What the closing minutes mean, without giving them away!",
    )
    again.pop("leak_override_reason", None)
    for prefix in ("sections", "citations"):
        again[f"{prefix}-INITIAL_FORMS"] = "0"
    article.sections.all().delete()
    article.refresh_from_db()
    again["opened_version"] = article.version
    response = editor_client.post(f"/admin/explainers/article/{article.pk}/change/", again)
    assert response.status_code == 302, page_text(response)

    # A new leak still stands.
    again["dek"] = "In the end Paloma dies and she cuts off her hand."
    article.sections.all().delete()
    article.refresh_from_db()
    again["opened_version"] = article.version
    response = editor_client.post(f"/admin/explainers/article/{article.pk}/change/", again)
    assert response.status_code == 200
    assert "cannot be published" in page_text(response)


def test_a_synopsis_with_a_spoiler_term_is_refused(admin_client, work, terms):
    response = admin_client.post(
        f"/admin/explainers/work/{work.pk}/change/",
        {
            "kind": work.kind,
            "title": work.title,
            "slug": work.slug,
            "synopsis": "A cellist returns; later she cuts off her hand.",
            "credits-TOTAL_FORMS": "0",
            "credits-INITIAL_FORMS": "0",
            "parts-TOTAL_FORMS": "1",
            "parts-INITIAL_FORMS": "0",
            "parts-0-position": "4",
            "parts-0-label": "Duet",
            "parts-0-work": work.pk,
        },
    )
    assert response.status_code == 200
    text = page_text(response)
    assert "every visitor sees this field" in text
    assert "readers pick their progress from it" in text
    work.refresh_from_db()
    assert "cuts off" not in work.synopsis
    assert not work.parts.exists()


def test_a_source_title_with_a_spoiler_term_is_refused(admin_client, work, terms):
    response = admin_client.post(
        "/admin/explainers/source/add/",
        {"kind": "article", "title": "Why Lizzie cuts off her hand", "work": work.pk},
    )
    assert response.status_code == 200
    assert "every visitor sees this field" in page_text(response)
    assert not Source.objects.exists()


def test_only_moderators_may_set_a_works_spoiler_window(senior_client, admin_user, work):
    from django.test import Client

    page = page_text(senior_client.get(f"/admin/explainers/work/{work.pk}/change/"))
    assert 'name="title"' in page
    assert 'name="relaxed_tolerance"' not in page
    assert 'name="spoiler_window_days"' not in page
    moderator = Client()
    moderator.force_login(admin_user)
    page = page_text(moderator.get(f"/admin/explainers/work/{work.pk}/change/"))
    assert 'name="relaxed_tolerance"' in page


def test_a_new_term_warns_the_moderator_of_published_articles_it_now_catches(
    admin_client, make_article, levels, work
):
    article = make_article(sections=[(0, "Intro", "", "In the end the Chapel burns.")])
    response = admin_client.post(
        "/admin/explainers/spoilerterm/add/",
        {
            "phrase": "the Chapel burns",
            "variants": "",
            "work": work.pk,
            "spoiler_level": levels[3].pk,
            "notes": "",
        },
        follow=True,
    )
    text = page_text(response)
    assert f"Published article “{article.title}” now has a leak" in text
    assert "section 1 body" in text


def test_raising_an_images_level_warns_of_the_articles_that_now_leak_it(
    admin_client, make_article, make_image, levels
):
    article = make_article(sections=[(0, "Intro", "", "Text.")])
    image = make_image(rank=0, alt="A stage")
    Article.objects.filter(pk=article.pk).update(hero_image=image)
    response = admin_client.post(
        f"/admin/explainers/image/{image.pk}/change/",
        {
            "alt_text": image.alt_text,
            "credit": image.credit,
            "caption": "",
            "spoiler_level": levels[3].pk,
        },
        follow=True,
    )
    text = page_text(response)
    assert f"Published article “{article.title}” now has a leak" in text
    assert "hero image" in text


def test_a_dismissed_suggestion_does_not_come_up_again(admin_client, make_article, work, levels):
    from django.contrib.messages import INFO

    from explainers.models import DismissedSuggestion
    from tests.support.admin_forms import article_post, section_row

    article = make_article(
        sections=[
            (0, "Intro", "", "It turns out the cello was borrowed."),
            (3, "End", "Safe end", "The end."),
        ]
    )
    first, second = article.sections.order_by("order")
    change_url = f"/admin/explainers/article/{article.pk}/change/"
    form = admin_client.get(change_url).context["adminform"].form
    (snippet, message), *_ = form.fields["dismiss_suggestions"].choices
    assert "turns out" in message

    def post(**extra):
        article.refresh_from_db()  # each save moves the version a form must be opened at
        data = article_post(
            work,
            status=article.status,
            title=article.title,
            slug=article.slug,
            dek=article.dek,
            article=article,
            initial_sections=2,
            sections=[
                section_row(levels[0], first.heading, first.body, order=1, pk=first.pk),
                section_row(
                    levels[3],
                    second.heading,
                    second.body,
                    safe_heading=second.safe_heading,
                    order=2,
                    pk=second.pk,
                ),
            ],
        )
        data.update(extra)
        return admin_client.post(change_url, data, follow=True)

    response = post()
    infos = [str(m) for m in response.context["messages"] if m.level == INFO]
    assert any("turns out" in info for info in infos)

    response = post(dismiss_suggestions=[snippet])
    assert DismissedSuggestion.objects.filter(article=article, snippet=snippet).exists()
    response = post()
    infos = [str(m) for m in response.context["messages"] if m.level == INFO]
    assert not any("turns out" in info for info in infos), infos
    form = admin_client.get(change_url).context["adminform"].form
    assert list(form.fields["dismiss_suggestions"].choices) == []
