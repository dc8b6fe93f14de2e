"""Early warning: warning lines (风险预警线) as data, evaluated over a projection.

The pattern follows xclim: *indicators* (the registry in :mod:`actuarial.indicators`) compute a
quantity from a projection and declare its
units and name; *rules* judge an indicator against a line:

    levels: [red, orange, yellow]          # most severe first; the names are settings
    rules:
      - id: employee-reserves-red
        indicator: reserve_months
        scheme: employee
        comparison: below                  # or above
        threshold: 3
        level: red
        probability: 0.10                  # fires when P(breach) >= 10% in a year
        description: "employee pooled fund below {threshold:g} {units} of reserves"

A rule *breaches* in a draw and year when the indicator is on the wrong side of the threshold;
its breach probability in a year is the share of draws that breach (0 or 1 when the projection
is deterministic); it *fires* in a year when that probability reaches its trigger. The
description is a template that is filled with the threshold actually used, so a message always
states the line it was judged against.

:func:`evaluate` returns an :class:`AlertReport` with a Dataset over (rule, year) and a tidy
table, ordered by severity. :func:`default_rules` gives the documented defaults (DESIGN.md
section 7): employee pooled fund below 3 months (red) and 6 months (yellow), above 15 months
(excess surplus); resident current-year deficit; depletion of either fund; a low
active:retired ratio; a resident surplus rate above the 15% cap.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
from typing import Literal

import numpy as np
import pandas as pd
import xarray as xr
import yaml
from pydantic import BaseModel, ConfigDict, Field, field_validator

from .errors import ActuarialError, read_yaml, validate_mapping
from .indicators import INDICATORS, value
from .schemes import SCHEME_NAMES

# --------------------------------------------------------------------------------------------
# Rules
# --------------------------------------------------------------------------------------------


class AlertError(ActuarialError, ValueError):
    """A warning-rules file is malformed or contradictory."""


class Rule(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(pattern=r"^[A-Za-z0-9_.-]+$")
    indicator: str
    scheme: str | None = None
    comparison: Literal["below", "above"]
    threshold: float
    level: str
    probability: float = Field(0.10, gt=0, le=1,
                               description="fires in a year when the share of draws breaching reaches this")
    description: str

    @field_validator("threshold")
    @classmethod
    def _finite(cls, v):
        if not np.isfinite(v):
            raise ValueError("threshold must be a finite number")
        return v


class RuleSet(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    levels: list[str] = Field(min_length=1, description="level names, most severe first")
    rules: list[Rule] = Field(min_length=1)


def _check(ruleset: RuleSet, source: str) -> RuleSet:
    if len(set(ruleset.levels)) != len(ruleset.levels):
        raise AlertError(f"{source}: field 'levels': a level is named twice in {ruleset.levels}")
    seen = {}
    for i, rule in enumerate(ruleset.rules):
        where = f"{source}: rules[{i}] ({rule.id})"
        if rule.id in seen:
            raise AlertError(f"{where}: field 'id': '{rule.id}' is used by another rule")
        seen[rule.id] = rule
        if rule.indicator not in INDICATORS:
            raise AlertError(f"{where}: field 'indicator': unknown indicator '{rule.indicator}'; "
                             f"expected one of {sorted(INDICATORS)}")
        ind = INDICATORS[rule.indicator]
        if ind.per == "scheme" and rule.scheme not in SCHEME_NAMES:
            raise AlertError(f"{where}: field 'scheme': indicator '{rule.indicator}' needs a scheme, one of "
                             f"{list(SCHEME_NAMES)} (got {rule.scheme!r})")
        if ind.per is None and rule.scheme is not None:
            raise AlertError(f"{where}: field 'scheme': indicator '{rule.indicator}' has no scheme; "
                             f"leave it out (got '{rule.scheme}')")
        if not ind.over_years:
            raise AlertError(f"{where}: field 'indicator': '{rule.indicator}' summarises the horizon and has no "
                             f"value by year; warning lines judge indicators by year")
        lo, hi = ind.line_range
        if not lo <= rule.threshold <= hi:
            hint = (f"; {ind.units} '1' is a fraction: write {rule.threshold / 100:g} for {rule.threshold:g}%"
                    if ind.units == "1" and 1 < abs(rule.threshold) <= 100 else "")
            raise AlertError(f"{where}: field 'threshold': {rule.threshold:g} {ind.units} can never be a meaningful "
                             f"line for {rule.indicator}; expected a value from {lo:g} to {hi:g}{hint}")
        if rule.level not in ruleset.levels:
            raise AlertError(f"{where}: field 'level': unknown level '{rule.level}'; expected one of {ruleset.levels}")
        try:
            describe(rule)
        except (KeyError, IndexError, ValueError) as exc:
            raise AlertError(f"{where}: field 'description': the template {rule.description!r} cannot be filled "
                             f"({exc}); it may use {{threshold}}, {{units}}, {{scheme}}, {{probability}}, "
                             f"{{indicator}}") from None
    # contradictions: for one indicator, scheme and direction, a more severe level must have a
    # stricter line (lower when 'below', higher when 'above'), and one line one level
    rank = {name: k for k, name in enumerate(ruleset.levels)}
    groups: dict[tuple, list[Rule]] = {}
    for rule in ruleset.rules:
        groups.setdefault((rule.indicator, rule.scheme, rule.comparison), []).append(rule)
    for (indicator, scheme, comparison), members in groups.items():
        for a in members:
            for b in members:
                if a is b:
                    continue
                stricter = a.threshold < b.threshold if comparison == "below" else a.threshold > b.threshold
                if a.threshold == b.threshold and a.probability == b.probability and a.level != b.level:
                    raise AlertError(
                        f"{source}: rules '{a.id}' and '{b.id}' are contradictory: the same line "
                        f"({indicator} {comparison} {a.threshold:g}) with levels '{a.level}' and '{b.level}'")
                if rank[a.level] < rank[b.level] and not stricter and a.probability <= b.probability \
                        and a.threshold != b.threshold:
                    raise AlertError(
                        f"{source}: rules '{a.id}' ({a.level}, {comparison} {a.threshold:g}) and '{b.id}' "
                        f"({b.level}, {comparison} {b.threshold:g}) are contradictory: the more severe level "
                        f"must have the stricter line")
    return ruleset


def load_rules(path) -> RuleSet:
    """Read and check a warning-rules YAML file. Unknown keys, unknown indicators or levels and
    contradictory rules raise :class:`AlertError` naming the file, rule and field."""
    return rules_from_dict(read_yaml(path, AlertError, "warning-rules file"), source=str(path))


def rules_from_dict(raw, source: str = "<rules>") -> RuleSet:
    """Build and check a RuleSet from plain data (as read from YAML)."""
    def rule_id(loc):
        rules = raw.get("rules") if isinstance(raw, dict) and isinstance(raw.get("rules"), list) else []
        if len(loc) > 1 and loc[0] == "rules" and isinstance(loc[1], int) and loc[1] < len(rules) \
                and isinstance(rules[loc[1]], dict):
            return f" ({rules[loc[1]].get('id', '?')})"
        return ""
    ruleset = validate_mapping(RuleSet, raw, AlertError, source, "levels, rules (each rule: "
                               + ", ".join(Rule.model_fields) + ")", rule_id)
    return _check(ruleset, source)


def default_rules() -> RuleSet:
    """The documented default warning lines (``actuarial/default_warning_lines.yaml``)."""
    text = resources.files("actuarial").joinpath("default_warning_lines.yaml").read_text(encoding="utf-8")
    return rules_from_dict(yaml.safe_load(text), source="default_warning_lines.yaml")


def describe(rule: Rule) -> str:
    """The rule's description with the threshold actually used filled in."""
    ind = INDICATORS[rule.indicator]
    return rule.description.format(threshold=rule.threshold, units=ind.units, scheme=rule.scheme or "",
                                   probability=rule.probability, indicator=ind.long_name)


