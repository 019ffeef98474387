"""An adversarial article plants the demo's spoiler terms on every surface a reader sees
before revealing anything. The leak check must catch every one, and every term a crawl
can perceive on the public pages must be one the leak check reported."""

import re
from datetime import timedelta

import pytest
from django.core.files.base import ContentFile
from django.utils import timezone

from explainers.leaks import check_saved_article, fold
from explainers.models import Article, Image, Section, SpoilerLevel, SpoilerTerm, Work
from tests.support.crawl import perceived, public_urls
from tests.support.demo import load_demo
from tests.support.images import image_bytes


def make_image(level, alt, caption=""):
    image = Image(alt_text=alt, caption=caption, credit="Planted", spoiler_level=level)
    image.file.save("planted.png", ContentFile(image_bytes()), save=False)
    image.save()
    return image


@pytest.fixture
def planted(db):
    load_demo()
    levels = {level.rank: level for level in SpoilerLevel.objects.all()}
    work = Work.objects.get(slug="the-perfection")
    article = Article.objects.create(
        title="Why the Duet chapter matters",
        slug="why-the-duet-chapter-matters",
        dek="She cuts off her hand, and everything changes.",
        work=work,
        status=Article.Status.PUBLISHED,
        published_at=timezone.now() - timedelta(hours=1),
        hero_image=make_image(levels[3], "The final scene"),
    )
    rows = [
        (0, "Intro", "", "Nobody expects that Paloma is killed.", None),
        (2, "Real heading", "Charlotte loses her left arm", "Twist text.", None),
        (0, "Pictures", "", "A still.", make_image(levels[0], "Lizzie cuts off her hand")),
        (1, "Setup", "Safe setup", "Setup text.", make_image(levels[1], "A bow", "Duet")),
    ]
    for order, (rank, heading, safe, body, image) in enumerate(rows, start=1):
        Section.objects.create(
            article=article,
            order=order,
            heading=heading,
            safe_heading=safe,
            spoiler_level=levels[rank],
            body=body,
            image=image,
        )
    article.render_sections()
    return article


def test_the_leak_check_catches_every_planted_term(planted):
    report = check_saved_article(planted)
    places = {leak.where for leak in report.leaks}
    assert places >= {
        "the title",
        "the dek",
        "the slug",
        "section 1 body",
        "section 2 safe heading",
        "the alt text of the image in section 3",
        "the caption of the image in section 4",
    }, places
    assert any(leak.kind == "spoiler hero" for leak in report.leaks)


def folded(text):
    return fold(text)[0]


def test_every_term_a_reader_can_perceive_is_one_the_leak_check_reported(client, planted):
    reported = {folded(leak.term) for leak in check_saved_article(planted).leaks if leak.term}
    terms = SpoilerTerm.objects.filter(work__slug="the-perfection")
    pages = [folded(perceived(client.get(url).content.decode())[0]) for url in public_urls(client)]
    seen = set()
    for term in terms:
        for phrase in [term.phrase, *term.variant_list()]:
            pattern = rf"\b{re.escape(folded(phrase))}\b"
            if any(re.search(pattern, page) for page in pages):
                seen.add(folded(term.phrase))
    assert seen, "the planted terms should be perceivable, or this test proves nothing"
    assert len(seen) == terms.count(), seen  # every planted term is perceivable
    assert seen <= reported, seen - reported
