import django.contrib.postgres.search
from django.db import migrations, models

# A GIN index over the stored vector, on PostgreSQL only: SQLite has no tsvector and
# searches the plain text columns instead. Kept out of Meta.indexes so that the model
# state (and so makemigrations) is the same on both databases.
INDEX_NAME = "explainers_article_search_gin"


def create_search_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {INDEX_NAME} ON explainers_article "
            "USING gin (search_vector)"
        )


def drop_search_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX_NAME}")


class Migration(migrations.Migration):
    dependencies = [
        ("explainers", "0007_newsroom_roles"),
    ]

    operations = [
        migrations.AddField(
            model_name="article",
            name="search_body",
            field=models.TextField(blank=True, editable=False),
        ),
        migrations.AddField(
            model_name="article",
            name="search_context",
            field=models.TextField(blank=True, editable=False),
        ),
        migrations.AddField(
            model_name="article",
            name="search_vector",
            field=django.contrib.postgres.search.SearchVectorField(editable=False, null=True),
        ),
        migrations.AddField(
            model_name="article",
            name="spoiler_reach",
            field=models.PositiveSmallIntegerField(
                default=0,
                editable=False,
                help_text="The highest spoiler level of any section, for search filters.",
            ),
        ),
        migrations.RunPython(create_search_index, drop_search_index),
        # Existing articles are indexed by `manage.py update_search_index` (see README).
    ]
