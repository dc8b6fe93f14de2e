"""The regional global budget (区域总额预算) under 以收定支, its allocation, and the DIP point value.

From a projection's fund income for the budget year, per scheme and draw (CNY):

    ceiling        = income * (1 - reserve_margin)        以收定支: spend what comes in, keep a surplus
    risk_reserve   = ceiling * risk_margin                withheld for the year-end settlement (调节金)
    carve_out      = ceiling * carve_out_share            paid outside the hospitals' budget: out-of-area
                                                           care, retail pharmacies, critical-illness premiums
    global_budget  = ceiling - risk_reserve - carve_out   the hospitals' global budget

The budget is allocated (:func:`allocate`) first to the county medical alliances (县域医共体,
paid as one package for their county's insured, ``county_share``), then the rest by hospital
level (``level_shares``). The DIP point value (:func:`dip_point_value`) converts the part of
the budget settled by DIP into CNY per point: ``point_value = budget * dip_share / total_points``,
draw by draw, so its distribution over draws is the budget's (and the points', when they vary).
"""

from __future__ import annotations

import numpy as np
import xarray as xr

from ..errors import ActuarialError


class BudgetError(ActuarialError, ValueError):
    """A global-budget setting is outside its range."""


def _fraction(name: str, value: float, upper: float = 1.0) -> None:
    if not (np.isfinite(value) and 0 <= value < upper):
        raise BudgetError(f"global budget: field '{name}': {value!r} is not a fraction in [0, {upper:g}); "
                          "rates are fractions (0.05), not percents")


def global_budget(projection: xr.Dataset, year: int, *, schemes=None,
                  reserve_margin: float = 0.03, risk_margin: float = 0.05,
                  carve_out_share: float = 0.15) -> xr.Dataset:
    """Next year's regional global budget from a projection's ``income`` (by ``scheme``, with a
    ``draw`` dim when stochastic) under 以收定支 (module docstring), for ``schemes`` (default all). Returns a Dataset with
    ``income``, ``ceiling``, ``risk_reserve``, ``carve_out``, ``global_budget`` by scheme (CNY),
    ``total_budget`` summed over the schemes, and ``projected_spending`` with
    ``budget_to_spending`` (the hospitals' budget against the projected fund spending net of
    carve-outs: below 1 means the budget is tighter than the projected demand)."""
    for name, v in (("reserve_margin", reserve_margin), ("risk_margin", risk_margin),
                    ("carve_out_share", carve_out_share)):
        _fraction(name, v)
    if risk_margin + carve_out_share >= 1:
        raise BudgetError(f"global budget: risk_margin {risk_margin:g} + carve_out_share {carve_out_share:g} "
                          "leave nothing for the hospitals; expected a sum below 1")
    years = projection["year"].values
    if year not in years:
        raise BudgetError(f"global budget: field 'year': {year} is not in the projection ({years[0]}-{years[-1]})")
    p = projection.sel(year=year) if schemes is None else projection.sel(year=year, scheme=list(schemes))
    income = p["income"]
    ceiling = income * (1 - reserve_margin)
    risk = ceiling * risk_margin
    carve = ceiling * carve_out_share
    budget = ceiling - risk - carve
    cny = {"units": "CNY"}
    ds = xr.Dataset({
        "income": income.assign_attrs(cny, long_name="projected fund income of the budget year"),
        "ceiling": ceiling.assign_attrs(cny, long_name="spending ceiling (以收定支)",
                                        description="income * (1 - reserve_margin)"),
        "risk_reserve": risk.assign_attrs(cny, long_name="risk reserve withheld (调节金)",
                                          description="ceiling * risk_margin"),
        "carve_out": carve.assign_attrs(cny, long_name="spending outside the hospitals' budget",
                                        description="ceiling * carve_out_share"),
        "global_budget": budget.assign_attrs(cny, long_name="hospitals' global budget (总额预算)",
                                             description="ceiling - risk_reserve - carve_out"),
        "total_budget": budget.sum("scheme").assign_attrs(cny, long_name="global budget, all schemes"),
        "projected_spending": p["spending"].assign_attrs(cny, long_name="projected fund spending"),
    })
    ds["budget_to_spending"] = (budget / (p["spending"] * (1 - carve_out_share))).assign_attrs(
        units="1", long_name="global budget / projected spending net of carve-outs")
    ds.attrs.update(year=int(year), reserve_margin=reserve_margin, risk_margin=risk_margin,
                    carve_out_share=carve_out_share, currency="CNY, nominal",
                    assumption_hash=projection.attrs.get("assumption_hash", ""))
    return ds


