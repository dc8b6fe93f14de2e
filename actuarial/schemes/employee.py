"""The employee scheme (职工基本医疗保险, UEBMI).

Members: active workers, flexible workers (灵活就业人员) and retirees (statuses ``active``,
``flexible`` and ``retired``). Retirees pay nothing. Ledgers: the pooled fund (统筹基金, *the
fund*) and personal accounts (个人账户).

    contributions   = active member-years * contribution base * (employer + employee rate) * collection
    contribution base = base-year base * wage index * base factor
    active credits  = employee part * employee_contribution_to_account
                      (+ employer part * employer_share_to_account before the reform year)
    retiree credits = retiree member-years * retiree credit (from the pooled fund)
    flexible base   = average wage * wage index * clip(base share, floor, ceiling)
    flexible contributions = flexible member-years * flexible base * flexible rate * flexible collection
    flexible credits = flexible contributions * account share (before / from the reform year)
    pooled income   = contributions + flexible contributions - active, retiree and flexible credits
    pooled spending = sum_c (active + flexible + retired claims at base-year cost)_c * trend index * fund share_c
    account income  = active + retiree + flexible credits;  accounts spend a share of what they hold

The outpatient mutual-aid reform (门诊共济, 2021) switches the crediting rules from
``personal_accounts.reform_year``, and moves the spending side in the same year: the pooled
share of outpatient claims rises by ``outpatient_pooling.fund_share_increase`` and outpatient
claims are multiplied by ``outpatient_pooling.released_demand``:

    fund share_outpatient(t) = (share + increase * [t >= reform]) * (1 + (released - 1) * [t >= reform])

Without a ``flexible`` section flexible workers must be absent (an older set); without
``outpatient_pooling`` the spending side does not move. Parameters: section ``employee`` of the
assumption file and ``costs.fund_share.employee_<category>``. Maternity and the large-amount
supplement add their lines to the pooled fund (:mod:`.employee_layers`); the pooled fund pays the
transfer to long-term-care insurance (declared and computed by :mod:`.ltc`).
"""

from __future__ import annotations

import numpy as np

from ..dims import CLAIM_CATEGORIES
from . import employee_layers
from .base import PERSONS, Flows, Ledger, Line, Members, Output, Scheme, claims_spending, fund_shares

PA = "employee.personal_accounts."


def employee_contributions(active_years, base, employer_rate, employee_rate, collection):
    """Employer and employee contributions collected, CNY: returns (employer, employee)."""
    wage_bill = active_years * base * collection
    return wage_bill * employer_rate, wage_bill * employee_rate


def personal_account_credits(employer, employee, retiree_years, *, year, reform_year,
                             employee_to_account, employer_share_before, retiree_credit_before,
                             retiree_credit_after):
    """Credits into personal accounts, CNY: returns (active credits, retiree credits).

    Before ``reform_year`` active accounts also receive a share of the employer contribution;
    from it on (the 2021 outpatient mutual-aid reform) they receive only the member's own
    contribution, and the retiree credit switches to its post-reform amount."""
    after = np.asarray(year) >= reform_year
    active = employee * employee_to_account + np.where(after, 0.0, employer * employer_share_before)
    retiree = retiree_years * np.where(after, retiree_credit_after, retiree_credit_before)
    return active, retiree


def flexible_base(average_wage, wage_index, share, floor, ceiling):
    """Flexible workers' contribution base, CNY per member-year: the share of the average wage
    they choose, kept between the floor and the ceiling (shares of the average wage)."""
    return average_wage * wage_index * np.clip(share, floor, ceiling)


