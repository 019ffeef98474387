"""Seed the default spoiler ladder (shared/design/domain.md). Moderators edit it later;
this only creates levels that are missing, so it never overwrites their wording."""

from django.db import migrations

DEFAULT_LADDER = [
    {
        "rank": 0,
        "slug": "spoiler-free",
        "name": "Spoiler-free",
        "reader_warning": "",
        "editor_guidance": "Only what a trailer or the platform's own synopsis already "
        "tells. Titles, deks, listings and previews never go past this level.",
    },
    {
        "rank": 1,
        "slug": "setup",
        "name": "Setup",
        "reader_warning": "Goes past the trailer: the premise and the first act.",
        "editor_guidance": "The premise beyond the marketing, who the characters are, "
        "what happens in the first act.",
    },
    {
        "rank": 2,
        "slug": "twist",
        "name": "Twist",
        "reader_warning": "Reveals a twist from the middle of the story.",
        "editor_guidance": "A reveal that recasts what came before, short of the resolution.",
    },
    {
        "rank": 3,
        "slug": "ending",
        "name": "Ending",
        "reader_warning": "Reveals how it ends, including the final scene.",
        "editor_guidance": "The resolution, who survives, and the final images.",
    },
]


def seed_ladder(apps, schema_editor):
    SpoilerLevel = apps.get_model("explainers", "SpoilerLevel")
    for level in DEFAULT_LADDER:
        if not SpoilerLevel.objects.filter(rank=level["rank"]).exists():
            SpoilerLevel.objects.create(**level)


class Migration(migrations.Migration):
    dependencies = [("explainers", "0001_initial")]

    operations = [migrations.RunPython(seed_ladder, migrations.RunPython.noop)]
