"""Bad input fails with a message naming the parameter and its allowed range."""

import math

import mpmath
import numpy as np
import pytest
import sympy as sp
import torch

from icl_sym.core.validation import ParameterError, Range, check_array, check_choice, check_int, parse_real


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


@pytest.mark.parametrize("text, value", [
    ("0.1", sp.Rational(1, 10)),
    ("1e-30", sp.Rational(1, 10**30)),
    ("-2.5E+3", sp.Integer(-2500)),
    (" .5 ", sp.Rational(1, 2)),
    ("5.", sp.Integer(5)),
    ("+7", sp.Integer(7)),
    ("1/3", sp.Rational(1, 3)),
    ("0.2/0.6", sp.Rational(1, 3)),
    ("inf", sp.oo),
    ("+Infinity", sp.oo),
    ("-inf", -sp.oo),
])
def test_parse_real_reads_decimal_text_exactly(text, value):
    parsed = parse_real("lam", text)
    assert parsed == value and (parsed in (sp.oo, -sp.oo) or isinstance(parsed, sp.Rational))
    if text == "0.1":
        assert parsed != sp.Rational(0.1)  # not the nearest binary float


@pytest.mark.parametrize("text, message", [
    ("nan", "lam must be a real number written as decimal text"),
    ("", "lam must be a real number written as decimal text"),
    ("1,5", "lam must be a real number written as decimal text"),
    ("+-inf", "lam must be a real number written as decimal text"),
    ("0x10", "lam must be a real number written as decimal text"),
    ("1/0", "lam must be a ratio p/q with q != 0"),
    ("1e999999999", "lam must be a number with a decimal exponent of at most 4000"),
    (0.1, "lam must be text holding a real number"),
])
def test_parse_real_refuses_everything_else(text, message):
    with pytest.raises(ParameterError, match=message):
        parse_real("lam", text)


@pytest.mark.parametrize("value", [
    "1", b"1", True, False, np.bool_(True), np.array([True, False]), torch.tensor([True]),
    ["1", 2.0], [1.0, [True]], np.array(["1.5"]), np.array([1.0, "a"], dtype=object),
])
def test_check_array_refuses_text_and_booleans(value):
    with pytest.raises(ParameterError, match=r"rho must be a real number or array of reals .*not text or a boolean"):
        check_array("rho", value, Range(0))


def test_check_array_still_takes_numbers_of_every_kind():
    for value in (1, 2.5, np.int64(3), np.float32(0.5), [1, 2.5], np.array([1, 2], dtype=object),
                  torch.tensor([1.0, 2.0]), mpmath.mpf("0.25"), sp.Rational(1, 4)):
        assert check_array("rho", value, Range(0)).dtype == np.float64


def test_integer_ranges():
    depth = Range(1, integer=True)
    assert depth.describe() == "an integer in [1, inf)"
    assert check_array("L", [1, 2, 64], depth).tolist() == [1.0, 2.0, 64.0]
    for bad in (1.5, 0, float("nan")):
        with pytest.raises(ParameterError, match="L must be an integer in \\[1, inf\\)"):
            check_array("L", bad, depth)
