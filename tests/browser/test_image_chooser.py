"""The image chooser and the focal point, in the real admin: a dialog of thumbnails used
from the keyboard, axe on the open dialog, the number box without JavaScript, and the
focal point set by clicking on the picture."""

import pytest

from explainers.models import Article, Image
from tests.support.browser import sign_in_page

pytestmark = pytest.mark.browser


@pytest.fixture
def admin_page(demo_site, page, django_user_model):
    django_user_model.objects.create_superuser("boss", "boss@example.com", "pw-for-tests")
    sign_in_page(page, demo_site.url, "boss", "pw-for-tests")
    return page


@pytest.fixture(scope="module")
def axe():
    from axe_playwright_python.sync_playwright import Axe

    return Axe()


def explainer():
    return Article.objects.get(slug="the-perfection-ending-explained")


def open_hero_chooser(page, demo_site):
    page.goto(f"{demo_site.url}/admin/explainers/article/{explainer().pk}/change/")
    page.locator(".field-hero_image .image-chooser-open").click()
    dialog = page.get_by_role("dialog", name="Choose an image")
    dialog.locator(".image-chooser-pick").first.wait_for()
    return dialog


def test_search_and_pick_a_hero_image_with_the_keyboard(demo_site, admin_page):
    page = admin_page
    steps = Image.objects.get(alt_text__startswith="Rain falling on a long flight")
    dialog = open_hero_chooser(page, demo_site)
    search = dialog.get_by_role("searchbox")
    assert search.evaluate("el => el === document.activeElement")  # ready to type
    # Only spoiler-free images for a hero: the Twist still with rain is not offered.
    page.keyboard.type("rain")
    page.wait_for_function(
        "() => document.querySelectorAll('dialog .image-chooser-pick').length === 1"
    )
    assert "Rain falling" in dialog.locator(".image-chooser-pick").inner_text()

    for _ in range(8):  # past the filters and the Search button, to the first picture
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.classList.contains('image-chooser-pick')"):
            break
    page.keyboard.press("Enter")

    assert not dialog.is_visible()
    field = page.locator("#id_hero_image")
    assert field.input_value() == str(steps.pk)
    thumbnail = page.locator(".field-hero_image .image-chooser-thumb")
    assert thumbnail.is_visible()
    assert thumbnail.get_attribute("src").startswith("/media/renditions/")
    assert thumbnail.evaluate("img => img.complete && img.naturalWidth > 0")
    assert "Rain falling" in page.locator(".field-hero_image .image-chooser-label").inner_text()
    # Focus is back where the dialog was opened.
    assert page.evaluate("document.activeElement.classList.contains('image-chooser-open')")

    page.locator("input[name=_continue]").click()
    # Every request the saved page makes (checks, presence) done before the test ends.
    page.wait_for_load_state("networkidle")
    assert explainer().hero_image == steps


def test_escape_closes_the_dialog_and_changes_nothing(demo_site, admin_page):
    page = admin_page
    before = page.goto(f"{demo_site.url}/admin/explainers/article/{explainer().pk}/change/")
    assert before.ok
    value = page.locator("#id_hero_image").input_value()
    dialog = open_hero_chooser(page, demo_site)
    page.keyboard.press("Escape")
    assert not dialog.is_visible()
    assert page.locator("#id_hero_image").input_value() == value


def test_a_sections_chooser_filters_by_level_and_a_typed_number_shows_its_image(
    demo_site, admin_page
):
    page = admin_page
    page.goto(f"{demo_site.url}/admin/explainers/article/{explainer().pk}/change/")
    page.locator(".field-image .image-chooser-open").first.click()
    dialog = page.get_by_role("dialog", name="Choose an image")
    dialog.locator(".image-chooser-pick").first.wait_for()
    twist = Image.objects.get(spoiler_level__slug="twist")
    dialog.get_by_label("Spoiler level").select_option(label=twist.spoiler_level.name)
    page.wait_for_function(
        "() => document.querySelectorAll('dialog .image-chooser-pick').length === 1"
    )
    dialog.get_by_role("button", name="Close").click()

    field = page.locator(".field-image input.vForeignKeyRawIdAdminField").first
    field.fill(str(twist.pk))
    field.dispatch_event("change")
    label = page.locator(".field-image .image-chooser-label").first
    page.wait_for_function(
        "([el, text]) => el.textContent.includes(text)",
        arg=[label.element_handle(), twist.alt_text[:20]],
    )


