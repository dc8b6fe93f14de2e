"""Year-end outturn forecast (年度决算预测) from the months so far, and its back-test.

The model is the seasonal profile of the year: for a line with monthly amounts ``x[Y, k]``,
the log ratio of the year's total to the amount reached by the end of month ``m``,

    r[Y, m] = log( total[Y] / ytd[Y, m] ),        ytd[Y, m] = x[Y, 1] + ... + x[Y, m],

is modelled, for each month of forecast ``m``, as ``r[Y, m] = a[m] + e[Y, m]`` with
``e ~ N(0, s[m]^2)`` independent across years, and fitted by OLS on the past
complete fund years that are not shock years. The outturn forecast and its prediction interval
are

    outturn = ytd[Y, m] * exp(a[m]),    interval = ytd[Y, m] * exp(a[m] +/- t * s[m] * sqrt(1 + 1/n))

(t the Student-t quantile with n - 1 degrees of freedom, n the years fitted; the point is the
median of the predictive distribution). With ``trend=True`` a linear term in the year is added,
for a collection or settlement calendar that drifts.

The naive rule it is judged against is last year's share of the year reached by month m:
``outturn = ytd[Y, m] * total[Y-1] / ytd[Y-1, m]`` (the model with one year and no shock
filter). :func:`backtest` runs both month by month over past years.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..errors import AssumptionError
from .ledger import LINES, cached_series, monthly_series, series_sum

MIN_YEARS = 3


def _predict(y: pd.Series, trend: bool, year: int) -> tuple[float, float, int]:
    """OLS of ``y`` on a constant (and the year): the prediction for ``year`` as (mean, standard
    error of a new observation, residual degrees of freedom). With ``X`` the regressors and
    ``x0`` those of ``year``: ``b = (X'X)^-1 X'y``, ``s2 = |y - Xb|^2 / (n - k)``, mean ``x0'b``,
    standard error ``sqrt(s2 * (1 + x0'(X'X)^-1 x0))`` (the figures of statsmodels' OLS and
    its ``get_prediction``, computed directly: the back-test fits thousands of these)."""
    values = y.to_numpy(dtype=float)
    years = np.asarray(y.index, dtype=float)
    X = np.column_stack([np.ones(values.size), years - year]) if trend else np.ones((values.size, 1))
    x0 = np.zeros(X.shape[1])
    x0[0] = 1.0                                      # the year itself: years - year = 0
    xtx_inv = np.linalg.inv(X.T @ X)
    beta = xtx_inv @ (X.T @ values)
    df = values.size - X.shape[1]
    scale = float(np.sum((values - X @ beta) ** 2)) / df
    se = float(np.sqrt(scale * (1.0 + x0 @ xtx_inv @ x0)))
    return float(x0 @ beta), se, int(df)


def forecast_series(series: pd.DataFrame, year: int, month: int, *, shock_years=(), trend: bool = False) -> dict:
    """Outturn forecast of one line for fund ``year`` from its months 1..``month``.

    ``series``: fund years by months 1..12 (:func:`~actuarial.operations.ledger.monthly_series`).
    Returns ``ytd`` and ``naive`` (CNY), the log-scale prediction ``base * exp(mu + se * T_df)``
    as ``base``, ``mu``, ``se``, ``df``, the ``method`` and the years fitted. Method ``share``
    is the seasonal profile of the module docstring; when the line has moved no money by month
    m in the year or in a past year (a subsidy paid in tranches, in January), the share is
    undefined and method ``growth`` forecasts ``log(total[Y] / total[Y-1])`` by its mean over
    the past ordinary years instead (naive: last year's total)."""
    return _forecast(series, _past(series, year, shock_years), year, month, trend)


def _past(series: pd.DataFrame, year: int, shock_years) -> dict:
    """What every month's forecast of fund ``year`` shares: the complete fund years before it,
    their totals and which of them are ordinary (the back-test and the monthly indicators
    forecast each year from eleven or twelve months, so :func:`_forecast_flow` keeps these)."""
    full = series[series.index < year].dropna()
    totals = full.sum(axis=1)
    years = full.index.to_numpy()
    return {"full": full, "totals": totals, "totals_values": totals.to_numpy(dtype=float), "years": years,
            "ordinary": ~np.isin(years, list(shock_years)), "shock_years": tuple(shock_years),
            "months_in_order": list(series.columns) == list(range(1, 13)) and series.index.is_unique}


def _forecast(series: pd.DataFrame, past: dict, year: int, month: int, trend: bool) -> dict:
    """:func:`forecast_series` from the shared part :func:`_past`. The month sums of the past
    years are pandas' (``DataFrame.sum`` along the months, whose order of addition follows the
    table's memory layout); the year's sum so far, the checks and the seasonal ratios are taken
    on the values, where pandas' indexing cost most of a millisecond per forecast (the figures
    are the same: tested against the labelled version on the example's lines and perturbed
    ledgers, month by month)."""
    if not 1 <= month <= 12:
        raise AssumptionError(f"month of forecast {month} is not 1..12", field="month")
    if past["months_in_order"]:
        ytd = series_sum(series.loc[year].to_numpy(dtype=float)[:month])
    else:
        ytd = float(series.loc[year, 1:month].sum())
    need = MIN_YEARS + (1 if trend else 0)
    if month == 12:
        return {"ytd": ytd, "naive": ytd, "base": ytd, "mu": 0.0, "se": 0.0, "df": 1, "method": "complete",
                "years_fitted": 0}
    totals, years = past["totals_values"], past["years"]
    done = past["full"].loc[:, 1:month].sum(axis=1).to_numpy(dtype=float)
    share_ok = ytd != 0 and (done != 0).all() and (np.sign(done) == np.sign(totals)).all()
    if share_ok:
        with np.errstate(all="ignore"):                    # as pandas divides
            ratio = totals / done
        r = np.log(ratio)                                 # positive: same sign, nothing zero
        last = np.flatnonzero(years == year - 1)
        naive = ytd * float(np.exp(r[last[0]])) if last.size else np.nan
        keep = past["ordinary"]
        y, base, method = pd.Series(r[keep], index=years[keep]), ytd, "share"
    else:
        shock_years, totals = past["shock_years"], past["totals"]
        g = np.log(totals / totals.shift(1)).dropna()
        ok = ~g.index.isin(list(shock_years)) & ~g.index.isin([t + 1 for t in shock_years])
        naive = float(totals.loc[year - 1]) if (year - 1) in totals.index else np.nan
        y, base, method = g[ok], naive, "growth"
    if y.size < need:
        raise AssumptionError(f"{y.size} complete ordinary fund year(s) before {year} to fit the {method} model",
                              field="fund_year", expected=f"at least {need}")
    mu, se, df = _predict(y, trend, year)
    return {"ytd": ytd, "naive": naive, "base": base, "mu": mu, "se": se, "df": df, "method": method,
            "years_fitted": int(y.size)}


def _combine(parts: list[dict], coverage: float, draws: int = 4000, seed: int = 0):
    """Median and interval of a sum of lines, each ``base * exp(mu + se * T_df)``, the lines
    taken as independent (simulated with a seeded generator)."""
    rng = np.random.default_rng(seed)
    total = np.zeros(draws)
    for p in parts:
        total += p["base"] * np.exp(p["mu"] + p["se"] * rng.standard_t(max(p["df"], 1), draws))
    lo, mid, hi = np.quantile(total, [(1 - coverage) / 2, 0.5, (1 + coverage) / 2])
    return float(mid), float(min(lo, hi)), float(max(lo, hi))


def _line_interval(p: dict, coverage: float):
    from scipy import special   # stdtrit(df, q) is scipy.stats' t.ppf, without importing scipy.stats (0.9 s)

    t = special.stdtrit(max(p["df"], 1), (1 + coverage) / 2)
    ends = p["base"] * np.exp(p["mu"] + np.array([-t, t]) * p["se"])
    return float(p["base"] * np.exp(p["mu"])), float(ends.min()), float(ends.max())


def _forecast_flow(ledger, scheme, flow, year, month, *, shock_years, coverage, trend, lines=True, cache=None):
    """Rows for each line of a flow and for its total (the sum of the lines' forecasts)."""
    rows, parts = [], []
    cache = {} if cache is None else cache
    for line in LINES[(scheme, flow)]:
        series = cached_series(ledger, scheme, flow, line, cache)
        if year not in series.index:
            return []
        key = ("past", scheme, flow, line, year, tuple(shock_years))
        if key not in cache:
            cache[key] = _past(series, year, shock_years)
        p = _forecast(series, cache[key], year, month, trend)
        parts.append(p)
        if lines:
            mid, lo, hi = _line_interval(p, coverage)
            rows.append({"scheme": scheme, "flow": flow, "line": line, "ytd": p["ytd"], "outturn": mid,
                         "lower": lo, "upper": hi, "naive": p["naive"], "method": p["method"],
                         "years_fitted": p["years_fitted"]})
    mid, lo, hi = _combine(parts, coverage)
    rows.append({"scheme": scheme, "flow": flow, "line": "total", "ytd": sum(p["ytd"] for p in parts),
                 "outturn": mid, "lower": lo, "upper": hi, "naive": sum(p["naive"] for p in parts),
                 "method": "sum of lines", "years_fitted": min(p["years_fitted"] for p in parts)})
    return rows


def outturn(ledger: pd.DataFrame, month, *, shock_years=(), coverage: float = 0.8, trend: bool = False,
            budget: pd.DataFrame | None = None, cache: dict | None = None) -> pd.DataFrame:
    """Year-end outturn forecast of every line and flow total as at the end of ``month``
    (``YYYY-MM`` or a Period): one row per scheme, flow and line with ``ytd``, ``outturn`` (the
    median), ``lower``, ``upper`` (the ``coverage`` prediction interval) and ``naive`` in CNY;
    a flow's total is the sum of its lines' forecasts (lines independent). With a ``budget``
    table also ``budget`` and ``outturn_vs_budget`` (outturn / budget - 1). ``cache``: a dict
    kept across calls on the same ledger (several months) that holds each line's monthly table."""
    at = pd.Period(month, freq="M")
    rows = []
    for scheme, flow in LINES:
        rows += _forecast_flow(ledger, scheme, flow, at.year, at.month, shock_years=shock_years,
                               coverage=coverage, trend=trend, cache=cache)
    out = pd.DataFrame(rows)
    if budget is not None:
        b = budget[budget["fund_year"] == at.year]
        amounts = []
        for r in out.itertuples():
            sel = b[(b["scheme"] == r.scheme) & (b["flow"] == r.flow)]
            amounts.append(float(sel["budget"].sum() if r.line == "total" else sel.loc[sel["line"] == r.line, "budget"].sum()))
        out["budget"] = amounts
        out["outturn_vs_budget"] = out["outturn"] / out["budget"].where(out["budget"] != 0) - 1
    out.attrs.update(month=str(at), fund_year=at.year, coverage=coverage, units="CNY",
                     model="log(total / ytd) = a[month] + e: OLS over past ordinary years")
    return out


def backtest(ledger: pd.DataFrame, years, *, shock_years=(), coverage: float = 0.8, trend: bool = False,
             lines: bool = False) -> pd.DataFrame:
    """Forecast each fund year in ``years`` from each month 1..11 as if the later months were
    unknown, with the model and the naive rule: each scheme's income and spending totals (and
    every line with ``lines=True``). One row per (scheme, flow, line, year, month) with the
    actual total and the absolute percentage errors ``ape_model``, ``ape_naive`` and
    ``covered`` (the actual inside the interval)."""
    rows, cache = [], {}
    for scheme, flow in LINES:
        actual = monthly_series(ledger, scheme, flow, None).sum(axis=1, min_count=12)
        by_line = {line: monthly_series(ledger, scheme, flow, line).sum(axis=1, min_count=12)
                   for line in LINES[(scheme, flow)]}
        for year in years:
            for m in range(1, 12):
                for f in _forecast_flow(ledger, scheme, flow, year, m, shock_years=shock_years,
                                        coverage=coverage, trend=trend, lines=lines, cache=cache):
                    a = float(actual.loc[year] if f["line"] == "total" else by_line[f["line"]].loc[year])
                    rows.append({"scheme": scheme, "flow": flow, "line": f["line"], "fund_year": year, "month": m,
                                 "actual": a, "outturn": f["outturn"], "naive": f["naive"],
                                 "ape_model": abs(f["outturn"] / a - 1), "ape_naive": abs(f["naive"] / a - 1),
                                 "covered": f["lower"] <= a <= f["upper"]})
    out = pd.DataFrame(rows)
    out.attrs.update(coverage=coverage, shock_years=list(shock_years))
    return out


def backtest_summary(bt: pd.DataFrame) -> pd.DataFrame:
    """Mean absolute percentage error by month of forecast (model, naive), the share of cases
    where the model is closer, and the interval's coverage; the last row averages all months."""
    g = bt.groupby("month")
    out = pd.DataFrame({"mape_model": g["ape_model"].mean(), "mape_naive": g["ape_naive"].mean(),
                        "model_closer": g.apply(lambda d: float((d["ape_model"] < d["ape_naive"]).mean()),
                                                include_groups=False),
                        "interval_coverage": g["covered"].mean(), "cases": g.size()})
    out.loc["all"] = [bt["ape_model"].mean(), bt["ape_naive"].mean(),
                      float((bt["ape_model"] < bt["ape_naive"]).mean()), bt["covered"].mean(), len(bt)]
    return out