# --------------------------------------------------------------------------------------------
# Evaluation
# --------------------------------------------------------------------------------------------


@dataclass
class AlertReport:
    """The result of :func:`evaluate`.

    dataset : xarray.Dataset over (rule, year): ``probability`` of breach, ``fired``; per rule:
        ``level``, ``severity`` (0 = most severe), ``first_year`` (NaN if it never fires),
        ``message``.
    table : pandas.DataFrame, one row per rule, ordered by severity then first year.
    """

    dataset: xr.Dataset
    table: pd.DataFrame
    levels: list[str]

    def fired(self, level: str | None = None) -> pd.DataFrame:
        """The rules that fired (at ``level`` or more severe, when given)."""
        t = self.table[self.table["fired"]]
        if level is not None:
            t = t[t["severity"] <= self.levels.index(level)]
        return t

    def tidy(self) -> pd.DataFrame:
        """One row per rule and year: probability of breach and whether the rule fired."""
        return self.dataset[["probability", "fired"]].to_dataframe().reset_index()


def evaluate(projection: xr.Dataset, rules: RuleSet | None = None) -> AlertReport:
    """Judge a projection (deterministic or with draws; one region or several) against warning
    rules. With a ``region`` dimension every rule is judged in every region: the Dataset gains a
    ``region`` dim and the table one row per rule and region."""
    rules = default_rules() if rules is None else rules
    years = projection["year"].values
    stochastic = "draw" in projection.dims
    regions = projection["region"].values.tolist() if "region" in projection.dims else None
    probs, fired_rows, rows = [], [], []
    for rule in rules.rules:
        ind = INDICATORS[rule.indicator]
        da = value(projection, rule.indicator)
        if ind.per == "scheme":
            da = da.sel(scheme=rule.scheme)
        with np.errstate(invalid="ignore"):
            breach = (da < rule.threshold) if rule.comparison == "below" else (da > rule.threshold)
        breach = breach & da.notnull()
        p = breach.mean("draw") if stochastic else breach.astype(float)
        p = p.transpose(*(["region"] if regions else []), "year")
        fires = p >= rule.probability - 1e-12
        probs.append(p.values)
        fired_rows.append(fires.values)
        for k, region in enumerate(regions or [None]):
            pr = p.values[k] if regions else p.values
            rows.append(_row(rule, rules, ind, pr, years, stochastic, region))
    ids = [r.id for r in rules.rules]
    table = pd.DataFrame(rows)
    per_rule = table.drop_duplicates("rule")
    rdims = ("rule", "region", "year") if regions else ("rule", "year")
    coords = {"rule": ids, "year": years, **({"region": regions} if regions else {})}
    first = table["first_year"].to_numpy(dtype=float)
    ds = xr.Dataset(
        {
            "probability": (rdims, np.array(probs), {
                "units": "1", "long_name": "probability that the rule's line is breached in the year",
                "description": "share of draws breaching (0 or 1 for a deterministic projection)"}),
            "fired": (rdims, np.array(fired_rows), {
                "long_name": "breach probability at or above the rule's trigger"}),
            "level": ("rule", per_rule["level"].to_numpy(dtype=str)),
            "severity": ("rule", per_rule["severity"].to_numpy(), {"long_name": "0 = most severe level"}),
            "first_year": (rdims[:-1], first.reshape(len(ids), -1) if regions else first, {
                "units": "year", "long_name": "first year the rule fires (NaN if never)"}),
            "threshold": ("rule", per_rule["threshold"].to_numpy(dtype=float)),
            "message": (rdims[:-1], table["message"].to_numpy(dtype=str).reshape(len(ids), -1)
                        if regions else table["message"].to_numpy(dtype=str)),
        },
        coords=coords,
        attrs={"levels": ",".join(rules.levels), "draws": int(projection.sizes.get("draw", 1)),
               "assumption_hash": projection.attrs.get("assumption_hash", "")},
    )
    table = table.sort_values(["fired", "severity", "first_year"], ascending=[False, True, True],
                              na_position="last").reset_index(drop=True)
    if not regions:
        table = table.drop(columns="region")
    return AlertReport(ds, table, list(rules.levels))


