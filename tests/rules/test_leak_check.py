"""The leak check: spoiler terms kept by moderators, looked for in every place an article
shows below their level, before it is published.

The matching and the check itself are plain functions (``explainers.leaks``); what
editors and moderators meet is driven through the real admin.
"""

import pytest
from django.contrib.admin.models import LogEntry
from django.contrib.auth.models import Permission
from django.contrib.messages import INFO, WARNING

from explainers.leaks import (
    Term,
    character_names,
    characters_for_work,
    check_article,
    check_saved_article,
    find_phrases,
    snippet,
    terms_for_work,
)
from explainers.models import Article, Credit, LeakOverride, Person, SpoilerTerm, Work
from tests.support.admin_forms import ADD_URL, article_post, errors_in, page_text, section_row
from tests.support.leaks import leak_check, leaky_post, section, wheres

TERMS_URL = "/admin/explainers/spoilerterm/"


def matches(phrase, text, variants=()):
    return [text[start:end] for start, end in find_phrases((phrase, *variants), text)]


# --- matching --------------------------------------------------------------------------


def test_a_term_matches_whatever_its_case_and_accents():
    assert matches("Duet", "the duet, the DUET, the DUÉT, the Dúet") == [
        "duet",
        "DUET",
        "DUÉT",
        "Dúet",
    ]
    assert matches("Pokémon", "a pokemon and a POKÉMON") == ["pokemon", "POKÉMON"]


def test_a_term_matches_whole_words_only():
    assert matches("hand", "a handle, a handful, handed, shorthand") == []
    assert matches("hand", "her hand, her Hand.") == ["hand", "Hand"]
    # Plurals and other forms are not guessed: "duets" needs a variant.
    assert matches("Duet", "two duets") == []
    assert matches("Duet", "two duets", variants=("duets",)) == ["duets"]
    # An apostrophe or Markdown emphasis is not part of the word.
    assert matches("Duet", "Duet's end, _Duet_, *Duet*") == ["Duet", "Duet", "Duet"]


def test_a_phrase_matches_across_line_breaks_emphasis_and_a_slugs_hyphens():
    text = "she cuts off\nher hand; cuts off *her* hand; lizzie-cuts-off-her-hand"
    assert len(matches("cuts off her hand", text)) == 3
    assert matches("cuts off her hand", "she cuts off her handle") == []
    assert matches("cuts off her hand", "cuts off her own hand") == []


def test_variants_may_be_given_one_per_line_or_separated_by_commas(terms):
    assert terms["hand"].phrases == [
        "cuts off her hand",
        "cut off her hand",
        "cuts off her own hand",
        "cut off her own hand",
    ]
    term = Term.from_model(terms["hand"])
    assert len(term.find("Lizzie cut off her own hand. She cuts off her hand.")) == 2


def test_a_snippet_is_about_sixty_characters_around_the_match_cut_at_spaces():
    text = (
        "The film rewinds to the start of the trip and plays it again with the missing "
        "pieces put back, and we see that Lizzie cuts off her hand because Charlotte "
        "talked her into it, which changes everything that came before."
    )
    start = text.index("cuts off her hand")

    quoted = snippet(text, start, start + len("cuts off her hand"))

    assert "cuts off her hand" in quoted
    assert quoted.startswith("…") and quoted.endswith("…")
    assert 50 <= len(quoted) <= 75
    assert quoted[1] != " " and quoted[-2] != " "
    # Short text is quoted whole.
    assert snippet("Her hand", 4, 8) == "Her hand"


def test_the_terms_of_a_work_are_its_own_and_the_global_ones(terms, work):
    other = Work.objects.create(title="Get Out", slug="get-out")

    assert {term.phrase for term in terms_for_work(work)} == {
        "cuts off her hand",
        "Duet",
        "the Chapel",
    }
    assert {term.phrase for term in terms_for_work(other)} == {"the Chapel"}


def test_characters_are_watched_by_full_and_first_name(work):
    for order, (name, character) in enumerate(
        [("Allison Williams", "Charlotte Willmore"), ("Steven Weber", "Anton")]
    ):
        person = Person.objects.create(name=name, slug=f"person-{order}")
        Credit.objects.create(
            work=work, person=person, role=Credit.Role.CAST, character_name=character
        )

    assert characters_for_work(work) == ["Charlotte Willmore", "Charlotte", "Anton"]
    assert character_names(["The Stranger", "Dr. Hassan"]) == ["The Stranger", "Dr. Hassan"]


