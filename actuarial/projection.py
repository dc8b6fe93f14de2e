"""The projection engine: assumptions -> demography -> costs -> fund -> indicators.

One public entry, :func:`project`. Each stage is a function of arrays from the stage before;
nothing reaches back up the flow. Arrays carry a leading ``draw`` axis from the start (size 1
for a deterministic run), so the same code serves the stochastic engine.

Timing conventions
------------------
* ``year`` runs from the base year to base year + ``years``.
* ``population`` is the stock at 1 January of ``year``; births, deaths and migration are the
  flows during ``year``; so ``population[y+1] = population[y] + births + migration - deaths``.
* Money flows of ``year`` use member-years: the mean of the 1 January stocks of ``year`` and
  ``year + 1``. The engine therefore runs the population one year past the horizon (two when
  months of reserves are measured against next year's spending) and drops the extra years.
* ``balance`` is the closing balance at 31 December of ``year``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone

import numpy as np
import platform
import xarray as xr

from . import costs, demography, fund, schemes
from ._version import __version__
from .assumptions import AGES, CATEGORIES, SCHEMES, SEXES, STATUSES, Assumptions
from .errors import ProjectionError

A, R, O = (demography.STATUS_INDEX[s] for s in ("active", "retired", "resident"))
FEMALE = demography.SEX_INDEX["female"]
SPENDING_CATEGORIES = CATEGORIES + ("critical_illness",)
INCOME_SOURCES = ("employer", "employee", "premium", "subsidy")


@dataclass
class Inputs:
    """Every assumption resolved to arrays over the engine's years.

    Shapes: ``D`` draws (1 when deterministic), ``T`` flow years (base .. base+years+extra),
    ``T + 1`` population dates. Arrays that never vary by draw have no draw axis."""

    flow_years: np.ndarray
    pop0: np.ndarray                # (status, sex, age) persons at 1 Jan base year
    sx: np.ndarray                  # (D, T, sex, age) survival ratios for the step out of year t
    birth_survival: np.ndarray      # (D, T, sex)
    fertility: np.ndarray           # (T, age) births per woman-year
    srb: np.ndarray                 # (T,) males per female
    entry: np.ndarray               # (D, T, sex, age) resident -> active, fraction per year
    exit: np.ndarray                # (D, T, sex, age) active -> resident
    retire: np.ndarray              # (T, sex, age) retirement hazard for the step out of year t
    eligible: np.ndarray            # (T,) share of retirees meeting the contribution-years rule
    migration: np.ndarray           # (status, sex, age) persons per year
    enrol: np.ndarray               # (D, T, age) resident-scheme enrolment share of the resident group
    contribution_base: np.ndarray   # (D, T) CNY per active member-year
    employer_rate: np.ndarray       # (T,)
    employee_rate: np.ndarray
    employee_collection: np.ndarray
    pa_reform_year: int
    pa_employee_to_account: np.ndarray
    pa_employer_share_before: np.ndarray
    pa_retiree_credit_before: np.ndarray
    pa_retiree_credit_after: np.ndarray
    pa_spending_rate: np.ndarray
    premium: np.ndarray
    subsidy: np.ndarray
    resident_collection: np.ndarray
    critical_illness: np.ndarray
    claim_cost: np.ndarray          # (status, sex, age, category) base-year CNY per member-year
    fund_share: np.ndarray          # (T, scheme, category)
    trend: np.ndarray               # (D, T) cost trend index
    interest_rate: np.ndarray       # (D, T)
    interest_on: str
    opening_pooled: float
    opening_pa: float
    opening_resident: float
    draws: int = 1


def resolve_inputs(a: Assumptions, flow_years: np.ndarray) -> Inputs:
    """Resolve every assumption over ``flow_years`` (deterministic best estimate)."""
    pop_years = np.append(flow_years, flow_years[-1] + 1)
    s = lambda path: a.series(path, flow_years)  # noqa: E731

    mx = demography.mortality_path(a.tables["mortality"], flow_years, s("demography.mortality_improvement"))
    surv = demography.survival_ratios(mx.transpose("year", "sex", "age"))
    fert = demography.fertility_rates(s("demography.total_fertility_rate"), a.tables["fertility_pattern"])
    retirement = a.config.demography.retirement
    hazard = demography.retirement_hazard(demography.retired_share(retirement, pop_years))
    trans = a.tables["transitions"]
    enrol = demography.enrolled_share(s("resident.enrolment_rate").values,
                                      s("resident.newborn_enrolment_rate").values)
    wage = s("economy.wage_growth").values
    growth = np.where(np.arange(flow_years.size) == 0, 1.0, 1.0 + wage)
    base = a.scalar("employee.contribution_base") * np.cumprod(growth)
    trend = costs.trend_index(s("costs.medical_inflation"), s("costs.utilisation_growth"),
                              s("costs.policy_effect")).values
    share = np.stack([
        np.stack([s(f"costs.fund_share.{sch}_{cat}").values for cat in CATEGORIES], axis=-1)
        for sch in SCHEMES], axis=1)
    T = flow_years.size
    return Inputs(
        flow_years=flow_years,
        pop0=a.tables["population"].transpose("status", "sex", "age").values,
        sx=surv["sx"].values[None],
        birth_survival=surv["birth_survival"].values[None],
        fertility=fert.transpose("year", "age").values,
        srb=s("demography.sex_ratio_at_birth").values,
        entry=np.broadcast_to(trans["entry"].transpose("sex", "age").values, (1, T, 2, AGES.size)),
        exit=np.broadcast_to(trans["exit"].transpose("sex", "age").values, (1, T, 2, AGES.size)),
        retire=hazard.transpose("year", "sex", "age").values[1:],
        eligible=s("demography.retirement.share_meeting_minimum_contribution_years").values,
        migration=a.tables["migration"].transpose("status", "sex", "age").values,
        enrol=enrol[None],
        contribution_base=base[None],
        employer_rate=s("employee.employer_rate").values,
        employee_rate=s("employee.employee_rate").values,
        employee_collection=s("employee.collection_rate").values,
        pa_reform_year=int(a.scalar("employee.personal_accounts.reform_year")),
        pa_employee_to_account=s("employee.personal_accounts.employee_contribution_to_account").values,
        pa_employer_share_before=s("employee.personal_accounts.employer_share_to_account_before_reform").values,
        pa_retiree_credit_before=s("employee.personal_accounts.retiree_credit_before_reform").values,
        pa_retiree_credit_after=s("employee.personal_accounts.retiree_credit_after_reform").values,
        pa_spending_rate=s("employee.personal_accounts.spending_rate").values,
        premium=s("resident.premium").values,
        subsidy=s("resident.subsidy").values,
        resident_collection=s("resident.collection_rate").values,
        critical_illness=s("resident.critical_illness_transfer").values,
        claim_cost=a.tables["claim_costs"].transpose("status", "sex", "age", "category").values,
        fund_share=share,
        trend=trend[None],
        interest_rate=s("economy.interest_rate").values[None],
        interest_on=a.config.economy.interest_on,
        opening_pooled=a.scalar("employee.opening_balance"),
        opening_pa=a.scalar("employee.personal_accounts.opening_balance"),
        opening_resident=a.scalar("resident.opening_balance"),
    )


def run_population(inp: Inputs) -> dict[str, np.ndarray]:
    """The cohort-component projection. Returns ``population`` (D, T+1, status, sex, age) at
    each 1 January and the flows ``births``, ``deaths``, ``migration`` (D, T, sex) of each year."""
    D = max(inp.draws, inp.sx.shape[0], inp.entry.shape[0])
    T = inp.flow_years.size
    pop = np.empty((D, T + 1, len(STATUSES), len(SEXES), AGES.size))
    pop[:, 0] = inp.pop0
    born = np.empty((D, T, len(SEXES)))
    died = np.empty((D, T, len(SEXES)))
    moved = np.empty((D, T, len(SEXES)))
    for t in range(T):  # a recurrence over years; everything inside broadcasts over draws
        start = pop[:, t]
        aged = demography.survive_and_age(start, inp.sx[:, t])
        women_start = start[:, :, FEMALE, :].sum(axis=1)
        women_end = aged[:, :, FEMALE, :].sum(axis=1)
        b = demography.split_births(demography.births(women_start, women_end, inp.fertility[t]),
                                    inp.srb[t])
        aged[:, O, :, 0] = b * inp.birth_survival[:, t]
        died[:, t] = start.sum(axis=(1, 3)) + b - aged.sum(axis=(1, 3))
        born[:, t] = b
        after = demography.transitions(aged, inp.entry[:, t], inp.exit[:, t], inp.retire[t],
                                       inp.eligible[t])
        pop[:, t + 1], applied = demography.migrate(after, inp.migration)
        moved[:, t] = applied.sum(axis=(1, 3))
    return {"population": pop, "births": born, "deaths": died, "migration": moved}


def run_money(inp: Inputs, pop: np.ndarray) -> dict[str, np.ndarray]:
    """Income, spending, balances and personal accounts of both funds, (D, T) arrays in CNY."""
    years_py = 0.5 * (pop[:, :-1] + pop[:, 1:])            # member-years (D, T, status, sex, age)
    active = years_py[:, :, A].sum(axis=(-2, -1))
    retired = years_py[:, :, R].sum(axis=(-2, -1))
    enrolled = years_py[:, :, O] * inp.enrol[:, :, None, :]  # (D, T, sex, age)
    enrolled_total = enrolled.sum(axis=(-2, -1))

    employer, employee = schemes.employee_contributions(
        active, inp.contribution_base, inp.employer_rate, inp.employee_rate, inp.employee_collection)
    active_credit, retiree_credit = schemes.personal_account_credits(
        employer, employee, retired, year=inp.flow_years, reform_year=inp.pa_reform_year,
        employee_to_account=inp.pa_employee_to_account,
        employer_share_before=inp.pa_employer_share_before,
        retiree_credit_before=inp.pa_retiree_credit_before,
        retiree_credit_after=inp.pa_retiree_credit_after)
    premiums, subsidies = schemes.resident_income(
        enrolled_total, inp.premium, inp.subsidy, inp.resident_collection)

    emp_share = inp.fund_share[None, :, 0, :]
    res_share = inp.fund_share[None, :, 1, :]
    emp_claims = (costs.benefit_spending(years_py[:, :, A], inp.claim_cost[A], inp.trend, emp_share)
                  + costs.benefit_spending(years_py[:, :, R], inp.claim_cost[R], inp.trend, emp_share))
    res_claims = costs.benefit_spending(enrolled, inp.claim_cost[O], inp.trend, res_share)
    critical = enrolled_total * inp.critical_illness

    spending_cat = np.zeros(active.shape + (len(SCHEMES), len(SPENDING_CATEGORIES)))
    spending_cat[..., 0, :2] = emp_claims
    spending_cat[..., 1, :2] = res_claims
    spending_cat[..., 1, 2] = critical
    spending = spending_cat.sum(axis=-1)

    income_src = np.zeros(active.shape + (len(SCHEMES), len(INCOME_SOURCES)))
    income_src[..., 0, 0] = employer
    income_src[..., 0, 1] = employee
    income_src[..., 1, 2] = premiums
    income_src[..., 1, 3] = subsidies
    income = np.stack([employer + employee - active_credit - retiree_credit, premiums + subsidies], axis=-1)

    opening = np.array([inp.opening_pooled, inp.opening_resident])
    rate = np.broadcast_to(inp.interest_rate, active.shape)[..., None]
    closing, interest = fund.roll_forward(np.broadcast_to(opening, (active.shape[0], 2)),
                                          np.moveaxis(income, -1, 1), np.moveaxis(spending, -1, 1),
                                          np.moveaxis(rate, -1, 1), inp.interest_on)
    pa_credit = active_credit + retiree_credit
    pa_closing, pa_spending, pa_interest = fund.roll_personal_accounts(
        inp.opening_pa, pa_credit, np.broadcast_to(inp.pa_spending_rate, active.shape),
        np.broadcast_to(inp.interest_rate, active.shape), inp.interest_on)
    return {
        "active_years": active, "retired_years": retired, "enrolled_years": enrolled_total,
        "income_by_source": income_src, "income": income,
        "spending_by_category": spending_cat, "spending": spending,
        "interest": np.moveaxis(interest, 1, -1), "balance": np.moveaxis(closing, 1, -1),
        "pa_credit": np.stack([active_credit, retiree_credit], axis=-1),
        "pa_spending": pa_spending, "pa_interest": pa_interest, "pa_balance": pa_closing,
    }


def _attrs(units: str, long_name: str, description: str = "") -> dict:
    out = {"units": units, "long_name": long_name}
    if description:
        out["description"] = description
    return out


def assemble(a: Assumptions, inp: Inputs, pop: dict, money: dict, years: int,
             *, seed=None, stochastic: bool = False) -> xr.Dataset:
    """Build the output Dataset over base .. base+years with units, definitions and provenance."""
    n = years + 1
    out_years = inp.flow_years[:n]
    P = pop["population"][:, :n]
    coords = {"draw": np.arange(P.shape[0]), "year": out_years, "status": list(STATUSES),
              "sex": list(SEXES), "age": AGES, "scheme": list(SCHEMES)}
    dy = ("draw", "year")
    insured = np.stack([P[:, :, A].sum(axis=(-2, -1)) + P[:, :, R].sum(axis=(-2, -1)),
                        (P[:, :, O] * inp.enrol[:, :n, None, :]).sum(axis=(-2, -1))], axis=-1)
    total = P.sum(axis=(2, 3, 4))
    by_age = P.sum(axis=(2, 3))
    denom_offset = 1 if a.config.indicators.reserve_months_denominator == "next_year" else 0
    spend_denom = money["spending"][:, denom_offset:denom_offset + n]
    balance = money["balance"][:, :n]
    income, spending = money["income"][:, :n], money["spending"][:, :n]
    ds = xr.Dataset(coords=coords)
    ds["population"] = (dy + ("status", "sex", "age"), P, _attrs(
        "persons", "population at 1 January",
        "whole city population; status 'resident' is everyone outside the employee scheme"))
    ds["births"] = (dy + ("sex",), pop["births"][:, :n], _attrs("persons", "births during the year"))
    ds["deaths"] = (dy + ("sex",), pop["deaths"][:, :n], _attrs(
        "persons", "deaths during the year", "deaths among the 1 January population and the year's births"))
    ds["net_migration"] = (dy + ("sex",), pop["migration"][:, :n], _attrs("persons", "net migrants during the year"))
    ds["insured"] = (dy + ("scheme",), insured, _attrs(
        "persons", "insured members at 1 January",
        "employee: active + retired; resident: enrolled members of the resident group"))
    ds["coverage"] = (dy, insured.sum(-1) / total, _attrs("1", "insured share of the city population at 1 January"))
    ds["member_years"] = (dy + ("status",), np.stack([money["active_years"], money["retired_years"],
                                                      money["enrolled_years"]], -1)[:, :n],
                          _attrs("person-years", "member-years in the year",
                                 "mean of the 1 January stocks of the year and the next; 'resident' counts enrolled members only"))
    ds = ds.assign_coords(source=list(INCOME_SOURCES), category=list(SPENDING_CATEGORIES),
                          account_holder=["active", "retired"])
    ds["income_by_source"] = (dy + ("scheme", "source"), money["income_by_source"][:, :n], _attrs(
        "CNY", "contributions, premiums and subsidies collected",
        "employee scheme gross contributions (before the personal-account split) by payer; resident premiums and subsidies"))
    ds["income"] = (dy + ("scheme",), income, _attrs(
        "CNY", "fund income (pooled fund for the employee scheme)",
        "employee: contributions less personal-account credits; resident: premiums + subsidies; interest excluded"))
    ds["spending_by_category"] = (dy + ("scheme", "category"), money["spending_by_category"][:, :n], _attrs(
        "CNY", "fund spending by category", "claims x trend index x fund share; critical_illness is the resident per-capita transfer"))
    ds["spending"] = (dy + ("scheme",), spending, _attrs("CNY", "fund spending (pooled fund for the employee scheme)"))
    ds["interest"] = (dy + ("scheme",), money["interest"][:, :n], _attrs("CNY", "interest credited on the balance"))
    opening = np.concatenate([np.broadcast_to([inp.opening_pooled, inp.opening_resident],
                                              (P.shape[0], 1, 2)), balance[:, :-1]], axis=1)
    ds["opening_balance"] = (dy + ("scheme",), opening, _attrs(
        "CNY", "opening balance at 1 January (pooled fund for the employee scheme)"))
    ds["balance"] = (dy + ("scheme",), balance, _attrs(
        "CNY", "closing balance at 31 December (pooled fund for the employee scheme)",
        "opening + income - spending + interest"))
    ds["personal_account_credit"] = (dy + ("account_holder",), money["pa_credit"][:, :n], _attrs(
        "CNY", "credits into employee personal accounts", "active: own contribution (+ employer share before the reform); retired: credit from the pooled fund"))
    ds["personal_account_spending"] = (dy, money["pa_spending"][:, :n], _attrs("CNY", "spending from personal accounts"))
    ds["personal_account_interest"] = (dy, money["pa_interest"][:, :n], _attrs("CNY", "interest credited to personal accounts"))
    pa_balance = money["pa_balance"][:, :n]
    ds["personal_account_opening_balance"] = (dy, np.concatenate(
        [np.full((P.shape[0], 1), inp.opening_pa), pa_balance[:, :-1]], axis=1),
        _attrs("CNY", "personal-account balances at 1 January"))
    ds["personal_account_balance"] = (dy, pa_balance, _attrs(
        "CNY", "personal-account balances at 31 December"))
    ds["contribution_base"] = (dy, np.broadcast_to(inp.contribution_base, (P.shape[0], inp.flow_years.size))[:, :n],
                               _attrs("CNY per active member-year", "average contribution base"))
    ds["trend_index"] = (dy, np.broadcast_to(inp.trend, (P.shape[0], inp.flow_years.size))[:, :n],
                         _attrs("1", "medical cost trend index (base year = 1)"))
    ds["reserve_months"] = (dy + ("scheme",), fund.reserve_months(balance, spend_denom), _attrs(
        "months", "months of reserves (累计结余可支付月数)",
        f"closing balance / ({'next' if denom_offset else 'this'} year's spending / 12); pooled fund only for the employee scheme"))
    ds["surplus_rate"] = (dy + ("scheme",), fund.surplus_rate(income, spending), _attrs(
        "1", "current-year surplus rate (当期结余率)", "(income - spending) / income, interest excluded"))
    ds["dependency_ratio"] = (dy, P[:, :, A].sum(axis=(-2, -1)) / P[:, :, R].sum(axis=(-2, -1)), _attrs(
        "active members per retiree", "employee-scheme active:retired ratio (在职退休比) at 1 January"))
    ds["old_age_ratio"] = (dy, by_age[..., 65:].sum(-1) / by_age[..., 15:65].sum(-1), _attrs(
        "1", "old-age ratio: population 65+ / population 15-64 at 1 January"))
    ds["depletion_year"] = (("draw", "scheme"), fund.depletion_year(np.moveaxis(balance, 1, -1), out_years), _attrs(
        "year", "first year with a closing balance below zero", "NaN when the balance stays at or above zero over the horizon"))
    if not stochastic:
        ds = ds.isel(draw=0, drop=True)
    ds.attrs.update(provenance(a, seed=seed, draws=P.shape[0] if stochastic else 1, years=years))
    return ds


def provenance(a: Assumptions, *, seed, draws: int, years: int) -> dict:
    """Attributes that make every output traceable to the code and assumptions behind it."""
    return {
        "title": f"Medical-insurance fund projection: {a.config.title}",
        "package": "actuarial",
        "package_version": __version__,
        "assumption_set": a.name,
        "assumption_path": str(a.path),
        "assumption_hash": a.digest,
        "base_year": a.base_year,
        "horizon_years": years,
        "draws": draws,
        "seed": "none" if seed is None else str(seed),
        "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "python_version": platform.python_version(),
        "numpy_version": np.__version__,
        "xarray_version": xr.__version__,
        "currency": "CNY, nominal",
        "Conventions": "CF-1.8",
    }


def project(assumptions: Assumptions, years: int = 10, *, draws: int | None = None,
            seed: int | None = None) -> xr.Dataset:
    """Project both funds of an assumption set.

    Parameters
    ----------
    assumptions : Assumptions
        From :func:`actuarial.load_assumptions`.
    years : int
        Horizon: the result covers the base year and the ``years`` years after it.

    Returns
    -------
    xarray.Dataset
        ``population(year, status, sex, age)``, ``income``, ``spending``, ``balance``,
        ``reserve_months``, ``surplus_rate`` (``year, scheme``), ``personal_account_balance``,
        ``dependency_ratio``, ``old_age_ratio`` (``year``), ``depletion_year(scheme)`` and the
        components behind them, each with ``units`` and ``long_name``; provenance in attrs.
    """
    if not isinstance(years, (int, np.integer)) or isinstance(years, bool) or not 0 <= years <= 60:
        raise ProjectionError(f"years must be a whole number from 0 to 60 (got {years!r})")
    if draws is not None:
        raise ProjectionError("stochastic draws are not available yet; call project(..., draws=None)")
    extra = 2 if assumptions.config.indicators.reserve_months_denominator == "next_year" else 1
    flow_years = assumptions.base_year + np.arange(years + extra)
    inp = resolve_inputs(assumptions, flow_years)
    pop = run_population(inp)
    money = run_money(inp, pop["population"])
    return assemble(assumptions, inp, pop, money, years, seed=seed, stochastic=False)
