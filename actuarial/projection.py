"""The projection engine: assumptions -> demography -> costs -> fund -> indicators.

One public entry, :func:`project`. Each stage is a function of arrays from the stage before;
nothing reaches back up the flow. The engine works on a leading ``draw`` axis throughout: a
deterministic run is one draw with every deviation at zero, through the very same code, so it
equals a stochastic run with zero shocks exactly.

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

import os
import platform
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timezone

import numpy as np
import xarray as xr

from . import costs, demography, fund, lifetable, schemes, uncertainty
from ._version import __version__
from .dims import AGES, CATEGORIES, SEXES, STATUSES
from .params import Assumptions
SCHEMES = ("employee", "resident")
from .errors import ProjectionError

A, R, O = (demography.STATUS_INDEX[s] for s in ("active", "retired", "resident"))
FEMALE = demography.SEX_INDEX["female"]
SPENDING_CATEGORIES = CATEGORIES + ("critical_illness",)
INCOME_SOURCES = ("employer", "employee", "premium", "subsidy")
DEFAULT_CHUNK = 250


@dataclass
class Inputs:
    """Every assumption resolved to best-estimate arrays over the engine's ``T`` flow years."""

    flow_years: np.ndarray
    pop0: np.ndarray                # (status, sex, age) persons at 1 Jan base year
    mx: np.ndarray                  # (T, sex, age) best-estimate single-year death rates
    fertility: np.ndarray           # (T, age) births per woman-year
    srb: np.ndarray                 # (T,) males per female
    entry: np.ndarray               # (sex, age) resident -> active, fraction per year
    exit: np.ndarray                # (sex, age) active -> resident
    retire: np.ndarray              # (T, sex, age) retirement hazard for the step out of year t
    eligible: np.ndarray            # (T,) share of retirees meeting the contribution-years rule
    migration: np.ndarray           # (status, sex, age) persons per year
    enrolment_rate: np.ndarray      # (T,) resident group aged 1+
    newborn_enrolment_rate: np.ndarray  # (T,)
    base0: float                    # CNY per active member-year in the base year
    base_factor: np.ndarray         # (T,) multiplier on the average base (floor/ceiling changes)
    wage_growth: np.ndarray         # (T,) fraction per year
    employer_rate: np.ndarray
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
    medical_inflation: np.ndarray   # (T,)
    utilisation_growth: np.ndarray
    policy_effect: np.ndarray
    interest_rate: np.ndarray       # (T,)
    interest_on: str
    opening_pooled: float
    opening_pa: float
    opening_resident: float


@dataclass
class Realised:
    """The inputs that vary by draw, for one chunk of ``D`` draws."""

    sx: np.ndarray                  # (D, T, sex, age)
    birth_survival: np.ndarray      # (D, T, sex)
    employment_scale: np.ndarray    # (D, T) entry rates x scale, exit rates / scale
    entry: np.ndarray | None        # (D, T, sex, age) scaled and capped at 1, when a cap binds
    exit: np.ndarray | None
    enrol: np.ndarray               # (D, T) enrolled share of the resident group aged 1+
    enrol_newborn: np.ndarray       # (D, T) enrolled share at age 0
    contribution_base: np.ndarray   # (D, T)
    trend: np.ndarray               # (D, T)
    interest_rate: np.ndarray       # (D, T)


