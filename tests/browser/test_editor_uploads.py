"""Dropping files into a section's Markdown editor, in the real admin."""

import base64

import pytest

from explainers.models import Article, Image
from tests.support.browser import sign_in_page
from tests.support.images import image_bytes

pytestmark = pytest.mark.browser

SVG = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'

DROP = """([editor, name, type, data]) => {
  const bytes = Uint8Array.from(atob(data), (c) => c.charCodeAt(0));
  const transfer = new DataTransfer();
  transfer.items.add(new File([bytes], name, { type }));
  editor.dispatchEvent(new DragEvent("drop", { dataTransfer: transfer, bubbles: true }));
}"""


@pytest.fixture
def admin_page(demo_site, page, django_user_model):
    django_user_model.objects.create_superuser("boss", "boss@example.com", "pw-for-tests")
    sign_in_page(page, demo_site.url, "boss", "pw-for-tests")
    return page


def drop(page, senior_editor, name, content_type, content):
    page.evaluate(
        DROP,
        [senior_editor.element_handle(), name, content_type, base64.b64encode(content).decode()],
    )


def test_a_refused_drop_says_why_and_an_accepted_one_asks_for_alt_text_and_credit(
    demo_site, admin_page
):
    page = admin_page
    article = Article.objects.order_by("pk").first()
    page.goto(f"{demo_site.url}/admin/explainers/article/{article.pk}/change/")
    editor = page.locator("textarea.markdownx-editor").first
    before = editor.input_value()
    count = Image.objects.count()

    with page.expect_response(lambda response: "/markdownx/upload/" in response.url):
        drop(page, editor, "still.jpg", "image/jpeg", SVG)
    note = page.locator(".editor-upload-note").first
    note.wait_for()
    assert "not a readable image" in note.inner_text()
    assert note.get_attribute("role") == "alert"
    page.wait_for_function(
        "el => !el.value.includes('Invalid response')", arg=editor.element_handle()
    )
    assert editor.input_value() == before
    assert Image.objects.count() == count

    with page.expect_response(lambda response: "/markdownx/upload/" in response.url):
        drop(page, editor, "paste.png", "image/png", image_bytes(size=(80, 45)))
    page.wait_for_function(
        "el => el.value.includes('![](/media/images/')", arg=editor.element_handle()
    )
    image = Image.objects.order_by("-pk").first()
    assert f"![]({image.file.url})" in editor.input_value()
    assert "needs alt text and credit" in note.inner_text()
    link = note.locator("a")
    assert link.get_attribute("href") == f"/admin/explainers/image/{image.pk}/change/"
