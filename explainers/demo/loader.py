"""Write the demo content (``files.read()``) into the database, idempotently.

Every row is found again by a stable key (a slug, a work and position, an article and
order, an article and citation key) and written only when something differs, so a
second run changes nothing and creates nothing. Rows the files no longer describe (a
section past the last one, a credit no longer listed) are removed.

Rows go through the editors' own checks and steps: ``full_clean`` as in the admin,
``Article.render_sections`` for bodies and notes, and a revision of each explainer the
run wrote (``revisions.save_revision``), as after an admin save.
"""

import datetime
from collections import Counter
from importlib import import_module

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from explainers import revisions, roles
from explainers.demo.files import LADDER_MIGRATION
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

IMAGE_CREDIT = "Illustration drawn for the demo site"


class DemoLoadError(Exception):
    """The content parsed, but the site refused it (say, a citation never cited)."""


class Loader:
    def __init__(self, content, *, with_logins):
        self.content = content
        self.with_logins = with_logins
        self.created = Counter()
        self.updated = Counter()
        self.revised = set()  # slugs of the explainers this run wrote

    def run(self):
        self.levels = self.spoiler_ladder()
        with transaction.atomic():
            users = self.sync_users() if self.with_logins else None
            self.warnings = {
                slug: self.sync(
                    ContentWarning,
                    {"slug": slug},
                    {name: spec[name] for name in ("name", "description", "is_spoiler")},
                )
                for slug, spec in self.content.warnings.items()
            }
            self.images = {
                key: self.sync_image(key, spec) for key, spec in self.content.images.items()
            }
            self.works = {slug: self.sync_work(spec) for slug, spec in self.content.works.items()}
            self.sources = {
                key: self.sync(
                    Source,
                    {"kind": spec["kind"], "title": spec["title"]},
                    {name: value for name, value in spec.items() if name not in ("kind", "title")},
                )
                for key, spec in self.content.sources.items()
            }
            for slug, spec in self.content.works.items():
                for term in spec["spoiler_terms"]:
                    self.sync(
                        SpoilerTerm,
                        {"work": self.works[slug], "phrase": term["phrase"]},
                        {
                            "variants": term["variants"],
                            "spoiler_level": self.levels[term["rank"]],
                            "notes": term["notes"],
                        },
                    )
            articles = {}
            for slug, spec in self.content.articles.items():
                try:
                    articles[slug] = self.sync_article(spec, users)
                except ValidationError as error:
                    raise DemoLoadError(f"{spec['file']}: {'; '.join(error.messages)}") from None
            for slug, spec in self.content.articles.items():
                related = [articles[other] for other in spec["related"]]
                if set(articles[slug].related.all()) != set(related):
                    articles[slug].related.set(related)
                    self.revised.add(slug)
            for slug in [slug for slug in articles if slug in self.revised]:
                # As after an admin save: the explainer's history starts with what was loaded.
                with revisions.followed_loaded(articles[slug]):
                    revisions.save_revision(
                        articles[slug], comment=f"Loaded from the demo content ({slug}.md)."
                    )
            self.sync_reports(articles, users)
        return users

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

    def writes(self):
        return sum(self.created.values()) + sum(self.updated.values())

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
        for username, spec in self.content.logins.items():
            user = self.sync(
                User,
                {"username": username},
                {
                    "first_name": spec["first_name"],
                    "last_name": spec["last_name"],
                    "email": f"{username}@example.org",
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
            users[username] = user
        return users

    # -- images -----------------------------------------------------------------------

    def sync_image(self, key, spec):
        """One drawn illustration; the file is drawn only when the row or file is missing."""
        fields = {
            "alt_text": spec["alt_text"],
            "caption": spec["caption"],
            "credit": IMAGE_CREDIT,
            "spoiler_level": self.levels[spec["rank"]],
        }
        # Stored names are random (they must not spoil), so the demo finds its own
        # drawings by their credit and caption.
        image = (
            Image.objects.filter(credit=IMAGE_CREDIT, caption=spec["caption"])
            .order_by("pk")
            .first()
        )
        if image is None:
            image = Image(**fields)
            self.draw(image, key)
            self.validate_and_save(image)
            self.created["Image"] += 1
            return image
        changed = [field for field, value in fields.items() if getattr(image, field) != value]
        for field in changed:
            setattr(image, field, fields[field])
        if not image.file.storage.exists(image.file.name):
            self.draw(image, key)
            changed.append("file")
        if changed:
            self.validate_and_save(image)
            self.updated["Image"] += 1
        return image

    @staticmethod
    def draw(image, key):
        # Imported here: the drawing code is for the demo only, never the running site.
        from explainers.demo import stills

        image.file.save(f"demo-{key}.jpg", ContentFile(stills.jpeg_bytes(key)), save=False)

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
        for credit in spec["credits"]:
            role = credit["role"]
            person = self.sync(Person, {"slug": slugify(credit["name"])}, {"name": credit["name"]})
            credits.append(
                self.sync(
                    Credit,
                    {"work": work, "person": person, "role": role},
                    {"character_name": credit["character"], "order": order_in_role[role]},
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
                "author": spec["source_author"],
                "publisher": spec["source_publisher"],
                "published_on": spec["release_date"],
            },
        )
        return work

    # -- articles ---------------------------------------------------------------------

    def sync_article(self, spec, users):
        writes = self.writes()
        work = self.works[spec["work"]]
        published = spec["status"] == Article.Status.PUBLISHED
        create_only = {}
        if published:
            # Fixed on first run: later runs keep the date, so nothing churns.
            now = timezone.now().replace(minute=0, second=0, microsecond=0)
            days = datetime.timedelta(days=spec["published_days_ago"])
            create_only["published_at"] = now - days
        defaults = {
            "title": spec["title"],
            "dek": spec["dek"],
            "work": work,
            "status": spec["status"],
            "hero_image": self.images[spec["hero_image"]],
        }
        if not published:
            defaults["published_at"] = None
        with transaction.atomic():
            article = self.sync(Article, {"slug": spec["slug"]}, defaults, create_only)
            if users is not None:
                authors = [users[username] for username in spec["authors"]]
                if set(article.authors.all()) != set(authors):
                    article.authors.set(authors)
                    self.revised.add(article.slug)
            work_source = Source.objects.get(kind=Source.Kind.WORK, work=work)
            citations = [
                self.sync(
                    Citation,
                    {"article": article, "key": citation["key"]},
                    {
                        "source": work_source
                        if citation["source"] == "work"
                        else self.sources[citation["source"]],
                        "locator": citation["locator"],
                        "quotation": citation["quotation"],
                    },
                )
                for citation in spec["citations"]
            ]
            self.prune(article.citations.all(), citations)
            sections = [
                self.sync_section(article, work, order, section)
                for order, section in enumerate(spec["sections"], start=1)
            ]
            self.prune(article.sections.all(), sections)
            if self.writes() != writes:
                self.revised.add(article.slug)
            report = article.render_sections()
            if report.unknown_keys or report.unused_keys:
                raise DemoLoadError(
                    f"{spec['file']}: the explainer cites unknown keys "
                    f"{report.unknown_keys} or never cites {report.unused_keys}."
                )
        return article

    def sync_section(self, article, work, order, spec):
        section = self.sync(
            Section,
            {"article": article, "order": order},
            {
                "heading": spec["heading"],
                "safe_heading": spec["safe_heading"],
                "spoiler_level": self.levels[spec["rank"]],
                "body": spec["body"],
                "reveals_through": work.parts.get(position=spec["part"]) if spec["part"] else None,
                "image": self.images[spec["image"]] if spec["image"] else None,
            },
        )
        wanted = {self.warnings[slug] for slug in spec["warnings"]}
        if set(section.content_warnings.all()) != wanted:
            section.content_warnings.set(wanted)
            self.revised.add(article.slug)
        return section

    # -- reader reports ---------------------------------------------------------------

    def sync_reports(self, articles, users):
        """The demo's reader reports, found again by article and wording. Their dates are
        fixed on first run; a moderator's later work on them in the admin is kept."""
        moderators = [
            users[username]
            for username, login in self.content.logins.items()
            if users and login["role"] == roles.MODERATOR
        ]
        moderator = moderators[0] if moderators else None
        now = timezone.now().replace(second=0, microsecond=0)
        for number, spec in enumerate(self.content.reports, start=1):
            article = articles[spec["article"]]
            status = spec["status"]
            filed = now - datetime.timedelta(days=spec["days_ago"], hours=3 * number)
            create_only = {
                "section": article.sections.get(order=spec["section"]) if spec["section"] else None,
                "reason": spec["reason"],
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
            self.sync(
                ReaderReport, {"article": article, "details": spec["details"]}, {}, create_only
            )