def resolve_inputs(a: Assumptions, flow_years: np.ndarray) -> Inputs:
    """Resolve every assumption over ``flow_years`` (the best estimate)."""
    pop_years = np.append(flow_years, flow_years[-1] + 1)
    s = lambda path: a.series(path, flow_years).values  # noqa: E731
    mx = demography.mortality_path(a.tables["mortality"], flow_years,
                                   a.series("demography.mortality_improvement", flow_years))
    fert = demography.fertility_rates(a.series("demography.total_fertility_rate", flow_years),
                                      a.tables["fertility_pattern"])
    retirement = a.config.demography.retirement
    hazard = demography.retirement_hazard(demography.retired_share(retirement, pop_years))
    trans = a.tables["transitions"]
    share = np.stack([np.stack([s(f"costs.fund_share.{sch}_{cat}") for cat in CATEGORIES], axis=-1)
                      for sch in SCHEMES], axis=1)
    pa = "employee.personal_accounts."
    return Inputs(
        flow_years=flow_years,
        pop0=a.tables["population"].transpose("status", "sex", "age").values,
        mx=mx.transpose("year", "sex", "age").values,
        fertility=fert.transpose("year", "age").values,
        srb=s("demography.sex_ratio_at_birth"),
        entry=trans["entry"].transpose("sex", "age").values,
        exit=trans["exit"].transpose("sex", "age").values,
        retire=hazard.transpose("year", "sex", "age").values[1:],
        eligible=s("demography.retirement.share_meeting_minimum_contribution_years"),
        migration=a.tables["migration"].transpose("status", "sex", "age").values,
        enrolment_rate=s("resident.enrolment_rate"),
        newborn_enrolment_rate=s("resident.newborn_enrolment_rate"),
        base0=a.scalar("employee.contribution_base"),
        base_factor=(s("employee.contribution_base_factor") if a.config.employee.contribution_base_factor
                     else np.ones(flow_years.size)),
        wage_growth=s("economy.wage_growth"),
        employer_rate=s("employee.employer_rate"),
        employee_rate=s("employee.employee_rate"),
        employee_collection=s("employee.collection_rate"),
        pa_reform_year=int(a.scalar(pa + "reform_year")),
        pa_employee_to_account=s(pa + "employee_contribution_to_account"),
        pa_employer_share_before=s(pa + "employer_share_to_account_before_reform"),
        pa_retiree_credit_before=s(pa + "retiree_credit_before_reform"),
        pa_retiree_credit_after=s(pa + "retiree_credit_after_reform"),
        pa_spending_rate=s(pa + "spending_rate"),
        premium=s("resident.premium"),
        subsidy=s("resident.subsidy"),
        resident_collection=s("resident.collection_rate"),
        critical_illness=s("resident.critical_illness_transfer"),
        claim_cost=a.tables["claim_costs"].transpose("status", "sex", "age", "category").values,
        fund_share=share,
        medical_inflation=s("costs.medical_inflation"),
        utilisation_growth=s("costs.utilisation_growth"),
        policy_effect=s("costs.policy_effect"),
        interest_rate=s("economy.interest_rate"),
        interest_on=a.config.economy.interest_on,
        opening_pooled=a.scalar("employee.opening_balance"),
        opening_pa=a.scalar(pa + "opening_balance"),
        opening_resident=a.scalar("resident.opening_balance"),
    )


def realise(inp: Inputs, dev: dict[str, np.ndarray], bx: np.ndarray | None) -> Realised:
    """Apply deviations (each (D, T), mortality (D, T, sex)) to the best estimate. With every
    deviation zero the result equals the best estimate to the last bit."""
    if bx is None:   # best-estimate mortality: one set of ratios shared by every draw
        sx, bs = lifetable.survival_from_mx(inp.mx, lifetable.a0_by_sex(inp.mx[..., 0]))
        D = dev["mortality"].shape[0]
        sx, bs = np.broadcast_to(sx, (D,) + sx.shape), np.broadcast_to(bs, (D,) + bs.shape)
    else:
        m = np.multiply(bx[None, None], dev["mortality"][..., None])
        np.exp(m, out=m)
        m *= inp.mx[None]
        sx, bs = lifetable.survival_from_mx(m, lifetable.a0_by_sex(m[..., 0]))
    base = inp.base0 * costs.growth_index(inp.wage_growth[None] + dev["wage_growth"]) * inp.base_factor[None]
    trend = costs.growth_index(inp.medical_inflation[None] + dev["medical_inflation"] + inp.utilisation_growth[None]
                               + dev["utilisation_growth"] + inp.policy_effect[None])
    scale = np.exp(dev["employment"])
    capped = inp.entry.max() * scale.max() > 1.0 or inp.exit.max() / scale.min() > 1.0
    s4 = scale[..., None, None]
    return Realised(
        sx=sx, birth_survival=bs, employment_scale=scale,
        entry=np.minimum(inp.entry * s4, 1.0) if capped else None,
        exit=np.minimum(inp.exit / s4, 1.0) if capped else None,
        enrol=np.clip(inp.enrolment_rate[None] + dev["enrolment"], 0.0, 1.0),
        enrol_newborn=np.clip(inp.newborn_enrolment_rate[None] + dev["enrolment"], 0.0, 1.0),
        contribution_base=base, trend=trend,
        interest_rate=inp.interest_rate[None] + dev["interest_rate"],
    )


