"""Who may do what, beyond the model permissions the roles grant (``explainers.roles``).

The admin, the Markdown editor's endpoints and the views ask here, so that one rule holds
however a request arrives. The article workflow's own rules (who edits which article,
who makes which move) stay in ``explainers.workflow``; this module uses them.

Shared objects: a work (with its cast, crew and parts), a person, a source and an image
are shown by every article that uses them. A change to one that a live article shows
changes that article without review, so it needs a senior editor. An editor changes
such an object only while no article but their own drafts uses it: the work or image
they just added for a draft is theirs to fix, a colleague's (even a draft, which may go
live as reviewed) is not.
"""

from django.db.models import Q

from .models import Article, Credit, Image, Person, Source, Work, WorkPart


def is_publisher(user):
    return bool(user and user.is_active and user.has_perm("explainers.publish_article"))


def may_review(user):
    """Approve what editors submit (publish or send it back): the desk's "Awaiting
    review" is theirs. The same rank that publishes."""
    return is_publisher(user)


def is_author(user, article):
    if article.pk is None:
        return True
    return article.authors.filter(pk=user.pk).exists()


def can_edit_content(user, article):
    """Title, dek, slug, sections' bodies, citations: senior editors on any article, an
    editor on their own draft (or a new article)."""
    if not (user and user.is_active and user.has_perm("explainers.change_article")):
        return False
    if user.has_perm("explainers.edit_any_article"):
        return True
    if article.pk is None:
        return user.has_perm("explainers.add_article")
    return article.status == Article.Status.DRAFT and is_author(user, article)


def can_moderate(user):
    """A section's spoiler level, safe heading and warnings, on any article."""
    return bool(user and user.is_active and user.has_perm("explainers.moderate_article"))


def may_save_article(user, article):
    """Save the article at all: write its content, moderate its sections, or move it in
    the workflow (what the change form lets each role do)."""
    from .workflow import transitions_for

    return (
        can_edit_content(user, article)
        or can_moderate(user)
        or bool(article.pk and transitions_for(user, article))
    )


def can_override(user):
    """Moderators (and superusers) may publish over leaks, with a reason."""
    return bool(user and user.is_active and user.has_perm("explainers.override_leak_check"))


def may_preview(user):
    """Drafts on the site itself: staff who may change articles."""
    return bool(
        user and user.is_active and user.is_staff and user.has_perm("explainers.change_article")
    )


def _active_staff(user):
    return bool(user and user.is_authenticated and user.is_active and user.is_staff)


def is_senior_editor(user):
    """Senior editors (and superusers): edit any article, so any object articles show."""
    return bool(user and user.is_active and user.has_perm("explainers.edit_any_article"))


# --- the Markdown editor and images --------------------------------------------------


def may_write_articles(user):
    """The Markdown editor's preview: staff who may add or change articles."""
    return _active_staff(user) and (
        user.has_perm("explainers.change_article") or user.has_perm("explainers.add_article")
    )


def may_add_images(user):
    """A new image, from the admin's add page or pasted into the Markdown editor."""
    return _active_staff(user) and user.has_perm("explainers.add_image")


def may_browse_images(user):
    """The image chooser (thumbnails, search): staff who may view or change images."""
    return _active_staff(user) and (
        user.has_perm("explainers.view_image") or user.has_perm("explainers.change_image")
    )


# --- reader reports --------------------------------------------------------------------


# What each way of resolving a report asks beyond resolving reports at all.
RESOLUTION_PERMISSIONS = {
    "level": "explainers.moderate_article",
    "heading": "explainers.moderate_article",
    "warning": "explainers.moderate_article",
    "term": "explainers.add_spoilerterm",
    "dismiss": None,
}


def may_resolve_reports(user, kind=None):
    """Moderators (and superusers) resolve reader reports; nobody else. ``kind`` (a key
    of ``RESOLUTION_PERMISSIONS``) asks for one way of resolving them."""
    if not (_active_staff(user) and user.has_perm("explainers.resolve_readerreport")):
        return False
    needed = RESOLUTION_PERMISSIONS.get(kind) if kind else None
    return needed is None or user.has_perm(needed)


# --- preview links ---------------------------------------------------------------------


def may_see_live_leaks(user):
    """The list of live articles with leaks: the newsroom (staff who may change articles:
    editors are emailed a link to it about their own articles) and moderators."""
    return _active_staff(user) and (
        user.has_perm("explainers.change_article") or user.has_perm("explainers.view_readerreport")
    )


def may_share_preview(user, article):
    """A public link to an unpublished article: its authors and senior editors."""
    if not may_preview(user):
        return False
    return is_senior_editor(user) or (article.pk is not None and is_author(user, article))


# --- shared objects ----------------------------------------------------------------------


def articles_showing(obj):
    """The articles (any state) that show ``obj``, a work, part, credit, person, source
    or image, on their page or their work's."""
    if isinstance(obj, Work):
        return Article.objects.filter(work=obj)
    if isinstance(obj, WorkPart | Credit):
        return Article.objects.filter(work=obj.work_id)
    if isinstance(obj, Person):
        return Article.objects.filter(work__credits__person=obj)
    if isinstance(obj, Source):
        return Article.objects.filter(citations__source=obj)
    if isinstance(obj, Image):
        shown = Q(hero_image=obj) | Q(sections__image=obj) | Q(work__poster=obj)
        if obj.file.name:  # by any address: the original's or a rendition's
            shown |= Q(sections__body__contains=obj.address_key)
        return Article.objects.filter(shown)
    raise TypeError(f"{type(obj).__name__} is not an object articles share")


def others_use(user, obj):
    """Whether an article other than ``user``'s own drafts shows ``obj``."""
    own_drafts = Article.objects.filter(status=Article.Status.DRAFT, authors=user)
    return articles_showing(obj).exclude(pk__in=own_drafts.values("pk")).exists()


def may_change_shared(user, obj, action="change"):
    """Change (or, with ``action="delete"``, delete) a shared object: the model
    permission, and a senior editor's rank unless only the user's own drafts use it."""
    if obj.pk is None:
        return True  # a new object: its model's add permission decides
    model = obj._meta
    if not user.has_perm(f"{model.app_label}.{action}_{model.model_name}"):
        return False
    return is_senior_editor(user) or not others_use(user, obj)


def may_set_spoiler_window(user):
    """A work's spoiler window decides what opens for every reader by default: the
    moderators who keep the spoiler ladder set it, on any work."""
    return bool(
        user
        and user.is_active
        and user.has_perm("explainers.change_work")
        and user.has_perm("explainers.change_spoilerlevel")
    )
