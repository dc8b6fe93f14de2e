"""Assumption sets: schema, loading and validation.

An assumption set is a folder holding ``assumptions.yaml`` (every scalar and dated parameter,
each with its unit and source) and the CSV tables it names (base population, mortality,
fertility pattern, transition rates, migration, claim costs). :func:`load_assumptions` reads
and validates the whole folder and returns an :class:`Assumptions` object.

Dated parameters follow one rule throughout (as in Tax-Calculator and OpenFisca): a mapping
``{year: value}``; between given years the value holds (``interpolation: step``, the default)
or moves in a straight line (``interpolation: linear``); after the last given year it follows
``after_last``: ``hold`` (default), ``{grow_rate: g}`` (compound growth, fraction per year) or
``{add_per_year: a}`` (a fixed step per year, in the parameter's unit). A projection year
before the first given year is an error.

The schema is the single source of each parameter's unit, valid range and meaning:
:func:`parameter_reference` renders it as the Markdown reference in
``docs/assumption-reference.md``.

Every problem raises :class:`actuarial.errors.AssumptionError` naming the file, the field, the
value and what was expected; unknown keys are rejected, never ignored.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, Union

import numpy as np
import pandas as pd
import xarray as xr
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from .errors import AssumptionError

AGES = np.arange(101)
"""Single ages 0..100; 100 stands for 100 and over."""
SEXES = ("female", "male")
STATUSES = ("active", "retired", "resident")
SCHEMES = ("employee", "resident")
CATEGORIES = ("inpatient", "outpatient")
ASSUMPTION_FILE = "assumptions.yaml"


# --------------------------------------------------------------------------------------------
# Parameter specifications (unit, range, meaning): the one place they are written down.
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Spec:
    """What a parameter means and which values it may take."""

    unit: str
    lo: float
    hi: float
    description: str

    def check(self, value: float) -> str | None:
        """Return a message when ``value`` is outside [lo, hi], else None."""
        if not math.isfinite(value):
            return f"value {value!r} is not a finite number"
        if self.lo <= value <= self.hi:
            return None
        msg = f"value {value!r} is outside the valid range {self.lo:g} to {self.hi:g} {self.unit}"
        if self.unit.startswith("fraction") and 1 < value <= 100 * self.hi:
            msg += (f"; rates are fractions, not percents: write {value / 100:g} "
                    f"for {value:g}%")
        return msg


def spec(unit: str, lo: float, hi: float, description: str, *, optional: bool = False) -> Any:
    """A pydantic Field carrying a :class:`Spec` (read back by the validator and the docs);
    ``optional`` fields default to None (left out of the file)."""
    extra = {"json_schema_extra": {"spec": Spec(unit, lo, hi, description)}}
    return Field(None, **extra) if optional else Field(**extra)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class GrowRate(_Strict):
    grow_rate: float = Field(ge=-0.5, le=0.5)


class AddPerYear(_Strict):
    add_per_year: float


class Dated(_Strict):
    """A parameter with values by calendar year."""

    unit: str
    source: str
    values: dict[int, float]
    interpolation: Literal["step", "linear"] = "step"
    after_last: Union[Literal["hold"], GrowRate, AddPerYear] = "hold"
    note: str | None = None

    def resolve(self, years) -> np.ndarray:
        """Values for each of ``years`` (array of ints) under the dated-value rule."""
        given = sorted(self.values)
        gy = np.asarray(given, dtype=float)
        gv = np.asarray([self.values[y] for y in given], dtype=float)
        years = np.asarray(years, dtype=float)
        if years.size and years.min() < gy[0]:
            raise AssumptionError(
                f"no value for year {int(years.min())}: the first given year is {given[0]}",
                expected=f"a value for every year from {int(years.min())} (or earlier)")
        if self.interpolation == "linear":
            out = np.interp(years, gy, gv)
        else:
            idx = np.searchsorted(gy, years, side="right") - 1
            out = gv[np.clip(idx, 0, len(gv) - 1)]
        after = years > gy[-1]
        steps = years - gy[-1]
        if isinstance(self.after_last, GrowRate):
            out = np.where(after, gv[-1] * (1 + self.after_last.grow_rate) ** steps, out)
        elif isinstance(self.after_last, AddPerYear):
            out = np.where(after, gv[-1] + self.after_last.add_per_year * steps, out)
        return out


class Scalar(_Strict):
    """A parameter with one value."""

    unit: str
    source: str
    value: float
    note: str | None = None


class Tables(_Strict):
    population: str = Field(description="1 January base-year population by status, sex, single age")
    mortality: str = Field(description="central death rates mx by time point, sex and age (single or abridged)")
    fertility_pattern: str = Field(description="share of the total fertility rate at each single age of the mother")
    transitions: str = Field(description="employment entry and exit rates by sex and single age")
    migration: str = Field(description="net migrants per year by status, sex and single age")
    claim_costs: str = Field(description="base-year claim cost per person-year by status, sex, age, category")


class RetirementGroup(_Strict):
    """One statutory retirement group and its path under the 2025 reform."""

    sex: Literal["female", "male"]
    share_of_sex: float = Field(ge=0, le=1, description="share of that sex's active members in the group")
    start_age: float = Field(ge=40, le=75, description="statutory retirement age before the reform, years")
    target_age: float = Field(ge=40, le=75, description="statutory retirement age once the reform is complete, years")
    months_of_birth_per_month_of_delay: float = Field(
        gt=0, le=24, description="each this many months of later birth add one month to the retirement age")


class Retirement(_Strict):
    reform_start: int = Field(ge=1990, le=2100, description="calendar year (1 January) from which the reform applies")
    source: str
    groups: dict[str, RetirementGroup]
    share_meeting_minimum_contribution_years: Dated = spec(
        "fraction", 0, 1,
        "share of workers reaching retirement age with enough contribution years to keep "
        "employee-scheme benefits without paying; the rest move to the resident group")


class Demography(_Strict):
    total_fertility_rate: Dated = spec("children per woman", 0.3, 8, "total fertility rate of the city")
    sex_ratio_at_birth: Dated = spec("males per female", 0.9, 1.3, "sex ratio at birth")
    mortality_improvement: Dated = spec(
        "fraction per year", -0.05, 0.1,
        "extra yearly fall in every death rate, applied on top of the mortality table "
        "(0 when the table already carries the improvement)")
    retirement: Retirement


class PersonalAccounts(_Strict):
    reform_year: Scalar = spec(
        "year", 1998, 2100,
        "first calendar year under the outpatient mutual-aid reform (门诊共济) crediting rules")
    employee_contribution_to_account: Dated = spec(
        "fraction", 0, 1, "share of the employee's own contribution credited to the personal account")
    employer_share_to_account_before_reform: Dated = spec(
        "fraction", 0, 1,
        "share of the employer contribution credited to active members' accounts before the reform")
    retiree_credit_before_reform: Dated = spec(
        "CNY per retiree per year", 0, 1e5, "credit paid from the pooled fund into each retiree's account before the reform")
    retiree_credit_after_reform: Dated = spec(
        "CNY per retiree per year", 0, 1e5, "credit paid from the pooled fund into each retiree's account from the reform year")
    spending_rate: Dated = spec(
        "fraction per year", 0, 1,
        "share of the money available in personal accounts (opening balance plus credits) spent in the year")
    opening_balance: Scalar = spec("CNY", 0, 1e13, "personal-account balances at 1 January of the base year")


class Employee(_Strict):
    contribution_base: Scalar = spec(
        "CNY per active member per year", 1e3, 1e7,
        "average contribution base of active members in the base year; later years grow with wage_growth")
    employer_rate: Dated = spec("fraction", 0, 0.3, "employer contribution rate on the contribution base")
    employee_rate: Dated = spec("fraction", 0, 0.1, "employee contribution rate on the contribution base")
    collection_rate: Dated = spec("fraction", 0.3, 1, "share of contributions due that is collected")
    opening_balance: Scalar = spec("CNY", -1e13, 1e13, "pooled-fund balance at 1 January of the base year")
    personal_accounts: PersonalAccounts
    flexible_worker_share: Scalar | None = spec(
        "fraction", 0, 1,
        "optional: share of contributions paid by flexible workers (who pay both parts); only "
        "splits the budget table's income by source", optional=True)
    contribution_base_factor: Dated | None = spec(
        "1", 0.2, 3,
        "optional: multiplier on the average contribution base (e.g. from a change of the base "
        "floor or ceiling); 1 when absent", optional=True)


class Resident(_Strict):
    premium: Dated = spec("CNY per enrolled person per year", 0, 1e5, "individual premium")
    subsidy: Dated = spec("CNY per enrolled person per year", 0, 1e5, "fiscal subsidy (all levels of government)")
    collection_rate: Dated = spec("fraction", 0.3, 1, "share of premium and subsidy due that is collected")
    enrolment_rate: Dated = spec(
        "fraction", 0, 1, "share of the resident group (everyone outside the employee scheme) aged 1+ enrolled in the resident scheme")
    newborn_enrolment_rate: Dated = spec(
        "fraction", 0, 1, "share of children aged 0 in the resident group enrolled in the resident scheme")
    critical_illness_transfer: Dated = spec(
        "CNY per enrolled person per year", 0, 1e4, "per-capita transfer buying critical-illness insurance (大病保险)")
    opening_balance: Scalar = spec("CNY", -1e13, 1e13, "fund balance at 1 January of the base year")
    enrolment_premium_elasticity: Scalar | None = spec(
        "1", -3, 0,
        "optional: elasticity of the enrolment rate to the premium, used by premium levers "
        "(rate x (new premium / old premium)^elasticity)", optional=True)


class FundShare(_Strict):
    employee_inpatient: Dated = spec("fraction", 0, 1, "share of employee inpatient claim cost paid by the pooled fund")
    employee_outpatient: Dated = spec("fraction", 0, 1, "share of employee outpatient claim cost paid by the pooled fund")
    resident_inpatient: Dated = spec("fraction", 0, 1, "share of resident inpatient claim cost paid by the fund")
    resident_outpatient: Dated = spec("fraction", 0, 1, "share of resident outpatient claim cost paid by the fund")


class Costs(_Strict):
    medical_inflation: Dated = spec("fraction per year", -0.2, 0.5, "growth of the price of care per unit of use")
    utilisation_growth: Dated = spec("fraction per year", -0.5, 0.5, "growth of use of care per person at a given age and sex")
    policy_effect: Dated = spec(
        "fraction per year", -0.5, 0.5,
        "extra growth (negative: savings) from policy, e.g. payment reform; 0 in a baseline")
    fund_share: FundShare


class Economy(_Strict):
    wage_growth: Dated = spec("fraction per year", -0.3, 0.5, "growth of the average contribution base")
    interest_rate: Dated = spec("fraction per year", -0.05, 0.2, "interest credited on fund balances")
    interest_on: Literal["opening", "mean"] = Field(
        "opening", description="interest on the opening balance, or on the mean of opening and closing (opening + half the year's net flow)")


class Indicators(_Strict):
    reserve_months_denominator: Literal["current_year", "next_year"] = Field(
        "current_year",
        description="months of reserves = balance / (spending / 12) using this year's or next year's spending")


ECONOMIC_COMPONENTS = ("medical_inflation", "utilisation_growth", "wage_growth", "interest_rate")


class AR1(_Strict):
    """A zero-mean AR(1) deviation from the best-estimate path:
    ``dev_t = phi * dev_{t-1} + sigma * z_t``, ``dev_base = 0``. ``phi`` and ``sigma`` are
    given, or fitted (statsmodels ARIMA(1,0,0) with a dummy for each shock year) to the column
    of the cost history named like the component when ``fit_to_history`` is true."""

    unit: str
    source: str
    fit_to_history: bool = False
    phi: float | None = Field(None, ge=-0.99, le=0.99)
    sigma: float | None = None


class LeeCarterSpec(_Strict):
    """Lee-Carter fitted by sex to the mortality history; its k_t random walk (with drift
    uncertainty if asked) perturbs the best-estimate death rates: ``m * exp(b_x * dev_t)``."""

    source: str
    fit_from: float = Field(description="first time point of the mortality history used")
    fit_to: float = Field(description="last time point of the mortality history used")
    drift_uncertainty: bool = True


class Correlation(_Strict):
    """Correlation of the yearly innovations of the economic components."""

    source: str
    components: list[Literal["medical_inflation", "utilisation_growth", "wage_growth", "interest_rate"]]
    matrix: list[list[float]]


class Uncertainty(_Strict):
    cost_history: str | None = Field(None, description="table of past cost growth: year, medical_inflation, utilisation_growth, shock_year")
    mortality_history: str | None = Field(None, description="table of past death rates: time, sex, age, mx")
    medical_inflation: AR1 = spec("fraction per year", 0, 0.2, "AR(1) deviation of medical inflation")
    utilisation_growth: AR1 = spec("fraction per year", 0, 0.2, "AR(1) deviation of utilisation growth")
    wage_growth: AR1 = spec("fraction per year", 0, 0.2, "AR(1) deviation of wage growth")
    interest_rate: AR1 = spec("fraction per year", 0, 0.1, "AR(1) deviation of the interest rate")
    enrolment: AR1 = spec("fraction", 0, 0.2, "AR(1) deviation of the resident enrolment rate (added, then kept within 0..1)")
    employment: AR1 = spec("log multiplier", 0, 1, "AR(1) deviation of log employment entry and exit rates (entries x e^dev, exits x e^-dev)")
    mortality: LeeCarterSpec
    correlation: Correlation


class AssumptionFile(_Strict):
    name: str
    title: str
    description: str
    base_year: int = Field(ge=1990, le=2100)
    currency: Literal["CNY"] = "CNY"
    tables: Tables
    demography: Demography
    employee: Employee
    resident: Resident
    costs: Costs
    economy: Economy
    indicators: Indicators = Indicators()
    uncertainty: Uncertainty | None = None


# --------------------------------------------------------------------------------------------
# Validation helpers
# --------------------------------------------------------------------------------------------


def _walk_specs(model: BaseModel, prefix: str = ""):
    """Yield (dotted path, Spec, value) for every parameter that carries a Spec."""
    for name, info in type(model).model_fields.items():
        value = getattr(model, name)
        path = f"{prefix}{name}"
        extra = info.json_schema_extra if isinstance(info.json_schema_extra, dict) else {}
        if value is None:
            continue   # an optional parameter left out
        if "spec" in extra:
            yield path, extra["spec"], value
        elif isinstance(value, BaseModel):
            yield from _walk_specs(value, path + ".")
        elif isinstance(value, dict):
            for key, item in value.items():
                if isinstance(item, BaseModel):
                    yield from _walk_specs(item, f"{path}.{key}.")


def _check_specs(cfg: AssumptionFile, file: Path) -> None:
    for path, sp, param in _walk_specs(cfg):
        if param.unit != sp.unit:
            raise AssumptionError(
                f"unit '{param.unit}' is not the unit this parameter takes",
                file=file, field=f"{path}.unit", expected=f"'{sp.unit}'")
        if isinstance(param, AR1):
            _check_ar1(path, sp, param, file)
            continue
        if isinstance(param, Scalar):
            msg = sp.check(param.value)
            if msg:
                raise AssumptionError(msg, file=file, field=f"{path}.value")
            continue
        if not param.values:
            raise AssumptionError("no values given", file=file, field=f"{path}.values",
                                  expected="at least one {year: value} pair")
        for year, v in param.values.items():
            msg = sp.check(v)
            if msg:
                raise AssumptionError(msg, file=file, field=f"{path}.values.{year}")


def _check_ar1(path: str, sp: Spec, param: "AR1", file: Path) -> None:
    if param.fit_to_history:
        if param.phi is not None or param.sigma is not None:
            raise AssumptionError("give either fit_to_history: true or phi and sigma, not both",
                                  file=file, field=path)
        return
    if param.phi is None or param.sigma is None:
        raise AssumptionError("phi and sigma are required unless fit_to_history is true",
                              file=file, field=path, expected="phi in (-0.99, 0.99) and sigma >= 0")
    if param.sigma < 0:
        raise AssumptionError(f"negative standard deviation {param.sigma!r}", file=file,
                              field=f"{path}.sigma", expected="a standard deviation >= 0 (a variance cannot be negative)")
    msg = sp.check(param.sigma)
    if msg:
        raise AssumptionError(msg, file=file, field=f"{path}.sigma")


def _check_correlation(corr: "Correlation", file: Path) -> None:
    field = "uncertainty.correlation.matrix"
    k = len(corr.components)
    if len(set(corr.components)) != k:
        raise AssumptionError("a component is listed twice", file=file, field="uncertainty.correlation.components")
    m = np.asarray(corr.matrix, dtype=float)
    if m.shape != (k, k):
        raise AssumptionError(f"matrix is {m.shape[0]}x{m.shape[1] if m.ndim > 1 else 0}, not {k}x{k}",
                              file=file, field=field, expected="one row and one column per listed component")
    if not np.allclose(m, m.T, atol=1e-12):
        raise AssumptionError("matrix is not symmetric", file=file, field=field)
    if not np.allclose(np.diag(m), 1.0) or np.any(np.abs(m) > 1):
        raise AssumptionError("diagonal must be 1 and every entry between -1 and 1", file=file, field=field)
    smallest = float(np.linalg.eigvalsh(m).min())
    if smallest < -1e-10:
        raise AssumptionError(f"matrix is not positive semi-definite (smallest eigenvalue {smallest:.4g})",
                              file=file, field=field, expected="a valid correlation matrix")


def _check_consistency(cfg: AssumptionFile, file: Path) -> None:
    groups = cfg.demography.retirement.groups
    for sex in SEXES:
        total = sum(g.share_of_sex for g in groups.values() if g.sex == sex)
        if abs(total - 1) > 1e-9:
            raise AssumptionError(
                f"retirement groups for {sex} have shares summing to {total:g}",
                file=file, field="demography.retirement.groups", expected="shares summing to 1 for each sex")
    for key, g in groups.items():
        if g.target_age < g.start_age:
            raise AssumptionError(
                f"target_age {g.target_age:g} is below start_age {g.start_age:g}",
                file=file, field=f"demography.retirement.groups.{key}.target_age",
                expected="a target age at or above the starting age")
    if cfg.uncertainty is not None:
        _check_correlation(cfg.uncertainty.correlation, file)
        lc = cfg.uncertainty.mortality
        if cfg.uncertainty.mortality_history is None:
            raise AssumptionError("a mortality history table is needed for Lee-Carter", file=file,
                                  field="uncertainty.mortality_history")
        if lc.fit_to <= lc.fit_from:
            raise AssumptionError(f"fit_to {lc.fit_to:g} is not after fit_from {lc.fit_from:g}",
                                  file=file, field="uncertainty.mortality.fit_to")
        needs_history = [n for n in ("medical_inflation", "utilisation_growth", "wage_growth", "interest_rate",
                                     "enrolment", "employment") if getattr(cfg.uncertainty, n).fit_to_history]
        for n in needs_history:
            if n not in ("medical_inflation", "utilisation_growth"):
                raise AssumptionError("only medical_inflation and utilisation_growth can be fitted to the cost history",
                                      file=file, field=f"uncertainty.{n}.fit_to_history")
        if needs_history and cfg.uncertainty.cost_history is None:
            raise AssumptionError("fit_to_history needs a cost history table", file=file,
                                  field="uncertainty.cost_history")
    base = cfg.base_year
    for path, _sp, param in _walk_specs(cfg):
        if isinstance(param, Dated) and min(param.values) > base:
            raise AssumptionError(
                f"first value is for {min(param.values)}, after the base year {base}",
                file=file, field=f"{path}.values", expected=f"a value for {base} or earlier")


def _format_pydantic(err: ValidationError, file: Path) -> AssumptionError:
    first = err.errors()[0]
    loc = ".".join(str(p) for p in first["loc"] if not str(p).startswith(("function-", "literal[")))
    kind = first["type"]
    value = first.get("input")
    if kind == "extra_forbidden":
        return AssumptionError("unknown key (misspelt, or in the wrong place)", file=file, field=loc,
                               expected="only the keys the schema defines (see docs/assumption-reference.md)")
    if kind == "missing":
        return AssumptionError("required field is missing", file=file, field=loc)
    shown = value if not isinstance(value, (dict, list)) else type(value).__name__
    return AssumptionError(f"{first['msg']} (got {shown!r})", file=file, field=loc)


# --------------------------------------------------------------------------------------------
# Tables
# --------------------------------------------------------------------------------------------


def _read_csv(path: Path, columns: dict[str, str], optional: dict[str, str] | None = None) -> pd.DataFrame:
    """Read a CSV and check it has the named columns and no others; ``columns`` maps name ->
    kind ('str', 'int', 'float'). ``optional`` columns may be absent, and their cells blank
    (read as NaN)."""
    optional = optional or {}
    if not path.is_file():
        raise AssumptionError("table file not found", file=path)
    try:
        df = pd.read_csv(path, comment="#", dtype=str, keep_default_na=False)
    except Exception as exc:  # pandas raises many types for a malformed file
        raise AssumptionError(f"cannot be read as CSV: {exc}", file=path) from None
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise AssumptionError(f"missing column(s) {missing}", file=path,
                              expected=f"columns {list(columns)}")
    extra = [c for c in df.columns if c not in columns and c not in optional]
    if extra:
        raise AssumptionError(f"unknown column(s) {extra}", file=path,
                              expected=f"columns {list(columns)}" + (f", optionally {list(optional)}" if optional else ""))
    out = pd.DataFrame(index=df.index)
    present = {**columns, **{c: k for c, k in optional.items() if c in df.columns}}
    for col, kind in present.items():
        raw = df[col].str.strip()
        if kind == "str":
            out[col] = raw
            continue
        num = pd.to_numeric(raw, errors="coerce")
        blank = raw == ""
        bad = (num.isna() | ~np.isfinite(num.astype(float))) & ~(blank & (col in optional))
        if bad.any():
            i = int(np.flatnonzero(bad.to_numpy())[0])
            raise AssumptionError(f"row {i + 2}: value {raw.iloc[i]!r} is not a finite number",
                                  file=path, field=col)
        if kind == "int":
            if (num != np.round(num)).any():
                i = int(np.flatnonzero((num != np.round(num)).to_numpy())[0])
                raise AssumptionError(f"row {i + 2}: value {raw.iloc[i]!r} is not a whole number",
                                      file=path, field=col)
            num = num.astype(int)
        out[col] = num
    return out


def _check_labels(df: pd.DataFrame, col: str, allowed, path: Path) -> None:
    bad = ~df[col].isin(list(allowed))
    if bad.any():
        i = int(np.flatnonzero(bad.to_numpy())[0])
        raise AssumptionError(f"row {i + 2}: value {df[col].iloc[i]!r} is not allowed",
                              file=path, field=col, expected=f"one of {list(allowed)}")


def _check_range(df: pd.DataFrame, col: str, lo: float, hi: float, path: Path, what: str) -> None:
    bad = (df[col] < lo) | (df[col] > hi)
    if bad.any():
        i = int(np.flatnonzero(bad.to_numpy())[0])
        raise AssumptionError(f"row {i + 2}: value {float(df[col].iloc[i])!r} is outside {lo:g} to {hi:g}",
                              file=path, field=col, expected=what)


def _to_grid(df: pd.DataFrame, keys: dict[str, Any], value: str, path: Path) -> xr.DataArray:
    """Turn a long table into a DataArray over the full grid ``keys`` (dim -> labels),
    requiring every combination exactly once."""
    dup = df.duplicated(subset=list(keys))
    if dup.any():
        i = int(np.flatnonzero(dup.to_numpy())[0])
        row = {k: df[k].iloc[i] for k in keys}
        raise AssumptionError(f"row {i + 2}: the combination {row} appears more than once", file=path)
    full = pd.MultiIndex.from_product([list(v) for v in keys.values()], names=list(keys))
    series = df.set_index(list(keys))[value]
    missing = full.difference(series.index)
    if len(missing):
        raise AssumptionError(
            f"{len(missing)} combination(s) missing, first {dict(zip(keys, missing[0]))}",
            file=path, expected=f"one row for every combination of {', '.join(keys)}"
            + (" with ages running 0..100 (100 = 100+)" if "age" in keys else ""))
    extra = series.index.difference(full)
    if len(extra):
        raise AssumptionError(f"unexpected row {dict(zip(keys, extra[0]))}", file=path,
                              expected="ages 0..100 (100 = 100+)" if "age" in keys else None)
    series = series.reindex(full)
    return xr.DataArray(series.to_numpy().reshape([len(v) for v in keys.values()]),
                        coords={k: list(v) for k, v in keys.items()}, dims=list(keys))


def _load_population(path: Path) -> xr.DataArray:
    df = _read_csv(path, {"status": "str", "sex": "str", "age": "int", "persons": "float"})
    _check_labels(df, "status", STATUSES, path)
    _check_labels(df, "sex", SEXES, path)
    _check_range(df, "persons", 0, 1e9, path, "a non-negative number of persons")
    da = _to_grid(df, {"status": STATUSES, "sex": SEXES, "age": AGES}, "persons", path)
    da.attrs.update(units="persons", long_name="population at 1 January of the base year")
    return da


def _load_mortality(path: Path) -> xr.DataArray:
    df = _read_csv(path, {"time": "float", "sex": "str", "age": "int", "mx": "float"})
    _check_labels(df, "sex", SEXES, path)
    _check_range(df, "mx", 0, 5, path, "a central death rate in deaths per person-year (0 to 5)")
    ages = np.sort(df["age"].unique())
    if ages[0] != 0 or not (np.all(np.diff(ages) > 0)):
        raise AssumptionError(f"ages {ages.tolist()} do not start at 0", file=path, field="age",
                              expected="single ages 0..100 or abridged ages 0, 1, 5, 10, ..., with the last one open")
    if ages[-1] > 100:
        raise AssumptionError(f"last age {ages[-1]} is above 100", file=path, field="age",
                              expected="an open last age group of at most 100")
    times = np.sort(df["time"].unique())
    da = _to_grid(df, {"time": times, "sex": SEXES, "age": ages}, "mx", path)
    if (da <= 0).any():
        raise AssumptionError("a death rate is zero", file=path, field="mx",
                              expected="positive death rates at every age")
    da.attrs.update(units="deaths per person-year", long_name="central death rate")
    return da


def _load_fertility_pattern(path: Path) -> xr.DataArray:
    df = _read_csv(path, {"age": "int", "share_of_tfr": "float"})
    _check_range(df, "age", 10, 55, path, "ages of mothers between 10 and 55")
    _check_range(df, "share_of_tfr", 0, 1, path, "a share between 0 and 1")
    if df["age"].duplicated().any():
        raise AssumptionError("an age appears more than once", file=path, field="age")
    total = float(df["share_of_tfr"].sum())
    if abs(total - 1) > 1e-6:
        raise AssumptionError(f"shares sum to {total:.8f}", file=path, field="share_of_tfr",
                              expected="shares summing to 1")
    da = xr.DataArray(np.zeros(AGES.size), coords={"age": AGES}, dims="age")
    da.loc[dict(age=df["age"].to_numpy())] = df["share_of_tfr"].to_numpy()
    da.attrs.update(units="1", long_name="share of the total fertility rate by age of mother")
    return da


def _load_transitions(path: Path) -> xr.Dataset:
    df = _read_csv(path, {"sex": "str", "age": "int", "employment_entry_rate": "float",
                          "employment_exit_rate": "float"})
    _check_labels(df, "sex", SEXES, path)
    for col in ("employment_entry_rate", "employment_exit_rate"):
        _check_range(df, col, 0, 1, path, "a yearly rate as a fraction between 0 and 1")
    keys = {"sex": SEXES, "age": AGES}
    ds = xr.Dataset({
        "entry": _to_grid(df, keys, "employment_entry_rate", path),
        "exit": _to_grid(df, keys, "employment_exit_rate", path),
    })
    ds["entry"].attrs.update(units="fraction per year",
                             long_name="share of the resident group entering the employee scheme as active members")
    ds["exit"].attrs.update(units="fraction per year",
                            long_name="share of active members leaving the employee scheme for the resident group")
    return ds


def _load_migration(path: Path) -> xr.DataArray:
    df = _read_csv(path, {"status": "str", "sex": "str", "age": "int", "net_migrants": "float"})
    _check_labels(df, "status", STATUSES, path)
    _check_labels(df, "sex", SEXES, path)
    _check_range(df, "net_migrants", -1e7, 1e7, path, "net migrants per year")
    da = _to_grid(df, {"status": STATUSES, "sex": SEXES, "age": AGES}, "net_migrants", path)
    da.attrs.update(units="persons per year", long_name="net migrants (in minus out)")
    return da


def _load_claim_costs(path: Path) -> xr.DataArray:
    df = _read_csv(path, {"status": "str", "sex": "str", "age": "int",
                          "inpatient": "float", "outpatient": "float"})
    _check_labels(df, "status", STATUSES, path)
    _check_labels(df, "sex", SEXES, path)
    keys = {"status": STATUSES, "sex": SEXES, "age": AGES}
    parts = []
    for cat in CATEGORIES:
        _check_range(df, cat, 0, 1e6, path, "a non-negative cost in CNY per person-year")
        parts.append(_to_grid(df, keys, cat, path))
    da = xr.concat(parts, dim=pd.Index(list(CATEGORIES), name="category"))
    da = da.transpose("status", "sex", "age", "category")
    da.attrs.update(units="CNY per person-year",
                    long_name="base-year claim cost per member (policy-range medical spending before fund share)")
    return da


def _load_cost_history(path: Path) -> xr.Dataset:
    df = _read_csv(path, {"year": "int", "medical_inflation": "float", "utilisation_growth": "float",
                          "shock_year": "int"})
    for col in ("medical_inflation", "utilisation_growth"):
        _check_range(df, col, -0.5, 0.5, path, "a yearly growth rate as a fraction (0.03 for 3%)")
    _check_range(df, "shock_year", 0, 1, path, "1 for a shock year (e.g. 2020, 2023), else 0")
    years = df["year"].to_numpy()
    if np.any(np.diff(years) != 1):
        raise AssumptionError("years are not consecutive and increasing", file=path, field="year")
    ds = xr.Dataset({c: ("year", df[c].to_numpy()) for c in ("medical_inflation", "utilisation_growth", "shock_year")},
                    coords={"year": years})
    ds.attrs["path"] = str(path)
    return ds


_TABLE_LOADERS = {
    "population": _load_population,
    "mortality": _load_mortality,
    "fertility_pattern": _load_fertility_pattern,
    "transitions": _load_transitions,
    "migration": _load_migration,
    "claim_costs": _load_claim_costs,
}


# --------------------------------------------------------------------------------------------
# The loaded set
# --------------------------------------------------------------------------------------------


@dataclass
class Assumptions:
    """A validated assumption set.

    Attributes
    ----------
    path : Path
        The folder it was read from.
    config : AssumptionFile
        The parsed ``assumptions.yaml``.
    tables : dict
        DataArrays (and one Dataset, ``transitions``) read from the CSV tables.
    digest : str
        SHA-256 over the YAML and every table it names: the assumption hash in provenance.
    """

    path: Path
    config: AssumptionFile
    tables: dict[str, Any] = field(repr=False)
    digest: str = ""

    @property
    def base_year(self) -> int:
        return self.config.base_year

    @property
    def name(self) -> str:
        return self.config.name

    def parameter(self, dotted: str):
        """The parameter object (``Dated`` or ``Scalar``) at a dotted path such as
        ``'employee.employer_rate'``."""
        obj: Any = self.config
        for part in dotted.split("."):
            obj = obj[part] if isinstance(obj, dict) else getattr(obj, part, None)
            if obj is None:
                raise AssumptionError(f"no parameter '{dotted}'", file=self.path / ASSUMPTION_FILE,
                                      field=dotted)
        return obj

    def series(self, dotted: str, years) -> xr.DataArray:
        """A dated parameter resolved over ``years`` as a DataArray with a ``year`` dim and the
        parameter's unit in its attrs."""
        param = self.parameter(dotted)
        try:
            values = param.resolve(years)
        except AssumptionError as exc:
            raise AssumptionError(str(exc), file=self.path / ASSUMPTION_FILE, field=dotted) from None
        return xr.DataArray(values, coords={"year": np.asarray(years, dtype=int)}, dims="year",
                            attrs={"units": param.unit, "source": param.source})

    def scalar(self, dotted: str) -> float:
        return float(self.parameter(dotted).value)

    def replace(self, **changes) -> "Assumptions":
        """A copy with parts of the config replaced (``changes`` maps a dotted path to a new
        parameter object or value). Used by scenarios; the original is left untouched."""
        data = self.config.model_dump()
        for dotted, new in changes.items():
            node = data
            parts = dotted.split(".")
            for p in parts[:-1]:
                node = node[p]
            node[parts[-1]] = new.model_dump() if isinstance(new, BaseModel) else new
        cfg = AssumptionFile.model_validate(data)
        _check_specs(cfg, self.path / ASSUMPTION_FILE)
        _check_consistency(cfg, self.path / ASSUMPTION_FILE)
        digest = hashlib.sha256((self.digest + repr(sorted(changes.items()))).encode()).hexdigest()
        return Assumptions(self.path, cfg, self.tables, digest)