def run_population(inp: Inputs, real: Realised, out: np.ndarray | None = None) -> dict[str, np.ndarray]:
    """The cohort-component projection. Returns ``population`` (D, T+1, status, sex, age) at
    each 1 January (written into ``out`` when given) and the flows ``births``, ``deaths``,
    ``migration`` (D, T, sex) of each year."""
    D, T = real.sx.shape[:2]
    shape = (D, T + 1, len(STATUSES), len(SEXES), AGES.size)
    pop = np.empty(shape) if out is None else out
    pop[:, 0] = inp.pop0
    born, died, moved = (np.empty((D, T, len(SEXES))) for _ in range(3))
    for t in range(T):  # a recurrence over years; everything inside broadcasts over draws
        start, end = pop[:, t], pop[:, t + 1]
        demography.survive_and_age(start, real.sx[:, t], out=end)
        women = lambda p: p[:, 0, FEMALE] + p[:, 1, FEMALE] + p[:, 2, FEMALE]  # noqa: E731  all statuses
        b = demography.split_births(demography.births(women(start), women(end), inp.fertility[t]), inp.srb[t])
        end[:, O, :, 0] = b * real.birth_survival[:, t]
        died[:, t] = demography.deaths_among(start, real.sx[:, t]) + b * (1.0 - real.birth_survival[:, t])
        born[:, t] = b
        if real.entry is None:   # no cap binds: scale the base rates step by step
            scale = real.employment_scale[:, t, None, None]
            entry, exit_ = inp.entry * scale, inp.exit / scale
        else:
            entry, exit_ = real.entry[:, t], real.exit[:, t]
        demography.transitions(end, entry, exit_, inp.retire[t], inp.eligible[t], inplace=True)
        _, moved[:, t] = demography.migrate(end, inp.migration, inplace=True)
    return {"population": pop, "births": born, "deaths": died, "migration": moved}


