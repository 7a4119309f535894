import pytest

from tests.gaps.small_city import build_small_city


@pytest.fixture
def city():
    """The small city of tests/gaps/small_city.py, computed by hand in the tests."""
    return build_small_city()
