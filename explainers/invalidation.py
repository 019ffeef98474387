"""The invalidation map: which rows affect which public pages, declared once.

Three things keep copies of what readers see, and each must hear of a change (four with
an HTTP cache in front, ``edge_cache.py``, told the keys to purge after commit):
- the stored pages (``stored_pages.py``): each article's rendered page, counted out of date with
  ``stored_pages.mark_stale`` in the change's own transaction and, for the article's own content,
  rendered again once it commits;
- the page cache (``page_cache.py``): every cached public page, dropped at once (by a
  generation counter) after the change commits;
- the search index (``search.py``): each article's search vector. A change to an article's
  own content refreshes it in the change's transaction (a section whose level is raised
  leaves the index at the commit, as it leaves the page); a change to a row articles share
  (a work, a credit, a person: names and context, never spoiler text) refreshes theirs in a
  background task queued at the commit (``tasks.refresh_search``), so renaming a work
  with hundreds of articles does not hold the editor's request.

``reach`` below says, for a row of any model, what its change affects; one set of signal
receivers (``connect_signals``) asks it and tells the three. A model nobody lists here
counts against every page (the safe default for anything added later); the few that no
public page shows are in ``NOT_SHOWN``.

Writes that send no signals tell this module themselves: bodies rendered again
(``sections_rendered``), renditions written in bulk (``changed_without_signals``).
``loaddata`` saves rows raw and is skipped here: the project's ``loaddata`` command and
``manage.py resync`` mark everything once afterwards.
"""

from dataclasses import dataclass, field, replace

from django.apps import apps
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Q
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_delete, pre_save

from . import edge_cache, tasks

EVERY_PAGE = object()


@dataclass
class Reach:
    """What one change affects."""

    pages: object = None  # stored pages to count out of date: ids, a queryset, EVERY_PAGE
    rebuild: list = field(default_factory=list)  # own article ids to render after commit
    search: object = None  # own article ids whose search vector changes: in the transaction
    search_shared: object = None  # article ids (or a queryset of ids): after commit, a task
    public: bool = True  # whether any cached public page may show the row
    keys: set = field(default_factory=set)  # the row's own edge-cache keys (edge_cache.py)


def not_shown():
    """Models no public page shows: a change to one of their rows touches no copy."""
    from . import models as m

    return (
        m.AuditEntry,
        m.ArticleAutosave,  # an editor's unsaved form, shown to them alone
        m.ReaderReport,
        m.StoredPage,
        m.LeakOverride,
        m.DismissedSuggestion,
        m.WordFamily,  # read by the leak check only
        m.SlugRedirect,  # answered with a 301 no cache keeps; the article's save invalidates
    )


# --- the map ---------------------------------------------------------------------------


def listers(article_ids):
    """Articles whose related reading may list these: the ones that pick them, and those
    of the same works and of works that share people with them."""
    from .models import Article, Credit, Work

    works = Article.objects.filter(pk__in=article_ids).values("work")
    kin = Work.objects.filter(
        credits__person__in=Credit.objects.filter(work__in=works).values("person")
    ).values("pk")
    return Article.objects.filter(Q(related__in=article_ids) | Q(work__in=works) | Q(work__in=kin))


def own_article(instance):
    """The article id of a row that belongs to one article's own content, else None."""
    from .models import Article, Citation, Section

    if isinstance(instance, Article):
        return instance.pk
    if isinstance(instance, Section | Citation):
        return instance.article_id
    return None


def articles_showing(instance):
    """The articles whose page shows this shared row, EVERY_PAGE, or None (no page does)."""
    from . import models as m

    if isinstance(instance, m.Work):  # its articles, and their teasers' listers
        return listers(m.Article.objects.filter(work=instance.pk).values("pk"))
    if isinstance(instance, m.Credit):  # the work box; who shares people with whom
        return m.Article.objects.filter(
            Q(work=instance.work_id) | Q(work__credits__person=instance.person_id)
        )
    if isinstance(instance, m.WorkPart):
        return m.Article.objects.filter(work=instance.work_id)
    if isinstance(instance, m.Person):
        return m.Article.objects.filter(work__credits__person=instance.pk)
    if isinstance(instance, m.Source):
        return m.Article.objects.filter(citations__source=instance.pk)
    if isinstance(instance, m.Image | m.Rendition):
        image = instance if isinstance(instance, m.Image) else instance.image
        showing = Q(hero_image=image.pk) | Q(sections__image=image.pk)
        if image.file:  # written into a body by its address
            showing |= Q(sections__body__contains=image.address_key)
        heroes = m.Article.objects.filter(hero_image=image.pk).values("pk")
        return m.Article.objects.filter(showing | Q(pk__in=listers(heroes).values("pk")))
    if isinstance(instance, get_user_model()):
        return m.Article.objects.filter(authors=instance.pk)
    if isinstance(instance, not_shown()):
        return None
    return EVERY_PAGE  # spoiler levels, warnings, terms, and anything added later


