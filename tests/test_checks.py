"""utils.checks: the one set of argument checks every module uses."""

from utils.checks import check_int, check_number, check_positive, check_probability, check_rate, check_text

import numpy as np
import pytest


def test_check_int_returns_a_plain_int_and_takes_numpy_integers():
    assert check_int("epochs", 3) == 3 and type(check_int("epochs", 3)) is int
    assert check_int("seed", 0, minimum=0) == 0
    assert type(check_int("seed", np.int64(3), minimum=0)) is int
    assert check_int("n", 5, minimum=2, maximum=5) == 5


@pytest.mark.parametrize("bad", [0, -1, 1.5, "2", True, None, np.float64(2.0)])
def test_check_int_names_the_argument(bad):
    with pytest.raises(ValueError, match="epochs must be an integer >= 1"):
        check_int("epochs", bad)


def test_check_int_with_a_maximum_says_the_range():
    with pytest.raises(ValueError, match="digit must be an integer from 0 to 9, got 10"):
        check_int("digit", 10, minimum=0, maximum=9)


def test_check_number_bounds_open_and_closed():
    assert check_number("x", np.float32(0.5), minimum=0, maximum=1) == 0.5
    assert type(check_number("x", 1)) is float
    assert check_number("x", 0, minimum=0) == 0.0
    with pytest.raises(ValueError, match=r"x must be a finite number > 0, got 0"):
        check_number("x", 0, minimum=0, open_minimum=True)
    with pytest.raises(ValueError, match=r"alpha must be a finite number in \(0, 1\), got 1"):
        check_number("alpha", 1, minimum=0, maximum=1, open_minimum=True, open_maximum=True)
    with pytest.raises(ValueError, match=r"x must be a finite number <= 2"):
        check_number("x", 3, maximum=2)


@pytest.mark.parametrize("bad", [float("nan"), float("inf"), True, "0.5", None, [0.5]])
def test_check_number_refuses_what_is_not_a_finite_number(bad):
    with pytest.raises(ValueError, match="x must be a finite number"):
        check_number("x", bad)


def test_check_positive_rate_probability_and_text():
    assert check_positive("lr", 1e-3) == 1e-3
    for bad in (0, -1, float("nan"), False):
        with pytest.raises(ValueError, match="lr must be a positive number"):
            check_positive("lr", bad)
    assert check_rate("rate", 0) == 0.0 and check_rate("rate", np.float64(0.5)) == 0.5
    for bad in (1.0, -0.1, "0.2", True):
        with pytest.raises(ValueError, match=r"rate must be a number in \[0, 1\)"):
            check_rate("rate", bad)
    assert check_probability("power", 0.8) == 0.8
    with pytest.raises(ValueError, match=r"power must be a finite number in \(0, 1\)"):
        check_probability("power", 0)
    assert check_text("name", "baseline") == "baseline"
    for bad in ("", "   ", None, 3):
        with pytest.raises(ValueError, match="name must be a non-empty string"):
            check_text("name", bad)


def test_set_seed_and_fast_cv_accept_the_same_seeds():
    # issue 16, item 8: set_seed refused np.int64(3) while fast_cv accepted it
    from utils.seed import set_seed

    assert set_seed(np.int64(3)) == 3
