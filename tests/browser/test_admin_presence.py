"""Two people on one article in the admin, in a real browser: the edit form says who else
has it open and who saved it since, and a save from the stale form is refused without
losing what was typed."""

import pytest

from tests.support.browser import sign_in

pytestmark = pytest.mark.browser


def test_presence_and_a_refused_stale_save(browser, demo_site, django_user_model):
    from django.contrib.auth.models import Group

    from explainers import roles
    from explainers.models import Article

    roles.sync_roles()  # an earlier transactional test may have flushed the groups
    sol = django_user_model.objects.create_user(
        "senior", password="senior-pass", is_staff=True, first_name="Sol", last_name="Okafor"
    )
    sol.groups.add(Group.objects.get(name=roles.SENIOR_EDITOR))
    django_user_model.objects.create_superuser("ada", password="ada-pass", first_name="Ada")
    article = Article.objects.get(slug="the-perfection-ending-explained")
    url = f"{demo_site.url}/admin/explainers/article/{article.pk}/change/"
    senior_context, senior = sign_in(browser, demo_site.url, "senior", "senior-pass")
    admin_context, admin = sign_in(browser, demo_site.url, "ada", "ada-pass")
    try:
        admin.goto(url)
        senior.goto(url)
        admin.reload()  # check in again now that Sol is here
        banner = admin.locator("#presence-banner")
        banner.wait_for(state="visible")
        assert "Sol Okafor also has this article open." in banner.inner_text()

        senior.fill("#id_dek", senior.input_value("#id_dek") + " Now with a second look.")
        senior.click("input[name=_continue]")
        senior.wait_for_selector(".messagelist .success")

        # (A locator, not wait_for_function: the page's CSP forbids evaluating strings.)
        admin.locator("#presence-banner", has_text="Saved since").wait_for(timeout=30_000)
        admin.fill("#id_title", "A title Ada typed")
        admin.click("input[name=_continue]")
        admin.wait_for_selector(".errornote")
        assert "saved by Sol Okafor" in admin.content()
        assert admin.input_value("#id_title") == "A title Ada typed"  # nothing typed is lost
        article.refresh_from_db()
        assert article.title != "A title Ada typed"
        assert article.dek.endswith("Now with a second look.")
    finally:
        senior_context.close()
        admin_context.close()
