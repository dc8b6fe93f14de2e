"""Cross-checks of an assumption set's base year, computed from its tables and parameters
directly (not from the engine), that catch a unit slip no single range can see:

* opening balances against a year of spending: ``months = balance / (spending / 12)``, with
  base-year spending of a fund approximated as

      spending_s = sum_{status in s, sex, age} population x enrolled share x claim_cost[category] x fund_share[s, category]
                   (+ critical-illness transfer x enrolled, resident fund)

  plausible from -12 to 72 months (a balance in 万元 gives a few hundredths of a month);
* the personal-account opening balance against a year of credits (0 to 6 years, and not a
  few hundredths of a year: an amount in 万元);
* the city's size and the share insured: a total population from 100,000 to 40 million (a
  table in 万人 or thousands falls far below), active members per retiree from 0.8 to 12;
* income against spending: ``income_employee = base x factor x (employer + employee rate) x
  collection x active members - credits to personal accounts`` (the pooled fund's share),
  ``income_resident = (premium + subsidy) x collection x
  enrolled``; the ratio income / spending plausible from 0.5 to 3 (a monthly contribution base
  gives about a twelfth of the income).

Member counts are the 1 January base-year stocks (the engine uses member-years, the mean of
two stocks: close enough for a plausibility check). Each check can be confirmed with
``accept_unusual`` (field name given in the message)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from .schema import AssumptionFile
from .validation import unusual

BALANCE_MONTHS = (-12.0, 72.0)
ACCOUNT_YEARS = (0.0, 6.0)
POPULATION = (1e5, 4e7)
ACTIVE_PER_RETIREE = (0.8, 12.0)
INCOME_OVER_SPENDING = (0.5, 3.0)


def base_year_aggregates(cfg: AssumptionFile, tables: dict) -> dict:
    """Members, income and fund spending of the base year (CNY per year; persons at 1 January).

    For the example city these give 24.3 months of pooled spending, 8.67 months of resident
    spending and 2.83 years of account credits, against build.py's targets of 23.9 and 8.6
    months (set through the engine's member-years; the account stock is the national balance
    per member)."""
    y = [cfg.base_year]
    first = lambda p: float(p.resolve(y)[0])  # noqa: E731
    pop = np.asarray(tables["population"].transpose("status", "sex", "age").values, dtype=float)
    cost = np.asarray(tables["claim_costs"].transpose("status", "sex", "age", "category").values, dtype=float)
    P = {s: pop[i] for i, s in enumerate(tables["population"]["status"].values)}
    C = {s: cost[i] for i, s in enumerate(tables["claim_costs"]["status"].values)}
    fs = cfg.costs.fund_share
    e = cfg.employee
    pa = e.personal_accounts
    reformed = cfg.base_year >= pa.reform_year.value
    emp_share = np.array([first(fs.employee_inpatient), first(fs.employee_outpatient)])
    pooling = pa.outpatient_pooling
    if pooling is not None and reformed:   # the reform's spending side (see schemes.employee)
        released = first(pooling.released_demand) if pooling.released_demand is not None else 1.0
        emp_share = emp_share * np.array([1.0, released]) + np.array([0.0, first(pooling.fund_share_increase)])
    res_share = np.array([first(fs.resident_inpatient), first(fs.resident_outpatient)])
    r = cfg.resident
    enrol = np.full(pop.shape[-1], first(r.enrolment_rate))
    enrol[0] = first(r.newborn_enrolment_rate)
    active, retired = P["active"].sum(), P["retired"].sum()
    flexible = P.get("flexible", np.zeros(1)).sum()
    enrolled_by_age = P["resident"] * enrol
    enrolled = enrolled_by_age.sum()
    emp_spending = float(sum((P[s][..., None] * C[s] * emp_share).sum() for s in ("active", "flexible", "retired")
                             if s in P))
    res_spending = float((enrolled_by_age[..., None] * C["resident"] * res_share).sum()
                         + enrolled * first(r.critical_illness_transfer))
    factor = first(e.contribution_base_factor) if e.contribution_base_factor is not None else 1.0
    base = e.contribution_base.value * factor
    collected = first(e.collection_rate)
    emp_income = base * (first(e.employer_rate) + first(e.employee_rate)) * collected * active
    res_income = (first(r.premium) + first(r.subsidy)) * first(r.collection_rate) * enrolled
    credits = base * collected * active * (
        first(e.employee_rate) * first(pa.employee_contribution_to_account)
        + (0.0 if reformed else first(e.employer_rate) * first(pa.employer_share_to_account_before_reform)))
    credits += retired * first(pa.retiree_credit_after_reform if reformed else pa.retiree_credit_before_reform)
    f = e.flexible
    if f is not None:
        f_base = f.average_wage.value * min(max(first(f.base_share), f.base_floor.value), f.base_ceiling.value)
        f_rate = first(f.rate) if f.rate is not None else first(e.employer_rate) + first(e.employee_rate)
        f_income = f_base * f_rate * (first(f.collection_rate) if f.collection_rate is not None else collected) * flexible
        emp_income += f_income
        credits += f_income * first(f.account_share_after_reform if reformed else f.account_share_before_reform)
    active = active + flexible       # contributors, for the active:retired ratio
    return {"total": float(pop.sum()), "active": float(active), "retired": float(retired),
            "enrolled": float(enrolled), "employee_contributions": emp_income,
            "employee_income": emp_income - credits, "resident_income": res_income,
            "employee_spending": emp_spending, "resident_spending": res_spending, "account_credits": credits}


def _balance_message(balance: float, spending: float, what: str) -> str | None:
    """None when ``balance`` is a plausible number of months of ``spending``, else the message
    (naming 万元 or 亿元 when that reading would be plausible)."""
    if spending <= 0:
        return None
    months = balance / (spending / 12)
    lo, hi = BALANCE_MONTHS
    if lo <= months <= hi and not (balance != 0 and abs(months) < 0.05):
        return None
    msg = (f"value {balance:g} CNY is {months:.3g} months of the base year's {what} spending "
           f"(about {spending:,.0f} CNY a year), outside the plausible {lo:g} to {hi:g} months")
    for k, unit in ((1e4, "万元 (10,000 CNY)"), (1e8, "亿元 (100 million CNY)")):
        if 0.5 <= abs(months * k) <= hi:
            return msg + f"; it looks like an amount in {unit}: in CNY write {balance * k:g}"
    return msg


def check_cross(cfg: AssumptionFile, tables: dict, file: Path, accept: set[str]) -> None:
    """Run the cross-checks; the first failure not in ``accept`` raises an
    :class:`~actuarial.errors.AssumptionError` naming the field and the likely slip."""
    agg = base_year_aggregates(cfg, tables)
    pop_file = file.parent / cfg.tables.population
    if "tables.population" not in accept:
        total = agg["total"]
        lo, hi = POPULATION
        if not lo <= total <= hi:
            hint = next((f"; it looks like a table in {unit}: persons are counted one by one"
                         for k, unit in ((1e4, "万人 (10,000 persons)"), (1e3, "thousands"))
                         if lo <= total * k <= hi), "")
            raise unusual(f"the base-year population totals {total:,.0f} persons, outside the plausible "
                          f"{lo:,.0f} to {hi:,.0f} for a city{hint}", file=pop_file, field="persons",
                          accept_as="tables.population")
        if agg["retired"] > 0:
            ratio = agg["active"] / agg["retired"]
            lo, hi = ACTIVE_PER_RETIREE
            if not lo <= ratio <= hi:
                raise unusual(f"{ratio:.3g} active members per retiree, outside the plausible {lo:g} to {hi:g} "
                              f"(statuses 'active' and 'retired' swapped?)", file=pop_file, field="status",
                              accept_as="tables.population")
    for scheme, culprits in (("employee", "employee.contribution_base (a monthly base?) or the claim costs"),
                             ("resident", "resident.premium and subsidy or the claim costs")):
        check = f"income_vs_spending.{scheme}"
        spending, income = agg[f"{scheme}_spending"], agg[f"{scheme}_income"]
        if check in accept or spending <= 0 or income <= 0:
            continue
        ratio = income / spending
        lo, hi = INCOME_OVER_SPENDING
        if not lo <= ratio <= hi:
            hint = ("; 12 times the income would fit: is the contribution base or premium monthly?"
                    if lo <= ratio * 12 <= hi else
                    "; 12 times the spending would fit: are the claim costs monthly?" if lo <= ratio / 12 <= hi else "")
            raise unusual(f"base-year {scheme} income {income:,.0f} CNY is {ratio:.3g} times its spending from the "
                          f"claim-cost table ({spending:,.0f} CNY), outside the plausible {lo:g} to {hi:g}; check "
                          f"{culprits}{hint}", file=file, field=check, accept_as=check)
    for scheme, field in (("employee", "employee.opening_balance"), ("resident", "resident.opening_balance")):
        if field in accept:
            continue
        balance = getattr(cfg, scheme).opening_balance.value
        msg = _balance_message(balance, agg[f"{scheme}_spending"], f"{scheme} fund")
        if msg:
            raise unusual(msg, file=file, field=f"{field}.value", accept_as=field)
    field = "employee.personal_accounts.opening_balance"
    balance = cfg.employee.personal_accounts.opening_balance.value
    if field not in accept and agg["account_credits"] > 0:
        years = balance / agg["account_credits"]
        lo, hi = ACCOUNT_YEARS
        if not lo <= years <= hi or 0 < years < 0.01:
            hint = next((f"; it looks like an amount in {unit}: in CNY write {balance * k:g}"
                         for k, unit in ((1e4, "万元 (10,000 CNY)"), (1e8, "亿元 (100 million CNY)"))
                         if 0.1 <= years * k <= hi), "")
            raise unusual(f"value {balance:g} CNY is {years:.3g} years of the base year's credits to personal accounts "
                          f"(about {agg['account_credits']:,.0f} CNY), outside the plausible 0.01 to {hi:g} (or exactly 0){hint}",
                          file=file, field=f"{field}.value", accept_as=field)
