"""Checks of a parsed assumption file beyond what pydantic's types say: units and valid ranges
from each parameter's :class:`~.schema.Spec`, AR(1) and correlation settings, retirement groups,
and the first given year of dated values. Every problem is an :class:`AssumptionError` naming
the file, field, value and what was expected."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from pydantic import BaseModel, ValidationError

from ..dims import MAX_HORIZON, SEXES
from ..errors import AssumptionError
from .schema import AR1, AssumptionFile, Correlation, Dated, Scalar, Spec

def walk_specs(model: BaseModel, prefix: str = ""):
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
            yield from walk_specs(value, path + ".")
        elif isinstance(value, dict):
            for key, item in value.items():
                if isinstance(item, BaseModel):
                    yield from walk_specs(item, f"{path}.{key}.")


def check_specs(cfg: AssumptionFile, file: Path) -> None:
    for path, sp, param in walk_specs(cfg):
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
        if param.overlays:   # every year a projection can reach must stay in range
            years = cfg.base_year + np.arange(MAX_HORIZON + 3)
            for year, v in zip(years, param.resolve(years)):
                msg = sp.check(float(v))
                if msg:
                    note = param.overlays[-1].note
                    raise AssumptionError(f"{msg} in {int(year)}" + (f" (after: {note})" if note else ""),
                                          file=file, field=f"{path}.overlays")


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


def check_consistency(cfg: AssumptionFile, file: Path) -> None:
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
    for path, _sp, param in walk_specs(cfg):
        if isinstance(param, Dated) and min(param.values) > base:
            raise AssumptionError(
                f"first value is for {min(param.values)}, after the base year {base}",
                file=file, field=f"{path}.values", expected=f"a value for {base} or earlier")


def format_pydantic(err: ValidationError, file: Path) -> AssumptionError:
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

