"""Calibration to the fund's own history, and honest back-tests.

History table (``fund_history.csv``): one row per year and scheme with the fund's
member-years, income (excluding interest), spending and closing balance, and ``shock_year``
(1 for years such as 2020 and 2023 that must not be read as trend). See :func:`load_history`.

The calibration model is the engine's cost structure seen per member:

    log(spending per member-year)_t = level_s + (trend + ageing_s) (t - base) + sum_j shock_j D_jt + e_t

* ``level_s`` is the base-year spending per member-year of scheme s; its ratio to what the
  assumption set gives in the base year is the **cost level factor** that rescales the
  claim-cost table;
* ``trend`` is the growth of cost per member at a fixed age mix, common to both schemes; minus
  the medical inflation of the cost history (the assumption's values for years it does not
  cover) it gives the **utilisation growth** (the engine adds the two within a year);
* ``ageing_s`` is the growth that the age mix alone adds, measured by running the engine
  with costs held flat (assumed to have run at the same pace in the history years);
* each shock year gets its own dummy, so a shock is modelled, not mistaken for trend.

It is fitted by least squares with ``scipy.optimize.least_squares`` (residuals and fit
statistics reported); :func:`write_calibrated` writes an assumption folder with the calibrated
claim costs and utilisation growth.

The back-test (:func:`backtest`) is rolling-origin: fit on the years up to t, forecast
t+1..t+k, compare with what happened; MAPE, bias and the coverage of the P10-P90 and P5-P95
intervals per variable and horizon, next to three naive forecasts (last value, last growth,
average growth).
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from .costs import TREND_COMPONENTS
from .params import Assumptions, Overlay, load_assumptions
from .params.tables import check_labels, check_range, read_csv
from .schemes import MEMBER_SCHEME_NAMES, MEMBER_SCHEMES, member_years
from .errors import AssumptionError

HISTORY_COLUMNS = {"year": "int", "scheme": "str", "member_years": "float", "income": "float",
                   "spending": "float", "balance": "float", "shock_year": "int"}
# optional detail: each group, where filled in on a row, must add up to its total there


def _history_detail() -> dict:
    """Optional detail columns of a fund history and the total each group adds up to, from the
    declared schemes: member-years by member status, gross income by source less what the fund
    credits to the scheme's other ledgers, spending by category."""
    detail = {"member_years": {}, "income": {}, "spending": {}}
    for sch in MEMBER_SCHEMES:
        detail["member_years"][sch.name] = tuple((col, 1) for col in sch.member_columns.values())
        detail["income"][sch.name] = tuple((f"income_{src}", 1) for src in sch.source_names) + tuple(
            (ledger.history_column, -1) for ledger in sch.ledgers[1:] if ledger.history_column)
        detail["spending"][sch.name] = tuple((f"spending_{cat}", 1) for cat in sch.category_names)
    return detail


HISTORY_DETAIL = _history_detail()
HISTORY_OPTIONAL = {"flexible_years", "income_flexible"}
"""Detail columns a history may leave out of its group (read as none)."""
DETAIL_COLUMNS = sorted({c for groups in HISTORY_DETAIL.values() for parts in groups.values() for c, _ in parts}
                        | {"interest"})


