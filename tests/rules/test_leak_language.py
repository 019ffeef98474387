"""The leak check reads a spoiler term the way people write it: inflected, with its words
moved or apart, in the passive, as a noun, with a character's other names, or with
another word of the same family; and clean text that names characters is left alone.

Everything goes through the public API (``check_article``, ``check_saved_article``,
``terms_for_work``) and, where it is cheap, through the admin.
"""

from importlib import import_module

import pytest
from django.test import Client

from explainers import roles
from explainers.leaks import Term, check_article, check_saved_article, terms_for_work
from explainers.models import Article, Credit, Person, SpoilerTerm, WordFamily
from tests.support.admin_forms import ADD_URL, article_post, errors_in, page_text, section_row
from tests.support.leaks import section

FAMILIES_URL = "/admin/explainers/wordfamily/"


@pytest.fixture
def families(db):
    """The starter word families of the data migration (a transactional test elsewhere
    may have emptied the table)."""
    if not WordFamily.objects.exists():
        starter = import_module("explainers.migrations.0018_starter_word_families")
        for name, category, words, notes in starter.STARTER_FAMILIES:
            WordFamily.objects.create(name=name, category=category, words=words, notes=notes)
    return {family.name: family for family in WordFamily.objects.all()}


@pytest.fixture
def cast(work):
    """The test work's characters, credited as the admin keeps them."""
    for order, (actor, character) in enumerate(
        [
            ("Mara Quill", "Dana “Dee” Whitfield"),
            ("Otto Brandt", "Mayor Ruben Castell"),
            ("Alaina Huffman", "Paloma"),
            ("Steven Weber", "Anton"),
            ("Logan Browning", "Elizabeth “Lizzie” Wells"),
            ("Allison Williams", "Charlotte Willmore"),
        ]
    ):
        person = Person.objects.create(name=actor, slug=f"actor-{order}")
        Credit.objects.create(
            work=work, person=person, role=Credit.Role.CAST, character_name=character, order=order
        )
    return work


def term(levels, work, phrase, rank=2, variants=""):
    SpoilerTerm.objects.create(
        phrase=phrase, variants=variants, work=work, spoiler_level=levels[rank]
    )
    return [t for t in terms_for_work(work) if t.phrase == phrase]


def leaks_in_dek(terms, dek, characters=()):
    return check_article(dek=dek, terms=terms, characters=characters).leaks


def found(terms, dek, characters=()):
    """The phrases of the terms found in ``dek`` (shown to everyone)."""
    return [leak.term for leak in leaks_in_dek(terms, dek, characters)]


# --- each way of writing a term --------------------------------------------------------


@pytest.mark.parametrize(
    "dek",
    [
        "Paloma gets killed.",
        "Then Paloma kills a man.",  # the wrong way round, but the same spoiler words
        "Paloma dies in the last act.",
        "Paloma died.",
        "We watch Paloma dying.",
    ],
)
def test_inflected_forms_and_family_words_of_a_term_are_leaks(families, cast, levels, dek):
    terms = term(levels, cast, "Paloma is killed", rank=3)
    assert found(terms, dek) == ["Paloma is killed"], dek


def test_without_the_families_inflections_are_still_found_but_not_other_words(db, levels):
    WordFamily.objects.all().delete()
    terms = [Term("Dana poisons the mayor", levels[2])]

    assert found(terms, "Dana poisoned the mayor.") == ["Dana poisons the mayor"]
    assert found(terms, "Dana is poisoning the mayor.") == ["Dana poisons the mayor"]
    assert found(terms, "Dana drugs the mayor.") == []


@pytest.mark.parametrize(
    "dek",
    [
        "Why she switches the alarm off.",
        "She switches off the alarm.",
        "The alarm is switched off by the guard.",
    ],
)
def test_a_particle_may_move_but_not_change(families, levels, dek):
    terms = [Term("switches off the alarm", levels[2])]
    assert found(terms, dek) == ["switches off the alarm"], dek
    assert found(terms, "She switches on the alarm.") == []


@pytest.mark.parametrize(
    "dek",
    [
        "The mayor was poisoned by Dana.",
        "The mayor is poisoned.",
        "Ruben Castell gets poisoned at the gala.",
        "Poisoned by Dana, the mayor collapses.",
        "Dana quietly poisons the old mayor.",
        "Dana's poisoning of the mayor.",
        "The mayor's poisoning.",
        "The poisoning of the mayor is the twist.",
        "Whitfield drugs the mayor.",
        "Dee doses Castell.",
        "Mara Quill's character doses the mayor.",
    ],
)
def test_passive_noun_forms_words_between_and_other_names_are_leaks(families, cast, levels, dek):
    terms = term(levels, cast, "Dana poisons the mayor")
    assert found(terms, dek) == ["Dana poisons the mayor"], dek


