"""Signing in to the admin in a real browser, for the browser tests."""


def sign_in_page(page, base_url, username, password):
    """Sign ``page`` in through the admin's login form and wait for the signed-in header."""
    page.goto(f"{base_url}/admin/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("input[type=submit]")
    page.wait_for_selector("#user-tools")
    return page


def sign_in(browser, base_url, username, password, width=1280):
    """A new browser context ``width`` pixels wide, signed in: (context, page). The caller
    closes the context."""
    context = browser.new_context(viewport={"width": width, "height": 900})
    return context, sign_in_page(context.new_page(), base_url, username, password)