def load_history(path) -> pd.DataFrame:
    """Read and check a fund history table: columns year, scheme (employee, resident),
    member_years (person-years), income and spending (CNY, interest excluded; pooled fund for
    the employee scheme), balance (CNY, 31 December), shock_year (0/1); consecutive years, both
    schemes every year, positive member-years, income and spending.

    Optional detail columns (blank where they do not apply): member-years by status
    (``active_years``, ``retired_years``; ``enrolled_years``), income by source
    (``income_employer``, ``income_employee`` gross and ``personal_account_credits``;
    ``income_premium``, ``income_subsidy``), spending by category (``spending_inpatient``,
    ``spending_outpatient``, ``spending_critical_illness``) and ``interest``. Where a row fills
    in a group it must add up to the row's total (to 0.1%).

    The table may also be written as bulletins publish it (:mod:`actuarial.bulletin`): units
    declared in the file (``# money_unit: 亿元``, ``# members_unit: 万人``), blank cells,
    year-end insured counts (``insured_year_end``) instead of member-years, preliminary and
    final rows for one year (``status``), totals including personal accounts (``scope``,
    ``personal_account_income``, ``personal_account_spending``) and a ``source``. Blank
    figures stay missing (NaN); a year with no figure at all (only a year-end count, say) is
    dropped once it has served. ``attrs`` record the units and each scheme's scope."""
    from .bulletin import BULLETIN_COLUMNS, normalise
    path = Path(path)
    required = {"year": "int", "scheme": "str", "shock_year": "int"}
    optional = {**{c: k for c, k in HISTORY_COLUMNS.items() if c not in required},
                **{c: "float" for c in DETAIL_COLUMNS}, **BULLETIN_COLUMNS}
    df = read_csv(path, required, optional=optional)
    for col in ("income", "spending"):
        if col not in df:
            raise AssumptionError(f"missing column(s) ['{col}']", file=path, expected=f"columns {list(HISTORY_COLUMNS)}")
    check_labels(df, "scheme", MEMBER_SCHEME_NAMES, path)
    df = normalise(df, path)
    if "balance" not in df:
        df["balance"] = np.nan
    figures = df[["member_years", "income", "spending"]].notna().any(axis=1)
    df = df[figures].reset_index(drop=True)
    _check_detail(df, path)
    for col in ("member_years", "income", "spending"):
        check_range(df, col, 1e-9, 1e15, path, "a positive amount")
    check_range(df, "shock_year", 0, 1, path, "1 for a shock year, else 0")
    counts = df.groupby("year")["scheme"].nunique()
    if (counts != len(MEMBER_SCHEME_NAMES)).any():
        bad = int(counts[counts != len(MEMBER_SCHEME_NAMES)].index[0])
        raise AssumptionError(f"year {bad} does not have one row for each scheme", file=path, field="scheme")
    years = np.sort(df["year"].unique())
    if np.any(np.diff(years) != 1):
        raise AssumptionError(f"years {years.tolist()} are not consecutive", file=path, field="year")
    if len(years) < 5:
        raise AssumptionError(f"{len(years)} years of history", file=path, field="year",
                              expected="at least 5 years")
    out = df.sort_values(["year", "scheme"]).reset_index(drop=True)
    out.attrs = df.attrs
    return out


def _check_detail(df: pd.DataFrame, path: Path) -> None:
    for total, by_scheme in HISTORY_DETAIL.items():
        for scheme, parts in by_scheme.items():
            parts = tuple((c, sign) for c, sign in parts if c in df.columns or c not in HISTORY_OPTIONAL)
            cols = [c for c, _ in parts]      # a history written before flexible workers had a status
            if not all(c in df.columns for c in cols):     # leaves their columns out: none
                continue
            rows = df[(df["scheme"] == scheme) & df[cols].notna().all(axis=1)]
            if (rows[cols] < 0).any().any():
                i = int(rows.index[(rows[cols] < 0).any(axis=1)][0])
                raise AssumptionError(f"row {i + 2}: a negative amount in {cols}", file=path, field=", ".join(cols))
            summed = sum(rows[c] * sign for c, sign in parts)
            off = (summed - rows[total]).abs() > 1e-3 * rows[total].abs()
            if off.any():
                i = int(rows.index[off][0])
                formula = " ".join(("+ " if sign > 0 else "- ") + c for c, sign in parts).lstrip("+ ")
                raise AssumptionError(
                    f"row {i + 2} ({scheme} {int(df.loc[i, 'year'])}): {formula} = {summed[i]:.6g}, "
                    f"not the {total} {df.loc[i, total]:.6g}", file=path, field=total,
                    expected="the detail adding up to the total (to 0.1%)")


def ageing_drift(a: Assumptions, years: int = 10) -> dict[str, float]:
    """Yearly growth of spending per member-year that the changing age mix alone gives, per
    scheme: the engine run with the cost trend and the per-capita critical-illness transfer
    held flat, a log-linear slope over ``years``."""
    flat = {p: 0.0 for p in TREND_COMPONENTS}
    # per-capita amounts (e.g. a critical-illness transfer) have no age effect: held at their base-year value
    flat.update({line.per_capita: float(a.parameter(line.per_capita).resolve([a.base_year])[0])
                 for sch in MEMBER_SCHEMES for line in sch.categories if line.per_capita})
    changes = {}
    for p, v in flat.items():
        param = a.parameter(p)
        changes[p] = param.model_copy(update={"overlays": param.overlays + (
            Overlay(from_year=a.base_year, value=v, note="held flat for the ageing drift"),)})
    ds = _project(a.replace(**changes), years)
    t = ds["year"].values - a.base_year
    out = {}
    for scheme in MEMBER_SCHEME_NAMES:
        per = ds["spending"].sel(scheme=scheme) / member_years(ds, scheme)
        out[scheme] = float(np.expm1(np.polyfit(t, np.log(per.values), 1)[0]))
    return out


