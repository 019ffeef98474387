"""Fixtures the admin tests share: one account in each newsroom role, and a colleague."""

import pytest

from explainers import roles


@pytest.fixture
def people(role_user):
    """An editor, another editor, a senior editor and a moderator, by what tests call them."""
    return {
        "editor": role_user(roles.EDITOR, "eda"),
        "other_editor": role_user(roles.EDITOR, "otto"),
        "senior": role_user(roles.SENIOR_EDITOR, "sol"),
        "moderator": role_user(roles.MODERATOR, "mo"),
    }
