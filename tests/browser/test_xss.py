"""The classic filter-evasion vectors, typed into every field an editor can write, then
read back in a real browser on every page that shows them: public pages with every
spoiler revealed, and the admin. The Content Security Policy is switched off in this
browser (``bypass_csp``), so what is tested is the escaping and the sanitizer themselves.
Any script that runs calls ``window.__xss``; the count must stay at zero. Each field keeps
exactly what was typed: nothing is lost, only neutralized on output."""

import itertools

import pytest
from django.core.files.base import ContentFile

from tests.support.images import image_bytes

pytestmark = pytest.mark.browser

# These run by themselves if they reach the page unneutralized: each field gets one.
AUTO_PAYLOADS = [
    "<script>__xss('script')</script>",
    "<img src=x onerror=__xss('img-onerror')>",
    "<svg onload=__xss('svg')>",
    "\"><img src=x onerror=__xss('attr-break')>",
    "'><img src=x onerror=__xss('single-quote')>",
    "</title><img src=x onerror=__xss('title-break')>",
    "</script><img src=x onerror=__xss('script-break')>",
    "<details open ontoggle=__xss('ontoggle')>",
    "<iframe srcdoc=\"<script>parent.__xss('srcdoc')</script>\"></iframe>",
]
# Everything, including vectors that need a click: the Markdown bodies get all of them.
PAYLOADS = [
    "<script>__xss('script')</script>",
    "<img src=x onerror=__xss('img-onerror')>",
    "<svg onload=__xss('svg')>",
    "<svg><script>__xss('svg-script')</script></svg>",
    "<iframe srcdoc=\"<script>parent.__xss('srcdoc')</script>\"></iframe>",
    "<a href=\"javascript:__xss('js-url')\">click</a>",
    "<a href=\"JaVaScRiPt:__xss('case')\">click</a>",
    "<a href=\"jav&#x09;ascript:__xss('entity-tab')\">click</a>",
    "<a href=\"data:text/html,<script>__xss('data-url')</script>\">click</a>",
    "<body onload=__xss('body')>",
    "<details open ontoggle=__xss('ontoggle')>",
    "<input autofocus onfocus=__xss('autofocus')>",
    "\"><script>__xss('attr-break')</script>",
    "'><img src=x onerror=__xss('single-quote')>",
    "</title><script>__xss('title-break')</script>",
    "</script><script>__xss('script-break')</script>",
    "<scr<script>ipt>__xss('nested')</script>",
    "<math><mtext><table><mglyph><style><img src=x onerror=__xss('mxss')>",
    "[click](javascript:__xss('md-link'))",
    "![x](x \"onerror=__xss('md-title')\")",
    "<a href='&#106;avascript:__xss(\"entity\")'>click</a>",
    "<style>@import 'javascript:__xss(\"css\")';</style>",
    "<object data=\"javascript:__xss('object')\"></object>",
    "<div style=\"background:url(javascript:__xss('style'))\">x</div>",
]

HOOK = """
window.__xss_hits = [];
window.__xss = function (name) { window.__xss_hits.push(String(name)); };
window.alert = window.confirm = window.prompt = function (v) {
  window.__xss_hits.push('dialog:' + v);
};
"""


