"""``python manage.py demo``: fill the site with demo content, and (DEBUG only) demo logins.

Idempotent: every row is looked up by a stable key (a slug, a work and position, an
article and order, an article and citation key) and only written when something
differs, so a second run changes nothing and creates nothing. Rows the demo no longer
describes (a section past the last one, a credit no longer listed) are removed.

All text here is written for this project from the facts in
``shared/design/domain.md``. The sources cited are placeholders for the kinds of
source a real explainer cites: their outlets are fictional and their addresses are
example.org, and no quotation is presented as a verbatim quote.
"""

import datetime
from collections import Counter
from importlib import import_module

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.core.files.base import ContentFile
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from explainers import demo_stills, roles
from explainers.models import (
    Article,
    Citation,
    ContentWarning,
    Credit,
    Image,
    Person,
    ReaderReport,
    Section,
    Source,
    SpoilerLevel,
    SpoilerTerm,
    Work,
    WorkPart,
)
from explainers.models.reports import client_fingerprint

LADDER_MIGRATION = "explainers.migrations.0002_default_spoiler_ladder"
IMAGE_CREDIT = "Illustration drawn for the demo site"

# -- content warnings ------------------------------------------------------------------

CONTENT_WARNINGS = [
    # slug, name, description, is_spoiler
    (
        "sexual-abuse",
        "Sexual abuse, including of minors",
        "Discusses sexual abuse, including the abuse of children.",
        True,  # naming it gives away what the academy is hiding
    ),
    (
        "self-mutilation",
        "Self-mutilation",
        "Discusses a character injuring their own body.",
        True,
    ),
    (
        "drugging",
        "Drugging",
        "Discusses someone being given drugs or poison without their knowledge.",
        True,
    ),
    (
        "graphic-violence",
        "Graphic violence and mutilation",
        "Discusses violent injury and death in some detail.",
        False,
    ),
    (
        "suicide-attempt",
        "Suicide attempt (mentioned)",
        "A suicide attempt is mentioned, not shown.",
        False,
    ),
    (
        "electroshock-therapy",
        "Electroshock therapy (mentioned)",
        "Electroshock therapy is mentioned, not shown.",
        False,
    ),
    (
        "body-horror",
        "Body horror (vomiting, insects)",
        "Illness shown in physical detail, including vomiting and imagined insects.",
        False,
    ),
]

# -- images ----------------------------------------------------------------------------
# key (a drawing in demo_stills) -> fields.
# Alt text and captions of spoiler images describe the spoiler: they are only shown
# once a reader reveals the section they belong to.

IMAGES = {
    "concert-hall-stage": {
        "rank": 0,
        "alt_text": "An empty concert stage between red curtains, a cello resting beside a "
        "chair in a single spotlight.",
        "caption": "A stage waiting for its soloist.",
    },
    "rehearsal-room": {
        "rank": 1,
        "alt_text": "Two chairs and two music stands facing each other in an empty "
        "rehearsal room, pale light from a tall window.",
        "caption": "Two cellists, one place at the top: the rivalry that opens the film.",
    },
    "night-bus-window": {
        "rank": 2,
        "alt_text": "A bus window at night, rain on the glass and the lights of the road "
        "smeared past outside.",
        "caption": "The bus journey the film later rewinds, to show who was really in "
        "control of it.",
    },
    "shared-cello": {
        "rank": 3,
        "alt_text": "Two women in silhouette against warm light, playing one cello "
        "together: one hand on the strings, the other holding the bow.",
        "caption": "The final image: one cello, two players, neither able to play alone.",
    },
    "teacup": {
        "rank": 0,
        "alt_text": "A white teacup and spoon on a saucer, lit by a single lamp in a dim room.",
        "caption": "A quiet weekend in the country.",
    },
    "house-at-night": {
        "rank": 0,
        "alt_text": "A large old house at night, a few of its windows still lit, under a "
        "full moon.",
        "caption": "A family home with a death in it.",
    },
    "rainy-steps": {
        "rank": 0,
        "alt_text": "Rain falling on a long flight of city steps at night.",
        "caption": "A city of steep streets and steeper divides.",
    },
    "office-corridor": {
        "rank": 0,
        "alt_text": "A long, brightly lit, empty office corridor with a green carpet.",
        "caption": "Work, and nothing but work.",
    },
    "river-at-dawn": {
        "rank": 0,
        "alt_text": "A wide river under a grey sky at dawn, a dark line of trees on the far bank.",
        "caption": "A small town on the Mississippi.",
    },
}

# -- works -----------------------------------------------------------------------------

