"""Schema sections of the layers around the two basic funds, each optional (an assumption set
without a section keeps its numbers): maternity inside the employee fund (生育保险, merged
since 2019), the employee large-amount supplement (大额医疗费用补助), critical-illness
insurance as a benefit model (大病保险), medical assistance (医疗救助), who pays the resident
subsidy (central / provincial / city), and long-term-care insurance (长期护理保险).

Added to ``AssumptionFile`` (:mod:`.schema`) as optional top-level sections; the building
blocks come from :mod:`.fields`.
"""

from __future__ import annotations

from pathlib import Path

import xarray as xr
from pydantic import Field, field_validator

from ..dims import AGES, NEWBORN_STATUS, SEXES, STATUSES
from .fields import Dated, Scalar, _Strict, spec
from .tables import check_labels, check_range, read_csv, to_grid


class Maternity(_Strict):
    statuses: list[str] = Field(
        ["active"], description="member statuses whose women's births the employee fund pays for (default: active)")
    medical_cost_per_birth: Dated = spec(
        "CNY per birth", 0, 2e5, "maternity medical cost paid by the pooled fund per insured birth, at base-year "
        "prices (grows with the cost trend)", plausible=(1000, 40000))
    leave_days: Dated = spec("days", 0, 400, "paid maternity leave per birth (生育津贴 days: 98 statutory + local extension)",
                             plausible=(98, 365))
    allowance_claim_share: Dated = spec(
        "fraction", 0, 1, "share of insured births whose mother claims the maternity allowance", plausible=(0.3, 1.0))
    employer_rate_maternity_share: Scalar | None = spec(
        "fraction", 0, 0.03, "optional: part of employee.employer_rate that is the merged maternity contribution "
        "(informative: the rate already carries it)", optional=True, plausible=(0.0, 0.015))

    @field_validator("statuses")
    @classmethod
    def _employee_statuses(cls, v):
        allowed = [s for s in STATUSES if s != NEWBORN_STATUS]
        bad = [s for s in v if s not in allowed]
        if bad or not v:
            raise ValueError(f"statuses {v} must be employee-scheme statuses, some of {allowed}")
        return v


class LargeAmountSupplement(_Strict):
    premium: Dated = spec("CNY per member per year", 0, 5000,
                          "flat amount each employee-scheme member pays a year for the large-amount supplement",
                          plausible=(20, 800))
    claims_share: Dated = spec(
        "fraction", 0, 0.5, "share of employee members' claim cost above the pooled fund's annual cap that the "
        "supplement pays (as a share of all their claim cost)", plausible=(0.0, 0.1))


class CriticalIllness(_Strict):
    deductible: Dated = spec("CNY per person per year", 0, 1e6,
                             "out-of-pocket cost above which the insurance pays (about half of local per-capita "
                             "disposable income)", plausible=(3000, 60000))
    reimbursement_ratio: Dated = spec("fraction", 0, 1, "share paid above the deductible", plausible=(0.5, 0.95))
    cap: Dated | None = spec("CNY per person per year", 0, 1e7, "optional: most paid per person a year (none: no cap)",
                             optional=True, plausible=(50000, 2e6))
    loss_ratio: Dated = spec("fraction", 0.3, 1.5, "insurer's claims / premiums", plausible=(0.8, 1.05))
    cost_cv: Scalar = spec("1", 0.1, 30, "coefficient of variation of the out-of-pocket cost per enrollee around "
                           "its mean in each age band (lognormal)", plausible=(1.0, 10.0))


