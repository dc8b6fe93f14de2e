"""Checks of a parsed assumption file beyond what pydantic's types say: units and valid ranges
from each parameter's :class:`~.fields.Spec`, AR(1) and correlation settings, retirement groups,
and the first given year of dated values. Every problem is an :class:`AssumptionError` naming
the file, field, value and what was expected."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from pydantic import BaseModel, ValidationError

from ..dims import MAX_HORIZON, SEXES
from ..errors import AssumptionError
from .fields import Dated, Scalar, Spec
from .schema import AR1, AssumptionFile, Correlation

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
    if any(len(row) != k for row in corr.matrix):
        raise AssumptionError(f"a row of the matrix does not have {k} entries", file=file, field=field,
                              expected="one row and one column per listed component")
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
    _check_employee_structure(cfg, file)
    if cfg.assistance is not None and cfg.assistance.cost_cv is None and cfg.critical_illness is None:
        raise AssumptionError("no spread of remaining cost per person is given", file=file,
                              field="assistance.cost_cv",
                              expected="assistance.cost_cv (e.g. 1.5) or a critical_illness section with cost_cv")
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


def _check_employee_structure(cfg: AssumptionFile, file: Path) -> None:
    """The retirement rule is given one way or the other; the flexible workers' income is split
    off either by their status or by a share, not both; the base ceiling is above the floor."""
    ret = cfg.demography.retirement
    if ret.share_meeting_minimum_contribution_years is None and ret.contribution_years is None:
        raise AssumptionError("required field is missing", file=file,
                              field="demography.retirement.share_meeting_minimum_contribution_years",
                              expected="a dated share, or a contribution_years section")
    flex = cfg.employee.flexible
    if flex is not None and cfg.employee.flexible_worker_share is not None:
        raise AssumptionError("flexible_worker_share splits income the flexible status already carries", file=file,
                              field="employee.flexible_worker_share",
                              expected="no flexible_worker_share when employee.flexible is given")
    if flex is not None and flex.base_ceiling.value <= flex.base_floor.value:
        raise AssumptionError(f"base_ceiling {flex.base_ceiling.value:g} is not above base_floor "
                              f"{flex.base_floor.value:g}", file=file, field="employee.flexible.base_ceiling",
                              expected="a ceiling above the floor (300% and 60% of the average wage nationally)")


def check_flexible_tables(cfg: AssumptionFile, tables: dict, folder: Path) -> None:
    """Flexible workers in the tables (persons or entries) need the employee.flexible section
    that says what they pay."""
    if cfg.employee.flexible is not None:
        return
    for key, has in (("population", float(tables["population"].sel(status="flexible").sum()) > 0),
                     ("transitions", float(tables["transitions"]["flexible_entry"].sum()) > 0)):
        if has:
            raise AssumptionError("flexible workers are in the table but the assumption file has no "
                                  "employee.flexible section", file=folder / getattr(cfg.tables, key), field="flexible",
                                  expected="an employee.flexible section (their base, rate and account rule), "
                                           "or no flexible rows and rates")


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



# --------------------------------------------------------------------------------------------
# Plausibility: valid but unusual values stop the load unless accepted.
# --------------------------------------------------------------------------------------------

CROSS_CHECKS = {
    "tables.population": "size of the city's population and the share insured",
    "income_vs_spending.employee": "base-year employee income (base x rate x members) against its spending",
    "income_vs_spending.resident": "base-year resident income ((premium + subsidy) x enrolled) against its spending",
}


def spec_paths(model_cls=None, prefix: str = "") -> dict[str, Spec]:
    """Every parameter path the schema defines (present in a file or not) and its Spec."""
    model_cls = model_cls or AssumptionFile
    out = {}
    for name, info in model_cls.model_fields.items():
        extra = info.json_schema_extra if isinstance(info.json_schema_extra, dict) else {}
        if "spec" in extra:
            out[prefix + name] = extra["spec"]
            continue
        ann = info.annotation
        inner = [t for t in getattr(ann, "__args__", ()) if isinstance(t, type) and issubclass(t, BaseModel)]
        cls = ann if isinstance(ann, type) and issubclass(ann, BaseModel) else (inner[0] if inner else None)
        if cls is not None:
            out.update(spec_paths(cls, f"{prefix}{name}."))
    return out


def check_accept_list(cfg: AssumptionFile, file: Path, extra=()) -> set[str]:
    """The fields accepted as unusual (the file's ``accept_unusual`` and ``extra`` from the
    command line); an entry that names no parameter or cross-check is an error (a misspelt
    entry would otherwise silently accept nothing)."""
    known = set(spec_paths()) | set(CROSS_CHECKS)
    accept = list(cfg.accept_unusual) + list(extra)
    for item in accept:
        if item not in known:
            import difflib
            near = difflib.get_close_matches(str(item), sorted(known), n=1, cutoff=0.6)
            raise AssumptionError(
                f"'{item}' names no parameter or cross-check", file=file, field="accept_unusual",
                expected=(f"a dotted path such as {near[0]} (did you mean it?)" if near else
                          "a dotted parameter path (docs/assumption-reference.md) or one of " + ", ".join(CROSS_CHECKS)))
    return set(accept)


def unusual(message: str, *, file: Path, field: str, accept_as: str) -> AssumptionError:
    """The error for an implausible value, saying how to confirm it."""
    return AssumptionError(
        f"{message}; if it is right, list {accept_as} under accept_unusual in assumptions.yaml "
        f"(or pass --accept-unusual {accept_as})", file=file, field=field)


def check_plausible(cfg: AssumptionFile, file: Path, accept: set[str]) -> None:
    """Stop at the first value outside its parameter's plausible range (see
    :meth:`Spec.check_plausible`) whose parameter is not in ``accept``."""
    for path, sp, param in walk_specs(cfg):
        if path in accept or isinstance(param, AR1) and param.sigma is None:
            continue
        items = ([("sigma", param.sigma)] if isinstance(param, AR1) else
                 [("value", param.value)] if isinstance(param, Scalar) else
                 [(f"values.{y}", v) for y, v in param.values.items()])
        for where, v in items:
            msg = sp.check_plausible(float(v))
            if msg:
                raise unusual(msg, file=file, field=f"{path}.{where}", accept_as=path)
