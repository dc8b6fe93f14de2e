"""Honest back-tests of the calibration model: rolling-origin forecasts against naive ones.

Fit on the years up to t, forecast t+1..t+k, compare with what happened; MAPE, bias and the
coverage of the P10-P90 and P5-P95 intervals per variable and horizon, next to three naive
forecasts (last value, last growth, average growth). Every method is scored on the same
forecasts: a target with a blank figure (a history read from bulletins may have blanks), or one
that any method cannot make, is dropped for all of them, neither counted nor averaged.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from .schemes import MEMBER_SCHEME_NAMES


def _clean_growth(years: np.ndarray, values: np.ndarray, shock: np.ndarray) -> np.ndarray:
    """Yearly log growth over consecutive pairs of ordinary (non-shock) years with figures on
    both ends (a blank figure gives no growth)."""
    g = np.diff(np.log(values))
    ok = (shock[1:] == 0) & (shock[:-1] == 0) & (np.diff(years) == 1) & np.isfinite(g)
    return g[ok]


def _forecast(values, shock, horizon, growth, drift, drift_se):
    """Log mean and sd of a random walk with drift from the last ordinary year (a shock year
    is a departure for that year only, so it is neither the start nor part of the drift):
    sd^2 = n s^2 + n^2 se(drift)^2 for n years from the start, s the sd of the ordinary yearly
    growth around the drift."""
    usable = np.flatnonzero((shock == 0) & np.isfinite(values))
    if usable.size == 0:
        return np.full(horizon, np.nan), np.full(horizon, np.nan)
    last = int(usable[-1])
    gap = values.size - 1 - last
    n = np.arange(1, horizon + 1, dtype=float) + gap
    s2 = float(np.mean((growth - drift) ** 2)) if growth.size > 1 else 0.0
    return np.log(values[last]) + drift * n, np.sqrt(n * s2 + n ** 2 * drift_se ** 2)


NAIVE = ("last value", "last growth", "average growth")


def _naive(values: np.ndarray, shock: np.ndarray, horizon: int) -> dict[str, np.ndarray]:
    """The three naive forecasts: the last value held, the last year's growth continued, the
    average growth of all years continued (each from the last value, shocks and all; over the
    years with a figure, so a blank year neither starts nor ends them)."""
    known = np.flatnonzero(np.isfinite(values))
    h = np.arange(1, horizon + 1)
    if known.size == 0:
        return {k: np.full(horizon, np.nan) for k in NAIVE}
    i = known[-1]
    gap = values.size - 1 - i              # years from the last figure to the origin
    last = values[i]
    g_last = values[i] / values[known[-2]] - 1 if known.size > 1 and known[-2] == i - 1 else np.nan
    g_avg = (values[i] / values[known[0]]) ** (1 / (i - known[0])) - 1 if i > known[0] else np.nan
    return {"last value": np.full(horizon, last), "last growth": last * (1 + g_last) ** (h + gap),
            "average growth": last * (1 + g_avg) ** (h + gap)}


def backtest(history: pd.DataFrame, *, horizon: int = 3, min_train: int = 5, ageing: dict | None = None,
             variables=("spending_per_member", "spending", "income")) -> pd.DataFrame:
    """Rolling-origin back-test of the calibration model against naive forecasts.

    For every origin t with at least ``min_train`` years up to t, each method is fitted on the
    years up to t and forecasts t+1..t+horizon; shock years are neither anchors nor targets.
    The model forecasts spending per member with the calibrated cost trend (pooled over both
    schemes, plus each scheme's ageing drift), spending as that times members growing at their
    average rate, and income at its average ordinary growth; all as random walks with drift
    from the last ordinary year (a shock year is a one-year departure, as in the calibration),
    with intervals from the spread of ordinary yearly growth around the drift and the drift's
    standard error. Returns one row per variable, scheme, method and horizon:
    MAPE, bias (mean of forecast / actual - 1), the number of forecasts, and for the model the
    coverage of its P10-P90 and P5-P95 intervals."""
    ageing = ageing or {s: 0.0 for s in MEMBER_SCHEME_NAMES}
    from scipy import special   # ndtri is scipy.stats' norm.ppf, without importing scipy.stats (0.9 s)

    z80, z90 = special.ndtri(0.9), special.ndtri(0.95)
    hist = history.sort_values(["scheme", "year"])
    years_all = np.sort(hist["year"].unique())
    rows = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)   # short or blank series: NaN forecasts, dropped below
        for origin in years_all[min_train - 1:-1]:
            rows += _backtest_origin(hist, origin, horizon, ageing, z80, z90, variables)
    raw = pd.DataFrame(rows, columns=["variable", "scheme", "method", "horizon", "origin", "error", "in_80", "in_90"])
    # score every method on the same forecasts: a target with a blank figure, or a forecast one
    # method cannot make, is dropped for all methods (and neither counted nor averaged)
    key = ["variable", "scheme", "origin", "horizon"]
    complete = raw.groupby(key)["error"].transform(lambda e: bool(np.isfinite(e).all()))
    raw = raw[complete.astype(bool)]
    out = raw.groupby(["variable", "scheme", "method", "horizon"]).agg(
        mape=("error", lambda e: float(np.mean(np.abs(e)))), bias=("error", "mean"), forecasts=("error", "size"),
        coverage_p10_p90=("in_80", "mean"), coverage_p5_p95=("in_90", "mean")).reset_index()
    out.attrs["nominal_coverage"] = {"coverage_p10_p90": 0.8, "coverage_p5_p95": 0.9}
    return out


def _backtest_origin(hist, origin, horizon, ageing, z80, z90, variables) -> list[dict]:
    """The forecasts from one origin (see :func:`backtest`), one dict per target and method."""
    rows = []
    train = hist[hist["year"] <= origin]
    # pooled cost trend at a fixed age mix: per-member growth less each scheme's ageing drift
    pooled = np.concatenate([
        _clean_growth(p["year"].to_numpy(), (p["spending"] / p["member_years"]).to_numpy(),
                      p["shock_year"].to_numpy()) - np.log1p(ageing[s])
        for s, p in train.groupby("scheme")])
    trend, trend_se = pooled.mean(), pooled.std(ddof=1) / np.sqrt(pooled.size)
    for scheme, part in hist.groupby("scheme"):
        tr = part[part["year"] <= origin]
        future = part[(part["year"] > origin) & (part["year"] <= origin + horizon)]
        y, shock = tr["year"].to_numpy(), tr["shock_year"].to_numpy()
        members = tr["member_years"].to_numpy()
        m_growth = _clean_growth(y, members, np.zeros_like(shock))
        series = {"spending_per_member": (tr["spending"] / tr["member_years"]).to_numpy(),
                  "spending": tr["spending"].to_numpy(), "income": tr["income"].to_numpy()}
        actual = {"spending_per_member": (future["spending"] / future["member_years"]).to_numpy(),
                  "spending": future["spending"].to_numpy(), "income": future["income"].to_numpy()}
        h_max = len(future)
        for var in variables:
            values = series[var]
            growth = _clean_growth(y, values, shock)
            if var == "income":
                drift, se = growth.mean(), growth.std(ddof=1) / np.sqrt(growth.size)
            else:
                drift = trend + np.log1p(ageing[scheme]) + (m_growth.mean() if var == "spending" else 0.0)
                se = np.hypot(trend_se, m_growth.std(ddof=1) / np.sqrt(m_growth.size) if var == "spending" else 0.0)
            mean, sd = _forecast(values, shock, h_max, growth, drift, se)
            forecasts = {"model": np.exp(mean), **_naive(values, shock, h_max)}
            for h in range(h_max):
                if future["shock_year"].to_numpy()[h]:
                    continue   # a shock year is not a fair target for any forecast
                a_h = actual[var][h]
                for method, f in forecasts.items():
                    row = {"variable": var, "scheme": scheme, "method": method, "horizon": h + 1,
                           "origin": int(origin), "error": f[h] / a_h - 1}
                    if method == "model":
                        row["in_80"] = abs(np.log(a_h) - mean[h]) <= z80 * sd[h]
                        row["in_90"] = abs(np.log(a_h) - mean[h]) <= z90 * sd[h]
                    rows.append(row)
    return rows
