"""Monthly fund indicators from the ledger, as at the end of each month (one Dataset over
``scheme`` and ``period``), for the warning lines to judge like a projection's years.

For fund year ``Y`` at the end of month ``m`` (money collected before the year counts in
month 1; CNY unless stated):

    ytd_income, ytd_spending    sums of the fund year's months 1..m
    balance                     opening balance of Y (closing balance of Y-1 in the annual
                                accounts) + ytd_income - ytd_spending (interest excluded)
    reserve_months              balance / (spending of the last 12 months / 12)        months
    surplus_rate                (outturn income - outturn spending) / outturn income, the
                                year-end forecast (nowcast) of the current-year surplus rate
    balance_to_income           balance / outturn income (the year's funds raised)       1
    income_growth, spending_growth   ytd on the same months a year before - 1           1
    growth_gap                  spending_growth - income_growth (收支增幅差)             1
    spending_per_member_growth, income_per_member_growth
                                growth of ytd per member-year on the same months a year before
                                (members: the annual accounts' member-years; the last known
                                year's for a year after them)                              1
    spending_progress_gap       ytd spending / budget - m / 12 (ahead of time progress)  1
    collection_pace             ytd income / (budget * usual share reached by m)         1
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import xarray as xr

from ..schemes import MEMBER_SCHEME_NAMES
from .execution import seasonal_share
from .ledger import cached_series, select_region
from .nowcast import outturn

ATTRS = {
    "ytd_income": ("CNY", "income of the fund year to the end of the month"),
    "ytd_spending": ("CNY", "spending of the fund year to the end of the month"),
    "balance": ("CNY", "balance at the end of the month (opening balance + ytd income - ytd spending)"),
    "reserve_months": ("months", "months of reserves: balance / (last 12 months' spending / 12)"),
    "surplus_rate": ("1", "forecast current-year surplus rate: (outturn income - outturn spending) / outturn income"),
    "balance_to_income": ("1", "balance / forecast income of the year (funds raised)"),
    "income_growth": ("1", "ytd income / ytd income of the same months a year before - 1"),
    "spending_growth": ("1", "ytd spending / ytd spending of the same months a year before - 1"),
    "growth_gap": ("1", "spending growth - income growth (收支增幅差)"),
    "spending_per_member_growth": ("1", "growth of ytd spending per member-year on a year before"),
    "income_per_member_growth": ("1", "growth of ytd income (funding) per member-year on a year before"),
    "spending_progress_gap": ("1", "ytd spending / budget - month / 12 (spending ahead of time progress)"),
    "collection_pace": ("1", "ytd income / (budget x the usual share of the year reached by the month)"),
}


def monthly_indicators(ledger: pd.DataFrame, history: pd.DataFrame, budget: pd.DataFrame, months,
                       shock_years=(), *, cache: dict | None = None) -> xr.Dataset:
    """The indicators of the module docstring for each month in ``months`` (YYYY-MM strings
    or Periods, in order) and each scheme; dims (scheme, period), ``period`` as YYYY-MM.
    ``cache``: each line's monthly table, kept across calls on the same ledger (see
    :func:`~.nowcast.outturn`)."""
    months = [pd.Period(m, freq="M") for m in months]
    if budget["region"].nunique() > 1:
        budget = select_region(budget, str(ledger["region"].iloc[0]))
    schemes = list(MEMBER_SCHEME_NAMES)
    data = {k: np.full((len(schemes), len(months)), np.nan) for k in ATTRS}
    lines: dict = {} if cache is None else cache            # each line's monthly table, made once
    forecasts = {m: outturn(ledger, m, shock_years=shock_years, cache=lines) for m in months}
    for s, scheme in enumerate(schemes):
        inc = cached_series(ledger, scheme, "income", None, lines)
        spe = cached_series(ledger, scheme, "spending", None, lines)
        h = history[history["scheme"] == scheme].set_index("year")
        members = h["member_years"]
        bud = budget[budget["scheme"] == scheme].groupby(["fund_year", "flow"])["budget"].sum()
        flat = spe.stack().sort_index()                     # calendar order of the fund months
        for j, at in enumerate(months):
            y, m = at.year, at.month
            yi, ys = float(inc.loc[y, 1:m].sum()), float(spe.loc[y, 1:m].sum())
            opening = float(h["balance"].get(y - 1, np.nan))
            balance = opening + yi - ys
            last12 = flat.loc[:(y, m)].tail(12)
            f = forecasts[at].set_index(["scheme", "flow", "line"])["outturn"]
            f_inc, f_spe = f[(scheme, "income", "total")], f[(scheme, "spending", "total")]
            row = {"ytd_income": yi, "ytd_spending": ys, "balance": balance,
                   "reserve_months": balance / (last12.sum() / 12) if len(last12) == 12 else np.nan,
                   "surplus_rate": (f_inc - f_spe) / f_inc, "balance_to_income": balance / f_inc}
            if y - 1 in inc.index:
                pi, ps = float(inc.loc[y - 1, 1:m].sum()), float(spe.loc[y - 1, 1:m].sum())
                row["income_growth"], row["spending_growth"] = yi / pi - 1, ys / ps - 1
                row["growth_gap"] = row["spending_growth"] - row["income_growth"]
                n_now = float(members.get(y, members.iloc[-1]))
                n_before = float(members.get(y - 1, members.iloc[-1]))
                row["spending_per_member_growth"] = (ys / n_now) / (ps / n_before) - 1
                row["income_per_member_growth"] = (yi / n_now) / (pi / n_before) - 1
            if (y, "spending") in bud.index:
                row["spending_progress_gap"] = ys / bud[(y, "spending")] - m / 12
                usual = float(seasonal_share(inc, y, shock_years).get(m, np.nan))
                row["collection_pace"] = yi / (bud[(y, "income")] * usual)
            for k, v in row.items():
                data[k][s, j] = v
    ds = xr.Dataset({k: (("scheme", "period"), v, {"units": ATTRS[k][0], "long_name": ATTRS[k][1]})
                     for k, v in data.items()},
                    coords={"scheme": schemes, "period": [str(m) for m in months]})
    ds.attrs.update(frequency="monthly", source=str(ledger.attrs.get("source", "")),
                    shock_years=",".join(map(str, shock_years)))
    return ds


def months_to(month, count: int) -> list[pd.Period]:
    """The ``count`` months ending with ``month``."""
    end = pd.Period(month, freq="M")
    return [end - k for k in range(count - 1, -1, -1)]