def run_money(inp: Inputs, real: Realised, pop: np.ndarray) -> dict[str, np.ndarray]:
    """Income, spending, balances and personal accounts of both funds, (D, T, ...) in CNY.

    Member-years are the mean of the year's two 1 January stocks; because every money flow is
    linear in them, the engine sums persons and costs per stock (one matrix product each)
    and averages the sums."""
    mean = lambda x: 0.5 * (x[:, :-1] + x[:, 1:])  # noqa: E731  stocks -> member-years
    act = mean(costs.stock_claims(pop[:, :, A], inp.claim_cost[A]))     # (D, T, 1 + C)
    ret = mean(costs.stock_claims(pop[:, :, R], inp.claim_cost[R]))
    res_all = costs.stock_claims(pop[:, :, O], inp.claim_cost[O])       # (D, T+1, 1 + C)
    cost0 = np.concatenate([np.ones((len(SEXES), 1)), inp.claim_cost[O, :, 0, :]], axis=-1)
    res_age0 = pop[:, :, O, :, 0] @ cost0                             # (D, T+1, 1 + C)
    # enrolled residents: the general rate at ages 1+, the newborn rate at age 0
    rate1, rate0 = real.enrol[..., None], real.enrol_newborn[..., None]
    enrolled_stock = lambda x: rate1 * (x - res_age0[:, :x.shape[1]]) + rate0 * res_age0[:, :x.shape[1]]  # noqa: E731
    res = 0.5 * (enrolled_stock(res_all[:, :-1]) + rate1 * (res_all[:, 1:] - res_age0[:, 1:])
                 + rate0 * res_age0[:, 1:])
    active, retired, enrolled_total = act[..., 0], ret[..., 0], res[..., 0]

    employer, employee = schemes.employee_contributions(
        active, real.contribution_base, inp.employer_rate, inp.employee_rate, inp.employee_collection)
    active_credit, retiree_credit = schemes.personal_account_credits(
        employer, employee, retired, year=inp.flow_years, reform_year=inp.pa_reform_year,
        employee_to_account=inp.pa_employee_to_account,
        employer_share_before=inp.pa_employer_share_before,
        retiree_credit_before=inp.pa_retiree_credit_before,
        retiree_credit_after=inp.pa_retiree_credit_after)
    premiums, subsidies = schemes.resident_income(enrolled_total, inp.premium, inp.subsidy, inp.resident_collection)

    emp_share, res_share = inp.fund_share[None, :, 0, :], inp.fund_share[None, :, 1, :]
    spending_cat = np.zeros(active.shape + (len(SCHEMES), len(SPENDING_CATEGORIES)))
    spending_cat[..., 0, :2] = costs.fund_spending(act[..., 1:] + ret[..., 1:], real.trend, emp_share)
    spending_cat[..., 1, :2] = costs.fund_spending(res[..., 1:], real.trend, res_share)
    spending_cat[..., 1, 2] = enrolled_total * inp.critical_illness
    spending = spending_cat.sum(axis=-1)

    income_src = np.zeros(active.shape + (len(SCHEMES), len(INCOME_SOURCES)))
    income_src[..., 0, 0], income_src[..., 0, 1] = employer, employee
    income_src[..., 1, 2], income_src[..., 1, 3] = premiums, subsidies
    income = np.stack([employer + employee - active_credit - retiree_credit, premiums + subsidies], axis=-1)

    opening = np.broadcast_to([inp.opening_pooled, inp.opening_resident], (active.shape[0], 2))
    rate = real.interest_rate[:, None, :]
    closing, interest, _ = fund.roll_forward(opening, np.moveaxis(income, -1, 1), np.moveaxis(spending, -1, 1),
                                             rate, inp.interest_on)
    pa_closing, pa_interest, pa_spending = fund.roll_forward(
        inp.opening_pa, active_credit + retiree_credit, None, real.interest_rate, inp.interest_on,
        spend_rate=inp.pa_spending_rate[None])
    return {
        "member_years": np.stack([active, retired, enrolled_total], axis=-1),
        "income_by_source": income_src, "income": income,
        "spending_by_category": spending_cat, "spending": spending,
        "interest": np.moveaxis(interest, 1, -1), "balance": np.moveaxis(closing, 1, -1),
        "pa_credit": np.stack([active_credit, retiree_credit], axis=-1),
        "pa_spending": pa_spending, "pa_interest": pa_interest, "pa_balance": pa_closing,
        "contribution_base": real.contribution_base, "trend": real.trend,
        "insured_resident": enrolled_stock(res_all[:, :-1])[..., 0],
    }


def _workers() -> int:
    return max(1, min(4, os.cpu_count() or 1))


