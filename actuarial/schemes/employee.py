"""The employee scheme (职工基本医疗保险, UEBMI).

Members: active workers and retirees (statuses ``active`` and ``retired``). Retirees pay
nothing. Ledgers: the pooled fund (统筹基金, *the fund*) and personal accounts (个人账户).

    contributions   = active member-years * contribution base * (employer + employee rate) * collection
    contribution base = base-year base * wage index * base factor
    active credits  = employee part * employee_contribution_to_account
                      (+ employer part * employer_share_to_account before the reform year)
    retiree credits = retiree member-years * retiree credit (from the pooled fund)
    pooled income   = contributions - active credits - retiree credits
    pooled spending = sum_c (active + retired claims at base-year cost)_c * trend index * fund share_c
    account income  = active credits + retiree credits;  accounts spend a share of what they hold

The outpatient mutual-aid reform (门诊共济, 2021) switches the crediting rules from
``personal_accounts.reform_year``. Parameters: section ``employee`` of the assumption file and
``costs.fund_share.employee_<category>``. Maternity and the large-amount supplement add their
lines to the pooled fund (:mod:`.employee_layers`); the pooled fund pays the transfer to
long-term-care insurance (declared and computed by :mod:`.ltc`).
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


def resolve(a, years) -> dict:
    """The employee scheme's parameters over ``years`` (best estimate)."""
    s = lambda path: a.series(path, years).values  # noqa: E731
    factor = a.config.employee.contribution_base_factor
    return {
        "base0": a.scalar("employee.contribution_base"),
        "base_factor": s("employee.contribution_base_factor") if factor else np.ones(len(years)),
        "employer_rate": s("employee.employer_rate"),
        "employee_rate": s("employee.employee_rate"),
        "collection": s("employee.collection_rate"),
        "reform_year": int(a.scalar(PA + "reform_year")),
        "employee_to_account": s(PA + "employee_contribution_to_account"),
        "employer_share_before": s(PA + "employer_share_to_account_before_reform"),
        "retiree_credit_before": s(PA + "retiree_credit_before_reform"),
        "retiree_credit_after": s(PA + "retiree_credit_after_reform"),
        "spend_rate": s(PA + "spending_rate"),
        "fund_share": fund_shares(a, "employee", CLAIM_CATEGORIES, years),
        **employee_layers.resolve_layers(a, years),
    }


def money(p: dict, m: Members) -> Flows:
    """One chunk's money of the employee scheme (see the module docstring)."""
    act = m.member_years(m.claims["active"])
    ret = m.member_years(m.claims["retired"])
    active, retired = act[..., PERSONS], ret[..., PERSONS]
    base = p["base0"] * m.wage_index * p["base_factor"]
    employer, employee = employee_contributions(active, base, p["employer_rate"], p["employee_rate"],
                                                p["collection"])
    active_credit, retiree_credit = personal_account_credits(
        employer, employee, retired, year=m.years, reform_year=p["reform_year"],
        employee_to_account=p["employee_to_account"], employer_share_before=p["employer_share_before"],
        retiree_credit_before=p["retiree_credit_before"], retiree_credit_after=p["retiree_credit_after"])
    spending = claims_spending(act + ret, m.trend, p["fund_share"], CLAIM_CATEGORIES)
    medical, allowance, births = employee_layers.maternity(p["maternity"], m, base)
    spending["maternity"] = medical + allowance
    large_income, spending["large_amount_claims"] = employee_layers.large_amount(p["large_amount"], act + ret, m.trend,
                                                                          p["collection"])
    insured = m.claims["active"][:, :-1, PERSONS] + m.claims["retired"][:, :-1, PERSONS]   # 1 January of each year
    return Flows(
        income={"employer": employer, "employee": employee, "large_amount_premium": large_income},
        spending=spending,
        ledger_income={"pooled_fund": employer + employee - active_credit - retiree_credit + large_income,
                       "personal_accounts": active_credit + retiree_credit},
        ledger_spending={"pooled_fund": sum(spending.values()), "personal_accounts": None},
        spend_rate={"personal_accounts": p["spend_rate"]},
        member_years={"active": active, "retired": retired},
        insured=insured,
        extras={"personal_account_credit": np.stack([active_credit, retiree_credit], axis=-1),
                "contribution_base": base, "insured_births": births,
                "maternity_spending": np.stack([medical, allowance], axis=-1)},
    )


SCHEME = Scheme(
    name="employee",
    long_name="employee basic medical insurance (职工基本医疗保险)",
    section="employee",
    statuses=("active", "retired"),
    ledgers=(Ledger("pooled_fund", "employee pooled fund (统筹基金)", "employee.opening_balance"),
             Ledger("personal_accounts", "employee personal accounts (个人账户)", PA + "opening_balance",
                    spend_rate=True, history_column="personal_account_credits")),
    sources=(Line("employer", "employer contributions", flexible=True),
             Line("employee", "employee contributions", flexible=True),
             Line("large_amount_premium", "large-amount supplement (大额医疗费用补助) premiums")),
    categories=tuple(Line(c, c) for c in CLAIM_CATEGORIES) + (
        Line("maternity", "maternity (生育: medical costs and allowance)"),
        Line("large_amount_claims", "large-amount supplement (大额医疗费用补助) claims"),
        Line("ltc_transfer", "transfer to long-term-care insurance")),
    claim_categories=CLAIM_CATEGORIES,
    member_columns={"active": "active_years", "retired": "retired_years"},
    resolve=resolve,
    money=money,
    outputs=(
        Output("personal_account_credit", ("account_holder",), {
            "units": "CNY", "long_name": "credits into employee personal accounts",
            "description": "active: own contribution (+ employer share before the reform); retired: credit "
                           "from the pooled fund"}, {"account_holder": ["active", "retired"]}),
        Output("contribution_base", (), {"units": "CNY per active member-year",
                                         "long_name": "average contribution base"}),
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
