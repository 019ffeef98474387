"""Hardened configuration, checked on real responses: security headers, the production
deploy check, throttled admin sign-in, and every public route refusing unpublished work."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from explainers.models import Article
from tests.support.routes import PUBLIC_ROUTES

ROOT = Path(__file__).resolve().parents[2]


def csp_directives(response):
    policy = response["Content-Security-Policy"]
    return {
        part.split()[0]: part.split()[1:] for part in (p.strip() for p in policy.split(";")) if part
    }


@pytest.mark.parametrize("path", ["/", "/admin/login/", "/no-such-page/"])
def test_every_response_carries_the_security_headers(client, db, path):
    response = client.get(path)
    csp = csp_directives(response)
    assert csp["script-src"] == ["'self'"]  # no inline script, no eval, no other host
    assert csp["object-src"] == ["'none'"] and csp["frame-ancestors"] == ["'none'"]
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert "geolocation=()" in response["Permissions-Policy"]


def test_the_article_page_has_no_inline_script_to_need_unsafe_inline(client, make_article):
    article = make_article(sections=[(0, "Intro", "", "Plain."), (2, "Twist", "Safe", "Twist.")])
    page = client.get(article.get_absolute_url()).content.decode()
    import re

    for attrs, _body in re.findall(r"<script([^>]*)>(.*?)</script>", page, re.S):
        # External files, or a data block (JSON-LD) that browsers never execute.
        assert "src=" in attrs or 'type="application/ld+json"' in attrs, attrs
    assert not re.search(r"\son[a-z]+\s*=", page), "inline event handler"


def test_https_responses_carry_hsts(client, db, settings):
    settings.SECURE_HSTS_SECONDS = 31_536_000
    settings.SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    response = client.get("/", secure=True)
    assert response["Strict-Transport-Security"].startswith("max-age=31536000; includeSubDomains")


def test_the_session_cookie_is_http_only_secure_and_expires(client, django_user_model, settings):
    django_user_model.objects.create_user("sam", password="a-long-pass-phrase", is_staff=True)
    response = client.post(
        "/admin/login/", {"username": "sam", "password": "a-long-pass-phrase"}, secure=True
    )
    assert response.status_code == 302
    cookie = response.cookies[settings.SESSION_COOKIE_NAME]
    assert cookie["httponly"] and cookie["samesite"] == "Lax"
    assert settings.SESSION_COOKIE_AGE <= 12 * 3600 and settings.SESSION_EXPIRE_AT_BROWSER_CLOSE


def test_production_settings_pass_the_deploy_check():
    env = {
        key: value
        for key, value in os.environ.items()
        if key
        not in {
            "DEBUG",
            "SECURE_COOKIES",
            "SECURE_SSL_REDIRECT",
            "HSTS_SECONDS",
            # Set by the browser tests for Playwright's event loop; never in production.
            "DJANGO_ALLOW_ASYNC_UNSAFE",
        }
    }
    env.update(
        DJANGO_SETTINGS_MODULE="editorial.settings",
        SECRET_KEY="k" * 20 + "-a-long-random-production-secret-" + "x" * 30,
        ALLOWED_HOSTS="explainers.example.org",
        DATABASE_URL="sqlite:///:memory:",
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_admin_sign_in_is_paused_after_repeated_failures(client, django_user_model, settings):
    django_user_model.objects.create_user("sam", password="the-right-pass-phrase", is_staff=True)
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        response = client.post("/admin/login/", {"username": "sam", "password": "wrong"})
        assert response.status_code == 200  # the ordinary "wrong password" page
    response = client.post("/admin/login/", {"username": "sam", "password": "wrong"})
    assert response.status_code == 429  # the last failure allowed pauses the account here
    response = client.post(
        "/admin/login/", {"username": "sam", "password": "the-right-pass-phrase"}
    )
    assert response.status_code == 429
    assert "Too many failed sign-ins" in response.content.decode()
    assert "_auth_user_id" not in client.session
    # Another account from the same address is not locked out by Sam's failures.
    django_user_model.objects.create_user("kim", password="kims-own-pass-phrase", is_staff=True)
    response = client.post("/admin/login/", {"username": "kim", "password": "kims-own-pass-phrase"})
    assert response.status_code == 302


# --- every public route refuses what is not published --------------------------------------


# Routes that are not public pages: the admin and the editors' endpoints (staff only,
# tested in their own files), development media.
NOT_PUBLIC_PREFIXES = ("admin", "markdownx", "media")


def named_routes(resolver=None, namespace=""):
    resolver = resolver or get_resolver()
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            prefix = str(pattern.pattern).lstrip("^")
            if prefix.startswith(NOT_PUBLIC_PREFIXES):
                continue
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            yield from named_routes(pattern, inner)
        elif isinstance(pattern, URLPattern):
            route = str(pattern.pattern).lstrip("^")
            if route.startswith(NOT_PUBLIC_PREFIXES):
                continue
            yield f"{namespace}{pattern.name}" if pattern.name else route


def test_every_public_route_is_listed():
    assert set(named_routes()) == set(PUBLIC_ROUTES)


@pytest.mark.parametrize("name", sorted(PUBLIC_ROUTES))
def test_no_public_route_shows_a_draft(client, make_article, name):
    draft = make_article(
        sections=[(0, "Draft-only words", "", "Zanzibarquux appears only in this draft.")],
        status=Article.Status.DRAFT,
        title="Unpublished Zanzibarquux explainer",
    )
    response = client.get(PUBLIC_ROUTES[name](draft))
    body = response.content.decode()
    assert "Zanzibarquux" not in body
    # /favicon.ico only redirects to the static icon.
    assert response.status_code in ((301,) if name == "favicon" else (200, 404))


# --- hardening (issue 13) -------------------------------------------------------------------


def production_settings(monkeypatch, **env):
    """The values editorial/settings.py computes with DEBUG off and this environment."""
    import runpy

    monkeypatch.delenv("DEBUG", raising=False)
    monkeypatch.setenv("SECRET_KEY", "a-production-like-secret")
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return runpy.run_path(str(ROOT / "editorial" / "settings.py"))


def test_static_files_carry_the_content_security_policy(client, db):
    response = client.get("/static/explainers/icon.svg")
    assert response.status_code == 200
    assert csp_directives(response)["script-src"] == ["'self'"]
    assert "geolocation=()" in response["Permissions-Policy"]


def test_a_request_for_an_unknown_host_is_refused_with_the_security_headers(client, db):
    response = client.get("/", HTTP_HOST="attacker.example")
    assert response.status_code == 400
    assert csp_directives(response)["default-src"] == ["'self'"]


def test_the_permissions_policy_names_no_abandoned_feature(client, db):
    assert "interest-cohort" not in client.get("/")["Permissions-Policy"]


def test_behind_a_proxy_each_client_is_throttled_on_its_own(
    client, django_user_model, settings, monkeypatch
):
    # What settings.py makes of PROXY_COUNT=1, as docs/deploy.md sets it.
    production = production_settings(monkeypatch, PROXY_COUNT="1")
    for name, value in production.items():
        if name == "PROXY_COUNT" or name.startswith("AXES_"):
            setattr(settings, name, value)
    django_user_model.objects.create_user("sam", password="the-right-pass-phrase", is_staff=True)
    proxy = {"REMOTE_ADDR": "10.0.0.2"}
    attacker = {**proxy, "HTTP_X_FORWARDED_FOR": "198.51.100.7"}
    sam = {**proxy, "HTTP_X_FORWARDED_FOR": "203.0.113.5"}
    for _ in range(settings.AXES_FAILURE_LIMIT + 2):
        client.post("/admin/login/", {"username": "sam", "password": "guess"}, **attacker)
    locked = client.post(
        "/admin/login/", {"username": "sam", "password": "the-right-pass-phrase"}, **attacker
    )
    assert locked.status_code == 429  # the attacker is throttled ...
    # ... and Sam, signing in from another address behind the same proxy, is not.
    response = client.post(
        "/admin/login/", {"username": "sam", "password": "the-right-pass-phrase"}, **sam
    )
    assert response.status_code == 302
    from axes.models import AccessAttempt

    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"198.51.100.7"}
