"""Global budget under 以收定支, its allocation, and the DIP point value draw by draw."""

import numpy as np
import pytest
import xarray as xr
from hypothesis import given, settings, strategies as st

from actuarial.operations.global_budget import (BudgetError, allocate, dip_point_value, global_budget,
                                                simulate_points, summarise)


def fake_projection(draws=40, seed=0):
    rng = np.random.default_rng(seed)
    income = rng.uniform(1e9, 5e9, (draws, 3, 2))
    spending = income * rng.uniform(0.8, 1.1, income.shape)
    return xr.Dataset({"income": (("draw", "year", "scheme"), income),
                       "spending": (("draw", "year", "scheme"), spending)},
                      coords={"draw": np.arange(draws), "year": [2024, 2025, 2026],
                              "scheme": ["employee", "resident"]})


def test_budget_identity_and_hand_numbers():
    ds = fake_projection()
    g = global_budget(ds, 2025, reserve_margin=0.03, risk_margin=0.05, carve_out_share=0.15)
    inc = ds["income"].sel(year=2025)
    np.testing.assert_allclose(g["global_budget"], inc * 0.97 * 0.80)
    np.testing.assert_allclose(g["global_budget"] + g["risk_reserve"] + g["carve_out"] + inc * 0.03, inc)
    np.testing.assert_allclose(g["total_budget"], (inc * 0.97 * 0.80).sum("scheme"))
    assert g["global_budget"].attrs["units"] == "CNY"


def test_point_value_is_budget_over_points_draw_by_draw():
    g = global_budget(fake_projection(), 2025)
    points = simulate_points(8.9e8, 0.05, 0.03, 40, seed=1)
    pv = dip_point_value(g["total_budget"], points, dip_share=0.6)
    assert pv.dims == ("draw",)
    np.testing.assert_allclose(pv.values, g["total_budget"].values * 0.6 / points.values, rtol=1e-12)
    q = summarise(pv)
    assert float(q.sel(quantile=0.05)) < float(q.sel(quantile=0.5)) < float(q.sel(quantile=0.95))
    # fixed points: the point value's spread is the budget's
    fixed = dip_point_value(g["total_budget"], 1e9)
    np.testing.assert_allclose(fixed.values, g["total_budget"].values * 0.6 / 1e9)


@settings(max_examples=40, deadline=None)
@given(county=st.floats(0, 0.9), a=st.floats(0.01, 1), b=st.floats(0.01, 1), c=st.floats(0.01, 1))
def test_allocation_adds_up(county, a, b, c):
    total = a + b + c
    shares = {"tertiary": a / total, "secondary": b / total, "primary": 1 - a / total - b / total}
    budget = xr.DataArray([1e9, 2e9], dims="draw")
    parts = allocate(budget, county_share=county, level_shares=shares)
    np.testing.assert_allclose(parts.sum("unit"), budget, rtol=1e-9)
    np.testing.assert_allclose(parts.sel(unit="county_alliance"), budget * county)


@pytest.mark.parametrize("kwargs, field", [({"reserve_margin": 5}, "reserve_margin"),
                                           ({"risk_margin": -0.1}, "risk_margin"),
                                           ({"carve_out_share": 0.9, "risk_margin": 0.2}, "carve_out_share")])
def test_bad_settings_are_named(kwargs, field):
    with pytest.raises(BudgetError, match=field):
        global_budget(fake_projection(), 2025, **kwargs)


def test_bad_points_and_year():
    g = global_budget(fake_projection(), 2025)
    with pytest.raises(BudgetError, match="total_points"):
        dip_point_value(g["total_budget"], 0)
    with pytest.raises(BudgetError, match="year"):
        global_budget(fake_projection(), 2031)


def test_on_the_example_projection_with_draws(example):
    import actuarial

    proj = actuarial.project(example, years=2, draws=20, seed=3)
    g = global_budget(proj, 2025)
    assert g["total_budget"].dims == ("draw",) and g["total_budget"].sizes["draw"] == 20
    np.testing.assert_allclose(g["income"].sum("scheme"), proj["income"].sel(year=2025).sum("scheme"))
    pv = dip_point_value(g["total_budget"], 6.5e8, dip_share=0.65)
    np.testing.assert_allclose(pv, g["total_budget"] * 0.65 / 6.5e8)
    assert float(pv.std("draw")) > 0               # a distribution, not a number
