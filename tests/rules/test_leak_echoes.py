"""The leak check learns from the article itself: a lower place that says again what a
higher section says of a character (a name with an event word) is suggested, never
blocked, even with no spoiler term for it."""

import pytest

from explainers import leaks
from explainers.models import Article, WordFamily
from tests.support.demo import load_demo

CHARACTERS = ["Charlotte Willmore", "Charlotte", "Elizabeth “Lizzie” Wells", "Lizzie"]
ENDING = "In the last chapter Charlotte poisons Anton's drink during the recital."


def sections(levels, *lower):
    return [
        {"spoiler_level": levels[0], "heading": "Before you read on", "body": "A thriller."},
        *lower,
        {
            "spoiler_level": levels[3],
            "heading": "The recital",
            "safe_heading": "How it ends",
            "body": ENDING,
        },
    ]


def echoes(report):
    return [s for s in report.suggestions if any("repeats" in cue for cue in s.cues)]


def test_a_dek_repeating_a_character_and_event_of_the_ending_is_suggested(levels):
    report = leaks.check_article(
        title="The Perfection, explained",
        dek="Why Charlotte finally poisons the man who ran the academy.",
        sections=sections(levels),
        characters=CHARACTERS,
    )
    assert not report.leaks  # no term: nothing blocks
    [echo] = echoes(report)
    assert echo.field == "dek" and echo.place == ""
    assert "Charlotte finally poisons" in echo.snippet
    message = echo.message
    assert message.startswith("Possible spoiler in the dek:")
    assert "repeats “Charlotte … poisons” of section 2 (Ending)" in message


def test_an_echo_is_found_reworded_with_a_word_of_the_same_family(levels):
    WordFamily.objects.create(name="Poisoning", category="other", words="poison, drug, dose")
    report = leaks.check_article(
        dek="The night Charlotte drugged the old man.",
        sections=sections(levels),
        characters=CHARACTERS,
    )
    [echo] = echoes(report)
    assert echo.field == "dek" and "Charlotte drugged" in echo.snippet


def test_a_lower_section_and_a_safe_heading_repeating_the_ending_are_suggested(levels):
    lower = {
        "spoiler_level": levels[1],
        "heading": "Who is who",
        "safe_heading": "",
        "body": "Charlotte, who poisons everyone she loves, meets Lizzie.",
    }
    twist = {
        "spoiler_level": levels[2],
        "heading": "The bus",
        "safe_heading": "Charlotte poisons someone",
        "body": "A long ride.",
    }
    report = leaks.check_article(sections=sections(levels, lower, twist), characters=CHARACTERS)
    places = sorted((echo.place, echo.field) for echo in echoes(report))
    assert places == [("section 2", "body"), ("section 3", "safe heading")]
    assert all("of section 4 (Ending)" in echo.message for echo in echoes(report))


def test_what_is_said_at_or_above_the_higher_level_or_of_another_character_is_fine(levels):
    same_level = {
        "spoiler_level": levels[3],
        "heading": "Afterwards",
        "safe_heading": "After the end",
        "body": "Charlotte poisons him, and walks away.",
    }
    report = leaks.check_article(
        dek="Lizzie poisons nobody; Charlotte plays the cello.",
        sections=sections(levels, same_level),
        characters=CHARACTERS,
    )
    assert echoes(report) == []


def test_an_echo_inside_an_inline_spoiler_or_without_characters_is_not_suggested(levels):
    lower = {
        "spoiler_level": levels[1],
        "heading": "Who is who",
        "safe_heading": "Who",
        "body": "They meet. ||Charlotte poisons him later.||",
    }
    report = leaks.check_article(sections=sections(levels, lower), characters=CHARACTERS)
    assert echoes(report) == []
    report = leaks.check_article(dek="Charlotte poisons Anton.", sections=sections(levels))
    assert echoes(report) == []


@pytest.mark.django_db
def test_the_demos_titles_deks_and_safe_headings_echo_nothing():
    load_demo()
    articles = list(Article.objects.select_related("work", "hero_image__spoiler_level"))
    assert len(articles) > 3
    for article in articles:
        report = leaks.check_saved_article(article)
        shown_to_all = [
            echo for echo in echoes(report) if echo.place == "" or echo.field == "safe heading"
        ]
        assert shown_to_all == [], (article.slug, [e.message for e in shown_to_all])


def test_an_event_owned_by_someone_else_is_no_echo(levels):
    lower = {
        "spoiler_level": levels[1],
        "heading": "Who is who",
        "safe_heading": "Who",
        "body": "After her mother's poisoning Charlotte returns to the academy.",
    }
    report = leaks.check_article(sections=sections(levels, lower), characters=CHARACTERS)
    assert echoes(report) == []
