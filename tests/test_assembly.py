"""Assembly and the registry's head counts: the sums taken slice by slice equal xarray's own
reductions, wherever the dims sit; one output never shares its coordinates with another."""

import numpy as np
import pytest
import xarray as xr
from hypothesis import given, settings
from hypothesis import strategies as st

import actuarial
from actuarial import indicators
from actuarial.dims import CONTRIBUTING_STATUSES, SEXES, STATUSES


def _population(values, order):
    da = xr.DataArray(values, dims=("draw", "year", "status", "sex"),
                      coords={"status": list(STATUSES), "sex": list(SEXES)}, name="population_total")
    return xr.Dataset({"population_total": da.transpose(*order)})


_ORDERS = st.permutations(("draw", "year", "status", "sex"))
_VALUES = st.builds(lambda seed, scale, nan: _values(seed, scale, nan), st.integers(0, 2**32 - 1),
                    st.floats(-5, 12), st.booleans())


def _values(seed, scale, nan):
    v = np.exp(np.random.default_rng(seed).normal(scale, 4, size=(3, 5, len(STATUSES), len(SEXES))))
    if nan:
        v[1, 2, 0, 1] = np.nan
    return v


@settings(max_examples=40, deadline=None)
@given(values=_VALUES, order=_ORDERS,
       status=st.sampled_from([None, "retired", "resident", list(CONTRIBUTING_STATUSES), ["resident", "active"], []]))
def test_persons_equal_the_plain_reduction(values, order, status):
    ds = _population(values, order)
    p = ds["population_total"]
    expected = (p if status is None else p.sel(status=status)).sum(
        [d for d in ("status", "sex") if d in (p if status is None else p.sel(status=status)).dims], skipna=False)
    got = indicators._persons(ds, status)
    xr.testing.assert_allclose(got.transpose(*expected.dims), expected, rtol=1e-13)
    assert np.isnan(got.values).any() == np.isnan(expected.values).any()    # a NaN count stays NaN
    assert not np.shares_memory(got.values, values)


def test_persons_by_hand():
    values = np.arange(2 * 1 * len(STATUSES) * len(SEXES), dtype=float).reshape(2, 1, len(STATUSES), len(SEXES))
    ds = _population(values, ("draw", "year", "status", "sex"))
    i = list(STATUSES).index("retired")
    assert indicators._persons(ds, "retired").values.tolist() == [[values[0, 0, i].sum()], [values[1, 0, i].sum()]]
    assert indicators._persons(ds, "retired")["status"].item() == "retired"   # the label stays, as with sel
    assert indicators._persons(ds).values[:, 0].tolist() == [values[0].sum(), values[1].sum()]
    assert (indicators._persons(ds, []).values == 0).all()
    with pytest.raises(KeyError, match="nobody"):
        indicators._persons(ds, ["retired", "nobody"])


def test_own_insured_skips_schemes_without_members_of_their_own():
    insured = xr.DataArray([[1.0, 2.0, 40.0, 800.0], [3.0, np.nan, 5.0, 7.0]], dims=("year", "scheme"),
                           coords={"scheme_own_members": ("scheme", [True, True, False, False])})
    out = indicators._own_insured(xr.Dataset({"insured": insured}))
    assert out.values[0] == 3.0 and np.isnan(out.values[1])
    assert indicators._own_insured(xr.Dataset({"insured": insured.drop_vars("scheme_own_members")})).values[0] == 843.0


def test_outputs_do_not_share_coordinates(example):
    first = actuarial.project(example, 2, draws=4, seed=1)
    first["year"].attrs["units"] = "changed"
    first["status"].attrs.clear()
    first["scheme_own_members"].attrs["long_name"] = "changed"
    second = actuarial.project(example, 2, draws=4, seed=1)
    assert second["year"].attrs["units"] == "year"
    assert second["status"].attrs == {"long_name": "membership status"}
    assert second["scheme_own_members"].attrs["long_name"].startswith("the scheme has member statuses")
    second.attrs.pop("created"), first.attrs.pop("created")
    xr.testing.assert_equal(first, second)


def test_indicators_computed_over_flow_years_are_cut_at_the_horizon(example):
    """With next year's spending as the denominator the engine runs a year more; the stored
    indicators keep base .. horizon and the last year's months of reserves use the extra year."""
    a = example.replace(**{"indicators.reserve_months_denominator": "next_year"})
    ds = actuarial.project(a, 3)
    longer = actuarial.project(a, 4)
    assert ds.sizes["year"] == 4 and ds["reserve_months"].sizes["year"] == 4
    np.testing.assert_allclose(ds["reserve_months"].values,
                               longer["balance"].values[:4] / (longer["spending"].values[1:5] / 12), rtol=1e-12)


def test_head_counts_stay_lazy_on_chunked_draws(example):
    """Stored draws read back from Zarr are dask arrays: the head-count indicators compute on
    them lazily, to the same numbers."""
    ds = actuarial.project(example, 3, draws=8, seed=2)
    lazy = ds.chunk({"draw": 3})
    for name in ("dependency_ratio", "coverage", "city_fiscal_cost_per_capita"):
        out = indicators.get(name).compute(lazy.drop_vars(name))
        assert out.chunks is not None, name
        np.testing.assert_array_equal(out.transpose(*ds[name].dims).values, ds[name].values, err_msg=name)
