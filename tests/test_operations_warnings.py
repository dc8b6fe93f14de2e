"""Graded warning lines: compound and persistence conditions fire exactly when they should."""

import numpy as np
import pandas as pd
import pytest
import xarray as xr

from actuarial import monitoring
from actuarial import alerts as graded
from actuarial.operations.monthly_indicators import ATTRS as MONTHLY_ATTRS


def monthly(reserve, surplus, scheme="resident"):
    """Monthly indicators with the given reserve months and surplus rates for ``scheme``."""
    n = len(reserve)
    data = {k: (("scheme", "period"), np.full((2, n), np.nan)) for k in MONTHLY_ATTRS}
    ds = xr.Dataset(data, coords={"scheme": ["employee", "resident"],
                                  "period": [str(pd.Period("2024-01", "M") + k) for k in range(n)]})
    ds["reserve_months"].loc[dict(scheme=scheme)] = reserve
    ds["surplus_rate"].loc[dict(scheme=scheme)] = surplus
    return ds


def rules(*rule_dicts):
    both = [dict({"applies_to": ["projection", "monthly"]}, **r) for r in rule_dicts]
    return graded.rules_from_dict({"levels": ["red", "orange", "yellow"], "rules": both})


COMPOUND = {"id": "deficit-low", "scheme": "resident", "level": "red", "description": "x",
            "all_of": [{"indicator": "surplus_rate", "comparison": "below", "threshold": 0},
                       {"indicator": "reserve_months", "comparison": "below", "threshold": 6}]}
PERSIST = {"id": "three-deficits", "scheme": "resident", "level": "orange", "description": "x",
           "indicator": "surplus_rate", "comparison": "below", "threshold": 0, "persistence": 3}


def test_compound_fires_only_when_both_hold():
    ds = monthly(reserve=[8, 5, 5, 8, 4, 4], surplus=[-0.1, 0.1, -0.1, -0.1, -0.2, np.nan])
    rep = graded.evaluate(ds, rules(COMPOUND))
    assert rep.dataset["fired"].sel(rule="deficit-low").values.tolist() == [False, False, True, False, True, False]


def test_persistence_counts_consecutive_periods_and_resets():
    ds = monthly(reserve=[9] * 9, surplus=[-1, -1, 1, -1, -1, -1, -1, 1, -1])
    rep = graded.evaluate(ds, rules(PERSIST))
    assert rep.dataset["fired"].sel(rule="three-deficits").values.tolist() == \
        [False, False, False, False, False, True, True, False, False]
    row = rep.table.set_index("rule").loc["three-deficits"]
    assert row["first_period"] == "2024-06" and not row["fired_last"]
    assert "3 periods running" in row["message"]


def test_compound_with_persistence_on_a_projection_with_draws():
    years = [2025, 2026, 2027, 2028]
    surplus = np.array([[-1, -1, -1, -1], [-1, -1, 1, -1], [1, 1, 1, 1], [-1, -1, -1, 1]], float)
    balance = np.ones_like(surplus)
    ds = xr.Dataset({"surplus_rate": (("draw", "year", "scheme"), np.stack([surplus, surplus], -1)),
                     "reserve_months": (("draw", "year", "scheme"), np.stack([balance, balance * 2], -1))},
                    coords={"draw": range(4), "year": years, "scheme": ["employee", "resident"]})
    rule = dict(COMPOUND, persistence=2, probability=0.5)
    rep = graded.evaluate(ds, rules(rule))
    # draws persisting 2 years: year 2: draws 0, 1, 3; year 3: 0, 3; year 4: draw 0 only
    np.testing.assert_allclose(rep.dataset["probability"].sel(rule="deficit-low"), [0, 0.75, 0.5, 0.25])
    assert rep.dataset["fired"].sel(rule="deficit-low").values.tolist() == [False, True, True, False]