@pytest.mark.parametrize(
    ("phrase", "dek"),
    [
        ("Lizzie betrays Charlotte", "Lizzie double-crosses Charlotte."),
        ("Lizzie betrays Charlotte", "Wells sells Charlotte out."),
        ("Anton vanishes", "Anton disappears after the recital."),
        ("Anton vanishes", "Anton's disappearance"),
        ("cuts off her hand", "Lizzie cuts her own hand off."),
        ("cuts off her hand", "Lizzie amputates her hand."),
        ("Charlotte fakes her death", "Willmore stages her own murder."),
        ("Anton is the killer", "The murderer is Anton."),
        ("Paloma is killed", "Paloma dies at Anton's hands."),
        ("Anton is an impostor", "Anton is posing as someone else."),
    ],
)
def test_each_starter_family_speaks_for_its_words(families, cast, levels, phrase, dek):
    terms = term(levels, cast, phrase)
    assert found(terms, dek) == [phrase], dek


def test_a_reworded_match_explains_itself_with_its_place(families, cast, levels):
    terms = term(levels, cast, "Dana poisons the mayor")

    report = check_article(
        title="The mayor was poisoned by Dana",
        sections=[section(levels[1], "By the end, Whitfield has drugged the mayor.")],
        terms=terms,
    )

    assert [leak.message for leak in report.leaks] == [
        "Leak in the title: “The mayor was poisoned by Dana” — matches the term "
        "“Dana poisons the mayor” (Twist) as “mayor was poisoned by Dana”",
        "Leak in section 1 body: “By the end, Whitfield has drugged the mayor.” — matches "
        "the term “Dana poisons the mayor” (Twist) as “Whitfield has drugged the mayor”, "
        "above the section's level (Setup)",
    ]
    assert report.leaks[0].matched == "mayor was poisoned by Dana"


def test_the_term_written_word_for_word_keeps_its_plain_message(families, cast, levels):
    terms = term(levels, cast, "Dana poisons the mayor")
    (leak,) = leaks_in_dek(terms, "Dana poisons the mayor.")
    assert leak.matched == ""
    assert leak.message.endswith("— the term “Dana poisons the mayor” is a Twist spoiler")


def test_a_leak_inside_an_inline_spoiler_of_its_level_is_hidden_and_outside_is_not(
    families, cast, levels
):
    terms = term(levels, cast, "Paloma is killed", rank=1)
    report = check_article(
        sections=[section(levels[0], "Hidden: ||Paloma gets killed||. Open: Paloma dies.")],
        terms=terms,
    )
    assert [(leak.where, leak.matched) for leak in report.leaks] == [
        ("section 1 body", "Paloma dies")
    ]


def test_the_saved_check_uses_the_works_cast_for_names(families, cast, levels, make_article):
    SpoilerTerm.objects.create(phrase="Dana poisons the mayor", work=cast, spoiler_level=levels[2])
    article = make_article(
        sections=[(0, "Intro", "", "Safe."), (2, "Twist", "Later", "Later.")],
        dek="In the second act Ms. Whitfield poisons Mayor Castell.",
    )

    report = check_saved_article(article)

    assert [(leak.where, leak.matched) for leak in report.leaks] == [
        ("the dek", "Whitfield poisons Mayor Castell")
    ]


# --- precision: clean text is left alone ----------------------------------------------


CLEAN_DEKS = [
    "Dana meets the mayor at a fundraiser.",
    "Dana and the mayor argue about the budget.",
    "Paloma and Anton run the academy together.",
    "After her mother's death, Charlotte writes to Anton and Paloma.",
    "Paloma's husband died years before the film begins.",
    "Lizzie is dying to play for Anton again.",
    "Charlotte kills time in Shanghai before the final.",
    "Charlotte loses a competition to Lizzie.",
    "The film cuts between Charlotte and Lizzie.",
    "A handler meets Charlotte at the airport.",
    "Lizzie's hands move faster than anyone's.",
    "The mayor hands Dana a glass of water.",
    "Dana takes a dose of courage and speaks up.",
    "Killed in a crash years ago, her mother still haunts Charlotte.",
    "Killed in a crash, Paloma's brother left her the academy.",
    "The Perfection's ending, explained.",
]


