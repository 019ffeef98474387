"""The newsroom's roles, as Django groups. Migrations and the demo command both call
``sync_roles`` so the groups match this table; the README documents it (a test checks).

Permissions say what a role may touch at all; the finer rules (an editor edits only their
own drafts and the works and images only those drafts use, a moderator changes only a
section's level, safe heading and warnings) are enforced on the server by
``explainers.permissions`` and ``explainers.workflow``, which the admin asks.
"""

EDITOR = "Editor"
SENIOR_EDITOR = "Senior editor"
MODERATOR = "Moderator"


def _crud(*models, actions=("add", "change", "view", "delete")):
    return [f"{action}_{model}" for model in models for action in actions]


_WRITING = [
    *_crud("article", "section", "citation", "source", "image", "work", "workpart"),
    *_crud("credit", "person"),
    "view_spoilerlevel",
    "view_contentwarning",
    "view_spoilerterm",
]

ROLES = {
    EDITOR: {
        "does": "writes explainers, edits their own drafts and submits them for review; "
        "cannot publish",
        "permissions": _WRITING,
    },
    SENIOR_EDITOR: {
        "does": "edits any article, approves, publishes, schedules and retracts",
        "permissions": [*_WRITING, "publish_article", "edit_any_article", "view_auditentry"],
    },
    MODERATOR: {
        "does": "keeps spoiler levels, content warnings, spoiler terms and the leak check's "
        "word families, works the reader reports, changes a section's level, safe heading "
        "and warnings (not its body, nor an article's title or dek), records leak-check "
        "overrides",
        "permissions": [
            *_crud("spoilerlevel", "contentwarning", "spoilerterm", "wordfamily"),
            "view_article",
            "change_article",
            "moderate_article",
            "view_section",
            "change_section",
            "view_citation",
            "view_source",
            "view_image",
            "view_work",
            "change_work",
            "view_auditentry",
            "override_leak_check",
            "view_readerreport",
            "resolve_readerreport",
        ],
    },
}


def sync_roles(apps=None, verbosity=0):
    """Create or update the groups so each has exactly its role's permissions."""
    from django.apps import apps as global_apps
    from django.contrib.auth.management import create_permissions

    if apps is None:
        apps = global_apps
    else:
        # A migration's historical apps: permissions are normally made after all
        # migrations have run, and this one needs them now.
        for app_config in apps.get_app_configs():
            app_config.models_module = True
            create_permissions(app_config, apps=apps, verbosity=verbosity)
            app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, role in ROLES.items():
        group, _ = Group.objects.get_or_create(name=name)
        wanted = Permission.objects.filter(
            content_type__app_label="explainers", codename__in=role["permissions"]
        )
        found = set(wanted.values_list("codename", flat=True))
        missing = set(role["permissions"]) - found
        # An older migration runs before the models of newer permissions exist; the
        # newest migration that calls this gives them. Live, a missing one is a typo.
        if missing and apps is global_apps:
            raise RuntimeError(f"Role {name!r} names unknown permissions: {sorted(missing)}")
        group.permissions.set(wanted)
