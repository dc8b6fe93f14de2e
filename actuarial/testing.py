"""Helpers for tests and notebooks: a factory for small, hand-checkable assumption sets and
assertions for the accounting and population identities.

    >>> from actuarial.testing import write_assumption_set
    >>> folder = write_assumption_set(tmp_path, population={("active", "male", 30): 1000})
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import xarray as xr
import yaml

from .dims import AGES, SEXES, STATUSES


def _dated(unit, value, **extra):
    return {"unit": unit, "source": "test", "values": {2024: value}, **extra}


def _scalar(unit, value):
    return {"unit": unit, "source": "test", "value": value}


def simple_config(base_year: int = 2024) -> dict:
    """A complete assumption config with simple round numbers (no reform delay, no trend)."""
    return {
        "name": "test-city",
        "title": "Test city",
        "description": "small set for tests",
        "base_year": base_year,
        "currency": "CNY",
        "tables": {k: f"{k}.csv" for k in ("population", "mortality", "fertility_pattern",
                                           "transitions", "migration", "claim_costs")},
        "demography": {
            "total_fertility_rate": _dated("children per woman", 1.0),
            "sex_ratio_at_birth": _dated("males per female", 1.0),
            "mortality_improvement": _dated("fraction per year", 0.0),
            "retirement": {
                "reform_start": 2100, "source": "test",
                "groups": {
                    "men": {"sex": "male", "share_of_sex": 1.0, "start_age": 60, "target_age": 60,
                            "months_of_birth_per_month_of_delay": 4},
                    "women": {"sex": "female", "share_of_sex": 1.0, "start_age": 55, "target_age": 55,
                              "months_of_birth_per_month_of_delay": 4},
                },
                "share_meeting_minimum_contribution_years": _dated("fraction", 1.0),
            },
        },
        "employee": {
            "contribution_base": _scalar("CNY per active member per year", 10000),
            "employer_rate": _dated("fraction", 0.06),
            "employee_rate": _dated("fraction", 0.02),
            "collection_rate": _dated("fraction", 1.0),
            "opening_balance": _scalar("CNY", 1_000_000),
            "personal_accounts": {
                "reform_year": _scalar("year", 2023),
                "employee_contribution_to_account": _dated("fraction", 1.0),
                "employer_share_to_account_before_reform": _dated("fraction", 0.3),
                "retiree_credit_before_reform": _dated("CNY per retiree per year", 1000),
                "retiree_credit_after_reform": _dated("CNY per retiree per year", 500),
                "spending_rate": _dated("fraction per year", 0.5),
                "opening_balance": _scalar("CNY", 200_000),
            },
        },
        "resident": {
            "premium": _dated("CNY per enrolled person per year", 300),
            "subsidy": _dated("CNY per enrolled person per year", 600),
            "collection_rate": _dated("fraction", 1.0),
            "enrolment_rate": _dated("fraction", 1.0),
            "newborn_enrolment_rate": _dated("fraction", 1.0),
            "critical_illness_transfer": _dated("CNY per enrolled person per year", 50),
            "opening_balance": _scalar("CNY", 500_000),
        },
        "costs": {
            "medical_inflation": _dated("fraction per year", 0.0),
            "utilisation_growth": _dated("fraction per year", 0.0),
            "policy_effect": _dated("fraction per year", 0.0),
            "fund_share": {
                "employee_inpatient": _dated("fraction", 0.8),
                "employee_outpatient": _dated("fraction", 0.5),
                "resident_inpatient": _dated("fraction", 0.7),
                "resident_outpatient": _dated("fraction", 0.5),
            },
        },
        "economy": {
            "wage_growth": _dated("fraction per year", 0.0),
            "interest_rate": _dated("fraction per year", 0.02),
            "interest_on": "opening",
        },
        "indicators": {"reserve_months_denominator": "current_year"},
    }


def _grid(columns, value_of):
    rows = []
    for status in STATUSES:
        for sex in SEXES:
            for age in AGES:
                rows.append((status, sex, int(age), *value_of(status, sex, int(age))))
    return pd.DataFrame(rows, columns=["status", "sex", "age", *columns])


def write_assumption_set(folder, *, config: dict | None = None, population: dict | None = None,
                         mx: float = 0.01, fertility_age: int = 30,
                         inpatient: float = 1000.0, outpatient: float = 500.0,
                         entry: float = 0.0, exit_: float = 0.0, migrants: dict | None = None,
                         flexible_entry: float = 0.0, flexible_exit: float = 0.0) -> Path:
    """Write a small assumption set into ``folder`` and return the folder.

    population : {(status, sex, age): persons}; every other cell is 0
    mx : one death rate at every single age (one time point)
    fertility_age : the single age carrying the whole fertility pattern
    inpatient, outpatient : claim cost per member-year at every status, sex and age
    entry, exit_ : employment entry and exit rates at ages 16-64
    flexible_entry, flexible_exit : the same between the resident and flexible statuses (the
        columns are written only when one is not zero, as in a set without flexible workers)
    migrants : {(status, sex, age): net migrants per year}
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    cfg = dict(config or simple_config())
    if "accept_unusual" not in cfg:
        # hand-checkable round numbers for a few hundred people, not a real city: the
        # plausibility checks (actuarial.params.validation, .plausibility) do not apply
        from .params.validation import CROSS_CHECKS, spec_paths
        cfg["accept_unusual"] = sorted(set(spec_paths()) | set(CROSS_CHECKS))
    # libyaml's emitter when PyYAML has it (the same document; the pure-Python one took most of
    # the time of writing a set)
    dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
    (folder / "assumptions.yaml").write_text(yaml.dump(cfg, Dumper=dumper, sort_keys=False), encoding="utf-8")
    population = population or {}
    migrants = migrants or {}
    _grid(["persons"], lambda s, x, a: (population.get((s, x, a), 0.0),)).to_csv(folder / "population.csv", index=False)
    _grid(["net_migrants"], lambda s, x, a: (migrants.get((s, x, a), 0.0),)).to_csv(folder / "migration.csv", index=False)
    _grid(["inpatient", "outpatient"], lambda s, x, a: (inpatient, outpatient)).to_csv(folder / "claim_costs.csv", index=False)
    pd.DataFrame([(2024.5, sex, int(a), mx) for sex in SEXES for a in AGES],
                 columns=["time", "sex", "age", "mx"]).to_csv(folder / "mortality.csv", index=False)
    pd.DataFrame({"age": [fertility_age], "share_of_tfr": [1.0]}).to_csv(folder / "fertility_pattern.csv", index=False)
    working = (AGES >= 16) & (AGES < 65)
    trans = pd.DataFrame([(sex, int(a), entry if working[a] else 0.0, exit_ if working[a] else 0.0)
                          for sex in SEXES for a in AGES],
                         columns=["sex", "age", "employment_entry_rate", "employment_exit_rate"])
    if flexible_entry or flexible_exit:
        trans["flexible_entry_rate"] = np.where(working[trans["age"]], flexible_entry, 0.0)
        trans["flexible_exit_rate"] = np.where(working[trans["age"]], flexible_exit, 0.0)
    trans.to_csv(folder / "transitions.csv", index=False)
    return folder


def population_residual(ds: xr.Dataset) -> xr.DataArray:
    """start + births + net migration - deaths - end, per sex, for every year but the last
    (relative to the start population); zero when the population identity holds."""
    total = ds["population_total"].sum("status")
    start = total.isel(year=slice(None, -1))
    end = total.isel(year=slice(1, None)).assign_coords(year=start["year"])
    flows = (ds["births"] + ds["net_migration"] - ds["deaths"]).isel(year=slice(None, -1))
    return (start + flows - end) / start


def money_residual(ds: xr.Dataset) -> dict[str, xr.DataArray]:
    """closing - (opening + income - spending + interest), relative to the size of the flows,
    for every ledger and for the scheme-level fund view; zero when the accounting identity
    holds."""
    def resid(opening, closing, income, spending, interest):
        scale = np.abs(opening) + np.abs(income) + np.abs(spending)
        return (closing - (opening + income - spending + interest)) / scale
    return {
        "funds": resid(ds["opening_balance"], ds["balance"], ds["income"], ds["spending"], ds["interest"]),
        "ledgers": resid(ds["ledger_opening_balance"], ds["ledger_balance"], ds["ledger_income"],
                         ds["ledger_spending"], ds["ledger_interest"]),
    }
