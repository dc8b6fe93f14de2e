"""The graded warning system: compound conditions, persistence, projections and monthly actuals.

A rule judges one or more *conditions* on indicators, all of which must hold (A and B), for
``persistence`` consecutive periods (years of a projection, months of the ledger)::

    - id: resident-deficit-low-reserves
      scheme: resident                 # the conditions' default scheme
      all_of:
        - {indicator: surplus_rate, comparison: below, threshold: 0}
        - {indicator: reserve_months, comparison: below, threshold: 6}
      persistence: 1
      level: red
      probability: 0.10                # share of draws that must breach (projections)
      applies_to: [projection, monthly]
      description: "..."

A single condition may be written on the rule itself (``indicator``, ``comparison``,
``threshold``). Comparisons: ``below`` (<), ``above`` (>), ``at_least`` (>=), ``at_most``
(<=), so a band is two conditions. In each draw and period a rule *breaches* when every
condition holds; it *persists* when it has breached for ``persistence`` periods running
(counted within the data given); its probability in a period is the share of draws
persisting, and it *fires* when that reaches ``probability``.

Indicators come from the indicator table :data:`PROJECTION_INDICATORS` for projections (the
package's declared indicators plus growth and per-member ones) and from the variables of
:func:`~actuarial.operations.monthly_indicators.monthly_indicators` for monthly actuals.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
from typing import Literal

import numpy as np
import pandas as pd
import xarray as xr
import yaml
from pydantic import BaseModel, ConfigDict, Field, model_validator

from .. import alerts
from ..errors import read_yaml, validate_mapping
from .monthly_indicators import ATTRS as MONTHLY_ATTRS

Comparison = Literal["below", "above", "at_least", "at_most"]
SYMBOL = {"below": "<", "above": ">", "at_least": ">=", "at_most": "<="}


def _growth(da: xr.DataArray) -> xr.DataArray:
    return da / da.shift(year=1) - 1


def _per_member(ds: xr.Dataset, var: str) -> xr.DataArray:
    return _growth(ds[var] / ds["insured"].where(ds["insured"] > 0))


#: indicator -> (per scheme, units, compute on a projection)
PROJECTION_INDICATORS = {name: (ind.per_scheme, ind.units, ind.compute) for name, ind in alerts.INDICATORS.items()}
PROJECTION_INDICATORS.update({
    "income_growth": (True, "1", lambda ds: _growth(ds["income"])),
    "growth_gap": (True, "1", lambda ds: _growth(ds["spending"]) - _growth(ds["income"])),
    "spending_per_member_growth": (True, "1", lambda ds: _per_member(ds, "spending")),
    "income_per_member_growth": (True, "1", lambda ds: _per_member(ds, "income")),
    "coverage": (False, "1", lambda ds: ds["insured"].sum("scheme") / ds["population_total"].sum(("status", "sex"))),
})


class WarningRuleError(alerts.AlertError):
    """A graded warning-rules file is malformed or names an unknown indicator or level."""


class Condition(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    indicator: str
    comparison: Comparison
    threshold: float
    scheme: Literal["employee", "resident"] | None = None


class GradedRule(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    id: str = Field(pattern=r"^[A-Za-z0-9_.-]+$")
    level: str
    description: str
    scheme: Literal["employee", "resident"] | None = None
    indicator: str | None = None
    comparison: Comparison | None = None
    threshold: float | None = None
    all_of: list[Condition] | None = None
    persistence: int = Field(1, ge=1, le=60)
    probability: float = Field(0.10, gt=0, le=1)
    applies_to: list[Literal["projection", "monthly"]] = ["projection", "monthly"]

    @model_validator(mode="after")
    def _one_form(self):
        single = [self.indicator, self.comparison, self.threshold]
        if self.all_of is None and any(v is None for v in single):
            raise ValueError("give indicator, comparison and threshold, or all_of: [conditions]")
        if self.all_of is not None and any(v is not None for v in single):
            raise ValueError("give either indicator/comparison/threshold or all_of, not both")
        return self

    @property
    def conditions(self) -> list[Condition]:
        raw = self.all_of or [Condition(indicator=self.indicator, comparison=self.comparison,
                                        threshold=self.threshold)]
        return [c if c.scheme else c.model_copy(update={"scheme": self.scheme}) for c in raw]


class GradedRuleSet(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    levels: list[str] = Field(min_length=1)
    rules: list[GradedRule] = Field(min_length=1)


def _check(rs: GradedRuleSet, source: str) -> GradedRuleSet:
    ids = set()
    for i, rule in enumerate(rs.rules):
        where = f"{source}: rules[{i}] ({rule.id})"
        if rule.id in ids:
            raise WarningRuleError(f"{where}: field 'id': '{rule.id}' is used by another rule")
        ids.add(rule.id)
        if rule.level not in rs.levels:
            raise WarningRuleError(f"{where}: field 'level': unknown level '{rule.level}'; expected one of {rs.levels}")
        for c in rule.conditions:
            known = [k for k, kinds in (("projection", PROJECTION_INDICATORS), ("monthly", MONTHLY_ATTRS))
                     if k in rule.applies_to and c.indicator in kinds]
            if len(known) != len(rule.applies_to):
                raise WarningRuleError(f"{where}: field 'indicator': '{c.indicator}' is not computed for "
                                       f"{[k for k in rule.applies_to if k not in known]}; projection indicators: "
                                       f"{sorted(PROJECTION_INDICATORS)}; monthly: {sorted(MONTHLY_ATTRS)}")
            per_scheme = PROJECTION_INDICATORS.get(c.indicator, (True,))[0]
            if per_scheme and c.scheme is None:
                raise WarningRuleError(f"{where}: field 'scheme': indicator '{c.indicator}' needs a scheme")
        try:
            describe(rule)
        except (KeyError, IndexError, ValueError) as exc:
            raise WarningRuleError(f"{where}: field 'description': cannot be filled ({exc})") from None
    return rs


def rules_from_dict(raw, source: str = "<rules>") -> GradedRuleSet:
    rs = validate_mapping(GradedRuleSet, raw, WarningRuleError, source,
                          "levels, rules (each rule: " + ", ".join(GradedRule.model_fields) + ")")
    return _check(rs, source)


def load_rules(path) -> GradedRuleSet:
    """Read and check a graded warning-rules YAML file."""
    return rules_from_dict(read_yaml(path, WarningRuleError, "warning-rules file"), source=str(path))


def default_rules() -> GradedRuleSet:
    """The shipped graded defaults (``actuarial/operations/graded_warning_lines.yaml``)."""
    text = resources.files("actuarial.operations").joinpath("graded_warning_lines.yaml").read_text(encoding="utf-8")
    return rules_from_dict(yaml.safe_load(text), source="graded_warning_lines.yaml")


def describe(rule: GradedRule) -> str:
    """The description with its thresholds filled in: ``{threshold}`` (the first condition's),
    ``{t0}``, ``{t1}``... (each condition's), ``{points}``, ``{p0}``... (the same x 100, for
    percentage points), ``{persistence}``, ``{scheme}``."""
    cs = rule.conditions
    text = rule.description.format(threshold=cs[0].threshold, points=100 * cs[0].threshold,
                                   persistence=rule.persistence, scheme=rule.scheme or "",
                                   **{f"t{k}": c.threshold for k, c in enumerate(cs)},
                                   **{f"p{k}": 100 * c.threshold for k, c in enumerate(cs)})
    return text


def conditions_text(rule: GradedRule) -> str:
    parts = [f"{c.scheme + ' ' if c.scheme else ''}{c.indicator} {SYMBOL[c.comparison]} {c.threshold:g}"
             for c in rule.conditions]
    return " and ".join(parts) + (f", {rule.persistence} periods running" if rule.persistence > 1 else "")


def _indicator(data: xr.Dataset, name: str, scheme: str | None, kind: str) -> xr.DataArray:
    if kind == "monthly":
        da = data[name]
    else:
        per, _, compute = PROJECTION_INDICATORS[name]
        da = compute(data)
    return da.sel(scheme=scheme) if "scheme" in da.dims and scheme else da


def _compare(da: xr.DataArray, c: Condition) -> xr.DataArray:
    v = da.fillna(np.nan)
    out = {"below": v < c.threshold, "above": v > c.threshold, "at_least": v >= c.threshold,
           "at_most": v <= c.threshold}[c.comparison]
    return out & da.notnull()


def _persist(breach: np.ndarray, n: int) -> np.ndarray:
    """True where the last ``n`` periods (last axis) all breached."""
    run = np.zeros(breach.shape, dtype=int)
    for t in range(breach.shape[-1]):
        run[..., t] = np.where(breach[..., t], (run[..., t - 1] if t else 0) + 1, 0)
    return run >= n


@dataclass
class GradedReport:
    """Result of :func:`evaluate`: ``dataset`` over (rule, time) with ``probability`` and
    ``fired``; ``table`` one row per rule (fired first, most severe first)."""

    dataset: xr.Dataset
    table: pd.DataFrame
    levels: list[str]
    time_dim: str

    def current(self) -> pd.DataFrame:
        """The rules firing in the last period (the report month of monthly actuals)."""
        return self.table[self.table["fired_last"]]


def evaluate(data: xr.Dataset, rules: GradedRuleSet | None = None) -> GradedReport:
    """Judge a projection (``year`` dim, optional ``draw``) or monthly indicators (``period``
    dim) against graded rules; rules that do not apply to the kind of data are left out."""
    rules = default_rules() if rules is None else rules
    kind = "monthly" if "period" in data.dims else "projection"
    tdim = "period" if kind == "monthly" else "year"
    times = data[tdim].values
    probs, fired, rows = [], [], []
    for rule in [r for r in rules.rules if kind in r.applies_to]:
        breach = None
        for c in rule.conditions:
            b = _compare(_indicator(data, c.indicator, c.scheme, kind), c)
            breach = b if breach is None else breach & b
        breach = breach.transpose(..., tdim)
        arr = breach.values.reshape(-1, times.size)
        p = _persist(arr, rule.persistence).mean(axis=0)
        f = p >= rule.probability - 1e-12
        first = times[np.argmax(f)] if f.any() else None
        text, cond = describe(rule), conditions_text(rule)
        stochastic = arr.shape[0] > 1
        if f.any():
            chance = f" (probability {p[np.argmax(f)]:.0%})" if stochastic else ""
            msg = f"[{rule.level.upper()}] {text} [{cond}]: first in {first}{chance}" + (
                "" if f[-1] else f", not in {times[-1]}")
        else:
            msg = f"[ok] {text} [{cond}]: not reached" + (f" (highest probability {p.max():.0%})" if stochastic else "")
        probs.append(p)
        fired.append(f)
        rows.append({"rule": rule.id, "level": rule.level, "severity": rules.levels.index(rule.level),
                     "scheme": rule.scheme or "", "conditions": cond, "persistence": rule.persistence,
                     "fired": bool(f.any()), "fired_last": bool(f[-1]), "first": first,
                     "probability_last": float(p[-1]), "max_probability": float(p.max()), "message": msg})
    table = pd.DataFrame(rows)
    ds = xr.Dataset({"probability": (("rule", tdim), np.array(probs), {"units": "1", "long_name":
                                     "share of draws where the rule's conditions held for its persistence"}),
                     "fired": (("rule", tdim), np.array(fired))},
                    coords={"rule": table["rule"].to_numpy(), tdim: times}, attrs={"levels": ",".join(rules.levels)})
    table = table.sort_values(["fired_last", "fired", "severity"], ascending=[False, False, True]).reset_index(drop=True)
    return GradedReport(ds, table, list(rules.levels), tdim)
