"""Early warning: warning lines (风险预警线) as data, evaluated over a projection.

The pattern follows xclim: *indicators* (the registry in :mod:`actuarial.indicators`) compute a
quantity from a projection and declare its units and name; *rules* judge an indicator against a line:

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

Compound conditions and persistence: ``all_of: [{indicator, comparison, threshold}, ...]``
must all hold (A and B; comparisons ``below`` <, ``above`` >, ``at_least`` >=, ``at_most`` <=,
so a band is two conditions; each condition's scheme defaults to the rule's), and
``persistence: n`` breaches only after n consecutive periods on the wrong side. Rules run on
projections (``year`` dim) and on monthly actuals (``period`` dim, YYYY-MM: the Dataset of
:func:`actuarial.operations.monthly_indicators.monthly_indicators`), as each rule's
``applies_to`` says (default ``[projection]``).

:func:`evaluate` returns an :class:`AlertReport` with a Dataset over (rule, year) and a tidy
table, ordered by severity. :func:`default_rules` gives the documented graded defaults
(``default_warning_lines.yaml``; sources in its comments and docs/operations.md).
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
from typing import Literal

import numpy as np
import pandas as pd
import xarray as xr
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from .errors import ActuarialError, parse_yaml, read_yaml, validate_mapping
from .indicators import INDICATORS, value
from .schemes import SCHEME_NAMES

Comparison = Literal["below", "above", "at_least", "at_most"]
SYMBOL = {"below": "<", "above": ">", "at_least": ">=", "at_most": "<="}

# --------------------------------------------------------------------------------------------
# Rules
# --------------------------------------------------------------------------------------------


class AlertError(ActuarialError, ValueError):
    """A warning-rules file is malformed or contradictory."""


def _finite_threshold(v):
    if v is not None and not np.isfinite(v):
        raise ValueError("threshold must be a finite number")
    return v


class Condition(BaseModel):
    """One condition of a compound rule; its scheme defaults to the rule's."""
    model_config = ConfigDict(extra="forbid", frozen=True)

    indicator: str
    comparison: Comparison
    threshold: float
    scheme: str | None = None

    _finite = field_validator("threshold")(classmethod(lambda cls, v: _finite_threshold(v)))


