"""Bad input fails with a message naming the parameter and its allowed range."""

import math

import numpy as np
import pytest

from icl_sym.core.validation import ParameterError, Range, check_array, check_choice, check_int


def test_ranges_describe_and_contain():
    r = Range(0, math.inf, low_open=True, allow_inf=True)
    assert r.describe() == "in (0, inf) or inf"
    np.testing.assert_array_equal(r.contains(np.array([0.0, 1.0, np.inf, np.nan])), [False, True, True, False])
    assert not Range(0, math.inf, low_open=True).contains(np.array(np.inf))


@pytest.mark.parametrize("value, message", [
    (-1.0, "rho must be real in \\[0, inf\\); got -1.0"),
    (float("nan"), "rho must be real in \\[0, inf\\); got nan"),
    ([0.5, -2.0], "got -2.0"),
    ("abc", "rho must be a real number"),
])
def test_check_array_errors(value, message):
    with pytest.raises(ParameterError, match=message):
        check_array("rho", value, Range(0))


def test_check_int_and_choice():
    assert check_int("d", 3.0, 2) == 3
    for bad in (1, 2.5, True, "3"):
        with pytest.raises(ParameterError, match="d must be an integer >= 2"):
            check_int("d", bad, 2)
    with pytest.raises(ParameterError, match="format must be one of a, b; got 'c'"):
        check_choice("format", "c", ["a", "b"])


def test_parameter_error_pickles():
    import pickle

    err = pickle.loads(pickle.dumps(ParameterError("rho", "real in [0, inf)", -1.0)))
    assert isinstance(err, ParameterError) and str(err) == "rho must be real in [0, inf); got -1.0"
