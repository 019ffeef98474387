"""Write the demo content (``files.read()``) into the database, idempotently.

Every row is found again by a stable key (a slug, a work and position, an article and
order, an article and citation key) and written only when something differs, so a
second run changes nothing and creates nothing. Rows the files no longer describe (a
section past the last one, a credit no longer listed) are removed.

Rows go through the editors' own checks: ``full_clean`` as in the admin's forms, and
each explainer through the editors' own save (``services.articles.save_article``: its
bodies rendered, the leak check, a revision and an audit entry), so loading the demo
proves the save path. The whole load is one revision.
"""

import datetime
from collections import Counter
from importlib import import_module

import reversion
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from explainers import roles
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
from explainers.services import Refused
from explainers.services.articles import ArticleChange, SectionChange, save_article

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
            # One revision for the whole load: each explainer it writes gets one version.
            with reversion.create_revision():
                reversion.set_comment("Loaded from the demo content.")
                for slug, spec in self.content.articles.items():
                    articles[slug] = self.sync_article(spec, users)
                for slug, spec in self.content.articles.items():
                    related = [articles[other] for other in spec["related"]]
                    articles[slug] = self.sync_article(spec, users, related=related)
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

    def sync_article(self, spec, users, related=None):
        """The explainer as its file says, saved through the editors' own save
        (``services.articles.save_article``) when anything differs. ``related`` (the
        second pass, once every explainer exists) is its further reading."""
        work = self.works[spec["work"]]
        article = Article.objects.filter(slug=spec["slug"]).first()
        creating = article is None
        if creating:
            article = Article(slug=spec["slug"])
            if spec["status"] == Article.Status.PUBLISHED:
                # Fixed on first run: later runs keep the date, so nothing churns.
                now = timezone.now().replace(minute=0, second=0, microsecond=0)
                article.published_at = now - datetime.timedelta(days=spec["published_days_ago"])
        fields = {
            "title": spec["title"],
            "dek": spec["dek"],
            "work": work,
            "status": spec["status"],
            "hero_image": self.images[spec["hero_image"]],
        }
        if spec["status"] != Article.Status.PUBLISHED:
            fields["published_at"] = None
        changed = self.assign(article, fields) or creating
        change = ArticleChange(
            article=article,
            opened_version=article.version,
            comment=f"Loaded from the demo content ({spec['slug']}.md).",
        )
        if related is not None:
            if creating or set(article.related.all()) != set(related):
                change.related, changed = related, True
        else:
            changed |= self.sync_citations(article, spec, work, change, creating)
            changed |= self.sync_sections(article, spec, work, change, creating)
            if users is not None:
                authors = [users[username] for username in spec["authors"]]
                if creating or set(article.authors.all()) != set(authors):
                    change.authors, changed = authors, True
        if not changed:
            return article
        self.validate(article, spec)
        try:
            saved = save_article(change, user=None)
        except Refused as refusal:
            raise DemoLoadError(f"{spec['file']}: {' '.join(refusal.messages)}") from None
        if saved.unused_keys:
            raise DemoLoadError(f"{spec['file']}: the explainer never cites {saved.unused_keys}.")
        counts = self.created if creating else self.updated
        if creating or related is None:
            counts["Article"] += 1
        self.revised.add(article.slug)
        return saved.article

    @staticmethod
    def assign(obj, fields):
        """Set ``fields`` on ``obj``; whether any differed."""
        changed = False
        for name, value in fields.items():
            field = obj._meta.get_field(name)
            wanted = value.pk if field.is_relation and value is not None else value
            if getattr(obj, field.attname) != wanted:  # by id: a new row has no relations
                setattr(obj, name, value)
                changed = True
        return changed

    def validate(self, article, spec):
        # The same validation as the admin's forms, so demo content obeys the editors' rules.
        try:
            article.full_clean(exclude=[f.name for f in article._meta.fields if not f.editable])
        except ValidationError as error:
            raise DemoLoadError(f"{spec['file']}: {'; '.join(error.messages)}") from None

    def sync_citations(self, article, spec, work, change, creating):
        saved = {} if creating else {c.key: c for c in article.citations.all()}
        work_source = Source.objects.get(kind=Source.Kind.WORK, work=work)
        change.citations = []
        changed = False
        for citation_spec in spec["citations"]:
            citation = saved.pop(citation_spec["key"], None)
            new = citation is None
            citation = citation or Citation(key=citation_spec["key"])
            fields = {
                "source": work_source
                if citation_spec["source"] == "work"
                else self.sources[citation_spec["source"]],
                "locator": citation_spec["locator"],
                "quotation": citation_spec["quotation"],
            }
            differs = self.assign(citation, fields) or new
            if differs:
                (self.created if new else self.updated)["Citation"] += 1
            change.citations.append((citation, differs))
            changed |= differs
        change.removed_citations = list(saved.values())
        if saved:
            self.updated["Citation"] += len(saved)
        return changed or bool(saved)

    def sync_sections(self, article, spec, work, change, creating):
        saved = (
            {}
            if creating
            else {s.order: s for s in article.sections.prefetch_related("content_warnings")}
        )
        change.sections = []
        changed = False
        for order, section_spec in enumerate(spec["sections"], start=1):
            section = saved.pop(order, None)
            new = section is None
            section = section or Section(order=order)
            fields = {
                "heading": section_spec["heading"],
                "safe_heading": section_spec["safe_heading"],
                "spoiler_level": self.levels[section_spec["rank"]],
                "body": section_spec["body"],
                "reveals_through": work.parts.get(position=section_spec["part"])
                if section_spec["part"]
                else None,
                "image": self.images[section_spec["image"]] if section_spec["image"] else None,
            }
            differs = self.assign(section, fields) or new
            if differs:
                (self.created if new else self.updated)["Section"] += 1
            wanted = {self.warnings[slug] for slug in section_spec["warnings"]}
            warnings = None
            if set(() if new else section.content_warnings.all()) != wanted:
                warnings = list(wanted)
            change.sections.append(SectionChange(section, differs, warnings))
            changed |= differs or warnings is not None
        change.removed_sections = list(saved.values())
        if saved:
            self.updated["Section"] += len(saved)
        return changed or bool(saved)

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