def _flexible(a, years) -> dict | None:
    """The flexible workers' parameters over ``years``; None for a set without the section
    (which has no flexible workers: checked on loading)."""
    f = a.config.employee.flexible
    if f is None:
        return None
    s = lambda path: a.values("employee.flexible." + path, years)  # noqa: E731
    return {
        "average_wage": f.average_wage.value,
        "share": np.clip(s("base_share"), f.base_floor.value, f.base_ceiling.value),
        "rate": s("rate") if f.rate is not None else (a.values("employee.employer_rate", years)
                                                     + a.values("employee.employee_rate", years)),
        "collection": s("collection_rate") if f.collection_rate is not None
        else a.values("employee.collection_rate", years),
        "account_before": s("account_share_before_reform"),
        "account_after": s("account_share_after_reform"),
    }


def _outpatient_pooling(a, years, fund_share: dict, reform_year: int) -> dict:
    """The fund shares with the reform's spending side from the reform year (see the module
    docstring); unchanged without ``outpatient_pooling``."""
    op = a.config.employee.personal_accounts.outpatient_pooling
    if op is None:
        return fund_share
    after = (np.asarray(years) >= reform_year).astype(float)
    increase = a.values(PA + "outpatient_pooling.fund_share_increase", years)
    released = (a.values(PA + "outpatient_pooling.released_demand", years)
                if op.released_demand is not None else np.ones(len(years)))
    out = dict(fund_share)
    out["outpatient"] = (fund_share["outpatient"] + increase * after) * (1.0 + (released - 1.0) * after)
    return out


def resolve(a, years) -> dict:
    """The employee scheme's parameters over ``years`` (best estimate)."""
    s = lambda path: a.values(path, years)  # noqa: E731
    factor = a.config.employee.contribution_base_factor
    reform_year = int(a.scalar(PA + "reform_year"))
    return {
        "base0": a.scalar("employee.contribution_base"),
        "base_factor": s("employee.contribution_base_factor") if factor else np.ones(len(years)),
        "employer_rate": s("employee.employer_rate"),
        "employee_rate": s("employee.employee_rate"),
        "collection": s("employee.collection_rate"),
        "reform_year": reform_year,
        "employee_to_account": s(PA + "employee_contribution_to_account"),
        "employer_share_before": s(PA + "employer_share_to_account_before_reform"),
        "retiree_credit_before": s(PA + "retiree_credit_before_reform"),
        "retiree_credit_after": s(PA + "retiree_credit_after_reform"),
        "spend_rate": s(PA + "spending_rate"),
        "fund_share": _outpatient_pooling(a, years, fund_shares(a, "employee", CLAIM_CATEGORIES, years), reform_year),
        "flexible": _flexible(a, years),
        **employee_layers.resolve_layers(a, years),
    }


def money(p: dict, m: Members) -> Flows:
    """One chunk's money of the employee scheme (see the module docstring)."""
    active, retired, flexible = (m.member_years(m.claims[s][..., PERSONS]) for s in ("active", "retired", "flexible"))
    claims = m.member_years(m.claims["active"] + m.claims["flexible"] + m.claims["retired"])   # every member
    base = p["base0"] * m.wage_index * p["base_factor"]
    employer, employee = employee_contributions(active, base, p["employer_rate"], p["employee_rate"],
                                                p["collection"])
    active_credit, retiree_credit = personal_account_credits(
        employer, employee, retired, year=m.years, reform_year=p["reform_year"],
        employee_to_account=p["employee_to_account"], employer_share_before=p["employer_share_before"],
        retiree_credit_before=p["retiree_credit_before"], retiree_credit_after=p["retiree_credit_after"])
    f = p["flexible"]
    if f is None:
        flex_base = flex_income = flex_credit = np.zeros_like(employer)
    else:
        flex_base = flexible_base(f["average_wage"], m.wage_index, f["share"], 0.0, np.inf)
        flex_income = flexible * flex_base * f["rate"] * f["collection"]
        flex_credit = flex_income * np.where(np.asarray(m.years) >= p["reform_year"], f["account_after"],
                                             f["account_before"])
    spending = claims_spending(claims, m.trend, p["fund_share"], CLAIM_CATEGORIES)
    medical, allowance, births = employee_layers.maternity(p["maternity"], m, base)
    spending["maternity"] = medical + allowance
    large_income, spending["large_amount_claims"] = employee_layers.large_amount(p["large_amount"], claims,
                                                                                 m.trend, p["collection"])
    insured = (m.claims["active"][:, :-1, PERSONS] + m.claims["flexible"][:, :-1, PERSONS]
               + m.claims["retired"][:, :-1, PERSONS])   # 1 January of each year
    return Flows(
        income={"employer": employer, "employee": employee, "flexible": flex_income,
                "large_amount_premium": large_income},
        spending=spending,
        ledger_income={"pooled_fund": employer + employee - active_credit - retiree_credit + (flex_income - flex_credit)
                       + large_income,
                       "personal_accounts": active_credit + retiree_credit + flex_credit},
        ledger_spending={"pooled_fund": sum(spending.values()), "personal_accounts": None},
        spend_rate={"personal_accounts": p["spend_rate"]},
        member_years={"active": active, "flexible": flexible, "retired": retired},
        insured=insured,
        extras={"personal_account_credit": np.stack([active_credit, retiree_credit, flex_credit], axis=-1),
                "contribution_base": base, "flexible_contribution_base": flex_base, "insured_births": births,
                "maternity_spending": np.stack([medical, allowance], axis=-1)},
    )


