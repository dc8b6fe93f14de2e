"""The indicator registry: every indicator the toolkit computes, declared once.

Following xclim, an indicator is declared with its identifier, units, long name, definition
(the equation in words) and what it is per (a scheme's fund, or the city), and a pure compute
function of a projection Dataset. The engine writes the ``stored`` ones into every projection
(with these attrs), the warning lines judge any of them, and reports and exports read their
units and names from here, so a unit or a definition is written in one place.

``line_range`` is the range in which a warning line on the indicator can mean something (a
threshold of -1000 months, or 15 for a fraction, can never fire): rules outside it are
rejected. Other modules add indicators with :func:`register`.

    months of reserves (累计结余可支付月数) = closing balance / (spending / 12)
        spending of this year, or of the next when ``reserve_months_denominator`` is next_year
    current-year surplus rate (当期结余率) = (income - spending) / income, interest excluded
    dependency ratio (在职退休比) = active members / retirees at 1 January
    old-age ratio = population 65+ / population 15-64 at 1 January
    depletion year = first year whose closing balance is below zero (NaN if none)
    city fiscal cost = city and county share of the resident subsidy (CNY; and per inhabitant)
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import product
from typing import Callable

import numpy as np
import xarray as xr

from . import fund
from .dims import AGES, CONTRIBUTING_STATUSES

OLD_AGE, WORKING_AGES = 65, (15, 64)
"""Ages of the old-age ratio (UN convention: 65+ over 15-64); the engine sums these ages."""
AGE_SUMS = (f"aged_{OLD_AGE}_plus", f"aged_{WORKING_AGES[0]}_{WORKING_AGES[1]}")
"""Names of the engine's population sums over those ages (kept while a projection is assembled)."""


@dataclass(frozen=True)
class Indicator:
    """A declared indicator.

    identifier : the variable name in a projection and the name warning rules use
    units, long_name, definition : its attrs (``definition`` becomes ``description``)
    per : ``"scheme"`` when it has one value per scheme (read on each scheme's fund ledger),
        None when it describes the city
    compute : pure function of a projection Dataset returning the indicator
    stored : the engine writes it into every projection (computed with exact joins: its
        formula combines variables on the same labels, as a projection's all share them)
    line_range : (low, high) of a meaningful warning line
    over_years : False for indicators that summarise the horizon (no ``year`` dim)
    applies_to : where a warning rule can judge it: ``projection`` (by year, over draws) and/or
        ``monthly`` (on the monthly fund ledger, :mod:`actuarial.operations.monthly_indicators`)
    """

    identifier: str
    units: str
    long_name: str
    definition: str
    per: str | None
    compute: Callable[[xr.Dataset], xr.DataArray]
    stored: bool = False
    line_range: tuple[float, float] = (-np.inf, np.inf)
    over_years: bool = True
    applies_to: tuple[str, ...] = ("projection",)

    @property
    def attrs(self) -> dict:
        return {"units": self.units, "long_name": self.long_name, "description": self.definition}


INDICATORS: dict[str, Indicator] = {}


def register(indicator: Indicator) -> Indicator:
    """Add an indicator to the registry (an identifier can be declared once)."""
    if indicator.identifier in INDICATORS:
        raise ValueError(f"indicator '{indicator.identifier}' is already registered")
    INDICATORS[indicator.identifier] = indicator
    return indicator


def get(identifier: str) -> Indicator:
    return INDICATORS[identifier]


def value(ds: xr.Dataset, identifier: str) -> xr.DataArray:
    """The indicator on a projection: the stored variable when the projection has it, else
    computed; attrs from the registry."""
    ind = INDICATORS[identifier]
    da = ds[identifier] if ind.stored and identifier in ds else ind.compute(ds)
    return da.assign_attrs(ind.attrs)


def _ratio(num: xr.DataArray, den: xr.DataArray) -> xr.DataArray:
    return num / den.where(den != 0)


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


def _reserve_months(ds: xr.Dataset) -> xr.DataArray:
    spending = ds["spending"]
    if ds.attrs.get("reserve_months_denominator") == "next_year":
        spending = spending.shift(year=-1)
    return xr.apply_ufunc(fund.reserve_months, ds["balance"], spending)


