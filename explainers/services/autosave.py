"""An editor's unsaved change form, kept on the server a few seconds after each change
(``static/explainers/admin/autosave.js`` posts it), so that closing the tab, a crash or
a lost connection loses nothing.

An autosave belongs to one editor and one article (or to the editor's add form): it is
never a revision, never seen by anyone else, never applied to the article here. Restoring
puts it back into the editor's own form and the save goes through ``save_article``, which
clears it. Storing one takes no editorial lock and leaves no audit entry: it changes no
editorial row, and a busy editor stores one every few seconds.
"""

from django.conf import settings
from django.utils import timezone

from .. import permissions
from ..models import ArticleAutosave
from ..refusal import Refused

__all__ = ["MAX_BYTES", "MayNot", "store", "latest", "discard", "clear_after_save"]


class MayNot(Refused):
    """Whoever asks may not save this article, so may not keep a copy of its form."""


# A 12-section article with long bodies posts some 100 kB; ten times that is not a form.
MAX_BYTES = getattr(settings, "AUTOSAVE_MAX_BYTES", 1_000_000)
MAX_FIELDS = 5_000
MAX_NAME = 200


def may_autosave(user, article):
    """Whoever may save the article (or add one) may keep an unsaved copy of their form."""
    if article is None:
        return permissions.can_edit_content(user, _new_article())
    return permissions.may_save_article(user, article)


def _new_article():
    from ..models import Article

    return Article()


def _pairs(data):
    """The form's fields as [name, value] pairs of strings, or Refused."""
    if not isinstance(data, list) or len(data) > MAX_FIELDS:
        raise Refused("An autosave is the form's fields as a list of [name, value] pairs.")
    pairs = []
    for item in data:
        if (
            not isinstance(item, list | tuple)
            or len(item) != 2
            or not all(isinstance(part, str) for part in item)
            or not item[0]
            or len(item[0]) > MAX_NAME
        ):
            raise Refused("An autosave is the form's fields as a list of [name, value] pairs.")
        if item[0] == "csrfmiddlewaretoken":
            continue  # a secret of the session, not something typed
        pairs.append([item[0], item[1]])
    return pairs


def _labels(labels):
    if labels is None:
        return {}
    if not isinstance(labels, dict) or not all(
        isinstance(k, str) and isinstance(v, str) and len(k) <= MAX_NAME for k, v in labels.items()
    ):
        raise Refused("An autosave's labels are names of fields with the text they show.")
    return labels


def store(user, article, *, data, labels=None, opened_version=None):
    """Keep ``user``'s form for ``article`` (None: their add form). Returns the row."""
    if not may_autosave(user, article):
        raise MayNot("You may not change this article.")
    if opened_version is not None and (
        not isinstance(opened_version, int) or isinstance(opened_version, bool)
    ):
        raise Refused("The version the form was opened at is a whole number.")
    pairs, shown = _pairs(data), _labels(labels)
    row, _ = ArticleAutosave.objects.update_or_create(  # one transaction of its own
        user=user,
        article=article,
        defaults={
            "data": pairs,
            "labels": shown,
            "opened_version": opened_version,
            "updated_at": timezone.now(),
        },
    )
    return row


def latest(user, article):
    """``user``'s own autosave of ``article`` (None: of their add form), or None."""
    if not may_autosave(user, article):
        raise MayNot("You may not change this article.")
    return ArticleAutosave.objects.filter(user=user, article=article).first()


def discard(user, article):
    """Forget ``user``'s autosave of ``article``; True if there was one."""
    if not may_autosave(user, article):
        raise MayNot("You may not change this article.")
    deleted, _ = ArticleAutosave.objects.filter(user=user, article=article).delete()
    return bool(deleted)


def clear_after_save(user, article, *, created):
    """A real save of the form holds what the autosave kept: forget it (for a new
    article, the editor's add-form autosave)."""
    if user is None or not user.is_authenticated:
        return
    ArticleAutosave.objects.filter(user=user, article=article).delete()
    if created:
        ArticleAutosave.objects.filter(user=user, article__isnull=True).delete()