def reach(instance, *, deleted=False):
    """What saving (or deleting) this row affects."""
    from . import models as m

    if isinstance(instance, not_shown()):
        return Reach(public=False)
    own = own_article(instance)
    if own is not None:
        if isinstance(instance, m.Article):
            # Its teaser, or whether it is listed at all, in other pages' related reading.
            return Reach(
                pages=m.Article.objects.filter(Q(pk=own) | Q(pk__in=listers([own]).values("pk"))),
                rebuild=[own],
                search=None if deleted else [own],
                keys={edge_cache.article_key(own), edge_cache.work_key(instance.work_id)},
            )
        return Reach(
            pages=[own],
            rebuild=[own],
            search=[own] if deleted and isinstance(instance, m.Section) else None,
            keys={edge_cache.article_key(own)},
        )
    result = Reach(pages=articles_showing(instance), keys=own_keys(instance))
    if isinstance(instance, m.Work) and not deleted:
        result.search_shared = m.Article.objects.filter(work=instance.pk).values_list(
            "pk", flat=True
        )
    elif isinstance(instance, m.Credit):
        result.search_shared = m.Article.objects.filter(work=instance.work_id).values_list(
            "pk", flat=True
        )
    elif isinstance(instance, m.Person) and not deleted:
        result.search_shared = m.Article.objects.filter(
            work__credits__person=instance.pk
        ).values_list("pk", flat=True)
    return result


def going_live(article):
    """What a scheduled article going live at its time affects: what a save of it does
    (its page and those that list it, its own and its work's edge keys, the listings), but
    not its search text, which is the same (the published gate compares times)."""
    return replace(reach(article), search=None)


def own_keys(instance):
    """The edge-cache keys of a shared row's own pages (a work's, a person's)."""
    from . import models as m

    if isinstance(instance, m.Work):
        return {edge_cache.work_key(instance.pk)}
    if isinstance(instance, m.Person):
        return {edge_cache.person_key(instance.pk)}
    if isinstance(instance, m.Credit):
        return {edge_cache.work_key(instance.work_id), edge_cache.person_key(instance.person_id)}
    if isinstance(instance, m.WorkPart):
        return {edge_cache.work_key(instance.work_id)}
    return set()


def edge_keys(pages, own=()):
    """What to purge from an HTTP cache in front: every page for EVERY_PAGE; else the
    pages of the articles counted out of date, the row's own pages, and every listing."""
    if pages is EVERY_PAGE:
        return {edge_cache.EVERY_PAGE_KEY}
    if pages is None:
        ids = []
    elif isinstance(pages, list | tuple | set):
        ids = pages
    else:  # a queryset of articles, read now: after a delete commits, its rows are gone
        ids = pages.values_list("pk", flat=True)
    return {edge_cache.LISTING_KEY, *own, *(edge_cache.article_key(pk) for pk in ids if pk)}


# --- telling the three ------------------------------------------------------------------


def _tell_edge(pages, own=()):
    if edge_cache.enabled():  # no query for the keys unless something will be purged
        edge_cache.purge_after_commit(edge_keys(pages, own))