WORKS = [
    {
        "slug": "the-perfection",
        "title": "The Perfection",
        "kind": Work.Kind.FILM,
        "year": 2019,
        "release_date": datetime.date(2019, 5, 24),
        "platform": "Netflix",
        "synopsis": "A cellist who gave up a brilliant career gets back in touch with the "
        "elite music academy she left years ago, and with the gifted student who is now "
        "its star. What begins as a rivalry between two musicians soon takes a darker "
        "and stranger course.",
        "poster": "concert-hall-stage",
        "credits": [
            ("director", "Richard Shepard", ""),
            ("writer", "Richard Shepard", ""),
            ("writer", "Eric C. Charmelo", ""),
            ("writer", "Nicole Snyder", ""),
            ("cast", "Allison Williams", "Charlotte Willmore"),
            ("cast", "Logan Browning", "Elizabeth “Lizzie” Wells"),
            ("cast", "Steven Weber", "Anton"),
            ("cast", "Alaina Huffman", "Paloma"),
            ("cast", "Eileen Tian", "Zhang Li"),
            ("cast", "Mark Kandborg", "Theis"),
            ("cast", "Graeme Duffy", "Geoffrey"),
        ],
        # Descriptive labels, not the film's own chapter titles. Readers pick their
        # progress from these labels, so they must be safe: the last chapter's title,
        # "Duet", is kept as an Ending spoiler term and not named here.
        "parts": [
            "Opening: the reunion",
            "The trip",
            "Back at the academy",
            "The final chapter",
        ],
        "source_publisher": "Netflix",
    },
    {
        "slug": "get-out",
        "title": "Get Out",
        "kind": Work.Kind.FILM,
        "year": 2017,
        "release_date": datetime.date(2017, 2, 24),
        "platform": "Cinema release (Universal Pictures)",
        "synopsis": "A young Black photographer goes with his white girlfriend to meet her "
        "parents at their secluded country home, where the welcome is warm, and then a "
        "little too warm.",
        "poster": "teacup",
        "credits": [
            ("director", "Jordan Peele", ""),
            ("writer", "Jordan Peele", ""),
            ("cast", "Daniel Kaluuya", "Chris Washington"),
            ("cast", "Allison Williams", "Rose Armitage"),
            ("cast", "Bradley Whitford", "Dean Armitage"),
            ("cast", "Catherine Keener", "Missy Armitage"),
            ("cast", "LilRel Howery", "Rod Williams"),
        ],
        "parts": [],
        "source_publisher": "Universal Pictures",
    },
    {
        "slug": "knives-out",
        "title": "Knives Out",
        "kind": Work.Kind.FILM,
        "year": 2019,
        "release_date": datetime.date(2019, 11, 27),
        "platform": "Cinema release (Lionsgate)",
        "synopsis": "When a wealthy crime novelist is found dead the morning after his "
        "birthday party, a celebrated private detective arrives to question his "
        "squabbling family and his devoted nurse.",
        "poster": "house-at-night",
        "credits": [
            ("director", "Rian Johnson", ""),
            ("writer", "Rian Johnson", ""),
            ("cast", "Daniel Craig", "Benoit Blanc"),
            ("cast", "Ana de Armas", "Marta Cabrera"),
            ("cast", "Chris Evans", "Ransom Drysdale"),
            ("cast", "Jamie Lee Curtis", "Linda Drysdale"),
            ("cast", "Christopher Plummer", "Harlan Thrombey"),
        ],
        "parts": [],
        "source_publisher": "Lionsgate",
    },
    {
        "slug": "parasite",
        "title": "Parasite",
        "kind": Work.Kind.FILM,
        "year": 2019,
        "release_date": datetime.date(2019, 5, 30),
        "platform": "Cinema release (CJ Entertainment)",
        "synopsis": "A hard-up family living in a semi-basement flat talks its way, one "
        "member at a time, into jobs with a wealthy household.",
        "poster": "rainy-steps",
        "credits": [
            ("director", "Bong Joon-ho", ""),
            ("writer", "Bong Joon-ho", ""),
            ("writer", "Han Jin-won", ""),
            ("cast", "Song Kang-ho", "Kim Ki-taek"),
            ("cast", "Choi Woo-shik", "Kim Ki-woo"),
            ("cast", "Park So-dam", "Kim Ki-jung"),
            ("cast", "Lee Sun-kyun", "Park Dong-ik"),
            ("cast", "Cho Yeo-jeong", "Park Yeon-kyo"),
            ("cast", "Lee Jung-eun", "Moon-gwang"),
        ],
        "parts": [],
        "source_publisher": "CJ Entertainment",
    },
    {
        "slug": "severance",
        "title": "Severance",
        "kind": Work.Kind.SERIES,
        "year": 2022,
        "release_date": datetime.date(2022, 2, 18),
        "platform": "Apple TV+",
        "synopsis": "Office workers at a secretive company have agreed to a procedure that "
        "splits their memories in two: at work they remember nothing of their lives "
        "outside, and at home nothing of their jobs.",
        "poster": "office-corridor",
        "credits": [
            ("creator", "Dan Erickson", ""),
            ("director", "Ben Stiller", ""),
            ("cast", "Adam Scott", "Mark Scout"),
            ("cast", "Britt Lower", "Helly R."),
            ("cast", "Zach Cherry", "Dylan G."),
            ("cast", "John Turturro", "Irving B."),
            ("cast", "Patricia Arquette", "Harmony Cobel"),
            ("cast", "Tramell Tillman", "Seth Milchick"),
        ],
        "parts": [f"Season 1, episode {n}" for n in range(1, 10)],
        "source_publisher": "Apple TV+",
    },
    {
        "slug": "gone-girl",
        "title": "Gone Girl",
        "kind": Work.Kind.BOOK,
        "year": 2012,
        "release_date": None,
        "platform": "Crown",
        "synopsis": "On the morning of their fifth wedding anniversary, Nick Dunne's wife "
        "Amy disappears from their home in Missouri, and suspicion soon settles on him.",
        "poster": "river-at-dawn",
        "credits": [("author", "Gillian Flynn", "")],
        "parts": ["Part one", "Part two", "Part three"],
        "source_publisher": "Crown",
        "source_author": "Gillian Flynn",
    },
]

# -- sources other than the works themselves -------------------------------------------

SOURCES = {
    "shepard-interview": {
        "kind": Source.Kind.INTERVIEW,
        "title": "Richard Shepard on the ending of The Perfection (demo placeholder)",
        "author": "",
        "publisher": "Example Film Journal (fictional)",
        "url": "https://example.org/film-journal/richard-shepard-the-perfection",
        "accessed_on": datetime.date(2025, 1, 15),
    },
    "ending-article": {
        "kind": Source.Kind.ARTICLE,
        "title": "The Perfection’s ending, explained (demo placeholder)",
        "author": "",
        "publisher": "Example Streaming Guide (fictional)",
        "url": "https://example.org/streaming-guide/the-perfection-ending",
        "accessed_on": datetime.date(2025, 1, 15),
    },
}

INTERVIEW_PARAPHRASE = (
    "Paraphrase, not a verbatim quote: the director talks through how the film builds "
    "to its final image."
)

# -- articles --------------------------------------------------------------------------
# citations: (key, source, locator, quotation); a source is a SOURCES key, or "work"
# for the article's own work. sections: (rank, heading, safe_heading, body, warnings,
# reveals_through part position or None, image key or None).

