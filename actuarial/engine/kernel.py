"""The chunk kernel: (resolved inputs, fitted model, draw range, seed) -> arrays.

A pure function: it reads its arguments, draws its own random numbers from the seed for its
draw range (the same numbers whatever the chunking), and returns new arrays; it writes to
nothing shared, so any executor can run chunks anywhere. A deterministic run is one draw with
every deviation at zero, through the very same code.

Every array has a leading draw axis ``D`` and a year axis: ``T`` flow years, or ``T + 1``
1 January dates for stocks. Loops run over years only (each year needs the one before) and
over the declared schemes and ledgers; everything else broadcasts.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .. import costs, fund, lifetable, uncertainty
from ..indicators import AGE_SUMS, OLD_AGE, WORKING_AGES
from ..dims import ACTIVE, AGES, FEMALE, NEWBORN_STATUS, OUTSIDE, RETIRED, STATUSES, index
from ..schemes import CATEGORIES, LEDGER_NAMES, SCHEMES, SOURCES, Members
from . import fused, survival
from .inputs import Inputs

NEWBORN = index(STATUSES, NEWBORN_STATUS)
AGE0 = index(AGES.tolist(), 0)
OLD = AGES >= OLD_AGE                                   # the old-age ratio's ages (the registry's)
WORKING = (AGES >= WORKING_AGES[0]) & (AGES <= WORKING_AGES[1])


@dataclass
class PopulationDraws:
    """What the population needs by draw, for one chunk of ``D`` draws."""

    sx: np.ndarray                  # (D, T, sex, age) survival ratios
    birth_survival: np.ndarray      # (D, T, sex)
    employment_scale: np.ndarray    # (D, T) entry rates x scale, exit rates / scale (each at most 1)


@dataclass
class EconomyDraws:
    """What the money needs by draw, for one chunk of ``D`` draws: (D, T) each."""

    trend: np.ndarray               # cost trend index (base year = 1)
    wage_index: np.ndarray          # wage index (base year = 1)
    interest_rate: np.ndarray       # fraction a year


def realise_population(inp: Inputs, dev: dict[str, np.ndarray], bx: np.ndarray | None) -> PopulationDraws:
    """Apply the mortality and employment deviations (mortality (D, T, sex), employment (D, T))
    to the best estimate: survival ratios, the survival of births and the employment scale.
    With every deviation zero the result equals the best estimate to the last bit."""
    D = dev["wage_growth"].shape[0]
    if bx is None:   # best-estimate mortality: one set of ratios shared by every draw
        sx, bs = lifetable.survival_from_mx(inp.mx, lifetable.a0_by_sex(inp.mx[..., AGE0], inp.a0_rule))
        sx, bs = np.broadcast_to(sx, (D,) + sx.shape), np.broadcast_to(bs, (D,) + bs.shape)
    else:            # shocked rates mx * exp(bx * k), turned into ratios in one compiled pass
        sx, bs = survival.shocked_survival(inp.mx, bx, dev["mortality"],
                                           lambda m0: lifetable.a0_by_sex(m0, inp.a0_rule))
    return PopulationDraws(sx, bs, np.exp(dev["employment"]))


def realise_economy(inp: Inputs, dev: dict[str, np.ndarray]) -> EconomyDraws:
    """Apply the economic deviations (each (D, T)) to the best estimate: the cost trend index
    (:func:`actuarial.costs.trend_growth`), the wage index and the interest rate."""
    inflation, utilisation, policy = inp.trend_components
    trend = costs.growth_index(costs.trend_growth(inflation[None] + dev["medical_inflation"],
                                                  utilisation[None] + dev["utilisation_growth"], policy[None]))
    return EconomyDraws(trend, costs.growth_index(inp.wage_growth[None] + dev["wage_growth"]),
                        inp.interest_rate[None] + dev["interest_rate"])


def run_population(inp: Inputs, real: PopulationDraws, out: np.ndarray | None = None) -> dict[str, np.ndarray]:
    """The cohort-component projection (:func:`actuarial.engine.fused.population_recurrence`,
    the steps of :mod:`actuarial.demography` compiled into one pass per draw and year).
    Returns ``population`` (D, T+1, status, sex, age) at each 1 January (computed in ``out``
    when given) and the flows ``births``, ``deaths``, ``migration`` (D, T, sex) of each year."""
    D, T = real.sx.shape[:2]
    pop = np.empty((D, T + 1) + inp.pop0.shape) if out is None else out
    pop[:, 0] = inp.pop0                  # the first date: 1 January of the base year
    born, died, moved = fused.run(
        pop, real.sx, real.birth_survival, inp.fertility, inp.srb, inp.entry, inp.exit,
        real.employment_scale, inp.retire, inp.eligible, inp.migration,
        newborn=NEWBORN, active=ACTIVE, retired=RETIRED, resident=OUTSIDE, female=FEMALE)
    return {"population": pop, "births": born, "deaths": died, "migration": moved}


def run_money(inp: Inputs, real: EconomyDraws, dev: dict, pop: np.ndarray) -> dict[str, np.ndarray]:
    """Money of every declared scheme and ledger, (D, T, ...) in CNY.

    The claims of each status's stocks are summed once per date (one matrix product each:
    persons, then base-year cost by claim category); each scheme turns them into member-years,
    income and spending (``scheme.money``); each ledger rolls forward."""
    claims, claims0 = {}, {}
    for i, status in enumerate(STATUSES):
        cost = inp.claim_cost[i]
        claims[status] = costs.stock_claims(pop[:, :, i], cost)
        claims0[status] = pop[:, :, i, :, AGE0] @ np.concatenate([np.ones((cost.shape[0], 1)), cost[:, AGE0, :]], axis=-1)
    members = Members(claims, claims0, inp.flow_years, real.trend, real.wage_index, real.interest_rate, dev)
    D, T = real.trend.shape
    n_sch = len(SCHEMES)
    out = {
        "income_by_source": np.zeros((D, T, n_sch, len(SOURCES))),
        "spending_by_category": np.zeros((D, T, n_sch, len(CATEGORIES))),
        "member_years": np.zeros((D, T, len(STATUSES))),
        "insured": np.zeros((D, T, n_sch)),
    }
    ledger = {k: np.zeros((D, T, len(LEDGER_NAMES))) for k in ("income", "spending", "interest", "balance")}
    for k, sch in enumerate(SCHEMES):
        flows = sch.money(inp.schemes[sch.name], members)
        for name, v in flows.income.items():
            out["income_by_source"][..., k, SOURCES.index(name)] = v
        for name, v in flows.spending.items():
            out["spending_by_category"][..., k, CATEGORIES.index(name)] = v
        for status, v in flows.member_years.items():
            out["member_years"][..., index(STATUSES, status)] = v
        out["insured"][..., k] = flows.insured
        for led in sch.ledgers:
            j = LEDGER_NAMES.index(led.name)
            closing, interest, spent = fund.roll_forward(
                inp.opening[led.name], flows.ledger_income[led.name], flows.ledger_spending[led.name],
                real.interest_rate, inp.interest_on,
                spend_rate=flows.spend_rate[led.name][None] if led.spend_rate else None)
            ledger["income"][..., j] = flows.ledger_income[led.name]
            ledger["spending"][..., j], ledger["interest"][..., j], ledger["balance"][..., j] = spent, interest, closing
        out.update(flows.extras)
    out.update({f"ledger_{k}": v for k, v in ledger.items()})
    out["trend"] = real.trend
    return out


def chunk_population(inp: Inputs, model, start: int, stop: int, seed, sources, out: np.ndarray | None = None,
                     states: dict | None = None) -> tuple[dict, dict]:
    """The population part of a chunk: the draws' deviations (zero without a model or with no
    sources) and the cohort-component projection. Returns (deviations, population results).
    ``states`` may give the random streams' states at each chunk start
    (:func:`actuarial.uncertainty.sources.stream_states`): the same numbers, found faster."""
    T = inp.flow_years.size
    D = stop - start
    if model is None or not sources:
        dev = uncertainty.zero_deviations(D, T)
    else:
        dev = uncertainty.draw_deviations(model, D, T, seed, sources, start=start,
                                          states=(states or {}).get(start))
    bx = model.bx_single if model is not None and "mortality" in sources else None
    pop = run_population(inp, realise_population(inp, dev, bx), out=out)
    return dev, pop


def chunk_money(inp: Inputs, dev: dict, pop: dict, keep_population: bool = True, kept: bool = False
                ) -> dict[str, np.ndarray]:
    """The money part of a chunk, from its deviations and population: every result over the
    flow years (stocks at the T first 1 January dates). ``pop`` is not changed, so the same
    population can price several variants of the money assumptions. Without
    ``keep_population`` only totals by status and sex and the age sums the old-age ratio needs
    are kept; ``kept`` says the caller already holds the population (computed in its buffer)."""
    T = inp.flow_years.size
    money = run_money(inp, realise_economy(inp, dev), dev, pop["population"])
    stocks = pop["population"][:, :T]
    by_age = stocks.sum(axis=(2, 3))
    results = {**money, "births": pop["births"], "deaths": pop["deaths"], "net_migration": pop["migration"],
               "population_total": stocks.sum(axis=-1),
               AGE_SUMS[0]: by_age[..., OLD].sum(axis=-1),
               AGE_SUMS[1]: by_age[..., WORKING].sum(axis=-1)}
    if keep_population and not kept:
        results["population"] = stocks
    return results


def run_chunk(inp: Inputs, model, start: int, stop: int, seed, sources, keep_population: bool = True,
              out: dict | None = None, states: dict | None = None) -> dict[str, np.ndarray]:
    """Run draws ``start .. stop - 1``: deviations from the seed, population, money
    (:func:`chunk_population`, then :func:`chunk_money`).

    ``out`` may hold a ``population`` array (stop - start, T + 1, status, sex, age) that the
    caller owns for these draws alone: the population is then computed in it (saving a copy of
    the largest array) instead of in new memory; ``states`` as in :func:`chunk_population`.
    Neither changes the numbers."""
    buffer = (out or {}).get("population") if keep_population else None
    dev, pop = chunk_population(inp, model, start, stop, seed, sources, out=buffer, states=states)
    return chunk_money(inp, dev, pop, keep_population, kept=buffer is not None)
