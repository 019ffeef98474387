"""``python manage.py demo``: fill the site with the demo content, and (DEBUG only) logins.

The content is data: Markdown and TOML files in ``explainers/demo/content/`` (their
format is in ``explainers/demo/README.md``). This command reads and checks them, then
writes them idempotently; a second run changes nothing.
"""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from explainers import roles
from explainers.models import Article, Citation, Image, ReaderReport, Section, Work


class Command(BaseCommand):
    help = (
        "Create demo content: The Perfection and its explainers, a few other works, "
        "drawn illustrations, and (with DEBUG on) demo logins. Safe to run repeatedly."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--content",
            help="A folder of demo content to load instead of explainers/demo/content/.",
        )

    def handle(self, *args, **options):
        # The demo package (and its drawing code) is imported only when the demo is made.
        from explainers.demo import files, loader

        try:
            demo = files.read(options["content"] or files.CONTENT_DIR)
            run = loader.Loader(demo, with_logins=settings.DEBUG)
            users = run.run()
        except (files.DemoContentError, loader.DemoLoadError) as error:
            raise CommandError(str(error)) from error
        self.print_summary(run, demo, users)

    def print_summary(self, run, demo, users):
        write = self.stdout.write
        articles = Article.objects.all()
        write(
            self.style.SUCCESS(
                "Demo content ready: "
                f"{Work.objects.count()} works, "
                f"{articles.count()} articles "
                f"({articles.filter(status=Article.Status.PUBLISHED).count()} published, "
                f"{articles.filter(status=Article.Status.DRAFT).count()} draft), "
                f"{Section.objects.count()} sections, "
                f"{Citation.objects.count()} citations, "
                f"{Image.objects.count()} images."
            )
        )
        reports = ReaderReport.objects.all()
        write(
            f"Reader reports: {reports.count()} ({reports.open().count()} open, in the admin's "
            "moderation queue)."
        )
        if run.created or run.updated:
            changes = ", ".join(
                f"{name}: {run.created[name]} created, {run.updated[name]} updated"
                for name in sorted(set(run.created) | set(run.updated))
            )
            write(f"This run: {changes}.")
        else:
            write("This run: nothing to change, the demo content was already up to date.")
        if users is None:
            write(
                "DEBUG is off, so no demo logins were created. Create staff accounts "
                "with `python manage.py createsuperuser` and the admin."
            )
            return
        write("")
        write(self.style.WARNING("Demo logins (development only, sign in at /admin/):"))
        for login in demo.logins.values():
            role = login["role"]
            does = roles.ROLES[role]["does"] if role else "everything"
            write(
                f"  {login['username']:<10} password {login['password']:<22} "
                f"{login['first_name']} {login['last_name']}, {role or 'superuser'}: {does}"
            )