def load_assumptions(path) -> Assumptions:
    """Read and validate an assumption folder (or its ``assumptions.yaml``).

    Raises :class:`AssumptionError` naming the file, field, value and what was expected for
    any problem: a missing file or field, an unknown key, a wrong unit, a value out of range
    (a rate of 8 where 0.08 is meant), a negative population, ages that do not run 0..100.
    """
    path = Path(path)
    folder = path.parent if path.suffix in (".yaml", ".yml") else path
    file = folder / ASSUMPTION_FILE if path.is_dir() or path.suffix not in (".yaml", ".yml") else path
    if not file.is_file():
        raise AssumptionError("assumption file not found", file=file,
                              expected=f"a folder holding {ASSUMPTION_FILE}")
    text = file.read_bytes()
    try:
        raw = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise AssumptionError(f"not valid YAML: {exc}", file=file) from None
    if not isinstance(raw, dict):
        raise AssumptionError("top level is not a mapping", file=file,
                              expected="keys name, title, base_year, tables, demography, ...")
    try:
        cfg = AssumptionFile.model_validate(raw)
    except ValidationError as exc:
        raise _format_pydantic(exc, file) from None
    _check_specs(cfg, file)
    _check_consistency(cfg, file)

    h = hashlib.sha256(text)
    tables = {}
    for key, loader in _TABLE_LOADERS.items():
        table_path = folder / getattr(cfg.tables, key)
        tables[key] = loader(table_path)
        if table_path.is_file():
            h.update(key.encode())
            h.update(table_path.read_bytes())
    unc = cfg.uncertainty
    if unc is not None:
        for key, name, loader in (("cost_history", unc.cost_history, _load_cost_history),
                                  ("mortality_history", unc.mortality_history, _load_mortality)):
            if name is None:
                continue
            table_path = folder / name
            tables[key] = loader(table_path)
            if table_path.is_file():
                h.update(key.encode())
                h.update(table_path.read_bytes())
    return Assumptions(folder, cfg, tables, h.hexdigest())