ARTICLES = [
    {
        "slug": "richard-shepard-on-the-perfection",
        "title": "Richard Shepard on the choices behind The Perfection",
        "dek": "The director of Netflix's cello thriller on the films that shaped it, why "
        "it is told in chapters, and how it arrives at its last scene. We follow the "
        "interview step by step, with every spoiler folded away until you ask for it.",
        "work": "the-perfection",
        "status": Article.Status.PUBLISHED,
        "days_ago": 6,
        "hero": "concert-hall-stage",
        "authors": ["editor"],
        "related": ["the-perfection-ending-explained"],
        "citations": [
            ("shepard-influences", "shepard-interview", "On his influences", ""),
            ("shepard-ending", "shepard-interview", "On the ending", INTERVIEW_PARAPHRASE),
            ("film-opening", "work", "Chapter: the reunion", ""),
            ("film-trip", "work", "Chapter: the trip", ""),
            ("film-duet", "work", "Chapter: Duet", ""),
            ("ending-article", "ending-article", "", ""),
        ],
        "sections": [
            (
                0,
                "A thriller that keeps changing shape",
                "",
                "*The Perfection* reached Netflix on 24 May 2019, a year after its "
                "festival premiere. It runs about an hour and a half and is divided into "
                "titled chapters, a structure that lets it change genre more than once "
                "without pausing to announce it [@film-opening].\n\n"
                "Asked where the film came from, Richard Shepard points to the work of "
                "Park Chan-wook, and to *The Handmaiden* in particular "
                "[@shepard-influences]. If you know that film, you know the kind of "
                "storytelling he means: patient, elegant, and never quite what it first "
                "appears to be.",
                [],
                None,
                None,
            ),
            (
                1,
                "Why Charlotte goes back to the Bachoff Academy",
                "Where the story begins",
                "Charlotte Willmore (Allison Williams) was once the brightest young "
                "cellist at the Bachoff Academy of Music. She left to look after her sick "
                "mother, and the caring lasted ten years. When her mother dies, Charlotte "
                "gets back in touch with her old teachers, Anton (Steven Weber) and "
                "Paloma (Alaina Huffman) [@film-opening].\n\n"
                "Through them she meets Lizzie Wells (Logan Browning), the academy's "
                "current star and, in a sense, the musician Charlotte might have become. "
                "The film plays their first meeting as a rivalry that quickly turns into "
                "a romance, and the two set off together on a bus trip through rural "
                "China [@film-trip], ||a journey the film will later replay from a very "
                "different angle||.",
                [],
                1,
                "rehearsal-room",
            ),
            (
                2,
                "How the film rewinds the bus journey",
                "How the film plays with time",
                "On the bus Lizzie falls ill and becomes convinced that insects are "
                "crawling under her skin. The sequence ends with her cutting off her own "
                "hand [@film-trip].\n\n"
                "Then the film rewinds. On the second pass we see what we missed: "
                "Charlotte had slipped Lizzie her late mother's medication, and it was "
                "Charlotte who talked her, step by step, into the cut. To our eyes, this "
                "is where the Park Chan-wook influence Shepard mentions "
                "[@shepard-influences] shows most clearly: the same events replayed until "
                "the audience realises how much it failed to notice.",
                ["drugging", "self-mutilation", "body-horror"],
                2,
                "night-bus-window",
            ),
            (
                2,
                "The abuse hidden behind the academy's prestige",
                "The director's second influence",
                "Shepard's other reference point is not a thriller at all but a "
                "documentary series, *The Keepers*, about abuse at a Catholic school "
                "[@shepard-influences]. Its shadow falls across the second half of the "
                "film.\n\n"
                "After Lizzie is expelled from the academy, she captures Charlotte and "
                "brings her back, and the truth about the place comes out. The teachers "
                "rape the students who fail to play “the perfection”, a flawless "
                "performance, in the Chapel, the academy's acoustically perfect room; "
                "the chosen students carry a small tattoo of a musical note. Charlotte "
                "knew what the academy was, and that recasts the bus trip: she was not "
                "trying to ruin Lizzie, she was trying to free her [@ending-article].",
                ["sexual-abuse"],
                3,
                None,
            ),
            (
                3,
                "One cello, two players: the final image",
                "How the film ends",
                "The last chapter is called *Duet* [@film-duet], and the title is the "
                "point. Charlotte and Lizzie have been working together. They poison "
                "Theis and Geoffrey, Paloma is killed, and Anton is overpowered and "
                "mutilated. Charlotte pays for it with her left arm.\n\n"
                "The film closes on the two women at a single cello, Lizzie's remaining "
                "hand on the strings and Charlotte's on the bow, with Anton forced to "
                "listen. Shepard talks through how the film builds to that image in the "
                "interview [@shepard-ending]. Our reading: it turns the academy's idea of "
                "perfection inside out. The flawless solo the teachers used as a test "
                "and a trap becomes music neither woman could make alone.",
                ["graphic-violence", "drugging"],
                4,
                "shared-cello",
            ),
        ],
    },
    {
        "slug": "the-perfection-ending-explained",
        "title": "The Perfection’s ending, explained",
        "dek": "Netflix's 2019 thriller changes course more than once before its final "
        "chapter. Here is what happens and what it means, one spoiler level at a time: "
        "read only as far as you have watched.",
        "work": "the-perfection",
        "status": Article.Status.PUBLISHED,
        "days_ago": 3,
        "hero": "concert-hall-stage",
        "authors": ["editor"],
        "related": ["richard-shepard-on-the-perfection"],
        "citations": [
            ("film-opening", "work", "Chapter: the reunion", ""),
            ("film-trip", "work", "Chapter: the trip", ""),
            ("film-academy", "work", "Chapter: back at the academy", ""),
            ("film-duet", "work", "Chapter: Duet", ""),
            ("shepard-interview", "shepard-interview", "On the ending", INTERVIEW_PARAPHRASE),
            ("ending-article", "ending-article", "", ""),
        ],
        "sections": [
            (
                0,
                "Before you read on",
                "",
                "*The Perfection* is a psychological horror thriller directed by Richard "
                "Shepard, who wrote it with Eric C. Charmelo and Nicole Snyder. Allison "
                "Williams and Logan Browning play two gifted cellists whose paths cross "
                "at an elite music academy [@film-opening], ||and whose rivalry soon "
                "turns into a romance||. The film takes its music seriously: the cello "
                "is watched as closely as any of the scares.\n\n"
                "This explainer is written in layers. Each section below is marked with "
                "how much it gives away and stays folded until you open it, so you can "
                "stop where you have got to in the film.\n\n"
                "A content note: the film deals with disturbing material, listed with "
                "each section. Some of it comes up only in dialogue: a suicide attempt "
                "and electroshock therapy are mentioned rather than shown.",
                ["suicide-attempt", "electroshock-therapy"],
                None,
                None,
            ),
            (
                1,
                "Charlotte, Lizzie and a rivalry that turns into romance",
                "Who's who, and how it starts",
                "Charlotte left the Bachoff Academy of Music to care for her mother, and "
                "gave a decade of her career to it. After her mother's death she "
                "reconnects with her old teachers, Anton and Paloma, and meets Lizzie, "
                "the student who now holds the place Charlotte once had "
                "[@film-opening].\n\n"
                "The two circle each other as rivals, then fall for each other, and set "
                "off together on a bus trip through rural China. For a while the film "
                "seems to have settled into a love story [@film-trip]. ||It does not stay "
                "one for long.||",
                [],
                1,
                "rehearsal-room",
            ),
            (
                2,
                "What really happened on the bus",
                "The first turn",
                "Partway through the trip Lizzie falls sick. She vomits, she sweats, and "
                "she becomes certain that insects are moving under her skin. In the end "
                "she cuts off her own hand [@film-trip].\n\n"
                "The film then rewinds to the start of the trip and plays it again with "
                "the missing pieces put back. Charlotte had given Lizzie her dead "
                "mother's medication, and it was Charlotte who talked her into the cut. "
                "The first time through we are watching a horror film about an "
                "infection; the second time, a story about a plan [@ending-article].",
                ["drugging", "self-mutilation", "body-horror"],
                2,
                "night-bus-window",
            ),
            (
                2,
                "Lizzie's revenge, and the truth about the Chapel",
                "The second turn",
                "Expelled from the academy, Lizzie takes her revenge: she captures "
                "Charlotte and brings her back [@film-academy]. It looks as if a story "
                "about two rivals has become a story about punishment.\n\n"
                "The academy's secret is the Chapel, a room built for perfect acoustics. "
                "Students who fail to play “the perfection” there, a flawless "
                "performance, are raped by their teachers; the chosen few carry a small "
                "tattoo of a musical note. Charlotte knew what the academy was. Seen in "
                "that light, what she did on the bus was brutal but purposeful: it made "
                "Lizzie useless to the academy, and so freed her from it "
                "[@ending-article].",
                ["sexual-abuse"],
                3,
                None,
            ),
            (
                3,
                "Duet: how Charlotte and Lizzie turn the tables",
                "How the final chapter plays out",
                "The final chapter, *Duet* [@film-duet], shows that Lizzie's capture of "
                "Charlotte was not what it seemed: by then the two women were working "
                "together. They poison Theis and Geoffrey, Paloma is killed, and Anton "
                "is overpowered and mutilated. Charlotte does not come through "
                "unscathed: she loses her left arm.\n\n"
                "This is why the second half of the film feels like a different genre. "
                "The thriller about a rivalry was cover for a revenge story, told from "
                "the side of the people the academy hurt [@ending-article].",
                ["graphic-violence", "drugging"],
                4,
                None,
            ),
            (
                3,
                "The final image: one cello, two players",
                "What the last scene means",
                "The film ends on a performance. Lizzie, her one remaining hand on the "
                "strings, and Charlotte, holding the bow, play a single cello together "
                "while Anton is made to listen [@film-duet].\n\n"
                "Neither of them can play alone any more, and that is the meaning of the "
                "image as we read it. The academy prized a solitary, flawless "
                "performance and punished anyone who fell short; the film's answer is a "
                "duet. The director discusses how the film arrives at this scene in his "
                "interview about the ending [@shepard-interview].",
                ["graphic-violence"],
                4,
                "shared-cello",
            ),
        ],
    },
    {
        "slug": "the-perfection-listening-guide",
        "title": "A listening guide to The Perfection",
        "dek": "How the film uses the cello, its rehearsal rooms and its chapter "
        "structure to tell the story. A draft, still being written.",
        "work": "the-perfection",
        "status": Article.Status.DRAFT,
        "days_ago": None,
        "hero": "concert-hall-stage",
        "authors": ["editor"],
        "related": [],
        "citations": [("film-opening", "work", "Chapter: the reunion", "")],
        "sections": [
            (
                0,
                "The cello as a way in",
                "",
                "Both leads play cellists, and the film gives the instrument a lot of "
                "screen time: practice, performance, and the long silence before a "
                "performer begins [@film-opening].\n\n"
                "To do: add notes on the score, and on which pieces are heard where.",
                [],
                None,
                None,
            ),
            (
                1,
                "A room built for perfect sound",
                "A room to listen for",
                "The academy keeps a room it calls the Chapel, built to be acoustically "
                "perfect, and the film makes sure we notice it early [@film-opening].\n\n"
                "To do: how the sound changes whenever the story returns there.",
                [],
                1,
                None,
            ),
        ],
    },
    {
        "slug": "get-out-ending-explained",
        "title": "Get Out’s ending, explained",
        "dek": "Jordan Peele's debut hides its clues in plain sight. What the last act "
        "reveals, and why the final scene lands the way it does.",
        "work": "get-out",
        "status": Article.Status.PUBLISHED,
        "days_ago": 9,
        "hero": "teacup",
        "authors": ["moderator"],
        "related": [],
        "citations": [
            ("film-setup", "work", "First act", ""),
            ("film-reveal", "work", "Third act", ""),
            ("film-ending", "work", "Final scene", ""),
        ],
        "sections": [
            (
                0,
                "A weekend visit that goes wrong",
                "",
                "Chris Washington (Daniel Kaluuya) spends a weekend with the family of "
                "his girlfriend, Rose Armitage (Allison Williams), at their house in the "
                "country. Everyone is polite, and everything feels slightly off "
                "[@film-setup].",
                [],
                None,
                None,
            ),
            (
                2,
                "The Sunken Place, and what the Armitages want",
                "The big reveal",
                "Rose's mother, Missy, hypnotises Chris with the scrape of a spoon "
                "against a teacup and drops him into the Sunken Place, where he can see "
                "but not act [@film-reveal]. The family's secret is a procedure that "
                "moves the brains of white buyers into the bodies of Black people they "
                "have lured to the house, and Rose is the lure.",
                [],
                None,
                None,
            ),
            (
                3,
                "Who comes to the rescue",
                "How it ends",
                "Chris blocks the hypnosis by stuffing his ears with cotton pulled from "
                "the armchair, and fights his way out. When flashing lights pull up at "
                "the end, the film lets us expect the police, which would be the worst "
                "outcome for him; instead it is his friend Rod, a TSA officer, come to "
                "take him home [@film-ending].",
                ["graphic-violence"],
                None,
                None,
            ),
        ],
    },
    {
        "slug": "knives-out-twists-explained",
        "title": "Knives Out: the twists, explained",
        "dek": "Rian Johnson's whodunnit shows its hand early and still keeps a card in "
        "reserve. How the mystery of Harlan Thrombey's death is really solved.",
        "work": "knives-out",
        "status": Article.Status.PUBLISHED,
        "days_ago": 12,
        "hero": "house-at-night",
        "authors": ["admin"],
        "related": ["parasite-ending-explained"],
        "citations": [
            ("film-setup", "work", "Opening", ""),
            ("film-flashback", "work", "First flashback to the party", ""),
            ("film-ending", "work", "Final scene", ""),
        ],
        "sections": [
            (
                0,
                "A whodunnit with its cards on the table",
                "",
                "Harlan Thrombey (Christopher Plummer), a wealthy crime novelist, is "
                "found dead after his birthday party. Detective Benoit Blanc (Daniel "
                "Craig) arrives to question a family with plenty of motives, and "
                "Harlan's nurse, Marta Cabrera (Ana de Armas) [@film-setup].",
                [],
                None,
                None,
            ),
            (
                2,
                "What Marta thinks happened",
                "The early reveal",
                "Surprisingly early, the film shows us the night of the death. Marta "
                "believes she mixed up Harlan's medicines and gave him a fatal dose of "
                "morphine. With no antidote to hand, Harlan coaches her through an "
                "alibi and then takes his own life to protect her [@film-flashback].",
                ["graphic-violence"],
                None,
                None,
            ),
            (
                3,
                "Who is really to blame",
                "How the mystery is solved",
                "Blanc's solution: Harlan's grandson Ransom (Chris Evans) had swapped the "
                "contents of the vials to frame Marta, who, by instinct, had given the "
                "right medicine after all. Harlan died believing a mistake that never "
                "happened. The last shot finds Marta on the balcony of the house that is "
                "now hers, holding Harlan's mug and looking down at the family below "
                "[@film-ending].",
                [],
                None,
                None,
            ),
        ],
    },
    {
        "slug": "parasite-ending-explained",
        "title": "Parasite’s ending, explained",
        "dek": "Bong Joon-ho's Palme d'Or winner turns on a single rainy night. What "
        "happens in its final act, and what the last scene is really showing us.",
        "work": "parasite",
        "status": Article.Status.PUBLISHED,
        "days_ago": 16,
        "hero": "rainy-steps",
        "authors": ["moderator"],
        "related": ["knives-out-twists-explained"],
        "citations": [
            ("film-setup", "work", "First act", ""),
            ("film-storm", "work", "The night of the storm", ""),
            ("film-ending", "work", "Final scenes", ""),
        ],
        "sections": [
            (
                0,
                "Two families, one house",
                "",
                "The Kims live in a cramped semi-basement flat. One by one, and under "
                "false names, they take jobs with the wealthy Park family: tutor, art "
                "therapist, driver, housekeeper [@film-setup].",
                [],
                None,
                None,
            ),
            (
                2,
                "Who lives beneath the house",
                "The midpoint turn",
                "While the Parks are away, the housekeeper the Kims pushed out, "
                "Moon-gwang, comes back in the rain. Her husband, Geun-sae, has been "
                "living for years in a hidden bunker beneath the house [@film-storm].",
                [],
                None,
                None,
            ),
            (
                3,
                "The garden party and the letter",
                "How it ends",
                "At the Parks' garden party Geun-sae attacks, and Ki-jung is stabbed. Ki-"
                "taek kills Mr Park, then vanishes into the bunker. Ki-woo later decodes "
                "his father's messages, sent in Morse by flickering a light, and writes "
                "back a promise to earn enough to buy the house. The film shows that "
                "future as if it were real, then returns us to the semi-basement "
                "[@film-ending].",
                ["graphic-violence"],
                None,
                None,
            ),
        ],
    },
    {
        "slug": "severance-season-one-finale-explained",
        "title": "Severance season one: the finale, explained",
        "dek": "Apple TV+'s workplace thriller ends its first season on a cliffhanger. "
        "What the last episode reveals, and where it leaves the people of the severed "
        "floor.",
        "work": "severance",
        "status": Article.Status.PUBLISHED,
        "days_ago": 20,
        "hero": "office-corridor",
        "authors": ["admin"],
        "related": [],
        "citations": [
            ("pilot", "work", "Season 1, episode 1", ""),
            ("finale", "work", "Season 1, episode 9", ""),
        ],
        "sections": [
            (
                0,
                "The rules of the severed floor",
                "",
                "At Lumon Industries, severed employees live two lives: the “innie” "
                "who works and the “outie” who goes home, neither remembering the other "
                "[@pilot].",
                [],
                None,
                None,
            ),
            (
                1,
                "Mark, Helly and a new arrival",
                "Who's who on the floor",
                "Mark Scout (Adam Scott) chose severance to escape his grief after his "
                "wife's death. Helly (Britt Lower) wakes up on the floor in the first "
                "episode and wants out from the start [@pilot].",
                [],
                1,
                None,
            ),
            (
                3,
                "What the innies learn outside",
                "What the finale reveals",
                "Dylan holds open a switch that wakes Mark, Helly and Irving as their "
                "innie selves in the outside world [@finale]. Helly discovers she is "
                "Helena Eagan, a daughter of the family that runs Lumon. And Mark "
                "realises that Ms. Casey, the severed floor's wellness counsellor, is his "
                "wife, Gemma, who is supposed to be dead.",
                [],
                9,
                None,
            ),
        ],
    },
    {
        "slug": "gone-girl-twist-explained",
        "title": "Gone Girl: the twist, explained",
        "dek": "Gillian Flynn's bestseller is built on two unreliable narrators. How "
        "the novel's structure sets up its midpoint turn, and why its ending divides "
        "readers.",
        "work": "gone-girl",
        "status": Article.Status.PUBLISHED,
        "days_ago": 25,
        "hero": "river-at-dawn",
        "authors": ["editor"],
        "related": [],
        "citations": [
            ("part-one", "work", "Part one", ""),
            ("part-two", "work", "Part two", ""),
            ("part-three", "work", "Part three", ""),
        ],
        "sections": [
            (
                0,
                "Two voices",
                "",
                "The novel alternates between Nick, in the days after his wife "
                "vanishes, and entries from Amy's diary, going back to when they met "
                "[@part-one].",
                [],
                None,
                None,
            ),
            (
                2,
                "What the diary really is",
                "The midpoint turn",
                "Part two opens with Amy alive and well. She staged her own "
                "disappearance to frame Nick for her murder, and the diary we have been "
                "reading was written as evidence against him [@part-two].",
                [],
                2,
                None,
            ),
            (
                3,
                "Why Nick stays",
                "How the novel ends",
                "Amy kills Desi Collings, the old admirer who has been sheltering her, "
                "and comes home claiming he held her captive. She is pregnant with Nick's "
                "child, and Nick, trapped, stays [@part-three].",
                ["graphic-violence"],
                3,
                None,
            ),
        ],
    },
]