DEFAULT_LEVEL_SHARES = {"tertiary": 0.55, "secondary": 0.30, "primary": 0.15}


def allocate(budget: xr.DataArray, *, county_share: float = 0.35,
             level_shares: dict[str, float] | None = None) -> xr.DataArray:
    """Split a budget (CNY, any dims) over a new ``unit`` dim: ``county_alliance`` gets
    ``county_share``; the rest goes by hospital level in ``level_shares`` (fractions summing to
    1; default :data:`DEFAULT_LEVEL_SHARES`, illustrative). The parts add up to the budget."""
    shares = dict(DEFAULT_LEVEL_SHARES if level_shares is None else level_shares)
    _fraction("county_share", county_share)
    if not shares or any(not (np.isfinite(v) and v >= 0) for v in shares.values()) \
            or abs(sum(shares.values()) - 1) > 1e-9:
        raise BudgetError(f"global budget: field 'level_shares': {shares} must be fractions >= 0 summing to 1")
    if "county_alliance" in shares:
        raise BudgetError("global budget: field 'level_shares': 'county_alliance' is set by county_share")
    units = list(shares) + ["county_alliance"]
    weights = xr.DataArray([(1 - county_share) * shares[k] for k in shares] + [county_share],
                           dims="unit", coords={"unit": units})
    out = budget * weights
    return out.assign_attrs(units="CNY", long_name="global budget by hospital level and county medical alliance",
                            description=f"county alliances {county_share:.0%}; the rest by level {shares}")


def dip_point_value(budget: xr.DataArray, total_points, *, dip_share: float = 0.6) -> xr.DataArray:
    """DIP point value (点值, CNY per point) = budget * dip_share / total_points, element by
    element (draw by draw). ``total_points`` is a number or a DataArray (for example with a
    ``draw`` dim for uncertain volumes); ``dip_share`` the part of the budget settled by DIP
    (inpatient cases; illustrative default 60%)."""
    _fraction("dip_share", dip_share, upper=1.0000001)
    points = total_points if isinstance(total_points, xr.DataArray) else xr.DataArray(float(total_points))
    if not bool((points > 0).all()):
        raise BudgetError(f"DIP: field 'total_points': every value must be > 0 (got min {float(points.min()):g})")
    value = budget * dip_share / points
    return value.assign_attrs(units="CNY per point", long_name="DIP point value (点值)",
                              description=f"budget * {dip_share:g} / total points")


def simulate_points(base_points: float, growth: float, sd: float, draws: int, seed: int = 0) -> xr.DataArray:
    """Total DIP points of the budget year over ``draws``: ``base_points * (1 + growth) *
    exp(N(0, sd))`` (volume uncertainty), with a ``draw`` dim; seeded."""
    if base_points <= 0 or draws < 1 or sd < 0:
        raise BudgetError(f"DIP points: base_points {base_points:g} > 0, draws {draws} >= 1, sd {sd:g} >= 0 expected")
    rng = np.random.default_rng(seed)
    values = base_points * (1 + growth) * np.exp(rng.normal(0.0, sd, draws))
    return xr.DataArray(values, dims="draw", coords={"draw": np.arange(draws)},
                        attrs={"units": "points", "long_name": "total DIP points of the year's cases"})


def summarise(values: xr.DataArray, quantiles=(0.05, 0.5, 0.95)) -> xr.DataArray:
    """Quantiles over ``draw`` (the value itself when there is no draw dim)."""
    if "draw" not in values.dims:
        return values
    return values.quantile(list(quantiles), dim="draw").assign_attrs(values.attrs)