def _project(a, years):
    from .engine import project
    return project(a, years)


@dataclass
class Calibration:
    """The result of :func:`calibrate`: fitted parameters, their standard errors, the fit."""

    base_year: int
    level: dict[str, float]             # base-year spending per member-year, CNY
    trend: float                        # growth per member at a fixed age mix, fraction a year
    ageing: dict[str, float]
    medical_inflation: float            # mean of the history's price component (non-shock years)
    utilisation_growth: float           # trend - medical inflation (compounded)
    shock_effects: dict[int, float]     # log effect of each shock year
    cost_level_factor: dict[str, float]  # fitted level / the assumption set's base-year level
    standard_errors: dict[str, float]
    residuals: pd.DataFrame             # year, scheme, observed, fitted, residual (log)
    r_squared: float
    rmse_log: float
    n_obs: int

    def summary(self) -> pd.DataFrame:
        rows = [("trend (cost per member, fixed age mix)", self.trend, self.standard_errors["trend"], "fraction per year"),
                ("medical inflation (history mean)", self.medical_inflation, np.nan, "fraction per year"),
                ("utilisation growth", self.utilisation_growth, self.standard_errors["trend"], "fraction per year")]
        for s in MEMBER_SCHEME_NAMES:
            rows.append((f"{s}: base-year spending per member-year", self.level[s], self.standard_errors[f"level_{s}"] * self.level[s], "CNY"))
            rows.append((f"{s}: cost level factor", self.cost_level_factor[s], self.standard_errors[f"level_{s}"] * self.cost_level_factor[s], "1"))
            rows.append((f"{s}: ageing drift (engine)", self.ageing[s], np.nan, "fraction per year"))
        for y, e in self.shock_effects.items():
            rows.append((f"shock {y} (log effect)", e, self.standard_errors.get(f"shock_{y}", np.nan), "1"))
        rows += [("R squared (log per-member spending)", self.r_squared, np.nan, "1"),
                 ("RMSE (log)", self.rmse_log, np.nan, "1"), ("observations", self.n_obs, np.nan, "")]
        return pd.DataFrame(rows, columns=["parameter", "estimate", "standard error", "units"]).set_index("parameter")


def _design(history: pd.DataFrame, base_year: int, ageing: dict[str, float]):
    """Columns: level_employee, level_resident, trend, one per shock year; the ageing drift is
    an offset."""
    shocks = sorted(history.loc[history["shock_year"] == 1, "year"].unique().tolist())
    t = (history["year"] - base_year).to_numpy(dtype=float)
    X = np.column_stack([(history["scheme"] == s).to_numpy(dtype=float) for s in MEMBER_SCHEME_NAMES]
                        + [t] + [(history["year"] == y).to_numpy(dtype=float) for y in shocks])
    offset = t * np.array([np.log1p(ageing[s]) for s in history["scheme"]])
    names = [f"level_{s}" for s in MEMBER_SCHEME_NAMES] + ["trend"] + [f"shock_{y}" for y in shocks]
    return X, offset, names, shocks


def _fit(X, y):
    from scipy import optimize   # here, not at import: most commands never calibrate

    res = optimize.least_squares(lambda b: X @ b - y, x0=np.zeros(X.shape[1]), method="lm")
    resid = res.fun
    dof = max(X.shape[0] - X.shape[1], 1)
    sigma2 = float(resid @ resid / dof)
    cov = sigma2 * np.linalg.pinv(res.jac.T @ res.jac)
    return res.x, cov, resid, sigma2, dof


