"""Fixtures the leak-check tests share: the spoiler terms of the test work, and an
account that may override the check."""

import pytest
from django.contrib.auth.models import Permission

from explainers.models import SpoilerTerm


@pytest.fixture
def terms(levels, work):
    """The Perfection's terms: a twist, the final chapter's name, a global word."""
    return {
        "hand": SpoilerTerm.objects.create(
            phrase="cuts off her hand",
            variants="cut off her hand\ncuts off her own hand, cut off her own hand",
            work=work,
            spoiler_level=levels[2],
            notes="The bus trip's outcome.",
        ),
        "duet": SpoilerTerm.objects.create(phrase="Duet", work=work, spoiler_level=levels[3]),
        "chapel": SpoilerTerm.objects.create(phrase="the Chapel", spoiler_level=levels[2]),
    }


@pytest.fixture
def moderator(db, django_user_model, senior_editor):
    """A senior editor's permissions and the leak-check override, without the terms'
    change permission: what the override tests need, nothing of the Moderator role."""
    user = django_user_model.objects.create_user(
        "mo", password="pw-for-tests", is_staff=True, first_name="Mo", last_name="Derator"
    )
    user.user_permissions.set(
        [
            *Permission.objects.filter(group__user=senior_editor),
            *Permission.objects.filter(
                content_type__app_label="explainers",
                codename__in=["override_leak_check", "view_spoilerterm", "add_spoilerterm"],
            ),
        ]
    )
    return user


@pytest.fixture
def moderator_client(client, moderator):
    client.force_login(moderator)
    return client
