"""Monthly operating indicators: expected ranges and abnormal growth.

Given a monthly table (outpatient visits, admissions, cost per admission, drug share, fund
spending; optionally by hospital or district), each series is modelled by its year-over-year
growth (同比: the log change on the same month a year before, which carries the seasonal
shape), as an AR(1) around a mean growth rate fitted with statsmodels on a training window.
Each later month is then judged against the model's one-step-ahead prediction interval
(``coverage``, 99.9% by default) with the parameters held fixed. A month outside its range is
flagged, and the model goes on from the *expected* value rather than the flagged one, so that
one abnormal month does not bend the next months' ranges (and is not followed by a false
"return to normal" alarm).

    >>> table = load_monthly("assumptions/example-city/monthly_operations.csv")
    >>> flags = monitor(table, train_months=36)
    >>> flags[flags.flagged]
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from .errors import AssumptionError, one_line, read_text

INDICATORS = {
    "outpatient_visits": "visits per month",
    "admissions": "admissions per month",
    "cost_per_admission": "CNY per admission",
    "drug_share": "fraction of spending on drugs",
    "fund_spending": "CNY per month",
}
MIN_TRAIN = 24


def load_monthly(path) -> pd.DataFrame:
    """Read a monthly operating table: a ``month`` column (YYYY-MM), optional text columns
    naming groups (``district``, ``hospital``), and numeric columns among
    :data:`INDICATORS`. Values must be positive; months consecutive within each group."""
    path = Path(path)
    if not path.is_file():
        raise AssumptionError("monthly table not found", file=path)
    text = read_text(path, AssumptionError, "monthly table")   # UTF-8, UTF-8 with BOM or GBK
    try:
        df = pd.read_csv(io.StringIO(text), dtype={"month": str})
    except Exception as exc:  # pandas raises many types for a malformed file
        raise AssumptionError(f"cannot be read as CSV: {one_line(exc)}", file=path) from None
    df.columns = [str(c).strip() for c in df.columns]
    if "month" not in df.columns:
        raise AssumptionError("missing column 'month'", file=path, expected="months as YYYY-MM")
    for col in df.columns:
        if col in INDICATORS and not pd.api.types.is_numeric_dtype(df[col]):
            bad = pd.to_numeric(df[col], errors="coerce").isna()
            i = int(np.flatnonzero(bad.to_numpy())[0])
            raise AssumptionError(f"row {i + 2}: value {df[col].iloc[i]!r} is not a number", file=path, field=col,
                                  expected=f"{INDICATORS[col]} (a positive number)")
    if df["month"].isna().any():
        i = int(np.flatnonzero(df["month"].isna().to_numpy())[0])
        raise AssumptionError(f"row {i + 2}: month is blank", file=path, field="month", expected="YYYY-MM")
    try:
        df["month"] = pd.PeriodIndex(df["month"].astype(str).str.strip(), freq="M")
    except (ValueError, TypeError, OverflowError) as exc:
        raise AssumptionError(f"a month is not YYYY-MM ({exc})", file=path, field="month") from None
    groups = [c for c in df.columns if c != "month" and not pd.api.types.is_numeric_dtype(df[c])]
    values = [c for c in df.columns if c not in groups and c != "month"]
    unknown = [c for c in values if c not in INDICATORS]
    if unknown:
        raise AssumptionError(f"unknown indicator column(s) {unknown}", file=path,
                              expected=f"some of {list(INDICATORS)}")
    for col in groups:
        if df[col].isna().any():
            i = int(np.flatnonzero(df[col].isna().to_numpy())[0])
            raise AssumptionError(f"row {i + 2}: group name is blank", file=path, field=col,
                                  expected="a name on every row (a blank row would be dropped)")
    for col in values:
        num = pd.to_numeric(df[col], errors="coerce")
        bad = ~(num > 0) | ~np.isfinite(num.astype(float))
        if bad.any():
            i = int(np.flatnonzero(bad.to_numpy())[0])
            shown = "blank (or n/a)" if pd.isna(df[col].iloc[i]) else f"{float(num.iloc[i]):g}"
            raise AssumptionError(f"row {i + 2}: value {shown} is not a positive number",
                                  file=path, field=col, expected=f"{INDICATORS.get(col, col)} (a positive number)")
    for key, part in (df.groupby(groups) if groups else [((), df)]):
        months = part["month"].sort_values()
        if len(months) > 1 and not (np.diff(months.astype("int64").to_numpy()) == 1).all():
            raise AssumptionError(f"months are not consecutive for {_where(groups, key)}",
                                  file=path, field="month")
    df.attrs["groups"] = groups
    return df.sort_values(groups + ["month"]).reset_index(drop=True)


def _where(groups, key) -> dict:
    """The group labels of one series, as plain strings."""
    return {g: str(v) for g, v in zip(groups, np.atleast_1d(key))}


def _one_series(y: np.ndarray, train: int, coverage: float):
    """Expected log value, interval and flags for months train.. of one log series.

    The model is on year-over-year growth (同比), ``d_t = log y_t - log y_{t-12}``: an AR(1)
    around a mean growth rate, fitted by OLS with statsmodels on the training window. A month's
    expected value is the same month a year before grown by ``mu + phi (d_{t-1} - mu)``; its
    interval uses the innovation variance plus the estimation variance of the mean, with a
    Student-t quantile for the estimated variance. A flagged
    month is replaced by its expected value before later months are judged, so one abnormal
    month neither moves the next ranges nor triggers a false alarm a year later."""
    from scipy import special   # stdtrit(df, q) is scipy.stats' t.ppf, without importing scipy.stats (0.9 s)
    from statsmodels.regression.linear_model import OLS   # the class statsmodels.api exports, without
                                                          # importing the formula and model zoo (0.3 s)

    d = y[12:train] - y[:train - 12]
    if d.size < 12:
        raise AssumptionError(f"a training window of {train} months gives {d.size} year-over-year changes",
                              field="month", expected="a training window of at least 24 months")
    fit = OLS(d[1:], np.column_stack([np.ones(d.size - 1), d[:-1]])).fit()
    c, phi = (float(v) for v in fit.params)
    phi = float(np.clip(phi, -0.99, 0.99))
    mu = c / (1 - phi)
    var = float(fit.scale) + float(fit.bse[0]) ** 2
    z = special.stdtrit(fit.df_resid, 0.5 + coverage / 2)   # the variance is estimated: Student t
    n = y.size - train
    mean, lo, hi = (np.empty(n) for _ in range(3))
    flagged = np.zeros(n, dtype=bool)
    cleaned = y.copy()
    for i in range(n):                 # one month after another: each needs the one before
        t = train + i
        d_prev = cleaned[t - 1] - cleaned[t - 13]
        mean[i] = cleaned[t - 12] + mu + phi * (d_prev - mu)
        half = z * np.sqrt(var)
        lo[i], hi[i] = mean[i] - half, mean[i] + half
        flagged[i] = not (lo[i] <= y[t] <= hi[i])
        if flagged[i]:
            cleaned[t] = mean[i]
    return mean, lo, hi, flagged


TRAINING_SHOCK_Z = 6.0   # robust z-score of a year-over-year change that marks a shock


def training_shocks(y: np.ndarray, train: int, threshold: float = TRAINING_SHOCK_Z) -> list[tuple[int, float]]:
    """Year-over-year changes inside the training window that are shocks, not noise: the
    index ``k`` of each change ``d_k = log y_{k+12} - log y_k`` whose robust z-score
    ``|d_k - median d| / (1.4826 MAD)`` exceeds ``threshold`` (6: about one chance in 10^9 for
    a normal change), with the z-score. A shock fitted through would widen every later range
    and move the mean growth, so that later anomalies of its size go unflagged."""
    d = y[12:train] - y[:train - 12]
    if d.size < 3:
        return []
    med = float(np.median(d))
    mad = 1.4826 * float(np.median(np.abs(d - med)))
    if not mad > 0:
        return []
    z = np.abs(d - med) / mad
    return [(int(k), float(z[k])) for k in np.flatnonzero(z > threshold)]


def monitor(table: pd.DataFrame, *, indicators=None, train_months: int = 36,
            coverage: float = 0.999, on_training_shock: str = "refuse") -> pd.DataFrame:
    """Judge every month after the first ``train_months`` of each series.

    A shock inside the training window (see :func:`training_shocks`) would be absorbed into
    the model; by default (``on_training_shock="refuse"``) it raises an
    :class:`~actuarial.errors.AssumptionError` naming the group, indicator and months, so that
    the window can start after it; ``"ignore"`` fits through it on purpose.

    Returns a tidy table: the group columns, ``indicator``, ``month``, ``observed``,
    ``expected``, ``lower``, ``upper`` (the ``coverage`` prediction interval), ``flagged``,
    ``deviation`` (observed / expected - 1) and ``yoy_growth`` (on the same month a year before).
    """
    if not 0 < coverage < 1:
        raise AssumptionError(f"coverage must be between 0 and 1 (got {coverage!r})", field="coverage")
    if on_training_shock not in ("refuse", "ignore"):
        raise AssumptionError(f"on_training_shock={on_training_shock!r}", field="on_training_shock",
                              expected="'refuse' or 'ignore'")
    groups = table.attrs.get("groups", [c for c in table.columns
                                        if c != "month" and not pd.api.types.is_numeric_dtype(table[c])])
    indicators = [c for c in (indicators or INDICATORS) if c in table.columns]
    rows = []
    for key, part in (table.groupby(groups) if groups else [((), table)]):
        part = part.sort_values("month")
        if len(part) < train_months + 1 or train_months < MIN_TRAIN:
            raise AssumptionError(
                f"{len(part)} months for {_where(groups, key)} with train_months={train_months}",
                field="month", expected=f"a training window of at least {MIN_TRAIN} months and at least one month after it")
        for ind in indicators:
            values = part[ind].to_numpy(dtype=float)
            shocks = training_shocks(np.log(values), train_months) if on_training_shock == "refuse" else []
            if shocks:
                k, z = shocks[0]
                m = part["month"].to_numpy()
                where = _where(groups, key)
                raise AssumptionError(
                    f"{' '.join(where.values()) or 'the series'}: the change from {m[k]} to {m[k + 12]} inside the "
                    f"{train_months}-month training window is a shock (robust z {z:.1f}); fitted through, it would "
                    f"hide later anomalies", field=ind,
                    expected="a training window without shocks (drop the months before it), or "
                             "on_training_shock='ignore' to fit through it on purpose")
            mean, lo, hi, flagged = _one_series(np.log(values), train_months, coverage)
            months = part["month"].to_numpy()[train_months:]
            obs = values[train_months:]
            prior = values[train_months - 12: len(values) - 12]
            out = pd.DataFrame({
                "indicator": ind, "month": months, "observed": obs, "expected": np.exp(mean),
                "lower": np.exp(lo), "upper": np.exp(hi), "flagged": flagged,
                "deviation": obs / np.exp(mean) - 1, "yoy_growth": obs / prior - 1,
            })
            for g, v in zip(groups, np.atleast_1d(key)):
                out.insert(0, g, v)
            rows.append(out)
    result = pd.concat(rows, ignore_index=True)
    result.attrs.update(coverage=coverage, train_months=train_months,
                        model="year-over-year log growth: AR(1) around its mean (statsmodels OLS)")
    return result


def precision_recall(flags: pd.DataFrame, injected: pd.DataFrame, keys=("indicator", "month")) -> dict:
    """Precision and recall of ``flags`` against the injected anomalies (rows of ``keys``)."""
    keys = list(keys)
    flagged = set(map(tuple, flags.loc[flags["flagged"], keys].astype(str).to_numpy()))
    truth = set(map(tuple, injected[keys].astype(str).to_numpy()))
    hits = len(flagged & truth)
    return {"flagged": len(flagged), "injected": len(truth), "true_positives": hits,
            "precision": hits / len(flagged) if flagged else 1.0,
            "recall": hits / len(truth) if truth else 1.0}


# --------------------------------------------------------------------------------------------
# Levels: thresholds, peer comparison and the statistical bands, as graded warnings
# --------------------------------------------------------------------------------------------

MEASURES = ("value", "yoy_growth", "peer_ratio", "band")


@dataclass(frozen=True)
class ActivityRule:
    """A graded line on an activity indicator.

    measure : ``value`` (the indicator itself), ``yoy_growth`` (on the same month a year
        before, fraction), ``peer_ratio`` (value / median of the other groups in the month) or
        ``band`` (outside the statistical range of :func:`monitor`; threshold unused)
    persistence : fires only after this many consecutive months on the wrong side
    """

    id: str
    indicator: str
    measure: str
    comparison: str
    threshold: float
    level: str
    description: str
    persistence: int = 1


#: Default activity lines (docs/operations.md gives the sources): the 30% drug-share target of
#: the public-hospital reform (国办发〔2015〕38号, excluding herbal pieces), growth lines of the
#: kind provincial monitoring uses (illustrative values), peers at +20% / +50%, and the bands.
DEFAULT_ACTIVITY_RULES = (
    ActivityRule("activity-band", "*", "band", "outside", 0, "orange",
                 "{indicator} outside its expected range ({coverage:.1%} band)"),
    ActivityRule("drug-share-target", "drug_share", "value", "above", 0.30, "yellow",
                 "drug share above the {threshold:.0%} target"),
    ActivityRule("cost-growth-high", "cost_per_admission", "yoy_growth", "above", 0.10, "orange",
                 "cost per admission up more than {threshold:.0%} on a year before for {persistence} months",
                 persistence=3),
    ActivityRule("admissions-growth-high", "admissions", "yoy_growth", "above", 0.15, "yellow",
                 "admissions up more than {threshold:.0%} on a year before for {persistence} months",
                 persistence=3),
    ActivityRule("cost-above-peers", "cost_per_admission", "peer_ratio", "above", 1.2, "yellow",
                 "cost per admission more than {threshold:.2f} x the peer median for {persistence} months",
                 persistence=2),
    ActivityRule("cost-far-above-peers", "cost_per_admission", "peer_ratio", "above", 1.5, "orange",
                 "cost per admission more than {threshold:.2f} x the peer median"),
    ActivityRule("drug-share-above-peers", "drug_share", "peer_ratio", "above", 1.2, "yellow",
                 "drug share more than {threshold:.2f} x the peer median for {persistence} months",
                 persistence=2),
)
ACTIVITY_LEVELS = ("red", "orange", "yellow")


def _run_length(breach: pd.Series) -> pd.Series:
    """Number of consecutive True values ending at each position."""
    b = breach.astype(bool).to_numpy()
    out = np.zeros(b.size, dtype=int)
    for i, v in enumerate(b):
        out[i] = out[i - 1] + 1 if v and i else int(v)
    return pd.Series(out, index=breach.index)


def activity_measures(table: pd.DataFrame, flags: pd.DataFrame | None = None) -> pd.DataFrame:
    """Tidy table of every group, indicator and month with ``value``, ``yoy_growth`` (fraction),
    ``peer_ratio`` (value / median of the other groups that month; NaN with one group) and
    ``band`` (True when :func:`monitor` flagged the month; False where it did not judge)."""
    groups = table.attrs.get("groups", [c for c in table.columns
                                        if c != "month" and not pd.api.types.is_numeric_dtype(table[c])])
    inds = [c for c in INDICATORS if c in table.columns]
    long = table.melt(id_vars=groups + ["month"], value_vars=inds, var_name="indicator", value_name="value")
    long = long.sort_values(groups + ["indicator", "month"]).reset_index(drop=True)
    keys = groups + ["indicator"]
    prior = long.groupby(keys)["value"].shift(12) if keys else long["value"].shift(12)
    long["yoy_growth"] = long["value"] / prior - 1
    if groups:
        def loo_median(part):
            v = part["value"].to_numpy()
            return pd.Series([np.median(np.delete(v, i)) if v.size > 1 else np.nan for i in range(v.size)],
                             index=part.index)
        peers = long.groupby(["indicator", "month"], group_keys=False)[["value"]].apply(loo_median)
        long["peer_ratio"] = long["value"] / peers
    else:
        long["peer_ratio"] = np.nan
    long["band"] = False
    if flags is not None and len(flags):
        f = flags[groups + ["indicator", "month", "flagged"]]
        long = long.merge(f, on=groups + ["indicator", "month"], how="left")
        long["band"] = long["flagged"].fillna(False).astype(bool)
        long = long.drop(columns="flagged")
    long.attrs["groups"] = groups
    return long


def activity_warnings(table: pd.DataFrame, flags: pd.DataFrame | None = None, month=None,
                      rules=DEFAULT_ACTIVITY_RULES) -> pd.DataFrame:
    """Judge the activity lines in ``month`` (default the last): one row per rule and group
    with ``source`` (activity), ``rule``, ``level``, ``scope`` (the group), ``period``,
    ``indicator``, ``value`` (of the rule's measure), ``threshold``, ``run`` (consecutive
    months on the wrong side), ``fired`` and ``message``."""
    m = measures = activity_measures(table, flags)
    groups = m.attrs["groups"]
    at = m["month"].max() if month is None else pd.Period(month, freq="M")
    coverage = float(flags.attrs.get("coverage", 0.999)) if flags is not None else 0.999
    rows = []
    for rule in rules:
        if rule.measure not in MEASURES or rule.level not in ACTIVITY_LEVELS:
            raise AssumptionError(f"activity rule '{rule.id}': measure '{rule.measure}', level '{rule.level}'",
                                  field="rules", expected=f"a measure in {MEASURES} and a level in {ACTIVITY_LEVELS}")
        sel = measures if rule.indicator == "*" else measures[measures["indicator"] == rule.indicator]
        for key, part in sel.groupby(groups + ["indicator"]) if groups else sel.groupby(["indicator"]):
            part = part.sort_values("month")
            x = part[rule.measure]
            breach = x.astype(bool) if rule.measure == "band" else (
                x > rule.threshold if rule.comparison == "above" else x < rule.threshold)
            run = _run_length(breach.fillna(False))
            now = part["month"] == at
            if not now.any():
                continue
            i = part.index[now.to_numpy()][0]
            fired = bool(run.loc[i] >= rule.persistence)
            scope = "/".join(str(k) for k in np.atleast_1d(key)[:len(groups)]) or "city"
            text = rule.description.format(threshold=rule.threshold, persistence=rule.persistence,
                                           indicator=part["indicator"].iloc[0], coverage=coverage)
            rows.append({"source": "activity", "rule": rule.id, "level": rule.level,
                         "severity": ACTIVITY_LEVELS.index(rule.level), "scope": scope, "period": str(at),
                         "indicator": part["indicator"].iloc[0], "value": float(x.loc[i]),
                         "threshold": rule.threshold, "run": int(run.loc[i]), "fired": fired,
                         "message": f"[{rule.level.upper() if fired else 'ok'}] {scope}: {text}"
                                    + ("" if rule.measure == "band" else f" (now {float(x.loc[i]):.3g}")
                                    + (f"{'' if rule.measure == 'band' else ', '}{int(run.loc[i])} month(s) running"
                                       if run.loc[i] else "") + ("" if rule.measure == "band" else ")")})
    return pd.DataFrame(rows)
