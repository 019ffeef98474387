"""The article form never loses work, in a real browser: autosave then reload then
restore (an added section included), the warning before leaving with unsaved changes,
Ctrl+S, a dropped connection, and the merge after a stale save (two editors)."""

import os

import pytest

from tests.support.browser import sign_in

pytestmark = pytest.mark.browser

SLUG = "the-perfection-ending-explained"


@pytest.fixture
def ada(browser, demo_site, django_user_model):
    django_user_model.objects.create_superuser("ada", password="ada-pass", first_name="Ada")
    context, page = sign_in(browser, demo_site.url, "ada", "ada-pass")
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    yield page
    context.close()
    assert not errors


def change_url(base_url):
    from explainers.models import Article

    article = Article.objects.get(slug=SLUG)
    return article, f"{base_url}/admin/explainers/article/{article.pk}/change/"


def autosaved(page):
    page.locator("#autosave .autosave-status", has_text="Saved ").wait_for(timeout=20_000)


def test_an_autosave_survives_a_reload_and_restores_with_an_added_section(ada, demo_site):
    from explainers.models import ArticleAutosave

    article, url = change_url(demo_site.url)
    title, sections = article.title, article.sections.count()
    ada.goto(url)
    ada.fill("#id_title", "A title nobody saved")
    ada.click("#sections-group .add-row a")
    ada.fill(f"#id_sections-{sections + 1}-heading", "A section nobody saved")
    ada.fill(f"#id_sections-{sections + 1}-body", "Its body, typed before the reload.")
    autosaved(ada)
    article.refresh_from_db()
    assert article.title == title  # the article itself is untouched
    assert article.sections.count() == sections
    assert ArticleAutosave.objects.filter(article=article).count() == 1

    ada.on("dialog", lambda dialog: dialog.accept())
    ada.goto(url)
    offer = ada.locator(".autosave-offer")
    offer.wait_for()
    assert "Title" in offer.inner_text()
    from axe_playwright_python.sync_playwright import Axe

    found = Axe().run(ada, context="#autosave").response["violations"]
    assert [v["id"] for v in found] == []  # axe, on the status and the offer
    assert ada.input_value("#id_title") == title
    shots = os.environ.get("AUTOSAVE_SCREENSHOTS")
    if shots:
        ada.screenshot(path=f"{shots}/restore-offer.png")
    ada.click("button.autosave-restore")
    assert ada.input_value("#id_title") == "A title nobody saved"
    assert ada.input_value(f"#id_sections-{sections + 1}-heading") == "A section nobody saved"
    assert "typed before the reload" in ada.input_value(f"#id_sections-{sections + 1}-body")

    ada.click("input[name=_continue]")
    ada.wait_for_selector(".messagelist .success")
    article.refresh_from_db()
    assert article.title == "A title nobody saved"
    assert article.sections.filter(heading="A section nobody saved").exists()
    assert not ArticleAutosave.objects.filter(article=article).exists()  # a real save clears it
    ada.reload()
    ada.locator("#autosave").wait_for(state="attached")
    ada.wait_for_timeout(1000)
    assert ada.locator(".autosave-offer").is_hidden()


def test_discarding_an_autosave_forgets_it(ada, demo_site):
    from explainers.models import ArticleAutosave

    article, url = change_url(demo_site.url)
    ada.goto(url)
    ada.fill("#id_dek", "A dek to throw away.")
    autosaved(ada)
    ada.on("dialog", lambda dialog: dialog.accept())
    ada.goto(url)
    ada.click("button.autosave-discard")
    ada.locator("#autosave .autosave-status", has_text="Discarded").wait_for()
    ada.wait_for_timeout(500)
    assert not ArticleAutosave.objects.filter(article=article).exists()
    ada.reload()
    ada.wait_for_timeout(1000)
    assert ada.locator(".autosave-offer").is_hidden()


def test_leaving_with_unsaved_changes_asks_first_but_not_after_saving(ada, demo_site):
    article, url = change_url(demo_site.url)
    ada.goto(url)
    dialogs = []

    def dismiss(dialog):
        dialogs.append(dialog.type)
        dialog.dismiss()  # stay on the page

    ada.on("dialog", dismiss)
    ada.fill("#id_dek", "A dek typed and not saved.")
    ada.click("#site-name a")
    ada.wait_for_timeout(500)
    assert dialogs == ["beforeunload"]
    assert ada.url == url  # still here, still holding the dek
    assert ada.input_value("#id_dek") == "A dek typed and not saved."

    ada.click("input[name=_continue]")
    ada.wait_for_selector(".messagelist .success")
    ada.click("#site-name a")
    ada.wait_for_url(f"{demo_site.url}/admin/")
    assert dialogs == ["beforeunload"]  # no second warning: it was saved