# -- demo logins (DEBUG only) ----------------------------------------------------------

# Spoiler terms moderators keep for The Perfection: (phrase, variants, level rank, why).
SPOILER_TERMS = [
    (
        "cuts off her hand",
        "cuts off her own hand, cut off her hand, cut off her own hand",
        2,
        "The mid-film reveal on the bus trip.",
    ),
    ("Duet", "", 3, "The last chapter's title; what happens in it is the ending."),
    ("loses her left arm", "", 3, "Charlotte's fate in the final chapter."),
    ("Paloma is killed", "", 3, "Part of the resolution."),
]

# Reader reports, so the moderation queue and dashboard have something in them:
# (article slug, section order or None for the whole article, reason, what the reader
# wrote, days ago, status). Closed ones are resolved by the demo moderator.
READER_REPORTS = [
    (
        "the-perfection-ending-explained",
        3,
        "heading",
        "The folded heading of this part already made me guess what happens on the bus.",
        1,
        "open",
    ),
    (
        "the-perfection-ending-explained",
        2,
        "level",
        "This is marked as setup but it tells you about the romance, which I think "
        "should be a bigger spoiler.",
        4,
        "open",
    ),
    (
        "the-perfection-ending-explained",
        None,
        "warning",
        "Please add a warning for the insects scene, I had to stop reading.",
        9,
        "open",
    ),
    (
        "richard-shepard-on-the-perfection",
        3,
        "unmarked",
        "The first paragraph mentions the rewind before the spoiler box opens.",
        16,
        "open",
    ),
    (
        "knives-out-twists-explained",
        2,
        "other",
        "Not a spoiler exactly but the link in this section is broken.",
        23,
        "dismissed",
    ),
    (
        "get-out-ending-explained",
        None,
        "heading",
        "The summary on the home page hints at the twist.",
        37,
        "dismissed",
    ),
    (
        "parasite-ending-explained",
        2,
        "level",
        "Who lives under the house is the biggest surprise of the film, this should be "
        "marked higher.",
        52,
        "resolved",
    ),
]

