"""Schema sections of the employee scheme's structure: flexible workers (灵活就业人员), the
contribution-years rule at retirement, and what the personal-account reform (门诊共济) moves
on the pooled fund's spending side. Each is optional: an assumption set without them keeps
its numbers (flexible workers absent, the constant share at retirement, no spending change).

Imported by :mod:`.schema` (which builds the assumption file from these models) once its
parameter types exist."""

from __future__ import annotations

from .fields import Dated, Scalar, _Strict, spec


class FlexibleWorkers(_Strict):
    """Flexible workers (status ``flexible``): they pay both shares themselves on a base they
    choose between the floor and the ceiling, as a share of the local average wage."""

    average_wage: Scalar = spec(
        "CNY per year", 1e3, 1e7,
        "local average wage (社平工资) in the base year, the reference of the flexible workers' base, floor and "
        "ceiling; later years grow with economy.wage_growth", plausible=(15000, 500000))
    base_share: Dated = spec(
        "fraction", 0, 10,
        "contribution base flexible workers choose, as a share of the average wage (most choose the floor); "
        "kept between base_floor and base_ceiling", plausible=(0.6, 1.5))
    base_floor: Scalar = spec("fraction", 0, 1, "lowest contribution base, as a share of the average wage (60% nationally)",
                              plausible=(0.4, 1.0))
    base_ceiling: Scalar = spec("fraction", 1, 10, "highest contribution base, as a share of the average wage (300% nationally)",
                                plausible=(2.0, 5.0))
    rate: Dated | None = spec(
        "fraction", 0, 0.4,
        "optional: contribution rate flexible workers pay on their base (both shares); default the employer "
        "plus the employee rate", optional=True, plausible=(0.03, 0.15))
    collection_rate: Dated | None = spec(
        "fraction", 0.3, 1, "optional: share of flexible workers' contributions due that is collected; default "
        "employee.collection_rate", optional=True, plausible=(0.7, 1.0))
    account_share_before_reform: Dated = spec(
        "fraction", 0, 1,
        "share of a flexible worker's contribution credited to the personal account before the reform year",
        plausible=(0.0, 0.5))
    account_share_after_reform: Dated = spec(
        "fraction", 0, 1,
        "share of a flexible worker's contribution credited to the personal account from the reform year "
        "(many cities: none)", plausible=(0.0, 0.3))
    entry_rate_scale: Dated | None = spec(
        "1", 0, 10,
        "optional: multiplier on the transitions table's flexible_entry_rate by year (a trend in entries); "
        "1 when absent", optional=True, plausible=(0.5, 2.0))


class ContributionYears(_Strict):
    """The minimum-contribution-years rule at retirement, driven by the contribution years the
    engine carries for every cohort (status, sex, age): active and flexible members accrue a
    year each year; at retirement the share meeting the minimum is P(years >= minimum) under a
    normal distribution around the cohort mean."""

    minimum_years_male: Dated = spec(
        "years", 0, 45, "contribution years a man needs at retirement to keep employee-scheme membership without "
        "paying (local rules: often 25-30)", plausible=(10, 35))
    minimum_years_female: Dated = spec(
        "years", 0, 45, "contribution years a woman needs at retirement (local rules: often 20-25)", plausible=(10, 35))
    spread: Scalar = spec(
        "years", 0, 25, "standard deviation of members' contribution years around their cohort's mean at "
        "retirement (0: everyone at the mean)", plausible=(2, 15))
    pay_up_share: Dated = spec(
        "fraction", 0, 1, "share of those short of the minimum who pay the missing years in one sum and keep "
        "membership; the rest join the resident group", plausible=(0.0, 0.9))
    start_age: Scalar = spec(
        "years", 14, 40, "base-year members' contribution years are counted from this age", plausible=(16, 30))
    density: Scalar = spec(
        "fraction", 0, 1, "share of the years since start_age that base-year active and flexible members spent "
        "contributing (their mean years = density x (age - start_age))", plausible=(0.5, 1.0))


class OutpatientPooling(_Strict):
    """What the personal-account reform moves on the spending side: from
    ``employee.personal_accounts.reform_year`` the money no longer credited to accounts funds
    outpatient pooling (门诊共济)."""

    fund_share_increase: Dated = spec(
        "fraction", 0, 1,
        "rise of the pooled fund's share of employee outpatient claims (costs.fund_share.employee_outpatient, "
        "the share without the reform) from the reform year", plausible=(0.0, 0.4))
    released_demand: Dated | None = spec(
        "1", 0.5, 3,
        "optional: factor on employee outpatient claims from the reform year (demand released when outpatient "
        "care is pooled); 1 when absent", optional=True, plausible=(1.0, 1.3))