def run(inp: Inputs, dev: dict[str, np.ndarray], bx: np.ndarray | None, n: int,
        chunk: int = DEFAULT_CHUNK, workers: int | None = None,
        keep_population: bool = True) -> dict[str, np.ndarray]:
    """Run population and money for all draws, ``chunk`` draws at a time on ``workers``
    threads (numpy releases the GIL in its loops), keeping the first ``n`` years of every
    result (the rest were needed only as the next year's stocks). Each chunk writes its own
    slice of the outputs, so results do not depend on the chunking or the thread count.
    Without ``keep_population`` only totals by status and sex (and the age sums the old-age
    ratio needs) are kept, so memory no longer grows with draws x ages."""
    D = dev["wage_growth"].shape[0]
    T = inp.flow_years.size
    population = np.empty((D, T + 1, len(STATUSES), len(SEXES), AGES.size)) if keep_population else None
    out: dict[str, np.ndarray] = {}

    def one(lo: int) -> dict[str, np.ndarray]:
        hi = min(lo + chunk, D)
        real = realise(inp, {k: v[lo:hi] for k, v in dev.items()}, bx)
        pop = run_population(inp, real, out=None if population is None else population[lo:hi])
        money = run_money(inp, real, pop["population"])
        stocks = pop.pop("population")[:, :n]
        by_age = stocks.sum(axis=(2, 3))
        results = {k: v[:, :n] for k, v in {**pop, **money}.items()}
        results["population_total"] = stocks.sum(axis=-1)
        results["aged_65_plus"] = by_age[..., 65:].sum(axis=-1)
        results["aged_15_64"] = by_age[..., 15:65].sum(axis=-1)
        results["spending_next"] = money["spending"]
        if out:
            for key, value in results.items():
                out[key][lo:hi] = value
        return results

    starts = list(range(0, D, chunk))
    first = one(starts[0])                       # gives the shapes of every output
    for key, value in first.items():
        out[key] = np.empty((D,) + value.shape[1:])
        out[key][: value.shape[0]] = value
    rest = starts[1:]
    workers = _workers() if workers is None else workers
    if workers > 1 and len(rest) > 1:
        with ThreadPoolExecutor(max_workers=workers) as pool:
            list(pool.map(one, rest))
    else:
        for lo in rest:
            one(lo)
    if population is not None:
        out["population"] = population[:, :n]
    return out


def _attrs(units: str, long_name: str, description: str = "") -> dict:
    out = {"units": units, "long_name": long_name}
    if description:
        out["description"] = description
    return out