SCHEME = Scheme(
    name="employee",
    long_name="employee basic medical insurance (职工基本医疗保险)",
    section="employee",
    statuses=("active", "flexible", "retired"),
    ledgers=(Ledger("pooled_fund", "employee pooled fund (统筹基金)", "employee.opening_balance"),
             Ledger("personal_accounts", "employee personal accounts (个人账户)", PA + "opening_balance",
                    spend_rate=True, history_column="personal_account_credits")),
    sources=(Line("employer", "employer contributions", flexible=True),
             Line("employee", "employee contributions", flexible=True),
             Line("flexible", "flexible workers' contributions"),
             Line("large_amount_premium", "large-amount supplement (大额医疗费用补助) premiums")),
    categories=tuple(Line(c, c) for c in CLAIM_CATEGORIES) + (
        Line("maternity", "maternity (生育: medical costs and allowance)"),
        Line("large_amount_claims", "large-amount supplement (大额医疗费用补助) claims"),
        Line("ltc_transfer", "transfer to long-term-care insurance")),
    claim_categories=CLAIM_CATEGORIES,
    member_columns={"active": "active_years", "flexible": "flexible_years", "retired": "retired_years"},
    resolve=resolve,
    money=money,
    outputs=(
        Output("personal_account_credit", ("account_holder",), {
            "units": "CNY", "long_name": "credits into employee personal accounts",
            "description": "active: own contribution (+ employer share before the reform); retired: credit "
                           "from the pooled fund; flexible: a share of their contribution"},
            {"account_holder": ["active", "retired", "flexible"]}),
        Output("contribution_base", (), {"units": "CNY per active member-year",
                                         "long_name": "average contribution base"}),
        Output("flexible_contribution_base", (), {
            "units": "CNY per flexible member-year", "long_name": "flexible workers' contribution base",
            "description": "average wage x wage index x chosen share, between the floor and the ceiling; 0 without "
                           "flexible workers"}),
        Output("insured_births", (), {"units": "persons", "long_name": "births among insured women",
                                      "description": "TFR x fertility-pattern-weighted women member-years of the "
                                                     "statuses maternity.statuses; 0 without a maternity section"}),
        Output("maternity_spending", ("maternity_part",), {
            "units": "CNY", "long_name": "maternity spending of the employee pooled fund",
            "description": "medical: births x cost per birth x trend index; allowance (生育津贴): births x claim share "
                           "x leave days x contribution base / 365"}, {"maternity_part": ["medical", "allowance"]}),
    ),
    profiles=(employee_layers.FERTILITY_PROFILE,),
)