# --- each kind of leak -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("place", "value", "where"),
    [
        ("title", "Why Lizzie cuts off her hand", "the title"),
        ("dek", "What the Duet chapter means.", "the dek"),
        ("slug", "why-lizzie-cuts-off-her-hand", "the slug"),
    ],
)
def test_a_spoiler_term_in_the_title_dek_or_slug_is_a_leak(terms, levels, place, value, where):
    report = leak_check(terms, **{place: value}, sections=[section(levels[0])])

    assert len(report.leaks) == 1
    leak = report.leaks[0]
    assert leak.where == where
    assert leak.kind == "term"
    assert leak.level == levels[3 if "Duet" in value else 2]


def test_a_term_in_a_safe_heading_is_a_leak_even_when_the_section_is_at_its_level(terms, levels):
    report = leak_check(
        terms,
        sections=[
            section(levels[0]),
            section(levels[2], "She cuts off her hand.", safe_heading="Why she cuts off her hand"),
        ],
    )

    assert wheres(report) == [("section 2 safe heading", "cuts off her hand")]
    assert report.leaks[0].message == (
        "Leak in section 2 safe heading: “Why she cuts off her hand” — the term "
        "“cuts off her hand” is a Twist spoiler"
    )


def test_a_term_in_a_section_below_its_level_is_a_leak_and_at_or_above_it_is_not(terms, levels):
    report = leak_check(
        terms,
        sections=[
            section(levels[1], "Then she cuts off her own hand.", safe_heading="The trip"),
            section(levels[2], "She cut off her hand.", heading="The Duet", safe_heading="Turn"),
            section(levels[3], "The Duet chapter: she cuts off her hand.", safe_heading="End"),
        ],
    )

    assert wheres(report) == [
        ("section 1 body", "cuts off her hand"),
        ("section 2 heading", "Duet"),
    ]
    assert report.leaks[0].message.endswith("is a Twist spoiler, above the section's level (Setup)")
    assert report.leaks[1].message.endswith(
        "is an Ending spoiler, above the section's level (Twist)"
    )


def test_a_term_inside_an_inline_spoiler_counts_as_setup_so_only_twists_leak(levels):
    setup_term = Term("the academy is a cult", levels[1])
    twist_term = Term("Charlotte drugged Lizzie", levels[2])

    report = check_article(
        sections=[
            section(
                levels[0],
                "Hidden: ||the academy is a cult||. Also hidden: ||Charlotte drugged Lizzie||.",
            )
        ],
        terms=[setup_term, twist_term],
    )

    assert wheres(report) == [("section 1 body", "Charlotte drugged Lizzie")]


def test_a_term_inside_a_longer_reported_term_is_not_reported_again(levels):
    report = check_article(
        title="Why she cuts off her hand",
        terms=[Term("hand", levels[2]), Term("cuts off her hand", levels[2])],
    )

    assert wheres(report) == [("the title", "cuts off her hand")]


def test_an_images_alt_text_or_caption_above_the_images_level_is_a_leak(terms, levels, make_image):
    setup_still = make_image(rank=1, alt="Lizzie's bandaged arm after she cut off her hand")
    setup_still.caption = "Before the Duet"
    twist_still = make_image(rank=2, alt="Lizzie cuts off her hand")

    report = leak_check(
        terms,
        sections=[
            section(levels[1], safe_heading="Setup", image=setup_still),
            section(levels[3], safe_heading="End", image=twist_still),
        ],
    )

    assert wheres(report) == [
        ("the alt text of the image in section 1", "cuts off her hand"),
        ("the caption of the image in section 1", "Duet"),
    ]
    assert report.leaks[0].kind == "image text"
    assert report.leaks[0].message.endswith("above the image's level (Setup)")


def test_a_spoiler_image_used_as_hero_is_a_leak_and_so_is_a_term_in_a_hero_alt_text(
    terms, levels, make_image
):
    spoiler_hero = make_image(rank=2, alt="The bus at night")
    safe_hero = make_image(rank=0, alt="The concert hall before the Duet")

    spoiler_report = leak_check(terms, hero_image=spoiler_hero)
    safe_report = leak_check(terms, hero_image=safe_hero)

    assert [leak.kind for leak in spoiler_report.leaks] == ["spoiler hero"]
    assert spoiler_report.leaks[0].message.startswith("Leak in the hero image: it is marked Twist")
    assert wheres(safe_report) == [("the alt text of the hero image", "Duet")]


def test_a_clean_article_has_no_leaks(terms, levels):
    report = leak_check(
        terms,
        title="The Perfection’s ending, explained",
        dek="What the closing minutes mean.",
        slug="the-perfection-ending-explained",
        sections=[section(levels[0], "A thriller about a cello prodigy and a handler.")],
    )

    assert report.leaks == []
    assert not report


def test_the_check_runs_on_a_saved_article_with_its_works_terms(terms, make_article):
    article = make_article(
        title="The Duet, explained",
        sections=[(0, "Intro", "", "Safe."), (2, "The bus", "The first turn", "Her hand.")],
    )

    report = check_saved_article(article)

    assert wheres(report) == [("the title", "Duet")]


