"""The spoiler window: how far a page opens by default once a work has been out long
enough. Readers' own choices (kept in their browser) always win over it."""

from datetime import date, timedelta

import pytest

from explainers.models import Work


@pytest.fixture
def released(work):
    work.release_date = date(2019, 5, 24)
    work.save()
    return work


def test_nothing_opens_by_default_inside_the_window(released, levels, settings):
    settings.SPOILER_WINDOW_DAYS = 365
    released.relaxed_tolerance = levels[2]
    released.save()
    assert released.default_tolerance_rank(today=date(2019, 5, 24) + timedelta(days=364)) == 0


def test_after_the_window_the_works_relaxed_level_applies(released, levels, settings):
    settings.SPOILER_WINDOW_DAYS = 365
    released.relaxed_tolerance = levels[2]
    released.save()
    assert released.default_tolerance_rank(today=date(2019, 5, 24) + timedelta(days=365)) == 2


def test_a_works_own_window_overrides_the_site_default(released, levels, settings):
    settings.SPOILER_WINDOW_DAYS = 10
    released.spoiler_window_days = 3650
    released.relaxed_tolerance = levels[1]
    released.save()
    assert released.default_tolerance_rank(today=date(2025, 1, 1)) == 0


def test_without_a_relaxed_level_the_site_default_applies(released, settings):
    settings.SPOILER_WINDOW_DAYS = 30
    settings.SPOILER_RELAXED_RANK = 1
    assert released.default_tolerance_rank(today=date(2019, 5, 24) + timedelta(days=30)) == 1
    settings.SPOILER_RELAXED_RANK = 0
    assert released.default_tolerance_rank(today=date(2030, 1, 1)) == 0


def test_an_unreleased_or_undated_work_never_relaxes(db, levels):
    work = Work.objects.create(title="Untitled", slug="untitled", relaxed_tolerance=levels[3])
    assert work.default_tolerance_rank(today=date(2099, 1, 1)) == 0