def _own_insured(ds: xr.Dataset) -> xr.DataArray:
    """Insured members summed over the schemes with members of their own (a scheme covering
    another scheme's members, such as long-term care, would count them twice)."""
    insured = ds["insured"]
    rows = np.flatnonzero(insured["scheme_own_members"].values) if "scheme_own_members" in insured.coords else None
    return xr.apply_ufunc(_sum_trailing, insured, input_core_dims=[["scheme"]], kwargs={"axes": 1, "rows": rows},
                          dask="allowed")


def _persons(ds: xr.Dataset, status=None) -> xr.DataArray:
    """Persons at 1 January of ``status`` (a name or a list; None: everyone), summed over
    sex and status. Plain sums: a NaN count stays NaN instead of counting as zero."""
    p = ds["population_total"]
    if isinstance(status, str) or (status is not None and "status" not in p.dims):
        p, status = p.sel(status=status), None           # a view; keeps the status as a scalar label
    pos = None
    if status is not None:
        pos = p.get_index("status").get_indexer(list(status))
        if (pos < 0).any():
            raise KeyError(f"status {[s for s, i in zip(status, pos) if i < 0]} not in population_total")
    dims = [d for d in ("status", "sex") if d in p.dims]
    return xr.apply_ufunc(_sum_trailing, p, input_core_dims=[dims], kwargs={"axes": len(dims), "rows": pos},
                          dask="allowed")


def _sum_trailing(values, axes: int, rows=None):
    """Sum over the last ``axes`` axes, keeping only positions ``rows`` of the first of them
    (None: all): slice by slice in numpy's pairwise order, with no copy of the selected rows
    and no reduction over short trailing axes (slow in numpy)."""
    if axes == 0:
        return values.copy()
    shape = values.shape[values.ndim - axes:]
    parts = [values[(..., *i)] for i in product(range(shape[0]) if rows is None else rows, *map(range, shape[1:]))]
    if not parts:
        return np.zeros(values.shape[:values.ndim - axes])
    return _pairwise(parts) if len(parts) > 1 else parts[0].copy()


def _pairwise(parts: list):
    """parts[0] + parts[1] + ... added pairwise (as numpy sums a short axis); a single part is
    returned as it is."""
    if len(parts) == 1:
        return parts[0]
    half = len(parts) // 2
    left, right = _pairwise(parts[:half]), _pairwise(parts[half:])
    if half == 1:
        return left + right
    left += right        # a sum made here: added in place
    return left


def _by_age(ds: xr.Dataset, lo: int, hi: int | None = None) -> xr.DataArray:
    """Population at 1 January aged lo..hi (inclusive; hi None: lo and over): the engine's
    age sums while it assembles a projection, else summed from ``population``."""
    name = f"aged_{lo}_plus" if hi is None else f"aged_{lo}_{hi}"
    if name in ds:
        return ds[name]
    ages = ds["age"]
    return ds["population"].sel(age=ages[(ages >= lo) & (ages <= (AGES[-1] if hi is None else hi))]).sum(
        ("status", "sex", "age"))


