"""Long-term-care insurance (长期护理保险), a scheme covering the employee scheme's members.

It has no member status of its own (a status belongs to one scheme): its members are the
employee scheme's active and retired members, read through the age profile
``ltc_disabled`` (the disability prevalence table by sex and age) and the employee scheme's
flows (``Members.earlier``). Ledger: the long-term-care fund.

    covered member-years_t = sum over the employee scheme's statuses (active, retired, ...)
    disabled person-years_t = sum_{active, retired, sex, age} prevalence_{sex, age} x member-years
    spending_t  = disabled person-years_t * uptake_t * care cost_t * trend index_t * fund share_t
    from the employee pooled fund_t = contributing_t * contribution base_t * employee fund rate_t
                                    + retired_t * employee fund per retiree_t
                                      (transfer ``ltc_transfer``: pooled fund -> long-term-care fund;
                                       contributing = covered - retired member-years)
    individual_t = covered member-years_t * individual contribution_t
    fiscal_t     = covered member-years_t * fiscal subsidy_t

Section ``ltc`` and its table ``ltc.disability_prevalence``; without them the scheme's flows
are zero and older sets keep their numbers.
"""

from __future__ import annotations

import numpy as np

from ..dims import SEXES
from .base import Flows, Ledger, Line, Members, Output, Scheme, Transfer
from .employee import SCHEME as EMPLOYEE

PROFILE = "ltc_disabled"
COVERED = EMPLOYEE.statuses
"""The employee scheme's member statuses (its declaration: a status added there is covered here)."""
RETIRED = "retired"


def resolve(a, years) -> dict:
    """The long-term-care parameters over ``years`` and the disability profile (zero without
    the section)."""
    if a.config.ltc is None:
        return {"on": False, "profiles": {PROFILE: np.zeros((len(SEXES), a.tables["fertility_pattern"].size))}}
    s = lambda path: a.values(path, years)  # noqa: E731
    return {"on": True, "profiles": {PROFILE: a.tables["ltc_disability"].transpose("sex", "age").values},
            "profile_statuses": {PROFILE: COVERED},
            "rate": s("ltc.employee_fund_rate"), "per_retiree": s("ltc.employee_fund_per_retiree"),
            "individual": s("ltc.individual_contribution"), "fiscal": s("ltc.fiscal_subsidy"),
            "care_cost": s("ltc.care_cost"), "uptake": s("ltc.uptake"), "fund_share": s("ltc.fund_share")}


def ltc_spending(disabled_years, uptake, care_cost, trend, fund_share):
    """Care paid by the fund, CNY: disabled person-years x uptake x care cost x trend x fund share."""
    return disabled_years * uptake * care_cost * trend * fund_share


def money(p: dict, m: Members) -> Flows:
    """One chunk's money of long-term-care insurance (see the module docstring)."""
    emp = m.earlier[EMPLOYEE.name]
    covered = sum(emp.member_years[s] for s in COVERED)
    retired = emp.member_years[RETIRED]
    contributing = covered - retired          # every covered status but the retirees pays on a base
    if not p["on"]:
        zero = np.zeros_like(m.trend)
        return Flows(income={"individual": zero, "fiscal": zero}, spending={"care": zero},
                     ledger_income={"ltc_fund": zero}, ledger_spending={"ltc_fund": zero}, member_years={},
                     insured=zero, transfers={"ltc_transfer": zero}, extras={"ltc_disabled": zero})
    disabled = m.member_years(m.profile(PROFILE, COVERED)[..., None])[..., 0]
    care = ltc_spending(disabled, p["uptake"], p["care_cost"], m.trend, p["fund_share"])
    transfer = contributing * emp.extras["contribution_base"] * p["rate"] + retired * p["per_retiree"]
    individual, fiscal = covered * p["individual"], covered * p["fiscal"]
    return Flows(income={"individual": individual, "fiscal": fiscal}, spending={"care": care},
                 ledger_income={"ltc_fund": individual + fiscal}, ledger_spending={"ltc_fund": care},
                 member_years={}, insured=emp.insured, transfers={"ltc_transfer": transfer},
                 extras={"ltc_disabled": disabled})


SCHEME = Scheme(
    name="ltc",
    long_name="long-term-care insurance (长期护理保险)",
    section="ltc",
    statuses=(),
    ledgers=(Ledger("ltc_fund", "long-term-care fund", "ltc.opening_balance", optional=True),),
    sources=(Line("ltc_transfer", "transfer from the employee pooled fund"),
             Line("individual", "members' long-term-care contributions"),
             Line("fiscal", "fiscal subsidies")),
    categories=(Line("care", "long-term care"),),
    claim_categories=(),
    member_columns={},
    resolve=resolve,
    money=money,
    transfers=(Transfer("ltc_transfer", EMPLOYEE.fund.name, "ltc_fund", "transfer from the employee pooled fund to "
                        "long-term-care insurance"),),
    profiles=(PROFILE,),
    outputs=(Output("ltc_disabled", (), {"units": "person-years", "long_name": "severely disabled covered members",
                                         "description": "sum of disability prevalence x member-years of the employee "
                                                        "scheme's members; 0 without an ltc section"}),),
)
