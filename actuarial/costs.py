"""Costs: the trend index, claims of the insured stocks and the fund's share of them.

``claim cost`` is the base-year policy-range medical spending per member-year by status, sex,
single age and category (inpatient, outpatient), before the fund's share. Spending by the fund
in year t is

    sum_{sex, age} member_years * claim_cost * trend_index[t] * fund_share[t, category]

Member-years are the mean of the year's two 1 January stocks, and spending is linear in them,
so the claims are summed per stock and averaged (the engine sums each stock against the claim
costs in its compiled pass: :func:`actuarial.engine.kernel.stock_weights`).

The trend index compounds medical inflation, utilisation growth and policy effects, added
within a year (DESIGN.md); :func:`trend_growth` is the one place this equation is written (the
engine, the levers and the calibration all call it):

    trend_growth[t] = inflation_t + utilisation_t + policy_t
    trend_index[base] = 1,  trend_index[t] = trend_index[t-1] * (1 + trend_growth[t])
"""

from __future__ import annotations

import numpy as np


def growth_index(growth: np.ndarray) -> np.ndarray:
    """Index of a yearly growth rate over the last axis (years): 1 in the first year, then
    ``index[t] = index[t-1] * (1 + growth[t])``. Used for the cost trend and for wages."""
    first = np.arange(growth.shape[-1]) == 0
    return np.cumprod(np.where(first, 1.0, 1.0 + growth), axis=-1)


TREND_COMPONENTS = ("costs.medical_inflation", "costs.utilisation_growth", "costs.policy_effect")
"""The dated parameters whose sum is the yearly cost trend (fractions a year)."""


def trend_growth(medical_inflation, utilisation_growth, policy_effect):
    """Yearly growth of claim cost per member at a fixed age mix: the three components added
    within the year (fractions a year; any shapes that broadcast)."""
    return medical_inflation + utilisation_growth + policy_effect
