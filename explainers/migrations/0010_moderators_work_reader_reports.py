from django.db import migrations


def sync_roles(apps, schema_editor):
    from explainers.roles import sync_roles

    sync_roles(apps)


class Migration(migrations.Migration):
    """Moderators get the reader-report permissions (view, resolve)."""

    dependencies = [
        ("explainers", "0009_reader_reports"),
    ]

    operations = [migrations.RunPython(sync_roles, migrations.RunPython.noop)]
