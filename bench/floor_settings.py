"""The framework floor for ``bench/pages_bench.py``: the production settings, unchanged, with
``/__floor__/`` added (see floor_urls.py)."""

from editorial.settings import *  # noqa: F403

ROOT_URLCONF = "floor_urls"
