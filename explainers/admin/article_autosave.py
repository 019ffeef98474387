"""The article form's autosave: ``<id>/autosave/`` and ``add/autosave/`` on the article
screen, for ``static/explainers/admin/autosave.js``.

GET answers the signed-in editor's own autosave (or ``{"autosave": null}``), POST keeps
the form as it stands (JSON: ``data`` as [name, value] pairs, ``labels``,
``opened_version``), DELETE discards it. Staff only, CSRF-checked, for whoever may save
the article (``services.autosave``); an editor only ever reaches their own autosave,
since the row is found by who asks, never by an id in the request.
"""

import json

from django.contrib.admin.utils import unquote
from django.http import JsonResponse
from django.urls import path
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect

from ..services import Refused
from ..services import autosave as autosaves


def _answer(payload, status=200):
    response = JsonResponse(payload, status=status)
    response["Cache-Control"] = "no-store"
    return response


def _refusal(message, status):
    return _answer({"message": message}, status)


def described(row):
    if row is None:
        return None
    local = timezone.localtime(row.updated_at)
    return {
        "data": row.data,
        "labels": row.labels,
        "opened_version": row.opened_version,
        "saved_at": row.updated_at.isoformat(),
        "time": f"{local:%H:%M}",
    }


class ArticleAutosaveMixin:
    def get_urls(self):
        view = csrf_protect(never_cache(self.autosave_view))
        extra = [
            path("add/autosave/", view, name="explainers_article_autosave_add"),
            path("<path:object_id>/autosave/", view, name="explainers_article_autosave"),
        ]
        return extra + super().get_urls()

    def autosave_view(self, request, object_id=None):
        if request.method not in ("GET", "POST", "DELETE"):
            response = _refusal("Get, post or delete the form's autosave.", 405)
            response["Allow"] = "GET, POST, DELETE"
            return response
        if not self.admin_site.has_permission(request):
            return _refusal("Sign in as staff to keep an autosave.", 403)
        article = None
        if object_id is not None:
            try:
                article = self.get_object(request, unquote(object_id))
            except (ValueError, TypeError):
                article = None
            if article is None:
                return _refusal("No such article.", 404)
        try:
            if request.method == "GET":
                return _answer({"autosave": described(autosaves.latest(request.user, article))})
            if request.method == "DELETE":
                return _answer({"discarded": autosaves.discard(request.user, article)})
            return self._store(request, article)
        except autosaves.MayNot as refusal:
            return _refusal(str(refusal), 403)
        except Refused as refusal:
            return _refusal(str(refusal), 400)

    def _store(self, request, article):
        if len(request.body) > autosaves.MAX_BYTES:
            return _refusal(
                "This form is too large to autosave; save it instead (Ctrl+S).",
                413,
            )
        try:
            posted = json.loads(request.body)
        except (ValueError, UnicodeDecodeError):
            return _refusal("Post the form as JSON to autosave it.", 400)
        if not isinstance(posted, dict):
            return _refusal("Post the form as JSON to autosave it.", 400)
        row = autosaves.store(
            request.user,
            article,
            data=posted.get("data"),
            labels=posted.get("labels"),
            opened_version=posted.get("opened_version"),
        )
        local = timezone.localtime(row.updated_at)
        return _answer({"saved_at": row.updated_at.isoformat(), "time": f"{local:%H:%M}"})