class Rule(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(pattern=r"^[A-Za-z0-9_.-]+$")
    indicator: str | None = None
    scheme: str | None = None
    comparison: Comparison | None = None
    threshold: float | None = None
    all_of: list[Condition] | None = Field(None, min_length=1,
                                           description="conditions that must all hold (instead of one indicator)")
    persistence: int = Field(1, ge=1, le=120, description="consecutive periods breaching before the rule breaches")
    applies_to: list[Literal["projection", "monthly"]] = Field(["projection"], min_length=1)
    level: str
    probability: float = Field(0.10, gt=0, le=1,
                               description="fires in a year when the share of draws breaching reaches this")
    description: str

    _finite = field_validator("threshold")(classmethod(lambda cls, v: _finite_threshold(v)))

    @model_validator(mode="after")
    def _one_form(self):
        single = (self.indicator, self.comparison, self.threshold)
        if self.all_of is None and any(v is None for v in single):
            raise ValueError("give indicator, comparison and threshold, or all_of (a list of conditions)")
        if self.all_of is not None and any(v is not None for v in single):
            raise ValueError("give either indicator/comparison/threshold or all_of, not both")
        return self

    @property
    def conditions(self) -> list[Condition]:
        """The rule's conditions (one for a simple rule), each with its scheme."""
        raw = self.all_of or [Condition(indicator=self.indicator, comparison=self.comparison,
                                        threshold=self.threshold)]
        return [c if c.scheme else c.model_copy(update={"scheme": self.scheme}) for c in raw]

    @property
    def simple(self) -> bool:
        return self.all_of is None and self.persistence == 1


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
        for c in rule.conditions:
            _check_condition(c, rule, where)
        if rule.level not in ruleset.levels:
            raise AlertError(f"{where}: field 'level': unknown level '{rule.level}'; expected one of {ruleset.levels}")
        try:
            describe(rule)
        except (KeyError, IndexError, ValueError) as exc:
            raise AlertError(f"{where}: field 'description': the template {rule.description!r} cannot be filled "
                             f"({exc}); it may use {{threshold}}, {{units}}, {{scheme}}, {{probability}}, "
                             f"{{indicator}}, {{persistence}}, {{points}}, {{t0}}, {{t1}}, {{p0}}, {{p1}}...") from None
    # contradictions: for one indicator, scheme and direction, a more severe level must have a
    # stricter line (lower when 'below', higher when 'above'), and one line one level
    rank = {name: k for k, name in enumerate(ruleset.levels)}
    groups: dict[tuple, list[Rule]] = {}
    for rule in ruleset.rules:
        if rule.simple and rule.comparison in ("below", "above"):
            groups.setdefault((rule.indicator, rule.scheme, rule.comparison, tuple(rule.applies_to)), []).append(rule)
    for (indicator, scheme, comparison, _), members in groups.items():
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


def _check_condition(c: Condition, rule: Rule, where: str) -> None:
    if c.indicator not in INDICATORS:
        raise AlertError(f"{where}: field 'indicator': unknown indicator '{c.indicator}'; "
                         f"expected one of {sorted(INDICATORS)}")
    ind = INDICATORS[c.indicator]
    if ind.per == "scheme" and c.scheme not in SCHEME_NAMES:
        raise AlertError(f"{where}: field 'scheme': indicator '{c.indicator}' needs a scheme, one of "
                         f"{list(SCHEME_NAMES)} (got {c.scheme!r})")
    if ind.per is None and c.scheme is not None:
        raise AlertError(f"{where}: field 'scheme': indicator '{c.indicator}' has no scheme; "
                         f"leave it out (got '{c.scheme}')")
    if not ind.over_years:
        raise AlertError(f"{where}: field 'indicator': '{c.indicator}' summarises the horizon and has no "
                         f"value by year; warning lines judge indicators by year")
    if "monthly" in rule.applies_to and "monthly" not in ind.applies_to:
        monthly = sorted(i.identifier for i in INDICATORS.values() if "monthly" in i.applies_to)
        raise AlertError(f"{where}: field 'indicator': '{c.indicator}' is not computed on monthly actuals; "
                         f"expected one of {monthly} or applies_to: [projection]")
    if "projection" in rule.applies_to and "projection" not in ind.applies_to:
        raise AlertError(f"{where}: field 'indicator': '{c.indicator}' exists on monthly actuals only; "
                         f"expected applies_to: [monthly]")
    lo, hi = ind.line_range
    if not lo <= c.threshold <= hi:
        hint = (f"; {ind.units} '1' is a fraction: write {c.threshold / 100:g} for {c.threshold:g}%"
                if ind.units == "1" and 1 < abs(c.threshold) <= 100 else "")
        raise AlertError(f"{where}: field 'threshold': {c.threshold:g} {ind.units} can never be a meaningful "
                         f"line for {c.indicator}; expected a value from {lo:g} to {hi:g}{hint}")


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
    return rules_from_dict(parse_yaml(text), source="default_warning_lines.yaml")


def describe(rule: Rule) -> str:
    """The rule's description with the thresholds actually used filled in: ``{threshold}``,
    ``{units}``, ``{indicator}`` of the first condition; ``{t0}``, ``{t1}``... each condition's
    threshold and ``{points}``, ``{p0}``, ``{p1}``... the same x 100 (percentage points);
    ``{scheme}``, ``{probability}``, ``{persistence}``."""
    cs = rule.conditions
    ind = INDICATORS[cs[0].indicator]
    return rule.description.format(threshold=cs[0].threshold, units=ind.units, scheme=rule.scheme or "",
                                   probability=rule.probability, indicator=ind.long_name,
                                   persistence=rule.persistence, points=100 * cs[0].threshold,
                                   **{f"t{k}": c.threshold for k, c in enumerate(cs)},
                                   **{f"p{k}": 100 * c.threshold for k, c in enumerate(cs)})


def conditions_text(rule: Rule) -> str:
    """The rule's conditions in symbols, e.g. ``resident surplus_rate < 0 and resident
    reserve_months < 6, 3 periods running``."""
    text = " and ".join(f"{c.scheme + ' ' if c.scheme else ''}{c.indicator} {SYMBOL[c.comparison]} {c.threshold:g}"
                        for c in rule.conditions)
    return text + (f", {rule.persistence} periods running" if rule.persistence > 1 else "")


# --------------------------------------------------------------------------------------------
# Evaluation
# --------------------------------------------------------------------------------------------


@dataclass
class AlertReport:
    """The result of :func:`evaluate`.

    dataset : xarray.Dataset over (rule, year) for a projection or (rule, period) for monthly
        actuals: ``probability`` of breach, ``fired``; per rule: ``level``, ``severity`` (0 = most
        severe), ``first_year`` (NaN if it never fires; ``first_period`` for monthly), ``message``.
    table : pandas.DataFrame, one row per rule, ordered by severity then first year; ``fired_last``
        says whether it fires in the last period (the report month of monthly actuals).
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

    def current(self) -> pd.DataFrame:
        """The rules firing in the last period (the report month of monthly actuals)."""
        return self.table[self.table["fired_last"]]

    def tidy(self) -> pd.DataFrame:
        """One row per rule and year: probability of breach and whether the rule fired."""
        return self.dataset[["probability", "fired"]].to_dataframe().reset_index()


_COMPARE = {"below": np.less, "above": np.greater, "at_least": np.greater_equal, "at_most": np.less_equal}


def _condition_breach(data: xr.Dataset, c: Condition, monthly: bool, indicators: dict) -> xr.DataArray:
    """Where the condition holds (a missing value never breaches), on the indicator's dims and
    coordinates. The comparison is made on the values (one array, no labels to align): the
    xarray operators took half of :func:`evaluate`'s time. ``indicators`` keeps each indicator
    computed for one evaluation (several rules judge the same one)."""
    if monthly:
        da = data[c.indicator]
    else:
        if c.indicator not in indicators:
            indicators[c.indicator] = value(data, c.indicator)
        da = indicators[c.indicator]
    if INDICATORS[c.indicator].per == "scheme":
        da = da.sel(scheme=c.scheme)
    v = np.asarray(da.values)
    with np.errstate(invalid="ignore"):
        breach = _COMPARE[c.comparison](v, c.threshold)
    return da.copy(data=breach & ~pd.isna(v))


def _persisting(breach: xr.DataArray, n: int, tdim: str) -> xr.DataArray:
    """True where the last ``n`` periods along ``tdim`` (this one included) all breached."""
    if n == 1:
        return breach
    b = breach.transpose(..., tdim)
    run = np.zeros(b.shape, dtype=int)
    values = b.values
    for t in range(values.shape[-1]):      # periods in order: each run needs the one before
        run[..., t] = np.where(values[..., t], (run[..., t - 1] if t else 0) + 1, 0)
    return b.copy(data=run >= n)


def evaluate(projection: xr.Dataset, rules: RuleSet | None = None) -> AlertReport:
    """Judge a projection (deterministic or with draws; one region or several) or monthly
    actuals (a Dataset with a ``period`` dim) against warning rules; rules whose ``applies_to``
    leaves out the kind of data are skipped. With a ``region`` dimension every rule is judged in
    every region: the Dataset gains a ``region`` dim and the table one row per rule and region."""
    rules = default_rules() if rules is None else rules
    monthly = "period" in projection.dims
    tdim = "period" if monthly else "year"
    years = projection[tdim].values
    stochastic = "draw" in projection.dims
    regions = projection["region"].values.tolist() if "region" in projection.dims else None
    kind = "monthly" if monthly else "projection"
    chosen = [r for r in rules.rules if kind in r.applies_to]
    if not chosen:
        raise AlertError(f"no warning rule applies to {'monthly actuals' if monthly else 'projections'}; "
                         f"expected rules with applies_to: [{kind}] (the default is [projection])")
    probs, fired_rows, rows, indicators = [], [], [], {}
    for rule in chosen:
        breach = None
        for c in rule.conditions:
            b = _condition_breach(projection, c, monthly, indicators)
            breach = b if breach is None else breach & b
        breach = _persisting(breach, rule.persistence, tdim)
        p = breach.mean("draw") if stochastic else breach.astype(float)
        p = p.transpose(*(["region"] if regions else []), tdim)
        fires = p >= rule.probability - 1e-12
        probs.append(p.values)
        fired_rows.append(fires.values)
        for k, region in enumerate(regions or [None]):
            pr = p.values[k] if regions else p.values
            rows.append(_row(rule, rules, pr, years, stochastic, region, monthly))
    ids = [r.id for r in chosen]
    table = pd.DataFrame(rows)
    per_rule = table.drop_duplicates("rule")
    rdims = ("rule", "region", tdim) if regions else ("rule", tdim)
    coords = {"rule": ids, tdim: years, **({"region": regions} if regions else {})}
    first_name = "first_period" if monthly else "first_year"
    first = table[first_name].to_numpy(dtype=str if monthly else float)
    ds = xr.Dataset(
        {
            "probability": (rdims, np.array(probs), {
                "units": "1", "long_name": f"probability that the rule's line is breached in the {tdim}",
                "description": "share of draws breaching for the rule's persistence (0 or 1 without draws)"}),
            "fired": (rdims, np.array(fired_rows), {
                "long_name": "breach probability at or above the rule's trigger"}),
            "level": ("rule", per_rule["level"].to_numpy(dtype=str)),
            "severity": ("rule", per_rule["severity"].to_numpy(), {"long_name": "0 = most severe level"}),
            first_name: (rdims[:-1], first.reshape(len(ids), -1) if regions else first, {
                "units": "" if monthly else "year", "long_name": f"first {tdim} the rule fires (empty or NaN if never)"}),
            "threshold": ("rule", per_rule["threshold"].to_numpy(dtype=float)),
            "message": (rdims[:-1], table["message"].to_numpy(dtype=str).reshape(len(ids), -1)
                        if regions else table["message"].to_numpy(dtype=str)),
        },
        coords=coords,
        attrs={"levels": ",".join(rules.levels), "draws": int(projection.sizes.get("draw", 1)),
               "assumption_hash": projection.attrs.get("assumption_hash", "")},
    )
    table = table.sort_values(["fired", "severity", first_name], ascending=[False, True, True],
                              na_position="last").reset_index(drop=True)
    if not regions:
        table = table.drop(columns="region")
    return AlertReport(ds, table, list(rules.levels))


def _row(rule: Rule, rules: RuleSet, p: np.ndarray, years: np.ndarray, stochastic: bool, region,
         monthly: bool = False) -> dict:
    """One rule's row of the alert table: whether and when it fires, and its message."""
    fires = p >= rule.probability - 1e-12
    label = (lambda t: str(t)) if monthly else (lambda t: str(int(t)))
    first = years[np.argmax(fires)] if fires.any() else ("" if monthly else np.nan)
    text = describe(rule) + (f" in {region}" if region is not None else "")
    if not rule.simple:
        text += f" [{conditions_text(rule)}]"
    if fires.any():
        i = int(np.argmax(fires))
        where = f"from {label(first)}" if fires[i:].all() else f"first in {label(first)}"
        if monthly and fires[i:].all() and i == 0:
            where = f"in every month judged, {label(first)} to {label(years[-1])}"
        chance = f" (probability {p[i]:.0%}, trigger {rule.probability:.0%})" if stochastic else ""
        message = (f"[{rule.level.upper()}] {text}: {where}{chance}; highest probability {p.max():.0%} in "
                   f"{label(years[np.argmax(p)])}" if stochastic else f"[{rule.level.upper()}] {text}: {where}")
        if monthly and not fires[-1]:
            message += f"; not in {label(years[-1])}"
    else:
        message = f"[ok] {text}: not reached by {label(years[-1])}" + (
            f" (highest probability {p.max():.0%})" if stochastic else "")
    c0 = rule.conditions[0]
    return {
        "rule": rule.id, "region": region, "level": rule.level, "severity": rules.levels.index(rule.level),
        "scheme": rule.scheme or c0.scheme or "",
        "indicator": c0.indicator,
        "comparison": c0.comparison, "threshold": c0.threshold, "units": INDICATORS[c0.indicator].units,
        "conditions": conditions_text(rule), "persistence": rule.persistence,
        "trigger_probability": rule.probability,
        "fired": bool(fires.any()), "fired_last": bool(fires[-1]),
        ("first_period" if monthly else "first_year"): first,
        "max_probability": float(p.max()),
        ("period_of_max" if monthly else "year_of_max"): years[np.argmax(p)] if monthly else int(years[np.argmax(p)]),
        "message": message,
    }