def _row(rule: Rule, rules: RuleSet, ind, p: np.ndarray, years: np.ndarray, stochastic: bool, region) -> dict:
    """One rule's row of the alert table: whether and when it fires, and its message."""
    fires = p >= rule.probability - 1e-12
    first = years[np.argmax(fires)] if fires.any() else np.nan
    text = describe(rule) + (f" in {region}" if region is not None else "")
    if fires.any():
        i = int(np.argmax(fires))
        where = f"from {int(first)}" if fires[i:].all() else f"first in {int(first)}"
        chance = f" (probability {p[i]:.0%}, trigger {rule.probability:.0%})" if stochastic else ""
        message = (f"[{rule.level.upper()}] {text}: {where}{chance}; highest probability {p.max():.0%} in "
                   f"{int(years[np.argmax(p)])}" if stochastic else f"[{rule.level.upper()}] {text}: {where}")
    else:
        message = f"[ok] {text}: not reached by {int(years[-1])}" + (
            f" (highest probability {p.max():.0%})" if stochastic else "")
    return {
        "rule": rule.id, "region": region, "level": rule.level, "severity": rules.levels.index(rule.level),
        "scheme": rule.scheme or "", "indicator": rule.indicator, "comparison": rule.comparison,
        "threshold": rule.threshold, "units": ind.units, "trigger_probability": rule.probability,
        "fired": bool(fires.any()), "first_year": first,
        "max_probability": float(p.max()), "year_of_max": int(years[np.argmax(p)]),
        "message": message,
    }
