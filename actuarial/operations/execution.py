"""Budget execution (预算执行): year-to-date actuals against the budget and time progress.

For fund year ``Y`` as at the end of calendar month ``m`` of ``Y``, per line:

    ytd            = sum of the ledger's amounts counted in Y and moved by the end of m      (CNY)
    execution      = ytd / budget                                                            (fraction)
    time_progress  = m / 12                                  (序时进度: the share of the year gone)
    gap_points     = 100 * (execution - time_progress)                          (percentage points)
    gap_cny        = ytd - budget * time_progress                                              (CNY)
    seasonal_progress = mean over past ordinary years of (that year's ytd at m / its year total)

A positive gap means income collected, or money spent, ahead of time progress. Time progress
is the yardstick the planning documents use; the seasonal progress says what is normal for the
line (resident premiums are mostly in by January, hospitals settle in December), so the two
gaps read together say whether a line is ahead of the calendar *and* of its usual pattern.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..errors import AssumptionError
from .ledger import LINES, cached_series, select_region


def _month(ledger: pd.DataFrame, month) -> pd.Period:
    last = ledger["month"].max()
    if month is None:
        return last
    try:
        p = pd.Period(month, freq="M")
    except (ValueError, TypeError):
        raise AssumptionError(f"month {month!r} is not YYYY-MM", field="month") from None
    if p > last or p.year not in set(ledger["fund_year"]):
        raise AssumptionError(f"month {p} is outside the ledger", field="month", value=str(p),
                              expected=f"a month of a fund year in the ledger, up to {last}")
    return p


def seasonal_share(series: pd.DataFrame, year: int, shock_years=()) -> pd.Series:
    """Mean share of the year's total reached by the end of each month (1..12) over the complete
    fund years before ``year`` that are not shock years (fraction)."""
    past = series[(series.index < year) & ~series.index.isin(list(shock_years))].dropna()
    cum = past.cumsum(axis=1).div(past.sum(axis=1), axis=0)
    return cum.mean(axis=0)


def execution(ledger: pd.DataFrame, budget: pd.DataFrame, month=None, shock_years=(), *,
              cache: dict | None = None) -> pd.DataFrame:
    """Budget execution of every line, and of each flow's total, as at the end of ``month``
    (``YYYY-MM``; default the ledger's last month). One row per scheme, flow and line; columns
    as in the module docstring plus ``budget`` (CNY); the month's fund year must have a budget.
    ``cache``: a dict kept across calls on the same ledger (with :func:`~.nowcast.outturn`) that
    holds each line's monthly table."""
    if budget["region"].nunique() > 1:
        budget = select_region(budget, str(ledger["region"].iloc[0]) if ledger["region"].nunique() == 1 else None)
    at = _month(ledger, month)
    year, m = at.year, at.month
    rows = []
    for (scheme, flow), lines in LINES.items():
        b = budget[(budget["scheme"] == scheme) & (budget["flow"] == flow) & (budget["fund_year"] == year)]
        if b.empty:
            raise AssumptionError(f"no budget for {scheme} {flow} in {year}", file=budget.attrs.get("source"),
                                  field="fund_year", expected=f"budget lines for {year}")
        for line in list(lines) + [None]:
            series = cached_series(ledger, scheme, flow, line, cache)
            if year not in series.index:
                continue
            ytd = float(series.loc[year, 1:m].sum())
            amount = float(b["budget"].sum() if line is None else b.loc[b["line"] == line, "budget"].sum())
            share = seasonal_share(series, year, shock_years)
            seasonal = float(share.get(m, np.nan))
            execu = ytd / amount if amount else np.nan
            rows.append({"scheme": scheme, "flow": flow, "line": line or "total", "budget": amount, "ytd": ytd,
                         "execution": execu, "time_progress": m / 12,
                         "gap_points": 100 * (execu - m / 12), "gap_cny": ytd - amount * m / 12,
                         "seasonal_progress": seasonal, "seasonal_gap_points": 100 * (execu - seasonal)})
    out = pd.DataFrame(rows)
    out.attrs.update(month=str(at), fund_year=year, units="CNY; execution and progress as fractions; gaps in "
                     "percentage points", definition="execution = ytd / budget; time_progress = month / 12")
    return out


def plot_execution(table: pd.DataFrame, ax=None):
    """Bars of execution by line, a line at time progress; income blue, spending red."""
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots(figsize=(8, 0.35 * len(table) + 1.8))
    labels = [f"{r.scheme} {r.flow}: {r.line}" for r in table.itertuples()]
    colours = ["tab:blue" if f == "income" else "tab:red" for f in table["flow"]]
    y = np.arange(len(table))[::-1]
    ax.barh(y, 100 * table["execution"], color=colours, alpha=0.8)
    ax.scatter(100 * table["seasonal_progress"], y, marker="|", s=200, color="black", zorder=3,
               label="usual progress by this month (past years)")
    tp = 100 * float(table["time_progress"].iloc[0])
    ax.axvline(tp, color="darkorange", linestyle="--", label=f"time progress {tp:.1f}%")
    ax.set_yticks(y, labels)
    ax.set_xlabel("share of the annual budget executed (%)")
    ax.set_title(f"Budget execution to the end of {table.attrs.get('month', '')}")
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.12), ncol=2, fontsize=8)
    ax.figure.tight_layout()
    return ax
