"""Scenarios: named lists of levers, projected side by side.

:func:`compare` projects the baseline and every scenario with the *same* random draws (common
random numbers: one seed, one stream per source), stacked along a ``scenario`` dimension, so
a difference between scenarios is the policy's effect and not noise; a scenario that changes
only money assumptions reuses the baseline's population (:class:`~actuarial.engine.reuse.Projector`). :func:`sensitivity` shifts
one assumption at a time for a tornado table.
"""

from __future__ import annotations

import pandas as pd
import xarray as xr
from pydantic import BaseModel, ConfigDict, Field

from ..errors import read_yaml, validate_mapping
from ..params import Assumptions
from ..engine.executors import progress
from ..engine.reuse import Projector
from ..uncertainty import SOURCES
from .levers import LeverSpec, ScenarioError, apply_lever

class Scenario(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    description: str = ""
    levers: list[LeverSpec] = Field(default_factory=list)


def apply_scenario(a: Assumptions, scenario: Scenario | dict, horizon: int) -> Assumptions:
    """Apply a scenario's levers in order."""
    if isinstance(scenario, dict):
        scenario = validate_mapping(Scenario, scenario, ScenarioError, "<scenario>", "description, levers")
    for spec in scenario.levers:
        a = apply_lever(a, spec, horizon)
    return a


def load_scenarios(path) -> dict[str, Scenario]:
    """Read ``scenarios:`` from a YAML file (a scenarios file or a projection job)."""
    raw = read_yaml(path, ScenarioError, "scenarios file")
    if not isinstance(raw, dict) or not isinstance(raw.get("scenarios"), dict):
        raise ScenarioError(f"{path}: expected a mapping 'scenarios: {{name: {{description, levers}}}}'")
    return {name: validate_mapping(Scenario, body, ScenarioError, f"{path}: scenario '{name}'", "description, levers")
            for name, body in raw["scenarios"].items()}


def _without_attrs(ds: xr.Dataset) -> xr.Dataset:
    """``ds`` with no attributes on it or any of its variables and coordinates, as
    ``Dataset.drop_attrs()`` gives, without its cost: that copies every variable's data and
    sets the variables back one by one, each a merge (a quarter of a second for a projection
    with draws). Here the variables are shallow copies sharing the data, which ``xr.concat``
    copies anyway."""
    out = ds.copy(deep=False)
    out.attrs = {}
    for var in out.variables.values():
        var.attrs = {}
    return out


def compare(assumptions: Assumptions, scenarios: dict, years: int = 10, *, draws: int | None = None,
            seed: int | None = None, sources=SOURCES, baseline: str = "baseline",
            keep_population: bool = True) -> xr.Dataset:
    """Project the baseline and each scenario with the same random draws, stacked along a
    ``scenario`` dimension (baseline first). ``scenarios`` maps names to :class:`Scenario`
    (or dicts, or lists of lever specs)."""
    proj = Projector(assumptions, years, draws=draws, seed=seed, sources=sources, keep_population=keep_population)
    names, results = [baseline], [proj.project()]
    for name, sc in progress(scenarios.items(), len(scenarios), "scenarios", unit="scenario"):
        if name == baseline:
            raise ScenarioError(f"scenario name '{baseline}' is reserved for the baseline")
        if isinstance(sc, list):
            sc = Scenario(levers=sc)
        names.append(name)
        results.append(proj.project(apply_scenario(assumptions, sc, years)))
    out = xr.concat([_without_attrs(r) for r in results], dim=pd.Index(names, name="scenario"),
                    data_vars="all", coords="minimal", compat="override", combine_attrs="drop")
    for var in out.data_vars:
        out[var].attrs = results[0][var].attrs
    out.attrs = dict(results[0].attrs)
    out.attrs["scenarios"] = ",".join(names)
    out.attrs["common_random_numbers"] = "yes: every scenario uses the same seed and streams"
    return out


def differences(comparison: xr.Dataset, baseline: str = "baseline") -> xr.Dataset:
    """Each scenario minus the baseline, draw by draw (units kept)."""
    diff = comparison - comparison.sel(scenario=baseline)
    for var in diff.data_vars:
        diff[var].attrs = dict(comparison[var].attrs, long_name=f"change in {comparison[var].attrs.get('long_name', var)} against the baseline")
    return diff


# --------------------------------------------------------------------------------------------
# Sensitivity (tornado)
# --------------------------------------------------------------------------------------------

DEFAULT_SHIFTS = {
    # label: (lever spec for the low case, for the high case), each from the first projected year
    "medical inflation +/-1 point": ({"lever": "shift_parameter", "parameter": "costs.medical_inflation", "change": -0.01},
                                     {"lever": "shift_parameter", "parameter": "costs.medical_inflation", "change": 0.01}),
    "utilisation growth +/-1 point": ({"lever": "shift_parameter", "parameter": "costs.utilisation_growth", "change": -0.01},
                                      {"lever": "shift_parameter", "parameter": "costs.utilisation_growth", "change": 0.01}),
    "wage growth +/-1 point": ({"lever": "shift_parameter", "parameter": "economy.wage_growth", "change": -0.01},
                               {"lever": "shift_parameter", "parameter": "economy.wage_growth", "change": 0.01}),
    "interest rate +/-1 point": ({"lever": "shift_parameter", "parameter": "economy.interest_rate", "change": -0.01},
                                 {"lever": "shift_parameter", "parameter": "economy.interest_rate", "change": 0.01}),
    "employer rate +/-0.5 point": ({"lever": "contribution_rate", "employer_change": -0.005},
                                   {"lever": "contribution_rate", "employer_change": 0.005}),
    "resident enrolment +/-2 points": ({"lever": "shift_parameter", "parameter": "resident.enrolment_rate", "change": -0.02},
                                       {"lever": "shift_parameter", "parameter": "resident.enrolment_rate", "change": 0.02}),
    "resident premium +/-10%": ({"lever": "shift_parameter", "parameter": "resident.premium", "factor": 0.9},
                                {"lever": "shift_parameter", "parameter": "resident.premium", "factor": 1.1}),
    "resident inpatient fund share +/-5 points": (
        {"lever": "shift_parameter", "parameter": "costs.fund_share.resident_inpatient", "change": -0.05},
        {"lever": "shift_parameter", "parameter": "costs.fund_share.resident_inpatient", "change": 0.05}),
    "mortality improvement +/-1% a year": (
        {"lever": "shift_parameter", "parameter": "demography.mortality_improvement", "change": -0.01},
        {"lever": "shift_parameter", "parameter": "demography.mortality_improvement", "change": 0.01}),
}


def sensitivity(assumptions: Assumptions, shifts: dict | None = None, *, years: int = 10,
                year: int | None = None, from_year: int | None = None) -> pd.DataFrame:
    """One-at-a-time sensitivity of each fund's closing balance and months of reserves in
    ``year`` (default: the last) to the low and high case of each shift (default
    :data:`DEFAULT_SHIFTS`, applied from ``from_year``, default the first projected year).
    Rows are sorted by the width of the effect on the resident balance (tornado order)."""
    shifts = DEFAULT_SHIFTS if shifts is None else shifts
    year = assumptions.base_year + years if year is None else year
    from_year = assumptions.base_year + 1 if from_year is None else from_year
    proj = Projector(assumptions, years)
    base = proj.project().sel(year=year)
    rows = []
    for label, (low, high) in shifts.items():
        row = {"assumption": label}
        for case, spec in (("low", low), ("high", high)):
            ds = proj.project(apply_lever(assumptions, {"from_year": from_year, **spec}, years)).sel(year=year)
            for scheme in ds["scheme"].values:
                row[(scheme, "balance", case)] = float(ds["balance"].sel(scheme=scheme))
                row[(scheme, "reserve_months", case)] = float(ds["reserve_months"].sel(scheme=scheme))
        rows.append(row)
    table = pd.DataFrame(rows).set_index("assumption")
    table.columns = pd.MultiIndex.from_tuples(table.columns, names=["scheme", "measure", "case"])
    for scheme in base["scheme"].values:
        for measure in ("balance", "reserve_months"):
            table[(scheme, measure, "baseline")] = float(base[measure].sel(scheme=scheme))
    table = table.sort_index(axis=1)
    width = (table[("resident", "balance", "high")] - table[("resident", "balance", "low")]).abs()
    table = table.loc[width.sort_values(ascending=False).index]
    table.attrs.update(year=year, from_year=from_year, units="balance: CNY; reserve_months: months")
    return table
