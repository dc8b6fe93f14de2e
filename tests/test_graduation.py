"""Graduation of five-year groups to single years keeps every group total."""

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from actuarial.demography import graduate_counts
from conftest import EXAMPLE

LOWER = np.r_[np.arange(0, 100, 5), 100]


@settings(max_examples=100, deadline=None)
@given(arrays(float, 21, elements=st.floats(0, 1e6)))
def test_group_totals_kept_and_nothing_negative(counts):
    single = graduate_counts(counts, LOWER)
    assert single.shape == (101,)
    assert np.all(single >= 0)
    sums = np.add.reduceat(single[:100], np.arange(0, 100, 5))
    np.testing.assert_allclose(sums, counts[:-1], rtol=1e-9, atol=1e-6)
    assert single[100] == counts[-1]


def test_un_population_graduation():
    df = pd.read_csv(EXAMPLE / "sources" / "china_population_5y_1950_2020.csv")
    part = df[(df.year == 2020) & (df.sex == "female")]
    single = graduate_counts(part.population_thousands.to_numpy(), LOWER)
    np.testing.assert_allclose(np.add.reduceat(single[:100], np.arange(0, 100, 5)),
                               part.population_thousands.to_numpy()[:-1], rtol=1e-12)
    # a smooth profile: no single year more than 60% away from its neighbours' mean
    inner = single[1:99]
    neighbours = 0.5 * (single[:98] + single[2:100])
    assert np.all(np.abs(inner / neighbours - 1) < 0.6)


def test_closed_groups_only():
    single = graduate_counts([1.0, 3.0, 2.0], [10, 15, 20], open_last=False, top=25)
    assert single.shape == (15,)
    np.testing.assert_allclose([single[:5].sum(), single[5:10].sum(), single[10:].sum()], [1, 3, 2])


def test_pchip_is_scipys_arithmetic():
    """demography.pchip (written out to spare a run scipy.interpolate's import) gives the
    numbers of scipy's PchipInterpolator bit for bit: random, monotone and flat pieces, two
    points, evaluation at the knots and between them."""
    from scipy.interpolate import PchipInterpolator

    from actuarial.demography import pchip

    rng = np.random.default_rng(7)
    for trial in range(200):
        k = int(rng.integers(2, 25))
        x = np.sort(rng.choice(np.arange(120), size=k, replace=False)).astype(float)
        y = rng.normal(size=(3, 2, k))
        if trial % 3 == 0:
            y = np.cumsum(np.abs(y), axis=-1)
        if trial % 5 == 0 and k > 4:
            y[..., 2:4] = y[..., 1:2]
        at = np.concatenate([x, rng.uniform(x[0], x[-1], 40)])
        np.testing.assert_array_equal(pchip(x, y, at), PchipInterpolator(x, y, axis=-1)(at))