for _ind in (
    Indicator("reserve_months", "months", "months of reserves (累计结余可支付月数)",
              "closing balance / (spending / 12), spending of this year or of the next as the assumption "
              "set's reserve_months_denominator says; the fund ledger of each scheme (pooled fund for the "
              "employee scheme)", "scheme", _reserve_months, stored=True, line_range=(-12, 240), applies_to=("projection", "monthly")),
    Indicator("surplus_rate", "1", "current-year surplus rate (当期结余率)",
              "(income - spending) / income of the fund ledger, interest excluded", "scheme",
              lambda ds: xr.apply_ufunc(fund.surplus_rate, ds["income"], ds["spending"]),
              stored=True, line_range=(-1, 1), applies_to=("projection", "monthly")),
    Indicator("balance", "CNY", "closing balance (累计结余)", "fund ledger balance at 31 December", "scheme",
              lambda ds: ds["balance"], line_range=(-1e14, 1e14), applies_to=("projection", "monthly")),
    Indicator("balance_to_income", "1", "closing balance as a share of the year's income",
              "closing balance / the year's income of the fund ledger", "scheme",
              lambda ds: _ratio(ds["balance"], ds["income"]), line_range=(-5, 10), applies_to=("projection", "monthly")),
    Indicator("spending_growth", "1", "growth of fund spending on the year before",
              "spending / last year's spending - 1", "scheme",
              lambda ds: _growth(ds["spending"]), line_range=(-1, 1), applies_to=("projection", "monthly")),
    # fund operations (收支增幅差, per-member growth; on monthly actuals: year-to-date against the
    # same months a year before, see actuarial.operations.monthly_indicators)
    Indicator("income_growth", "1", "growth of fund income on the year before",
              "income / last year's income - 1 (monthly: ytd on the same months a year before)", "scheme",
              lambda ds: _growth(ds["income"]), line_range=(-1, 1), applies_to=("projection", "monthly")),
    Indicator("growth_gap", "1", "spending growth minus income growth (收支增幅差)",
              "(spending / last year's - 1) - (income / last year's - 1)", "scheme",
              lambda ds: _growth(ds["spending"]) - _growth(ds["income"]), line_range=(-1, 1), applies_to=("projection", "monthly")),
    Indicator("spending_per_member_growth", "1", "growth of spending per insured member",
              "(spending / insured) / last year's - 1", "scheme",
              lambda ds: _per_member_growth(ds, "spending"), line_range=(-1, 1), applies_to=("projection", "monthly")),
    Indicator("income_per_member_growth", "1", "growth of income (funding) per insured member",
              "(income / insured) / last year's - 1", "scheme",
              lambda ds: _per_member_growth(ds, "income"), line_range=(-1, 1), applies_to=("projection", "monthly")),
    Indicator("spending_progress_gap", "1", "spending ahead of time progress (序时进度)",
              "ytd spending / annual budget - month / 12 (monthly actuals only)", "scheme",
              _monthly_only("spending_progress_gap"), line_range=(-1, 1), applies_to=("monthly",)),
    Indicator("collection_pace", "1", "income collected against the budget's usual pace",
              "ytd income / (budget x mean share of the year reached by the month in past ordinary years) "
              "(monthly actuals only)", "scheme", _monthly_only("collection_pace"), line_range=(0, 5),
              applies_to=("monthly",)),
    Indicator("dependency_ratio", "active members per retiree", "employee-scheme active:retired ratio (在职退休比)",
              "contributing members (active and flexible workers: both pay) / retirees at 1 January", None,
              lambda ds: _persons(ds, list(CONTRIBUTING_STATUSES)) / _persons(ds, "retired"), stored=True,
              line_range=(0, 20)),
    Indicator("old_age_ratio", "1", f"old-age ratio: population {OLD_AGE}+ / population "
              f"{WORKING_AGES[0]}-{WORKING_AGES[1]} at 1 January",
              "persons aged 65 and over / persons aged 15-64, whole population at 1 January", None,
              lambda ds: _by_age(ds, OLD_AGE) / _by_age(ds, *WORKING_AGES), stored=True, line_range=(0, 3)),
    Indicator("coverage", "1", "insured share of the city population at 1 January",
              "insured members of every scheme / whole population at 1 January", None,
              lambda ds: _own_insured(ds) / _persons(ds),
              stored=True, line_range=(0, 1)),
    Indicator("city_fiscal_cost", "CNY", "the city's own fiscal cost of the resident subsidy",
              "city and county share of the resident subsidy: subsidy - central - provincial (subsidy_by_government); "
              "NaN when the assumption set does not say who pays", None,
              lambda ds: ds["subsidy_by_government"].sel(government="city", drop=True), stored=True, line_range=(0, 1e13)),
    Indicator("city_fiscal_cost_per_capita", "CNY per person", "the city's own fiscal cost of the resident subsidy "
              "per inhabitant", "city_fiscal_cost / whole population at 1 January", None,
              lambda ds: ds["subsidy_by_government"].sel(government="city", drop=True)
              / _persons(ds), stored=True, line_range=(0, 1e4)),
    Indicator("depletion_year", "year", "first year with a closing balance below zero",
              "NaN when the fund balance stays at or above zero over the horizon", "scheme",
              lambda ds: xr.apply_ufunc(fund.depletion_year, ds["balance"], ds["year"],
                                        input_core_dims=[["year"], ["year"]]),
              stored=True, over_years=False),
):
    register(_ind)