class Assistance(_Strict):
    opening_balance: Scalar = spec("CNY", -1e13, 1e13, "medical-assistance fund balance at 1 January of the base year")
    fiscal_funding_ratio: Dated = spec("fraction", 0, 3, "fiscal money paid into the assistance fund as a share of "
                                       "the year's assistance spending", plausible=(0.8, 1.2))
    assisted_share: Dated = spec("fraction", 0, 0.6, "share of resident enrollees in assisted groups (特困, 低保, "
                                 "returning-to-poverty monitored)", plausible=(0.005, 0.2))
    premium_share_paid: Dated = spec("fraction", 0, 1, "share of the assisted enrollees' premium the assistance fund "
                                     "pays (1: in full)", plausible=(0.3, 1.0))
    cost_ratio: Dated = spec("fraction", 0, 1, "share of the assisted persons' remaining cost (after the basic fund and "
                             "critical-illness insurance) the assistance fund pays", plausible=(0.3, 0.95))
    annual_limit: Dated = spec("CNY per person per year", 0, 1e7, "most paid per assisted person a year",
                               plausible=(3000, 500000))
    cost_factor: Scalar | None = spec("1", 0.1, 10, "optional: assisted persons' mean cost relative to enrollees "
                                      "of their age (default 1)", optional=True, plausible=(0.8, 3.0))
    cost_cv: Scalar | None = spec("1", 0.1, 30, "optional: coefficient of variation of an assisted person's "
                                  "remaining cost per year (lognormal); default: the critical-illness section's "
                                  "cost_cv, and required when that section is absent", optional=True,
                                  plausible=(1.0, 10.0))


class SubsidySharing(_Strict):
    central_share: Dated = spec("fraction", 0, 1, "central government's share of the resident subsidy (80% western, "
                                "60% central provinces, lower and graded in the east)", plausible=(0.1, 0.9))
    provincial_share_of_rest: Dated = spec("fraction", 0, 1, "province's share of the subsidy the central government "
                                           "does not pay (the city and counties pay the rest; 6:4 -> 0.6)",
                                           plausible=(0.0, 1.0))


class LongTermCare(_Strict):
    opening_balance: Scalar = spec("CNY", -1e13, 1e13, "long-term-care fund balance at 1 January of the base year")
    disability_prevalence: str = Field(description="table (CSV: sex, age, prevalence) of the share of persons "
                                       "severely disabled (needing long-term care) by sex and single age")
    employee_fund_rate: Dated = spec("fraction", 0, 0.03, "transfer from the employee pooled fund, as a rate of the "
                                     "active members' contribution base", plausible=(0.0, 0.01))
    employee_fund_per_retiree: Dated = spec("CNY per member per year", 0, 2000, "transfer from the employee pooled "
                                            "fund per retiree", plausible=(0, 500))
    individual_contribution: Dated = spec("CNY per member per year", 0, 2000, "what each covered member pays "
                                          "(from the personal account or pension)", plausible=(0, 500))
    fiscal_subsidy: Dated = spec("CNY per member per year", 0, 2000, "fiscal money per covered member",
                                 plausible=(0, 300))
    care_cost: Dated = spec("CNY per disabled person per year", 0, 1e6, "cost of care per severely disabled "
                            "person-year at base-year prices (grows with the cost trend)", plausible=(5000, 120000))
    uptake: Dated = spec("fraction", 0, 1, "share of severely disabled members who receive insured care",
                         plausible=(0.2, 1.0))
    fund_share: Dated = spec("fraction", 0, 1, "share of the cost of care the fund pays", plausible=(0.5, 0.95))


def load_disability(path: Path) -> xr.DataArray:
    """The long-term-care disability prevalence table: sex, age (0..100), prevalence (fraction
    of persons severely disabled)."""
    df = read_csv(path, {"sex": "str", "age": "int", "prevalence": "float"})
    check_labels(df, "sex", SEXES, path)
    check_range(df, "prevalence", 0, 1, path, "a share of persons between 0 and 1")
    da = to_grid(df, {"sex": SEXES, "age": AGES}, "prevalence", path)
    da.attrs.update(units="fraction", long_name="share of persons severely disabled")
    return da


OPTIONAL_TABLES = {"ltc_disability": (lambda cfg: cfg.ltc.disability_prevalence if cfg.ltc is not None else None,
                                      load_disability)}
"""Tables the optional sections name: key -> (file name in the config or None, loader)."""