def test_ctrl_s_saves_the_form(ada, demo_site):
    article, url = change_url(demo_site.url)
    ada.goto(url)
    ada.fill("#id_dek", "A dek saved from the keyboard.")
    ada.locator("#id_dek").press("Control+s")
    ada.wait_for_selector(".messagelist .success")
    article.refresh_from_db()
    assert article.dek == "A dek saved from the keyboard."
    assert ada.url.endswith(f"/{article.pk}/change/")  # "Save and continue editing"


def test_a_dropped_connection_is_said_and_the_autosave_lands_when_it_is_back(ada, demo_site):
    from explainers.models import ArticleAutosave

    article, url = change_url(demo_site.url)
    ada.goto(url)
    ada.locator("#autosave").wait_for(state="attached")
    ada.context.set_offline(True)
    ada.fill("#id_dek", "Typed while the network was down.")
    ada.locator("#autosave .autosave-status", has_text="Not saved: offline, retrying").wait_for(
        timeout=20_000
    )
    assert not ArticleAutosave.objects.filter(article=article).exists()
    stored = ada.evaluate(
        "key => window.localStorage.getItem(key)",
        ada.get_attribute("#autosave", "data-key"),
    )
    assert "Typed while the network was down." in stored  # kept in the browser meanwhile

    ada.context.set_offline(False)
    autosaved(ada)
    kept = ArticleAutosave.objects.get(article=article)
    assert ["dek", "Typed while the network was down."] in kept.data
    assert (
        ada.evaluate(
            "key => window.localStorage.getItem(key)",
            ada.get_attribute("#autosave", "data-key"),
        )
        is None
    )


def test_two_editors_and_a_merge_that_ends_with_a_save(browser, demo_site, django_user_model):
    from django.contrib.auth.models import Group

    from explainers import roles

    roles.sync_roles()  # an earlier transactional test may have flushed the groups
    sol = django_user_model.objects.create_user(
        "senior", password="senior-pass", is_staff=True, first_name="Sol", last_name="Okafor"
    )
    sol.groups.add(Group.objects.get(name=roles.SENIOR_EDITOR))
    django_user_model.objects.create_superuser("ada", password="ada-pass", first_name="Ada")
    article, url = change_url(demo_site.url)
    first_heading = article.sections.order_by("order").first().heading
    senior_context, senior = sign_in(browser, demo_site.url, "senior", "senior-pass")
    admin_context, admin = sign_in(browser, demo_site.url, "ada", "ada-pass")
    try:
        admin.goto(url)
        senior.goto(url)
        # Sol changes the dek and the first section's body, and saves.
        senior.fill("#id_dek", "Sol's dek.")
        senior.fill("#id_sections-0-body", "Sol's first section.")
        senior.click("input[name=_continue]")
        senior.wait_for_selector(".messagelist .success")

        # Ada, on the form she opened before, changes the title and the dek, and saves.
        admin.fill("#id_title", "Ada's title")
        admin.fill("#id_dek", "Ada's dek.")
        admin.click("input[name=_continue]")
        admin.wait_for_selector(".errornote")
        assert "merged in the form below" in admin.content()
        assert admin.input_value("#id_title") == "Ada's title"  # yours, nothing retyped
        assert admin.input_value("#id_sections-0-body") == "Sol's first section."  # theirs
        choices = admin.locator("#merge-choices fieldset")
        assert choices.count() == 1  # only the dek was changed by both
        assert "Dek" in choices.first.locator("legend").inner_text()
        assert "Sol's dek." in choices.first.inner_text()
        assert "Ada's dek." in choices.first.inner_text()
        shots = os.environ.get("AUTOSAVE_SCREENSHOTS")
        if shots:
            admin.locator("#merge-choices").screenshot(path=f"{shots}/merge.png")
        from axe_playwright_python.sync_playwright import Axe

        found = Axe().run(admin, context="#merge-choices").response["violations"]
        assert [v["id"] for v in found] == []  # axe, on the choices this work added
        choices.first.locator("input[value=theirs]").check()
        assert admin.input_value("#id_dek") == "Sol's dek."

        admin.click("input[name=_continue]")
        admin.wait_for_selector(".messagelist .success")
        article.refresh_from_db()
        assert article.title == "Ada's title"
        assert article.dek == "Sol's dek."
        first = article.sections.order_by("order").first()
        assert (first.heading, first.body) == (first_heading, "Sol's first section.")
    finally:
        senior_context.close()
        admin_context.close()