def assemble(a: Assumptions, inp: Inputs, res: dict, years: int, *, seed=None,
             stochastic_run: bool = False, sources=()) -> xr.Dataset:
    """Build the output Dataset over base .. base+years with units, definitions and provenance."""
    n = years + 1
    out_years = inp.flow_years[:n]
    totals = res["population_total"]                 # (D, n, status, sex)
    D = totals.shape[0]
    coords = {"draw": np.arange(D), "year": out_years, "status": list(STATUSES), "sex": list(SEXES),
              "age": AGES, "scheme": list(SCHEMES), "source": list(INCOME_SOURCES),
              "category": list(SPENDING_CATEGORIES), "account_holder": ["active", "retired"]}
    dy = ("draw", "year")
    insured = np.stack([totals[:, :, A].sum(axis=-1) + totals[:, :, R].sum(axis=-1),
                        res["insured_resident"]], axis=-1)
    next_year = a.config.indicators.reserve_months_denominator == "next_year"
    spend_denom = res["spending_next"][:, 1:n + 1] if next_year else res["spending"]
    balance, income, spending = res["balance"], res["income"], res["spending"]
    opening = np.concatenate([np.broadcast_to([inp.opening_pooled, inp.opening_resident], (D, 1, 2)),
                              balance[:, :-1]], axis=1)
    pa_balance = res["pa_balance"]
    v = {
        "population_total": (dy + ("status", "sex"), totals, _attrs(
            "persons", "population at 1 January, all ages",
            "whole city population; status 'resident' is everyone outside the employee scheme")),
        "births": (dy + ("sex",), res["births"], _attrs("persons", "births during the year")),
        "deaths": (dy + ("sex",), res["deaths"], _attrs(
            "persons", "deaths during the year", "deaths among the 1 January population and the year's births")),
        "net_migration": (dy + ("sex",), res["migration"], _attrs("persons", "net migrants during the year")),
        "insured": (dy + ("scheme",), insured, _attrs(
            "persons", "insured members at 1 January",
            "employee: active + retired; resident: enrolled members of the resident group")),
        "coverage": (dy, insured.sum(-1) / totals.sum(axis=(2, 3)),
                     _attrs("1", "insured share of the city population at 1 January")),
        "member_years": (dy + ("status",), res["member_years"], _attrs(
            "person-years", "member-years in the year",
            "mean of the 1 January stocks of the year and the next; 'resident' counts enrolled members only")),
        "income_by_source": (dy + ("scheme", "source"), res["income_by_source"], _attrs(
            "CNY", "contributions, premiums and subsidies collected",
            "employee scheme gross contributions (before the personal-account split) by payer; resident premiums and subsidies")),
        "income": (dy + ("scheme",), income, _attrs(
            "CNY", "fund income (pooled fund for the employee scheme)",
            "employee: contributions less personal-account credits; resident: premiums + subsidies; interest excluded")),
        "spending_by_category": (dy + ("scheme", "category"), res["spending_by_category"], _attrs(
            "CNY", "fund spending by category",
            "claims x trend index x fund share; critical_illness is the resident per-capita transfer")),
        "spending": (dy + ("scheme",), spending, _attrs("CNY", "fund spending (pooled fund for the employee scheme)")),
        "interest": (dy + ("scheme",), res["interest"], _attrs("CNY", "interest credited on the balance")),
        "opening_balance": (dy + ("scheme",), opening, _attrs(
            "CNY", "opening balance at 1 January (pooled fund for the employee scheme)")),
        "balance": (dy + ("scheme",), balance, _attrs(
            "CNY", "closing balance at 31 December (pooled fund for the employee scheme)",
            "opening + income - spending + interest")),
        "personal_account_credit": (dy + ("account_holder",), res["pa_credit"], _attrs(
            "CNY", "credits into employee personal accounts",
            "active: own contribution (+ employer share before the reform); retired: credit from the pooled fund")),
        "personal_account_spending": (dy, res["pa_spending"], _attrs("CNY", "spending from personal accounts")),
        "personal_account_interest": (dy, res["pa_interest"], _attrs("CNY", "interest credited to personal accounts")),
        "personal_account_opening_balance": (dy, np.concatenate([np.full((D, 1), inp.opening_pa), pa_balance[:, :-1]], axis=1),
                                             _attrs("CNY", "personal-account balances at 1 January")),
        "personal_account_balance": (dy, pa_balance, _attrs("CNY", "personal-account balances at 31 December")),
        "contribution_base": (dy, res["contribution_base"], _attrs("CNY per active member-year", "average contribution base")),
        "trend_index": (dy, res["trend"], _attrs("1", "medical cost trend index (base year = 1)")),
        "reserve_months": (dy + ("scheme",), fund.reserve_months(balance, spend_denom), _attrs(
            "months", "months of reserves (累计结余可支付月数)",
            f"closing balance / ({'next' if next_year else 'this'} year's spending / 12); pooled fund only for the employee scheme")),
        "surplus_rate": (dy + ("scheme",), fund.surplus_rate(income, spending), _attrs(
            "1", "current-year surplus rate (当期结余率)", "(income - spending) / income, interest excluded")),
        "dependency_ratio": (dy, totals[:, :, A].sum(axis=-1) / totals[:, :, R].sum(axis=-1), _attrs(
            "active members per retiree", "employee-scheme active:retired ratio (在职退休比) at 1 January")),
        "old_age_ratio": (dy, res["aged_65_plus"] / res["aged_15_64"], _attrs(
            "1", "old-age ratio: population 65+ / population 15-64 at 1 January")),
        "depletion_year": (("draw", "scheme"), fund.depletion_year(np.moveaxis(balance, 1, -1), out_years), _attrs(
            "year", "first year with a closing balance below zero",
            "NaN when the balance stays at or above zero over the horizon")),
    }
    if "population" in res:
        v = {"population": (dy + ("status", "sex", "age"), res["population"], _attrs(
            "persons", "population at 1 January",
            "whole city population; status 'resident' is everyone outside the employee scheme")), **v}
    else:
        coords.pop("age")
    ds = xr.Dataset(v, coords=coords)
    if not stochastic_run:
        ds = ds.isel(draw=0, drop=True)
    ds.attrs.update(provenance(a, seed=seed, draws=D if stochastic_run else 1, years=years,
                               sources=sources if stochastic_run else ()))
    return ds