def test_defaults_hold_the_graded_lines():
    rs = graded.default_rules()
    assert len(rs.rules) >= 15
    assert any(r.all_of and len(r.all_of) > 1 for r in rs.rules)
    assert any(r.persistence > 1 for r in rs.rules)
    assert any(r.all_of and r.persistence > 1 for r in rs.rules)
    ids = {r.id for r in rs.rules}
    for needed in ["employee-reserves-below-1", "employee-reserves-1-3", "employee-reserves-3-6",
                   "employee-reserves-9-15", "employee-reserves-excess", "resident-balance-above-25pct",
                   "resident-deficit-low-reserves", "resident-consecutive-deficits", "resident-growth-gap",
                   "coverage-below-target", "resident-collection-slow", "resident-spending-ahead-of-time"]:
        assert needed in ids
    assert rs.levels.index("surplus") > rs.levels.index("yellow")   # its own level for excess reserves


@pytest.mark.parametrize("reserve, expected", [(0.5, "employee-reserves-below-1"), (2, "employee-reserves-1-3"),
                                               (4, "employee-reserves-3-6"), (7, None),
                                               (12, "employee-reserves-9-15"), (20, "employee-reserves-excess")])
def test_reserve_bands_are_exclusive(reserve, expected):
    ds = monthly([reserve], [0.05], scheme="employee")
    rep = graded.evaluate(ds, graded.default_rules())
    band = rep.current()
    band = set(band.loc[band["rule"].str.startswith("employee-reserves"), "rule"])
    assert band == ({expected} if expected else set())


def test_the_defaults_run_on_a_projection(example_projection):
    rep = graded.evaluate(example_projection)
    assert "coverage-below-target" in set(rep.table["rule"])
    assert "employee-collection-slow" not in set(rep.table["rule"])     # monthly only
    assert rep.table.set_index("rule").loc["employee-reserves-excess", "fired"]   # the example's pool


@pytest.mark.parametrize("change, words", [
    ({"threshold": 1, "all_of": COMPOUND["all_of"]}, ["either"]),
    ({"indicator": "dependency_ratio", "scheme": None}, ["dependency_ratio", "monthly"]),
    ({"level": "purple"}, ["level", "purple"]),
    ({"indicator": "collection_pace", "applies_to": ["projection"]}, ["indicator", "collection_pace", "monthly actuals only"]),
    ({"persistence": 0}, ["persistence"]),
    ({"description": "{nope}"}, ["description"]),
])
def test_bad_rules_are_named(change, words):
    rule = {**PERSIST, **change}
    with pytest.raises(graded.AlertError) as info:
        rules(rule)
    for w in words:
        assert w in str(info.value)


def test_activity_levels_thresholds_peers_and_persistence():
    months = pd.period_range("2022-01", "2024-06", freq="M")
    rows = []
    for d, k in [("a", 1.0), ("b", 1.02), ("c", 0.98), ("d", 1.0)]:
        for i, m in enumerate(months):
            cost = 8000 * k * (1.6 if d == "d" and m >= pd.Period("2024-05", "M") else 1.0)
            growth = 1.2 if d == "b" and m >= pd.Period("2024-04", "M") else 1.0   # admissions +20% for 3 months
            rows.append({"district": d, "month": m, "admissions": 1000 * growth, "cost_per_admission": cost,
                         "drug_share": 0.25})
    table = pd.DataFrame(rows)
    table.attrs["groups"] = ["district"]
    w = monitoring.activity_warnings(table, month="2024-06").set_index(["rule", "scope"])
    assert w.loc[("cost-far-above-peers", "d"), "fired"]
    assert w.loc[("cost-above-peers", "d"), "fired"]            # 2 months running
    assert not w.loc[("cost-far-above-peers", "a"), "fired"]
    assert w.loc[("admissions-growth-high", "b"), "fired"]      # third month running
    assert not w.loc[("drug-share-target", "a"), "fired"]
    w5 = monitoring.activity_warnings(table, month="2024-05").set_index(["rule", "scope"])
    assert not w5.loc[("admissions-growth-high", "b"), "fired"]  # only two months yet
    assert not w5.loc[("cost-above-peers", "d"), "fired"]        # one month: persistence 2
    assert w5.loc[("cost-far-above-peers", "d"), "fired"]
