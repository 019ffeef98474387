import pytest

from tests.support.demo import load_demo


@pytest.fixture
def demo(db):
    load_demo()