def provenance(a: Assumptions, *, seed, draws: int, years: int, sources=()) -> dict:
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
        "stochastic_sources": ",".join(sources) if sources else "none",
        "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "python_version": platform.python_version(),
        "numpy_version": np.__version__,
        "xarray_version": xr.__version__,
        "currency": "CNY, nominal",
        "Conventions": "CF-1.8",
    }


def project(assumptions: Assumptions, years: int = 10, *, draws: int | None = None,
            seed: int | None = None, sources=uncertainty.SOURCES, chunk: int = DEFAULT_CHUNK,
            keep_population: bool = True) -> xr.Dataset:
    """Project both funds of an assumption set.

    Parameters
    ----------
    assumptions : Assumptions
        From :func:`actuarial.load_assumptions`.
    years : int
        Horizon: the result covers the base year and the ``years`` years after it.
    draws : int, optional
        Number of Monte Carlo draws. None (default) gives the deterministic best estimate with
        no ``draw`` dimension.
    seed : int, optional
        Seed of the random streams; the same seed gives the same numbers whatever ``chunk``.
    sources : iterable of str
        Sources of uncertainty switched on (default all: ``actuarial.uncertainty.SOURCES``);
        an empty tuple gives every draw equal to the best estimate.
    chunk : int
        Draws computed at once (bounds memory; results do not depend on it).
    keep_population : bool
        Keep ``population(year, status, sex, age)`` for every draw (default). False keeps only
        ``population_total(year, status, sex)``: memory then no longer grows with draws x ages.

    Returns
    -------
    xarray.Dataset
        ``population(year, status, sex, age)``, ``income``, ``spending``, ``balance``,
        ``reserve_months``, ``surplus_rate`` (``year, scheme``), ``personal_account_balance``,
        ``dependency_ratio``, ``old_age_ratio`` (``year``), ``depletion_year(scheme)`` and the
        components behind them (leading ``draw`` dim when ``draws`` is given), each with
        ``units`` and ``long_name``; provenance in attrs.
    """
    if not isinstance(years, (int, np.integer)) or isinstance(years, bool) or not 0 <= years <= 60:
        raise ProjectionError(f"years must be a whole number from 0 to 60 (got {years!r})")
    if not isinstance(chunk, (int, np.integer)) or chunk < 1:
        raise ProjectionError(f"chunk must be a whole number of at least 1 (got {chunk!r})")
    extra = 2 if assumptions.config.indicators.reserve_months_denominator == "next_year" else 1
    flow_years = assumptions.base_year + np.arange(years + extra)
    inp = resolve_inputs(assumptions, flow_years)
    sources = tuple(sources)
    if draws is None:
        res = run(inp, uncertainty.zero_deviations(1, flow_years.size), None, years + 1, chunk,
                  keep_population=keep_population)
        return assemble(assumptions, inp, res, years, seed=seed, stochastic_run=False)
    model = uncertainty.fit(assumptions)
    dev = uncertainty.draw_deviations(model, draws, flow_years.size, seed, sources)
    bx = model.bx_single if "mortality" in sources else None   # no deviation: shared ratios
    res = run(inp, dev, bx, years + 1, chunk, keep_population=keep_population)
    return assemble(assumptions, inp, res, years, seed=seed, stochastic_run=True, sources=sources)
