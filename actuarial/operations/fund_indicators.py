"""Fund-operation indicators, added to the indicator registry (:mod:`actuarial.indicators`).

On a projection (yearly; ``scheme`` and optional ``draw``)::

    income_growth               income / last year's income - 1
    growth_gap                  spending growth - income growth (收支增幅差)
    spending_per_member_growth  growth of spending per insured member on the year before
    income_per_member_growth    growth of income (funding) per insured member on the year before

On monthly actuals (:func:`~actuarial.operations.monthly_indicators.monthly_indicators`) the
same names, and ``reserve_months``, ``surplus_rate``, ``balance``, ``balance_to_income``,
``spending_growth``, are variables of the monthly Dataset (year-to-date against the same months
a year before; see that module), and two exist only there::

    spending_progress_gap       ytd spending / budget - month / 12 (ahead of time progress)
    collection_pace             ytd income / (budget x the usual share reached by the month)

:data:`MONTHLY` names the indicators a warning rule can judge on monthly actuals;
:data:`MONTHLY_ONLY` those it cannot judge on a projection.
"""

from __future__ import annotations

import xarray as xr

from ..indicators import INDICATORS, Indicator, register


def _growth(da: xr.DataArray) -> xr.DataArray:
    return da / da.shift(year=1) - 1


def _per_member_growth(ds: xr.Dataset, var: str) -> xr.DataArray:
    return _growth(ds[var] / ds["insured"].where(ds["insured"] > 0))


def _monthly_only(name: str):
    def compute(ds: xr.Dataset) -> xr.DataArray:
        if name in ds:
            return ds[name]
        raise KeyError(f"indicator '{name}' is computed from the monthly ledger "
                       "(actuarial.operations.monthly_indicators), not from a projection")
    return compute


_DECLARED = (
    Indicator("income_growth", "1", "growth of fund income on the year before",
              "income / last year's income - 1 (monthly: ytd on the same months a year before)", "scheme",
              lambda ds: _growth(ds["income"]), line_range=(-1, 1)),
    Indicator("growth_gap", "1", "spending growth minus income growth (收支增幅差)",
              "(spending / last year's - 1) - (income / last year's - 1)", "scheme",
              lambda ds: _growth(ds["spending"]) - _growth(ds["income"]), line_range=(-1, 1)),
    Indicator("spending_per_member_growth", "1", "growth of spending per insured member",
              "(spending / insured) / last year's - 1", "scheme",
              lambda ds: _per_member_growth(ds, "spending"), line_range=(-1, 1)),
    Indicator("income_per_member_growth", "1", "growth of income (funding) per insured member",
              "(income / insured) / last year's - 1", "scheme",
              lambda ds: _per_member_growth(ds, "income"), line_range=(-1, 1)),
    Indicator("spending_progress_gap", "1", "spending ahead of time progress (序时进度)",
              "ytd spending / annual budget - month / 12 (monthly actuals only)", "scheme",
              _monthly_only("spending_progress_gap"), line_range=(-1, 1)),
    Indicator("collection_pace", "1", "income collected against the budget's usual pace",
              "ytd income / (budget x mean share of the year reached by the month in past ordinary years) "
              "(monthly actuals only)", "scheme", _monthly_only("collection_pace"), line_range=(0, 5)),
)
for _ind in _DECLARED:
    if _ind.identifier not in INDICATORS:     # once per process, even if this module is reloaded
        register(_ind)

MONTHLY_ONLY = frozenset({"spending_progress_gap", "collection_pace"})
MONTHLY = frozenset({"reserve_months", "surplus_rate", "balance", "balance_to_income", "spending_growth",
                     "income_growth", "growth_gap", "spending_per_member_growth", "income_per_member_growth"}
                    | MONTHLY_ONLY)
