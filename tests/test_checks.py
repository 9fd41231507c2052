"""utils.checks: the shared integer argument check."""

from utils.checks import check_int

import pytest


def test_check_int_returns_a_plain_int():
    assert check_int("epochs", 3) == 3 and type(check_int("epochs", 3)) is int
    assert check_int("seed", 0, minimum=0) == 0


@pytest.mark.parametrize("bad", [0, -1, 1.5, "2", True, None])
def test_check_int_names_the_argument(bad):
    with pytest.raises(ValueError, match="epochs must be an integer >= 1"):
        check_int("epochs", bad)