# --------------------------------------------------------------------------------------------
# Generated documentation
# --------------------------------------------------------------------------------------------


def parameter_reference() -> str:
    """The Markdown reference of every parameter: path, unit, valid range, meaning.

    Generated from the schema so that the documentation cannot drift from the code."""
    lines = [
        "# Assumption reference",
        "",
        "Generated from the schema in `actuarial/assumptions.py` by `actuarial docs`; do not edit by hand.",
        "",
        "Dated parameters take `values: {year: value}`, `interpolation: step | linear` (default",
        "step: a value holds until the next given year), and `after_last: hold | {grow_rate: g} |",
        "{add_per_year: a}`. Every parameter states its `unit` (which must equal the unit below)",
        "and its `source`. Rates are fractions (0.08 for 8%).",
        "",
        "| parameter | kind | unit | valid range | meaning |",
        "|---|---|---|---|---|",
    ]

    def walk(model_cls, prefix):
        for name, info in model_cls.model_fields.items():
            extra = info.json_schema_extra if isinstance(info.json_schema_extra, dict) else {}
            ann = info.annotation
            inner = [t for t in getattr(ann, "__args__", ()) if isinstance(t, type) and issubclass(t, BaseModel)]
            if inner and not (isinstance(ann, type) and issubclass(ann, BaseModel)):
                ann = inner[0]   # Optional[Model]
            path = f"{prefix}{name}"
            if "spec" in extra:
                sp = extra["spec"]
                kind = {Dated: "dated", Scalar: "scalar", AR1: "AR(1): sigma"}[ann]
                if info.default is None:
                    kind += ", optional"
                lines.append(f"| `{path}` | {kind} | {sp.unit} | {sp.lo:g} to {sp.hi:g} | {sp.description} |")
            elif isinstance(ann, type) and issubclass(ann, BaseModel):
                walk(ann, path + ".")
            elif path.endswith("groups"):
                for gname, ginfo in RetirementGroup.model_fields.items():
                    lines.append(f"| `{path}.<name>.{gname}` | setting | | | {ginfo.description or ''} |")
            elif info.description:
                lines.append(f"| `{path}` | setting | | | {info.description} |")

    walk(AssumptionFile, "")
    lines.append("")
    lines.append("## Tables")
    lines.append("")
    for name, info in Tables.model_fields.items():
        lines.append(f"- `tables.{name}`: {info.description}")
    lines.append("")
    return "\n".join(lines)
