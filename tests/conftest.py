from datetime import timedelta
from importlib import import_module

import pytest
from django.core.files.base import ContentFile
from django.utils import timezone

from explainers import roles
from explainers.models import Article, Citation, Image, Section, Source, SpoilerLevel, Work
from tests.support.images import image_bytes
from tests.support.storage import CDN


@pytest.fixture
def levels(db):
    """The default ladder seeded by the data migration, by rank.

    A transactional test (browser, backup, concurrency) empties every table when it
    ends, the migration's rows included; the next one gets the ladder back from the
    migration's own list, so tests do not depend on the order they run in.
    """
    if not SpoilerLevel.objects.exists():
        ladder = import_module("explainers.migrations.0002_default_spoiler_ladder")
        for level in ladder.DEFAULT_LADDER:
            SpoilerLevel.objects.create(**level)
    return {level.rank: level for level in SpoilerLevel.objects.all()}


@pytest.fixture
def work(db):
    return Work.objects.create(
        kind=Work.Kind.FILM,
        title="The Perfection",
        slug="the-perfection",
        year=2019,
        platform="Netflix",
        synopsis="A former cello prodigy returns to her old music academy.",
    )


@pytest.fixture
def source(db):
    return Source.objects.create(
        kind=Source.Kind.INTERVIEW, title="Interview with the director", author="R. Shepard"
    )


@pytest.fixture
def make_image(db, levels):
    def make(rank=0, alt="A concert hall", fmt="PNG"):
        image = Image(alt_text=alt, credit="Drawn for the tests", spoiler_level=levels[rank])
        image.file.save(f"test.{fmt.lower()}", ContentFile(image_bytes(fmt)), save=False)
        image.save()
        return image

    return make


@pytest.fixture
def make_article(db, work, levels, source):
    """Build an article: ``sections`` is a list of (rank, heading, safe_heading, body);
    ``citations`` a list of keys, each citing a different source."""

    counter = {"n": 0}

    def make(
        sections=(),
        citations=(),
        status=Article.Status.PUBLISHED,
        published_at=None,
        title=None,
        dek="What the closing minutes mean, without giving them away.",
    ):
        counter["n"] += 1
        title = title or f"The Perfection explained {counter['n']}"
        if status == Article.Status.PUBLISHED and published_at is None:
            published_at = timezone.now() - timedelta(days=1)
        article = Article.objects.create(
            title=title,
            slug=f"the-perfection-explained-{counter['n']}",
            dek=dek,
            work=work,
            status=status,
            published_at=published_at,
        )
        for order, (rank, heading, safe_heading, body) in enumerate(sections, start=1):
            Section.objects.create(
                article=article,
                order=order,
                heading=heading,
                safe_heading=safe_heading,
                spoiler_level=levels[rank],
                body=body,
            )
        for index, key in enumerate(citations):
            # The first key cites ``source``; each other key a source of its own.
            cited = (
                source
                if index == 0
                else Source.objects.create(kind=Source.Kind.ARTICLE, title=f"Source for {key}")
            )
            Citation.objects.create(article=article, source=cited, key=key)
        article.render_sections()
        return article

    return make


@pytest.fixture
def role_user(db, django_user_model):
    """A staff account in one of the newsroom's groups (or a superuser for ``None``)."""
    from django.contrib.auth.models import Group

    def make(role, username=None):
        username = username or (role or "superuser").lower().replace(" ", "-")
        user = django_user_model.objects.create_user(
            username,
            password="pw-for-tests",
            is_staff=True,
            is_superuser=role is None,
            first_name=username.capitalize(),
            last_name="Tester",
        )
        if role is not None:
            user.groups.add(Group.objects.get(name=role))
        return user

    return make


# -- the newsroom's roles: each fixture is a staff account in that real group -----------


@pytest.fixture
def editor(role_user):
    """An Editor: writes articles and edits their own drafts; cannot publish."""
    return role_user(roles.EDITOR, "eda")


@pytest.fixture
def editor_client(client, editor):
    client.force_login(editor)
    return client


@pytest.fixture
def senior_editor(role_user):
    """A Senior editor: edits any article, approves, publishes, schedules, retracts. The
    authoring tests write as one: they are about what the forms check, not about roles."""
    return role_user(roles.SENIOR_EDITOR, "sol")


@pytest.fixture
def senior_client(client, senior_editor):
    client.force_login(senior_editor)
    return client


@pytest.fixture
def moderator(role_user):
    """A Moderator: the ladder, warnings and terms, reader reports, leak overrides."""
    return role_user(roles.MODERATOR, "mo")


@pytest.fixture
def cdn(settings):
    """Media on a storage whose URLs are on a domain of their own (MEDIA_URL unchanged)."""
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "tests.support.storage.CdnStorage",
            "OPTIONS": {"location": settings.MEDIA_ROOT},
        },
    }
    assert settings.MEDIA_URL == "/media/"
    return CDN


@pytest.fixture
def still_clock(monkeypatch):
    """Stops the clock that the page cache and the published() gate read.

    A stored page lives until the next line of a fixed grid (multiples of
    PAGE_CACHE_SECONDS), so two reads that happen to straddle a line see a miss where a
    test expects a hit: about once in three hundred runs with a 300-second grid. Tests that
    expect a hit hold the clock at the moment they start."""
    moment = timezone.now()
    monkeypatch.setattr(timezone, "now", lambda: moment)
    return moment


@pytest.fixture(autouse=True)
def no_near_pages_between_tests():
    """The pages a process keeps (``page_cache.near_pages``, on with Redis) belong to the
    test that served them."""
    from explainers.page_cache import near_pages

    near_pages.clear()
    yield
    near_pages.clear()