def calibrate(a: Assumptions, history: pd.DataFrame, *, ageing: dict[str, float] | None = None) -> Calibration:
    """Fit the calibration model to ``history`` (see the module docstring). Years whose
    spending or member-years are blank (a bulletin that does not give them) are left out."""
    ageing = ageing_drift(a) if ageing is None else ageing
    history = history.dropna(subset=["spending", "member_years"]).reset_index(drop=True)
    per = np.log(history["spending"].to_numpy() / history["member_years"].to_numpy())
    X, offset, names, shocks = _design(history, a.base_year, ageing)
    beta, cov, resid, sigma2, dof = _fit(X, per - offset)
    se = dict(zip(names, np.sqrt(np.diag(cov))))
    trend = float(np.expm1(beta[names.index("trend")]))
    base = _project(a, 0).sel(year=a.base_year)
    level, factor = {}, {}
    for s in MEMBER_SCHEME_NAMES:
        level[s] = float(np.exp(beta[names.index(f"level_{s}")]))
        model = float(base["spending"].sel(scheme=s) / member_years(base, s))
        factor[s] = level[s] / model
    infl = _history_inflation(a, history)
    fitted = X @ beta + offset
    tss = float(((per - per.mean()) ** 2).sum())
    table = pd.DataFrame({"year": history["year"], "scheme": history["scheme"], "observed": per,
                          "fitted": fitted, "residual": per - fitted})
    return Calibration(
        base_year=a.base_year, level=level, trend=trend, ageing=ageing, medical_inflation=infl,
        utilisation_growth=float(trend - infl),   # the engine adds the components within a year
        shock_effects={y: float(beta[names.index(f"shock_{y}")]) for y in shocks},
        cost_level_factor=factor, standard_errors=se, residuals=table,
        r_squared=1 - float((resid ** 2).sum()) / tss if tss > 0 else np.nan,
        rmse_log=float(np.sqrt(np.mean(resid ** 2))), n_obs=int(len(per)))


def _history_inflation(a: Assumptions, history: pd.DataFrame) -> float:
    """Mean medical inflation (plus any policy effect) over the history's ordinary years: from
    the cost history table for the years it covers, else from the assumption's dated values."""
    hist = a.tables.get("cost_history")
    years = sorted(history.loc[history["shock_year"] == 0, "year"].unique())[1:]   # growth happens into a year
    clipped = np.maximum(years, a.base_year)   # before the base year: the base year's value
    assumed = (a.series("costs.medical_inflation", clipped) + a.series("costs.policy_effect", clipped)).values
    values = []
    for y, fallback in zip(years, assumed):
        if hist is not None and y in hist["year"].values:
            values.append(float(hist["medical_inflation"].sel(year=y)))
        else:
            values.append(float(fallback))
    return float(np.mean(values))


def write_calibrated(a: Assumptions, cal: Calibration, folder) -> Path:
    """Copy the assumption folder to ``folder`` with the claim-cost table rescaled by the cost
    level factors and the utilisation growth set to the calibrated value (sources say so)."""
    src, dest = Path(a.path), Path(folder)
    if dest.resolve() == src.resolve():
        raise AssumptionError("will not overwrite the assumption set it was calibrated from", file=dest)
    if dest.exists():
        shutil.rmtree(dest)
    shutil.copytree(src, dest, ignore=shutil.ignore_patterns("sources", "build.py", "*.template.yaml", "__pycache__"))
    costs = pd.read_csv(dest / a.config.tables.claim_costs)
    for sch in MEMBER_SCHEMES:
        rows = costs["status"].isin(sch.statuses)
        for col in sch.claim_categories:
            costs.loc[rows, col] = (costs.loc[rows, col] * cal.cost_level_factor[sch.name]).round(2)
    costs.to_csv(dest / a.config.tables.claim_costs, index=False)
    path = dest / "assumptions.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["costs"]["utilisation_growth"] = {
        "unit": "fraction per year",
        "source": f"calibrated to the fund history by actuarial.calibration (trend {cal.trend:.4f} less "
                  f"medical inflation {cal.medical_inflation:.4f}; R2 {cal.r_squared:.3f})",
        "values": {int(a.base_year): round(cal.utilisation_growth, 6)}}
    data["description"] = (data.get("description", "") + " Calibrated: cost level factors "
                           + ", ".join(f"{s} {cal.cost_level_factor[s]:.4f}" for s in MEMBER_SCHEME_NAMES) + ".").strip()
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")
    load_assumptions(dest)   # the written set must load
    return dest


# The rolling-origin back-test lives in actuarial.backtest (re-exported here).
from .backtest import NAIVE, backtest  # noqa: E402,F401