USERS = [
    {
        "username": "editor",
        "password": "editor-demo-pass",
        "first_name": "Eda",
        "last_name": "Marlow",
        "role": roles.EDITOR,
    },
    {
        "username": "senior",
        "password": "senior-demo-pass",
        "first_name": "Sol",
        "last_name": "Okafor",
        "role": roles.SENIOR_EDITOR,
    },
    {
        "username": "moderator",
        "password": "moderator-demo-pass",
        "first_name": "Morgan",
        "last_name": "Reyes",
        "role": roles.MODERATOR,
    },
    {
        "username": "admin",
        "password": "admin-demo-pass",
        "first_name": "Ada",
        "last_name": "Quinn",
        "role": None,  # a superuser
    },
]


ROLE_SUMMARY = {name: role["does"] for name, role in roles.ROLES.items()}


class Command(BaseCommand):
    help = (
        "Create demo content: The Perfection and its explainers, a few other works, "
        "drawn illustrations, and (with DEBUG on) demo logins. Safe to run repeatedly."
    )

    def handle(self, *args, **options):
        self.created = Counter()
        self.updated = Counter()
        self.levels = self.spoiler_ladder()
        with transaction.atomic():
            users = self.sync_users() if settings.DEBUG else None
            self.warnings = {
                slug: self.sync(
                    ContentWarning,
                    {"slug": slug},
                    {"name": name, "description": description, "is_spoiler": is_spoiler},
                )
                for slug, name, description, is_spoiler in CONTENT_WARNINGS
            }
            self.images = {key: self.sync_image(key, spec) for key, spec in IMAGES.items()}
            self.works = {spec["slug"]: self.sync_work(spec) for spec in WORKS}
            self.sources = {
                key: self.sync(
                    Source,
                    {"kind": spec["kind"], "title": spec["title"]},
                    {name: value for name, value in spec.items() if name not in ("kind", "title")},
                )
                for key, spec in SOURCES.items()
            }
            perfection = self.works["the-perfection"]
            for phrase, variants, rank, notes in SPOILER_TERMS:
                self.sync(
                    SpoilerTerm,
                    {"work": perfection, "phrase": phrase},
                    {"variants": variants, "spoiler_level": self.levels[rank], "notes": notes},
                )
            articles = {spec["slug"]: self.sync_article(spec, users) for spec in ARTICLES}
            for spec in ARTICLES:
                articles[spec["slug"]].related.set([articles[slug] for slug in spec["related"]])
            self.sync_reports(articles, users)
        self.print_summary(users)

    def spoiler_ladder(self):
        """The ladder by rank. Migration 0002 seeds it; a flushed database (transactional
        tests) has lost those rows, so missing ranks are re-seeded from the same defaults.
        Existing levels are never touched: moderators own their wording."""
        levels = {level.rank: level for level in SpoilerLevel.objects.all()}
        for spec in import_module(LADDER_MIGRATION).DEFAULT_LADDER:
            if spec["rank"] not in levels:
                levels[spec["rank"]] = SpoilerLevel.objects.create(**spec)
                self.created["SpoilerLevel"] += 1
        return levels

    # -- generic upsert ---------------------------------------------------------------

    def sync(self, model, lookup, defaults=None, create_only=None):
        """Get the row matching ``lookup``, create it, or update only what differs."""
        defaults = defaults or {}
        obj = model.objects.filter(**lookup).first()
        if obj is None:
            obj = model(**lookup, **defaults, **(create_only or {}))
            self.validate_and_save(obj)
            self.created[model.__name__] += 1
            return obj
        changed = [name for name, value in defaults.items() if getattr(obj, name) != value]
        if changed:
            for name in changed:
                setattr(obj, name, defaults[name])
            self.validate_and_save(obj)
            self.updated[model.__name__] += 1
        return obj

    @staticmethod
    def validate_and_save(obj):
        # The same validation as the admin, so demo content obeys the editors' rules.
        obj.full_clean(exclude=[f.name for f in obj._meta.fields if not f.editable])
        obj.save()

    def prune(self, queryset, keep):
        """Delete rows of ``queryset`` the demo no longer describes."""
        deleted, _ = queryset.exclude(pk__in=[obj.pk for obj in keep]).delete()
        if deleted:
            self.updated[queryset.model.__name__] += deleted

    # -- users ------------------------------------------------------------------------

    def sync_users(self):
        User = get_user_model()
        users = {}
        roles.sync_roles()  # a flushed database (transactional tests) has lost the groups
        for spec in USERS:
            user = self.sync(
                User,
                {"username": spec["username"]},
                {
                    "first_name": spec["first_name"],
                    "last_name": spec["last_name"],
                    "email": f"{spec['username']}@example.org",
                    "is_staff": True,
                    "is_active": True,
                    "is_superuser": spec["role"] is None,
                },
                create_only={"password": make_password(spec["password"])},
            )
            if not user.check_password(spec["password"]):
                user.set_password(spec["password"])
                user.save(update_fields=["password"])
            groups = [Group.objects.get(name=spec["role"])] if spec["role"] else []
            if set(user.groups.all()) != set(groups):
                user.groups.set(groups)
            if user.user_permissions.exists():
                user.user_permissions.clear()  # an older demo gave permissions one by one
            users[spec["username"]] = user
        return users

    # -- images -----------------------------------------------------------------------

    def sync_image(self, key, spec):
        """One drawn illustration; the file is drawn only when the row or file is missing."""
        level = self.levels[spec["rank"]]
        fields = {
            "alt_text": spec["alt_text"],
            "caption": spec["caption"],
            "credit": IMAGE_CREDIT,
            "spoiler_level": level,
        }
        name = f"demo-{key}.jpg"
        # Stored names are random (they must not spoil), so the demo finds its own
        # drawings by their credit and caption.
        image = (
            Image.objects.filter(credit=IMAGE_CREDIT, caption=spec["caption"])
            .order_by("pk")
            .first()
        )
        if image is None:
            image = Image(**fields)
            image.file.save(name, ContentFile(demo_stills.jpeg_bytes(key)), save=False)
            self.validate_and_save(image)
            self.created["Image"] += 1
            return image
        changed = [field for field, value in fields.items() if getattr(image, field) != value]
        for field in changed:
            setattr(image, field, fields[field])
        if not image.file.storage.exists(image.file.name):
            image.file.save(name, ContentFile(demo_stills.jpeg_bytes(key)), save=False)
            changed.append("file")
        if changed:
            self.validate_and_save(image)
            self.updated["Image"] += 1
        return image

    # -- works ------------------------------------------------------------------------

    def sync_work(self, spec):
        work = self.sync(
            Work,
            {"slug": spec["slug"]},
            {
                "title": spec["title"],
                "kind": spec["kind"],
                "year": spec["year"],
                "release_date": spec["release_date"],
                "platform": spec["platform"],
                "synopsis": spec["synopsis"],
                "poster": self.images[spec["poster"]],
            },
        )
        credits = []
        order_in_role = Counter()
        for role, name, character in spec["credits"]:
            person = self.sync(Person, {"slug": slugify(name)}, {"name": name})
            credits.append(
                self.sync(
                    Credit,
                    {"work": work, "person": person, "role": role},
                    {"character_name": character, "order": order_in_role[role]},
                )
            )
            order_in_role[role] += 1
        self.prune(work.credits.all(), credits)
        parts = [
            self.sync(WorkPart, {"work": work, "position": position}, {"label": label})
            for position, label in enumerate(spec["parts"], start=1)
        ]
        self.prune(work.parts.all(), parts)
        self.sync(
            Source,
            {"kind": Source.Kind.WORK, "work": work},
            {
                "title": work.title,
                "author": spec.get("source_author", ""),
                "publisher": spec["source_publisher"],
                "published_on": spec["release_date"],
            },
        )
        return work

    # -- articles ---------------------------------------------------------------------

    def sync_article(self, spec, users):
        work = self.works[spec["work"]]
        published = spec["status"] == Article.Status.PUBLISHED
        create_only = {}
        if published:
            # Fixed on first run: later runs keep the date, so nothing churns.
            now = timezone.now().replace(minute=0, second=0, microsecond=0)
            create_only["published_at"] = now - datetime.timedelta(days=spec["days_ago"])
        defaults = {
            "title": spec["title"],
            "dek": spec["dek"],
            "work": work,
            "status": spec["status"],
            "hero_image": self.images[spec["hero"]],
        }
        if not published:
            defaults["published_at"] = None
        with transaction.atomic():
            article = self.sync(Article, {"slug": spec["slug"]}, defaults, create_only)
            if users is not None:
                authors = [users[username] for username in spec["authors"]]
                if set(article.authors.all()) != set(authors):
                    article.authors.set(authors)
            citations = [
                self.sync(
                    Citation,
                    {"article": article, "key": key},
                    {
                        "source": self.work_source(work)
                        if source == "work"
                        else self.sources[source],
                        "locator": locator,
                        "quotation": quotation,
                    },
                )
                for key, source, locator, quotation in spec["citations"]
            ]
            self.prune(article.citations.all(), citations)
            sections = [
                self.sync_section(article, work, order, section)
                for order, section in enumerate(spec["sections"], start=1)
            ]
            self.prune(article.sections.all(), sections)
            report = article.render_sections()
            if report.unknown_keys or report.unused_keys:
                raise CommandError(
                    f"Demo article {article.slug!r} cites unknown keys "
                    f"{report.unknown_keys} or never cites {report.unused_keys}."
                )
        return article

    def work_source(self, work):
        return Source.objects.get(kind=Source.Kind.WORK, work=work)

    def sync_section(self, article, work, order, spec):
        rank, heading, safe_heading, body, warnings, through, image_key = spec
        image = self.images[image_key] if image_key else None
        if image is not None and image.spoiler_level.rank > rank:
            raise CommandError(f"Image {image_key!r} spoils more than section {heading!r}.")
        section = self.sync(
            Section,
            {"article": article, "order": order},
            {
                "heading": heading,
                "safe_heading": safe_heading,
                "spoiler_level": self.levels[rank],
                "body": body,
                "reveals_through": work.parts.get(position=through) if through else None,
                "image": image,
            },
        )
        wanted = {self.warnings[slug] for slug in warnings}
        if set(section.content_warnings.all()) != wanted:
            section.content_warnings.set(wanted)
        return section

    # -- reader reports ---------------------------------------------------------------

    def sync_reports(self, articles, users):
        """The demo's reader reports, found again by article and wording. Their dates are
        fixed on first run; a moderator's later work on them in the admin is kept."""
        moderator = users["moderator"] if users else None
        now = timezone.now().replace(second=0, microsecond=0)
        for number, (slug, order, reason, details, days_ago, status) in enumerate(
            READER_REPORTS, start=1
        ):
            article = articles[slug]
            filed = now - datetime.timedelta(days=days_ago, hours=3 * number)
            create_only = {
                "section": article.sections.get(order=order) if order else None,
                "reason": reason,
                "status": status,
                "created_at": filed,
                "client_fingerprint": client_fingerprint(f"demo-reader-{number}"),
            }
            if status != ReaderReport.Status.OPEN:
                create_only.update(
                    resolved_by=moderator,
                    resolved_at=filed + datetime.timedelta(hours=20),
                    resolution="dismissed" if status == "dismissed" else "level_raised",
                    resolution_note="Checked against the article; see the audit log."
                    if status == "resolved"
                    else "Not a spoiler; passed on to the editor.",
                )
            self.sync(ReaderReport, {"article": article, "details": details}, {}, create_only)

    # -- output -----------------------------------------------------------------------

    def print_summary(self, users):
        write = self.stdout.write
        articles = Article.objects.all()
        write(
            self.style.SUCCESS(
                "Demo content ready: "
                f"{Work.objects.count()} works, "
                f"{articles.count()} articles "
                f"({articles.filter(status=Article.Status.PUBLISHED).count()} published, "
                f"{articles.filter(status=Article.Status.DRAFT).count()} draft), "
                f"{Section.objects.count()} sections, "
                f"{Citation.objects.count()} citations, "
                f"{Image.objects.count()} images."
            )
        )
        reports = ReaderReport.objects.all()
        write(
            f"Reader reports: {reports.count()} ({reports.open().count()} open, in the admin's "
            "moderation queue)."
        )
        if self.created or self.updated:
            changes = ", ".join(
                f"{name}: {self.created[name]} created, {self.updated[name]} updated"
                for name in sorted(set(self.created) | set(self.updated))
            )
            write(f"This run: {changes}.")
        else:
            write("This run: nothing to change, the demo content was already up to date.")
        if users is None:
            write(
                "DEBUG is off, so no demo logins were created. Create staff accounts "
                "with `python manage.py createsuperuser` and the admin."
            )
            return
        write("")
        write(self.style.WARNING("Demo logins (development only, sign in at /admin/):"))
        for spec in USERS:
            write(
                f"  {spec['username']:<10} password {spec['password']:<22} "
                f"{spec['first_name']} {spec['last_name']}, "
                f"{spec['role'] or 'superuser'}: {ROLE_SUMMARY.get(spec['role'], 'everything')}"
            )