# --- suggestions -----------------------------------------------------------------------


def test_cue_phrases_in_sections_below_the_articles_top_level_are_suggested(levels):
    report = check_article(
        sections=[
            section(levels[0], "A thriller. In the end, it turns out she knew. Nice score."),
            section(levels[1], "The twist comes later.", safe_heading="Setup"),
            section(levels[3], "In the end she dies.", safe_heading="The end"),
        ]
    )

    assert [(s.place, s.snippet, s.cues) for s in report.suggestions] == [
        ("section 1", "In the end, it turns out she knew.", ("“in the end”", "“turns out”")),
        ("section 2", "The twist comes later.", ("“twist”",)),
    ]
    assert report.suggestions[0].message.startswith(
        "Possible spoiler in section 1 body: “In the end, it turns out she knew.”"
    )


def test_a_character_named_next_to_a_death_or_reveal_verb_is_suggested(levels):
    sections = [
        section(levels[0], "Paloma is murdered. Anton, whom we met at the very start, reveals."),
        section(levels[2], "Later.", safe_heading="Later"),
    ]

    report = check_article(sections=sections, characters=["Paloma", "Anton"])

    assert [s.cues for s in report.suggestions] == [("“Paloma” next to “murdered”",)]


def test_an_article_without_spoiler_sections_is_checked_for_cues_everywhere(levels):
    report = check_article(sections=[section(levels[0], "In the final scene, everyone dies.")])

    assert [s.cues for s in report.suggestions] == [("“dies”", "“final scene”")]


def test_cues_inside_an_inline_spoiler_are_not_suggested(levels):
    report = check_article(
        sections=[
            section(levels[0], "It seems simple. ||In the end she dies.||"),
            section(levels[2], "More.", safe_heading="More"),
        ]
    )

    assert report.suggestions == []


# --- the admin: publishing is refused while a leak stands ------------------------------


def messages_of(response, level):
    return [str(message) for message in response.context["messages"] if message.level == level]


LEAK_MESSAGE = (
    "Leak in section 2 safe heading: “Why she cuts off her hand” — the term "
    "“cuts off her hand” is a Twist spoiler"
)


def test_publishing_with_a_leak_is_refused_with_its_place_and_nothing_is_saved(
    senior_client, work, levels, terms
):
    response = senior_client.post(ADD_URL, leaky_post(work, levels, status="published"))

    assert response.status_code == 200
    text = page_text(response)
    assert "This article cannot be published: the leak check found 1 leak." in text
    assert LEAK_MESSAGE in text
    assert any(LEAK_MESSAGE in errors for errors in errors_in(response))
    assert not Article.objects.exists()
    # Nothing is lost: the form comes back with what was typed.
    assert 'value="Why she cuts off her hand"' in text
    assert "Charlotte talked her into it" in text


def test_keeping_a_published_article_published_after_adding_a_leak_is_refused(
    senior_client, make_article, work, levels, terms
):
    article = make_article(sections=[(0, "Intro", "", "Safe.")])
    row = section_row(
        levels[0], "Intro", "Safe, until the Duet.", order=1, pk=article.sections.get().pk
    )
    data = article_post(
        work,
        title=article.title,
        slug=article.slug,
        status="published",
        published_at=(
            article.published_at.strftime("%Y-%m-%d"),
            article.published_at.strftime("%H:%M:%S"),
        ),
        article=article,
        sections=[row],
        initial_sections=1,
    )

    response = senior_client.post(f"/admin/explainers/article/{article.pk}/change/", data)

    assert response.status_code == 200
    assert "Leak in section 1 body: “Safe, until the Duet.”" in page_text(response)
    assert article.sections.get().body == "Safe."


def test_a_draft_with_a_leak_is_saved_with_a_warning_naming_the_place(
    senior_client, work, levels, terms
):
    response = senior_client.post(ADD_URL, leaky_post(work, levels, status="draft"), follow=True)

    assert response.redirect_chain, errors_in(response)
    article = Article.objects.get()
    assert article.status == Article.Status.DRAFT
    assert article.sections.count() == 2
    assert messages_of(response, WARNING) == [f"{LEAK_MESSAGE}. Fix it before publishing."]
    assert not LeakOverride.objects.exists()


def test_a_moderator_overrides_with_a_reason_and_the_override_is_kept_and_shown(
    moderator, moderator_client, work, levels, terms
):
    reason = "The director says this himself in the trailer."
    data = leaky_post(work, levels, status="published")
    data["leak_override_reason"] = reason

    response = moderator_client.post(ADD_URL, data, follow=True)

    assert response.redirect_chain, errors_in(response)
    article = Article.objects.get()
    assert article.status == Article.Status.PUBLISHED
    override = LeakOverride.objects.get()
    assert (override.article, override.user, override.reason) == (article, moderator, reason)
    assert override.leaks == LEAK_MESSAGE
    assert any("Published over the leak check" in m for m in messages_of(response, WARNING))

    change_page = page_text(moderator_client.get(f"/admin/explainers/article/{article.pk}/change/"))
    assert "Leak-check overrides" in change_page
    assert reason in change_page
    assert "by mo" in change_page
    history = LogEntry.objects.get(object_id=str(article.pk))
    assert f"Added leak-check override “{reason}”." in history.get_change_message()


