"""Who else has an article open in the admin, and whether it was saved since you opened
it. Each open edit form checks in every few seconds (``static/explainers/admin/presence.js``);
entries live in the cache (shared Redis in production, so every app server sees them) and
fade after ``PRESENCE_TTL`` seconds without a heartbeat."""

import time

from django.core.cache import cache

from .revisions import versions_of

PRESENCE_TTL = 45


def _name(user):
    return user.get_full_name() or user.get_username()


def heartbeat(article, user, opened_version):
    key = f"explainers:presence:{article.pk}"
    now = time.time()
    present = {
        uid: entry
        for uid, entry in (cache.get(key) or {}).items()
        if now - entry["seen"] < PRESENCE_TTL
    }
    present[str(user.pk)] = {"name": _name(user), "seen": now}
    cache.set(key, present, PRESENCE_TTL * 2)
    others = sorted(entry["name"] for uid, entry in present.items() if uid != str(user.pk))
    saved_since = []
    if opened_version is not None and article.version > opened_version:
        for version in versions_of(article):
            if (version.field_dict.get("version") or 0) <= opened_version:
                break
            saver = version.revision.user
            saved_since.append(
                {
                    "name": _name(saver) if saver else "someone",
                    "at": version.revision.date_created.strftime("%H:%M"),
                }
            )
    return {"others": others, "version": article.version, "saved_since": saved_since}
