"""The vectorisable exp and erf of actuarial.engine.fastmath against the C library's, and the
compiled kept share against demography.retirement_keep_share.

Each function is compiled twice: as the engine compiles its callers (IEEE operations only) and
with fused multiply-add allowed (``fastmath={"contract"}``), which a caller may choose; both
must meet the stated accuracy."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numba import njit

from actuarial import demography
from actuarial.engine import fastmath, fused

# fastmath.py's digest: the compiled loops below are cached by this file, as the engine's are by
# theirs (see test_compiled_callers_name_the_digest_of_the_file_they_call)
FASTMATH_DIGEST = "11fee2831db5"

ERF_ABS = 2.5e-16       # measured: 1.1e-16 (one unit in the last place of values near 1)
EXP_ULPS = 2.0          # measured: 1 unit in the last place


def _loops(contract):
    flags = {"contract"} if contract else False

    @njit(error_model="numpy", fastmath=flags, cache=True)
    def erf(x, out):
        for i in range(x.size):
            out[i] = fastmath.erf(x[i])

    @njit(error_model="numpy", fastmath=flags, cache=True)
    def exp(x, out):
        for i in range(x.size):
            out[i] = fastmath.exp(x[i])
    return erf, exp


LOOPS = {False: _loops(False), True: _loops(True)}


def _erf(x, contract):
    x = np.ascontiguousarray(x, dtype=float)
    out = np.empty_like(x)
    LOOPS[contract][0](x, out)
    return out


def _exp(x, contract):
    x = np.ascontiguousarray(x, dtype=float)
    out = np.empty_like(x)
    LOOPS[contract][1](x, out)
    return out


@pytest.mark.parametrize("contract", [False, True])
def test_erf_on_a_dense_grid_agrees_with_math_erf(contract):
    x = np.linspace(-10.0, 10.0, 200_001)         # steps of 1e-4, every region boundary crossed (the
    # accuracy stated in fastmath was measured on steps of 1e-5; the random test below adds more)
    edges = np.array([0.84375, 1.25, 1 / 0.35, 6.0])
    x = np.concatenate([x, edges, -edges, np.nextafter(edges, 0), np.nextafter(edges, 9), [0.0, 1e-300, 1e-8]])
    want = np.array([math.erf(v) for v in x])
    got = _erf(x, contract)
    assert np.abs(got - want).max() <= ERF_ABS
    assert np.all(np.abs(got) <= 1.0)
    assert _erf([10.0, 1e300, np.inf, -np.inf], contract).tolist() == [1.0, 1.0, 1.0, -1.0]
    assert np.isnan(_erf([np.nan], contract)[0])


@settings(max_examples=100, deadline=None)
@given(st.lists(st.floats(-50.0, 50.0, allow_nan=False), min_size=1, max_size=40), st.booleans())
def test_erf_is_odd_and_agrees_with_math_erf(xs, contract):
    x = np.array(xs)
    got = _erf(x, contract)
    np.testing.assert_allclose(got, [math.erf(v) for v in xs], rtol=0, atol=ERF_ABS)
    np.testing.assert_array_equal(_erf(-x, contract), -got)


@pytest.mark.parametrize("contract", [False, True])
def test_exp_on_a_dense_grid_agrees_with_math_exp(contract):
    x = np.concatenate([np.linspace(-708.0, 709.0, 200_001), np.linspace(-1.0, 1.0, 20_001)])
    want = np.array([math.exp(v) for v in x])
    got = _exp(x, contract)
    assert (np.abs(got - want) / np.spacing(want)).max() <= EXP_ULPS
    assert _exp([0.0], contract)[0] == 1.0         # an unshocked rate stays the rate, bit for bit
    # clamped outside [-708, 709] (2^n stays a normal number)
    np.testing.assert_array_equal(_exp([-1000.0, 1000.0], contract), _exp([-708.0, 709.0], contract))


@settings(max_examples=100, deadline=None)
@given(st.lists(st.floats(-708.0, 709.0, allow_nan=False), min_size=1, max_size=40), st.booleans())
def test_exp_agrees_with_math_exp(xs, contract):
    got = _exp(xs, contract)
    want = np.array([math.exp(v) for v in xs])
    assert (np.abs(got - want) / np.spacing(want)).max() <= EXP_ULPS


@settings(max_examples=100, deadline=None)
@given(st.integers(0, 2**32 - 1), st.sampled_from([0.0, 0.5, 3.0, 8.0]), st.floats(0.0, 1.0))
def test_compiled_kept_share_equals_the_numpy_rule(seed, spread, pay_up):
    """fused._keep_run computes retirement_keep_share of each cell's mean years (years /
    persons, 0 in a cell with no one) in one vectorised loop: the numpy shares to 1e-15."""
    rng = np.random.default_rng(seed)
    n = 8 * int(rng.integers(1, 12))
    persons = rng.uniform(0, 50, n) * (rng.uniform(size=n) > 0.2)   # some empty cells
    years = persons * rng.uniform(0, 40, n)
    keep = np.full(n + 16, -1.0)
    pad = np.full(8, np.nan)                       # cells outside the run are never read
    fused._keep_run(np.r_[pad, years, pad], np.r_[pad, persons, pad], keep, 8, 8 + n, 20.0, spread, pay_up)
    mean = np.divide(years, persons, out=np.zeros(n), where=persons > 0)
    want = demography.retirement_keep_share(mean, 20.0, spread, pay_up)
    np.testing.assert_allclose(keep[8:8 + n], want, rtol=0, atol=1e-15)
    assert (keep[:8] == -1.0).all() and (keep[8 + n:] == -1.0).all()     # nothing outside the run


def test_kept_share_by_hand_at_the_minimum_and_for_a_vanishing_spread():
    """At the minimum half the cohort meets it: keep = 0.5 + 0.5 pay_up, for any spread > 0,
    however small (no 0 x infinity); with no spread, a step (everyone at the mean meets it)."""
    persons = np.array([10.0, 10.0, 0.0, 10.0])
    years = np.array([200.0, 200.0, 0.0, 199.0])            # means 20, 20, none (0), 19.9
    for spread, want in ((8.0, [0.6, 0.6]), (1e-310, [0.6, 0.6]), (0.0, [1.0, 1.0])):
        keep = np.empty(4)
        fused._keep_run(years, persons, keep, 0, 4, 20.0, spread, 0.2)
        np.testing.assert_allclose(keep[:2], want, rtol=0, atol=1e-15)
        if spread < 1:                                       # below the minimum: only those who pay up
            assert keep[2] == keep[3] == 0.2
        with np.errstate(over="ignore"):                    # numpy: -0.1 / 1.4e-310 overflows to -inf
            ref = demography.retirement_keep_share(years / np.maximum(persons, 1), 20.0, spread, 0.2)
        np.testing.assert_allclose(keep, ref, rtol=0, atol=1e-15)


def test_compiled_callers_name_the_digest_of_the_file_they_call():
    """numba caches a caller's compiled code by the caller's file, so the compiled callers of
    fastmath.py and of survival.py (and this file, whose test loops are cached too) name the
    digest of the file they call into: an edit of it fails here until they do, and changing
    them discards their cached code (which still holds the old functions)."""
    import hashlib
    import re
    from pathlib import Path

    engine = Path(fastmath.__file__).parent
    expected = {"fastmath": ["fused.py", "survival.py"], "survival": ["fused.py"]}
    for callee, names in expected.items():
        digest = hashlib.sha256((engine / f"{callee}.py").read_bytes().replace(b"\r\n", b"\n")).hexdigest()[:12]
        callers = [p for p in sorted(engine.glob("*.py")) if p.name != f"{callee}.py"
                   and re.search(rf"^from \. import {callee}\b", p.read_text(encoding="utf-8"), re.M)]
        assert [p.name for p in callers] == names
        for p in callers:
            named = re.search(rf"^from \. import {callee}  # {callee}\.py ([0-9a-f]{{12}}) ",
                              p.read_text(encoding="utf-8"), re.M)
            assert named and named.group(1) == digest, (
                f"{p.name}: its import line must name {callee}.py's digest {digest} ({callee}.py changed; the "
                f"new digest also makes numba compile {p.name} again)")
    digest = hashlib.sha256(Path(fastmath.__file__).read_bytes().replace(b"\r\n", b"\n")).hexdigest()[:12]
    assert FASTMATH_DIGEST == digest, f"tests/test_fastmath.py: set FASTMATH_DIGEST to {digest} (its cached loops too)"