@pytest.fixture
def hostile_site(transactional_db, live_server, django_user_model):
    from explainers.models import (
        Article,
        Citation,
        ContentWarning,
        Credit,
        Image,
        Person,
        Section,
        Source,
        SpoilerLevel,
        Work,
        WorkPart,
    )
    from explainers.roles import sync_roles

    sync_roles()
    levels = {level.rank: level for level in SpoilerLevel.objects.all()}
    if not levels:
        from importlib import import_module

        ladder = import_module("explainers.migrations.0002_default_spoiler_ladder")
        for spec in ladder.DEFAULT_LADDER:
            SpoilerLevel.objects.create(**spec)
        levels = {level.rank: level for level in SpoilerLevel.objects.all()}
    payload = itertools.cycle(AUTO_PAYLOADS)
    typed = []  # (object, field, value): checked against the database afterwards

    def p():
        return next(payload)

    def keep(obj, **fields):
        for name, value in fields.items():
            typed.append((obj, name, value))
        return obj

    work = Work.objects.create(
        title=p(), slug="hostile-work", year=2019, platform=p(), synopsis=p()
    )
    keep(work, title=work.title, platform=work.platform, synopsis=work.synopsis)
    person = Person.objects.create(name=p(), slug="hostile-person")
    keep(person, name=person.name)
    credit = Credit.objects.create(
        work=work, person=person, role=Credit.Role.DIRECTOR, character_name=p()
    )
    keep(credit, character_name=credit.character_name)
    part = WorkPart.objects.create(work=work, position=1, label=p())
    keep(part, label=part.label)
    warning = ContentWarning.objects.create(name=p(), slug="hostile-warning", description=p())
    keep(warning, name=warning.name, description=warning.description)
    secret_warning = ContentWarning.objects.create(
        name=p(), slug="hostile-secret", description=p(), is_spoiler=True
    )
    keep(secret_warning, name=secret_warning.name)
    images = []
    for rank in (0, 2):
        image = Image(alt_text=p(), credit=p(), caption=p(), spoiler_level=levels[rank])
        image.file.save("hostile.png", ContentFile(image_bytes()), save=False)
        image.save()
        keep(image, alt_text=image.alt_text, credit=image.credit, caption=image.caption)
        images.append(image)
    source = Source.objects.create(
        kind=Source.Kind.INTERVIEW,
        title=p(),
        author=p(),
        publisher=p(),
        url="https://example.org/?q=%3Cscript%3E",
    )
    keep(source, title=source.title, author=source.author, publisher=source.publisher)
    article = Article.objects.create(
        title=p(),
        slug="hostile-article",
        dek=p(),
        work=work,
        status=Article.Status.PUBLISHED,
        hero_image=images[0],
    )
    keep(article, title=article.title, dek=article.dek)
    for order, rank in enumerate([0, 1, 2, 3], start=1):
        body = "\n\n".join([p(), *PAYLOADS, "Cited here [@src].", "An inline ||" + p() + "||."])
        section = Section.objects.create(
            article=article,
            order=order,
            heading=p(),
            safe_heading=p() if rank else "",
            spoiler_level=levels[rank],
            body=body,
            image=images[1] if rank == 2 else None,
            reveals_through=part if rank else None,
        )
        section.content_warnings.set([warning, secret_warning])
        keep(section, heading=section.heading, safe_heading=section.safe_heading, body=body)
    citation = Citation.objects.create(
        article=article, source=source, key="src", locator=p(), quotation=p()
    )
    keep(citation, locator=citation.locator, quotation=citation.quotation)
    article.render_sections()
    from explainers.models.reports import ReaderReport

    # What a reader types into "Report an unmarked spoiler" is shown to moderators only.
    report = ReaderReport.objects.create(
        article=article, section=article.sections.last(), details=" ".join(PAYLOADS)
    )
    keep(report, details=report.details)
    django_user_model.objects.create_superuser("ada", password="ada-pass")
    return live_server, article, typed


def visit(page, url, hits):
    page.goto(url)
    page.wait_for_load_state("load")
    page.wait_for_timeout(150)  # a deferred handler (onerror of a broken image) gets to run
    hits.extend(page.evaluate("window.__xss_hits"))


def test_no_payload_runs_anywhere_and_every_field_keeps_what_was_typed(browser, hostile_site):
    live_server, article, typed = hostile_site
    context = browser.new_context(bypass_csp=True, viewport={"width": 1200, "height": 900})
    context.add_init_script(HOOK)
    page = context.new_page()
    hits = []
    try:
        base = live_server.url
        visit(page, f"{base}/", hits)
        visit(page, f"{base}{article.work.get_absolute_url()}", hits)
        visit(page, f"{base}{article.get_absolute_url()}", hits)
        # Reveal everything: every section, every inline spoiler, every withheld warning.
        page.locator("label:has-text('I have seen')").first.click()
        page.evaluate(
            """() => {
              document.querySelectorAll("details:not([open]) > summary").forEach(s => s.click());
              document.querySelectorAll("[aria-expanded=false]").forEach(b => b.click());
            }"""
        )
        page.wait_for_timeout(300)
        assert page.locator("details:not([open])").count() == 0
        hits.extend(page.evaluate("window.__xss_hits"))
        # The admin shows every field again, in lists and forms.
        page.goto(f"{base}/admin/login/")
        page.fill("#id_username", "ada")
        page.fill("#id_password", "ada-pass")
        page.click("input[type=submit]")
        page.wait_for_selector("#user-tools")
        for path in (
            "/admin/explainers/article/",
            f"/admin/explainers/article/{article.pk}/change/",
            f"/admin/explainers/article/{article.pk}/revisions/",
            "/admin/explainers/work/",
            f"/admin/explainers/work/{article.work.pk}/change/",
            "/admin/explainers/source/",
            "/admin/explainers/image/",
            "/admin/explainers/contentwarning/",
            "/admin/explainers/person/",
            "/admin/explainers/readerreport/",
            "/admin/explainers/readerreport/dashboard/",
            f"/admin/explainers/readerreport/{typed[-1][0].pk}/change/",
        ):
            visit(page, base + path, hits)
    finally:
        context.close()
    assert hits == []
    for obj, name, value in typed:
        obj.refresh_from_db()
        assert getattr(obj, name) == value, (type(obj).__name__, name)