def test_a_moderator_who_gives_no_reason_is_refused_and_told_how_to_override(
    moderator_client, work, levels, terms
):
    response = moderator_client.post(ADD_URL, leaky_post(work, levels, status="published"))

    assert response.status_code == 200
    text = page_text(response)
    assert "publish anyway by giving an override reason" in text
    assert 'name="leak_override_reason"' in text
    assert not Article.objects.exists()


def test_an_editor_without_the_permission_cannot_override_even_by_posting_a_reason(
    senior_client, work, levels, terms
):
    add_page = page_text(senior_client.get(ADD_URL))
    assert 'name="leak_override_reason"' not in add_page
    data = leaky_post(work, levels, status="published")
    data["leak_override_reason"] = "Trust me."

    response = senior_client.post(ADD_URL, data)

    assert response.status_code == 200
    assert "ask a moderator to review it" in page_text(response)
    assert LEAK_MESSAGE in page_text(response)
    assert not Article.objects.exists()
    assert not LeakOverride.objects.exists()


def test_a_superuser_may_override(admin_client, admin_user, work, levels, terms):
    data = leaky_post(work, levels, status="published")
    data["leak_override_reason"] = "Checked with the desk."

    response = admin_client.post(ADD_URL, data)

    assert response.status_code == 302, errors_in(response)
    assert LeakOverride.objects.get().user == admin_user


def test_a_reason_without_leaks_records_no_override(moderator_client, work, levels, terms):
    rows = [section_row(levels[0], "Intro", "A thriller.", order=1)]
    data = article_post(work, status="published", sections=rows)
    data["leak_override_reason"] = "Just in case."

    response = moderator_client.post(ADD_URL, data)

    assert response.status_code == 302, errors_in(response)
    assert not LeakOverride.objects.exists()


def test_suggestions_are_shown_after_saving_and_do_not_block_publishing(
    senior_client, work, levels, terms
):
    rows = [
        section_row(
            levels[0], "Intro", "A thriller. In the end, nobody is who they seem.", order=1
        ),
        section_row(levels[2], "The bus", "Her hand.", safe_heading="The first turn", order=2),
    ]

    response = senior_client.post(
        ADD_URL, article_post(work, status="published", sections=rows), follow=True
    )

    assert response.redirect_chain, errors_in(response)
    assert Article.objects.get().status == Article.Status.PUBLISHED
    assert messages_of(response, WARNING) == []
    infos = messages_of(response, INFO)
    assert [m for m in infos if m.startswith("Possible spoiler")] == [
        "Possible spoiler in section 1 body: “In the end, nobody is who they seem.” "
        "(“in the end”). If it gives something away, move it to a higher level or reword it."
    ]


# --- the terms' own admin --------------------------------------------------------------


def test_moderators_list_filter_and_search_spoiler_terms(moderator_client, terms, levels, work):
    everything = moderator_client.get(TERMS_URL)
    endings = moderator_client.get(TERMS_URL, {"spoiler_level__id__exact": levels[3].pk})
    global_only = moderator_client.get(TERMS_URL, {"work__isnull": "True"})
    searched = moderator_client.get(TERMS_URL, {"q": "own hand"})

    def listed(response):
        assert response.status_code == 200
        return {term.phrase for term in response.context["cl"].result_list}

    assert listed(everything) == {"cuts off her hand", "Duet", "the Chapel"}
    assert listed(endings) == {"Duet"}
    assert listed(global_only) == {"the Chapel"}
    assert listed(searched) == {"cuts off her hand"}
    assert moderator_client.get(f"{TERMS_URL}add/").status_code == 200


def test_a_term_cannot_be_set_at_the_spoiler_free_level(moderator_client, levels, work):
    response = moderator_client.post(
        f"{TERMS_URL}add/",
        {"phrase": "cello", "variants": "", "work": work.pk, "spoiler_level": levels[0].pk},
    )

    assert response.status_code == 200
    assert not SpoilerTerm.objects.exists()


def test_staff_without_term_permissions_cannot_see_the_terms(client, django_user_model, terms):
    outsider = django_user_model.objects.create_user("otto", is_staff=True)
    outsider.user_permissions.set(
        Permission.objects.filter(content_type__app_label="explainers", codename="view_article")
    )
    client.force_login(outsider)
    assert client.get(TERMS_URL).status_code == 403
