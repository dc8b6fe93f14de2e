"""Costs: the trend index and benefit spending from claim-cost curves.

``claim cost`` is the base-year policy-range medical spending per member-year by status, sex,
single age and category (inpatient, outpatient), before the fund's share. Spending by the fund
in year t is

    sum_{sex, age} person_years * claim_cost * trend_index[t] * fund_share[t, category]

and the trend index compounds medical inflation, utilisation growth and policy effects
(additively within a year, as in DESIGN.md):

    trend_index[base] = 1,  trend_index[t] = trend_index[t-1] * (1 + inflation_t + utilisation_t + policy_t)
"""

from __future__ import annotations

import numpy as np
import xarray as xr


def trend_index(medical_inflation: xr.DataArray, utilisation_growth: xr.DataArray,
                policy_effect: xr.DataArray) -> xr.DataArray:
    """Cost trend index over ``year`` (1 in the first year). Inputs are fractions per year on a
    ``year`` dim; any other dims (``draw``) broadcast."""
    growth = 1.0 + medical_inflation + utilisation_growth + policy_effect
    growth = growth.where(growth["year"] != growth["year"][0], 1.0)
    index = growth.cumprod("year")
    index.attrs.update(units="1", long_name="medical cost trend index (base year = 1)")
    return index


def benefit_spending(person_years: np.ndarray, claim_cost: np.ndarray, trend: np.ndarray,
                     fund_share: np.ndarray) -> np.ndarray:
    """Fund spending by category for one group of members.

    person_years : (..., sex, age) member-years in the year
    claim_cost : (sex, age, category) base-year cost per member-year, CNY
    trend : (...) trend index for the year
    fund_share : (..., category) share of cost the fund pays
    returns (..., category), CNY
    """
    flat = claim_cost.reshape(-1, claim_cost.shape[-1])                 # (sex*age, category)
    cost = person_years.reshape(person_years.shape[:-2] + (-1,)) @ flat   # BLAS matrix product
    return cost * trend[..., None] * fund_share