def test_the_open_chooser_has_no_axe_violations(demo_site, admin_page, axe):
    page = admin_page
    dialog = open_hero_chooser(page, demo_site)
    page.wait_for_load_state("networkidle")
    assert dialog.is_visible()
    found = axe.run(page, context={"include": [["dialog.image-chooser-dialog"]]})
    assert [
        f"{v['id']}: {v['help']} at {[node['target'] for node in v['nodes'][:5]]}"
        for v in found.response["violations"]
    ] == []


def test_without_javascript_the_hero_is_a_number_with_its_thumbnail(
    demo_site, page_without_js, django_user_model
):
    page = page_without_js
    django_user_model.objects.create_superuser("boss", "boss@example.com", "pw-for-tests")
    sign_in_page(page, demo_site.url, "boss", "pw-for-tests")
    article = explainer()
    page.goto(f"{demo_site.url}/admin/explainers/article/{article.pk}/change/")
    assert page.locator("#id_hero_image").input_value() == str(article.hero_image_id)
    assert page.locator(".field-hero_image .image-chooser-thumb").is_visible()
    assert not page.locator(".field-hero_image .image-chooser-open").is_visible()
    lookup = page.locator(".field-hero_image a.related-lookup")
    assert lookup.get_attribute("target") == "_blank"


def test_clicking_on_the_picture_sets_the_focal_point_and_moves_the_crops(demo_site, admin_page):
    page = admin_page
    image = Image.objects.filter(spoiler_level__rank=0).order_by("pk").first()
    page.goto(f"{demo_site.url}/admin/explainers/image/{image.pk}/change/")
    picture = page.locator(".focal-picker-stage img")
    box = picture.bounding_box()
    teaser = page.locator(".focal-crop").nth(1).locator("img")
    left_before = teaser.evaluate("img => img.style.left")

    picture.click(position={"x": box["width"] * 0.1, "y": box["height"] * 0.25})
    across = float(page.locator("#id_focal_x").input_value())
    down = float(page.locator("#id_focal_y").input_value())
    assert across == pytest.approx(0.1, abs=0.02)
    assert down == pytest.approx(0.25, abs=0.02)
    assert teaser.evaluate("img => img.style.left") != left_before  # the crop followed
    assert "10% across" in page.locator(".focal-picker-status").inner_text()

    # The keyboard: the picture takes focus; arrows move the point, Shift ten times as far.
    page.locator(".focal-picker-stage").focus()
    page.keyboard.press("ArrowRight")
    page.keyboard.press("Shift+ArrowDown")
    assert float(page.locator("#id_focal_x").input_value()) == pytest.approx(across + 0.01)
    assert float(page.locator("#id_focal_y").input_value()) == pytest.approx(down + 0.1)

    page.locator("input[name=_continue]").click()
    # Every request the saved page makes (checks, presence) done before the test ends.
    page.wait_for_load_state("networkidle")
    image.refresh_from_db()
    assert image.focal_x == pytest.approx(across + 0.01)
    assert image.focal_y == pytest.approx(down + 0.1)


def test_dropping_a_picture_already_in_the_library_uses_that_image(demo_site, admin_page):
    from tests.browser.test_editor_uploads import drop

    page = admin_page
    page.goto(f"{demo_site.url}/admin/explainers/article/{explainer().pk}/change/")
    existing = Image.objects.filter(spoiler_level__rank=0).order_by("pk").first()
    with existing.file.open("rb") as handle:
        stored = handle.read()  # the file as the site serves it, saved by an editor
    count = Image.objects.count()
    editor = page.locator("textarea.markdownx-editor").first
    with page.expect_response(lambda response: "/markdownx/upload/" in response.url):
        drop(page, editor, "saved-from-the-site.jpg", "image/jpeg", stored)
    page.wait_for_function(
        "([el, url]) => el.value.includes('![](' + url + ')')",
        arg=[editor.element_handle(), existing.file.url],
    )
    note = page.locator(".editor-upload-note").first
    assert "already in the library" in note.inner_text()
    assert note.locator("a").get_attribute("href") == (
        f"/admin/explainers/image/{existing.pk}/change/"
    )
    assert Image.objects.count() == count
    page.wait_for_load_state("networkidle")