@pytest.mark.parametrize("dek", CLEAN_DEKS)
def test_clean_text_that_names_characters_is_not_a_leak(families, cast, levels, dek):
    terms = [
        *term(levels, cast, "Dana poisons the mayor"),
        *term(levels, cast, "Paloma is killed", rank=3),
        *term(levels, cast, "Charlotte loses her left arm", rank=3),
        *term(levels, cast, "cuts off her hand"),
    ]
    assert leaks_in_dek(terms, dek) == [], dek


def test_a_single_word_term_matches_its_forms_but_not_its_family(families, levels):
    terms = [Term("murder", levels[2])]
    assert found(terms, "Two murders in one night.") == ["murder"]
    assert found(terms, "Everyone dies.") == []


# --- cue suggestions on the title and dek ------------------------------------------------


def test_cues_in_the_title_and_dek_are_suggested_but_not_the_topic_of_an_explainer(levels):
    report = check_article(
        title="The twist, explained: it turns out she knew",
        dek="Why Paloma dies, and what the final scene means.",
        sections=[section(levels[0]), section(levels[2], "Later.", safe_heading="Later")],
        characters=["Paloma"],
    )

    assert [(s.field, s.cues) for s in report.suggestions] == [
        ("title", ("“turns out”",)),
        ("dek", ("“dies”", "“Paloma” next to “dies”")),
    ]
    assert report.suggestions[0].message == (
        "Possible spoiler in the title: “The twist, explained: it turns out she knew” "
        "(“turns out”). If it gives something away, reword it."
    )
    assert not report.leaks


# --- the admin ------------------------------------------------------------------------------


def test_publishing_a_dek_with_a_reworded_leak_is_refused(senior_client, families, cast, levels):
    SpoilerTerm.objects.create(phrase="Paloma is killed", work=cast, spoiler_level=levels[3])
    rows = [section_row(levels[0], "Intro", "A thriller.", order=1)]
    data = article_post(
        cast, status="published", sections=rows, dek="The night Paloma gets murdered."
    )

    response = senior_client.post(ADD_URL, data)

    assert response.status_code == 200
    text = page_text(response)
    assert "This article cannot be published: the leak check found 1 leak." in text
    assert (
        "Leak in the dek: “The night Paloma gets murdered.” — matches the term "
        "“Paloma is killed” (Ending) as “Paloma gets murdered”" in text
    )
    assert not Article.objects.exists()


def moderator_client(role_user):
    client = Client()
    client.force_login(role_user(roles.MODERATOR, "mod"))
    return client


def test_moderators_extend_a_family_in_the_admin_and_the_check_follows(
    role_user, families, cast, levels, make_article
):
    terms = term(levels, cast, "Paloma is killed", rank=3)
    dek = "Anton dispatches Paloma in the last scene."
    assert found(terms, dek) == []
    article = make_article(sections=[(0, "Intro", "", "Text.")], dek=dek)
    killing = families["killing"]
    client = moderator_client(role_user)

    assert client.get(FAMILIES_URL).status_code == 200
    response = client.post(
        f"{FAMILIES_URL}{killing.pk}/change/",
        {
            "name": killing.name,
            "category": killing.category,
            "words": f"{killing.words}, dispatch",
            "notes": killing.notes,
        },
        follow=True,
    )

    assert response.redirect_chain, errors_in(response)
    assert found(terms_for_work(cast), dek) == ["Paloma is killed"]
    # The live article that now leaks is named to the moderator.
    assert f"Published article “{article.title}” now has a leak" in page_text(response)


def test_moderators_add_a_family_of_their_own(role_user, families, cast, levels):
    terms = term(levels, cast, "Anton silences Paloma")
    assert found(terms, "Anton gags Paloma.") == []
    client = moderator_client(role_user)

    response = client.post(
        f"{FAMILIES_URL}add/",
        {"name": "silencing", "category": "other", "words": "silence\ngag, muzzle", "notes": ""},
    )

    assert response.status_code == 302, errors_in(response)
    assert found(terms_for_work(cast), "Anton gags Paloma.") == ["Anton silences Paloma"]


def test_a_family_needs_two_words(role_user, families):
    response = moderator_client(role_user).post(
        f"{FAMILIES_URL}add/", {"name": "lonely", "category": "other", "words": "alone"}
    )
    assert response.status_code == 200
    assert "at least two words" in page_text(response)
    assert not WordFamily.objects.filter(name="lonely").exists()


def test_editors_cannot_change_the_families(senior_client, families):
    assert senior_client.get(FAMILIES_URL).status_code == 403