def apply(result):
    """Tell the stored pages, the search index and the page cache what changed (and the
    edge cache, when there is one)."""
    from . import page_cache, search, stored_pages

    if result.pages is not None:
        stored_pages.mark_stale(result.pages)
    if result.public:
        # Registered before the rebuild below: once the change commits, cached copies go
        # first (a raised level stops showing at once), and pages are rendered again after.
        transaction.on_commit(page_cache.invalidate)
        _tell_edge(result.pages, result.keys)
    ids = [pk for pk in result.rebuild if pk is not None]
    if ids:
        # A background task (explainers/tasks.py); until it runs, a reader renders the page.
        tasks.rebuild_after_commit(ids)
    if result.search is not None:
        # An article's own content, in the change's own transaction on purpose: a section
        # whose spoiler level is raised must leave the index at the commit, as it leaves
        # the page, not whenever a worker gets to it.
        search.refresh(result.search)
    if result.search_shared is not None:
        # A shared row changes names and context only: refreshed by a task after commit
        # (ids read now, in the change's transaction).
        tasks.refresh_search_after_commit(list(result.search_shared))


def sections_rendered(sender, article, **kwargs):
    """Bodies rendered again (written in bulk, without signals)."""
    apply(Reach(pages=[article.pk], rebuild=[article.pk], search=[article.pk]))


def changed_without_signals(instance):
    """A row's dependants written in bulk (an image's renditions or placeholder)."""
    apply(Reach(pages=articles_showing(instance)))


def _sign_in(instance, update_fields):
    return (
        isinstance(instance, get_user_model())
        and update_fields
        and set(update_fields) <= {"last_login"}
    )


def _saved(sender, instance, raw=False, created=False, update_fields=None, **kwargs):
    from .models import Article, StoredPage

    if isinstance(instance, Article) and created:
        StoredPage.objects.get_or_create(article_id=instance.pk)
    if raw or _sign_in(instance, update_fields):
        return
    apply(reach(instance))


def _deleted(sender, instance, **kwargs):
    apply(reach(instance, deleted=True))


def _before_delete(sender, instance, **kwargs):
    # Deleting an image first empties the fields that point at it, after which nothing
    # would tell which pages showed it: count them before too.
    from . import stored_pages

    showing = reach(instance, deleted=True).pages
    if showing is not None:
        stored_pages.mark_stale(showing)
        _tell_edge(showing)


def _before_save(sender, instance, raw=False, **kwargs):
    """An article moved to another work leaves its old work's pages; a credit moved to
    another work or person leaves the old one's."""
    from . import stored_pages
    from .models import Article, Credit

    if raw or instance.pk is None:
        return
    if isinstance(instance, Article):
        showing, own = listers([instance.pk]), ()
    elif isinstance(instance, Credit):
        old = Credit.objects.filter(pk=instance.pk).first() or instance
        showing, own = articles_showing(old), own_keys(old)
    else:
        return
    stored_pages.mark_stale(showing)
    _tell_edge(showing, own)


def _m2m(sender, instance, action, reverse, model, pk_set, **kwargs):
    from .models import Article, Section

    if not action.startswith("post_") and action != "pre_clear":
        return
    if isinstance(instance, Article | Section):
        own = own_article(instance)
        apply(Reach(pages=[own], rebuild=[own]))
    elif isinstance(instance, get_user_model()):
        if model is Article:  # authors set from the user's side
            apply(Reach(pages=list(pk_set or []) or Article.objects.filter(authors=instance.pk)))
        # a user's groups and permissions show on no page
    else:
        apply(Reach(pages=EVERY_PAGE))  # e.g. a warning added to sections from its own side


def connect_signals():
    from .models.articles import sections_rendered as rendered

    uid = "explainers-invalidation"
    rendered.connect(sections_rendered, dispatch_uid=f"{uid}-sections-rendered")
    models = list(apps.get_app_config("explainers").get_models()) + [get_user_model()]
    for model in models:
        label = model._meta.label_lower
        post_save.connect(_saved, sender=model, dispatch_uid=f"{uid}-{label}-save")
        pre_save.connect(_before_save, sender=model, dispatch_uid=f"{uid}-{label}-pre-save")
        post_delete.connect(_deleted, sender=model, dispatch_uid=f"{uid}-{label}-delete")
        pre_delete.connect(_before_delete, sender=model, dispatch_uid=f"{uid}-{label}-pre-delete")
        for many in model._meta.many_to_many:
            m2m_changed.connect(
                _m2m, sender=many.remote_field.through, dispatch_uid=f"{uid}-{label}-{many.name}"
            )
